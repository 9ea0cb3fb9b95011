// The `answers` property, rule by rule: each test tells a short story against the reference
// service, sees the property hold, then sees it fail when the service breaks that rule (a
// planted bug) or when an answer is forged. The oracle never calls the service's own rules, so
// a broken store is caught rather than mirrored.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "story.h"

using namespace idem::model;
using idem::sim::Time;
using idem::sim::hours;
using idem::sim::minutes;
using idem::sim::seconds;

using idem::test::at;
using idem::test::params;
using Tale = idem::test::Story;

TEST(AnswersRule1, AnInvalidTokenMustBeRefused) {
  const std::string t64(64, 'x'), t65(65, 'x');
  Tale ok;
  ok.run(ok.intent(), t64, params(), at(seconds(0)));
  ok.run(ok.intent(), t65, params(), at(seconds(1)));
  ok.run(ok.intent(), std::string("t\xc3\xb6ken"), params(), at(seconds(2)));
  ok.run(ok.intent(), std::string(""), params(), at(seconds(3)));
  EXPECT_TRUE(ok.holds());
  EXPECT_EQ(ok.svc->reservations().size(), 1u);

  Tale lax(Semantics::current, {Bug::token_length_65});
  lax.run(lax.intent(), t65, params(), at(seconds(0)));
  EXPECT_TRUE(lax.broke("answers"));
  // The launch it made is the one the violation names as breaking the rule (the timeline's red
  // diamond): an invalid token must launch nothing.
  const auto vs = lax.violations();
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].bad_launches, std::vector<uint32_t>{0});
  Tale ascii(Semantics::current, {Bug::non_ascii_token});
  ascii.run(ascii.intent(), std::string("t\xc3\xb6ken"), params(), at(seconds(0)));
  EXPECT_TRUE(ascii.broke("answers"));
}

TEST(AnswersRule1, TokensAreCaseSensitiveAndWhole) {
  const std::string prefix(40, 'p');
  for (Bug bug : {Bug::case_insensitive_token, Bug::token_prefix_32}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::current, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      const bool caps = bug == Bug::case_insensitive_token;
      t.run(t.intent(), caps ? "Token-A" : prefix + "-one", params(), at(seconds(0)));
      t.run(t.intent(), caps ? "token-a" : prefix + "-two", params(), at(seconds(5)));
      EXPECT_EQ(t.broke("answers"), with_bug) << bug_info(bug).name;
      EXPECT_EQ(t.broke("intent-exact"), with_bug) << bug_info(bug).name;  // two intents, one launch
    }
  }
}

TEST(AnswersRule2, ARepeatGetsTheSameReservationAndEveryInstance) {
  Tale t;
  const uint32_t i = t.intent(3);
  t.run(i, "t", params("m5.large", 3), at(seconds(0)));
  const uint32_t repeat = t.run(i, "t", params("m5.large", 3), at(seconds(5)));
  EXPECT_TRUE(t.holds());
  // The right reservation but one instance of three: not the same answer.
  Response r = t.response(repeat);
  r.count = 1;
  t.answered(repeat, r);
  EXPECT_TRUE(t.broke("answers"));

  Tale degraded(Semantics::current, {Bug::degraded_repeat});
  const uint32_t d = degraded.intent(3);
  degraded.run(d, "t", params("m5.large", 3), at(seconds(0)));
  degraded.run(d, "t", params("m5.large", 3), at(seconds(5)));
  EXPECT_TRUE(degraded.broke("answers"));
}

TEST(AnswersRule3, OtherParametersThanTheFirstRequestGetAMismatch) {
  for (bool with_bug : {false, true}) {
    Tale t(Semantics::current, with_bug ? std::vector<Bug>{Bug::mismatch_ignores_type} : std::vector<Bug>{});
    const uint32_t i = t.intent();
    t.run(i, "t", params("m5.large"), at(seconds(0)));
    t.run(i, "t", params("c5.large"), at(seconds(5)));
    EXPECT_EQ(t.broke("answers"), with_bug);
  }
  for (bool with_bug : {false, true}) {
    Tale t(Semantics::current, with_bug ? std::vector<Bug>{Bug::mismatch_ignores_subnet} : std::vector<Bug>{});
    const uint32_t i = t.intent();
    LaunchParams a = params(), b = params();
    a.subnet = "subnet-a1";
    b.subnet = "subnet-a2";  // the same zone: the same scope, another parameter
    t.run(i, "t", a, at(seconds(0)));
    t.run(i, "t", b, at(seconds(5)));
    EXPECT_EQ(t.broke("answers"), with_bug);
  }
}

