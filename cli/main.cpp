// idemsim: run scenario files, replay one run, print reports.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include "harness/batch.h"
#include "harness/writer.h"
#include "harness/check.h"
#include "harness/load.h"
#include "reports/html.h"
#include "reports/merge.h"
#include "reports/replay.h"
#include "reports/report.h"
#include "reports/trace_filter.h"
#include "sim/invariant.h"
#include "sim/malloc_tuning.h"
#include "sim/trace.h"

namespace fs = std::filesystem;
using namespace idem;

namespace {

constexpr const char* kVersion = "idemsim 0.1.0";

constexpr const char* kUsage = R"(usage: idemsim <command> [options]

A deterministic simulator that checks that client tokens keep EC2 RunInstances retries from
launching more instances than intended, under timeouts, lost messages and 5xx storms.

commands:
  run PATH...       run scenario files (a directory means its *.yaml files, recursively)
  replay FILE       print one run's timeline, event by event, and its trace hash
  diff FILE         run a scenario under both token-lifetime semantics and list the intents whose
                    outcome or answers differ
  check FILE...     search for a fault plan that breaks a property, shrink it, explain it, and
                    write it down as a scenario
  report RESULTS... merge results files (shards, jobs, days) into one report: Markdown, CSV,
                    JSON or JUnit XML
  sweep FILE --set KEY=V1,V2,...
                    run a scenario at each value of a setting (or each combination) and tabulate
                    violations, leaks and retries against it

options:
  -h, --help        this text (also: idemsim <command> --help)
  --version         the version

exit codes: 0 every scenario met its `expect`, 1 one did not, 2 bad input, 3 internal error.
scenario format: docs/scenario-format.md
)";

constexpr const char* kRunUsage = R"(usage: idemsim run PATH... [--seed N] [--runs N] [--out DIR] [--jobs N] [--show N]
                   [--keep N] [--strict] [--shard K/N] [--junit FILE] [--md FILE] [--html FILE] [--force]
                   [--quiet] [--progress]

