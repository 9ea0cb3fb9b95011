// The token's properties: answers (rules 1-5, 7, judged per scope in the order the service
// decided), token-collision and token-instances; rule 6 and invalid requests; Describe and
// Terminate answers; where and what each launch put up.
#include <algorithm>

#include "model/oracle/judge.h"

namespace idem::model {

bool Judge::valid_token(uint32_t token) const {
  if (token_valid_.size() < l.log->tokens()) token_valid_.resize(l.log->tokens(), -1);
  int8_t& v = token_valid_[token];
  if (v < 0) v = token_is_valid(l.token(token)) ? 1 : 0;
  return v == 1;
}

bool Judge::valid_request(uint32_t attempt) const {
  const size_t regions = rules.regions.size();
  if (params_valid_.size() < l.log->params_count() * regions) params_valid_.resize(l.log->params_count() * regions, -1);
  const uint32_t region = l.region_of(attempt);
  int8_t& v = params_valid_[l.call_of(attempt).params * regions + region];
  if (v < 0) v = invalid_parameters(l.params_of(attempt), rules.regions.at(region)) ? 0 : 1;
  return v == 1;
}

std::optional<Time> Judge::terminated_at(const Ledger::Launch& launch) const {
  if (!launch.reservation || launch.count == 0) return std::nullopt;
  Time last;
  for (uint32_t i = 0; i < launch.count; ++i) {
    const std::optional<Time> gone = gone_at(launch.first + i);
    if (!gone) return std::nullopt;
    last = std::max(last, *gone);
  }
  return last;
}

bool Judge::released(uint32_t attempt) const {
  const Ledger::Attempt& a = l.attempts[attempt];
  if (a.op == kNone || a.op >= l.ops.size()) return false;
  const Ledger::Op& op = l.ops[a.op];
  return op.abandoned && !op.launched && !op.bound;
}

bool Judge::allowed(uint32_t attempt, Expect e, uint32_t launch) const {
  const Response* answer = answer_of(attempt);
  if (!answer) return true;                  // no answer: says nothing
  // The service never decided it: its answer came from a fault on the way (a storm, a transient
  // error, the quota), not from the service.
  const Ledger::Attempt& a = l.attempts[attempt];
  if (!a.decided && !a.handled) return true;
  const Response& got = *answer;
  if (got.status() >= 500) return true;      // 5xx: may or may not have happened
  switch (e) {
    case Expect::invalid: return got.code == Code::InvalidParameterValue;
    case Expect::bad_parameters: return got.code == Code::InvalidParameterValue || got.code == Code::InvalidSubnetIDNotFound;
    case Expect::mismatch: return got.code == Code::IdempotentParameterMismatch;
    case Expect::terminated: return got.code == Code::IdempotentInstanceTerminated;
    case Expect::launch: {
      if (launch == kNone) return false;
      const Ledger::Launch& r = l.launches[launch];
      return r.reservation && got.ok() && got.reservation == r.reservation && got.first_instance == r.first &&
             got.count == r.count;
    }
  }
  return true;
}

std::vector<uint32_t> Judge::launches_in(const uint32_t* begin, const uint32_t* end) const {
  std::vector<uint32_t> out;
  for (const uint32_t* p = begin; p != end; ++p)
    if (l.launch_of[*p] != kNone) out.push_back(l.launch_of[*p]);
  return out;
}

namespace {

// One token's life in one scope, its requests in the order the service decided them.
struct ScopeJudge {
  Judge& j;
  const uint32_t* begin;
  const uint32_t* end;

