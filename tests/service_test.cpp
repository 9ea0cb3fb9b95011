// The client token rules (docs/bugs.md, "The token rules"), one test (or a few) per rule, against model::Service.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include "model/service.h"
#include "sim/invariant.h"

using namespace idem::model;
using idem::sim::Duration;
using idem::sim::hours;
using idem::sim::millis;
using idem::sim::seconds;

namespace {

ServiceConfig config(Semantics s = Semantics::current) {
  ServiceConfig c;
  c.semantics = s;
  c.regions = {{"us-east-1", {"us-east-1a", "us-east-1b"}, {{"subnet-a", "us-east-1a"}}},
               {"eu-west-1", {"eu-west-1a"}, {}}};
  return c;
}

RunRequest req(std::string token, uint32_t region = 0) {
  RunRequest r;
  r.region = region;
  r.params.image = "ami-1";
  r.params.type = "m5.large";
  r.params.min = 1;
  r.params.max = 2;
  r.has_token = true;
  r.token = std::move(token);
  return r;
}

// Admits and, if it started a launch, completes it at the same time.
Response call(Service& s, const RunRequest& r, Time now, uint64_t tag = 0) {
  Admission a = s.admit(r, now, tag);
  if (a.kind == Admission::Started) return s.complete(a.op, now).response;
  EXPECT_NE(a.kind, Admission::Joined);
  return a.reply;
}

Time at(Duration d) { return Time(0) + d; }

}  // namespace

// Rule 1: 1 to 64 ASCII characters, case-sensitive; anything else is a 400 that launches nothing.
TEST(TokenRule1, InvalidTokensAreRejectedAndLaunchNothing) {
  Service s(config());
  for (std::string bad : {std::string(), std::string(65, 'x'), std::string("caf\xc3\xa9")}) {
    Response r = call(s, req(bad), Time(0));
    EXPECT_EQ(r.code, Code::InvalidParameterValue) << bad;
    EXPECT_EQ(r.status(), 400);
  }
  EXPECT_TRUE(s.reservations().empty());
  EXPECT_TRUE(call(s, req(std::string(64, 'x')), Time(0)).ok());
}

TEST(TokenRule1, TokensAreCaseSensitive) {
  Service s(config());
  Response a = call(s, req("Token-A"), Time(0));
  Response b = call(s, req("token-a"), Time(0));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.reservation, b.reservation);
  EXPECT_EQ(s.reservations().size(), 2u);
}

// Rule 2: same token, same parameters: the same response, no new instances.
TEST(TokenRule2, RepeatReturnsTheSameResponseOnlyStateDiffers) {
  Service s(config());
  Response first = call(s, req("t"), Time(0));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.count, 2u);
  EXPECT_EQ(s.state_of(first.first_instance, Time(0)), InstanceState::pending);
  Response again = call(s, req("t"), at(hours(1)));
  EXPECT_TRUE(again.same_as(first));
  EXPECT_EQ(s.instances().size(), 2u);
  EXPECT_EQ(s.state_of(first.first_instance, at(hours(1))), InstanceState::running);
}

// Rule 3: same token, another parameter: IdempotentParameterMismatch, nothing launched.
TEST(TokenRule3, AnyOtherParameterIsAMismatch) {
  Service s(config());
  ASSERT_TRUE(call(s, req("t"), Time(0)).ok());
  auto with = [](auto change) {
    RunRequest r = req("t");
    change(r.params);
    return r;
  };
  for (const RunRequest& r : {with([](LaunchParams& p) { p.type = "c5.large"; }),
                              with([](LaunchParams& p) { p.image = "ami-2"; }),
                              with([](LaunchParams& p) { p.max = 3; }),
                              with([](LaunchParams& p) { p.min = 2; }),
                              with([](LaunchParams& p) { p.key = "other"; })}) {
    Response m = call(s, r, at(seconds(1)));
    EXPECT_EQ(m.code, Code::IdempotentParameterMismatch);
    EXPECT_EQ(m.status(), 400);
  }
  EXPECT_EQ(s.reservations().size(), 1u);
}

