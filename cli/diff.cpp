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
      if (x && y && x->intent == y->intent && x->story == y->story) continue;
      const bool print = seeds_differing < show;
      if (!any && print) std::cout << "seed " << first + k << ":\n";
      any = true;
      ++differing;
      if (print)
        std::cout << "  intent " << (x ? x->intent : y->intent) << "\n"
                << "    " << name(sems[0]) << ": " << (x ? x->story : std::string("(not begun)")) << "\n"
                << "    " << name(sems[1]) << ": " << (y ? y->story : std::string("(not begun)")) << "\n";
    }
    seeds_differing += any ? 1 : 0;
    if (any && seeds_differing == show + 1) std::cout << "... more differing seeds (raise --show to print them)\n";
  }
  std::cout << differing << " of " << intents << " intents differ between " << name(sems[0]) << " and " << name(sems[1])
            << ", in " << seeds_differing << " of " << n << " seeds (" << file << ")\n";
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
      .footer = "exit codes: 0 no intent differs, 1 some intent differs, 2 bad input, 3 internal error\n",
      .run = cmd_diff,
  };
  return command;
}

}  // namespace idem::cli
