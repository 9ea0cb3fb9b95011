// `idemsim check`: a search for the story that breaks a property. RapidCheck draws fault plans
// (and the run's seed) for a scenario's callers and service, runs each through the simulator,
// and on a failure shrinks the plan (fewer faults, shorter windows, smaller rates, coarse times)
// to the smallest one that still fails. Driven from code (rc::detail::checkProperty with explicit
// parameters: it never reads RC_PARAMS and prints nothing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/world.h"

namespace idem::harness {

struct CheckOptions {
  uint64_t seed = 1;  // RapidCheck's seed: the same seed, the same search and counterexample
  int runs = 100;     // candidates to try before declaring none found
  int max_faults = 5;
};

struct CheckResult {
  bool found = false;
  int tried = 0;                   // candidates run before the first failure (or in all)
  int shrinks = 0;                 // failing candidates met while shrinking
  std::string rapidcheck;          // RapidCheck's account of the result
  Scenario counterexample;         // found: the shrunk scenario (faults, seed, runs 1)
  model::Violation violation;      // its first violation
  std::vector<bool> necessary;     // per fault of the counterexample: without it, no violation
  uint64_t distinct_mixes = 0;     // distinct sets of fault kinds tried
  Coverage coverage{};             // over every candidate run
};

// The scenario's own faults are replaced by the drawn ones ("callers and service as written").
CheckResult check_scenario(const Scenario& s, const CheckOptions& opt);

}  // namespace idem::harness