TEST(TokenRule3, MismatchWhileTheFirstIsInFlightLaunchesNothing) {
  Service s(config());
  Admission first = s.admit(req("t"), Time(0), 1);
  ASSERT_EQ(first.kind, Admission::Started);
  RunRequest other = req("t");
  other.params.type = "c5.large";
  Admission second = s.admit(other, Time(1), 2);
  EXPECT_EQ(second.kind, Admission::Reply);
  EXPECT_EQ(second.reply.code, Code::IdempotentParameterMismatch);
  s.complete(first.op, Time(2));
  EXPECT_EQ(s.reservations().size(), 1u);
}

// Rule 4: the scope is the Region, or the zone when a zone or subnet is given (current).
// A broken invariant of the harness stops the run in every build type (not an assert).
TEST(Invariants, ALaunchCompletesOnceEvenInRelease) {
  Service s(config());
  const Admission a = s.admit(req("t"), Time(0), 0);
  ASSERT_EQ(a.kind, Admission::Started);
  s.complete(a.op, Time(1));
  EXPECT_THROW(s.complete(a.op, Time(2)), idem::sim::InvariantError);
}

TEST(TokenRule4, AnotherRegionIsAnotherScope) {
  Service s(config());
  Response east = call(s, req("t", 0), Time(0));
  Response west = call(s, req("t", 1), Time(0));
  ASSERT_TRUE(east.ok() && west.ok());
  EXPECT_NE(east.reservation, west.reservation);
  EXPECT_EQ(s.reservations()[west.reservation - 1].region, 1u);
}

TEST(TokenRule4, ZonalScopeUnderCurrentSemantics) {
  Service s(config(Semantics::current));
  RunRequest a = req("t"), b = req("t"), regional = req("t"), subnet = req("t");
  a.params.zone = "us-east-1a";
  b.params.zone = "us-east-1b";
  subnet.params.subnet = "subnet-a";  // in us-east-1a: the same scope as `a`, but another SubnetId
  Response ra = call(s, a, Time(0)), rb = call(s, b, Time(0)), rr = call(s, regional, Time(0));
  Response rs = call(s, subnet, Time(0));
  EXPECT_NE(ra.reservation, rb.reservation);
  EXPECT_NE(ra.reservation, rr.reservation);
  // SubnetId is a parameter (only the Region and zone are scope): compared, so a mismatch.
  EXPECT_EQ(rs.code, Code::IdempotentParameterMismatch);
  EXPECT_EQ(s.reservations().size(), 3u);
}

TEST(TokenRule4, ASubnetSelectsTheZonalScope) {
  Service s(config(Semantics::current));
  RunRequest a = req("t"), b = req("t");
  a.params.subnet = "subnet-a";  // in us-east-1a
  b.params.subnet = "subnet-a";
  b.params.zone = "us-east-1a";  // the same zone, named: the same scope and parameters
  Response ra = call(s, a, Time(0)), rb = call(s, b, Time(0));
  EXPECT_TRUE(rb.same_as(ra));
  EXPECT_EQ(s.reservations().size(), 1u);
}

TEST(TokenRule4, RegionalScopeUnder2013WhateverTheZone) {
  Service s(config(Semantics::v2013));
  RunRequest a = req("t"), b = req("t");
  a.params.zone = "us-east-1a";
  b.params.zone = "us-east-1b";
  Response ra = call(s, a, Time(0)), rb = call(s, b, Time(0));
  EXPECT_TRUE(ra.same_as(rb));
  EXPECT_EQ(s.reservations().size(), 1u);
}

TEST(TokenRule4, UnknownZoneOrSubnetIsRejected) {
  Service s(config());
  RunRequest z = req("t"), n = req("u");
  z.params.zone = "us-west-2a";
  n.params.subnet = "subnet-zzz";
  EXPECT_EQ(call(s, z, Time(0)).code, Code::InvalidParameterValue);
  EXPECT_EQ(call(s, n, Time(0)).code, Code::InvalidSubnetIDNotFound);
  EXPECT_TRUE(s.reservations().empty());
}

