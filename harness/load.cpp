#include "harness/load.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

namespace idem::harness {

using sim::Duration;
using sim::Latency;
using sim::Ratio;

ScenarioError::ScenarioError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(line > 0 ? file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                        ": " + message
                                  : file + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

// ---------------------------------------------------------------------------------------------
// Scalars

namespace {

bool parse_decimal(std::string_view s, uint64_t& whole, uint64_t& frac, int& frac_digits) {
  whole = 0;
  frac = 0;
  frac_digits = 0;
  size_t i = 0;
  bool digits = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (whole > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    digits = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (frac_digits >= 12) return false;
      frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
      ++frac_digits;
      digits = true;
    }
  }
  return digits && i == s.size();
}

uint64_t pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

bool parse_duration(const std::string& text, Duration& out) { return parse_duration(text, out, nullptr); }

bool parse_duration(const std::string& text, Duration& out, std::string* why) {
  auto no = [why](const char* reason) {
    if (why) *why = reason;
    return false;
  };
  std::string_view s(text);
  if (s == "0") {
    out = Duration(0);
    return true;
  }
  struct Unit {
    std::string_view name;
    int64_t us;
  };
  static constexpr Unit kUnits[] = {{"us", 1},          {"ms", 1000},           {"s", 1000000},
                                    {"m", 60000000},    {"h", 3600000000LL},    {"d", 86400000000LL}};
  __int128 total = 0;
  bool any = false;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
    size_t u = n;
    while (u < s.size() && s[u] >= 'a' && s[u] <= 'z') ++u;
    if (n == 0 || u == n) return no("write a number and a unit");
    const std::string_view unit = s.substr(n, u - n);
    const Unit* found = nullptr;
    for (const Unit& k : kUnits)
      if (k.name == unit) found = &k;
    if (!found) return no("the unit must be one of us, ms, s, m, h, d");
    uint64_t whole, frac;
    int digits;
    if (!parse_decimal(s.substr(0, n), whole, frac, digits)) return no("the number is not a plain decimal");
    const __int128 scaled_frac = static_cast<__int128>(frac) * found->us;
    if (scaled_frac % pow10(digits) != 0) return no("it is finer than a microsecond, the simulator's tick");
    total += static_cast<__int128>(whole) * found->us + scaled_frac / pow10(digits);
    if (total > kLongestDuration.us) return no("it is longer than 3650d, the longest a scenario may name");
    any = true;
    s.remove_prefix(u);
  }
  if (!any) return no("write a number and a unit");
  out = Duration(static_cast<int64_t>(total));
  return true;
}

bool parse_ratio(const std::string& text, Ratio& out) {
  std::string_view s(text);
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    uint64_t num = 0, den = 0;
    auto a = std::from_chars(s.data(), s.data() + slash, num);
    auto b = std::from_chars(s.data() + slash + 1, s.data() + s.size(), den);
    if (a.ec != std::errc() || a.ptr != s.data() + slash || b.ec != std::errc() ||
        b.ptr != s.data() + s.size() || den == 0 || num > den)
      return false;
    out = Ratio{num, den};
    return true;
  }
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.remove_suffix(1);
  uint64_t whole, frac;
  int digits;
  if (!parse_decimal(s, whole, frac, digits) || whole > 100) return false;
  uint64_t den = pow10(digits) * (percent ? 100 : 1);
  uint64_t num = whole * pow10(digits) + frac;
  if (num > den) return false;
  out = Ratio{num, den};
  return true;
}

// ---------------------------------------------------------------------------------------------
// The reader: YAML nodes with their positions, and the errors that name them.

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
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

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs) out += (out.empty() ? "" : ", ") + x;
  return out;
}

std::string kind_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Null: return "nothing";
    default: return "an undefined value";
  }
}

// The token behaviours a group may name (a value of its own is {value: ...}), and the retry
// policies; `clients[]` and `explore.clients` read them from these lists.
const std::vector<std::pair<std::string, model::TokenMode>> kTokenModes = {
    {"sdk", model::TokenMode::sdk},           {"persisted", model::TokenMode::persisted},
    {"write-back", model::TokenMode::write_back}, {"per-attempt", model::TokenMode::per_attempt},
    {"derived", model::TokenMode::derived},   {"timestamp", model::TokenMode::timestamp},
    {"none", model::TokenMode::none}};
const std::vector<std::pair<std::string, model::PolicyKind>> kPolicies = {
    {"none", model::PolicyKind::none},
    {"exponential", model::PolicyKind::exponential},
    {"aws-standard", model::PolicyKind::aws_standard},
    {"aws-standard-2026", model::PolicyKind::aws_standard_2026},
    {"aws-adaptive", model::PolicyKind::aws_adaptive},
    {"aws-legacy", model::PolicyKind::aws_legacy}};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  // "file:line:column" of a node, or the file's name.
  std::string where(const YAML::Node& at) const {
    const YAML::Mark m = at.Mark();
    if (m.is_null()) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& msg) const {
    const YAML::Mark m = at.Mark();
    if (m.is_null()) throw ScenarioError(file_, 0, 0, msg);
    throw ScenarioError(file_, m.line + 1, m.column + 1, msg);
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
    if (!best.empty()) msg += "; did you mean '" + best + "'?";
    return msg + " (known keys: " + join(keys_) + ")";
  }

  const Reader& r_;
  YAML::Node node_;
  std::string what_;
  std::vector<std::string> keys_;
  std::map<std::string, YAML::Node> values_;
};

// ---------------------------------------------------------------------------------------------
// The scenario's parts

class Loader {
 public:
  Loader(const std::string& file) : r_(file) {}

  Scenario load(const YAML::Node& root) {
    Scenario s;
    s.file = r_.file();
    if (!root.IsMap())
      throw ScenarioError(r_.file(), 0, 0,
                          "the top level must be a mapping of keys such as name, clients and faults, "
                          "but it is " + kind_name(root) + "; see docs/scenario-format.md");
    Map m(r_, root, "",
          {"name", "description", "seed", "runs", "semantics", "limit", "regions", "network",
           "service", "clients", "reapers", "faults", "heal_at", "converge", "max_attempts_per_intent", "bugs",
           "expect", "explore"});
    s.name = r_.text(m.need("name"), "name");
    if (s.name.empty()) r_.fail(m.get("name"), "name: must not be empty");
    if (m.has("description")) s.description = r_.text(m.get("description"), "description");
    if (m.has("seed")) s.seed = r_.unsigned64(m.get("seed"), "seed");
    if (m.has("runs")) s.runs = r_.integer(m.get("runs"), "runs", 1, 10000000);
    if (m.has("semantics"))
      s.service.semantics = r_.choice<model::Semantics>(
          m.get("semantics"), "semantics", {{"current", model::Semantics::current}, {"2013", model::Semantics::v2013}});
    if (m.has("limit")) s.limit = r_.duration(m.get("limit"), "limit", sim::micros(1));
    s.at_limit = Where{m.has("limit") ? r_.where(m.get("limit")) : r_.file()};
    Latency net = Latency{sim::micros(500), sim::millis(1), sim::millis(5), sim::millis(20)};
    if (m.has("network")) {
      Map n(r_, m.get("network"), "network", {"latency"});
      if (n.has("latency")) net = latency(n.get("latency"), "network.latency");
    }
    regions(m, s, net);
    if (m.has("service")) {
      const YAML::Node& sv = m.get("service");
      if (sv.IsMap())
        for (const char* key : {"write", "gap", "replicas", "lag", "durability", "ttl"})
          if (sv[key])
            r_.fail(sv[key], std::string("service.") + key + ": this key belongs to the token store; write it under "
                                                              "service.store, like store: {" + key + ": ...}");
      if (sv.IsMap() && sv["store"] && sv["store"].IsMap() && sv["store"]["token_window"])
        r_.fail(sv["store"]["token_window"], "service.store.token_window: the key is `ttl` now, like store: {ttl: 2s}");
      if (sv.IsMap() && sv["token_window"])
        r_.fail(sv["token_window"], "service.token_window: this key is now service.store.ttl (the token store forgets a "
                                    "record this long after writing it); write store: {ttl: " +
                                        (sv["token_window"].IsScalar() ? sv["token_window"].Scalar() : std::string("...")) + "}");
      service(Map(r_, sv, "service",
                  {"latency", "launch_time", "terminate_time", "describe_lag", "tag_lag", "token_retention", "capacity",
                   "frontends", "balancer", "store", "steps", "recover", "throttle"}),
              s);
    }
    if (m.has("bugs")) s.bugs = bugs(m.get("bugs"));
    s.service.bugs = s.bugs;
    clients(m.need("clients"), s);
    if (m.has("reapers")) reapers(m.get("reapers"), s);
    if (m.has("faults")) faults(m.get("faults"), s);
    if (m.has("heal_at")) s.faults.heal_at = sim::Time(0) + r_.duration(m.get("heal_at"), "heal_at");
    if (m.has("converge")) {
      if (!m.has("heal_at"))
        r_.fail(m.get("converge"), "converge: the time to converge after the faults heal needs `heal_at` (when they "
                                   "end); add heal_at, or remove converge");
      s.converge = r_.duration(m.get("converge"), "converge");
    }
    if (m.has("max_attempts_per_intent"))
      s.max_attempts_per_intent =
          static_cast<int32_t>(r_.integer(m.get("max_attempts_per_intent"), "max_attempts_per_intent", 1, 1000000));
    if (m.has("expect")) expect(m.get("expect"), s);
    if (m.given("explore")) explore(m.get("explore"), s);
    s.at_expect = Where{m.has("expect") ? r_.where(m.get("expect")) : r_.file()};
    inert_keys(root, s);
    return s;
  }

