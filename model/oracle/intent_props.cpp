// The intent's properties: intent-instances, intent-exact, and no-false-reap (an intent's own
// terminations, and a cleanup job's).
#include <algorithm>
#include <tuple>

#include "model/oracle/judge.h"

namespace idem::model {

Finding Judge::about(uint32_t intent, Property p, Reason r) const {
  Finding f;
  f.property = p;
  f.reason = r;
  f.subject_kind = Finding::Subject::intent;
  f.subject = intent;
  f.group = group_of_intent(intent);
  return f;
}

std::vector<uint32_t> Judge::intent_attempts(uint32_t L) const {
  std::vector<uint32_t> out;
  for (uint32_t m = member_begin[L]; m < member_begin[L + 1]; ++m)
    for (uint32_t c : l.intents[members[m]].calls)
      if (l.calls[c].api != Api::terminate) out.insert(out.end(), l.calls[c].attempts.begin(), l.calls[c].attempts.end());
  return out;
}

void Judge::logical_intents() {
  logical.resize(l.intents.size());
  std::vector<uint32_t> order(l.intents.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const bool shared = std::any_of(l.clients.begin(), l.clients.end(),
                                  [](const Ledger::Client& c) { return c.intent_group != c.group; });
  if (!shared) {  // every intent record is its own logical intent
    head = order;
    logical = order;
    member_begin = order;
    member_begin.push_back(static_cast<uint32_t>(order.size()));
    members = std::move(order);
    return;
  }
  auto key = [&](uint32_t i) {
    const Ledger::Intent& r = l.intents[i];
    const Ledger::Client& c = l.clients[r.client];
    return std::make_tuple(c.intent_group, c.index, r.k, i);
  };
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return key(x) < key(y); });
  auto same = [&](uint32_t x, uint32_t y) {
    return std::get<0>(key(x)) == std::get<0>(key(y)) && std::get<1>(key(x)) == std::get<1>(key(y)) &&
           std::get<2>(key(x)) == std::get<2>(key(y));
  };
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || !same(order[i], order[i - 1])) {
      head.push_back(order[i]);
      member_begin.push_back(static_cast<uint32_t>(i));
    }
    logical[order[i]] = static_cast<uint32_t>(head.size() - 1);
  }
  member_begin.push_back(static_cast<uint32_t>(order.size()));
  members = std::move(order);
}

namespace {

// The MinCount logical intent L needs: its own (a batch call asks MinCount 1 for all), or its
// first launch call's.
int32_t intent_min(const Judge& j, uint32_t L) {
  int32_t least = j.l.intents[j.head[L]].least;
  for (uint32_t m = j.member_begin[L]; m < j.member_begin[L + 1]; ++m)
    for (uint32_t c : j.l.intents[j.members[m]].calls)
      if (j.l.calls[c].api == Api::run && j.l.calls[c].batch.empty()) return std::max(least, j.l.params(j.l.calls[c].params).min);
  return least;
}

}  // namespace