// Rule 5: lifetime after termination, in both semantics.
TEST(TokenRule5, V2013RepeatAfterTerminationReturnsTheOriginalWithin24h) {
  ServiceConfig c = config(Semantics::v2013);
  Service s(c);
  Response first = call(s, req("t"), Time(0));
  std::vector<uint32_t> ids{first.first_instance, first.first_instance + 1};
  ASSERT_EQ(s.terminate(0, ids, at(seconds(60))).code, Code::Ok);
  EXPECT_EQ(s.state_of(ids[0], at(seconds(65))), InstanceState::shutting_down);
  EXPECT_EQ(s.state_of(ids[0], at(seconds(71))), InstanceState::terminated);
  Response later = call(s, req("t"), at(hours(23)));
  EXPECT_TRUE(later.same_as(first));
  EXPECT_EQ(s.reservations().size(), 1u);
  // Past the retention the token is forgotten: a repeat launches anew.
  Response much_later = call(s, req("t"), at(hours(25)));
  EXPECT_TRUE(much_later.ok());
  EXPECT_NE(much_later.reservation, first.reservation);
}

TEST(TokenRule5, CurrentRepeatAfterTerminationAnswersIdempotentInstanceTerminated) {
  Service s(config(Semantics::current));
  Response first = call(s, req("t"), Time(0));
  // Still shutting down: the original response.
  s.terminate(0, {first.first_instance, first.first_instance + 1}, at(seconds(60)));
  EXPECT_TRUE(call(s, req("t"), at(seconds(65))).same_as(first));
  Response after = call(s, req("t"), at(seconds(120)));
  EXPECT_EQ(after.code, Code::IdempotentInstanceTerminated);
  EXPECT_EQ(after.status(), 400);
  EXPECT_EQ(s.reservations().size(), 1u);
}

TEST(TokenRule5, PartlyTerminatedReservationStillAnswersTheOriginal) {
  Service s(config(Semantics::current));
  Response first = call(s, req("t"), Time(0));
  s.terminate(0, {first.first_instance}, at(seconds(60)));
  EXPECT_TRUE(call(s, req("t"), at(seconds(600))).same_as(first));
}

// Rule 6: no token, no protection.
TEST(TokenRule6, OmittedTokenLaunchesEveryTime) {
  Service s(config());
  RunRequest r = req("");
  r.has_token = false;
  Response a = call(s, r, Time(0)), b = call(s, r, Time(0));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.reservation, b.reservation);
  EXPECT_EQ(s.instances().size(), 4u);
}