Runs each scenario at seeds seed .. seed+runs-1 (defaults: the file's `seed` and `runs`) and
prints one row per scenario (and per client group, when it has several), the warnings about what
a scenario could not have tested, then for each failing seed its violation, the story behind it
and the command that replays it. The first seed of each scenario runs twice, and the two traces
must agree.

Columns: intents (ok: a call succeeded; failed: a 4xx, nothing launched; unknown: a 5xx or no
answer, it may have launched; open: cut off by the time limit), requests (attempts sent),
retries, instances launched, leaked (instances launched for an intent that no answer to it
ever named: the caller cannot know they exist), violations.

  PATH        a scenario file, or a directory: its *.yaml and *.yml files, recursively, in name order
  --seed N    first seed (default: the file's `seed`, else 1)
  --runs N    number of seeds (default: the file's `runs`, else 1)
  --out DIR   where to write one JSON results file per scenario (default: results)
  --jobs N    run seeds on N threads (default: the number of cores); results do not depend on it
  --show N    failing seeds to print per scenario (default: 3, or 1 for a caught `expect: fail`)
  --keep N    failing seeds per scenario whose violations keep their events, for the output and
              the JSON file (default 10); the others keep their counts and reproduce commands,
              so memory stays flat however many seeds run
  --strict    a warning (a fault that never fired, intents cut off by the limit, a group that
              never started, a key with no effect, an expect: fail caught by another property)
              fails its scenario
  --quiet     no progress bar (there is one on stderr when it is a terminal and a scenario
              runs longer than a second: seeds done, seeds per second, failing seeds, time left)
  --progress  the progress bar even when stderr is not a terminal (a CI log), from the start
  --junit FILE  also write the JUnit XML report (as `idemsim report --format junit` would)
  --md FILE     also write the Markdown report (as `idemsim report --format md` would)
  --html FILE   also write the HTML report (as `idemsim report --format html` would): tables,
                plots, and a timeline of each failing scenario's shortest failing run
  --force       let --junit, --md and --html overwrite a file that exists
  --shard K/N run only the K-th of N equal blocks of the seeds (K from 1): N machines or CI jobs,
              each with its K, run every seed once between them; `idemsim report` merges
              their results files into the report of the whole (docs/ci.md)

exit codes: 0 every scenario met its `expect`, 1 at least one did not, 2 bad input,
3 internal error (such as two runs of one seed that differ)
)";

constexpr const char* kReplayUsage = R"(usage: idemsim replay FILE [--seed N] [filters] [--via-asio]

Runs FILE once at seed N (default: the file's `seed`) and prints SEED= first, then one line per
event ("<time> <actor> <what> key=value ..."), the oracle's findings and the trace hash. The same
file and seed print the same bytes on every machine and build.

  --seed N          the seed to replay
  --via-asio        dispatch events through a Boost.Asio io_context (same trace; for measurement)

filters (they compose: a line must pass each one given; the run's header always shows, and so do
the service's crashes and restarts, within --around's window; the violations are narrowed by
--client, --token and --intent; the trace hash is the whole run's):
  --client NAME     a client (app#3) or a group (app): its lines and the service's lines about it
  --token T         the calls that sent token T (as the trace prints it) and every line about
                    their attempts
  --intent C/K      intent K of client C (app#3/0, as violations name it): its calls and attempts
  --around TIME     events within --within (default 1s) of TIME (a duration from the start: 12.5s)
  --within D        the half-width of --around's window
  --violations      only the events behind each violation, no timeline

Attempt and call numbers count from 0 across the whole run (attempt=17 is the run's 18th request,
whichever client sent it); try=N counts a call's attempts from 1. Violations use the same numbers.

exit codes: 0 the run kept every property, 1 it broke one, 2 bad input
)";

constexpr const char* kDiffUsage = R"(usage: idemsim diff FILE [--semantics A,B] [--seed N] [--runs N] [--show N]

Runs the scenario under two token-lifetime semantics (default: 2013,current) at the same seeds
and lists, per seed, the intents whose outcome or whose calls' answers differ between the two:
what a change of the rules (such as the 2025 one, IdempotentInstanceTerminated after
termination; incident 4) would change for these callers. Everything else in the scenario is kept.

  FILE           a scenario file
  --semantics    the two semantics to compare, of 2013 and current (default: 2013,current)
  --seed N       first seed (default: the file's `seed`)
  --runs N       number of seeds (default: the file's `runs`)
  --show N       how many differing seeds to print in full (default 3); the count covers them all

exit codes: 0 no intent differs, 1 some intent differs, 2 bad input, 3 internal error
)";

constexpr const char* kCheckUsage = R"(usage: idemsim check FILE... [--seed N] [--runs N] [--budget DURATION] [--out DIR]
                     [--plant BUG[,BUG...]] [--reproduce STRING]

Searches, for each scenario, for a concrete scenario that breaks a property, inside the
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

  FILE                a scenario file, or a directory of them
  --seed N            RapidCheck's seed (default 1): the same seed writes the same file, byte for byte
  --runs N            concrete scenarios to try before declaring none found (default 100)
  --budget DURATION   stop drawing after this much wall time, like 10s or 2m (default: none);
                      a failure found is still shrunk. With a budget, how far the search got
                      depends on the machine; without one it does not
  --out DIR           where counterexamples go (default: counterexamples)
  --plant BUG,...     switch these planted bugs (docs/bugs.md) on in every scenario searched, as
                      if its `bugs:` named them: does the search find them from this scenario?
  --reproduce STRING  replay the failing case RapidCheck's reproduce string names (printed by an
                      earlier check of the same file and seed) instead of searching

exit codes: 0 no counterexample in any scenario, 1 one was found, 2 bad input, 3 internal error
)";

constexpr const char* kReportUsage = R"(usage: idemsim report RESULTS... [--format md|csv|json|junit|html] [--out FILE] [--force]

Reads results files (the JSON files `idemsim run` writes; a directory stands for its *.json
files), merges those of one scenario (the shards of a run with --shard K/N, or runs of other
seeds: the seeds must not repeat) and writes one report: a row per scenario, then each failing
scenario's first violation and its reproduce command. Shards merge into exactly the report of
the whole run.

  RESULTS          a results file, or a directory of them
  --format F       md (default: a table for a pull-request comment), csv, json (the merged
                   results, docs/results-format.md, without wall times and warnings) or junit (JUnit XML: a
                   test suite per scenario, a test case per property, a failure with the
                   violation and its reproduce command) or html (one self-contained page: the
                   table, per scenario its violations, faults and plots of retry amplification
                   and completion latency, and for a failing one a timeline of its shortest
                   failing run: clients and frontends as lanes, attempts as arrows, faults
                   shaded, the violating launches marked)
  --out FILE       write the report there (default: standard output), making its directory;
                   an existing file is not overwritten without --force (checked before reading)
  --force          overwrite --out

A scenario's expect is judged by its violations (`run --strict` judges warnings too: a shard's
warnings are not the whole run's).

exit codes: 0 every scenario met its expect over all its run's seeds, 1 one did not, or seeds are
missing (a shard not given), 2 bad input (a file that is not a results file, of another schema
version, cut short; results of one scenario that disagree)
)";

constexpr const char* kSweepUsage = R"(usage: idemsim sweep FILE --set KEY=V1,V2,... [--set KEY=...] [--seed N] [--runs N] [--jobs N]
                    [--html FILE [--force]]

Runs the scenario once per value of each --set (or per combination, with several), at the same
seeds, and prints a row per run: the values, the failing seeds, violations by property, leaked
instances and their instance-hours, and attempts per intent: the question "at which timeout do
duplicates disappear?" in one command.

  FILE             a scenario file
  --set KEY=V,...  a setting by its path in the file and the values to try, like
                   clients[0].timeout=500ms,2s,5s or faults[1].rate=1%,5%,20% (a fault's own
                   keys, like faults[1].rate, need not name its kind: faults[1].lose.rate);
                   a key the file does not write is added. Each value is checked as the file's
                   own would be
  --seed N         first seed (default: the file's `seed`)
  --runs N         seeds per value (default: the file's `runs`)
  --jobs N         threads (default: the number of cores); results do not depend on it
  --html FILE      also write the table and plots of failing seeds, violations, leaked
                   instances and attempts per intent against the values, as one
                   self-contained HTML page; --force overwrites an existing FILE

exit codes: 0 the sweep ran, 2 bad input (a path the file does not have, a value the scenario
format refuses), 3 internal error
)";

struct UsageError {
  std::string message;
};

// A report file a command is about to write: not one that exists (without --force), and its
// directory made.
void prepare_output(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(path, ec) && !force) throw UsageError{path + " exists; give --force to overwrite it, or another file"};
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw UsageError{"cannot create the directory of " + path + ": " + ec.message()};
}

// A whole number in [lo, hi]; one message for every way it can be wrong.
uint64_t parse_u64(const std::string& flag, const std::string& v, uint64_t lo = 0,
                   uint64_t hi = UINT64_MAX) {
  uint64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || out < lo || out > hi)
    throw UsageError{flag + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", not '" + v + "'"};
  return out;
}

// The arguments after the command, with "--flag=value" split into "--flag" "value".
std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      out.push_back(a.substr(0, eq));
      out.push_back(a.substr(eq + 1));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

std::string need_value(size_t& i, const std::vector<std::string>& args) {
  if (i + 1 >= args.size()) throw UsageError{args[i] + " needs a value"};
  return args[++i];
}

// Seeds first .. first + runs - 1 must all be seeds: they never wrap past 2^64-1.
void check_seed_range(uint64_t first, uint64_t runs, const std::string& where) {
  if (runs > 0 && first > UINT64_MAX - (runs - 1))
    throw UsageError{where + ": seeds " + std::to_string(first) + " and " + std::to_string(runs - 1) +
                     " more pass 18446744073709551615; give a smaller --seed or --runs"};
}

std::vector<std::string> expand(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw harness::ScenarioError(p, 0, 0, "is a directory with no *.yaml files");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(fs::path(p).lexically_normal().string());  // ./a.yaml and a.yaml are one file
    }
  }
  return out;
}

