// idemsim diff: one scenario under both token-lifetime semantics, the intents whose ends differ.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.h"
#include "harness/batch.h"
#include "harness/load.h"
#include "reports/replay.h"

namespace idem::cli {

namespace {

// --semantics A,B: two of 2013 and current.
std::vector<model::Semantics> semantics_of(const std::string& v) {
  const size_t comma = v.find(',');
  auto one = [&](const std::string& name) {
    if (name == "2013") return model::Semantics::v2013;
    if (name == "current") return model::Semantics::current;
    throw UsageError{"--semantics takes two of 2013 and current, like 2013,current, not '" + v + "'"};
  };
  if (comma == std::string::npos) throw UsageError{"--semantics takes two of 2013 and current, like 2013,current, not '" + v + "'"};
  return {one(v.substr(0, comma)), one(v.substr(comma + 1))};
}

void check_semantics(const std::string&, const std::string& v, const Args&) { semantics_of(v); }

constexpr size_t kWidth = 100;

// "    LABEL: OUTCOME: CALL; CALL; ..." with repeated calls folded (CALL ×N) and the calls
// wrapped at kWidth bytes (so at most kWidth columns), the next lines lined up under the first
// call; a call is never split, and one too long for any line gets a line of its own.
void print_end(std::ostream& out, const std::string& label, const reports::IntentEnd* e) {
  std::string line = "    " + label;
  line += ": ";
  if (!e) {
    out << line << "(not begun)\n";
    return;
  }
  line += e->outcome;
  line += ':';
  const size_t indent = line.size() + 1;
  bool first = true;
  for (const std::string& item : reports::fold_repeats(e->calls)) {
    const std::string_view sep = first ? " " : "; ";
    if (!first && line.size() + sep.size() + item.size() + 1 > kWidth) {  // +1: the ';' after it
      out << line << ";\n";
      line.assign(indent, ' ');
      line += item;
    } else {
      line += sep;
      line += item;
    }
    first = false;
  }
  out << line << "\n";
}

int cmd_diff(const Args& args, const std::string&) {
  const std::string& file = args.operands.front();
  const std::optional<uint64_t> seed = args.number("--seed"), runs = args.number("--runs");
  const uint64_t show = args.number("--show", 3);
  const std::vector<model::Semantics> sems = semantics_of(args.text("--semantics", "2013,current"));
  const harness::Scenario base = harness::load_scenario_file(file);
  const uint64_t first = seed.value_or(base.seed);
  const uint64_t n = runs.value_or(static_cast<uint64_t>(base.runs));
  check_seed_range(first, n, "diff");
  auto name = [](model::Semantics x) { return x == model::Semantics::v2013 ? std::string("2013") : std::string("current"); };
  harness::Scenario a = base, b = base;
  a.service.semantics = sems[0];
  b.service.semantics = sems[1];
  harness::RunOptions opt;
  opt.keep_log = true;
  uint64_t differing = 0, seeds_differing = 0, intents = 0;
  for (uint64_t k = 0; k < n; ++k) {
    const std::vector<reports::IntentEnd> ra = reports::intent_ends(harness::run_once(a, first + k, opt));
    const std::vector<reports::IntentEnd> rb = reports::intent_ends(harness::run_once(b, first + k, opt));
    bool any = false;
    for (size_t i = 0; i < ra.size() || i < rb.size(); ++i) {
      const reports::IntentEnd* x = i < ra.size() ? &ra[i] : nullptr;
      const reports::IntentEnd* y = i < rb.size() ? &rb[i] : nullptr;
      ++intents;
      if (x && y && *x == *y) continue;
      const bool print = seeds_differing < show;
      if (!any && print) std::cout << "seed " << first + k << ":\n";
      any = true;
      ++differing;
      if (print) {
        std::cout << "  intent " << (x ? x->intent : y->intent) << "\n";
        print_end(std::cout, name(sems[0]), x);
        print_end(std::cout, name(sems[1]), y);
      }
    }
    seeds_differing += any ? 1 : 0;
    if (any && seeds_differing == show + 1) std::cout << "... more differing seeds (raise --show to print them)\n";
  }
  const std::string count = std::to_string(differing) + " of " + std::to_string(intents) + " intents differ between " +
                            name(sems[0]) + " and " + name(sems[1]) + ", in " + std::to_string(seeds_differing) +
                            " of " + std::to_string(n) + " seeds";
  const std::string where = "(" + file + ")";
  std::cout << count << (count.size() + 1 + where.size() > kWidth ? "\n  " : " ") << where << "\n";
  return differing ? 1 : 0;
}

}  // namespace

const Command& diff_command() {
  static const Command command{
      .name = "diff",
      .summary = "run a scenario under both token-lifetime semantics and list the intents whose outcome or answers "
                 "differ",
      .operand = {.name = "FILE", .help = "a scenario file", .missing = "diff needs a scenario file",
                  .extra = "diff takes one scenario file"},
      .prose = R"(Runs the scenario under two token-lifetime semantics (default: 2013,current) at the same seeds
and lists, per seed, the intents whose outcome or whose calls' answers differ between the two:
what a change of the rules (such as the 2025 one, IdempotentInstanceTerminated after
termination; incident 4) would change for these callers. Everything else in the scenario is kept.
)",
      .sections = {{.flags = {
          {.name = "--semantics", .value = "A,B",
           .help = "the two semantics to compare, of 2013 and current (default: 2013,current)",
           .check = check_semantics},
          {.name = "--seed", .value = "N", .help = "first seed (default: the file's `seed`)", .number = Range{}},
          {.name = "--runs", .value = "N", .help = "number of seeds (default: the file's `runs`)",
           .number = Range{1, 10000000}},
          {.name = "--show", .value = "N",
           .help = "how many differing seeds to print in full (default 3); the count covers them all",
           .number = Range{}},
      }}},
      .footer = R"(What it prints, per differing seed (the first --show of them):
  seed N:             the seed whose runs differ
  intent GROUP#I/K    the intent: client I of group GROUP, its K-th intent (from 0); then a line per
                      semantics: its name, how the intent ended, and each call it made, in order
  how it ended        ok (a call succeeded), failed (a 4xx: nothing launched), unknown (a 5xx or no
                      answer: it may have launched), pending (still open at the time limit)
  a call              its API (RunInstances, TerminateInstances, DescribeInstances), (repeat) for
                      the deliberate repeat of a successful RunInstances with its token
                      (`repeat_after`), then its last answer: STATUS CODE (200 Ok, 400
                      IdempotentInstanceTerminated, 500 InsufficientInstanceCapacity, ...) and, for
                      a 200 naming a reservation, rN (the run's N-th reservation); or no answer (its
                      last attempt timed out or was reset, its answer lost on the way or its caller
                      crashed, or no attempt was sent); or pending (still open at the time limit)
  CALL ×N             N calls in a row with the same answer (an application retrying 570 times is
                      one item); the calls are wrapped at 100 columns
  (not begun)         the intent never began under that semantics
then one line: how many intents differ, in how many seeds, and "... more differing seeds" when
more than --show seeds differ.

exit codes: 0 no intent differs, 1 some intent differs, 2 bad input, 3 internal error
)",
      .run = cmd_diff,
  };
  return command;
}

}  // namespace idem::cli
