// A story told as a run log, record by record, and the oracle's verdict on it. A test writes the
// log by hand (what a real client on the wire, or a production log, would bring: no simulated
// service behind it), or lets the reference service answer (serve(), run()) and then forges what
// it likes on top: a later record of the same kind wins (an answer, an intent's state, a launch's
// placement), as the ledger reads it.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/service_host.h"
#include "harness/world.h"
#include "model/oracle/oracle.h"
#include "model/service.h"
#include "reports/violations.h"

namespace idem::test {

using model::Api;
using model::Code;
using model::kNone;
using model::Obs;
using model::Response;
using sim::Time;

inline model::LaunchParams params(const std::string& type = "m5.large", int32_t n = 1) {
  model::LaunchParams p;
  p.type = type;
  p.min = p.max = n;
  return p;
}

class Story {
 public:
  explicit Story(model::Semantics sem = model::Semantics::current, std::vector<model::Bug> bugs = {}) {
    cfg.semantics = sem;
    cfg.terminate_time = sim::seconds(10);
    cfg.describe_lag = sim::seconds(1);
    cfg.regions = {{"us-east-1", {"us-east-1a", "us-east-1b"}, {{"subnet-a1", "us-east-1a"}, {"subnet-a2", "us-east-1a"}}},
                   {"eu-west-1", {"eu-west-1a"}, {}}};
    for (model::Bug b : bugs) cfg.bugs.add(b);
    reset_service();
  }
  void reset_service() { svc = std::make_unique<model::Service>(cfg); }

  model::ServiceConfig cfg;
  std::unique_ptr<model::Service> svc;  // the reference service, for serve() and run()
  model::RunLog log;

  // ---- the cast and what the callers did

  // A client with one intent of `max` instances in `region`; clients that share `group` are one
  // intent (a repeat). Returns the intent.
  uint32_t intent(int32_t max = 1, uint32_t group = kNone, uint32_t region = 0) {
    const uint32_t id = static_cast<uint32_t>(clients_.size());
    model::Record& c = log.add(Obs::client, Time(0), id);
    c.a = id, c.b = 0, c.c = region, c.d = group == kNone ? id : group;
    c.x = log.name("c" + std::to_string(id) + "#0");
    clients_.push_back(region);
    const uint32_t in = static_cast<uint32_t>(intents_.size());
    model::Record& i = log.add(Obs::intent_begun, Time(0), in);
    i.a = id, i.b = 0, i.c = static_cast<uint32_t>(max), i.d = kNone, i.x = 1;
    intents_.push_back({id, model::Outcome::pending, {}, true});
    return in;
  }

  uint32_t call(uint32_t intent, Api api, std::optional<std::string> token, const model::LaunchParams& p = params(),
                Time at = Time(0), model::Layer layer = model::Layer::first, bool repeat = false) {
    const uint32_t id = static_cast<uint32_t>(calls_.size());
    model::Record& r = log.add(Obs::call_begun, at, id);
    r.a = intent, r.b = intents_[intent].client;
    r.c = token ? log.token(*token) : kNone;
    r.d = log.params(p);
    r.code = static_cast<uint8_t>(api);
    r.flags = static_cast<uint16_t>((repeat ? model::kRepeat : 0) | static_cast<uint16_t>(layer) << 1);
    model::RunRequest req;
    req.region = clients_[intents_[intent].client];
    req.params = p;
    req.has_token = token.has_value();
    if (token) req.token = *token;
    calls_.push_back({intent, req, r.c, api});
    return id;
  }
  void names(uint32_t call, uint32_t instance) { log.add(Obs::call_names, Time(0), call).a = instance; }

  uint32_t send(uint32_t call, Time at, int32_t number = 1) {
    const uint32_t id = static_cast<uint32_t>(attempts_.size());
    model::Record& r = log.add(Obs::sent, at, id);
    r.a = call, r.b = static_cast<uint32_t>(number), r.c = calls_[call].token, r.d = intents_[calls_[call].intent].client;
    attempts_.push_back({call, {}});
    return id;
  }

  // ---- what the service did and said, written by hand

