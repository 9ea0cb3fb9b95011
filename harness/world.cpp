#include "harness/world.h"

#include <algorithm>
#include <array>

#include "harness/context.h"
#include "harness/network.h"
#include "harness/reapers.h"
#include "harness/service_host.h"
#include "harness/stats.h"
#include "model/client.h"
#include "sim/invariant.h"
#include "sim/loop.h"

namespace idem::harness {

uint64_t Distributions::bucket_ms(size_t b) {
  static constexpr uint64_t kSteps[] = {1, 2, 5};
  uint64_t scale = 1;
  for (size_t i = 0; i < b / 3; ++i) scale *= 10;
  return kSteps[b % 3] * scale;
}

size_t Distributions::bucket_of(sim::Duration d) {
  static const std::array<uint64_t, kBuckets> bound_us = [] {  // bucket_ms(b) x 1000, once
    std::array<uint64_t, kBuckets> out{};
    for (size_t b = 0; b < kBuckets; ++b) out[b] = bucket_ms(b) * 1000;
    return out;
  }();
  const uint64_t us = static_cast<uint64_t>(std::max<int64_t>(d.us, 0));
  for (size_t b = 0; b + 1 < kBuckets; ++b)
    if (us <= bound_us[b]) return b;
  return kBuckets - 1;
}

std::vector<std::string> Scenario::group_names() const {
  std::vector<std::string> out;
  for (const auto& g : clients) out.push_back(g.spec.group);
  return out;
}

std::string Scenario::unchecked(model::Property p) const {
  switch (p) {
    case model::Property::liveness:
      return faults.heal_at ? "" : "the scenario sets no heal_at (when the faults end), so no intent has a deadline to converge by";
    case model::Property::amplification:
      return max_attempts_per_intent ? "" : "the scenario sets no max_attempts_per_intent";
    case model::Property::leaks:
      return leaks.any() ? "" : "the scenario sets no leaks: {max_age, max_instance_hours}";
    case model::Property::no_false_reap: {
      const bool terminates = !reapers.empty() || std::any_of(clients.begin(), clients.end(), [](const ClientGroup& g) {
        return g.spec.terminate_after.has_value();
      });
      return terminates ? "" : "nothing terminates instances here: no reaper, and no client group terminates what it launched";
    }
    default: return "";
  }
}

std::vector<std::string> Scenario::region_names() const {
  std::vector<std::string> out;
  for (const auto& r : service.regions) out.push_back(r.name);
  return out;
}

model::Rules rules_of(const model::ServiceConfig& service) {
  model::Rules r;
  r.semantics = service.semantics;
  r.regions = service.regions;
  r.accounts = service.accounts;
  r.terminate_time = service.terminate_time;
  r.describe_lag = service.describe_lag;
  r.token_retention = service.token_retention;
  return r;
}

model::Promises promises_of(const Scenario& s) {
  model::Promises p;
  p.heal_at = s.faults.heal_at;
  p.converge = s.converge;
  p.max_attempts_per_intent = s.max_attempts_per_intent;
  p.leak_max_age = s.leaks.max_age;
  p.leak_max_instance_us = s.leaks.max_instance_us;
  p.limit = sim::Time(0) + s.limit;
  return p;
}

namespace {

using model::Obs;
using sim::Duration;
using sim::Event;
using sim::Time;

// The wiring of one run: the callers' side of the network (sending, hearing an answer, a reset, a
// timeout), and the dispatch of every event to the part it is for.
class World final : public model::ClientIo, public sim::Dispatcher, public ControllerStores {
 public:
  World(const Scenario& s, uint64_t seed, const RunOptions& opt)
      : opt_(opt), cx_(s, seed), net_(cast(cx_)), host_(cx_, net_), reapers_(cx_, host_.service()) {
    uint32_t id = 0;
    for (uint32_t gi = 0; gi < s.clients.size(); ++gi)
      for (int32_t i = 0; i < s.clients[gi].count; ++i, ++id) {
        const model::ClientRecord& who = cx_.history.clients[id];
        clients_.emplace_back(s.clients[gi].spec, id, who.label, sim::Prng::named(seed, "client/" + who.label), cx_.history,
                              *this, cx_.log);
      }
    reserve();
    for (auto& c : clients_) cx_.q.push(Time(0) + c.start_delay(), kWake, c.id(), uint64_t{c.first_slot()} << 32);
    reapers_.ask(this);
    reapers_.start();
    host_.start();
    // Callers' crashes at a time: each client of the group, at `at` (+ i x `rolling`).
    for (size_t f = 0; f < s.faults.faults.size(); ++f) {
      const auto* c = std::get_if<faults::Crash>(&s.faults.faults[f]);
      if (!c || c->target != faults::Crash::client || !c->at) continue;
      for (const auto& client : clients_) {
        const model::ClientRecord& who = cx_.history.clients[client.id()];
        if (who.group != c->group) continue;
        const Duration offset = c->rolling ? Duration(c->rolling->us * static_cast<int64_t>(who.index)) : Duration(0);
        cx_.q.push(*c->at + offset, kCallerCrash, client.id(), static_cast<uint32_t>(f));
      }
    }
  }

