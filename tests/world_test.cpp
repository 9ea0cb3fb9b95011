// Whole runs: determinism of the trace, the scenarios' verdicts, and a RapidCheck property that
// draws fault plans.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "harness/batch.h"
#include "harness/check.h"
#include "harness/writer.h"
#include "harness/load.h"
#include "reports/replay.h"
#include "reports/report.h"
#include "reports/timeline.h"
#include "sim/trace.h"

// `idemsim replay FILE --seed 1 | grep trace-hash` for each; see GoldenTraceHashes below.
#define IDEMSIM_GOLDEN_BASELINE_HASH "0x82638d06422b9d43"
#define IDEMSIM_GOLDEN_NO_TOKEN_HASH "0xa897dbe6b99374cc"
#define IDEMSIM_GOLDEN_STORM_AFTER_HASH "0x432cd2503bf19f2d"

using namespace idem;
using harness::Scenario;

namespace {
Scenario load(const std::string& name) {
  return harness::load_scenario_file(std::string(IDEMSIM_SOURCE_DIR "/scenarios/") + name);
}

// The trace without its header: the lines at time 0 from `world` that name the seed and the
// options. What is left is what the run did, which is what a seed must change.
std::string body(const std::string& trace) {
  std::string out;
  size_t at = 0;
  while (at < trace.size()) {
    size_t end = trace.find('\n', at);
    if (end == std::string::npos) end = trace.size();
    const std::string line = trace.substr(at, end - at);
    if (line.rfind("0.000000s world ", 0) != 0) out += line + "\n";
    at = end + 1;
  }
  return out;
}

// One run with its log kept, and its trace and violations rendered from it.
reports::Replay run(const Scenario& s, uint64_t seed, harness::RunOptions opt = {}) { return reports::replay(s, seed, opt); }
reports::Replay kept(const Scenario& s, uint64_t seed) { return run(s, seed); }

// A batch's seeds, as its results file lists them.
std::vector<harness::SeedResult> seeds_of(const harness::BatchResult& b) {
  std::vector<harness::SeedResult> out;
  b.seeds.each([&](const harness::SeedResult& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

// The timeline of a batch's shortest failing run, as the HTML report draws it.
std::optional<reports::Timeline> drawn(const harness::BatchResult& b) {
  if (!b.shortest) return std::nullopt;
  return reports::timeline(*b.scenario, *b.shortest, reports::word(*b.scenario, *b.shortest->log, b.shortest->findings));
}
}  // namespace

TEST(Determinism, SameSeedSameTraceByteForByte) {
  const Scenario s = load("storm-503-aws-standard.yaml");
  harness::RunOptions keep;
  keep.keep_log = true;
  const auto a = run(s, 7, keep);
  const auto b = run(s, 7, keep);
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_GT(a.stats.events, 1000u);
}

// Compared without the header, which prints the seed: a simulator that ignored its seed would
// still print different headers.
TEST(Determinism, AnotherSeedAnotherRun) {
  for (const char* name : {"storm-503-aws-standard.yaml", "baseline.yaml", "no-token-response-loss.yaml"}) {
    const Scenario s = load(name);
    const std::string a = body(kept(s, 7).trace), b = body(kept(s, 8).trace);
    EXPECT_FALSE(a.empty()) << name;
    EXPECT_NE(a, b) << name << ": seeds 7 and 8 ran the same events";
  }
}

// Each fault draws from a stream named after what it is, so a fault that never fires, or the
// order faults are listed in, changes nothing else in the run.
TEST(Determinism, FaultsDrawFromNamedStreams) {
  Scenario s = load("response-loss-persisted.yaml");
  ASSERT_FALSE(s.faults.faults.empty());
  faults::Storm never;  // a window past the end of the run: it never draws
  never.window.from = sim::Time(0) + s.limit + sim::hours(1);
  faults::Spike spike;
  spike.rate = sim::Ratio{1, 10};
  Scenario listed = s, reordered = s, extra = s;
  listed.faults.faults.push_back(spike);
  reordered.faults.faults.insert(reordered.faults.faults.begin(), spike);
  extra.faults.faults.push_back(spike);
  extra.faults.faults.insert(extra.faults.faults.begin(), never);
  const std::string want = body(kept(listed, 3).trace);
  EXPECT_EQ(body(kept(reordered, 3).trace), want);
  EXPECT_EQ(body(kept(extra, 3).trace), want);
  // ...and the faults do act: without the spike the run differs.
  EXPECT_NE(body(kept(s, 3).trace), want);
}

// Clients draw from streams named after their labels: a group added after the others leaves
// their tokens and backoffs alone.
TEST(Determinism, ClientsDrawFromNamedStreams) {
  const Scenario s = harness::parse_scenario(
      "name: one\nclients: [{name: a, count: 3, intents: 2, token: persisted}]\n", "one.yaml");
  Scenario two = s;
  harness::ClientGroup late = s.clients[0];
  late.spec.group = "late";
  late.spec.start = sim::Latency::fixed(sim::hours(1));
  two.clients.push_back(late);
  auto lines_of_a = [](const std::string& trace) {
    std::string out;
    size_t at = 0;
    while ((at = trace.find(" a#", at)) != std::string::npos) {
      const size_t end = trace.find('\n', at);
      out += trace.substr(at, end - at) + "\n";
      at = end;
    }
    return out;
  };
  const std::string alone = lines_of_a(kept(s, 5).trace);
  EXPECT_NE(alone.find("token="), std::string::npos);
  EXPECT_EQ(lines_of_a(kept(two, 5).trace), alone);
}

TEST(Determinism, KeepingTheTraceDoesNotChangeTheRun) {
  const Scenario s = load("no-token-response-loss.yaml");
  harness::RunOptions keep;
  keep.keep_log = true;
  EXPECT_EQ(run(s, 3, keep).trace_hash, run(s, 3).trace_hash);
}

TEST(Determinism, AsioDispatchGivesTheSameTrace) {
  const Scenario s = load("sdk-token-app-retry-after-storm.yaml");
  harness::RunOptions asio;
  asio.via_asio = true;
  const auto direct = run(s, 5);
  const auto via = run(s, 5, asio);
  EXPECT_EQ(direct.trace_hash, via.trace_hash);
  EXPECT_EQ(direct.stats.events, via.stats.events);
}

TEST(Determinism, ThreadsDoNotChangeResults) {
  const Scenario s = load("response-loss-persisted.yaml");
  const auto one = harness::run_batch(s, 1, 8, 1);
  const auto two = harness::run_batch(s, 1, 8, 2);
  const auto a = seeds_of(one), b = seeds_of(two);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].hash, b[i].hash);
}

TEST(Determinism, BatchesRerunTheirFirstSeed) {
  const auto b = harness::run_batch(load("baseline.yaml"), 9, 3, 2);
  EXPECT_TRUE(b.deterministic());
  EXPECT_EQ(b.rerun_hash, seeds_of(b).front().hash);
  EXPECT_NE(b.rerun_hash, 0u);
}

TEST(Determinism, GoldenTraceHashes) {
  // Pin the whole pipeline (PRNG, distributions, model, faults, oracle, trace text): a run with
  // no fault, one with retries, lost responses and violations, and one with a storm after commit
  // and application retries. If a deliberate change moves them, update them in the same commit
  // and say why.
  const auto baseline = run(load("baseline.yaml"), 1);
  EXPECT_EQ(sim::format_hash(baseline.trace_hash), IDEMSIM_GOLDEN_BASELINE_HASH);
  const auto no_token = run(load("no-token-response-loss.yaml"), 1);
  EXPECT_FALSE(no_token.violations.empty());
  EXPECT_GT(no_token.stats.retries, 0u);
  EXPECT_EQ(sim::format_hash(no_token.trace_hash), IDEMSIM_GOLDEN_NO_TOKEN_HASH);
  const auto storm = run(load("sdk-token-app-retry-after-storm.yaml"), 1);
  EXPECT_FALSE(storm.violations.empty());
  EXPECT_EQ(sim::format_hash(storm.trace_hash), IDEMSIM_GOLDEN_STORM_AFTER_HASH);
}

TEST(Verdicts, EveryShippedScenarioMeetsItsExpectation) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario s = harness::load_scenario_file(e.path().string());
    const auto b = harness::run_batch(s, s.seed, std::min<int64_t>(s.runs, 5), 2);
    EXPECT_TRUE(b.met()) << e.path() << ": " << b.failing_runs << " failing runs, expect "
                         << (s.expect_fail ? "fail" : "pass");
  }
}

TEST(Verdicts, ViolationsNameTheirEvents) {
  const auto r = run(load("no-token-response-loss.yaml"), 1);
  ASSERT_FALSE(r.violations.empty());
  const auto& v = r.violations.front();
  EXPECT_EQ(v.property, "intent-instances");
  EXPECT_GT(v.instances, v.intended);
  EXPECT_GE(v.leaked, 1u);
  EXPECT_FALSE(v.events.empty());
}

// Persisted tokens keep every promise whatever the network and the service do: RapidCheck draws
// the fault plan (losses, spikes, storms before or after commit) and shrinks any counterexample.
// The drawn scenario is written as scenario text and loaded like a user's file, so a
// counterexample is printed as a file `idemsim replay` reproduces, with its seed. Times are
// drawn in coarse units (100 ms, 1 s) so that they shrink in few steps.
RC_GTEST_PROP(FaultPlans, PersistedTokensHoldUnderAnyDrawnPlan, ()) {
  const int count = *rc::gen::inRange(1, 6);
  const int intents = *rc::gen::inRange(1, 4);
  const int app_retries = *rc::gen::inRange(0, 3);
  std::string yaml =
      "name: drawn fault plan\nlimit: 1h\nclients:\n"
      "  - {name: app, count: " + std::to_string(count) + ", intents: " + std::to_string(intents) +
      ", start: {min: 0s, max: 2s}, think: {min: 0s, max: 1s}, token: persisted, timeout: 1s,\n"
      "     retry: {policy: exponential, attempts: 4, base: 100ms, cap: 2s, jitter: full},\n"
      "     app_retries: " + std::to_string(app_retries) + ", app_backoff: 5s}\nfaults:\n";
  const int n = *rc::gen::inRange(0, 5);
  for (int i = 0; i < n; ++i) {
    const std::string when = "rate: " + std::to_string(*rc::gen::inRange(0, 101)) + "%, from: " +
                             std::to_string(*rc::gen::inRange(0, 100) * 100) + "ms, for: " +
                             std::to_string(*rc::gen::inRange(1, 60)) + "s";
    switch (*rc::gen::inRange(0, 4)) {
      case 0: yaml += "  - lose: {what: request, " + when + "}\n"; break;
      case 1: yaml += "  - lose: {what: response, " + when + "}\n"; break;
      case 2: yaml += "  - spike: {delay: " + std::to_string(*rc::gen::inRange(1, 10)) + "s, " + when + "}\n"; break;
      default:
        yaml += "  - storm: {phase: " + std::string(*rc::gen::element("before", "after")) + ", code: " +
                std::string(*rc::gen::element("InternalError", "Unavailable", "RequestLimitExceeded")) + ", " + when + "}\n";
    }
  }
  if (n == 0) yaml += "  []\n";
  const uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1000000);
  RC_LOG() << "save as drawn.yaml, then: idemsim replay drawn.yaml --seed " << seed << "\n" << yaml;
  const auto r = run(harness::parse_scenario(yaml, "drawn.yaml"), seed);
  RC_ASSERT(r.violations.empty());
}

TEST(Liveness, AnIntentCutOffByTheLimitIsCountedOpen) {
  // Every request is lost: the first call times out at 1 s and the application waits 10 s to
  // retry, but the run ends at 5 s.
  const Scenario s = harness::parse_scenario(
      "name: cut off\nlimit: 5s\n"
      "clients: [{name: a, timeout: 1s, retry: {policy: none}, app_retries: 1, app_backoff: 10s}]\n"
      "faults: [{lose: {what: request, rate: 100%}}]\n",
      "cut.yaml");
  const auto r = run(s, 1);
  EXPECT_EQ(r.stats.intents, 1u);
  EXPECT_EQ(r.stats.intents_begun, 1u);
  // The columns partition the intents: one cut off is open, whatever its calls so far said.
  EXPECT_EQ(r.stats.intents_open, 1u);
  EXPECT_EQ(r.stats.intents_unknown, 0u);
  EXPECT_EQ(r.stats.requests, 1u);
}

TEST(Network, AGroupCanHaveItsOwnLinkLatency) {
  // 300 ms each way for the far group, the Region's 1 ms for the near one; 40 ms of service time.
  const Scenario s = harness::parse_scenario(
      "name: far and near\nnetwork: {latency: 1ms}\nservice: {latency: 40ms}\n"
      "clients: [{name: far, latency: 300ms}, {name: near}]\n",
      "net.yaml");
  harness::RunOptions keep;
  keep.keep_log = true;
  const auto r = run(s, 1, keep);
  EXPECT_NE(r.trace.find("0.640000s far#0 recv"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("0.042000s near#0 recv"), std::string::npos) << r.trace;
}

// Every planted bug in the catalogue has a twin among the shipped scenarios that names it and
// is caught; a twin that names a bug no one wrote down, or a bug with no twin, fails here.
TEST(PlantedBugs, EachIsCaughtByAShippedTwin) {
  std::set<std::string> caught, named;
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario s = harness::load_scenario_file(e.path().string());
    if (s.bugs.empty()) continue;
    // A scenario with `explore:` may leave the bug's trigger for `idemsim check` to find
    // (scenarios/detect/; scripts/detection.sh, run as cli.detection_table, holds it to that).
    if (s.explore.given && !s.expect_fail) continue;
    EXPECT_TRUE(s.expect_fail) << e.path() << " plants a bug but does not say `expect: fail`";
    const auto b = harness::run_batch(s, s.seed, std::min<int64_t>(s.runs, 20), 2);
    for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k) {
      const auto bug = static_cast<model::Bug>(k);
      if (!s.bugs.has(bug)) continue;
      named.insert(std::string(model::bug_info(bug).name));
      if (b.failing_runs > 0) caught.insert(std::string(model::bug_info(bug).name));
    }
  }
  for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k) {
    const std::string name(model::bug_info(static_cast<model::Bug>(k)).name);
    EXPECT_TRUE(named.count(name)) << "no shipped scenario plants " << name;
    EXPECT_TRUE(caught.count(name)) << "no shipped twin catches " << name;
  }
}

// docs/bugs.md describes every bug the loader accepts, under its own heading.
TEST(PlantedBugs, EachIsDocumented) {
  std::ifstream in(IDEMSIM_SOURCE_DIR "/docs/bugs.md");
  ASSERT_TRUE(in) << "docs/bugs.md is missing";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k) {
    const std::string name(model::bug_info(static_cast<model::Bug>(k)).name);
    EXPECT_NE(doc.find("## `" + name + "`"), std::string::npos) << name << " has no section in docs/bugs.md";
  }
}

// A violation's listing shows each attempt with the token it carried, not the call's.
TEST(Verdicts, ViolationsShowEachAttemptsOwnToken) {
  const Scenario s = load("rules/caller-persisted-response-loss+token-per-attempt.yaml");
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    harness::RunOptions keep;
    keep.keep_log = true;
    const auto r = run(s, seed, keep);
    for (const auto& v : r.violations) {
      std::set<std::string> tokens;
      for (const auto& e : v.events) {
        const auto at = e.what.find(" token=");
        if (at != std::string::npos && e.what.find(" attempt ") != std::string::npos)
          tokens.insert(e.what.substr(at + 7, 36));
      }
      if (tokens.size() > 1) return;  // one call, attempts with their own tokens: shown
    }
  }
  FAIL() << "no violation listed two attempts with different tokens";
}

