// Token modes and the retry loop of model::Client, driven by hand through a fake ClientIo.
#include <gtest/gtest.h>

#include <set>

#include "model/client.h"

using namespace idem::model;
using idem::sim::Duration;
using idem::sim::Prng;

namespace {

struct FakeIo : ClientIo {
  std::vector<uint32_t> sent;
  std::vector<std::optional<Duration>> waits;
  std::vector<Duration> sleeps;
  void send(uint32_t, uint32_t attempt, std::optional<Duration> wait) override {
    sent.push_back(attempt);
    waits.push_back(wait);
  }
  void wake_after(uint32_t, Duration d, uint32_t) override { sleeps.push_back(d); }
};

struct Harness {
  ClientSpec spec;
  History history;
  FakeIo io;
  RunLog log;
  std::optional<Client> client;

  explicit Harness(TokenMode mode, int app_retries, bool reconcile = false, std::string intent_id = "c") {
    spec.token = mode;
    spec.intent_id = std::move(intent_id);
    spec.app_retries = app_retries;
    spec.reconcile = reconcile;
    // A reconciling client gives up after one attempt, so its describe comes next.
    spec.retry = reconcile ? RetryPolicy::none() : RetryPolicy::aws_standard();
    history.clients.push_back({"c#0", 0, 0, 0, 0, ""});
    client.emplace(spec, 0, "c#0", Prng(11), history, io, log);
  }
  // Times out every attempt until the client stops sending; returns the tokens it used, in order.
  std::vector<std::string> time_out_everything() {
    Time now(0);
    client->on_wake(now, 0);
    size_t handled = 0;
    while (handled < io.sent.size()) {
      const uint32_t a = io.sent[handled++];
      now = now + idem::sim::seconds(5);
      client->on_timeout(a, now);
      if (!client->done() && handled == io.sent.size()) client->on_wake(now, 0);
    }
    std::vector<std::string> tokens;
    for (const auto& at : history.attempts) tokens.push_back(token(history.calls[at.call].request.token));
    return tokens;
  }
  // A token as the log interned it (a call or an attempt keeps its id); "" for none.
  std::string token(uint32_t id) const { return id == kNone ? "" : log.token_of(id).str(); }
};

}  // namespace

TEST(TokenModeSdk, SdkRetriesReuseTheTokenAppRetriesGetANewOne) {
  Harness h(TokenMode::sdk, 1);
  std::vector<std::string> tokens = h.time_out_everything();
  ASSERT_EQ(tokens.size(), 6u);  // two calls of three attempts
  EXPECT_EQ(tokens[0], tokens[1]);
  EXPECT_EQ(tokens[1], tokens[2]);
  EXPECT_EQ(tokens[3], tokens[5]);
  EXPECT_NE(tokens[0], tokens[3]);
  EXPECT_EQ(tokens[0].size(), 36u);
  EXPECT_EQ(tokens[0][14], '4');  // UUID version 4
  EXPECT_EQ(h.history.intents[0].outcome, Outcome::unknown);
}

TEST(TokenModePersisted, OneTokenForEveryRetryOfAnIntent) {
  Harness h(TokenMode::persisted, 2);
  std::vector<std::string> tokens = h.time_out_everything();
  ASSERT_EQ(tokens.size(), 9u);
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 1u);
}

namespace {
std::vector<std::string> attempt_tokens(const Harness& h) {
  std::vector<std::string> out;
  for (const auto& a : h.history.attempts) out.push_back(h.token(a.token));
  return out;
}
}  // namespace

TEST(TokenModeWriteBack, TheSdksTokenIsReusedByTheApplicationsRetries) {
  Harness h(TokenMode::write_back, 2);
  h.time_out_everything();
  const std::vector<std::string> tokens = attempt_tokens(h);
  ASSERT_EQ(tokens.size(), 9u);  // three calls of three attempts, one token
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 1u);
  EXPECT_EQ(tokens[0].size(), 36u);  // a UUID the SDK made
}

TEST(TokenModePerAttempt, EveryAttemptGetsANewToken) {
  Harness h(TokenMode::per_attempt, 1);
  h.time_out_everything();
  const std::vector<std::string> tokens = attempt_tokens(h);
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 6u);
}

TEST(TokenModeDerived, TheIntentsDurableIdIsTheToken) {
  Harness h(TokenMode::derived, 2, false, "launch-web");
  h.time_out_everything();
  const std::vector<std::string> tokens = attempt_tokens(h);
  ASSERT_EQ(tokens.size(), 9u);
  for (const auto& t : tokens) EXPECT_EQ(t, "launch-web/0/0");
}

