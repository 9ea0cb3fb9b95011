#include "harness/load.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/load_reader.h"
#include "model/oracle/oracle.h"

namespace idem::harness {

ScenarioError::ScenarioError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(line > 0 ? file + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                        ": " + message
                                  : file + ": " + message),
      file_(std::move(file)),
      line_(line),
      column_(column) {}

namespace load_detail {


Scenario Loader::load(const YAML::Node& root) {
  Scenario s;
  s.file = r_.file();
  if (!root.IsMap())
    throw ScenarioError(r_.file(), 0, 0,
                        "the top level must be a mapping of keys such as name, clients and faults, "
                        "but it is " + kind_name(root) + "; see docs/scenario-format.md");
  Map m(r_, root, "", keys_under(""));
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
    Map n(r_, m.get("network"), "network", keys_under("network"));
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
    service(Map(r_, sv, "service", keys_under("service")), s);
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
  if (m.has("leaks")) leaks(m.get("leaks"), s);
  if (m.has("expect")) expect(m.get("expect"), s);
  if (!s.expect_property.empty())
    for (unsigned p = 0; p < static_cast<unsigned>(model::Property::kCount); ++p)
      if (model::property_name(static_cast<model::Property>(p)) == s.expect_property)
        if (const std::string why = s.unchecked(static_cast<model::Property>(p)); !why.empty())
          r_.fail(m.get("expect")["fail"], "expect.fail: " + s.expect_property + " is never checked in this scenario: " +
                                               why + "; set what it needs, or name another property");
  if (m.given("explore")) explore(m.get("explore"), s);
  s.at_expect = Where{m.has("expect") ? r_.where(m.get("expect")) : r_.file()};
  inert_keys(root, s);
  return s;
}


Latency Loader::latency(const YAML::Node& n, const std::string& what) {
  if (n.IsScalar()) return Latency::fixed(r_.duration(n, what));
  Map m(r_, n, what, keys_under("<latency>"));
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


void Loader::regions(const Map& m, Scenario& s, const Latency& net) {
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
    if (name.empty() || name.find_first_of(" \t/") != std::string::npos)
      r_.fail(it->first, "regions: '" + name + "' is not a Region name; write one like us-east-1 (no spaces or '/')");
    for (const auto& r : s.service.regions)
      if (r.name == name) r_.fail(it->first, "regions: Region '" + name + "' is given twice; keep one");
    model::RegionSpec spec{name, {}, {}};
    Latency lat = net;
    const std::string what = "regions." + name;
    if (!it->second.IsNull()) {
      Map rm(r_, it->second, what, keys_under("regions.*"));
      if (rm.has("zones")) {
        const YAML::Node& z = rm.get("zones");
        if (!z.IsSequence()) r_.fail(z, rm.at("zones") + ": expected a list of zone names");
        for (const auto& zone : z) {
          const std::string name_z = r_.text(zone, rm.at("zones"));
          if (name_z.empty()) r_.fail(zone, rm.at("zones") + ": a zone name must not be empty; write one like " + name + "a");
          if (std::find(spec.zones.begin(), spec.zones.end(), name_z) != spec.zones.end())
            r_.fail(zone, rm.at("zones") + ": zone '" + name_z + "' is given twice; keep one");
          for (const auto& other : s.service.regions)
            if (std::find(other.zones.begin(), other.zones.end(), name_z) != other.zones.end())
              r_.fail(zone, rm.at("zones") + ": zone '" + name_z + "' is already a zone of " + other.name +
                                "; a zone belongs to one Region");
          spec.zones.push_back(name_z);
        }
      }
      if (rm.has("subnets")) {
        const YAML::Node& sn = rm.get("subnets");
        if (!sn.IsMap()) r_.fail(sn, rm.at("subnets") + ": expected a mapping of subnet ids to zones, like {subnet-1: us-east-1a}");
        for (auto j = sn.begin(); j != sn.end(); ++j) {
          const std::string zone = r_.text(j->second, rm.at("subnets"));
          if (std::find(spec.zones.begin(), spec.zones.end(), zone) == spec.zones.end())
            r_.fail(j->second, rm.at("subnets") + ": zone '" + zone + "' is not one of this Region's zones (" + join(spec.zones) + ")");
          const std::string subnet = r_.text(j->first, rm.at("subnets"));
          if (subnet.empty()) r_.fail(j->first, rm.at("subnets") + ": a subnet id must not be empty; write one like subnet-1");
          if (spec.subnets.count(subnet))
            r_.fail(j->first, rm.at("subnets") + ": subnet '" + subnet + "' is given twice; keep one");
          spec.subnets[subnet] = zone;
        }
      }
      if (rm.has("latency")) lat = latency(rm.get("latency"), rm.at("latency"));
    }
    s.service.regions.push_back(std::move(spec));
    s.region_latency.push_back(lat);
  }
}


void Loader::service(const Map& m, Scenario& s) {
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
                                            named(model::balancer_name, model::Balancer::round_robin));
  if (m.has("store")) {
    Map st(r_, m.get("store"), m.at("store"), keys_under("service.store"));
    model::StoreConfig& sc = c.store;
    if (st.has("write"))
      sc.write = r_.choice<model::StoreWrite>(
          st.get("write"), st.at("write"),
          named(model::store_write_name, model::StoreWrite::read_then_write));
    if (st.has("gap")) sc.gap = r_.duration(st.get("gap"), st.at("gap"));
    if (st.has("replicas")) sc.replicas = static_cast<uint32_t>(r_.integer(st.get("replicas"), st.at("replicas"), 1, 16));
    if (st.has("lag")) sc.lag = r_.duration(st.get("lag"), st.at("lag"));
    if (st.has("durability"))
      sc.durability = r_.choice<model::Durability>(
          st.get("durability"), st.at("durability"),
          named(model::durability_name, model::Durability::lossy));
    if (st.has("ttl")) sc.ttl = r_.duration(st.get("ttl"), st.at("ttl"), sim::micros(1));
    if (st.has("gap") && sc.write != model::StoreWrite::read_then_write)
      r_.fail(st.get("gap"), st.at("gap") + ": only a read-then-write store has a gap between its read and its "
                                            "insert; add write: read-then-write, or remove gap");
    if (st.has("lag") && sc.replicas < 2)
      r_.fail(st.get("lag"), st.at("lag") + ": a lag needs read replicas; add replicas: 2 (or more), or remove lag");
  }
  if (m.has("steps")) {
    Map st(r_, m.get("steps"), m.at("steps"), keys_under("service.steps"));
    model::Steps& k = c.steps;
    for (auto [key, d] : {std::pair<const char*, Duration*>{"validate", &k.validate}, {"reserve", &k.reserve},
                          {"launch", &k.launch}, {"record", &k.record}, {"reply", &k.reply}})
      if (st.has(key)) *d = r_.duration(st.get(key), st.at(key));
  }
  if (m.has("recover")) c.recover = r_.boolean(m.get("recover"), m.at("recover"));
  if (m.has("throttle")) {
    Map th(r_, m.get("throttle"), m.at("throttle"), keys_under("service.throttle"));
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
      if (type.empty()) r_.fail(it->first, m.at("capacity") + ": an instance type must not be empty; write one like m5.large");
      if (c.capacity.count(type)) r_.fail(it->first, m.at("capacity") + ": instance type '" + type + "' is given twice; keep one");
      c.capacity[type] = r_.integer(it->second, m.at("capacity") + "." + type, 0, 1000000000);
    }
  }
}