std::string result_file_name(const std::string& path) {
  std::string name = fs::path(path).lexically_normal().replace_extension("").string();
  for (char& c : name)
    if (c == '/' || c == '\\' || c == '.') c = '_';
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  return name + ".json";
}

int cmd_run(int argc, char** argv, const std::string& program) {
  const std::vector<std::string> args = arguments(argc, argv);
  std::vector<std::string> paths;
  std::optional<uint64_t> seed, runs;
  std::string out_dir = "results";
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::optional<size_t> show;
  size_t keep = 10;
  bool strict = false;
  std::pair<uint64_t, uint64_t> shard{1, 1};  // --shard K/N
  std::string junit_out, md_out, html_out;    // --junit FILE, --md FILE, --html FILE
  bool force = false;
  bool quiet = false;                          // --quiet: no progress bar
  bool progress = false;                       // --progress: one even off a terminal, from the start
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kRunUsage;
      return 0;
    } else if (a == "--seed") {
      seed = parse_u64(a, need_value(i, args));
    } else if (a == "--runs") {
      runs = parse_u64(a, need_value(i, args), 1, 10000000);
    } else if (a == "--out") {
      out_dir = need_value(i, args);
    } else if (a == "--jobs") {
      jobs = static_cast<int>(parse_u64(a, need_value(i, args), 1, 256));
    } else if (a == "--show") {
      show = parse_u64(a, need_value(i, args), 0, 1000000);
    } else if (a == "--keep") {
      keep = parse_u64(a, need_value(i, args), 0, 1000000);
    } else if (a == "--strict") {
      strict = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--progress") {
      progress = true;
    } else if (a == "--junit") {
      junit_out = need_value(i, args);
    } else if (a == "--md") {
      md_out = need_value(i, args);
    } else if (a == "--html") {
      html_out = need_value(i, args);
    } else if (a == "--force") {
      force = true;
    } else if (a == "--shard") {
      const std::string v = need_value(i, args);
      const size_t slash = v.find('/');
      const std::string bad = "--shard takes K/N with 1 <= K <= N <= 10000, like 2/3, not '" + v + "'";
      if (slash == std::string::npos) throw UsageError{bad};
      uint64_t k = 0, n = 0;
      const std::string ks = v.substr(0, slash), ns = v.substr(slash + 1);
      auto rk = std::from_chars(ks.data(), ks.data() + ks.size(), k);
      auto rn = std::from_chars(ns.data(), ns.data() + ns.size(), n);
      if (rk.ec != std::errc() || rk.ptr != ks.data() + ks.size() || rn.ec != std::errc() ||
          rn.ptr != ns.data() + ns.size() || k < 1 || n < 1 || k > n || n > 10000)
        throw UsageError{bad};
      shard = {k, n};
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for run"};
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) throw UsageError{"run needs at least one scenario file or directory"};
  for (const auto& [x, y] : {std::pair{&junit_out, &md_out}, std::pair{&junit_out, &html_out}, std::pair{&md_out, &html_out}})
    if (!x->empty() && fs::path(*x).lexically_normal() == fs::path(*y).lexically_normal())
      throw UsageError{"--junit, --md and --html name one file, " + *x + "; give each its own"};
  for (const std::string* o : {&junit_out, &md_out, &html_out})
    if (!o->empty()) prepare_output(*o, force);

  std::vector<harness::Scenario> scenarios;
  bool bad = false;
  for (const auto& file : expand(paths)) {
    try {
      scenarios.push_back(harness::load_scenario_file(file));
    } catch (const harness::ScenarioError& e) {
      std::cerr << "error: " << e.what() << "\n";
      bad = true;
    }
  }
  if (bad) return 2;

  for (const auto& s : scenarios)
    check_seed_range(seed.value_or(s.seed), runs.value_or(static_cast<uint64_t>(s.runs)), s.file);
  {
    std::map<std::string, std::string> names;  // results file name -> the scenario writing it
    for (const auto& s : scenarios) {
      const auto [it, fresh] = names.emplace(result_file_name(s.file), s.file);
      if (!fresh)
        throw UsageError{it->second + " and " + s.file + " would write the same results file (" + it->first +
                         (it->second == s.file ? "): the scenario is given twice" : "); rename one of them")};
    }
  }
  std::vector<harness::BatchResult> batches;
  std::vector<double> wall;  // per batch, for the results file's wall_time_s (and nothing else)
  for (const auto& s : scenarios) {
    try {
      const auto started = std::chrono::steady_clock::now();
      // The K-th of N blocks: seeds [first + total*(K-1)/N, first + total*K/N).
      const uint64_t first = seed.value_or(s.seed), total = runs.value_or(static_cast<uint64_t>(s.runs));
      const uint64_t lo = total * (shard.first - 1) / shard.second, hi = total * shard.first / shard.second;
      // A progress bar on a terminal (stderr), at most ten times a second, for a run long
      // enough to want one; cleared when the scenario is done.
      const uint64_t count = hi - lo;
      auto last = started;
      bool shown = false;
      const bool tty = isatty(STDERR_FILENO) != 0;
      const harness::Progress bar = [&](uint64_t done, uint64_t failing) {
        const auto now = std::chrono::steady_clock::now();
        const double spent = std::chrono::duration<double>(now - started).count();
        // On a terminal, one line redrawn ten times a second; in a log, a line a second, and the
        // last one at the end.
        const double every = tty ? 0.1 : 1.0;
        const bool end = done == count;
        if (spent < (progress ? 0.0 : 1.0) ||
            (shown && !(end && !tty) && std::chrono::duration<double>(now - last).count() < every))
          return;
        last = now;
        shown = true;
        const double rate = spent > 0 ? static_cast<double>(done) / spent : 0.0;
        char line[256];
        std::snprintf(line, sizeof line, tty ? "\r\033[K%s: %llu/%llu seeds, %.0f seeds/s, %llu failing, ~%.0fs left"
                                             : "%s: %llu/%llu seeds, %.0f seeds/s, %llu failing, ~%.0fs left\n",
                      s.name.substr(0, 60).c_str(), static_cast<unsigned long long>(done),
                      static_cast<unsigned long long>(count), rate, static_cast<unsigned long long>(failing),
                      rate > 0 ? static_cast<double>(count - done) / rate : 0.0);
        std::cerr << line << std::flush;
      };
      const bool want_bar = !quiet && (progress || isatty(STDERR_FILENO) != 0);
      batches.push_back(
          harness::run_batch(s, first + lo, static_cast<int64_t>(count), jobs, keep, want_bar ? &bar : nullptr));
      if (shown && tty) std::cerr << "\r\033[K" << std::flush;
      batches.back().shard = shard;
      batches.back().all_seeds = {first, total};
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      batches.back().strict = strict;
    } catch (const harness::RunFailure& e) {
      std::cerr << "internal error: " << s.file << " at seed " << e.seed() << ": " << e.what()
                << "\nthis is a bug of idemsim, not of the system under test; please report it with the scenario file\n"
                << "reproduce: " << reports::reproduce_command(program, s.file, e.seed()) << "\n";
      return 3;
    }
  }

  reports::print_table(std::cout, batches);
  reports::print_details(std::cout, batches);
  reports::print_warnings(std::cout, batches);
  reports::print_failures(std::cout, batches, program, show);

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::cerr << "error: cannot create the results directory " << out_dir << ": " << ec.message() << "\n";
    return 2;
  }
  for (size_t i = 0; i < batches.size(); ++i) {
    const harness::BatchResult& b = batches[i];
    const fs::path file = fs::path(out_dir) / result_file_name(b.scenario->file);
    std::ofstream f(file);
    reports::write_json(f, b, program, std::string(kVersion).substr(sizeof "idemsim " - 1), wall[i]);
    if (!f) {
      std::cerr << "error: cannot write " << file.string() << "\n";
      return 2;
    }
  }
  std::cout << "\nresults: " << out_dir << "/ (one JSON file per scenario)\n";
  if (!junit_out.empty() || !md_out.empty() || !html_out.empty()) {
    // The reports `idemsim report` would write from these results files.
    std::vector<std::pair<std::string, nlohmann::ordered_json>> docs;
    for (size_t i = 0; i < batches.size(); ++i) {
      std::ostringstream text;
      reports::write_json(text, batches[i], program, std::string(kVersion).substr(sizeof "idemsim " - 1), wall[i]);
      docs.emplace_back(batches[i].scenario->file, nlohmann::ordered_json::parse(text.str()));
    }
    const std::vector<reports::Merged> merged = reports::merge_results(docs);
    for (const auto& [path, writer] : {std::pair{&junit_out, &reports::write_junit}, std::pair{&md_out, &reports::write_markdown},
                                       std::pair{&html_out, &reports::write_html}}) {
      if (path->empty()) continue;
      std::ofstream f(*path, std::ios::binary);
      writer(f, merged);
      if (!f) {
        std::cerr << "error: cannot write " << *path << "\n";
        return 2;
      }
      std::cout << (path == &junit_out ? "junit: " : path == &md_out ? "markdown: " : "html: ") << *path << "\n";
    }
  }
  bool deterministic = true;
  for (const auto& b : batches) {
    if (b.deterministic()) continue;
    deterministic = false;
    std::cerr << "internal error: " << b.scenario->file << " at seed " << b.first_seed
              << " gave two different traces (" << sim::format_hash(b.first_hash) << " then "
              << sim::format_hash(b.rerun_hash) << "): idemsim itself is not deterministic here; "
              << "please report it with the scenario file\n";
  }
  if (!deterministic) return 3;
  const bool all_met = std::all_of(batches.begin(), batches.end(), [](const auto& b) { return b.met(); });
  return all_met ? 0 : 1;
}

