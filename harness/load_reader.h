// Inside the scenario loader (harness/load.cpp, load_callers.cpp, load_faults.cpp, load_values.cpp):
// YAML nodes read with their positions, every error naming its place and a fix; the known keys of
// each mapping ("did you mean"); and the Loader, whose parts are defined across those files.
// Not a public header: harness/load.h is.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/keys.h"
#include "harness/load.h"

namespace idem::harness::load_detail {

using sim::Duration;
using sim::Latency;
using sim::Ratio;


inline size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

inline std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

inline std::string kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Null: return "nothing";
    default: return "an undefined value";
  }
}

// The names a scenario gives an enum's values: the model's own name function (one table, the
// model's), every value from the first to `last` but those in `skip`.
template <typename E, typename F>
std::vector<std::pair<std::string, E>> named(F name, E last, std::initializer_list<E> skip = {}) {
  std::vector<std::pair<std::string, E>> out;
  for (unsigned v = 0; v <= static_cast<unsigned>(last); ++v) {
    const E e = static_cast<E>(v);
    if (std::find(skip.begin(), skip.end(), e) == skip.end()) out.emplace_back(std::string(name(e)), e);
  }
  return out;
}

// The token behaviours a group may name (a value of its own is {value: ...}), and the retry
// policies; `clients[]` and `explore.clients` read them from these lists.
inline const std::vector<std::pair<std::string, model::TokenMode>> kTokenModes =
    named(model::token_mode_name, model::TokenMode::timestamp, {model::TokenMode::value});
inline const std::vector<std::pair<std::string, model::PolicyKind>> kPolicies =
    named(model::policy_name, model::PolicyKind::aws_legacy);

// The most one run holds: a scenario past these is refused with how to split it (a run keeps its
// intents, and every instance's id and times, in memory).
constexpr int64_t kMostIntentsPerRun = 10000000;
constexpr int64_t kMostInstancesPerRun = 20000000;
constexpr int64_t kMostInstancesPerCall = 100000;

// The files a scenario included (`include:`), and every node each one gave the merged scenario:
// a node's place is in the file it came from, "(included from FILE:LINE:COLUMN)".
struct Included {
  std::string file;       // as it is opened: relative to the including file's folder
  std::string from;       // "main.yaml:3:12": the include entry that brought it
  std::vector<YAML::Node> nodes;
};

class Reader {
 public:
  explicit Reader(std::string file, const std::vector<Included>* included = nullptr)
      : file_(std::move(file)), included_(included) {}

  // The file a node came from, and what to add after its place.
  std::pair<const std::string*, std::string> origin(const YAML::Node& at) const {
    if (included_)
      for (const Included& inc : *included_)
        for (const YAML::Node& n : inc.nodes)
          if (n.is(at)) return {&inc.file, " (included from " + inc.from + ")"};
    return {&file_, ""};
  }

  // "file:line:column" of a node, or the file's name.
  std::string where(const YAML::Node& at) const {
    const YAML::Mark m = at.Mark();
    const auto [file, from] = origin(at);
    if (m.is_null()) return *file;
    return *file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + from;
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& msg) const {
    const YAML::Mark m = at.Mark();
    const auto [file, from] = origin(at);
    if (m.is_null()) throw ScenarioError(*file, 0, 0, msg + from);
    throw ScenarioError(*file, m.line + 1, m.column + 1, msg + from);
  }

  // `what` names the value in messages: "clients[2].timeout".
  std::string scalar(const YAML::Node& n, const std::string& what, const std::string& expected) const {
    if (!n.IsScalar()) fail(n, what + ": expected " + expected + ", found " + kind_name(n));
    return n.Scalar();
  }

  std::string text(const YAML::Node& n, const std::string& what) const {
    return scalar(n, what, "a string");
  }

  int64_t integer(const YAML::Node& n, const std::string& what, int64_t lo, int64_t hi) const {
    const std::string s = scalar(n, what, "a whole number");
    int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(n, what + ": expected a whole number, found '" + s + "'");
    if (v < lo || v > hi)
      fail(n, what + ": " + s + " is out of range; use a value from " + std::to_string(lo) + " to " +
                  std::to_string(hi));
    return v;
  }

  uint64_t unsigned64(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what, "a whole number");
    uint64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(n, what + ": expected a whole number from 0 to 18446744073709551615, found '" + s + "'");
    return v;
  }

  Duration duration(const YAML::Node& n, const std::string& what, Duration lo = Duration(0)) const {
    const std::string s = scalar(n, what, "a duration like 250ms, 2s or 24h");
    Duration d;
    std::string why;
    if (!s.empty() && s[0] == '-')
      fail(n, what + ": '" + s + "' is negative; a duration here is 0 or more, like 250ms, 2s or 24h");
    if (!parse_duration(s, d, &why))
      fail(n, what + ": '" + s + "' is not a duration" + (why == "write a number and a unit" ? "" : " (" + why + ")") +
                     "; write a number and a unit (us, ms, s, m, h, d), like 250ms, 2s, 1h30m or 24h");
    if (d < lo) fail(n, what + ": must be at least " + sim::format_duration(lo));
    return d;
  }

  Ratio ratio(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what, "a rate like 5%, 0.05 or 1/20");
    Ratio r;
    if (!parse_ratio(s, r))
      fail(n, what + ": '" + s + "' is not a rate between 0 and 1; write a percentage (5%, 0.5%), "
                     "a fraction (0.05) or a ratio (1/20)");
    return r;
  }

  bool boolean(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what, "true or false");
    if (s == "true") return true;
    if (s == "false") return false;
    fail(n, what + ": expected true or false, found '" + s + "'");
  }

  template <typename E>
  E choice(const YAML::Node& n, const std::string& what, const std::vector<std::pair<std::string, E>>& options) const {
    const std::string s = scalar(n, what, "one of " + names(options));
    std::string best;
    size_t best_d = 3;
    for (const auto& [name, v] : options) {
      if (name == s) return v;
      const size_t d = edit_distance(s, name);
      if (d < best_d) best_d = d, best = name;
    }
    fail(n, what + ": '" + s + "' is not one of " + names(options) + (best.empty() ? "" : " (did you mean '" + best + "'?)"));
  }

  template <typename E>
  static std::string names(const std::vector<std::pair<std::string, E>>& options) {
    std::vector<std::string> xs;
    for (const auto& o : options) xs.push_back(o.first);
    return join(xs);
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  const std::vector<Included>* included_;
};

