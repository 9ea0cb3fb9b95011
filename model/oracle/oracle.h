// The property oracle: judges a run log (model/observation.h) against the token rules and the
// scenario's promises, and returns findings: structured, with no text (reports/ words them).
//
// It stands on what was observed, and on the rules' settings: its scope, token validity and
// parameter equality are its own (model/oracle/rules.h), so a bug in the service's store is caught
// rather than mirrored, and it never reads the service's state. A log a simulated service did not
// write (a real client on the wire, a production log) is judged the same way.
//
// Every answer is judged at the instant the service decided it (the `admitted` record; a Describe
// or a Terminate when it was handled), against the set of answers the rules allow then, per token
// scope in the order the service decided (as TigerBeetle's auditor judges each reply at its commit
// timestamp):
//  answers:          InvalidParameterValue for an invalid token; the same reservation and every one
//                    of its instances for a repeat; IdempotentParameterMismatch for other parameters
//                    than the token's first request; IdempotentInstanceTerminated under `current` once
//                    the token's instances terminated; under 2013 the original answer within the
//                    retention counted from the termination (after it: the original answer or a new
//                    launch). A 5xx or no answer is always allowed (it says nothing). A request with an
//                    invalid token or parameters gets a 400, launches nothing and takes no part in the
//                    token's life; so does a request the service released without launching (a
//                    frontend's crash before its launch: recovery frees the token), one that joined such
//                    a launch, and one taken in while the token store was down. Describe and Terminate
//                    answers are judged too (inside describe_lag either answer), and each launch must
//                    be what and where its request asked (Region, account, zone, subnet when one was asked, image, type,
//                    MinCount..MaxCount).
//  token-instances:  per token and scope, exactly one reservation (a 2013 token past its retention may
//                    start a new one), with MinCount..MaxCount instances of its first request.
//  token-collision:  no token is sent by two intents in one scope.
//  intent-instances: per intent (groups that name one `intent` are one), exactly one reservation and no
//                    more instances than intended, counting leaked ones (launched but never named in an
//                    answer the intent received) and launches still in flight at the limit; an intent
//                    the caller recorded as failed launched nothing.
//  intent-exact:     the reservation an intent was answered with was launched for it, and an intent that
//                    ended well has at least MinCount instances of its own.
//  no-false-reap:    an intent terminates only instances an answer to it, or to another intent of its client,
//                    named; a cleanup job terminates
//                    no instance an intent owns (named to it, or launched for an intent its caller was
//                    still working on: a call of it not over, a caller's crash ending its calls).
//  liveness:         (with `heal_at`) every intent reaches a definite end by max(heal_at, when it began)
//                    + converge.
//  amplification:    (with `max_attempts_per_intent`) no intent makes more attempts than that, across
//                    every layer.
//  leaks:            (with `leaks`) an instance launched for an intent that no answer to the intent
//                    named (the caller cannot know it exists) is gone (its termination asked, by anyone,
//                    plus terminate_time) within `max_age` of its launch; and the lives of all such
//                    instances add up to at most `max_instance_hours`. One still running at the limit
//                    breaks max_age only once it is older than that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/oracle/ledger.h"
#include "model/types.h"

