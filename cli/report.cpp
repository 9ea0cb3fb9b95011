// idemsim report: results files (shards, jobs, days) merged into one report.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/common.h"
#include "reports/html.h"
#include "reports/merge.h"
#include "reports/report.h"

namespace fs = std::filesystem;

namespace idem::cli {

namespace {

void check_format(const std::string&, const std::string& format, const Args&) {
  if (format != "md" && format != "csv" && format != "json" && format != "junit" && format != "html")
    throw UsageError{"--format takes md, csv, json, junit or html, not '" + format + "'"};
}

int cmd_report(const Args& args, const std::string&) {
  const std::vector<std::string>& paths = args.operands;
  const std::string format = args.text("--format", "md"), out = args.text("--out", "");
  const bool force = args.has("--force");
  if (!out.empty()) prepare_output(out, force);
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    // Every *.json file in it and in its subdirectories, at any depth (idemsim_add_scenarios
    // writes one results directory per test), in name order: a directory's files and
    // subdirectories by name, each subdirectory's in its place.
    std::vector<fs::path> found;
    fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".json" && it->is_regular_file(ec)) found.push_back(it->path());
    if (ec) throw UsageError{p + ": cannot be read (" + ec.message() + ")"};
    std::sort(found.begin(), found.end());
    if (found.empty()) throw UsageError{p + " is a directory with no *.json results files, in it or below it"};
    for (const fs::path& f : found) files.push_back(f.string());
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


}  // namespace

const Command& report_command() {
  static const Command command{
      .name = "report",
      .summary = "merge results files (shards, jobs, days) into one report: Markdown, CSV, JSON, JUnit XML or HTML",
      .operand = {.name = "RESULTS", .help = "a results file, or a directory holding them (searched recursively)",
                  .repeat = true,
                  .missing = "report needs at least one results file or directory"},
      .prose = R"(Reads results files (the JSON files `idemsim run` writes; a directory stands for the *.json
files in it and in its subdirectories, at any depth, in name order), merges those of one scenario
(the shards of a run with --shard K/N, or runs of other seeds: the seeds must not repeat) and
writes one report: a row per scenario, then each failing scenario's first violation and its
reproduce command. Shards merge into exactly the report of the whole run. `idemsim report
build/idemsim-results` merges the results of every test idemsim_add_scenarios registered (one
directory per test).
)",
      .sections = {{.flags = {
          {.name = "--format", .value = "md|csv|json|junit|html",
           .help = "md (default: a table for a pull-request comment), csv, json (the merged results, "
                   "docs/results-format.md, without wall times and warnings) or junit (JUnit XML: a test suite per "
                   "scenario, a test case per property, a failure with the violation and its reproduce command) or "
                   "html (one self-contained page: the table, per scenario its violations, faults and plots of retry "
                   "amplification and completion latency, and for a failing one a timeline of its shortest failing "
                   "run: clients and frontends as lanes, attempts as arrows, faults shaded, the violating launches "
                   "marked)",
           .check = check_format},
          {.name = "--out", .value = "FILE",
           .help = "write the report there (default: standard output), making its directory; an existing file is "
                   "not overwritten without --force (checked before reading)"},
          {.name = "--force", .help = "overwrite --out"},
      }}},
      .footer = R"(A scenario's expect is judged by its violations (`run --strict` judges warnings too: a shard's
warnings are not the whole run's).

exit codes: 0 every scenario met its expect over all its run's seeds, 1 one did not, or seeds are
missing (a shard not given), 2 bad input (a file that is not a results file, of another schema
version, cut short; results of one scenario that disagree)
)",
      .run = cmd_report,
  };
  return command;
}

}  // namespace idem::cli
