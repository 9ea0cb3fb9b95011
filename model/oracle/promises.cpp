// The scenario's promises beyond the token rules: liveness (every intent reaches a definite end
// after the faults heal) and amplification (a bound on attempts per intent).
#include <algorithm>

#include "model/oracle/judge.h"

namespace idem::model {

void Judge::promised() {
  if (!promises || (!promises->heal_at && !promises->max_attempts_per_intent)) return;
  const Promises& p = *promises;
  // Amplification, per logical intent: every layer's attempts (SDK retries, application calls,
  // reconciling Describes) of every delivery of the intent; deliberate repeats and terminates are
  // not retries.
  if (p.max_attempts_per_intent) {
    for (uint32_t L = 0; L < head.size(); ++L) {
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
      const bool settles = (call.api == Api::run && (call.outcome == Outcome::ok || call.outcome == Outcome::failed)) ||
                           (call.api == Api::describe && call.outcome == Outcome::ok && call.response.count > 0);
      if (settles && call.ended) decided = *call.ended;
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

}  // namespace idem::model
