#include "model/retry.h"

#include <algorithm>

namespace idem::model {

std::string_view policy_name(PolicyKind k) {
  switch (k) {
    case PolicyKind::none: return "none";
    case PolicyKind::exponential: return "exponential";
    case PolicyKind::aws_standard: return "aws-standard";
    case PolicyKind::aws_standard_2026: return "aws-standard-2026";
    case PolicyKind::aws_adaptive: return "aws-adaptive";
    case PolicyKind::aws_legacy: return "aws-legacy";
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

RetryPolicy RetryPolicy::aws_standard_2026() {
  RetryPolicy p;
  p.kind = PolicyKind::aws_standard_2026;
  p.base = sim::millis(50);
  p.throttle_base = sim::seconds(1);
  p.retry_cost = 14;
  p.timeout_cost = 14;
  p.throttle_cost = 5;
  return p;
}

RetryPolicy RetryPolicy::aws_adaptive() {
  RetryPolicy p;
  p.kind = PolicyKind::aws_adaptive;
  return p;
}

RetryPolicy RetryPolicy::of(PolicyKind k) {
  switch (k) {
    case PolicyKind::none: return none();
    case PolicyKind::exponential: return exponential(5, sim::millis(100), sim::seconds(20), Jitter::full);
    case PolicyKind::aws_standard: return aws_standard();
    case PolicyKind::aws_standard_2026: return aws_standard_2026();
    case PolicyKind::aws_adaptive: return aws_adaptive();
    case PolicyKind::aws_legacy: return aws_legacy();
  }
  return aws_standard();
}

RetryPolicy RetryPolicy::aws_legacy() {
  RetryPolicy p;
  p.kind = PolicyKind::aws_legacy;
  p.attempts = 5;
  p.throttle_base = p.base;
  p.cap_after_jitter = true;
  return p;
}

namespace {
// "1.11.900" -> {1, 11, 900}: two to four parts of digits, each below 10^9; a missing part is 0
// (1.48 is 1.48.0). `why` says what is wrong otherwise.
bool parse_version(std::string_view v, std::vector<uint64_t>& out, std::string& why) {
  out.clear();
  uint64_t n = 0;
  size_t digits = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    const char c = i < v.size() ? v[i] : '.';
    if (c >= '0' && c <= '9') {
      if (++digits > 9) {
        why = "a part of '" + std::string(v) + "' is too long";
        return false;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
    } else if (c == '.' && digits > 0) {
      out.push_back(n);
      n = 0;
      digits = 0;
    } else {
      why = "'" + std::string(v) + "' is not a version like 1.44.0 (two to four parts of digits)";
      return false;
    }
  }
  if (out.size() < 2 || out.size() > 4) {
    why = "'" + std::string(v) + "' is not a version like 1.44.0 (two to four parts of digits)";
    return false;
  }
  out.resize(4, 0);
  return true;
}

struct SdkRow {
  std::string_view name;
  std::vector<uint64_t> from_2026;  // the first version with the 2026 behaviour (four parts)
  RetryPolicy before;               // the profile before it
  std::vector<uint64_t> from_standard = {};  // before this, legacy (AWS CLI v1); empty: none
};

const std::vector<SdkRow>& sdk_table() {
  static const std::vector<SdkRow> rows = [] {
    auto standard = [](Duration base, Duration throttle_base) {
      RetryPolicy p = RetryPolicy::aws_standard();
      p.base = base;
      p.throttle_base = throttle_base;
      return p;
    };
    RetryPolicy cpp = RetryPolicy::aws_legacy();
    cpp.attempts = 11;
    cpp.base = cpp.throttle_base = sim::millis(25);
    return std::vector<SdkRow>{
        {"awscli", {2, 40, 0, 0}, standard(sim::seconds(1), sim::seconds(1)), {2, 0, 0, 0}},
        {"botocore", {1, 44, 0, 0}, standard(sim::seconds(1), sim::seconds(1))},
        {"js", {3, 1166, 0, 0}, standard(sim::millis(100), sim::millis(500))},
        {"go-v2", {1, 48, 0, 0}, standard(sim::seconds(1), sim::seconds(1))},
        {"cpp", {1, 11, 926, 0}, cpp},
    };
  }();
  return rows;
}
}  // namespace

std::string_view known_sdks() { return "awscli, botocore, js, go-v2, cpp"; }

std::optional<RetryPolicy> sdk_profile(std::string_view sdk, std::string_view version, std::string* why) {
  for (const SdkRow& row : sdk_table()) {
    if (row.name != sdk) continue;
    std::vector<uint64_t> v;
    std::string bad;
    if (!parse_version(version, v, bad)) {
      if (why) *why = bad;
      return std::nullopt;
    }
    RetryPolicy p = v >= row.from_2026                                  ? RetryPolicy::aws_standard_2026()
                    : !row.from_standard.empty() && v < row.from_standard ? RetryPolicy::aws_legacy()  // AWS CLI v1
                                                                        : row.before;
    p.sdk = std::string(sdk) + " " + std::string(version);
    return p;
  }
  if (why) *why = "unknown SDK '" + std::string(sdk) + "'";
  return std::nullopt;
}

// ---- the adaptive mode's rate limiter

namespace {
constexpr int64_t kMinRate = 500;     // 0.5 requests/s, in milli-requests/s
constexpr int64_t kBucketUs = 500000;  // the send rate is measured per 500 ms

// The integer cube root of x >= 0.
int64_t icbrt(__int128 x) {
  if (x <= 0) return 0;
  int64_t lo = 0, hi = 1;
  while (static_cast<__int128>(hi) * hi * hi <= x) hi *= 2;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (static_cast<__int128>(mid) * mid * mid <= x ? lo : hi) = mid;
  }
  return lo;
}
}  // namespace

void RateLimiter::measure(sim::Time now) {
  const int64_t bucket = now.us / kBucketUs;
  if (bucket_ < 0) bucket_ = bucket;
  if (bucket != bucket_) {
    // The finished bucket's rate, smoothed 0.8 new / 0.2 old; empty buckets in between count 0.
    const int64_t rate = in_bucket_ * 1000 * 1000000 / kBucketUs;
    measured_mrps_ = (8 * rate + 2 * measured_mrps_) / 10;
    for (int64_t gap = bucket - bucket_ - 1; gap > 0 && measured_mrps_ > 0; --gap) measured_mrps_ = 2 * measured_mrps_ / 10;
    bucket_ = bucket;
    in_bucket_ = 0;
  }
  ++in_bucket_;
}

void RateLimiter::refill(sim::Time now) {
  if (!refilled_) {
    refilled_ = true;
    last_refill_ = now;
    return;
  }
  if (now <= last_refill_) return;  // the bucket is spoken for until then
  const int64_t add = static_cast<int64_t>(static_cast<__int128>((now - last_refill_).us) * fill_mrps_ / 1000000);
  level_milli_ = std::min(capacity_milli_, level_milli_ + add);
  last_refill_ = now;
}

Duration RateLimiter::acquire(sim::Time now) {
  if (!enabled_) return Duration(0);
  refill(now);
  if (level_milli_ >= 1000) {
    level_milli_ -= 1000;
    return Duration(0);
  }
  // Wait until one whole request has flowed in (after any wait already promised); it is spent then.
  const int64_t missing = 1000 - level_milli_;
  const sim::Time from = std::max(now, last_refill_);
  const sim::Time ready = from + Duration((missing * 1000000 + fill_mrps_ - 1) / fill_mrps_);
  level_milli_ = 0;
  last_refill_ = ready;
  return ready - now;
}

void RateLimiter::on_response(sim::Time now, bool throttled) {
  measure(now);
  int64_t rate;
  if (throttled) {
    const int64_t base = enabled_ ? std::min(measured_mrps_, fill_mrps_) : measured_mrps_;
    last_max_mrps_ = std::max<int64_t>(base, kMinRate);
    last_throttle_ = now;
    // K^3 = last_max * (1 - beta) / C seconds^3: with rates in mrps and times in us,
    // K_us^3 = last_max_mrps * 0.75 * 10^15.
    k_us_ = icbrt(static_cast<__int128>(last_max_mrps_) * 750 * 1000000000000LL);
    rate = last_max_mrps_ * 7 / 10;
    enabled_ = true;
  } else {
    if (!enabled_) return;
    // C * (t - K)^3 + last_max, with C = 0.4: in mrps, 0.4 * d_us^3 / 10^18 * 1000 = 4 * d^3 / 10^16.
    // (clamped to a day either way: far past K the rate is capped anyway, and d^3 stays in range)
    const __int128 d = std::clamp<int64_t>((now - last_throttle_).us - k_us_, -86400000000LL, 86400000000LL);
    const __int128 cubic = d * d * d * 4 / static_cast<__int128>(10000000000000000LL);
    const __int128 grown = cubic + last_max_mrps_;
    rate = static_cast<int64_t>(std::clamp<__int128>(grown, 0, static_cast<__int128>(1) << 50));
  }
  // Never above twice the measured rate, never below the minimum.
  rate = std::max(kMinRate, std::min(rate, std::max<int64_t>(2 * measured_mrps_, kMinRate)));
  refill(now);
  fill_mrps_ = rate;
  capacity_milli_ = std::max<int64_t>(1000, rate);
  level_milli_ = std::min(level_milli_, capacity_milli_);
}

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
  if (p.cap_after_jitter) {
    const int64_t raw = base.us > (INT64_MAX >> (shift + 1)) ? INT64_MAX / 2 : base.us << shift;
    return Duration(std::min(prng.range(0, raw + 1), p.cap.us));
  }
  switch (p.aws() ? Jitter::full : p.jitter) {
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
  const bool standard = p.uses_quota();
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
    const int64_t cost = end == AttemptEnd::timeout     ? p.timeout_cost
                         : end == AttemptEnd::throttled ? p.throttle_cost
                                                        : p.retry_cost;
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
