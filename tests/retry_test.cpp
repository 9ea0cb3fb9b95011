// Retry policies: attempts, backoff bounds per jitter, and the aws-standard retry quota.
#include <gtest/gtest.h>

#include "model/retry.h"

using namespace idem::model;
using idem::sim::Duration;
using idem::sim::millis;
using idem::sim::Prng;
using idem::sim::seconds;
using idem::sim::Time;

namespace {
// Drives one call through failures of kind `end` and returns the sleeps it asked for.
std::vector<Duration> sleeps(const RetryPolicy& p, AttemptEnd end, RetryQuota& q, Prng& prng) {
  RetryCall call(p);
  std::vector<Duration> out;
  while (auto d = call.next(end, q, prng)) out.push_back(*d);
  return out;
}
}  // namespace

TEST(Classify, StatusesAndCodes) {
  EXPECT_EQ(classify(Code::Ok), AttemptEnd::ok);
  EXPECT_EQ(classify(Code::IdempotentParameterMismatch), AttemptEnd::client_error);
  EXPECT_EQ(classify(Code::InternalError), AttemptEnd::server_error);
  EXPECT_EQ(classify(Code::Unavailable), AttemptEnd::server_error);
  EXPECT_EQ(classify(Code::RequestLimitExceeded), AttemptEnd::throttled);
  EXPECT_FALSE(retryable(AttemptEnd::client_error));
  EXPECT_TRUE(retryable(AttemptEnd::timeout));
}

TEST(PolicyNone, OneAttemptOnly) {
  RetryPolicy p = RetryPolicy::none();
  RetryQuota q(p);
  Prng prng(1);
  EXPECT_TRUE(sleeps(p, AttemptEnd::timeout, q, prng).empty());
}

TEST(PolicyExponential, NoJitterDoublesUpToTheCap) {
  RetryPolicy p = RetryPolicy::exponential(6, millis(100), millis(500), Jitter::none);
  RetryQuota q(p);
  Prng prng(1);
  std::vector<Duration> got = sleeps(p, AttemptEnd::server_error, q, prng);
  std::vector<Duration> want{millis(100), millis(200), millis(400), millis(500), millis(500)};
  EXPECT_EQ(got, want);
}

TEST(PolicyExponential, JitterStaysWithinItsBounds) {
  Prng prng(5);
  for (int trial = 0; trial < 200; ++trial) {
    for (Jitter j : {Jitter::full, Jitter::equal, Jitter::decorrelated}) {
      RetryPolicy p = RetryPolicy::exponential(8, millis(10), seconds(1), j);
      RetryQuota q(p);
      std::vector<Duration> got = sleeps(p, AttemptEnd::timeout, q, prng);
      ASSERT_EQ(got.size(), 7u);
      Duration prev = millis(10);
      for (size_t i = 0; i < got.size(); ++i) {
        const int64_t ceiling = std::min<int64_t>(10000LL << i, 1000000);
        if (j == Jitter::full) {
          EXPECT_GE(got[i].us, 0);
          EXPECT_LE(got[i].us, ceiling);
        } else if (j == Jitter::equal) {
          EXPECT_GE(got[i].us, ceiling / 2);
          EXPECT_LE(got[i].us, ceiling);
        } else {
          EXPECT_GE(got[i].us, 10000);
          EXPECT_LE(got[i].us, std::min<int64_t>(1000000, prev.us * 3));
          prev = got[i];
        }
      }
    }
  }
}

TEST(PolicyExponential, StopsOnNonRetryableErrors) {
  RetryPolicy p = RetryPolicy::exponential(5, millis(10), seconds(1), Jitter::full);
  RetryQuota q(p);
  Prng prng(1);
  RetryCall call(p);
  EXPECT_FALSE(call.next(AttemptEnd::client_error, q, prng));
  EXPECT_EQ(call.stop_reason(), "not-retryable");
}