int cmd_replay(int argc, char** argv, const std::string& program) {
  const std::vector<std::string> args = arguments(argc, argv);
  std::string file;
  reports::TraceFilter filter;
  bool only_violations = false;
  bool within_given = false;
  std::optional<uint64_t> seed;
  harness::RunOptions opt;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kReplayUsage;
      return 0;
    } else if (a == "--seed") {
      seed = parse_u64(a, need_value(i, args));
    } else if (a == "--via-asio") {
      opt.via_asio = true;
    } else if (a == "--client") {
      filter.client = need_value(i, args);
    } else if (a == "--token") {
      filter.token = need_value(i, args);
    } else if (a == "--intent") {
      filter.intent = need_value(i, args);
      if (filter.intent->find('/') == std::string::npos)
        throw UsageError{"--intent takes CLIENT/INDEX as violations name it, like app#3/0, not '" + *filter.intent + "'"};
    } else if (a == "--around" || a == "--within") {
      const std::string v = need_value(i, args);
      sim::Duration d;
      std::string why;
      if (!harness::parse_duration(v, d, &why))
        throw UsageError{a + " takes a duration like 12.5s or 250ms, not '" + v + "' (" + why + ")"};
      if (a == "--around") filter.around = sim::Time(0) + d;
      else filter.within = d, within_given = true;
    } else if (a == "--violations") {
      only_violations = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for replay"};
    } else if (file.empty()) {
      file = a;
    } else {
      throw UsageError{"replay takes one scenario file"};
    }
  }
  if (file.empty()) throw UsageError{"replay needs a scenario file"};
  if (within_given && !filter.around) throw UsageError{"--within goes with --around (the window's middle)"};
  const harness::Scenario s = harness::load_scenario_file(file);
  const uint64_t run_seed = seed.value_or(s.seed);
  std::cout << "SEED=" << run_seed << "\n";
  reports::Replay r;
  try {
    r = reports::replay(s, run_seed, opt);
  } catch (const sim::InvariantError& e) {
    std::cout << std::flush;
    std::cerr << "internal error: " << file << " at seed " << run_seed << ": " << e.what()
              << "\nthis is a bug of idemsim, not of the system under test; please report it with the scenario file\n";
    return 3;
  }
  if (!only_violations) {
    if (!filter.any()) {
      std::cout << r.trace;
    } else {
      const std::string shown = reports::filter_trace(r.trace, filter);
      std::cout << shown;
      size_t header = 0;
      const std::string_view head = "0.000000s world ";
      for (size_t at = 0; r.trace.compare(at, head.size(), head) == 0; at = r.trace.find('\n', at) + 1) ++header;
      if (static_cast<size_t>(std::count(shown.begin(), shown.end(), '\n')) <= header)
        std::cerr << "replay: no event of this run passes the filters (check the client, token or intent as the "
                     "trace prints them, and that --around is inside the run)\n";
    }
  }
  std::cout << "events: " << r.stats.events << "  intents: " << r.stats.intents
            << "  requests: " << r.stats.requests << "  instances: " << r.stats.instances
            << "  leaked: " << r.stats.leaked << "\n";
  for (const auto& v : r.violations) {
    if (filter.any()) {
      std::vector<std::string> events;
      for (const auto& e : v.events) events.push_back(e.what);
      if (!reports::violation_matches(v.subject, events, filter)) continue;
    }
    std::cout << "VIOLATION " << v.property << ": " << v.subject << ": " << v.detail << "\n";
    for (const auto& e : v.events) std::cout << "  " << sim::format_time(e.at) << "  " << e.what << "\n";
  }
  if (r.violations.empty()) std::cout << "every property held\n";
  std::cout << "trace-hash: " << sim::format_hash(r.trace_hash) << "\n";
  if (!r.violations.empty())
    std::cout << "reproduce: " << reports::reproduce_command(program, file, run_seed) << "\n";
  return r.violations.empty() ? 0 : 1;
}

