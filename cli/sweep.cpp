// idemsim sweep: one scenario at each value of a setting (or each combination), tabulated.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cli/common.h"
#include "harness/batch.h"
#include "harness/load.h"
#include "reports/html.h"
#include "reports/report.h"

namespace idem::cli {

namespace {

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
    if (!node[part] && index) {
      const bool included = root.IsMap() && root["include"] && (part == "faults" || part == "service" || part == "regions");
      throw UsageError{"--set " + path + ": the scenario has no '" + part + "' there" +
                       (included ? std::string(" (what its include: files give cannot be set; copy it into the scenario)") : "")};
    }
    if (!node[part] && !last) node[part] = YAML::Node(YAML::NodeType::Map);  // a mapping the file leaves out: added
    YAML::Node next;
    next.reset(node[part]);
    if (index) {
      if (!next.IsSequence() || *index >= next.size())
        throw UsageError{"--set " + path + ": '" + part + "' has no item " + std::to_string(*index) +
                         (next.IsSequence() ? " (it has " + std::to_string(next.size()) + ")" : " (it is not a list)") +
                         (root.IsMap() && root["include"] ? "; what its include: files give cannot be set: copy it into the scenario"
                                                          : "")};
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

// --set KEY=V1,V2,...: the key and its values.
std::pair<std::string, std::vector<std::string>> set_of(const std::string& v) {
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
  return {key, values};
}

void check_set(const std::string&, const std::string& v, const Args& so_far) {
  const std::string key = set_of(v).first;
  for (const std::string& earlier : so_far.all("--set"))
    if (set_of(earlier).first == key)
      throw UsageError{"--set " + key + " is given twice; give its values in one --set, like " + key + "=V1,V2"};
}

int cmd_sweep(const Args& args, const std::string&) {
  const std::string& file = args.operands.front();
  std::vector<std::pair<std::string, std::vector<std::string>>> sets;
  for (const std::string& v : args.all("--set")) sets.push_back(set_of(v));
  const std::optional<uint64_t> seed = args.number("--seed"), runs = args.number("--runs");
  const std::string html_out = args.text("--html", "");
  const bool force = args.has("--force");
  const int jobs = static_cast<int>(args.number("--jobs", std::max(1u, std::thread::hardware_concurrency())));
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
  std::vector<std::string> warnings;  // what each run could not have tested (a value with no effect, ...)
  std::vector<reports::SweepSeries> series{{"failing seeds", {}, {}}, {"violations", {}, {}},
                                           {"leaked instances", {}, {}},
                                           {"attempts per intent (mean)", {}, {}}};
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
    for (const std::string& w : b.warnings) warnings.push_back(w);
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
  // A row a setting did not change (a value with no effect, a fault that never fired) says why.
  for (const std::string& w : warnings) std::cout << "warning: " << w << "\n";
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

}  // namespace

const Command& sweep_command() {
  static const Command command{
      .name = "sweep",
      .summary = "run a scenario at each value of a setting (or each combination) and tabulate violations, leaks "
                 "and retries against it",
      .operand = {.name = "FILE", .help = "a scenario file", .missing = "sweep needs a scenario file",
                  .extra = "sweep takes one scenario file"},
      .prose = R"(Runs the scenario once per value of each --set (or per combination, with several), at the same
seeds, and prints a row per run: the values, the failing seeds, violations by property, leaked
instances and their instance-hours, and attempts per intent: the question "at which timeout do
duplicates disappear?" in one command.
)",
      .sections = {{.flags = {
          {.name = "--set", .value = "KEY=V1,V2,...",
           .help = "a setting by its path in the file and the values to try, like clients[0].timeout=500ms,2s,5s or "
                   "faults[1].rate=1%,5%,20% (a fault's own keys, like faults[1].rate, need not name its kind: "
                   "faults[1].lose.rate); a key the file does not write is added, and the mappings above it "
                   "(service.store.ttl in a file without service:); a list item must be there (what include: "
                   "files give cannot be set). Each value is checked as the file's own would be",
           .repeat = true,
           .required = true,
           .check = check_set},
          {.name = "--seed", .value = "N", .help = "first seed (default: the file's `seed`)", .number = Range{}},
          {.name = "--runs", .value = "N", .help = "seeds per value (default: the file's `runs`)",
           .number = Range{1, 10000000}},
          {.name = "--jobs", .value = "N",
           .help = "threads (default: the number of cores); results do not depend on it", .number = Range{1, 256}},
          {.name = "--html", .value = "FILE",
           .help = "also write the table and plots of failing seeds, violations, leaked instances and attempts per "
                   "intent against the values, as one self-contained HTML page"},
          {.name = "--force", .help = "let --html overwrite a file that exists"},
      }}},
      .footer = R"(exit codes: 0 the sweep ran, 2 bad input (a path the file does not have, a value the scenario
format refuses), 3 internal error
)",
      .run = cmd_sweep,
  };
  return command;
}

}  // namespace idem::cli
