// The `answers` property, rule by rule: each test tells a short story against the reference
// service, sees the property hold, then sees it fail when the service breaks that rule (a
// planted bug) or when an answer is forged. The oracle never calls the service's own rules, so
// a broken store is caught rather than mirrored.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "model/oracle.h"

using namespace idem::model;
using idem::sim::hours;
using idem::sim::minutes;
using idem::sim::seconds;

namespace {

LaunchParams params(const std::string& type = "m5.large", int32_t n = 1) {
  LaunchParams p;
  p.type = type;
  p.min = p.max = n;
  return p;
}

// A story: clients send requests to the reference service at given seconds; each request is
// taken in and answered at once unless held in flight.
struct Tale {
  ServiceConfig cfg;
  std::optional<Service> svc;
  History h;

  explicit Tale(Semantics sem = Semantics::current, std::vector<Bug> bugs = {}) {
    cfg.semantics = sem;
    cfg.terminate_time = seconds(10);
    cfg.describe_lag = seconds(1);
    cfg.regions = {{"us-east-1", {"us-east-1a", "us-east-1b"}, {{"subnet-a1", "us-east-1a"}, {"subnet-a2", "us-east-1a"}}},
                   {"eu-west-1", {"eu-west-1a"}, {}}};
    for (Bug b : bugs) cfg.bugs.add(b);
    svc.emplace(cfg);
  }

  // A client with one intent of `max` instances; clients that share `group` are one intent.
  uint32_t intent(int32_t max = 1, uint32_t group = UINT32_MAX) {
    const uint32_t id = static_cast<uint32_t>(h.clients.size());
    h.clients.push_back({"c" + std::to_string(id) + "#0", 0, id, 0, group == UINT32_MAX ? id : group, ""});
    IntentRecord i;
    i.client = id;
    i.intended = max;
    h.intents.push_back(i);
    return static_cast<uint32_t>(h.intents.size() - 1);
  }

  uint32_t new_call(uint32_t intent, Api api, RunRequest req) {
    CallRecord c;
    c.client = h.intents[intent].client;
    c.intent = intent;
    c.api = api;
    c.request = std::move(req);
    h.calls.push_back(c);
    h.intents[intent].calls.push_back(static_cast<uint32_t>(h.calls.size() - 1));
    return static_cast<uint32_t>(h.calls.size() - 1);
  }

  uint32_t new_attempt(uint32_t call, int64_t t_us) {
    AttemptRecord a;
    a.call = call;
    a.has_token = h.calls[call].request.has_token;
    a.token = h.calls[call].request.token;
    a.sent = a.taken = Time(t_us);
    a.taken_order = static_cast<uint32_t>(h.attempts.size());
    h.attempts.push_back(a);
    h.calls[call].attempts.push_back(static_cast<uint32_t>(h.attempts.size() - 1));
    return static_cast<uint32_t>(h.attempts.size() - 1);
  }

  void answered(uint32_t a, Response r) {
    AttemptRecord& at = h.attempts[a];
    at.done = true;
    at.ended = at.taken;
    at.end = classify(r.code);
    at.response = r;
    if (r.ok()) {
      h.intents[h.calls[at.call].intent].learned = r;
      h.intents[h.calls[at.call].intent].outcome = Outcome::ok;
    }
  }

  // RunInstances at `t` (microseconds, or use at()); returns the attempt.
  uint32_t run(uint32_t intent, std::optional<std::string> token, LaunchParams p, Time t, uint32_t region = 0) {
    RunRequest req;
    req.region = region;
    req.params = std::move(p);
    req.has_token = token.has_value();
    if (token) req.token = *token;
    const uint32_t a = new_attempt(new_call(intent, Api::run, req), t.us);
    const Admission adm = svc->admit(h.calls[h.attempts[a].call].request, t, a);
    if (adm.kind == Admission::Reply) answered(a, adm.reply);
    if (adm.kind == Admission::Started) {
      const Completion c = svc->complete(adm.op, t);
      answered(a, c.response);
      for (uint64_t j : c.joined) answered(static_cast<uint32_t>(j), c.response);
    }
    return a;
  }

