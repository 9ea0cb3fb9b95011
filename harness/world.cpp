#include "harness/world.h"

#include <malloc.h>

#include <algorithm>
#include <array>

#include "sim/invariant.h"

#include "faults/injector.h"
#include "model/client.h"
#include "model/service.h"
#include "sim/event_queue.h"
#include "sim/loop.h"
#include "sim/trace.h"

namespace idem::harness {

uint64_t Distributions::bucket_ms(size_t b) {
  static constexpr uint64_t kSteps[] = {1, 2, 5};
  uint64_t scale = 1;
  for (size_t i = 0; i < b / 3; ++i) scale *= 10;
  return kSteps[b % 3] * scale;
}

size_t Distributions::bucket_of(sim::Duration d) {
  for (size_t b = 0; b + 1 < kBuckets; ++b)
    if (static_cast<uint64_t>(std::max<int64_t>(d.us, 0)) <= bucket_ms(b) * 1000) return b;
  return kBuckets - 1;
}

namespace {
// Every run allocates and frees the same large buffers (its history, the service's records).
// By default glibc hands freed memory back to the kernel and the next run faults it in again,
// which cost a third of the time per run; keeping it in the process costs nothing extra at the
// peak. Done once, when a program that runs worlds starts. (Wall-clock only: nothing here
// reaches the simulated world.)
const bool kAllocatorKeepsFreedMemory = [] {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return true;
}();
}  // namespace

using model::Api;
using model::Response;
using sim::Duration;
using sim::Event;
using sim::Time;

std::vector<std::string> Scenario::group_names() const {
  std::vector<std::string> out;
  for (const auto& g : clients) out.push_back(g.spec.group);
  return out;
}

std::vector<std::string> Scenario::region_names() const {
  std::vector<std::string> out;
  for (const auto& r : service.regions) out.push_back(r.name);
  return out;
}

namespace {

enum Kind : uint32_t {
  kWake,       // a = client
  kTimeout,    // a = client, b = attempt
  kArrive,     // a = attempt: its request reaches the service
  kLaunch,     // a = launch op: its launch step ends
  kReply,      // a = attempt: the service answers (replies_[a])
  kDeliver,    // a = attempt: the answer reaches the client
  kReset,      // a = attempt: the client learns that its connection was reset
  kValidated,  // a = attempt: its validate step ends (steps.validate > 0)
  kWrite,      // a = launch op: read-then-write's insert lands
  kRecord,     // a = launch op: its record step ends (steps.record > 0, or the store was down)
  kCrash,      // a = fault, b = Region: a timed crash comes due
  kRestart,    // a = Region, b = frontend (kStore: the store): a crashed process comes back
  kReap,       // a = reaper: its sweep comes due
};

constexpr uint32_t kStore = UINT32_MAX;     // kRestart: the store, not a frontend
constexpr uint32_t kNoFrontend = UINT32_MAX;

// A process of the service in one Region: up or down, and how often it has restarted (a request
// taken in by an earlier incarnation gets no answer from a later one).
struct Process {
  bool down = false;
  uint32_t incarnation = 0;
  Time down_until;
};

// Per attempt, what the service side knows of it.
struct Served {
  uint32_t frontend = kNoFrontend;
  uint32_t incarnation = 0;
  bool answered = false;  // its answer has left the service (or it never will)
  Duration work;          // the service's time for it (the latency draw and any spike)
};

class World final : public model::ClientIo, public sim::Dispatcher {
 public:
  World(const Scenario& s, uint64_t seed, const RunOptions& opt)
      : keep_intents_(opt.keep_intents),
        keep_send_seconds_(opt.keep_send_seconds),
        keep_timeline_(opt.keep_timeline),
        s_(s),
        seed_(seed),
        trace_(opt.keep_trace),
        injector_(s.faults, seed),
        service_(s.service),
        regions_(s.region_names()),
        frontends_(s.service.regions.size(), std::vector<Process>(s.service.frontends)),
        stores_(s.service.regions.size()),
        round_robin_(s.service.regions.size(), 0),
        throttled_(s.clients.size(), 0) {
    trace_.line(Time(0), "world").kv("seed", std::to_string(seed)).kv("scenario", s.name);
    trace_config();
    uint32_t id = 0;
    for (uint32_t gi = 0; gi < s.clients.size(); ++gi) {
      const ClientGroup& g = s.clients[gi];
      uint32_t intent_group = gi;
      for (uint32_t first = 0; first < gi; ++first)
        if (Scenario::intent_name(s.clients[first]) == Scenario::intent_name(g)) { intent_group = first; break; }
      for (int32_t i = 0; i < g.count; ++i, ++id) {
        std::string label = g.spec.group + "#" + std::to_string(i);
        history_.clients.push_back({label, g.spec.region, gi, static_cast<uint32_t>(i), intent_group, g.intent});
        links_.push_back(g.latency ? &*g.latency : &s.region_latency[g.spec.region]);
        link_prngs_.push_back(sim::Prng::named(seed, "net/" + label));
        work_prngs_.push_back(sim::Prng::named(seed, "service/" + label));
        sim::Prng prng = sim::Prng::named(seed, "client/" + label);
        clients_.emplace_back(g.spec, id, std::move(label), prng, history_, *this, trace_);
      }
    }
    reserve();
    for (auto& c : clients_) q_.push(Time(0) + c.start_delay(), kWake, c.id());
    for (uint32_t r = 0; r < s.reapers.size(); ++r) q_.push(Time(0) + s.reapers[r].start, kReap, r);
    for (size_t i = 0; i < s.faults.faults.size(); ++i)
      if (const auto* c = std::get_if<faults::Crash>(&s.faults.faults[i]); c && c->at)
        for (uint32_t r = 0; r < regions_.size(); ++r)
          if (!c->region || *c->region == r) q_.push(*c->at, kCrash, static_cast<uint32_t>(i), r);
  }

  RunResult run(bool via_asio) {
    RunResult out;
    out.seed = seed_;
    out.stats.events = via_asio ? sim::run_until_asio(q_, Time(0) + s_.limit, *this)
                                : sim::run_until(q_, Time(0) + s_.limit,
                                                 [this](const Event& e) { dispatch(e); });
    out.stats.end = now_;
    if (!q_.empty()) {
      now_ = Time(0) + s_.limit;  // the run ends at its limit, not at its last event
      trace_.line(now_, "world").word("limit").kv("pending-events", static_cast<int64_t>(q_.size()));
    }
    model::OracleCounts counts;
    model::Promises promises;
    promises.heal_at = s_.faults.heal_at;
    promises.converge = s_.converge;
    promises.max_attempts_per_intent = s_.max_attempts_per_intent;
    promises.limit = Time(0) + s_.limit;
    out.violations = model::check({history_, service_, s_.service, &promises}, &counts);
    add_service_notes(out.violations);
    if (keep_intents_) intent_ends(out.intents);
    if (keep_send_seconds_) {
      for (const model::AttemptRecord& a : history_.attempts)
        if (a.duplicate_of == model::AttemptRecord::kNotTaken) out.send_seconds.push_back((a.sent - Time(0)).us / 1000000);
      std::sort(out.send_seconds.begin(), out.send_seconds.end());
      out.send_seconds.erase(std::unique(out.send_seconds.begin(), out.send_seconds.end()), out.send_seconds.end());
    }
    out.violation_count = static_cast<uint32_t>(out.violations.size());
    for (const auto& v : out.violations)
      trace_.line(now_, "oracle").word("violation").kv("property", v.property).kv("subject", v.subject);
    trace_.line(now_, "world").word("end").kv("violations", static_cast<int64_t>(out.violations.size()));
    fill_stats(out, counts);
    if (keep_timeline_) out.timeline = timeline(out);
    out.trace_hash = trace_.hash();
    out.trace = trace_.take_text();
    return out;
  }

  void dispatch(const Event& e) override {
    now_ = e.at;
    switch (e.kind) {
      case kWake:
        if (static_cast<uint32_t>(e.b) == clients_[e.a].epoch()) clients_[e.a].on_wake(now_);  // else: set before a crash
        break;
      case kTimeout: on_timeout(e.a, static_cast<uint32_t>(e.b)); break;
      case kArrive: on_arrive(e.a); break;
      case kLaunch: on_launch(e.a); break;
      case kReply:
        if (!dead(e.a)) respond(e.a, replies_[e.a]);
        break;
      case kDeliver: on_deliver(e.a); break;
      case kReset: on_reset(e.a); break;
      case kValidated:
        if (!dead(e.a)) admit(e.a);
        break;
      case kWrite: on_write(e.a); break;
      case kRecord: on_record(e.a); break;
      case kCrash: on_timed_crash(e.a, static_cast<uint32_t>(e.b)); break;
      case kRestart: on_restart(e.a, static_cast<uint32_t>(e.b)); break;
      case kReap: on_reap(e.a); break;
      default: IDEM_CHECK(false, "an event of a known kind");
    }
  }