// Rule 7: recorded atomically with the launch; a request in flight is joined, not repeated.
TEST(TokenRule7, RequestsArrivingWhileTheFirstIsInFlightJoinIt) {
  Service s(config());
  Admission first = s.admit(req("t"), Time(0), 10);
  Admission second = s.admit(req("t"), Time(5), 11);
  Admission third = s.admit(req("t"), Time(6), 12);
  ASSERT_EQ(first.kind, Admission::Started);
  EXPECT_EQ(second.kind, Admission::Joined);
  EXPECT_EQ(third.kind, Admission::Joined);
  EXPECT_EQ(s.in_flight(), 1u);
  Completion done = s.complete(first.op, Time(40));
  EXPECT_TRUE(done.response.ok());
  EXPECT_EQ(done.joined, (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(s.reservations().size(), 1u);
  EXPECT_EQ(s.reservations()[0].tag, 10u);
  EXPECT_TRUE(call(s, req("t"), Time(50)).same_as(done.response));
}

TEST(StoreTtl, AShortTtlForgetsTheToken) {
  ServiceConfig c = config();
  c.store.ttl = seconds(2);
  Service s(c);
  Response a = call(s, req("t"), Time(0));
  EXPECT_TRUE(call(s, req("t"), at(seconds(1))).same_as(a));
  Response b = call(s, req("t"), at(seconds(3)));
  EXPECT_NE(a.reservation, b.reservation);
}

TEST(Capacity, LaunchesBetweenMinAndMaxOrFailsBelowMin) {
  ServiceConfig c = config();
  c.capacity["m5.large"] = 3;
  Service s(c);
  RunRequest r = req("a");
  r.params.min = 1;
  r.params.max = 2;
  EXPECT_EQ(call(s, r, Time(0)).count, 2u);
  EXPECT_EQ(call(s, req("b"), Time(0)).count, 1u);  // only one left
  Response none = call(s, req("c"), Time(0));
  EXPECT_EQ(none.code, Code::InsufficientInstanceCapacity);
  EXPECT_EQ(none.status(), 500);
  // The failed launch is the token's recorded answer; a different type is a mismatch.
  EXPECT_EQ(call(s, req("c"), Time(1)).code, Code::InsufficientInstanceCapacity);
  RunRequest fallback = req("c");
  fallback.params.type = "c5.large";
  EXPECT_EQ(call(s, fallback, Time(2)).code, Code::IdempotentParameterMismatch);
}

TEST(Validation, MinCountAboveMaxCountIsInvalid) {
  Service s(config());
  RunRequest r = req("t");
  r.params.min = 3;
  r.params.max = 2;
  EXPECT_EQ(call(s, r, Time(0)).code, Code::InvalidParameterValue);
  EXPECT_TRUE(s.reservations().empty());
}

TEST(Describe, EventuallyConsistentAndFiltersByClientToken) {
  Service s(config());
  Response a = call(s, req("tok-a"), Time(0));
  call(s, req("tok-b"), Time(0));
  // Right after the launch: NotFound by id, and the filter sees nothing yet.
  EXPECT_EQ(s.describe(0, {a.first_instance}, std::nullopt, at(millis(10))).code,
            Code::InvalidInstanceIDNotFound);
  EXPECT_TRUE(s.describe(0, {}, std::string("tok-a"), at(millis(10))).instances.empty());
  DescribeResult later = s.describe(0, {}, std::string("tok-a"), at(seconds(5)));
  ASSERT_EQ(later.instances.size(), 2u);
  EXPECT_EQ(later.instances[0].token, "tok-a");
  EXPECT_EQ(later.instances[0].reservation, a.reservation);
  EXPECT_EQ(s.describe(0, {}, std::nullopt, at(seconds(5))).instances.size(), 4u);
  // Another Region does not see them.
  EXPECT_TRUE(s.describe(1, {}, std::string("tok-a"), at(seconds(5))).instances.empty());
}

TEST(Terminate, IsIdempotentByItself) {
  Service s(config());
  Response a = call(s, req("t"), Time(0));
  DescribeResult first = s.terminate(0, {a.first_instance}, at(seconds(5)));
  DescribeResult again = s.terminate(0, {a.first_instance}, at(seconds(6)));
  ASSERT_EQ(first.code, Code::Ok);
  ASSERT_EQ(again.code, Code::Ok);
  EXPECT_EQ(again.instances[0].state, InstanceState::shutting_down);
  EXPECT_EQ(s.state_of(a.first_instance, at(seconds(16))), InstanceState::terminated);
  EXPECT_EQ(s.terminate(0, {999}, at(seconds(6))).code, Code::InvalidInstanceIDNotFound);
}

// ---- The service's parts (model/service.h, top)

namespace {
Handling on(uint32_t frontend, Time now, uint32_t replica = 0, Duration skew = Duration(0)) {
  return Handling{now, skew, frontend, replica, std::nullopt};  // arrived: unset, now
}
}  // namespace

TEST(Store, ConditionalInsertMakesTheSecondRequestJoin) {
  Service s(config());
  const Admission a = s.admit(req("t"), on(0, Time(0)), 1);
  const Admission b = s.admit(req("t"), on(1, Time(1)), 2);
  ASSERT_EQ(a.kind, Admission::Started);
  ASSERT_EQ(b.kind, Admission::Joined);
  s.launch(a.op, at(millis(40)));
  EXPECT_EQ(s.record(a.op, on(0, at(millis(40)))).joined, (std::vector<uint64_t>{2}));
  EXPECT_EQ(s.reservations().size(), 1u);
}

TEST(Store, ReadThenWriteLetsTwoReadsInsideTheGapBothLaunch) {
  ServiceConfig c = config();
  c.store.write = StoreWrite::read_then_write;
  Service s(c);
  const Admission a = s.admit(req("t"), on(0, Time(0)), 1);
  const Admission b = s.admit(req("t"), on(1, at(millis(1))), 2);  // before a's insert lands
  ASSERT_EQ(a.kind, Admission::Started);
  ASSERT_EQ(b.kind, Admission::Started);
  s.write(a.op, on(0, at(millis(2))));
  s.write(b.op, on(1, at(millis(3))));  // overwrites a's record
  for (const Admission& x : {a, b}) {
    s.launch(x.op, at(millis(40)));
    s.record(x.op, on(0, at(millis(40))));
  }
  EXPECT_EQ(s.reservations().size(), 2u);
  // After the gap, a read finds the (last written) record: a repeat is answered, not launched.
  const Admission later = s.admit(req("t"), on(0, at(seconds(1))), 3);
  ASSERT_EQ(later.kind, Admission::Reply);
  EXPECT_EQ(later.reply.reservation, s.reservations()[1].id);
}

TEST(Store, AReadOnALaggingReplicaMissesARecentRecord) {
  ServiceConfig c = config();
  c.store.write = StoreWrite::read_then_write;
  c.store.replicas = 2;
  c.store.lag = seconds(5);
  Service s(c);
  const Admission a = s.admit(req("t"), on(0, Time(0)), 1);
  s.write(a.op, on(0, at(millis(2))));
  EXPECT_EQ(s.admit(req("t"), on(0, at(seconds(1)), 0), 2).kind, Admission::Joined);   // the primary has it
  EXPECT_EQ(s.admit(req("t"), on(0, at(seconds(1)), 1), 3).kind, Admission::Started);  // the replica not yet
  EXPECT_EQ(s.admit(req("t"), on(0, at(seconds(6)), 1), 4).kind, Admission::Joined);   // now it has
}

TEST(Store, AVolatileStoreCrashForgetsEveryRecordADurableOneNone) {
  for (const Durability d : {Durability::durable, Durability::lossy}) {
    ServiceConfig c = config();
    c.store.durability = d;
    Service s(c);
    const Response first = call(s, req("t"), Time(0));
    s.crash_store(0);
    const Admission again = s.admit(req("t"), at(seconds(1)), 2);
    if (d == Durability::durable) {
      ASSERT_EQ(again.kind, Admission::Reply);
      EXPECT_TRUE(again.reply.same_as(first));
    } else {
      EXPECT_EQ(again.kind, Admission::Started);
    }
  }
}

TEST(FrontendCrash, RecoveryBindsALaunchThatHappenedAndReleasesOneThatDidNot) {
  Service s(config());
  const Admission launched = s.admit(req("a"), on(1, Time(0)), 1);
  const Admission waiting = s.admit(req("a"), on(0, at(millis(5))), 2);  // joins from frontend 0
  const Admission not_launched = s.admit(req("b"), on(1, Time(0)), 3);
  const Admission elsewhere = s.admit(req("c"), on(0, Time(0)), 4);
  const Response r = s.launch(launched.op, at(millis(40)));
  const std::vector<Abandoned> out = s.crash_frontend(0, 1, at(millis(50)));
  ASSERT_EQ(out.size(), 2u);  // frontend 1's two launches; frontend 0's is untouched
  EXPECT_TRUE(out[0].launched);
  ASSERT_TRUE(out[0].bound);
  EXPECT_TRUE(out[0].bound->same_as(r));
  EXPECT_EQ(out[0].joined, (std::vector<uint64_t>{2}));
  EXPECT_FALSE(out[1].launched);
  EXPECT_FALSE(out[1].bound);
  EXPECT_TRUE(s.abandoned(not_launched.op));
  EXPECT_FALSE(s.abandoned(elsewhere.op));
  // A retry of "a" gets the original answer; one of "b" launches it, once.
  const Admission ra = s.admit(req("a"), on(0, at(seconds(1))), 5);
  ASSERT_EQ(ra.kind, Admission::Reply);
  EXPECT_TRUE(ra.reply.same_as(r));
  EXPECT_EQ(s.admit(req("b"), on(0, at(seconds(1))), 6).kind, Admission::Started);
  EXPECT_EQ(waiting.kind, Admission::Joined);
}

TEST(FrontendCrash, WithoutRecoveryARetryLaunchesASecondTime) {
  ServiceConfig c = config();
  c.recover = false;
  Service s(c);
  const Admission a = s.admit(req("a"), on(1, Time(0)), 1);
  s.launch(a.op, at(millis(40)));
  const std::vector<Abandoned> out = s.crash_frontend(0, 1, at(millis(50)));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].bound);
  const Admission retry = s.admit(req("a"), on(0, at(seconds(1))), 2);
  ASSERT_EQ(retry.kind, Admission::Started);
  s.launch(retry.op, at(seconds(1)));
  EXPECT_EQ(s.reservations().size(), 2u);  // the duplicate the recovery exists to prevent
}

