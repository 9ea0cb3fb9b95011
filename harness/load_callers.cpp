// The scenario loader's part for the callers: client groups, their token behaviour, retry policy and request; the cleanup jobs.
#include "harness/load_reader.h"

namespace idem::harness::load_detail {


void Loader::token(const YAML::Node& n, const std::string& what, model::ClientSpec& c) {
  if (n.IsMap()) {
    Map m(r_, n, what, keys_under("clients[].token"));
    if (m.given("value") && m.get("value").IsNull())
      r_.fail(m.get("value").Mark().is_null() ? n : m.get("value"),
              m.at("value") + ": has no value; give the token as a quoted string, like {value: \"my-token-1\"} "
                              "(an empty token is {value: \"\"})");
    const YAML::Node& v = m.need("value");
    if (!v.IsScalar())
      r_.fail(v, m.at("value") + ": expected the token as a string, like \"my-token-1\", found " + kind_name(v));
    c.token = model::TokenMode::value;
    c.token_value = v.Scalar();  // sent exactly as written, valid or not
    return;
  }
  if (!n.IsScalar())
    r_.fail(n, what + ": expected sdk, persisted, write-back, per-attempt, derived, timestamp, none, or "
                      "{value: STRING}, found " + kind_name(n));
  if (n.Scalar() == "value")
    r_.fail(n, what + ": give the token itself, like {value: \"my-token-1\"}");
  const std::string mode = n.Scalar();
  std::string best;
  size_t best_d = 3;
  for (const auto& [name, m] : kTokenModes) {
    if (name == mode) {
      c.token = m;
      return;
    }
    if (edit_distance(mode, name) < best_d) best_d = edit_distance(mode, name), best = name;
  }
  r_.fail(n, what + ": '" + mode + "' is not one of sdk, persisted, write-back, per-attempt, derived, timestamp, none" +
                 (best.empty() ? "" : " (did you mean '" + best + "'?)") +
                 "; to send one fixed token, write {value: \"" + mode + "\"}");
}


model::RetryPolicy Loader::retry(const YAML::Node& n, const std::string& what) {
  Map m(r_, n, what, keys_under("clients[].retry"));
  model::RetryPolicy p;
  if (m.has("sdk")) {
    if (m.has("policy"))
      r_.fail(m.get("policy"), m.at("policy") + ": give `policy` or `sdk`, not both (an SDK version picks its policy)");
    for (const char* key : {"attempts", "base", "throttle_base", "cap", "jitter", "quota", "cost", "timeout_cost", "throttle_cost"})
      if (m.has(key))
        r_.fail(m.get(key), m.at(key) + ": `sdk` picks the policy and its numbers from the SDK's version; remove " +
                                key + ", or name a `policy` instead of the SDK");
    const std::string text = r_.text(m.get("sdk"), m.at("sdk"));
    const size_t space = text.find(' ');
    std::string why;
    std::optional<model::RetryPolicy> found;
    if (space == std::string::npos) why = "no version";
    else found = model::sdk_profile(text.substr(0, space), text.substr(space + 1), &why);
    if (!found)
      r_.fail(m.get("sdk"), m.at("sdk") + ": '" + text + "': " + why + "; write an SDK and its version, like \"go-v2 1.48.0\" (SDKs: " +
                                std::string(model::known_sdks()) + ")");
    p = *found;
  } else {
    const auto kind = r_.choice<model::PolicyKind>(m.need("policy"), m.at("policy"), kPolicies);
    p = model::RetryPolicy::of(kind);
  }
  const model::PolicyKind kind = p.kind;
  auto only = [&](const char* key, bool allowed, const char* who) {
    if (m.has(key) && !allowed) r_.fail(m.get(key), m.at(key) + ": only " + who + " takes '" + key + "'");
  };
  only("attempts", kind != model::PolicyKind::none, "a policy other than none");
  only("base", kind != model::PolicyKind::none, "a policy other than none");
  only("cap", kind != model::PolicyKind::none, "a policy other than none");
  only("retry_codes", kind != model::PolicyKind::none, "a policy other than none (with none there is no retry)");
  only("jitter", kind == model::PolicyKind::exponential, "exponential (the SDKs' modes use full jitter)");
  only("throttle_base", p.aws(), "an aws-* policy");
  only("quota", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
  only("cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
  only("timeout_cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
  only("throttle_cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
  if (m.has("attempts")) p.attempts = static_cast<int32_t>(r_.integer(m.get("attempts"), m.at("attempts"), 1, 1000));
  if (m.has("base")) {
    p.base = r_.duration(m.get("base"), m.at("base"));
    if (kind == model::PolicyKind::exponential) p.throttle_base = p.base;
  }
  if (m.has("throttle_base")) p.throttle_base = r_.duration(m.get("throttle_base"), m.at("throttle_base"));
  if (m.has("cap")) p.cap = r_.duration(m.get("cap"), m.at("cap"));
  if (m.has("jitter"))
    p.jitter = r_.choice<model::Jitter>(m.get("jitter"), m.at("jitter"),
                                        named(model::jitter_name, model::Jitter::decorrelated));
  if (m.has("quota")) p.quota = r_.integer(m.get("quota"), m.at("quota"), 0, 1000000000);
  if (m.has("cost")) {
    p.retry_cost = r_.integer(m.get("cost"), m.at("cost"), 0, 1000000000);
    // Before 2026 a throttled retry costs what any other retry does.
    if (kind != model::PolicyKind::aws_standard_2026) p.throttle_cost = p.retry_cost;
  }
  if (m.has("timeout_cost")) p.timeout_cost = r_.integer(m.get("timeout_cost"), m.at("timeout_cost"), 0, 1000000000);
  if (m.has("throttle_cost")) p.throttle_cost = r_.integer(m.get("throttle_cost"), m.at("throttle_cost"), 0, 1000000000);
  if (m.has("retry_codes")) {
    const YAML::Node& codes = m.get("retry_codes");
    if (!codes.IsSequence())
      r_.fail(codes, m.at("retry_codes") + ": expected a list of 4xx codes to retry, like [IncorrectState]");
    for (size_t i = 0; i < codes.size(); ++i) {
      const std::string what = m.at("retry_codes") + "[" + std::to_string(i) + "]";
      const std::string name = r_.text(codes[i], what);
      model::Code code;
      if (!model::parse_code(name, code) || code != model::Code::IncorrectState)
        r_.fail(codes[i], what + ": '" + name + "' cannot be retried; 5xx codes are retried anyway, and the one 400 "
                                "that may succeed later is IncorrectState");
      p.retry_codes.push_back(code);
    }
  }
  if (p.cap < p.base) r_.fail(n, what + ": cap (" + sim::format_duration(p.cap) + ") must not be less than base (" + sim::format_duration(p.base) + ")");
  return p;
}


void Loader::request(const YAML::Node& n, const std::string& what, model::LaunchParams& p) {
  Map m(r_, n, what, keys_under("clients[].request"));
  if (m.has("image")) p.image = r_.text(m.get("image"), m.at("image"));
  if (m.has("type")) p.type = r_.text(m.get("type"), m.at("type"));
  if (m.has("image") && p.image.empty()) r_.fail(m.get("image"), m.at("image") + ": must not be empty; give an AMI id like ami-00000001");
  if (m.has("type") && p.type.empty()) r_.fail(m.get("type"), m.at("type") + ": must not be empty; give an instance type like m5.large");
  if (m.has("key")) p.key = r_.text(m.get("key"), m.at("key"));
  if (m.has("zone")) p.zone = r_.text(m.get("zone"), m.at("zone"));
  if (m.has("subnet")) p.subnet = r_.text(m.get("subnet"), m.at("subnet"));
  if (m.has("min")) p.min = static_cast<int32_t>(r_.integer(m.get("min"), m.at("min"), 1, 10000));
  if (m.has("max")) p.max = static_cast<int32_t>(r_.integer(m.get("max"), m.at("max"), 1, 10000));
  if (!m.has("max") && p.min > p.max) p.max = p.min;
  if (p.max < p.min) r_.fail(m.get("max"), m.at("max") + ": must be at least min (" + std::to_string(p.min) + ")");
}


void Loader::clients(const YAML::Node& n, Scenario& s) {
  if (!n.IsSequence() || n.size() == 0)
    r_.fail(n, "clients: expected a list of client groups, like - {name: app, count: 10, token: persisted}");
  std::set<std::string> names;
  int64_t intents_in_run = 0, instances_in_run = 0;  // the total work of one run, bounded
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string what = "clients[" + std::to_string(i) + "]";
    Map m(r_, n[i], what, keys_under("clients[]"));
    ClientGroup g;
    model::ClientSpec& c = g.spec;
    c.group = r_.text(m.need("name"), m.at("name"));
    if (c.group.empty() || c.group.find_first_of(" \t#/") != std::string::npos)
      r_.fail(m.get("name"), m.at("name") + ": use a short name without spaces, '#' or '/'");
    if (!names.insert(c.group).second) r_.fail(m.get("name"), m.at("name") + ": another group is already named '" + c.group + "'");
    if (m.has("count")) g.count = static_cast<int32_t>(r_.integer(m.get("count"), m.at("count"), 1, 1000000));
    c.region = m.has("region") ? region_index(s, m.get("region"), m.at("region")) : 0;
    if (m.has("latency")) g.latency = latency(m.get("latency"), m.at("latency"));
    if (m.has("account")) {
      const std::string account = r_.text(m.get("account"), m.at("account"));
      if (account.empty() || account.find_first_of(" \t") != std::string::npos)
        r_.fail(m.get("account"), m.at("account") + ": name the account with one word, like team-a or 111122223333");
      auto& accounts = s.service.accounts;
      auto it = std::find(accounts.begin(), accounts.end(), account);
      c.account = static_cast<uint32_t>(it - accounts.begin());
      if (it == accounts.end()) accounts.push_back(account);
    }
    if (m.has("intents")) c.intents = static_cast<int32_t>(r_.integer(m.get("intents"), m.at("intents"), 1, 1000000));
    if (m.has("start")) c.start = latency(m.get("start"), m.at("start"));
    if (m.has("think")) c.think = latency(m.get("think"), m.at("think"));
    if (m.has("request")) request(m.get("request"), m.at("request"), c.request);
    if (m.has("token")) token(m.get("token"), m.at("token"), c);
    if (m.has("intent")) {
      g.intent = r_.text(m.get("intent"), m.at("intent"));
      if (g.intent.empty()) r_.fail(m.get("intent"), m.at("intent") + ": must not be empty; name the launch, like launch-web");
      if (g.intent.find_first_of(" \t#/") != std::string::npos)
        r_.fail(m.get("intent"), m.at("intent") + ": use a short name without spaces, '#' or '/', like launch-web");
    }
    c.bugs = s.bugs;
    c.intent_id = g.intent.empty() ? c.group : g.intent;
    if (m.has("timeout")) {
      const YAML::Node& t = m.get("timeout");
      if (t.IsScalar() && t.Scalar() == "none") c.timeout.reset();
      else c.timeout = r_.duration(t, m.at("timeout"), sim::micros(1));
    }
    if (m.has("deadline") && !(m.get("deadline").IsScalar() && m.get("deadline").Scalar() == "none"))
      c.deadline = r_.duration(m.get("deadline"), m.at("deadline"), sim::micros(1));
    if (m.has("retry")) c.retry = retry(m.get("retry"), m.at("retry"));
    if (m.has("app_retries")) c.app_retries = static_cast<int32_t>(r_.integer(m.get("app_retries"), m.at("app_retries"), 0, 1000));
    if (m.has("app_backoff")) c.app_backoff = r_.duration(m.get("app_backoff"), m.at("app_backoff"));
    if (m.has("reconcile")) c.reconcile = r_.boolean(m.get("reconcile"), m.at("reconcile"));
    if (m.has("on_unknown")) {
      c.on_unknown = r_.choice<model::OnUnknown>(m.get("on_unknown"), m.at("on_unknown"),
                                                 named(model::on_unknown_name, model::OnUnknown::block));
      if (m.has("reconcile") && c.reconcile && c.on_unknown != model::OnUnknown::reconcile)
        r_.fail(m.get("reconcile"), m.at("reconcile") + ": `reconcile: true` is `on_unknown: reconcile`, but on_unknown "
                                                        "says otherwise; keep one of them");
    }
    if (c.reconcile) c.on_unknown = model::OnUnknown::reconcile;
    if (m.has("on_mismatch"))
      c.on_mismatch = r_.choice<model::OnMismatch>(m.get("on_mismatch"), m.at("on_mismatch"),
                                                   named(model::on_mismatch_name, model::OnMismatch::reconcile));
    if (m.has("batch")) {
      c.batch = static_cast<int32_t>(r_.integer(m.get("batch"), m.at("batch"), 1, 10000));
      for (const char* key : {"terminate_after", "repeat_after"})
        if (c.batch > 1 && m.has(key))
          r_.fail(m.get(key), m.at(key) + ": a batching group (batch > 1) cannot terminate or repeat its launches "
                                          "yet; remove " + key + " or batch");
    }
    if (m.has("on_short"))
      c.on_short = r_.choice<model::ClientSpec::OnShort>(
          m.get("on_short"), m.at("on_short"),
          {{"ignore", model::ClientSpec::OnShort::ignore}, {"relaunch", model::ClientSpec::OnShort::relaunch}});
    if (m.has("controller")) {
      Map cm(r_, m.get("controller"), m.at("controller"), keys_under("clients[].controller"));
      model::ControllerSpec ctl;
      g.gave_state = cm.has("state");
      g.gave_persist = cm.has("persist");
      if (cm.has("state"))
        ctl.state = r_.choice<model::ControllerSpec::State>(
            cm.get("state"), cm.at("state"), {{"durable", model::ControllerSpec::durable}, {"volatile", model::ControllerSpec::lossy}});
      if (cm.has("persist"))
        ctl.persist = r_.choice<model::ControllerSpec::Persist>(
            cm.get("persist"), cm.at("persist"),
            {{"before-send", model::ControllerSpec::before_send}, {"after-response", model::ControllerSpec::after_response},
             {"never", model::ControllerSpec::never}});
      if (cm.has("resync")) ctl.resync = r_.duration(cm.get("resync"), cm.at("resync"), sim::millis(1));
      if (cm.has("queue")) {
        if (cm.has("resync"))
          r_.fail(cm.get("resync"), cm.at("resync") + ": a controller with a work queue re-lists every "
                                                      "queue.sync_period; remove resync (or the queue)");
        if (c.batch > 1)
          r_.fail(cm.get("queue"), cm.at("queue") + ": a batching group (batch > 1) cannot run a work queue per "
                                                    "object yet; use batch: 1, or remove the queue");
        Map qm(r_, cm.get("queue"), cm.at("queue"), keys_under("clients[].controller.queue"));
        model::ControllerSpec::Queue q;
        if (qm.has("workers")) q.workers = static_cast<int32_t>(r_.integer(qm.get("workers"), qm.at("workers"), 1, 1024));
        if (qm.has("base")) q.base = r_.duration(qm.get("base"), qm.at("base"), sim::micros(1));
        if (qm.has("max")) q.max = r_.duration(qm.get("max"), qm.at("max"), sim::micros(1));
        if (q.max < q.base)
          r_.fail(qm.has("max") ? qm.get("max") : qm.get("base"), qm.at(qm.has("max") ? "max" : "base") +
                                                                     ": the backoff's ceiling (max, " + sim::format_duration(q.max) +
                                                                     ") is below its base (" + sim::format_duration(q.base) + ")");
        if (qm.has("qps")) q.qps = static_cast<int32_t>(r_.integer(qm.get("qps"), qm.at("qps"), 1, 1000000));
        if (qm.has("burst")) q.burst = static_cast<int32_t>(r_.integer(qm.get("burst"), qm.at("burst"), 1, 1000000000));
        if (qm.has("requeue_after")) q.requeue_after = r_.duration(qm.get("requeue_after"), qm.at("requeue_after"), sim::micros(1));
        if (qm.has("sync_period")) {
          const YAML::Node& sp = qm.get("sync_period");
          if (sp.IsScalar() && sp.Scalar() == "none") q.sync_period.reset();
          else q.sync_period = r_.duration(sp, qm.at("sync_period"), sim::millis(1));
        }
        ctl.queue = q;
      }
      if (cm.has("store")) {
        Map sm(r_, cm.get("store"), cm.at("store"), keys_under("clients[].controller.store"));
        model::ControllerSpec::Store st;
        if (sm.has("fail")) st.fail = r_.ratio(sm.get("fail"), sm.at("fail"));
        if (sm.has("latency")) st.latency = latency(sm.get("latency"), sm.at("latency"));
        ctl.store = st;
      }
      if (cm.has("on_persist_error"))
        ctl.on_persist_error = r_.choice<model::ControllerSpec::OnPersistError>(
            cm.get("on_persist_error"), cm.at("on_persist_error"),
            {{"abort", model::ControllerSpec::abort}, {"launch-anyway", model::ControllerSpec::launch_anyway}});
      c.controller = ctl;
    }
    if (m.has("on_describe_error"))
      c.on_describe_error = r_.choice<model::OnDescribeError>(
          m.get("on_describe_error"), m.at("on_describe_error"),
          named(model::on_describe_error_name, model::OnDescribeError::give_up));
    if (m.has("tag"))
      c.tag = r_.choice<model::ClientSpec::Tagging>(
          m.get("tag"), m.at("tag"),
          {{"on-create", model::ClientSpec::Tagging::on_create}, {"after-answer", model::ClientSpec::Tagging::after_answer}});
    if (m.has("on_terminated"))
      c.on_terminated = r_.choice<model::OnTerminated>(m.get("on_terminated"), m.at("on_terminated"),
                                                       named(model::on_terminated_name, model::OnTerminated::new_token));
    if (m.has("fallback_type")) c.fallback_type = r_.text(m.get("fallback_type"), m.at("fallback_type"));
    if (m.has("terminate_after")) c.terminate_after = r_.duration(m.get("terminate_after"), m.at("terminate_after"));
    if (m.has("repeat_after")) c.repeat_after = r_.duration(m.get("repeat_after"), m.at("repeat_after"));
    if (c.batch > 1 && c.describes())
      r_.fail(m.get("batch"), m.at("batch") + ": a batching group cannot reconcile through DescribeInstances yet "
                                              "(on_unknown or on_mismatch: reconcile); use batch: 1, or retry instead");
    const model::RegionSpec& region = s.service.regions[c.region];
    if (!c.request.zone.empty() &&
        std::find(region.zones.begin(), region.zones.end(), c.request.zone) == region.zones.end())
      r_.fail(m.get("request"), m.at("request") + ".zone: '" + c.request.zone + "' is not a zone of " + region.name +
                                    " (" + join(region.zones) + ")");
    if (!c.request.subnet.empty() && !region.subnets.count(c.request.subnet))
      r_.fail(m.get("request"), m.at("request") + ".subnet: '" + c.request.subnet + "' is not a subnet of " +
                                    region.name + "; declare it under regions." + region.name + ".subnets");
    if (!c.request.subnet.empty() && !c.request.zone.empty() && region.subnets.at(c.request.subnet) != c.request.zone)
      r_.fail(m.get("request"), m.at("request") + ".subnet: '" + c.request.subnet + "' is in " +
                                    region.subnets.at(c.request.subnet) + ", not in the request's zone " +
                                    c.request.zone + "; name one of them, or a subnet of that zone");
    if (static_cast<int64_t>(c.batch) * c.request.max > kMostInstancesPerCall)
      r_.fail(m.get("batch"), m.at("batch") + ": one call of " + std::to_string(c.batch) + " intents of up to " +
                                  std::to_string(c.request.max) + " instances asks for " +
                                  std::to_string(static_cast<int64_t>(c.batch) * c.request.max) +
                                  " instances, more than " + std::to_string(kMostInstancesPerCall) +
                                  " (the most one call may ask for here); lower batch or request.max");
    intents_in_run += static_cast<int64_t>(g.count) * c.intents;
    instances_in_run += static_cast<int64_t>(g.count) * c.intents * c.request.max;
    if (intents_in_run > kMostIntentsPerRun || instances_in_run > kMostInstancesPerRun)
      r_.fail(n[i], what + ": with this group the scenario plans " + std::to_string(intents_in_run) + " intents of up to " +
                        std::to_string(instances_in_run) + " instances in one run (count x intents, x request.max, summed "
                        "over the groups), more than one run holds (" + std::to_string(kMostIntentsPerRun) + " intents, " +
                        std::to_string(kMostInstancesPerRun) + " instances); split the scenario into several files, each "
                        "with fewer clients or intents (a group per file, say), and run the directory: idemsim run DIR");
    s.clients.push_back(std::move(g));
    s.at_group.push_back(Where{r_.where(n[i])});
  }
}


void Loader::reapers(const YAML::Node& n, Scenario& s) {
  if (!n.IsSequence())
    r_.fail(n, "reapers: expected a list, like - {every: 1m, reaps: untagged}");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string what = "reapers[" + std::to_string(i) + "]";
    Map m(r_, n[i], what, keys_under("reapers[]"));
    model::ReaperSpec r;
    if (m.has("region")) r.region = region_index(s, m.get("region"), m.at("region"));
    if (m.has("account")) {
      const std::string account = r_.text(m.get("account"), m.at("account"));
      const auto& accounts = s.service.accounts;
      const auto it = std::find(accounts.begin(), accounts.end(), account);
      if (it == accounts.end())
        r_.fail(m.get("account"), m.at("account") + ": no client group calls as account '" + account +
                                      "'; the accounts are " + join(accounts));
      r.account = static_cast<uint32_t>(it - accounts.begin());
    }
    r.every = r_.duration(m.need("every"), m.at("every"), sim::seconds(1));
    r.reaps = r_.choice<model::ReaperSpec::Reaps>(
        m.need("reaps"), m.at("reaps"), named(model::reaps_name, model::ReaperSpec::not_in_store));
    if (m.has("match")) {
      if (r.reaps != model::ReaperSpec::not_in_store)
        r_.fail(m.get("match"), m.at("match") + ": only a reaper with `reaps: not-in-store` matches instances to its "
                                                "controllers' database; remove match, or use reaps: not-in-store");
      r.match = r_.choice<model::ReaperSpec::Match>(m.get("match"), m.at("match"),
                                                   named(model::match_name, model::ReaperSpec::tag));
    }
    if (m.has("grace")) r.grace = r_.duration(m.get("grace"), m.at("grace"));
    r.start = m.has("start") ? r_.duration(m.get("start"), m.at("start")) : r.every;
    s.reapers.push_back(r);
    s.at_reaper.push_back(Where{r_.where(n[i])});
  }
}


uint32_t Loader::group_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
  const std::string group = r_.text(n, what);
  std::vector<std::string> names;
  for (uint32_t g = 0; g < s.clients.size(); ++g) {
    names.push_back(s.clients[g].spec.group);
    if (s.clients[g].spec.group == group) return g;
  }
  r_.fail(n, what + ": no client group is named '" + group + "'; the groups are " + join(names));
}

}  // namespace idem::harness::load_detail
