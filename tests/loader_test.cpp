// The scenario loader: good files load with their defaults; every bad one is answered with
// file:line:column and a message that names the key.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "harness/load.h"
#include "harness/world.h"
#include "harness/writer.h"

using namespace idem::harness;
using idem::sim::Duration;
using idem::sim::Ratio;

namespace {

const char* kMinimal = "name: minimal\nclients:\n  - name: app\n";

struct Caught {
  int line = -1, column = -1;
  std::string message;
};

Caught error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.yaml");
  } catch (const ScenarioError& e) {
    return Caught{e.line(), e.column(), e.what()};
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return {};
}

// Each text is refused at (line, column) with a message that contains `says`.
struct BadCase {
  const char* text;
  int line, column;
  const char* says;
};
void expect_refused(const std::vector<BadCase>& cases) {
  for (const auto& c : cases) {
    const Caught e = error_of(c.text);
    EXPECT_EQ(e.line, c.line) << c.text << e.message;
    EXPECT_EQ(e.column, c.column) << c.text << e.message;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
    EXPECT_EQ(e.message.rfind("s.yaml:", 0), 0u) << e.message;
  }
}

}  // namespace

TEST(ParseDuration, UnitsFractionsAndCompounds) {
  Duration d;
  ASSERT_TRUE(parse_duration("250ms", d));
  EXPECT_EQ(d.us, 250000);
  ASSERT_TRUE(parse_duration("2s", d));
  EXPECT_EQ(d.us, 2000000);
  ASSERT_TRUE(parse_duration("24h", d));
  EXPECT_EQ(d.us, 86400000000LL);
  ASSERT_TRUE(parse_duration("1h30m", d));
  EXPECT_EQ(d.us, 5400000000LL);
  ASSERT_TRUE(parse_duration("1.5s", d));
  EXPECT_EQ(d.us, 1500000);
  ASSERT_TRUE(parse_duration("0", d));
  EXPECT_EQ(d.us, 0);
  for (const char* bad : {"", "5", "ms", "1.5us", "2 s", "-1s", "1x", "1e3s", "s5"})
    EXPECT_FALSE(parse_duration(bad, d)) << bad;
}

TEST(ParseRatio, PercentFractionAndRatio) {
  Ratio r;
  ASSERT_TRUE(parse_ratio("80%", r));
  EXPECT_TRUE(r == (Ratio{4, 5}));
  ASSERT_TRUE(parse_ratio("2.5%", r));
  EXPECT_TRUE(r == (Ratio{1, 40}));
  ASSERT_TRUE(parse_ratio("0.05", r));
  EXPECT_TRUE(r == (Ratio{1, 20}));
  ASSERT_TRUE(parse_ratio("1/1000", r));
  EXPECT_TRUE(r == (Ratio{1, 1000}));
  ASSERT_TRUE(parse_ratio("1", r));
  EXPECT_TRUE(r == (Ratio{1, 1}));
  for (const char* bad : {"", "101%", "1.5", "2/1", "1/0", "x%", "-1%", "50 %"})
    EXPECT_FALSE(parse_ratio(bad, r)) << bad;
}

TEST(Loader, MinimalFileGetsTheDocumentedDefaults) {
  Scenario s = parse_scenario(kMinimal, "s.yaml");
  EXPECT_EQ(s.name, "minimal");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.runs, 1);
  EXPECT_EQ(s.service.semantics, idem::model::Semantics::current);
  ASSERT_EQ(s.service.regions.size(), 1u);
  EXPECT_EQ(s.service.regions[0].name, "us-east-1");
  ASSERT_EQ(s.clients.size(), 1u);
  EXPECT_EQ(s.clients[0].count, 1);
  EXPECT_EQ(s.clients[0].spec.token, idem::model::TokenMode::sdk);
  EXPECT_EQ(s.clients[0].spec.retry.kind, idem::model::PolicyKind::aws_standard);
  EXPECT_FALSE(s.expect_fail);
}

TEST(Loader, EveryShippedScenarioLoads) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_scenario_file(e.path().string())) << e.path();
    ++n;
  }
  EXPECT_GE(n, 7);
}