TEST(Skew, AFrontendJudgesTtlAndInstanceStateByItsOwnClock) {
  ServiceConfig c = config();
  c.store.ttl = seconds(60);
  Service s(c);
  const Response first = call(s, req("t"), Time(0));
  // 10 s later by the true clock: a frontend 2 minutes ahead finds the record expired.
  EXPECT_EQ(s.admit(req("t"), on(1, at(seconds(10)), 0, seconds(120)), 2).kind, Admission::Started);

  Service t(config());
  const Response launched = call(t, req("u"), Time(0));
  t.terminate(0, {launched.first_instance, launched.first_instance + 1}, at(seconds(5)));
  // Terminated at 15 s (terminate_time 10 s). At 60 s a frontend 2 minutes behind still sees
  // them running and answers the original; an exact one answers IdempotentInstanceTerminated.
  const Admission behind = t.admit(req("u"), on(1, at(seconds(60)), 0, Duration(-seconds(120).us)), 3);
  ASSERT_EQ(behind.kind, Admission::Reply);
  EXPECT_TRUE(behind.reply.same_as(launched));
  EXPECT_EQ(t.admit(req("u"), on(0, at(seconds(60))), 4).reply.code, Code::IdempotentInstanceTerminated);
  (void)first;
}

TEST(Throttle, ABucketPerAccountAndRegionRefillsAtItsRate) {
  ServiceConfig c = config();
  c.throttle = Throttle{2, 1, seconds(1)};  // 2 requests, 1 more per second
  Service s(c);
  EXPECT_TRUE(s.take_quota(0, 0, Time(0)));
  EXPECT_TRUE(s.take_quota(0, 0, Time(0)));
  EXPECT_FALSE(s.take_quota(0, 0, at(millis(500))));
  EXPECT_TRUE(s.take_quota(1, 0, at(millis(500))));  // another account
  EXPECT_TRUE(s.take_quota(0, 1, at(millis(500))));  // another Region
  EXPECT_TRUE(s.take_quota(0, 0, at(millis(1000))));
  EXPECT_FALSE(s.take_quota(0, 0, at(millis(1999))));
  EXPECT_TRUE(s.take_quota(0, 0, at(seconds(10))));
  EXPECT_TRUE(s.take_quota(0, 0, at(seconds(10))));
  EXPECT_FALSE(s.take_quota(0, 0, at(seconds(10))));  // refilled to the bucket, not beyond
}

