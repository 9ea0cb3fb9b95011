// The scenario's promises beyond the token rules: liveness (every intent reaches a definite end
// after the faults heal), amplification (a bound on attempts per intent) and leaks (an instance no
// answer named is cleaned up in time).
#include <algorithm>

#include "model/oracle/judge.h"

namespace idem::model {

void Judge::promised() {
  leaked();
  if (!promises || (!promises->heal_at && !promises->max_attempts_per_intent)) return;
  const Promises& p = *promises;
  // Amplification, per logical intent: every layer's attempts (SDK retries, application calls,
  // reconciling Describes) of every delivery of the intent; deliberate repeats and terminates are
  // not retries.
  if (p.max_attempts_per_intent) {
    for (uint32_t L = 0; L < head.size(); ++L) {
      if (l.intents[head[L]].intended == 0) continue;  // a live client's lookups: no launch to retry for
      std::vector<uint32_t> attempts;
      for (uint32_t m = member_begin[L]; m < member_begin[L + 1]; ++m)
        for (uint32_t c : l.intents[members[m]].calls) {
          const Ledger::Call& call = l.calls[c];
          if (call.api != Api::terminate && !call.repeat) attempts.insert(attempts.end(), call.attempts.begin(), call.attempts.end());
        }
      if (attempts.size() <= static_cast<size_t>(*p.max_attempts_per_intent)) continue;
      Finding f = about(head[L], Property::amplification, Reason::too_many_attempts);
      f.count = static_cast<uint32_t>(attempts.size());
      f.other = static_cast<uint32_t>(*p.max_attempts_per_intent);
      f.attempts = std::move(attempts);
      out.push_back(std::move(f));
    }
  }
  if (!p.heal_at) return;
  // Liveness, per intent record (each delivery must learn how its launch ended).
  for (uint32_t n = 0; n < l.intents.size(); ++n) {
    const Ledger::Intent& intent = l.intents[n];
    if (intent.calls.empty()) continue;
    std::vector<uint32_t> attempts;
    std::optional<Time> decided;  // when the outcome the intent ended with was settled
    uint32_t last = kNone;
    for (uint32_t c : intent.calls) {
      const Ledger::Call& call = l.calls[c];
      if (call.api == Api::terminate || call.repeat) continue;
      attempts.insert(attempts.end(), call.attempts.begin(), call.attempts.end());
      last = c;
      if (call.settles()) decided = *call.ended;
    }
    if (last == kNone) continue;
    const bool definite = intent.outcome == Outcome::ok || intent.outcome == Outcome::failed;
    const Time began = l.calls[intent.calls.front()].invoked;
    const Time deadline = std::max(*p.heal_at, began) + p.converge;
    Reason why;
    if (intent.finished && !definite) why = Reason::gave_up_unknown;
    else if (intent.finished && decided && *decided > deadline) why = Reason::settled_late;
    else if (intent.blocked) why = Reason::blocked;
    else if (!intent.finished && p.limit >= deadline) why = Reason::open_at_limit;
    else continue;
    Finding f = about(n, Property::liveness, why);
    f.first = last;  // its last call
    const Ledger::Call& lc = l.calls[last];
    f.other = lc.attempts.empty() ? kNone : lc.attempts.back();
    f.t1 = decided ? decided->us : 0;
    f.t2 = deadline.us;
    f.attempts = std::move(attempts);
    out.push_back(std::move(f));
  }
}

// Leaks: each leaked instance gone within max_age of its launch (one finding per intent, naming
// its first instance that was not); their lives summed within max_instance_hours (one finding).
void Judge::leaked() {
  if (!promises || (!promises->leak_max_age && !promises->leak_max_instance_us)) return;
  const Promises& p = *promises;
  // Sums of lives, in µs: wide enough for millions of instances over a limit of years.
  __int128 total_us = 0, most_us = -1;
  uint32_t total = 0, most_L = kNone;
  for (size_t i = 0; i < leaks.size();) {
    const uint32_t L = leaks[i].L;
    Finding f = about(head[L], Property::leaks, Reason::leak_outlived);
    __int128 intent_us = 0;
    for (; i < leaks.size() && leaks[i].L == L; ++i) {
      const Leak& k = leaks[i];
      const Ledger::Launch& launch = l.launches[k.launch];
      for (uint32_t id = k.first; id < k.first + k.count; ++id) {
        intent_us += life(id, launch.at).us;  // its cost: until it was gone, or the limit
        ++total;
        // Its age against max_age: until it was gone when its termination was taken (even if that
        // ends after the limit); one still running at the limit is judged once older than max_age.
        const std::optional<Time> gone = gone_at(id);
        const Duration lived = gone ? *gone - launch.at : p.limit - launch.at;
        if (!p.leak_max_age || lived <= *p.leak_max_age) continue;
        if (f.count++ > 0) continue;
        f.first = launch.attempt;
        f.other = id;
        f.t1 = launch.at.us;
        f.t2 = (gone ? *gone : p.limit).us;
        f.flags = gone ? 0 : 1;
        f.launches = {k.launch};
        f.bad_launches = {launch.attempt};
        for (uint32_t r = 0; r < l.reaps.size(); ++r)
          if (l.reaps[r].instance == id) f.reaps.push_back(r);
      }
    }
    total_us += intent_us;
    if (intent_us > most_us) most_us = intent_us, most_L = L;
    if (f.count == 0) continue;
    f.launches_first = true;
    f.attempts = intent_attempts(L);
    out.push_back(std::move(f));
  }
  if (p.leak_max_instance_us && total_us > *p.leak_max_instance_us && most_L != kNone) {
    Finding f = about(head[most_L], Property::leaks, Reason::leak_hours);
    f.count = total;
    f.t1 = static_cast<int64_t>(std::min<__int128>(total_us, INT64_MAX));
    f.t2 = *p.leak_max_instance_us;
    f.other = static_cast<uint32_t>(std::min<__int128>(most_us / 1000000, UINT32_MAX));  // the intent's share, in s
    for (const Leak& k : leaks)
      if (k.L == most_L) f.launches.push_back(k.launch), f.bad_launches.push_back(l.launches[k.launch].attempt);
    f.launches_first = true;
    f.attempts = intent_attempts(most_L);
    out.push_back(std::move(f));
  }
}

}  // namespace idem::model
