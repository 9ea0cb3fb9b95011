// Retry policies, as the AWS SDKs and hand-written clients implement them.
//
//  none:          one attempt.
//  exponential:   `attempts` attempts; the n-th retry sleeps after base * 2^(n-1) capped at `cap`,
//                 with no, full, equal or decorrelated jitter (Brooker, "Exponential Backoff And
//                 Jitter", 2015).
//  aws-standard:  the SDKs' standard mode as of 2020: 3 attempts; sleep rand[0,1) * min(base * 2^(n-1),
//                 20 s) (the cap before the jitter) with base 100 ms (500 ms after throttling); a
//                 retry quota of 500 per client, a retry costs 5 (10 after a timeout or connection
//                 error), a retry that succeeds refunds its cost, a first-attempt success adds 1;
//                 no quota, no retry.
//  aws-standard-2026: the 2026 behaviour: base 50 ms (1 s after throttling); a retry costs 14,
//                 5 after throttling, with no special case for timeouts. (The model's service
//                 sends no x-amz-retry-after hint.)
//  aws-adaptive:  aws-standard plus the client-side rate limiter (RateLimiter below), which can
//                 delay even a call's first attempt after throttling.
//  aws-legacy:    5 attempts, no quota; sleep min(rand[0,1) * base * 2^(n-1), cap) (the cap after
//                 the jitter), base 100 ms. The C++ SDK's legacy default is 11 attempts, base 25 ms.
//
// sdk_profile() maps an SDK and its version to its profile (docs/sdk-profiles.md's table).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "model/types.h"
#include "sim/random.h"
#include "sim/time.h"

namespace idem::model {

using sim::Duration;

enum class PolicyKind : uint8_t { none, exponential, aws_standard, aws_standard_2026, aws_adaptive, aws_legacy };
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
  int64_t throttle_cost = 5;  // a retry after throttling
  int64_t success_increment = 1;
  bool cap_after_jitter = false;  // aws-legacy: min(rand * base * 2^(n-1), cap)
  std::string sdk;  // "go-v2 1.48.0" when the profile came from `retry.sdk`
  // 4xx codes this client retries all the same (the seed's one retryable 400: IncorrectState).
  std::vector<Code> retry_codes;
  bool retries_code(Code c) const { return std::find(retry_codes.begin(), retry_codes.end(), c) != retry_codes.end(); }

  static RetryPolicy none();
  static RetryPolicy exponential(int32_t attempts, Duration base, Duration cap, Jitter jitter);
  static RetryPolicy aws_standard();
  static RetryPolicy aws_standard_2026();
  static RetryPolicy aws_adaptive();
  static RetryPolicy aws_legacy();
  // A policy's defaults by its kind (exponential: 5 attempts, 100ms base, 20s cap, full jitter).
  static RetryPolicy of(PolicyKind k);

  // The SDKs' modes: full jitter, and (but legacy) a retry quota.
  bool aws() const { return kind >= PolicyKind::aws_standard; }
  bool uses_quota() const { return aws() && kind != PolicyKind::aws_legacy; }
};

// The profile an SDK of a version retries with: "awscli", "botocore", "js", "go-v2" or "cpp" and
// a dotted version ("2.9.19"). Unknown SDK or malformed version: nothing, and `why` says which.
std::optional<RetryPolicy> sdk_profile(std::string_view sdk, std::string_view version, std::string* why);
// The SDK names sdk_profile() knows, for messages.
std::string_view known_sdks();

// The adaptive mode's client-side rate limiter (botocore's ClientRateLimiter): a token bucket
// whose fill rate follows CUBIC (beta 0.7, C 0.4, at least 0.5 requests/s) once the client has
// been throttled. All in integers: rates in milli-requests per second, times in microseconds.
class RateLimiter {
 public:
  // Before each attempt: how long to wait before sending it (zero until the first throttle).
  Duration acquire(sim::Time now);
  // After each answer (or timeout): whether it was throttled.
  void on_response(sim::Time now, bool throttled);
  bool enabled() const { return enabled_; }
  int64_t fill_rate_mrps() const { return fill_mrps_; }

 private:
  void refill(sim::Time now);
  void measure(sim::Time now);

  bool enabled_ = false;
  int64_t fill_mrps_ = 500;        // milli-requests per second
  int64_t capacity_milli_ = 1000;  // bucket size, in milli-requests
  int64_t level_milli_ = 0;
  sim::Time last_refill_;
  bool refilled_ = false;
  int64_t last_max_mrps_ = 0;
  sim::Time last_throttle_;
  int64_t k_us_ = 0;  // CUBIC's K, in microseconds
  // The measured send rate: requests per 500 ms bucket, smoothed.
  int64_t measured_mrps_ = 0;
  int64_t bucket_ = -1;
  int64_t in_bucket_ = 0;
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