TEST(Throttle, HugeBucketsAndLongIdleTimesDoNotOverflow) {
  ServiceConfig c = config();
  c.throttle = Throttle{1000000000, 1, hours(24)};  // 10^9 requests x 24 h in microseconds: 87 bits
  Service s(c);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(s.take_quota(0, 0, Time(i)));
  ServiceConfig d = config();
  d.throttle = Throttle{5, 1000000, seconds(1)};
  Service t(d);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(t.take_quota(0, 0, Time(0)));
  EXPECT_FALSE(t.take_quota(0, 0, Time(0)));
  EXPECT_TRUE(t.take_quota(0, 0, at(hours(24) * 200)));  // 200 days idle: refilled, not wrapped
}

TEST(Accounts, OneTokenInTwoAccountsIsTwoTokens) {
  ServiceConfig c = config();
  c.accounts = {"default", "other"};
  Service s(c);
  RunRequest a = req("t"), b = req("t");
  b.account = 1;
  b.params.type = "c5.xlarge";  // would be a mismatch in one account
  const Response ra = call(s, a, Time(0));
  const Response rb = call(s, b, Time(1));
  ASSERT_TRUE(ra.ok());
  ASSERT_TRUE(rb.ok());
  EXPECT_NE(ra.reservation, rb.reservation);
  // Each account sees only its own instances.
  EXPECT_EQ(s.describe(0, {}, std::string("t"), at(seconds(5)), 0).instances.size(), 2u);
  EXPECT_EQ(s.describe(0, {}, std::string("t"), at(seconds(5)), 1).instances.front().reservation, rb.reservation);
  EXPECT_EQ(s.describe(0, {ra.first_instance}, std::nullopt, at(seconds(5)), 1).code, Code::InvalidInstanceIDNotFound);
}