TEST(Loader, UnknownKeyNamesItsPlaceAndTheNearestKey) {
  Caught c = error_of("name: x\nclients:\n  - name: app\n    timout: 2s\n");
  EXPECT_EQ(c.line, 4);
  EXPECT_EQ(c.column, 5);
  EXPECT_NE(c.message.find("s.yaml:4:5:"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("unknown key 'timout'"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("did you mean 'timeout'"), std::string::npos) << c.message;
}

TEST(Loader, WrongTypeSaysWhatWasExpected) {
  Caught c = error_of("name: x\nruns: many\nclients:\n  - name: app\n");
  EXPECT_EQ(c.line, 2);
  EXPECT_EQ(c.column, 7);
  EXPECT_NE(c.message.find("runs: expected a whole number"), std::string::npos) << c.message;

  c = error_of("name: x\nclients:\n  - name: app\n    timeout: soon\n");
  EXPECT_EQ(c.line, 4);
  EXPECT_NE(c.message.find("clients[0].timeout: 'soon' is not a duration"), std::string::npos) << c.message;

  c = error_of("name: x\nclients: {name: app}\n");
  EXPECT_EQ(c.line, 2);
  EXPECT_NE(c.message.find("clients: expected a list"), std::string::npos) << c.message;
}

TEST(Loader, OutOfRangeValuesAreRejected) {
  Caught c = error_of("name: x\nclients:\n  - name: app\n    count: 0\n");
  EXPECT_EQ(c.line, 4);
  EXPECT_NE(c.message.find("clients[0].count: 0 is out of range"), std::string::npos) << c.message;

  c = error_of("name: x\nclients:\n  - name: app\nfaults:\n  - lose: {what: request, rate: 150%}\n");
  EXPECT_EQ(c.line, 5);
  EXPECT_NE(c.message.find("faults[0].lose.rate"), std::string::npos) << c.message;

  c = error_of("name: x\nclients:\n  - name: app\n    request: {min: 3, max: 2}\n");
  EXPECT_NE(c.message.find("request.max: must be at least min"), std::string::npos) << c.message;
}

TEST(Loader, BadChoicesListTheOptions) {
  Caught c = error_of("name: x\nsemantics: 2020\nclients:\n  - name: app\n");
  EXPECT_EQ(c.line, 2);
  EXPECT_NE(c.message.find("'2020' is not one of current, 2013"), std::string::npos) << c.message;
  c = error_of("name: x\nclients:\n  - name: app\n    region: mars-1\n");
  EXPECT_NE(c.message.find("unknown Region 'mars-1'"), std::string::npos) << c.message;
  c = error_of("name: x\nclients:\n  - name: app\nfaults:\n  - storm: {status: 503, code: InternalError}\n");
  EXPECT_NE(c.message.find("InternalError is answered with 500, not 503"), std::string::npos) << c.message;
}

TEST(Loader, MissingRequiredKeys) {
  Caught c = error_of("clients:\n  - name: app\n");
  EXPECT_NE(c.message.find("missing key 'name'"), std::string::npos) << c.message;
  c = error_of("name: x\n");
  EXPECT_NE(c.message.find("missing key 'clients'"), std::string::npos) << c.message;
}

TEST(Loader, DuplicateKeysAreRejected) {
  Caught c = error_of("name: x\nname: y\nclients:\n  - name: app\n");
  EXPECT_EQ(c.line, 2);
  EXPECT_NE(c.message.find("'name' is given twice"), std::string::npos) << c.message;
}

TEST(Loader, MalformedYamlHasAPosition) {
  Caught c = error_of("name: x\nclients: [\n  - name: app\n");
  EXPECT_GT(c.line, 0);
  EXPECT_NE(c.message.find("malformed YAML"), std::string::npos) << c.message;
  c = error_of("name: \"unterminated\nclients: []\n");
  EXPECT_GT(c.line, 0);
}

TEST(Loader, WholeFileProblemsNameTheFile) {
  for (const std::string& text : {std::string(""), std::string("# only a comment\n"),
                                  std::string("- a\n- b\n"), std::string("just words\n"),
                                  std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10),
                                  std::string("name: \xff\xfe\n")}) {
    Caught c = error_of(text);
    EXPECT_EQ(c.line, 0) << c.message;
    EXPECT_EQ(c.message.rfind("s.yaml: ", 0), 0u) << c.message;
  }
  try {
    load_scenario_file("/nonexistent/scenario.yaml");
    ADD_FAILURE();
  } catch (const ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/scenario.yaml: cannot be read"), std::string::npos);
  }
}

// Whatever bytes come in, the loader answers with a value or a ScenarioError, never a crash;
// and whatever loads, runs. Mutations of several shipped scenarios reach different parts of the
// model (storms, reconcile, termination and repeats, capacity).
TEST(Loader, SurvivesMangledVersionsOfGoodFiles) {
  idem::sim::Prng prng(12345);
  const char noise[] = "{}[]:,-#&*!|>'\"%@` \n\t0a";
  int ran = 0;
  for (const char* name : {"storm-503-aws-standard.yaml", "reconcile-describe-lag.yaml",
                           "token-after-termination-current.yaml", "parameter-mismatch-fallback.yaml"}) {
    std::ifstream in(std::string(IDEMSIM_SOURCE_DIR "/scenarios/") + name);
    const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(good.empty()) << name;
    for (int i = 0; i < 750; ++i) {
      std::string t = good;
      const int edits = 1 + static_cast<int>(prng.below(4));
      for (int e = 0; e < edits; ++e) {
        const size_t at = prng.below(t.size());
        switch (prng.below(3)) {
          case 0: t[at] = noise[prng.below(sizeof noise - 1)]; break;
          case 1: t.erase(at, 1 + prng.below(10)); break;
          default: t.insert(at, 1, noise[prng.below(sizeof noise - 1)]); break;
        }
      }
      try {
        Scenario s = parse_scenario(t, "m.yaml");
        // Odd but valid values (zero latencies, 100% loss, tiny timeouts) reach the model here.
        // Kept small so the test stays quick.
        int64_t intents = 0;
        for (const auto& g : s.clients) intents += static_cast<int64_t>(g.count) * g.spec.intents;
        if (intents > 500) continue;
        s.limit = std::min(s.limit, idem::sim::minutes(10));
        run_once(s, prng.next());
        ++ran;
      } catch (const ScenarioError&) {
      }
    }
  }
  EXPECT_GT(ran, 400);  // the mutations are small: many files still load
}

TEST(Loader, TokenValuesAreSentExactlyAsWritten) {
  const Scenario s = parse_scenario(
      "name: values\nclients:\n"
      "  - {name: a, token: {value: \"Launch-0001\"}}\n"
      "  - {name: b, token: {value: \"t\xc3\xb6k\xc3\xa9n\"}, intent: a}\n"
      "  - {name: c, token: {value: \"\"}}\n",
      "s.yaml");
  ASSERT_EQ(s.clients.size(), 3u);
  EXPECT_EQ(s.clients[0].spec.token, idem::model::TokenMode::value);
  EXPECT_EQ(s.clients[0].spec.token_value, "Launch-0001");
  EXPECT_EQ(s.clients[1].spec.token_value, "t\xc3\xb6k\xc3\xa9n");  // invalid on purpose: sent as is
  EXPECT_EQ(s.clients[2].spec.token_value, "");
  EXPECT_EQ(s.clients[1].intent, "a");
  EXPECT_EQ(Scenario::intent_name(s.clients[0]), "a");  // a group without `intent` is its own
}

TEST(Loader, BadTokenValuesIntentsAndBugsArePositioned) {
  expect_refused({
      {"name: x\nclients:\n  - {name: a, token: {value: [1, 2]}}\n", 3, 30, "clients[0].token.value: expected the token as a string"},
      {"name: x\nclients:\n  - {name: a, token: {val: abc}}\n", 3, 23, "unknown key 'val'; did you mean 'value'?"},
      {"name: x\nclients:\n  - {name: a, token: {}}\n", 3, 22, "missing key 'value'"},
      {"name: x\nclients:\n  - {name: a, token: value}\n", 3, 22, "give the token itself"},
      {"name: x\nclients:\n  - {name: a, token: persistent}\n", 3, 22, "'persistent' is not one of sdk, persisted, write-back, per-attempt, derived, timestamp, none (did you mean 'persisted'?)"},
      {"name: x\nclients:\n  - {name: a, token: my-fixed-token}\n", 3, 22, "to send one fixed token, write {value: \"my-fixed-token\"}"},
      {"name: x\nclients:\n  - {name: a, token: {value: ~}}\n", 3, 30, "clients[0].token.value: has no value"},
      {"name: x\nclients:\n  - {name: a, intent: \"\"}\n", 3, 23, "clients[0].intent: must not be empty"},
      {"name: x\nclients:\n  - {name: a, intent: \"two words\"}\n", 3, 23, "clients[0].intent: use a short name"},
      {"name: x\nclients:\n  - {name: a}\nbugs: [record-after-lunch]\n", 4, 8,
       "bugs[0]: unknown bug 'record-after-lunch'; did you mean 'record-after-launch'?"},
      {"name: x\nclients:\n  - {name: a}\nbugs: record-after-launch\n", 4, 7, "bugs: expected a list"},
      {"name: x\nclients:\n  - {name: a}\nbugs: [degraded-repeat, degraded-repeat]\n", 4, 25, "is named twice"},
  });
}

TEST(Loader, BugsReachTheServiceAndEveryClient) {
  const Scenario s = parse_scenario(
      "name: x\nbugs: [global-token-table, token-per-attempt]\nclients: [{name: a}, {name: b}]\n", "s.yaml");
  using idem::model::Bug;
  EXPECT_TRUE(s.bugs.has(Bug::global_token_table));
  EXPECT_TRUE(s.service.bugs.has(Bug::global_token_table));
  for (const auto& g : s.clients) EXPECT_TRUE(g.spec.bugs.has(Bug::token_per_attempt));
  EXPECT_FALSE(s.bugs.has(Bug::degraded_repeat));
}

TEST(Loader, RequestsTheServiceWouldRefuseAreRefusedHere) {
  const Caught empty = error_of("name: x\nclients:\n  - {name: a, request: {image: \"\"}}\n");
  EXPECT_EQ(empty.line, 3);
  EXPECT_NE(empty.message.find("clients[0].request.image: must not be empty"), std::string::npos) << empty.message;
  const Caught zone = error_of(
      "name: x\nregions: {us-east-1: {zones: [a, b], subnets: {s1: a}}}\n"
      "clients:\n  - {name: a, request: {zone: b, subnet: s1}}\n");
  EXPECT_EQ(zone.line, 4);
  EXPECT_NE(zone.message.find("'s1' is in a, not in the request's zone b"), std::string::npos) << zone.message;
}

TEST(Loader, LivenessKeys) {
  const Scenario s = parse_scenario(
      "name: x\nheal_at: 30s\nconverge: 2m\nmax_attempts_per_intent: 6\nclients: [{name: a}]\n"
      "faults: [{storm: {from: 0s}}]\n",
      "s.yaml");
  ASSERT_TRUE(s.faults.heal_at.has_value());
  EXPECT_EQ(s.faults.heal_at->us, 30000000);
  EXPECT_EQ(s.converge.us, 120000000);
  EXPECT_EQ(s.max_attempts_per_intent, 6);
  EXPECT_FALSE(s.leaks.any());
  const Scenario leaks = parse_scenario("name: x\nclients: [{name: a}]\nleaks: {max_age: 2h, max_instance_hours: 0.000125}\n", "s.yaml");
  EXPECT_EQ(leaks.leaks.max_age, idem::sim::hours(2));
  EXPECT_EQ(leaks.leaks.max_instance_us, 450000);  // 125 micro-hours of 3.6 s
  EXPECT_EQ(idem::sim::format_instance_hours(*leaks.leaks.max_instance_us), "0.000125");
  EXPECT_EQ(idem::sim::format_instance_hours(idem::sim::hours(10).us), "10");
  expect_refused({
      {"name: x\nconverge: 2m\nclients: [{name: a}]\n", 2, 11, "converge: the time to converge after the faults heal needs `heal_at`"},
      {"name: x\nheal_at: soon\nclients: [{name: a}]\n", 2, 10, "heal_at: 'soon' is not a duration"},
      {"name: x\nmax_attempts_per_intent: 0\nclients: [{name: a}]\n", 2, 26, "max_attempts_per_intent: 0 is out of range"},
      {"name: x\nclients: [{name: a}]\nexpect: {fail: livenes}\n", 3, 16, "'livenes' is not a property (did you mean 'liveness'?); use one of answers, token-instances, token-collision, intent-instances, intent-exact, no-false-reap, liveness, amplification, leaks"},
      {"name: x\nclients: [{name: a}]\nleaks: {}\n", 3, 8, "leaks: give max_age"},
      {"name: x\nclients: [{name: a}]\nleaks: {max_age: 0s}\n", 3, 18, "leaks.max_age: must be at least 1us"},
      {"name: x\nclients: [{name: a}]\nleaks: {max_instance_hours: 1.5h}\n", 3, 29, "'1.5h' is not a number of instance-hours"},
      {"name: x\nclients: [{name: a}]\nleaks: {max_instance_hours: 0}\n", 3, 29, "max_instance_hours: must be more than 0"},
      {"name: x\nclients: [{name: a}]\nleaks: {max_age: 1h, maxage: 2h}\n", 3, 22, "unknown key 'maxage'; did you mean 'max_age'?"},
  });
}

TEST(Loader, ResetPartitionAndTransientFaults) {
  const Scenario s = parse_scenario(
      "name: x\nclients: [{name: a, retry: {policy: aws-standard, retry_codes: [IncorrectState]}}, {name: b}]\n"
      "faults:\n  - reset: {phase: after, rate: 5%}\n  - partition: {group: b, direction: responses, for: 10s}\n"
      "  - transient: {rate: 50%}\n",
      "s.yaml");
  ASSERT_EQ(s.faults.faults.size(), 3u);
  EXPECT_EQ(std::get<idem::faults::Reset>(s.faults.faults[0]).phase, idem::faults::Reset::after);
  EXPECT_EQ(std::get<idem::faults::Partition>(s.faults.faults[1]).group, 1u);
  EXPECT_TRUE(s.clients[0].spec.retry.retries_code(idem::model::Code::IncorrectState));
  expect_refused({
      {"name: x\nclients: [{name: a}]\nfaults: [{reset: {rate: 5%}}]\n", 3, 18, "faults[0].reset: missing key 'phase'"},
      {"name: x\nclients: [{name: a}]\nfaults: [{reset: {phase: during}}]\n", 3, 26, "'during' is not one of before, after"},
      {"name: x\nclients: [{name: a}]\nfaults: [{partition: {group: z}}]\n", 3, 30, "no client group is named 'z'; the groups are a"},
      {"name: x\nclients: [{name: a}]\nfaults: [{partition: {group: a, direction: up}}]\n", 3, 44, "'up' is not one of both, requests, responses"},
      {"name: x\nclients: [{name: a}]\nfaults: [{transient: {code: Unavailable}}]\n", 3, 29, "is not a transient 400"},
      {"name: x\nclients: [{name: a, retry: {policy: aws-standard, retry_codes: [InternalError]}}]\n", 2, 65, "'InternalError' cannot be retried"},
      {"name: x\nclients: [{name: a}]\nfaults: [{brownout: {}}]\n", 3, 11, "unknown key 'brownout'"},
      {"name: x\nclients: [{name: a}]\nfaults: [{duplicate: {delay: later}}]\n", 3, 30, "faults[0].duplicate.delay: 'later' is not a duration"},
  });
}

TEST(Loader, ServicePartsWithTheirDefaults) {
  const Scenario d = parse_scenario(kMinimal, "s.yaml");
  EXPECT_EQ(d.service.frontends, 1u);
  EXPECT_EQ(d.service.balancer, idem::model::Balancer::random);
  EXPECT_TRUE(d.service.store == idem::model::StoreConfig{});
  EXPECT_EQ(d.service.store.gap, idem::sim::millis(2));
  EXPECT_FALSE(d.service.steps.any());
  EXPECT_TRUE(d.service.recover);
  EXPECT_FALSE(d.service.throttle);
  EXPECT_EQ(d.service.accounts, std::vector<std::string>{"default"});
  const Scenario s = parse_scenario(
      "name: x\nservice:\n  frontends: 3\n  balancer: round-robin\n"
      "  store: {write: read-then-write, gap: 5ms, replicas: 2, lag: 1s, durability: volatile, ttl: 1h}\n"
      "  steps: {validate: 1ms, reserve: 2ms, launch: 3ms, record: 4ms, reply: 5ms}\n  recover: false\n"
      "  throttle: {bucket: 20, refill: 5/s}\n"
      "clients: [{name: a, account: team-a}, {name: b}, {name: c, account: team-a}]\n"
      "faults:\n  - crash: {target: frontend, which: 2, step: after-launch, rate: 10%, restart_after: 3s}\n"
      "  - crash: {target: store, at: 20s}\n  - skew: {frontend: 1, offset: -30s}\n",
      "s.yaml");
  const auto& c = s.service;
  EXPECT_EQ(c.frontends, 3u);
  EXPECT_EQ(c.balancer, idem::model::Balancer::round_robin);
  EXPECT_EQ(c.store.write, idem::model::StoreWrite::read_then_write);
  EXPECT_EQ(c.store.gap, idem::sim::millis(5));
  EXPECT_EQ(c.store.replicas, 2u);
  EXPECT_EQ(c.store.lag, idem::sim::seconds(1));
  EXPECT_EQ(c.store.durability, idem::model::Durability::lossy);
  EXPECT_EQ(*c.store.ttl, idem::sim::hours(1));
  EXPECT_EQ(c.steps.validate, idem::sim::millis(1));
  EXPECT_EQ(c.steps.reply, idem::sim::millis(5));
  EXPECT_FALSE(c.recover);
  EXPECT_EQ(c.throttle->bucket, 20);
  EXPECT_EQ(c.throttle->per, 5);
  EXPECT_EQ(c.throttle->every, idem::sim::seconds(1));
  EXPECT_EQ(c.accounts, (std::vector<std::string>{"default", "team-a"}));
  EXPECT_EQ(s.clients[0].spec.account, 1u);
  EXPECT_EQ(s.clients[1].spec.account, 0u);
  EXPECT_EQ(s.clients[2].spec.account, 1u);
  const auto& crash = std::get<idem::faults::Crash>(s.faults.faults[0]);
  EXPECT_EQ(*crash.which, 2u);
  EXPECT_EQ(*crash.step, idem::faults::Crash::after_launch);
  EXPECT_EQ(crash.restart_after, idem::sim::seconds(3));
  const auto& store = std::get<idem::faults::Crash>(s.faults.faults[1]);
  EXPECT_EQ(store.target, idem::faults::Crash::store);
  EXPECT_EQ(*store.at, idem::sim::Time(0) + idem::sim::seconds(20));
  EXPECT_EQ(std::get<idem::faults::Skew>(s.faults.faults[2]).offset.us, -30000000);
}

TEST(Loader, BadServicePartsArePositioned) {
  expect_refused({
      {"name: x\nservice: {frontends: 0}\nclients: [{name: a}]\n", 2, 22, "service.frontends: 0 is out of range"},
      {"name: x\nservice: {balancer: sticky}\nclients: [{name: a}]\n", 2, 21, "'sticky' is not one of random, round-robin"},
      {"name: x\nservice: {store: {write: blind}}\nclients: [{name: a}]\n", 2, 26, "'blind' is not one of conditional, read-then-write"},
      {"name: x\nservice: {store: {gap: 5ms}}\nclients: [{name: a}]\n", 2, 24, "service.store.gap: only a read-then-write store"},
      {"name: x\nservice: {store: {lag: 1s}}\nclients: [{name: a}]\n", 2, 24, "service.store.lag: a lag needs read replicas"},
      {"name: x\nservice: {store: {replicas: 0}}\nclients: [{name: a}]\n", 2, 29, "service.store.replicas: 0 is out of range"},
      {"name: x\nservice: {store: {durability: maybe}}\nclients: [{name: a}]\n", 2, 31, "'maybe' is not one of durable, volatile"},
      {"name: x\nservice: {store: {ttl: 0}}\nclients: [{name: a}]\n", 2, 24, "service.store.ttl: must be at least 1us"},
      {"name: x\nservice: {store: {tll: 1h}}\nclients: [{name: a}]\n", 2, 19, "unknown key 'tll'; did you mean 'ttl'?"},
      {"name: x\nservice: {token_window: 2s}\nclients: [{name: a}]\n", 2, 25, "this key is now service.store.ttl"},
      {"name: x\nservice: {steps: {launch: slow}}\nclients: [{name: a}]\n", 2, 27, "service.steps.launch: 'slow' is not a duration"},
      {"name: x\nservice: {steps: {commit: 1s}}\nclients: [{name: a}]\n", 2, 19, "unknown key 'commit'"},
      {"name: x\nservice: {recover: maybe}\nclients: [{name: a}]\n", 2, 20, "service.recover: expected true or false"},
      {"name: x\nservice: {throttle: {refill: 2/s}}\nclients: [{name: a}]\n", 2, 21, "service.throttle: missing key 'bucket'"},
      {"name: x\nservice: {throttle: {bucket: 0, refill: 2/s}}\nclients: [{name: a}]\n", 2, 30, "service.throttle.bucket: 0 is out of range"},
      {"name: x\nservice: {throttle: {bucket: 5, refill: 2}}\nclients: [{name: a}]\n", 2, 41, "'2' is not a refill rate (no '/')"},
      {"name: x\nservice: {throttle: {bucket: 5, refill: x/s}}\nclients: [{name: a}]\n", 2, 41, "the count must be a whole number"},
      {"name: x\nservice: {throttle: {bucket: 5, refill: 2/fortnight}}\nclients: [{name: a}]\n", 2, 41, "after the '/'"},
      {"name: x\nclients: [{name: a, account: \"\"}]\n", 2, 30, "clients[0].account: name the account with one word"},
      {"name: x\nservice: {ttl: 2s}\nclients: [{name: a}]\n", 2, 16, "service.ttl: this key belongs to the token store; write it under service.store"},
      {"name: x\nservice: {store: {token_window: 2s}}\nclients: [{name: a}]\n", 2, 33, "the key is `ttl` now"},
      {"name: x\nservice: {store: {ttl: -1s}}\nclients: [{name: a}]\n", 2, 24, "'-1s' is negative"},
      {"name: x\nclients:\n\t- name: a\n", 3, 2, "this line has a tab character; YAML indents with spaces only"},
  });
}

TEST(Loader, BadCrashAndSkewFaultsArePositioned) {
  expect_refused({
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: frontend}}]\n", 3, 18, "faults[0].crash: say when it crashes: `at` (a time, like at: 30s) or `step`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {at: 1s, step: after-launch}}]\n", 3, 23, "not both"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {step: after-commit}}]\n", 3, 25, "'after-commit' is not one of after-reserve, after-launch, after-record"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: router, at: 1s}}]\n", 3, 27, "'router' is not one of frontend, store"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {which: 1, at: 1s}}]\n", 3, 26, "frontend 1 does not exist; the service has 1 frontend per Region"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: store, which: 0, at: 1s}}]\n", 3, 41, "a Region has one store"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {at: 1s, rate: 5%}}]\n", 3, 33, "`rate` goes with `step`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {at: 1s, restart_after: 0}}]\n", 3, 42, "restart_after: must be at least 1us"},
      {"name: x\nclients: [{name: a}]\nfaults: [{skew: {offset: ahead}}]\n", 3, 26, "faults[0].skew.offset: 'ahead' is not a duration"},
      {"name: x\nclients: [{name: a}]\nfaults: [{skew: {frontend: 0}}]\n", 3, 17, "faults[0].skew: missing key 'offset'"},
      {"name: x\nservice: {frontends: 2}\nclients: [{name: a}]\nfaults: [{skew: {frontend: 2, offset: 1s}}]\n", 4, 28, "frontend 2 does not exist; the service has 2 frontends"},
  });
}