  // The service decided `attempt` at `at`; `owner`: the request whose token record it met.
  void admit(uint32_t attempt, Time at, model::Admit kind, uint32_t op = kNone, Code reply = Code::Ok,
             uint32_t owner = kNone) {
    model::Record& r = log.add(Obs::admitted, at, attempt);
    r.flags = static_cast<uint16_t>(kind);
    r.code = static_cast<uint8_t>(reply);
    r.a = op;
    r.d = owner;
  }
  // A launch step that put up `r` (placed where its request asked: its zone, else the Region's first).
  void launched(uint32_t op, uint32_t attempt, Time at, const Response& r) {
    model::Record& l = log.add(Obs::launched, at, op);
    l.a = attempt;
    l.set_response(r);
    if (!r.ok()) return;
    const model::RunRequest& req = calls_[attempts_[attempt].call].request;
    model::Record& p = log.add(Obs::placed, at, r.reservation);
    p.a = req.region;
    std::string zone = req.params.zone;
    if (zone.empty() && !req.params.subnet.empty()) zone = cfg.regions[req.region].subnets.at(req.params.subnet);
    if (zone.empty()) zone = cfg.regions[req.region].zones.front();
    p.c = log.name(zone);
    p.d = req.params.subnet.empty() ? kNone : log.name(req.params.subnet);
    p.x = log.params(req.params);
  }
  // Where a launch is, forged: it put up `type` in `zone`, whatever its request asked.
  void placed(uint32_t reservation, uint32_t region, const std::string& zone, const model::LaunchParams& p, Time at) {
    model::Record& r = log.add(Obs::placed, at, reservation);
    r.a = region;
    r.c = log.name(zone);
    r.d = kNone;
    r.x = log.params(p);
  }
  void abandoned(uint32_t op, uint32_t attempt, Time at, uint16_t flags) {
    model::Record& r = log.add(Obs::abandoned, at, op);
    r.a = attempt;
    r.flags = flags;
  }
  void terminating(uint32_t instance, Time at) { log.add(Obs::terminating, at, instance); }

  // ---- what reached the callers

  // The caller receives `r` for `attempt` (on time; `late`: after it stopped waiting).
  void answered(uint32_t attempt, const Response& r, std::optional<Time> at = std::nullopt, bool late = false) {
    const Time t = at.value_or(last_time());
    model::Record& d = log.add(Obs::delivered, t, attempt);
    d.set_response(r);
    if (late) log.add(Obs::ignored, t, attempt);
    attempts_[attempt].response = r;
    const uint32_t call = attempts_[attempt].call;
    if (!late && r.ok() && calls_[call].api != Api::terminate && r.reservation) {
      intents_[calls_[call].intent].outcome = model::Outcome::ok;
      intents_[calls_[call].intent].learned = r;
    }
  }
  void timed_out(uint32_t attempt, Time at) { log.add(Obs::timed_out, at, attempt); }
  void ended(uint32_t call, Time at, model::Outcome o) { log.add(Obs::call_ended, at, call).code = static_cast<uint8_t>(o); }
  // How the caller recorded the intent at the end (`finished`: it was done with it).
  void state(uint32_t intent, model::Outcome o, bool finished = true) {
    intents_[intent].outcome = o;
    intents_[intent].finished = finished;
  }
  const Response& response(uint32_t attempt) const { return attempts_[attempt].response; }
  uint32_t call_of(uint32_t attempt) const { return attempts_[attempt].call; }

  // ---- the reference service answering

  // The service takes `attempt` in at `at` (a reply is answered at once, unless `lost`).
  model::Admission take(uint32_t attempt, Time at, bool lost = false) {
    const model::RunRequest& req = calls_[attempts_[attempt].call].request;
    const model::Admission adm = svc->admit(req, at, attempt);
    admit(attempt, at, static_cast<model::Admit>(adm.kind), adm.kind == model::Admission::Reply ? kNone : adm.op, adm.reply.code,
          adm.owner ? static_cast<uint32_t>(*adm.owner) : kNone);
    if (adm.kind == model::Admission::Reply && !lost) answered(attempt, adm.reply, at);
    return adm;
  }
  // The service takes `attempt` in at `at` and, when it starts a launch, completes it at once;
  // every answer reaches its caller unless `lost`.
  void serve(uint32_t attempt, Time at, bool lost = false) {
    const model::Admission adm = take(attempt, at, lost);
    if (adm.kind == model::Admission::Started) complete(adm.op, at, lost);
  }
  // A started launch completes at `at`: launched and recorded; its request and the ones that
  // joined it get its answer (unless `lost`: its own request's answer is lost).
  void complete(uint32_t op, Time at, bool lost = false) {
    const Response launched_r = svc->launch(op, at);
    const uint32_t attempt = op_attempt(op);
    harness::log_launch(log, at, op, attempt, launched_r, *svc, true);
    const model::Completion done = svc->record(op, model::Handling{at, {}, 0, 0, {}});
    model::Record& rec = log.add(Obs::recorded, at, op);
    rec.a = attempt;
    rec.set_response(done.response);
    if (!lost) answered(attempt, done.response, at);
    for (uint64_t j : done.joined) answered(static_cast<uint32_t>(j), done.response, at);
  }

