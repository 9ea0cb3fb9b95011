// The oracle on run logs: stories the reference service answered (some made to misbehave: a dedupe
// window that forgets tokens), and logs written by hand that no simulated service produced, as a
// real client on the wire or a production log would bring them. Every property is seen to fail as
// well as to hold.
#include <gtest/gtest.h>

#include "model/oracle/rules.h"
#include "story.h"

using namespace idem::model;
using idem::sim::hours;
using idem::sim::millis;
using idem::sim::seconds;
using idem::sim::Time;
using idem::test::at;
using idem::test::params;
using idem::test::Story;

namespace {

std::vector<std::string> properties(const std::vector<idem::reports::Violation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.property);
  return out;
}

// A story whose store forgets a token a second after recording it (a dedupe window shorter than
// the retries), or keeps it.
Story forgetful(bool forgets) {
  Story s;
  if (forgets) s.cfg.store.ttl = seconds(1);
  s.reset_service();
  return s;
}

// Attempt `number` of `call` at second `t`, served by the reference service.
uint32_t attempt(Story& s, uint32_t call, int64_t t, bool lost = false, int32_t number = 1) {
  const uint32_t a = s.send(call, at(seconds(t)), number);
  s.serve(a, at(seconds(t)), lost);
  return a;
}

}  // namespace

TEST(Oracle, CleanRetriesUnderOneTokenHold) {
  Story s = forgetful(false);
  const uint32_t c = s.call(s.intent(), Api::run, "t");
  attempt(s, c, 0, /*lost=*/true);
  attempt(s, c, 5, false, 2);
  attempt(s, c, 6, false, 3);
  EXPECT_TRUE(s.holds());
}

TEST(Oracle, ATokenThatLaunchedTwiceIsCaughtWithItsLeak) {
  Story s = forgetful(true);
  const uint32_t c = s.call(s.intent(), Api::run, "t");
  attempt(s, c, 0, /*lost=*/true);
  attempt(s, c, 5, false, 2);
  const auto vs = s.violations();
  // The repeat's answer names the second launch (answers), the token launched twice
  // (token-instances), and so did the intent, whose first launch no answer named (leaked).
  ASSERT_EQ(properties(vs), (std::vector<std::string>{"answers", "token-instances", "intent-instances"}));
  EXPECT_EQ(vs[2].instances, 2u);
  EXPECT_EQ(vs[2].intended, 1u);
  EXPECT_EQ(vs[2].leaked, 1u);
  // The events behind it: two launches and two attempts, in time order.
  ASSERT_GE(vs[0].events.size(), 4u);
  for (size_t i = 1; i < vs[0].events.size(); ++i) EXPECT_LE(vs[0].events[i - 1].at, vs[0].events[i].at);
  // By number, for the timeline: both attempts are in each story. For the token, the launch that
  // broke the rule is the one beyond the first the service decided (the second attempt's); for
  // the intent, the one no answer to it named (the first attempt's, whose answer was lost): the
  // orphan an SRE looks for, beside the launch the caller tracks.
  for (const auto& v : vs) EXPECT_EQ(v.attempts, (std::vector<uint32_t>{0, 1})) << v.property;
  EXPECT_EQ(vs[1].bad_launches, std::vector<uint32_t>{1});  // token-instances
  EXPECT_EQ(vs[2].bad_launches, std::vector<uint32_t>{0});  // intent-instances
}

TEST(Oracle, TheTokenGoesByTheServicesOrderAndTheIntentByWhatItsCallerWasTold) {
  // A delayed request: sent after its retry (as its time says) but decided first by the service.
  // The token's launch beyond the first is by the service's order (the retry's); the intent's is
  // the one no answer named (the delayed request's, whose answer was lost); the intent's text
  // names the request that launched last. (The log's records are not in time order: a
  // hand-written log need not be.)
  Story s = forgetful(true);
  const uint32_t c = s.call(s.intent(), Api::run, "t");
  const uint32_t first = s.send(c, at(seconds(6)), 1);
  s.serve(first, at(seconds(0)), /*lost=*/true);
  attempt(s, c, 5, false, 2);
  const auto vs = s.violations();
  ASSERT_EQ(properties(vs), (std::vector<std::string>{"answers", "token-instances", "intent-instances"}));
  EXPECT_EQ(vs[1].bad_launches, std::vector<uint32_t>{1});
  EXPECT_EQ(vs[2].bad_launches, std::vector<uint32_t>{0});
  EXPECT_NE(vs[2].detail.find("came from the SDK's retry (attempt 2 of its call)"), std::string::npos) << vs[2].detail;
}

