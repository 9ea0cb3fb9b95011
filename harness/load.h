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

// "250ms", "2s", "1h30m", "1.5s", "0": the duration, or false when the text is not one.
bool parse_duration(const std::string& text, sim::Duration& out);
// "80%", "2.5%", "0.05", "1/1000": the exact ratio in [0, 1], or false.
bool parse_ratio(const std::string& text, sim::Ratio& out);

}  // namespace idem::harness