void Judge::intents() {
  // (logical intent, launch, its share of the launch's instances, the first of them): a batch
  // call's launch is fanned out in order, MaxCount / batch size to each of its intents while they
  // last. Flat and sorted.
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>> launched;
  for (uint32_t li = 0; li < l.launches.size(); ++li) {
    const Ledger::Launch& launch = l.launches[li];
    const Ledger::Call& c = l.call_of(launch.attempt);
    if (c.batch.empty()) {
      launched.emplace_back(logical[c.intent], li, launch.count, launch.first);
      continue;
    }
    const uint32_t per = static_cast<uint32_t>(l.params(c.params).max) / static_cast<uint32_t>(c.batch.size());
    for (uint32_t k = 0; k < c.batch.size(); ++k) {
      const uint32_t from = k * per;
      launched.emplace_back(logical[c.batch[k]], li, launch.count > from ? std::min(per, launch.count - from) : 0,
                            launch.first + from);
    }
  }
  std::sort(launched.begin(), launched.end());
  for (uint32_t a = 0; a < l.attempts.size(); ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    const Ledger::Call& c = l.call_of(a);
    if (c.api == Api::terminate || at.end != Ledger::Attempt::answer || !at.response.ok() || !at.response.reservation) continue;
    if (c.batch.empty()) answered.emplace_back(logical[c.intent], at.response.reservation);
    for (uint32_t i : c.batch) answered.emplace_back(logical[i], at.response.reservation);
  }
  std::sort(answered.begin(), answered.end());
  answered.erase(std::unique(answered.begin(), answered.end()), answered.end());
  auto named = [&](uint32_t L, uint32_t res) {
    return std::binary_search(answered.begin(), answered.end(), std::make_pair(L, res));
  };
  // (client, reservation): a launch's answer named the reservation to a call of that client
  // (wanted only where a caller terminates).
  std::vector<std::pair<uint32_t, uint32_t>> told;
  const bool terminates = std::any_of(l.calls.begin(), l.calls.end(), [](const Ledger::Call& c) { return c.api == Api::terminate; });
  for (uint32_t a = 0; terminates && a < l.attempts.size(); ++a) {
    const Ledger::Attempt& at = l.attempts[a];
    if (l.call_of(a).api == Api::run && at.end == Ledger::Attempt::answer && at.response.ok() && at.response.reservation)
      told.emplace_back(l.call_of(a).client, at.response.reservation);
  }
  std::sort(told.begin(), told.end());
  auto told_to = [&](uint32_t client, uint32_t res) { return std::binary_search(told.begin(), told.end(), std::make_pair(client, res)); };
  size_t next_launch = 0, next_answer = 0;
  std::vector<uint32_t> ls, shares;  // the launches of L and each one's instances for it
  for (uint32_t L = 0; L < head.size(); ++L) {
    const uint32_t intent = head[L];
    uint32_t total = 0, leaked = 0, own = 0;  // own: instances of launches that happened
    uint64_t leaked_us = 0;
    bool expired_reuse = false;
    ls.clear();
    shares.clear();
    for (; next_launch < launched.size() && std::get<0>(launched[next_launch]) == L; ++next_launch) {
      const auto [unused, li, share, first] = launched[next_launch];
      (void)unused;
      const Ledger::Launch& launch = l.launches[li];
      if (share == 0) continue;  // a batch's launch that came short of this intent
      ls.push_back(li);
      shares.push_back(share);
      total += share;
      own += launch.reservation ? share : 0;
      expired_reuse = expired_reuse || after_expiry[li];
      // Leaked: launched, and never named to the intent. A launch still in flight at the limit
      // has no instances yet; it counts toward the intent's total, not as leaked.
      if (launch.reservation && !named(L, launch.reservation)) {
        leaked += share;
        leaks.push_back({L, li, first, share});
        if (counts) counts->leaked_launches.push_back(li);
        if (counts && promises)
          for (uint32_t id = first; id < first + share; ++id) leaked_us += static_cast<uint64_t>(life(id, launch.at).us);
      }
    }
    if (counts) {
      counts->leaked += leaked;
      const uint32_t g = l.clients[l.intents[intent].client].group;
      if (counts->leaked_by_group.size() <= g) counts->leaked_by_group.resize(g + 1);
      counts->leaked_by_group[g] += leaked;
      if (counts->leaked_us_by_group.size() <= g) counts->leaked_us_by_group.resize(g + 1);
      counts->leaked_us_by_group[g] += leaked_us;
    }
    const uint32_t intended = static_cast<uint32_t>(l.intents[intent].intended);
    // The launch allowed is the one whose request the service decided first, as for a token
    // (ScopeJudge): the service's order, which has no ties.
    const auto decided_first = [&](uint32_t x, uint32_t y) {
      return l.attempts[l.launches[x].attempt].order < l.attempts[l.launches[y].attempt].order;
    };
    // A replacement is not a second launch: a launch made by a call that began after the caller was
    // answered IdempotentInstanceTerminated for the token of every launch before it (it was told
    // they are gone: on_terminated: new-token) starts a new generation. Each generation is judged
    // on its own; the first that breaks the rule is the one reported.
    std::vector<uint32_t> all_ls;
    if (ls.size() > 1) {
      std::vector<uint32_t> gen = ls;
      if (generations(L, gen, shares, total)) {
        all_ls = std::move(ls);
        ls = std::move(gen);
      }
    }
    if (total > intended || ls.size() > 1) {
      Finding f = about(intent, Property::intent_instances, Reason::intent_launches);
      f.instances = total;
      f.intended = intended;
      f.leaked = leaked;
      if (ls.size() > 1) {
        // The launch whose request the service decided last went beyond the first; another with
        // its token means the caller did right and the service launched again under it.
        const uint32_t again = *std::max_element(ls.begin(), ls.end(), decided_first);
        const Ledger::Attempt& again_at = l.attempts[l.launches[again].attempt];
        const bool same_token = again_at.has_token() && std::any_of(ls.begin(), ls.end(), [&](uint32_t x) {
          const Ledger::Attempt& o = l.attempts[l.launches[x].attempt];
          return x != again && o.has_token() && l.token(o.token) == l.token(again_at.token);
        });
        f.first = l.launches[again].attempt;
        f.flags |= same_token ? 1 : 0;
      }
      if (!l.launches[ls.back()].reservation) f.flags |= 2;  // one still in flight at the limit
      if (expired_reuse) f.flags |= 4;
      // One launch is allowed, as the caller sees it: the first (by the service's order) that an
      // answer to the intent named, the one it tracks; when no answer named any, the first the
      // service decided. Every other launch broke the rule (for an SRE, the orphan no answer named
      // is the one to look for); one launch of too many instances did.
      uint32_t allowed = kNone;
      for (uint32_t li : ls)
        if (l.launches[li].reservation && named(L, l.launches[li].reservation) &&
            (allowed == kNone || decided_first(li, allowed)))
          allowed = li;
      if (allowed == kNone) allowed = *std::min_element(ls.begin(), ls.end(), decided_first);
      for (uint32_t li : ls)
        if (li != allowed || ls.size() == 1) f.bad_launches.push_back(l.launches[li].attempt);
      f.launches = ls;
      f.launches_first = true;
      f.attempts = intent_attempts(L);
      out.push_back(std::move(f));
    }
    if (!all_ls.empty()) ls = std::move(all_ls);
    // A caller that records an intent as failed believes nothing launched for it; if its own
    // request did, the outcome was unknown, not failed (unless it was told its launch was
    // terminated: then it knows, and gave up on it).
    for (uint32_t m = member_begin[L]; m < member_begin[L + 1] && !ls.empty(); ++m) {
      const uint32_t member = members[m];
      if (l.intents[member].outcome != Outcome::failed) continue;
      const auto mine = std::find_if(ls.begin(), ls.end(), [&](uint32_t li) {
        const Ledger::Call& c = l.call_of(l.launches[li].attempt);
        const bool its = c.intent == member || std::find(c.batch.begin(), c.batch.end(), member) != c.batch.end();
        return its && !told_terminated(member, l.launches[li].attempt);
      });
      if (mine == ls.end()) continue;  // another delivery of the intent launched, not this one
      Finding f = about(member, Property::intent_instances, Reason::failed_but_launched);
      f.other = *mine;
      f.bad_launches.push_back(l.launches[*mine].attempt);
      f.launches = ls;
      f.launches_first = true;
      f.attempts = intent_attempts(L);
      out.push_back(std::move(f));
      break;
    }
    // An intent terminates only instances it, or another intent of the calling client, was told
    // it has (no false reap): a client's own instances are its to clean up.
    std::vector<uint32_t> reaped_ids;  // told already: one finding per instance, however often it was asked
    for (uint32_t m = member_begin[L]; m < member_begin[L + 1]; ++m) {
      for (uint32_t c : l.intents[members[m]].calls) {
        const Ledger::Call& call = l.calls[c];
        if (call.api != Api::terminate) continue;
        for (uint32_t id : call.ids) {
          const uint32_t res = id >= 1 && id <= l.reservation_of.size() ? l.reservation_of[id - 1] : 0;
          if (res && (named(L, res) || told_to(call.client, res))) continue;
          if (std::find(reaped_ids.begin(), reaped_ids.end(), id) != reaped_ids.end()) continue;
          reaped_ids.push_back(id);
          Finding f = about(intent, Property::no_false_reap, Reason::terminated_unnamed);
          f.other = id;
          f.attempts.assign(call.attempts.begin(), call.attempts.end());
          out.push_back(std::move(f));
          break;
        }
      }
    }
    // intent-exact: every reservation the intent was answered with is one it launched (a batch's
    // reservation is the batch's intents', whatever their share), and an intent that ended well
    // has at least MinCount instances of its own.
    for (; next_answer < answered.size() && answered[next_answer].first < L; ++next_answer) {}
    bool exact_told = false;
    uint32_t short_batch = kNone;  // a batch reservation that came short of this intent
    for (; next_answer < answered.size() && answered[next_answer].first == L; ++next_answer) {
      const uint32_t res = answered[next_answer].second;
      if (exact_told || std::any_of(ls.begin(), ls.end(), [&](uint32_t li) { return l.launches[li].reservation == res; }))
        continue;
      if (res > l.launches.size() || l.launches[res - 1].reservation != res) continue;
      const Ledger::Call& by = l.call_of(l.launches[res - 1].attempt);
      if (std::any_of(by.batch.begin(), by.batch.end(), [&](uint32_t i) { return logical[i] == L; })) {
        short_batch = res;
        continue;
      }
      Finding f = about(intent, Property::intent_exact, Reason::foreign_reservation);
      f.intended = intended;
      f.other = res;
      f.attempts = intent_attempts(L);
      out.push_back(std::move(f));
      exact_told = true;
    }
    bool ended_ok = false;
    for (uint32_t m = member_begin[L]; m < member_begin[L + 1]; ++m)
      ended_ok = ended_ok || l.intents[members[m]].outcome == Outcome::ok;
    const uint32_t least = static_cast<uint32_t>(intent_min(*this, L));
    if (ended_ok && !exact_told && own < least) {
      Finding f = about(intent, Property::intent_exact, Reason::short_of_min);
      f.instances = own;
      f.intended = intended;
      f.count = least;
      f.other = short_batch;
      f.launches = ls;
      f.launches_first = true;
      f.attempts = intent_attempts(L);
      out.push_back(std::move(f));
    }
  }
}