TEST(Oracle, NamesTheLaunchesThatBrokeARuleAndNoOther) {
  Story clean = forgetful(false);
  const uint32_t c = clean.call(clean.intent(), Api::run, "t");
  attempt(clean, c, 0, /*lost=*/true);
  attempt(clean, c, 5, false, 2);
  EXPECT_TRUE(clean.holds());
  // Without a token, three attempts, two of them lost: three launches; the caller was told of the
  // last, so the two no answer named broke the rule.
  Story s = forgetful(false);
  const uint32_t n = s.call(s.intent(), Api::run, std::nullopt);
  attempt(s, n, 0, /*lost=*/true);
  attempt(s, n, 2, /*lost=*/true, 2);
  attempt(s, n, 4, false, 3);
  const auto vs = s.violations();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_EQ(vs[0].bad_launches, (std::vector<uint32_t>{0, 1}));
}

TEST(Oracle, DifferentSuccessfulAnswersForOneTokenAreCaught) {
  Story s = forgetful(true);
  const uint32_t c = s.call(s.intent(), Api::run, "t");
  attempt(s, c, 0);
  attempt(s, c, 5, false, 2);
  EXPECT_TRUE(s.broke("answers"));
}

TEST(Oracle, ALaunchWithOtherParametersUnderATokenIsCaught) {
  Story s = forgetful(true);
  const uint32_t i = s.intent();
  attempt(s, s.call(i, Api::run, "t", params("m5.large")), 0);
  attempt(s, s.call(i, Api::run, "t", params("c5.large")), 5);
  EXPECT_TRUE(s.broke("answers"));
}

TEST(Oracle, AMismatchAnsweredCorrectlyHolds) {
  Story s = forgetful(false);
  const uint32_t i = s.intent();
  attempt(s, s.call(i, Api::run, "t", params("m5.large")), 0);
  const uint32_t b = attempt(s, s.call(i, Api::run, "t", params("c5.large")), 5);
  EXPECT_EQ(s.response(b).code, Code::IdempotentParameterMismatch);
  EXPECT_TRUE(s.holds());
}

TEST(Oracle, AnAnswerFromAnotherRegionIsCaught) {
  Story s = forgetful(false);
  const uint32_t west = attempt(s, s.call(s.intent(1, kNone, 1), Api::run, "t"), 0);
  // A hand-written answer in us-east-1 that names eu-west-1's reservation.
  const uint32_t east = s.send(s.call(s.intent(1, kNone, 0), Api::run, "t"), at(seconds(5)));
  s.admit(east, at(seconds(5)), Admit::reply);
  s.answered(east, s.response(west), at(seconds(5)));
  EXPECT_TRUE(s.broke("answers"));
}

TEST(Oracle, NoTokenDuplicatesAreCaughtPerIntent) {
  Story s = forgetful(false);
  const uint32_t c = s.call(s.intent(), Api::run, std::nullopt);
  attempt(s, c, 0, /*lost=*/true);
  attempt(s, c, 2, false, 2);
  const auto vs = s.violations();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_EQ(vs[0].leaked, 1u);
}