TEST(Loader, RetryProfilesAndSdkVersions) {
  const Scenario s = parse_scenario(
      "name: x\nclients:\n  - {name: a, retry: {sdk: \"go-v2 1.48.0\"}}\n  - {name: b, retry: {sdk: \"awscli 2.9.19\"}}\n"
      "  - {name: c, retry: {policy: aws-adaptive, attempts: 5}}\n  - {name: d, retry: {policy: aws-legacy, cap: 5s}}\n"
      "  - {name: e, retry: {policy: aws-standard-2026, throttle_cost: 7}}\n  - {name: f, retry: {policy: aws-standard, cost: 6}}\n",
      "s.yaml");
  EXPECT_EQ(s.clients[0].spec.retry.kind, idem::model::PolicyKind::aws_standard_2026);
  EXPECT_EQ(s.clients[0].spec.retry.sdk, "go-v2 1.48.0");
  EXPECT_EQ(s.clients[1].spec.retry.kind, idem::model::PolicyKind::aws_standard);
  EXPECT_EQ(s.clients[1].spec.retry.base, idem::sim::seconds(1));
  EXPECT_EQ(s.clients[2].spec.retry.kind, idem::model::PolicyKind::aws_adaptive);
  EXPECT_EQ(s.clients[2].spec.retry.attempts, 5);
  EXPECT_EQ(s.clients[3].spec.retry.cap, idem::sim::seconds(5));
  EXPECT_EQ(s.clients[4].spec.retry.throttle_cost, 7);
  EXPECT_EQ(s.clients[4].spec.retry.retry_cost, 14);
  EXPECT_EQ(s.clients[5].spec.retry.throttle_cost, 6);  // before 2026 a throttled retry costs what others do
  expect_refused({
      {"name: x\nclients: [{name: a, retry: {sdk: \"ruby 3.0\"}}]\n", 2, 34, "unknown SDK 'ruby'; write an SDK and its version, like \"go-v2 1.48.0\" (SDKs: awscli, botocore, js, go-v2, cpp)"},
      {"name: x\nclients: [{name: a, retry: {sdk: \"js v3\"}}]\n", 2, 34, "'v3' is not a version like 1.44.0"},
      {"name: x\nclients: [{name: a, retry: {sdk: awscli}}]\n", 2, 34, "'awscli': no version"},
      {"name: x\nclients: [{name: a, retry: {sdk: \"js 3.1.0\", policy: none}}]\n", 2, 54, "give `policy` or `sdk`, not both"},
      {"name: x\nclients: [{name: a, retry: {sdk: \"js 3.1.0\", attempts: 4}}]\n", 2, 56, "`sdk` picks the policy and its numbers"},
      {"name: x\nclients: [{name: a, retry: {policy: aws-legacy, quota: 5}}]\n", 2, 56, "only an aws-* policy with a retry quota (not aws-legacy) takes 'quota'"},
      {"name: x\nclients: [{name: a, retry: {policy: aws-standard-2020}}]\n", 2, 37, "'aws-standard-2020' is not one of none, exponential, aws-standard, aws-standard-2026, aws-adaptive, aws-legacy"},
      {"name: x\nclients: [{name: a, token: write_back}]\n", 2, 28, "(did you mean 'write-back'?)"},
  });
}