// Launches the service took on but had not finished at the time limit still count: here two
// calls of one intent (an application retry with a new SDK token) are both in flight.
TEST(Verdicts, LaunchesInFlightAtTheLimitCount) {
  const Scenario s = harness::parse_scenario(
      "name: slow\nlimit: 5m\nservice: {latency: 10m}\n"
      "clients: [{name: a, token: sdk, timeout: 1s, retry: {policy: none}, app_retries: 1, app_backoff: 1s}]\n",
      "slow.yaml");
  const auto r = run(s, 1);
  EXPECT_EQ(r.stats.instances, 0u);
  EXPECT_EQ(r.stats.launches_in_flight, 2u);
  EXPECT_EQ(r.stats.leaked, 0u);  // nothing launched yet: in flight, not leaked
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].property, "intent-instances");
  EXPECT_NE(r.violations[0].detail.find("in flight at the time limit"), std::string::npos) << r.violations[0].detail;
}

// An intent that adopted its launch through DescribeInstances repeats that launch's request,
// token and all; a repeat with no token would launch again (the harness making the duplicate).
TEST(Verdicts, ARepeatAfterAnAdoptionCarriesTheAdoptedToken) {
  const Scenario s = harness::parse_scenario(
      "name: adopt then repeat\nlimit: 1h\nservice: {describe_lag: 1s}\n"
      "clients: [{name: a, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 1,\n"
      "           app_backoff: 5s, reconcile: true, repeat_after: 10s}]\n"
      "faults: [{spike: {rate: 100%, delay: 3s, for: 1s}}]\n",
      "adopt.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find(" adopt "), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("call RunInstances call=2 repeat"), std::string::npos) << r.trace;
  EXPECT_TRUE(r.violations.empty()) << r.violations.front().detail;
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_EQ(r.stats.leaked, 0u);
}

// A token value is a user's string: in the trace it stays one word of one line, however odd.
TEST(Trace, TokenValuesAreEscaped) {
  const Scenario s = harness::parse_scenario(
      "name: odd\nclients: [{name: a, token: {value: \"two words\\nand a line\"}}, {name: b, token: {value: \"\"}}]\n",
      "odd.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("token=two\\x20words\\x0aand\\x20a\\x20line"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("token=\"\""), std::string::npos) << r.trace;
  for (size_t at = 0; (at = r.trace.find('\n', at)) != std::string::npos; ++at)
    if (at + 1 < r.trace.size()) {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(r.trace[at + 1]))) << r.trace;
    }
}

// A line too long for the trace's buffer is cut with a mark, never silently.
TEST(Trace, ALongLineEndsWithACutMark) {
  const Scenario s = harness::parse_scenario(
      "name: long\nclients: [{name: a, token: {value: \"" + std::string(3000, 'x') + "\"}}]\n", "long.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find(" [line cut]\n"), std::string::npos);
}

// Issue 6: a failure's excerpt tells the whole story. For every failing shipped scenario, the
// printed excerpt of each violation holds every launch under the violating token or intent.
TEST(Excerpts, EveryLaunchBehindAViolationIsShown) {
  size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario s = harness::load_scenario_file(e.path().string());
    if (!s.expect_fail) continue;
    for (uint64_t seed = s.seed; seed < s.seed + 3; ++seed) {
      for (const auto& v : run(s, seed).violations) {
        std::string shown;
        for (const auto& line : reports::excerpt(v)) shown += line + "\n";
        for (const auto& step : v.events) {
          if (step.what.rfind("service launched", 0) != 0 && step.what.rfind("service still launching", 0) != 0) continue;
          EXPECT_NE(shown.find(step.what), std::string::npos) << e.path() << " seed " << seed << ": " << step.what;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);
}

// One attempt has one number: the trace's `attempt=N` and the violation's "attempt N" are the
// same send.
TEST(Vocabulary, OneAttemptOneNumberEverywhere) {
  const Scenario s = load("no-token-response-loss.yaml");
  const auto r = kept(s, 1);
  ASSERT_FALSE(r.violations.empty());
  size_t matched = 0;
  for (const auto& step : r.violations.front().events) {
    const auto at = step.what.find(" attempt ");
    if (at == std::string::npos || step.what.find(" sent") == std::string::npos) continue;
    const std::string label = step.what.substr(0, at);
    const std::string number = step.what.substr(at + 9, step.what.find(' ', at + 9) - at - 9);
    const std::string line = sim::format_time(step.at) + " " + label + " send RunInstances attempt=" + number + " ";
    EXPECT_NE(r.trace.find(line), std::string::npos) << line;
    ++matched;
  }
  EXPECT_GT(matched, 0u);
}

// The service's join line names the launch it joins (the attempt whose launch is in flight).
TEST(Vocabulary, AJoinNamesTheLaunchItJoins) {
  const auto r = kept(load("rules/rule7-inflight.yaml"), 1);
  EXPECT_NE(r.trace.find("recv attempt=0 client=first#0 token=in-flight-0001 start op=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("recv attempt=1 client=second#0 token=in-flight-0001 join op=0 launch-of-attempt=0"),
            std::string::npos)
      << r.trace;
}

// A batch keeps the events of its first `keep` failing runs and counts for the rest, so memory
// stays flat however many seeds run; the totals still count every violation.
TEST(Batches, KeepBoundsWhatFailingRunsHold) {
  const Scenario s = load("no-token-response-loss.yaml");
  const auto b = harness::run_batch(s, 1, 12, 2, /*keep=*/2);
  size_t failing = 0;
  uint64_t counted = 0;
  std::vector<uint64_t> first_failing;
  for (const auto& r : seeds_of(b)) {
    failing += r.violations > 0 ? 1 : 0;
    if (r.violations > 0 && first_failing.size() < 2) first_failing.push_back(r.seed);
    counted += r.violations;
  }
  EXPECT_GT(failing, 2u);
  // The first failing seeds keep their logs (run again), and only they.
  ASSERT_EQ(b.kept.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(b.kept[i].seed, first_failing[i]);
    ASSERT_TRUE(b.kept[i].log);
    EXPECT_FALSE(b.kept[i].findings.empty());
  }
  EXPECT_EQ(counted, b.violations);
  uint64_t by_property = 0;
  for (const auto& [p, n] : b.violations_by_property) by_property += n;
  EXPECT_EQ(by_property, b.violations);
}

// The table's intent columns partition the planned intents: ok + failed + unknown + open.
TEST(Verdicts, IntentColumnsAddUpInEveryShippedScenario) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(IDEMSIM_SOURCE_DIR "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario s = harness::load_scenario_file(e.path().string());
    const auto b = harness::run_batch(s, s.seed, 2, 2);
    const auto& t = b.totals;
    EXPECT_EQ(t.intents, t.intents_ok + t.intents_failed + t.intents_unknown + t.intents_open) << e.path();
    EXPECT_LE(t.intents_begun, t.intents) << e.path();
    EXPECT_LE(t.leaked, t.instances) << e.path();
  }
}

// Liveness: after the faults heal, every intent reaches a definite end within `converge`; the
// violation names what is still pending.
TEST(Liveness, ACallerThatGivesUpUnknownNeverConverges) {
  const Scenario s = harness::parse_scenario(
      "name: gives up\nlimit: 10m\nheal_at: 10s\nconverge: 1m\n"
      "clients: [{name: a, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 0}]\n"
      "faults: [{lose: {what: request, rate: 100%}}]\n",
      "gives-up.yaml");
  const auto r = run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u);
  const auto& v = r.violations[0];
  EXPECT_EQ(v.property, "liveness");
  EXPECT_EQ(v.subject, "intent a#0/0");
  EXPECT_NE(v.detail.find("stopped with its outcome unknown (its last call, RunInstances ended unknown at 1s (its last attempt timed out))"), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("token "), std::string::npos) << v.detail;
  EXPECT_NE(v.detail.find("it had to converge by 1m10s"), std::string::npos) << v.detail;  // the deadline: 10s + 1m
}

TEST(Liveness, AnIntentStillPendingAtTheLimitIsNamed) {
  const Scenario s = harness::parse_scenario(
      "name: slow retry\nlimit: 30m\nheal_at: 10s\nconverge: 1m\n"
      "clients: [{name: a, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 3, app_backoff: 1h}]\n"
      "faults: [{lose: {what: request, rate: 100%}}]\n",
      "slow.yaml");
  const auto r = run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].property, "liveness");
  EXPECT_NE(r.violations[0].detail.find("still without a definite end at the time limit (its last call, RunInstances ended unknown at 1s (its last attempt timed out))"),
            std::string::npos)
      << r.violations[0].detail;
}

TEST(Liveness, ACallerThatRetriesUntilDefiniteConvergesAndFaultsEndAtHealAt) {
  const Scenario s = harness::parse_scenario(
      "name: keeps going\nlimit: 10m\nheal_at: 10s\nconverge: 1m\n"
      "clients: [{name: a, count: 5, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 30, app_backoff: 2s}]\n"
      "faults: [{lose: {what: request, rate: 100%}}]\n",
      "keeps-going.yaml");
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const auto r = run(s, seed);
    EXPECT_TRUE(r.violations.empty()) << seed << ": " << r.violations.front().detail;
    EXPECT_EQ(r.stats.intents_ok, 5u);            // every request after 10s gets through
    EXPECT_GT(r.fault_fires.at(0), 5u);           // and before it, every one was lost
  }
}

TEST(Amplification, MoreAttemptsThanAllowedForOneIntentBreakIt) {
  const std::string text =
      "name: amplified\nlimit: 10m\nmax_attempts_per_intent: MAX\n"
      "clients: [{name: a, token: persisted, timeout: 1s, retry: {policy: aws-standard}, app_retries: 2, app_backoff: 1s}]\n"
      "faults: [{storm: {from: 0s, for: 1m}}]\n";
  auto with = [&](const std::string& max) {
    std::string t = text;
    t.replace(t.find("MAX"), 3, max);
    return run(harness::parse_scenario(t, "amp.yaml"), 1);
  };
  const auto strict = with("4");  // 3 SDK attempts x 3 application calls = 9 attempts
  ASSERT_FALSE(strict.violations.empty());
  EXPECT_EQ(strict.violations[0].property, "amplification");
  EXPECT_NE(strict.violations[0].detail.find("9 attempts for one intent"), std::string::npos) << strict.violations[0].detail;
  EXPECT_TRUE(with("9").violations.empty());
}