  void run() {
    const Ledger& l = j.l;
    const Rules& rules = j.rules;
    const LaunchParams* first = nullptr;  // the first request of the token's current life
    uint32_t first_id = kNone;            // ... its parameters' id in the log (equal ids: equal values)
    uint32_t current = kNone;             // its launch
    std::vector<uint32_t> extra;          // launches beyond the one allowed
    std::vector<uint32_t> bad;            // attempts with a wrong answer or a forbidden launch
    Finding told;                         // the first of them: what it got and should have
    bool have_told = false;
    uint32_t owner = kNone, other = kNone;  // the logical intents that used the token
    bool said_gone = false;  // the service answered IdempotentInstanceTerminated: gone, by its own word
    for (const uint32_t* p = begin; p != end; ++p) {
      const uint32_t a = *p;
      const Ledger::Attempt& at = l.attempts[a];
      // A collision is the callers' doing: a token sent by two intents is one, whether or not the
      // service ever saw the second (lost, throttled, refused).
      const uint32_t by = j.logical[l.call_of(a).intent];
      if (owner == kNone) owner = by;
      else if (by != owner && other == kNone) other = by;
      // Never decided (lost, turned away, the store down), or released before it launched.
      if (!at.decided || at.store_down || j.released(a)) continue;
      const LaunchParams& params = l.params_of(a);
      // Decided against a token record the service then released (its launch never happened): the
      // answer is judged against that record's request, and takes no part in the token's life.
      if (at.admit == Admit::reply && at.owner != kNone && at.owner < l.attempts.size() && j.released(at.owner)) {
        const Expect against = same_parameters(l.params_of(at.owner), params) ? Expect::launch : Expect::mismatch;
        if (!j.allowed(a, against, kNone)) {
          if (!have_told) {
            told.first = a, told.code = static_cast<uint8_t>(against), told.flags = 0, told.other = kNone;
            have_told = true;
          }
          bad.push_back(a);
        }
        continue;
      }
      const uint32_t li = l.launch_of[a];
      const Time t = *at.decided;
      const std::optional<Time> ended = current != kNone ? j.terminated_at(l.launches[current]) : std::nullopt;
      const bool gone = ended && t >= *ended;
      // Surely gone: past the latest time its instances could still have been terminating.
      const bool surely_gone =
          gone && (said_gone || !rules.terminate_time_max || t >= *ended + (*rules.terminate_time_max - rules.terminate_time));
      // 2013: past the retention the token may be forgotten ("at least 24 hours"); a repeat that
      // then launches starts the token's life anew.
      if (gone && rules.semantics == Semantics::v2013 && t - *ended >= rules.token_retention && li != kNone) {
        first = nullptr;
        first_id = kNone;
        current = kNone;
        j.after_expiry[li] = true;
      }
      Expect e = Expect::launch;
      const uint32_t params_id = l.call_of(a).params;
      if (!first) first = &params, first_id = params_id;
      else if (params_id != first_id && !same_parameters(*first, params)) e = Expect::mismatch;
      else if (current != kNone && gone && rules.semantics == Semantics::current) e = Expect::terminated;
      bool forbidden = false;
      if (li != kNone) {
        const Ledger::Launch& launched = l.launches[li];
        if (e != Expect::launch) {
          forbidden = true;
          if (!have_told) {
            told.first = a, told.code = static_cast<uint8_t>(e), told.flags = 1, told.other = li;
            have_told = true;
          }
        } else if (current == kNone) {
          current = li;
          if (launched.reservation && (launched.count < static_cast<uint32_t>(first->min) ||
                                       launched.count > static_cast<uint32_t>(first->max)))
            extra.push_back(li);
        } else {
          extra.push_back(li);
        }
      }
      bool wrong = !j.allowed(a, e, current);
      if (wrong && e == Expect::terminated && !surely_gone) wrong = !j.allowed(a, Expect::launch, current);
      // Once it said so, the instances stay gone: a later original answer contradicts it.
      if (!wrong && e == Expect::terminated && j.answer_of(a) && j.answer_of(a)->code == Code::IdempotentInstanceTerminated)
        said_gone = true;
      if (wrong && !have_told) {
        told.first = a, told.code = static_cast<uint8_t>(e), told.flags = 0, told.other = current;
        have_told = true;
      }
      if (wrong || forbidden) bad.push_back(a);
    }
    const auto scope = [&] { return std::vector<uint32_t>(begin, end); };  // for a finding only
    if (!bad.empty()) {
      Finding f = told;
      f.property = Property::answers;
      f.reason = Reason::wrong_answers;
      f.subject_kind = Finding::Subject::scope;
      f.subject = *begin;
      f.group = j.group_of_attempt(bad.front());
      f.count = static_cast<uint32_t>(bad.size());
      for (uint32_t a : bad)
        if (l.launch_of[a] != kNone) f.bad_launches.push_back(a);
      f.attempts = scope();
      f.key_attempts = bad;
      f.launches = j.launches_in(begin, end);
      j.out.push_back(std::move(f));
    }
    if (other != kNone) {
      // Incident 2: a token names one launch. Two intents that send it are a collision, whether
      // the second is answered with the first's reservation or with a mismatch.
      Finding f;
      f.property = Property::token_collision;
      f.reason = Reason::collision;
      f.subject_kind = Finding::Subject::scope;
      f.subject = *begin;
      f.group = j.group_of_attempt(*begin);
      f.first = j.head[owner];
      f.other = j.head[other];
      f.attempts = scope();
      f.launches = j.launches_in(begin, end);
      j.out.push_back(std::move(f));
    }
    if (!extra.empty()) {
      Finding f;
      f.property = Property::token_instances;
      f.reason = Reason::extra_launches;
      f.subject_kind = Finding::Subject::scope;
      f.subject = *begin;
      f.group = j.group_of_attempt(l.launches[extra.front()].attempt);
      f.launches = j.launches_in(begin, end);
      for (uint32_t li : f.launches) f.instances += l.launches[li].count;
      f.intended = first ? static_cast<uint32_t>(first->max) : 0;
      f.count = first ? static_cast<uint32_t>(first->min) : 0;
      for (uint32_t li : extra) f.bad_launches.push_back(l.launches[li].attempt);
      f.launches_first = true;
      f.attempts = scope();
      j.out.push_back(std::move(f));
    }
  }
};

}  // namespace

void Judge::scopes() {
  std::vector<uint32_t> order;
  std::vector<ScopeKey> keys(l.attempts.size());
  for (uint32_t a = 0; a < l.attempts.size(); ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    if (l.call_of(a).api != Api::run || !at.has_token()) continue;
    if (!valid_token(at.token) || !valid_request(a)) {
      invalid.push_back(a);  // a 400 that records nothing: it takes no part in the token's life
      continue;
    }
    keys[a] = scope_of(l, rules, a);
    order.push_back(a);
  }
  // Per scope, in the order the service decided; requests it never decided (lost, turned away)
  // last, by their ids: a full order, the same under any standard library.
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    if (!(keys[x] == keys[y])) return keys[x] < keys[y];
    if (l.attempts[x].order != l.attempts[y].order) return l.attempts[x].order < l.attempts[y].order;
    return x < y;
  });
  for (size_t i = 0; i < order.size();) {
    size_t k = i;
    while (k < order.size() && keys[order[k]] == keys[order[i]]) ++k;
    ScopeJudge{*this, order.data() + i, order.data() + k}.run();
    i = k;
  }
}