TEST(Loader, ReapersAreValidated) {
  const Scenario s = parse_scenario(
      "name: x\nservice: {tag_lag: 2s}\nclients: [{name: a, account: ops}]\n"
      "reapers: [{every: 30s, reaps: unknown, grace: 5m, account: ops}, {every: 1m, reaps: untagged, start: 0s}]\n",
      "s.yaml");
  ASSERT_EQ(s.reapers.size(), 2u);
  EXPECT_EQ(s.reapers[0].reaps, idem::model::ReaperSpec::unknown);
  EXPECT_EQ(s.reapers[0].grace, idem::sim::minutes(5));
  EXPECT_EQ(s.reapers[0].start, idem::sim::seconds(30));  // the first sweep after `every`
  EXPECT_EQ(s.reapers[0].account, 1u);
  EXPECT_EQ(s.reapers[1].start, Duration(0));
  EXPECT_EQ(s.service.tag_lag, idem::sim::seconds(2));
  expect_refused({
      {"name: x\nclients: [{name: a}]\nreapers: [{reaps: untagged}]\n", 3, 11, "reapers[0]: missing key 'every'"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m}]\n", 3, 11, "reapers[0]: missing key 'reaps'"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: orphans}]\n", 3, 30, "'orphans' is not one of untagged, unknown"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 0, reaps: unknown}]\n", 3, 19, "reapers[0].every: must be at least 1s"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: unknown, account: ops}]\n", 3, 48, "no client group calls as account 'ops'"},
      {"name: x\nclients: [{name: a}]\nreapers: {every: 1m}\n", 3, 10, "reapers: expected a list"},
  });
}

TEST(Loader, TheApplicationLayersChoices) {
  const Scenario s = parse_scenario(
      "name: x\nclients:\n  - {name: a, app_retries: 2, on_unknown: reconcile, on_mismatch: new-token, on_describe_error: give-up}\n"
      "  - {name: b, app_retries: 1, reconcile: true}\n  - {name: c, on_unknown: block}\n",
      "s.yaml");
  EXPECT_EQ(s.clients[0].spec.on_unknown, idem::model::OnUnknown::reconcile);
  EXPECT_EQ(s.clients[0].spec.on_mismatch, idem::model::OnMismatch::new_token);
  EXPECT_EQ(s.clients[0].spec.on_describe_error, idem::model::OnDescribeError::give_up);
  EXPECT_EQ(s.clients[1].spec.on_unknown, idem::model::OnUnknown::reconcile);  // reconcile: true says so
  EXPECT_EQ(s.clients[2].spec.on_unknown, idem::model::OnUnknown::block);
  EXPECT_EQ(s.clients[2].spec.on_terminated, idem::model::OnTerminated::give_up);  // the default
  EXPECT_TRUE(s.inert.empty());
  EXPECT_EQ(parse_scenario("name: x\nclients: [{name: a, on_terminated: new-token}]\n", "s.yaml").clients[0].spec.on_terminated,
            idem::model::OnTerminated::new_token);
  expect_refused({
      {"name: x\nclients: [{name: a, on_unknown: wait}]\n", 2, 33, "'wait' is not one of retry, reconcile, block"},
      {"name: x\nclients: [{name: a, on_mismatch: retry}]\n", 2, 34, "'retry' is not one of fail, new-token, reconcile"},
      {"name: x\nclients: [{name: a, on_describe_error: ignore}]\n", 2, 40, "'ignore' is not one of launch, retry, give-up"},
      {"name: x\nclients: [{name: a, on_terminated: retry}]\n", 2, 36, "'retry' is not one of give-up, adopt, new-token"},
      {"name: x\nclients: [{name: a, reconcile: true, on_unknown: retry}]\n", 2, 32, "`reconcile: true` is `on_unknown: reconcile`"},
  });
  const Scenario inert = parse_scenario(
      "name: x\nclients: [{name: a, on_mismatch: reconcile, on_describe_error: retry}]\n", "s.yaml");
  ASSERT_EQ(inert.inert.size(), 2u);
  EXPECT_NE(inert.inert[0].find("on_mismatch has no effect"), std::string::npos) << inert.inert[0];
  EXPECT_NE(inert.inert[1].find("on_describe_error has no effect"), std::string::npos) << inert.inert[1];
}

