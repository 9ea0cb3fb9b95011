// The oracle against histories built by hand and services made to misbehave (a dedupe window
// that forgets tokens), so every property can be seen to fail as well as to hold.
#include <gtest/gtest.h>

#include "model/oracle.h"

using namespace idem::model;
using idem::sim::seconds;

namespace {

struct Story {
  ServiceConfig config;
  std::optional<Service> service;
  History h;
  std::vector<std::string> regions{"us-east-1", "eu-west-1"};

  explicit Story(bool forgetful) {
    config.regions = {{"us-east-1", {"us-east-1a"}, {}}, {"eu-west-1", {"eu-west-1a"}, {}}};
    if (forgetful) config.store.ttl = seconds(1);
    service.emplace(config);
    h.clients.push_back({"app#0", 0, 0, 0, 0, ""});
    IntentRecord intent;
    intent.intended = 1;
    h.intents.push_back(intent);
  }

  uint32_t call(const std::string& token, const std::string& type = "m5.large", uint32_t region = 0) {
    CallRecord c;
    c.request.region = region;
    c.request.params.type = type;
    c.request.has_token = !token.empty();
    c.request.token = token;
    h.calls.push_back(c);
    h.intents[0].calls.push_back(static_cast<uint32_t>(h.calls.size() - 1));
    return static_cast<uint32_t>(h.calls.size() - 1);
  }

  // An attempt of `call` sent at `t`: the service acts on it; ok answers reach the client
  // unless `lost`.
  Response attempt(uint32_t call, int64_t t_s, bool lost = false) {
    const uint32_t a = static_cast<uint32_t>(h.attempts.size());
    AttemptRecord at;
    at.call = call;
    at.has_token = h.calls[call].request.has_token;
    at.token = h.calls[call].request.token;
    at.sent = Time(0) + seconds(t_s);
    at.taken = at.sent;
    at.taken_order = a;
    Admission adm = service->admit(h.calls[call].request, at.sent, a);
    Response r = adm.kind == Admission::Started ? service->complete(adm.op, at.sent).response : adm.reply;
    at.done = true;
    at.ended = at.sent;
    at.end = lost ? AttemptEnd::timeout : classify(r.code);
    if (!lost) at.response = r;
    h.attempts.push_back(at);
    h.calls[call].attempts.push_back(a);
    if (!lost && r.ok()) {
      h.intents[0].outcome = Outcome::ok;
      h.intents[0].learned = r;
    }
    return r;
  }

  std::vector<Violation> check() { return idem::model::check({h, *service, service->config()}); }
};

std::vector<std::string> properties(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const auto& v : vs) out.push_back(v.property);
  return out;
}

}  // namespace

TEST(Oracle, CleanRetriesUnderOneTokenHold) {
  Story s(false);
  uint32_t c = s.call("t");
  s.attempt(c, 0, /*lost=*/true);
  s.attempt(c, 5);
  s.attempt(c, 6);
  EXPECT_TRUE(s.check().empty());
}

TEST(Oracle, ATokenThatLaunchedTwiceIsCaughtWithItsLeak) {
  Story s(true);
  uint32_t c = s.call("t");
  s.attempt(c, 0, /*lost=*/true);
  s.attempt(c, 5);
  auto vs = s.check();
  // The repeat's answer names the second launch (answers), the token launched twice
  // (token-instances), and so did the intent, whose first launch no answer named (leaked).
  EXPECT_EQ(properties(vs), (std::vector<std::string>{"answers", "token-instances", "intent-instances"}));
  EXPECT_EQ(vs[2].instances, 2u);
  EXPECT_EQ(vs[2].intended, 1u);
  EXPECT_EQ(vs[2].leaked, 1u);
  // The events behind it: two launches and two attempts, in time order.
  ASSERT_GE(vs[0].events.size(), 4u);
  for (size_t i = 1; i < vs[0].events.size(); ++i) EXPECT_LE(vs[0].events[i - 1].at, vs[0].events[i].at);
  // By number, for the timeline: both attempts are in each story; the launch that broke the
  // rule is the second attempt's (the one beyond the first), not the first's.
  for (const Violation& v : vs) EXPECT_EQ(v.attempts, (std::vector<uint32_t>{0, 1})) << v.property;
  EXPECT_EQ(vs[1].bad_launches, std::vector<uint32_t>{1});  // token-instances
  EXPECT_EQ(vs[2].bad_launches, std::vector<uint32_t>{1});  // intent-instances
}