  // RunInstances by `intent` at `at`, with `token` (none: no token), answered by the service.
  uint32_t run(uint32_t intent, std::optional<std::string> token, const model::LaunchParams& p, Time at, bool lost = false) {
    const uint32_t a = send(call(intent, Api::run, std::move(token), p, at), at);
    serve(a, at, lost);
    return a;
  }
  // TerminateInstances of what `intent` learned, at `at`.
  uint32_t terminate_learned(uint32_t intent, Time at) {
    const Response& got = intents_[intent].learned;
    const uint32_t c = call(intent, Api::terminate, std::nullopt, params(), at);
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < got.count; ++i) ids.push_back(got.first_instance + i), names(c, got.first_instance + i);
    const uint32_t a = send(c, at);
    std::vector<uint32_t> asked;
    const auto r = svc->terminate(calls_[c].request.region, ids, at, 0, &asked);
    log.add(Obs::terminated, at, a).code = static_cast<uint8_t>(r.code);
    for (uint32_t id : asked) terminating(id, at);
    answered(a, Response{r.code, 0, 0, 0}, at);
    return a;
  }
  // DescribeInstances filtered by `token`, at `at`, answered by the service.
  uint32_t describe(uint32_t intent, const std::string& token, Time at) {
    const uint32_t a = send(call(intent, Api::describe, token, params(), at), at);
    const auto found = svc->describe(clients_[intents_[intent].client], {}, model::Token(token), at);
    Response r{found.code, 0, 0, 0};
    if (!found.instances.empty()) {
      r.reservation = found.instances.front().reservation;
      r.first_instance = found.instances.front().id;
      for (const auto& i : found.instances) r.count += i.reservation == r.reservation ? 1 : 0;
    }
    log.add(Obs::described, at, a).set_response(r);
    answered(a, r, at);
    return a;
  }

  // ---- the verdict

  // The log as judged: every record so far, then each intent's state as its caller recorded it.
  model::RunLog judged() const {
    model::RunLog out = log;
    for (uint32_t i = 0; i < intents_.size(); ++i) {
      model::Record& r = out.add(Obs::intent_state, last_time(), i);
      r.set_response(intents_[i].learned);
      r.code = static_cast<uint8_t>(intents_[i].outcome);
      r.flags = intents_[i].finished ? model::kFinished : 0;
    }
    return out;
  }
  // The oracle's findings on the log, under the story's rules (or `rules`) and, when given, promises.
  std::vector<model::Finding> findings(std::optional<model::ServiceConfig> rules = std::nullopt,
                                       const model::Promises* promises = nullptr) const {
    judged_ = judged();
    ledger_.emplace(model::index_log(judged_));
    return model::check(*ledger_, harness::rules_of(rules.value_or(cfg)), promises);
  }
  std::vector<reports::Violation> violations() const {
    const std::vector<model::Finding> fs = findings();
    harness::Scenario s;
    s.service = cfg;
    return reports::word(s, judged_, fs);
  }
  std::vector<std::string> props() const {
    std::vector<std::string> out;
    for (const model::Finding& f : findings()) out.emplace_back(model::property_name(f.property));
    return out;
  }
  bool holds() const { return findings().empty(); }
  bool broke(const std::string& property) const {
    const auto ps = props();
    return std::find(ps.begin(), ps.end(), property) != ps.end();
  }

 private:
  struct CallInfo {
    uint32_t intent;
    model::RunRequest request;
    uint32_t token;
    Api api;
  };
  struct AttemptInfo {
    uint32_t call;
    Response response;
  };
  struct IntentInfo {
    uint32_t client;
    model::Outcome outcome;
    Response learned;
    bool finished;
  };
  Time last_time() const { return log.records().empty() ? Time(0) : log.records().back().time(); }
  uint32_t op_attempt(uint32_t op) const {
    for (const model::Record& r : log.records())
      if (r.kind == Obs::admitted && (r.flags & 3) == static_cast<uint16_t>(model::Admit::started) && r.a == op) return r.subject;
    return kNone;
  }

  std::vector<uint32_t> clients_;  // per client: its Region
  std::vector<IntentInfo> intents_;
  std::vector<CallInfo> calls_;
  std::vector<AttemptInfo> attempts_;
  mutable model::RunLog judged_;
  mutable std::optional<model::Ledger> ledger_;
};

inline Time at(sim::Duration d) { return Time(0) + d; }

}  // namespace idem::test