void Judge::untokened() {
  // Requests without a token but with invalid parameters are judged with the invalid tokens.
  for (uint32_t a = 0; a < l.attempts.size(); ++a)
    if (l.call_of(a).api == Api::run && !l.attempts[a].has_token() && !valid_request(a))
      invalid.push_back(a);
  for (uint32_t a : invalid) {
    const bool bad_token = l.attempts[a].has_token() && !valid_token(l.attempts[a].token);
    const Expect e = bad_token ? Expect::invalid : Expect::bad_parameters;
    const uint32_t li = l.launch_of[a];
    if (allowed(a, e, kNone) && li == kNone) continue;
    Finding f;
    f.property = Property::answers;
    f.reason = li != kNone ? Reason::invalid_launched : Reason::invalid_answered;
    f.subject_kind = Finding::Subject::request;
    f.subject = a;
    f.group = group_of_attempt(a);
    f.first = a;
    f.code = static_cast<uint8_t>(e);
    f.other = li;
    if (li != kNone) f.bad_launches.push_back(a);  // it must launch nothing
    f.attempts = {a};
    if (li != kNone) f.launches = {li};
    out.push_back(std::move(f));
  }
  // Without a token a request launches anew; its 200 names what it launched itself.
  for (uint32_t a = 0; a < l.attempts.size(); ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    if (l.call_of(a).api != Api::run || at.has_token() || !at.decided || !valid_request(a))
      continue;
    if (allowed(a, Expect::launch, l.launch_of[a])) continue;
    Finding f;
    f.property = Property::answers;
    f.reason = Reason::untokened_answer;
    f.subject_kind = Finding::Subject::request;
    f.subject = a;
    f.group = group_of_attempt(a);
    f.first = a;
    f.attempts = {a};
    out.push_back(std::move(f));
  }
}