TEST(Oracle, ALaunchByAnSdkRetryOfALaterCallIsTheLaterCallsDoing) {
  // The application calls again (layer app) after an unknown outcome; that call's first attempt
  // is lost on the way, its SDK's second attempt launches: the extra launch is the application's
  // retry, and the text says which attempt made it.
  Story s = forgetful(false);
  const uint32_t i = s.intent();
  attempt(s, s.call(i, Api::run, std::nullopt), 0, /*lost=*/true);
  const uint32_t again = s.call(i, Api::run, std::nullopt, params(), at(seconds(2)), Layer::app);
  const uint32_t lost = s.send(again, at(seconds(2)));
  s.log.add(Obs::lost_request, at(seconds(2)), lost);
  s.timed_out(lost, at(seconds(3)));
  attempt(s, again, 4, false, 2);
  const auto vs = s.violations();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_NE(vs[0].detail.find("an application-level retry, without a token (its SDK's try 2, attempt 2, launched) (layer app)"),
            std::string::npos)
      << vs[0].detail;
}

// ---- Logs written by hand: what the service said it decided, and when

// Intent x's three requests under one token (a and b ask for m5.large, c for c5.large). a's launch
// (op 0) is taken on at 0 s; b joins it at 100 ms; at 500 ms a's frontend dies.
Story released_launch(bool launched_first) {
  Story s;
  const uint32_t a = s.send(s.call(s.intent(1, 0), Api::run, "tok-1"), at(millis(0)));
  const uint32_t b = s.send(s.call(s.intent(1, 0), Api::run, "tok-1"), at(millis(100)));
  s.admit(a, at(millis(0)), Admit::started, 0);
  s.admit(b, at(millis(100)), Admit::joined, 0);
  if (launched_first) {
    // It had launched: recovery binds the launch to the token, and b gets the answer.
    s.launched(0, a, at(millis(400)), Response{Code::Ok, 1, 1, 1});
    s.abandoned(0, a, at(millis(500)), kLaunched | kBound | kHadRecord);
    s.answered(b, Response{Code::Ok, 1, 1, 1}, at(millis(500)));
  } else {
    // Nothing launched: recovery releases the record; b's join ends with a 500.
    s.abandoned(0, a, at(millis(500)), kHadRecord);
    s.answered(b, Response{Code::InternalError, 0, 0, 0}, at(millis(500)));
  }
  // c, at 3 s, for another instance type: the token is free again, so it launches.
  const uint32_t c = s.send(s.call(s.intent(1, 0), Api::run, "tok-1", params("c5.large")), at(seconds(3)));
  s.admit(c, at(seconds(3)), Admit::started, 1);
  const uint32_t r = launched_first ? 2 : 1;
  s.launched(1, c, at(seconds(4)), Response{Code::Ok, r, r, 1});
  s.answered(c, Response{Code::Ok, r, r, 1}, at(seconds(4)));
  return s;
}

TEST(OracleOnLogs, AJoinerOfAReleasedLaunchTakesNoPartInTheTokensLife) {
  // Neither a (released before it launched) nor b (joined what was released) was the token's
  // first request: c's launch under other parameters is the token's first.
  const Story released = released_launch(false);
  const auto ps = released.props();
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "answers"), 0) << ::testing::PrintToString(ps);
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "token-instances"), 0);
  // Had a's launch happened (and been bound to the token), c's launch would be forbidden: other
  // parameters than the token's first request must get a mismatch.
  EXPECT_TRUE(released_launch(true).broke("answers"));
}

// A launch at 5 s terminated at 6 s (gone at 16 s, terminate_time 10 s); a repeat sent at 13 s and
// decided at `decided`, answered `answer`.
Story repeat_after_termination(Time decided, Code answer) {
  Story s(Semantics::current);
  const uint32_t i = s.intent();
  const uint32_t c = s.call(i, Api::run, "t");
  const uint32_t first = s.send(c, at(seconds(0)));
  s.admit(first, at(seconds(5)), Admit::started, 0);
  s.launched(0, first, at(seconds(5)), Response{Code::Ok, 1, 1, 1});
  s.answered(first, Response{Code::Ok, 1, 1, 1}, at(seconds(5)));
  s.terminating(1, at(seconds(6)));
  const uint32_t repeat = s.send(s.call(i, Api::run, "t", params(), at(seconds(13)), Layer::first, true), at(seconds(13)));
  s.admit(repeat, decided, Admit::reply, kNone, answer);
  s.answered(repeat, answer == Code::Ok ? Response{Code::Ok, 1, 1, 1} : Response{answer, 0, 0, 0}, decided);
  return s;
}