TEST(AwsStandard, ThreeAttemptsFullJitterUnderTheCeiling) {
  RetryPolicy p = RetryPolicy::aws_standard();
  Prng prng(2);
  for (int trial = 0; trial < 500; ++trial) {
    RetryQuota q(p);
    std::vector<Duration> got = sleeps(p, AttemptEnd::server_error, q, prng);
    ASSERT_EQ(got.size(), 2u);  // 3 attempts: 2 retries
    EXPECT_LE(got[0], millis(100));
    EXPECT_LE(got[1], millis(200));
  }
}

TEST(AwsStandard, ThrottlingUsesTheLargerBase) {
  RetryPolicy p = RetryPolicy::aws_standard();
  Prng prng(3);
  Duration longest;
  for (int trial = 0; trial < 500; ++trial) {
    RetryQuota q(p);
    std::vector<Duration> got = sleeps(p, AttemptEnd::throttled, q, prng);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_LE(got[0], millis(500));
    longest = std::max(longest, got[0]);
  }
  EXPECT_GT(longest, millis(100));  // it does use the throttling base
}

TEST(AwsStandard, CapIsTwentySeconds) {
  RetryPolicy p = RetryPolicy::aws_standard();
  p.attempts = 20;
  p.quota = 1000000;
  RetryQuota q(p);
  Prng prng(4);
  for (Duration d : sleeps(p, AttemptEnd::server_error, q, prng)) EXPECT_LE(d, seconds(20));
}

TEST(AwsStandard, QuotaCostsFiveOrTenAndRefundsOnSuccess) {
  RetryPolicy p = RetryPolicy::aws_standard();
  RetryQuota q(p);
  Prng prng(1);
  {
    RetryCall call(p);
    ASSERT_TRUE(call.next(AttemptEnd::server_error, q, prng));
    EXPECT_EQ(q.available(), 495);
    ASSERT_TRUE(call.next(AttemptEnd::timeout, q, prng));
    EXPECT_EQ(q.available(), 485);
    EXPECT_FALSE(call.next(AttemptEnd::ok, q, prng));
    EXPECT_EQ(q.available(), 495);  // the successful retry refunds its own cost (10)
  }
  {
    RetryCall call(p);
    EXPECT_FALSE(call.next(AttemptEnd::ok, q, prng));
    EXPECT_EQ(q.available(), 496);  // a first-attempt success adds 1
  }
}

TEST(AwsStandard, AnEmptyQuotaStopsRetrying) {
  RetryPolicy p = RetryPolicy::aws_standard();
  p.quota = 12;
  RetryQuota q(p);
  Prng prng(1);
  RetryCall a(p);
  ASSERT_TRUE(a.next(AttemptEnd::timeout, q, prng));  // 12 -> 2
  RetryCall b(p);
  EXPECT_FALSE(b.next(AttemptEnd::server_error, q, prng));
  EXPECT_EQ(b.stop_reason(), "quota");
  EXPECT_EQ(q.available(), 2);
}

TEST(AwsStandard, SuccessNeverOverfillsTheQuota) {
  RetryPolicy p = RetryPolicy::aws_standard();
  RetryQuota q(p);
  Prng prng(1);
  for (int i = 0; i < 10; ++i) {
    RetryCall call(p);
    call.next(AttemptEnd::ok, q, prng);
  }
  EXPECT_EQ(q.available(), 500);
}

// ---- The SDK profiles (model/retry.h, top; docs/sdk-profiles.md)

TEST(AwsStandard2026, BaseFiftyMillisOneSecondAfterThrottling) {
  const RetryPolicy p = RetryPolicy::aws_standard_2026();
  EXPECT_EQ(p.attempts, 3);
  Prng prng(5);
  Duration longest_error, longest_throttle;
  for (int trial = 0; trial < 500; ++trial) {
    RetryQuota q(p);
    const std::vector<Duration> errors = sleeps(p, AttemptEnd::server_error, q, prng);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_LE(errors[0], millis(50));
    EXPECT_LE(errors[1], millis(100));
    longest_error = std::max(longest_error, errors[0]);
    RetryQuota q2(p);
    const std::vector<Duration> throttled = sleeps(p, AttemptEnd::throttled, q2, prng);
    EXPECT_LE(throttled[0], seconds(1));
    longest_throttle = std::max(longest_throttle, throttled[0]);
  }
  EXPECT_GT(longest_error, millis(40));
  EXPECT_GT(longest_throttle, millis(500));
}

