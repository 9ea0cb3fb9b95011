#include "harness/live.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "harness/context.h"
#include "harness/network.h"
#include "harness/reapers.h"
#include "harness/service_host.h"
#include "harness/stats.h"
#include "sim/invariant.h"
#include "sim/loop.h"

namespace idem::harness {

using model::Api;
using model::Obs;
using model::Outcome;
using sim::Time;

Scenario live_scenario(const Scenario& s) {
  Scenario out = s;
  ClientGroup live;
  live.spec.group = "live";
  live.count = 0;
  live.live = true;
  out.clients.assign(1, live);
  out.at_group.assign(1, s.at_limit);
  out.inert.clear();  // the loader's warnings are about the groups this scenario no longer runs
  // A fault that names a client group acts on the real clients, all of them (a partition cuts
  // every one off; a caller's crash is the real process's own business and never comes due).
  for (faults::Fault& f : out.faults.faults) {
    if (auto* p = std::get_if<faults::Partition>(&f)) p->group = 0;
    if (auto* c = std::get_if<faults::Crash>(&f); c && c->target == faults::Crash::client) c->group = 0;
  }
  return out;
}

namespace {

// How a call or an intent ended, as its client saw its answers: a 200 is ok; a 4xx last is failed
// (the service refused and did nothing); anything else (a 5xx, a reset, no answer) is unknown.
Outcome outcome_of(const model::Response* last, bool any_ok) {
  if (any_ok) return Outcome::ok;
  if (last && last->status() >= 400 && last->status() < 500) return Outcome::failed;
  return Outcome::unknown;
}

}  // namespace

struct LiveService::Impl final : sim::Dispatcher {
  Impl(const Scenario& given, uint64_t seed)
      : s(live_scenario(given)), cx(s, seed), net(cx), host(cx, net), reapers(cx, host.service()) {
    host.go_live(&listings);
    reapers.start();
    host.start();
  }

  Scenario s;
  Context cx;
  Network net;
  ServiceHost host;
  Reapers reapers;
  std::vector<model::DescribeResult> listings;  // per attempt: what a Describe or Terminate found
  std::vector<LiveAnswer> ready;
  // Who is who: clients by name, intents by (name) or (account, Region, token), calls by invocation.
  std::map<std::string, uint32_t, std::less<>> client_ids;
  std::map<std::string, uint32_t, std::less<>> named_intents;
  // (account, Region, the token's zone scope, token): the service's own scope of a token.
  std::map<std::tuple<uint32_t, uint32_t, std::string, std::string>, uint32_t> token_intents;
  std::map<std::string, uint32_t, std::less<>> invocations;
  std::vector<uint32_t> lookups;             // per client: the intent of its lookups (kNone)
  std::vector<uint32_t> intent_run_calls;    // per intent: its RunInstances calls so far
  std::vector<bool> call_over;               // per call: its call_ended is in the log
  uint64_t request_count = 0;
  uint64_t events = 0;  // the service's events run

