#include "harness/writer.h"

#include <variant>

#include "sim/time.h"

namespace idem::harness {

namespace {

std::string duration(sim::Duration d) { return sim::format_duration(d); }

std::string quoted(const std::string& s);

// Free text as a YAML literal block (" |" and its lines, indented), as a person wrote it; when it
// has a control character other than a newline, or a line that begins with a space (which a block
// cannot say without an indentation indicator), a quoted string (" \"...\"").
std::string block_or_quoted(const std::string& s) {
  // (Text of newlines alone, or with a blank line, is quoted: a block cannot keep it exactly.)
  bool plain = !s.empty() && s[0] != ' ' && s[0] != '\n';
  for (size_t i = 0; i < s.size() && plain; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) plain = false;
    if (c == '\n' && i + 1 < s.size() && (s[i + 1] == ' ' || s[i + 1] == '\n')) plain = false;
  }
  if (!plain) return " " + quoted(s);
  // The chomping indicator keeps the end exactly: one final newline (|) or none (|-); more than one
  // is a blank line, quoted above.
  const bool newline = s.back() == '\n';
  std::string out = newline ? " |" : " |-";
  const std::string body = newline ? s.substr(0, s.size() - 1) : s;
  size_t from = 0;
  while (from <= body.size()) {
    const size_t nl = std::min(body.find('\n', from), body.size());
    out += "\n  " + body.substr(from, nl - from);
    from = nl + 1;
  }
  return out;
}

// A YAML double-quoted string: control characters, the quote and the backslash as escapes (below
// 0x80 an \xHH escape is that byte); UTF-8 as it is (a scenario file is UTF-8 text, so every value
// in one is), so any token value survives exactly.
std::string quoted(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string latency(const sim::Latency& l) {
  if (l.min == l.max) return duration(l.min);
  const sim::Latency u = sim::Latency::uniform(l.min, l.max);
  if (u.median == l.median && u.p99 == l.p99) return "{min: " + duration(l.min) + ", max: " + duration(l.max) + "}";
  return "{min: " + duration(l.min) + ", median: " + duration(l.median) + ", p99: " + duration(l.p99) +
         ", max: " + duration(l.max) + "}";
}

std::string ratio(sim::Ratio r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

std::string window(const faults::Window& w, const std::optional<uint32_t>& region, const Scenario& s) {
  std::string out = ", from: " + duration(w.from - sim::Time(0));
  if (w.length) out += ", for: " + duration(*w.length);
  if (region) out += ", region: " + quoted(s.service.regions[*region].name);
  return out;
}

std::string retry(const model::RetryPolicy& p) {
  std::string out = "{";
  if (!p.sdk.empty()) {
    out += "sdk: " + quoted(p.sdk);
  } else {
    out += "policy: " + std::string(model::policy_name(p.kind));
    if (p.kind != model::PolicyKind::none)
      out += ", attempts: " + std::to_string(p.attempts) + ", base: " + duration(p.base) + ", cap: " + duration(p.cap);
    if (p.kind == model::PolicyKind::exponential) out += ", jitter: " + std::string(model::jitter_name(p.jitter));
    if (p.aws()) out += ", throttle_base: " + duration(p.throttle_base);
    if (p.uses_quota())
      out += ", quota: " + std::to_string(p.quota) + ", cost: " + std::to_string(p.retry_cost) +
             ", timeout_cost: " + std::to_string(p.timeout_cost) + ", throttle_cost: " + std::to_string(p.throttle_cost);
  }
  if (!p.retry_codes.empty()) {
    out += ", retry_codes: [";
    for (size_t i = 0; i < p.retry_codes.size(); ++i) out += (i ? ", " : "") + std::string(model::code_name(p.retry_codes[i]));
    out += "]";
  }
  return out + "}";
}

std::string fault(const faults::Fault& f, const Scenario& s) {
  using namespace faults;
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Lose>) {
          return std::string("lose: {what: ") + (x.what == Lose::request ? "request" : "response") + ", rate: " + ratio(x.rate) +
                 window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Spike>) {
          return "spike: {rate: " + ratio(x.rate) + ", delay: " + latency(x.delay) + window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Storm>) {
          return "storm: {code: " + std::string(model::code_name(x.code)) + ", rate: " + ratio(x.rate) +
                 ", phase: " + (x.phase == Storm::before ? "before" : "after") + window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Reset>) {
          return std::string("reset: {phase: ") + (x.phase == Reset::before ? "before" : "after") + ", rate: " + ratio(x.rate) +
                 window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Partition>) {
          return "partition: {group: " + quoted(s.clients[x.group].spec.group) + ", direction: " +
                 (x.direction == Partition::both ? "both" : x.direction == Partition::requests ? "requests" : "responses") +
                 window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Transient>) {
          return "transient: {code: IncorrectState, rate: " + ratio(x.rate) + window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Duplicate>) {
          return "duplicate: {rate: " + ratio(x.rate) + ", delay: " + latency(x.delay) + window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Database>) {
          return "database: {group: " + quoted(s.clients[x.group].spec.group) + ", fail: " + ratio(x.fail) + ", stall: " +
                 latency(x.stall) + window(x.window, x.region, s) + "}";
        } else if constexpr (std::is_same_v<T, Crash>) {
          std::string out = "crash: {target: ";
          if (x.target == Crash::client) {
            out += "client, group: " + quoted(s.clients[x.group].spec.group);
            if (x.at) {
              out += ", at: " + duration(*x.at - sim::Time(0));
              if (x.rolling) out += ", rolling: " + duration(*x.rolling);
            } else {
              out += ", when: " + std::string(model::caller_crash_point_name(x.when)) + ", rate: " + ratio(x.rate);
            }
          } else {
            out += x.target == Crash::frontend ? "frontend" : "store";
            if (x.which) out += ", which: " + std::to_string(*x.which);
            if (x.at) out += ", at: " + duration(*x.at - sim::Time(0));
            if (x.step) out += ", step: " + std::string(crash_step_name(*x.step)) + ", rate: " + ratio(x.rate);
          }
          // A caller's crash at a time has no window (the loader refuses one).
          const bool windowless = x.target == Crash::client && x.at;
          return out + ", restart_after: " + duration(x.restart_after) + (windowless ? std::string() : window(x.window, x.region, s)) + "}";
        } else {
          static_assert(std::is_same_v<T, Skew>);
          std::string out = "skew: {";
          if (x.frontend) out += "frontend: " + std::to_string(*x.frontend) + ", ";
          return out + "offset: " + duration(x.offset) + window(x.window, x.region, s) + "}";
        }
      },
      f);
}

}  // namespace