// Whether a call of intent record `n` was answered, in time, IdempotentInstanceTerminated for the
// token the launch of `attempt` was made with: it knows that launch happened and is gone.
bool Judge::told_terminated(uint32_t n, uint32_t attempt) const {
  const Ledger::Attempt& made = l.attempts[attempt];
  if (!made.has_token()) return false;
  for (uint32_t c : l.intents[n].calls)
    for (uint32_t a : l.calls[c].attempts) {
      const Ledger::Attempt& at = l.attempts[a];
      if (at.end == Ledger::Attempt::answer && at.response.code == Code::IdempotentInstanceTerminated && at.has_token() &&
          l.token(at.token) == l.token(made.token))
        return true;
    }
  return false;
}

// Splits logical intent L's launches `ls` into generations (above): when there is more than one,
// leaves in `ls` and `total` the first generation that breaks intent-instances (or the last) and
// returns true.
bool Judge::generations(uint32_t L, std::vector<uint32_t>& ls, const std::vector<uint32_t>& shares,
                        uint32_t& total) const {
  // (when it was received, token, by which intent record): the IdempotentInstanceTerminated
  // answers L's calls received.
  std::vector<std::tuple<Time, uint32_t, uint32_t>> told;
  for (uint32_t m = member_begin[L]; m < member_begin[L + 1]; ++m)
    for (uint32_t c : l.intents[members[m]].calls)
      for (uint32_t a : l.calls[c].attempts) {
        const Ledger::Attempt& at = l.attempts[a];
        if (at.end == Ledger::Attempt::answer && at.response.code == Code::IdempotentInstanceTerminated && at.has_token())
          told.emplace_back(at.ended, at.token, members[m]);
      }
  if (told.empty()) return false;
  std::vector<uint32_t> order = ls;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return l.attempts[l.launches[x].attempt].order < l.attempts[l.launches[y].attempt].order;
  });
  auto share = [&](uint32_t li) { return shares[static_cast<size_t>(std::find(ls.begin(), ls.end(), li) - ls.begin())]; };
  // The caller that makes launch `next` (its intent record) was told by `t` that li's token's
  // launch was terminated: another delivery's news is not its own.
  auto gone_before = [&](uint32_t li, Time t, uint32_t by) {
    const Ledger::Attempt& made = l.attempts[l.launches[li].attempt];
    if (!made.has_token()) return false;
    return std::any_of(told.begin(), told.end(), [&](const auto& x) {
      return std::get<0>(x) <= t && std::get<2>(x) == by && l.token(std::get<1>(x)) == l.token(made.token);
    });
  };
  std::vector<std::vector<uint32_t>> gens{{}};
  for (uint32_t li : order) {
    const Ledger::Call& by = l.call_of(l.launches[li].attempt);
    const std::vector<uint32_t>& cur = gens.back();
    if (!cur.empty() && std::all_of(cur.begin(), cur.end(), [&](uint32_t x) { return gone_before(x, by.invoked, by.intent); }))
      gens.emplace_back();
    gens.back().push_back(li);
  }
  if (gens.size() == 1) return false;
  const uint32_t intended = static_cast<uint32_t>(l.intents[head[L]].intended);
  for (const std::vector<uint32_t>& g : gens) {
    uint32_t sum = 0;
    for (uint32_t li : g) sum += share(li);
    if (sum > intended || g.size() > 1 || &g == &gens.back()) {
      std::vector<uint32_t> chosen = g;
      ls = std::move(chosen);
      total = sum;
      return true;
    }
  }
  return true;
}