  RunResult run() {
    const Scenario& s = cx_.s;
    RunResult out;
    out.seed = cx_.seed;
    const Time limit = Time(0) + s.limit;
    out.stats.events = opt_.via_asio ? sim::run_until_asio(cx_.q, limit, *this)
                                     : sim::run_until(cx_.q, limit, [this](const Event& e) { dispatch(e); });
    out.stats.end = cx_.now;
    if (!cx_.q.empty()) {
      cx_.now = limit;  // the run ends at its limit, not at its last event
      cx_.log.add(Obs::limit, cx_.now, 0).a = static_cast<uint32_t>(cx_.q.size());
    }
    out.end = cx_.now;
    // How each caller left each intent: its own record of it, at the end.
    for (uint32_t i = 0; i < cx_.history.intents.size(); ++i) {
      const model::IntentRecord& in = cx_.history.intents[i];
      model::Record& r = cx_.log.add(Obs::intent_state, cx_.now, i);
      r.set_response(in.learned);
      r.code = static_cast<uint8_t>(in.outcome);  // the learned launch is a 200: its code is the outcome's place
      r.flags = (in.finished ? model::kFinished : 0) | (in.blocked ? model::kBlocked : 0);
    }
    release_simulation();
    const model::Ledger ledger = model::index_log(cx_.log);
    const model::Rules rules = rules_of(s);
    const model::Promises promises = promises_of(s);
    model::OracleCounts counts;
    out.findings = model::check(ledger, rules, &promises, &counts);
    out.violation_count = static_cast<uint32_t>(out.findings.size());
    fill_stats(out, s, ledger, counts);
    out.fault_fires = cx_.injector.fires();
    if (opt_.keep_send_seconds) {
      for (const model::Ledger::Attempt& a : ledger.attempts)
        if (a.duplicate_of == model::kNone) out.send_seconds.push_back((a.sent - Time(0)).us / 1000000);
      std::sort(out.send_seconds.begin(), out.send_seconds.end());
      out.send_seconds.erase(std::unique(out.send_seconds.begin(), out.send_seconds.end()), out.send_seconds.end());
    }
    out.trace_hash = hash(out);
    if (opt_.keep_log) out.log = std::make_shared<const model::RunLog>(std::move(cx_.log));
    return out;
  }

  void dispatch(const Event& e) override {
    cx_.now = e.at;
    switch (e.kind) {
      case kWake:
        // b: the slot (high half) and the epoch it was set in (a wake set before a crash is dropped)
        if (static_cast<uint32_t>(e.b) == clients_[e.a].epoch() || model::Client::outlives_crash(static_cast<uint32_t>(e.b >> 32)))
          clients_[e.a].on_wake(cx_.now, static_cast<uint32_t>(e.b >> 32));
        break;
      case kTimeout: on_timeout(e.a, static_cast<uint32_t>(e.b)); break;
      case kArrive: host_.on_arrive(e.a); break;
      case kLaunch: host_.on_launch(e.a); break;
      case kReply: host_.on_reply(e.a); break;
      case kDeliver: on_deliver(e.a); break;
      case kReset: on_reset(e.a); break;
      case kValidated: host_.on_validated(e.a); break;
      case kWrite: host_.on_write(e.a); break;
      case kRecord: host_.on_record(e.a); break;
      case kCrash: host_.on_timed_crash(e.a, static_cast<uint32_t>(e.b)); break;
      case kRestart: host_.on_restart(e.a, static_cast<uint32_t>(e.b)); break;
      case kReap: reapers_.on_reap(e.a); break;
      case kCallerCrash: {
        const auto& c = std::get<faults::Crash>(cx_.s.faults.faults[e.b]);
        if (cx_.injector.caller_crash_at_time(e.b, cx_.history.clients[e.a].region, cx_.now))
          clients_[e.a].crash_scheduled(cx_.now, cx_.restart_time(c) - cx_.now);
        break;
      }
      default: IDEM_CHECK(false, "an event of a known kind");
    }
  }