  void terminate_learned(uint32_t intent, Time t) {
    const Response& r = h.intents[intent].learned;
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < r.count; ++i) ids.push_back(r.first_instance + i);
    RunRequest req;
    const uint32_t c = new_call(intent, Api::terminate, req);
    h.calls[c].ids = ids;
    const uint32_t a = new_attempt(c, t.us);
    answered(a, Response{svc->terminate(0, ids, t).code, 0, 0, 0});
  }

  uint32_t describe(uint32_t intent, const std::string& token, Time t) {
    RunRequest req;
    req.has_token = true;
    req.token = token;
    const uint32_t a = new_attempt(new_call(intent, Api::describe, req), t.us);
    const auto found = svc->describe(0, {}, Token(token), t);
    Response r{found.code, 0, 0, 0};
    if (!found.instances.empty()) {
      r.reservation = found.instances.front().reservation;
      r.first_instance = found.instances.front().id;
      for (const auto& i : found.instances) r.count += i.reservation == r.reservation ? 1 : 0;
    }
    answered(a, r);
    return a;
  }

  std::vector<std::string> props() const {
    std::vector<std::string> out;
    for (const auto& v : check({h, *svc, cfg})) out.push_back(v.property);
    return out;
  }
  bool holds() const { return props().empty(); }
  bool broke(const std::string& property) const {
    const auto ps = props();
    return std::find(ps.begin(), ps.end(), property) != ps.end();
  }
};

Time at(idem::sim::Duration d) { return Time(0) + d; }

}  // namespace

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
  const auto vs = check({lax.h, *lax.svc, lax.cfg});
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
  Response r = t.h.attempts[repeat].response;
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
    t.svc.emplace(t.cfg);
    const uint32_t i = t.intent();
    const uint32_t first = t.run(i, "t", params("m5.large"), at(seconds(0)));
    EXPECT_EQ(t.h.attempts[first].response.code, Code::InsufficientInstanceCapacity);
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
      t.run(t.intent(), "t", b, at(seconds(5)), region_b);
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
  t.answered(r, t.h.attempts[z].response);
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
        EXPECT_EQ(t.h.attempts[late].response.code, Code::IdempotentInstanceTerminated);
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
  EXPECT_NE(t.h.attempts[late].response.reservation, t.h.attempts[0].response.reservation);
  ASSERT_EQ(t.svc->reservations().size(), 2u);  // the service forgot the token and launched again
  const auto ps = t.props();
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "answers"), 0);
  EXPECT_EQ(std::count(ps.begin(), ps.end(), "token-instances"), 0);
  // The caller's misuse of an expired token: one intent, two launches.
  const auto vs = check({t.h, *t.svc, t.cfg});
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "intent-instances");
  EXPECT_NE(vs[0].detail.find("expired token"), std::string::npos) << vs[0].detail;
  EXPECT_EQ(vs[0].leaked, 0u);  // the repeat's 200 named the new launch: the caller knows of both
  // Having launched anew, it must answer with the new launch, not the old one.
  t.answered(late, t.h.attempts[0].response);
  EXPECT_TRUE(t.broke("answers"));

  // A service that keeps the token longer ("at least 24 hours") and answers the original is fine.
  Tale kept(Semantics::v2013);
  kept.cfg.token_retention = hours(48);
  kept.svc.emplace(kept.cfg);
  const uint32_t k = kept.intent();
  kept.run(k, "t", params(), at(seconds(0)));
  kept.terminate_learned(k, at(hours(1)));
  kept.run(k, "t", params(), at(hours(1) + seconds(10) + hours(24) + minutes(1)));
  ServiceConfig rules = kept.cfg;
  rules.token_retention = hours(24);
  EXPECT_EQ(kept.svc->reservations().size(), 1u);
  EXPECT_TRUE(check({kept.h, *kept.svc, rules}).empty());
}