TEST(Loader, CallerCrashesAndControllers) {
  const Scenario s = parse_scenario(
      "name: x\nclients: [{name: ctl, controller: {state: volatile, persist: before-send, resync: 5m}}, {name: b}]\n"
      "faults: [{crash: {target: client, group: ctl, when: after-response, rate: 5%, restart_after: 30s}}]\n",
      "s.yaml");
  const auto& ctl = *s.clients[0].spec.controller;
  EXPECT_EQ(ctl.state, idem::model::ControllerSpec::lossy);
  EXPECT_EQ(ctl.persist, idem::model::ControllerSpec::before_send);
  EXPECT_EQ(*ctl.resync, idem::sim::minutes(5));
  EXPECT_FALSE(s.clients[1].spec.controller);
  const auto& c = std::get<idem::faults::Crash>(s.faults.faults[0]);
  EXPECT_EQ(c.target, idem::faults::Crash::client);
  EXPECT_EQ(c.group, 0u);
  EXPECT_EQ(c.when, idem::model::CallerCrashPoint::after_response);
  EXPECT_EQ(c.restart_after, idem::sim::seconds(30));
  // A deploy: every process of the group at a time, one after another with `rolling`.
  const Scenario deploy = parse_scenario(
      "name: x\nclients: [{name: ctl, count: 3}]\nfaults: [{crash: {target: client, group: ctl, at: 10m, rolling: 30s}}]\n", "s.yaml");
  const auto& d = std::get<idem::faults::Crash>(deploy.faults.faults[0]);
  EXPECT_EQ(*d.at, idem::sim::Time(0) + idem::sim::minutes(10));
  EXPECT_EQ(*d.rolling, idem::sim::seconds(30));
  EXPECT_EQ(d.when, idem::model::CallerCrashPoint::scheduled);
  expect_refused({
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, when: after-send}}]\n", 3, 18, "faults[0].crash: missing key 'group'"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a}}]\n", 3, 18, "faults[0].crash: say when the process dies"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: z, when: after-send}}]\n", 3, 42, "no client group is named 'z'; the groups are a"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, when: mid-call}}]\n", 3, 51, "'mid-call' is not one of after-send, after-response"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, when: after-send, at: 5s}}]\n", 3, 67, "give either `when`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, step: after-launch}}]\n", 3, 51, "a client's process crashes at a point of its calls (`when`) or at a time (`at`)"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, at: 5s, rate: 50%}}]\n", 3, 59, "`rate` goes with `when`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, at: 5s, for: 1m}}]\n", 3, 58, "a crash `at` a time has no window"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, when: after-send, rolling: 5s}}]\n", 3, 72, "add `at`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {target: client, group: a, at: 5s, rolling: 0}}]\n", 3, 62, "rolling: must be at least 1us"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {at: 5s, rolling: 1s}}]\n", 3, 36, "only `target: client` takes `rolling`"},
      {"name: x\nclients: [{name: a}]\nfaults: [{crash: {at: 5s, when: after-send}}]\n", 3, 33, "only `target: client` takes `when`"},
      {"name: x\nclients: [{name: a, controller: {state: ram}}]\n", 2, 41, "'ram' is not one of durable, volatile"},
      {"name: x\nclients: [{name: a, controller: {persist: always}}]\n", 2, 43, "'always' is not one of before-send, after-response, never"},
      {"name: x\nclients: [{name: a, controller: {resync: 0}}]\n", 2, 42, "controller.resync: must be at least 1ms"},
  });
}

TEST(Loader, AWorkQueuePerObject) {
  const Scenario s = parse_scenario(
      "name: x\nclients: [{name: op, controller: {queue: {workers: 4, base: 1s, max: 5m, qps: 2, burst: 3, requeue_after: 30s, sync_period: none}}},\n"
      "          {name: b, controller: {queue: {}}}]\n",
      "s.yaml");
  const auto& q = *s.clients[0].spec.controller->queue;
  EXPECT_EQ(q.workers, 4);
  EXPECT_EQ(q.base, idem::sim::seconds(1));
  EXPECT_EQ(q.max, idem::sim::minutes(5));
  EXPECT_EQ(q.qps, 2);
  EXPECT_EQ(q.burst, 3);
  EXPECT_EQ(*q.requeue_after, idem::sim::seconds(30));
  EXPECT_FALSE(q.sync_period);
  // The defaults: client-go's DefaultControllerRateLimiter and controller-runtime's SyncPeriod.
  const auto& d = *s.clients[1].spec.controller->queue;
  EXPECT_EQ(d.workers, 1);
  EXPECT_EQ(d.base, idem::sim::millis(5));
  EXPECT_EQ(d.max, idem::sim::seconds(1000));
  EXPECT_EQ(d.qps, 10);
  EXPECT_EQ(d.burst, 100);
  EXPECT_FALSE(d.requeue_after);
  EXPECT_EQ(*d.sync_period, idem::sim::hours(10));
  // Written back and read again, the same.
  const Scenario again = parse_scenario(idem::harness::write_scenario(s), "again.yaml");
  EXPECT_EQ(again.clients[0].spec.controller->queue->workers, 4);
  EXPECT_FALSE(again.clients[0].spec.controller->queue->sync_period);
  EXPECT_EQ(*again.clients[1].spec.controller->queue->sync_period, idem::sim::hours(10));
  expect_refused({
      {"name: x\nclients: [{name: a, controller: {queue: {workers: 0}}}]\n", 2, 51, "queue.workers: 0 is out of range"},
      {"name: x\nclients: [{name: a, controller: {queue: {base: 1s, max: 10ms}}}]\n", 2, 57, "is below its base"},
      {"name: x\nclients: [{name: a, controller: {queue: {qps: 0}}}]\n", 2, 47, "queue.qps: 0 is out of range"},
      {"name: x\nclients: [{name: a, controller: {queue: {sync_period: never}}}]\n", 2, 55, "sync_period"},
      {"name: x\nclients: [{name: a, controller: {queue: {worker: 2}}}]\n", 2, 42, "unknown key 'worker'; did you mean 'workers'?"},
      {"name: x\nclients: [{name: a, controller: {resync: 1m, queue: {}}}]\n", 2, 42, "remove resync"},
      {"name: x\nclients: [{name: a, batch: 2, controller: {queue: {}}}]\n", 2, 51, "cannot run a work queue"},
  });
}

TEST(Loader, ReapersThatAskTheControllersDatabase) {
  const Scenario s = parse_scenario("name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: not-in-store, match: tag}, {every: 1m, reaps: not-in-store}]\n", "s.yaml");
  EXPECT_EQ(s.reapers[0].reaps, idem::model::ReaperSpec::not_in_store);
  EXPECT_EQ(s.reapers[0].match, idem::model::ReaperSpec::tag);
  EXPECT_EQ(s.reapers[1].match, idem::model::ReaperSpec::client_token);
  expect_refused({
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: unknown, match: tag}]\n", 3, 46, "only a reaper with `reaps: not-in-store`"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: not-in-store, match: owner}]\n", 3, 51, "'owner' is not one of client-token, tag"},
      {"name: x\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: nobody}]\n", 3, 30, "'nobody' is not one of untagged, unknown, not-in-store"},
  });
}

TEST(Loader, TheControllersDatabase) {
  const Scenario s = parse_scenario(
      "name: x\nclients: [{name: ctl, controller: {store: {fail: 5%, latency: 20ms}, on_persist_error: launch-anyway}}]\n"
      "faults: [{database: {group: ctl, fail: 50%, stall: 1s, from: 1m, for: 5m}}]\n",
      "s.yaml");
  const auto& ctl = *s.clients[0].spec.controller;
  EXPECT_EQ(ctl.store->fail, (idem::sim::Ratio{5, 100}));
  EXPECT_EQ(ctl.on_persist_error, idem::model::ControllerSpec::launch_anyway);
  const auto& d = std::get<idem::faults::Database>(s.faults.faults[0]);
  EXPECT_EQ(d.group, 0u);
  EXPECT_EQ(d.stall.min, idem::sim::seconds(1));
  const Scenario again = parse_scenario(idem::harness::write_scenario(s), "again.yaml");
  EXPECT_EQ(again.clients[0].spec.controller->on_persist_error, idem::model::ControllerSpec::launch_anyway);
  EXPECT_TRUE(std::holds_alternative<idem::faults::Database>(again.faults.faults[0]));
  expect_refused({
      {"name: x\nclients: [{name: a}]\nfaults: [{database: {group: a}}]\n", 3, 29, "group 'a' has no controller"},
      {"name: x\nclients: [{name: a, controller: {}}]\nfaults: [{database: {group: a, fail: lots}}]\n", 3, 38, "'lots' is not a rate"},
      {"name: x\nclients: [{name: a, controller: {on_persist_error: retry}}]\n", 2, 52, "'retry' is not one of abort, launch-anyway"},
      {"name: x\nclients: [{name: a, controller: {store: {fails: 1%}}}]\n", 2, 42, "unknown key 'fails'; did you mean 'fail'?"},
  });
}

TEST(Loader, Batching) {
  const Scenario s = parse_scenario("name: x\nclients: [{name: a, intents: 10, batch: 5, on_short: relaunch}]\n", "s.yaml");
  EXPECT_EQ(s.clients[0].spec.batch, 5);
  EXPECT_EQ(s.clients[0].spec.on_short, idem::model::ClientSpec::OnShort::relaunch);
  expect_refused({
      {"name: x\nclients: [{name: a, batch: 0}]\n", 2, 28, "clients[0].batch: 0 is out of range"},
      {"name: x\nclients: [{name: a, on_short: retry}]\n", 2, 31, "'retry' is not one of ignore, relaunch"},
      {"name: x\nclients: [{name: a, batch: 2, terminate_after: 1m}]\n", 2, 48, "a batching group (batch > 1) cannot terminate or repeat"},
      {"name: x\nclients: [{name: a, batch: 2, app_retries: 1, on_unknown: reconcile}]\n", 2, 28, "a batching group cannot reconcile"},
  });
}

// Every shipped scenario, written back by the writer (`idemsim check` writes its counterexamples
// with it), loads to the same scenario: the same settings in the replay header and the same run,
// to the byte, at two seeds; and writing that again gives the same text.
TEST(Writer, EveryShippedScenarioRoundTrips) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario s = load_scenario_file(e.path().string());
    const std::string text = write_scenario(s);
    Scenario back;
    try {
      back = parse_scenario(text, "written.yaml");
    } catch (const ScenarioError& err) {
      ADD_FAILURE() << e.path() << ": " << err.what() << "\n" << text;
      continue;
    }
    EXPECT_EQ(write_scenario(back), text) << e.path();
    EXPECT_TRUE(back.inert.empty()) << e.path() << ": " << (back.inert.empty() ? "" : back.inert[0]);
    for (uint64_t seed : {1, 7}) {
      const RunResult a = run_once(s, seed), b = run_once(back, seed);
      EXPECT_EQ(a.trace_hash, b.trace_hash) << e.path() << " seed " << seed << "\n" << text;
    }
    ++n;
  }
  EXPECT_GT(n, 90u);
}

