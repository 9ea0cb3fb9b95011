// Many seeds of one scenario. Each seed is an independent run; with jobs > 1 they run on a
// Boost.Asio thread pool, and the results come back in seed order whatever finished first.
#pragma once

#include <cstdint>
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

BatchResult run_batch(const Scenario& s, uint64_t first_seed, int64_t runs, int jobs);

}  // namespace idem::harness