  // ClientIo
  void send(uint32_t client, uint32_t attempt) override {
    const model::AttemptRecord& a = history_.attempts[attempt];
    const model::CallRecord& c = history_.calls[a.call];
    if (replies_.size() <= attempt) replies_.resize(attempt + 1), served_.resize(attempt + 1);
    trace_.line(now_, clients_[client].label()).word("send").word(model::api_name(c.api)).kv(
        "attempt", attempt).kv("call", a.call).kv("try", a.number);
    q_.push(now_ + clients_[client].spec().timeout, kTimeout, client, attempt);
    const uint32_t region = c.request.region;
    if (injector_.lose_request(region, now_)) {
      trace_.line(now_, "net").word("lose").word("request").kv("attempt", attempt);
      history_.attempts[attempt].fate = model::Fate::request_lost;
      return;
    }
    if (injector_.partitioned(true, history_.clients[client].group, region, now_)) {
      trace_.line(now_, "net").word("partition").word("request").kv("attempt", attempt);
      history_.attempts[attempt].fate = model::Fate::request_lost;
      return;
    }
    if (injector_.reset(faults::Reset::before, region, now_)) {
      trace_.line(now_, "net").word("reset").word("before").kv("attempt", attempt);
      history_.attempts[attempt].fate = model::Fate::reset_before;
      q_.push(now_, kReset, attempt);
      return;
    }
    const Duration way = latency(client);
    q_.push(now_ + way, kArrive, attempt);
    if (auto delay = injector_.duplicate(region, now_)) {
      model::AttemptRecord copy = history_.attempts[attempt];
      copy.duplicate_of = attempt;
      const uint32_t dup = static_cast<uint32_t>(history_.attempts.size());
      history_.attempts.push_back(copy);
      if (replies_.size() <= dup) replies_.resize(dup + 1), served_.resize(dup + 1);
      trace_.line(now_, "net").word("duplicate").kv("attempt", attempt).kv("copy", dup).kv("after", *delay);
      q_.push(now_ + way + *delay, kArrive, dup);
    }
  }

  void wake_after(uint32_t client, Duration d) override { q_.push(now_ + d, kWake, client, clients_[client].epoch()); }

  std::optional<Duration> crash_now(uint32_t client, model::CallerCrashPoint when) override {
    if (!injector_.has_caller_crash()) return std::nullopt;
    const model::ClientRecord& c = history_.clients[client];
    const auto i = injector_.caller_crash(c.group, c.region, when, now_);
    if (!i) return std::nullopt;
    const Duration back = restart_time(std::get<faults::Crash>(s_.faults.faults[*i])) - now_;
    ++coverage_[size_t(Situation::caller_crash)];
    if (keep_timeline_) {
      marks_.push_back(Mark{now_, c.region, client, true, "process crashed (" + std::string(model::caller_crash_point_name(when)) + ")"});
      marks_.push_back(Mark{now_ + back, c.region, client, true, "process restarted"});
    }
    notes_.push_back(Note{now_, {}, "caller " + c.label + "'s process crashed (" + std::string(model::caller_crash_point_name(when)) +
                                        "); it restarts in " + sim::format_duration(back) + ", knowing what its state kept",
                          true, c.label});
    return back;
  }

 private:
  // The options the run goes by, first in the trace (and so in its hash).
  void trace_config() {
    trace_.line(Time(0), "world").word("service")
        .kv("semantics", s_.service.semantics == model::Semantics::current ? "current" : "2013")
        .kv("regions", static_cast<int64_t>(regions_.size()))
        .kv("limit", sim::format_duration(s_.limit));
    {
      const model::ServiceConfig& c = s_.service;
      auto line = trace_.line(Time(0), "world");
      line.word("service").kv("latency", sim::describe(s_.service_latency)).kv("launch-time", sim::format_duration(c.launch_time))
          .kv("terminate-time", sim::format_duration(c.terminate_time)).kv("describe-lag", sim::format_duration(c.describe_lag));
      if (c.tag_lag.us) line.kv("tag-lag", sim::format_duration(c.tag_lag));
      if (c.semantics == model::Semantics::v2013) line.kv("token-retention", sim::format_duration(c.token_retention));
      for (const auto& [type, n] : c.capacity) line.kv_text("capacity", type + "=" + std::to_string(n));
    }
    for (size_t r = 0; r < regions_.size(); ++r) {
      const model::RegionSpec& spec = s_.service.regions[r];
      auto line = trace_.line(Time(0), "world");
      line.word("region").kv_text("name", spec.name).kv("latency", sim::describe(s_.region_latency[r]));
      for (const std::string& z : spec.zones) line.kv_text("zone", z);
      for (const auto& [subnet, zone] : spec.subnets) line.kv_text("subnet", subnet + "@" + zone);
    }
    trace_parts();
    for (const ClientGroup& g : s_.clients) {
      const model::RetryPolicy& p = g.spec.retry;
      auto line = trace_.line(Time(0), "world");
      line.word("clients").kv("group", g.spec.group).kv("count", g.count).kv("intents", g.spec.intents)
          .kv("token", model::token_mode_name(g.spec.token)).kv("retry", model::policy_name(p.kind))
          .kv("attempts", p.attempts).kv("timeout", sim::format_duration(g.spec.timeout)).kv("app-retries", g.spec.app_retries);
      if (p.kind == model::PolicyKind::exponential) line.kv("jitter", model::jitter_name(p.jitter));
      if (!p.sdk.empty()) {
        const size_t space = p.sdk.find(' ');
        line.kv_text("sdk", p.sdk.substr(0, space)).kv_text("sdk-version", p.sdk.substr(space + 1));
      }
      for (model::Code code : p.retry_codes) line.kv("retry-code", model::code_name(code));
      if (g.spec.token == model::TokenMode::value) line.kv_text("token-value", g.spec.token_value);
      if (!g.intent.empty()) line.kv("intent", g.intent);
      if (g.spec.account) line.kv_text("account", s_.service.accounts[g.spec.account]);
    }
    for (const ClientGroup& g : s_.clients) trace_group(g);
    for (size_t r = 0; r < s_.reapers.size(); ++r) {
      const model::ReaperSpec& p = s_.reapers[r];
      trace_.line(Time(0), "world").word("reaper").kv("index", static_cast<int64_t>(r)).kv_text("region", regions_[p.region])
          .kv_text("account", s_.service.accounts[p.account]).kv("every", sim::format_duration(p.every))
          .kv("reaps", model::reaps_name(p.reaps)).kv("grace", sim::format_duration(p.grace))
          .kv("start", sim::format_duration(p.start));
    }
    for (unsigned b = 0; b < static_cast<unsigned>(model::Bug::kCount); ++b)
      if (s_.bugs.has(static_cast<model::Bug>(b)))
        trace_.line(Time(0), "world").word("bug").word(model::bug_info(static_cast<model::Bug>(b)).name);
    for (const faults::Fault& f : s_.faults.faults)
      trace_.line(Time(0), "world").word("fault").word(faults::describe(f, regions_, s_.group_names()));
    if (s_.explore.given) {  // what `idemsim check` would draw from (run and replay do not)
      const Explore& e = s_.explore;
      auto line = trace_.line(Time(0), "world");
      line.word("explore");
      std::string kinds;
      for (ExploreKind k : e.kinds) kinds += (kinds.empty() ? "" : ",") + std::string(kExploreKindNames[static_cast<size_t>(k)]);
      line.kv("faults", kinds.empty() ? "all" : kinds).kv("max-faults", e.max_faults);
      line.kv("window", (e.from ? sim::format_duration(*e.from) : std::string("0s")) + ".." +
                            (e.until ? sim::format_duration(*e.until) : std::string("busy")));
      line.kv("length", (e.min_for ? sim::format_duration(*e.min_for) : std::string("1s")) + ".." +
                            sim::format_duration(e.max_for ? *e.max_for : std::min(s_.limit, sim::minutes(10))));
      line.kv("rate", std::to_string(e.min_rate) + "%.." + std::to_string(e.max_rate) + "%");
      if (e.count) line.kv("count", *e.count);
      if (e.intents) line.kv("intents", *e.intents);
      std::string tokens, retry, values;
      for (model::TokenMode m : e.tokens) tokens += (tokens.empty() ? "" : ",") + std::string(model::token_mode_name(m));
      for (model::PolicyKind k : e.retry) retry += (retry.empty() ? "" : ",") + std::string(model::policy_name(k));
      for (TokenFamily f : e.token_values) values += (values.empty() ? "" : ",") + std::string(kTokenFamilyNames[static_cast<size_t>(f)]);
      if (!tokens.empty()) line.kv("token", tokens);
      if (!retry.empty()) line.kv("retry", retry);
      if (!values.empty()) line.kv("tokens", values);
    }
    if (s_.faults.heal_at || s_.max_attempts_per_intent) {
      auto line = trace_.line(Time(0), "world");
      line.word("promises");
      if (s_.faults.heal_at)
        line.kv("heal-at", sim::format_duration(*s_.faults.heal_at - Time(0))).kv("converge", sim::format_duration(s_.converge));
      if (s_.max_attempts_per_intent) line.kv("max-attempts-per-intent", *s_.max_attempts_per_intent);
    }
  }

