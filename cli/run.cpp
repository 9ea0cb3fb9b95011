// idemsim run: scenario files at many seeds, a row per scenario, results files and reports.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "cli/common.h"
#include "harness/batch.h"
#include "harness/load.h"
#include "reports/html.h"
#include "reports/merge.h"
#include "reports/cloudtrail.h"
#include "reports/report.h"
#include "sim/trace.h"

namespace fs = std::filesystem;

namespace idem::cli {

namespace {

// --shard K/N: the K-th of N blocks of the seeds.
std::pair<uint64_t, uint64_t> shard_of(const std::string& v) {
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
  return {k, n};
}

void check_shard(const std::string&, const std::string& v, const Args&) { shard_of(v); }

int cmd_run(const Args& args, const std::string& program) {
  const std::vector<std::string>& paths = args.operands;
  const std::optional<uint64_t> seed = args.number("--seed"), runs = args.number("--runs");
  const std::string out_dir = args.text("--out", "results");
  const int jobs = static_cast<int>(args.number("--jobs", std::max(1u, std::thread::hardware_concurrency())));
  const std::optional<size_t> show = args.number("--show");
  const size_t keep = args.number("--keep", 10);
  const bool strict = args.has("--strict");
  const std::pair<uint64_t, uint64_t> shard = args.has("--shard") ? shard_of(*args.text("--shard")) : std::pair<uint64_t, uint64_t>{1, 1};
  const std::string junit_out = args.text("--junit", ""), md_out = args.text("--md", ""), html_out = args.text("--html", "");
  const bool force = args.has("--force");
  const bool quiet = args.has("--quiet");        // no progress bar
  const bool summary = args.has("--summary");    // a row per directory; only what did not meet its expect
  const bool progress = args.has("--progress");  // one even off a terminal, from the start
  for (const auto& [x, y] : {std::pair{&junit_out, &md_out}, std::pair{&junit_out, &html_out}, std::pair{&md_out, &html_out}})
    if (!x->empty() && fs::path(*x).lexically_normal() == fs::path(*y).lexically_normal())
      throw UsageError{"--junit, --md and --html name one file, " + *x + "; give each its own"};
  for (const std::string* o : {&junit_out, &md_out, &html_out})
    if (!o->empty()) prepare_output(*o, force);
  const std::string cloudtrail_out = args.text("--cloudtrail", "");
  if (!cloudtrail_out.empty()) prepare_output(cloudtrail_out, force);

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
  if (!cloudtrail_out.empty()) {
    // One run's records: the first seed's of the one scenario.
    if (scenarios.size() != 1)
      throw UsageError{"--cloudtrail writes one run of one scenario, and " + std::to_string(scenarios.size()) +
                       " scenario files were given; give one (its first seed is written)"};
    const harness::Scenario& s = scenarios.front();
    harness::RunOptions opt;
    opt.keep_log = true;
    const uint64_t at = seed.value_or(s.seed);
    const harness::RunResult one = harness::run_once(s, at, opt);
    std::ofstream o(cloudtrail_out, std::ios::binary);
    reports::write_cloudtrail(o, s, *one.log, at);
    if (!o) throw UsageError{"--cloudtrail " + cloudtrail_out + ": cannot write it"};
  }
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

  if (summary) {
    reports::print_summary(std::cout, batches);
    reports::print_caught(std::cout, batches, program);
    reports::print_warnings(std::cout, batches);
    reports::print_failures(std::cout, batches, program, show.value_or(1), /*only_unmet=*/true);
  } else {
    reports::print_table(std::cout, batches);
    reports::print_details(std::cout, batches);
    reports::print_warnings(std::cout, batches);
    reports::print_failures(std::cout, batches, program, show);
  }

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
    reports::write_json(f, b, program, version_number(), wall[i]);
    if (!f) {
      std::cerr << "error: cannot write " << file.string() << "\n";
      return 2;
    }
  }
  std::cout << "\nresults: " << out_dir << "/ (one JSON file per scenario)\n";
  if (summary && html_out.empty() && md_out.empty())
    std::cout << "every scenario's row, and each caught bug's story: " << program << " run PATH (without --summary), or "
              << program << " report " << out_dir << " --format html\n";
  if (!junit_out.empty() || !md_out.empty() || !html_out.empty()) {
    // The reports `idemsim report` would write from these results files.
    std::vector<std::pair<std::string, nlohmann::ordered_json>> docs;
    for (size_t i = 0; i < batches.size(); ++i) {
      std::ostringstream text;
      reports::write_json(text, batches[i], program, version_number(), wall[i]);
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

}  // namespace

const Command& run_command() {
  static const Command command{
      .name = "run",
      .summary = "run scenario files (a directory means its *.yaml files, recursively)",
      .operand = {.name = "PATH",
                  .help = "a scenario file, or a directory: its *.yaml and *.yml files, recursively, in name order",
                  .repeat = true,
                  .missing = "run needs at least one scenario file or directory"},
      .prose = R"(Runs each scenario at seeds seed .. seed+runs-1 (defaults: the file's `seed` and `runs`) and
prints one row per scenario (and per client group, when it has several), the warnings about what
a scenario could not have tested, then for each failing seed its violation, the story behind it
and the command that replays it. The first seed of each scenario runs twice, and the two traces
must agree.

Columns: intents (ok: a call succeeded; failed: a 4xx, nothing launched; unknown: a 5xx or no
answer, it may have launched; open: cut off by the time limit), requests (attempts sent),
retries, instances launched, leaked (instances launched for an intent that no answer to it
ever named: the caller cannot know they exist), violations.
)",
      .sections = {{.flags = {
          {.name = "--seed", .value = "N", .help = "first seed (default: the file's `seed`, else 1)", .number = Range{}},
          {.name = "--runs", .value = "N", .help = "number of seeds (default: the file's `runs`, else 1)",
           .number = Range{1, 10000000}},
          {.name = "--out", .value = "DIR", .help = "where to write one JSON results file per scenario (default: results)"},
          {.name = "--jobs", .value = "N",
           .help = "run seeds on N threads (default: the number of cores); results do not depend on it",
           .number = Range{1, 256}},
          {.name = "--show", .value = "N",
           .help = "failing seeds to print per scenario (default: 3, or 1 for a caught `expect: fail`)",
           .number = Range{0, 1000000}},
          {.name = "--keep", .value = "N",
           .help = "failing seeds per scenario whose violations keep their events, for the output and the JSON file "
                   "(default 10); the others keep their counts and reproduce commands, so memory stays flat however "
                   "many seeds run",
           .number = Range{0, 1000000}},
          {.name = "--strict",
           .help = "a warning (a fault that never fired, intents cut off by the limit, a group that never started, a "
                   "key with no effect, an expect: fail caught by another property) fails its scenario"},
          {.name = "--summary",
           .help = "a row per directory instead of per scenario, and the failing seeds of only the scenarios that did "
                   "not meet their expect (one each, unless --show); the caught bugs' stories are in the results and "
                   "in --md or --html"},
          {.name = "--quiet",
           .help = "no progress bar (there is one on stderr when it is a terminal and a scenario runs longer than a "
                   "second: seeds done, seeds per second, failing seeds, time left)"},
          {.name = "--progress",
           .help = "the progress bar even when stderr is not a terminal (a CI log), from the start"},
          {.name = "--cloudtrail", .value = "FILE",
           .help = "also write the first seed's run as CloudTrail would have logged it (docs/audit.md): the requests "
                   "that reached the service, with its answers, as {\"Records\": [...]}; idemsim audit reads it. One "
                   "scenario file only"},
          {.name = "--junit", .value = "FILE",
           .help = "also write the JUnit XML report (as `idemsim report --format junit` would)"},
          {.name = "--md", .value = "FILE",
           .help = "also write the Markdown report (as `idemsim report --format md` would)"},
          {.name = "--html", .value = "FILE",
           .help = "also write the HTML report (as `idemsim report --format html` would): tables, plots, and a "
                   "timeline of each failing scenario's shortest failing run"},
          {.name = "--force", .help = "let --junit, --md and --html overwrite a file that exists"},
          {.name = "--shard", .value = "K/N",
           .help = "run only the K-th of N equal blocks of the seeds (K from 1): N machines or CI jobs, each with its "
                   "K, run every seed once between them; `idemsim report` merges their results files into the report "
                   "of the whole (docs/ci.md)",
           .check = check_shard},
      }}},
      .footer = R"(exit codes: 0 every scenario met its `expect`, 1 at least one did not, 2 bad input,
3 internal error (such as two runs of one seed that differ)
)",
      .run = cmd_run,
  };
  return command;
}

}  // namespace idem::cli
