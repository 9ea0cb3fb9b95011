#include "reports/trace_text.h"

#include <variant>

#include "model/oracle/ledger.h"
#include "model/reaper.h"
#include "sim/trace.h"

namespace idem::reports {

using sim::Time;

namespace {

std::string describe_latency(const sim::Latency& l) { return sim::describe(l); }

// The service's parts, when a scenario sets any of them (a scenario that does not has the header
// it had before they existed).
void header_parts(sim::Trace& t, const harness::Scenario& s) {
  const model::ServiceConfig& c = s.service;
  const model::StoreConfig& st = c.store;
  if (c.frontends != 1 || c.balancer != model::Balancer::random)
    t.line(Time(0), "world").word("frontends").kv("count", c.frontends).kv("balancer", model::balancer_name(c.balancer));
  if (!(st == model::StoreConfig{})) {
    auto line = t.line(Time(0), "world");
    line.word("store").kv("write", model::store_write_name(st.write));
    if (st.write == model::StoreWrite::read_then_write) line.kv("gap", sim::format_duration(st.gap));
    line.kv("replicas", st.replicas);
    if (st.replicas > 1) line.kv("lag", sim::format_duration(st.lag));
    line.kv("durability", model::durability_name(st.durability));
    if (st.ttl) line.kv("ttl", sim::format_duration(*st.ttl));
  }
  if (c.steps.any())
    t.line(Time(0), "world").word("steps").kv("validate", sim::format_duration(c.steps.validate))
        .kv("reserve", sim::format_duration(c.steps.reserve)).kv("launch", sim::format_duration(c.steps.launch))
        .kv("record", sim::format_duration(c.steps.record)).kv("reply", sim::format_duration(c.steps.reply));
  bool crash = false;  // a crash of the service's processes
  for (const faults::Fault& f : s.faults.faults)
    if (const auto* x = std::get_if<faults::Crash>(&f)) crash = crash || x->target != faults::Crash::client;
  if (!c.recover || crash) t.line(Time(0), "world").word("recover").word(c.recover ? "true" : "false");
  if (c.throttle)
    t.line(Time(0), "world").word("throttle").kv("bucket", c.throttle->bucket)
        .kv("refill", std::to_string(c.throttle->per) + "/" +
                          (c.throttle->every == sim::seconds(1) ? std::string("s") : sim::format_duration(c.throttle->every)));
}

// The rest of a client group's settings: what it asks for, when, and how it retries.
void header_group(sim::Trace& t, const harness::Scenario& s, const harness::ClientGroup& g) {
  const model::ClientSpec& c = g.spec;
  const model::RetryPolicy& p = c.retry;
  auto line = t.line(Time(0), "world");
  line.word("group").kv("name", c.group).kv_text("region", s.service.regions[c.region].name).kv("start", describe_latency(c.start))
      .kv("think", describe_latency(c.think)).kv_text("image", c.request.image).kv_text("type", c.request.type)
      .kv("min", c.request.min).kv("max", c.request.max);
  if (!c.request.key.empty()) line.kv_text("key", c.request.key);
  if (!c.request.zone.empty()) line.kv_text("zone", c.request.zone);
  if (!c.request.subnet.empty()) line.kv_text("subnet", c.request.subnet);
  if (g.latency) line.kv("latency", describe_latency(*g.latency));
  if (p.kind != model::PolicyKind::none) line.kv("base", sim::format_duration(p.base)).kv("cap", sim::format_duration(p.cap));
  if (p.aws()) line.kv("throttle-base", sim::format_duration(p.throttle_base));
  if (p.uses_quota())
    line.kv("quota", p.quota).kv("cost", p.retry_cost).kv("timeout-cost", p.timeout_cost).kv("throttle-cost", p.throttle_cost);
  if (c.app_retries) line.kv("app-backoff", sim::format_duration(c.app_backoff)).kv("reconcile", c.reconcile ? "true" : "false");
  if (c.batch > 1) line.kv("batch", c.batch).kv("on-short", c.on_short == model::ClientSpec::OnShort::ignore ? "ignore" : "relaunch");
  if (c.controller) {
    line.kv("controller-state", c.controller->state == model::ControllerSpec::durable ? "durable" : "volatile")
        .kv("persist", c.controller->persist == model::ControllerSpec::before_send      ? "before-send"
                       : c.controller->persist == model::ControllerSpec::after_response ? "after-response"
                                                                                       : "never")
        .kv("resync", c.controller->resync ? sim::format_duration(*c.controller->resync) : std::string("never"));
    if (const auto& st = c.controller->store)
      line.kv("store-fail", std::to_string(st->fail.num * 100 / std::max<uint64_t>(st->fail.den, 1)) + "%")
          .kv("store-latency", sim::format_duration(st->latency.min) + ".." + sim::format_duration(st->latency.max));
    if (c.controller->store || c.controller->on_persist_error != model::ControllerSpec::abort)
      line.kv("on-persist-error", c.controller->on_persist_error == model::ControllerSpec::abort ? "abort" : "launch-anyway");
    if (const auto& q = c.controller->queue) {
      line.kv("queue-workers", q->workers);
      if (q->requeue_after) line.kv("requeue-after", sim::format_duration(*q->requeue_after));
      else line.kv("backoff", sim::format_duration(q->base) + ".." + sim::format_duration(q->max)).kv("qps", q->qps).kv("burst", q->burst);
      line.kv("sync-period", q->sync_period ? sim::format_duration(*q->sync_period) : std::string("none"));
    }
  }
  line.kv("on-unknown", model::on_unknown_name(c.on_unknown)).kv("on-mismatch", model::on_mismatch_name(c.on_mismatch))
      .kv("on-describe-error", model::on_describe_error_name(c.on_describe_error));
  if (c.on_terminated != model::OnTerminated::give_up) line.kv("on-terminated", model::on_terminated_name(c.on_terminated));
  if (c.tag == model::ClientSpec::Tagging::after_answer) line.kv("tag", "after-answer");
  if (!c.fallback_type.empty()) line.kv_text("fallback-type", c.fallback_type);
  if (c.terminate_after) line.kv("terminate-after", sim::format_duration(*c.terminate_after));
  if (c.repeat_after) line.kv("repeat-after", sim::format_duration(*c.repeat_after));
}

void header(sim::Trace& t, const harness::Scenario& s, uint64_t seed) {
  const std::vector<std::string> regions = s.region_names();
  t.line(Time(0), "world").kv("seed", std::to_string(seed)).kv("scenario", s.name);
  for (const std::string& f : s.includes) t.line(Time(0), "world").word("include").kv_text("file", f);
  t.line(Time(0), "world").word("service")
      .kv("semantics", s.service.semantics == model::Semantics::current ? "current" : "2013")
      .kv("regions", static_cast<int64_t>(regions.size()))
      .kv("limit", sim::format_duration(s.limit));
  {
    const model::ServiceConfig& c = s.service;
    auto line = t.line(Time(0), "world");
    line.word("service").kv("latency", describe_latency(s.service_latency)).kv("launch-time", sim::format_duration(c.launch_time))
        .kv("terminate-time", sim::format_duration(c.terminate_time)).kv("describe-lag", sim::format_duration(c.describe_lag));
    if (c.tag_lag.us) line.kv("tag-lag", sim::format_duration(c.tag_lag));
    if (c.semantics == model::Semantics::v2013) line.kv("token-retention", sim::format_duration(c.token_retention));
    for (const auto& [type, n] : c.capacity) line.kv_text("capacity", type + "=" + std::to_string(n));
  }
  for (size_t r = 0; r < regions.size(); ++r) {
    const model::RegionSpec& spec = s.service.regions[r];
    auto line = t.line(Time(0), "world");
    line.word("region").kv_text("name", spec.name).kv("latency", describe_latency(s.region_latency[r]));
    for (const std::string& z : spec.zones) line.kv_text("zone", z);
    for (const auto& [subnet, zone] : spec.subnets) line.kv_text("subnet", subnet + "@" + zone);
  }
  header_parts(t, s);
  for (const harness::ClientGroup& g : s.clients) {
    const model::RetryPolicy& p = g.spec.retry;
    auto line = t.line(Time(0), "world");
    line.word("clients").kv("group", g.spec.group).kv("count", g.count).kv("intents", g.spec.intents)
        .kv("token", model::token_mode_name(g.spec.token)).kv("retry", model::policy_name(p.kind))
        .kv("attempts", p.attempts).kv("timeout", g.spec.timeout ? sim::format_duration(*g.spec.timeout) : std::string("none")).kv("app-retries", g.spec.app_retries);
    if (g.spec.deadline) line.kv("deadline", sim::format_duration(*g.spec.deadline));
    if (p.kind == model::PolicyKind::exponential) line.kv("jitter", model::jitter_name(p.jitter));
    if (!p.sdk.empty()) {
      const size_t space = p.sdk.find(' ');
      line.kv_text("sdk", p.sdk.substr(0, space)).kv_text("sdk-version", p.sdk.substr(space + 1));
    }
    for (model::Code code : p.retry_codes) line.kv("retry-code", model::code_name(code));
    if (g.spec.token == model::TokenMode::value) line.kv_text("token-value", g.spec.token_value);
    if (!g.intent.empty()) line.kv("intent", g.intent);
    if (g.spec.account) line.kv_text("account", s.service.accounts[g.spec.account]);
  }
  for (const harness::ClientGroup& g : s.clients) header_group(t, s, g);
  for (size_t r = 0; r < s.reapers.size(); ++r) {
    const model::ReaperSpec& p = s.reapers[r];
    auto line = t.line(Time(0), "world");
    line.word("reaper").kv("index", static_cast<int64_t>(r)).kv_text("region", regions[p.region])
        .kv_text("account", s.service.accounts[p.account]).kv("every", sim::format_duration(p.every))
        .kv("reaps", model::reaps_name(p.reaps)).kv("grace", sim::format_duration(p.grace));
    if (p.reaps == model::ReaperSpec::not_in_store) line.kv("match", model::match_name(p.match));
    line.kv("start", sim::format_duration(p.start));
  }
  for (unsigned b = 0; b < static_cast<unsigned>(model::Bug::kCount); ++b)
    if (s.bugs.has(static_cast<model::Bug>(b)))
      t.line(Time(0), "world").word("bug").word(model::bug_info(static_cast<model::Bug>(b)).name);
  for (const faults::Fault& f : s.faults.faults)
    t.line(Time(0), "world").word("fault").word(faults::describe(f, regions, s.group_names()));
  if (s.explore.given) {  // what `idemsim check` would draw from (run and replay do not)
    const harness::Explore& e = s.explore;
    auto line = t.line(Time(0), "world");
    line.word("explore");
    std::string kinds;
    for (harness::ExploreKind k : e.kinds)
      kinds += (kinds.empty() ? "" : ",") + std::string(harness::kExploreKindNames[static_cast<size_t>(k)]);
    line.kv("faults", kinds.empty() ? "all" : kinds).kv("max-faults", e.max_faults);
    line.kv("window", (e.from ? sim::format_duration(*e.from) : std::string("0s")) + ".." +
                          (e.until ? sim::format_duration(*e.until) : std::string("busy")));
    line.kv("length", (e.min_for ? sim::format_duration(*e.min_for) : std::string("1s")) + ".." +
                          sim::format_duration(e.max_for ? *e.max_for : std::min(s.limit, sim::minutes(10))));
    line.kv("rate", std::to_string(e.min_rate) + "%.." + std::to_string(e.max_rate) + "%");
    if (e.count) line.kv("count", *e.count);
    if (e.intents) line.kv("intents", *e.intents);
    std::string tokens, retry, values;
    for (model::TokenMode m : e.tokens) tokens += (tokens.empty() ? "" : ",") + std::string(model::token_mode_name(m));
    for (model::PolicyKind k : e.retry) retry += (retry.empty() ? "" : ",") + std::string(model::policy_name(k));
    for (harness::TokenFamily f : e.token_values)
      values += (values.empty() ? "" : ",") + std::string(harness::kTokenFamilyNames[static_cast<size_t>(f)]);
    if (!tokens.empty()) line.kv("token", tokens);
    if (!retry.empty()) line.kv("retry", retry);
    if (!values.empty()) line.kv("tokens", values);
  }
  if (s.faults.heal_at || s.max_attempts_per_intent || s.leaks.any()) {
    auto line = t.line(Time(0), "world");
    line.word("promises");
    if (s.faults.heal_at)
      line.kv("heal-at", sim::format_duration(*s.faults.heal_at - Time(0))).kv("converge", sim::format_duration(s.converge));
    if (s.max_attempts_per_intent) line.kv("max-attempts-per-intent", *s.max_attempts_per_intent);
    if (s.leaks.max_age) line.kv("leaks-max-age", sim::format_duration(*s.leaks.max_age));
    if (s.leaks.max_instance_us) line.kv("leaks-max-instance-hours", sim::format_instance_hours(*s.leaks.max_instance_us));
  }
}

// One line per record that the trace shows (some records are for the oracle and the timeline only).
class Body {
 public:
  Body(sim::Trace& t, const harness::Scenario& s, const model::RunLog& log) : t_(t), s_(s), l_(model::index_log(log)) {
    for (const auto& r : s.service.regions) service_actors_.push_back("service/" + r.name);
  }