  // The rest of a client group's settings: what it asks for, when, and how it retries.
  void trace_group(const ClientGroup& g) {
    const model::ClientSpec& c = g.spec;
    const model::RetryPolicy& p = c.retry;
    auto line = trace_.line(Time(0), "world");
    line.word("group").kv("name", c.group).kv_text("region", regions_[c.region]).kv("start", sim::describe(c.start))
        .kv("think", sim::describe(c.think)).kv_text("image", c.request.image).kv_text("type", c.request.type)
        .kv("min", c.request.min).kv("max", c.request.max);
    if (!c.request.key.empty()) line.kv_text("key", c.request.key);
    if (!c.request.zone.empty()) line.kv_text("zone", c.request.zone);
    if (!c.request.subnet.empty()) line.kv_text("subnet", c.request.subnet);
    if (g.latency) line.kv("latency", sim::describe(*g.latency));
    if (p.kind != model::PolicyKind::none)
      line.kv("base", sim::format_duration(p.base)).kv("cap", sim::format_duration(p.cap));
    if (p.aws()) line.kv("throttle-base", sim::format_duration(p.throttle_base));
    if (p.uses_quota())
      line.kv("quota", p.quota).kv("cost", p.retry_cost).kv("timeout-cost", p.timeout_cost).kv("throttle-cost", p.throttle_cost);
    if (c.app_retries) line.kv("app-backoff", sim::format_duration(c.app_backoff)).kv("reconcile", c.reconcile ? "true" : "false");
    if (c.batch > 1) line.kv("batch", c.batch).kv("on-short", c.on_short == model::ClientSpec::OnShort::ignore ? "ignore" : "relaunch");
    if (c.controller) {
      line.kv("controller-state", c.controller->state == model::ControllerSpec::durable ? "durable" : "volatile")
          .kv("persist", c.controller->persist == model::ControllerSpec::before_send ? "before-send" : "after-response")
          .kv("resync", c.controller->resync ? sim::format_duration(*c.controller->resync) : std::string("never"));
    }
    line.kv("on-unknown", model::on_unknown_name(c.on_unknown)).kv("on-mismatch", model::on_mismatch_name(c.on_mismatch))
        .kv("on-describe-error", model::on_describe_error_name(c.on_describe_error));
    if (!c.fallback_type.empty()) line.kv_text("fallback-type", c.fallback_type);
    if (c.terminate_after) line.kv("terminate-after", sim::format_duration(*c.terminate_after));
    if (c.repeat_after) line.kv("repeat-after", sim::format_duration(*c.repeat_after));
  }

  // The service's parts, when a scenario sets any of them (a scenario that does not has the
  // trace it had before they existed).
  void trace_parts() {
    const model::ServiceConfig& c = s_.service;
    const model::StoreConfig& st = c.store;
    if (c.frontends != 1 || c.balancer != model::Balancer::random)
      trace_.line(Time(0), "world").word("frontends").kv("count", c.frontends).kv("balancer", model::balancer_name(c.balancer));
    if (!(st == model::StoreConfig{})) {
      auto line = trace_.line(Time(0), "world");
      line.word("store").kv("write", model::store_write_name(st.write));
      if (st.write == model::StoreWrite::read_then_write) line.kv("gap", sim::format_duration(st.gap));
      line.kv("replicas", st.replicas);
      if (st.replicas > 1) line.kv("lag", sim::format_duration(st.lag));
      line.kv("durability", model::durability_name(st.durability));
      if (st.ttl) line.kv("ttl", sim::format_duration(*st.ttl));
    }
    if (c.steps.any())
      trace_.line(Time(0), "world").word("steps").kv("validate", sim::format_duration(c.steps.validate))
          .kv("reserve", sim::format_duration(c.steps.reserve)).kv("launch", sim::format_duration(c.steps.launch))
          .kv("record", sim::format_duration(c.steps.record)).kv("reply", sim::format_duration(c.steps.reply));
    if (!c.recover || injector_.has_crash()) trace_.line(Time(0), "world").word("recover").word(c.recover ? "true" : "false");
    if (c.throttle)
      trace_.line(Time(0), "world").word("throttle").kv("bucket", c.throttle->bucket)
          .kv("refill", std::to_string(c.throttle->per) + "/" +
                            (c.throttle->every == sim::seconds(1) ? std::string("s") : sim::format_duration(c.throttle->every)));
  }

  // The call's request with the token this attempt carried (rare: only a changed token gets here).
  static model::RunRequest as_sent(const model::RunRequest& call, const model::AttemptRecord& a) {
    model::RunRequest r = call;
    r.has_token = a.has_token;
    r.token = a.token;
    return r;
  }

  // One way between a client and its endpoint.
  Duration latency(uint32_t client) { return links_[client]->sample(link_prngs_[client]); }

  // Room for what a run usually records (retries and faults add a share more), so the hot path
  // rarely reallocates.
  void reserve() {
    size_t intents = 0;
    for (const ClientGroup& g : s_.clients) intents += static_cast<size_t>(g.count) * static_cast<size_t>(g.spec.intents);
    intents = std::min<size_t>(intents, size_t{1} << 20);  // a hint, not a promise: huge runs grow as they go
    history_.intents.reserve(intents);
    history_.calls.reserve(intents + intents / 4);
    history_.attempts.reserve(intents + intents / 2);
    replies_.reserve(intents + intents / 2);
    served_.reserve(intents + intents / 2);
    op_attempt_.reserve(intents + intents / 4);
    service_.reserve(intents + intents / 4);
  }

  const std::string& service_actor(uint32_t region) {
    if (service_actors_.empty())
      for (const auto& r : regions_) service_actors_.push_back("service/" + r);
    return service_actors_[region];
  }

  // ---- the service side

  const model::CallRecord& call_of(uint32_t attempt) const { return history_.calls[history_.attempts[attempt].call]; }
  uint32_t region_of(uint32_t attempt) const { return call_of(attempt).request.region; }
  const model::Steps& steps() const { return s_.service.steps; }
  bool read_then_write() const { return s_.service.store.write == model::StoreWrite::read_then_write; }

  // A request whose frontend crashed after taking it in: nothing more happens to it there.
  bool dead(uint32_t attempt) const {
    if (!injector_.has_crash()) return false;  // no frontend ever crashes
    const Served& sv = served_[attempt];
    return sv.frontend != kNoFrontend && frontends_[region_of(attempt)][sv.frontend].incarnation != sv.incarnation;
  }

  // The frontend the balancer sends a request to: one of those up, or none.
  uint32_t pick_frontend(uint32_t client, uint32_t region) {
    std::vector<Process>& fs = frontends_[region];
    const uint32_t n = static_cast<uint32_t>(fs.size());
    if (n == 1) return fs[0].down ? kNoFrontend : 0;
    const uint32_t up = static_cast<uint32_t>(std::count_if(fs.begin(), fs.end(), [](const Process& p) { return !p.down; }));
    if (up == 0) return kNoFrontend;
    if (s_.service.balancer == model::Balancer::round_robin) {
      for (;;) {
        const uint32_t f = round_robin_[region]++ % n;
        if (!fs[f].down) return f;
      }
    }
    // random: from the calling client's own service stream, like its service time.
    uint32_t k = static_cast<uint32_t>(work_prngs_[client].below(up));
    for (uint32_t f = 0; f < n; ++f)
      if (!fs[f].down && k-- == 0) return f;
    return kNoFrontend;
  }

  // How frontend `f` of `region` handles something now: its clock. `request`: it takes a request
  // in (RunInstances' admission, DescribeInstances, TerminateInstances), which is what a skew
  // fault counts; `read`: a read-then-write read, which goes to a replica drawn from the calling
  // client's own service stream.
  model::Handling handling(uint32_t region, uint32_t f, uint32_t client, bool request, bool read) {
    model::Handling h{now_, {}, f == kNoFrontend ? 0 : f, 0};
    if (injector_.has_skew()) h.skew = injector_.skew(region, h.frontend, now_, request);
    if (read && read_then_write() && s_.service.store.replicas > 1)
      h.replica = static_cast<uint32_t>(work_prngs_[client].below(s_.service.store.replicas));
    return h;
  }