TEST(OracleOnLogs, TimeRulesAreJudgedAtTheInstantTheServiceDecided) {
  // Decided at 18 s, after the instances terminated: IdempotentInstanceTerminated is right.
  EXPECT_TRUE(repeat_after_termination(at(seconds(18)), Code::IdempotentInstanceTerminated).holds());
  // A service that decided by the arrival (13 s) answers the original: wrong at 18 s.
  EXPECT_TRUE(repeat_after_termination(at(seconds(18)), Code::Ok).broke("answers"));
  // Decided at 14 s, still shutting down: the original answer is right, the terminated one not.
  EXPECT_TRUE(repeat_after_termination(at(seconds(14)), Code::Ok).holds());
  EXPECT_TRUE(repeat_after_termination(at(seconds(14)), Code::IdempotentInstanceTerminated).broke("answers"));
}

// A caller sends its launch at 0 s and `crashes` right after (else the call just never ends); after
// a restart it launches again with a new token and is done at 5 s. A reaper terminates the first
// launch's instance an hour later.
Story reaped_after(bool crashes) {
  Story s;
  const uint32_t i = s.intent();
  const uint32_t first = s.send(s.call(i, Api::run, "token-a"), at(seconds(0)));
  if (crashes) s.log.add(Obs::caller_crash, at(seconds(0)), 0).x = seconds(5).us;
  s.admit(first, at(millis(20)), Admit::started, 0);
  s.launched(0, first, at(millis(40)), Response{Code::Ok, 1, 1, 1});
  s.answered(first, Response{Code::Ok, 1, 1, 1}, at(millis(60)), /*late=*/true);  // nobody heard it
  const uint32_t again = s.send(s.call(i, Api::run, "token-b", params(), at(seconds(5)), Layer::controller), at(seconds(5)));
  s.admit(again, at(seconds(5)), Admit::started, 1);
  s.launched(1, again, at(seconds(5)), Response{Code::Ok, 2, 2, 1});
  s.answered(again, Response{Code::Ok, 2, 2, 1}, at(seconds(5)));
  s.ended(1, at(seconds(5)), Outcome::ok);
  s.log.add(Obs::reaped, at(hours(1)), 0).a = 1;
  return s;
}

TEST(OracleOnLogs, AReapersCleanupOfACrashedCallersLeakIsNotAFalseReap) {
  // The caller's crash ended its first call; the intent was done at 5 s: the leaked instance was an
  // orphan an hour later. The duplicate itself is intent-instances' to report.
  const auto ps = reaped_after(true).props();
  EXPECT_EQ(ps, std::vector<std::string>{"intent-instances"});
  // A call that never ended (no crash said it did) is one the caller may still be working on.
  EXPECT_TRUE(reaped_after(false).broke("no-false-reap"));
}

TEST(OracleOnLogs, ALaunchIsWhereItsRequestAskedIt) {
  Story s;
  LaunchParams zonal = params();
  zonal.zone = "us-east-1b";
  const uint32_t a = s.send(s.call(s.intent(), Api::run, "t", zonal), at(seconds(0)));
  s.admit(a, at(seconds(0)), Admit::started, 0);
  s.launched(0, a, at(seconds(1)), Response{Code::Ok, 1, 1, 1});
  s.answered(a, Response{Code::Ok, 1, 1, 1}, at(seconds(1)));
  EXPECT_TRUE(s.holds());
  s.placed(1, 0, "us-east-1a", zonal, at(seconds(1)));  // the service put it in another zone
  const auto vs = s.violations();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"answers"});
  EXPECT_EQ(vs[0].detail, "the service launched r-00000000000000001 in zone us-east-1a, not what the request that made it asked for");
  EXPECT_EQ(vs[0].bad_launches, std::vector<uint32_t>{0});
}