TEST(AnswersRule6, WithoutATokenAnAnswerNamesItsOwnLaunch) {
  Tale t;
  const uint32_t a = t.run(t.intent(), std::nullopt, params(), at(seconds(0)));
  const uint32_t b = t.run(t.intent(), std::nullopt, params(), at(seconds(1)));
  EXPECT_TRUE(t.holds());
  t.answered(b, t.h.attempts[a].response);  // answered with the other request's launch
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersRule7, ARepeatInFlightJoinsTheFirstLaunch) {
  for (Bug bug : {Bug::no_inflight_join, Bug::record_after_launch}) {
    for (bool with_bug : {false, true}) {
      Tale t(Semantics::current, with_bug ? std::vector<Bug>{bug} : std::vector<Bug>{});
      const uint32_t i = t.intent();
      RunRequest req;
      req.params = params();
      req.has_token = true;
      req.token = "t";
      // Two attempts taken in before the first launch completes.
      const uint32_t c = t.new_call(i, Api::run, req);
      const uint32_t a1 = t.new_attempt(c, 0), a2 = t.new_attempt(c, 1000);
      const Admission x = t.svc->admit(req, Time(0), a1), y = t.svc->admit(req, Time(1000), a2);
      for (const Admission* adm : {&x, &y}) {
        if (adm->kind != Admission::Started) continue;
        const Completion done = t.svc->complete(adm->op, Time(2000));
        t.answered(static_cast<uint32_t>(adm == &x ? a1 : a2), done.response);
        for (uint64_t j : done.joined) t.answered(static_cast<uint32_t>(j), done.response);
      }
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
  EXPECT_EQ(t.h.attempts[early].response.count, 0u);
  EXPECT_EQ(t.h.attempts[later].response.count, 1u);
  EXPECT_TRUE(t.holds());
  t.answered(later, Response{Code::Ok, 0, 0, 0});  // "found nothing", though it was visible
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersTerminate, AVisibleInstanceTerminates) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  t.terminate_learned(i, at(seconds(5)));
  EXPECT_TRUE(t.holds());
  t.answered(static_cast<uint32_t>(t.h.attempts.size() - 1), Response{Code::InvalidInstanceIDNotFound, 0, 0, 0});
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
  EXPECT_EQ(t.h.attempts[b].response.code, Code::IdempotentParameterMismatch);
  EXPECT_FALSE(t.broke("answers"));
  const auto vs = check({t.h, *t.svc, t.cfg});
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "token-collision");
  EXPECT_NE(vs[0].detail.find("one token used by two intents"), std::string::npos) << vs[0].detail;
  // In two Regions the same token is two scopes: no collision.
  Tale apart;
  apart.run(apart.intent(), "same", params("m5.large"), at(seconds(0)), 0);
  apart.run(apart.intent(), "same", params("c5.large"), at(seconds(5)), 1);
  EXPECT_TRUE(apart.holds());
}

TEST(IntentInstances, AnIntentTerminatesOnlyWhatItWasToldItHas) {
  Tale t;
  const uint32_t mine = t.intent(), theirs = t.intent();
  t.run(mine, "a", params(), at(seconds(0)));
  t.run(theirs, "b", params(), at(seconds(1)));
  t.terminate_learned(mine, at(seconds(10)));
  EXPECT_TRUE(t.holds());
  t.h.calls[t.h.attempts.back().call].ids = {2};  // the neighbour's instance
  EXPECT_TRUE(t.broke("no-false-reap"));
}