  void on_arrive(uint32_t attempt) {
    if (keep_timeline_) at_time(arrived_, attempt);
    model::AttemptRecord& a = history_.attempts[attempt];
    const model::CallRecord& c = history_.calls[a.call];
    const uint32_t region = c.request.region;
    if (auto code = injector_.storm(faults::Storm::before, region, now_)) {
      trace_.line(now_, "fault").word("storm").kv("attempt", attempt).kv("code", model::code_name(*code));
      a.fate = model::Fate::turned_away;
      respond(attempt, Response{*code, 0, 0, 0}, /*acted=*/false);
      return;
    }
    if (c.api == Api::run) {
      if (auto code = injector_.transient(region, now_)) {
        trace_.line(now_, "fault").word("transient").kv("attempt", attempt).kv("code", model::code_name(*code));
        a.fate = model::Fate::transient;
        respond(attempt, Response{*code, 0, 0, 0}, /*acted=*/false);
        return;
      }
    }
    if (s_.service.throttle && !service_.take_quota(c.request.account, region, now_)) {
      trace_.line(now_, service_actor(region)).word("throttle").kv("attempt", attempt).kv("client", clients_[c.client].label());
      a.fate = model::Fate::throttled;
      ++throttled_[history_.clients[c.client].group];
      respond(attempt, Response{model::Code::RequestLimitExceeded, 0, 0, 0}, /*acted=*/false);
      return;
    }
    const uint32_t f = pick_frontend(c.client, region);
    if (f == kNoFrontend) {
      trace_.line(now_, service_actor(region)).word("refuse").kv("attempt", attempt).kv("client", clients_[c.client].label());
      a.fate = model::Fate::refused;
      served_[attempt].answered = true;
      if (a.duplicate_of == model::AttemptRecord::kNotTaken) q_.push(now_ + latency(c.client), kReset, attempt);
      return;
    }
    a.taken = now_;
    a.taken_order = taken_++;
    // The service's time for this request, drawn from a stream of the calling client's own, so
    // that another client's requests do not shift it.
    Served& sv = served_[attempt];
    sv.frontend = f;
    sv.incarnation = frontends_[region][f].incarnation;
    sv.work = s_.service_latency.sample(work_prngs_[c.client]) + injector_.spike(region, now_);
    if (injector_.has_crash()) in_service_.push_back(attempt);
    if (c.api == Api::describe) {
      // The launch it finds, as a RunInstances-shaped answer: the first reservation of the
      // token's instances that is visible yet, or none.
      const model::Handling h = handling(region, f, c.client, true, false);
      const auto r = service_.describe(region, {}, c.request.token, h.clock(), c.request.account);
      Response found{r.code, 0, 0, 0};
      if (!r.instances.empty()) {
        found.reservation = r.instances.front().reservation;
        found.first_instance = r.instances.front().id;
        for (const auto& i : r.instances) found.count += i.reservation == found.reservation ? 1 : 0;
      }
      trace_.line(now_, service_actor(region)).word("describe").kv("attempt", attempt).kv("client", clients_[c.client].label()).kv(
          "found", static_cast<int64_t>(r.instances.size()));
      if (r.instances.empty() && c.request.has_token)
        for (const model::Reservation& res : service_.reservations())
          if (res.has_token && res.token == c.request.token && res.region == region && res.account == c.request.account) {
            ++coverage_[size_t(Situation::describe_too_soon)];
            break;
          }
      replies_[attempt] = found;
      q_.push(now_ + sv.work, kReply, attempt);
      return;
    }
    if (c.api == Api::terminate) {
      const model::Handling h = handling(region, f, c.client, true, false);
      const auto r = service_.terminate(region, c.ids, h, c.request.account);
      trace_.line(now_, service_actor(region)).word("terminate").kv("attempt", attempt).kv("client", clients_[c.client].label()).kv(
          "code", model::code_name(r.code));
      replies_[attempt] = Response{r.code, 0, 0, 0};
      q_.push(now_ + sv.work, kReply, attempt);
      return;
    }
    const Duration to_store = steps().validate + steps().reserve;
    if (to_store.us) q_.push(now_ + to_store, kValidated, attempt);
    else admit(attempt);
  }

  // The validate and reserve steps have ended: the request is validated and its token's record
  // made (or found) in one instant; an answer that launches nothing leaves work + reply later.
  void admit(uint32_t attempt) {
    const model::AttemptRecord& a = history_.attempts[attempt];
    const model::CallRecord& c = history_.calls[a.call];
    const uint32_t region = c.request.region;
    const Served& sv = served_[attempt];
    const Duration answer_in = sv.work + steps().reply;
    if (stores_[region].down && a.has_token) {
      auto line = trace_.line(now_, service_actor(region));
      line.word("recv").kv("attempt", attempt).kv("client", clients_[c.client].label()).kv_text("token", a.token.view());
      if (frontends_[region].size() > 1) line.kv("frontend", sv.frontend);
      line.word("store-down").kv("code", "Unavailable");
      history_.attempts[attempt].store_down = true;
      replies_[attempt] = Response{model::Code::Unavailable, 0, 0, 0};
      q_.push(now_ + answer_in, kReply, attempt);
      return;
    }
    const model::Handling h = handling(region, sv.frontend, c.client, true, true);
    const model::Admission adm = a.token == c.request.token ? service_.admit(c.request, h, attempt)
                                                            : service_.admit(as_sent(c.request, a), h, attempt);
    {
      auto line = trace_.line(now_, service_actor(region));
      line.word("recv").kv("attempt", attempt).kv("client", clients_[c.client].label());
      if (a.has_token) line.kv_text("token", a.token.view());
      else line.kv("token", "-");
      if (frontends_[region].size() > 1) line.kv("frontend", sv.frontend);
      if (h.replica) line.kv("replica", h.replica);
      if (h.skew.us) line.kv("skew", h.skew);
      if (adm.forgot) line.word("expired-record");
      switch (adm.kind) {
        case model::Admission::Reply: line.word("answer").kv("code", model::code_name(adm.reply.code)); break;
        case model::Admission::Started: line.word("start").kv("op", adm.op).kv("work", sv.work); break;
        case model::Admission::Joined:
          line.word("join").kv("op", adm.op).kv("launch-of-attempt", op_attempt_[adm.op]);
          break;
      }
    }
    see(adm, attempt);
    if (adm.forgot)
      note(a.token.view(), "service: the token's record had expired (store ttl " +
                               (s_.service.store.ttl ? sim::format_duration(*s_.service.store.ttl) : std::string("none")) +
                               ", or the retention) when attempt " + std::to_string(attempt) + " arrived; it was dropped",
           true);
    if (adm.kind == model::Admission::Reply) {
      replies_[attempt] = adm.reply;
      q_.push(now_ + answer_in, kReply, attempt);
    } else if (adm.kind == model::Admission::Started) {
      if (op_attempt_.size() <= adm.op) op_attempt_.resize(adm.op + 1);
      op_attempt_[adm.op] = attempt;
      Duration before_launch;
      if (read_then_write() && a.has_token && !s_.bugs.has(model::Bug::record_after_launch)) {
        q_.push(now_ + s_.service.store.gap, kWrite, adm.op);
        before_launch = s_.service.store.gap;
      } else if (a.has_token && maybe_crash(faults::Crash::after_reserve, adm.op)) {
        return;
      }
      q_.push(now_ + before_launch + steps().launch + sv.work, kLaunch, adm.op);
    }
  }

  // The catalogue's situations an admission shows (harness/coverage.h).
  void see(const model::Admission& adm, uint32_t attempt) {
    const model::CallRecord& c = call_of(attempt);
    if (adm.kind == model::Admission::Joined) ++coverage_[size_t(Situation::repeat_in_flight)];
    if (adm.after_launch) ++coverage_[size_t(Situation::repeat_launch_record)];
    if (adm.after_termination) ++coverage_[size_t(Situation::repeat_after_terminate)];
    if (adm.forgot) ++coverage_[size_t(Situation::repeat_after_forget)];
    if (adm.kind == model::Admission::Reply && adm.reply.code == model::Code::IdempotentParameterMismatch &&
        c.request.params.type != clients_[c.client].spec().request.type)
      ++coverage_[size_t(Situation::mismatch_after_fallback)];
    if (adm.owner && *adm.owner < history_.attempts.size()) {
      // Another intent's record: not the same intent (nor another delivery of it).
      const model::CallRecord& by = call_of(static_cast<uint32_t>(*adm.owner));
      const model::ClientRecord& x = history_.clients[by.client];
      const model::ClientRecord& y = history_.clients[c.client];
      const auto kx = std::make_tuple(x.intent_group, x.index, history_.intents[by.intent].index);
      const auto ky = std::make_tuple(y.intent_group, y.index, history_.intents[c.intent].index);
      if (kx != ky) ++coverage_[size_t(Situation::two_intents_one_token)];
    }
  }

  // read-then-write: the insert lands, `gap` after the read.
  void on_write(uint32_t op) {
    if (service_.abandoned(op)) return;
    const uint32_t attempt = op_attempt_[op];
    const uint32_t region = region_of(attempt);
    if (stores_[region].down) {
      q_.push(stores_[region].down_until, kWrite, op);
      return;
    }
    service_.write(op, handling(region, served_[attempt].frontend, call_of(attempt).client, false, false));
    trace_.line(now_, service_actor(region)).word("store").word("write").kv("op", op).kv("attempt", attempt);
    maybe_crash(faults::Crash::after_reserve, op);
  }

  // The launch step ends: the instances exist.
  void on_launch(uint32_t op) {
    if (service_.abandoned(op)) return;
    const uint32_t attempt = op_attempt_[op];
    const Response r = service_.launch(op, now_);
    if (steps().record.us == 0 && !injector_.has_crash()) {
      on_record(op);
      return;
    }
    {
      auto line = trace_.line(now_, service_actor(region_of(attempt)));
      line.word("launched").kv("op", op).kv("attempt", attempt).kv("code", model::code_name(r.code));
      if (r.ok()) line.kv_id("reservation", 'r', r.reservation);
    }
    if (maybe_crash(faults::Crash::after_launch, op)) return;
    if (steps().record.us) q_.push(now_ + steps().record, kRecord, op);
    else on_record(op);
  }

