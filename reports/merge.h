// `idemsim report`: results files (docs/results-format.md) read back, checked, and merged per
// scenario (the shards of one run, or runs of other seeds), then told as Markdown, CSV, JSON or
// JUnit XML. Merging is exact: the shards of a run merge into the report of the whole run.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace idem::reports {

// A results file that cannot be read: what is wrong with it, and how to fix it.
struct BadResults : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One scenario's results, merged from one or more files.
struct Merged {
  nlohmann::ordered_json doc;      // in the results format, seeds in order, counts summed
  std::vector<std::string> files;  // the results files it came from
};

// Reads and checks one results file (throws BadResults).
nlohmann::ordered_json read_results(const std::string& path);

// Merges documents of the same scenario text (file and content hash); scenarios come out in the
// order of their files. Throws BadResults when two files of one scenario disagree (other
// text, other idemsim version, a seed twice).
std::vector<Merged> merge_results(const std::vector<std::pair<std::string, nlohmann::ordered_json>>& files);

void write_markdown(std::ostream& out, const std::vector<Merged>& ms);
void write_csv(std::ostream& out, const std::vector<Merged>& ms);
void write_report_json(std::ostream& out, const std::vector<Merged>& ms);
void write_junit(std::ostream& out, const std::vector<Merged>& ms);

}  // namespace idem::reports