TEST(TokenModeTimestamp, SecondsAndAPerProcessCounterOncePerIntent) {
  Harness h(TokenMode::timestamp, 1);
  h.time_out_everything();
  const std::vector<std::string> tokens = attempt_tokens(h);
  ASSERT_EQ(tokens.size(), 6u);
  for (const auto& t : tokens) EXPECT_EQ(t, "1767225600-1");  // minted at 0 s, the process's first
  // A second process starting its intent in the same second mints the same token (incident 2).
  Harness other(TokenMode::timestamp, 0);
  other.time_out_everything();
  EXPECT_EQ(other.token(other.history.attempts.front().token), tokens.front());
}

TEST(TokenModeNone, NoTokenAtAll) {
  Harness h(TokenMode::none, 0);
  h.time_out_everything();
  for (const auto& c : h.history.calls) EXPECT_FALSE(c.request.has_token);
}

TEST(Client, IgnoresAnswersForAttemptsItNoLongerWaitsFor) {
  Harness h(TokenMode::sdk, 0);
  h.client->on_wake(Time(0), 0);
  ASSERT_EQ(h.io.sent.size(), 1u);
  EXPECT_TRUE(h.client->on_timeout(h.io.sent[0], Time(10)));
  Response late{Code::Ok, 1, 1, 1};
  EXPECT_FALSE(h.client->on_reply(h.io.sent[0], late, Time(11)));  // after its timeout
  h.client->on_wake(Time(20), 0);  // the backoff ends: attempt 2
  ASSERT_EQ(h.io.sent.size(), 2u);
  EXPECT_TRUE(h.client->on_reply(h.io.sent[1], late, Time(30)));
  EXPECT_TRUE(h.client->done());
  EXPECT_EQ(h.history.intents[0].outcome, Outcome::ok);
  EXPECT_TRUE(h.history.intents[0].learned.same_as(late));
}

TEST(Client, A400EndsTheIntentWithoutApplicationRetries) {
  Harness h(TokenMode::persisted, 3);
  h.client->on_wake(Time(0), 0);
  h.client->on_reply(h.io.sent[0], Response{Code::IdempotentParameterMismatch, 0, 0, 0}, Time(5));
  EXPECT_TRUE(h.client->done());
  EXPECT_EQ(h.io.sent.size(), 1u);
  EXPECT_EQ(h.history.intents[0].outcome, Outcome::failed);
}

TEST(Reconcile, AdoptsALaunchThatDescribeFinds) {
  Harness h(TokenMode::sdk, 1, /*reconcile=*/true);
  h.client->on_wake(Time(0), 0);
  h.client->on_timeout(h.io.sent[0], Time(10));  // the SDK gives up: an application retry is due
  h.client->on_wake(Time(20), 0);                   // ... which first describes by the old token
  ASSERT_EQ(h.io.sent.size(), 2u);
  const CallRecord& describe = h.history.calls[h.history.attempts[h.io.sent[1]].call];
  EXPECT_EQ(describe.api, Api::describe);
  EXPECT_EQ(h.token(describe.request.token), h.token(h.history.calls[0].request.token));
  Response found{Code::Ok, 7, 9, 1};
  h.client->on_reply(h.io.sent[1], found, Time(30));
  EXPECT_EQ(h.io.sent.size(), 2u);  // no second launch
  EXPECT_TRUE(h.client->done());
  EXPECT_EQ(h.history.intents[0].outcome, Outcome::ok);
  EXPECT_TRUE(h.history.intents[0].learned.same_as(found));
}

TEST(Reconcile, LaunchesAgainWhenDescribeFindsNothing) {
  Harness h(TokenMode::sdk, 1, /*reconcile=*/true);
  h.client->on_wake(Time(0), 0);
  h.client->on_timeout(h.io.sent[0], Time(10));
  h.client->on_wake(Time(20), 0);
  h.client->on_reply(h.io.sent[1], Response{Code::Ok, 0, 0, 0}, Time(30));  // nothing visible
  ASSERT_EQ(h.io.sent.size(), 3u);
  const CallRecord& retry = h.history.calls[h.history.attempts[h.io.sent[2]].call];
  EXPECT_EQ(retry.api, Api::run);
  EXPECT_NE(h.token(retry.request.token), h.token(h.history.calls[0].request.token));  // sdk mode: a new token
}
