// `idemsim check`: a search for the story that breaks a property. RapidCheck draws concrete
// scenarios inside the scenario's `explore:` envelope (faults, and the callers' settings it lets
// vary) and the run's seed, runs each through the simulator, and on a failure shrinks it (fewer
// faults and clients, shorter windows, smaller rates, coarse times) to the smallest one that still
// fails. Driven from code (rc::detail::checkTestable with explicit parameters: it never reads
// RC_PARAMS and prints nothing).
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
  // Wall-clock seconds after which no new candidate is drawn (0: none). It only cuts the search
  // short: it never reaches a simulated run, and shrinking a failure found is not cut.
  double budget_s = 0;
  // RapidCheck's reproduce string of an earlier failure (CheckResult::reproduce): replays that
  // case and its shrinking instead of searching.
  std::string reproduce;
};

// One thing of the counterexample the failure may need: a fault, a caller setting the search
// drew, or a planted bug; `needed` when the counterexample passes without it (at the same seed).
struct Cause {
  std::string what;
  bool needed = false;
};

struct CheckResult {
  bool found = false;
  bool budget_spent = false;       // the search stopped at the budget, before `runs`
  int tried = 0;                   // candidates run before the first failure (or in all)
  int shrinks = 0;                 // failing candidates met while shrinking
  double search_s = 0, shrink_s = 0;  // wall time to the first failure, and shrinking it
  std::string rapidcheck;          // RapidCheck's account of the result
  std::string reproduce;           // found: RapidCheck's reproduce string (for CheckOptions::reproduce)
  Scenario counterexample;         // found: the shrunk scenario (faults, callers, seed, runs 1)
  // The counterexample's run, with its log (reports/ words it), and its first finding of the
  // property it was shrunk on (an index into the run's findings).
  RunResult counter_run;
  size_t finding = 0;
  std::vector<std::string> also;   // the other properties its run breaks
  uint64_t counter_events = 0;     // events of the counterexample's run
  std::vector<Cause> causes;       // found: each fault, drawn caller setting and bug, needed or not
  uint64_t distinct_mixes = 0;     // distinct sets of fault kinds tried
  uint64_t simulated_us = 0;       // simulated time over every candidate run
  uint64_t events = 0;             // events over every candidate run
  uint64_t runs_faults_acted = 0;  // candidate runs in which a drawn fault met a request or a launch
                                   // (a store crash fires whoever calls: not counted)
  Coverage coverage{};             // over every candidate run
};

struct BadReproduce {
  std::string message;
};

// The scenario's own faults are set aside: the drawn ones replace them. Throws BadReproduce for a
// reproduce string that is not one.
CheckResult check_scenario(const Scenario& s, const CheckOptions& opt);

// The kinds a scenario's search draws from: its `explore.faults`, or every kind (a caller's crash
// only when a group has a `controller`).
std::vector<ExploreKind> explore_kinds(const Scenario& s);

}  // namespace idem::harness