// A rate of requests: "2/s", "100/m", "1/500ms" (a whole number per duration).
void Loader::refill(const YAML::Node& n, const std::string& what, model::Throttle& t) {
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


model::BugSet Loader::bugs(const YAML::Node& n) {
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

// `leaks: {max_age: DURATION, max_instance_hours: NUMBER}`: the leaks property.
void Loader::leaks(const YAML::Node& n, Scenario& s) {
  Map m(r_, n, "leaks", keys_under("leaks"));
  if (!m.has("max_age") && !m.has("max_instance_hours"))
    r_.fail(n, "leaks: give max_age (how long a leaked instance may live, like 2h) or max_instance_hours (the "
               "leaked instances' lives summed, like 10), or both");
  if (m.has("max_age")) s.leaks.max_age = r_.duration(m.get("max_age"), m.at("max_age"), sim::micros(1));
  if (m.has("max_instance_hours")) {
    // A decimal number of hours, to the micro-hour (3.6 ms): kept as whole microseconds.
    const YAML::Node& h = m.get("max_instance_hours");
    const std::string text = r_.scalar(h, m.at("max_instance_hours"), "a number of instance-hours, like 10 or 0.5");
    const size_t dot = text.find('.');
    const std::string whole = text.substr(0, dot), frac = dot == std::string::npos ? "" : text.substr(dot + 1);
    const bool digits = !whole.empty() && whole.size() <= 9 && frac.size() <= 6 &&
                        std::all_of(whole.begin(), whole.end(), ::isdigit) && std::all_of(frac.begin(), frac.end(), ::isdigit) &&
                        (dot == std::string::npos || !frac.empty());
    if (!digits)
      r_.fail(h, m.at("max_instance_hours") + ": '" + text + "' is not a number of instance-hours; write a number "
                 "from 0.000001 to 999999999 with at most 6 decimals, like 10 or 0.5");
    int64_t micro_hours = std::stoll(whole) * 1000000;
    if (!frac.empty()) micro_hours += std::stoll(frac + std::string(6 - frac.size(), '0'));
    if (micro_hours == 0) r_.fail(h, m.at("max_instance_hours") + ": must be more than 0");
    s.leaks.max_instance_us = micro_hours * 3600;
  }
  s.at_leaks = Where{r_.where(n)};
}

// `expect: pass`, `expect: fail`, or `expect: {fail: PROPERTY}`.
void Loader::expect(const YAML::Node& n, Scenario& s) {
  std::vector<std::string> kProperties;
  for (unsigned p = 0; p < static_cast<unsigned>(model::Property::kCount); ++p)
    kProperties.emplace_back(model::property_name(static_cast<model::Property>(p)));
  if (n.IsMap()) {
    Map m(r_, n, "expect", keys_under("expect"));
    const std::string p = r_.text(m.need("fail"), "expect.fail");
    if (std::find(kProperties.begin(), kProperties.end(), p) == kProperties.end()) {
      std::string best;
      size_t best_d = 3;
      for (const std::string& k : kProperties)
        if (const size_t d = edit_distance(p, k); d < best_d) best_d = d, best = k;
      r_.fail(m.get("fail"), "expect.fail: '" + p + "' is not a property" +
                                 (best.empty() ? std::string() : " (did you mean '" + best + "'?)") + "; use one of " +
                                 join(kProperties) + " (docs/scenario-format.md, What is checked)");
    }
    s.expect_fail = true;
    s.expect_property = p;
    return;
  }
  s.expect_fail = r_.choice<bool>(n, "expect", {{"pass", false}, {"fail", true}});
}

// Keys that change nothing under the scenario's other settings: a user who wrote them expects
// them to be tested, so each is named (run reports them; --strict fails on them).
void Loader::inert_keys(const YAML::Node& root, Scenario& s) {
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
                   [](const model::ReaperSpec& r) {
                     return r.reaps == model::ReaperSpec::untagged ||
                            (r.reaps == model::ReaperSpec::not_in_store && r.match == model::ReaperSpec::tag);
                   }))
    s.inert.push_back(r_.where(service["tag_lag"]) +
                      ": service.tag_lag has no effect: only a reaper with `reaps: untagged`, or `not-in-store` with `match: tag`, reads tags");
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
  // Every fault ends at heal_at and no event runs past the limit: a drawn fault longer than what
  // is left after the window's start is cut, and the envelope's longer lengths test nothing new.
  if (const YAML::Node length = root["explore"]; length && length.IsMap() && length["length"] && length["length"].IsMap() &&
                                                 length["length"]["max"] && s.explore.max_for) {
    const Duration from = s.explore.from.value_or(Duration(0));
    const sim::Time end = std::min(s.faults.heal_at.value_or(sim::Time(0) + s.limit), sim::Time(0) + s.limit);
    const Duration room = end - (sim::Time(0) + from);
    if (room.us > 0 && *s.explore.max_for > room)
      s.inert.push_back(r_.where(length["length"]["max"]) + ": explore.length.max (" + sim::format_duration(*s.explore.max_for) +
                        ") is cut: a drawn fault longer than " + sim::format_duration(room) + " acts as one of " +
                        sim::format_duration(room) + " (the draws past it test nothing new), since every fault ends at " +
                        (s.faults.heal_at && *s.faults.heal_at < sim::Time(0) + s.limit ? "heal_at (" : "the limit (") +
                        sim::format_duration(end - sim::Time(0)) + ") and the earliest start is " + sim::format_duration(from) +
                        ", so a longer fault is cut; use at most " + sim::format_duration(room) + ", or move " +
                        (s.faults.heal_at ? "heal_at" : "limit"));
  }
  // (A skewed frontend stamps and compares records with its own clock, so a TTL past the limit
  // may still expire one: then it acts.)
  const bool skewed = std::any_of(s.faults.faults.begin(), s.faults.faults.end(),
                                  [](const faults::Fault& f) { return std::holds_alternative<faults::Skew>(f); });
  if (const YAML::Node store = service ? service["store"] : YAML::Node(); store && store.IsMap() && store["ttl"] &&
                                                                         s.service.store.ttl && *s.service.store.ttl >= s.limit && !skewed)
    s.inert.push_back(r_.where(store["ttl"]) + ": service.store.ttl (" + sim::format_duration(*s.service.store.ttl) +
                      ") has no effect: it is not shorter than the limit (" + sim::format_duration(s.limit) +
                      "), so no record expires within a run; lower it, or raise `limit`");
  // A Region no one calls (and `check` moves no one to: explore.tokens without `regions`): its
  // settings test nothing.
  const bool drawn_regions = std::find(s.explore.token_values.begin(), s.explore.token_values.end(), TokenFamily::regions) !=
                             s.explore.token_values.end();
  if (const YAML::Node regions = root["regions"]; regions && regions.IsMap() && s.service.regions.size() > 1 && !drawn_regions)
    for (auto it = regions.begin(); it != regions.end(); ++it) {
      const std::string name = it->first.Scalar();
      const bool used = std::any_of(s.clients.begin(), s.clients.end(), [&](const ClientGroup& g) {
        return s.service.regions[g.spec.region].name == name;
      });
      if (!used)
        s.inert.push_back(r_.where(it->first) + ": regions." + name + " has no effect: no client group calls this "
                                                "Region (give a group `region: " + name + "`, or remove it)");
    }
  // Every fault ends at heal_at: a window past it is cut (or never opens).
  if (const YAML::Node fs = root["faults"]; fs && fs.IsSequence() && s.faults.heal_at)
    for (size_t i = 0; i < s.faults.faults.size() && i < fs.size(); ++i) {
      const faults::Window w = std::visit([](const auto& f) { return f.window; }, s.faults.faults[i]);
      const YAML::Node body = fs[i].IsMap() && fs[i].size() == 1 ? fs[i].begin()->second : YAML::Node();
      if (w.from >= *s.faults.heal_at)
        s.inert.push_back(s.at_fault[i].text + ": faults[" + std::to_string(i) + "] has no effect: it starts at " +
                          sim::format_duration(w.from - sim::Time(0)) + ", at or after heal_at (" +
                          sim::format_duration(*s.faults.heal_at - sim::Time(0)) + "), when every fault ends");
      else if (w.length && w.from + *w.length > *s.faults.heal_at && body.IsMap() && body["for"])
        s.inert.push_back(r_.where(body["for"]) + ": faults[" + std::to_string(i) + "].for (" + sim::format_duration(*w.length) +
                          ") goes past heal_at (" + sim::format_duration(*s.faults.heal_at - sim::Time(0)) +
                          "), when every fault ends: it acts for " + sim::format_duration(*s.faults.heal_at - w.from) +
                          " at most; shorten it, or move heal_at");
    }
  if (const YAML::Node leaks = root["leaks"]; leaks && leaks.IsMap() && leaks["max_age"] && s.leaks.max_age &&
                                              *s.leaks.max_age >= s.limit)
    s.inert.push_back(r_.where(leaks["max_age"]) + ": leaks.max_age (" + sim::format_duration(*s.leaks.max_age) +
                      ") has no effect: it is not shorter than the limit (" + sim::format_duration(s.limit) +
                      "), so no instance can outlive it; lower it, or raise `limit`");
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
    if (g["think"] && c.intents <= 1 && !s.explore.intents)
      s.inert.push_back(r_.where(g["think"]) + ": " + what + ".think has no effect: each client has one intent (the "
                                                             "pause is between a client's intents; raise `intents`, or remove it)");
    if (g["tag"] && !std::any_of(s.reapers.begin(), s.reapers.end(), [](const model::ReaperSpec& r) {
          return r.reaps == model::ReaperSpec::untagged ||
                 (r.reaps == model::ReaperSpec::not_in_store && r.match == model::ReaperSpec::tag);
        }))
      s.inert.push_back(r_.where(g["tag"]) + ": " + what +
                        ".tag has no effect: no reaper reads tags (reaps: untagged, or not-in-store with match: tag)");
    if (g["timeout"] && c.timeout && c.deadline && *c.timeout >= *c.deadline)
      s.inert.push_back(r_.where(g["timeout"]) + ": " + what + ".timeout has no effect: the call's deadline (" +
                        sim::format_duration(*c.deadline) + ") ends every attempt first");
    for (size_t f = 0; f < s.faults.faults.size(); ++f) {
      const auto* k = std::get_if<faults::Crash>(&s.faults.faults[f]);
      if (!k || k->target != faults::Crash::client || !k->rolling || k->group != i || s.clients[i].count > 1) continue;
      const YAML::Node node = root["faults"][f]["crash"]["rolling"];
      s.inert.push_back((node ? r_.where(node) : std::string("faults[" + std::to_string(f) + "]")) + ": faults[" +
                        std::to_string(f) + "].crash.rolling has no effect: group " + c.group +
                        " has one process (count: 1); rolling spaces the crashes of several");
    }
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
      // A reaper that asks the controllers' databases reads what the state keeps and when the
      // token was written; a database that can fail writes the token at `persist`.
      const bool asked = std::any_of(s.reapers.begin(), s.reapers.end(), [](const model::ReaperSpec& r) {
        return r.reaps == model::ReaperSpec::not_in_store;
      });
      const bool db = (c.controller && c.controller->store) ||
                      std::any_of(s.faults.faults.begin(), s.faults.faults.end(), [&](const faults::Fault& f) {
                        const auto* d = std::get_if<faults::Database>(&f);
                        return d && d->group == i;
                      });
      for (const char* key : {"state", "persist"})
        if (ctl[key] && !crashes && !drawn && !asked && !(db && std::string_view(key) == "persist"))
          s.inert.push_back(r_.where(ctl[key]) + ": " + what + ".controller." + key +
                            " has no effect: no fault crashes this group's processes (add a crash with target: client), "
                            "and no reaper asks its database (reaps: not-in-store)");
      if (ctl["on_persist_error"] && c.controller && c.controller->persist != model::ControllerSpec::before_send)
        s.inert.push_back(r_.where(ctl["on_persist_error"]) + ": " + what +
                          ".controller.on_persist_error has no effect: the token is written before the send only with "
                          "persist: before-send");
      else if (ctl["on_persist_error"] && !db)
        s.inert.push_back(r_.where(ctl["on_persist_error"]) + ": " + what +
                          ".controller.on_persist_error has no effect: the database never fails (add controller.store "
                          "or a faults[].database for this group)");
      if (const YAML::Node q = ctl["queue"]; q && q.IsMap() && c.controller && c.controller->queue &&
                                            c.controller->queue->requeue_after)
        for (const char* key : {"base", "max", "qps", "burst"})
          if (q[key])
            s.inert.push_back(r_.where(q[key]) + ": " + what + ".controller.queue." + key +
                              " has no effect: requeue_after replaces the rate limiter (remove one of them)");
      const bool holds = c.token == model::TokenMode::persisted || c.token == model::TokenMode::write_back ||
                         c.token == model::TokenMode::timestamp;
      if (ctl["persist"] && (crashes || drawn) && c.token == model::TokenMode::write_back && c.controller &&
          c.controller->persist == model::ControllerSpec::before_send)
        s.inert.push_back(r_.where(ctl["persist"]) + ": " + what +
                          ".controller.persist: before-send has no effect with token: write-back (the SDK makes the "
                          "token inside the call, so the caller can write it down only once an answer comes back: it "
                          "runs as after-response); use token: persisted to write the token down before the send");
      if (ctl["persist"] && crashes && !holds)
        s.inert.push_back(r_.where(ctl["persist"]) + ": " + what + ".controller.persist has no effect with token: " +
                          std::string(model::token_mode_name(c.token)) +
                          " (the caller writes down only a token it keeps per intent: persisted, write-back, timestamp)");
    }
    if (g["on_terminated"] && s.service.semantics == model::Semantics::v2013)
      s.inert.push_back(r_.where(g["on_terminated"]) + ": " + what +
                        ".on_terminated has no effect under semantics: 2013 (a repeat after termination gets the "
                        "original answer, never IdempotentInstanceTerminated)");
    else if (g["on_terminated"] && c.on_terminated == model::OnTerminated::new_token &&
             (c.token == model::TokenMode::none || c.token == model::TokenMode::value))
      s.inert.push_back(r_.where(g["on_terminated"]) + ": " + what + ".on_terminated: new-token has no effect with token: " +
                        std::string(model::token_mode_name(c.token)) +
                        " (the group has no token of its own to replace: it gives up)");
    if (g["on_describe_error"] && !c.describes())
      s.inert.push_back(r_.where(g["on_describe_error"]) + ": " + what +
                        ".on_describe_error has no effect: the group never reconciles through DescribeInstances "
                        "(on_unknown or on_mismatch: reconcile, with app_retries)");
  }
}