// A long simulated time, to the second: "1h13m44s" (sim::format_duration is exact to the microsecond).
std::string rounded_duration(uint64_t us) {
  if (us < 1000000) return std::to_string(us / 1000) + "ms";
  uint64_t s = (us + 500000) / 1000000;
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d", s %= 86400;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s || out.empty()) out += std::to_string(s) + "s";
  return out;
}

// "1 run", "3 runs".
std::string plural(uint64_t n, const std::string& one, const std::string& many = "") {
  return std::to_string(n) + " " + (n == 1 ? one : many.empty() ? one + "s" : many);
}

// The first line of a text (RapidCheck's account of a result runs to several).
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

int cmd_check(int argc, char** argv, const std::string& program) {
  const std::vector<std::string> args = arguments(argc, argv);
  std::vector<std::string> files;
  harness::CheckOptions opt;
  std::string out_dir = "counterexamples";
  std::optional<std::string> budget_text;
  model::BugSet plant;  // --plant: bugs switched on in every scenario searched
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kCheckUsage;
      return 0;
    } else if (a == "--seed") {
      opt.seed = parse_u64(a, need_value(i, args));
    } else if (a == "--runs") {
      opt.runs = static_cast<int>(parse_u64(a, need_value(i, args), 1, 1000000));
    } else if (a == "--budget") {
      const std::string v = need_value(i, args);
      sim::Duration d;
      if (!harness::parse_duration(v, d) || d.us <= 0)
        throw UsageError{"--budget takes a wall-clock duration above zero, like 10s or 2m, not '" + v + "'"};
      opt.budget_s = static_cast<double>(d.us) / 1e6;
      budget_text = v;
    } else if (a == "--out") {
      out_dir = need_value(i, args);
    } else if (a == "--plant") {
      const std::string v = need_value(i, args);
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
    } else if (a == "--reproduce") {
      opt.reproduce = need_value(i, args);
      if (opt.reproduce.empty() || opt.reproduce.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw UsageError{"--reproduce takes the string of hex digits `idemsim check` printed after \"RapidCheck:\", not '" +
                         opt.reproduce + "'"};
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for check"};
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) throw UsageError{"check needs a scenario file"};
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
                << r.runs_faults_acted << " of the runs), in " << secs << " s of wall time\n  " << reports::coverage_summary(r.coverage, s) << "\n  RapidCheck seed "
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
        (fs::path(out_dir) / (fs::path(s.file).stem().string() + (planted.empty() ? "" : "+" + planted.substr(9)) +
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
      file << harness::write_scenario(c);
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

int cmd_report(int argc, char** argv) {
  const std::vector<std::string> args = arguments(argc, argv);
  std::vector<std::string> paths;
  std::string format = "md", out;
  bool force = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kReportUsage;
      return 0;
    } else if (a == "--format") {
      format = need_value(i, args);
      if (format != "md" && format != "csv" && format != "json" && format != "junit" && format != "html")
        throw UsageError{"--format takes md, csv, json, junit or html, not '" + format + "'"};
    } else if (a == "--out") {
      out = need_value(i, args);
    } else if (a == "--force") {
      force = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for report"};
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) throw UsageError{"report needs at least one results file or directory"};
  if (!out.empty()) prepare_output(out, force);
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.path().extension() == ".json") found.push_back(e.path().string());
    std::sort(found.begin(), found.end());
    if (found.empty()) throw UsageError{p + " is a directory with no *.json results files"};
    files.insert(files.end(), found.begin(), found.end());
  }
  std::vector<reports::Merged> merged;
  try {
    std::vector<std::pair<std::string, nlohmann::ordered_json>> docs;
    for (const std::string& f : files) docs.emplace_back(f, reports::read_results(f));
    merged = reports::merge_results(docs);
  } catch (const reports::BadResults& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  std::ostringstream text;
  if (format == "md") reports::write_markdown(text, merged);
  else if (format == "csv") reports::write_csv(text, merged);
  else if (format == "json") reports::write_report_json(text, merged);
  else if (format == "html") reports::write_html(text, merged);
  else reports::write_junit(text, merged);
  if (out.empty()) {
    std::cout << text.str();
  } else {
    std::ofstream f(out, std::ios::binary);
    f << text.str();
    if (!f) {
      std::cerr << "error: cannot write " << out << "\n";
      return 2;
    }
  }
  bool complete = true;
  for (const reports::Merged& m : merged) {
    if (m.doc["runs"] == m.doc["shard"]["runs"]) continue;
    complete = false;
    std::cerr << "warning: " << m.doc["file"].get<std::string>() << ": the results hold " << m.doc["runs"].get<uint64_t>()
              << " of the run's " << m.doc["shard"]["runs"].get<uint64_t>() << " seeds (a shard not given?)\n";
  }
  const bool all_met = std::all_of(merged.begin(), merged.end(), [](const reports::Merged& m) {
    return m.doc["met_expectation"].get<bool>();
  });
  return all_met && complete ? 0 : 1;
}

// The node at a path like "clients[0].timeout" in a scenario's YAML, created for a missing last
// key; a fault's own keys may skip its kind ("faults[1].rate" for faults[1].lose.rate).
YAML::Node node_at(YAML::Node root, const std::string& path) {
  YAML::Node node;
  node.reset(root);
  size_t from = 0;
  while (from <= path.size()) {
    const size_t dot = std::min(path.find('.', from), path.size());
    std::string part = path.substr(from, dot - from);
    const bool last = dot == path.size();
    std::optional<size_t> index;
    if (const size_t open = part.find('['); open != std::string::npos) {
      const size_t close = part.find(']', open);
      size_t i = 0;
      auto r = std::from_chars(part.data() + open + 1, part.data() + (close == std::string::npos ? part.size() : close), i);
      if (close == std::string::npos || close + 1 != part.size() || r.ec != std::errc())
        throw UsageError{"--set " + path + ": '" + part + "' is not a key or key[index]"};
      index = i;
      part = part.substr(0, open);
    }
    if (part.empty()) throw UsageError{"--set " + path + ": an empty key"};
    if (!node.IsMap()) throw UsageError{"--set " + path + ": '" + part + "' is under something that is not a mapping"};
    if (!node[part] && node.size() == 1 && node.begin()->second.IsMap()) {
      YAML::Node inner;
      inner.reset(node.begin()->second);  // a fault's kind: {lose: {...}}
      node.reset(inner);
    }
    if (!node[part] && (index || !last))
      throw UsageError{"--set " + path + ": the scenario has no '" + part + "' there"};
    YAML::Node next;
    next.reset(node[part]);
    if (index) {
      if (!next.IsSequence() || *index >= next.size())
        throw UsageError{"--set " + path + ": '" + part + "' has no item " + std::to_string(*index) +
                         (next.IsSequence() ? " (it has " + std::to_string(next.size()) + ")" : " (it is not a list)")};
      YAML::Node item;
      item.reset(next[*index]);
      next.reset(item);
    }
    node.reset(next);
    if (last) return node;
    from = dot + 1;
  }
  return node;
}

int cmd_sweep(int argc, char** argv, const std::string& program) {
  (void)program;
  const std::vector<std::string> args = arguments(argc, argv);
  std::string file;
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  std::optional<uint64_t> seed, runs;
  std::string html_out;
  bool force = false;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kSweepUsage;
      return 0;
    } else if (a == "--set") {
      const std::string v = need_value(i, args);
      const size_t eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        throw UsageError{"--set takes KEY=V1,V2,..., like clients[0].timeout=500ms,2s, not '" + v + "'"};
      std::vector<std::string> values;
      size_t from = eq + 1;
      while (from <= v.size()) {
        const size_t comma = std::min(v.find(',', from), v.size());
        values.push_back(v.substr(from, comma - from));
        if (values.back().empty()) throw UsageError{"--set " + v + ": an empty value"};
        from = comma + 1;
      }
      const std::string key = v.substr(0, eq);
      if (key == "seed" || key == "runs")
        throw UsageError{"--set " + key + ": sweep runs every value at the same seeds; give --seed or --runs instead"};
      for (const auto& [k, unused] : sets)
        if (k == key) throw UsageError{"--set " + key + " is given twice; give its values in one --set, like " + key + "=V1,V2"};
      sets.emplace_back(key, values);
    } else if (a == "--seed") {
      seed = parse_u64(a, need_value(i, args));
    } else if (a == "--runs") {
      runs = parse_u64(a, need_value(i, args), 1, 10000000);
    } else if (a == "--jobs") {
      jobs = static_cast<int>(parse_u64(a, need_value(i, args), 1, 256));
    } else if (a == "--html") {
      html_out = need_value(i, args);
    } else if (a == "--force") {
      force = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for sweep"};
    } else if (file.empty()) {
      file = a;
    } else {
      throw UsageError{"sweep takes one scenario file"};
    }
  }
  if (file.empty()) throw UsageError{"sweep needs a scenario file"};
  if (sets.empty()) throw UsageError{"sweep needs at least one --set KEY=V1,V2,..."};
  if (!html_out.empty()) prepare_output(html_out, force);
  const harness::Scenario original = harness::load_scenario_file(file);  // the file itself is sound
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  // Every combination, the first --set varying slowest.
  std::vector<std::vector<size_t>> combos{{}};
  for (const auto& [key, values] : sets) {
    std::vector<std::vector<size_t>> next;
    for (const auto& c : combos)
      for (size_t v = 0; v < values.size(); ++v) {
        next.push_back(c);
        next.back().push_back(v);
      }
    combos = next;
  }
  std::vector<std::string> header;
  for (const auto& [key, values] : sets) header.push_back(key);
  for (const char* h : {"seeds", "failing", "violations", "leaked", "instance-hours", "attempts/intent", "max"})
    header.push_back(h);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> labels;  // per row: its values, for the plots
  std::vector<reports::SweepSeries> series{{"failing seeds", {}}, {"violations", {}}, {"leaked instances", {}},
                                           {"attempts per intent (mean)", {}}};
  for (const auto& combo : combos) {
    YAML::Node root = YAML::Load(text.str());
    std::string label;
    for (size_t k = 0; k < sets.size(); ++k) {
      node_at(root, sets[k].first) = sets[k].second[combo[k]];
      label += (label.empty() ? "" : ", ") + sets[k].first + "=" + sets[k].second[combo[k]];
    }
    YAML::Emitter out;
    out << root;
    const std::string name = file + " with " + label;
    harness::Scenario s;
    try {
      s = harness::parse_scenario(out.c_str(), name);
    } catch (const harness::ScenarioError& e) {
      std::string msg = e.what();
      const std::string at = e.file() + ":" + std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": ";
      if (msg.rfind(at, 0) == 0) msg = msg.substr(at.size());
      throw UsageError{"--set " + label + ": " + msg};
    }
    const harness::BatchResult b =
        harness::run_batch(s, seed.value_or(original.seed), static_cast<int64_t>(runs.value_or(original.runs)), jobs, 0);
    std::vector<std::string> row;
    for (size_t k = 0; k < sets.size(); ++k) row.push_back(sets[k].second[combo[k]]);
    std::string props;
    for (const auto& [p, n] : b.violations_by_property) props += (props.empty() ? "" : " ") + p + "=" + std::to_string(n);
    uint64_t attempts = 0, intents = 0, most = 0;
    for (size_t n = 0; n < b.distributions.attempts.size(); ++n) {
      attempts += n * b.distributions.attempts[n];
      intents += b.distributions.attempts[n];
      if (b.distributions.attempts[n]) most = n;
    }
    std::string values;
    for (size_t k = 0; k < sets.size(); ++k) values += (values.empty() ? "" : ", ") + sets[k].second[combo[k]];
    labels.push_back(values);
    series[0].values.push_back(static_cast<double>(b.failing_runs));
    series[1].values.push_back(static_cast<double>(b.violations));
    series[2].values.push_back(static_cast<double>(b.totals.leaked));
    series[3].values.push_back(intents ? static_cast<double>(attempts) / static_cast<double>(intents) : 0.0);
    series[3].texts.push_back(reports::two_decimals(attempts, intents));
    for (const std::string& v : {std::to_string(b.runs()), std::to_string(b.failing_runs),
                                 props.empty() ? std::string("none") : props, std::to_string(b.totals.leaked),
                                 reports::two_decimals(b.totals.leaked_instance_us, 3600000000ull),
                                 reports::two_decimals(attempts, intents), std::to_string(most)})
      row.push_back(v);
    rows.push_back(row);
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  auto print = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c)
      std::cout << (c ? "  " : "") << r[c] << std::string(c + 1 < r.size() ? width[c] - r[c].size() : 0, ' ');
    std::cout << "\n";
  };
  std::cout << original.name << " (" << file << "), seeds " << seed.value_or(original.seed) << " .. "
            << seed.value_or(original.seed) + runs.value_or(original.runs) - 1 << " for each:\n";
  print(header);
  for (const auto& r : rows) print(r);
  if (!html_out.empty()) {
    std::ofstream f(html_out, std::ios::binary);
    std::string keys;
    for (const auto& [key, values] : sets) keys += (keys.empty() ? "" : ", ") + key;
    reports::write_sweep_html(f, "idemsim sweep of " + keys + ": " + original.name + " (" + file + "), seeds " +
                                     std::to_string(seed.value_or(original.seed)) + " .. " +
                                     std::to_string(seed.value_or(original.seed) + runs.value_or(original.runs) - 1),
                              header, rows, labels, keys, series);
    if (!f) {
      std::cerr << "error: cannot write " << html_out << "\n";
      return 2;
    }
    std::cout << "html: " << html_out << "\n";
  }
  return 0;
}