TEST(AnswersRule3, ComparedWithTheFirstRequestEvenWhenItFailed) {
  for (bool with_bug : {false, true}) {
    Tale t(Semantics::current, with_bug ? std::vector<Bug>{Bug::mismatch_vs_first_launch} : std::vector<Bug>{});
    t.cfg.capacity["m5.large"] = 0;
    t.reset_service();
    const uint32_t i = t.intent();
    const uint32_t first = t.run(i, "t", params("m5.large"), at(seconds(0)));
    EXPECT_EQ(t.response(first).code, Code::InsufficientInstanceCapacity);
    t.run(i, "t", params("c5.large"), at(seconds(5)));  // the fallback, same token
    EXPECT_EQ(t.broke("answers"), with_bug);
    EXPECT_EQ(t.svc->reservations().size(), with_bug ? 1u : 0u);
  }
}

TEST(AnswersRule4, TheScopeIsTheRegionAndUnderCurrentTheZone) {
  for (Bug bug : {Bug::global_token_table, Bug::ignore_zone_scope}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::current, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      LaunchParams a = params(), b = params();
      uint32_t region_b = 0;
      if (bug == Bug::global_token_table) region_b = 1;
      else a.zone = "us-east-1a", b.zone = "us-east-1b";
      t.run(t.intent(), "t", a, at(seconds(0)));
      t.run(t.intent(1, kNone, region_b), "t", b, at(seconds(5)));
      EXPECT_EQ(t.broke("answers"), with_bug) << bug_info(bug).name;
      EXPECT_EQ(t.svc->reservations().size(), with_bug ? 1u : 2u);
    }
  }
}

TEST(AnswersRule4, Under2013TheZoneIsNeitherScopeNorParameter) {
  for (bool with_bug : {false, true}) {
    Tale t(Semantics::v2013, with_bug ? std::vector<Bug>{Bug::zone_as_parameter} : std::vector<Bug>{});
    const uint32_t i = t.intent();
    LaunchParams a = params(), b = params();
    a.zone = "us-east-1a";
    b.zone = "us-east-1b";
    t.run(i, "t", a, at(seconds(0)));
    t.run(i, "t", b, at(seconds(5)));
    EXPECT_EQ(t.broke("answers"), with_bug);
  }
}

TEST(AnswersRule4, ARegionalRequestIsNotAnsweredWithAZonalReservation) {
  Tale t;
  LaunchParams zonal = params();
  zonal.zone = "us-east-1a";
  const uint32_t z = t.run(t.intent(), "t", zonal, at(seconds(0)));
  const uint32_t r = t.run(t.intent(), "t", params(), at(seconds(5)));  // regional: its own scope
  EXPECT_TRUE(t.holds());
  t.answered(r, t.response(z));
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersRule5, CurrentAnswersTerminatedOnceTheInstancesAreGone) {
  for (Bug bug : {Bug::original_after_terminated, Bug::relaunch_after_terminated, Bug::forget_at_termination}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::current, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      const uint32_t i = t.intent();
      t.run(i, "t", params(), at(seconds(0)));
      t.terminate_learned(i, at(minutes(1)));
      // Still shutting down at 1m5s (the original answer), terminated at 1m11s.
      t.run(i, "t", params(), at(minutes(1) + seconds(5)));
      const uint32_t late = t.run(i, "t", params(), at(minutes(1) + seconds(11)));
      if (!with_bug) {
        EXPECT_EQ(t.response(late).code, Code::IdempotentInstanceTerminated);
      }
      EXPECT_EQ(t.broke("answers"), with_bug) << bug_info(bug).name;
    }
  }
}

TEST(AnswersRule5, Under2013TheOriginalAnswerHoldsForTheRetentionFromTermination) {
  for (Bug bug : {Bug::retention_from_launch, Bug::forget_at_termination}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::v2013, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      const uint32_t i = t.intent();
      t.run(i, "t", params(), at(seconds(0)));
      t.terminate_learned(i, at(hours(1)));
      // 23h59m after the termination (1h + 10s): 25h after the launch.
      t.run(i, "t", params(), at(hours(1) + seconds(10) + hours(23) + minutes(59)));
      EXPECT_EQ(t.broke("answers"), with_bug) << bug_info(bug).name;
    }
  }
}