namespace {

// Whether a call carries the token the launch of `attempt` was made with (or, for a launch without
// a token, is the call that made it): only such a call can learn of the launch from its answer.
bool learns_of(const Judge& j, const Ledger::Call& call, uint32_t c, uint32_t attempt) {
  const Ledger::Attempt& made = j.l.attempts[attempt];
  if (!made.has_token()) return j.l.attempts[attempt].call == c;
  const Token& token = j.l.token(made.token);
  if (call.token != kNone && j.l.token(call.token) == token) return true;
  return std::any_of(call.attempts.begin(), call.attempts.end(), [&](uint32_t a) {
    return j.l.attempts[a].has_token() && j.l.token(j.l.attempts[a].token) == token;
  });
}

// Whether the caller of logical intent L was still working at `t` on what the launch of `attempt`
// made: the intent was left open, or a call that can learn of the launch (with its token) was not
// over by then (it ended, or the caller's process crashed, after t), or began after t (a retry
// with the token it kept). A caller that goes on with new tokens never learns of it: that launch
// is an orphan.
bool in_progress(const Judge& j, uint32_t L, Time t, uint32_t attempt) {
  for (uint32_t m = j.member_begin[L]; m < j.member_begin[L + 1]; ++m) {
    const Ledger::Intent& i = j.l.intents[j.members[m]];
    if (!i.finished) return true;
    for (uint32_t c : i.calls) {
      const Ledger::Call& call = j.l.calls[c];
      if (call.api == Api::terminate || !learns_of(j, call, c, attempt)) continue;
      if (call.invoked > t || !call.over || *call.over > t) return true;
    }
  }
  return false;
}

}  // namespace

