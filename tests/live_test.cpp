// The live service (harness/live.h) fed requests as the wire gives them, without a socket: the
// intents it counts, the faults it applies, the verdict on what it saw, and a session judged again
// from its file giving the same log.
#include <algorithm>
#include <sstream>

#include <gtest/gtest.h>

#include "harness/live.h"
#include "harness/load.h"
#include "model/oracle/oracle.h"
#include "reports/violations.h"
#include "serve/session.h"

using namespace idem;
using harness::LiveAnswer;
using harness::LiveRequest;
using harness::LiveService;
using sim::Time;

namespace {

harness::Scenario scenario(const std::string& extra) {
  return harness::parse_scenario(R"(
name: live
limit: 1h
clients:
  - name: unused
    request: {image: ami-1, type: m5.large}
)" + extra,
                                 "live.yaml");
}

LiveRequest launch(const std::string& token, const std::string& intent = "", const std::string& who = "aws-cli/2.9.19 127.0.0.1") {
  LiveRequest q;
  q.api = model::Api::run;
  q.request.params.image = "ami-1";
  q.request.params.type = "m5.large";
  q.request.has_token = !token.empty();
  q.request.token = model::Token(token);
  q.client = who;
  q.intent = intent;
  return q;
}

// Feeds `q` at `t_ms` and runs the service until its answer (or a reset) comes out, at most 10 s on.
std::optional<LiveAnswer> call(LiveService& live, const LiveRequest& q, int64_t t_ms, std::vector<serve::SessionInput>* rec = nullptr) {
  const uint32_t attempt = live.arrive(q, Time(t_ms * 1000));
  if (rec) rec->push_back({t_ms * 1000, serve::SessionInput::request, q, 0});
  for (int64_t step = 0; step <= 10000; step += 10) {
    live.advance(Time((t_ms + step) * 1000));
    for (const LiveAnswer& a : live.take_answers())
      if (a.attempt == attempt) return a;
  }
  return std::nullopt;
}

size_t count(const std::vector<model::Finding>& fs, model::Property p) {
  size_t n = 0;
  for (const auto& f : fs) n += f.property == p ? 1 : 0;
  return n;
}

}  // namespace

TEST(Live, ARepeatOfATokenIsTheSameLaunchAndOneIntent) {
  LiveService live(scenario(""), 1);
  const auto a = call(live, launch("tok-1"), 0);
  const auto b = call(live, launch("tok-1"), 1000);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->kind, LiveAnswer::answer);
  EXPECT_TRUE(a->response.ok());
  EXPECT_TRUE(b->response.same_as(a->response));
  EXPECT_EQ(live.service().reservations().size(), 1u);
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(r.stats.intents, 1u);
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_EQ(r.violation_count, 0u);
}

TEST(Live, TwoTokensForOneNamedIntentAreADuplicateTheOracleCatches) {
  LiveService live(scenario(""), 1);
  ASSERT_TRUE(call(live, launch("first", "launch-1"), 0));
  ASSERT_TRUE(call(live, launch("second", "launch-1"), 1000));
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(r.stats.intents, 1u);
  EXPECT_EQ(r.stats.instances, 2u);
  EXPECT_EQ(count(r.findings, model::Property::intent_instances), 1u);
}

TEST(Live, TokensWithoutANameAreEachTheirOwnIntent) {
  LiveService live(scenario(""), 1);
  ASSERT_TRUE(call(live, launch("first"), 0));
  ASSERT_TRUE(call(live, launch("second"), 1000));
  ASSERT_TRUE(call(live, launch(""), 2000));
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(r.stats.intents, 3u);
  EXPECT_EQ(r.violation_count, 0u);
}

TEST(Live, AStormBeforeTheServiceAnswers503AndLaunchesNothing) {
  LiveService live(scenario("faults:\n  - storm: {from: 0s, for: 1m, status: 503, code: Unavailable, rate: 100%}\n"), 1);
  const auto a = call(live, launch("tok"), 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->response.code, model::Code::Unavailable);
  EXPECT_TRUE(live.service().reservations().empty());
}