// The token store's table (model/flat_table.h) against std::map, under inserts, erases and bulk
// erases of keys whose hashes collide on purpose (few distinct hashes, runs that wrap around the
// end of the slots): every key stays findable until erased, and only then.
RC_GTEST_PROP(FlatTable, BehavesAsAMapUnderCollidingHashes, ()) {
  struct Entry {
    uint32_t key = 0;
    uint32_t value = 0;
  };
  const uint64_t spread = *rc::gen::inRange<uint64_t>(1, 9);  // distinct hashes: few, so runs form
  const uint64_t high = *rc::gen::element<uint64_t>(0, 15, 31);  // homes near the end: runs wrap
  const auto ops = *rc::gen::container<std::vector<std::pair<uint8_t, uint32_t>>>(
      rc::gen::pair(rc::gen::inRange<uint8_t>(0, 10), rc::gen::inRange<uint32_t>(0, 40)));
  FlatTable<Entry> t;
  std::map<uint32_t, uint32_t> m;
  auto hash = [&](uint32_t k) { return high + k % spread; };
  auto find = [&](uint32_t k) { return t.find(hash(k), [&](const Entry& e) { return e.key == k; }); };
  uint32_t next = 1;
  for (const auto& [op, k] : ops) {
    if (op < 5) {  // insert, or update
      if (Entry* e = find(k)) e->value = next;
      else t.insert(hash(k), Entry{k, next});
      m[k] = next++;
    } else if (op < 9) {
      if (Entry* e = find(k)) t.erase(e);
      m.erase(k);
    } else {  // a bulk erase: every key of one parity
      t.erase_if([&](const Entry& e) { return e.key % 2 == k % 2; });
      std::erase_if(m, [&](const auto& kv) { return kv.first % 2 == k % 2; });
    }
    RC_ASSERT(t.size() == m.size());
    for (uint32_t q = 0; q < 40; ++q) {
      const Entry* e = find(q);
      const auto it = m.find(q);
      RC_ASSERT((e != nullptr) == (it != m.end()));
      if (e) RC_ASSERT(e->value == it->second);
    }
  }
}