TEST(AnswersRule5, Under2013PastTheRetentionEitherAnswerIsAllowed) {
  Tale t(Semantics::v2013);
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  t.terminate_learned(i, at(hours(1)));
  const uint32_t late = t.run(i, "t", params(), at(hours(1) + seconds(10) + hours(24) + minutes(1)));
  EXPECT_NE(t.response(late).reservation, t.response(0).reservation);
  ASSERT_EQ(t.svc->reservations().size(), 2u);  // the service forgot the token and launched again
  const auto ps = t.props();
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "answers"), 0);
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "token-instances"), 0);
  // The caller's misuse of an expired token: one intent, two launches.
  const auto vs = t.violations();
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "intent-instances");
  EXPECT_NE(vs[0].detail.find("expired token"), std::string::npos) << vs[0].detail;
  EXPECT_EQ(vs[0].leaked, 0u);  // the repeat's 200 named the new launch: the caller knows of both
  // Having launched anew, it must answer with the new launch, not the old one.
  t.answered(late, t.response(0));
  EXPECT_TRUE(t.broke("answers"));

  // A service that keeps the token longer ("at least 24 hours") and answers the original is fine.
  Tale kept(Semantics::v2013);
  kept.cfg.token_retention = hours(48);
  kept.reset_service();
  const uint32_t k = kept.intent();
  kept.run(k, "t", params(), at(seconds(0)));
  kept.terminate_learned(k, at(hours(1)));
  kept.run(k, "t", params(), at(hours(1) + seconds(10) + hours(24) + minutes(1)));
  ServiceConfig rules = kept.cfg;
  rules.token_retention = hours(24);
  EXPECT_EQ(kept.svc->reservations().size(), 1u);
  EXPECT_TRUE(kept.findings(rules).empty());
}

TEST(AnswersRule6, WithoutATokenAnAnswerNamesItsOwnLaunch) {
  Tale t;
  const uint32_t a = t.run(t.intent(), std::nullopt, params(), at(seconds(0)));
  const uint32_t b = t.run(t.intent(), std::nullopt, params(), at(seconds(1)));
  EXPECT_TRUE(t.holds());
  t.answered(b, t.response(a));  // answered with the other request's launch
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersRule7, ARepeatInFlightJoinsTheFirstLaunch) {
  for (Bug bug : {Bug::no_inflight_join, Bug::record_after_launch}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::current, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      const uint32_t i = t.intent();
      // Two attempts taken in before the first launch completes.
      const uint32_t c = t.call(i, Api::run, "t");
      const uint32_t a1 = t.send(c, Time(0)), a2 = t.send(c, Time(1000));
      const Admission x = t.take(a1, Time(0)), y = t.take(a2, Time(1000));
      for (const Admission* adm : {&x, &y})
        if (adm->kind == Admission::Started) t.complete(adm->op, Time(2000));
      EXPECT_EQ(t.broke("token-instances"), with_bug) << bug_info(bug).name;
      EXPECT_EQ(t.broke("answers"), with_bug) << bug_info(bug).name;
    }
  }
}

TEST(AnswersDescribe, AVisibleLaunchMustBeFoundAndAnInvisibleOneNot) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  const uint32_t early = t.describe(i, "t", at(seconds(0) + idem::sim::millis(500)));  // inside the lag
  const uint32_t later = t.describe(i, "t", at(seconds(2)));
  EXPECT_EQ(t.response(early).count, 0u);
  EXPECT_EQ(t.response(later).count, 1u);
  EXPECT_TRUE(t.holds());
  t.answered(later, Response{Code::Ok, 0, 0, 0});  // "found nothing", though it was visible
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersTerminate, AVisibleInstanceTerminates) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  const uint32_t term = t.terminate_learned(i, at(seconds(5)));
  EXPECT_TRUE(t.holds());
  t.answered(term, Response{Code::InvalidInstanceIDNotFound, 0, 0, 0});
  EXPECT_TRUE(t.broke("answers"));
}