 private:
  Latency latency(const YAML::Node& n, const std::string& what) {
    if (n.IsScalar()) return Latency::fixed(r_.duration(n, what));
    Map m(r_, n, what, {"min", "median", "p99", "max"});
    auto get = [&](const char* k) -> std::optional<Duration> {
      if (!m.has(k)) return std::nullopt;
      return r_.duration(m.get(k), m.at(k));
    };
    auto min = get("min"), median = get("median"), p99 = get("p99"), max = get("max");
    Latency l;
    if (!median) {
      if (!min || !max || p99)
        r_.fail(n, what + ": give either min and max (uniform), or a median (with p99, min and max "
                          "if you like); for example {median: 40ms, p99: 400ms}");
      if (*max < *min) r_.fail(m.get("max"), m.at("max") + ": must not be less than min");
      return Latency::uniform(*min, *max);
    }
    l.median = *median;
    l.min = min ? *min : Duration(0);
    l.p99 = p99 ? *p99 : *median;
    l.max = max ? *max : Duration(l.p99.us * 2);
    if (!l.valid())
      r_.fail(n, what + ": the quantiles must grow: min <= median <= p99 <= max (here " +
                     sim::format_duration(l.min) + ", " + sim::format_duration(l.median) + ", " +
                     sim::format_duration(l.p99) + ", " + sim::format_duration(l.max) + ")");
    return l;
  }