  // The record step ends: the launch's answer is bound to its token and leaves for the client
  // (and for every request that joined it), `steps.reply` later.
  void on_record(uint32_t op) {
    if (service_.abandoned(op)) return;
    const uint32_t attempt = op_attempt_[op];
    const uint32_t region = region_of(attempt);
    if (stores_[region].down && call_of(attempt).request.has_token) {
      q_.push(stores_[region].down_until, kRecord, op);  // the frontend waits for the store
      return;
    }
    model::Completion done =
        service_.record(op, handling(region, served_[attempt].frontend, call_of(attempt).client, false, false));
    {
      auto line = trace_.line(now_, service_actor(region));
      line.word("done").kv("op", op).kv("attempt", attempt).kv("client", clients_[call_of(attempt).client].label())
          .kv("code", model::code_name(done.response.code));
      if (done.response.ok())
        line.kv_id("reservation", 'r', done.response.reservation)
            .kv_id("first-instance", 'i', done.response.first_instance)
            .kv("instances", done.response.count);
    }
    // A crash here loses the answer to the launch's own request (its client sees a reset); the
    // requests that joined it from frontends that are up still get it.
    maybe_crash(faults::Crash::after_record, op);
    if (!dead(attempt)) answer(attempt, done.response);
    for (uint64_t joined : done.joined)
      if (!dead(static_cast<uint32_t>(joined))) answer(static_cast<uint32_t>(joined), done.response);
  }

  // The service's answer leaves the frontend `steps.reply` from now.
  void answer(uint32_t attempt, const Response& r) {
    if (steps().reply.us == 0) {
      respond(attempt, r);
      return;
    }
    replies_[attempt] = r;
    q_.push(now_ + steps().reply, kReply, attempt);
  }

  // ---- crashes

  // A launch reaches `step`: a crash fault may stop its frontend (true: this launch with it) or
  // the store.
  bool maybe_crash(faults::Crash::Step step, uint32_t op) {
    if (!injector_.has_crash()) return false;
    const uint32_t attempt = op_attempt_[op];
    const uint32_t region = region_of(attempt);
    const uint32_t f = served_[attempt].frontend;
    const auto i = injector_.crash_at_step(step, region, f, now_);
    if (!i) return false;
    const auto& c = std::get<faults::Crash>(s_.faults.faults[*i]);
    const bool store = c.target == faults::Crash::store;
    const uint32_t which = c.which ? *c.which : f;
    if (store ? stores_[region].down : frontends_[region][which].down) return false;  // down already
    injector_.fired(*i);
    trace_.line(now_, "fault").word("crash").word(faults::crash_step_name(step)).kv("op", op).kv("attempt", attempt);
    if (store) {
      crash_store(region, c);
      return false;
    }
    crash_frontend(region, which, c);
    return which == f;
  }

  // A timed crash stops a process that is up: the store, its `which`, or one of the frontends up
  // (drawn). With nothing of that up, it does not fire.
  void on_timed_crash(uint32_t fault, uint32_t region) {
    const auto& c = std::get<faults::Crash>(s_.faults.faults[fault]);
    const std::vector<Process>& fs = frontends_[region];
    const uint32_t up = static_cast<uint32_t>(std::count_if(fs.begin(), fs.end(), [](const Process& p) { return !p.down; }));
    if (c.target == faults::Crash::store ? stores_[region].down : c.which ? fs[*c.which].down : up == 0) return;
    const auto k = injector_.crash_at_time(fault, region, up, now_);
    if (!k) return;
    trace_.line(now_, "fault").word("crash").word("at").kv("fault", fault);
    if (c.target == faults::Crash::store) {
      crash_store(region, c);
      return;
    }
    uint32_t f = 0, left = *k;
    if (c.which) f = *c.which;
    else
      for (f = 0; f < fs.size(); ++f)
        if (!fs[f].down && left-- == 0) break;
    crash_frontend(region, f, c);
  }

  // When a crashed process comes back: `restart_after` later, or when the faults heal.
  Time restart_time(const faults::Crash& c) const {
    const Time at = now_ + c.restart_after;
    return s_.faults.heal_at && *s_.faults.heal_at > now_ ? std::min(at, *s_.faults.heal_at) : at;
  }

  void crash_store(uint32_t region, const faults::Crash& c) {
    Process& p = stores_[region];
    if (p.down) return;
    p.down = true;
    p.down_until = restart_time(c);
    service_.crash_store(region);
    if (keep_timeline_) marks_.push_back(Mark{now_, region, kStore, false, "token store crashed"});
    note({}, "service: the token store of " + regions_[region] + " crashed" +
                 (s_.service.store.durability == model::Durability::lossy ? " and lost every record (volatile)" : "") +
                 "; back in " + sim::format_duration(p.down_until - now_),
         true);
    trace_.line(now_, service_actor(region)).word("store").word("crash")
        .kv("durability", model::durability_name(s_.service.store.durability)).kv("restart-after", p.down_until - now_);
    q_.push(p.down_until, kRestart, region, kStore);
  }

  void crash_frontend(uint32_t region, uint32_t f, const faults::Crash& c) {
    Process& p = frontends_[region][f];
    if (p.down) return;
    p.down = true;
    p.down_until = restart_time(c);
    ++p.incarnation;
    if (keep_timeline_) marks_.push_back(Mark{now_, region, f, false, "frontend " + std::to_string(f) + " crashed"});
    note({}, "service: frontend " + std::to_string(f) + " of " + regions_[region] + " crashed; back in " +
                 sim::format_duration(p.down_until - now_));
    trace_.line(now_, service_actor(region)).word("frontend").word("crash").kv("frontend", f)
        .kv("restart-after", p.down_until - now_);
    q_.push(p.down_until, kRestart, region, f);
    // Its launches in flight, settled by the service's recovery; the requests that joined them
    // from other frontends get the bound answer, or a 500 when nothing was bound.
    for (const model::Abandoned& ab : service_.crash_frontend(region, f, now_)) {
      {
        auto line = trace_.line(now_, service_actor(region));
        line.word("abandon").kv("op", ab.op).kv("attempt", static_cast<int64_t>(ab.tag)).word(ab.launched ? "launched" : "not-launched");
        line.word(ab.bound ? "bound" : ab.had_record ? "released" : "no-record");
      }
      if (ab.had_record && !ab.bound) {
        const model::AttemptRecord& a = history_.attempts[static_cast<size_t>(ab.tag)];
        if (a.has_token)
          note(a.token.view(),
               std::string("service: recovery released the token's record after frontend ") + std::to_string(f) +
                   " crashed" + (ab.launched ? ", though its launch had happened: the token is forgotten (recover: false)"
                                             : " before its launch: the token is free again"),
               ab.launched);
      }
      for (uint64_t j : ab.joined)
        if (!dead(static_cast<uint32_t>(j))) answer(static_cast<uint32_t>(j), ab.bound ? *ab.bound : Response{model::Code::InternalError, 0, 0, 0});
    }
    // Its requests in flight get no answer: their connections are reset.
    size_t keep = 0;
    for (uint32_t attempt : in_service_) {
      Served& sv = served_[attempt];
      if (sv.answered) continue;
      if (sv.frontend == f && region_of(attempt) == region && sv.incarnation + 1 == p.incarnation) {
        sv.answered = true;
        model::AttemptRecord& a = history_.attempts[attempt];
        a.fate = model::Fate::crashed;
        trace_.line(now_, "net").word("reset").word("crash").kv("attempt", attempt);
        if (a.duplicate_of == model::AttemptRecord::kNotTaken) q_.push(now_ + latency(call_of(attempt).client), kReset, attempt);
        continue;
      }
      in_service_[keep++] = attempt;
    }
    in_service_.resize(keep);
  }

  // A cleanup job's sweep: list, choose, terminate; then the next sweep.
  void on_reap(uint32_t r) {
    const model::ReaperSpec& spec = s_.reapers[r];
    const auto listing = service_.list(spec.region, spec.account, now_);
    std::vector<uint32_t> recorded;
    if (spec.reaps == model::ReaperSpec::unknown) {
      for (const model::IntentRecord& i : history_.intents)
        if (i.outcome == model::Outcome::ok && i.learned.reservation) recorded.push_back(i.learned.reservation);
      std::sort(recorded.begin(), recorded.end());
    }
    const std::vector<uint32_t> chosen = model::choose_reaps(spec, listing, recorded, now_);
    if (reaper_counts_.size() < 2 * s_.reapers.size()) reaper_counts_.resize(2 * s_.reapers.size());
    ++reaper_counts_[2 * r];
    for (const auto& v : listing) reaper_counts_[2 * r + 1] += now_ - v.launched >= spec.grace ? 1 : 0;
    const std::string actor = "reaper#" + std::to_string(r);
    trace_.line(now_, actor).word("sweep").kv("listed", static_cast<int64_t>(listing.size()))
        .kv("reap", static_cast<int64_t>(chosen.size()));
    for (uint32_t id : chosen) {
      bool tagged = true;
      for (const auto& v : listing) tagged = v.id == id ? v.tagged : tagged;
      service_.terminate(spec.region, {id}, now_, spec.account);
      history_.reaps.push_back(model::ReapRecord{now_, r, id, tagged});
      trace_.line(now_, actor).word("terminate").kv_id("instance", 'i', id).word(tagged ? "tagged" : "untagged");
    }
    q_.push(now_ + spec.every, kReap, r);
  }