TEST(AwsStandard2026, RetriesCostFourteenFiveAfterThrottlingNoTimeoutCase) {
  const RetryPolicy p = RetryPolicy::aws_standard_2026();
  RetryQuota q(p);
  Prng prng(1);
  RetryCall call(p);
  ASSERT_TRUE(call.next(AttemptEnd::timeout, q, prng));
  EXPECT_EQ(q.available(), 486);  // 14, not 10: no special case for timeouts
  ASSERT_TRUE(call.next(AttemptEnd::throttled, q, prng));
  EXPECT_EQ(q.available(), 481);  // 5 after throttling
  EXPECT_FALSE(call.next(AttemptEnd::ok, q, prng));
  EXPECT_EQ(q.available(), 486);  // the successful retry refunds its cost
  RetryCall other(p);
  ASSERT_TRUE(other.next(AttemptEnd::server_error, q, prng));
  EXPECT_EQ(q.available(), 472);
}

TEST(AwsStandard, CapBeforeJitterLegacyCapAfterIt) {
  // Before the jitter: rand * min(base * 2^n, cap) spreads below the cap; after it:
  // min(rand * base * 2^n, cap) sits at the cap most of the time once base * 2^n is far above it.
  RetryPolicy standard = RetryPolicy::aws_standard();
  standard.attempts = 12;
  standard.quota = 1000000;
  RetryPolicy legacy = RetryPolicy::aws_legacy();
  legacy.attempts = 12;
  Prng prng(6);
  int standard_at_cap = 0, legacy_at_cap = 0, n = 0;
  for (int trial = 0; trial < 200; ++trial) {
    RetryQuota q(standard), q2(legacy);
    const std::vector<Duration> a = sleeps(standard, AttemptEnd::server_error, q, prng);
    const std::vector<Duration> b = sleeps(legacy, AttemptEnd::server_error, q2, prng);
    ASSERT_EQ(a.size(), 11u);
    ASSERT_EQ(b.size(), 11u);
    standard_at_cap += a.back() == seconds(20);
    legacy_at_cap += b.back() == seconds(20);  // 100 ms * 2^10 = 102 s, capped at 20 s
    for (Duration d : b) EXPECT_LE(d, seconds(20));
    ++n;
  }
  EXPECT_LT(standard_at_cap, 5);
  EXPECT_GT(legacy_at_cap, n * 3 / 4);
}

TEST(AwsLegacy, FiveAttemptsAndNoQuota) {
  const RetryPolicy p = RetryPolicy::aws_legacy();
  RetryQuota q(p);
  Prng prng(7);
  for (int call = 0; call < 200; ++call) {  // far more retries than a quota of 500 allows
    const std::vector<Duration> got = sleeps(p, AttemptEnd::timeout, q, prng);
    ASSERT_EQ(got.size(), 4u);
  }
  EXPECT_EQ(q.available(), 500);  // never touched
}

