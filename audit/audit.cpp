#include "audit/audit.h"

#include <malloc.h>

#include <algorithm>
#include <cctype>
#include <numeric>
#include <tuple>

#include "audit/read.h"
#include "harness/world.h"
#include "model/history.h"
#include "model/oracle/ledger.h"
#include "model/oracle/rules.h"
#include "model/retry.h"
#include "sim/calendar.h"

namespace idem::audit {

using model::Api;
using model::Code;
using model::kNone;
using model::Obs;
using model::Outcome;
using sim::Time;

bool audited(model::Property p) {
  return p == model::Property::answers || p == model::Property::token_instances || p == model::Property::token_collision;
}

namespace {

bool starts(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// The version right after `key` in `ua` ("aws-sdk-go-v2/1.48.0 ..." -> "1.48.0"), up to a space.
std::string after(const std::string& ua, const std::string& key) {
  const size_t at = ua.find(key);
  if (at == std::string::npos) return {};
  const size_t from = at + key.size();
  size_t to = from;
  while (to < ua.size() && ua[to] != ' ' && ua[to] != ')' && ua[to] != ',') ++to;
  return ua.substr(from, to - from);
}

}  // namespace

std::string Result::relabel(const std::string& text) const {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (size_t i = 0; i < text.size();) {
    const bool head = (text[i] == 'r' || text[i] == 'i') && i + 19 <= text.size() && text[i + 1] == '-' &&
                      (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])));
    if (head && std::all_of(text.begin() + static_cast<long>(i) + 2, text.begin() + static_cast<long>(i) + 19, hex) &&
        (i + 19 == text.size() || !hex(text[i + 19]))) {
      const uint64_t v = std::stoull(text.substr(i + 2, 17), nullptr, 16);
      const std::vector<std::string>& names = text[i] == 'r' ? reservations : instances;
      if (v >= 1 && v <= names.size()) {
        out += names[v - 1];
        i += 19;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

Agent parse_user_agent(const std::string& ua) {
  Agent a;
  // Most specific first: a Terraform provider or an operator names the SDK it is built on.
  if (std::string v = after(ua, "aws-sdk-go-v2/"); !v.empty()) return {"aws-sdk-go-v2/" + v, "go-v2", v};
  if (std::string v = after(ua, "aws-cli/"); !v.empty()) return {"aws-cli/" + v, "awscli", v};
  if (std::string v = after(ua, "md/Botocore#"); !v.empty()) return {"Botocore/" + v, "botocore", v};
  if (std::string v = after(ua, "Botocore/"); !v.empty()) return {"Botocore/" + v, "botocore", v};
  if (std::string v = after(ua, "botocore/"); !v.empty()) return {"Botocore/" + v, "botocore", v};
  if (std::string v = after(ua, "aws-sdk-js/"); !v.empty() && starts(v, "3.")) return {"aws-sdk-js/" + v, "js", v};
  if (std::string v = after(ua, "aws-sdk-cpp/"); !v.empty()) return {"aws-sdk-cpp/" + v, "cpp", v};
  a.product = ua.substr(0, ua.find(' '));
  if (a.product.empty()) a.product = "(no userAgent)";
  return a;
}

namespace {

struct Importer {
  Importer(Reader& r, const Options& opt, Result& out) : r(r), opt(opt), out(out) {}
  Reader& r;
  const Options& opt;
  Result& out;

  model::RunLog log;
  std::vector<uint32_t> order;   // events, in time order
  int64_t t0 = 0;                // epoch µs of time 0: the first record's
  // Callers (client groups) by (principal or role, User-Agent product); clients by (group, account, Region).
  std::map<std::pair<uint32_t, std::string>, uint32_t> group_of;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> client_of;
  struct ClientInfo { uint32_t group, index, region, account; };
  std::vector<ClientInfo> clients;
  std::vector<std::string> group_names;
  std::vector<uint32_t> group_size;
  std::vector<uint32_t> region_ids, account_ids;  // names ids, by model index
  std::vector<uint32_t> event_client;             // per event

  uint32_t index_of(std::vector<uint32_t>& v, uint32_t id) {
    auto it = std::find(v.begin(), v.end(), id);
    if (it != v.end()) return static_cast<uint32_t>(it - v.begin());
    v.push_back(id);
    return static_cast<uint32_t>(v.size() - 1);
  }

  uint32_t who(const Event& e) { return opt.by_role ? e.role : e.principal; }

  void cast() {
    order.resize(r.events.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      const Event& a = r.events[x];
      const Event& b = r.events[y];
      return std::tie(a.at_us, a.file, a.pos) < std::tie(b.at_us, b.file, b.pos);
    });
    if (!order.empty()) t0 = r.events[order.front()].at_us;
    event_client.assign(r.events.size(), kNone);
    for (uint32_t i : order) {
      const Event& e = r.events[i];
      const std::string product = parse_user_agent(r.names[e.agent]).product;
      auto [g, fresh] = group_of.try_emplace({who(e), product}, static_cast<uint32_t>(group_names.size()));
      if (fresh) {
        group_names.push_back(r.names[who(e)] + " " + product);
        group_size.push_back(0);
      }
      const uint32_t region = index_of(region_ids, e.region), account = index_of(account_ids, e.account);
      auto [c, made] = client_of.try_emplace({g->second, account, region}, static_cast<uint32_t>(clients.size()));
      if (made) clients.push_back({g->second, group_size[g->second]++, region, account});
      event_client[i] = c->second;
    }
  }

  // The scenario the history stands for: its Regions (the zones and subnets the records name), its
  // accounts, the rules' settings, and a client group per caller.
  void scenario() {
    harness::Scenario& s = out.scenario;
    s.name = "audit";
    s.file = "";
    s.service.semantics = opt.semantics;
    s.service.terminate_time = opt.terminate_min;
    s.service.token_retention = opt.retention;
    s.service.describe_lag = sim::Duration(0);
    s.service.regions.clear();
    for (uint32_t id : region_ids) s.service.regions.push_back({r.names[id], {}, {}});
    s.service.accounts.clear();
    for (uint32_t id : account_ids) s.service.accounts.push_back(r.names[id]);
    auto add_zone = [&](model::RegionSpec& spec, const std::string& z) {
      if (!z.empty() && std::find(spec.zones.begin(), spec.zones.end(), z) == spec.zones.end()) spec.zones.push_back(z);
    };
    for (uint32_t i : order) {
      const Event& e = r.events[i];
      if (e.call != Call::run) continue;
      model::RegionSpec& spec = s.service.regions[clients[event_client[i]].region];
      const model::LaunchParams& p = r.params[e.params];
      add_zone(spec, p.zone);
      for (uint32_t k = e.first; k < e.first + e.count; ++k) {
        const Listed& x = r.listed[k];
        const std::string zone = x.zone == kNo ? std::string() : r.names[x.zone];
        add_zone(spec, zone);
        if (x.subnet != kNo && x.zone != kNo) spec.subnets.try_emplace(r.names[x.subnet], zone);
      }
    }
    for (uint32_t i : order) {  // subnets only asked for: in the zone asked with them, if any
      const Event& e = r.events[i];
      if (e.call != Call::run) continue;
      const model::LaunchParams& p = r.params[e.params];
      if (!p.subnet.empty()) s.service.regions[clients[event_client[i]].region].subnets.try_emplace(p.subnet, p.zone);
    }
    for (model::RegionSpec& spec : s.service.regions) std::sort(spec.zones.begin(), spec.zones.end());
    s.clients.clear();
    for (size_t g = 0; g < group_names.size(); ++g) {
      harness::ClientGroup cg;
      cg.spec.group = group_names[g];
      cg.count = static_cast<int32_t>(group_size[g]);
      cg.live = true;
      s.clients.push_back(cg);
    }
  }

  // Model ids, in time order: reservations from 1, instances from 1 (a launch's consecutive).
  std::vector<uint32_t> res_model, inst_model;  // by Strings id; 0: not yet
  std::vector<uint32_t> res_attempt;            // by model reservation - 1: the attempt that launched it
  std::vector<model::Response> launches_of;     // by model reservation - 1: what it launched
  std::vector<uint32_t> inst_raw;               // by model instance - 1: its Strings id
  uint32_t next_instance = 1, ops = 0;
  std::vector<uint32_t> attempt_event;          // per attempt: its event
  std::vector<int64_t> terminated_by;           // per model instance - 1: the event that asked first (or -1)

  Time at(const Event& e) const { return Time(e.at_us - t0); }

  void write() {
    const size_t n = order.size();
    log.reserve(n * 7, n);
    res_model.assign(r.reservations.size(), 0);
    inst_model.assign(r.instances.size(), 0);
    for (uint32_t c = 0; c < clients.size(); ++c) {
      model::Record& rec = log.add(Obs::client, Time(0), c);
      rec.a = clients[c].group, rec.b = clients[c].index, rec.c = clients[c].region, rec.d = clients[c].group;
      rec.flags = static_cast<uint16_t>(clients[c].account);
      rec.x = static_cast<int64_t>(log.name(group_names[clients[c].group]));
    }
    std::map<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>, uint32_t> token_intent;  // (who, account, region, token)
    std::vector<uint32_t> client_intents(clients.size(), 0), lookups(clients.size(), kNone);
    struct IntentInfo { uint32_t client; uint32_t calls = 0; };
    std::vector<IntentInfo> intents;
    // Token scopes the log has seen decided, (account, Region, zone|subnet, token), with the first
    // reservation it shows under each (0: none yet). A scope whose first record is a mismatch or
    // IdempotentInstanceTerminated began its life before the log.
    std::map<std::tuple<uint32_t, uint32_t, std::string, uint32_t>, uint32_t> scope_seen;
    uint32_t calls = 0;
    auto new_intent = [&](uint32_t c, Time t, int32_t max, int32_t min) {
      const uint32_t id = static_cast<uint32_t>(intents.size());
      intents.push_back(IntentInfo{c, 0});
      model::Record& rec = log.add(Obs::intent_begun, t, id);
      rec.a = c, rec.b = client_intents[c]++, rec.c = static_cast<uint32_t>(max), rec.d = kNone, rec.x = min;
      return id;
    };
    terminated_by.assign(0, -1);
    for (uint32_t i : order) {
      const Event& e = r.events[i];
      const uint32_t c = event_client[i];
      const Time t = at(e);
      const bool run = e.call == Call::run;
      const model::LaunchParams* p = run ? &r.params[e.params] : nullptr;
      // Its intent.
      uint32_t intent;
      if (run && e.token != kNo) {
        const auto key = std::make_tuple(who(e), clients[c].account, clients[c].region, e.token);
        auto it = token_intent.find(key);
        if (it == token_intent.end()) it = token_intent.emplace(key, new_intent(c, t, p->max, p->min)).first;
        intent = it->second;
      } else if (run) {
        intent = new_intent(c, t, p->max, p->min);
      } else {
        if (lookups[c] == kNone) lookups[c] = new_intent(c, t, 0, 0);
        intent = lookups[c];
      }
      IntentInfo& in = intents[intent];
      // The call and its one attempt.
      const uint32_t call = calls++;
      const uint32_t attempt = call;
      attempt_event.push_back(i);
      const uint32_t token = run && e.token != kNo ? log.token(model::Token(r.tokens[e.token])) : kNone;
      {
        model::Record& rec = log.add(Obs::call_begun, t, call);
        rec.a = intent, rec.b = c, rec.c = token;
        rec.d = run ? log.params(*p) : log.params(model::LaunchParams{});
        rec.code = static_cast<uint8_t>(run ? Api::run : Api::terminate);
        const model::Layer layer = run && in.calls > 0 ? model::Layer::app : model::Layer::first;
        rec.flags = static_cast<uint16_t>(static_cast<uint16_t>(layer) << 1);
        rec.x = run ? in.calls : 0;
      }
      if (run) ++in.calls;
      if (!run)
        for (uint32_t k = e.first; k < e.first + e.count; ++k)
          if (const uint32_t m = inst_model[r.listed[k].id]) log.add(Obs::call_names, t, call).a = m;
      {
        model::Record& rec = log.add(Obs::sent, t, attempt);
        rec.a = call, rec.b = 1, rec.c = token, rec.d = c;
      }
      // What the service decided, as its answer shows.
      model::Response answer{e.other ? (e.server ? Code::InternalError : Code::IncorrectState) : e.code, 0, 0, 0};
      bool decided = false;
      if (run) {
        // The service's own decisions for the token: its answers by the token rules, and a launch
        // that found no capacity (the token keeps that request's parameters all the same).
        const bool token_answer = e.code == Code::IdempotentParameterMismatch || e.code == Code::IdempotentInstanceTerminated ||
                                  e.code == Code::InsufficientInstanceCapacity ||
                                  (e.code == Code::InvalidParameterValue && token != kNone && !model::token_is_valid(log.token_of(token)));
        const auto scope = std::make_tuple(clients[c].account, clients[c].region,
                                           opt.semantics == model::Semantics::current ? p->zone + "|" + p->subnet : std::string(),
                                           e.token);
        if (!e.other && e.code == Code::Ok) {
          decided = true;
          answer = launch_answer(e, attempt, t, c, *p);
        } else if (!e.other && token_answer) {
          // The token's life began before the log: what it was answered then is not in the log.
          const auto seen = scope_seen.find(scope);
          const bool before = e.token != kNo && (e.code == Code::IdempotentParameterMismatch || e.code == Code::IdempotentInstanceTerminated) &&
                              seen == scope_seen.end();
          // Its instances ended without a TerminateInstances in the log (a Spot interruption, a
          // shutdown that terminates, a service's doing): the answer is the only sign of it.
          bool ended_outside = false;
          if (!before && e.code == Code::IdempotentInstanceTerminated && seen != scope_seen.end() && seen->second) {
            const model::Response& launched = launches_of[seen->second - 1];
            ended_outside = true;
            for (uint32_t m = launched.first_instance; m < launched.first_instance + launched.count; ++m)
              if (terminated_by[m - 1] >= 0) ended_outside = false;
          }
          if (before) ++out.began_before;
          else if (ended_outside) ++out.ended_outside;
          else decided = true;
        }
        if (decided && e.token != kNo) {
          uint32_t& first = scope_seen.try_emplace(scope, 0).first->second;
          if (!first && answer.ok()) first = answer.reservation;
        }
        if (decided && answer.ok() && res_attempt[answer.reservation - 1] != attempt) {
          model::Record& adm = log.add(Obs::admitted, t, attempt);
          adm.flags = static_cast<uint16_t>(model::Admit::reply);
          adm.code = static_cast<uint8_t>(Code::Ok);
          adm.d = res_attempt[answer.reservation - 1];
        } else if (decided && !answer.ok()) {
          model::Record& adm = log.add(Obs::admitted, t, attempt);
          adm.flags = static_cast<uint16_t>(model::Admit::reply);
          adm.code = static_cast<uint8_t>(answer.code);
          adm.d = kNone;
        }
      } else if (!e.other && e.code == Code::Ok) {
        decided = true;
        for (uint32_t k = e.first; k < e.first + e.count; ++k) {
          const uint32_t m = inst_model[r.listed[k].id];
          if (!m) continue;  // launched before the log
          log.add(Obs::terminating, t, m).a = attempt;
          if (terminated_by[m - 1] < 0) terminated_by[m - 1] = i;
        }
      }
      if (!decided && answer.code == Code::RequestLimitExceeded) log.add(Obs::throttled, t, attempt);
      {
        model::Record& rec = log.add(Obs::delivered, t, attempt);
        rec.a = c;
        rec.set_response(answer);
        rec.x = t.us;
      }
      // No call_ended or intent_state: how a caller's calls and intents ended is what a service's log
      // cannot say, and the properties judged here (answers, token-instances, token-collision) and
      // their stories do not read it; a month of records is smaller without them.
    }
  }

  // A 200 to RunInstances: the launch it names, made now when the log has not seen its
  // reservation before (then the service launched it for this request).
  model::Response launch_answer(const Event& e, uint32_t attempt, Time t, uint32_t c, const model::LaunchParams& p) {
    uint32_t& res = res_model[e.reservation];
    if (res == 0) {
      res = static_cast<uint32_t>(res_attempt.size()) + 1;
      res_attempt.push_back(attempt);
      const uint32_t first = next_instance;
      uint32_t count = 0;
      for (uint32_t k = e.first; k < e.first + e.count; ++k) {
        uint32_t& m = inst_model[r.listed[k].id];
        if (m) continue;  // an instance another reservation named: not this one's
        m = next_instance++;
        inst_raw.push_back(r.listed[k].id);
        terminated_by.push_back(-1);
        ++count;
      }
      const uint32_t op = ops++;
      model::Record& adm = log.add(Obs::admitted, t, attempt);
      adm.flags = static_cast<uint16_t>(model::Admit::started);
      adm.a = op;
      adm.d = kNone;
      model::Record& l = log.add(Obs::launched, t, op);
      l.a = attempt;
      l.set_response(model::Response{Code::Ok, res, first, count});
      // Where and what it put up, when the answer says: the first instance's zone, subnet, image
      // and type (what a request left to its launch template is not judged).
      if (e.count > 0 && r.listed[e.first].zone != kNo) {
        const Listed& x = r.listed[e.first];
        model::Record& pl = log.add(Obs::placed, t, res);
        pl.a = clients[c].region, pl.b = clients[c].account;
        pl.c = log.name(r.names[x.zone]);
        pl.d = x.subnet != kNo ? log.name(r.names[x.subnet]) : kNone;
        model::LaunchParams got = p;
        if (x.image != kNo && p.image != kFromTemplate) got.image = r.names[x.image];
        if (x.type != kNo && p.type != kFromTemplate) got.type = r.names[x.type];
        pl.x = log.params(got);
      }
      launches_of.push_back(model::Response{Code::Ok, res, first, count});
      return launches_of.back();
    }
    // Its instances as named now, in any order: the reservation's when they are its (then the
    // answer names them as the launch did), else not.
    std::vector<uint32_t> named;
    for (uint32_t k = 0; k < e.count; ++k) named.push_back(inst_model[r.listed[e.first + k].id]);
    std::sort(named.begin(), named.end());
    bool consecutive = !named.empty() && named.front() != 0;
    for (uint32_t k = 0; consecutive && k < named.size(); ++k) consecutive = named[k] == named.front() + k;
    return model::Response{Code::Ok, res, consecutive ? named.front() : 0, e.count};
  }
};

std::string params_text(const model::LaunchParams& p) {
  std::string s = p.image + " " + p.type + " x" + std::to_string(p.max);
  if (p.min != p.max) s = p.image + " " + p.type + " x" + std::to_string(p.min) + ".." + std::to_string(p.max);
  if (!p.zone.empty()) s += " " + p.zone;
  if (!p.subnet.empty()) s += " " + p.subnet;
  return s;
}

}  // namespace

Result audit(const std::vector<std::string>& paths, const Options& opt) {
  Reader r;
  r.read_paths(paths);
  Result out;
  out.options = opt;
  out.files = r.files.size();
  out.records = r.records;
  out.describes = r.describes;
  out.unused = r.unused;
  Importer im(r, opt, out);
  im.cast();
  im.scenario();
  im.write();
  // What only reading needed, freed before the oracle's index is built: the interning tables, the
  // listed instances, and the heap the parser's documents left (a month of records is large).
  r.tokens.seal();
  r.reservations.seal();
  r.instances.seal();
  std::vector<Listed>().swap(r.listed);
  std::unordered_map<std::string, uint32_t>().swap(r.param_ids);
  malloc_trim(0);
  for (const Event& e : r.events) (e.call == Call::run ? out.launches : out.terminations)++;
  if (!im.order.empty()) {
    out.first_us = r.events[im.order.front()].at_us;
    out.last_us = r.events[im.order.back()].at_us;
  }
  const int64_t t0 = im.t0;
  auto log = std::make_shared<model::RunLog>(std::move(im.log));
  const model::Ledger ledger = model::index_log(*log);
  model::Rules rules = harness::rules_of(out.scenario);
  rules.terminate_time_max = opt.terminate_max;
  model::Promises promises;
  promises.limit = Time(out.last_us - t0);
  for (model::Finding& f : model::check(ledger, rules, &promises, nullptr))
    if (audited(f.property)) out.findings.push_back(std::move(f));

  const auto caller_of = [&](const Event& e) {
    return r.names[opt.by_role ? e.role : e.principal];
  };
  // Suspected duplicates: launches without a token, one caller and User-Agent, one account and
  // Region, equal parameters, within the window of the one before.
  std::vector<uint32_t> tokenless;
  for (uint32_t i : im.order) {
    const Event& e = r.events[i];
    if (e.call == Call::run && e.token == kNo && !e.other && e.code == Code::Ok && e.reservation != kNo) tokenless.push_back(i);
  }
  std::stable_sort(tokenless.begin(), tokenless.end(), [&](uint32_t x, uint32_t y) {
    const Event& a = r.events[x];
    const Event& b = r.events[y];
    const uint32_t wa = opt.by_role ? a.role : a.principal, wb = opt.by_role ? b.role : b.principal;
    return std::tie(a.account, a.region, wa, a.agent, a.params) < std::tie(b.account, b.region, wb, b.agent, b.params);
  });
  std::vector<uint32_t> extra_attempts;  // attempts whose launch is one too many
  std::vector<std::string> extra_why;
  std::vector<uint32_t> event_attempt(r.events.size(), kNone);
  for (uint32_t a = 0; a < im.attempt_event.size(); ++a) event_attempt[im.attempt_event[a]] = a;
  for (size_t k = 1; k < tokenless.size(); ++k) {
    const Event& a = r.events[tokenless[k - 1]];
    const Event& b = r.events[tokenless[k]];
    const uint32_t wa = opt.by_role ? a.role : a.principal, wb = opt.by_role ? b.role : b.principal;
    if (std::tie(a.account, a.region, wa, a.agent, a.params) != std::tie(b.account, b.region, wb, b.agent, b.params)) continue;
    if (b.at_us - a.at_us > opt.window.us || a.reservation == b.reservation) continue;
    Duplicate d;
    d.caller = caller_of(b);
    d.agent = r.names[b.agent];
    d.account = r.names[b.account];
    d.region = r.names[b.region];
    d.first_event = r.event_id(a);
    d.second_event = r.event_id(b);
    d.first_reservation = r.reservations[a.reservation];
    d.second_reservation = r.reservations[b.reservation];
    d.first_us = a.at_us;
    d.second_us = b.at_us;
    d.params = params_text(r.params[b.params]);
    out.duplicates.push_back(d);
    extra_attempts.push_back(event_attempt[tokenless[k]]);
    extra_why.push_back("suspected duplicate");
  }
  std::sort(out.duplicates.begin(), out.duplicates.end(), [](const Duplicate& x, const Duplicate& y) {
    return std::tie(x.second_us, x.second_event) < std::tie(y.second_us, y.second_event);
  });
  // Leaks: each launch one too many, what it put up and how long each instance lived.
  for (const model::Finding& f : out.findings)
    for (uint32_t a : f.bad_launches) {
      extra_attempts.push_back(a);
      extra_why.push_back(std::string(model::property_name(f.property)));
    }
  std::vector<bool> done(ledger.attempts.size(), false);
  for (size_t k = 0; k < extra_attempts.size(); ++k) {
    const uint32_t a = extra_attempts[k];
    if (a == kNone || a >= ledger.launch_of.size() || done[a] || ledger.launch_of[a] == kNone) continue;
    done[a] = true;
    const model::Ledger::Launch& launch = ledger.launches[ledger.launch_of[a]];
    const Event& e = r.events[im.attempt_event[a]];
    Leak leak;
    leak.why = extra_why[k];
    leak.reservation = r.reservations[e.reservation];
    leak.token = e.token == kNo ? std::string() : r.tokens[e.token];
    leak.caller = caller_of(e) + " " + parse_user_agent(r.names[e.agent]).product;
    leak.launched_us = e.at_us;
    for (uint32_t m = launch.first; m < launch.first + launch.count; ++m) {
      Leak::Instance x;
      x.id = r.instances[im.inst_raw[m - 1]];
      const int64_t by = im.terminated_by[m - 1];
      if (by >= 0) {
        const Event& t = r.events[static_cast<size_t>(by)];
        x.gone_us = t.at_us;
        x.by = caller_of(t) + " " + parse_user_agent(r.names[t.agent]).product;
      }
      const int64_t end = x.gone_us.value_or(out.last_us);
      leak.instance_us += std::max<int64_t>(0, end - e.at_us);
      leak.instances.push_back(x);
    }
    out.leaked_instance_us += leak.instance_us;
    out.leaked_instances += leak.instances.size();
    if (leak.why == "suspected duplicate") {
      out.suspected_instance_us += leak.instance_us;
      out.suspected_instances += leak.instances.size();
    }
    out.leaks.push_back(std::move(leak));
  }
  std::sort(out.leaks.begin(), out.leaks.end(), [](const Leak& x, const Leak& y) {
    return std::tie(x.launched_us, x.reservation) < std::tie(y.launched_us, y.reservation);
  });
  // The fleet's callers, by the SDK their User-Agent names.
  std::map<std::string, Caller> callers;
  std::map<std::string, std::vector<uint32_t>> principals;
  for (uint32_t i : im.order) {
    const Event& e = r.events[i];
    const Agent ag = parse_user_agent(r.names[e.agent]);
    Caller& c = callers[ag.product];
    c.product = ag.product;
    principals[ag.product].push_back(opt.by_role ? e.role : e.principal);
    if (e.call == Call::run) {
      ++c.launches;
      if (e.token == kNo) ++c.tokenless;
    } else {
      ++c.terminations;
    }
    if (e.other || e.code != Code::Ok) ++c.errors;
  }
  for (const auto& [who_agent, n] : r.describes_by) {
    const auto& [principal, role, agent] = who_agent;
    const Agent ag = parse_user_agent(r.names[agent]);
    Caller& c = callers[ag.product];
    c.product = ag.product;
    c.describes += n;
    principals[ag.product].push_back(opt.by_role ? role : principal);
  }
  {
    std::vector<uint32_t> once = extra_attempts;  // an attempt two findings name launched one too many once
    std::sort(once.begin(), once.end());
    once.erase(std::unique(once.begin(), once.end()), once.end());
    for (uint32_t a : once) {
      if (a == kNone || a >= im.attempt_event.size()) continue;
      ++callers[parse_user_agent(r.names[r.events[im.attempt_event[a]].agent]).product].duplicates;
    }
  }
  for (auto& [product, c] : callers) {
    std::vector<uint32_t>& ps = principals[product];
    std::sort(ps.begin(), ps.end());
    c.principals = static_cast<uint64_t>(std::unique(ps.begin(), ps.end()) - ps.begin());
    const Agent ag = parse_user_agent(product);
    if (!ag.sdk.empty()) {
      std::string why;
      if (auto policy = model::sdk_profile(ag.sdk, ag.version, &why)) {
        c.sdk = ag.sdk + " " + ag.version;
        c.profile = std::string(model::policy_name(policy->kind));
      } else {
        c.profile = "no profile: " + why;
      }
    } else {
      c.profile = "no profile: not an SDK idemsim models (" + std::string(model::known_sdks()) + ")";
    }
    out.callers.push_back(c);
  }
  for (uint32_t raw : im.inst_raw) out.instances.push_back(r.instances[raw]);
  out.reservations.resize(im.res_attempt.size());
  for (uint32_t raw = 0; raw < im.res_model.size(); ++raw)
    if (im.res_model[raw]) out.reservations[im.res_model[raw] - 1] = r.reservations[raw];
  out.log = std::move(log);
  return out;
}

}  // namespace idem::audit