// The service's parts that nothing in the scenario can exercise.
void Loader::service_parts_inert(const YAML::Node& service, Scenario& s) {
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


uint32_t Loader::region_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
  const std::string name = r_.text(n, what);
  for (uint32_t i = 0; i < s.service.regions.size(); ++i)
    if (s.service.regions[i].name == name) return i;
  r_.fail(n, what + ": unknown Region '" + name + "'; the scenario's Regions are " + join(s.region_names()) +
                 " (add it under `regions:`)");
}

}  // namespace load_detail

namespace {

using load_detail::Loader;

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

using load_detail::Included;
using load_detail::kind_name;
using load_detail::Reader;

YAML::Node load_yaml(const std::string& text, const std::string& file, const std::string& from);

// `include:`: files whose faults, service and Regions are merged into the scenario (an included
// file may include others). Read depth first: an include's own includes come before it; faults are
// appended in that order, then the scenario's own; service and Regions are merged key by key, a
// later file's value over an earlier one's, the scenario's own over all.
struct Includer {
  std::vector<Included>& out;
  uint64_t& hash;
  std::vector<std::string> stack;  // the files being read, for cycles (canonical)
  std::vector<std::string> shown;  // ... as they are named
  std::vector<std::string> read_;  // every file included so far (canonical)
  std::vector<YAML::Node> docs;    // each included file's root, in merge order