std::string write_scenario(const Scenario& s) {
  const model::ServiceConfig& c = s.service;
  std::string out;
  out += "name: " + quoted(s.name) + "\n";
  if (!s.description.empty()) out += "description:" + block_or_quoted(s.description) + "\n";
  out += "seed: " + std::to_string(s.seed) + "\nruns: " + std::to_string(s.runs) + "\n";
  out += std::string("semantics: ") + (c.semantics == model::Semantics::current ? "current" : "\"2013\"") + "\n";
  out += "limit: " + duration(s.limit) + "\n";
  out += "regions:\n";
  for (size_t r = 0; r < c.regions.size(); ++r) {
    const model::RegionSpec& spec = c.regions[r];
    out += "  " + quoted(spec.name) + ":\n    zones: [";
    for (size_t z = 0; z < spec.zones.size(); ++z) out += (z ? ", " : "") + quoted(spec.zones[z]);
    out += "]\n    subnets: {";
    size_t n = 0;
    for (const auto& [subnet, zone] : spec.subnets) out += (n++ ? ", " : "") + quoted(subnet) + ": " + quoted(zone);
    out += "}\n    latency: " + latency(s.region_latency[r]) + "\n";
  }
  // Keys that have no effect under some settings are written only when they differ from their
  // defaults, so that a written file draws no warning its source did not.
  const model::ServiceConfig d;
  out += "service:\n  latency: " + latency(s.service_latency) + "\n  launch_time: " + duration(c.launch_time) +
         "\n  terminate_time: " + duration(c.terminate_time) + "\n";
  if (c.describe_lag != d.describe_lag) out += "  describe_lag: " + duration(c.describe_lag) + "\n";
  if (c.tag_lag != d.tag_lag) out += "  tag_lag: " + duration(c.tag_lag) + "\n";
  if (c.semantics == model::Semantics::v2013) out += "  token_retention: " + duration(c.token_retention) + "\n";
  if (!c.capacity.empty()) {
    out += "  capacity: {";
    size_t n = 0;
    for (const auto& [type, count] : c.capacity) out += (n++ ? ", " : "") + quoted(type) + ": " + std::to_string(count);
    out += "}\n";
  }
  out += "  frontends: " + std::to_string(c.frontends) + "\n";
  if (c.balancer != d.balancer) out += "  balancer: " + std::string(model::balancer_name(c.balancer)) + "\n";
  const model::StoreConfig& st = c.store;
  out += "  store: {write: " + std::string(model::store_write_name(st.write));
  if (st.write == model::StoreWrite::read_then_write) out += ", gap: " + duration(st.gap);
  if (st.replicas > 1 || st.write == model::StoreWrite::read_then_write) out += ", replicas: " + std::to_string(st.replicas);
  if (st.replicas > 1) out += ", lag: " + duration(st.lag);
  if (st.durability != d.store.durability) out += ", durability: " + std::string(model::durability_name(st.durability));
  if (st.ttl) out += ", ttl: " + duration(*st.ttl);
  out += "}\n  steps: {validate: " + duration(c.steps.validate) + ", reserve: " + duration(c.steps.reserve) +
         ", launch: " + duration(c.steps.launch) + ", record: " + duration(c.steps.record) + ", reply: " +
         duration(c.steps.reply) + "}\n";
  if (!c.recover) out += "  recover: false\n";
  if (c.throttle)
    out += "  throttle: {bucket: " + std::to_string(c.throttle->bucket) + ", refill: " + std::to_string(c.throttle->per) +
           "/" + duration(c.throttle->every) + "}\n";
  out += "clients:\n";
  for (const ClientGroup& g : s.clients) {
    const model::ClientSpec& k = g.spec;
    out += "  - name: " + quoted(k.group) + "\n    count: " + std::to_string(g.count) +
           "\n    region: " + quoted(c.regions[k.region].name) + "\n";
    if (k.account) out += "    account: " + quoted(c.accounts[k.account]) + "\n";
    if (g.latency) out += "    latency: " + latency(*g.latency) + "\n";
    out += "    intents: " + std::to_string(k.intents) + "\n";
    if (!g.intent.empty()) out += "    intent: " + quoted(g.intent) + "\n";
    out += "    start: " + latency(k.start) + "\n";
    // The pause between a client's intents: none to pause between with one (unless check draws more).
    if (k.intents > 1 || s.explore.intents) out += "    think: " + latency(k.think) + "\n";
    const model::LaunchParams& p = k.request;
    out += "    request: {image: " + quoted(p.image) + ", type: " + quoted(p.type) + ", min: " + std::to_string(p.min) +
           ", max: " + std::to_string(p.max);
    if (!p.key.empty()) out += ", key: " + quoted(p.key);
    if (!p.zone.empty()) out += ", zone: " + quoted(p.zone);
    if (!p.subnet.empty()) out += ", subnet: " + quoted(p.subnet);
    out += "}\n";
    if (k.token == model::TokenMode::value) out += "    token: {value: " + quoted(k.token_value) + "}\n";
    else out += "    token: " + std::string(model::token_mode_name(k.token)) + "\n";
    // The default is left out: a deadline shorter than it would make it a setting with no effect.
    if (!k.timeout || *k.timeout != model::ClientSpec{}.timeout)
      out += "    timeout: " + (k.timeout ? duration(*k.timeout) : std::string("none")) + "\n";
    if (k.deadline) out += "    deadline: " + duration(*k.deadline) + "\n";
    out += "    retry: " + retry(k.retry) + "\n";
    out += "    app_retries: " + std::to_string(k.app_retries) + "\n";
    if (k.app_retries) {
      out += "    app_backoff: " + duration(k.app_backoff) + "\n    on_mismatch: " +
             std::string(model::on_mismatch_name(k.on_mismatch)) + "\n";
      if (k.describes()) out += "    on_describe_error: " + std::string(model::on_describe_error_name(k.on_describe_error)) + "\n";
    }
    if (k.tag == model::ClientSpec::Tagging::after_answer) out += "    tag: after-answer\n";
    if (k.on_terminated != model::OnTerminated::give_up)
      out += "    on_terminated: " + std::string(model::on_terminated_name(k.on_terminated)) + "\n";
    if (k.reconcile) out += "    reconcile: true\n";
    else if (k.app_retries || k.on_unknown == model::OnUnknown::block)
      out += "    on_unknown: " + std::string(model::on_unknown_name(k.on_unknown)) + "\n";
    if (!k.fallback_type.empty()) out += "    fallback_type: " + quoted(k.fallback_type) + "\n";
    if (k.terminate_after) out += "    terminate_after: " + duration(*k.terminate_after) + "\n";
    if (k.repeat_after) out += "    repeat_after: " + duration(*k.repeat_after) + "\n";
    if (k.controller) {
      // What the original said, defaults it gave included.
      std::string fields;
      if (k.controller->state != model::ControllerSpec::durable || g.gave_state)
        fields += std::string("state: ") + (k.controller->state == model::ControllerSpec::durable ? "durable" : "volatile");
      if (k.controller->persist != model::ControllerSpec::after_response || g.gave_persist)
        fields += (fields.empty() ? "" : ", ") + std::string("persist: ") +
                  (k.controller->persist == model::ControllerSpec::after_response ? "after-response"
                   : k.controller->persist == model::ControllerSpec::never        ? "never"
                                                                                  : "before-send");
      if (k.controller->resync) fields += (fields.empty() ? "" : ", ") + std::string("resync: ") + duration(*k.controller->resync);
      if (const auto& q = k.controller->queue) {
        fields += (fields.empty() ? "" : ", ") + std::string("queue: {workers: ") + std::to_string(q->workers);
        if (q->requeue_after)  // it replaces the rate limiter, whose numbers are then left out
          fields += ", requeue_after: " + duration(*q->requeue_after);
        else
          fields += ", base: " + duration(q->base) + ", max: " + duration(q->max) + ", qps: " + std::to_string(q->qps) +
                    ", burst: " + std::to_string(q->burst);
        fields += ", sync_period: " + (q->sync_period ? duration(*q->sync_period) : std::string("none")) + "}";
      }
      if (const auto& st = k.controller->store)
        fields += (fields.empty() ? "" : ", ") + std::string("store: {fail: ") + ratio(st->fail) + ", latency: " + latency(st->latency) + "}";
      if (k.controller->on_persist_error != model::ControllerSpec::abort) fields += (fields.empty() ? "" : ", ") + std::string("on_persist_error: launch-anyway");
      out += "    controller: {" + fields + "}\n";
    }
    if (k.batch > 1)
      out += "    batch: " + std::to_string(k.batch) + "\n    on_short: " +
             (k.on_short == model::ClientSpec::OnShort::ignore ? "ignore" : "relaunch") + "\n";
  }
  if (!s.reapers.empty()) {
    out += "reapers:\n";
    for (const model::ReaperSpec& r : s.reapers)
      out += "  - {every: " + duration(r.every) + ", reaps: " + std::string(model::reaps_name(r.reaps)) +
             (r.reaps == model::ReaperSpec::not_in_store ? ", match: " + std::string(model::match_name(r.match)) : std::string()) +
             ", grace: " + duration(r.grace) + ", start: " + duration(r.start) + ", region: " +
             quoted(c.regions[r.region].name) + ", account: " + quoted(c.accounts[r.account]) + "}\n";
  }
  if (!s.faults.faults.empty()) {
    out += "faults:\n";
    for (const faults::Fault& f : s.faults.faults) out += "  - " + fault(f, s) + "\n";
  }
  if (s.faults.heal_at) out += "heal_at: " + duration(*s.faults.heal_at - sim::Time(0)) + "\nconverge: " + duration(s.converge) + "\n";
  if (s.max_attempts_per_intent) out += "max_attempts_per_intent: " + std::to_string(*s.max_attempts_per_intent) + "\n";
  if (s.leaks.any()) {
    std::string keys;
    if (s.leaks.max_age) keys += "max_age: " + duration(*s.leaks.max_age);
    if (s.leaks.max_instance_us) keys += (keys.empty() ? "" : ", ") + std::string("max_instance_hours: ") + sim::format_instance_hours(*s.leaks.max_instance_us);
    out += "leaks: {" + keys + "}\n";
  }
  bool any_bug = false;
  for (unsigned b = 0; b < static_cast<unsigned>(model::Bug::kCount); ++b) {
    if (!s.bugs.has(static_cast<model::Bug>(b))) continue;
    out += (any_bug ? ", " : "bugs: [") + std::string(model::bug_info(static_cast<model::Bug>(b)).name);
    any_bug = true;
  }
  if (any_bug) out += "]\n";
  if (s.explore.given) {
    const Explore& e = s.explore;
    out += "explore:\n";
    if (!e.kinds.empty()) {
      out += "  faults: [";
      for (size_t i = 0; i < e.kinds.size(); ++i) out += (i ? ", " : "") + std::string(kExploreKindNames[static_cast<size_t>(e.kinds[i])]);
      out += "]\n";
    }
    out += "  max_faults: " + std::to_string(e.max_faults) + "\n";
    if (e.from || e.until) {
      out += "  window: {";
      if (e.from) out += "from: " + duration(*e.from) + (e.until ? ", " : "");
      if (e.until) out += "until: " + duration(*e.until);
      out += "}\n";
    }
    if (e.min_for || e.max_for) {
      out += "  length: {";
      if (e.min_for) out += "min: " + duration(*e.min_for) + (e.max_for ? ", " : "");
      if (e.max_for) out += "max: " + duration(*e.max_for);
      out += "}\n";
    }
    out += "  rate: {min: " + std::to_string(e.min_rate) + "%, max: " + std::to_string(e.max_rate) + "%}\n";
    if (e.count || e.intents || !e.tokens.empty() || !e.retry.empty() || !e.on_terminated.empty()) {
      std::string fields;
      auto add = [&](const std::string& f) { fields += (fields.empty() ? "" : ", ") + f; };
      if (e.count) add("count: " + std::to_string(*e.count));
      if (e.intents) add("intents: " + std::to_string(*e.intents));
      if (!e.tokens.empty()) {
        std::string list;
        for (size_t i = 0; i < e.tokens.size(); ++i) list += (i ? ", " : "") + std::string(model::token_mode_name(e.tokens[i]));
        add("token: [" + list + "]");
      }
      if (!e.retry.empty()) {
        std::string list;
        for (size_t i = 0; i < e.retry.size(); ++i) list += (i ? ", " : "") + std::string(model::policy_name(e.retry[i]));
        add("retry: [" + list + "]");
      }
      if (!e.on_terminated.empty()) {
        std::string list;
        for (size_t i = 0; i < e.on_terminated.size(); ++i)
          list += (i ? ", " : "") + std::string(model::on_terminated_name(e.on_terminated[i]));
        add("on_terminated: [" + list + "]");
      }
      out += "  clients: {" + fields + "}\n";
    }
    if (!e.token_values.empty()) {
      out += "  tokens: [";
      for (size_t i = 0; i < e.token_values.size(); ++i)
        out += (i ? ", " : "") + std::string(kTokenFamilyNames[static_cast<size_t>(e.token_values[i])]);
      out += "]\n";
    }
  }
  out += "expect: " + (s.expect_fail ? (s.expect_property.empty() ? std::string("fail") : "{fail: " + s.expect_property + "}")
                                     : std::string("pass")) + "\n";
  return out;
}

}  // namespace idem::harness
