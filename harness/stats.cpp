#include "harness/stats.h"

#include <algorithm>
#include <array>
#include <tuple>

namespace idem::harness {

using model::Api;
using model::Ledger;
using model::Obs;

namespace {

void count_intents(std::vector<RunStats>& gs, const Scenario& s, const Ledger& l) {
  // The intents the scenario plans; each ends ok, failed or unknown, or is open: cut off by the
  // time limit, before or after it began (so the four add up to the intents).
  for (size_t g = 0; g < s.clients.size(); ++g) {
    const uint64_t planned = static_cast<uint64_t>(s.clients[g].count) * static_cast<uint64_t>(s.clients[g].spec.intents);
    gs[g].intents = planned;
    gs[g].intents_open = planned;
    gs[g].instances_intended = planned * static_cast<uint64_t>(s.clients[g].spec.request.max);
  }
  for (const Ledger::Intent& i : l.intents) {
    if (i.intended == 0 && s.clients[l.clients[i.client].group].live) continue;  // a live client's lookups
    RunStats& st = gs[l.clients[i.client].group];
    ++st.intents_begun;
    st.intents_blocked += i.blocked ? 1 : 0;
    if (!i.finished) {
      const model::ClientSpec& spec = s.clients[l.clients[i.client].group].spec;
      const bool waits_forever = !spec.timeout && !spec.deadline && !i.calls.empty() &&
                                 l.calls[i.calls.back()].outcome == model::Outcome::pending;
      st.intents_hung += waits_forever ? 1 : 0;
      continue;
    }
    if (s.clients[l.clients[i.client].group].live) ++st.intents, st.instances_intended += static_cast<uint64_t>(i.intended);
    else --st.intents_open;
    switch (i.outcome) {
      case model::Outcome::ok: ++st.intents_ok; break;
      case model::Outcome::failed: ++st.intents_failed; break;
      case model::Outcome::unknown:
      case model::Outcome::pending: ++st.intents_unknown; break;
    }
  }
}

// Retries by layer (each call counted once, for the intent it was made for), attempts per intent
// and its completion time (first call to its first definite end).
void count_calls(std::vector<RunStats>& gs, Distributions& dist, const Ledger& l) {
  std::vector<std::array<uint64_t, 3>> by_intent(l.intents.size(), {0, 0, 0});
  std::vector<uint32_t> attempts(l.intents.size(), 0);
  for (const Ledger::Call& c : l.calls) {
    RunStats& st = gs[l.clients[c.client].group];
    ++st.calls;
    st.requests += c.attempts.size();
    st.retries += c.attempts.size() - 1 + (c.layer != model::Layer::first ? 1 : 0);
    if (c.api == Api::terminate || c.repeat) continue;
    attempts[c.intent] += static_cast<uint32_t>(c.attempts.size());
    if (c.attempts.empty()) continue;
    auto& n = by_intent[c.intent];
    n[0] += c.attempts.size() - 1;
    n[1] += c.layer == model::Layer::app ? 1 : 0;
    n[2] += c.layer == model::Layer::controller ? 1 : 0;
  }
  for (size_t i = 0; i < l.intents.size(); ++i) {
    const Ledger::Intent& intent = l.intents[i];
    if (intent.intended == 0) continue;  // a live client's lookups (harness/live.h): not an intent to launch
    if (dist.attempts.size() <= attempts[i]) dist.attempts.resize(attempts[i] + 1);
    ++dist.attempts[attempts[i]];
    RunStats& st = gs[l.clients[intent.client].group];
    const auto& n = by_intent[i];
    st.attempts_sdk += n[0];
    st.attempts_app += n[1];
    st.attempts_controller += n[2];
    st.most_sdk = std::max(st.most_sdk, n[0]);
    st.most_app = std::max(st.most_app, n[1]);
    st.most_controller = std::max(st.most_controller, n[2]);
    if (!intent.finished || (intent.outcome != model::Outcome::ok && intent.outcome != model::Outcome::failed) ||
        intent.calls.empty())
      continue;
    // To its first definite end: the last call that settled it in the first drive that did (a
    // drive after a restart that forgot the answer, or a resync, is the controller's again, not
    // time the intent took).
    const sim::Time began = l.calls[intent.calls.front()].invoked;
    std::optional<sim::Time> done;
    for (uint32_t c : intent.calls) {
      const Ledger::Call& call = l.calls[c];
      if (done && call.layer == model::Layer::controller) break;
      if (call.settles()) done = *call.ended;
    }
    if (done) dist.count_completion(Distributions::bucket_of(*done - began));
  }
}

// Whether two attempts are of one logical intent (groups naming one intent, paired by client
// index and intent number).
bool same_intent(const Ledger& l, uint32_t x, uint32_t y) {
  const auto key = [&](uint32_t a) {
    const Ledger::Call& c = l.call_of(a);
    const Ledger::Client& who = l.clients[c.client];
    return std::make_tuple(who.intent_group, who.index, l.intents[c.intent].k);
  };
  return key(x) == key(y);
}

// What the log's records count, in one pass: the coverage catalogue's situations
// (harness/coverage.h), the requests a quota turned away, the cleanup jobs' sweeps.
void count_records(RunResult& out, std::vector<RunStats>& gs, const Scenario& s, const Ledger& l) {
  Coverage& cov = out.coverage;
  auto bump = [&](Situation x) { ++cov[static_cast<size_t>(x)]; };
  for (const model::Record& r : l.log->records()) {
    switch (r.kind) {
      case Obs::throttled: ++gs[l.clients[l.call_of(r.subject).client].group].throttled; break;
      case Obs::sweep:
        if (2 * r.subject + 1 < out.reaper_counts.size()) {
          ++out.reaper_counts[2 * r.subject];
          out.reaper_counts[2 * r.subject + 1] += r.c;
        }
        break;
      case Obs::admitted: {
        const auto kind = static_cast<model::Admit>(r.flags & 3);
        if (r.x > 0) bump(Situation::clock_ahead);
        if (r.x < 0) bump(Situation::clock_behind);
        if (kind == model::Admit::joined) bump(Situation::repeat_in_flight);
        if (r.flags & model::kAfterLaunch) bump(Situation::repeat_launch_record);
        if (r.flags & model::kAfterTermination) bump(Situation::repeat_after_terminate);
        if (r.flags & model::kForgot) bump(Situation::repeat_after_forget);
        const Ledger::Call& c = l.call_of(r.subject);
        if (kind == model::Admit::reply && static_cast<model::Code>(r.code) == model::Code::IdempotentParameterMismatch &&
            l.params(c.params).type != s.clients[l.clients[c.client].group].spec.request.type)
          bump(Situation::mismatch_after_fallback);
        if (r.d != model::kNone && r.d < l.attempts.size() && !same_intent(l, r.d, r.subject))
          bump(Situation::two_intents_one_token);
        break;
      }
      case Obs::described: {
        const Ledger::Call& c = l.call_of(r.subject);
        if (r.a != 0 || c.token == model::kNone) break;
        const uint32_t region = l.region_of(r.subject), account = l.account_of(r.subject);
        for (const Ledger::Launch& launch : l.launches) {
          const Ledger::Attempt& by = l.attempts[launch.attempt];
          if (launch.reservation && launch.at <= r.time() && by.has_token() && l.token(by.token) == l.token(c.token) &&
              l.region_of(launch.attempt) == region && l.account_of(launch.attempt) == account) {
            bump(Situation::describe_too_soon);
            break;
          }
        }
        break;
      }
      case Obs::caller_crash:
        if (!(r.flags & model::kIdleCrash)) bump(Situation::caller_crash);  // a crash between intents loses nothing
        break;
      case Obs::rate_wait: bump(Situation::rate_limited); break;
      case Obs::reaped:
        if (!(r.flags & model::kTagged)) bump(Situation::reaped_untagged);
        break;
      case Obs::lost_response:
        if (!(r.flags & model::kPartition) && (r.flags & model::kActed) &&
            static_cast<model::Code>(r.code) == model::Code::Ok && l.call_of(r.subject).api == Api::run)
          bump(Situation::response_lost_commit);
        break;
      default: break;
    }
  }
  for (const Ledger::Call& c : l.calls) {
    cov[static_cast<size_t>(Situation::quota_mid_chain)] += c.quota_stopped ? 1 : 0;
    // A launch call of a batching group that served fewer intents than `batch` (one alone included).
    const uint32_t g = l.clients[c.client].group;
    const size_t served = c.batch.empty() ? 1 : c.batch.size();
    if (c.api == Api::run && !c.repeat && g < s.clients.size() && served < static_cast<size_t>(s.clients[g].spec.batch))
      bump(Situation::batch_partly_filled);
  }
}

}  // namespace

void fill_stats(RunResult& out, const Scenario& s, const Ledger& l, const model::OracleCounts& counts) {
  std::vector<RunStats>& gs = out.groups;
  gs.assign(s.clients.size(), RunStats{});
  count_intents(gs, s, l);
  count_calls(gs, out.distributions, l);
  for (const Ledger::Launch& launch : l.launches)
    if (launch.reservation) gs[l.clients[l.call_of(launch.attempt).client].group].instances += launch.count;
  for (size_t g = 0; g < counts.leaked_by_group.size() && g < gs.size(); ++g) gs[g].leaked = counts.leaked_by_group[g];
  for (size_t g = 0; g < counts.leaked_us_by_group.size() && g < gs.size(); ++g) gs[g].leaked_instance_us = counts.leaked_us_by_group[g];
  out.reaper_counts.assign(2 * s.reapers.size(), 0);
  out.coverage = Coverage{};
  count_records(out, gs, s, l);
  const uint64_t events = out.stats.events;
  const sim::Time end = out.stats.end;
  out.stats = RunStats{};
  for (const RunStats& g : gs) out.stats.add(g);
  out.stats.events = events;
  out.stats.end = end;
  out.stats.launches_in_flight = counts.launches_in_flight;
}

}  // namespace idem::harness