TEST(Explore, DefaultsAndWhatIsWritten) {
  const Scenario none = parse_scenario("name: a\nclients: [{name: g}]\n", "a.yaml");
  EXPECT_FALSE(none.explore.given);
  EXPECT_TRUE(none.explore.kinds.empty());
  EXPECT_EQ(none.explore.max_faults, 5);
  EXPECT_EQ(none.explore.min_rate, 1);
  EXPECT_EQ(none.explore.max_rate, 100);
  const Scenario e = parse_scenario(
      "name: a\nclients: [{name: g, token: {value: \"Tok-1\"}, controller: {}}]\nexplore: {faults: [crash-client, spike], "
      "max_faults: 0, window: {from: 3s, until: 4s}, length: {min: 2s, max: 2s}, rate: {min: 100%, max: 100%}, "
      "clients: {count: 2, retry: [aws-adaptive]}, tokens: [zones, case]}\n",
      "a.yaml");
  EXPECT_TRUE(e.explore.given);
  EXPECT_EQ(e.explore.kinds, (std::vector<ExploreKind>{ExploreKind::crash_client, ExploreKind::spike}));
  EXPECT_EQ(e.explore.max_faults, 0);
  EXPECT_EQ(*e.explore.from, idem::sim::seconds(3));
  EXPECT_EQ(*e.explore.until, idem::sim::seconds(4));
  EXPECT_EQ(*e.explore.min_for, idem::sim::seconds(2));
  EXPECT_EQ(e.explore.min_rate, 100);
  EXPECT_EQ(*e.explore.count, 2);
  EXPECT_FALSE(e.explore.intents.has_value());
  EXPECT_EQ(e.explore.retry, std::vector<idem::model::PolicyKind>{idem::model::PolicyKind::aws_adaptive});
  EXPECT_EQ(e.explore.token_values, (std::vector<TokenFamily>{TokenFamily::zones, TokenFamily::case_variant}));
  EXPECT_NE(write_scenario(e).find("explore:\n  faults: [crash-client, spike]\n  max_faults: 0\n"), std::string::npos);
}

// Scenarios drawn from a mix of every part (service parts, callers, faults, reapers, promises)
// round-trip through the writer too.
RC_GTEST_PROP(Writer, GeneratedScenariosRoundTrip, ()) {
  static const std::vector<std::string> kService = {
      "frontends: 3, balancer: round-robin", "store: {write: read-then-write, gap: 3ms, replicas: 2, lag: 1s}",
      "store: {durability: volatile, ttl: 10m}", "steps: {validate: 1ms, launch: 200ms, record: 50ms}",
      "recover: false", "throttle: {bucket: 5, refill: 2/s}", "tag_lag: 2s", "capacity: {m5.large: 7}",
      "latency: {median: 40ms, p99: 400ms}"};
  static const std::vector<std::string> kClient = {
      "token: derived", "token: {value: \"t\\u00e9\\\"x\"}", "retry: {sdk: \"go-v2 1.48\"}",
      "retry: {policy: exponential, attempts: 4, base: 10ms, cap: 1s, jitter: decorrelated}",
      "app_retries: 2, on_unknown: reconcile, on_describe_error: give-up", "app_retries: 1, on_mismatch: new-token",
      "controller: {state: volatile, persist: before-send, resync: 1m}", "batch: 3, on_short: relaunch, intents: 6",
      "account: ops", "on_unknown: block", "terminate_after: 10s, repeat_after: 5s", "latency: {min: 1ms, max: 3ms}",
      "controller: {persist: never, queue: {workers: 2, requeue_after: 5s, sync_period: none}, store: {fail: 5%, latency: 10ms}, on_persist_error: launch-anyway}",
      "deadline: 3s, timeout: none", "on_terminated: new-token", "tag: after-answer"};
  static const std::vector<std::string> kFault = {
      "lose: {what: response, rate: 5%}", "spike: {rate: 1/3, delay: {min: 1s, max: 2s}, from: 1s, for: 10s}",
      "storm: {code: InternalError, phase: after, rate: 10%}", "reset: {phase: after, rate: 5%}",
      "partition: {group: g0, direction: requests, for: 5s}", "transient: {rate: 5%}",
      "duplicate: {rate: 10%, delay: 5ms}", "crash: {target: store, at: 20s, restart_after: 3s}",
      "crash: {target: client, group: g0, when: after-send, rate: 5%}", "skew: {offset: -30s}",
      "crash: {target: client, group: g0, at: 10s, rolling: 1s}", "database: {group: g0, fail: 20%, stall: 5ms, for: 10s}"};
  std::string service;
  for (const auto& f : *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kService)))
    if (service.find(f.substr(0, f.find(':'))) == std::string::npos) service += (service.empty() ? "" : ", ") + f;
  std::string text = "name: \"generated\"\nlimit: 30m\n";
  if (!service.empty()) text += "service: {" + service + "}\n";
  text += "clients:\n";
  const int groups = *rc::gen::inRange(1, 3);
  for (int g = 0; g < groups; ++g) {
    std::string keys;
    for (const auto& f : *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kClient))) {
      const std::string key = f.substr(0, f.find(':'));
      if (keys.find(key + ":") == std::string::npos && (key != "batch" || keys.find("terminate_after") == std::string::npos) &&
          (key != "terminate_after" || keys.find("batch") == std::string::npos) &&
          (key != "app_retries" || keys.find("batch") == std::string::npos) &&
          (key != "batch" || keys.find("on_unknown: reconcile") == std::string::npos))
        keys += ", " + f;
    }
    text += "  - {name: g" + std::to_string(g) + keys + "}\n";
  }
  const auto faults = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kFault));
  if (!faults.empty()) {
    text += "faults:\n";
    for (const auto& f : faults) text += "  - " + f + "\n";
  }
  if (*rc::gen::arbitrary<bool>()) text += "reapers: [{every: 30s, reaps: unknown, grace: 1m}]\nheal_at: 5m\nconverge: 2m\n";
  static const std::vector<std::string> kExplore = {
      "", "explore:\n", "explore: {faults: [duplicate, lose-response], max_faults: 2}\n",
      "explore: {window: {from: 1s, until: 20s}, length: {min: 2s, max: 1m}, rate: {min: 5%, max: 50%}}\n",
      "explore: {window: {until: 9s}, length: {max: 3s}}\n",
      "explore: {clients: {count: 3, intents: 2, retry: [aws-legacy, none]}}\n",
      "explore: {clients: {token: [persisted, per-attempt]}, tokens: [case, length, non-ascii]}\n",
      "explore: {clients: {on_terminated: [new-token, give-up]}}\n"};
  text += *rc::gen::elementOf(kExplore);
  Scenario s;
  try {
    s = parse_scenario(text, "generated.yaml");
  } catch (const ScenarioError&) {
    RC_DISCARD("a combination the loader refuses");
  }
  const std::string written = write_scenario(s);
  const Scenario back = parse_scenario(written, "written.yaml");
  RC_ASSERT(write_scenario(back) == written);
  RC_ASSERT(run_once(s, 3).trace_hash == run_once(back, 3).trace_hash);
}