  static void collect(const YAML::Node& n, std::vector<YAML::Node>& into) {
    into.push_back(n);
    if (n.IsMap()) {
      for (const auto& kv : n) {
        into.push_back(kv.first);
        collect(kv.second, into);
      }
    } else if (n.IsSequence()) {
      for (const auto& e : n) collect(e, into);
    }
  }

  // The include list of `root` (read from `file`), each entry relative to file's folder.
  void read(const YAML::Node& root, const std::string& file, const Reader& r) {
    const YAML::Node list = root["include"];
    if (!list.IsSequence() && !(list.IsScalar() && !list.Scalar().empty()))
      r.fail(list, "include: expected a list of files, like include: [shared/faults.yaml]");
    std::vector<YAML::Node> entries;
    if (list.IsScalar()) entries.push_back(list);
    else for (const auto& e : list) entries.push_back(e);
    for (const YAML::Node& e : entries) {
      if (!e.IsScalar() || e.Scalar().empty()) r.fail(e, "include: each entry is a file name, like shared/faults.yaml");
      const std::filesystem::path dir = std::filesystem::path(file).parent_path();
      const std::string path = (dir / e.Scalar()).lexically_normal().string();
      std::error_code ec;
      const std::string key = std::filesystem::weakly_canonical(path, ec).string();
      if (const auto seen = std::find(read_.begin(), read_.end(), key); seen != read_.end() &&
                                                                        std::find(stack.begin(), stack.end(), key) == stack.end())
        r.fail(e, "include: " + path + " is included twice (its faults would act twice); include it once");
      if (std::find(stack.begin(), stack.end(), key) != stack.end()) {
        std::string cycle;
        for (size_t i = std::find(stack.begin(), stack.end(), key) - stack.begin(); i < stack.size(); ++i) cycle += shown[i] + " -> ";
        r.fail(e, "include: a cycle: " + cycle + path + "; remove one of these includes");
      }
      if (std::filesystem::is_directory(path, ec))
        r.fail(e, "include: " + path + " is a folder; include names files, like " + path + "/faults.yaml");
      std::ifstream in(path, std::ios::binary);
      if (!in) r.fail(e, "include: " + path + " cannot be read (no such file, or no permission); the path is relative to " +
                             "the folder of " + file + (dir.empty() ? std::string(" (the current folder)") : std::string()));
      std::ostringstream buf;
      buf << in.rdbuf();
      const std::string text = buf.str();
      for (unsigned char ch : text) hash = (hash ^ ch) * 0x100000001b3ULL;
      const std::string from = r.where(e);
      const YAML::Node doc = load_yaml(text, path, from);
      out.push_back(Included{path, from, {}});
      const size_t mine = out.size() - 1;
      collect(doc, out[mine].nodes);
      const Reader inner(path, &out);
      if (!doc.IsMap())
        throw ScenarioError(path, 0, 0, "an included file is a mapping with faults, service or regions, found " +
                                            kind_name(doc) + " (included from " + from + ")");
      for (const auto& kv : doc) {
        const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        if (k != "include" && k != "faults" && k != "service" && k != "regions" && k != "description")
          inner.fail(kv.first, "an included file gives only faults, service and regions (with include and description); '" +
                                   k + "' belongs in the scenario that includes it");
      }
      if (doc["faults"] && !doc["faults"].IsSequence()) inner.fail(doc["faults"], "faults: expected a list of faults");
      for (const char* k : {"service", "regions"})
        if (doc[k] && !doc[k].IsMap()) inner.fail(doc[k], std::string(k) + ": expected a mapping");
      read_.push_back(key);
      stack.push_back(key);
      shown.push_back(path);
      if (doc["include"]) read(doc, path, inner);
      stack.pop_back();
      shown.pop_back();
      docs.push_back(doc);
    }
  }