  // A client is one program (its User-Agent product and address) in one account and Region: the
  // oracle reads a client's Region and account as its requests'.
  uint32_t client(const LiveRequest& q) {
    std::string who = q.client;
    if (s.service.regions.size() > 1) who += " " + s.service.regions[q.request.region].name;
    if (q.request.account != 0) who += " account " + s.service.accounts[q.request.account];
    if (auto it = client_ids.find(who); it != client_ids.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(cx.history.clients.size());
    const uint32_t g = static_cast<uint32_t>(s.clients.size() - 1);
    model::Record& r = cx.log.add(Obs::client, cx.now, id);
    r.a = g, r.b = id, r.c = q.request.region, r.d = g;
    r.flags = static_cast<uint16_t>(q.request.account);
    r.x = static_cast<int64_t>(cx.log.name(who));
    cx.history.clients.push_back({who, q.request.region, g, id, g, ""});
    net.add_client(id);
    host.add_client(id);
    lookups.push_back(model::kNone);
    client_ids.emplace(who, id);
    return id;
  }

  uint32_t new_intent(uint32_t who, const model::LaunchParams& p, bool again = false) {
    const uint32_t id = static_cast<uint32_t>(cx.history.intents.size());
    model::IntentRecord in;
    in.client = who;
    in.index = static_cast<int32_t>(id);
    in.intended = p.max;
    in.least = p.min;
    cx.history.intents.push_back(in);
    intent_run_calls.push_back(0);
    model::Record& r = cx.log.add(Obs::intent_begun, cx.now, id);
    r.a = who, r.b = id, r.c = static_cast<uint32_t>(p.max), r.d = model::kNone, r.x = p.min;
    r.flags = again ? model::kAgain : 0;
    return id;
  }

  // The intent a request serves (see live.h); a Describe or Terminate names one through its filter
  // or the instances it names, else serves the client's latest intent, else one of its own that
  // intends nothing.
  uint32_t intent_of(const LiveRequest& q, uint32_t who) {
    const model::RunRequest& rq = q.request;
    if (!q.intent.empty())
      if (auto it = named_intents.find(q.intent); it != named_intents.end()) return it->second;
    if (q.api == Api::run) {
      // A named intent is made by its first launch (what it intends is that launch's MaxCount);
      // a launch with a token is also the token's intent, so a later request with the token and
      // without the name serves it too.
      const auto key = std::make_tuple(rq.account, rq.region, host.service().scope_zone(rq), rq.token.str());
      if (q.intent.empty() && rq.has_token)
        if (auto it = token_intents.find(key); it != token_intents.end()) return it->second;
      const uint32_t id = new_intent(who, rq.params);
      if (!q.intent.empty()) {
        cx.log.add(Obs::intent_named, cx.now, id).a = cx.log.name(q.intent);
        named_intents.emplace(q.intent, id);
      }
      if (rq.has_token) token_intents.emplace(key, id);
      return id;
    }
    if (q.token_filter) {  // the first launch of that token in the account and Region, in any zone
      for (const auto& [key, id] : token_intents)
        if (std::get<0>(key) == rq.account && std::get<1>(key) == rq.region && std::get<3>(key) == q.token_filter->str())
          return id;
    }
    if (q.api == Api::terminate)
      for (uint32_t id : q.ids)
        if (const uint32_t i = told(id, who, model::kNone); i != model::kNone) return i;
    // A lookup (by id, by state, every instance) or a termination of instances no launch answer
    // told this client of: its client's lookups, one intent that intends nothing.
    if (lookups[who] == model::kNone) {
      model::LaunchParams none;
      none.min = none.max = 0;
      lookups[who] = new_intent(who, none);
    }
    return lookups[who];
  }

  // An intent other than `except` that an answer to a call of client `who` told of instance `id`
  // (a launch's answer named its reservation), or kNone.
  uint32_t told(uint32_t id, uint32_t who, uint32_t except) const {
    if (id == 0 || id > host.service().instances().size()) return model::kNone;
    const uint32_t res = host.service().instances()[id - 1].reservation;
    for (uint32_t i = 0; i < cx.history.intents.size(); ++i) {
      if (i == except || cx.history.intents[i].learned.reservation != res) continue;
      for (uint32_t c : cx.history.intents[i].calls)
        if (cx.history.calls[c].client == who) return i;
    }
    return model::kNone;
  }

  uint32_t arrive(const LiveRequest& q, Time now) {
    IDEM_CHECK(now >= cx.now, "requests come in time order");
    advance(now);
    cx.now = now;
    ++request_count;
    const uint32_t who = client(q);
    // The call: one per SDK invocation (of this client, for this API, not over yet), else one per
    // request. A retry in a call serves the call's intent, whatever token it carries.
    uint32_t call = model::kNone;
    const std::string invocation = q.invocation.empty() ? "" : std::to_string(who) + " " + q.invocation;
    if (!invocation.empty())
      if (auto it = invocations.find(invocation); it != invocations.end()) call = it->second;
    if (call != model::kNone && (call_over[call] || cx.history.calls[call].api != q.api)) call = model::kNone;
    const uint32_t intent = call != model::kNone ? cx.history.calls[call].intent : intent_of(q, who);
    if (call == model::kNone) {
      call = static_cast<uint32_t>(cx.history.calls.size());
      model::CallRecord c;
      c.client = who;
      c.intent = intent;
      c.api = q.api;
      c.request.region = q.request.region;
      c.request.account = q.request.account;
      c.request.tags_on_create = q.request.tags_on_create;
      c.request.has_token = q.api == Api::describe ? q.token_filter.has_value() : q.request.has_token;
      c.ids = q.ids;
      // The log interns the call's token (a Describe's filter) and its parameters.
      const model::Token& token = q.api == Api::describe ? (q.token_filter ? *q.token_filter : model::Token()) : q.request.token;
      c.request.token = c.request.has_token && q.api != Api::terminate ? cx.log.token(token) : model::kNone;
      c.request.params = cx.log.params(q.request.params);
      const int32_t runs = static_cast<int32_t>(intent_run_calls[intent]);
      // A launch after the intent's first is the application's retry layer; a lookup or a
      // termination is a call of its own (a waiter, a listing, a cleanup: not a retry).
      c.layer = q.api == Api::run && runs > 0 ? model::Layer::app : model::Layer::first;
      c.app_try = q.api == Api::run ? runs : 0;
      c.invoked = now;
      if (q.api == Api::run) ++intent_run_calls[intent];
      cx.history.calls.push_back(c);
      cx.history.intents[intent].calls.push_back(call);
      call_over.push_back(false);
      if (!invocation.empty()) invocations[invocation] = call;
      model::Record& r = cx.log.add(Obs::call_begun, now, call);
      r.a = intent, r.b = who;
      r.c = c.request.token;
      r.d = c.request.params;
      r.code = static_cast<uint8_t>(q.api);
      r.flags = static_cast<uint16_t>(static_cast<uint16_t>(c.layer) << 1);
      r.x = c.app_try;
      for (uint32_t id : q.ids) cx.log.add(Obs::call_names, now, call).a = id;
    }
    model::CallRecord& c = cx.history.calls[call];
    const uint32_t attempt = static_cast<uint32_t>(cx.history.attempts.size());
    model::AttemptRecord a;
    a.call = call;
    a.number = static_cast<int32_t>(c.attempts.size()) + 1;
    a.has_token = c.request.has_token && q.api != Api::terminate;
    // A retry under one invocation carries its own request: its token is the one it sent. The log
    // interns each attempt's token anew.
    if (q.api == Api::run) a.has_token = q.request.has_token;
    if (a.has_token) {
      const model::Token token = q.api == Api::describe ? cx.log.token_of(c.request.token) : q.request.token;
      a.token = cx.log.token(token);
    }
    a.sent = now;
    cx.history.attempts.push_back(a);
    c.attempts.push_back(attempt);

    {
      model::Record& r = cx.log.add(Obs::sent, now, attempt);
      r.a = call, r.b = static_cast<uint32_t>(a.number);
      r.c = a.has_token ? a.token : model::kNone;
      r.d = who;
    }
    net.send(who, attempt);
    listings.resize(cx.history.attempts.size());  // the request and any copy the network made of it
    advance(now);
    return attempt;
  }

  void advance(Time now) {
    sim::run_until(cx.q, now, [this](const sim::Event& e) { dispatch(e); });
    if (now > cx.now) cx.now = now;
  }

  void dispatch(const sim::Event& e) override {
    cx.now = e.at;
    ++events;
    switch (e.kind) {
      case kArrive: host.on_arrive(e.a); break;
      case kLaunch: host.on_launch(e.a); break;
      case kReply: host.on_reply(e.a); break;
      case kDeliver: on_deliver(e.a); break;
      case kReset: on_reset(e.a); break;
      case kValidated: host.on_validated(e.a); break;
      case kWrite: host.on_write(e.a); break;
      case kRecord: host.on_record(e.a); break;
      case kCrash: host.on_timed_crash(e.a, static_cast<uint32_t>(e.b)); break;
      case kRestart: host.on_restart(e.a, static_cast<uint32_t>(e.b)); break;
      case kReap: reapers.on_reap(e.a); break;
      default: IDEM_CHECK(false, "an event a live session has");
    }
  }

  // An answer reaches the wire: the client waiting on the attempt's connection receives it; a
  // copy the network made, or a connection the client closed, takes nothing.
  void on_deliver(uint32_t attempt) {
    model::AttemptRecord& a = cx.history.attempts[attempt];
    if (a.duplicate_of != model::AttemptRecord::kNotTaken || a.done) return;
    const model::Response& r = net.in_transit(attempt);
    const uint32_t who = cx.client_of(attempt);
    model::Record& rec = cx.log.add(Obs::delivered, cx.now, attempt);
    rec.a = who;
    rec.set_response(r);
    rec.x = net.left_at(attempt).us;
    a.done = true;
    a.ended = cx.now;
    a.end = model::classify(r.code);
    a.response = r;
    model::CallRecord& c = cx.history.calls[a.call];
    c.response = r;
    LiveAnswer out;
    out.attempt = attempt;
    out.at = cx.now;
    out.api = c.api;
    out.response = r;
    if (c.api != Api::run && r.ok()) out.listed = std::exchange(listings[attempt], {});
    if (c.api == Api::terminate) out.before = before_of(attempt, out.listed);
    ready.push_back(std::move(out));
    model::IntentRecord& in = cx.history.intents[c.intent];
    // The client's own record of the launch, once told (what a reaper of unknown instances reads).
    if (c.api == Api::run && r.ok() && in.learned.reservation == 0) in.learned = r, in.outcome = Outcome::ok;
    // A 200 or a 4xx ends the call: no SDK retries either.
    if (r.ok() || (r.status() >= 400 && r.status() < 500)) end_call(a.call, r.ok() ? Outcome::ok : Outcome::failed,
                                                                    r.ok() ? model::StopWhy::ok : model::StopWhy::not_retryable);
  }

  // Each instance a TerminateInstances named, in the state it had before the call: an instance
  // whose termination this call asked for first was pending or running then; any other is as now.
  std::vector<model::InstanceState> before_of(uint32_t attempt, const model::DescribeResult& listed) const {
    std::vector<model::InstanceState> out;
    for (const model::InstanceView& v : listed.instances) {
      const model::Instance& i = host.service().instances()[v.id - 1];
      const bool asked_here = i.terminate_requested && *i.terminate_requested == *served_at(attempt);
      if (!asked_here) {
        out.push_back(v.state);
        continue;
      }
      out.push_back(host.service().lifecycle_state(v.id, *i.terminate_requested));
    }
    return out;
  }
  std::optional<Time> served_at(uint32_t attempt) const {
    // A Terminate is handled the instant it arrives (its log record `terminated`).
    for (auto it = cx.log.records().rbegin(); it != cx.log.records().rend(); ++it)
      if (it->kind == Obs::terminated && it->subject == attempt) return it->time();
    return std::nullopt;
  }

  void on_reset(uint32_t attempt) {
    model::AttemptRecord& a = cx.history.attempts[attempt];
    if (a.done || a.duplicate_of != model::AttemptRecord::kNotTaken) return;
    cx.log.add(Obs::reset_seen, cx.now, attempt).a = cx.client_of(attempt);
    a.done = true;
    a.ended = cx.now;
    a.end = model::AttemptEnd::timeout;
    LiveAnswer out;
    out.kind = LiveAnswer::reset;
    out.attempt = attempt;
    out.at = cx.now;
    out.api = cx.call_of(attempt).api;
    ready.push_back(std::move(out));
  }

  void gone(uint32_t attempt, Time now) {
    advance(now);
    model::AttemptRecord& a = cx.history.attempts.at(attempt);
    if (a.done) return;
    cx.log.add(Obs::timed_out, cx.now, attempt).a = cx.client_of(attempt);
    listings[attempt] = {};
    a.done = true;
    a.ended = cx.now;
    a.end = model::AttemptEnd::timeout;
  }

  void end_call(uint32_t call, Outcome o, model::StopWhy why) {
    if (call_over[call]) return;
    call_over[call] = true;
    model::CallRecord& c = cx.history.calls[call];
    c.outcome = o;
    c.ended = cx.now;
    model::Record& r = cx.log.add(Obs::call_ended, cx.now, call);
    r.a = c.client;
    r.b = static_cast<uint32_t>(why);
    r.code = static_cast<uint8_t>(o);
  }

  RunResult finish(Time now) {
    advance(now);
    // Requests still unanswered at the end: their clients stop waiting now.
    for (uint32_t a = 0; a < cx.history.attempts.size(); ++a)
      if (!cx.history.attempts[a].done && cx.history.attempts[a].duplicate_of == model::AttemptRecord::kNotTaken) gone(a, now);
    // Calls still open: each ended when its last attempt did (the client went on without it, or
    // stopped), with that attempt's outcome; their records go in the log at that time.
    std::vector<model::Record> ended;
    for (uint32_t call = 0; call < cx.history.calls.size(); ++call) {
      if (call_over[call]) continue;
      call_over[call] = true;
      model::CallRecord& c = cx.history.calls[call];
      const model::AttemptRecord& last = cx.history.attempts[c.attempts.back()];
      const model::Response* r = last.end != model::AttemptEnd::timeout ? &last.response : nullptr;
      c.outcome = outcome_of(r, false);
      c.ended = last.ended;
      model::Record e;
      e.kind = Obs::call_ended;
      e.at = last.ended.us;
      e.subject = call;
      e.a = c.client;
      e.b = static_cast<uint32_t>(model::StopWhy::none);
      e.code = static_cast<uint8_t>(c.outcome);
      ended.push_back(e);
    }
    cx.log.merge(std::move(ended));
    // Each intent as its clients saw it.
    for (uint32_t i = 0; i < cx.history.intents.size(); ++i) {
      model::IntentRecord& in = cx.history.intents[i];
      bool any_ok = false;
      const model::Response* last = nullptr;
      bool launches = false;
      for (uint32_t call : in.calls) {
        const model::CallRecord& c = cx.history.calls[call];
        if (c.api != Api::run) continue;
        launches = true;
        any_ok = any_ok || c.outcome == Outcome::ok;
        const model::AttemptRecord& la = cx.history.attempts[c.attempts.back()];
        last = la.end != model::AttemptEnd::timeout ? &la.response : nullptr;
      }
      in.outcome = launches ? outcome_of(last, any_ok) : Outcome::ok;  // an intent of lookups only intends nothing
      in.finished = true;
      model::Record& r = cx.log.add(Obs::intent_state, cx.now, i);
      r.set_response(in.learned);
      r.code = static_cast<uint8_t>(in.outcome);
      r.flags = model::kFinished;
    }
    s.limit = now - Time(0);
    RunResult out;
    out.seed = cx.seed;
    out.end = now;
    out.stats.end = now;
    out.stats.events = events;
    const model::Ledger ledger = model::index_log(cx.log);
    const model::Promises promises = promises_of(s);
    model::OracleCounts counts;
    out.findings = model::check(ledger, rules_of(s), &promises, &counts);
    out.violation_count = static_cast<uint32_t>(out.findings.size());
    fill_stats(out, s, ledger, counts);
    out.fault_fires = cx.injector.fires();
    out.trace_hash = model::hash_findings(cx.log.hash(), out.findings);
    out.log = std::make_shared<const model::RunLog>(std::move(cx.log));
    return out;
  }
};

LiveService::LiveService(const Scenario& s, uint64_t seed) : impl_(std::make_unique<Impl>(s, seed)) {}
LiveService::~LiveService() = default;
uint32_t LiveService::arrive(const LiveRequest& req, Time now) { return impl_->arrive(req, now); }
void LiveService::advance(Time now) { impl_->advance(now); }
std::optional<Time> LiveService::next_due() const {
  if (impl_->cx.q.empty()) return std::nullopt;
  return impl_->cx.q.top().at;
}
void LiveService::gone(uint32_t attempt, Time now) { impl_->gone(attempt, now); }
std::vector<LiveAnswer> LiveService::take_answers() { return std::exchange(impl_->ready, {}); }
RunResult LiveService::finish(Time now) { return impl_->finish(now); }
const Scenario& LiveService::scenario() const { return impl_->s; }
const model::Service& LiveService::service() const { return impl_->host.service(); }
uint64_t LiveService::requests() const { return impl_->request_count; }
uint32_t LiveService::attempts() const { return static_cast<uint32_t>(impl_->cx.history.attempts.size()); }
size_t LiveService::clients() const { return impl_->cx.history.clients.size(); }

}  // namespace idem::harness
