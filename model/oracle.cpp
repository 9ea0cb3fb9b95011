#include "model/oracle.h"

#include <algorithm>
#include <optional>

#include "sim/trace.h"

namespace idem::model {

bool token_is_valid(const Token& token) {
  if (token.size() < 1 || token.size() > 64) return false;
  for (char c : token.view())
    if (static_cast<unsigned char>(c) >= 128) return false;
  return true;
}

bool same_parameters(const LaunchParams& a, const LaunchParams& b) {
  return a.image == b.image && a.type == b.type && a.key == b.key && a.subnet == b.subnet && a.min == b.min &&
         a.max == b.max;
}

namespace {

// The 400 the rules give a request whose parameters are not valid in its Region, or nothing.
// It restates the service's validation on purpose: the oracle judges the service, so it keeps its
// own reading of the rules rather than calling the code under test.
std::optional<Code> invalid_parameters(const RunRequest& req, const ServiceConfig& cfg) {
  const LaunchParams& p = req.params;
  if (p.min < 1 || p.max < p.min || p.image.empty() || p.type.empty()) return Code::InvalidParameterValue;
  const RegionSpec& region = cfg.regions.at(req.region);
  if (!p.zone.empty() && std::find(region.zones.begin(), region.zones.end(), p.zone) == region.zones.end())
    return Code::InvalidParameterValue;
  if (!p.subnet.empty()) {
    auto it = region.subnets.find(p.subnet);
    if (it == region.subnets.end()) return Code::InvalidSubnetIDNotFound;
    if (!p.zone.empty() && it->second != p.zone) return Code::InvalidParameterValue;
  }
  return std::nullopt;
}

std::string response_text(const Response& r) {
  if (!r.ok()) return std::to_string(r.status()) + " " + std::string(code_name(r.code));
  std::string out = "200 " + reservation_name(r.reservation);
  if (r.count > 0) {
    out += " " + instance_name(r.first_instance);
    if (r.count > 1) out += "+" + std::to_string(r.count - 1);
  } else {
    out += " with no instances";
  }
  return out;
}

// A launch the service made, or took on and had not finished at the time limit.
struct Launch {
  uint32_t reservation = 0;  // 0: still in flight at the limit
  uint32_t first = 0;
  uint32_t count = 0;        // in flight: the most it could launch (MaxCount)
  Time at;
  uint32_t attempt = 0;      // the request that made it
  bool after_expiry = false; // made by a repeat of a 2013 token past its retention
  std::string name() const {
    return reservation ? reservation_name(reservation) : "a launch in flight at the time limit";
  }
};

// A token's scope: (account, Region, zone) + token. zone 0 is the regional scope, else 1 + the zone's
// index in its Region. The token is the attempt's own (pointed to, not copied: keys are made for
// every attempt of a run).
struct ScopeKey {
  uint32_t region = 0;
  uint32_t zone = 0;
  const Token* token = nullptr;
  uint32_t account = 0;
  friend bool operator==(const ScopeKey& a, const ScopeKey& b) {
    return *a.token == *b.token && a.region == b.region && a.zone == b.zone && a.account == b.account;
  }
  friend bool operator<(const ScopeKey& a, const ScopeKey& b) {
    if (*a.token != *b.token) return *a.token < *b.token;
    if (a.account != b.account) return a.account < b.account;
    if (a.region != b.region) return a.region < b.region;
    return a.zone < b.zone;
  }
};

// What the rules say a request must get.
enum class Expect : uint8_t { launch, invalid, bad_parameters, mismatch, terminated };

class Checker {
 public:
  Checker(const OracleInput& in, OracleCounts* counts)
      : in_(in), h_(in.history), s_(in.service), cfg_(in.config), counts_(counts) {}

  std::vector<Violation> run() {
    logical_intents();
    collect_launches();
    scopes();
    untokened();
    others();
    launch_contents();
    intents();
    if (in_.promises) promises(*in_.promises);
    return std::move(out_);
  }

 private:
  // ---- what the service visibly did

  void collect_launches() {
    launch_of_.assign(h_.attempts.size(), -1);
    for (const Reservation& r : s_.reservations()) {
      Launch l;
      l.reservation = r.id;
      l.first = r.first_instance;
      l.count = r.count;
      l.at = r.at;
      l.attempt = static_cast<uint32_t>(r.tag);
      add_launch(l);
    }
    for (uint64_t tag : s_.in_flight_tags()) {
      Launch l;
      l.attempt = static_cast<uint32_t>(tag);
      l.count = static_cast<uint32_t>(call_of(l.attempt).request.params.max);
      l.at = h_.attempts[l.attempt].taken;
      add_launch(l);
      if (counts_) ++counts_->launches_in_flight;
    }
  }

  void add_launch(const Launch& l) {
    if (l.attempt < launch_of_.size()) launch_of_[l.attempt] = static_cast<int32_t>(launches_.size());
    launches_.push_back(l);
  }

  const CallRecord& call_of(uint32_t attempt) const { return h_.calls[h_.attempts[attempt].call]; }
  const std::string& region_name(uint32_t r) const { return cfg_.regions.at(r).name; }

  // When every instance of `l` has terminated (termination asked for, plus terminate_time), or
  // nothing when one of them has not been asked to terminate.
  std::optional<Time> terminated_at(const Launch& l) const {
    if (!l.reservation || l.count == 0) return std::nullopt;
    Time last;
    for (uint32_t i = 0; i < l.count; ++i) {
      const Instance& inst = s_.instances().at(l.first + i - 1);
      if (!inst.terminate_requested) return std::nullopt;
      last = std::max(last, *inst.terminate_requested + cfg_.terminate_time);
    }
    return last;
  }

  // ---- the oracle's own rule 4

  uint32_t zone_index(uint32_t region, const std::string& zone) const {
    const auto& zones = cfg_.regions.at(region).zones;
    for (uint32_t i = 0; i < zones.size(); ++i)
      if (zones[i] == zone) return i + 1;
    return static_cast<uint32_t>(zones.size()) + 1;  // not a zone of the Region (never valid)
  }

  ScopeKey scope_of(uint32_t attempt) const {
    const AttemptRecord& a = h_.attempts[attempt];
    const RunRequest& req = call_of(attempt).request;
    ScopeKey k{req.region, 0, &a.token, req.account};
    if (cfg_.semantics == Semantics::current) {
      if (!req.params.zone.empty()) {
        k.zone = zone_index(req.region, req.params.zone);
      } else if (!req.params.subnet.empty()) {
        const auto& subnets = cfg_.regions.at(req.region).subnets;
        auto it = subnets.find(req.params.subnet);
        if (it != subnets.end()) k.zone = zone_index(req.region, it->second);
      }
    }
    return k;
  }