  void regions(const Map& m, Scenario& s, const Latency& net) {
    if (!m.has("regions")) {
      s.service.regions.push_back({"us-east-1", {"us-east-1a", "us-east-1b"}, {}});
      s.region_latency.push_back(net);
      return;
    }
    const YAML::Node& n = m.get("regions");
    if (!n.IsMap() || n.size() == 0)
      r_.fail(n, "regions: expected a mapping of Region names, like {us-east-1: {zones: [us-east-1a]}}");
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string name = r_.text(it->first, "regions");
      for (const auto& r : s.service.regions)
        if (r.name == name) r_.fail(it->first, "regions: Region '" + name + "' is given twice");
      model::RegionSpec spec{name, {}, {}};
      Latency lat = net;
      const std::string what = "regions." + name;
      if (!it->second.IsNull()) {
        Map rm(r_, it->second, what, {"zones", "subnets", "latency"});
        if (rm.has("zones")) {
          const YAML::Node& z = rm.get("zones");
          if (!z.IsSequence()) r_.fail(z, rm.at("zones") + ": expected a list of zone names");
          for (const auto& zone : z) spec.zones.push_back(r_.text(zone, rm.at("zones")));
        }
        if (rm.has("subnets")) {
          const YAML::Node& sn = rm.get("subnets");
          if (!sn.IsMap()) r_.fail(sn, rm.at("subnets") + ": expected a mapping of subnet ids to zones, like {subnet-1: us-east-1a}");
          for (auto j = sn.begin(); j != sn.end(); ++j) {
            const std::string zone = r_.text(j->second, rm.at("subnets"));
            if (std::find(spec.zones.begin(), spec.zones.end(), zone) == spec.zones.end())
              r_.fail(j->second, rm.at("subnets") + ": zone '" + zone + "' is not one of this Region's zones (" + join(spec.zones) + ")");
            spec.subnets[r_.text(j->first, rm.at("subnets"))] = zone;
          }
        }
        if (rm.has("latency")) lat = latency(rm.get("latency"), rm.at("latency"));
      }
      s.service.regions.push_back(std::move(spec));
      s.region_latency.push_back(lat);
    }
  }

  void service(const Map& m, Scenario& s) {
    model::ServiceConfig& c = s.service;
    if (m.has("latency")) s.service_latency = latency(m.get("latency"), m.at("latency"));
    if (m.has("launch_time")) c.launch_time = r_.duration(m.get("launch_time"), m.at("launch_time"));
    if (m.has("terminate_time")) c.terminate_time = r_.duration(m.get("terminate_time"), m.at("terminate_time"));
    if (m.has("describe_lag")) c.describe_lag = r_.duration(m.get("describe_lag"), m.at("describe_lag"));
    if (m.has("tag_lag")) c.tag_lag = r_.duration(m.get("tag_lag"), m.at("tag_lag"));
    if (m.has("token_retention")) c.token_retention = r_.duration(m.get("token_retention"), m.at("token_retention"));
    if (m.has("frontends")) c.frontends = static_cast<uint32_t>(r_.integer(m.get("frontends"), m.at("frontends"), 1, 64));
    if (m.has("balancer"))
      c.balancer = r_.choice<model::Balancer>(m.get("balancer"), m.at("balancer"),
                                              {{"random", model::Balancer::random}, {"round-robin", model::Balancer::round_robin}});
    if (m.has("store")) {
      Map st(r_, m.get("store"), m.at("store"), {"write", "gap", "replicas", "lag", "durability", "ttl"});
      model::StoreConfig& sc = c.store;
      if (st.has("write"))
        sc.write = r_.choice<model::StoreWrite>(
            st.get("write"), st.at("write"),
            {{"conditional", model::StoreWrite::conditional}, {"read-then-write", model::StoreWrite::read_then_write}});
      if (st.has("gap")) sc.gap = r_.duration(st.get("gap"), st.at("gap"));
      if (st.has("replicas")) sc.replicas = static_cast<uint32_t>(r_.integer(st.get("replicas"), st.at("replicas"), 1, 16));
      if (st.has("lag")) sc.lag = r_.duration(st.get("lag"), st.at("lag"));
      if (st.has("durability"))
        sc.durability = r_.choice<model::Durability>(
            st.get("durability"), st.at("durability"),
            {{"durable", model::Durability::durable}, {"volatile", model::Durability::lossy}});
      if (st.has("ttl")) sc.ttl = r_.duration(st.get("ttl"), st.at("ttl"), sim::micros(1));
      if (st.has("gap") && sc.write != model::StoreWrite::read_then_write)
        r_.fail(st.get("gap"), st.at("gap") + ": only a read-then-write store has a gap between its read and its "
                                              "insert; add write: read-then-write, or remove gap");
      if (st.has("lag") && sc.replicas < 2)
        r_.fail(st.get("lag"), st.at("lag") + ": a lag needs read replicas; add replicas: 2 (or more), or remove lag");
    }
    if (m.has("steps")) {
      Map st(r_, m.get("steps"), m.at("steps"), {"validate", "reserve", "launch", "record", "reply"});
      model::Steps& k = c.steps;
      for (auto [key, d] : {std::pair<const char*, Duration*>{"validate", &k.validate}, {"reserve", &k.reserve},
                            {"launch", &k.launch}, {"record", &k.record}, {"reply", &k.reply}})
        if (st.has(key)) *d = r_.duration(st.get(key), st.at(key));
    }
    if (m.has("recover")) c.recover = r_.boolean(m.get("recover"), m.at("recover"));
    if (m.has("throttle")) {
      Map th(r_, m.get("throttle"), m.at("throttle"), {"bucket", "refill"});
      model::Throttle t;
      t.bucket = r_.integer(th.need("bucket"), th.at("bucket"), 1, 1000000000);
      refill(th.need("refill"), th.at("refill"), t);
      c.throttle = t;
      s.at_throttle = Where{r_.where(m.get("throttle"))};
    }
    if (m.has("capacity")) {
      const YAML::Node& n = m.get("capacity");
      if (!n.IsMap()) r_.fail(n, m.at("capacity") + ": expected a mapping of instance types to counts, like {m5.large: 10}");
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string type = r_.text(it->first, m.at("capacity"));
        c.capacity[type] = r_.integer(it->second, m.at("capacity") + "." + type, 0, 1000000000);
      }
    }
  }

  // A rate of requests: "2/s", "100/m", "1/500ms" (a whole number per duration).
  void refill(const YAML::Node& n, const std::string& what, model::Throttle& t) {
    const std::string text = r_.scalar(n, what, "a rate like 2/s");
    const size_t slash = text.find('/');
    auto bad = [&](const std::string& why) {
      r_.fail(n, what + ": '" + text + "' is not a refill rate (" + why + "); write requests per time, like 2/s, 100/m or 1/500ms");
    };
    if (slash == std::string::npos) bad("no '/'");
    int64_t per = 0;
    auto r = std::from_chars(text.data(), text.data() + slash, per);
    if (r.ec != std::errc() || r.ptr != text.data() + slash || per < 1 || per > 1000000) bad("the count must be a whole number from 1 to 1000000");
    std::string unit = text.substr(slash + 1);
    if (!unit.empty() && unit[0] >= 'a' && unit[0] <= 'z') unit = "1" + unit;
    Duration every;
    std::string why;
    if (!parse_duration(unit, every, &why)) bad("after the '/': " + why);
    if (every.us < 1) bad("the time must be more than 0");
    t.per = per;
    t.every = every;
  }

  model::BugSet bugs(const YAML::Node& n) {
    if (!n.IsSequence())
      r_.fail(n, "bugs: expected a list of planted bug names, like [record-after-launch]; see docs/bugs.md");
    model::BugSet out;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string what = "bugs[" + std::to_string(i) + "]";
      const std::string name = r_.scalar(n[i], what, "a bug name");
      model::Bug b;
      if (!model::parse_bug(name, b)) {
        std::vector<std::string> known;
        std::string best;
        size_t best_d = 4;
        for (unsigned k = 0; k < static_cast<unsigned>(model::Bug::kCount); ++k) {
          known.emplace_back(model::bug_info(static_cast<model::Bug>(k)).name);
          const size_t d = edit_distance(name, known.back());
          if (d < best_d) best_d = d, best = known.back();
        }
        r_.fail(n[i], what + ": unknown bug '" + name + "'" + (best.empty() ? "" : "; did you mean '" + best + "'?") +
                          " (known bugs: " + join(known) + "; see docs/bugs.md)");
      }
      if (out.has(b)) r_.fail(n[i], what + ": bug '" + name + "' is named twice");
      out.add(b);
    }
    return out;
  }

  void token(const YAML::Node& n, const std::string& what, model::ClientSpec& c) {
    if (n.IsMap()) {
      Map m(r_, n, what, {"value"});
      if (m.given("value") && m.get("value").IsNull())
        r_.fail(m.get("value").Mark().is_null() ? n : m.get("value"),
                m.at("value") + ": has no value; give the token as a quoted string, like {value: \"my-token-1\"} "
                                "(an empty token is {value: \"\"})");
      const YAML::Node& v = m.need("value");
      if (!v.IsScalar())
        r_.fail(v, m.at("value") + ": expected the token as a string, like \"my-token-1\", found " + kind_name(v));
      c.token = model::TokenMode::value;
      c.token_value = v.Scalar();  // sent exactly as written, valid or not
      return;
    }
    if (!n.IsScalar())
      r_.fail(n, what + ": expected sdk, persisted, write-back, per-attempt, derived, timestamp, none, or "
                        "{value: STRING}, found " + kind_name(n));
    if (n.Scalar() == "value")
      r_.fail(n, what + ": give the token itself, like {value: \"my-token-1\"}");
    const std::string mode = n.Scalar();
    std::string best;
    size_t best_d = 3;
    for (const auto& [name, m] : kTokenModes) {
      if (name == mode) {
        c.token = m;
        return;
      }
      if (edit_distance(mode, name) < best_d) best_d = edit_distance(mode, name), best = name;
    }
    r_.fail(n, what + ": '" + mode + "' is not one of sdk, persisted, write-back, per-attempt, derived, timestamp, none" +
                   (best.empty() ? "" : " (did you mean '" + best + "'?)") +
                   "; to send one fixed token, write {value: \"" + mode + "\"}");
  }

  // `explore:`: the envelope `idemsim check` draws from (harness/scenario.h, Explore).
  void explore(const YAML::Node& n, Scenario& s) {
    Explore& e = s.explore;
    e.given = true;
    if (n.IsNull()) return;  // `explore:` alone: the default envelope, said out loud
    Map m(r_, n, "explore", {"faults", "max_faults", "window", "length", "rate", "clients", "tokens"});
    // A list of names, each one of `options` and none twice.
    auto names = [&]<typename E>(const YAML::Node& list, const std::string& what,
                                 const std::vector<std::pair<std::string, E>>& options) {
      if (!list.IsSequence() || list.size() == 0)
        r_.fail(list, what + ": expected a list of one or more of " + Reader::names(options) + ", found " +
                          (list.IsSequence() ? std::string("an empty list") : kind_name(list)));
      std::vector<E> out;
      for (size_t i = 0; i < list.size(); ++i) {
        // A word that begins several names ("storm"): name them.
        if (list[i].IsScalar() && std::none_of(options.begin(), options.end(),
                                               [&](const auto& o) { return o.first == list[i].Scalar(); })) {
          std::vector<std::string> starts;
          for (const auto& o : options)
            if (o.first.rfind(list[i].Scalar() + "-", 0) == 0) starts.push_back(o.first);
          if (!starts.empty())
            r_.fail(list[i], what + "[" + std::to_string(i) + "]: '" + list[i].Scalar() + "' is not one of " +
                                 Reader::names(options) + "; did you mean " + join(starts) + "?");
        }
        const E v = r_.choice<E>(list[i], what + "[" + std::to_string(i) + "]", options);
        if (std::find(out.begin(), out.end(), v) != out.end())
          r_.fail(list[i], what + "[" + std::to_string(i) + "]: '" + list[i].Scalar() + "' is listed twice; keep one");
        out.push_back(v);
      }
      return out;
    };
    // Whole seconds: the search draws times in seconds, so that they shrink in few steps.
    auto seconds = [&](const YAML::Node& v, const std::string& what, Duration lo) {
      const Duration d = r_.duration(v, what, lo);
      if (d.us % 1000000 != 0)
        r_.fail(v, what + ": '" + v.Scalar() + "' is not a whole number of seconds; check draws fault times in whole "
                          "seconds (so that they shrink in few steps); write 1s, 30s or 2m");
      return d;
    };
    if (m.has("faults")) {
      std::vector<std::pair<std::string, ExploreKind>> options;
      for (size_t k = 0; k < static_cast<size_t>(ExploreKind::kCount); ++k)
        options.emplace_back(kExploreKindNames[k], static_cast<ExploreKind>(k));
      e.kinds = names(m.get("faults"), m.at("faults"), options);
      const YAML::Node& list = m.get("faults");
      for (size_t i = 0; i < e.kinds.size(); ++i) {
        if (e.kinds[i] != ExploreKind::crash_client) continue;
        bool any = false;
        for (const ClientGroup& g : s.clients) any = any || g.spec.controller.has_value();
        if (!any)
          r_.fail(list[i], m.at("faults") + "[" + std::to_string(i) + "]: crash-client crashes the process of the first "
                           "group with a `controller` (which says what its process keeps across a crash), and no group "
                           "has one; add controller: {} to a group, or leave crash-client out");
      }
    }
    if (m.has("max_faults")) e.max_faults = static_cast<int32_t>(r_.integer(m.get("max_faults"), m.at("max_faults"), 0, 8));
    if (m.has("window")) {
      Map w(r_, m.get("window"), m.at("window"), {"from", "until"});
      if (w.has("from")) e.from = seconds(w.get("from"), w.at("from"), Duration(0));
      if (w.has("until")) e.until = seconds(w.get("until"), w.at("until"), Duration(0));
      if (e.until && *e.until > s.limit)
        r_.fail(w.get("until"), w.at("until") + ": " + sim::format_duration(*e.until) + " is past the scenario's limit (" +
                                    sim::format_duration(s.limit) + "): a fault starting there never acts; use at most " +
                                    sim::format_duration(s.limit));
      const Duration until = e.until.value_or(std::min(s.limit, sim::seconds(30)));
      if (e.from && *e.from > until)
        r_.fail(w.get("from"), w.at("from") + ": " + sim::format_duration(*e.from) + " is after until (" +
                                   sim::format_duration(until) + "); faults start between from and until");
    }
    if (m.has("length")) {
      Map l(r_, m.get("length"), m.at("length"), {"min", "max"});
      if (l.has("min")) e.min_for = seconds(l.get("min"), l.at("min"), sim::seconds(1));
      if (l.has("max")) e.max_for = seconds(l.get("max"), l.at("max"), sim::seconds(1));
      if (e.min_for && e.max_for && *e.max_for < *e.min_for)
        r_.fail(l.get("max"), l.at("max") + ": must not be less than min (" + sim::format_duration(*e.min_for) + ")");
    }
    if (m.has("rate")) {
      Map rt(r_, m.get("rate"), m.at("rate"), {"min", "max"});
      auto percent = [&](const char* key) {
        const YAML::Node& v = rt.get(key);
        const std::string text = r_.scalar(v, rt.at(key), "a whole percent like 5% or 100%");
        sim::Ratio r;
        if (!parse_ratio(text, r) || (static_cast<unsigned __int128>(r.num) * 100) % r.den != 0 || r.num == 0)
          r_.fail(v, rt.at(key) + ": '" + v.Scalar() + "' is not a whole percent from 1% to 100%; check draws rates in "
                                  "whole percents; write 1%, 50% or 100%");
        return static_cast<int32_t>(static_cast<unsigned __int128>(r.num) * 100 / r.den);
      };
      if (rt.has("min")) e.min_rate = percent("min");
      if (rt.has("max")) e.max_rate = percent("max");
      if (e.max_rate < e.min_rate)
        r_.fail(rt.has("max") ? rt.get("max") : rt.get("min"),
                rt.at("max") + ": " + std::to_string(e.max_rate) + "% is less than min (" + std::to_string(e.min_rate) + "%)");
    }
    if (m.has("clients")) {
      Map c(r_, m.get("clients"), m.at("clients"), {"count", "intents", "token", "retry"});
      if (c.has("count")) e.count = static_cast<int32_t>(r_.integer(c.get("count"), c.at("count"), 1, 100));
      if (c.has("intents")) e.intents = static_cast<int32_t>(r_.integer(c.get("intents"), c.at("intents"), 1, 1000));
      if (c.has("token"))
        e.tokens = names(c.get("token"), c.at("token"), kTokenModes);
      if (c.has("retry"))
        e.retry = names(c.get("retry"), c.at("retry"), kPolicies);
      bool own = false;
      for (const ClientGroup& g : s.clients) own = own || g.spec.token != model::TokenMode::value;
      if (c.has("token") && !own)
        r_.fail(c.get("token"), c.at("token") + ": every group sends a token value of its own (token: {value: ...}), "
                                "which keeps it; to vary the values, use explore.tokens");
    }
    if (m.has("tokens")) {
      std::vector<std::pair<std::string, TokenFamily>> options;
      for (size_t k = 0; k < static_cast<size_t>(TokenFamily::kCount); ++k)
        options.emplace_back(kTokenFamilyNames[k], static_cast<TokenFamily>(k));
      e.token_values = names(m.get("tokens"), m.at("tokens"), options);
      const YAML::Node& list = m.get("tokens");
      const ClientGroup* first = nullptr;
      for (const ClientGroup& g : s.clients)
        if (g.spec.token == model::TokenMode::value && !first) first = &g;
      if (!first)
        r_.fail(list, m.at("tokens") + ": no group sends a token value of its own (token: {value: \"...\"}); these "
                                       "families vary such values; give one group a value, or leave tokens out");
      for (size_t i = 0; i < e.token_values.size(); ++i) {
        const std::string at = m.at("tokens") + "[" + std::to_string(i) + "]";
        if (e.token_values[i] == TokenFamily::regions && s.service.regions.size() < 2)
          r_.fail(list[i], at + ": 'regions' moves groups across the scenario's Regions, and it has one; declare two "
                                "under `regions`, or leave it out");
        if (e.token_values[i] == TokenFamily::zones &&
            s.service.regions[first->spec.region].zones.size() < 2)
          r_.fail(list[i], at + ": 'zones' moves groups across the zones of their Region, and " +
                               s.service.regions[first->spec.region].name +
                               " has fewer than two; list them under regions." + s.service.regions[first->spec.region].name +
                               ".zones, or leave it out");
        if (e.token_values[i] == TokenFamily::case_variant &&
            std::none_of(first->spec.token_value.begin(), first->spec.token_value.end(),
                         [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; }))
          r_.fail(list[i], at + ": 'case' varies the letters of the first group's token ('" + first->spec.token_value +
                               "'), which has none; give it a value with letters");
      }
    }
  }

  // `expect: pass`, `expect: fail`, or `expect: {fail: PROPERTY}`.
  void expect(const YAML::Node& n, Scenario& s) {
    static const std::vector<std::string> kProperties = {"answers",       "token-instances", "intent-instances",
                                                         "intent-exact",  "token-collision", "no-false-reap",
                                                         "liveness",      "amplification"};
    if (n.IsMap()) {
      Map m(r_, n, "expect", {"fail"});
      const std::string p = r_.text(m.need("fail"), "expect.fail");
      if (std::find(kProperties.begin(), kProperties.end(), p) == kProperties.end())
        r_.fail(m.get("fail"), "expect.fail: '" + p + "' is not a property; use one of " + join(kProperties) +
                                   " (docs/scenario-format.md, What is checked)");
      s.expect_fail = true;
      s.expect_property = p;
      return;
    }
    s.expect_fail = r_.choice<bool>(n, "expect", {{"pass", false}, {"fail", true}});
  }

  // Keys that change nothing under the scenario's other settings: a user who wrote them expects
  // them to be tested, so each is named (run reports them; --strict fails on them).
  void inert_keys(const YAML::Node& root, Scenario& s) {
    const YAML::Node service = root["service"];
    if (service && service.IsMap() && service["token_retention"] && s.service.semantics == model::Semantics::current)
      s.inert.push_back(r_.where(service["token_retention"]) +
                        ": service.token_retention has no effect under `semantics: current` (a repeat after "
                        "termination answers IdempotentInstanceTerminated); remove it or use semantics: \"2013\"");
    if (service && service.IsMap() && service["describe_lag"]) {
      const bool describes = !s.reapers.empty() || std::any_of(s.clients.begin(), s.clients.end(), [](const ClientGroup& g) {
        return g.spec.describes() || g.spec.terminate_after;
      });
      if (!describes)
        s.inert.push_back(r_.where(service["describe_lag"]) +
                          ": service.describe_lag has no effect: no client reconciles through DescribeInstances "
                          "or terminates what it launched");
    }
    if (service && service.IsMap() && service["tag_lag"] &&
        std::none_of(s.reapers.begin(), s.reapers.end(),
                     [](const model::ReaperSpec& r) { return r.reaps == model::ReaperSpec::untagged; }))
      s.inert.push_back(r_.where(service["tag_lag"]) +
                        ": service.tag_lag has no effect: only a reaper with `reaps: untagged` reads tags");
    if (service && service.IsMap() && service["capacity"] && service["capacity"].IsMap()) {
      for (auto it = service["capacity"].begin(); it != service["capacity"].end(); ++it) {
        const std::string type = it->first.Scalar();
        const bool asked = std::any_of(s.clients.begin(), s.clients.end(), [&](const ClientGroup& g) {
          return g.spec.request.type == type || g.spec.fallback_type == type;
        });
        if (!asked)
          s.inert.push_back(r_.where(it->first) + ": service.capacity." + type +
                            " has no effect: no client group asks for instance type " + type);
      }
    }
    if (service && service.IsMap()) service_parts_inert(service, s);
    // A skewed clock matters only where the service decides by the time: a store TTL, or
    // instance states (a repeat after termination, DescribeInstances, TerminateInstances).
    bool time_decides = s.service.store.ttl.has_value();
    for (const ClientGroup& g : s.clients)
      time_decides = time_decides || g.spec.terminate_after || g.spec.describes();
    for (size_t i = 0; i < s.faults.faults.size() && !time_decides; ++i)
      if (std::holds_alternative<faults::Skew>(s.faults.faults[i]))
        s.inert.push_back(s.at_fault[i].text + ": faults[" + std::to_string(i) +
                          "].skew has no effect: nothing the service decides here depends on its clock (no "
                          "service.store.ttl, and no client terminates or reconciles through DescribeInstances)");
    if (const YAML::Node named = root["bugs"]; named && named.IsSequence())
      for (size_t i = 0; i < named.size(); ++i) {
        model::Bug b;
        if (!named[i].IsScalar() || !model::parse_bug(named[i].Scalar(), b)) continue;
        const std::string why = model::bug_acts_under(b, s.service.semantics);
        if (!why.empty()) s.inert.push_back(r_.where(named[i]) + ": bugs[" + std::to_string(i) + "]: " + why);
      }
    const YAML::Node clients = root["clients"];
    for (size_t i = 0; i < s.clients.size(); ++i) {
      const YAML::Node g = clients[i];
      const model::ClientSpec& c = s.clients[i].spec;
      const std::string what = "clients[" + std::to_string(i) + "]";
      if (c.app_retries == 0)
        for (const char* key : {"app_backoff", "reconcile", "fallback_type", "on_mismatch"})
          if (g[key])
            s.inert.push_back(r_.where(g[key]) + ": " + what + "." + key +
                              " has no effect: the group makes no application-level retry (app_retries is 0)");
      if (c.app_retries == 0 && g["on_unknown"] && c.on_unknown == model::OnUnknown::reconcile)
        s.inert.push_back(r_.where(g["on_unknown"]) + ": " + what +
                          ".on_unknown: reconcile has no effect: the group makes no application-level retry (app_retries is 0)");
      if (g["on_short"] && c.batch <= 1)
        s.inert.push_back(r_.where(g["on_short"]) + ": " + what + ".on_short has no effect without batching (batch > 1)");
      if (g["controller"] && g["controller"].IsMap()) {
        const bool crashes = std::any_of(s.faults.faults.begin(), s.faults.faults.end(), [&](const faults::Fault& f) {
          const auto* k = std::get_if<faults::Crash>(&f);
          return k && k->target == faults::Crash::client && k->group == i;
        });
        const YAML::Node ctl = g["controller"];
        // `idemsim check` may draw the crash (explore.faults names crash-client).
        const bool drawn = std::find(s.explore.kinds.begin(), s.explore.kinds.end(), ExploreKind::crash_client) !=
                           s.explore.kinds.end();
        for (const char* key : {"state", "persist"})
          if (ctl[key] && !crashes && !drawn)
            s.inert.push_back(r_.where(ctl[key]) + ": " + what + ".controller." + key +
                              " has no effect: no fault crashes this group's processes (add a crash with target: client)");
        const bool holds = c.token == model::TokenMode::persisted || c.token == model::TokenMode::write_back ||
                           c.token == model::TokenMode::timestamp;
        if (ctl["persist"] && crashes && !holds)
          s.inert.push_back(r_.where(ctl["persist"]) + ": " + what + ".controller.persist has no effect with token: " +
                            std::string(model::token_mode_name(c.token)) +
                            " (the caller writes down only a token it keeps per intent: persisted, write-back, timestamp)");
      }
      if (g["on_describe_error"] && !c.describes())
        s.inert.push_back(r_.where(g["on_describe_error"]) + ": " + what +
                          ".on_describe_error has no effect: the group never reconciles through DescribeInstances "
                          "(on_unknown or on_mismatch: reconcile, with app_retries)");
    }
  }

  // The service's parts that nothing in the scenario can exercise.
  void service_parts_inert(const YAML::Node& service, Scenario& s) {
    const model::ServiceConfig& c = s.service;
    bool frontend_crash = false, store_crash = false;
    for (const faults::Fault& f : s.faults.faults)
      if (const auto* k = std::get_if<faults::Crash>(&f)) (k->target == faults::Crash::store ? store_crash : frontend_crash) = true;
    auto note = [&](const YAML::Node& at, const std::string& text) { s.inert.push_back(r_.where(at) + ": " + text); };
    if (service["balancer"] && c.frontends == 1)
      note(service["balancer"], "service.balancer has no effect with one frontend; set service.frontends, or remove it");
    if (service["recover"] && !frontend_crash)
      note(service["recover"], "service.recover has no effect: no fault crashes a frontend (add a crash fault with "
                               "target: frontend, or remove it)");
    const YAML::Node store = service["store"];
    if (store && store.IsMap()) {
      if (store["durability"] && c.store.durability == model::Durability::lossy && !store_crash)
        note(store["durability"], "service.store.durability: volatile has no effect: no fault crashes the store (add "
                                  "a crash fault with target: store)");
      if (store["replicas"] && c.store.write == model::StoreWrite::conditional)
        note(store["replicas"], "service.store.replicas has no effect with a conditional write: the insert-if-absent "
                                "is decided at the primary; replicas serve read-then-write reads");
    }
  }

  uint32_t region_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
    const std::string name = r_.text(n, what);
    for (uint32_t i = 0; i < s.service.regions.size(); ++i)
      if (s.service.regions[i].name == name) return i;
    r_.fail(n, what + ": unknown Region '" + name + "'; the scenario's Regions are " + join(s.region_names()) +
                   " (add it under `regions:`)");
  }

  model::RetryPolicy retry(const YAML::Node& n, const std::string& what) {
    Map m(r_, n, what, {"policy", "sdk", "attempts", "base", "throttle_base", "cap", "jitter", "quota",
                        "cost", "timeout_cost", "throttle_cost", "retry_codes"});
    model::RetryPolicy p;
    if (m.has("sdk")) {
      if (m.has("policy"))
        r_.fail(m.get("policy"), m.at("policy") + ": give `policy` or `sdk`, not both (an SDK version picks its policy)");
      for (const char* key : {"attempts", "base", "throttle_base", "cap", "jitter", "quota", "cost", "timeout_cost", "throttle_cost"})
        if (m.has(key))
          r_.fail(m.get(key), m.at(key) + ": `sdk` picks the policy and its numbers from the SDK's version; remove " +
                                  key + ", or name a `policy` instead of the SDK");
      const std::string text = r_.text(m.get("sdk"), m.at("sdk"));
      const size_t space = text.find(' ');
      std::string why;
      std::optional<model::RetryPolicy> found;
      if (space == std::string::npos) why = "no version";
      else found = model::sdk_profile(text.substr(0, space), text.substr(space + 1), &why);
      if (!found)
        r_.fail(m.get("sdk"), m.at("sdk") + ": '" + text + "': " + why + "; write an SDK and its version, like \"go-v2 1.48.0\" (SDKs: " +
                                  std::string(model::known_sdks()) + ")");
      p = *found;
    } else {
      const auto kind = r_.choice<model::PolicyKind>(m.need("policy"), m.at("policy"), kPolicies);
      p = model::RetryPolicy::of(kind);
    }
    const model::PolicyKind kind = p.kind;
    auto only = [&](const char* key, bool allowed, const char* who) {
      if (m.has(key) && !allowed) r_.fail(m.get(key), m.at(key) + ": only " + who + " takes '" + key + "'");
    };
    only("attempts", kind != model::PolicyKind::none, "a policy other than none");
    only("base", kind != model::PolicyKind::none, "a policy other than none");
    only("cap", kind != model::PolicyKind::none, "a policy other than none");
    only("jitter", kind == model::PolicyKind::exponential, "exponential (the SDKs' modes use full jitter)");
    only("throttle_base", p.aws(), "an aws-* policy");
    only("quota", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
    only("cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
    only("timeout_cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
    only("throttle_cost", p.uses_quota(), "an aws-* policy with a retry quota (not aws-legacy)");
    if (m.has("attempts")) p.attempts = static_cast<int32_t>(r_.integer(m.get("attempts"), m.at("attempts"), 1, 1000));
    if (m.has("base")) {
      p.base = r_.duration(m.get("base"), m.at("base"));
      if (kind == model::PolicyKind::exponential) p.throttle_base = p.base;
    }
    if (m.has("throttle_base")) p.throttle_base = r_.duration(m.get("throttle_base"), m.at("throttle_base"));
    if (m.has("cap")) p.cap = r_.duration(m.get("cap"), m.at("cap"));
    if (m.has("jitter"))
      p.jitter = r_.choice<model::Jitter>(m.get("jitter"), m.at("jitter"),
                                          {{"none", model::Jitter::none}, {"full", model::Jitter::full},
                                           {"equal", model::Jitter::equal}, {"decorrelated", model::Jitter::decorrelated}});
    if (m.has("quota")) p.quota = r_.integer(m.get("quota"), m.at("quota"), 0, 1000000000);
    if (m.has("cost")) {
      p.retry_cost = r_.integer(m.get("cost"), m.at("cost"), 0, 1000000000);
      // Before 2026 a throttled retry costs what any other retry does.
      if (kind != model::PolicyKind::aws_standard_2026) p.throttle_cost = p.retry_cost;
    }
    if (m.has("timeout_cost")) p.timeout_cost = r_.integer(m.get("timeout_cost"), m.at("timeout_cost"), 0, 1000000000);
    if (m.has("throttle_cost")) p.throttle_cost = r_.integer(m.get("throttle_cost"), m.at("throttle_cost"), 0, 1000000000);
    if (m.has("retry_codes")) {
      const YAML::Node& codes = m.get("retry_codes");
      if (!codes.IsSequence())
        r_.fail(codes, m.at("retry_codes") + ": expected a list of 4xx codes to retry, like [IncorrectState]");
      for (size_t i = 0; i < codes.size(); ++i) {
        const std::string what = m.at("retry_codes") + "[" + std::to_string(i) + "]";
        const std::string name = r_.text(codes[i], what);
        model::Code code;
        if (!model::parse_code(name, code) || code != model::Code::IncorrectState)
          r_.fail(codes[i], what + ": '" + name + "' cannot be retried; 5xx codes are retried anyway, and the one 400 "
                                  "that may succeed later is IncorrectState");
        p.retry_codes.push_back(code);
      }
    }
    if (p.cap < p.base) r_.fail(n, what + ": cap (" + sim::format_duration(p.cap) + ") must not be less than base (" + sim::format_duration(p.base) + ")");
    return p;
  }

  void request(const YAML::Node& n, const std::string& what, model::LaunchParams& p) {
    Map m(r_, n, what, {"image", "type", "min", "max", "key", "zone", "subnet"});
    if (m.has("image")) p.image = r_.text(m.get("image"), m.at("image"));
    if (m.has("type")) p.type = r_.text(m.get("type"), m.at("type"));
    if (m.has("image") && p.image.empty()) r_.fail(m.get("image"), m.at("image") + ": must not be empty; give an AMI id like ami-00000001");
    if (m.has("type") && p.type.empty()) r_.fail(m.get("type"), m.at("type") + ": must not be empty; give an instance type like m5.large");
    if (m.has("key")) p.key = r_.text(m.get("key"), m.at("key"));
    if (m.has("zone")) p.zone = r_.text(m.get("zone"), m.at("zone"));
    if (m.has("subnet")) p.subnet = r_.text(m.get("subnet"), m.at("subnet"));
    if (m.has("min")) p.min = static_cast<int32_t>(r_.integer(m.get("min"), m.at("min"), 1, 10000));
    if (m.has("max")) p.max = static_cast<int32_t>(r_.integer(m.get("max"), m.at("max"), 1, 10000));
    if (!m.has("max") && p.min > p.max) p.max = p.min;
    if (p.max < p.min) r_.fail(m.get("max"), m.at("max") + ": must be at least min (" + std::to_string(p.min) + ")");
  }

  void clients(const YAML::Node& n, Scenario& s) {
    if (!n.IsSequence() || n.size() == 0)
      r_.fail(n, "clients: expected a list of client groups, like - {name: app, count: 10, token: persisted}");
    std::set<std::string> names;
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string what = "clients[" + std::to_string(i) + "]";
      Map m(r_, n[i], what,
            {"name", "count", "region", "latency", "intents", "intent", "start", "think", "request", "token", "timeout",
             "retry", "app_retries", "app_backoff", "reconcile", "fallback_type", "terminate_after", "repeat_after",
             "account", "on_unknown", "on_mismatch", "on_describe_error", "controller", "batch", "on_short"});
      ClientGroup g;
      model::ClientSpec& c = g.spec;
      c.group = r_.text(m.need("name"), m.at("name"));
      if (c.group.empty() || c.group.find_first_of(" \t#/") != std::string::npos)
        r_.fail(m.get("name"), m.at("name") + ": use a short name without spaces, '#' or '/'");
      if (!names.insert(c.group).second) r_.fail(m.get("name"), m.at("name") + ": another group is already named '" + c.group + "'");
      if (m.has("count")) g.count = static_cast<int32_t>(r_.integer(m.get("count"), m.at("count"), 1, 1000000));
      c.region = m.has("region") ? region_index(s, m.get("region"), m.at("region")) : 0;
      if (m.has("latency")) g.latency = latency(m.get("latency"), m.at("latency"));
      if (m.has("account")) {
        const std::string account = r_.text(m.get("account"), m.at("account"));
        if (account.empty() || account.find_first_of(" \t") != std::string::npos)
          r_.fail(m.get("account"), m.at("account") + ": name the account with one word, like team-a or 111122223333");
        auto& accounts = s.service.accounts;
        auto it = std::find(accounts.begin(), accounts.end(), account);
        c.account = static_cast<uint32_t>(it - accounts.begin());
        if (it == accounts.end()) accounts.push_back(account);
      }
      if (m.has("intents")) c.intents = static_cast<int32_t>(r_.integer(m.get("intents"), m.at("intents"), 1, 1000000));
      if (m.has("start")) c.start = latency(m.get("start"), m.at("start"));
      if (m.has("think")) c.think = latency(m.get("think"), m.at("think"));
      if (m.has("request")) request(m.get("request"), m.at("request"), c.request);
      if (m.has("token")) token(m.get("token"), m.at("token"), c);
      if (m.has("intent")) {
        g.intent = r_.text(m.get("intent"), m.at("intent"));
        if (g.intent.empty()) r_.fail(m.get("intent"), m.at("intent") + ": must not be empty; name the launch, like launch-web");
        if (g.intent.find_first_of(" \t#/") != std::string::npos)
          r_.fail(m.get("intent"), m.at("intent") + ": use a short name without spaces, '#' or '/', like launch-web");
      }
      c.bugs = s.bugs;
      c.intent_id = g.intent.empty() ? c.group : g.intent;
      if (m.has("timeout")) c.timeout = r_.duration(m.get("timeout"), m.at("timeout"), sim::micros(1));
      if (m.has("retry")) c.retry = retry(m.get("retry"), m.at("retry"));
      if (m.has("app_retries")) c.app_retries = static_cast<int32_t>(r_.integer(m.get("app_retries"), m.at("app_retries"), 0, 1000));
      if (m.has("app_backoff")) c.app_backoff = r_.duration(m.get("app_backoff"), m.at("app_backoff"));
      if (m.has("reconcile")) c.reconcile = r_.boolean(m.get("reconcile"), m.at("reconcile"));
      if (m.has("on_unknown")) {
        c.on_unknown = r_.choice<model::OnUnknown>(m.get("on_unknown"), m.at("on_unknown"),
                                                   {{"retry", model::OnUnknown::retry},
                                                    {"reconcile", model::OnUnknown::reconcile},
                                                    {"block", model::OnUnknown::block}});
        if (m.has("reconcile") && c.reconcile && c.on_unknown != model::OnUnknown::reconcile)
          r_.fail(m.get("reconcile"), m.at("reconcile") + ": `reconcile: true` is `on_unknown: reconcile`, but on_unknown "
                                                          "says otherwise; keep one of them");
      }
      if (c.reconcile) c.on_unknown = model::OnUnknown::reconcile;
      if (m.has("on_mismatch"))
        c.on_mismatch = r_.choice<model::OnMismatch>(m.get("on_mismatch"), m.at("on_mismatch"),
                                                     {{"fail", model::OnMismatch::fail},
                                                      {"new-token", model::OnMismatch::new_token},
                                                      {"reconcile", model::OnMismatch::reconcile}});
      if (m.has("batch")) {
        c.batch = static_cast<int32_t>(r_.integer(m.get("batch"), m.at("batch"), 1, 10000));
        for (const char* key : {"terminate_after", "repeat_after"})
          if (c.batch > 1 && m.has(key))
            r_.fail(m.get(key), m.at(key) + ": a batching group (batch > 1) cannot terminate or repeat its launches "
                                            "yet; remove " + key + " or batch");
      }
      if (m.has("on_short"))
        c.on_short = r_.choice<model::ClientSpec::OnShort>(
            m.get("on_short"), m.at("on_short"),
            {{"ignore", model::ClientSpec::OnShort::ignore}, {"relaunch", model::ClientSpec::OnShort::relaunch}});
      if (m.has("controller")) {
        Map cm(r_, m.get("controller"), m.at("controller"), {"state", "persist", "resync"});
        model::ControllerSpec ctl;
        if (cm.has("state"))
          ctl.state = r_.choice<model::ControllerSpec::State>(
              cm.get("state"), cm.at("state"), {{"durable", model::ControllerSpec::durable}, {"volatile", model::ControllerSpec::lossy}});
        if (cm.has("persist"))
          ctl.persist = r_.choice<model::ControllerSpec::Persist>(
              cm.get("persist"), cm.at("persist"),
              {{"before-send", model::ControllerSpec::before_send}, {"after-response", model::ControllerSpec::after_response}});
        if (cm.has("resync")) ctl.resync = r_.duration(cm.get("resync"), cm.at("resync"), sim::millis(1));
        c.controller = ctl;
      }
      if (m.has("on_describe_error"))
        c.on_describe_error = r_.choice<model::OnDescribeError>(
            m.get("on_describe_error"), m.at("on_describe_error"),
            {{"launch", model::OnDescribeError::launch}, {"retry", model::OnDescribeError::retry},
             {"give-up", model::OnDescribeError::give_up}});
      if (m.has("fallback_type")) c.fallback_type = r_.text(m.get("fallback_type"), m.at("fallback_type"));
      if (m.has("terminate_after")) c.terminate_after = r_.duration(m.get("terminate_after"), m.at("terminate_after"));
      if (m.has("repeat_after")) c.repeat_after = r_.duration(m.get("repeat_after"), m.at("repeat_after"));
      if (c.batch > 1 && c.describes())
        r_.fail(m.get("batch"), m.at("batch") + ": a batching group cannot reconcile through DescribeInstances yet "
                                                "(on_unknown or on_mismatch: reconcile); use batch: 1, or retry instead");
      const model::RegionSpec& region = s.service.regions[c.region];
      if (!c.request.zone.empty() &&
          std::find(region.zones.begin(), region.zones.end(), c.request.zone) == region.zones.end())
        r_.fail(m.get("request"), m.at("request") + ".zone: '" + c.request.zone + "' is not a zone of " + region.name +
                                      " (" + join(region.zones) + ")");
      if (!c.request.subnet.empty() && !region.subnets.count(c.request.subnet))
        r_.fail(m.get("request"), m.at("request") + ".subnet: '" + c.request.subnet + "' is not a subnet of " +
                                      region.name + "; declare it under regions." + region.name + ".subnets");
      if (!c.request.subnet.empty() && !c.request.zone.empty() && region.subnets.at(c.request.subnet) != c.request.zone)
        r_.fail(m.get("request"), m.at("request") + ".subnet: '" + c.request.subnet + "' is in " +
                                      region.subnets.at(c.request.subnet) + ", not in the request's zone " +
                                      c.request.zone + "; name one of them, or a subnet of that zone");
      s.clients.push_back(std::move(g));
      s.at_group.push_back(Where{r_.where(n[i])});
    }
  }

  void reapers(const YAML::Node& n, Scenario& s) {
    if (!n.IsSequence())
      r_.fail(n, "reapers: expected a list, like - {every: 1m, reaps: untagged}");
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string what = "reapers[" + std::to_string(i) + "]";
      Map m(r_, n[i], what, {"region", "account", "every", "reaps", "grace", "start"});
      model::ReaperSpec r;
      if (m.has("region")) r.region = region_index(s, m.get("region"), m.at("region"));
      if (m.has("account")) {
        const std::string account = r_.text(m.get("account"), m.at("account"));
        const auto& accounts = s.service.accounts;
        const auto it = std::find(accounts.begin(), accounts.end(), account);
        if (it == accounts.end())
          r_.fail(m.get("account"), m.at("account") + ": no client group calls as account '" + account +
                                        "'; the accounts are " + join(accounts));
        r.account = static_cast<uint32_t>(it - accounts.begin());
      }
      r.every = r_.duration(m.need("every"), m.at("every"), sim::seconds(1));
      r.reaps = r_.choice<model::ReaperSpec::Reaps>(
          m.need("reaps"), m.at("reaps"), {{"untagged", model::ReaperSpec::untagged}, {"unknown", model::ReaperSpec::unknown}});
      if (m.has("grace")) r.grace = r_.duration(m.get("grace"), m.at("grace"));
      r.start = m.has("start") ? r_.duration(m.get("start"), m.at("start")) : r.every;
      s.reapers.push_back(r);
      s.at_reaper.push_back(Where{r_.where(n[i])});
    }
  }

  faults::Window window(const Map& m) {
    faults::Window w;
    if (m.has("from")) w.from = sim::Time(0) + r_.duration(m.get("from"), m.at("from"));
    if (m.has("for")) w.length = r_.duration(m.get("for"), m.at("for"), sim::micros(1));
    return w;
  }

  // Every fault's common keys (`from`, `for`, `region`), then the fault into the plan.
  template <typename F>
  void add(const Map& m, Scenario& s, F fault) {
    fault.window = window(m);
    fault.region = region_filter(m, s);
    s.faults.faults.push_back(fault);
  }

  std::optional<uint32_t> region_filter(const Map& m, const Scenario& s) {
    if (!m.has("region")) return std::nullopt;
    return region_index(s, m.get("region"), m.at("region"));
  }

  void faults(const YAML::Node& n, Scenario& s) {
    if (!n.IsSequence())
      r_.fail(n, "faults: expected a list, like - lose: {what: response, rate: 2%}");
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string what = "faults[" + std::to_string(i) + "]";
      const YAML::Node& f = n[i];
      if (!f.IsMap() || f.size() != 1)
        r_.fail(f, what + ": each fault is a mapping with one key: lose, spike, storm, reset, partition, transient, "
                          "duplicate, crash or skew");
      Map outer(r_, f, what, {"lose", "spike", "storm", "reset", "partition", "transient", "duplicate", "crash", "skew"});
      s.at_fault.push_back(Where{r_.where(f)});
      if (outer.has("lose")) {
        Map m(r_, outer.get("lose"), what + ".lose", {"what", "rate", "from", "for", "region"});
        faults::Lose l;
        l.what = r_.choice<faults::Lose::What>(m.need("what"), m.at("what"),
                                               {{"request", faults::Lose::request}, {"response", faults::Lose::response}});
        l.rate = r_.ratio(m.need("rate"), m.at("rate"));
        add(m, s, l);
      } else if (outer.has("spike")) {
        Map m(r_, outer.get("spike"), what + ".spike", {"rate", "delay", "from", "for", "region"});
        faults::Spike sp;
        sp.rate = r_.ratio(m.need("rate"), m.at("rate"));
        sp.delay = latency(m.need("delay"), m.at("delay"));
        add(m, s, sp);
      } else if (outer.has("storm")) {
        Map m(r_, outer.get("storm"), what + ".storm", {"status", "code", "rate", "from", "for", "region", "phase"});
        faults::Storm st;
        int status = 503;
        if (m.has("status")) status = static_cast<int>(r_.integer(m.get("status"), m.at("status"), 500, 599));
        if (m.has("code")) {
          const std::string code = r_.text(m.get("code"), m.at("code"));
          if (!model::parse_code(code, st.code) || model::code_status(st.code) < 500)
            r_.fail(m.get("code"), m.at("code") + ": '" + code +
                                       "' is not a 5xx code; use InternalError (500), InsufficientInstanceCapacity (500), Unavailable (503) "
                                       "or RequestLimitExceeded (503)");
          if (m.has("status") && model::code_status(st.code) != status)
            r_.fail(m.get("status"), m.at("status") + ": " + code + " is answered with " +
                                         std::to_string(model::code_status(st.code)) + ", not " + std::to_string(status));
        } else if (status == 500) {
          st.code = model::Code::InternalError;
        } else if (status == 503) {
          st.code = model::Code::Unavailable;
        } else {
          r_.fail(m.get("status"), m.at("status") + ": the model answers 500 or 503; give 500 or 503, or a code");
        }
        if (m.has("rate")) st.rate = r_.ratio(m.get("rate"), m.at("rate"));
        if (m.has("phase"))
          st.phase = r_.choice<faults::Storm::Phase>(m.get("phase"), m.at("phase"),
                                                     {{"before", faults::Storm::before}, {"after", faults::Storm::after}});
        add(m, s, st);
      } else if (outer.has("reset")) {
        Map m(r_, outer.get("reset"), what + ".reset", {"phase", "rate", "from", "for", "region"});
        faults::Reset rs;
        rs.phase = r_.choice<faults::Reset::Phase>(m.need("phase"), m.at("phase"),
                                                   {{"before", faults::Reset::before}, {"after", faults::Reset::after}});
        if (m.has("rate")) rs.rate = r_.ratio(m.get("rate"), m.at("rate"));
        add(m, s, rs);
      } else if (outer.has("partition")) {
        Map m(r_, outer.get("partition"), what + ".partition", {"group", "direction", "from", "for", "region"});
        faults::Partition p;
        p.group = group_index(s, m.need("group"), m.at("group"));
        if (m.has("direction"))
          p.direction = r_.choice<faults::Partition::Direction>(
              m.get("direction"), m.at("direction"),
              {{"both", faults::Partition::both}, {"requests", faults::Partition::requests},
               {"responses", faults::Partition::responses}});
        add(m, s, p);
      } else if (outer.has("duplicate")) {
        Map m(r_, outer.get("duplicate"), what + ".duplicate", {"rate", "delay", "from", "for", "region"});
        faults::Duplicate d;
        if (m.has("rate")) d.rate = r_.ratio(m.get("rate"), m.at("rate"));
        if (m.has("delay")) d.delay = latency(m.get("delay"), m.at("delay"));
        add(m, s, d);
      } else if (outer.has("crash")) {
        crash(Map(r_, outer.get("crash"), what + ".crash",
                  {"target", "which", "at", "step", "rate", "restart_after", "group", "when", "from", "for", "region"}),
              s);
      } else if (outer.has("skew")) {
        Map m(r_, outer.get("skew"), what + ".skew", {"frontend", "offset", "from", "for", "region"});
        faults::Skew k;
        if (m.has("frontend")) k.frontend = frontend_index(s, m.get("frontend"), m.at("frontend"));
        k.offset = signed_duration(m.need("offset"), m.at("offset"));
        add(m, s, k);
      } else if (outer.has("transient")) {
        Map m(r_, outer.get("transient"), what + ".transient", {"code", "rate", "from", "for", "region"});
        faults::Transient t;
        if (m.has("code")) {
          const std::string code = r_.text(m.get("code"), m.at("code"));
          if (code != "IncorrectState")
            r_.fail(m.get("code"), m.at("code") + ": '" + code + "' is not a transient 400; the one the rules know is IncorrectState");
        }
        if (m.has("rate")) t.rate = r_.ratio(m.get("rate"), m.at("rate"));
        add(m, s, t);
      }
    }
  }

  uint32_t group_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
    const std::string group = r_.text(n, what);
    std::vector<std::string> names;
    for (uint32_t g = 0; g < s.clients.size(); ++g) {
      names.push_back(s.clients[g].spec.group);
      if (s.clients[g].spec.group == group) return g;
    }
    r_.fail(n, what + ": no client group is named '" + group + "'; the groups are " + join(names));
  }

  uint32_t frontend_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
    const uint32_t f = static_cast<uint32_t>(r_.integer(n, what, 0, 63));
    if (f >= s.service.frontends)
      r_.fail(n, what + ": frontend " + std::to_string(f) + " does not exist; the service has " +
                     std::to_string(s.service.frontends) + " frontend" + (s.service.frontends == 1 ? "" : "s") +
                     " per Region (indexes from 0; set service.frontends)");
    return f;
  }

  // A duration that may be negative: "-30s".
  Duration signed_duration(const YAML::Node& n, const std::string& what) {
    const std::string text = r_.scalar(n, what, "a duration like 30s or -30s");
    const bool negative = !text.empty() && text[0] == '-';
    Duration d;
    std::string why;
    if (!parse_duration(negative ? text.substr(1) : text, d, &why))
      r_.fail(n, what + ": '" + text + "' is not a duration" + (why == "write a number and a unit" ? "" : " (" + why + ")") +
                     "; write a number and a unit, with a '-' for a clock behind, like 30s or -2m");
    return negative ? Duration(-d.us) : d;
  }

  void crash(const Map& m, Scenario& s) {
    faults::Crash c;
    if (m.has("target"))
      c.target = r_.choice<faults::Crash::Target>(
          m.get("target"), m.at("target"),
          {{"frontend", faults::Crash::frontend}, {"store", faults::Crash::store}, {"client", faults::Crash::client}});
    if (c.target == faults::Crash::client) {
      for (const char* key : {"which", "at", "step"})
        if (m.has(key))
          r_.fail(m.get(key), m.at(key) + ": a client's process crashes at a point of its calls (`when`), not by `" +
                                  key + "`; remove it");
      c.group = group_index(s, m.need("group"), m.at("group"));
      if (m.has("region") && region_index(s, m.get("region"), m.at("region")) != s.clients[c.group].spec.region)
        r_.fail(m.get("region"), m.at("region") + ": group '" + s.clients[c.group].spec.group + "' calls " +
                                     s.service.regions[s.clients[c.group].spec.region].name +
                                     ", so its processes never crash while calling this Region; remove region or "
                                     "name the group's");
      c.when = r_.choice<model::CallerCrashPoint>(
          m.need("when"), m.at("when"),
          {{"after-send", model::CallerCrashPoint::after_send}, {"after-response", model::CallerCrashPoint::after_response}});
      if (m.has("rate")) c.rate = r_.ratio(m.get("rate"), m.at("rate"));
      if (m.has("restart_after")) c.restart_after = r_.duration(m.get("restart_after"), m.at("restart_after"), sim::micros(1));
      add(m, s, c);
      return;
    }
    for (const char* key : {"group", "when"})
      if (m.has(key))
        r_.fail(m.get(key), m.at(key) + ": only `target: client` takes `" + key + "`");
    if (m.has("which")) {
      if (c.target == faults::Crash::store)
        r_.fail(m.get("which"), m.at("which") + ": a Region has one store; `which` names a frontend (target: frontend)");
      c.which = frontend_index(s, m.get("which"), m.at("which"));
    }
    const std::string what = m.at("at").substr(0, m.at("at").size() - 3);  // "faults[i].crash"
    if (m.has("at") && m.has("step"))
      r_.fail(m.get("at"), what + ": give either `at` (a crash at that time) or `step` (a crash when a launch "
                                  "reaches after-reserve, after-launch or after-record), not both");
    if (!m.has("at") && !m.has("step"))
      r_.fail(m.node(), what + ": say when it crashes: `at` (a time, like at: 30s) or `step` (when a launch "
                               "reaches after-reserve, after-launch or after-record, with a `rate`)");
    if (m.has("at")) c.at = sim::Time(0) + r_.duration(m.get("at"), m.at("at"));
    if (m.has("step"))
      c.step = r_.choice<faults::Crash::Step>(m.get("step"), m.at("step"),
                                              {{"after-reserve", faults::Crash::after_reserve},
                                               {"after-launch", faults::Crash::after_launch},
                                               {"after-record", faults::Crash::after_record}});
    if (m.has("rate")) {
      if (!c.step) r_.fail(m.get("rate"), m.at("rate") + ": a crash `at` a time happens once; `rate` goes with `step`");
      c.rate = r_.ratio(m.get("rate"), m.at("rate"));
    }
    if (m.has("restart_after")) c.restart_after = r_.duration(m.get("restart_after"), m.at("restart_after"), sim::micros(1));
    add(m, s, c);
  }

  Reader r_;
};

