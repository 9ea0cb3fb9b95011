// Report tables and result files for batches of runs.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/batch.h"
#include "reports/timeline.h"
#include "reports/violations.h"

namespace idem::reports {

// The kept run of `seed` (BatchResult::kept), or none.
const harness::RunResult* kept_run(const harness::BatchResult& b, uint64_t seed);

// The words of `text` in lines that start at `column` and end by `width` (a word longer than the
// line gets one of its own); the first line starts where the caller left off (at `column`).
void wrap(std::ostream& out, std::string_view text, size_t column, size_t width = 100);

// The one-line command that replays a run.
std::string reproduce_command(const std::string& program, const std::string& file, uint64_t seed);
// The command that reproduces a failing seed of `b`: its own (BatchResult::reproduce), else replay's.
std::string reproduce_of(const harness::BatchResult& b, const std::string& program, uint64_t seed);

// A fixed-width table, one row per scenario, then a line of totals.
void print_table(std::ostream& out, const std::vector<harness::BatchResult>& batches);

// A table with one row per directory of scenario files (in the order first met): scenarios, how
// many met their expect, passed, and caught the bug they document; runs, intents, instances,
// leaked instances and violations summed; then a line of totals.
void print_summary(std::ostream& out, const std::vector<harness::BatchResult>& batches);
// One line per scenario that documents a bug and caught it: the property, in how many runs, and
// the command that replays a failing seed.
void print_caught(std::ostream& out, const std::vector<harness::BatchResult>& batches, const std::string& program);

// What each batch could not have tested (BatchResult::warnings), one line each.
void print_warnings(std::ostream& out, const std::vector<harness::BatchResult>& batches);
// Per scenario: each client group's retry profile, how often each fault acted (summed over its
// runs), and how many requests a quota turned away.
void print_details(std::ostream& out, const std::vector<harness::BatchResult>& batches);
// "aws-standard-2026 (go-v2 1.48.0)".
std::string retry_profile(const model::RetryPolicy& p);

// The story of a violation, to print: every key event (each launch under the violating token or
// intent, the attempts that made them and how each ended, the answers the rules do not allow),
// the first and last `context` events, and a line saying how many were left out between.
std::vector<std::string> excerpt(const Violation& v, size_t context = 3);
// num / den with two decimals, rounded half up ("1.04"; "0.00" when den is 0); exact for any
// 64-bit counts (a sum of microseconds over millions of runs, over an hour in microseconds).
std::string two_decimals(uint64_t num, uint64_t den);
// "reached N of M situations: NAME, ...; not reached though its settings allow: NAME, ...; K ruled
// out by its settings" (harness/coverage.h); with `why`, each one ruled out with its reason.
std::string coverage_summary(const harness::Coverage& c, const harness::Scenario& s, bool why = false);

// For each scenario: its failing seeds (at most `max_seeds`), each with its first violation,
// the events behind it and the command that reproduces it.
// `only_unmet`: only the scenarios that did not meet their expect.
void print_failures(std::ostream& out, const std::vector<harness::BatchResult>& batches,
                    const std::string& program, std::optional<size_t> max_seeds, bool only_unmet = false);

// One JSON document for a scenario's batch (docs/scenario-format.md has no schema yet: its fields
// are named for what they hold). Each run is one line of the "results" array.
// `wall_s`: the batch's wall time, kept in a field of its own at the end, so that everything
// else is the same between two runs of the same seeds (docs/results-format.md).
void write_json(std::ostream& os, const harness::BatchResult& b, const std::string& program,
                const std::string& version, double wall_s);
// The results format's version (docs/results-format.md): bumped when a field changes meaning.
inline constexpr int kResultsSchemaVersion = 1;

}  // namespace idem::reports