  // ClientIo
  void send(uint32_t client, uint32_t attempt, std::optional<Duration> wait) override {
    IDEM_CHECK(!wait || wait->us >= 0, "an attempt's timer is not in the past");
    if (wait) cx_.q.push_after(cx_.now, *wait, kTimeout, client, attempt);
    net_.send(client, attempt);
  }

  void wake_after(uint32_t client, Duration d, uint32_t slot) override {
    cx_.q.push(cx_.now + d, kWake, client, uint64_t{slot} << 32 | clients_[client].epoch());
  }

  std::pair<bool, Duration> database_write(uint32_t client) override {
    const model::ClientRecord& c = cx_.history.clients[client];
    return cx_.injector.database_write(c.group, c.region, cx_.now);
  }
  void tag(uint32_t client, uint32_t reservation) override {
    host_.service().tag(reservation, cx_.now);
    model::Record& r = cx_.log.add(Obs::tagged, cx_.now, client);
    r.a = reservation;
  }
  bool database_faults(uint32_t client) const override { return cx_.injector.has_database(cx_.history.clients[client].group); }

  std::optional<Duration> crash_now(uint32_t client, model::CallerCrashPoint when) override {
    if (!cx_.injector.has_caller_crash()) return std::nullopt;
    const model::ClientRecord& c = cx_.history.clients[client];
    const auto i = cx_.injector.caller_crash(c.group, c.region, when, cx_.now);
    if (!i) return std::nullopt;
    return cx_.restart_time(std::get<faults::Crash>(cx_.s.faults.faults[*i])) - cx_.now;
  }

  // ControllerStores
  void read(model::StoreView& into) const override {
    for (const model::Client& c : clients_) c.stored(into.tokens, into.reservations);
    std::sort(into.tokens.begin(), into.tokens.end());
    std::sort(into.reservations.begin(), into.reservations.end());
  }

 private:
  // The cast, in the callers' bookkeeping and first in the log: each client, its group, its
  // Region and the intent its group names.
  static Context& cast(Context& cx_) {
    const Scenario& s = cx_.s;
    uint32_t id = 0;
    for (uint32_t gi = 0; gi < s.clients.size(); ++gi) {
      const ClientGroup& g = s.clients[gi];
      uint32_t intent_group = gi;
      for (uint32_t first = 0; first < gi; ++first)
        if (Scenario::intent_name(s.clients[first]) == Scenario::intent_name(g)) { intent_group = first; break; }
      for (int32_t i = 0; i < g.count; ++i, ++id) {
        std::string label = g.spec.group + "#" + std::to_string(i);
        model::Record& r = cx_.log.add(Obs::client, Time(0), id);
        r.a = gi, r.b = static_cast<uint32_t>(i), r.c = g.spec.region, r.d = intent_group;
        r.flags = static_cast<uint16_t>(g.spec.account);
        const uint64_t intent = g.intent.empty() ? 0 : uint64_t{cx_.log.name(g.intent)} + 1;
        r.x = static_cast<int64_t>(uint64_t{cx_.log.name(label)} | intent << 32);
        cx_.history.clients.push_back({std::move(label), g.spec.region, gi, static_cast<uint32_t>(i), intent_group, g.intent});
      }
    }
    return cx_;
  }

  // The simulation is over: what is left to do reads the log. The callers' bookkeeping, their
  // processes, the service and the network are freed first, so that the oracle's index does not
  // add to them at the run's peak of memory.
  void release_simulation() {
    std::vector<model::Client>().swap(clients_);
    std::vector<model::IntentRecord>().swap(cx_.history.intents);
    std::vector<model::CallRecord>().swap(cx_.history.calls);
    std::vector<model::AttemptRecord>().swap(cx_.history.attempts);
    host_.release();
    net_.release();
  }