  void line(const model::Record& r) {
    using model::Obs;
    const Time at = r.time();
    switch (r.kind) {
      case Obs::intent_begun: {
        auto line = t_.line(at, label(r.a));
        line.word("intent").kv("intent", static_cast<int64_t>(r.b)).kv("max-count", static_cast<int64_t>(r.c));
        if (r.flags & model::kAgain) line.word("again");
        if (r.d != model::kNone) line.kv("batch-of", static_cast<int64_t>(r.d));
        break;
      }
      case Obs::intent_named:
        t_.line(at, "live").word("intent").kv("intent", static_cast<int64_t>(r.subject)).kv("name", l_.log->name_of(r.a));
        break;
      case Obs::call_begun: {
        const auto api = static_cast<model::Api>(r.code);
        auto line = t_.line(at, label(r.b));
        line.word("call").word(model::api_name(api)).kv("call", static_cast<int64_t>(r.subject));
        {
          // A process with several workers drives several intents at once: say whose call it is.
          const model::ClientSpec& spec = s_.clients[l_.clients[r.b].group].spec;
          if (spec.controller && spec.controller->queue && spec.controller->queue->workers > 1)
            line.kv("intent", static_cast<int64_t>(l_.intents[r.a].k));
        }
        if (r.flags & model::kRepeat) line.word("repeat");
        if (static_cast<model::Layer>(r.flags >> 1) == model::Layer::controller) line.kv("layer", "controller");
        if (api == model::Api::describe) line.kv_text("filter-token", token(r.c));
        if (api == model::Api::run) {
          line.kv("type", l_.params(r.d).type);
          if (r.c != model::kNone) line.kv_text("token", token(r.c));
          else line.kv("token", "-");
        }
        break;
      }
      case Obs::sent:
        t_.line(at, label(r.d)).word("send").word(model::api_name(l_.calls[r.a].api)).kv("attempt", int64_t{r.subject})
            .kv("call", int64_t{r.a}).kv("try", int64_t{r.b});
        break;
      case Obs::backoff:
        t_.line(at, label(r.a)).word("backoff").kv("call", int64_t{r.subject}).kv("sleep", r.duration()).kv("quota", int64_t{r.b});
        break;
      case Obs::rate_wait:
        t_.line(at, label(r.a)).word("rate-limit").kv("call", int64_t{r.subject}).kv("wait", r.duration())
            .kv("rate-mrps", int64_t{r.b});
        break;
      case Obs::call_ended:
        t_.line(at, label(r.a)).word("end").kv("call", int64_t{r.subject}).word(model::outcome_name(static_cast<model::Outcome>(r.code)))
            .kv("why", model::stop_why_name(static_cast<model::StopWhy>(r.b)));
        break;
      case Obs::app_retry:
        t_.line(at, label(r.a)).word("app-retry").kv("intent", int64_t{r.b}).kv("after", r.duration())
            .kv("next", model::api_name(static_cast<model::Api>(r.code))).kv("why", model::retry_why_name(static_cast<model::RetryWhy>(r.c)));
        break;
      case Obs::adopted: t_.line(at, label(r.a)).word("adopt").kv("intent", int64_t{r.b}).kv_id("reservation", 'r', r.c); break;
      case Obs::gave_up: t_.line(at, label(r.a)).word("give-up").kv("intent", int64_t{r.b}).kv("why", "describe-failed"); break;
      case Obs::blocked: t_.line(at, label(r.a)).word("block").kv("intent", int64_t{r.b}).kv("why", "outcome-unknown"); break;
      case Obs::fanned_out: {
        const auto how = static_cast<model::FanOut>(r.code);
        t_.line(at, label(r.a)).word("fan-out").kv("call", int64_t{r.subject}).kv("instances", int64_t{r.b})
            .kv("intents", int64_t{r.c}).kv("short", int64_t{r.d})
            .word(how == model::FanOut::whole ? "whole" : how == model::FanOut::relaunch ? "relaunch" : "recorded-done-anyway");
        break;
      }
      case Obs::caller_crash:
        t_.line(at, label(r.subject)).word("crash")
            .kv("when", model::caller_crash_point_name(static_cast<model::CallerCrashPoint>(r.code)))
            .kv("restart-after", r.duration()).kv("state", r.a ? "durable" : "volatile");
        break;
      case Obs::caller_restart: t_.line(at, label(r.subject)).word("restart").kv("from-intent", int64_t{r.a}); break;
      case Obs::caller_resync: t_.line(at, label(r.subject)).word("resync"); break;
      case Obs::caller_done: t_.line(at, label(r.subject)).word("done"); break;
      case Obs::db_write:
        t_.line(at, label(r.a)).word("db-write").kv("intent", int64_t{r.c})
            .kv("what", r.b ? "token" : "answer").kv("stall", r.duration()).kv("result", r.code ? "failed" : "ok");
        break;
      case Obs::tagged:
        t_.line(at, label(r.subject)).word("create-tags").kv("reservation", model::reservation_name(r.a));
        break;
      case Obs::requeued:
        t_.line(at, label(r.a)).word("requeue").kv("intent", int64_t{r.b}).kv("after", r.duration()).kv("failures", int64_t{r.c});
        break;
      case Obs::delivered: {
        const model::Response got = r.response();
        auto line = t_.line(at, label(r.a));
        line.word("recv").kv("attempt", int64_t{r.subject}).kv("status", got.status()).kv("code", model::code_name(got.code));
        if (got.ok() && got.reservation) line.kv_id("reservation", 'r', got.reservation);
        break;
      }
      case Obs::ignored: t_.line(at, label(r.a)).word("ignore").kv("attempt", int64_t{r.subject}); break;
      case Obs::reset_seen: t_.line(at, label(r.a)).word("reset").kv("attempt", int64_t{r.subject}); break;
      case Obs::timed_out: t_.line(at, label(r.a)).word("timeout").kv("attempt", int64_t{r.subject}); break;
      case Obs::lost_request:
        t_.line(at, "net").word((r.flags & model::kPartition) ? "partition" : "lose").word("request").kv("attempt", int64_t{r.subject});
        break;
      case Obs::reset_before: t_.line(at, "net").word("reset").word("before").kv("attempt", int64_t{r.subject}); break;
      case Obs::duplicated:
        t_.line(at, "net").word("duplicate").kv("attempt", int64_t{r.subject}).kv("copy", int64_t{r.a}).kv("after", r.duration());
        break;
      case Obs::lost_response:
        t_.line(at, "net").word((r.flags & model::kPartition) ? "partition" : "lose").word("response").kv("attempt", int64_t{r.subject});
        break;
      case Obs::reset_after: t_.line(at, "net").word("reset").word("after").kv("attempt", int64_t{r.subject}); break;
      case Obs::reset_by_crash: t_.line(at, "net").word("reset").word("crash").kv("attempt", int64_t{r.subject}); break;
      case Obs::storm_before: fault_code(at, "storm", r); break;
      case Obs::transient: fault_code(at, "transient", r); break;
      case Obs::storm_after: fault_code(at, "storm-after", r); break;
      case Obs::crash_step:
        t_.line(at, "fault").word("crash").word(faults::crash_step_name(static_cast<faults::Crash::Step>(r.code)))
            .kv("op", int64_t{r.subject}).kv("attempt", int64_t{r.a});
        break;
      case Obs::crash_timed: t_.line(at, "fault").word("crash").word("at").kv("fault", int64_t{r.subject}); break;
      case Obs::throttled: served(at, r.subject, "throttle"); break;
      case Obs::refused: served(at, r.subject, "refuse"); break;
      case Obs::arrived:
        if (work_.size() <= r.subject) work_.resize(r.subject + 1);
        work_[r.subject] = r.duration();
        break;
      case Obs::described: served(at, r.subject, "describe", [&](sim::TraceLine& l) { l.kv("found", int64_t{r.a}); }); break;
      case Obs::terminated:
        served(at, r.subject, "terminate", [&](sim::TraceLine& l) { l.kv("code", model::code_name(static_cast<model::Code>(r.code))); });
        break;
      case Obs::store_down: {
        auto line = t_.line(at, service_of(r.subject));
        line.word("recv").kv("attempt", int64_t{r.subject}).kv("client", client_of(r.subject))
            .kv_text("token", token(l_.attempts[r.subject].token));
        if (s_.service.frontends > 1) line.kv("frontend", int64_t{r.a});
        line.word("store-down").kv("code", "Unavailable");
        break;
      }
      case Obs::admitted: admitted(r); break;
      case Obs::written:
        t_.line(at, service_of(r.a)).word("store").word("write").kv("op", int64_t{r.subject}).kv("attempt", int64_t{r.a});
        break;
      case Obs::launched:
        if (!(r.flags & model::kQuiet)) {
          const model::Response got = r.response();
          auto line = t_.line(at, service_of(r.a));
          line.word("launched").kv("op", int64_t{r.subject}).kv("attempt", int64_t{r.a}).kv("code", model::code_name(got.code));
          if (got.ok()) line.kv_id("reservation", 'r', got.reservation);
        }
        break;
      case Obs::recorded: {
        const model::Response got = r.response();
        auto line = t_.line(at, service_of(r.a));
        line.word("done").kv("op", int64_t{r.subject}).kv("attempt", int64_t{r.a}).kv("client", client_of(r.a))
            .kv("code", model::code_name(got.code));
        if (got.ok())
          line.kv_id("reservation", 'r', got.reservation).kv_id("first-instance", 'i', got.first_instance).kv("instances", int64_t{got.count});
        break;
      }
      case Obs::abandoned: {
        auto line = t_.line(at, service_of(r.a));
        line.word("abandon").kv("op", int64_t{r.subject}).kv("attempt", int64_t{r.a})
            .word((r.flags & model::kLaunched) ? "launched" : "not-launched");
        line.word((r.flags & model::kBound) ? "bound" : (r.flags & model::kHadRecord) ? "released" : "no-record");
        break;
      }
      case Obs::store_crash:
        t_.line(at, service_actors_[r.subject]).word("store").word("crash")
            .kv("durability", (r.flags & model::kLossy) ? "volatile" : "durable").kv("restart-after", r.duration());
        break;
      case Obs::frontend_crash:
        t_.line(at, service_actors_[r.subject]).word("frontend").word("crash").kv("frontend", int64_t{r.a})
            .kv("restart-after", r.duration());
        break;
      case Obs::store_restart: t_.line(at, service_actors_[r.subject]).word("store").word("restart"); break;
      case Obs::frontend_restart: t_.line(at, service_actors_[r.subject]).word("frontend").word("restart").kv("frontend", int64_t{r.a}); break;
      case Obs::sweep:
        t_.line(at, "reaper#" + std::to_string(r.subject)).word("sweep").kv("listed", int64_t{r.a}).kv("reap", int64_t{r.b});
        break;
      case Obs::reaped:
        t_.line(at, "reaper#" + std::to_string(r.subject)).word("terminate").kv_id("instance", 'i', r.a)
            .word((r.flags & model::kTagged) ? "tagged" : "untagged");
        break;
      case Obs::limit: t_.line(at, "world").word("limit").kv("pending-events", int64_t{r.a}); break;
      default: break;  // the cast, a batch call's other intents, arrivals, placements, states: not lines
    }
  }

