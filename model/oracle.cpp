#include "model/oracle.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace idem::model {

namespace {

using Scope = std::tuple<uint32_t, std::string, std::string>;  // region, zone, token

std::string scope_text(const Scope& s, const std::vector<std::string>& regions) {
  std::string out = "token " + std::get<2>(s) + " in " + regions.at(std::get<0>(s));
  if (!std::get<1>(s).empty()) out += "/" + std::get<1>(s);
  return out;
}

std::string response_text(const Response& r) {
  if (!r.ok()) return std::to_string(r.status()) + " " + std::string(code_name(r.code));
  std::string out = "200 " + reservation_name(r.reservation);
  if (r.count > 0) {
    out += " " + instance_name(r.first_instance);
    if (r.count > 1) out += "+" + std::to_string(r.count - 1);
  }
  return out;
}

class Checker {
 public:
  explicit Checker(const OracleInput& in) : in_(in), h_(in.history), s_(in.service) {}

  std::vector<Violation> run() {
    index();
    token_instances();
    intent_instances();
    same_response();
    mismatch_no_launch();
    scope_separate();
    return std::move(out_);
  }

 private:
  const CallRecord& call_of(uint64_t attempt) const { return h_.calls[h_.attempts[attempt].call]; }
  std::string client_of(const CallRecord& c) const { return h_.clients[c.client].label; }

  Scope scope_of(const CallRecord& c) const {
    return {c.request.region, s_.scope_zone(c.request), c.request.token};
  }

  void index() {
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const CallRecord& c = call_of(a);
      if (c.api == Api::run && c.request.has_token) by_scope_[scope_of(c)].push_back(a);
    }
    for (const Reservation& r : s_.reservations())
      if (r.has_token) launches_[Scope{r.region, r.zone, r.token}].push_back(&r);
  }

  void add_attempt_steps(Violation& v, const std::vector<uint32_t>& attempts) const {
    for (uint32_t a : attempts) {
      const AttemptRecord& at = h_.attempts[a];
      const CallRecord& c = call_of(a);
      std::string head = client_of(c) + " call " + std::to_string(at.call) + " attempt " +
                         std::to_string(at.number) + " " + std::string(api_name(c.api));
      if (c.request.has_token) head += " token=" + c.request.token;
      v.events.push_back({at.sent, head + " sent"});
      if (!at.done) continue;
      v.events.push_back({at.ended, head + (at.end == AttemptEnd::timeout
                                                ? std::string(" timed out (outcome unknown)")
                                                : " answered " + response_text(at.response))});
    }
  }

  void add_launch_steps(Violation& v, const std::vector<const Reservation*>& rs) const {
    for (const Reservation* r : rs) {
      const CallRecord& c = call_of(r->tag);
      v.events.push_back({r->at, "service launched " + reservation_name(r->id) + " (" +
                                      std::to_string(r->count) + " instance(s), type " +
                                      r->params.type + ") for " + client_of(c) + " call " +
                                      std::to_string(h_.attempts[r->tag].call) + " attempt " +
                                      std::to_string(h_.attempts[r->tag].number)});
    }
  }

  void finish(Violation& v) {
    std::stable_sort(v.events.begin(), v.events.end(),
                     [](const Violation::Step& a, const Violation::Step& b) { return a.at < b.at; });
    out_.push_back(std::move(v));
  }

  void token_instances() {
    for (const auto& [scope, rs] : launches_) {
      uint32_t total = 0;
      for (const Reservation* r : rs) total += r->count;
      const uint32_t allowed = static_cast<uint32_t>(rs.front()->params.max);
      if (rs.size() <= 1 && total <= allowed) continue;
      Violation v;
      v.property = "token-instances";
      v.subject = scope_text(scope, in_.region_names);
      v.instances = total;
      v.intended = allowed;
      v.detail = std::to_string(rs.size()) + " reservations with " + std::to_string(total) +
                 " instances under one token (at most 1 reservation of " + std::to_string(allowed) +
                 " allowed)";
      add_launch_steps(v, rs);
      auto it = by_scope_.find(scope);
      if (it != by_scope_.end()) add_attempt_steps(v, it->second);
      finish(v);
    }
  }