TEST(OracleOnLogs, AMismatchDecidedAgainstARecordTheServiceReleasedIsJudgedAgainstThatRecord) {
  // a (m5.large) reserves the token on one frontend; b (c5.large) meets a's record in flight from
  // another and gets a mismatch, rightly; a's frontend dies before its launch and recovery
  // releases the record; c (c5.large) then launches: the token's first real request.
  auto story = [](Code b_answer) {
    Story s;
    const uint32_t a = s.send(s.call(s.intent(1, 0), Api::run, "tok-1"), at(millis(0)));
    const uint32_t b = s.send(s.call(s.intent(1, 0), Api::run, "tok-1", params("c5.large")), at(millis(100)));
    s.admit(a, at(millis(0)), Admit::started, 0);
    s.admit(b, at(millis(100)), Admit::reply, kNone, b_answer, a);
    s.answered(b, Response{b_answer, 0, 0, 0}, at(millis(100)));
    s.abandoned(0, a, at(millis(500)), kHadRecord);
    const uint32_t c = s.send(s.call(s.intent(1, 0), Api::run, "tok-1", params("c5.large")), at(seconds(3)));
    s.admit(c, at(seconds(3)), Admit::started, 1);
    s.launched(1, c, at(seconds(4)), Response{Code::Ok, 1, 1, 1});
    s.answered(c, Response{Code::Ok, 1, 1, 1}, at(seconds(4)));
    return s;
  };
  EXPECT_TRUE(story(Code::IdempotentParameterMismatch).holds());
  // At its instant a's request was the token's first, with other parameters: b must get a mismatch.
  EXPECT_TRUE(story(Code::InvalidParameterValue).broke("answers"));
}

TEST(OracleOnLogs, AnAnswerTheServiceNeverGaveSaysNothingAboutTheRules) {
  // An invalid token, turned away by a transient 400 before the service saw it: the 400 is the
  // fault's, not the service's answer to the token.
  Story s;
  const uint32_t a = s.send(s.call(s.intent(), Api::run, ""), at(seconds(0)));
  s.log.add(Obs::arrived, at(millis(20)), a).a = kNone;
  s.log.add(Obs::transient, at(millis(20)), a).code = static_cast<uint8_t>(Code::IncorrectState);
  s.answered(a, Response{Code::IncorrectState, 0, 0, 0}, at(millis(40)));
  EXPECT_TRUE(s.holds());
  // The service's own answer to it must be InvalidParameterValue.
  Story t;
  const uint32_t b = t.send(t.call(t.intent(), Api::run, ""), at(seconds(0)));
  t.admit(b, at(millis(20)), Admit::reply, kNone, Code::IncorrectState);
  t.answered(b, Response{Code::IncorrectState, 0, 0, 0}, at(millis(40)));
  EXPECT_TRUE(t.broke("answers"));
}

TEST(OracleOnLogs, ALaunchOfTooManyInstancesIsCaughtEvenWhereTheLogSaysNotWhere) {
  Story s;
  const uint32_t a = s.send(s.call(s.intent(), Api::run, "t"), at(seconds(0)));
  s.admit(a, at(seconds(0)), Admit::started, 0);
  Record& l = s.log.add(Obs::launched, at(seconds(1)), 0);  // no `placed` record
  l.a = a;
  l.set_response(Response{Code::Ok, 1, 1, 3});
  s.answered(a, Response{Code::Ok, 1, 1, 3}, at(seconds(1)));
  EXPECT_TRUE(s.broke("answers"));
}