// Every setting that has no effect under the scenario's other settings warns, with its place: one
// case per inert condition the loader knows, each in a scenario where it is inert, and the same
// key in a scenario where it acts, which must not warn (a warning that fires always is no warning).
TEST(Loader, EverySettingWithNoEffectWarnsWhereItIsInert) {
  struct Case {
    const char* inert;   // a scenario where the key has no effect
    const char* acts;    // the same key where it acts
    int line;
    const char* says;
  };
  const std::string base = "name: x\nlimit: 10m\n";
  const std::vector<Case> cases = {
      {"service: {token_retention: 1h}\nclients: [{name: a}]\n",
       "semantics: \"2013\"\nservice: {token_retention: 1h}\nclients: [{name: a}]\n", 3, "service.token_retention has no effect under `semantics: current`"},
      {"service: {describe_lag: 2s}\nclients: [{name: a}]\n",
       "service: {describe_lag: 2s}\nclients: [{name: a, terminate_after: 1m}]\n", 3, "service.describe_lag has no effect"},
      {"service: {tag_lag: 2s}\nclients: [{name: a}]\n",
       "service: {tag_lag: 2s}\nclients: [{name: a}]\nreapers: [{every: 1m, reaps: untagged}]\n", 3, "service.tag_lag has no effect"},
      {"service: {capacity: {c5.large: 1}}\nclients: [{name: a}]\n",
       "service: {capacity: {c5.large: 1}}\nclients: [{name: a, request: {type: c5.large}}]\n", 3, "service.capacity.c5.large has no effect"},
      {"service: {balancer: round-robin}\nclients: [{name: a}]\n",
       "service: {balancer: round-robin, frontends: 2}\nclients: [{name: a}]\n", 3, "service.balancer has no effect with one frontend"},
      {"service: {recover: false}\nclients: [{name: a}]\n",
       "service: {recover: false}\nclients: [{name: a}]\nfaults: [{crash: {target: frontend, at: 1s}}]\n", 3, "service.recover has no effect"},
      {"service: {store: {durability: volatile}}\nclients: [{name: a}]\n",
       "service: {store: {durability: volatile}}\nclients: [{name: a}]\nfaults: [{crash: {target: store, at: 1s}}]\n", 3, "durability: volatile has no effect"},
      {"service: {store: {replicas: 2}}\nclients: [{name: a}]\n",
       "service: {store: {replicas: 2, write: read-then-write}}\nclients: [{name: a}]\n", 3, "service.store.replicas has no effect"},
      {"clients: [{name: a}]\nfaults: [{skew: {frontend: 0, offset: 1m}}]\n",
       "service: {store: {ttl: 1h}}\nclients: [{name: a}]\nfaults: [{skew: {frontend: 0, offset: 1m}}]\n", 4, "skew has no effect"},
      {"clients: [{name: a}]\nbugs: [zone-as-parameter]\n",
       "semantics: \"2013\"\nclients: [{name: a}]\nbugs: [zone-as-parameter]\n", 4, "bugs[0]"},
      {"clients: [{name: a, app_backoff: 1s}]\n", "clients: [{name: a, app_retries: 1, app_backoff: 1s}]\n", 3, "app_backoff has no effect"},
      {"clients: [{name: a, fallback_type: c5.large}]\n", "clients: [{name: a, app_retries: 1, fallback_type: c5.large}]\n", 3,
       "fallback_type has no effect"},
      {"clients: [{name: a, on_mismatch: new-token}]\n", "clients: [{name: a, app_retries: 1, on_mismatch: new-token}]\n", 3,
       "on_mismatch has no effect"},
      {"clients: [{name: a, on_unknown: reconcile}]\n", "clients: [{name: a, app_retries: 1, on_unknown: reconcile}]\n", 3,
       "on_unknown: reconcile has no effect"},
      {"clients: [{name: a, on_short: relaunch}]\n", "clients: [{name: a, batch: 2, on_short: relaunch}]\n", 3, "on_short has no effect"},
      {"clients: [{name: a, on_describe_error: retry}]\n",
       "clients: [{name: a, app_retries: 1, on_unknown: reconcile, on_describe_error: retry}]\n", 3, "on_describe_error has no effect"},
      {"clients: [{name: a, token: persisted, controller: {persist: before-send}}]\n",
       "clients: [{name: a, token: persisted, controller: {persist: before-send}}]\nfaults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n", 3,
       "controller.persist has no effect: no fault crashes"},
      {"clients: [{name: a, token: sdk, controller: {persist: before-send}}]\nfaults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n",
       "clients: [{name: a, token: timestamp, controller: {persist: before-send}}]\nfaults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n", 3,
       "controller.persist has no effect with token: sdk"},
      {"clients: [{name: a, token: write-back, controller: {persist: before-send}}]\nfaults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n",
       "clients: [{name: a, token: persisted, controller: {persist: before-send}}]\nfaults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n", 3,
       "persist: before-send has no effect with token: write-back"},
      {"heal_at: 2m\nclients: [{name: a}]\nexplore: {length: {max: 6h}}\n", "heal_at: 2m\nclients: [{name: a}]\nexplore: {length: {max: 1m}}\n", 5,
       "explore.length.max (6h) is cut: a drawn fault longer than 2m acts as one of 2m"},
      {"clients: [{name: a}]\nexplore: {length: {max: 1h}}\n", "clients: [{name: a}]\nexplore: {length: {max: 10m}}\n", 4,
       "explore.length.max (1h) is cut: a drawn fault longer than 10m acts as one of 10m (the draws past it test nothing new), since every fault ends at the limit"},
      {"clients: [{name: a}]\nleaks: {max_age: 10m}\n", "clients: [{name: a}]\nleaks: {max_age: 9m}\n", 4, "leaks.max_age (10m) has no effect"},
      {"service: {store: {ttl: 10m}}\nclients: [{name: a}]\n", "service: {store: {ttl: 9m}}\nclients: [{name: a}]\n", 3,
       "service.store.ttl (10m) has no effect"},
      {"regions: {r1: {zones: [z1]}, r2: {zones: [z2]}}\nclients: [{name: a, region: r1}]\n",
       "regions: {r1: {zones: [z1]}, r2: {zones: [z2]}}\nclients: [{name: a, region: r1}, {name: b, region: r2}]\n", 3,
       "regions.r2 has no effect: no client group calls this Region"},
      {"heal_at: 1m\nclients: [{name: a}]\nfaults: [{storm: {from: 30s, for: 2h}}]\n",
       "heal_at: 1m\nclients: [{name: a}]\nfaults: [{storm: {from: 30s, for: 30s}}]\n", 5, "faults[0].for (2h) goes past heal_at (1m)"},
      {"heal_at: 1m\nclients: [{name: a}]\nfaults: [{storm: {from: 2m}}]\n",
       "heal_at: 1m\nclients: [{name: a}]\nfaults: [{storm: {from: 30s}}]\n", 5, "faults[0] has no effect: it starts at 2m"},
      {"clients: [{name: a, think: 30s}]\n", "clients: [{name: a, intents: 2, think: 30s}]\n", 3, "think has no effect"},
      {"clients: [{name: a, tag: after-answer}]\n", "clients: [{name: a, tag: after-answer}]\nreapers: [{every: 1m, reaps: untagged}]\n", 3,
       "tag has no effect: no reaper reads tags"},
      {"clients: [{name: a, timeout: 1m, deadline: 30s}]\n", "clients: [{name: a, timeout: 10s, deadline: 30s}]\n", 3,
       "timeout has no effect: the call's deadline"},
      {"clients: [{name: a, controller: {}}]\nfaults: [{crash: {target: client, group: a, at: 1m, rolling: 5s}}]\n",
       "clients: [{name: a, count: 2, controller: {}}]\nfaults: [{crash: {target: client, group: a, at: 1m, rolling: 5s}}]\n", 4,
       "crash.rolling has no effect"},
      {"clients: [{name: a, token: persisted, controller: {on_persist_error: launch-anyway, store: {fail: 5%}}}]\n",
       "clients: [{name: a, token: persisted, controller: {persist: before-send, on_persist_error: launch-anyway, store: {fail: 5%}}}]\n", 3,
       "on_persist_error has no effect: the token is written before the send only with persist: before-send"},
      {"clients: [{name: a, token: persisted, controller: {persist: before-send, on_persist_error: launch-anyway}}]\n",
       "clients: [{name: a, token: persisted, controller: {persist: before-send, on_persist_error: launch-anyway}}]\nfaults: [{database: {group: a}}]\n", 3,
       "on_persist_error has no effect: the database never fails"},
      {"clients: [{name: a, controller: {queue: {requeue_after: 5s, qps: 2}}}]\n",
       "clients: [{name: a, controller: {queue: {qps: 2}}}]\n", 3, "queue.qps has no effect: requeue_after replaces"},
      {"semantics: \"2013\"\nclients: [{name: a, on_terminated: adopt}]\n", "clients: [{name: a, on_terminated: adopt}]\n", 4,
       "on_terminated has no effect under semantics: 2013"},
      {"clients: [{name: a, token: none, on_terminated: new-token}]\n", "clients: [{name: a, token: persisted, on_terminated: new-token}]\n", 3,
       "on_terminated: new-token has no effect with token: none"},
  };
  for (const Case& c : cases) {
    const Scenario inert = parse_scenario(base + c.inert, "s.yaml");
    std::string all;
    for (const std::string& w : inert.inert) all += w + "\n";
    EXPECT_NE(all.find(c.says), std::string::npos) << c.inert << "warned:\n" << all;
    EXPECT_NE(all.find("s.yaml:" + std::to_string(c.line) + ":"), std::string::npos) << c.inert << "warned:\n" << all;
    const Scenario acts = parse_scenario(base + c.acts, "s.yaml");
    for (const std::string& w : acts.inert) EXPECT_EQ(w.find(c.says), std::string::npos) << c.acts << "warned: " << w;
  }
}