TEST(IntentExact, AnIntentThatEndedWellWithoutInstancesOfItsOwnBreaksIt) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params(), at(seconds(0)));
  EXPECT_TRUE(t.holds());
  const uint32_t empty = t.intent();
  t.h.intents[empty].outcome = Outcome::ok;  // a caller that wrote "done" down with nothing launched
  const auto vs = check({t.h, *t.svc, t.cfg});
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].property, "intent-exact");
  EXPECT_NE(vs[0].detail.find("ended well with 0 instance(s) of its own, fewer than its MinCount (1)"), std::string::npos)
      << vs[0].detail;
}

TEST(IntentInstances, AnIntentRecordedFailedLaunchedNothing) {
  Tale t;
  const uint32_t i = t.intent();
  const uint32_t a = t.run(i, "t", params(), at(seconds(0)));
  t.h.attempts[a].end = AttemptEnd::timeout;  // the answer was lost: the outcome is unknown
  t.h.intents[i].outcome = Outcome::unknown;
  EXPECT_TRUE(t.holds());
  t.h.intents[i].outcome = Outcome::failed;  // a caller that wrote "failed" down
  EXPECT_TRUE(t.broke("intent-instances"));
}

TEST(IntentInstances, TwoSmallReservationsForOneIntentAreADuplicate) {
  // MaxCount 2, two launches of one instance each (no token): "at most 2" would pass it.
  Tale t;
  t.cfg.capacity["m5.large"] = 1;
  t.svc.emplace(t.cfg);
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
  EXPECT_EQ(t.h.attempts[b].response.code, Code::InvalidParameterValue);
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
  EXPECT_EQ(t.h.attempts[early].response.count, 0u);
  t.answered(early, t.h.attempts[run].response);  // a faster service already shows it: allowed
  EXPECT_TRUE(t.holds());
}

TEST(AnswersTerminate, A200MustHaveAskedEveryInstanceToTerminate) {
  Tale t;
  const uint32_t i = t.intent(2);
  t.run(i, "t", params("m5.large", 2), at(seconds(0)));
  RunRequest req;
  const uint32_t c = t.new_call(i, Api::terminate, req);
  t.h.calls[c].ids = {1, 2};
  const uint32_t a = t.new_attempt(c, seconds(5).us);
  t.svc->terminate(0, {1}, at(seconds(5)));  // the service terminated one of the two...
  t.answered(a, Response{Code::Ok, 0, 0, 0});  // ...and answered 200 for both
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersLate, AnAnswerThatArrivesAfterTheTimeoutIsJudgedToo) {
  Tale t;
  const uint32_t i = t.intent();
  const uint32_t first = t.run(i, "t", params(), at(seconds(0)));
  const uint32_t repeat = t.run(i, "t", params(), at(seconds(5)));
  AttemptRecord& r = t.h.attempts[repeat];
  r.end = AttemptEnd::timeout;  // the client stopped waiting...
  r.late = true;                // ...and the answer came after, naming no instances
  r.late_response = t.h.attempts[first].response;
  EXPECT_TRUE(t.holds());
  r.late_response.count = 0;
  EXPECT_TRUE(t.broke("answers"));
}

TEST(AnswersLaunches, ALaunchHoldsWhatItsRequestAskedFor) {
  Tale t;
  const uint32_t i = t.intent();
  t.run(i, "t", params("m5.large"), at(seconds(0)));
  EXPECT_TRUE(t.holds());
  // The history says the request asked for c5.large; the service launched m5.large.
  t.h.calls[t.h.attempts[0].call].request.params.type = "c5.large";
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
  RunRequest req;
  req.params = params();
  req.has_token = true;
  req.token = "spliced";
  now += 1000000;
  const uint32_t a = t.new_attempt(t.new_call(ids[victim], Api::run, req), now);
  const Admission adm = t.svc->admit(req, Time(now), a);
  RC_ASSERT(adm.kind == Admission::Started);
  const Completion c = t.svc->complete(adm.op, Time(now));
  if (answered) t.answered(a, c.response);
  RC_ASSERT(t.broke("intent-instances"));
}