TEST(Live, ALostAnswerIsSilenceAndARetryWithTheTokenGetsTheLaunch) {
  LiveService live(scenario("faults:\n  - lose: {what: response, from: 0s, for: 10s, rate: 100%}\n"), 1);
  EXPECT_FALSE(call(live, launch("tok"), 0));  // processed, never answered
  EXPECT_EQ(live.service().reservations().size(), 1u);
  live.gone(0, Time(10'000'000));  // the client gave up and closed its connection
  const auto b = call(live, launch("tok"), 11'000);
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->response.ok());
  EXPECT_EQ(b->response.reservation, 1u);
  const harness::RunResult r = live.finish(Time(20'000'000));
  EXPECT_EQ(r.violation_count, 0u);
}

TEST(Live, ARetryWithANewTokenAfterALostAnswerIsCaught) {
  LiveService live(scenario("faults:\n  - lose: {what: response, from: 0s, for: 10s, rate: 100%}\n"), 1);
  EXPECT_FALSE(call(live, launch("tok-a", "job-7"), 0));
  live.gone(0, Time(10'000'000));
  ASSERT_TRUE(call(live, launch("tok-b", "job-7"), 11'000));
  const harness::RunResult r = live.finish(Time(20'000'000));
  EXPECT_EQ(r.stats.instances, 2u);
  EXPECT_GE(count(r.findings, model::Property::intent_instances), 1u);
}

TEST(Live, AResetAfterTheServiceActedReachesTheWireAsAReset) {
  LiveService live(scenario("faults:\n  - reset: {phase: after, from: 0s, for: 10s, rate: 100%}\n"), 1);
  const auto a = call(live, launch("tok"), 0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, LiveAnswer::reset);
  EXPECT_EQ(live.service().reservations().size(), 1u);
}

TEST(Live, DescribeAndTerminateByIdAndByTokenFilter) {
  LiveService live(scenario(""), 1);
  const auto a = call(live, launch("tok", "", "Boto3/1.26.27 127.0.0.1"), 0);
  ASSERT_TRUE(a && a->response.ok());
  LiveRequest d;
  d.api = model::Api::describe;
  d.token_filter = model::Token("tok");
  d.client = "Boto3/1.26.27 127.0.0.1";
  const auto found = call(live, d, 5000);  // past the describe lag
  ASSERT_TRUE(found);
  ASSERT_EQ(found->listed.instances.size(), 1u);
  EXPECT_EQ(found->listed.instances[0].id, a->response.first_instance);
  LiveRequest t;
  t.api = model::Api::terminate;
  t.ids = {a->response.first_instance};
  t.client = d.client;
  const auto gone = call(live, t, 6000);
  ASSERT_TRUE(gone && gone->response.ok());
  ASSERT_EQ(gone->before.size(), 1u);
  EXPECT_EQ(gone->listed.instances[0].state, model::InstanceState::shutting_down);
  const harness::RunResult r = live.finish(Time(60'000'000));
  EXPECT_EQ(count(r.findings, model::Property::no_false_reap), 0u);  // it terminated what it was told it has
}

TEST(Live, ASessionJudgedAgainFromItsFileGivesTheSameLog) {
  const harness::Scenario s = scenario(
      "faults:\n  - lose: {what: response, from: 0s, for: 20s, rate: 50%}\n  - duplicate: {rate: 30%, delay: 100ms}\n");
  LiveService live(s, 7);
  std::vector<serve::SessionInput> rec;
  // A request a second; one unanswered after 500 ms is given up (its client closes).
  for (int64_t i = 0; i < 30; ++i) {
    const int64_t t = i * 1'000'000;
    const LiveRequest q = launch("tok-" + std::to_string(i % 7), i % 3 ? "" : "job");
    const uint32_t attempt = live.arrive(q, Time(t));
    const uint32_t nth = static_cast<uint32_t>(i);
    rec.push_back({t, serve::SessionInput::request, q, 0});
    live.advance(Time(t + 500'000));
    bool answered = false;
    for (const LiveAnswer& a : live.take_answers()) answered = answered || a.attempt == attempt;
    if (!answered) {
      live.gone(attempt, Time(t + 500'000));
      rec.push_back({t + 500'000, serve::SessionInput::gone, {}, nth});
    }
  }
  const harness::RunResult r = live.finish(Time(60'000'000));
  ASSERT_GT(std::count_if(rec.begin(), rec.end(), [](const auto& x) { return x.kind == serve::SessionInput::gone; }), 0);
  // Through the file's text and back, judged again: the same log, findings and counts.
  std::ostringstream file;
  serve::write_header(file, "live.yaml", 0, 7);
  for (const auto& in : rec) serve::write_input(file, in);
  serve::write_end(file, 60'000'000);
  std::istringstream back(file.str());
  const serve::Session session = serve::read_session(back, "session.jsonl");
  ASSERT_EQ(session.inputs.size(), rec.size());
  EXPECT_EQ(session.seed, 7u);
  EXPECT_EQ(session.end_us, 60'000'000);
  EXPECT_EQ(serve::judge(s, 7, session.inputs, session.end_us).trace_hash, r.trace_hash);
  // Another seed meets other faults: the hash is the session's and the seed's.
  EXPECT_NE(serve::judge(s, 8, session.inputs, session.end_us).trace_hash, r.trace_hash);
}

TEST(Live, ASessionFileWithABadLineSaysWhere) {
  std::istringstream in("{\"idemsim_session\":1,\"scenario\":\"x.yaml\",\"content_hash\":0,\"seed\":1}\n{\"t\":5,\"api\":9}\n");
  try {
    serve::read_session(in, "s.jsonl");
    FAIL() << "a bad line was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("s.jsonl:2:"), std::string::npos) << e.what();
  }
}

namespace {

LiveRequest lookup(const std::string& who = "aws-cli/2.9.19 127.0.0.1") {
  LiveRequest d;
  d.api = model::Api::describe;
  d.client = who;
  return d;
}

}  // namespace

TEST(Live, ALookupThatNamesNoTokenIsNeitherAnIntentNorAnAnswerToOne) {
  LiveService live(scenario("max_attempts_per_intent: 2\n"), 1);
  ASSERT_TRUE(call(live, launch("job-a"), 0));
  ASSERT_TRUE(call(live, launch("job-b"), 100));
  for (int i = 0; i < 5; ++i) {  // a waiter's polls: more than the intent's attempts allow
    const auto listed = call(live, lookup(), 2000 + i * 100);
    ASSERT_TRUE(listed && listed->response.ok());
    EXPECT_EQ(listed->listed.instances.size(), 2u);
  }
  const harness::RunResult r = live.finish(Time(10'000'000));
  EXPECT_EQ(r.stats.intents, 2u);
  EXPECT_EQ(r.violation_count, 0u) << "a listing judged as an answer to a launch intent, or its polls as retries";
}

TEST(Live, AReaperOfUnknownInstancesSparesWhatAClientWasToldAndTakesWhatLeaked) {
  LiveService live(scenario("service: {latency: 1ms, describe_lag: 100ms}\n"
                            "reapers: [{every: 3s, reaps: unknown, grace: 1s}]\n"
                            "faults:\n  - lose: {what: response, from: 0s, for: 1s, rate: 100%}\n"),
                   1);
  const uint32_t lost = live.arrive(launch("lost"), Time(0));  // launched, its answer lost
  live.advance(Time(500'000));
  EXPECT_TRUE(live.take_answers().empty());
  live.gone(lost, Time(500'000));  // the client gave up on it
  const auto told = call(live, launch("told"), 1500);
  ASSERT_TRUE(told && told->response.ok());
  live.advance(Time(7'000'000));  // two sweeps
  const harness::RunResult r = live.finish(Time(8'000'000));
  const auto& instances = live.service().instances();
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_TRUE(instances[0].terminate_requested.has_value()) << "the leaked instance is the reaper's";
  EXPECT_FALSE(instances[1].terminate_requested.has_value()) << "the one its client was told of is not";
  EXPECT_EQ(r.violation_count, 0u);
}

TEST(Live, ACallEndsWhenItsLastAttemptDidNotWhenTheSessionDoes) {
  LiveService live(scenario("faults:\n  - lose: {what: response, from: 0s, for: 1h, rate: 100%}\n"), 1);
  const uint32_t a = live.arrive(launch("tok"), Time(0));
  live.advance(Time(2'000'000));
  EXPECT_TRUE(live.take_answers().empty());
  live.gone(a, Time(2'000'000));  // the client's read timeout
  const harness::RunResult r = live.finish(Time(60'000'000));
  bool found = false;
  int64_t last = 0;
  for (const model::Record& rec : r.log->records()) {
    EXPECT_GE(rec.at, last) << "the log stays in time order";
    last = rec.at;
    if (rec.kind == model::Obs::call_ended) {
      found = true;
      EXPECT_EQ(rec.at, 2'000'000);
      EXPECT_EQ(static_cast<model::Outcome>(rec.code), model::Outcome::unknown);
    }
  }
  EXPECT_TRUE(found);
}

TEST(Live, ANamedIntentIsToldByItsName) {
  LiveService live(scenario(""), 1);
  ASSERT_TRUE(call(live, launch("first", "nightly-build"), 0));
  ASSERT_TRUE(call(live, launch("second", "nightly-build"), 1000));
  const harness::RunResult r = live.finish(Time(5'000'000));
  const std::vector<reports::Violation> vs = reports::word(live.scenario(), *r.log, r.findings);
  ASSERT_FALSE(vs.empty());
  EXPECT_NE(vs.front().subject.find("intent nightly-build"), std::string::npos) << vs.front().subject;
}

TEST(Live, ATerminationAskedTwiceOfAnInstanceNeverToldIsOneFinding) {
  LiveService live(scenario("service: {describe_lag: 100ms}\n"), 1);
  ASSERT_TRUE(call(live, launch("theirs", "", "Boto3/1.26.27 10.0.0.9"), 0));
  LiveRequest t;
  t.api = model::Api::terminate;
  t.ids = {1};
  t.client = "aws-cli/2.9.19 127.0.0.1";  // another client, never told of i-1
  ASSERT_TRUE(call(live, t, 1000));
  ASSERT_TRUE(call(live, t, 1500));  // asked again (a CLI without invocation ids: another call)
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(count(r.findings, model::Property::no_false_reap), 1u);
}

TEST(Live, ACopyOfALookupTheNetworkMadeIsAnsweredIntoNothing) {
  LiveService live(scenario("faults:\n  - duplicate: {rate: 100%, delay: 10ms}\n"), 1);
  ASSERT_TRUE(call(live, launch("tok"), 0));
  LiveRequest d = lookup();
  d.token_filter = model::Token("tok");
  const auto a = call(live, d, 2000);  // its copy is handled after it, under ASan: no write past the listings
  ASSERT_TRUE(a && a->response.ok());
  EXPECT_EQ(a->listed.instances.size(), 1u);
  EXPECT_EQ(live.finish(Time(5'000'000)).violation_count, 0u);
}

TEST(Live, AnSdksRetriesServeTheirCallsIntentWhateverTokenEachCarries) {
  LiveService live(scenario("faults:\n  - storm: {from: 0s, for: 1s, status: 503, code: Unavailable, rate: 100%}\n"), 1);
  LiveRequest q = launch("");  // no token: each attempt would otherwise be an intent of its own
  q.invocation = "inv-1";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call(live, q, i * 500));
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(r.stats.intents, 1u);
  EXPECT_EQ(r.stats.calls, 1u);
  EXPECT_EQ(r.violation_count, 0u);
}

TEST(Live, ANameFirstSeenOnALookupIsTheLaunchesIntentWithItsMaxCount) {
  LiveService live(scenario(""), 1);
  LiveRequest d = lookup();
  d.intent = "job-9";
  d.token_filter = model::Token("tok-9");
  ASSERT_TRUE(call(live, d, 0));  // look before launching
  ASSERT_TRUE(call(live, launch("tok-9", "job-9"), 100));
  const harness::RunResult r = live.finish(Time(5'000'000));
  EXPECT_EQ(r.stats.intents, 1u);
  EXPECT_EQ(r.violation_count, 0u) << "the intent intends the launch's MaxCount, not the lookup's nothing";
}

TEST(Live, ATokenLongerThanTheModelKeepsReplaysToTheSameHash) {
  const harness::Scenario s = scenario("");
  LiveService live(s, 3);
  const LiveRequest q = launch(std::string(100, 'x'));  // refused by the service (over 64), kept as 100 bytes long
  ASSERT_TRUE(call(live, q, 0));
  const harness::RunResult r = live.finish(Time(20'000'000));
  std::ostringstream file;
  serve::write_header(file, "live.yaml", 0, 3);
  serve::write_input(file, {0, serve::SessionInput::request, q, 0});
  serve::write_end(file, 20'000'000);
  std::istringstream back(file.str());
  const serve::Session session = serve::read_session(back, "session.jsonl");
  EXPECT_EQ(session.inputs.at(0).req.request.token.size(), 100u);
  EXPECT_EQ(serve::judge(s, 3, session.inputs, session.end_us).trace_hash, r.trace_hash);
}