  std::string scope_text(const ScopeKey& k) const {
    std::string out = "token " + sim::escaped(k.token->view()) + " in " + region_name(k.region);
    if (cfg_.accounts.size() > 1) out = "account " + cfg_.accounts.at(k.account) + " " + out;
    if (k.zone) {
      const auto& zones = cfg_.regions.at(k.region).zones;
      out += "/" + (k.zone <= zones.size() ? zones[k.zone - 1] : std::string("?"));
    }
    return out;
  }

  // ---- judging one answer

  // The answer the client received for attempt `a`, in time or late, or nothing.
  const Response* answer_of(uint32_t a) const {
    const AttemptRecord& at = h_.attempts[a];
    if (at.done && at.end != AttemptEnd::timeout) return &at.response;
    return at.late ? &at.late_response : nullptr;
  }

  // Why the answer of attempt `a` is not allowed, or "" when it is.
  std::string wrong_answer(uint32_t a, Expect e, const Launch* r) const {
    const Response* answer = answer_of(a);
    if (!answer) return "";                 // no answer: says nothing
    // The service never took it in: its answer came from a fault on the way (a storm, a
    // transient error), not from the service.
    if (h_.attempts[a].taken_order == AttemptRecord::kNotTaken) return "";
    const Response& got = *answer;
    if (got.status() >= 500) return "";     // 5xx: may or may not have happened
    switch (e) {
      case Expect::invalid:
        if (got.code == Code::InvalidParameterValue) return "";
        return "rule 1: a token must be 1 to 64 ASCII characters, so the answer must be 400 InvalidParameterValue";
      case Expect::bad_parameters:
        if (got.code == Code::InvalidParameterValue || got.code == Code::InvalidSubnetIDNotFound) return "";
        return "the parameters are not valid in this Region (zone, subnet, image, type or counts), so the answer "
               "must be a 400 that launches and records nothing";
      case Expect::mismatch:
        if (got.code == Code::IdempotentParameterMismatch) return "";
        return "rule 3: other parameters than the token's first request must get 400 IdempotentParameterMismatch";
      case Expect::terminated:
        if (got.code == Code::IdempotentInstanceTerminated) return "";
        return "rule 5 (current): once the token's instances terminated, a repeat must get 400 "
               "IdempotentInstanceTerminated";
      case Expect::launch:
        if (r && r->reservation && got.ok() && got.reservation == r->reservation && got.first_instance == r->first &&
            got.count == r->count)
          return "";
        if (!r || !r->reservation)
          return "rule 2/4: nothing was launched under this token in this scope, so no 200 can name a reservation";
        return "rule 2: a repeat must get the same answer, 200 " +
               response_text(Response{Code::Ok, r->reservation, r->first, r->count}).substr(4);
    }
    return "";
  }

  // ---- rules 1-5 and 7, per token scope in the order the service took requests in