  void on_restart(uint32_t region, uint32_t which) {
    Process& p = which == kStore ? stores_[region] : frontends_[region][which];
    p.down = false;
    if (keep_timeline_) marks_.push_back(Mark{now_, region, which, false, which == kStore ? "token store back" : "frontend " + std::to_string(which) + " back"});
    note({}, "service: " + (which == kStore ? std::string("the token store") : "frontend " + std::to_string(which)) +
                 " of " + regions_[region] + " is back");
    auto line = trace_.line(now_, service_actor(region));
    if (which == kStore) line.word("store").word("restart");
    else line.word("frontend").word("restart").kv("frontend", which);
  }

  // The answer to `attempt` on its way back. `acted`: the service took the request in (a storm
  // or a transient error turned it away otherwise, and faults after the service do not apply).
  void respond(uint32_t attempt, Response r, bool acted = true) {
    if (keep_timeline_) at_time(answered_, attempt);
    const model::CallRecord& c = history_.calls[history_.attempts[attempt].call];
    model::AttemptRecord& a = history_.attempts[attempt];
    served_[attempt].answered = true;
    const uint32_t region = c.request.region;
    if (acted) {
      if (auto code = injector_.storm(faults::Storm::after, region, now_)) {
        trace_.line(now_, "fault").word("storm-after").kv("attempt", attempt).kv("code", model::code_name(*code));
        r = Response{*code, 0, 0, 0};
        a.fate = model::Fate::answer_replaced;
      }
    }
    // A group cut off hears nothing, not even a reset.
    if (injector_.partitioned(false, history_.clients[c.client].group, region, now_)) {
      trace_.line(now_, "net").word("partition").word("response").kv("attempt", attempt);
      a.fate = model::Fate::response_lost;
      return;
    }
    // A reset reaches a client still waiting on its connection: not one that timed out already,
    // nor a copy the network made (no client holds its connection).
    if (acted && !a.done && a.duplicate_of == model::AttemptRecord::kNotTaken &&
        injector_.reset(faults::Reset::after, region, now_)) {
      trace_.line(now_, "net").word("reset").word("after").kv("attempt", attempt);
      a.fate = model::Fate::reset_after;
      q_.push(now_ + latency(c.client), kReset, attempt);
      return;
    }
    if (injector_.lose_response(region, now_)) {
      if (acted && r.ok() && c.api == Api::run) ++coverage_[size_t(Situation::response_lost_commit)];
      trace_.line(now_, "net").word("lose").word("response").kv("attempt", attempt);
      a.fate = model::Fate::response_lost;
      return;
    }
    replies_[attempt] = r;
    q_.push(now_ + latency(c.client), kDeliver, attempt);
  }

  // A reset connection: the client learns at once, with the outcome unknown (its SDK retries it
  // like a timeout).
  void on_reset(uint32_t attempt) {
    if (history_.attempts[attempt].done) return;
    const uint32_t client = history_.calls[history_.attempts[attempt].call].client;
    trace_.line(now_, clients_[client].label()).word("reset").kv("attempt", attempt);
    clients_[client].on_timeout(attempt, now_);
  }

  void on_deliver(uint32_t attempt) {
    const uint32_t client = history_.calls[history_.attempts[attempt].call].client;
    const Response& r = replies_[attempt];
    model::Client& c = clients_[client];
    {
      auto line = trace_.line(now_, c.label());
      line.word("recv").kv("attempt", attempt).kv("status", r.status()).kv("code", model::code_name(r.code));
      if (r.ok() && r.reservation) line.kv_id("reservation", 'r', r.reservation);
    }
    if (!c.on_reply(attempt, r, now_)) {
      trace_.line(now_, c.label()).word("ignore").kv("attempt", attempt);
      model::AttemptRecord& at = history_.attempts[attempt];
      at.late = true;
      at.late_at = now_;
      at.late_response = r;
    }
  }

  void on_timeout(uint32_t client, uint32_t attempt) {
    model::Client& c = clients_[client];
    // A timer whose attempt was answered already, or whose process died, is dropped quietly: it
    // is not an event of the model, only a cancelled timer.
    if (history_.attempts[attempt].done || !c.waits_for(attempt)) return;
    trace_.line(now_, c.label()).word("timeout").kv("attempt", attempt);
    c.on_timeout(attempt, now_);
  }

  // The run's counts, per client group; the run's totals are their sum.
  void fill_stats(RunResult& out, const model::OracleCounts& counts) const {
    std::vector<RunStats>& gs = out.groups;
    gs.assign(s_.clients.size(), RunStats{});
    auto group_of = [&](uint32_t client) -> RunStats& { return gs[history_.clients[client].group]; };
    // The intents the scenario plans; each ends ok, failed or unknown, or is open: cut off by
    // the time limit, before or after it began (so the four add up to the intents).
    for (size_t g = 0; g < s_.clients.size(); ++g) {
      const uint64_t planned = static_cast<uint64_t>(s_.clients[g].count) * static_cast<uint64_t>(s_.clients[g].spec.intents);
      gs[g].intents = planned;
      gs[g].intents_open = planned;
    }
    for (const auto& i : history_.intents) {
      RunStats& st = group_of(i.client);
      ++st.intents_begun;
      st.intents_blocked += i.blocked ? 1 : 0;
      if (!i.finished) continue;
      --st.intents_open;
      switch (i.outcome) {
        case model::Outcome::ok: ++st.intents_ok; break;
        case model::Outcome::failed: ++st.intents_failed; break;
        case model::Outcome::unknown: ++st.intents_unknown; break;
        case model::Outcome::pending: ++st.intents_unknown; break;
      }
    }
    // Retries by layer, each call counted once, for the intent it was made for (a batch call's,
    // for the first of its intents).
    std::vector<std::array<uint64_t, 3>> by_intent(history_.intents.size(), {0, 0, 0});
    for (const auto& c : history_.calls) {
      if (c.api == Api::terminate || c.repeat || c.attempts.empty()) continue;
      auto& n = by_intent[c.intent];
      n[0] += c.attempts.size() - 1;
      n[1] += c.layer == model::Layer::app ? 1 : 0;
      n[2] += c.layer == model::Layer::controller ? 1 : 0;
    }
    for (size_t g = 0; g < s_.clients.size(); ++g)
      gs[g].instances_intended = gs[g].intents * static_cast<uint64_t>(s_.clients[g].spec.request.max);
    // Attempts per intent, and its completion time (first call to definite end).
    Distributions& dist = out.distributions;
    std::vector<uint32_t> attempts(history_.intents.size(), 0);
    for (const auto& c : history_.calls)
      if (c.api != Api::terminate && !c.repeat) attempts[c.intent] += static_cast<uint32_t>(c.attempts.size());
    for (size_t i = 0; i < history_.intents.size(); ++i) {
      const model::IntentRecord& intent = history_.intents[i];
      if (dist.attempts.size() <= attempts[i]) dist.attempts.resize(attempts[i] + 1);
      ++dist.attempts[attempts[i]];
      if (!intent.finished || (intent.outcome != model::Outcome::ok && intent.outcome != model::Outcome::failed) ||
          intent.calls.empty())
        continue;
      Time done = history_.calls[intent.calls.front()].invoked;
      for (uint32_t c : intent.calls)
        if (history_.calls[c].api != Api::terminate && !history_.calls[c].repeat) done = std::max(done, history_.calls[c].ended);
      dist.count_completion(Distributions::bucket_of(done - history_.calls[intent.calls.front()].invoked));
    }
    for (size_t i = 0; i < by_intent.size(); ++i) {
      RunStats& st = group_of(history_.intents[i].client);
      const auto& n = by_intent[i];
      st.attempts_sdk += n[0];
      st.attempts_app += n[1];
      st.attempts_controller += n[2];
      st.most_sdk = std::max(st.most_sdk, n[0]);
      st.most_app = std::max(st.most_app, n[1]);
      st.most_controller = std::max(st.most_controller, n[2]);
    }
    for (const auto& c : history_.calls) {
      RunStats& st = group_of(c.client);
      ++st.calls;
      st.requests += c.attempts.size();
      st.retries += c.attempts.size() - 1 + (c.layer != model::Layer::first ? 1 : 0);
    }
    for (const auto& r : service_.reservations())
      group_of(history_.calls[history_.attempts[r.tag].call].client).instances += r.count;
    for (size_t g = 0; g < counts.leaked_by_group.size() && g < gs.size(); ++g) gs[g].leaked = counts.leaked_by_group[g];
    for (size_t g = 0; g < counts.leaked_us_by_group.size() && g < gs.size(); ++g)
      gs[g].leaked_instance_us = counts.leaked_us_by_group[g];
    for (size_t g = 0; g < gs.size(); ++g) gs[g].throttled = throttled_[g];
    const uint64_t events = out.stats.events;
    const Time end = out.stats.end;
    out.stats = RunStats{};
    for (const RunStats& g : gs) out.stats.add(g);
    out.stats.events = events;
    out.stats.end = end;
    out.stats.launches_in_flight = counts.launches_in_flight;
    out.fault_fires = injector_.fires();
    out.reaper_counts = reaper_counts_;
    out.coverage = coverage_;
    for (const auto& call : history_.calls) out.coverage[size_t(Situation::quota_mid_chain)] += call.quota_stopped ? 1 : 0;
    out.reaper_counts.resize(2 * s_.reapers.size());
  }

