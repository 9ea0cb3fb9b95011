#include "model/oracle.h"

#include <algorithm>
#include <tuple>

namespace idem::model {

namespace {

using Scope = std::tuple<uint32_t, std::string, Token>;  // region, zone, token

std::string scope_text(const Scope& s, const std::vector<std::string>& regions) {
  std::string out = "token " + std::get<2>(s).str() + " in " + regions.at(std::get<0>(s));
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

// Values grouped by scope. The scopes are sorted through an index (they are large to move), and
// the sort is stable, so within a scope values keep the order they were added in.
template <typename T>
class ByScope {
 public:
  void add(Scope s, T v) {
    keys_.push_back(std::move(s));
    values_.push_back(v);
  }
  void seal() {
    order_.resize(keys_.size());
    for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(), [this](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
  }
  // f(scope, values) for each scope, in scope order.
  template <typename F>
  void each(F f) const {
    std::vector<T> group;
    for (size_t i = 0; i < order_.size();) {
      group.clear();
      const Scope& key = keys_[order_[i]];
      size_t j = i;
      while (j < order_.size() && keys_[order_[j]] == key) group.push_back(values_[order_[j++]]);
      f(key, group);
      i = j;
    }
  }
  std::vector<T> find(const Scope& s) const {
    auto lo = std::lower_bound(order_.begin(), order_.end(), s,
                               [this](uint32_t i, const Scope& key) { return keys_[i] < key; });
    std::vector<T> out;
    for (; lo != order_.end() && keys_[*lo] == s; ++lo) out.push_back(values_[*lo]);
    return out;
  }

 private:
  std::vector<Scope> keys_;
  std::vector<T> values_;
  std::vector<uint32_t> order_;
};

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
      if (c.api == Api::run && c.request.has_token) by_scope_.add(scope_of(c), a);
    }
    for (const Reservation& r : s_.reservations())
      if (r.has_token) launches_.add(Scope{r.region, r.zone, r.token}, &r);
    by_scope_.seal();
    launches_.seal();
  }

  void add_attempt_steps(Violation& v, const std::vector<uint32_t>& attempts) const {
    for (uint32_t a : attempts) {
      const AttemptRecord& at = h_.attempts[a];
      const CallRecord& c = call_of(a);
      std::string head = client_of(c) + " call " + std::to_string(at.call) + " attempt " +
                         std::to_string(at.number) + " " + std::string(api_name(c.api));
      if (c.request.has_token) head += (c.api == Api::describe ? " client-token=" : " token=") + c.request.token.str();
      v.events.push_back({at.sent, head + " sent"});
      if (!at.done) continue;
      std::string how;
      if (at.end == AttemptEnd::timeout) how = " timed out (outcome unknown)";
      else if (c.api == Api::describe && at.response.ok())
        how = at.response.count == 0 ? " found nothing" : " found " + response_text(at.response).substr(4);
      else how = " answered " + response_text(at.response);
      v.events.push_back({at.ended, head + how});
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
    launches_.each([&](const Scope& scope, const std::vector<const Reservation*>& rs) {
      uint32_t total = 0;
      for (const Reservation* r : rs) total += r->count;
      const uint32_t allowed = static_cast<uint32_t>(rs.front()->params.max);
      if (rs.size() <= 1 && total <= allowed) return;
      Violation v;
      v.property = "token-instances";
      v.subject = scope_text(scope, in_.region_names);
      v.instances = total;
      v.intended = allowed;
      v.detail = std::to_string(rs.size()) + " reservations with " + std::to_string(total) +
                 " instances under one token (at most 1 reservation of " + std::to_string(allowed) +
                 " allowed)";
      add_launch_steps(v, rs);
      add_attempt_steps(v, by_scope_.find(scope));
      finish(v);
    });
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
        if (h_.calls[c].api != Api::terminate)
          attempts.insert(attempts.end(), h_.calls[c].attempts.begin(), h_.calls[c].attempts.end());
      add_attempt_steps(v, attempts);
      finish(v);
    }
  }

  void same_response() {
    by_scope_.each([&](const Scope& scope, const std::vector<uint32_t>& attempts) {
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
      if (!differs) return;
      Violation v;
      v.property = "same-response";
      v.subject = scope_text(scope, in_.region_names);
      v.detail = "successful repeats of one token named different reservations or instances";
      add_attempt_steps(v, oks);
      finish(v);
    });
  }

  void mismatch_no_launch() {
    for (const Reservation& r : s_.reservations()) {
      const AttemptRecord& at = h_.attempts[r.tag];
      if (at.done && at.response.code == Code::IdempotentParameterMismatch) {
        Violation v;
        v.property = "mismatch-no-launch";
        v.subject = "token " + r.token.str() + " in " + in_.region_names.at(r.region);
        v.instances = r.count;
        v.detail = "a request answered IdempotentParameterMismatch launched " + reservation_name(r.id);
        add_launch_steps(v, {&r});
        add_attempt_steps(v, {static_cast<uint32_t>(r.tag)});
        finish(v);
      }
    }
    launches_.each([&](const Scope& scope, const std::vector<const Reservation*>& rs) {
      for (const Reservation* r : rs) {
        if (same_launch_parameters(rs.front()->params, r->params)) continue;
        Violation v;
        v.property = "mismatch-no-launch";
        v.subject = scope_text(scope, in_.region_names);
        v.instances = r->count;
        v.detail = reservation_name(r->id) + " launched with parameters other than the token's first";
        add_launch_steps(v, rs);
        finish(v);
        break;
      }
    });
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
      v.subject = "token " + c.request.token.str() + " in " + in_.region_names.at(c.request.region);
      v.detail = "answered with " + reservation_name(r.id) + " of " + in_.region_names.at(r.region) +
                 (r.zone.empty() ? "" : "/" + r.zone) + ", another scope";
      add_attempt_steps(v, {a});
      finish(v);
    }
  }

  const OracleInput& in_;
  const History& h_;
  const Service& s_;
  ByScope<uint32_t> by_scope_;  // attempts of RunInstances calls with a token
  ByScope<const Reservation*> launches_;
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