  // `over`'s keys onto `base`, recursively for mappings both have (original nodes kept, so that
  // every value keeps its place).
  // The base's keys keep their order (the first Region stays the first), the overriding
  // value in its place; keys only `over` has come after.
  static YAML::Node merged(const YAML::Node& base, const YAML::Node& over) {
    if (!base || !base.IsMap() || !over.IsMap()) return over;
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : base) {
      const YAML::Node o = over[kv.first.Scalar()];
      if (!o) out.force_insert(kv.first, kv.second);
      else out.force_insert(kv.first, kv.second.IsMap() && o.IsMap() ? merged(kv.second, o) : o);
    }
    for (const auto& kv : over)
      if (!base[kv.first.Scalar()]) out.force_insert(kv.first, kv.second);
    return out;
  }

  YAML::Node merge_into(const YAML::Node& root) const {
    YAML::Node faults(YAML::NodeType::Sequence);
    YAML::Node service, regions;
    for (const YAML::Node& d : docs) {
      if (d["faults"]) for (const auto& f : d["faults"]) faults.push_back(f);
      if (d["service"]) service = merged(service, d["service"]);
      if (d["regions"]) regions = merged(regions, d["regions"]);
    }
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : root) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (k == "include") continue;
      if (k == "faults") {
        if (!kv.second.IsSequence()) return root;  // the loader says what is wrong with it, at its place
        for (const auto& f : kv.second) faults.push_back(f);
        continue;
      }
      if (k == "service") service = merged(service, kv.second);
      else if (k == "regions") regions = merged(regions, kv.second);
      else out.force_insert(kv.first, kv.second);
    }
    if (faults.size() > 0 || root["faults"]) out["faults"] = faults;
    if (service) out["service"] = service;
    if (regions) out["regions"] = regions;
    return out;
  }
};

