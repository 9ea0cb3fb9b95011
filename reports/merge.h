// `idemsim report`: results files (docs/results-format.md) read back, checked, and merged per
// scenario (the shards of one run, or runs of other seeds), then told as Markdown, CSV, JSON or
// JUnit XML. Merging is exact: the shards of a run merge into the report of the whole run.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
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

// Reading a merged document, for each format's writer.
namespace detail {
std::optional<uint64_t> quantile(const nlohmann::ordered_json& pairs, uint64_t q);  // q in hundredths
std::string mean_of(const nlohmann::ordered_json& pairs);
std::string millis(uint64_t ms);                           // "50ms", "1.5s", "2m"
std::string attempts_text(const nlohmann::ordered_json& d);    // "mean 1.04, p99 2, max 3"
std::string completion_text(const nlohmann::ordered_json& d);  // "p50 <= 50ms, p95 <= 2s, p99 <= 5s"
std::string instance_hours(uint64_t us);
// The first violation of `property` (any, when empty) kept in the results, with its run.
std::pair<const nlohmann::ordered_json*, const nlohmann::ordered_json*> first_violation(
    const nlohmann::ordered_json& d, const std::string& property);
std::string text_of(const nlohmann::ordered_json& v);
// The violation a report shows first: of the property `expect` names when it names one (as `run`
// prints it), else the first.
std::pair<const nlohmann::ordered_json*, const nlohmann::ordered_json*> shown_violation(const nlohmann::ordered_json& d);
std::string by_property(const nlohmann::ordered_json& d);  // "token-instances 3; answers 1", or "none"
std::string seeds_text(const nlohmann::ordered_json& d);   // "100", or "40 of 100 (partial)"
// "all 3 scenarios met their expect", "1 of 3 scenarios did not meet their expect: NAME", and
// how many have seeds missing.
std::string headline(const std::vector<Merged>& ms);
std::string xml(const std::string& s);  // escaped for XML and HTML text and attributes
std::string csv(const std::string& s);  // a CSV field, quoted when it must be
}  // namespace detail

void write_markdown(std::ostream& out, const std::vector<Merged>& ms);
void write_csv(std::ostream& out, const std::vector<Merged>& ms);
void write_report_json(std::ostream& out, const std::vector<Merged>& ms);
void write_junit(std::ostream& out, const std::vector<Merged>& ms);

}  // namespace idem::reports
