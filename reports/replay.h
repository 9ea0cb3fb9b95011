// One run replayed with its log kept, and what reports/ renders from it: its trace text and its
// violations in words (what `idemsim replay` prints, and what tests read).
#pragma once

#include <string>
#include <vector>

#include "harness/world.h"
#include "reports/violations.h"

namespace idem::reports {

struct Replay : harness::RunResult {
  std::string trace;                 // the trace text (reports/trace_text.h)
  std::vector<Violation> violations;  // the findings, worded
};

Replay replay(const harness::Scenario& s, uint64_t seed, harness::RunOptions opt = {});

// How one intent ended, as its caller saw it: the outcome and every call's answer, for comparing
// two runs (`idemsim diff`).
struct IntentEnd {
  std::string intent;              // "app#3/0"
  std::string outcome;             // "ok", "failed", "unknown" or "pending" (model::outcome_name)
  std::vector<std::string> calls;  // in order: "RunInstances 200 Ok r1", "TerminateInstances no answer",
                                   // "RunInstances (repeat) 400 IdempotentInstanceTerminated", "... pending"
  bool operator==(const IntentEnd&) const = default;
};
// REQUIRES: r.log.
std::vector<IntentEnd> intent_ends(const harness::RunResult& r);

// `items` with each run of equal neighbours folded into one item, "ITEM ×N" (N > 1): 570 calls
// with the same answer are one item.
std::vector<std::string> fold_repeats(const std::vector<std::string>& items);

}  // namespace idem::reports
