// The property oracle: reads what the clients sent and received and what the service visibly did,
// and names every broken promise.
//
// It stands on its own: its scope, token validity and parameter equality are written here from
// the rules (DOMAIN.md), not borrowed from the service, so a bug in the service's store is caught
// rather than mirrored. Of the service it reads only what an outside observer could: each launch
// (its reservation and instance ids, its time, and which request made it), the launches taken on
// but not finished at the time limit, and when termination of an instance was asked for. The
// rules' settings (semantics, Regions, zones and subnets, the lifecycle times) come from the
// scenario.
//
// Properties:
//  answers:          every answer a client received is one the rules allow for that request, judged
//                    per token scope in the order the service took the requests in (rules 1-5, 7):
//                    InvalidParameterValue for an invalid token; the same reservation and every
//                    one of its instances for a repeat; IdempotentParameterMismatch for other
//                    parameters than the token's first request; IdempotentInstanceTerminated under
//                    `current` once the token's instances terminated; under 2013 the original
//                    answer within the retention counted from the termination (after it: the
//                    original answer or a new launch). A 5xx or no answer is always allowed (it
//                    says nothing). A request with an invalid token or parameters gets a 400,
//                    launches nothing and takes no part in the token's life. Describe and
//                    Terminate answers are judged too (inside describe_lag either answer), and
//                    each launch must hold what its request asked for.
//  token-instances:  per token and scope, exactly one reservation (a 2013 token past its retention
//                    may start a new one), with MinCount..MaxCount instances of its first request.
//  intent-instances: per intent (groups that name one `intent` are one), exactly one reservation
//                    and no more instances than intended, counting leaked ones (launched but never
//                    named in an answer the intent received) and launches still in flight at the
//                    limit; the reservation an intent was answered with was launched for it, and
//                    no token is sent by two intents in one scope (a collision); an intent the
//                    caller recorded as failed launched nothing; an intent terminates only
//                    instances an answer to it named (no false reap).
//
//  liveness:         (with `heal_at`) every intent reaches a definite end -- an answer that is not
//                    "unknown" -- by max(heal_at, when it began) + converge; the violation names
//                    what is still pending: client, intent, token, since when, the last outcome.
//  amplification:    (with `max_attempts_per_intent`) no intent makes more attempts than that,
//                    across every layer (SDK retries, application retries, reconciling calls).
//
// Every answer a client received counts, including one that arrived after it stopped waiting.
#pragma once

#include <string>
#include <vector>

#include "model/history.h"
#include "model/service.h"

namespace idem::model {

struct Violation {
  std::string property;
  std::string subject;  // "token 6f1c… in us-east-1" or "intent sdk#3/1"
  std::string detail;
  uint32_t instances = 0;  // launched under the subject
  uint32_t intended = 0;
  uint32_t leaked = 0;     // of those, never learned by the client
  // The client group the violation belongs to (the intent's, or the first wrong request's), or -1.
  int32_t group = -1;
  struct Step {
    Time at;
    std::string what;
    bool key = false;  // a launch, an attempt that launched, or a wrong answer: never elided
  };
  std::vector<Step> events;  // the history behind it, in time order
  // The same history by number, for drawing it (reports' timeline): every attempt in its story
  // (History::attempts indexes, the trace's attempt=N), and the attempts whose launches broke the
  // rule (a launch beyond the one allowed, or one the rules forbid), in the order found.
  std::vector<uint32_t> attempts;
  std::vector<uint32_t> bad_launches;
  std::vector<uint32_t> reaps;  // History::reaps indexes: the terminations that broke it (no-false-reap)
};

// The scenario's promises beyond the token rules (docs/scenario-format.md, `heal_at`).
struct Promises {
  std::optional<Time> heal_at;          // every fault ends here; liveness is checked only when set
  Duration converge = sim::minutes(5);  // after heal_at, every intent reaches a definite end within this
  std::optional<int32_t> max_attempts_per_intent;  // amplification: attempts of one intent, every layer
  Time limit;                           // the run's end: an intent still open then is judged only if the deadline passed
};

struct OracleInput {
  const History& history;
  const Service& service;       // read for its visible effects only (see above)
  const ServiceConfig& config;  // the rules' settings
  const Promises* promises = nullptr;
};

// Counts the oracle makes on the way, for the run's summary.
struct OracleCounts {
  uint32_t leaked = 0;             // instances no answer ever named to the intent that made them
  uint32_t launches_in_flight = 0; // taken on but not finished at the time limit
  std::vector<uint32_t> leaked_by_group;  // `leaked`, by the client group of the intent
  // Leaked instances' lives, launch to termination (or the run's limit), microseconds, by group.
  std::vector<uint64_t> leaked_us_by_group;
};

std::vector<Violation> check(const OracleInput& in, OracleCounts* counts = nullptr);

// The oracle's own rule 1: 1 to 64 ASCII characters.
bool token_is_valid(const Token& token);
// The oracle's own rule 3: every parameter but the Region and zone (the scope) matches.
bool same_parameters(const LaunchParams& a, const LaunchParams& b);

}  // namespace idem::model