YAML::Node load_yaml(const std::string& text, const std::string& file, const std::string& from) {
  const std::string also = from.empty() ? "" : " (included from " + from + ")";
  if (looks_binary(text))
    throw ScenarioError(file, 0, 0, "is not a text file (it has NUL bytes or invalid UTF-8); a scenario is YAML text" + also);
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
                                             "spaces only (replace the tab with spaces) (" + e.msg + ")" + also);
    }
    throw ScenarioError(file, line, col, "malformed YAML: " + e.msg + also);
  }
  if (!root.IsDefined() || root.IsNull())
    throw ScenarioError(file, 0, 0, from.empty() ? "is empty; a scenario needs at least `name` and `clients` (see docs/scenario-format.md)"
                                                 : "is empty" + also);
  return root;
}

Scenario parse_scenario(const std::string& text, const std::string& file) {
  YAML::Node root = load_yaml(text, file, "");
  // FNV-1a over the file's bytes, and its included files': results name the exact text they came from.
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char ch : text) hash = (hash ^ ch) * 0x100000001b3ULL;
  std::vector<Included> included;
  std::vector<std::string> includes;
  try {
    if (root.IsMap() && root["include"]) {
      const Reader r(file);
      Includer in{included, hash, {}, {}, {}, {}};
      std::error_code ec;
      in.stack.push_back(std::filesystem::weakly_canonical(file, ec).string());
      in.shown.push_back(file);
      in.read(root, file, r);
      if (root["include"].IsSequence())
        for (const auto& e : root["include"]) includes.push_back(e.Scalar());
      else
        includes.push_back(root["include"].Scalar());
      root = in.merge_into(root);
    }
    Scenario s = Loader(file, &included).load(root);
    s.content_hash = hash;
    s.includes = std::move(includes);
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
