// Many seeds of one scenario. Each seed is an independent run; with jobs > 1 they run on a
// Boost.Asio thread pool, and the results come back in seed order whatever finished first.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/world.h"

namespace idem::harness {

struct BatchResult {
  const Scenario* scenario = nullptr;
  uint64_t first_seed = 0;
  std::vector<RunResult> runs;  // in seed order; traces not kept
  RunStats totals;
  uint64_t failing_runs = 0;
  uint64_t violations = 0;
  // The first seed is run a second time; a different trace hash means the simulator itself is
  // not deterministic (a bug of idemsim, not of the system under test).
  uint64_t rerun_hash = 0;
  bool deterministic() const { return runs.empty() || runs.front().trace_hash == rerun_hash; }
  // The scenario met its expectation: every run passed (expect: pass), or at least one run
  // was caught failing (expect: fail).
  bool met() const { return scenario->expect_fail ? failing_runs > 0 : failing_runs == 0; }
};

// A run stopped by a broken invariant of idemsim itself: the seed that reproduces it, and why.
class RunFailure : public std::runtime_error {
 public:
  RunFailure(uint64_t seed, const std::string& what) : std::runtime_error(what), seed_(seed) {}
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
};

// REQUIRES: first_seed + runs - 1 does not pass 2^64-1 (the caller checks; seeds never wrap).
// Throws RunFailure for a run that broke an invariant of idemsim.
BatchResult run_batch(const Scenario& s, uint64_t first_seed, int64_t runs, int jobs);

}  // namespace idem::harness