namespace {

bool visible(const Judge& j, const Ledger::Launch& launch, Time t) {
  return launch.reservation && t - launch.at >= j.rules.describe_lag;
}
// An account sees only its own instances in a Region.
bool same_place(const Judge& j, const Ledger::Launch& launch, uint32_t attempt) {
  return j.l.region_of(launch.attempt) == j.l.region_of(attempt) && j.l.account_of(launch.attempt) == j.l.account_of(attempt);
}

// Describe filtered by client token: a reservation of that exact token in the Region, with all
// its instances, or nothing. A launch describe_lag old or older must be found; a younger one may
// or may not be (eventual consistency). 0: allowed; 1: found nothing, but must have; 2: not a
// reservation of that token.
uint8_t wrong_describe(const Judge& j, uint32_t a) {
  const Ledger& l = j.l;
  const Ledger::Call& c = l.call_of(a);
  if (c.token == kNone) return 0;  // by instance ids, or every instance (a live client's): not a token's rule
  const Time t = *l.attempts[a].handled;
  const Response& got = *j.answer_of(a);
  bool must_find = false;
  for (const Ledger::Launch& launch : l.launches) {
    const Ledger::Attempt& by = l.attempts[launch.attempt];
    if (!launch.reservation || launch.at > t || c.token == kNone || !by.has_token() ||
        !(l.token(by.token) == l.token(c.token)) || !same_place(j, launch, a))
      continue;
    must_find = must_find || visible(j, launch, t);
    if (got.ok() && got.reservation == launch.reservation && got.first_instance == launch.first && got.count == launch.count)
      return 0;
  }
  if (got.ok() && got.count == 0) return must_find ? 1 : 0;
  return 2;
}

// TerminateInstances: 200 when every id is an instance launched in this Region (one younger than
// describe_lag may also be answered InvalidInstanceID.NotFound), and a 200 must have asked each of
// them to terminate. 0: allowed; 1: 200 but `instance` was not asked to terminate; 2: must be 200;
// 3: must be InvalidInstanceID.NotFound.
uint8_t wrong_terminate(const Judge& j, uint32_t a, uint32_t& instance) {
  const Ledger& l = j.l;
  const Ledger::Call& c = l.call_of(a);
  const Time t = *l.attempts[a].handled;
  const Response& got = *j.answer_of(a);
  bool all_launched = true, all_visible = true;
  for (uint32_t id : c.ids) {
    bool launched = false, seen = false;
    if (id >= 1 && id <= l.reservation_of.size() && l.reservation_of[id - 1]) {
      const Ledger::Launch& launch = l.launches[l.reservation_of[id - 1] - 1];
      launched = launch.at <= t && same_place(j, launch, a);
      seen = launched && visible(j, launch, t);
    }
    all_launched = all_launched && launched;
    all_visible = all_visible && seen;
  }
  if (got.ok() && all_launched) {
    for (uint32_t id : c.ids) {
      const auto& asked = l.terminating[id - 1];
      if (!asked || *asked > t) {
        instance = id;
        return 1;
      }
    }
    return 0;
  }
  if (got.code == Code::InvalidInstanceIDNotFound && !all_visible) return 0;
  return all_launched ? 2 : 3;
}

}  // namespace

void Judge::others() {
  for (uint32_t a = 0; a < l.attempts.size(); ++a) {
    const Ledger::Call& c = l.call_of(a);
    if (c.api == Api::run || !answer_of(a) || answer_of(a)->status() >= 500 || !l.attempts[a].handled) continue;
    uint32_t instance = kNone;
    const uint8_t w = c.api == Api::describe ? wrong_describe(*this, a) : wrong_terminate(*this, a, instance);
    if (w == 0) continue;
    Finding f;
    f.property = Property::answers;
    f.reason = c.api == Api::describe ? Reason::describe_answer : Reason::terminate_answer;
    f.subject_kind = Finding::Subject::api;
    f.subject = a;
    f.group = group_of_attempt(a);
    f.first = a;
    f.code = w;
    f.other = instance;
    f.attempts = {a};
    out.push_back(std::move(f));
  }
}

// What each launch holds, and where, is what its request asked for: the Region and account, the
// zone (the one asked, the subnet's, or one of the Region's), the subnet, image and type, and
// MinCount to MaxCount instances.
void Judge::placements() {
  // Launches of one request's parameters in one place are judged once (a run has few such pairs).
  struct Seen {
    uint32_t asked, region, account, zone, subnet, params, count;
    std::optional<Misplaced> verdict;
  };
  std::vector<Seen> seen;
  for (uint32_t li = 0; li < l.launches.size(); ++li) {
    const Ledger::Launch& launch = l.launches[li];
    if (!launch.reservation) continue;
    const Seen key{l.call_of(launch.attempt).params, launch.region, launch.account, launch.zone, launch.subnet,
                   launch.params, launch.count, std::nullopt};
    const auto same = [&](const Seen& x) {
      return x.asked == key.asked && x.region == key.region && x.account == key.account && x.zone == key.zone &&
             x.subnet == key.subnet && x.params == key.params && x.count == key.count;
    };
    auto hit = std::find_if(seen.begin(), seen.end(), same);
    if (hit == seen.end() || l.region_of(launch.attempt) != launch.region || l.account_of(launch.attempt) != launch.account) {
      Seen fresh = key;
      fresh.verdict = misplaced(l, rules, launch);
      hit = seen.insert(seen.end(), fresh);
    }
    const std::optional<Misplaced> m = hit->verdict;
    if (!m) continue;
    Finding f;
    f.property = Property::answers;
    f.reason = Reason::placement;
    f.subject_kind = Finding::Subject::launch;
    f.subject = launch.reservation;
    f.group = group_of_attempt(launch.attempt);
    f.code = static_cast<uint8_t>(*m);
    f.first = li;
    f.bad_launches = {launch.attempt};
    f.launches = {li};
    f.attempts = {launch.attempt};
    f.launches_first = true;
    out.push_back(std::move(f));
  }
}

}  // namespace idem::model