// A mapping whose keys are checked: each key may be read once, unknown keys are errors that
// suggest the nearest known key.
class Map {
 public:
  Map(const Reader& r, const YAML::Node& n, std::string what, std::vector<std::string> keys)
      : r_(r), node_(n), what_(std::move(what)), keys_(std::move(keys)) {
    if (!n.IsMap()) r.fail(n, what_ + ": expected a mapping with keys such as " + join(keys_) + ", found " + kind_name(n));
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first;
      if (!k.IsScalar()) r.fail(k, what_ + ": keys must be plain words");
      const std::string key = k.Scalar();
      if (!seen.insert(key).second)
        r.fail(k, (what_.empty() ? std::string("scenario") : what_) + ": key '" + key + "' is given twice; keep one");
      if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) r.fail(k, unknown(key));
      values_.emplace(key, it->second);
    }
  }

  bool has(const std::string& key) const { return values_.count(key) && !values_.at(key).IsNull(); }
  // Written in the file, even with no value.
  bool given(const std::string& key) const { return values_.count(key) > 0; }
  const YAML::Node& get(const std::string& key) const { return values_.at(key); }
  const YAML::Node& node() const { return node_; }
  std::string at(const std::string& key) const { return what_.empty() ? key : what_ + "." + key; }

  const YAML::Node& need(const std::string& key) const {
    if (!has(key)) r_.fail(node_, (what_.empty() ? std::string("scenario") : what_) + ": missing key '" + key + "'");
    return values_.at(key);
  }

 private:
  std::string unknown(const std::string& key) const {
    std::string best;
    size_t best_d = 3;
    for (const auto& k : keys_) {
      size_t d = edit_distance(key, k);
      if (d < best_d) best_d = d, best = k;
    }
    std::string msg = (what_.empty() ? std::string("scenario") : what_) + ": unknown key '" + key + "'";
    if (key == "<<")
      return msg + ": YAML merge keys are not read; to share faults, a service or Regions between files, "
                   "list the files under `include:` at the top of the scenario (docs/scenario-format.md, include)";
    if (!best.empty()) msg += "; did you mean '" + best + "'?";
    return msg + " (known keys: " + join(keys_) + ")";
  }

  const Reader& r_;
  YAML::Node node_;
  std::string what_;
  std::vector<std::string> keys_;
  std::map<std::string, YAML::Node> values_;
};

// The scenario, part by part.
class Loader {
 public:
  Loader(const std::string& file, const std::vector<Included>* included = nullptr) : r_(file, included) {}
  Scenario load(const YAML::Node& root);

 private:
  Latency latency(const YAML::Node& n, const std::string& what);
  void regions(const Map& m, Scenario& s, const Latency& net);
  void service(const Map& m, Scenario& s);

  // A rate of requests: "2/s", "100/m", "1/500ms" (a whole number per duration).
  void refill(const YAML::Node& n, const std::string& what, model::Throttle& t);
  model::BugSet bugs(const YAML::Node& n);
  void token(const YAML::Node& n, const std::string& what, model::ClientSpec& c);

  // `explore:`: the envelope `idemsim check` draws from (harness/scenario.h, Explore).
  void explore(const YAML::Node& n, Scenario& s);

  // `leaks: {max_age, max_instance_hours}`.
  void leaks(const YAML::Node& n, Scenario& s);
  // `expect: pass`, `expect: fail`, or `expect: {fail: PROPERTY}`.
  void expect(const YAML::Node& n, Scenario& s);

  // Keys that change nothing under the scenario's other settings: a user who wrote them expects
  // them to be tested, so each is named (run reports them; --strict fails on them).
  void inert_keys(const YAML::Node& root, Scenario& s);

  // The service's parts that nothing in the scenario can exercise.
  void service_parts_inert(const YAML::Node& service, Scenario& s);
  uint32_t region_index(const Scenario& s, const YAML::Node& n, const std::string& what);
  model::RetryPolicy retry(const YAML::Node& n, const std::string& what);
  void request(const YAML::Node& n, const std::string& what, model::LaunchParams& p);
  void clients(const YAML::Node& n, Scenario& s);
  void reapers(const YAML::Node& n, Scenario& s);
  faults::Window window(const Map& m);

  // Every fault's common keys (`from`, `for`, `region`), then the fault into the plan.
  template <typename F>
  void add(const Map& m, Scenario& s, F fault) {
    fault.window = window(m);
    fault.region = region_filter(m, s);
    s.faults.faults.push_back(fault);
  }
  std::optional<uint32_t> region_filter(const Map& m, const Scenario& s);
  void faults(const YAML::Node& n, Scenario& s);
  uint32_t group_index(const Scenario& s, const YAML::Node& n, const std::string& what);
  uint32_t frontend_index(const Scenario& s, const YAML::Node& n, const std::string& what);

  // A duration that may be negative: "-30s".
  Duration signed_duration(const YAML::Node& n, const std::string& what);
  void crash(const Map& m, Scenario& s);
  Reader r_;
};

}  // namespace idem::harness::load_detail
