// `idemsim report --format html` and `idemsim sweep --html`: one self-contained page (no network,
// no external script, style or font; a Content-Security-Policy that forbids loading any), with
// the report's tables, and SVG drawn here: per failing scenario a timeline of its shortest
// failing run (clients and the service's frontends as lanes, attempts as arrows, faults shaded,
// the launches that broke a rule marked), and plots of retry amplification and latency.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "reports/merge.h"

namespace idem::reports {

void write_html(std::ostream& out, const std::vector<Merged>& ms);

// A sweep's page: its table (`header`, `rows`), then a bar plot per series (a name and a value per
// row) against the rows' labels (`xlabel`: what they are the values of).
struct SweepSeries {
  std::string name;
  std::vector<double> values;  // one per row
  std::vector<std::string> texts;  // one per row, as the table shows it; empty: the values as numbers
};
void write_sweep_html(std::ostream& out, const std::string& title, const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& labels,
                      const std::string& xlabel, const std::vector<SweepSeries>& series);

}  // namespace idem::reports
