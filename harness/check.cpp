#include "harness/check.h"

#include <rapidcheck.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <sstream>

#include "sim/invariant.h"

namespace idem::harness {

namespace {

// One drawn fault, in coarse units that shrink in few steps: its kind (the index shrinks toward
// the simplest, a lost request), a rate in percent, a start and a length in whole seconds.
struct Drawn {
  int kind = 0;
  int percent = 1;
  int from_s = 0;
  int for_s = 1;
};

constexpr int kKinds = 11;  // see fault_of

faults::Fault fault_of(const Drawn& d, const Scenario& s) {
  faults::Window w{sim::Time(0) + sim::seconds(d.from_s), sim::seconds(std::max(1, d.for_s))};
  const sim::Ratio rate{static_cast<uint64_t>(std::clamp(d.percent, 1, 100)), 100};
  switch (d.kind) {
    case 0: return faults::Lose{faults::Lose::request, rate, w, std::nullopt};
    case 1: return faults::Lose{faults::Lose::response, rate, w, std::nullopt};
    case 2: return faults::Spike{rate, sim::Latency::fixed(sim::seconds(5)), w, std::nullopt};
    case 3: return faults::Storm{faults::Storm::before, model::Code::Unavailable, rate, w, std::nullopt};
    case 4: return faults::Storm{faults::Storm::after, model::Code::InternalError, rate, w, std::nullopt};
    case 5: return faults::Reset{faults::Reset::after, rate, w, std::nullopt};
    case 6: return faults::Duplicate{rate, sim::Latency::fixed(sim::millis(2)), w, std::nullopt};
    case 7: return faults::Reset{faults::Reset::before, rate, w, std::nullopt};
    case 8: {
      faults::Crash c;
      c.target = faults::Crash::frontend;
      c.step = faults::Crash::after_launch;
      c.rate = rate;
      c.restart_after = sim::seconds(2);
      c.window = w;
      return c;
    }
    case 9: {
      faults::Crash c;
      c.target = faults::Crash::store;
      c.at = w.from;
      c.restart_after = sim::seconds(2);
      c.window = faults::Window{};
      return c;
    }
    default: {  // a caller's process dies after sending: the first group with a controller
      // (a group without one does not say how its process keeps state); else no fault at all
      uint32_t g = 0;
      while (g < s.clients.size() && !s.clients[g].spec.controller) ++g;
      if (g == s.clients.size()) return faults::Lose{faults::Lose::request, sim::Ratio{0, 1}, w, std::nullopt};
      faults::Crash c;
      c.target = faults::Crash::client;
      c.group = g;
      c.when = model::CallerCrashPoint::after_send;
      c.rate = rate;
      c.restart_after = sim::seconds(5);
      c.window = w;
      return c;
    }
  }
}

// Counts what RapidCheck does, and prints nothing (the defaults would read RapidCheck's global
// configuration, which prints it).
struct Listener : rc::detail::TestListener {
  int shrinks = 0;
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override { shrinks += accepted ? 1 : 0; }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

Scenario with_faults(const Scenario& base, const std::vector<Drawn>& drawn) {
  Scenario s = base;
  s.faults.faults.clear();
  s.at_fault.clear();
  for (const Drawn& d : drawn) s.faults.faults.push_back(fault_of(d, base));
  return s;
}

}  // namespace

CheckResult check_scenario(const Scenario& base, const CheckOptions& opt) {
  CheckResult out;
  const int limit_s = static_cast<int>(std::max<int64_t>(1, base.limit.us / 1000000));
  // A fault starts in the first half minute (where most scenarios' callers are busy) and lasts up
  // to ten minutes, or the run.
  const int start_s = std::min(limit_s, 30);
  const int window_s = std::min(limit_s, 600);
  std::optional<std::pair<std::vector<Drawn>, uint64_t>> last_failure;
  std::set<uint32_t> mixes;
  int calls = 0;
  const auto property = [&] {
    // inRange narrows with RapidCheck's size; at full size every value can be drawn, and
    // shrinking still walks toward the small ones.
    const int n = *rc::gen::resize(100, rc::gen::inRange(0, opt.max_faults + 1));
    const auto drawn = *rc::gen::container<std::vector<Drawn>>(
        static_cast<size_t>(n),
        rc::gen::resize(100, rc::gen::build<Drawn>(rc::gen::set(&Drawn::kind, rc::gen::inRange(0, kKinds)),
                                                   rc::gen::set(&Drawn::percent, rc::gen::inRange(1, 101)),
                                                   rc::gen::set(&Drawn::from_s, rc::gen::inRange(0, start_s)),
                                                   rc::gen::set(&Drawn::for_s, rc::gen::inRange(1, window_s + 1)))));
    const uint64_t seed = *rc::gen::noShrink(rc::gen::inRange<uint64_t>(1, 1u << 31));
    uint32_t mix = 0;
    for (const Drawn& d : drawn) mix |= 1u << d.kind;
    mixes.insert(mix);
    ++calls;
    const Scenario s = with_faults(base, drawn);
    const RunResult r = run_once(s, seed);
    for (size_t k = 0; k < kSituations; ++k) out.coverage[k] += r.coverage[k];
    if (!r.violations.empty()) {
      last_failure = std::make_pair(drawn, seed);
      RC_FAIL(r.violations.front().property + ": " + r.violations.front().detail);
    }
  };
  rc::detail::TestParams params;
  params.seed = opt.seed;
  params.maxSuccess = opt.runs;
  params.maxSize = 100;
  params.maxDiscardRatio = 10;
  Listener listener;
  const rc::detail::TestResult result = rc::detail::checkTestable(property, rc::detail::TestMetadata{}, params, listener,
                                                                   std::unordered_map<std::string, rc::detail::Reproduce>{});
  std::ostringstream told;
  rc::detail::printResultMessage(result, told);
  out.rapidcheck = told.str();
  out.distinct_mixes = mixes.size();
  rc::detail::FailureResult failure;
  if (!result.match(failure) || !last_failure) {
    out.tried = calls;
    return out;
  }
  out.found = true;
  out.tried = failure.numSuccess + 1;
  out.shrinks = listener.shrinks;
  auto [drawn, seed] = *last_failure;
  // RapidCheck shrinks each fault and the count; a last pass drops every fault the failure does
  // without (one at a time, from the last), so each fault left is needed by the others.
  for (size_t i = drawn.size(); i-- > 0;) {
    std::vector<Drawn> without = drawn;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    if (!run_once(with_faults(base, without), seed).violations.empty()) drawn = std::move(without);
  }
  out.counterexample = with_faults(base, drawn);
  out.counterexample.seed = seed;
  out.counterexample.runs = 1;
  // The file states the promise the failure breaks: `run` of it fails (exit 1).
  out.counterexample.expect_fail = false;
  out.counterexample.expect_property.clear();
  const RunResult r = run_once(out.counterexample, seed);
  IDEM_CHECK(!r.violations.empty(), "the shrunk counterexample fails again");
  out.violation = r.violations.front();
  // Explain: which faults the failure needs (without it, no violation at the same seed).
  for (size_t i = 0; i < drawn.size(); ++i) {
    std::vector<Drawn> without = drawn;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(i));
    out.necessary.push_back(run_once(with_faults(base, without), seed).violations.empty());
  }
  return out;
}

}  // namespace idem::harness
