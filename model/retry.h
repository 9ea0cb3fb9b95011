// Retry policies, as the AWS SDKs and hand-written clients implement them.
//
//  none:          one attempt.
//  exponential:   `attempts` attempts; the n-th retry sleeps after base * 2^(n-1) capped at `cap`,
//                 with no, full, equal or decorrelated jitter (Brooker, "Exponential Backoff And
//                 Jitter", 2015).
//  aws-standard:  the SDKs' standard mode: 3 attempts; sleep rand[0,1) * min(base * 2^(n-1), 20 s)
//                 with base 100 ms (500 ms after throttling); a retry quota of 500 per client, a
//                 retry costs 5 (10 after a timeout or connection error), a retry that succeeds
//                 refunds its cost, a first-attempt success adds 1; no quota, no retry.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>
#include <string_view>

#include "model/types.h"
#include "sim/random.h"
#include "sim/time.h"

namespace idem::model {

using sim::Duration;

enum class PolicyKind : uint8_t { none, exponential, aws_standard };
enum class Jitter : uint8_t { none, full, equal, decorrelated };

std::string_view policy_name(PolicyKind k);
std::string_view jitter_name(Jitter j);

struct RetryPolicy {
  PolicyKind kind = PolicyKind::aws_standard;
  int32_t attempts = 3;  // total attempts per call, the first included
  Duration base = sim::millis(100);
  Duration throttle_base = sim::millis(500);
  Duration cap = sim::seconds(20);
  Jitter jitter = Jitter::full;
  // aws-standard retry quota.
  int64_t quota = 500;
  int64_t retry_cost = 5;
  int64_t timeout_cost = 10;
  int64_t success_increment = 1;
  // 4xx codes this client retries all the same (the seed's one retryable 400: IncorrectState).
  std::vector<Code> retry_codes;
  bool retries_code(Code c) const { return std::find(retry_codes.begin(), retry_codes.end(), c) != retry_codes.end(); }

  static RetryPolicy none();
  static RetryPolicy exponential(int32_t attempts, Duration base, Duration cap, Jitter jitter);
  static RetryPolicy aws_standard();
};

// How one attempt ended, as the retry logic sees it.
enum class AttemptEnd : uint8_t {
  ok,
  client_error,  // 4xx: retrying will not help
  server_error,  // 5xx other than throttling
  throttled,     // RequestLimitExceeded and the like
  timeout,       // no answer in time, or the connection failed: outcome unknown
};

AttemptEnd classify(Code code);
bool retryable(AttemptEnd e);

// The retry quota of one SDK client (shared by all its calls).
class RetryQuota {
 public:
  explicit RetryQuota(const RetryPolicy& p) : capacity_(p.quota), available_(p.quota) {}
  int64_t available() const { return available_; }
  bool take(int64_t cost) {
    if (available_ < cost) return false;
    available_ -= cost;
    return true;
  }
  void give(int64_t n) { available_ = available_ + n > capacity_ ? capacity_ : available_ + n; }

 private:
  int64_t capacity_;
  int64_t available_;
};

// The retry state of one call: which attempt it is on and what its last retry cost.
class RetryCall {
 public:
  explicit RetryCall(const RetryPolicy& p) : policy_(&p) {}

  int32_t attempt() const { return attempt_; }  // 1 for the first attempt
  // After attempt `attempt()` ended with `end`: the sleep before the next attempt, or nothing
  // when the call must stop (success, non-retryable error, attempts or quota exhausted).
  // Draws from `prng` only when it retries.
  std::optional<Duration> next(AttemptEnd end, RetryQuota& quota, sim::Prng& prng);
  // Why next() last said no: "ok", "not-retryable", "attempts", "quota".
  std::string_view stop_reason() const { return stop_; }

 private:
  Duration backoff(AttemptEnd end, sim::Prng& prng);

  const RetryPolicy* policy_;
  int32_t attempt_ = 1;
  int64_t last_cost_ = 0;
  Duration last_sleep_;
  std::string_view stop_ = "";
};

}  // namespace idem::model