TEST(SdkProfiles, TheVersionPicksTheProfile) {
  struct Row {
    const char* sdk;
    const char* version;
    PolicyKind kind;
    int attempts;
    Duration base, throttle_base;
  };
  const Row rows[] = {
      {"awscli", "2.9.19", PolicyKind::aws_standard, 3, seconds(1), seconds(1)},
      {"awscli", "2.39.99", PolicyKind::aws_standard, 3, seconds(1), seconds(1)},
      {"awscli", "2.40.0", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"botocore", "1.43.5", PolicyKind::aws_standard, 3, seconds(1), seconds(1)},
      {"botocore", "1.44.0", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"js", "3.1165.9", PolicyKind::aws_standard, 3, millis(100), millis(500)},
      {"js", "3.1169.0", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"go-v2", "1.47.3", PolicyKind::aws_standard, 3, seconds(1), seconds(1)},
      {"go-v2", "1.48.0", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"cpp", "1.11.900", PolicyKind::aws_legacy, 11, millis(25), millis(25)},
      {"cpp", "1.11.926", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"go-v2", "1.48", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},  // a missing part is 0
      {"awscli", "2.40", PolicyKind::aws_standard_2026, 3, millis(50), seconds(1)},
      {"botocore", "1.43.99.1", PolicyKind::aws_standard, 3, seconds(1), seconds(1)},
      {"awscli", "1.32.0", PolicyKind::aws_legacy, 5, millis(100), millis(100)},  // AWS CLI v1: legacy
  };
  for (const Row& r : rows) {
    std::string why;
    const auto p = sdk_profile(r.sdk, r.version, &why);
    ASSERT_TRUE(p) << r.sdk << " " << r.version << ": " << why;
    EXPECT_EQ(p->kind, r.kind) << r.sdk << " " << r.version;
    EXPECT_EQ(p->attempts, r.attempts) << r.sdk << " " << r.version;
    EXPECT_EQ(p->base, r.base) << r.sdk << " " << r.version;
    EXPECT_EQ(p->throttle_base, r.throttle_base) << r.sdk << " " << r.version;
    EXPECT_EQ(p->sdk, std::string(r.sdk) + " " + r.version);
  }
  std::string why;
  EXPECT_FALSE(sdk_profile("ruby", "3.0.0", &why));
  EXPECT_EQ(why, "unknown SDK 'ruby'");
  for (const char* bad : {"1", "1..2", "v1.2.3", "1.2.", "", "1.2.x", "1.2.3.4.5"}) {
    EXPECT_FALSE(sdk_profile("js", bad, &why)) << bad;
    EXPECT_NE(why.find("is not a version"), std::string::npos) << bad;
  }
  EXPECT_FALSE(sdk_profile("js", "3.12345678901234567890.0", &why));
  EXPECT_NE(why.find("is too long"), std::string::npos) << why;
}

TEST(AdaptiveRateLimiter, NothingIsDelayedUntilTheFirstThrottle) {
  RateLimiter r;
  Time now(0);
  for (int i = 0; i < 100; ++i, now = now + millis(10)) {
    EXPECT_EQ(r.acquire(now), Duration(0));
    r.on_response(now, false);
  }
  EXPECT_FALSE(r.enabled());
}

TEST(AdaptiveRateLimiter, AThrottleSlowsTheNextRequestsThenTheRateGrowsBack) {
  RateLimiter r;
  Time now(0);
  // 100 requests per second for two seconds, then a throttle.
  for (int i = 0; i < 200; ++i, now = now + millis(10)) {
    r.acquire(now);
    r.on_response(now, false);
  }
  r.on_response(now, true);
  ASSERT_TRUE(r.enabled());
  const int64_t cut = r.fill_rate_mrps();
  EXPECT_LT(cut, 100000);  // 0.7 x the measured rate, below 100/s
  EXPECT_GE(cut, 500);     // never below 0.5/s
  // Sending as fast as it lets: the waits add up to about one request per 1/rate.
  Duration waited;
  for (int i = 0; i < 20; ++i) {
    const Duration w = r.acquire(now);
    waited = waited + w;
    now = now + w;
  }
  EXPECT_GT(waited.us, 0);
  // Sending as fast as it lets, with every answer a success, the rate climbs back (CUBIC) above
  // the cut within seconds (K = cbrt(0.75 x 100) = 4.2 s).
  for (int i = 0; i < 2000 && now < Time(0) + seconds(30); ++i) {
    now = now + r.acquire(now);
    r.on_response(now, false);
  }
  EXPECT_GT(r.fill_rate_mrps(), cut);
}

TEST(AdaptiveRateLimiter, TheRateNeverFallsBelowHalfARequestPerSecond) {
  RateLimiter r;
  Time now(0);
  for (int i = 0; i < 30; ++i) {
    now = now + r.acquire(now);  // a client sends one request at a time: it waits its turn
    r.on_response(now, true);
    EXPECT_GE(r.fill_rate_mrps(), 500);
    EXPECT_LE(r.acquire(now + seconds(1)).us, seconds(2).us);  // at 0.5/s, at most 2 s
    now = now + seconds(3);
  }
}