// The service's indexes give what scans of the whole run would: DescribeInstances by token (per
// token, its reservations chained in launch order) lists what a scan of every instance finds, in
// the same order; a frontend's crash abandons exactly the launches still open on it, in op order
// (its list of open launches drops the done ones as it goes). Several tokens, two Regions, three
// frontends, relaunches after termination, steps in any order.
RC_GTEST_PROP(ServiceIndexes, DescribeAndCrashAgreeWithScans, ()) {
  ServiceConfig c = config();
  c.frontends = 3;
  c.describe_lag = Duration(0);
  c.terminate_time = Duration(1500);  // terminated a step or two after it is asked
  c.bugs.add(Bug::relaunch_after_terminated);  // a token may launch again: chains of several
  Service s(c);
  const std::vector<std::string> tokens{"a", "b", "c", ""};
  struct Open {
    uint32_t op, frontend, region;
    bool launched = false;
  };
  std::vector<Open> open;  // the reference: launches taken on and not done, by op id
  const auto steps = *rc::gen::container<std::vector<std::tuple<uint8_t, uint8_t, uint8_t>>>(
      rc::gen::tuple(rc::gen::inRange<uint8_t>(0, 6), rc::gen::inRange<uint8_t>(0, 4), rc::gen::inRange<uint8_t>(0, 3)));
  int64_t now = 0;
  uint64_t tag = 0;
  bool several = false;
  for (const auto& [action, pick, frontend] : steps) {
    now += 1000;
    const Handling at{Time(now), {}, frontend, 0, std::nullopt};
    if (action <= 1) {  // a request with one of the tokens (or none), in either Region
      RunRequest r = req(tokens[pick], action);
      r.has_token = !tokens[pick].empty();
      const Admission a = s.admit(r, at, tag++);
      if (a.kind == Admission::Started) open.push_back({a.op, frontend, action});
    } else if (action == 2 && !open.empty()) {  // a launch step, then maybe its record step
      Open& o = open[pick % open.size()];
      if (!o.launched) {
        s.launch(o.op, Time(now));
        o.launched = true;
      } else {
        s.record(o.op, at);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick % open.size()));
      }
    } else if (action == 3) {  // a frontend of Region 0 crashes: its open launches, in op order
      std::vector<uint32_t> expected;
      std::vector<Open> rest;
      for (const Open& o : open) {
        if (o.region == 0 && o.frontend == frontend) expected.push_back(o.op);
        else rest.push_back(o);
      }
      std::vector<uint32_t> abandoned;
      for (const Abandoned& ab : s.crash_frontend(0, frontend, Time(now))) abandoned.push_back(ab.op);
      RC_ASSERT(abandoned == expected);
      open = rest;
    } else if (action == 4 && !s.instances().empty()) {  // a termination
      const uint32_t id = 1 + static_cast<uint32_t>(pick) % static_cast<uint32_t>(s.instances().size());
      const uint32_t region = s.reservations()[s.instances()[id - 1].reservation - 1].region;
      s.terminate(region, {id}, Time(now));
    }
    // What is in flight: the reference's launches not launched yet, in op order.
    size_t waiting = 0;
    for (const Open& o : open) waiting += o.launched ? 0 : 1;
    RC_ASSERT(s.in_flight() == waiting);
    // DescribeInstances by each token, in each Region, against a scan of every instance.
    for (uint32_t region = 0; region < 2; ++region)
      for (const std::string& t : tokens) {
        if (t.empty()) continue;
        const DescribeResult got = s.describe(region, {}, Token(t), Time(now));
        std::vector<uint32_t> want;
        for (const Instance& i : s.instances()) {
          const Reservation& r = s.reservations()[i.reservation - 1];
          if (r.region == region && r.has_token && s.token_of(r) == Token(t)) want.push_back(i.id);
        }
        std::vector<uint32_t> ids;
        for (const InstanceView& v : got.instances) ids.push_back(v.id);
        RC_ASSERT(ids == want);
        several = several || want.size() > 2;
      }
  }
  RC_CLASSIFY(several, "a token with several reservations");
}