TEST(Oracle, TheTokenAndTheIntentAgreeOnWhichLaunchWentBeyondTheFirst) {
  // A delayed request: sent after its retry (as its time says) but taken in first by the
  // service. Both properties go by the service's order, so they mark the same launch, and the
  // intent's text names the request that made it.
  Story s(true);
  const uint32_t c = s.call("t");
  s.attempt(c, 0, /*lost=*/true);
  s.attempt(c, 5);
  s.h.attempts[1].number = 2;  // the SDK's retry of the call
  s.h.attempts[0].sent = Time(0) + seconds(6);
  auto vs = s.check();
  ASSERT_EQ(properties(vs), (std::vector<std::string>{"answers", "token-instances", "intent-instances"}));
  EXPECT_EQ(vs[1].bad_launches, std::vector<uint32_t>{1});
  EXPECT_EQ(vs[2].bad_launches, std::vector<uint32_t>{1});
  EXPECT_NE(vs[2].detail.find("came from the SDK's retry (attempt 2 of its call)"), std::string::npos) << vs[2].detail;
}

TEST(Oracle, NamesTheLaunchesThatBrokeARuleAndNoOther) {
  // A clean story marks nothing; one launch of a later intent's answer is not a bad launch.
  Story clean(false);
  const uint32_t c = clean.call("t");
  clean.attempt(c, 0, /*lost=*/true);
  clean.attempt(c, 5);
  EXPECT_TRUE(clean.check().empty());
  // Without a token, three attempts, two of them lost: three launches, the last two beyond the first.
  Story s(false);
  const uint32_t n = s.call("");
  s.attempt(n, 0, /*lost=*/true);
  s.attempt(n, 2, /*lost=*/true);
  s.attempt(n, 4);
  auto vs = s.check();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_EQ(vs[0].bad_launches, (std::vector<uint32_t>{1, 2}));
}

TEST(Oracle, DifferentSuccessfulAnswersForOneTokenAreCaught) {
  Story s(true);
  uint32_t c = s.call("t");
  s.attempt(c, 0);
  s.attempt(c, 5);
  auto ps = properties(s.check());
  EXPECT_NE(std::find(ps.begin(), ps.end(), "answers"), ps.end());
}

TEST(Oracle, ALaunchWithOtherParametersUnderATokenIsCaught) {
  Story s(true);
  s.attempt(s.call("t", "m5.large"), 0);
  s.attempt(s.call("t", "c5.large"), 5);
  auto ps = properties(s.check());
  EXPECT_NE(std::find(ps.begin(), ps.end(), "answers"), ps.end());
}

TEST(Oracle, AMismatchAnsweredCorrectlyHolds) {
  Story s(false);
  s.attempt(s.call("t", "m5.large"), 0);
  Response r = s.attempt(s.call("t", "c5.large"), 5);
  EXPECT_EQ(r.code, Code::IdempotentParameterMismatch);
  EXPECT_TRUE(s.check().empty());
}

TEST(Oracle, AnAnswerFromAnotherRegionIsCaught) {
  Story s(false);
  Response west = s.attempt(s.call("t", "m5.large", 1), 0);
  // A (fabricated) answer in us-east-1 that names eu-west-1's reservation.
  uint32_t c = s.call("t", "m5.large", 0);
  AttemptRecord at;
  at.call = c;
  at.has_token = true;
  at.token = "t";
  at.taken = Time(0) + seconds(5);
  at.taken_order = static_cast<uint32_t>(s.h.attempts.size());
  at.done = true;
  at.end = AttemptEnd::ok;
  at.response = west;
  s.h.attempts.push_back(at);
  s.h.calls[c].attempts.push_back(static_cast<uint32_t>(s.h.attempts.size() - 1));
  auto ps = properties(s.check());
  EXPECT_NE(std::find(ps.begin(), ps.end(), "answers"), ps.end());
}

TEST(Oracle, NoTokenDuplicatesAreCaughtPerIntent) {
  Story s(false);
  uint32_t c = s.call("");
  s.attempt(c, 0, /*lost=*/true);
  s.attempt(c, 2);
  auto vs = s.check();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_EQ(vs[0].leaked, 1u);
}

TEST(Oracle, ALaunchByAnSdkRetryOfALaterCallIsTheLaterCallsDoing) {
  // The application calls again (layer app) after an unknown outcome; that call's first attempt
  // is lost on the way, its SDK's second attempt launches: the extra launch is the application's
  // retry, and the text says which attempt made it.
  Story s(false);
  const uint32_t first = s.call("");
  s.attempt(first, 0, /*lost=*/true);
  const uint32_t again = s.call("");
  s.h.calls[again].layer = Layer::app;
  AttemptRecord lost;
  lost.call = again;
  lost.sent = Time(0) + seconds(2);
  lost.done = true;
  lost.ended = Time(0) + seconds(3);
  lost.fate = Fate::request_lost;
  s.h.attempts.push_back(lost);
  s.h.calls[again].attempts.push_back(static_cast<uint32_t>(s.h.attempts.size() - 1));
  s.attempt(again, 4);
  s.h.attempts.back().number = 2;
  auto vs = s.check();
  ASSERT_EQ(properties(vs), std::vector<std::string>{"intent-instances"});
  EXPECT_NE(vs[0].detail.find("an application-level retry, without a token (its SDK's attempt 2 launched) (layer app)"),
            std::string::npos)
      << vs[0].detail;
}
