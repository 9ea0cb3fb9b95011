// idemsim check: search a scenario's envelope for a fault plan that breaks a property, shrink it,
// explain it and write it down as a scenario.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "cli/common.h"
#include "harness/check.h"
#include "harness/load.h"
#include "harness/writer.h"
#include "model/bugs.h"
#include "reports/report.h"
#include "reports/violations.h"

namespace fs = std::filesystem;

namespace idem::cli {

namespace {

// --budget DURATION: wall-clock seconds above zero.
double budget_of(const std::string& v) {
  sim::Duration d;
  if (!harness::parse_duration(v, d) || d.us <= 0)
    throw UsageError{"--budget takes a wall-clock duration above zero, like 10s or 2m, not '" + v + "'"};
  return static_cast<double>(d.us) / 1e6;
}

// --plant BUG,...: the bugs it names, added to `plant`.
void add_bugs(const std::string& v, model::BugSet& plant) {
  size_t from = 0;
  while (from <= v.size()) {
    const size_t comma = std::min(v.find(',', from), v.size());
    const std::string name = v.substr(from, comma - from);
    model::Bug b;
    if (!model::parse_bug(name, b)) {
      std::string known;
      for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k)
        known += (k ? ", " : "") + std::string(model::bug_info(static_cast<model::Bug>(k)).name);
      throw UsageError{"--plant: unknown bug '" + name + "' (known bugs: " + known + "; see docs/bugs.md)"};
    }
    plant.add(b);
    from = comma + 1;
  }
}

void check_budget(const std::string&, const std::string& v, const Args&) { budget_of(v); }

void check_plant(const std::string&, const std::string& v, const Args&) {
  model::BugSet bugs;
  add_bugs(v, bugs);
}

void check_reproduce(const std::string&, const std::string& v, const Args&) {
  if (v.empty() || v.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw UsageError{"--reproduce takes the string of hex digits `idemsim check` printed after \"RapidCheck:\", not '" +
                     v + "'"};
}

int cmd_check(const Args& args, const std::string& program) {
  const std::vector<std::string>& files = args.operands;
  harness::CheckOptions opt;
  opt.seed = args.number("--seed", opt.seed);
  opt.runs = static_cast<int>(args.number("--runs", static_cast<uint64_t>(opt.runs)));
  const std::optional<std::string> budget_text = args.text("--budget");
  if (budget_text) opt.budget_s = budget_of(*budget_text);
  const std::string out_dir = args.text("--out", "counterexamples");
  model::BugSet plant;  // --plant: bugs switched on in every scenario searched
  for (const std::string& v : args.all("--plant")) add_bugs(v, plant);
  opt.reproduce = args.text("--reproduce", "");
  std::vector<harness::Scenario> scenarios;
  for (const auto& f : expand(files)) {
    scenarios.push_back(harness::load_scenario_file(f));
    harness::Scenario& s = scenarios.back();
    model::BugSet bugs = s.bugs;
    for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k)
      if (plant.has(static_cast<model::Bug>(k))) bugs.add(static_cast<model::Bug>(k));
    s.set_bugs(bugs);
  }
  if (!opt.reproduce.empty() && scenarios.size() != 1)
    throw UsageError{"--reproduce replays one failure of one scenario; give one file"};
  {
    // Two scenarios whose counterexamples would take one file name: refused before searching, so
    // that no counterexample overwrites another.
    std::map<std::string, std::string> names;
    for (const harness::Scenario& s : scenarios) {
      const auto [it, fresh] = names.emplace(fs::path(s.file).stem().string(), s.file);
      if (!fresh)
        throw UsageError{it->second + " and " + s.file + " would write their counterexamples to one file (" + it->first +
                         "-counterexample.yaml in " + out_dir + "); " +
                         (it->second == s.file ? "the scenario is given twice" : "check them one at a time with --out DIR each, or rename one")};
    }
  }
  int found = 0;
  for (const harness::Scenario& s : scenarios) {
    harness::CheckResult r;
    try {
      r = harness::check_scenario(s, opt);
    } catch (const harness::BadReproduce& e) {
      throw UsageError{e.message};
    }
    std::string planted;
    for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k)
      if (plant.has(static_cast<model::Bug>(k)))
        planted += (planted.empty() ? " --plant " : ",") + std::string(model::bug_info(static_cast<model::Bug>(k)).name);
    const std::string again = program + " check " + s.file + " --seed " + std::to_string(opt.seed) +
                              (opt.runs != 100 ? " --runs " + std::to_string(opt.runs) : std::string()) + planted;
    std::cout << s.name << " (" << s.file << "): ";
    // The scenario's own faults are set aside; say so, and which of their kinds check never draws.
    std::string aside;
    if (!s.faults.faults.empty()) {
      std::set<std::string> undrawn;
      for (const faults::Fault& f : s.faults.faults) {
        if (std::holds_alternative<faults::Skew>(f)) undrawn.insert("skew");
        if (std::holds_alternative<faults::Partition>(f)) undrawn.insert("partition");
        if (std::holds_alternative<faults::Transient>(f)) undrawn.insert("transient");
      }
      aside = "  set aside: the scenario's " + plural(s.faults.faults.size(), "fault") + " (check draws its own)";
      if (!undrawn.empty()) {
        aside += "; check never draws ";
        size_t n = 0;
        for (const std::string& k : undrawn) aside += (n++ ? ", " : "") + k;
        aside += ", so what they stand for is not searched";
      }
      aside += "\n";
    }
    for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k) {
      const auto bug = static_cast<model::Bug>(k);
      if (!s.bugs.has(bug)) continue;
      const std::string why = model::bug_acts_under(bug, s.service.semantics);
      if (!why.empty()) aside += "  warning: " + why + "; nothing can find it here\n";
    }
    if (!r.found) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1f", r.search_s);
      std::cout << "no counterexample in " << plural(static_cast<uint64_t>(r.tried), "run");
      if (r.budget_spent) std::cout << " (the budget of " << *budget_text << " was spent; " << opt.runs << " were asked)";
      if (r.tried > 0 && r.runs_faults_acted * 10 < static_cast<uint64_t>(r.tried))
        aside += "  warning: the drawn faults met a request or a launch in fewer than one run in ten: the envelope's window (explore.window) "
                 "may miss when the callers are busy\n";
      std::cout << "\n" << aside << "  explored: " << plural(static_cast<uint64_t>(r.tried), "run") << ", "
                << rounded_duration(r.simulated_us) << " simulated, " << r.events << " events, "
                << plural(r.distinct_mixes, "distinct mix", "distinct mixes") << " of fault kinds (a drawn fault met a request or a launch in "
                << r.runs_faults_acted << " of the runs), in " << secs << " s of wall time\n  " << reports::coverage_summary(r.coverage, s, /*why=*/true) << "\n  RapidCheck seed "
                << opt.seed << "; RapidCheck: "
                << (r.budget_spent ? "stopped at the budget" : first_line(r.rapidcheck)) << "\n";
      continue;
    }
    ++found;
    const harness::Scenario& c = r.counterexample;
    const reports::Violation violation = reports::word(c, *r.counter_run.log, {r.counter_run.findings[r.finding]}).front();
    std::error_code ec;
    fs::create_directories(out_dir, ec);
    const std::string path =
        (fs::path(out_dir) / (fs::path(s.file).stem().string() + (planted.empty() ? std::string() : std::string("+").append(planted, 9)) +
                              "-counterexample.yaml")).string();
    std::vector<std::string> needs, others;
    for (const harness::Cause& k : r.causes) (k.needed ? needs : others).push_back(k.what);
    auto joined = [](const std::vector<std::string>& xs) {
      std::string out;
      for (size_t i = 0; i < xs.size(); ++i) out += (i ? "; " : "") + xs[i];
      return out;
    };
    bool drawn = !c.faults.faults.empty();
    for (const harness::Cause& k : r.causes) drawn = drawn || k.what.rfind("the planted bug ", 0) != 0;
    const std::string need_text =
        !needs.empty() ? joined(needs)
        : !drawn       ? "nothing drawn: the callers and the service as written break it"
                       : "no one part alone (each is replaceable by another)";
    const std::string rc_cmd = again + " --reproduce " + r.reproduce;
    {
      std::ofstream file(path, std::ios::binary);
      file << "# A counterexample `idemsim check` found for " << s.file << " (" << kVersion << ", "
           << (opt.reproduce.empty() ? "RapidCheck seed " + std::to_string(opt.seed) : std::string("from a reproduce string"))
           << ", semantics " << (c.service.semantics == model::Semantics::current ? "current" : "2013")
           << ", run seed " << c.seed << ").\n# It breaks " << violation.property << ": " << violation.subject
           << "\n# The failure needs: " << need_text << "\n# Reproduce: " << program << " run " << path << "   (replay: "
           << reports::reproduce_command(program, path, c.seed) << ")\n# Search again: " << rc_cmd << "\n";
      // Its own name, which says whose counterexample it is (a table of results tells them apart).
      harness::Scenario named = c;
      named.name = "counterexample of " + s.name + (planted.empty() ? std::string() : " +" + planted.substr(9));
      file << harness::write_scenario(named);
      if (!file) throw std::runtime_error("cannot write " + path);
    }
    char times[96];
    std::snprintf(times, sizeof times, "found in %.2f s, shrunk in %.2f s", r.search_s, r.shrink_s);
    std::cout << "counterexample after " << plural(static_cast<uint64_t>(r.tried), "run") << " (" << times << ", "
              << plural(static_cast<uint64_t>(r.shrinks), "shrink step") << "): "
              << plural(c.faults.faults.size(), "fault") << ", " << plural(c.clients.size(), "client group") << "\n"
              << "  " << violation.property << ": " << violation.subject << ": " << violation.detail << "\n";
    if (!r.also.empty()) {
      std::cout << "  the same run also breaks:";
      for (size_t i = 0; i < r.also.size(); ++i) std::cout << (i ? ", " : " ") << r.also[i];
      std::cout << " (replay shows every violation)\n";
    }
    std::cout << aside;
    int64_t clients = 0, intents = 0;
    for (const harness::ClientGroup& g : c.clients) clients += g.count, intents += int64_t{g.count} * g.spec.intents;
    std::cout << "  shrunk story: " << c.faults.faults.size() << " fault(s), " << clients << " client(s), " << intents
              << " intent(s), " << r.counter_events << " events\n";
    std::cout << "  the story:\n";
    size_t lines = 0;
    for (const std::string& line : reports::excerpt(violation, 1)) {
      if (++lines > 12) {
        std::cout << "    ... (replay shows it all)\n";
        break;
      }
      std::cout << "    " << line << "\n";
    }
    std::cout << "  the failure needs: " << need_text << "\n";
    if (!others.empty()) std::cout << "  not needed on its own: " << joined(others) << "\n";
    std::cout << "  written:    " << path << "\n  reproduce:  " << program << " run " << path << "\n"
              << "  replay:     " << reports::reproduce_command(program, path, c.seed) << "\n"
              << "  RapidCheck: " << r.reproduce << "  (" << rc_cmd << ")\n";
  }
  if (scenarios.size() > 1)
    std::cout << "\n" << plural(scenarios.size(), "scenario") << " searched: " << found << " with a counterexample"
              << (found ? " (written into " + out_dir + ")" : std::string()) << ", " << scenarios.size() - static_cast<size_t>(found)
              << " without\n";
  return found ? 1 : 0;
}

}  // namespace