  void intent_instances() {
    const std::vector<IntentCount> counts = count_by_intent(h_, s_);
    std::vector<std::vector<const Reservation*>> by_intent(h_.intents.size());
    for (const Reservation& r : s_.reservations()) by_intent[call_of(r.tag).intent].push_back(&r);
    for (uint32_t i = 0; i < h_.intents.size(); ++i) {
      const IntentRecord& intent = h_.intents[i];
      if (counts[i].launched <= static_cast<uint32_t>(intent.intended)) continue;
      Violation v;
      v.property = "intent-instances";
      v.subject = "intent " + h_.clients[intent.client].label + "/" + std::to_string(intent.index);
      v.instances = counts[i].launched;
      v.intended = static_cast<uint32_t>(intent.intended);
      v.leaked = counts[i].leaked;
      v.detail = std::to_string(v.instances) + " instances launched for an intent of at most " +
                 std::to_string(v.intended) + "; " + std::to_string(v.leaked) +
                 " of them never reported to the client (leaked)";
      add_launch_steps(v, by_intent[i]);
      std::vector<uint32_t> attempts;
      for (uint32_t c : intent.calls)
        if (h_.calls[c].api == Api::run)
          attempts.insert(attempts.end(), h_.calls[c].attempts.begin(), h_.calls[c].attempts.end());
      add_attempt_steps(v, attempts);
      finish(v);
    }
  }

  void same_response() {
    for (const auto& [scope, attempts] : by_scope_) {
      const AttemptRecord* first = nullptr;
      std::vector<uint32_t> oks;
      bool differs = false;
      for (uint32_t a : attempts) {
        const AttemptRecord& at = h_.attempts[a];
        if (!at.done || at.end != AttemptEnd::ok) continue;
        oks.push_back(a);
        if (!first) first = &at;
        else if (!first->response.same_as(at.response)) differs = true;
      }
      if (!differs) continue;
      Violation v;
      v.property = "same-response";
      v.subject = scope_text(scope, in_.region_names);
      v.detail = "successful repeats of one token named different reservations or instances";
      add_attempt_steps(v, oks);
      finish(v);
    }
  }

  void mismatch_no_launch() {
    for (const Reservation& r : s_.reservations()) {
      const AttemptRecord& at = h_.attempts[r.tag];
      if (at.done && at.response.code == Code::IdempotentParameterMismatch) {
        Violation v;
        v.property = "mismatch-no-launch";
        v.subject = "token " + r.token + " in " + in_.region_names.at(r.region);
        v.instances = r.count;
        v.detail = "a request answered IdempotentParameterMismatch launched " + reservation_name(r.id);
        add_launch_steps(v, {&r});
        add_attempt_steps(v, {static_cast<uint32_t>(r.tag)});
        finish(v);
      }
    }
    for (const auto& [scope, rs] : launches_) {
      for (const Reservation* r : rs) {
        const LaunchParams& a = rs.front()->params;
        const LaunchParams& b = r->params;
        if (a.image == b.image && a.type == b.type && a.key == b.key && a.min == b.min && a.max == b.max)
          continue;
        Violation v;
        v.property = "mismatch-no-launch";
        v.subject = scope_text(scope, in_.region_names);
        v.instances = r->count;
        v.detail = reservation_name(r->id) + " launched with parameters other than the token's first";
        add_launch_steps(v, rs);
        finish(v);
        break;
      }
    }
  }

  void scope_separate() {
    const auto& rs = s_.reservations();
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const AttemptRecord& at = h_.attempts[a];
      const CallRecord& c = call_of(a);
      if (c.api != Api::run || !at.done || at.end != AttemptEnd::ok || at.response.reservation == 0)
        continue;
      const Reservation& r = rs.at(at.response.reservation - 1);
      const std::string zone = s_.scope_zone(c.request);
      if (r.region == c.request.region && (zone.empty() || r.zone == zone) &&
          r.token == c.request.token)
        continue;
      Violation v;
      v.property = "scope-separate";
      v.subject = "token " + c.request.token + " in " + in_.region_names.at(c.request.region);
      v.detail = "answered with " + reservation_name(r.id) + " of " + in_.region_names.at(r.region) +
                 (r.zone.empty() ? "" : "/" + r.zone) + ", another scope";
      add_attempt_steps(v, {a});
      finish(v);
    }
  }

  const OracleInput& in_;
  const History& h_;
  const Service& s_;
  std::map<Scope, std::vector<uint32_t>> by_scope_;
  std::map<Scope, std::vector<const Reservation*>> launches_;
  std::vector<Violation> out_;
};

}  // namespace

std::vector<IntentCount> count_by_intent(const History& h, const Service& s) {
  std::vector<IntentCount> out(h.intents.size());
  for (const Reservation& r : s.reservations()) {
    const uint32_t intent = h.calls[h.attempts[r.tag].call].intent;
    out[intent].launched += r.count;
    const Response& got = h.intents[intent].learned;
    if (!(got.ok() && got.reservation == r.id)) out[intent].leaked += r.count;
  }
  return out;
}

std::vector<Violation> check(const OracleInput& in) { return Checker(in).run(); }

}  // namespace idem::model