int cmd_diff(int argc, char** argv) {
  const std::vector<std::string> args = arguments(argc, argv);
  std::string file;
  std::optional<uint64_t> seed, runs;
  uint64_t show = 3;
  std::vector<model::Semantics> sems = {model::Semantics::v2013, model::Semantics::current};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kDiffUsage;
      return 0;
    } else if (a == "--seed") {
      seed = parse_u64(a, need_value(i, args));
    } else if (a == "--runs") {
      runs = parse_u64(a, need_value(i, args), 1, 10000000);
    } else if (a == "--show") {
      show = parse_u64(a, need_value(i, args));
    } else if (a == "--semantics") {
      const std::string v = need_value(i, args);
      const size_t comma = v.find(',');
      auto one = [&](const std::string& name) {
        if (name == "2013") return model::Semantics::v2013;
        if (name == "current") return model::Semantics::current;
        throw UsageError{"--semantics takes two of 2013 and current, like 2013,current, not '" + v + "'"};
      };
      if (comma == std::string::npos) throw UsageError{"--semantics takes two of 2013 and current, like 2013,current, not '" + v + "'"};
      sems = {one(v.substr(0, comma)), one(v.substr(comma + 1))};
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "' for diff"};
    } else if (file.empty()) {
      file = a;
    } else {
      throw UsageError{"diff takes one scenario file"};
    }
  }
  if (file.empty()) throw UsageError{"diff needs a scenario file"};
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

int main(int argc, char** argv) {
  sim::keep_freed_memory();
  const std::string program = argc > 0 ? argv[0] : "idemsim";
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "--version" || cmd == "version") {
      std::cout << kVersion << "\n";
      return 0;
    }
    if (cmd == "run") return cmd_run(argc, argv, program);
    if (cmd == "replay") return cmd_replay(argc, argv, program);
    if (cmd == "diff") return cmd_diff(argc, argv);
    if (cmd == "check") return cmd_check(argc, argv, program);
    if (cmd == "report") return cmd_report(argc, argv);
    if (cmd == "sweep") return cmd_sweep(argc, argv, program);
    std::cerr << "error: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.message << " (see idemsim " << cmd << " --help)\n";
    return 2;
  } catch (const harness::ScenarioError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