 private:
  const std::string& label(uint32_t client) const { return l_.log->name_of(l_.clients[client].label); }
  const std::string& client_of(uint32_t attempt) const { return label(l_.call_of(attempt).client); }
  const std::string& service_of(uint32_t attempt) const { return service_actors_[l_.region_of(attempt)]; }
  std::string_view token(uint32_t id) const { return id == model::kNone ? std::string_view() : l_.token(id).view(); }

  void fault_code(Time at, std::string_view what, const model::Record& r) {
    t_.line(at, "fault").word(what).kv("attempt", int64_t{r.subject}).kv("code", model::code_name(static_cast<model::Code>(r.code)));
  }
  // "<what> attempt=A client=C ...": a request the service handled (or turned away).
  template <typename More = void (*)(sim::TraceLine&)>
  void served(Time at, uint32_t attempt, std::string_view what, More more = [](sim::TraceLine&) {}) {
    auto line = t_.line(at, service_of(attempt));
    line.word(what).kv("attempt", int64_t{attempt}).kv("client", client_of(attempt));
    more(line);
  }

  void admitted(const model::Record& r) {
    const uint32_t attempt = r.subject;
    const model::Ledger::Attempt& a = l_.attempts[attempt];
    auto line = t_.line(r.time(), service_of(attempt));
    line.word("recv").kv("attempt", int64_t{attempt}).kv("client", client_of(attempt));
    if (a.has_token()) line.kv_text("token", token(a.token));
    else line.kv("token", "-");
    if (s_.service.frontends > 1) line.kv("frontend", int64_t{r.b});
    if (r.c) line.kv("replica", int64_t{r.c});
    if (r.x) line.kv("skew", r.duration());
    if (r.flags & model::kForgot) line.word("expired-record");
    switch (static_cast<model::Admit>(r.flags & 3)) {
      case model::Admit::reply: line.word("answer").kv("code", model::code_name(static_cast<model::Code>(r.code))); break;
      case model::Admit::started:
        line.word("start").kv("op", int64_t{r.a}).kv("work", attempt < work_.size() ? work_[attempt] : sim::Duration());
        break;
      case model::Admit::joined: line.word("join").kv("op", int64_t{r.a}).kv("launch-of-attempt", int64_t{l_.ops[r.a].attempt}); break;
    }
  }

  sim::Trace& t_;
  const harness::Scenario& s_;
  const model::Ledger l_;
  std::vector<std::string> service_actors_;
  std::vector<sim::Duration> work_;  // per attempt: the service's time for it, as taken in
};

}  // namespace

std::string trace_header(const harness::Scenario& s, uint64_t seed) {
  sim::Trace t;
  header(t, s, seed);
  return t.take_text();
}

std::string trace_text(const harness::Scenario& s, uint64_t seed, const model::RunLog& log,
                       const std::vector<Violation>& violations, Time end) {
  sim::Trace t;
  header(t, s, seed);
  Body body(t, s, log);
  for (const model::Record& r : log.records()) body.line(r);
  for (const Violation& v : violations) t.line(end, "oracle").word("violation").kv("property", v.property).kv("subject", v.subject);
  t.line(end, "world").word("end").kv("violations", static_cast<int64_t>(violations.size()));
  return t.take_text();
}

}  // namespace idem::reports