// no-false-reap, for cleanup jobs: an instance a reaper terminated was owned by an intent when an
// answer to the intent named its reservation (before the reap or after it: a caller that learns of
// its launch later still owns it), or when it was launched for an intent the caller was still
// working on at the reap (a retry with its token would have learned of it). A leaked instance of an
// intent the caller was done with is an orphan: reaping it is a cleanup.
void Judge::reaps() {
  if (l.reaps.empty()) return;
  std::vector<std::pair<uint32_t, uint32_t>> owner;  // (reservation, logical intent)
  for (const auto& [L, res] : answered) owner.emplace_back(res, L);
  std::sort(owner.begin(), owner.end());
  std::vector<size_t> told;  // per reaper: its finding's index in `out`, + 1
  for (uint32_t k = 0; k < l.reaps.size(); ++k) {
    const Ledger::Reap& r = l.reaps[k];
    if (r.instance == 0 || r.instance > l.reservation_of.size() || !l.reservation_of[r.instance - 1]) continue;
    const uint32_t res = l.reservation_of[r.instance - 1];
    const auto it = std::lower_bound(owner.begin(), owner.end(), std::make_pair(res, 0u));
    uint32_t L = kNone;
    uint8_t why = 0;
    if (it != owner.end() && it->first == res) {
      L = it->second;
    } else {
      const uint32_t by = logical[l.call_of(l.launches[res - 1].attempt).intent];
      if (in_progress(*this, by, r.at, l.launches[res - 1].attempt)) L = by, why = 1;
    }
    if (L == kNone) continue;
    if (told.size() <= r.reaper) told.resize(r.reaper + 1, 0);
    if (told[r.reaper]) {
      Finding& f = out[told[r.reaper] - 1];
      f.reaps.push_back(k);
      ++f.count;
      continue;
    }
    Finding f;
    f.property = Property::no_false_reap;
    f.reason = Reason::reaped_owned;
    f.subject_kind = Finding::Subject::reaper;
    f.subject = r.reaper;
    f.group = group_of_intent(head[L]);
    f.count = 1;
    f.first = k;
    f.other = head[L];
    f.code = why;
    f.reaps = {k};
    f.launches = {res - 1};
    f.launches_first = true;
    f.attempts = intent_attempts(L);
    out.push_back(std::move(f));
    told[r.reaper] = out.size();
  }
}

}  // namespace idem::model