namespace idem::model {

// The settings the rules depend on (the scenario's): which token rules, the Regions with their
// zones and subnets, the accounts, and the lifecycle times that decide what a repeat must get.
struct Rules {
  Semantics semantics = Semantics::current;
  std::vector<RegionSpec> regions;
  std::vector<std::string> accounts{"default"};
  Duration terminate_time = sim::seconds(10);
  Duration describe_lag = sim::seconds(1);
  Duration token_retention = sim::hours(24);
  // When how long an instance takes to terminate is known only within bounds (a production log):
  // it is gone at some time from terminate_time to this after its termination was asked, and in
  // between a repeat of its token may get either answer. Unset: exactly terminate_time.
  std::optional<Duration> terminate_time_max;
};

// The scenario's promises beyond the token rules (docs/scenario-format.md, `heal_at`).
struct Promises {
  std::optional<Time> heal_at;          // every fault ends here; liveness is checked only when set
  Duration converge = sim::minutes(5);  // after heal_at, every intent reaches a definite end within this
  std::optional<int32_t> max_attempts_per_intent;  // amplification: attempts of one intent, every layer
  std::optional<Duration> leak_max_age;            // leaks: how long a leaked instance may live
  std::optional<int64_t> leak_max_instance_us;     // leaks: leaked instances' lives summed (instance-µs)
  Time limit;                           // the run's end: an intent still open then is judged only if the deadline passed
};

enum class Property : uint8_t {
  answers, token_instances, token_collision, intent_instances, intent_exact, no_false_reap, liveness, amplification,
  leaks, kCount
};
std::string_view property_name(Property p);

// Why a property broke; reports/ words each one.
enum class Reason : uint8_t {
  wrong_answers,        // answers: answers the rules do not allow in one scope
  invalid_launched,     // answers: an invalid token or invalid parameters launched
  invalid_answered,     // answers: ... answered other than with the 400 the rules give
  untokened_answer,     // answers: without a token, a 200 naming another launch
  describe_answer,      // answers: a DescribeInstances answer
  terminate_answer,     // answers: a TerminateInstances answer
  placement,            // answers: a launch not what or where its request asked
  collision,            // token-collision
  extra_launches,       // token-instances
  intent_launches,      // intent-instances: more than one launch, or too many instances
  failed_but_launched,  // intent-instances: recorded as failed, yet its request launched
  terminated_unnamed,   // no-false-reap: an intent terminated an instance no answer named to it
  reaped_owned,         // no-false-reap: a cleanup job terminated instances intents own
  foreign_reservation,  // intent-exact: answered with another intent's reservation
  short_of_min,         // intent-exact: ended well with fewer than MinCount of its own
  gave_up_unknown,      // liveness: the caller gave up with the outcome unknown
  settled_late,         // liveness: the outcome was settled after the deadline
  blocked,              // liveness: the caller blocked, waiting for a human
  open_at_limit,        // liveness: no definite end at the limit, past the deadline
  too_many_attempts,    // amplification
  leak_outlived,        // leaks: a leaked instance lived longer than max_age
  leak_hours,           // leaks: leaked instances' lives summed beyond max_instance_hours
};

// What the first wrong answer of a scope should have been (Reason::wrong_answers, invalid_*).
enum class Expect : uint8_t { launch, invalid, bad_parameters, mismatch, terminated };

// A launch's placement broken (Reason::placement): the first field that differs.
enum class Misplaced : uint8_t { region, account, zone, subnet, image, type, count };

struct Finding {
  Property property = Property::answers;
  Reason reason = Reason::wrong_answers;
  // Whom it is about: a token's scope or a request (an attempt id), an intent (its first intent
  // record, for groups that name one intent), a cleanup job, a launch (its reservation).
  enum class Subject : uint8_t { scope, request, api, intent, reaper, launch } subject_kind = Subject::scope;
  uint32_t subject = 0;
  int32_t group = -1;  // the client group it belongs to, or -1
  uint32_t instances = 0, intended = 0, leaked = 0;
  // Reason-specific, as each reason's comment in reports/violations.cpp reads them: a count, the
  // attempt, launch, intent or reap the detail names first, another id, a small code, flags.
  uint32_t count = 0;
  uint32_t first = kNone;
  uint32_t other = kNone;
  uint8_t code = 0;
  uint8_t flags = 0;
  int64_t t1 = 0, t2 = 0;  // times (liveness)
  // The story: its attempts (ledger ids), those never elided besides the ones that launched, its
  // launches (ledger indexes), and the reaps it names (ledger indexes).
  std::vector<uint32_t> attempts, key_attempts, launches, reaps;
  bool launches_first = false;  // the story lists its launches before its attempts
  // The attempts whose launches broke the rule (beyond the one allowed, or forbidden), in the
  // order found.
  std::vector<uint32_t> bad_launches;

  friend bool operator==(const Finding&, const Finding&) = default;
};

// Counts the oracle makes on the way, for the run's summary.
struct OracleCounts {
  uint32_t leaked = 0;              // instances no answer ever named to the intent that made them
  uint32_t launches_in_flight = 0;  // taken on but not finished at the time limit
  std::vector<uint32_t> leaked_by_group;
  std::vector<uint64_t> leaked_us_by_group;  // leaked instances' lives, launch to termination (or the limit)
  std::vector<uint32_t> leaked_launches;     // the launches (ledger indexes) with a leaked instance, in order
};

std::vector<Finding> check(const Ledger& ledger, const Rules& rules, const Promises* promises = nullptr,
                           OracleCounts* counts = nullptr);

// The findings' hash, field by field (the run's hash covers it, so that a run twice sees a
// non-deterministic oracle).
uint64_t hash_findings(uint64_t h, const std::vector<Finding>& fs);

}  // namespace idem::model