  // Room for what a run usually records (retries and faults add a share more), so the hot path
  // rarely reallocates.
  void reserve() {
    size_t intents = 0;
    for (const ClientGroup& g : cx_.s.clients) intents += static_cast<size_t>(g.count) * static_cast<size_t>(g.spec.intents);
    intents = std::min<size_t>(intents, size_t{1} << 20);  // a hint, not a promise: huge runs grow as they go
    cx_.history.intents.reserve(intents);
    cx_.history.calls.reserve(intents + intents / 4);
    cx_.history.attempts.reserve(intents + intents / 2);
    net_.reserve(intents + intents / 2);
    host_.reserve(intents + intents / 2, intents + intents / 4);
    cx_.log.reserve(16 * intents + 64, intents + intents / 4);
  }

  // The caller's side of an answer, a reset, a timeout.
  void on_deliver(uint32_t attempt) {
    const uint32_t client = cx_.client_of(attempt);
    const model::Response& r = net_.in_transit(attempt);
    model::Record& rec = cx_.log.add(Obs::delivered, cx_.now, attempt);
    rec.a = client;
    rec.set_response(r);
    rec.x = net_.left_at(attempt).us;
    if (!clients_[client].on_reply(attempt, r, cx_.now)) cx_.log.add(Obs::ignored, cx_.now, attempt).a = client;
  }

  // A reset connection: the client learns at once, with the outcome unknown (its SDK retries it
  // like a timeout).
  void on_reset(uint32_t attempt) {
    if (cx_.history.attempts[attempt].done) return;
    const uint32_t client = cx_.client_of(attempt);
    model::Record& r = cx_.log.add(Obs::reset_seen, cx_.now, attempt);
    r.a = client;
    r.flags = clients_[client].waits_for(attempt) ? 0 : model::kUnheard;
    clients_[client].on_timeout(attempt, cx_.now);
  }

  void on_timeout(uint32_t client, uint32_t attempt) {
    model::Client& c = clients_[client];
    // A timer whose attempt was answered already, or whose process died, is dropped quietly: it is
    // not an event of the model, only a cancelled timer.
    if (cx_.history.attempts[attempt].done || !c.waits_for(attempt)) return;
    cx_.log.add(Obs::timed_out, cx_.now, attempt).a = client;
    c.on_timeout(attempt, cx_.now);
  }

  // The log's hash, then the findings and the counts: a run twice that differs anywhere differs
  // here, an oracle that is not deterministic included.
  static uint64_t count_hash(uint64_t h, const RunStats& st) {
    for (uint64_t v : {st.events, st.intents, st.intents_ok, st.intents_failed, st.intents_unknown, st.intents_open,
                       st.intents_begun, st.intents_blocked, st.calls, st.requests, st.retries, st.instances, st.leaked,
                       st.launches_in_flight, st.throttled, st.attempts_sdk, st.attempts_app, st.attempts_controller,
                       st.most_sdk, st.most_app, st.most_controller, st.instances_intended, st.leaked_instance_us,
                       static_cast<uint64_t>(st.end.us)})
      h = model::hash_mix(h, v);
    return h;
  }
  uint64_t hash(const RunResult& out) const {
    uint64_t h = model::hash_findings(cx_.log.hash(), out.findings);
    h = count_hash(h, out.stats);
    for (const RunStats& g : out.groups) h = count_hash(h, g);
    for (uint64_t v : out.coverage) h = model::hash_mix(h, v);
    for (uint64_t v : out.fault_fires) h = model::hash_mix(h, v);
    for (uint64_t v : out.reaper_counts) h = model::hash_mix(h, v);
    for (uint64_t v : out.distributions.attempts) h = model::hash_mix(h, v);
    for (uint64_t v : out.distributions.completion) h = model::hash_mix(h, v);
    return h;
  }

  const RunOptions& opt_;
  Context cx_;
  Network net_;
  ServiceHost host_;
  Reapers reapers_;
  std::vector<model::Client> clients_;
};

}  // namespace

RunResult run_once(const Scenario& s, uint64_t seed, const RunOptions& opt) {
  World w(s, seed, opt);
  return w.run();
}

}  // namespace idem::harness