// What the loader once let through: duplicate keys where the last won, empty and duplicate names,
// and a run too large to hold (count and intents bounded each on its own let 10^12 intents by).
TEST(Loader, DuplicatesEmptyNamesAndTooMuchWorkAreRefusedWithTheirPlace) {
  expect_refused({
      {"name: x\nclients: [{name: a}]\nexpect: {fail: amplification}\n", 3, 16,
       "expect.fail: amplification is never checked in this scenario: the scenario sets no max_attempts_per_intent"},
      {"name: x\nclients: [{name: a}]\nexpect: {fail: no-false-reap}\n", 3, 16, "no-false-reap is never checked"},
      {"name: x\nclients: [{name: a, retry: {policy: none, retry_codes: [IncorrectState]}}]\n", 2, 56,
       "only a policy other than none (with none there is no retry) takes 'retry_codes'"},
      {"name: x\nservice: {capacity: {m5.large: 1, m5.large: 2}}\nclients: [{name: a}]\n", 2, 35,
       "service.capacity: instance type 'm5.large' is given twice"},
      {"name: x\nregions: {r1: {zones: [z1], subnets: {s1: z1, s1: z1}}}\nclients: [{name: a}]\n", 2, 47,
       "subnet 's1' is given twice"},
      {"name: x\nregions: {\"\": {zones: [z1]}}\nclients: [{name: a}]\n", 2, 11, "'' is not a Region name"},
      {"name: x\nregions: {r1: {zones: [z1, z1]}}\nclients: [{name: a}]\n", 2, 28, "zone 'z1' is given twice"},
      {"name: x\nregions: {r1: {zones: [\"\"]}}\nclients: [{name: a}]\n", 2, 24, "a zone name must not be empty"},
      {"name: x\nregions: {r1: {zones: [z1]}, r2: {zones: [z1]}}\nclients: [{name: a}]\n", 2, 43,
       "zone 'z1' is already a zone of r1"},
      {"name: x\nclients: [{name: a, count: 1000000, intents: 1000000}]\n", 2, 11,
       "plans 1000000000000 intents of up to 1000000000000 instances in one run"},
      {"name: x\nclients:\n  - {name: a, count: 5000, intents: 1000}\n  - {name: b, count: 5000, intents: 1001}\n", 4, 5,
       "split the scenario into several files"},
      {"name: x\nclients: [{name: a, batch: 10000, request: {max: 10000}}]\n", 2, 28,
       "asks for 100000000 instances, more than 100000"},
  });
}

// A written copy (a counterexample) reads as its source did: free text as a block, not escapes;
// the settings its source gave at their defaults kept.
TEST(Writer, KeepsTheTextAndTheSettingsItsSourceGave) {
  const std::string src =
      "name: x\ndescription: >\n  two lines: the first\n  and the second.\n\n  A paragraph: # not a comment\n"
      "clients: [{name: a, token: persisted, controller: {state: durable, persist: after-response}}]\n"
      "faults: [{crash: {target: client, group: a, when: after-send, rate: 20%}}]\n";
  const Scenario s = parse_scenario(src, "s.yaml");
  const std::string written = idem::harness::write_scenario(s);
  EXPECT_EQ(written.find("\\x0A"), std::string::npos) << written;
  EXPECT_NE(written.find("description: |\n  two lines: the first and the second.\n  A paragraph: # not a comment\n"),
            std::string::npos) << written;
  EXPECT_NE(written.find("controller: {state: durable, persist: after-response}"), std::string::npos) << written;
  const Scenario back = parse_scenario(written, "written.yaml");
  EXPECT_EQ(back.description, s.description);
  // Text a block cannot hold as it is (a tab, a leading space) stays a quoted string, exactly.
  Scenario odd = s;
  odd.description = " starts with a space\tand a tab\n";
  const Scenario odd_back = parse_scenario(idem::harness::write_scenario(odd), "odd.yaml");
  EXPECT_EQ(odd_back.description, odd.description);
  for (const char* text : {"\n", "a\n\n", "a\n\nb", "a", "a\nb\n", "ends with a space \n"}) {
    odd.description = text;
    EXPECT_EQ(parse_scenario(idem::harness::write_scenario(odd), "odd.yaml").description, odd.description) << text;
  }
}

// What `check` may draw (explore.clients) is held to what one run holds, as the file itself is.
TEST(Loader, WhatCheckMayDrawIsBoundedLikeTheFile) {
  std::string text = "name: x\nclients:\n";
  for (int g = 0; g < 101; ++g) text += "  - {name: g" + std::to_string(g) + "}\n";
  const std::string fits = text + "explore: {clients: {count: 100, intents: 990}}\n";
  EXPECT_NO_THROW(parse_scenario(fits, "s.yaml"));
  try {
    parse_scenario(text + "explore: {clients: {count: 100, intents: 1000}}\n", "s.yaml");
    FAIL() << "a draw past what one run holds was accepted";
  } catch (const idem::harness::ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("explore.clients: check may draw 10100000 intents"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 104);
  }
}

// include: a team's shared fault plan and service, merged; errors in an included file at their
// own place, with where they were included from; cycles refused.
TEST(Loader, IncludeMergesSharedFaultsServiceAndRegions) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("idemsim-include-" + std::to_string(::getpid()));
  fs::create_directories(dir / "shared");
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("shared/base.yaml", "service: {launch_time: 45s, store: {replicas: 2}}\nfaults:\n  - duplicate: {rate: 1%}\n");
  write("shared/outage.yaml",
        "description: our outage\ninclude: [base.yaml]\nfaults:\n  - storm: {status: 503, from: 10s, for: 30s}\n"
        "service:\n  latency: 80ms\n  store: {ttl: 1h}\nregions: {us-east-1: {zones: [us-east-1a]}}\n");
  write("a.yaml", "name: a\ninclude: [shared/outage.yaml]\nservice: {store: {ttl: 2h}}\nclients: [{name: a}]\n"
                  "faults:\n  - reset: {phase: after, rate: 2%}\n");
  const std::string a = (dir / "a.yaml").string();
  const Scenario s = load_scenario_file(a);
  ASSERT_EQ(s.faults.faults.size(), 3u);  // base's, outage's, then its own
  EXPECT_TRUE(std::holds_alternative<idem::faults::Duplicate>(s.faults.faults[0]));
  EXPECT_TRUE(std::holds_alternative<idem::faults::Storm>(s.faults.faults[1]));
  EXPECT_TRUE(std::holds_alternative<idem::faults::Reset>(s.faults.faults[2]));
  EXPECT_EQ(s.service_latency.median, idem::sim::millis(80));  // outage's
  EXPECT_EQ(s.service.launch_time, idem::sim::seconds(45));     // base's
  EXPECT_EQ(s.service.store.replicas, 2u);  // base's, merged key by key
  EXPECT_EQ(*s.service.store.ttl, idem::sim::hours(2));  // its own over outage's 1h
  EXPECT_EQ(s.service.regions[0].zones.size(), 1u);
  EXPECT_EQ(s.includes, std::vector<std::string>{"shared/outage.yaml"});
  // The results name every file read: an included file changed changes the hash.
  const uint64_t before = s.content_hash;
  write("shared/base.yaml", "service: {launch_time: 46s, store: {replicas: 2}}\nfaults:\n  - duplicate: {rate: 1%}\n");
  EXPECT_NE(load_scenario_file(a).content_hash, before);
  auto refused = [&](const std::string& file, const std::string& text) {
    write(file, text);
    try {
      load_scenario_file(a);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string bad = refused("shared/outage.yaml", "include: [base.yaml]\nfaults:\n  - lose: {what: response, rate: 500%}\n");
  EXPECT_NE(bad.find("shared/outage.yaml:3:34: faults[1].lose.rate"), std::string::npos) << bad;
  EXPECT_NE(bad.find("(included from " + a + ":2:11)"), std::string::npos) << bad;
  const std::string other = refused("shared/outage.yaml", "clients: [{name: b}]\n");
  EXPECT_NE(other.find("shared/outage.yaml:1:1: an included file gives only faults, service and regions"), std::string::npos) << other;
  const std::string cycle = refused("shared/outage.yaml", "include: [../a.yaml]\n");
  EXPECT_NE(cycle.find("include: a cycle: " + a + " -> "), std::string::npos) << cycle;
  EXPECT_NE(cycle.find("shared/outage.yaml -> " + a), std::string::npos) << cycle;
  const std::string missing = refused("shared/outage.yaml", "include: [gone.yaml]\n");
  EXPECT_NE(missing.find("gone.yaml cannot be read"), std::string::npos) << missing;
  // Overriding one Region keeps the Regions' order (the first stays the first).
  write("shared/outage.yaml", "regions: {us-east-1: {zones: [a1]}, eu-west-1: {zones: [e1]}}\n");
  write("r.yaml", "name: r\ninclude: [shared/outage.yaml]\nregions: {us-east-1: {zones: [a2]}}\nclients: [{name: a}]\n");
  const Scenario regions = load_scenario_file((dir / "r.yaml").string());
  ASSERT_EQ(regions.service.regions.size(), 2u);
  EXPECT_EQ(regions.service.regions[0].name, "us-east-1");
  EXPECT_EQ(regions.service.regions[0].zones, std::vector<std::string>{"a2"});
  EXPECT_EQ(regions.clients[0].spec.region, 0u);
  // A file included twice (directly, or through two others) would act twice: refused.
  write("shared/outage.yaml", "include: [base.yaml]\n");
  const std::string twice = refused("a.yaml", "name: a\ninclude: [shared/outage.yaml, shared/base.yaml]\nclients: [{name: a}]\n");
  EXPECT_NE(twice.find("shared/base.yaml is included twice"), std::string::npos) << twice;
  // The scenario's own faults that are not a list are said to be so, includes or not.
  const std::string not_list = refused("a.yaml", "name: a\ninclude: [shared/outage.yaml]\nclients: [{name: a}]\nfaults: {lose: {what: request, rate: 1%}}\n");
  EXPECT_NE(not_list.find("faults: expected a list"), std::string::npos) << not_list;
  fs::remove_all(dir);
  // YAML merge keys are pointed at include.
  const Caught merge = error_of("name: x\nclients: [{name: a}]\n<<: {limit: 1h}\n");
  EXPECT_NE(merge.message.find("YAML merge keys are not read"), std::string::npos) << merge.message;
}
