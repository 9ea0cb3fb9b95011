#include "model/retry.h"

#include <algorithm>

namespace idem::model {

std::string_view policy_name(PolicyKind k) {
  switch (k) {
    case PolicyKind::none: return "none";
    case PolicyKind::exponential: return "exponential";
    case PolicyKind::aws_standard: return "aws-standard";
  }
  return "?";
}

std::string_view jitter_name(Jitter j) {
  switch (j) {
    case Jitter::none: return "none";
    case Jitter::full: return "full";
    case Jitter::equal: return "equal";
    case Jitter::decorrelated: return "decorrelated";
  }
  return "?";
}

RetryPolicy RetryPolicy::none() {
  RetryPolicy p;
  p.kind = PolicyKind::none;
  p.attempts = 1;
  return p;
}

RetryPolicy RetryPolicy::exponential(int32_t attempts, Duration base, Duration cap, Jitter jitter) {
  RetryPolicy p;
  p.kind = PolicyKind::exponential;
  p.attempts = attempts;
  p.base = base;
  p.throttle_base = base;
  p.cap = cap;
  p.jitter = jitter;
  return p;
}

RetryPolicy RetryPolicy::aws_standard() { return RetryPolicy{}; }

AttemptEnd classify(Code code) {
  if (code == Code::Ok) return AttemptEnd::ok;
  if (is_throttling(code)) return AttemptEnd::throttled;
  return code_status(code) >= 500 ? AttemptEnd::server_error : AttemptEnd::client_error;
}

bool retryable(AttemptEnd e) {
  return e == AttemptEnd::server_error || e == AttemptEnd::throttled || e == AttemptEnd::timeout;
}

Duration RetryCall::backoff(AttemptEnd end, sim::Prng& prng) {
  const RetryPolicy& p = *policy_;
  const Duration base = end == AttemptEnd::throttled ? p.throttle_base : p.base;
  // base * 2^(retry-1), capped; the shift is bounded so it never overflows.
  const int shift = std::min(attempt_ - 1, 40);
  const int64_t grown = base.us > (p.cap.us >> shift) ? p.cap.us : base.us << shift;
  const int64_t ceiling = std::min(grown, p.cap.us);
  switch (p.kind == PolicyKind::aws_standard ? Jitter::full : p.jitter) {
    case Jitter::none: return Duration(ceiling);
    case Jitter::full: return Duration(prng.range(0, ceiling + 1));
    case Jitter::equal: return Duration(ceiling / 2 + prng.range(0, ceiling / 2 + 1));
    case Jitter::decorrelated: {
      const int64_t prev = last_sleep_.us > 0 ? last_sleep_.us : base.us;
      return Duration(std::min(p.cap.us, prng.range(base.us, prev * 3 + 1)));
    }
  }
  return Duration(ceiling);
}

std::optional<Duration> RetryCall::next(AttemptEnd end, RetryQuota& quota, sim::Prng& prng) {
  const RetryPolicy& p = *policy_;
  const bool standard = p.kind == PolicyKind::aws_standard;
  if (end == AttemptEnd::ok) {
    if (standard) quota.give(attempt_ == 1 ? p.success_increment : last_cost_);
    stop_ = "ok";
    return std::nullopt;
  }
  if (!retryable(end)) {
    stop_ = "not-retryable";
    return std::nullopt;
  }
  if (attempt_ >= p.attempts) {
    stop_ = "attempts";
    return std::nullopt;
  }
  if (standard) {
    const int64_t cost = end == AttemptEnd::timeout ? p.timeout_cost : p.retry_cost;
    if (!quota.take(cost)) {
      stop_ = "quota";
      return std::nullopt;
    }
    last_cost_ = cost;
  }
  last_sleep_ = backoff(end, prng);
  ++attempt_;
  return last_sleep_;
}

}  // namespace idem::model