const Command& check_command() {
  static const Command command{
      .name = "check",
      .summary = "search for a fault plan that breaks a property, shrink it, explain it, and write it down as a "
                 "scenario",
      .operand = {.name = "FILE", .help = "a scenario file, or a directory of them", .repeat = true,
                  .missing = "check needs a scenario file"},
      .prose = R"(Searches, for each scenario, for a concrete scenario that breaks a property, inside the
scenario's `explore:` envelope (docs/scenario-format.md, "explore"): RapidCheck draws faults
(their kinds, rates and windows in whole percents and seconds), the caller settings the envelope
lets vary (counts, intents, token behaviours, retry profiles, token values), and the run's seed;
the scenario's own faults are set aside. Without `explore:`, every fault kind, at most five
faults starting in the first 30 s, the callers as written.

On a failure RapidCheck shrinks it to the smallest story that still fails (fewer faults, clients
and intents, shorter windows, smaller rates), and `check` prints the violation, the story, what
the failure needs (it reruns without each fault, drawn setting and planted bug), RapidCheck's
reproduce string, and writes the shrunk scenario into --out, which `idemsim run FILE`
reproduces (exit 1). When nothing is found it prints what it explored: runs, simulated time,
distinct mixes of fault kinds, and the situations reached.
)",
      .sections = {{.flags = {
          {.name = "--seed", .value = "N",
           .help = "RapidCheck's seed (default 1): the same seed writes the same file, byte for byte",
           .number = Range{}},
          {.name = "--runs", .value = "N", .help = "concrete scenarios to try before declaring none found (default 100)",
           .number = Range{1, 1000000}},
          {.name = "--budget", .value = "DURATION",
           .help = "stop drawing after this much wall time, like 10s or 2m (default: none); a failure found is still "
                   "shrunk. With a budget, how far the search got depends on the machine; without one it does not",
           .check = check_budget},
          {.name = "--out", .value = "DIR", .help = "where counterexamples go (default: counterexamples)"},
          {.name = "--plant", .value = "BUG,...",
           .help = "switch these planted bugs (docs/bugs.md) on in every scenario searched, as if its `bugs:` named "
                   "them: does the search find them from this scenario? May be given more than once",
           .repeat = true,
           .check = check_plant},
          {.name = "--reproduce", .value = "STRING",
           .help = "replay the failing case RapidCheck's reproduce string names (printed by an earlier check of the "
                   "same file and seed) instead of searching",
           .check = check_reproduce},
      }}},
      .footer = "exit codes: 0 no counterexample in any scenario, 1 one was found, 2 bad input, 3 internal error\n",
      .run = cmd_check,
  };
  return command;
}

}  // namespace idem::cli