  // Timeline::Attempt's reached_us and answered_us: now, for `attempt` (-1 until set).
  void at_time(std::vector<int64_t>& v, uint32_t attempt) {
    if (v.size() <= attempt) v.resize(attempt + 1, -1);
    v[attempt] = (now_ - Time(0)).us;
  }

  // The run drawn as lanes (RunOptions::keep_timeline; harness/world.h, Timeline).
  Timeline timeline(const RunResult& r) const {
    Timeline t;
    t.seed = seed_;
    t.events = r.stats.events;
    t.end_us = (now_ - Time(0)).us;
    for (const model::Violation& v : r.violations) t.violations.push_back(v.property + " " + v.subject + ": " + v.detail);
    const size_t n = history_.attempts.size();
    // Per attempt: in a violation's story (1), in the first violation's (2 and 1); a launch that
    // broke a rule. An attempt that made a bad launch is in its story, and so is a copy the
    // network made of an attempt in a story.
    std::vector<uint8_t> story(n, 0);
    std::vector<bool> bad(n, false);
    for (size_t i = 0; i < r.violations.size(); ++i) {
      const model::Violation& v = r.violations[i];
      const uint8_t level = i == 0 ? 2 : 1;
      for (uint32_t a : v.attempts) story[a] = std::max(story[a], level);
      for (uint32_t a : v.bad_launches) bad[a] = true, story[a] = std::max(story[a], level);
    }
    // What a story's answers rest on: the launch an answer names, and the calls that terminated
    // a launch the story made (a token's life ends there); the network's copies of its requests.
    const std::vector<model::Reservation>& reservations = service_.reservations();
    for (uint32_t a = 0; a < n; ++a) {
      const model::AttemptRecord& at = history_.attempts[a];
      if (!story[a] || history_.calls[at.call].api == model::Api::terminate) continue;
      for (const Response* x : {at.done ? &at.response : nullptr, at.late ? &at.late_response : nullptr})
        if (x && x->ok() && x->reservation >= 1 && x->reservation <= reservations.size()) {
          const uint32_t by = static_cast<uint32_t>(reservations[x->reservation - 1].tag);
          story[by] = std::max(story[by], story[a]);
        }
    }
    for (const model::Reservation& res : reservations) {
      const uint8_t level = story[static_cast<uint32_t>(res.tag)];
      if (!level) continue;
      for (const model::CallRecord& c : history_.calls) {
        if (c.api != model::Api::terminate) continue;
        const bool ends_it = std::any_of(c.ids.begin(), c.ids.end(), [&](uint32_t id) {
          return id >= res.first_instance && id < res.first_instance + res.count;
        });
        if (ends_it)
          for (uint32_t a : c.attempts) story[a] = std::max(story[a], level);
      }
    }
    for (uint32_t a = 0; a < n; ++a) {
      const uint32_t of = history_.attempts[a].duplicate_of;
      if (of != model::AttemptRecord::kNotTaken) story[a] = std::max(story[a], story[of]);
    }
    // A run too large to draw whole keeps the clients in a story, and says how much it left out.
    constexpr size_t kMostAttempts = 600;
    std::vector<bool> drawn(history_.clients.size(), n <= kMostAttempts);
    if (n > kMostAttempts)
      for (uint32_t a = 0; a < n; ++a)
        if (story[a]) drawn[call_of(a).client] = true;
    std::vector<bool> region_drawn(regions_.size(), n <= kMostAttempts);
    for (uint32_t c = 0; c < history_.clients.size(); ++c)
      if (drawn[c]) region_drawn[history_.clients[c].region] = true;
    for (const model::ReaperSpec& rp : s_.reapers) region_drawn[rp.region] = true;
    std::vector<int32_t> client_lane(history_.clients.size(), -1);
    for (uint32_t c = 0; c < history_.clients.size(); ++c) {
      if (!drawn[c]) continue;
      client_lane[c] = static_cast<int32_t>(t.lanes.size());
      t.lanes.push_back({history_.clients[c].label, "client", regions_[history_.clients[c].region]});
    }
    std::vector<int32_t> first_frontend(regions_.size(), -1), store_lane(regions_.size(), -1);
    for (uint32_t g = 0; g < regions_.size(); ++g) {
      if (!region_drawn[g]) continue;
      first_frontend[g] = static_cast<int32_t>(t.lanes.size());
      for (uint32_t f = 0; f < frontends_[g].size(); ++f)
        t.lanes.push_back({regions_[g] + (frontends_[g].size() == 1 ? std::string(" service") : " frontend " + std::to_string(f)),
                           "frontend", regions_[g]});
      for (const Mark& m : marks_)
        if (!m.client && m.which == kStore && m.region == g && store_lane[g] < 0) {
          store_lane[g] = static_cast<int32_t>(t.lanes.size());
          t.lanes.push_back({regions_[g] + " token store", "store", regions_[g]});
        }
    }
    std::vector<int32_t> reaper_lane(s_.reapers.size());
    for (uint32_t i = 0; i < s_.reapers.size(); ++i) {
      reaper_lane[i] = static_cast<int32_t>(t.lanes.size());
      t.lanes.push_back({"reaper " + std::to_string(i), "reaper", regions_[s_.reapers[i].region]});
    }
    // The lane an attempt went to: the frontend that took it in, or, for one the Region's
    // endpoint answered before any frontend did (a storm, the quota, every frontend down), the
    // Region's first lane.
    const auto lane_to = [&](uint32_t attempt) -> int32_t {
      const uint32_t region = history_.calls[history_.attempts[attempt].call].request.region;
      if (first_frontend[region] < 0) return -1;
      const uint32_t f = attempt < served_.size() ? served_[attempt].frontend : kNoFrontend;
      return first_frontend[region] + static_cast<int32_t>(f == kNoFrontend ? 0 : f);
    };
    const auto answer = [](model::Api api, const Response& x) {
      if (!x.ok()) return std::to_string(x.status()) + " " + std::string(model::code_name(x.code));
      if (api == model::Api::describe)
        return x.count == 0 ? std::string("200 found nothing") : "200 found " + model::reservation_name(x.reservation);
      if (api == model::Api::terminate) return std::string("200 terminating");
      return "200 " + model::reservation_name(x.reservation);
    };
    const auto time_of = [](const std::vector<int64_t>& v, uint32_t a) { return a < v.size() ? v[a] : int64_t{-1}; };
    for (uint32_t a = 0; a < n; ++a) {
      const model::AttemptRecord& at = history_.attempts[a];
      const model::CallRecord& c = history_.calls[at.call];
      if (!drawn[c.client]) {
        ++t.attempts_left_out;
        continue;
      }
      Timeline::Attempt x;
      x.id = a;
      x.from = static_cast<uint32_t>(client_lane[c.client]);
      x.sent_us = (at.sent - Time(0)).us;
      x.reached_us = time_of(arrived_, a);
      x.to = x.reached_us >= 0 ? lane_to(a) : -1;
      x.answered_us = time_of(answered_, a);
      x.what = std::string(model::api_name(c.api)) + " call " + std::to_string(at.call) + " try " + std::to_string(at.number);
      if (c.api == model::Api::run) x.what += at.has_token ? " token=" + sim::escaped(at.token.view()) : " no-token";
      if (c.api == model::Api::describe && c.request.has_token) x.what += " client-token=" + sim::escaped(c.request.token.view());
      if (at.duplicate_of != model::AttemptRecord::kNotTaken)
        x.what += " (a second delivery of attempt " + std::to_string(at.duplicate_of) + ", by the network)";
      x.story = story[a];
      if (at.done) {
        x.ended_us = (at.ended - Time(0)).us;
        if (at.end == model::AttemptEnd::timeout) {
          const bool reset = at.fate == model::Fate::reset_before || at.fate == model::Fate::reset_after ||
                             at.fate == model::Fate::refused || at.fate == model::Fate::crashed;
          x.end = reset ? "connection reset" : "timed out";
        } else {
          x.end = answer(c.api, at.response);
        }
      } else if (at.duplicate_of != model::AttemptRecord::kNotTaken) {
        x.end = "no one waits for it";
      } else {
        // Its caller's process died while it waited, or the run reached its limit.
        const auto crash = std::find_if(marks_.begin(), marks_.end(), [&](const Mark& m) {
          return m.client && m.which == c.client && m.at >= at.sent && m.what.rfind("process crashed", 0) == 0;
        });
        x.end = crash != marks_.end() ? "no end: its caller's process crashed at " + sim::format_time(crash->at)
                                      : "no end by the limit";
      }
      if (at.late) {
        x.late_us = (at.late_at - Time(0)).us;
        x.end += "; answered " + answer(c.api, at.late_response) + " at " + sim::format_time(at.late_at) +
                 (at.fate == model::Fate::caller_crashed ? ", as the caller's process died" : ", with no one waiting");
      }
      switch (at.fate) {
        case model::Fate::request_lost: x.end += "; the request was lost on the way"; break;
        case model::Fate::turned_away: x.end += "; a storm answered it before the service saw it"; break;
        case model::Fate::answer_replaced: x.end += "; a storm replaced the service's answer"; break;
        case model::Fate::response_lost: x.end += "; its answer was lost on the way back"; break;
        case model::Fate::reset_before: x.end += "; reset before the service saw it"; break;
        case model::Fate::reset_after: x.end += "; reset after the service acted"; break;
        case model::Fate::transient: x.end += "; a transient error before the service acted"; break;
        case model::Fate::throttled: x.end += "; the account's request quota was empty"; break;
        case model::Fate::refused: x.end += "; every frontend of the Region was down"; break;
        case model::Fate::crashed: x.end += "; its frontend crashed"; break;
        case model::Fate::caller_crashed: break;
        case model::Fate::none: break;
      }
      if (at.store_down) x.end += "; the token store was down";
      x.lost = at.fate == model::Fate::request_lost ? "request" : at.fate == model::Fate::response_lost ? "answer" : "";
      t.attempts.push_back(std::move(x));
    }
    for (const model::Reservation& res : service_.reservations()) {
      const uint32_t a = static_cast<uint32_t>(res.tag);
      if (!drawn[call_of(a).client]) continue;
      Timeline::Launch l;
      l.at_us = (res.at - Time(0)).us;
      l.lane = lane_to(a);
      l.attempt = a;
      l.what = model::reservation_name(res.id) + ": " + std::to_string(res.count) + " instance(s)" +
               (res.has_token ? " token=" + sim::escaped(res.token.view()) : " no token");
      l.bad = bad[a];
      t.launches.push_back(std::move(l));
    }
    // Each fault's window, cut at heal_at and the limit; a crash at a time, from then until the
    // process is back.
    const Time limit = Time(0) + s_.limit;
    for (const faults::Fault& f : s_.faults.faults) {
      const faults::Window& w = std::visit([](const auto& x) -> const faults::Window& { return x.window; }, f);
      const std::optional<uint32_t> region = std::visit([](const auto& x) { return x.region; }, f);
      Time from = w.from, until = w.length ? w.from + *w.length : limit;
      if (const auto* c = std::get_if<faults::Crash>(&f); c && c->at) from = *c->at, until = *c->at + c->restart_after;
      if (s_.faults.heal_at) until = std::min(until, *s_.faults.heal_at);
      until = std::min(until, limit);
      if (until <= from) continue;
      t.faults.push_back({faults::describe(f, regions_, s_.group_names()), (from - Time(0)).us, (until - Time(0)).us,
                          region ? regions_[*region] : std::string()});
    }
    for (const Mark& m : marks_) {
      if (m.at > now_) continue;  // a restart the run ended before
      const int32_t lane = m.client ? client_lane[m.which]
                           : first_frontend[m.region] < 0 ? -1
                           : m.which == kStore ? store_lane[m.region]
                                               : first_frontend[m.region] + static_cast<int32_t>(m.which);
      if (lane >= 0) t.marks.push_back({(m.at - Time(0)).us, lane, m.what});
    }
    std::vector<uint8_t> reap_story(history_.reaps.size(), 0);
    for (size_t i = 0; i < r.violations.size(); ++i)
      for (uint32_t k : r.violations[i].reaps) reap_story[k] = std::max<uint8_t>(reap_story[k], i == 0 ? 2 : 1);
    for (size_t k = 0; k < history_.reaps.size(); ++k) {
      const model::ReapRecord& rr = history_.reaps[k];
      t.marks.push_back({(rr.at - Time(0)).us, reaper_lane[rr.reaper],
                         "terminated " + model::instance_name(rr.instance) + (rr.tagged ? "" : " (untagged)"), reap_story[k]});
    }
    std::stable_sort(t.marks.begin(), t.marks.end(), [](const Timeline::Mark& x, const Timeline::Mark& y) { return x.at_us < y.at_us; });
    return t;
  }