  void scopes() {
    std::vector<uint32_t> order;
    std::vector<ScopeKey> keys(h_.attempts.size());
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const AttemptRecord& at = h_.attempts[a];
      if (call_of(a).api != Api::run || !at.has_token) continue;
      if (!token_is_valid(at.token) || invalid_parameters(call_of(a).request, cfg_)) {
        invalid_.push_back(a);  // a 400 that records nothing: it takes no part in the token's life
        continue;
      }
      keys[a] = scope_of(a);
      order.push_back(a);
    }
    // Requests the service never took in (lost, or turned away by a fault) sort last; their
    // answers are 5xx or nothing, which the rules always allow.
    std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      if (!(keys[x] == keys[y])) return keys[x] < keys[y];
      return h_.attempts[x].taken_order < h_.attempts[y].taken_order;
    });
    for (size_t i = 0; i < order.size();) {
      size_t j = i;
      while (j < order.size() && keys[order[j]] == keys[order[i]]) ++j;
      scope(keys[order[i]], order.data() + i, order.data() + j);
      i = j;
    }
  }

  void scope(const ScopeKey& key, const uint32_t* begin, const uint32_t* end) {
    const LaunchParams* first = nullptr;  // the first request of the token's current life
    Launch* current = nullptr;           // its reservation
    std::vector<uint32_t> extra;          // launches beyond the one allowed
    std::vector<uint32_t> bad;            // attempts with a wrong answer or a forbidden launch
    std::string why;
    uint32_t owner = UINT32_MAX, other = UINT32_MAX;  // the logical intents that used the token
    for (const uint32_t* p = begin; p != end; ++p) {
      const uint32_t a = *p;
      const AttemptRecord& at = h_.attempts[a];
      // A collision is the callers' doing: a token sent by two intents is one, whether or not
      // the service ever saw the second (lost, throttled, refused).
      const uint32_t by = logical_[call_of(a).intent];
      if (owner == UINT32_MAX) owner = by;
      else if (by != owner && other == UINT32_MAX) other = by;
      // Taken in but answered 503 with the token store down (the service could neither read
      // nor record the token), or taken in by a frontend that crashed before it launched
      // anything (the service's recovery releases such a record): the request takes no part in
      // the token's life.
      if (at.taken_order == AttemptRecord::kNotTaken || at.store_down) continue;
      if (at.fate == Fate::crashed && launch_of_[a] < 0) continue;
      const LaunchParams& params = call_of(a).request.params;
      const int32_t li = launch_of_[a];
      Launch* launched = li >= 0 ? &launches_[static_cast<size_t>(li)] : nullptr;
      const std::optional<Time> ended = current ? terminated_at(*current) : std::nullopt;
      const bool gone = ended && at.taken >= *ended;
      // 2013: past the retention the token may be forgotten ("at least 24 hours"); a repeat that
      // then launches starts the token's life anew.
      if (gone && cfg_.semantics == Semantics::v2013 && at.taken - *ended >= cfg_.token_retention && launched) {
        first = nullptr;
        current = nullptr;
        launched->after_expiry = true;
      }
      Expect e = Expect::launch;
      if (!first) first = &params;
      else if (!same_parameters(*first, params)) e = Expect::mismatch;
      else if (current && gone && cfg_.semantics == Semantics::current) e = Expect::terminated;
      bool forbidden = false;
      if (launched) {
        if (e != Expect::launch) {
          forbidden = true;
          if (why.empty()) why = "a request that must get " + std::string(e == Expect::mismatch ? "IdempotentParameterMismatch" : "IdempotentInstanceTerminated") + " launched " + launched->name();
        } else if (!current) {
          current = launched;
          if (launched->reservation && (launched->count < static_cast<uint32_t>(first->min) ||
                                        launched->count > static_cast<uint32_t>(first->max)))
            extra.push_back(static_cast<uint32_t>(li));
        } else {
          extra.push_back(static_cast<uint32_t>(li));
        }
      }
      const std::string w = wrong_answer(a, e, current);
      if (!w.empty() && why.empty()) why = "answered " + response_text(*answer_of(a)) + "; " + w;
      if (!w.empty() || forbidden) bad.push_back(a);
    }
    if (!bad.empty()) {
      Violation v;
      v.property = "answers";
      v.group = group_of_attempt(bad.front());
      v.subject = scope_text(key);
      v.detail = std::to_string(bad.size()) + " answer(s) the rules do not allow; first: " + why;
      for (uint32_t a : bad)
        if (launch_of_[a] >= 0) v.bad_launches.push_back(a);
      add_attempt_steps(v, std::vector<uint32_t>(begin, end), &bad);
      add_launch_steps(v, launches_in(begin, end));
      finish(v);
    }
    if (other != UINT32_MAX) {
      // Incident 2: a token names one launch. Two intents that send it are a collision, whether
      // the second is answered with the first's reservation or with a mismatch.
      Violation v;
      v.property = "token-collision";
      v.group = group_of_attempt(*begin);
      v.subject = scope_text(key);
      const bool one_group = group_of_intent(h_.intents[head_[owner]]) == group_of_intent(h_.intents[head_[other]]);
      v.detail = "one token used by two intents, " + intent_text(h_.intents[head_[owner]]) + " and " +
                 intent_text(h_.intents[head_[other]]) + ": a token names one launch" +
                 (one_group ? " (two clients or intents of one group send it: a group with a token value of its own "
                              "launches once, so give it count: 1 and intents: 1, or a token per intent)"
                            : " (name them one `intent` if they are the same launch)");
      add_attempt_steps(v, std::vector<uint32_t>(begin, end));
      add_launch_steps(v, launches_in(begin, end));
      finish(v);
    }
    if (!extra.empty()) {
      std::vector<const Launch*> all = launches_in(begin, end);
      uint32_t total = 0;
      for (const Launch* l : all) total += l->count;
      Violation v;
      v.property = "token-instances";
      v.group = group_of_attempt(extra.empty() ? *begin : launches_[extra.front()].attempt);
      v.subject = scope_text(key);
      v.instances = total;
      v.intended = first ? static_cast<uint32_t>(first->max) : 0;
      v.detail = std::to_string(all.size()) + " launches with " + std::to_string(total) +
                 " instances under one token (exactly 1 reservation of " + std::to_string(first ? first->min : 0) +
                 " to " + std::to_string(v.intended) + " instances allowed)";
      for (uint32_t li : extra) v.bad_launches.push_back(launches_[li].attempt);
      add_launch_steps(v, all);
      add_attempt_steps(v, std::vector<uint32_t>(begin, end));
      finish(v);
    }
  }

  std::vector<const Launch*> launches_in(const uint32_t* begin, const uint32_t* end) const {
    std::vector<const Launch*> out;
    for (const uint32_t* p = begin; p != end; ++p)
      if (launch_of_[*p] >= 0) out.push_back(&launches_[static_cast<size_t>(launch_of_[*p])]);
    return out;
  }

  // ---- requests with no token (rule 6) or an invalid one (rule 1)

  void untokened() {
    // Requests without a token but with invalid parameters are judged with the invalid tokens.
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const AttemptRecord& at = h_.attempts[a];
      if (call_of(a).api == Api::run && !at.has_token && invalid_parameters(call_of(a).request, cfg_))
        invalid_.push_back(a);
    }
    for (uint32_t a : invalid_) {
      const bool bad_token = h_.attempts[a].has_token && !token_is_valid(h_.attempts[a].token);
      const std::string w = wrong_answer(a, bad_token ? Expect::invalid : Expect::bad_parameters, nullptr);
      const bool launched = launch_of_[a] >= 0;
      if (w.empty() && !launched) continue;
      Violation v;
      v.property = "answers";
      v.group = group_of_attempt(a);
      v.subject = (h_.attempts[a].has_token ? "token " + sim::escaped(h_.attempts[a].token.view()) : std::string("request without a token")) +
                  " in " + region_name(call_of(a).request.region);
      v.detail = launched ? std::string(bad_token ? "an invalid token" : "a request with invalid parameters") +
                                " launched " + launches_[static_cast<size_t>(launch_of_[a])].name() +
                                "; it must be answered with a 400 and launch nothing"
                          : "answered " + response_text(*answer_of(a)) + "; " + w;
      if (launched) v.bad_launches.push_back(a);  // it must launch nothing
      add_attempt_steps(v, {a});
      if (launched) add_launch_steps(v, {&launches_[static_cast<size_t>(launch_of_[a])]});
      finish(v);
    }
    // Without a token a request launches anew; its 200 names what it launched itself.
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const AttemptRecord& at = h_.attempts[a];
      if (call_of(a).api != Api::run || at.has_token || at.taken_order == AttemptRecord::kNotTaken ||
          invalid_parameters(call_of(a).request, cfg_))
        continue;
      const Launch* own = launch_of_[a] >= 0 ? &launches_[static_cast<size_t>(launch_of_[a])] : nullptr;
      const std::string w = wrong_answer(a, Expect::launch, own);
      if (w.empty()) continue;
      Violation v;
      v.property = "answers";
      v.group = group_of_attempt(a);
      v.subject = "request without a token in " + region_name(call_of(a).request.region);
      v.detail = "answered " + response_text(*answer_of(a)) + "; rule 6: it must name what this request launched";
      add_attempt_steps(v, {a});
      finish(v);
    }
  }

  // ---- DescribeInstances and TerminateInstances answers

  bool visible(const Launch& l, Time t) const { return l.reservation && t - l.at >= cfg_.describe_lag; }
  // An account sees only its own instances in a Region.
  bool same_place(const Launch& l, const RunRequest& req) const {
    const RunRequest& by = call_of(l.attempt).request;
    return by.region == req.region && by.account == req.account;
  }

  void others() {
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const CallRecord& c = call_of(a);
      if (c.api == Api::run || !answer_of(a) || answer_of(a)->status() >= 500) continue;
      const std::string w = c.api == Api::describe ? wrong_describe(a) : wrong_terminate(a);
      if (w.empty()) continue;
      Violation v;
      v.property = "answers";
      v.group = group_of_attempt(a);
      v.subject = std::string(api_name(c.api)) + " in " + region_name(c.request.region);
      v.detail = w;
      add_attempt_steps(v, {a});
      finish(v);
    }
  }

  // Describe filtered by client token: it finds a reservation of that exact token in the Region,
  // with all its instances, or nothing. A launch describe_lag old or older must be found; a
  // younger one may or may not be (eventual consistency: either answer is allowed).
  std::string wrong_describe(uint32_t a) const {
    const AttemptRecord& at = h_.attempts[a];
    const CallRecord& c = call_of(a);
    const Response& got = *answer_of(a);
    bool must_find = false;
    for (const Launch& l : launches_) {
      const AttemptRecord& by = h_.attempts[l.attempt];
      if (!l.reservation || l.at > at.taken || !c.request.has_token || !by.has_token || !(by.token == c.request.token) ||
          !same_place(l, c.request))
        continue;
      must_find = must_find || visible(l, at.taken);
      if (got.ok() && got.reservation == l.reservation && got.first_instance == l.first && got.count == l.count)
        return "";
    }
    if (got.ok() && got.count == 0 && !must_find) return "";
    if (got.ok() && got.count == 0)
      return "DescribeInstances found nothing, but a reservation with that client token was " +
             sim::format_duration(cfg_.describe_lag) + " old or older";
    return "DescribeInstances answered " + response_text(got) +
           ", which is not a reservation of that client token in this Region (with all its instances)";
  }

  // TerminateInstances: 200 when every id is an instance launched in this Region (one younger
  // than describe_lag may also be answered InvalidInstanceID.NotFound), and a 200 must have
  // asked each of them to terminate.
  std::string wrong_terminate(uint32_t a) const {
    const AttemptRecord& at = h_.attempts[a];
    const CallRecord& c = call_of(a);
    const Response& got = *answer_of(a);
    bool all_launched = true, all_visible = true;
    // Finished launches come first in launches_, in reservation order: r-N is launches_[N - 1].
    for (uint32_t id : c.ids) {
      bool launched = false, seen = false;
      if (id >= 1 && id <= s_.instances().size()) {
        const Launch& l = launches_[s_.instances()[id - 1].reservation - 1];
        launched = l.at <= at.taken && same_place(l, c.request);
        seen = launched && visible(l, at.taken);
      }
      all_launched = all_launched && launched;
      all_visible = all_visible && seen;
    }
    if (got.ok() && all_launched) {
      for (uint32_t id : c.ids) {
        const auto& asked = s_.instances()[id - 1].terminate_requested;
        if (!asked || *asked > at.taken)
          return "TerminateInstances answered 200, but " + instance_name(id) + " was not asked to terminate";
      }
      return "";
    }
    if (got.code == Code::InvalidInstanceIDNotFound && !all_visible) return "";
    return "TerminateInstances answered " + response_text(got) + "; it must be " +
           (all_launched ? "200 (every id is an instance of this Region)" : "InvalidInstanceID.NotFound");
  }

  // What each launch holds is what its request asked for: the Region, image and type, and
  // MinCount to MaxCount instances (as DescribeInstances would show them).
  void launch_contents() {
    for (const Launch& l : launches_) {
      if (!l.reservation) continue;
      const Reservation& r = s_.reservations().at(l.reservation - 1);
      const RunRequest& req = call_of(l.attempt).request;
      std::string wrong;
      if (r.region != req.region) wrong = "in " + region_name(r.region);
      else if (r.params.image != req.params.image) wrong = "of image " + r.params.image;
      else if (r.params.type != req.params.type) wrong = "of type " + r.params.type;
      else if (l.count < static_cast<uint32_t>(req.params.min) || l.count > static_cast<uint32_t>(req.params.max))
        wrong = "of " + std::to_string(l.count) + " instances";
      if (wrong.empty()) continue;
      Violation v;
      v.property = "answers";
      v.group = group_of_attempt(l.attempt);
      v.subject = "launch " + reservation_name(l.reservation);
      v.detail = "the service launched " + reservation_name(l.reservation) + " " + wrong +
                 ", not what the request that made it asked for";
      add_launch_steps(v, {&l});
      add_attempt_steps(v, {l.attempt});
      finish(v);
    }
  }

  // ---- per intent

  // Logical intents: intent k of client i of every group naming one intent.
  void logical_intents() {
    logical_.resize(h_.intents.size());
    std::vector<uint32_t> order(h_.intents.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    const bool shared = std::any_of(h_.clients.begin(), h_.clients.end(),
                                    [](const ClientRecord& c) { return c.intent_group != c.group; });
    if (!shared) {  // every intent record is its own logical intent
      head_ = order;
      logical_ = order;
      member_begin_ = order;
      member_begin_.push_back(static_cast<uint32_t>(order.size()));
      members_ = std::move(order);
      return;
    }
    auto key = [&](uint32_t i) {
      const IntentRecord& r = h_.intents[i];
      const ClientRecord& c = h_.clients[r.client];
      return std::make_tuple(c.intent_group, c.index, r.index);
    };
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
    for (size_t i = 0; i < order.size(); ++i) {
      if (i == 0 || key(order[i]) != key(order[i - 1])) {
        head_.push_back(order[i]);
        member_begin_.push_back(static_cast<uint32_t>(i));
      }
      logical_[order[i]] = static_cast<uint32_t>(head_.size() - 1);
    }
    member_begin_.push_back(static_cast<uint32_t>(order.size()));
    members_ = std::move(order);
  }

  void intents() {
    // Launches by logical intent, and the (intent, reservation) pairs of every answer that named
    // a reservation to an intent: flat and sorted, so a run allocates a few vectors, not one per intent.
    // (logical intent, launch index, its share of the launch's instances): a batch call's launch
    // is fanned out in order, MaxCount / batch size to each of its intents while they last.
    std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> launched;
    for (uint32_t li = 0; li < launches_.size(); ++li) {
      const Launch& l = launches_[li];
      const CallRecord& c = call_of(l.attempt);
      if (c.batch.empty()) {
        launched.emplace_back(logical_[c.intent], li, l.count);
        continue;
      }
      const uint32_t per = static_cast<uint32_t>(c.request.params.max) / static_cast<uint32_t>(c.batch.size());
      for (uint32_t j = 0; j < c.batch.size(); ++j) {
        const uint32_t from = j * per;
        launched.emplace_back(logical_[c.batch[j]], li, l.count > from ? std::min(per, l.count - from) : 0);
      }
    }
    std::sort(launched.begin(), launched.end());
    std::vector<std::pair<uint32_t, uint32_t>> answered;  // (logical intent, reservation)
    for (uint32_t a = 0; a < h_.attempts.size(); ++a) {
      const AttemptRecord& at = h_.attempts[a];
      const CallRecord& c = call_of(a);
      if (c.api == Api::terminate || !at.done || at.end != AttemptEnd::ok || !at.response.reservation) continue;
      if (c.batch.empty()) answered.emplace_back(logical_[c.intent], at.response.reservation);
      for (uint32_t i : c.batch) answered.emplace_back(logical_[i], at.response.reservation);
    }
    std::sort(answered.begin(), answered.end());
    answered.erase(std::unique(answered.begin(), answered.end()), answered.end());
    auto named = [&](uint32_t L, uint32_t res) {
      return std::binary_search(answered.begin(), answered.end(), std::make_pair(L, res));
    };
    size_t next_launch = 0, next_answer = 0;
    std::vector<const Launch*> ls;
    for (uint32_t L = 0; L < head_.size(); ++L) {
      const IntentRecord& intent = h_.intents[head_[L]];
      uint32_t total = 0, leaked = 0;
      uint64_t leaked_us = 0;
      bool expired_reuse = false;
      ls.clear();
      uint32_t own = 0;  // instances of launches that happened (not in flight at the limit)
      for (; next_launch < launched.size() && std::get<0>(launched[next_launch]) == L; ++next_launch) {
        const auto [unused, li, share] = launched[next_launch];
        (void)unused;
        const Launch& l = launches_[li];
        if (share == 0) continue;  // a batch's launch that came short of this intent
        ls.push_back(&l);
        total += share;
        own += l.reservation ? share : 0;
        expired_reuse = expired_reuse || l.after_expiry;
        // Leaked: launched, and never named to the intent. A launch still in flight at the limit
        // has no instances yet; it counts toward the intent's total, not as leaked.
        if (l.reservation && !named(L, l.reservation)) {
          leaked += share;
          if (counts_ && in_.promises) {
            const Time end = std::min(terminated_at(l).value_or(in_.promises->limit), in_.promises->limit);
            leaked_us += static_cast<uint64_t>(share) * static_cast<uint64_t>(std::max<int64_t>(0, (end - l.at).us));
          }
        }
      }
      if (counts_) {
        counts_->leaked += leaked;
        const uint32_t g = h_.clients[intent.client].group;
        if (counts_->leaked_by_group.size() <= g) counts_->leaked_by_group.resize(g + 1);
        counts_->leaked_by_group[g] += leaked;
        if (counts_->leaked_us_by_group.size() <= g) counts_->leaked_us_by_group.resize(g + 1);
        counts_->leaked_us_by_group[g] += leaked_us;
      }
      const uint32_t intended = static_cast<uint32_t>(intent.intended);
      // The launch allowed is the one whose request the service took in first, as for a token
      // (scope()): the service's order, which has no ties.
      const auto taken_first = [&](const Launch* x, const Launch* y) {
        return h_.attempts[x->attempt].taken_order < h_.attempts[y->attempt].taken_order;
      };
      if (total > intended || ls.size() > 1) {
        Violation v = about(intent, "intent-instances");
        v.instances = total;
        v.intended = intended;
        v.leaked = leaked;
        v.detail = std::to_string(ls.size()) + " launches with " + std::to_string(total) +
                   " instances for one intent (exactly 1 reservation of at most " + std::to_string(intended) +
                   " instances allowed)";
        if (ls.size() > 1) {
          // The launch whose request the service took in last is the one that went beyond the first.
          const Launch* again = *std::max_element(ls.begin(), ls.end(), taken_first);
          // Any other launch with the same token: then the caller did right, and the service
          // launched again under a token it had (or should have had).
          const AttemptRecord& again_at = h_.attempts[again->attempt];
          const bool same_token = again_at.has_token && std::any_of(ls.begin(), ls.end(), [&](const Launch* x) {
            const AttemptRecord& o = h_.attempts[x->attempt];
            return x != again && o.has_token && o.token == again_at.token;
          });
          v.detail += "; the launch beyond the first came from " + minted_by(*again, same_token);
        }
        if (leaked) v.detail += "; " + std::to_string(leaked) + " instance(s) leaked: no answer to the intent named them";
        if (!ls.back()->reservation) v.detail += "; one still in flight at the time limit";
        // Beyond the first launch (by the service's order), every launch broke the rule; one
        // launch of too many instances did.
        const Launch* earliest = *std::min_element(ls.begin(), ls.end(), taken_first);
        for (const Launch* l : ls)
          if (l != earliest || ls.size() == 1) v.bad_launches.push_back(l->attempt);
        if (expired_reuse)
          v.detail += "; a launch followed a repeat of a token past its 2013 retention: the caller reused an "
                      "expired token";
        add_launch_steps(v, ls);
        add_attempt_steps(v, intent_attempts(L));
        finish(v);
      }
      // A caller that records an intent as failed believes nothing launched for it; if something
      // did, the outcome was unknown (a 5xx or no answer), not failed.
      for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1] && !ls.empty(); ++m) {
        const IntentRecord& member = h_.intents[members_[m]];
        if (member.outcome != Outcome::failed) continue;
        const auto mine = std::find_if(ls.begin(), ls.end(), [&](const Launch* l) {
          const CallRecord& c = call_of(l->attempt);
          return c.intent == members_[m] || std::find(c.batch.begin(), c.batch.end(), members_[m]) != c.batch.end();
        });
        if (mine == ls.end()) continue;  // another delivery of the intent launched, not this one
        Violation v = about(member, "intent-instances");
        v.detail = "recorded as failed, yet its own request launched " + (*mine)->name() +
                   ": its outcome was unknown, not failed";
        v.bad_launches.push_back((*mine)->attempt);
        add_launch_steps(v, ls);
        add_attempt_steps(v, intent_attempts(L));
        finish(v);
        break;
      }
      // An intent terminates only instances it was told it has (no false reap).
      for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m) {
        for (uint32_t c : h_.intents[members_[m]].calls) {
          const CallRecord& call = h_.calls[c];
          if (call.api != Api::terminate) continue;
          for (uint32_t id : call.ids) {
            const uint32_t res = id >= 1 && id <= s_.instances().size() ? s_.instances()[id - 1].reservation : 0;
            if (res && named(L, res)) continue;
            Violation v = about(intent, "no-false-reap");
            v.detail = "asked to terminate " + instance_name(id) +
                       (res ? " of " + reservation_name(res) : std::string()) +
                       ", which no answer to this intent named: it may belong to someone else";
            add_attempt_steps(v, call.attempts);
            finish(v);
            break;
          }
        }
      }
      // intent-exact: every reservation the intent was answered with is one it launched (a batch's
      // reservation is the batch's intents', whatever their share), and an intent that ended well
      // has at least MinCount instances of its own.
      for (; next_answer < answered.size() && answered[next_answer].first < L; ++next_answer) {}
      bool exact_told = false;
      std::string short_batch;  // a batch reservation that came short of this intent
      for (; next_answer < answered.size() && answered[next_answer].first == L; ++next_answer) {
        const uint32_t res = answered[next_answer].second;
        if (exact_told || std::any_of(ls.begin(), ls.end(), [&](const Launch* l) { return l->reservation == res; }))
          continue;
        if (res > s_.reservations().size()) continue;
        const CallRecord& by = call_of(static_cast<uint32_t>(s_.reservations()[res - 1].tag));
        if (std::any_of(by.batch.begin(), by.batch.end(), [&](uint32_t i) { return logical_[i] == L; })) {
          short_batch = reservation_name(res) + ", the reservation of a batch that came short of it (" +
                        std::to_string(s_.reservations()[res - 1].count) + " instances for " +
                        std::to_string(by.batch.size()) + " intents)";
          continue;
        }
        Violation v = about(intent, "intent-exact");
        v.intended = intended;
        v.detail = "answered with " + reservation_name(res) + ", launched for " + intent_text(h_.intents[by.intent]) +
                   ": two intents share one token, and this one has no instances of its own";
        add_attempt_steps(v, intent_attempts(L));
        finish(v);
        exact_told = true;
      }
      bool ended_ok = false;
      for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m)
        ended_ok = ended_ok || h_.intents[members_[m]].outcome == Outcome::ok;
      const uint32_t least = static_cast<uint32_t>(intent_min(L));
      if (ended_ok && !exact_told && own < least) {
        Violation v = about(intent, "intent-exact");
        v.instances = own;
        v.intended = intended;
        v.detail = "ended well with " + std::to_string(own) + " instance(s) of its own, fewer than its MinCount (" +
                   std::to_string(least) + ")" + (short_batch.empty() ? "" : "; it was answered with " + short_batch);
        add_launch_steps(v, ls);
        add_attempt_steps(v, intent_attempts(L));
        finish(v);
      }
    }
    reaps(answered);
  }

  // no-false-reap, for cleanup jobs: an instance a reaper terminated was owned by an intent when
  // an answer to the intent named its reservation (before the reap or after it: a caller that
  // learns of its launch later still owns it), or when it was launched for an intent the caller
  // was still working on at the reap (a retry with its token would have learned of it). A leaked
  // instance of an intent the caller was done with is an orphan: reaping it is a cleanup.
  void reaps(const std::vector<std::pair<uint32_t, uint32_t>>& answered) {
    if (h_.reaps.empty()) return;
    std::vector<std::pair<uint32_t, uint32_t>> owner;  // (reservation, logical intent)
    for (const auto& [L, res] : answered) owner.emplace_back(res, L);
    std::sort(owner.begin(), owner.end());
    struct Told {
      uint32_t count = 0;
      size_t violation = 0;
    };
    std::vector<Told> told;  // per reaper: one violation, counting every false reap
    for (const ReapRecord& r : h_.reaps) {
      if (r.instance == 0 || r.instance > s_.instances().size()) continue;
      const uint32_t res = s_.instances()[r.instance - 1].reservation;
      const auto it = std::lower_bound(owner.begin(), owner.end(), std::make_pair(res, 0u));
      uint32_t L = UINT32_MAX;
      std::string why;
      if (it != owner.end() && it->first == res) {
        L = it->second;
        why = "an answer to it named the reservation";
      } else if (res >= 1 && res <= launches_.size()) {
        const uint32_t by = logical_[call_of(launches_[res - 1].attempt).intent];
        if (in_progress(by, r.at)) {
          L = by;
          why = "it was launched for the intent, which the caller was still working on";
        }
      }
      if (L == UINT32_MAX) continue;
      if (told.size() <= r.reaper) told.resize(r.reaper + 1);
      Told& t = told[r.reaper];
      const uint32_t reap = static_cast<uint32_t>(&r - h_.reaps.data());
      if (t.count++ > 0) {
        out_[t.violation].reaps.push_back(reap);
        out_[t.violation].detail = std::to_string(t.count) + " instances that intents own; first: " +
                                   out_[t.violation].detail.substr(out_[t.violation].detail.find("terminated"));
        continue;
      }
      const IntentRecord& intent = h_.intents[head_[L]];
      Violation v;
      v.property = "no-false-reap";
      v.group = group_of_intent(intent);
      v.subject = "reaper " + std::to_string(r.reaper);
      v.reaps.push_back(reap);
      v.detail = "terminated " + instance_name(r.instance) + " of " + reservation_name(res) + ", which " +
                 intent_text(intent) + " owns (" + why + ")" +
                 (r.tagged ? "" : "; the listing showed it without its tags (not visible yet: younger than "
                                  "describe_lag + tag_lag)");
      v.events.push_back({r.at, "reaper " + std::to_string(r.reaper) + " terminated " + instance_name(r.instance) +
                                    (r.tagged ? "" : " (listed untagged)"),
                          true});
      add_launch_steps(v, {&launches_[res - 1]});
      add_attempt_steps(v, intent_attempts(L));
      t.violation = out_.size();
      finish(v);
    }
  }

  // Whether the caller was still working on logical intent L at `t`: a call of it began after
  // t, or one that began before was not over by then.
  bool in_progress(uint32_t L, Time t) const {
    for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m) {
      const IntentRecord& i = h_.intents[members_[m]];
      if (!i.finished) return true;
      for (uint32_t c : i.calls) {
        const CallRecord& call = h_.calls[c];
        if (call.api == Api::terminate || call.repeat) continue;
        if (call.invoked > t || call.outcome == Outcome::pending || call.ended > t) return true;
      }
    }
    return false;
  }

  // ---- the scenario's promises: liveness and amplification

  void promises(const Promises& p) {
    if (!p.heal_at && !p.max_attempts_per_intent) return;
    // Amplification, per logical intent: every layer's attempts (SDK retries, application calls,
    // reconciling Describes) of every delivery of the intent; deliberate repeats and terminates
    // are not retries.
    if (p.max_attempts_per_intent) {
      for (uint32_t L = 0; L < head_.size(); ++L) {
        std::vector<uint32_t> attempts;
        for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m)
          for (uint32_t c : h_.intents[members_[m]].calls) {
            const CallRecord& call = h_.calls[c];
            if (call.api != Api::terminate && !call.repeat)
              attempts.insert(attempts.end(), call.attempts.begin(), call.attempts.end());
          }
        if (attempts.size() <= static_cast<size_t>(*p.max_attempts_per_intent)) continue;
        const IntentRecord& intent = h_.intents[head_[L]];
        Violation v = about(intent, "amplification");
        v.detail = std::to_string(attempts.size()) + " attempts for one intent, across every layer (at most " +
                   std::to_string(*p.max_attempts_per_intent) + " allowed)";
        add_attempt_steps(v, attempts);
        finish(v);
      }
    }
    if (!p.heal_at) return;
    // Liveness, per intent record (each delivery must learn how its launch ended).
    for (uint32_t n = 0; n < h_.intents.size(); ++n) {
      const IntentRecord& intent = h_.intents[n];
      if (intent.calls.empty()) continue;
      std::vector<uint32_t> attempts;
      std::optional<Time> decided;  // when the outcome the intent ended with was settled
      const CallRecord* last = nullptr;
      for (uint32_t c : intent.calls) {
        const CallRecord& call = h_.calls[c];
        if (call.api == Api::terminate || call.repeat) continue;
        attempts.insert(attempts.end(), call.attempts.begin(), call.attempts.end());
        last = &call;
        const bool settles = (call.api == Api::run && (call.outcome == Outcome::ok || call.outcome == Outcome::failed)) ||
                             (call.api == Api::describe && call.outcome == Outcome::ok && call.response.count > 0);
        if (settles) decided = call.ended;
      }
      if (!last) continue;
      const bool definite = intent.outcome == Outcome::ok || intent.outcome == Outcome::failed;
      const Time began = h_.calls[intent.calls.front()].invoked;
      const Time deadline = std::max(*p.heal_at, began) + p.converge;
      const std::string last_call = std::string(outcome_name(last->outcome)) + " since " +
                                    sim::format_time(last->outcome == Outcome::pending ? last->invoked : last->ended);
      std::string why;
      if (intent.finished && !definite) {
        why = "the caller gave up with its outcome unknown (last call " + last_call +
              "), so it never learns what happened; the deadline was";
      } else if (intent.finished && decided && *decided > deadline) {
        why = "its outcome (" + std::string(outcome_name(intent.outcome)) + ") was settled only at " +
              sim::format_time(*decided) + ", after the deadline";
      } else if (intent.blocked) {
        why = "the caller blocked on its unknown outcome (last call " + last_call +
              "), waiting for a human: safe (nothing launched twice), not live; the deadline was";
      } else if (!intent.finished && p.limit >= deadline) {
        why = "still without a definite end at the time limit (last call " + last_call + "); the deadline was";
      } else {
        continue;
      }
      const AttemptRecord* last_attempt = last->attempts.empty() ? nullptr : &h_.attempts[last->attempts.back()];
      Violation v = about(intent, "liveness");
      v.detail = "no definite end within " + sim::format_duration(p.converge) + " of the faults healing at " +
                 sim::format_time(*p.heal_at) + ": " + why + " " + sim::format_time(deadline) + "; token " +
                 (last_attempt && last_attempt->has_token ? sim::escaped(last_attempt->token.view()) : std::string("none"));
      add_attempt_steps(v, attempts);
      finish(v);
    }
  }

  std::string intent_text(const IntentRecord& i) const {
    const ClientRecord& c = h_.clients[i.client];
    std::string out = "intent " + c.label + "/" + std::to_string(i.index);
    if (!c.intent.empty()) out += " (intent " + c.intent + ")";
    return out;
  }

  // Which layer of the retry stack sent the request behind a launch, and with what token.
  // `same_token`: an earlier launch of the intent had this launch's token.
  std::string minted_by(const Launch& l, bool same_token) const {
    const AttemptRecord& at = h_.attempts[l.attempt];
    const CallRecord& c = call_of(l.attempt);
    if (at.duplicate_of != AttemptRecord::kNotTaken) return "a copy of a request the network delivered again";
    const AttemptRecord& first = h_.attempts[c.attempts.front()];
    // A token the SDK made for the attempt, or no token on a retry of the intent's first call:
    // the SDK's doing.
    if (at.number > 1 && ((!at.has_token && c.layer == Layer::first) || (at.has_token && !(at.token == first.token))))
      return "the SDK's retry (attempt " + std::to_string(at.number) + " of its call), " +
             (at.has_token ? "with a token made for that attempt" : "without a token") + " (layer sdk)";
    const std::string token = !at.has_token ? ", without a token"
                              : same_token  ? " with the same token as an earlier launch (the service launched again under it)"
                                            : " with a token of its own";
    // An SDK retry of the intent's first call is the SDK's doing; of a later call (the
    // application's, the controller's), with that call's own token, the later call's: say both.
    if (at.number > 1 && c.layer == Layer::first)
      return "the SDK's retry (attempt " + std::to_string(at.number) + " of its call)," + token + " (layer sdk)";
    const std::string attempt = at.number > 1 ? " (its SDK's attempt " + std::to_string(at.number) + " launched)" : "";
    switch (c.layer) {
      case Layer::app: {
        // What made the application call again: a mismatch answered with a new token, or an
        // unknown outcome.
        const IntentRecord& i = h_.intents[c.intent];
        const auto self = std::find(i.calls.begin(), i.calls.end(), at.call);
        for (auto p = self; p != i.calls.begin();) {
          const CallRecord& before = h_.calls[*--p];
          if (before.api != Api::run) continue;
          if (before.response.code == Code::IdempotentParameterMismatch)
            return "an application-level retry after IdempotentParameterMismatch" + token + attempt +
                   " (layer app: on_mismatch new-token)";
          break;
        }
        return "an application-level retry" + token + attempt + " (layer app)";
      }
      case Layer::controller: return "the controller driving the intent again" + token + attempt + " (layer controller)";
      case Layer::first: break;
    }
    return "the first call of " + intent_text(h_.intents[c.intent]) + token + " (layer first: another delivery of the intent)";
  }

  // A violation of `property` about an intent.
  Violation about(const IntentRecord& intent, const char* property) const {
    Violation v;
    v.property = property;
    v.group = group_of_intent(intent);
    v.subject = intent_text(intent);
    return v;
  }

  // The MinCount logical intent L needs: its own (a batch call asks MinCount 1 for all), or its
  // first launch call's.
  int32_t intent_min(uint32_t L) const {
    int32_t least = h_.intents[head_[L]].least;
    for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m)
      for (uint32_t c : h_.intents[members_[m]].calls)
        if (h_.calls[c].api == Api::run && h_.calls[c].batch.empty()) return std::max(least, h_.calls[c].request.params.min);
    return least;
  }

  std::vector<uint32_t> intent_attempts(uint32_t L) const {
    std::vector<uint32_t> out;
    for (uint32_t m = member_begin_[L]; m < member_begin_[L + 1]; ++m) {
      for (uint32_t c : h_.intents[members_[m]].calls)
        if (h_.calls[c].api != Api::terminate)
          out.insert(out.end(), h_.calls[c].attempts.begin(), h_.calls[c].attempts.end());
    }
    return out;
  }

  // ---- the events behind a violation

  // "app#3 attempt 17 (call 12, try 2)": the attempt's number is the one the trace uses
  // (attempt=17), everywhere.
  std::string attempt_text(uint32_t a) const {
    const AttemptRecord& at = h_.attempts[a];
    if (at.duplicate_of != AttemptRecord::kNotTaken)
      return h_.clients[call_of(a).client].label + " attempt " + std::to_string(a) + " (a second delivery of attempt " +
             std::to_string(at.duplicate_of) + ", by the network)";
    return h_.clients[call_of(a).client].label + " attempt " + std::to_string(a) + " (call " +
           std::to_string(at.call) + ", try " + std::to_string(at.number) + ")";
  }

  // The attempts' sends and ends. Key steps (the attempts that launched, and those in `key`) are
  // never left out of a printed excerpt.
  void add_attempt_steps(Violation& v, const std::vector<uint32_t>& attempts,
                         const std::vector<uint32_t>* key = nullptr) const {
    for (uint32_t a : attempts) {
      v.attempts.push_back(a);
      const AttemptRecord& at = h_.attempts[a];
      const CallRecord& c = call_of(a);
      const bool is_key = (a < launch_of_.size() && launch_of_[a] >= 0) ||
                          (key && std::find(key->begin(), key->end(), a) != key->end());
      std::string head = attempt_text(a) + " " + std::string(api_name(c.api));
      if (c.api == Api::describe && c.request.has_token) head += " client-token=" + sim::escaped(c.request.token.view());
      if (c.api == Api::run) head += at.has_token ? " token=" + sim::escaped(at.token.view()) : " no-token";
      if (c.api == Api::run && c.repeat) head += " (repeat)";
      std::string sent = head + " sent";
      if (at.fate == Fate::request_lost) sent += "; lost on the way, the service never saw it";
      if (at.fate == Fate::reset_before) sent += "; the connection was reset before the service saw it";
      v.events.push_back({at.sent, sent, is_key});
      if (!at.done) {  // a copy the network made, or an attempt still waiting at the limit
        if (at.late)
          v.events.push_back({at.late_at,
                              head + (at.fate == Fate::caller_crashed
                                          ? " answered " + response_text(at.late_response) +
                                                "; the caller's process died before acting on it"
                                          : " answered (no client waits for it) " + response_text(at.late_response)),
                              is_key});
        continue;
      }
      std::string how;
      if (at.end == AttemptEnd::timeout) {
        const bool reset = at.fate == Fate::reset_before || at.fate == Fate::reset_after ||
                           at.fate == Fate::refused || at.fate == Fate::crashed;
        how = reset ? " connection reset (outcome unknown)" : " timed out (outcome unknown)";
        if (at.fate == Fate::response_lost) how += "; its answer was lost on the way back";
        if (at.fate == Fate::reset_after) how += "; the service acted, then the connection dropped";
        if (at.fate == Fate::refused) how += "; every frontend of the Region was down";
        if (at.fate == Fate::crashed) how += "; the frontend handling it crashed";
      } else if (c.api == Api::describe && at.response.ok()) {
        how = at.response.count == 0 ? " found nothing" : " found " + response_text(at.response).substr(4);
      } else {
        how = " answered " + response_text(at.response);
        if (at.fate == Fate::answer_replaced) how += " (a storm replaced the service's answer after it acted)";
        if (at.fate == Fate::turned_away) how += " (a storm turned it away before the service saw it)";
        if (at.fate == Fate::transient) how += " (a transient error before the service acted)";
        if (at.fate == Fate::throttled) how += " (the account's request quota was empty)";
        if (at.store_down) how += " (the token store was down: nothing recorded)";
      }
      v.events.push_back({at.ended, head + how, is_key});
      if (at.late)
        v.events.push_back({at.late_at, head + " answered late (ignored) " + response_text(at.late_response), is_key});
    }
  }

  void add_launch_steps(Violation& v, const std::vector<const Launch*>& ls) const {
    for (const Launch* l : ls) {
      const AttemptRecord& at = h_.attempts[l->attempt];
      const CallRecord& c = h_.calls[at.call];
      std::string what = l->reservation ? "service launched " + reservation_name(l->reservation) + " (" +
                                              std::to_string(l->count) + " instance(s), type " +
                                              c.request.params.type + ")"
                                        : "service still launching (in flight at the time limit)";
      v.events.push_back({l->at, what + " for " + attempt_text(l->attempt), true});
    }
  }

  int32_t group_of_attempt(uint32_t a) const { return static_cast<int32_t>(h_.clients[call_of(a).client].group); }
  int32_t group_of_intent(const IntentRecord& i) const { return static_cast<int32_t>(h_.clients[i.client].group); }

  void finish(Violation& v) {
    std::stable_sort(v.events.begin(), v.events.end(),
                     [](const Violation::Step& a, const Violation::Step& b) { return a.at < b.at; });
    out_.push_back(std::move(v));
  }

  const OracleInput& in_;
  const History& h_;
  const Service& s_;
  const ServiceConfig& cfg_;
  OracleCounts* counts_;
  std::vector<Launch> launches_;
  std::vector<int32_t> launch_of_;  // per attempt: index into launches_, or -1
  std::vector<uint32_t> invalid_;   // RunInstances attempts with an invalid token
  std::vector<uint32_t> logical_;   // per intent record: its logical intent
  std::vector<uint32_t> head_;      // per logical intent: its first intent record
  std::vector<uint32_t> members_;   // intent records, grouped by logical intent...
  std::vector<uint32_t> member_begin_;  // ...logical intent L's are members_[member_begin_[L] .. [L + 1])
  std::vector<Violation> out_;
};

}  // namespace

std::vector<Violation> check(const OracleInput& in, OracleCounts* counts) { return Checker(in, counts).run(); }

}  // namespace idem::model
