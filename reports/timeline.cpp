#include "reports/timeline.h"

#include <algorithm>
#include <tuple>
#include <variant>

#include "harness/world.h"
#include "model/oracle/ledger.h"
#include "model/oracle/oracle.h"
#include "sim/trace.h"

namespace idem::reports {

using model::kNone;
using model::Ledger;
using sim::Time;

namespace {

// A crash or restart of a process: the service's (a frontend, the store) or a caller's.
struct Mark {
  Time at;
  uint32_t region = 0;
  uint32_t which = 0;  // a frontend, kStore, or (client) the client
  bool client = false;
  std::string what;
};
constexpr uint32_t kStore = UINT32_MAX;

std::vector<Mark> marks_of(const Ledger& l) {
  std::vector<Mark> out;
  for (const model::Record& r : l.log->records()) {
    const Time t = r.time();
    switch (r.kind) {
      case model::Obs::caller_crash: {
        const uint32_t region = l.clients[r.subject].region;
        out.push_back({t, region, r.subject, true,
                       "process crashed (" +
                           std::string(model::caller_crash_point_name(static_cast<model::CallerCrashPoint>(r.code))) + ")"});
        out.push_back({t + r.duration(), region, r.subject, true, "process restarted"});
        break;
      }
      case model::Obs::store_crash: out.push_back({t, r.subject, kStore, false, "token store crashed"}); break;
      case model::Obs::frontend_crash: out.push_back({t, r.subject, r.a, false, "frontend " + std::to_string(r.a) + " crashed"}); break;
      case model::Obs::store_restart: out.push_back({t, r.subject, kStore, false, "token store back"}); break;
      case model::Obs::frontend_restart: out.push_back({t, r.subject, r.a, false, "frontend " + std::to_string(r.a) + " back"}); break;
      default: break;
    }
  }
  return out;
}

// Per fault of the plan: the instants a crash fault struck, from the log's records: a caller's
// crash, a crash at a launch's step, a timed crash. Each is the first crash fault that could have
// struck then (the injector's order; two faults of one kind over one window share their strikes).
std::vector<std::vector<int64_t>> crash_instants(const harness::Scenario& s, const Ledger& l) {
  const auto& plan = s.faults;
  std::vector<std::vector<int64_t>> out(plan.faults.size());
  const auto applies = [&](const faults::Crash& c, uint32_t region, Time at) {
    return c.window.contains(at) && (!c.region || *c.region == region) && (!plan.heal_at || at < *plan.heal_at);
  };
  const auto first = [&](auto&& fits) -> size_t {
    for (size_t i = 0; i < plan.faults.size(); ++i)
      if (const auto* c = std::get_if<faults::Crash>(&plan.faults[i]); c && fits(*c)) return i;
    return plan.faults.size();
  };
  for (const model::Record& r : l.log->records()) {
    const Time at = r.time();
    size_t i = plan.faults.size();
    if (r.kind == model::Obs::caller_crash && r.subject < l.clients.size()) {
      const Ledger::Client& c = l.clients[r.subject];
      i = first([&](const faults::Crash& k) {
        return k.target == faults::Crash::client && k.group == c.group && static_cast<uint8_t>(k.when) == r.code &&
               applies(k, c.region, at);
      });
    } else if (r.kind == model::Obs::crash_timed) {
      i = r.subject;
    } else if (r.kind == model::Obs::crash_step && r.a < l.attempts.size()) {
      const uint32_t frontend = l.attempts[r.a].frontend;
      i = first([&](const faults::Crash& k) {
        return k.step && static_cast<uint8_t>(*k.step) == r.code && applies(k, l.region_of(r.a), at) &&
               (k.target != faults::Crash::frontend || !k.which || *k.which == frontend);
      });
    }
    if (i < out.size()) out[i].push_back((at - Time(0)).us);
  }
  return out;
}

}  // namespace

Timeline timeline(const harness::Scenario& s, const harness::RunResult& r, const std::vector<Violation>& vs) {
  const Ledger l = model::index_log(*r.log);
  const std::vector<Mark> marks = marks_of(l);
  const std::vector<std::string> regions = s.region_names();
  const Time now = r.end;
  Timeline t;
  t.seed = r.seed;
  t.events = r.stats.events;
  t.end_us = (now - Time(0)).us;
  for (const Violation& v : vs) t.violations.push_back(v.property + " " + v.subject + ": " + v.detail);
  for (uint32_t i = 0; i < vs.size(); ++i)
    if (!s.expect_property.empty() && vs[i].property == s.expect_property) {
      t.focus = i;
      break;
    }
  const size_t n = l.attempts.size();
  // Leaked launches, as the oracle counts them (its own pass over the log: one rule, one place).
  std::vector<bool> leaked(l.launches.size(), false);
  {
    model::OracleCounts counts;
    model::check(l, harness::rules_of(s.service), nullptr, &counts);
    for (uint32_t li : counts.leaked_launches) leaked[li] = true;
  }
  // Per attempt: in a violation's story (1), in the focus violation's (2); the violations its
  // launch broke. An attempt that made a bad launch is in its story, and so is a copy the network
  // made of an attempt in a story.
  std::vector<uint8_t> story(n, 0);
  std::vector<std::vector<uint32_t>> bad_in(n);
  for (uint32_t i = 0; i < vs.size(); ++i) {
    const uint8_t level = i == t.focus ? 2 : 1;
    for (uint32_t a : vs[i].attempts) story[a] = std::max(story[a], level);
    for (uint32_t a : vs[i].bad_launches) {
      if (bad_in[a].empty() || bad_in[a].back() != i) bad_in[a].push_back(i);
      story[a] = std::max(story[a], level);
    }
  }
  // What a story's answers rest on: the launch an answer names, and the calls that terminated a
  // launch the story made (a token's life ends there); the network's copies of its requests.
  const auto launch_attempt = [&](uint32_t reservation) -> uint32_t {
    return reservation >= 1 && reservation <= l.launches.size() && l.launches[reservation - 1].reservation == reservation
               ? l.launches[reservation - 1].attempt
               : kNone;
  };
  for (uint32_t a = 0; a < n; ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    if (!story[a] || l.call_of(a).api == model::Api::terminate) continue;
    for (const model::Response* x : {at.end == Ledger::Attempt::answer ? &at.response : nullptr, at.late ? &at.late_response : nullptr})
      if (x && x->ok()) {
        const uint32_t by = launch_attempt(x->reservation);
        if (by != kNone) story[by] = std::max(story[by], story[a]);
      }
  }
  for (const Ledger::Launch& res : l.launches) {
    if (!res.reservation) continue;
    const uint8_t level = story[res.attempt];
    if (!level) continue;
    for (const Ledger::Call& c : l.calls) {
      if (c.api != model::Api::terminate) continue;
      const bool ends_it = std::any_of(c.ids.begin(), c.ids.end(),
                                       [&](uint32_t id) { return id >= res.first && id < res.first + res.count; });
      if (ends_it)
        for (uint32_t a : c.attempts) story[a] = std::max(story[a], level);
    }
  }
  for (uint32_t a = 0; a < n; ++a) {
    const uint32_t of = l.attempts[a].duplicate_of;
    if (of != kNone) story[a] = std::max(story[a], story[of]);
  }
  // A run too large to draw whole keeps the clients in a story, and says how much it left out.
  constexpr size_t kMostAttempts = 600;
  std::vector<bool> drawn(l.clients.size(), n <= kMostAttempts);
  if (n > kMostAttempts)
    for (uint32_t a = 0; a < n; ++a)
      if (story[a]) drawn[l.call_of(a).client] = true;
  std::vector<bool> region_drawn(regions.size(), n <= kMostAttempts);
  for (uint32_t c = 0; c < l.clients.size(); ++c)
    if (drawn[c]) region_drawn[l.clients[c].region] = true;
  for (const model::ReaperSpec& rp : s.reapers) region_drawn[rp.region] = true;
  std::vector<int32_t> client_lane(l.clients.size(), -1);
  for (uint32_t c = 0; c < l.clients.size(); ++c) {
    if (!drawn[c]) continue;
    client_lane[c] = static_cast<int32_t>(t.lanes.size());
    t.lanes.push_back({l.log->name_of(l.clients[c].label), "client", regions[l.clients[c].region]});
  }
  const uint32_t frontends = s.service.frontends;
  std::vector<int32_t> first_frontend(regions.size(), -1), store_lane(regions.size(), -1);
  for (uint32_t g = 0; g < regions.size(); ++g) {
    if (!region_drawn[g]) continue;
    first_frontend[g] = static_cast<int32_t>(t.lanes.size());
    for (uint32_t f = 0; f < frontends; ++f)
      t.lanes.push_back({regions[g] + (frontends == 1 ? std::string(" service") : " frontend " + std::to_string(f)), "frontend", regions[g]});
    for (const Mark& m : marks)
      if (!m.client && m.which == kStore && m.region == g && store_lane[g] < 0) {
        store_lane[g] = static_cast<int32_t>(t.lanes.size());
        t.lanes.push_back({regions[g] + " token store", "store", regions[g]});
      }
  }
  std::vector<int32_t> reaper_lane(s.reapers.size());
  for (uint32_t i = 0; i < s.reapers.size(); ++i) {
    reaper_lane[i] = static_cast<int32_t>(t.lanes.size());
    t.lanes.push_back({"reaper " + std::to_string(i), "reaper", regions[s.reapers[i].region]});
  }
  // The lane an attempt went to: the frontend that took it in, or, for one the Region's endpoint
  // answered before any frontend did (a storm, the quota, every frontend down), the Region's first.
  const auto lane_to = [&](uint32_t attempt) -> int32_t {
    const uint32_t region = l.region_of(attempt);
    if (first_frontend[region] < 0) return -1;
    const uint32_t f = l.attempts[attempt].frontend;
    return first_frontend[region] + static_cast<int32_t>(f == kNone ? 0 : f);
  };
  const auto answer = [](model::Api api, const model::Response& x) {
    if (!x.ok()) return std::to_string(x.status()) + " " + std::string(model::code_name(x.code));
    if (api == model::Api::describe)
      return x.count == 0 ? std::string("200 found nothing") : "200 found " + model::reservation_name(x.reservation);
    if (api == model::Api::terminate) return std::string("200 terminating");
    return "200 " + model::reservation_name(x.reservation);
  };
  const auto us = [](const std::optional<Time>& x) { return x ? (*x - Time(0)).us : int64_t{-1}; };
  for (uint32_t a = 0; a < n; ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    const Ledger::Call& c = l.call_of(a);
    if (!drawn[c.client]) {
      ++t.attempts_left_out;
      continue;
    }
    using model::Fate;
    Timeline::Attempt x;
    x.id = a;
    x.from = static_cast<uint32_t>(client_lane[c.client]);
    x.sent_us = (at.sent - Time(0)).us;
    x.reached_us = us(at.arrived);
    x.to = x.reached_us >= 0 ? lane_to(a) : -1;
    x.answered_us = us(at.answered);
    x.what = std::string(model::api_name(c.api)) + " call " + std::to_string(at.call) + " try " + std::to_string(at.number);
    if (c.api == model::Api::run) x.what += at.has_token() ? " token=" + sim::escaped(l.token(at.token).view()) : " no-token";
    if (c.api == model::Api::describe && c.token != kNone) x.what += " client-token=" + sim::escaped(l.token(c.token).view());
    if (at.duplicate_of != kNone) x.what += " (a second delivery of attempt " + std::to_string(at.duplicate_of) + ", by the network)";
    x.story = story[a];
    if (at.end != Ledger::Attempt::open) {
      x.ended_us = (at.ended - Time(0)).us;
      if (at.end != Ledger::Attempt::answer) {
        const bool reset = at.fate == Fate::reset_before || at.fate == Fate::reset_after || at.fate == Fate::refused ||
                           at.fate == Fate::crashed;
        x.end = reset ? "connection reset" : "timed out";
      } else {
        x.end = answer(c.api, at.response);
      }
    } else if (at.duplicate_of != kNone) {
      x.end = "no one waits for it";
    } else {
      // Its caller's process died while it waited, or the run reached its limit.
      const auto crash = std::find_if(marks.begin(), marks.end(), [&](const Mark& m) {
        return m.client && m.which == c.client && m.at >= at.sent && m.what.rfind("process crashed", 0) == 0;
      });
      x.end = crash != marks.end() ? "no end: its caller's process crashed at " + sim::format_time(crash->at) : "no end by the limit";
    }
    if (at.late) {
      x.late_us = (at.late_at - Time(0)).us;
      x.end += "; answered " + answer(c.api, at.late_response) + " at " + sim::format_time(at.late_at) +
               (at.fate == Fate::caller_crashed ? ", as the caller's process died" : ", with no one waiting");
    }
    switch (at.fate) {
      case Fate::request_lost: x.end += "; the request was lost on the way"; break;
      case Fate::turned_away: x.end += "; a storm answered it before the service saw it"; break;
      case Fate::answer_replaced: x.end += "; a storm replaced the service's answer"; break;
      case Fate::response_lost: x.end += "; its answer was lost on the way back"; break;
      case Fate::reset_before: x.end += "; reset before the service saw it"; break;
      case Fate::reset_after: x.end += "; reset after the service acted"; break;
      case Fate::transient: x.end += "; a transient error before the service acted"; break;
      case Fate::throttled: x.end += "; the account's request quota was empty"; break;
      case Fate::refused: x.end += "; every frontend of the Region was down"; break;
      case Fate::crashed: x.end += "; its frontend crashed"; break;
      case Fate::caller_crashed: break;
      case Fate::none: break;
    }
    if (at.store_down) x.end += "; the token store was down";
    x.lost = at.fate == Fate::request_lost ? "request" : at.fate == Fate::response_lost ? "answer" : "";
    t.attempts.push_back(std::move(x));
  }
  // The first time each instance's termination was asked, and by whom (an attempt, or kNone: a
  // cleanup job).
  std::vector<std::optional<std::pair<Time, uint32_t>>> asked(l.terminating.size());
  for (const model::Record& rec : l.log->records())
    if (rec.kind == model::Obs::terminating && rec.subject >= 1 && rec.subject <= asked.size() && !asked[rec.subject - 1])
      asked[rec.subject - 1] = std::make_pair(rec.time(), rec.a);
  for (uint32_t li = 0; li < l.launches.size(); ++li) {
    const Ledger::Launch& res = l.launches[li];
    if (!res.reservation) continue;
    const uint32_t a = res.attempt;
    if (!drawn[l.call_of(a).client]) continue;
    const Ledger::Attempt& at = l.attempts[a];
    Timeline::Launch x;
    x.at_us = (res.at - Time(0)).us;
    x.lane = lane_to(a);
    x.attempt = a;
    x.what = model::reservation_name(res.reservation) + ": " + std::to_string(res.count) + " instance(s)" +
             (at.has_token() ? " token=" + sim::escaped(l.token(at.token).view()) : " no token");
    x.bad_in = bad_in[a];
    x.bad = !x.bad_in.empty();
    x.leaked = leaked[li];
    // The termination that ended it: its last instance's to be asked, when every one was.
    std::optional<std::pair<Time, uint32_t>> last;
    uint32_t last_id = 0;
    bool all = res.count > 0;
    for (uint32_t id = res.first; all && id < res.first + res.count; ++id) {
      const auto& q = id >= 1 && id <= asked.size() ? asked[id - 1] : std::nullopt;
      if (!q) all = false;
      else if (!last || q->first >= last->first) last = q, last_id = id;
    }
    if (all && last && last->first <= now) {
      x.terminated_us = (last->first - Time(0)).us;
      if (last->second != kNone && last->second < n) {
        const Ledger::Call& by = l.call_of(last->second);
        x.terminated_lane = lane_to(last->second);
        x.terminated_by = l.log->name_of(l.clients[by.client].label) + " TerminateInstances attempt " + std::to_string(last->second);
      } else {
        const auto reap = std::find_if(l.reaps.begin(), l.reaps.end(),
                                       [&](const Ledger::Reap& rr) { return rr.instance == last_id && rr.at == last->first; });
        if (reap != l.reaps.end()) {
          x.terminated_lane = reaper_lane[reap->reaper];
          x.terminated_by = "reaper " + std::to_string(reap->reaper);
        } else {
          x.terminated_by = "a cleanup job";
        }
      }
    }
    t.launches.push_back(std::move(x));
  }
  // Each fault's window, cut at heal_at and the limit. A crash strikes at instants: its window is
  // when it may (a crash at a time: that instant), with the instants it struck.
  const Time limit = Time(0) + s.limit;
  const std::vector<std::vector<int64_t>> instants = crash_instants(s, l);
  for (size_t i = 0; i < s.faults.faults.size(); ++i) {
    const faults::Fault& f = s.faults.faults[i];
    const faults::Window& w = std::visit([](const auto& x) -> const faults::Window& { return x.window; }, f);
    const std::optional<uint32_t> region = std::visit([](const auto& x) { return x.region; }, f);
    Time from = w.from, until = w.length ? w.from + *w.length : limit;
    const auto* crash = std::get_if<faults::Crash>(&f);
    if (crash && crash->at) from = until = *crash->at;
    if (s.faults.heal_at) until = std::min(until, *s.faults.heal_at);
    until = std::min(until, limit);
    if (crash ? until < from : until <= from) continue;
    Timeline::Span span;
    span.fault = faults::describe(f, regions, s.group_names());
    span.from_us = (from - Time(0)).us;
    span.until_us = (until - Time(0)).us;
    span.region = region ? regions[*region] : std::string();
    span.instant = crash != nullptr;
    span.at_us = instants[i];
    t.faults.push_back(std::move(span));
  }
  for (const Mark& m : marks) {
    if (m.at > now) continue;  // a restart the run ended before
    const int32_t lane = m.client                    ? client_lane[m.which]
                         : first_frontend[m.region] < 0 ? -1
                         : m.which == kStore           ? store_lane[m.region]
                                                       : first_frontend[m.region] + static_cast<int32_t>(m.which);
    if (lane >= 0) t.marks.push_back({(m.at - Time(0)).us, lane, m.what});
  }
  // A reaper's termination is in a story when the violation names it, or when it ended a launch
  // the story made.
  std::vector<uint8_t> reap_story(l.reaps.size(), 0);
  for (size_t i = 0; i < vs.size(); ++i)
    for (uint32_t k : vs[i].reaps) reap_story[k] = std::max<uint8_t>(reap_story[k], i == t.focus ? 2 : 1);
  for (size_t k = 0; k < l.reaps.size(); ++k) {
    const uint32_t id = l.reaps[k].instance;
    const uint32_t res = id >= 1 && id <= l.reservation_of.size() ? l.reservation_of[id - 1] : 0;
    if (res >= 1 && res <= l.launches.size() && l.launches[res - 1].reservation == res)
      reap_story[k] = std::max(reap_story[k], story[l.launches[res - 1].attempt]);
  }
  for (size_t k = 0; k < l.reaps.size(); ++k) {
    const Ledger::Reap& rr = l.reaps[k];
    t.marks.push_back({(rr.at - Time(0)).us, reaper_lane[rr.reaper],
                       "terminated " + model::instance_name(rr.instance) + (rr.tagged ? "" : " (untagged)"), reap_story[k]});
  }
  std::stable_sort(t.marks.begin(), t.marks.end(), [](const Timeline::Mark& x, const Timeline::Mark& y) { return x.at_us < y.at_us; });
  return t;
}

}  // namespace idem::reports