  // What the service went through that a violation's story should tell (crashes, restarts, a
  // record the store forgot): rare events, kept as text. `token`: only for stories of that token.
  struct Note {
    Time at;
    std::string token;
    std::string what;
    bool key = false;  // never elided from a printed excerpt (a forgotten record, a store crash)
    std::string client;  // only for stories of this client's attempts (a caller crash)
  };
  void note(std::string_view token, std::string what, bool key = false) {
    notes_.push_back(Note{now_, token.empty() ? std::string() : sim::escaped(token), std::move(what), key});
  }
  // Each violation's story gets the crashes and restarts inside its time span, and the forgotten
  // records of the tokens it names.
  void add_service_notes(std::vector<model::Violation>& vs) const {
    if (notes_.empty()) return;
    for (model::Violation& v : vs) {
      if (v.events.empty()) continue;
      Time lo = v.events.front().at, hi = v.events.front().at;
      for (const auto& e : v.events) lo = std::min(lo, e.at), hi = std::max(hi, e.at);
      bool added = false;
      for (const Note& n : notes_) {
        bool about = false;
        if (!n.client.empty()) {
          for (const auto& e : v.events) about = about || e.what.rfind(n.client + " ", 0) == 0;
        } else if (n.token.empty()) {
          about = n.at >= lo && n.at <= hi;
        } else {
          const std::string needle = "token=" + n.token;
          for (const auto& e : v.events) {
            const size_t at = e.what.find(needle);
            about = about || (at != std::string::npos &&
                              (at + needle.size() == e.what.size() || e.what[at + needle.size()] == ' '));
          }
        }
        if (!about) continue;
        v.events.push_back({n.at, n.what, n.key});
        added = true;
      }
      if (added)
        std::stable_sort(v.events.begin(), v.events.end(),
                         [](const model::Violation::Step& a, const model::Violation::Step& b) { return a.at < b.at; });
    }
  }

  // Each intent's outcome and its calls' answers, in the history's order.
  void intent_ends(std::vector<IntentEnd>& out) const {
    for (const model::IntentRecord& i : history_.intents) {
      IntentEnd e;
      e.intent = history_.clients[i.client].label + "/" + std::to_string(i.index);
      e.story = std::string(model::outcome_name(i.outcome)) + ":";
      for (size_t n = 0; n < i.calls.size(); ++n) {
        const model::CallRecord& c = history_.calls[i.calls[n]];
        e.story += (n ? "; " : " ") + std::string(model::api_name(c.api)) + (c.repeat ? " (repeat)" : "");
        const model::AttemptRecord* last = c.attempts.empty() ? nullptr : &history_.attempts[c.attempts.back()];
        if (c.outcome == model::Outcome::pending) {
          e.story += " pending";
        } else if (!last || !last->done || last->end == model::AttemptEnd::timeout) {
          e.story += " no answer";
        } else {
          e.story += " " + std::to_string(c.response.status()) + " " + std::string(model::code_name(c.response.code));
          if (c.response.ok() && c.response.reservation) e.story += " r" + std::to_string(c.response.reservation);
        }
      }
      out.push_back(std::move(e));
    }
  }

  bool keep_intents_;
  bool keep_send_seconds_;
  bool keep_timeline_;
  const Scenario& s_;
  uint64_t seed_;
  sim::Trace trace_;
  faults::Injector injector_;
  model::Service service_;
  std::vector<std::string> regions_;
  std::vector<std::string> service_actors_;
  std::vector<std::vector<Process>> frontends_;  // per Region
  std::vector<Process> stores_;                  // per Region
  std::vector<uint32_t> round_robin_;            // per Region: the balancer's next frontend
  std::vector<Served> served_;                   // per attempt
  std::vector<uint64_t> throttled_;              // per client group: requests the quota turned away
  std::vector<Note> notes_;
  // With keep_timeline_: the service's crashes and restarts, and the callers' crashes and restarts.
  struct Mark {
    Time at;
    uint32_t region = 0;
    uint32_t which = 0;  // a frontend, kStore, or (client) the client
    bool client = false;
    std::string what;
  };
  std::vector<Mark> marks_;
  std::vector<int64_t> arrived_, answered_;  // with keep_timeline_: per attempt, microseconds or -1
  std::vector<uint64_t> reaper_counts_;  // RunResult::reaper_counts
  Coverage coverage_{};
  std::vector<uint32_t> in_service_;             // with crash faults: attempts the service may still answer
  model::History history_;
  std::vector<model::Client> clients_;
  std::vector<const sim::Latency*> links_;  // per client: its link to its endpoint
  std::vector<sim::Prng> link_prngs_;        // per client: the draws of its link
  std::vector<sim::Prng> work_prngs_;        // per client: the service's time for its requests
  sim::EventQueue q_;
  Time now_;
  std::vector<Response> replies_;    // per attempt: the answer on its way
  std::vector<uint32_t> op_attempt_;  // per launch op: the attempt that started it
  uint32_t taken_ = 0;                // requests the service has taken in so far
};

}  // namespace

RunResult run_once(const Scenario& s, uint64_t seed, const RunOptions& opt) {
  World w(s, seed, opt);
  return w.run(opt.via_asio);
}

}  // namespace idem::harness