bool looks_binary(const std::string& text) {
  if (text.find('\0') != std::string::npos) return true;
  // Invalid UTF-8 is not a scenario either.
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > text.size()) return true;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return true;
    i += n;
  }
  return false;
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file) {
  if (looks_binary(text))
    throw ScenarioError(file, 0, 0, "is not a text file (it has NUL bytes or invalid UTF-8); a scenario is YAML text");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    // A tab in the indentation is the usual cause of yaml-cpp's terse complaints.
    if (!e.mark.is_null()) {
      size_t begin = 0;
      for (int l = 0; l < e.mark.line && begin != std::string::npos; ++l) begin = text.find('\n', begin) + 1;
      const size_t end = begin == std::string::npos ? begin : text.find('\n', begin);
      if (begin != std::string::npos && text.substr(begin, end - begin).find('\t') != std::string::npos)
        throw ScenarioError(file, line, col, "malformed YAML: this line has a tab character; YAML indents with "
                                             "spaces only (replace the tab with spaces) (" + e.msg + ")");
    }
    throw ScenarioError(file, line, col, "malformed YAML: " + e.msg);
  }
  if (!root.IsDefined() || root.IsNull())
    throw ScenarioError(file, 0, 0, "is empty; a scenario needs at least `name` and `clients` (see docs/scenario-format.md)");
  try {
    Scenario s = Loader(file).load(root);
    // FNV-1a over the file's bytes: results name the exact text they came from.
    s.content_hash = 0xcbf29ce484222325ULL;
    for (unsigned char ch : text) s.content_hash = (s.content_hash ^ ch) * 0x100000001b3ULL;
    return s;
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int col = e.mark.is_null() ? 0 : e.mark.column + 1;
    throw ScenarioError(file, line, col, "unreadable value: " + e.msg);
  }
}

Scenario load_scenario_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, 0, "cannot be read (no such file, or no permission)");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw ScenarioError(path, 0, 0, "cannot be read (is it a directory?)");
  return parse_scenario(buf.str(), path);
}

}  // namespace idem::harness
