// Loads a scenario file. Every problem is reported as one ScenarioError that says what is wrong,
// where (file:line:column, 1-based) and, where it can, how to fix it.
#pragma once

#include <stdexcept>
#include <string>

#include "harness/scenario.h"

namespace idem::harness {

class ScenarioError : public std::runtime_error {
 public:
  // line and column are 1-based; 0 when the problem is the file as a whole.
  ScenarioError(std::string file, int line, int column, const std::string& message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string file_;
  int line_;
  int column_;
};

Scenario load_scenario_file(const std::string& path);
// `file` names the text in messages.
Scenario parse_scenario(const std::string& text, const std::string& file);

// The longest duration a scenario may name: sums of a few thousand of them (a time plus delays,
// spikes, backoffs) stay far from overflowing the 64-bit microsecond clock.
inline constexpr sim::Duration kLongestDuration = sim::hours(24 * 3650);

// "250ms", "2s", "1h30m", "1.5s", "0": the duration, or false when the text is not one (with the
// reason in *why, when given). Durations longer than kLongestDuration are refused.
bool parse_duration(const std::string& text, sim::Duration& out);
bool parse_duration(const std::string& text, sim::Duration& out, std::string* why);
// "80%", "2.5%", "0.05", "1/1000": the exact ratio in [0, 1], or false.
bool parse_ratio(const std::string& text, sim::Ratio& out);

}  // namespace idem::harness