TEST(IntentInstances, TwoIntentsSharingATokenAreCaughtAndOneIntentIsExact) {
  // Two intents with one token: the second is answered with the first's reservation.
  Tale shared;
  shared.run(shared.intent(), "same", params(), at(seconds(0)));
  shared.run(shared.intent(), "same", params(), at(seconds(5)));
  EXPECT_TRUE(shared.broke("token-collision"));
  EXPECT_TRUE(shared.broke("intent-exact"));  // the second ended well with no instance of its own
  EXPECT_FALSE(shared.broke("intent-instances"));  // nothing launched twice
  EXPECT_FALSE(shared.broke("answers"));  // the service followed the rules; the callers did not
  // The same two requests as one intent (a repeat): nothing wrong.
  Tale one;
  one.run(one.intent(), "same", params(), at(seconds(0)));
  one.run(one.intent(1, /*group=*/0), "same", params(), at(seconds(5)));
  EXPECT_TRUE(one.holds());
}

TEST(IntentInstances, TwoIntentsSharingATokenWithOtherParametersAreACollisionToo) {
  // Incident 2: the second intent gets IdempotentParameterMismatch, a correct answer, and no
  // launch; still, two launches were meant and one token named both.
  Tale t;
  t.run(t.intent(), "same", params("m5.large"), at(seconds(0)));
  const uint32_t b = t.run(t.intent(), "same", params("c5.large"), at(seconds(5)));
  EXPECT_EQ(t.response(b).code, Code::IdempotentParameterMismatch);
  EXPECT_FALSE(t.broke("answers"));
  const auto vs = t.violations();
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "token-collision");
  EXPECT_NE(vs[0].detail.find("one token used by two intents"), std::string::npos) << vs[0].detail;
  // In two Regions the same token is two scopes: no collision.
  Tale apart;
  apart.run(apart.intent(1, kNone, 0), "same", params("m5.large"), at(seconds(0)));
  apart.run(apart.intent(1, kNone, 1), "same", params("c5.large"), at(seconds(5)));
  EXPECT_TRUE(apart.holds());
}

TEST(IntentInstances, AnIntentTerminatesOnlyWhatItWasToldItHas) {
  Tale t;
  const uint32_t mine = t.intent(), theirs = t.intent();
  t.run(mine, "a", params(), at(seconds(0)));
  t.run(theirs, "b", params(), at(seconds(1)));
  const uint32_t term = t.terminate_learned(mine, at(seconds(10)));
  EXPECT_TRUE(t.holds());
  t.names(t.call_of(term), 2);  // the neighbour's instance too
  EXPECT_TRUE(t.broke("no-false-reap"));
}

TEST(IntentExact, AnIntentThatEndedWellWithoutInstancesOfItsOwnBreaksIt) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  EXPECT_TRUE(t.holds());
  const uint32_t empty = t.intent();
  t.state(empty, Outcome::ok);  // a caller that wrote "done" down with nothing launched
  const auto vs = t.violations();
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "intent-exact");
  EXPECT_NE(vs[0].detail.find("ended well with 0 instance(s) of its own, fewer than its MinCount (1)"), std::string::npos)
      << vs[0].detail;
}

TEST(IntentInstances, AnIntentRecordedFailedLaunchedNothing) {
  Tale t;
  const uint32_t i = t.intent();
  const uint32_t a = t.run(i, "t", params(), at(seconds(0)));
  t.timed_out(a, at(seconds(2)));  // the answer was lost: the outcome is unknown
  t.state(i, Outcome::unknown);
  EXPECT_TRUE(t.holds());
  t.state(i, Outcome::failed);  // a caller that wrote "failed" down
  EXPECT_TRUE(t.broke("intent-instances"));
}

TEST(IntentInstances, TwoSmallReservationsForOneIntentAreADuplicate) {
  // MaxCount 2, two launches of one instance each (no token): "at most 2" would pass it.
  Tale t;
  t.cfg.capacity["m5.large"] = 1;
  t.reset_service();
  const uint32_t i = t.intent(2);
  LaunchParams p = params();
  p.min = 1;
  p.max = 2;
  t.run(i, std::nullopt, p, at(seconds(0)));
  t.svc->terminate(0, {1}, at(seconds(2)));  // frees the capacity
  t.run(i, std::nullopt, p, at(seconds(20)));
  ASSERT_EQ(t.svc->reservations().size(), 2u);
  EXPECT_TRUE(t.broke("intent-instances"));
}

