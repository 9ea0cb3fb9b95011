// The client token rules of DOMAIN.md, one test (or a few) per rule, against model::Service.
#include <gtest/gtest.h>

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

TEST(TokenWindow, AShortDedupeWindowForgetsTheToken) {
  ServiceConfig c = config();
  c.token_window = seconds(2);
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
