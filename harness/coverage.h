// Coverage in the domain's terms: a fixed catalogue of situations a run can reach, counted per
// run and over a batch, so that a user sees what a scenario exercised ("reached 6 of 15: ...;
// not reached though its settings allow: ...") and, where the scenario's settings rule one out,
// why. Besides the domain's situations, the boundaries of knobs (a rate limiter that waited, a
// batch partly filled, a clock ahead or behind, a reap of an instance listed without its tags).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace idem::harness {

struct Scenario;

enum class Situation : uint8_t {
  repeat_in_flight,        // a repeat of a token while its first launch is in flight (joined)
  repeat_launch_record,    // ... after the launch, before the record
  response_lost_commit,    // a 200 lost on its way back (the launch happened)
  repeat_after_terminate,  // a repeat of a token whose instances all terminated
  repeat_after_forget,     // a repeat that found its token's record expired (TTL, retention)
  mismatch_after_fallback, // IdempotentParameterMismatch for a fallback request
  two_intents_one_token,   // a request of one intent meets a record another intent made
  describe_too_soon,       // a Describe by token that missed a launch not visible yet
  caller_crash,            // a caller crashed between a call and recording its result
  quota_mid_chain,         // the SDK's retry quota ran out in the middle of a retry chain
  // The boundaries of knobs: a run that never crossed one cannot show what the knob changes.
  rate_limited,            // aws-adaptive's client-side rate limiter made an attempt wait
  batch_partly_filled,     // a batch call served fewer intents than its group's `batch`
  clock_ahead,             // a frontend whose clock was ahead took a request in
  clock_behind,            // ... one whose clock was behind
  reaped_untagged,         // a reaper terminated an instance its listing showed without tags
  kCount
};
constexpr size_t kSituations = static_cast<size_t>(Situation::kCount);
using Coverage = std::array<uint64_t, kSituations>;

std::string_view situation_name(Situation s);
// Why `s` cannot happen under the scenario's settings, or "" when it can.
std::string unreachable_because(Situation s, const Scenario& sc);

}  // namespace idem::harness