TEST(AnswersParameters, ARequestTurnedAwayWithA400TakesNoPartInTheTokensLife) {
  // A zone and a subnet that disagree: a 400 that records nothing. The same token with valid
  // parameters afterwards is a first request, not a mismatch.
  Tale t;
  LaunchParams bad = params(), good = params("c5.large");
  bad.zone = "us-east-1b";
  bad.subnet = "subnet-a1";  // in us-east-1a
  const uint32_t b = t.run(t.intent(), "t", bad, at(seconds(0)));
  EXPECT_EQ(t.response(b).code, Code::InvalidParameterValue);
  t.run(t.intent(), "t", good, at(seconds(5)));
  EXPECT_TRUE(t.holds());
  t.answered(b, Response{Code::Ok, 1, 1, 1});  // a 200 for a request that must be refused
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersDescribe, InsideTheLagEitherAnswerIsAllowed) {
  Tale t;
  const uint32_t i = t.intent();
  const uint32_t run = t.run(i, "t", params(), at(seconds(0)));
  const uint32_t early = t.describe(i, "t", at(idem::sim::millis(500)));
  EXPECT_EQ(t.response(early).count, 0u);
  t.answered(early, t.response(run));  // a faster service already shows it: allowed
  EXPECT_TRUE(t.holds());
}

TEST(AnswersTerminate, A200MustHaveAskedEveryInstanceToTerminate) {
  Tale t;
  const uint32_t i = t.intent(2);
  t.run(i, "t", params("m5.large", 2), at(seconds(0)));
  const uint32_t c = t.call(i, Api::terminate, std::nullopt, params(), at(seconds(5)));
  t.names(c, 1);
  t.names(c, 2);
  const uint32_t a = t.send(c, at(seconds(5)));
  t.svc->terminate(0, {1}, at(seconds(5)));  // the service terminated one of the two...
  t.log.add(Obs::terminated, at(seconds(5)), a);
  t.terminating(1, at(seconds(5)));
  t.answered(a, Response{Code::Ok, 0, 0, 0});  // ...and answered 200 for both
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersLate, AnAnswerThatArrivesAfterTheTimeoutIsJudgedToo) {
  Tale t;
  const uint32_t i = t.intent();
  const uint32_t first = t.run(i, "t", params(), at(seconds(0)));
  const uint32_t c = t.call(i, Api::run, "t", params(), at(seconds(5)));
  const uint32_t repeat = t.send(c, at(seconds(5)));
  t.take(repeat, at(seconds(5)), /*lost=*/true);
  t.timed_out(repeat, at(seconds(7)));  // the client stopped waiting...
  t.answered(repeat, t.response(first), at(seconds(8)), /*late=*/true);  // ...and the answer came after
  EXPECT_TRUE(t.holds());
  Response none = t.response(first);
  none.count = 0;  // an answer naming no instances
  t.answered(repeat, none, at(seconds(9)), /*late=*/true);
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersLaunches, ALaunchHoldsWhatItsRequestAskedFor) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params("m5.large"), at(seconds(0)));
  EXPECT_TRUE(t.holds());
  // The request asked for m5.large; the service says it put up c5.large.
  t.placed(1, 0, "us-east-1a", params("c5.large"), at(seconds(1)));
  EXPECT_TRUE(t.broke("answers"));
}

// ---- Properties of the oracle itself

// Any story of intents against the reference service, each intent with a token of its own, sent
// once or repeated (at any times, with the same parameters), breaks nothing; splice one extra
// launch into any intent (a request with another token, answered or not) and the oracle always
// reports it.
RC_GTEST_PROP(OracleProps, ASplicedExtraLaunchIsAlwaysReported, ()) {
  const auto sem = *rc::gen::element(Semantics::current, Semantics::v2013);
  const int intents = *rc::gen::inRange(1, 6);
  const auto sends = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, intents), rc::gen::inRange(0, 60)));  // (intent, seconds later)
  Tale t(sem);
  std::vector<uint32_t> ids;
  for (int i = 0; i < intents; ++i) ids.push_back(t.intent());
  int64_t now = 0;
  for (int i = 0; i < intents; ++i) t.run(ids[i], "token-" + std::to_string(i), params(), Time(now += 1000));
  for (const auto& [i, later] : sends)
    t.run(ids[i], "token-" + std::to_string(i), params(), Time(now += 1000000LL * later + 1));
  RC_ASSERT(t.holds());
  const int victim = *rc::gen::inRange(0, intents);
  const bool answered = *rc::gen::arbitrary<bool>();
  now += 1000000;
  const uint32_t a = t.send(t.call(ids[victim], Api::run, "spliced", params(), Time(now)), Time(now));
  t.serve(a, Time(now), /*lost=*/!answered);
  RC_ASSERT(t.broke("intent-instances"));
}