// The faults of the service issue, each seen in the history it leaves.
TEST(Faults, AResetBeforeTheServiceIsLearnedAtOnceAndLaunchesNothing) {
  const Scenario s = harness::parse_scenario(
      "name: reset before\nlimit: 1m\n"
      "clients: [{name: a, token: persisted, timeout: 5s, retry: {policy: exponential, attempts: 3, base: 100ms}}]\n"
      "faults: [{reset: {phase: before, for: 50ms}}]\n",
      "reset.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("net reset before attempt=0"), std::string::npos) << r.trace;
  // At once: the client's reset line has the send's own time; no 5 s timeout.
  EXPECT_NE(r.trace.find("0.000000s a#0 reset attempt=0"), std::string::npos) << r.trace;
  EXPECT_EQ(r.trace.find("a#0 timeout attempt=0"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);  // only the retry launched
  EXPECT_EQ(r.stats.requests, 2u);
  EXPECT_EQ(r.fault_fires.at(0), 1u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(Faults, AResetAfterTheServiceActedLeavesALaunchTheCallerCannotSee) {
  auto run = [](const std::string& token) {
    const Scenario s = harness::parse_scenario(
        "name: reset after\nlimit: 1m\n"
        "clients: [{name: a, token: " + token + ", timeout: 5s, retry: {policy: exponential, attempts: 3, base: 100ms}}]\n"
        "faults: [{reset: {phase: after, for: 50ms}}]\n",
        "reset.yaml");
    return kept(s, 1);
  };
  const auto persisted = run("persisted");
  EXPECT_NE(persisted.trace.find("net reset after attempt=0"), std::string::npos) << persisted.trace;
  EXPECT_EQ(persisted.stats.instances, 1u);  // the retry got the launch the reset hid
  EXPECT_TRUE(persisted.violations.empty());
  const auto none = run("none");
  EXPECT_EQ(none.stats.instances, 2u);  // without a token the retry launched again
  ASSERT_FALSE(none.violations.empty());
  EXPECT_EQ(none.violations[0].property, "intent-instances");
  bool told = false;
  for (const auto& e : none.violations[0].events) told = told || e.what.find("then the connection dropped") != std::string::npos;
  EXPECT_TRUE(told);
}

TEST(Faults, APartitionCutsOffOneGroupOnly) {
  const Scenario s = harness::parse_scenario(
      "name: partition\nlimit: 1m\n"
      "clients: [{name: near, token: persisted, timeout: 1s, retry: {policy: none}},\n"
      "          {name: far, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 5, app_backoff: 1s}]\n"
      "faults: [{partition: {group: far, direction: requests, for: 3s}}]\n",
      "partition.yaml");
  const auto r = kept(s, 1);
  EXPECT_EQ(r.trace.find("partition request attempt=0"), std::string::npos) << r.trace;  // near's
  EXPECT_NE(r.trace.find("net partition request attempt=1"), std::string::npos) << r.trace;  // far's
  EXPECT_EQ(r.stats.instances, 2u);
  EXPECT_EQ(r.fault_fires.at(0), 2u);  // far#0 at 0 s and 2 s; its call at 4 s gets through
  EXPECT_TRUE(r.violations.empty());
}

TEST(Faults, ATransientIncorrectStateIsRetriedOnlyWhenThePolicySaysSo) {
  auto run = [](const std::string& retry_codes) {
    const Scenario s = harness::parse_scenario(
        "name: transient\nlimit: 1m\n"
        "clients: [{name: a, token: persisted, retry: {policy: exponential, attempts: 3, base: 100ms" + retry_codes + "}}]\n"
        "faults: [{transient: {code: IncorrectState, for: 50ms}}]\n",
        "transient.yaml");
    return kept(s, 1);
  };
  const auto retried = run(", retry_codes: [IncorrectState]");
  EXPECT_NE(retried.trace.find("fault transient attempt=0 code=IncorrectState"), std::string::npos) << retried.trace;
  EXPECT_EQ(retried.stats.intents_ok, 1u);
  EXPECT_EQ(retried.stats.requests, 2u);
  EXPECT_TRUE(retried.violations.empty());
  const auto not_retried = run("");
  EXPECT_EQ(not_retried.stats.intents_failed, 1u);  // a 400: nothing happened, the call ends
  EXPECT_EQ(not_retried.stats.instances, 0u);
  EXPECT_EQ(not_retried.stats.requests, 1u);
  EXPECT_TRUE(not_retried.violations.empty());
}

TEST(Faults, ADuplicateDeliveryIsARepeatWithATokenAndALaunchWithout) {
  auto run = [](const std::string& token) {
    const Scenario s = harness::parse_scenario(
        "name: duplicate\nlimit: 1m\nclients: [{name: a, token: " + token + ", timeout: 5s}]\n"
        "faults: [{duplicate: {delay: 20ms}}]\n",
        "dup.yaml");
    return kept(s, 1);
  };
  const auto with = run("persisted");
  EXPECT_NE(with.trace.find("net duplicate attempt=0 copy=1 after=20ms"), std::string::npos) << with.trace;
  EXPECT_NE(with.trace.find("recv attempt=1 client=a#0"), std::string::npos) << with.trace;  // the service saw it
  EXPECT_EQ(with.stats.instances, 1u);
  EXPECT_EQ(with.stats.requests, 1u);  // the client sent one
  EXPECT_TRUE(with.violations.empty());
  const auto without = run("none");
  EXPECT_EQ(without.stats.instances, 2u);
  ASSERT_FALSE(without.violations.empty());
  EXPECT_EQ(without.violations[0].property, "intent-instances");
  bool told = false;
  for (const auto& e : without.violations[0].events) told = told || e.what.find("a second delivery of attempt 0") != std::string::npos;
  EXPECT_TRUE(told);
}

TEST(Faults, AFrontendCrashBetweenLaunchAndRecordIsRecoveredOrDuplicates) {
  auto run = [](const char* recover) {
    const Scenario s = harness::parse_scenario(
        std::string("name: crash\nlimit: 1m\nservice: {frontends: 2, steps: {launch: 300ms, record: 200ms}, recover: ") +
            recover + "}\n"
            "clients: [{name: a, token: persisted, timeout: 5s, retry: {policy: exponential, attempts: 3, base: 100ms}}]\n"
            "faults: [{crash: {step: after-launch, for: 1s, restart_after: 1s}}]\n",
        "crash.yaml");
    return kept(s, 1);
  };
  const auto recovered = run("true");
  EXPECT_NE(recovered.trace.find("abandon op=0 attempt=0 launched bound"), std::string::npos) << recovered.trace;
  EXPECT_NE(recovered.trace.find("net reset crash attempt=0"), std::string::npos) << recovered.trace;
  EXPECT_NE(recovered.trace.find("a#0 reset attempt=0"), std::string::npos) << recovered.trace;  // not a timeout
  EXPECT_EQ(recovered.trace.find("a#0 timeout"), std::string::npos) << recovered.trace;
  EXPECT_EQ(recovered.stats.instances, 1u);  // the retry got the launch the crash hid
  EXPECT_EQ(recovered.stats.intents_ok, 1u);
  EXPECT_EQ(recovered.fault_fires.at(0), 1u);
  EXPECT_TRUE(recovered.violations.empty());
  const auto lost = run("false");
  EXPECT_NE(lost.trace.find("abandon op=0 attempt=0 launched released"), std::string::npos) << lost.trace;
  EXPECT_EQ(lost.stats.instances, 2u);
  ASSERT_FALSE(lost.violations.empty());
  EXPECT_EQ(lost.violations[0].property, "token-instances");
}

TEST(Faults, WhileEveryFrontendIsDownConnectionsAreRefused) {
  const Scenario s = harness::parse_scenario(
      "name: down\nlimit: 1m\n"
      "clients: [{name: a, token: persisted, start: 1500ms, timeout: 5s,\n"
      "           retry: {policy: exponential, attempts: 5, base: 1s, jitter: none}}]\n"
      "faults: [{crash: {at: 1s, restart_after: 2s}}]\n",
      "down.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("1.000000s service/us-east-1 frontend crash frontend=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("refuse attempt=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("3.000000s service/us-east-1 frontend restart frontend=0"), std::string::npos) << r.trace;
  EXPECT_EQ(r.trace.find("a#0 timeout"), std::string::npos) << r.trace;  // refused is learned at once
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_EQ(r.stats.intents_ok, 1u);
  EXPECT_GE(r.stats.requests, 2u);
  EXPECT_EQ(r.fault_fires.at(0), 1u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(Faults, AStoreCrashLosesAVolatileStoresRecordsOnly) {
  auto run = [](const char* durability) {
    const Scenario s = harness::parse_scenario(
        std::string("name: store\nlimit: 1m\nservice: {store: {durability: ") + durability + "}}\n"
            "clients: [{name: a, token: persisted, repeat_after: 30s}]\n"
            "faults: [{crash: {target: store, at: 10s, restart_after: 2s}}]\n",
        "store.yaml");
    return kept(s, 1);
  };
  const auto durable = run("durable");
  EXPECT_NE(durable.trace.find("store crash durability=durable"), std::string::npos) << durable.trace;
  EXPECT_EQ(durable.stats.instances, 1u);
  EXPECT_TRUE(durable.violations.empty());
  const auto lossy = run("volatile");
  EXPECT_EQ(lossy.stats.instances, 2u);  // the repeat found no record and launched again
  ASSERT_FALSE(lossy.violations.empty());
  EXPECT_EQ(lossy.fault_fires.at(0), 1u);
}

TEST(Faults, ASkewedFrontendDecidesByItsOwnClock) {
  auto run = [](const char* skew) {
    const Scenario s = harness::parse_scenario(
        std::string("name: skew\nlimit: 1m\nservice: {frontends: 2, balancer: round-robin, store: {ttl: 1m}}\n"
                    "clients: [{name: a, token: persisted, repeat_after: 10s}]\n") + skew,
        "skew.yaml");
    return kept(s, 1);
  };
  const auto exact = run("");
  EXPECT_EQ(exact.stats.instances, 1u);
  EXPECT_TRUE(exact.violations.empty());
  // The launch goes to frontend 0, the repeat 10 s later to frontend 1, whose clock is 2 minutes
  // ahead: to it the record is 2m10s old, past the TTL, and it launches again.
  const auto ahead = run("faults: [{skew: {frontend: 1, offset: 2m}}]\n");
  EXPECT_NE(ahead.trace.find("frontend=1 skew=120s"), std::string::npos) << ahead.trace;
  EXPECT_EQ(ahead.stats.instances, 2u);
  EXPECT_GE(ahead.fault_fires.at(0), 1u);
  ASSERT_FALSE(ahead.violations.empty());
}

TEST(Faults, ACrashAfterTheRecordStillAnswersTheRequestsThatJoined) {
  // Attempt 0 launches on frontend 0; its retry (attempt 1) joins it on frontend 1; frontend 0
  // crashes right after recording: attempt 0's answer is lost, attempt 1 gets it.
  const Scenario s = harness::parse_scenario(
      "name: joiners\nlimit: 1m\nservice: {frontends: 2, balancer: round-robin, steps: {launch: 1s, record: 100ms}}\n"
      "clients: [{name: c, token: sdk, timeout: 600ms, retry: {policy: aws-standard}}]\n"
      "faults: [{crash: {which: 0, step: after-record, restart_after: 1s}}]\n",
      "joiners.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("frontend=1 join op=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("net reset crash attempt=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("c#0 recv attempt=1 status=200"), std::string::npos) << r.trace;
  EXPECT_EQ(r.trace.find("c#0 timeout attempt=1"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(Faults, ACrashedProcessComesBackWhenTheFaultsHeal) {
  const Scenario s = harness::parse_scenario(
      "name: heal\nlimit: 10m\nheal_at: 1m\n"
      "clients: [{name: a, token: persisted, intents: 20, think: 5s}]\n"
      "faults: [{crash: {at: 50s, restart_after: 1h}}, {crash: {target: store, at: 55s, restart_after: 1h}}]\n",
      "heal.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("50.000000s service/us-east-1 frontend crash frontend=0 restart-after=10s"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("60.000000s service/us-east-1 frontend restart frontend=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("60.000000s service/us-east-1 store restart"), std::string::npos) << r.trace;
}

TEST(Faults, AnAfterReserveCrashLandsWhenTheReserveStepEnds) {
  const Scenario s = harness::parse_scenario(
      "name: reserve\nlimit: 1m\nservice: {frontends: 2, steps: {validate: 100ms, reserve: 1s}}\n"
      "clients: [{name: a, token: sdk, timeout: 5s}]\n"
      "faults: [{crash: {which: 0, step: after-reserve, restart_after: 10s}}]\n",
      "reserve.yaml");
  const auto r = kept(s, 1);
  const size_t at = r.trace.find(" fault crash after-reserve op=0");
  ASSERT_NE(at, std::string::npos) << r.trace;
  const size_t line = r.trace.rfind('\n', at) + 1;
  EXPECT_EQ(r.trace.substr(line, 3), "1.1") << r.trace.substr(line, at - line);  // sent at 0, + latency + 1.1 s
}

TEST(Faults, ARefusedCopyResetsNoClient) {
  // Every request is delivered twice, 300 ms apart; the only frontend is down from 1.1 s.
  const Scenario s = harness::parse_scenario(
      "name: copies\nlimit: 1m\n"
      "clients: [{name: a, intents: 3, think: 1s, token: sdk, retry: {policy: aws-standard}}]\n"
      "faults: [{duplicate: {delay: 300ms}}, {crash: {at: 1100ms, restart_after: 1s}}]\n",
      "copies.yaml");
  const auto r = kept(s, 1);
  size_t refused_copies = 0;
  for (size_t at = r.trace.find("net duplicate attempt="); at != std::string::npos;
       at = r.trace.find("net duplicate attempt=", at + 1)) {
    const size_t c = r.trace.find("copy=", at) + 5;
    const std::string copy = r.trace.substr(c, r.trace.find(' ', c) - c);
    if (r.trace.find("refuse attempt=" + copy + " ") != std::string::npos) ++refused_copies;
    EXPECT_EQ(r.trace.find("a#0 reset attempt=" + copy + "\n"), std::string::npos) << "copy " << copy << "\n" << r.trace;
  }
  EXPECT_GT(refused_copies, 0u) << r.trace;
}

TEST(Faults, ATimedCrashOfAFrontendAlreadyDownDoesNotFire) {
  const Scenario s = harness::parse_scenario(
      "name: twice\nlimit: 1m\nclients: [{name: a}]\n"
      "faults: [{crash: {at: 1s, restart_after: 10s}}, {crash: {at: 2s, restart_after: 1s}}, {crash: {at: 20s}}]\n",
      "twice.yaml");
  const auto r = kept(s, 1);
  EXPECT_EQ(r.fault_fires, (std::vector<uint64_t>{1, 0, 1}));
  EXPECT_NE(r.trace.find("11.000000s service/us-east-1 frontend restart"), std::string::npos) << r.trace;
}

TEST(Reapers, AnUntaggedReaperOnAFreshListingReapsWhatAnIntentOwns) {
  auto run = [](const char* grace) {
    const Scenario s = harness::parse_scenario(
        std::string("name: reaper\nlimit: 1m\nservice: {describe_lag: 1s, tag_lag: 5s}\n"
                    "clients: [{name: a, token: sdk}]\nreapers: [{every: 2s, reaps: untagged, grace: ") + grace + "}]\n",
        "reaper.yaml");
    return kept(s, 1);
  };
  const auto eager = run("0s");
  EXPECT_NE(eager.trace.find("reaper#0 terminate instance=i-00000000000000001 untagged"), std::string::npos) << eager.trace;
  ASSERT_EQ(eager.violations.size(), 1u);
  EXPECT_EQ(eager.violations[0].property, "no-false-reap");
  EXPECT_NE(eager.violations[0].detail.find("which intent a#0/0 owns"), std::string::npos) << eager.violations[0].detail;
  const auto patient = run("10s");
  EXPECT_EQ(patient.trace.find("reaper#0 terminate"), std::string::npos) << patient.trace;
  EXPECT_TRUE(patient.violations.empty());
}

TEST(Reapers, AnUnknownReaperMayReapALeakedInstance) {
  // No token; the first answer is lost, so the retry launches again: the first instance is leaked
  // (no answer named it) and reaping it is a cleanup, not a false reap.
  const Scenario s = harness::parse_scenario(
      "name: orphan\nlimit: 1m\n"
      "clients: [{name: a, token: none, timeout: 1s, retry: {policy: exponential, attempts: 3, base: 100ms}}]\n"
      "faults: [{lose: {what: response, rate: 100%, for: 100ms}}]\nreapers: [{every: 5s, reaps: unknown, grace: 3s}]\n",
      "orphan.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("reaper#0 terminate instance=i-00000000000000001 tagged"), std::string::npos) << r.trace;
  EXPECT_EQ(r.trace.find("terminate instance=i-00000000000000002"), std::string::npos) << r.trace;  // the known one stays
  for (const auto& v : r.violations) EXPECT_NE(v.property, "no-false-reap") << v.detail;
  ASSERT_FALSE(r.violations.empty());
  EXPECT_EQ(r.violations[0].property, "intent-instances");  // the duplicate itself is still one
}

// ---- the application layer's choices (clients[].on_unknown, on_mismatch, on_describe_error)

namespace {
// One client: its first launch (type c5.large, no capacity) gets a 500, its fallback to m5.large
// with the same persisted token gets IdempotentParameterMismatch.
reports::Replay mismatch_story(const std::string& on_mismatch) {
  const Scenario s = harness::parse_scenario(
      "name: mismatch\nlimit: 1m\nservice: {capacity: {c5.large: 0}}\n"
      "clients: [{name: a, token: persisted, request: {type: c5.large}, fallback_type: m5.large,\n"
      "           retry: {policy: none}, app_retries: 3, app_backoff: 2s, on_mismatch: " + on_mismatch + "}]\n",
      "mismatch.yaml");
  return kept(s, 1);
}
}  // namespace

TEST(AppLayer, OnMismatchFailEndsTheIntent) {
  const auto r = mismatch_story("fail");
  EXPECT_NE(r.trace.find("code=IdempotentParameterMismatch"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 0u);
  EXPECT_EQ(r.stats.requests, 2u);
}

TEST(AppLayer, OnMismatchNewTokenLaunchesWithAFreshToken) {
  const auto r = mismatch_story("new-token");
  EXPECT_NE(r.trace.find("why=mismatch/new-token"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_EQ(r.stats.intents_ok, 1u);
  EXPECT_TRUE(r.violations.empty());  // the first launch never happened: a new token is safe here
}

TEST(AppLayer, OnMismatchReconcileLooksFirstThenUsesAFreshToken) {
  const auto r = mismatch_story("reconcile");
  EXPECT_NE(r.trace.find("next=DescribeInstances why=mismatch/reconcile"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("found=0"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_EQ(r.stats.intents_ok, 1u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(AppLayer, OnUnknownBlockWaitsForAHumanAndLivenessSaysSo) {
  const Scenario s = harness::parse_scenario(
      "name: block\nlimit: 10m\nheal_at: 10s\nconverge: 1m\n"
      "clients: [{name: a, intents: 2, token: persisted, retry: {policy: none}, app_retries: 3, on_unknown: block}]\n"
      "faults: [{lose: {what: response, rate: 100%, for: 1s}}]\n",
      "block.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("a#0 block intent=0 why=outcome-unknown"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.requests, 1u);  // nothing more: not even the second intent
  EXPECT_EQ(r.stats.instances, 1u);
  ASSERT_FALSE(r.violations.empty());
  EXPECT_EQ(r.violations[0].property, "liveness");
  EXPECT_NE(r.violations[0].detail.find("the caller blocked on its unknown outcome"), std::string::npos)
      << r.violations[0].detail;
  for (const auto& v : r.violations) EXPECT_NE(v.property, "intent-instances");  // safe: no duplicate
}

// clients[].on_terminated, and a definite 4xx settling an intent for the controller: a durable
// controller whose launch's answer a storm replaced (unknown), and whose instance a reaper took
// before the resync drove the intent again.
namespace {
reports::Replay terminated_story(const std::string& on_terminated) {
  const Scenario s = harness::parse_scenario(
      "name: resync after a reap\nlimit: 1h\nheal_at: 1s\nconverge: 10m\n"
      "clients: [{name: ctl, token: persisted, retry: {policy: none}, on_terminated: " + on_terminated + ",\n"
      "           controller: {state: durable, persist: before-send, resync: 1m}}]\n"
      "faults: [{storm: {status: 503, phase: after, for: 1s}}]\n"
      "reapers: [{every: 30s, reaps: unknown, grace: 0}]\n",
      "terminated.yaml");
  return kept(s, 1);
}
size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}
}  // namespace

TEST(AppLayer, IdempotentInstanceTerminatedSettlesTheIntentForTheResync) {
  const auto r = terminated_story("give-up");
  // One re-drive by the resync, answered 400 IdempotentInstanceTerminated: then nothing more.
  EXPECT_EQ(count_of(r.trace, " resync\n"), 1u) << r.trace;
  EXPECT_EQ(r.stats.requests, 2u) << r.trace;
  EXPECT_EQ(r.stats.intents_failed, 1u);
  EXPECT_EQ(r.stats.instances, 1u);
  for (const auto& v : r.violations) {
    EXPECT_NE(v.property, "liveness") << v.detail;  // a definite end: it knows its launch is gone
    EXPECT_NE(v.property, "intent-instances") << v.detail;  // told its launch was terminated: not "failed but launched"
  }
  // What is left is true: the reaper took an instance the caller was still working on.
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].property, "no-false-reap");
}

TEST(AppLayer, OnTerminatedAdoptEndsTheIntentAsLaunched) {
  const auto r = terminated_story("adopt");
  EXPECT_EQ(r.stats.requests, 2u) << r.trace;
  EXPECT_EQ(r.stats.intents_ok, 1u);
  EXPECT_EQ(r.stats.instances, 1u);
  for (const auto& v : r.violations) EXPECT_EQ(v.property, "no-false-reap") << v.detail;
}

TEST(AppLayer, OnTerminatedNewTokenLaunchesAReplacementTheCheckerDoesNotCountTwice) {
  const auto r = terminated_story("new-token");
  EXPECT_NE(r.trace.find("why=terminated/new-token"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.requests, 3u) << r.trace;
  EXPECT_EQ(r.stats.instances, 2u);
  EXPECT_EQ(r.stats.intents_ok, 1u);
  // The replacement was launched after the caller was told the first launch's instances were
  // terminated: a new generation of the intent, not a duplicate.
  for (const auto& v : r.violations) EXPECT_EQ(v.property, "no-false-reap") << v.detail;
}

TEST(AppLayer, ADerivedTokensReplacementIsDerivedTooSoARestartRepeatsIt) {
  // The replacement's send dies with its process; the restarted controller is told again that the
  // first token's launch was terminated, and sends the same replacement token: a repeat.
  const auto r = kept(harness::parse_scenario(
                          "name: derived replacement\nlimit: 1h\n"
                          "clients: [{name: ctl, token: derived, retry: {policy: none}, on_terminated: new-token, app_backoff: 1s,\n"
                          "           controller: {state: volatile, resync: 1m}}]\n"
                          "faults: [{storm: {status: 503, phase: after, for: 1s}},\n"
                          "         {crash: {target: client, group: ctl, when: after-send, from: 61s, for: 2s, restart_after: 5s}}]\n"
                          "reapers: [{every: 30s, reaps: unknown, grace: 0}]\n",
                          "derived-replacement.yaml"),
                      1);
  EXPECT_NE(r.trace.find("61.083471s ctl#0 call RunInstances call=2 type=m5.large token=ctl/0/0/r1"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("67.132855s ctl#0 call RunInstances call=4 type=m5.large token=ctl/0/0/r1"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 2u);
  for (const auto& v : r.violations) EXPECT_EQ(v.property, "no-false-reap") << v.detail;
}

TEST(AppLayer, AnotherDeliverysNewsIsNotAReplacement) {
  // Two groups deliver one intent. A is told its launch was terminated (and gives up); B, told
  // nothing, launches with its own token: a second launch of the intent, not a replacement.
  const auto r = kept(harness::parse_scenario(
                          "name: two deliveries\nlimit: 1h\n"
                          "clients: [{name: a, intent: web, token: persisted, retry: {policy: none}, controller: {state: durable, resync: 1m}},\n"
                          "          {name: b, intent: web, token: persisted, retry: {policy: none}, start: 90s}]\n"
                          "faults: [{storm: {status: 503, phase: after, for: 1s}}]\n"
                          "reapers: [{every: 30s, reaps: unknown, grace: 0}]\n",
                          "two-deliveries.yaml"),
                      1);
  ASSERT_NE(r.trace.find("code=IdempotentInstanceTerminated"), std::string::npos) << r.trace;
  bool duplicate = false;
  for (const auto& v : r.violations) duplicate = duplicate || v.property == "intent-instances";
  EXPECT_TRUE(duplicate) << r.trace;
}

TEST(AppLayer, AReplacementDoesNotHideADuplicateBeforeIt) {
  // Two launches under one token (a store that reads then writes, and a request delivered twice),
  // both answers lost; the reaper takes both; the resync is told the token's launch was terminated
  // and launches a replacement. The replacement is a new generation; the duplicate before it is
  // still reported, with its two launches.
  const Scenario s = harness::parse_scenario(
      "name: duplicate then replacement\nlimit: 1h\nservice: {store: {write: read-then-write, gap: 50ms}}\n"
      "clients: [{name: ctl, token: persisted, timeout: 500ms, retry: {policy: none}, on_terminated: new-token,\n"
      "           controller: {state: durable, persist: before-send, resync: 1m}}]\n"
      "faults: [{lose: {what: response, rate: 100%, for: 3s}}, {duplicate: {for: 3s, delay: 10ms}}]\n"
      "reapers: [{every: 30s, reaps: unknown, grace: 0}]\n",
      "dup-then-replacement.yaml");
  const auto r = kept(s, 1);
  ASSERT_NE(r.trace.find("why=terminated/new-token"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 3u) << r.trace;
  const reports::Violation* dup = nullptr;
  for (const auto& v : r.violations)
    if (v.property == "intent-instances") dup = &v;
  ASSERT_NE(dup, nullptr) << r.trace;
  EXPECT_NE(dup->detail.find("2 launches with 2 instances for one intent"), std::string::npos) << dup->detail;
}

// A caller's crash at a time (a deploy): every process of the group, one after another with
// `rolling`; one already down is left alone; none after heal_at.
TEST(CallerCrash, ADeployRestartsEveryProcessOnSchedule) {
  const Scenario s = harness::parse_scenario(
      "name: deploy\nlimit: 10m\n"
      "clients: [{name: ctl, count: 3, intents: 20, think: 1s, token: derived, controller: {state: volatile}}]\n"
      "faults: [{crash: {target: client, group: ctl, at: 5s, rolling: 3s, restart_after: 2s}}]\n",
      "deploy.yaml");
  const auto r = kept(s, 1);
  for (const char* line : {"5.000000s ctl#0 crash when=scheduled restart-after=2s state=volatile",
                           "8.000000s ctl#1 crash when=scheduled", "11.000000s ctl#2 crash when=scheduled",
                           "7.000000s ctl#0 restart from-intent=0"})
    EXPECT_NE(r.trace.find(line), std::string::npos) << line << "\n" << r.trace;
  EXPECT_NE(r.trace.find("world fault crash client group ctl scheduled at 5s rolling 3s restart-after 2s"), std::string::npos);
  EXPECT_EQ(r.fault_fires.at(0), 3u);
  // A derived token drives the same launches again: nothing twice.
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].detail;
  EXPECT_EQ(r.stats.instances, 60u);
  // The same deploy of a volatile controller that makes its own tokens launches again.
  Scenario lossy = s;
  lossy.clients[0].spec.token = model::TokenMode::persisted;
  const auto again = kept(lossy, 1);
  EXPECT_GT(again.stats.instances, 60u);
  ASSERT_FALSE(again.violations.empty());
  EXPECT_EQ(again.violations[0].property, "intent-instances");
}

TEST(CallerCrash, AScheduledCrashSkipsAProcessAlreadyDownAndEndsAtHealAt) {
  const Scenario s = harness::parse_scenario(
      "name: deploy twice\nlimit: 10m\nheal_at: 1m\n"
      "clients: [{name: ctl, count: 2, intents: 50, think: 1s, token: derived, controller: {state: volatile}}]\n"
      "faults: [{crash: {target: client, group: ctl, at: 5s, restart_after: 30s}},\n"
      "         {crash: {target: client, group: ctl, at: 10s, restart_after: 30s}},\n"
      "         {crash: {target: client, group: ctl, at: 2m}}]\n",
      "deploy-twice.yaml");
  const auto r = kept(s, 1);
  EXPECT_EQ(count_of(r.trace, " crash when=scheduled"), 2u) << r.trace;  // at 5s; at 10s they are down; 2m is after heal_at
  EXPECT_NE(r.trace.find("35.000000s ctl#1 restart"), std::string::npos) << r.trace;
}

// clients[].deadline bounds a call across its attempts and backoffs; timeout: none leaves an
// attempt waiting for its answer (or the deadline).
TEST(Deadline, ACallEndsUnknownWhenItsDeadlinePasses) {
  auto story = [](const std::string& client) {
    return kept(harness::parse_scenario("name: deadline\nlimit: 1m\nclients: [{name: a, token: persisted, " + client +
                                            "}]\nfaults: [{lose: {what: response, rate: 100%}}]\n",
                                        "deadline.yaml"),
                1);
  };
  // Attempts at 0s (times out at 2s), 2.1s (4.1s), 4.3s: its wait is cut to the deadline, 5s.
  const auto cut = story("timeout: 2s, deadline: 5s, retry: {policy: exponential, attempts: 10, base: 100ms, jitter: none}");
  EXPECT_NE(cut.trace.find("4.300000s a#0 send RunInstances attempt=2 call=0 try=3"), std::string::npos) << cut.trace;
  EXPECT_NE(cut.trace.find("5.000000s a#0 timeout attempt=2"), std::string::npos) << cut.trace;
  EXPECT_NE(cut.trace.find("5.000000s a#0 end call=0 unknown why=deadline"), std::string::npos) << cut.trace;
  EXPECT_EQ(cut.stats.requests, 3u);
  EXPECT_EQ(cut.stats.intents_unknown, 1u);
  // A backoff that would end past the deadline ends there.
  const auto slept = story("timeout: 2s, deadline: 5s, retry: {policy: exponential, attempts: 10, base: 3s, jitter: none}");
  EXPECT_NE(slept.trace.find("5.000000s a#0 end call=0 unknown why=deadline"), std::string::npos) << slept.trace;
  EXPECT_EQ(slept.stats.requests, 1u);
  // No timeout per attempt: the deadline alone ends the wait.
  const auto none = story("timeout: none, deadline: 1s, retry: {policy: none}");
  EXPECT_NE(none.trace.find("1.000000s a#0 end call=0 unknown why=deadline"), std::string::npos) << none.trace;
  EXPECT_NE(none.trace.find("timeout=none"), std::string::npos);
  EXPECT_NE(none.trace.find("deadline=1s"), std::string::npos);
  // Neither: the attempt waits for an answer that never comes; the intent is open at the limit.
  const auto hangs = story("timeout: none, retry: {policy: none}");
  EXPECT_EQ(hangs.stats.intents_open, 1u) << hangs.trace;
  EXPECT_EQ(hangs.trace.find(" timeout attempt="), std::string::npos);
}

// controller.queue: a work queue per object, as controller-runtime runs a reconciler.
namespace {
reports::Replay queue_story(const std::string& queue, const std::string& more = "", int intents = 6) {
  return kept(harness::parse_scenario("name: queue\nlimit: 2h\n"
                                      "clients: [{name: op, intents: " + std::to_string(intents) +
                                          ", think: 1s, token: derived, timeout: 2s, retry: {policy: none},\n"
                                          "           controller: {queue: " + queue + "}}]\n" + more,
                                      "queue.yaml"),
              1);
}
}  // namespace

TEST(WorkQueue, AnUnknownOutcomeIsRequeuedAtOnceNotAfterTheBatch) {
  // Object 0's answer is lost: it is requeued 5 ms after its reconcile ends (2s), and reconciled
  // again as soon as the worker is free, before objects 2..5 are even created.
  const auto r = queue_story("{workers: 1, sync_period: none}", "faults: [{lose: {what: response, rate: 100%, for: 1s}}]\n");
  EXPECT_NE(r.trace.find("2.000000s op#0 requeue intent=0 after=5ms failures=1"), std::string::npos) << r.trace;
  const size_t again = r.trace.find("op#0 intent intent=0 max-count=1 again");
  const size_t fifth = r.trace.find("op#0 intent intent=4 max-count=1");
  ASSERT_NE(again, std::string::npos) << r.trace;
  ASSERT_NE(fifth, std::string::npos);
  EXPECT_LT(again, fifth);
  EXPECT_NE(r.trace.find("op#0 done"), std::string::npos);  // sync_period: none: done once all settled
  EXPECT_TRUE(r.violations.empty());
  EXPECT_EQ(r.stats.intents_ok, 6u);
}

TEST(WorkQueue, TheRateLimiterDoublesPerObjectAndForgetsOnSuccess) {
  // A storm for 1 minute: object 0 fails again and again, 5ms, 10ms, 20ms, ... apart.
  const auto r = queue_story("{sync_period: none}", "faults: [{storm: {for: 1m}}]\n", 1);
  for (const char* step : {"failures=1", "after=10ms failures=2", "after=20ms failures=3", "after=40ms failures=4",
                           "after=1.28s failures=9"})
    EXPECT_NE(r.trace.find(step), std::string::npos) << step << "\n" << r.trace;
  EXPECT_EQ(r.stats.intents_ok, 1u);
  // requeue_after instead: a fixed requeue.
  const auto fixed = queue_story("{requeue_after: 30s, sync_period: none}", "faults: [{storm: {for: 1m}}]\n", 1);
  EXPECT_NE(fixed.trace.find("requeue intent=0 after=30s"), std::string::npos) << fixed.trace;
  EXPECT_EQ(fixed.trace.find("after=10ms"), std::string::npos);
  EXPECT_EQ(fixed.stats.requests, 3u);  // at 0s, ~30s (still stormy), ~60s
}

TEST(WorkQueue, TheOverallBucketBoundsRequeuesAcrossObjects) {
  // A bucket of 1 token refilled once a second: ten objects failing together wait their turn.
  const auto r = queue_story("{qps: 1, burst: 1, base: 1ms, sync_period: none}",
                             "faults: [{storm: {for: 20s}}]\n", 10);
  EXPECT_NE(r.trace.find("requeue intent=0 after=1ms failures=1"), std::string::npos) << r.trace;  // the full bucket's token
  // Its second failure would wait 2ms on its own; the empty bucket makes it wait for the refill
  // (1s after the first token was taken); the waits grow as the objects queue up for tokens.
  EXPECT_NE(r.trace.find("0.004049s op#0 requeue intent=0 after=997.796ms failures=2"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("1.003685s op#0 requeue intent=1 after=998.16ms failures=1"), std::string::npos) << r.trace;
}

TEST(WorkQueue, WorkersReconcileObjectsAtOnceAndDieTogether) {
  // Two workers: objects 0 and 1 are in flight together when the process dies at 1.5s (all of
  // its workers); back at 3.5s, it lists the objects and reconciles those not known to be done.
  const auto r = queue_story("{workers: 2, sync_period: none}",
                             "faults: [{lose: {what: response, rate: 100%, for: 2s}}, {crash: {target: client, group: op, at: 1500ms, restart_after: 2s}}]\n",
                             4);
  EXPECT_NE(r.trace.find("1.000000s op#0 send RunInstances attempt=1 call=1"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("1.500000s op#0 crash when=scheduled"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("3.500000s op#0 restart from-intent=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("3.500000s op#0 resync"), std::string::npos) << r.trace;  // the listing
  // Objects 2 and 3 were created while it was down (2s and 3s): reconciled after the restart.
  EXPECT_NE(r.trace.find("3.500000s op#0 intent intent=0 max-count=1 again"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.intents_ok, 4u);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].detail;  // derived tokens: nothing twice
}

// Crashes at every point of a work queue's life (a send made while handing out, while re-listing
// after a restart, a scheduled crash while down): every object is created once and driven, at any
// seed (a restart that re-listed and died again once left two creations pending).
TEST(WorkQueue, CrashesAnywhereKeepEveryObjectCreatedOnce) {
  const Scenario s = harness::parse_scenario(
      "name: crashy queue\nlimit: 1h\n"
      "clients: [{name: op, intents: 12, think: 2s, token: derived, timeout: 1s, retry: {policy: none},\n"
      "           controller: {state: durable, queue: {workers: 3, sync_period: 5m}}}]\n"
      "faults: [{crash: {target: client, group: op, when: after-send, rate: 30%, restart_after: 3s}},\n"
      "         {crash: {target: client, group: op, when: after-response, rate: 20%, restart_after: 1s}},\n"
      "         {crash: {target: client, group: op, at: 7s, restart_after: 10s}},\n"
      "         {lose: {what: response, rate: 20%}}]\n",
      "crashy.yaml");
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    const auto r = harness::run_once(s, seed);
    EXPECT_EQ(r.stats.intents_begun, 12u) << "seed " << seed;
    EXPECT_EQ(r.violation_count, 0u) << "seed " << seed;  // derived tokens: nothing twice
  }
}

// client-go's delaying queue holds an object once, at the earlier due time: a reconcile on a
// re-list that fails again does not add a second, later requeue.
TEST(WorkQueue, AnObjectWaitsForOneRequeueAtItsEarliest) {
  const auto r = kept(harness::parse_scenario(
                          "name: due once\nlimit: 5m\n"
                          "clients: [{name: op, token: derived, timeout: 1s, retry: {policy: none},\n"
                          "           controller: {queue: {requeue_after: 150s, sync_period: 1m}}}]\n"
                          "faults: [{storm: {for: 10m}}]\n",
                          "due-once.yaml"),
                      1);
  EXPECT_NE(r.trace.find("60.000000s op#0 intent intent=0 max-count=1 again"), std::string::npos) << r.trace;   // the re-list
  EXPECT_NE(r.trace.find("150.001845s op#0 intent intent=0 max-count=1 again"), std::string::npos) << r.trace;  // the first requeue
  EXPECT_EQ(r.trace.find("\n210.0"), std::string::npos) << r.trace;  // the re-list's later requeue was dropped
  EXPECT_EQ(count_of(r.trace, " max-count=1 again"), 6u) << r.trace;  // 60, 120, 150, 180, 240, 300
}

TEST(WorkQueue, ThePeriodicRelistKeepsTheControllerRunning) {
  const auto r = queue_story("{sync_period: 30m}", "", 2);
  EXPECT_NE(r.trace.find("1800.000000s op#0 resync"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("3600.000000s op#0 resync"), std::string::npos) << r.trace;
  EXPECT_EQ(r.trace.find("op#0 done"), std::string::npos);
  EXPECT_EQ(r.stats.requests, 2u);  // a re-list adds only objects not known to be done
}

// A reaper that asks the controllers' databases (reaps: not-in-store): a token written down before
// the send protects the launch it made; one written after the answer does not, while the answer
// is lost.
TEST(Reapers, NotInStoreAsksTheControllersDatabase) {
  auto story = [](const std::string& persist, const std::string& match = "") {
    return kept(harness::parse_scenario(
                    "name: not in store\nlimit: 30m\n"
                    "clients: [{name: ctl, token: persisted, timeout: 1s, retry: {policy: none},\n"
                    "           controller: {state: durable, persist: " + persist + ", queue: {requeue_after: 2m, sync_period: none}}}]\n"
                    "reapers: [{every: 30s, reaps: not-in-store, grace: 0" + match + "}]\n"
                    "faults: [{lose: {what: response, rate: 100%, for: 1m}}]\n",
                    "not-in-store.yaml"),
                1);
  };
  const auto before = story("before-send");
  EXPECT_NE(before.trace.find("reaps=not-in-store grace=0s match=client-token"), std::string::npos) << before.trace;
  EXPECT_EQ(before.trace.find("terminate instance="), std::string::npos) << before.trace;  // its token is in the store
  EXPECT_TRUE(before.violations.empty()) << before.violations[0].detail;
  EXPECT_EQ(before.stats.intents_ok, 1u);
  const auto after = story("after-response");
  EXPECT_NE(after.trace.find("30.000000s reaper#0 terminate instance=i-00000000000000001"), std::string::npos) << after.trace;
  ASSERT_FALSE(after.violations.empty());
  EXPECT_EQ(after.violations[0].property, "no-false-reap");
}

// tag: on-create (TagSpecifications) or after-answer (CreateTags once an answer names the
// reservation): an instance whose answer was lost carries no tag until its caller learns of it, and
// a reaper of untagged instances takes it while the caller still retries with its token.
TEST(Reapers, TagsAfterTheAnswerLeaveALostLaunchUntaggedForAReaper) {
  auto story = [](const std::string& tag) {
    return kept(harness::parse_scenario(
                    "name: tags\nlimit: 10m\n"
                    "clients: [{name: ctl, token: persisted, timeout: 1s, retry: {policy: none}, app_retries: 3, app_backoff: 2m, tag: " + tag + "}]\n"
                    "reapers: [{every: 30s, reaps: untagged, grace: 1m}]\n"
                    "faults: [{lose: {what: response, rate: 100%, for: 10s}}]\n",
                    "tags.yaml"),
                1);
  };
  const auto on_create = story("on-create");
  EXPECT_EQ(on_create.trace.find("terminate instance="), std::string::npos) << on_create.trace;
  EXPECT_TRUE(on_create.violations.empty()) << on_create.violations[0].detail;
  const auto after = story("after-answer");
  EXPECT_NE(after.trace.find("tag=after-answer"), std::string::npos);
  EXPECT_NE(after.trace.find("90.000000s reaper#0 terminate instance=i-00000000000000001 untagged"), std::string::npos) << after.trace;
  ASSERT_FALSE(after.violations.empty());
  EXPECT_EQ(after.violations[0].property, "no-false-reap");
  // With no loss, the caller tags what it learns at once, and the reaper leaves it.
  const auto told = kept(harness::parse_scenario(
                             "name: tags\nlimit: 10m\n"
                             "clients: [{name: ctl, token: persisted, tag: after-answer}]\n"
                             "reapers: [{every: 30s, reaps: untagged, grace: 1m}]\n",
                             "tags-told.yaml"),
                         1);
  EXPECT_NE(told.trace.find("ctl#0 create-tags reservation=r-00000000000000001"), std::string::npos) << told.trace;
  EXPECT_EQ(told.trace.find("terminate instance="), std::string::npos) << told.trace;
}

TEST(Reapers, NotInStoreCleansUpWhatNoDatabaseKnowsAndATagFilterMissesIt) {
  // A caller without a controller (a script: no database) whose answer is lost: its launch is an
  // orphan. Matched by ClientToken it is reaped; matched by a tag that shows only after
  // describe_lag + tag_lag (here longer than the run), it is left running: a leak.
  auto story = [](const std::string& match) {
    return kept(harness::parse_scenario(
                    "name: orphan\nlimit: 10m\nservice: {tag_lag: 1h}\nleaks: {max_age: 5m}\n"
                    "clients: [{name: script, token: sdk, timeout: 1s, retry: {policy: none}}]\n"
                    "reapers: [{every: 1m, reaps: not-in-store, grace: 2m, match: " + match + "}]\n"
                    "faults: [{lose: {what: response, rate: 100%}}]\n",
                    "orphan.yaml"),
                1);
  };
  const auto token = story("client-token");
  EXPECT_NE(token.trace.find("180.000000s reaper#0 terminate instance=i-00000000000000001"), std::string::npos) << token.trace;
  EXPECT_TRUE(token.violations.empty()) << token.violations[0].detail;
  const auto tag = story("tag");
  EXPECT_EQ(tag.trace.find("terminate instance="), std::string::npos) << tag.trace;
  ASSERT_FALSE(tag.violations.empty());
  EXPECT_EQ(tag.violations[0].property, "leaks");
}

// The controller's database as a dependency (controller.store, faults[].database,
// on_persist_error).
TEST(ControllerDatabase, AFailedTokenWriteAbortsOrLaunchesWithoutItsToken) {
  // The database fails every write for 3s; the process dies after a send at 1s and is back at 4s.
  auto story = [](const std::string& on_error) {
    return kept(harness::parse_scenario(
                    "name: db down\nlimit: 10m\n"
                    "clients: [{name: ctl, token: persisted, timeout: 1s, retry: {policy: none},\n"
                    "           controller: {state: durable, persist: before-send, on_persist_error: " + on_error +
                        ", queue: {requeue_after: 500ms, sync_period: none}}}]\n"
                    "faults: [{database: {group: ctl, fail: 100%, for: 3s}},\n"
                    "         {crash: {target: client, group: ctl, when: after-send, restart_after: 3s}}]\n",
                    "db.yaml"),
                1);
  };
  const auto aborts = story("abort");
  EXPECT_NE(aborts.trace.find("0.000000s ctl#0 db-write intent=0 what=token stall=0us result=failed"), std::string::npos) << aborts.trace;
  // Nothing is sent while its token cannot be written: the first send is at 3s or later.
  EXPECT_NE(aborts.trace.find("\n3.000000s ctl#0 send RunInstances attempt=0 call=0 try=1"), std::string::npos) << aborts.trace;
  EXPECT_TRUE(aborts.violations.empty()) << aborts.violations[0].detail;
  EXPECT_EQ(aborts.stats.instances, 1u);
  const auto anyway = story("launch-anyway");
  EXPECT_NE(anyway.trace.find("\n0.000000s ctl#0 send RunInstances attempt=0"), std::string::npos) << anyway.trace;
  // The crash after the send loses the token that was never written: the restart launches again.
  EXPECT_EQ(anyway.stats.instances, 2u) << anyway.trace;
  ASSERT_FALSE(anyway.violations.empty());
  EXPECT_EQ(anyway.violations[0].property, "intent-instances");
}

TEST(ControllerDatabase, AStalledWriteDelaysTheLaunch) {
  const auto r = kept(harness::parse_scenario(
                          "name: slow db\nlimit: 10m\n"
                          "clients: [{name: ctl, token: persisted, controller: {persist: before-send, store: {latency: 250ms}}}]\n",
                          "slow-db.yaml"),
                      1);
  EXPECT_NE(r.trace.find("0.000000s ctl#0 db-write intent=0 what=token stall=250ms result=ok"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("0.250000s ctl#0 send RunInstances attempt=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("store-fail=0% store-latency=250ms..250ms on-persist-error=abort"), std::string::npos);
}

// A deadline that passes while the adaptive rate limiter holds a send back ends the call there
// (a process's workers share the limiter, and its waits add up).
TEST(Deadline, ARateLimitersWaitPastTheDeadlineEndsTheCall) {
  const auto r = kept(harness::parse_scenario(
                          "name: adaptive deadline\nlimit: 10m\nservice: {throttle: {bucket: 2, refill: 1/s}}\n"
                          "clients: [{name: op, intents: 30, token: derived, deadline: 1s, retry: {policy: aws-adaptive},\n"
                          "           controller: {queue: {workers: 8, sync_period: none}}}]\n",
                          "adaptive-deadline.yaml"),
                      1);
  EXPECT_NE(r.trace.find("why=deadline"), std::string::npos);
  // Time never goes back.
  double last = 0;
  std::istringstream lines(r.trace);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0])) || line.find("s ") == std::string::npos) continue;
    const double t = std::stod(line.substr(0, line.find("s ")));
    EXPECT_GE(t, last) << line;
    last = std::max(last, t);
  }
}

TEST(WorkQueue, OneRelistPendingAfterACrashBeforeTheFirstObject) {
  const auto r = kept(harness::parse_scenario(
                          "name: two relists\nlimit: 1h\n"
                          "clients: [{name: op, start: 1m, token: derived, controller: {queue: {sync_period: 5m}}}]\n"
                          "faults: [{crash: {target: client, group: op, at: 10s, restart_after: 5s}}]\n",
                          "relists.yaml"),
                      1);
  EXPECT_EQ(count_of(r.trace, " resync\n"), 11u) << r.trace;  // from the restart at 15s, every 5 minutes, once
}

// Completion time is to the intent's first definite end: a volatile caller's restart drives its
// done intents again, which is not time they took.
TEST(Completion, ARedriveAfterARestartIsNotTheIntentsTime) {
  const Scenario s = harness::parse_scenario(
      "name: completion\nlimit: 2h\n"
      "clients: [{name: c, token: derived, controller: {state: volatile}, think: 30s, intents: 3}]\n"
      "faults: [{crash: {target: client, group: c, when: after-send, from: 50s, for: 20s, restart_after: 5m}}]\n",
      "completion.yaml");
  const auto r = kept(s, 1);
  const auto& done = r.distributions.completion;
  ASSERT_FALSE(done.empty());
  // Intents 0 and 1 ended in about 41 ms, intent 2 (whose process died after sending it) 6 minutes
  // after its first call, on the restart's re-drive.
  uint64_t fast = 0, total = 0;
  for (size_t b = 0; b < done.size(); ++b) {
    total += done[b];
    if (harness::Distributions::bucket_ms(b) <= 50) fast += done[b];
  }
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(fast, 2u) << r.trace;
}

TEST(AppLayer, OnDescribeErrorDecidesWhatAFailedReconcileDoes) {
  // The launch's answer is lost (unknown); the reconciling Describe meets a 503 storm that outlasts
  // the SDK's retries.
  auto run = [](const std::string& choice) {
    const Scenario s = harness::parse_scenario(
        "name: describe error\nlimit: 1m\n"
        "clients: [{name: a, token: sdk, timeout: 1s, retry: {policy: none}, app_retries: 3, app_backoff: 2s,\n"
        "           on_unknown: reconcile, on_describe_error: " + choice + "}]\n"
        "faults: [{lose: {what: response, rate: 100%, for: 100ms}}, {storm: {from: 1s, for: 10s}}]\n",
        "describe-error.yaml");
    return kept(s, 1);
  };
  const auto give_up = run("give-up");
  EXPECT_NE(give_up.trace.find("a#0 give-up intent=0 why=describe-failed"), std::string::npos) << give_up.trace;
  EXPECT_EQ(give_up.stats.instances, 1u);  // no second launch
  EXPECT_EQ(give_up.stats.intents_unknown, 1u);
  const auto launch = run("launch");
  EXPECT_EQ(launch.trace.find("give-up"), std::string::npos);
  EXPECT_GE(launch.stats.requests, 3u);  // launch, describe, launch again
  const auto retry = run("retry");
  EXPECT_NE(retry.trace.find("why=describe-failed/retry"), std::string::npos) << retry.trace;
}

// ---- caller crashes and the controller (clients[].controller, faults[].crash target client)

namespace {
harness::BatchResult caller_crashes(const std::string& token, const std::string& controller, const std::string& when,
                                    int64_t runs) {
  const Scenario s = harness::parse_scenario(
      "name: caller crash\nlimit: 30m\n"
      "clients: [{name: ctl, count: 3, intents: 4, think: 2s, token: " + token + ", controller: " + controller + "}]\n"
      "faults: [{crash: {target: client, group: ctl, when: " + when + ", rate: 20%, restart_after: 5s}}]\n",
      "crash.yaml");
  return harness::run_batch(s, 1, runs, 1);
}
}  // namespace

TEST(CallerCrash, VolatileStateWithSdkTokensDuplicatesDerivedTokensDoNot) {
  const auto sdk = caller_crashes("sdk", "{state: volatile}", "after-send", 100);
  EXPECT_GT(sdk.fault_fires.at(0), 0u);
  EXPECT_GT(sdk.failing_runs, 50u);
  EXPECT_TRUE(sdk.violations_by_property.count("intent-instances"));
  const auto derived = caller_crashes("derived", "{state: volatile, persist: before-send}", "after-send", 500);
  EXPECT_GT(derived.fault_fires.at(0), 0u);
  EXPECT_EQ(derived.failing_runs, 0u);
  EXPECT_GT(derived.totals.attempts_controller, 0u);  // it did drive intents again, with the same tokens
}

TEST(CallerCrash, ADurableControllerKeepsATokenOnlyIfItWroteItDownBeforeSending) {
  const auto after = caller_crashes("persisted", "{state: durable, persist: after-response}", "after-send", 100);
  EXPECT_GT(after.failing_runs, 0u);  // the token of the intent in flight was not written yet
  const auto before = caller_crashes("persisted", "{state: durable, persist: before-send}", "after-send", 100);
  EXPECT_EQ(before.failing_runs, 0u);
  // Durable: intents it knew to be done are not driven again.
  const auto durable = caller_crashes("persisted", "{state: durable, persist: before-send}", "after-response", 100);
  const auto lossy = caller_crashes("persisted", "{state: volatile, persist: before-send}", "after-response", 100);
  EXPECT_LT(durable.totals.attempts_controller, lossy.totals.attempts_controller);
}

TEST(CallerCrash, ACrashAfterSendIsTracedAndTheLateAnswerIgnored) {
  const Scenario s = harness::parse_scenario(
      "name: one crash\nlimit: 1m\nclients: [{name: c, token: derived, controller: {state: volatile}}]\n"
      "faults: [{crash: {target: client, group: c, when: after-send, for: 1ms, restart_after: 3s}}]\n",
      "one-crash.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("c#0 crash when=after-send restart-after=3s state=volatile"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("c#0 ignore attempt=0"), std::string::npos) << r.trace;  // the answer reached a dead process
  EXPECT_NE(r.trace.find("c#0 restart from-intent=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("layer=controller"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);  // the derived token made the second drive a repeat
  EXPECT_EQ(r.stats.intents_ok, 1u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(Controller, AResyncDrivesUnknownIntentsAgain) {
  // Every answer in the first 5 s is lost: the SDK gives up with the outcome unknown; the
  // controller's resync drives the intent again: with the same (derived) token it learns the
  // launch; with a fresh SDK token it launches again.
  auto run = [](const std::string& token) {
    const Scenario s = harness::parse_scenario(
        "name: resync\nlimit: 5m\nheal_at: 5s\nconverge: 2m\n"
        "clients: [{name: c, token: " + token + ", timeout: 1s, controller: {resync: 30s}}]\n"
        "faults: [{lose: {what: response, rate: 100%}}]\n",
        "resync.yaml");
    return kept(s, 1);
  };
  const auto derived = run("derived");
  EXPECT_NE(derived.trace.find("c#0 resync"), std::string::npos) << derived.trace;
  EXPECT_EQ(derived.stats.instances, 1u);
  EXPECT_EQ(derived.stats.intents_ok, 1u);
  EXPECT_TRUE(derived.violations.empty());  // and liveness holds: it learned how the intent ended
  const auto sdk = run("sdk");
  EXPECT_EQ(sdk.stats.instances, 2u);
  ASSERT_FALSE(sdk.violations.empty());
  EXPECT_EQ(sdk.violations[0].property, "intent-instances");
  EXPECT_NE(sdk.violations[0].detail.find("(layer controller)"), std::string::npos) << sdk.violations[0].detail;
}

TEST(Batching, AShortBatchFannedOutWholeLeavesIntentsWithoutInstances) {
  auto run = [](const std::string& on_short) {
    const Scenario s = harness::parse_scenario(
        "name: batch\nlimit: 10m\nservice: {capacity: {m5.large: 7}}\n"
        "clients: [{name: fleet, intents: 10, batch: 10, token: sdk, on_short: " + on_short + "}]\n",
        "batch.yaml");
    return kept(s, 1);
  };
  const auto ignore = run("ignore");
  EXPECT_NE(ignore.trace.find("fan-out call=0 instances=7 intents=10 short=3 recorded-done-anyway"), std::string::npos) << ignore.trace;
  EXPECT_NE(ignore.trace.find("min=1 max=1"), std::string::npos);  // the group's own request, in the header
  EXPECT_EQ(ignore.stats.intents_ok, 10u);
  EXPECT_EQ(ignore.stats.instances, 7u);
  ASSERT_EQ(ignore.violations.size(), 3u);  // intents 7, 8 and 9
  for (const auto& v : ignore.violations) EXPECT_EQ(v.property, "intent-exact");
  const auto relaunch = run("relaunch");
  EXPECT_NE(relaunch.trace.find("fan-out call=0 instances=7 intents=10 short=3 relaunch"), std::string::npos) << relaunch.trace;
  EXPECT_EQ(relaunch.stats.intents_ok, 7u);
  EXPECT_EQ(relaunch.stats.intents_unknown, 3u);  // the capacity error (a 500) on the relaunch
  EXPECT_TRUE(relaunch.violations.empty());
}

TEST(Batching, AWholeBatchGivesEachIntentItsShare) {
  const Scenario s = harness::parse_scenario(
      "name: batch\nlimit: 10m\nclients: [{name: fleet, intents: 6, batch: 3, token: persisted, request: {max: 2}}]\n"
      "faults: [{lose: {what: response, rate: 50%}}]\n",
      "batch.yaml");
  const auto r = harness::run_batch(s, 1, 50, 1);
  EXPECT_EQ(r.failing_runs, 0u);  // repeats of a batch call are repeats for all of its intents
  EXPECT_EQ(r.totals.instances, 50u * 12u);
}

// ---- regressions from the reviews of the callers' work

TEST(CallerCrash, ADurableCallerKnowsAnIntentDoneOnceItsAnswerCame) {
  // The crash comes on the TerminateInstances call, after the launch was learned: a durable
  // caller does not launch the intent again.
  const Scenario s = harness::parse_scenario(
      "name: durable\nlimit: 5m\n"
      "clients: [{name: c, token: sdk, terminate_after: 15s, controller: {state: durable}}]\n"
      "faults: [{crash: {target: client, group: c, when: after-send, from: 14s, for: 3s, restart_after: 5s}}]\n",
      "durable.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("c#0 crash when=after-send"), std::string::npos) << r.trace;
  EXPECT_EQ(r.stats.instances, 1u);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].detail;
}

TEST(CallerCrash, AWriteBackTokenCannotBeWrittenDownBeforeTheCallThatMakesIt) {
  auto run = [](const std::string& token) {
    const Scenario s = harness::parse_scenario(
        "name: write-back\nlimit: 5m\n"
        "clients: [{name: c, token: " + token + ", controller: {state: durable, persist: before-send}}]\n"
        "faults: [{crash: {target: client, group: c, when: after-send, for: 1ms, restart_after: 5s}}]\n",
        "wb.yaml");
    return kept(s, 1);
  };
  EXPECT_TRUE(run("persisted").violations.empty());  // the caller made it, and wrote it down first
  const auto wb = run("write-back");
  EXPECT_EQ(wb.stats.instances, 2u);  // the SDK made it inside the call: lost with the process
  ASSERT_FALSE(wb.violations.empty());
}

TEST(AppLayer, AFreshTokenAfterAMismatchDoesNotLeakIntoTheNextIntent) {
  // Intent 0: capacity error, fallback, mismatch, reconcile: the Describe meets a storm and the
  // caller gives up. Intent 1 must still send its own derived token.
  const Scenario s = harness::parse_scenario(
      "name: fresh\nlimit: 10m\nservice: {capacity: {c5.large: 0}}\n"
      "clients: [{name: g, intents: 2, token: derived, request: {type: c5.large}, fallback_type: m5.large,\n"
      "           retry: {policy: none}, app_retries: 3, app_backoff: 2s, on_mismatch: reconcile,\n"
      "           on_describe_error: give-up}]\n"
      "faults: [{storm: {from: 3s, for: 5s}}]\n",
      "fresh.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("give-up intent=0"), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("token=g/0/1"), std::string::npos) << r.trace;
}

TEST(Batching, AnIntentShortOfItsMinCountIsShort) {
  auto run = [](const std::string& on_short) {
    const Scenario s = harness::parse_scenario(
        "name: batch min\nlimit: 10m\nservice: {capacity: {m5.large: 3}}\n"
        "clients: [{name: f, intents: 3, batch: 3, token: sdk, request: {min: 2, max: 2}, on_short: " + on_short + "}]\n",
        "batch-min.yaml");
    return kept(s, 1);
  };
  const auto ignore = run("ignore");  // 3 instances for 3 intents of 2: intent 1 gets 1, intent 2 none
  ASSERT_EQ(ignore.violations.size(), 2u);
  for (const auto& v : ignore.violations) EXPECT_EQ(v.property, "intent-exact");
  EXPECT_TRUE(run("relaunch").violations.empty());
}

TEST(Reapers, ReapingTheInstanceOfAnIntentStillInProgressIsAFalseReap) {
  // Every answer in the first 20 s is lost; the caller keeps retrying with its token; a reaper of
  // unknown instances with no grace terminates the launch before the caller learns of it, and
  // the caller's later retry gets IdempotentInstanceTerminated: no answer ever names it.
  const Scenario s = harness::parse_scenario(
      "name: in progress\nlimit: 2m\n"
      "clients: [{name: c, token: persisted, timeout: 1s, retry: {policy: exponential, attempts: 20, base: 1s, cap: 2s}}]\n"
      "faults: [{lose: {what: response, rate: 100%, for: 20s}}]\nreapers: [{every: 3s, reaps: unknown}]\n",
      "in-progress.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("reaper#0 terminate instance=i-00000000000000001"), std::string::npos) << r.trace;
  bool caught = false;
  for (const auto& v : r.violations)
    caught = caught || (v.property == "no-false-reap" &&
                        v.detail.find("the caller was still working with its token") != std::string::npos);
  EXPECT_TRUE(caught);
}

TEST(Service, AnEmptyRequestQuotaAnswersRequestLimitExceeded) {
  const Scenario s = harness::parse_scenario(
      "name: quota\nlimit: 1m\nservice: {throttle: {bucket: 1, refill: 1/10s}}\n"
      "clients: [{name: a, count: 3, token: sdk, retry: {policy: aws-standard, attempts: 10}}]\n",
      "quota.yaml");
  const auto r = kept(s, 1);
  EXPECT_NE(r.trace.find("throttle attempt="), std::string::npos) << r.trace;
  EXPECT_NE(r.trace.find("code=RequestLimitExceeded"), std::string::npos) << r.trace;
  EXPECT_GE(r.stats.throttled, 2u);
  EXPECT_EQ(r.stats.requests, 3u + r.stats.throttled);  // every throttled request was retried
  EXPECT_EQ(r.stats.instances, 3u);
  EXPECT_TRUE(r.violations.empty());
}

TEST(Service, RoundRobinSpreadsRequestsOverTheFrontends) {
  const Scenario s = harness::parse_scenario(
      "name: rr\nlimit: 1m\nservice: {frontends: 3, balancer: round-robin}\n"
      "clients: [{name: a, count: 6, token: sdk, start: {min: 0s, max: 1s}}]\n",
      "rr.yaml");
  const auto r = kept(s, 1);
  std::string order;
  for (size_t at = r.trace.find(" frontend="); at != std::string::npos; at = r.trace.find(" frontend=", at + 1))
    order += r.trace[at + 10];
  EXPECT_EQ(order, "012012");
}

TEST(Service, OneTokenValueInTwoAccountsIsTwoTokens) {
  auto run = [](const char* a, const char* b) {
    const Scenario s = harness::parse_scenario(
        std::string("name: accounts\nlimit: 1m\nclients:\n"
                    "  - {name: a, account: ") + a + ", token: {value: shared}, request: {type: m5.large}}\n"
            "  - {name: b, account: " + b + ", token: {value: shared}, start: 1s, request: {type: c5.xlarge}}\n",
        "accounts.yaml");
    return kept(s, 1);
  };
  const auto two = run("one", "two");
  EXPECT_EQ(two.stats.intents_ok, 2u);
  EXPECT_EQ(two.stats.instances, 2u);
  EXPECT_NE(two.trace.find("account=two"), std::string::npos) << two.trace;
  EXPECT_TRUE(two.violations.empty());
  // In one account it is one token: the second intent gets IdempotentParameterMismatch, and the
  // oracle names the collision of two intents on one token.
  const auto one = run("one", "one");
  EXPECT_EQ(one.stats.intents_failed, 1u);
  EXPECT_EQ(one.stats.instances, 1u);
  ASSERT_FALSE(one.violations.empty());
  EXPECT_EQ(one.violations[0].property, "token-collision");
}

// Determinism with every fault kind on at once: each seed replays to the same hash, and the
// thread count changes nothing.
TEST(Determinism, EveryFaultKindAtOnceAcross200Seeds) {
  const Scenario s = harness::parse_scenario(
      "name: all faults\nlimit: 10m\nheal_at: 1m\nconverge: 5m\nmax_attempts_per_intent: 40\n"
      "service:\n  frontends: 3\n  store: {write: read-then-write, gap: 3ms, replicas: 2, lag: 200ms, durability: volatile, ttl: 1h}\n"
      "  steps: {validate: 1ms, reserve: 2ms, launch: 100ms, record: 50ms, reply: 1ms}\n"
      "  throttle: {bucket: 10, refill: 5/s}\n"
      "clients:\n"
      "  - {name: a, count: 3, intents: 2, token: persisted, timeout: 1s, app_retries: 3, app_backoff: 1s,\n"
      "     retry: {policy: aws-standard, retry_codes: [IncorrectState]}}\n"
      "  - {name: b, count: 2, intents: 2, token: sdk, timeout: 1s, app_retries: 2, reconcile: true, account: other}\n"
      "faults:\n"
      "  - lose: {what: request, rate: 5%}\n"
      "  - lose: {what: response, rate: 5%}\n"
      "  - spike: {rate: 5%, delay: 2s}\n"
      "  - storm: {rate: 10%, from: 1s, for: 5s}\n"
      "  - storm: {code: InternalError, phase: after, rate: 5%}\n"
      "  - reset: {phase: before, rate: 5%}\n"
      "  - reset: {phase: after, rate: 5%}\n"
      "  - partition: {group: b, direction: responses, from: 2s, for: 3s}\n"
      "  - transient: {rate: 5%}\n"
      "  - duplicate: {rate: 10%, delay: {min: 1ms, max: 100ms}}\n"
      "  - crash: {step: after-launch, rate: 5%, restart_after: 2s}\n"
      "  - crash: {target: frontend, which: 1, step: after-reserve, rate: 5%, restart_after: 1s}\n"
      "  - crash: {target: store, at: 20s, restart_after: 3s}\n"
      "  - crash: {at: 5s, restart_after: 1s}\n"
      "  - skew: {frontend: 2, offset: -30s}\n",
      "all.yaml");
  const auto one = harness::run_batch(s, 1, 200, 1);
  const auto two = harness::run_batch(s, 1, 200, 2);
  const auto a = seeds_of(one), b = seeds_of(two);
  ASSERT_EQ(a.size(), 200u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].hash, b[i].hash) << "seed " << a[i].seed;
    EXPECT_EQ(harness::run_once(s, a[i].seed).trace_hash, a[i].hash) << "seed " << a[i].seed;
  }
  for (size_t f = 0; f < one.fault_fires.size(); ++f) EXPECT_GT(one.fault_fires[f], 0u) << "fault " << f << " never fired";
  EXPECT_TRUE(one.deterministic());
}

// Liveness judges how an intent ended, not its first definite answer: a call that timed out
// after a 400 leaves the intent unknown.
TEST(Liveness, AnIntentEndingUnknownAfterA400StillBreaksIt) {
  // The first call's request is lost (unknown); the application's retry gets a 400 (failed):
  // the intent still does not know whether the first launched.
  const Scenario s = harness::parse_scenario(
      "name: unknown then 400\nlimit: 10m\nheal_at: 10s\nconverge: 1m\n"
      "clients: [{name: a, token: sdk, timeout: 1s, retry: {policy: none}, app_retries: 1, app_backoff: 1s}]\n"
      "faults: [{lose: {what: request, rate: 100%, for: 500ms}}, {transient: {from: 1s, for: 5s}}]\n",
      "unknown-then-400.yaml");
  const auto r = run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u) << (r.violations.empty() ? "" : r.violations[0].detail);
  EXPECT_EQ(r.violations[0].property, "liveness");
  EXPECT_NE(r.violations[0].detail.find("stopped with its outcome unknown (its last call, RunInstances (the application's) ended failed at 2."), std::string::npos)
      << r.violations[0].detail;
}

// A fault-free, bug-free run of the reference model, with any mix of callers the model offers
// (but for time-based tokens shared by processes, which collide by design), breaks nothing.
RC_GTEST_PROP(OracleProps, NothingIsReportedOnAFaultFreeRunOfTheReferenceModel, ()) {
  static const std::vector<std::string> kTokens = {"sdk", "persisted", "derived", "write-back", "per-attempt", "none"};
  static const std::vector<std::string> kRetry = {"{policy: aws-standard}", "{policy: aws-standard-2026}",
                                                  "{policy: aws-adaptive}", "{policy: aws-legacy}",
                                                  "{policy: none}", "{sdk: \"js 3.1165.0\"}"};
  const int groups = *rc::gen::inRange(1, 4);
  std::string text = "name: fault free\nlimit: 1h\nsemantics: " +
                     std::string(*rc::gen::element<std::string>("current", "\"2013\"")) +
                     "\nservice: {frontends: " + std::to_string(*rc::gen::inRange(1, 4)) + "}\nclients:\n";
  for (int g = 0; g < groups; ++g) {
    text += "  - {name: g" + std::to_string(g) + ", count: " + std::to_string(*rc::gen::inRange(1, 5)) +
            ", intents: " + std::to_string(*rc::gen::inRange(1, 4)) + ", token: " + *rc::gen::elementOf(kTokens) +
            ", retry: " + *rc::gen::elementOf(kRetry) + ", start: {min: 0s, max: 5s}, app_retries: " +
            std::to_string(*rc::gen::inRange(0, 3)) + ", request: {max: " + std::to_string(*rc::gen::inRange(1, 4)) + "}}\n";
  }
  const Scenario s = harness::parse_scenario(text, "fault-free.yaml");
  const auto r = run(s, *rc::gen::inRange<uint64_t>(1, 1000000));
  RC_ASSERT(r.violations.empty());
  RC_ASSERT(r.stats.intents_ok == r.stats.intents);
}

TEST(Coverage, EachSituationIsCountedWhereItHappens) {
  using harness::Situation;
  auto cov = [](const std::string& file) { return harness::run_batch(load(file), 1, 20, 1).coverage; };
  EXPECT_GT(cov("rules/rule7-inflight.yaml")[size_t(Situation::repeat_in_flight)], 0u);
  EXPECT_GT(cov("response-loss-persisted.yaml")[size_t(Situation::response_lost_commit)], 0u);
  EXPECT_GT(cov("reconcile-describe-lag.yaml")[size_t(Situation::describe_too_soon)], 0u);
  EXPECT_GT(cov("service/ttl-shorter-than-retries.yaml")[size_t(Situation::repeat_after_forget)], 0u);
  EXPECT_GT(cov("incidents/02-timestamp-collision.yaml")[size_t(Situation::two_intents_one_token)], 0u);
  EXPECT_GT(cov("incidents/05-fallback-same-token.yaml")[size_t(Situation::mismatch_after_fallback)], 0u);
  EXPECT_GT(cov("incidents/08-controller-crash-before-record.yaml")[size_t(Situation::caller_crash)], 0u);
  {
    // A crash at a time: counted when a drive was in progress, not when every intent was done.
    auto crash_at = [](const std::string& at) {
      const Scenario s = harness::parse_scenario(
          "name: deploy\nlimit: 10m\nclients: [{name: c, token: derived, timeout: none, retry: {policy: none}, controller: {}}]\n"
          "faults: [{lose: {what: response, rate: 100%}}, {crash: {target: client, group: c, at: " + at + "}}]\n",
          "deploy.yaml");
      return harness::run_batch(s, 1, 1, 1).coverage[size_t(Situation::caller_crash)];
    };
    EXPECT_EQ(crash_at("1s"), 1u);  // its only call still waits for the lost answer
    const Scenario done = harness::parse_scenario(
        "name: deploy\nlimit: 10m\nclients: [{name: c, token: derived, controller: {}}]\n"
        "faults: [{crash: {target: client, group: c, at: 1m}}]\n",
        "deploy-done.yaml");
    EXPECT_EQ(harness::run_batch(done, 1, 1, 1).coverage[size_t(Situation::caller_crash)], 0u);  // done at 41 ms
  }
  EXPECT_GT(cov("token-after-termination-current.yaml")[size_t(Situation::repeat_after_terminate)], 0u);
  // The knobs' boundaries, each crossed by its scenario and not by its twin on the safe side.
  EXPECT_GT(cov("knobs/adaptive-throttle.yaml")[size_t(Situation::rate_limited)], 0u);
  EXPECT_EQ(cov("knobs/adaptive-throttle-standard.yaml")[size_t(Situation::rate_limited)], 0u);
  EXPECT_GT(cov("knobs/batch-partial-last.yaml")[size_t(Situation::batch_partly_filled)], 0u);
  {  // a last batch of one intent is partly filled too (its call serves one)
    Scenario five = load("knobs/batch-partial-last.yaml");
    five.clients[0].spec.intents = 5;
    five.clients[0].spec.batch = 4;
    EXPECT_GT(harness::run_batch(five, 1, 5, 1).coverage[size_t(Situation::batch_partly_filled)], 0u);
  }
  EXPECT_GT(cov("knobs/skew-ahead-terminated.yaml")[size_t(Situation::clock_ahead)], 0u);
  EXPECT_EQ(cov("knobs/skew-ahead-terminated.yaml")[size_t(Situation::clock_behind)], 0u);
  EXPECT_GT(cov("knobs/skew-ahead-terminated-behind.yaml")[size_t(Situation::clock_behind)], 0u);
  EXPECT_GT(cov("knobs/reaper-grace-between-lags.yaml")[size_t(Situation::reaped_untagged)], 0u);
  EXPECT_EQ(harness::unreachable_because(Situation::reaped_untagged, load("knobs/reaper-grace-between-lags-at-sum.yaml")),
            "no reaper with reaps: untagged and a grace shorter than describe_lag + tag_lag (with a tag_lag above 0)");
  const auto base = cov("baseline.yaml");
  for (size_t k = 0; k < harness::kSituations; ++k)
    EXPECT_EQ(base[k], 0u) << harness::situation_name(static_cast<Situation>(k));
  // And why a scenario cannot reach some of them.
  const Scenario s = load("baseline.yaml");
  EXPECT_EQ(harness::unreachable_because(Situation::caller_crash, s), "no fault crashes a caller");
  EXPECT_EQ(harness::unreachable_because(Situation::two_intents_one_token, s),
            "every token is a fresh UUID or the intent's own id (no `{value}` or `timestamp` token)");
  EXPECT_EQ(harness::unreachable_because(Situation::two_intents_one_token, load("incidents/02-timestamp-collision.yaml")), "");
  EXPECT_EQ(harness::unreachable_because(Situation::repeat_launch_record, s),
            "service.steps.record is 0: no gap between launch and record");
  Scenario ttl = s;
  ttl.service.store.ttl = sim::hours(100);
  EXPECT_EQ(harness::unreachable_because(Situation::repeat_after_forget, ttl), "service.store.ttl is longer than the limit");
}

// Two stories `idemsim check` found where the oracle judged a request that left no trace in the
// token store as the token's first: one answered 503 while the store was down, one taken in by a
// frontend that crashed before it launched (its record released by recovery). The same token
// with another instance type later is then a first request, and launches: no rule is broken.
TEST(Oracle, ARequestThatLeftNoRecordIsNotTheTokensFirst) {
  for (const char* fault : {"crash: {target: store, at: 0s, restart_after: 2s}",
                            "crash: {target: frontend, step: after-reserve, restart_after: 2s, from: 0s, for: 1s}"}) {
    const Scenario s = harness::parse_scenario(
        std::string("name: no trace\nlimit: 1m\nclients:\n"
                    "  - {name: first, intent: launch, token: {value: \"drift-0001\"}, request: {type: m5.large}}\n"
                    "  - {name: drifted, intent: launch, token: {value: \"drift-0001\"}, request: {type: c5.large}, start: 10s}\n"
                    "faults:\n  - ") + fault + "\n",
        "notrace.yaml");
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      const auto r = run(s, seed);
      ASSERT_EQ(r.stats.instances, 1u) << fault << " seed " << seed;  // the drifted request launched
      for (const auto& v : r.violations) EXPECT_NE(v.property, "answers") << fault << ": " << v.detail;
    }
  }
}

// ---- idemsim check: the search, its shrinking and its explanation

TEST(Check, FindsBrokenDesignsAndNotTheirTwins) {
  harness::CheckOptions opt;
  for (const char* buggy : {"rules/rule7-inflight+record-after-launch.yaml", "service/volatile-store-crash.yaml",
                            "service/read-then-write-duplicate-delivery.yaml", "incidents/07-token-per-attempt.yaml",
                            "incidents/08-controller-crash-before-record.yaml"}) {
    const auto r = harness::check_scenario(load(buggy), opt);
    ASSERT_TRUE(r.found) << buggy;
    EXPECT_LE(r.counterexample.faults.faults.size(), 3u) << buggy;
    // Every fault left is needed, and the written scenario fails again when loaded back.
    for (const auto& c : r.causes)
      if (c.what.rfind("the fault ", 0) == 0) {
        EXPECT_TRUE(c.needed) << buggy << ": " << c.what;
      }
    const auto back = harness::parse_scenario(harness::write_scenario(r.counterexample), "counterexample.yaml");
    const auto again = run(back, back.seed);
    ASSERT_FALSE(again.violations.empty()) << buggy;
    EXPECT_EQ(again.findings.front().property, r.counter_run.findings[r.finding].property) << buggy;
  }
  for (const char* twin : {"rules/rule7-inflight.yaml", "service/durable-store-crash.yaml",
                           "service/conditional-duplicate-delivery.yaml", "incidents/07-token-per-attempt-fixed.yaml",
                           "incidents/08-controller-crash-before-record-fixed.yaml"})
    EXPECT_FALSE(harness::check_scenario(load(twin), opt).found) << twin;
}

// The envelope is what the search draws from: a scenario any duplicate delivery breaks (no token),
// searched with only duplicates, rates 40% to 60% and starts 2 s to 3 s, fails with faults inside
// those bounds and nothing else.
TEST(Check, DrawsInsideTheEnvelope) {
  Scenario s = load("incidents/01-no-token.yaml");
  s.explore.given = true;
  s.explore.kinds = {harness::ExploreKind::duplicate};
  s.explore.max_faults = 3;
  s.explore.from = sim::seconds(2);
  s.explore.until = sim::seconds(3);
  s.explore.min_for = sim::seconds(5);
  s.explore.max_for = sim::seconds(9);
  s.explore.min_rate = 40;
  s.explore.max_rate = 60;
  for (uint64_t seed : {1, 2, 3}) {
    harness::CheckOptions opt;
    opt.seed = seed;
    const auto r = harness::check_scenario(s, opt);
    ASSERT_TRUE(r.found) << seed;
    ASSERT_FALSE(r.counterexample.faults.faults.empty()) << seed;
    for (const auto& f : r.counterexample.faults.faults) {
      const auto* d = std::get_if<faults::Duplicate>(&f);
      ASSERT_NE(d, nullptr) << faults::describe(f, {}, {});
      EXPECT_GE(d->rate.num * 100, 40 * d->rate.den);
      EXPECT_LE(d->rate.num * 100, 60 * d->rate.den);
      EXPECT_GE(d->window.from, sim::Time(0) + sim::seconds(2));
      EXPECT_LE(d->window.from, sim::Time(0) + sim::seconds(3));
      ASSERT_TRUE(d->window.length.has_value());
      EXPECT_GE(*d->window.length, sim::seconds(5));
      EXPECT_LE(*d->window.length, sim::seconds(9));
    }
    EXPECT_FALSE(r.counterexample.explore.given) << "a counterexample is one concrete scenario";
  }
}

// Caller settings and token values the envelope lets vary: check names the drawn one the failure
// needs, and the written counterexample carries it (and fails again when run).
TEST(Check, NamesTheDrawnCallerSettingAFailureNeeds) {
  const auto r = harness::check_scenario(load("detect/token-behaviours-broken.yaml"), {});
  ASSERT_TRUE(r.found);
  const auto& cx = r.counterexample.clients.front().spec;
  EXPECT_TRUE(cx.token == model::TokenMode::per_attempt || cx.token == model::TokenMode::timestamp)
      << model::token_mode_name(cx.token);
  bool named = false;
  for (const auto& c : r.causes)
    named = named || (c.needed && c.what.find("with token: " + std::string(model::token_mode_name(cx.token))) != std::string::npos);
  EXPECT_TRUE(named);
  const auto back = harness::parse_scenario(harness::write_scenario(r.counterexample), "cx.yaml");
  EXPECT_EQ(back.clients.front().spec.token, cx.token);
  EXPECT_FALSE(run(back, back.seed).violations.empty());
  EXPECT_FALSE(harness::check_scenario(load("detect/token-behaviours.yaml"), {}).found);

  const auto t = harness::check_scenario(load("detect/token-values+case-insensitive-token.yaml"), {});
  ASSERT_TRUE(t.found);
  const std::string a = t.counterexample.clients[0].spec.token_value, b = t.counterexample.clients[1].spec.token_value;
  EXPECT_NE(a, b);
  std::string la = a, lb = b;
  for (char& ch : la) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (char& ch : lb) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(la, lb) << "the values differ only in case: " << a << " " << b;
}

// The same search from RapidCheck's reproduce string: the same counterexample, without searching.
TEST(Check, TheReproduceStringReplaysTheFailure) {
  const Scenario s = load("service/volatile-store-crash.yaml");
  harness::CheckOptions opt;
  opt.seed = 11;
  const auto a = harness::check_scenario(s, opt);
  ASSERT_TRUE(a.found);
  ASSERT_FALSE(a.reproduce.empty());
  opt.reproduce = a.reproduce;
  const auto b = harness::check_scenario(s, opt);
  ASSERT_TRUE(b.found);
  EXPECT_EQ(harness::write_scenario(a.counterexample), harness::write_scenario(b.counterexample));
  EXPECT_LE(b.tried, 1);
  opt.reproduce = "00";
  EXPECT_THROW(harness::check_scenario(s, opt), harness::BadReproduce);
}

// A group the failure does without is left out of the story (a caller's crash keeps its group):
// from the fleet, with a planted bug, the counterexample keeps one or two groups, and fails again.
TEST(Check, LeavesOutTheGroupsAFailureDoesWithout) {
  for (const model::Bug bug : {model::Bug::record_after_launch, model::Bug::case_insensitive_token,
                               model::Bug::new_token_on_mismatch}) {
    Scenario s = load("detect/fleet.yaml");
    model::BugSet bugs;
    bugs.add(bug);
    s.set_bugs(bugs);
    harness::CheckOptions opt;
    opt.runs = 300;
    const auto r = harness::check_scenario(s, opt);
    ASSERT_TRUE(r.found) << model::bug_info(bug).name;
    EXPECT_LT(r.counterexample.clients.size(), s.clients.size()) << model::bug_info(bug).name;
    EXPECT_EQ(r.counterexample.at_group.size(), r.counterexample.clients.size());
    const auto back = harness::parse_scenario(harness::write_scenario(r.counterexample), "cx.yaml");
    const auto again = run(back, back.seed);
    ASSERT_FALSE(again.violations.empty()) << model::bug_info(bug).name;
  }
  // Without a planted bug the fleet holds.
  EXPECT_FALSE(harness::check_scenario(load("detect/fleet.yaml"), {}).found);
}

TEST(Check, TheSameSeedFindsTheSameCounterexample) {
  harness::CheckOptions opt;
  opt.seed = 42;
  const Scenario s = load("service/volatile-store-crash.yaml");
  const auto a = harness::check_scenario(s, opt), b = harness::check_scenario(s, opt);
  ASSERT_TRUE(a.found);
  EXPECT_EQ(harness::write_scenario(a.counterexample), harness::write_scenario(b.counterexample));
  EXPECT_EQ(a.tried, b.tried);
}

// The timeline the HTML report draws: the shortest failing run, its attempts from their clients
// to the frontend that took them in, its launches with those that broke a rule marked, its faults'
// windows and the service's crashes; the same whatever the threads.
TEST(Timeline, TheShortestFailingRunDrawnWithItsViolatingLaunches) {
  const Scenario s = load("service/crash-between-launch-and-record-no-recovery.yaml");
  const auto b = harness::run_batch(s, 1, 40, 2);
  ASSERT_GT(b.failing_runs, 0u);
  const auto drawing = drawn(b);
  ASSERT_TRUE(drawing.has_value());
  const reports::Timeline& t = *drawing;
  // The shortest: no failing run has fewer events, and of those with as few, none a lower seed.
  for (const auto& r : seeds_of(b))
    if (r.violations > 0) {
      EXPECT_TRUE(r.events > t.events || (r.events == t.events && r.seed >= t.seed)) << r.seed;
    }
  const auto again = run(s, t.seed);
  EXPECT_EQ(again.stats.events, t.events);
  EXPECT_EQ(t.violations.size(), again.violations.size());
  // Lanes: every client, then the Region's two frontends.
  ASSERT_EQ(t.lanes.size(), 12u);
  EXPECT_EQ(t.lanes[10].name, "us-east-1 frontend 0");
  EXPECT_EQ(t.lanes[11].kind, "frontend");
  // Every launch the service made, each on a frontend's lane; the bad ones are the launches the
  // violations name, each marked with the violations that name it (an intent's launch too many
  // is told from its caller's side: the one no answer named, when an answer named another).
  size_t marked = 0;
  for (const auto& l : t.launches) {
    EXPECT_GE(l.lane, 10);
    EXPECT_EQ(l.bad, !l.bad_in.empty()) << l.what;
    for (uint32_t k : l.bad_in) {
      ASSERT_LT(k, again.violations.size());
      const auto& v = again.violations[k];
      const bool named = std::find(v.bad_launches.begin(), v.bad_launches.end(), l.attempt) != v.bad_launches.end();
      EXPECT_TRUE(named || (v.reason == model::Reason::intent_launches && l.leaked)) << l.what << " " << v.property;
    }
    marked += l.bad ? 1 : 0;
  }
  EXPECT_GT(marked, 0u);
  for (uint32_t k = 0; k < again.violations.size(); ++k) {
    const auto& v = again.violations[k];
    if (v.reason == model::Reason::intent_launches) continue;
    for (uint32_t a : v.bad_launches)
      for (const auto& l : t.launches)
        if (l.attempt == a) {
          EXPECT_NE(std::find(l.bad_in.begin(), l.bad_in.end(), k), l.bad_in.end()) << l.what;
        }
  }
  // A bad launch's attempt is in a story, and went to the lane the launch is on.
  for (const auto& l : t.launches) {
    if (!l.bad) continue;
    const auto a = std::find_if(t.attempts.begin(), t.attempts.end(), [&](const auto& x) { return x.id == l.attempt; });
    ASSERT_NE(a, t.attempts.end());
    EXPECT_GT(a->story, 0);
    EXPECT_EQ(a->to, l.lane);
    EXPECT_LE(a->reached_us, l.at_us);
    EXPECT_GE(a->reached_us, 0);
  }
  // The crash fault's window, and the frontend's crash and return as marks.
  ASSERT_EQ(t.faults.size(), 1u);
  EXPECT_EQ(t.faults[0].from_us, 0);
  bool crashed = false;
  for (const auto& m : t.marks) crashed = crashed || m.what.find("crashed") != std::string::npos;
  EXPECT_TRUE(crashed);
  // One thread or two: the same timeline.
  const auto one = drawn(harness::run_batch(s, 1, 40, 1));
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->seed, t.seed);
  EXPECT_EQ(one->attempts.size(), t.attempts.size());
  // Every run passing: no timeline.
  EXPECT_FALSE(drawn(harness::run_batch(load("baseline.yaml"), 1, 3, 2)).has_value());
}

// A close-up tells its violation whole: the TerminateInstances that ended a token's life is in the
// story of an answer judged by it, an answer's launch is in the story of the answer, and a copy
// the network made of a story's request is in it too.
TEST(Timeline, AStoryHoldsWhatItsAnswersRestOn) {
  const Scenario s = load("service/skew-frontend-clock-behind.yaml");
  const auto b = harness::run_batch(s, 1, 10, 2);
  const auto tl = drawn(b);
  ASSERT_TRUE(tl.has_value());
  bool terminate_in_story = false;
  for (const auto& a : tl->attempts)
    terminate_in_story = terminate_in_story || (a.story == 2 && a.what.rfind("TerminateInstances", 0) == 0);
  EXPECT_TRUE(terminate_in_story);
  for (const auto& l : tl->launches) {
    if (!l.bad) continue;
    const auto a = std::find_if(tl->attempts.begin(), tl->attempts.end(), [&](const auto& x) { return x.id == l.attempt; });
    ASSERT_NE(a, tl->attempts.end());
    EXPECT_GT(a->story, 0);
  }
  const Scenario d = load("duplicate-delivery-no-token.yaml");
  const auto dd = drawn(harness::run_batch(d, 1, 20, 2));
  ASSERT_TRUE(dd.has_value());
  size_t copies = 0;
  for (const auto& a : dd->attempts)
    if (a.what.find("a second delivery of attempt") != std::string::npos && a.story) ++copies;
  EXPECT_GT(copies, 0u);
}

// An intent's launch too many, as its caller lived it (incident 8, seed 58): the controller
// crashed after sending, its launch went on with no one to hear of it (leaked), and after its
// restart it launched again with a new token and was told of that one. The violating launch is
// the orphan, not the launch the caller got its 200 for, and nothing terminated it. The crash
// fault is drawn as the instant it struck.
TEST(Timeline, AnIntentsLaunchTooManyIsTheOneNoAnswerNamed) {
  const Scenario s = load("incidents/08-controller-crash-before-record.yaml");
  const auto t = drawn(harness::run_batch(s, 58, 1, 1));
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->violations.size(), 1u);
  EXPECT_EQ(t->violations[0].rfind("intent-instances", 0), 0u);
  EXPECT_EQ(t->focus, 0u);
  const auto again = run(s, 58);
  ASSERT_EQ(again.violations[0].bad_launches.size(), 1u);
  const uint32_t oracle_pick = again.violations[0].bad_launches[0];
  size_t bad = 0, leaked = 0;
  uint32_t told_attempt = UINT32_MAX;  // the launch the controller was told of: the intent's other one
  for (const auto& l : t->launches) {
    leaked += l.leaked ? 1 : 0;
    if (!l.bad) {
      told_attempt = l.attempt;
      continue;
    }
    ++bad;
    EXPECT_TRUE(l.leaked) << l.what;
    EXPECT_EQ(l.attempt, oracle_pick) << "the drawing marks what the oracle found";
    EXPECT_EQ(l.bad_in, std::vector<uint32_t>{0});
    EXPECT_EQ(l.terminated_us, -1);
    EXPECT_EQ(l.terminated_lane, -1);
  }
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(leaked, again.stats.leaked);
  // The launch the controller was told of is drawn, and not violating.
  const auto told = std::find_if(t->launches.begin(), t->launches.end(), [&](const auto& l) { return l.attempt == told_attempt; });
  ASSERT_NE(told, t->launches.end());
  EXPECT_FALSE(told->bad);
  EXPECT_FALSE(told->leaked);
  ASSERT_EQ(t->faults.size(), 1u);
  EXPECT_TRUE(t->faults[0].instant);
  ASSERT_EQ(t->faults[0].at_us.size(), 1u);
  const auto crash = std::find_if(t->marks.begin(), t->marks.end(), [](const auto& m) { return m.what.rfind("process crashed", 0) == 0; });
  ASSERT_NE(crash, t->marks.end());
  EXPECT_EQ(t->faults[0].at_us[0], crash->at_us);
}

// A reaper that terminates a launch its caller still owns: the close-up is the no-false-reap
// story the scenario expects (not the first violation's), the leaked launch ends at the reaper's
// termination, and that termination is in the story.
TEST(Timeline, ALeakedLaunchEndsAtTheTerminationThatEndedIt) {
  const Scenario s = load("observed/reaper-while-caller-down-kept-token.yaml");
  const auto t = drawn(harness::run_batch(s, 1, 1, 1));
  ASSERT_TRUE(t.has_value());
  // The only violation (the caller is told its launch was terminated, so its failed intent is no
  // "failed but launched").
  ASSERT_EQ(t->violations.size(), 1u);
  EXPECT_EQ(t->violations[0].rfind("no-false-reap", 0), 0u);
  EXPECT_EQ(t->focus, 0u);
  ASSERT_EQ(t->launches.size(), 1u);
  const auto& l = t->launches[0];
  EXPECT_TRUE(l.leaked);
  EXPECT_EQ(l.terminated_us, 10000000);
  ASSERT_GE(l.terminated_lane, 0);
  EXPECT_EQ(t->lanes[static_cast<size_t>(l.terminated_lane)].kind, "reaper");
  EXPECT_EQ(l.terminated_by, "reaper 0");
  const auto reap = std::find_if(t->marks.begin(), t->marks.end(), [](const auto& m) { return m.what.rfind("terminated", 0) == 0; });
  ASSERT_NE(reap, t->marks.end());
  EXPECT_EQ(reap->story, 2);
  EXPECT_EQ(reap->lane, l.terminated_lane);
}

// The three false verdicts a review found in the checker (it judged the model's bookkeeping, not
// what was observed), as scenarios: at 500 seeds each breaks exactly the properties listed, and
// no other. A joiner of a released launch is not the token's first request; a repeat is judged
// when the service decides it, not when it arrives (and a service that decides by the arrival is
// caught); a reaper's cleanup of a crashed caller's leak is not a false reap.
TEST(ObservedVerdicts, EachBreaksExactlyWhatItShould) {
  const std::vector<std::pair<std::string, std::set<std::string>>> cases = {
      {"observed/joiner-of-released-launch.yaml", {}},
      {"observed/mismatch-against-released-record.yaml", {}},
      {"observed/transient-before-an-invalid-token.yaml", {}},
      {"observed/reaper-cleanup-after-caller-crash.yaml", {"intent-instances"}},
      {"observed/reaper-while-caller-down.yaml", {"intent-instances"}},
      {"observed/reaper-during-backoff-new-token.yaml", {"intent-instances"}},
      {"observed/reaper-while-caller-down-kept-token.yaml", {"no-false-reap"}},
      {"rules/rule5-current-decided-at-admission.yaml", {}},
      {"rules/rule5-current-decided-at-admission+decide-at-arrival.yaml", {"answers"}},
      // The new launch past the retention is allowed (no answers, no token-instances); the
      // intent's second launch is the caller's reuse of an expired token.
      {"rules/rule5-2013-retention-decided-at-admission.yaml", {"intent-instances"}},
  };
  for (const auto& [file, expected] : cases) {
    const auto b = harness::run_batch(load(file), 1, 500, 2);
    std::set<std::string> got;
    for (const auto& [p, n] : b.violations_by_property) got.insert(p);
    EXPECT_EQ(got, expected) << file;
    if (!expected.empty()) {
      EXPECT_EQ(b.failing_runs, 500u) << file;
    }
  }
  // The stories happen as told: the joiner joins, the launch is released, the mismatch meets it.
  const auto r = reports::replay(load("observed/joiner-of-released-launch.yaml"), 1);
  size_t joined = 0, released = 0;
  for (const model::Record& x : r.log->records()) {
    joined += x.kind == model::Obs::admitted && (x.flags & 3) == uint16_t(model::Admit::joined);
    released += x.kind == model::Obs::abandoned && (x.flags & model::kHadRecord) && !(x.flags & (model::kBound | model::kLaunched));
  }
  EXPECT_EQ(joined, 1u);
  EXPECT_EQ(released, 1u);
  const auto m = reports::replay(load("observed/mismatch-against-released-record.yaml"), 1);
  EXPECT_NE(m.trace.find("answer code=IdempotentParameterMismatch"), std::string::npos) << m.trace;
  EXPECT_NE(m.trace.find("released"), std::string::npos) << m.trace;
}
