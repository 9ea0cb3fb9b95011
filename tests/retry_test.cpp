// Retry policies: attempts, backoff bounds per jitter, and the aws-standard retry quota.
#include <gtest/gtest.h>

#include "model/retry.h"

using namespace idem::model;
using idem::sim::Duration;
using idem::sim::millis;
using idem::sim::Prng;
using idem::sim::seconds;

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