TEST(OracleOnLogs, LivenessAndAnIntentLeftOpenAreJudgedFromTheLog) {
  // An intent whose only call timed out and which its caller left open: with heal_at, liveness
  // names it; a reaper's termination of its launch is a false reap (the caller may yet learn of it).
  Story s;
  const uint32_t i = s.intent();
  const uint32_t a = s.send(s.call(i, Api::run, "t"), at(seconds(0)));
  s.admit(a, at(seconds(0)), Admit::started, 0);
  s.launched(0, a, at(seconds(1)), Response{Code::Ok, 1, 1, 1});
  s.timed_out(a, at(seconds(2)));
  s.state(i, Outcome::unknown, /*finished=*/false);
  s.log.add(Obs::reaped, at(seconds(30)), 0).a = 1;
  Promises p;
  p.heal_at = at(seconds(10));
  p.converge = seconds(60);
  p.limit = at(hours(1));
  std::vector<std::string> ps;
  for (const Finding& f : s.findings(std::nullopt, &p)) ps.emplace_back(property_name(f.property));
  EXPECT_EQ(ps, (std::vector<std::string>{"no-false-reap", "liveness"}));
  // Once the caller is done with it (it gave up), the same termination is a cleanup; liveness still
  // names the intent, whose outcome it never learned.
  s.state(i, Outcome::unknown, /*finished=*/true);
  s.ended(0, at(seconds(2)), Outcome::unknown);
  ps.clear();
  for (const Finding& f : s.findings(std::nullopt, &p)) ps.emplace_back(property_name(f.property));
  EXPECT_EQ(ps, (std::vector<std::string>{"liveness"}));
}

namespace {
// The leaks property on reaped_after(true): instance 1 leaked (its answer reached nobody) and, when
// `reaped_at` is given, its termination was taken then.
std::vector<Finding> leak_findings(std::optional<idem::sim::Duration> reaped_at, std::optional<idem::sim::Duration> max_age,
                                   std::optional<int64_t> max_instance_us, idem::sim::Duration limit = hours(48)) {
  Story s = reaped_after(true);
  if (reaped_at) s.log.add(Obs::terminating, at(*reaped_at), 1);
  Promises p;
  p.limit = at(limit);
  p.leak_max_age = max_age;
  p.leak_max_instance_us = max_instance_us;
  std::vector<Finding> out;
  for (const Finding& f : s.findings(std::nullopt, &p))
    if (f.property == Property::leaks) out.push_back(f);
  return out;
}
}  // namespace

TEST(OracleOnLogs, ALeakedInstanceMustBeGoneWithinMaxAge) {
  // Reaped an hour in: gone at 1h + terminate_time (10 s).
  EXPECT_TRUE(leak_findings(hours(1), hours(2), std::nullopt).empty());
  const auto late = leak_findings(hours(1), idem::sim::minutes(30), std::nullopt);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].reason, Reason::leak_outlived);
  EXPECT_EQ(late[0].other, 1u);   // the instance
  EXPECT_EQ(late[0].first, 0u);   // the attempt that launched it (the crashed caller's first)
  EXPECT_EQ(late[0].t2 - late[0].t1, (hours(1) + seconds(10) - millis(40)).us);
  EXPECT_EQ(late[0].flags, 0);
  // Never terminated: still running at the limit, judged once older than max_age.
  const auto running = leak_findings(std::nullopt, hours(2), std::nullopt);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].flags, 1);
  EXPECT_EQ(running[0].t2, at(hours(48)).us);
  EXPECT_TRUE(leak_findings(std::nullopt, hours(2), std::nullopt, idem::sim::minutes(90)).empty());
  // The sum of leaked lives: an hour and ten seconds.
  EXPECT_TRUE(leak_findings(hours(1), std::nullopt, hours(2).us).empty());
  const auto hours_over = leak_findings(hours(1), std::nullopt, idem::sim::minutes(30).us);
  ASSERT_EQ(hours_over.size(), 1u);
  EXPECT_EQ(hours_over[0].reason, Reason::leak_hours);
  EXPECT_EQ(hours_over[0].count, 1u);
  // Off unless asked: the same leak breaks nothing of its own.
  EXPECT_TRUE(leak_findings(std::nullopt, std::nullopt, std::nullopt).empty());
}

TEST(OracleOnLogs, AnInstanceAnAnswerNamedIsNoLeakHoweverLongItRuns) {
  // The restarted caller's own instance (2) runs to the limit: named to it, not a leak.
  const auto fs = leak_findings(hours(1), idem::sim::minutes(90), std::nullopt);
  EXPECT_TRUE(fs.empty());
}
