#include "reports/merge.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "model/oracle/oracle.h"
#include "reports/report.h"

namespace idem::reports {

using nlohmann::ordered_json;

namespace detail {

// The q-th quantile (q in hundredths) of [value, count] pairs: the least value with at least q%
// of the counts at or below it; nullopt when there are none.
std::optional<uint64_t> quantile(const ordered_json& pairs, uint64_t q) {
  uint64_t total = 0;
  for (const auto& p : pairs) total += p[1].get<uint64_t>();
  if (total == 0) return std::nullopt;
  const uint64_t need = (total * q + 99) / 100;
  uint64_t seen = 0;
  for (const auto& p : pairs) {
    seen += p[1].get<uint64_t>();
    if (seen >= need) return p[0].get<uint64_t>();
  }
  return pairs.back()[0].get<uint64_t>();
}

std::string mean_of(const ordered_json& pairs) {
  uint64_t total = 0, sum = 0;
  for (const auto& p : pairs) total += p[1].get<uint64_t>(), sum += p[0].get<uint64_t>() * p[1].get<uint64_t>();
  return two_decimals(sum, total);
}

std::string millis(uint64_t ms) {
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60000) return std::to_string(ms / 1000) + (ms % 1000 ? "." + std::to_string(ms % 1000 / 100) : "") + "s";
  if (ms < 3600000) return std::to_string(ms / 60000) + "m";
  return std::to_string(ms / 3600000) + "h";
}

// "mean 1.04, p99 2, max 3" of attempts per intent.
std::string attempts_text(const ordered_json& d) {
  const ordered_json& a = d["attempts_per_intent"];
  if (a.empty()) return "none";
  return "mean " + mean_of(a) + ", p99 " + std::to_string(*quantile(a, 99)) + ", max " +
         std::to_string(a.back()[0].get<uint64_t>());
}

// "p50 <= 50ms, p95 <= 2s, p99 <= 5s": completion times, by the bucket bound.
std::string completion_text(const ordered_json& d) {
  const ordered_json& c = d["completion_ms"];
  if (c.empty()) return "none";
  return "p50 <= " + millis(*quantile(c, 50)) + ", p95 <= " + millis(*quantile(c, 95)) + ", p99 <= " +
         millis(*quantile(c, 99));
}

std::string instance_hours(uint64_t us) { return two_decimals(us, 3600ull * 1000000ull); }


// The first violation of a property (or of any, when `property` is empty) kept in the results,
// with its seed's reproduce command; null when none kept its details.
std::pair<const ordered_json*, const ordered_json*> first_violation(const ordered_json& d, const std::string& property) {
  for (const auto& r : d["results"]) {
    if (!r.contains("violation_details")) continue;
    for (const auto& v : r["violation_details"])
      if (property.empty() || v["property"] == property) return {&r, &v};
  }
  return {nullptr, nullptr};
}

std::string text_of(const ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The property a scenario's `expect: {fail: P}` names, or "".
std::string named_property(const ordered_json& d) {
  const std::string e = text_of(d["expect"]);
  return e.rfind("fail: ", 0) == 0 ? e.substr(6) : "";
}

// The violation a report shows first: of the property `expect` names when there is one (as `run`
// prints it), else the first.
std::pair<const ordered_json*, const ordered_json*> shown_violation(const ordered_json& d) {
  const std::string p = named_property(d);
  if (!p.empty())
    if (const auto named = first_violation(d, p); named.second) return named;
  return first_violation(d, "");
}

// Whether the violations alone meet `expect` (the --strict warnings aside).
bool caught_or_clean(const ordered_json& d) {
  const std::string e = text_of(d["expect"]);
  const uint64_t failing = d["failing_runs"].get<uint64_t>();
  if (e == "pass") return failing == 0;
  const std::string p = named_property(d);
  return p.empty() ? failing > 0 : d["violations_by_property"].value(p, uint64_t{0}) > 0;
}

std::string by_property(const ordered_json& d) {
  std::string out;
  for (auto it = d["violations_by_property"].begin(); it != d["violations_by_property"].end(); ++it)
    out += (out.empty() ? "" : "; ") + it.key() + " " + std::to_string(it->get<uint64_t>());
  return out.empty() ? "none" : out;
}

std::string seeds_text(const ordered_json& d) {
  const auto& sh = d["shard"];
  std::string out = std::to_string(d["runs"].get<uint64_t>());
  if (d["runs"].get<uint64_t>() != sh["runs"].get<uint64_t>())
    out += " of " + std::to_string(sh["runs"].get<uint64_t>()) + " (partial)";
  return out;
}

std::string headline(const std::vector<Merged>& ms) {
  size_t not_met = 0, partial = 0;
  std::string names;
  for (const Merged& m : ms) {
    if (!m.doc["met_expectation"].get<bool>()) {
      ++not_met;
      names += (names.empty() ? "" : ", ") + text_of(m.doc["scenario"]);
    }
    partial += m.doc["runs"] != m.doc["shard"]["runs"] ? 1 : 0;
  }
  const std::string n = std::to_string(ms.size());
  std::string out = not_met ? std::to_string(not_met) + " of " + n + (ms.size() == 1 ? " scenario" : " scenarios") +
                                  " did not meet " + (ms.size() == 1 ? "its" : "their") + " expect: " + names
                    : ms.size() == 1 ? "the scenario met its expect"
                                     : "all " + n + " scenarios met their expect";
  if (partial) out += " in the seeds given (" + std::to_string(partial) + " with seeds missing: a shard not given?)";
  return out;
}

// Text for XML or HTML: the five markup characters escaped, and control characters XML 1.0 does
// not allow made spaces.
std::string xml(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') out += ' ';  // not allowed in XML 1.0
        else out += static_cast<char>(c);
    }
  }
  return out;
}

// A CSV field: quoted when it holds a comma, a quote or a newline, its quotes doubled.
std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace detail

using namespace detail;

namespace {

// The properties a scenario is judged by, in the oracle's order.
std::vector<std::string> property_names() {
  std::vector<std::string> out;
  for (unsigned p = 0; p < static_cast<unsigned>(model::Property::kCount); ++p)
    out.emplace_back(model::property_name(static_cast<model::Property>(p)));
  return out;
}
const std::vector<std::string> kProperties = property_names();

void need(const ordered_json& doc, const std::string& path, const char* key, ordered_json::value_t type) {
  if (!doc.contains(key))
    throw BadResults(path + ": has no \"" + key + "\"; it is not a whole results file (written by an older idemsim, "
                     "or edited); run the scenario again");
  const ordered_json& v = doc[key];
  const bool ok = type == ordered_json::value_t::number_unsigned ? v.is_number_unsigned()
                  : type == ordered_json::value_t::number_float  ? v.is_number()
                                                                 : v.type() == type;
  if (!ok && type == ordered_json::value_t::number_unsigned)
    throw BadResults(path + ": \"" + key + "\" must be a whole number >= 0, not " + v.dump());
  if (!ok) throw BadResults(path + ": \"" + key + "\" has the wrong type (" + v.type_name() + ")");
}

// Every field of a timeline the HTML report reads, with its type and range: a file edited by hand
// is refused, naming the field, rather than drawn wrong.
void check_timeline(const std::string& path, const ordered_json& t) {
  const auto fail = [&](const std::string& where, const std::string& what) {
    throw BadResults(path + ": timeline" + where + ": " + what + " (docs/results-format.md, \"timeline\"); run the scenario again");
  };
  const auto number = [&](const ordered_json& v, const std::string& where, int64_t lo, int64_t hi) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) ||
        v.get<int64_t>() < lo || v.get<int64_t>() > hi)
      fail(where, "must be a whole number from " + std::to_string(lo) + (hi == INT64_MAX ? " on" : " to " + std::to_string(hi)) +
                      ", not " + v.dump());
    return v.get<int64_t>();
  };
  const auto whole = [&](const ordered_json& o, const std::string& where, const char* k, int64_t lo, int64_t hi) {
    if (!o.contains(k)) fail(where, "has no \"" + std::string(k) + "\"");
    return number(o[k], where + "." + k, lo, hi);
  };
  const auto text = [&](const ordered_json& o, const std::string& where, const char* k) {
    if (!o.contains(k) || !o[k].is_string()) fail(where + "." + k, "must be a string");
  };
  const auto list = [&](const char* k) -> const ordered_json& {
    if (!t.contains(k) || !t[k].is_array()) fail(std::string(".") + k, "must be a list");
    for (size_t i = 0; i < t[k].size(); ++i)
      if (!t[k][i].is_object() && std::string(k) != "violations")
        fail(std::string(".") + k + "[" + std::to_string(i) + "]", "must be an object");
    return t[k];
  };
  constexpr int64_t kAny = INT64_MAX;
  // Simulated times up to 2^53 microseconds (285 years): far past any limit, and room to draw.
  constexpr int64_t kTime = int64_t{1} << 53;
  for (const char* k : {"seed", "events"})
    if (!t.contains(k) || !t[k].is_number_unsigned()) fail(std::string(".") + k, "must be a whole number >= 0");
  const int64_t end = whole(t, "", "end_us", 0, kTime);
  whole(t, "", "attempts_left_out", 0, kAny);
  for (const auto& v : list("violations"))
    if (!v.is_string()) fail(".violations", "must be a list of strings");
  const int64_t nviolations = static_cast<int64_t>(t["violations"].size());
  // Fields added after the first timelines: absent in an older file, checked when present.
  const auto flag = [&](const ordered_json& o, const std::string& where, const char* k) {
    if (o.contains(k) && !o[k].is_boolean()) fail(where + "." + k, "must be true or false");
  };
  const auto wholes = [&](const ordered_json& o, const std::string& where, const char* k, int64_t lo, int64_t hi) {
    if (!o.contains(k)) return;
    if (!o[k].is_array()) fail(where + "." + k, "must be a list");
    for (size_t i = 0; i < o[k].size(); ++i) number(o[k][i], where + "." + k + "[" + std::to_string(i) + "]", lo, hi);
  };
  if (t.contains("focus")) whole(t, "", "focus", 0, std::max<int64_t>(0, nviolations - 1));
  const ordered_json& lanes = list("lanes");
  const int64_t n = static_cast<int64_t>(lanes.size());
  if (n == 0) fail(".lanes", "is empty: a timeline has at least the service's lane");
  for (size_t i = 0; i < lanes.size(); ++i) {
    const std::string w = ".lanes[" + std::to_string(i) + "]";
    text(lanes[i], w, "name");
    text(lanes[i], w, "region");
    text(lanes[i], w, "kind");
    const std::string kind = lanes[i]["kind"].get<std::string>();
    if (kind != "client" && kind != "frontend" && kind != "store" && kind != "reaper")
      fail(w + ".kind", "must be client, frontend, store or reaper, not \"" + kind + "\"");
  }
  const ordered_json& attempts = list("attempts");
  for (size_t i = 0; i < attempts.size(); ++i) {
    const ordered_json& a = attempts[i];
    const std::string w = ".attempts[" + std::to_string(i) + "]";
    whole(a, w, "id", 0, kAny);
    whole(a, w, "from", 0, n - 1);
    whole(a, w, "to", -1, n - 1);
    whole(a, w, "sent_us", 0, kTime);
    for (const char* k : {"reached_us", "answered_us", "ended_us", "late_us"}) whole(a, w, k, -1, kTime);
    whole(a, w, "story", 0, 2);
    text(a, w, "what");
    text(a, w, "end");
    text(a, w, "lost");
    const std::string lost = a["lost"].get<std::string>();
    if (lost != "" && lost != "request" && lost != "answer") fail(w + ".lost", "must be \"request\", \"answer\" or \"\"");
    // What the page draws must be possible: a request goes from a client to the service, and
    // nothing ends before it was sent or after the run.
    const int64_t to = a["to"].get<int64_t>();
    if (to >= 0 && lanes[static_cast<size_t>(to)]["kind"] == "client") fail(w + ".to", "names a client's lane");
    if (lanes[static_cast<size_t>(a["from"].get<int64_t>())]["kind"] != "client") fail(w + ".from", "must name a client's lane");
    const int64_t sent = a["sent_us"].get<int64_t>(), reached = a["reached_us"].get<int64_t>();
    for (const char* k : {"reached_us", "answered_us", "ended_us", "late_us"}) {
      const int64_t v = a[k].get<int64_t>();
      if (v >= 0 && (v < sent || v > end)) fail(w + "." + k, "must be -1 or from sent_us to end_us, not " + std::to_string(v));
    }
    if (a["answered_us"].get<int64_t>() >= 0 && a["answered_us"].get<int64_t>() < reached)
      fail(w + ".answered_us", "is before reached_us");
  }
  const ordered_json& launches = list("launches");
  for (size_t i = 0; i < launches.size(); ++i) {
    const std::string w = ".launches[" + std::to_string(i) + "]";
    whole(launches[i], w, "at_us", 0, end);
    const int64_t lane = whole(launches[i], w, "lane", -1, n - 1);
    if (lane >= 0 && lanes[static_cast<size_t>(lane)]["kind"] != "frontend") fail(w + ".lane", "must name a frontend's lane");
    const int64_t by = whole(launches[i], w, "attempt", 0, kAny);
    if (t["attempts_left_out"].get<int64_t>() == 0 &&
        std::none_of(attempts.begin(), attempts.end(), [&](const ordered_json& a) { return a["id"].get<int64_t>() == by; }))
      fail(w + ".attempt", "names no attempt of the timeline");
    text(launches[i], w, "what");
    if (!launches[i].contains("bad") || !launches[i]["bad"].is_boolean()) fail(w + ".bad", "must be true or false");
    wholes(launches[i], w, "bad_in", 0, nviolations - 1);
    flag(launches[i], w, "leaked");
    if (launches[i].contains("terminated_us")) {
      const int64_t at = whole(launches[i], w, "terminated_us", -1, end);
      if (at >= 0 && at < launches[i]["at_us"].get<int64_t>()) fail(w + ".terminated_us", "is before at_us");
    }
    if (launches[i].contains("terminated_lane")) {
      const int64_t to = whole(launches[i], w, "terminated_lane", -1, n - 1);
      if (to >= 0 && lanes[static_cast<size_t>(to)]["kind"] == "client") fail(w + ".terminated_lane", "names a client's lane");
    }
    if (launches[i].contains("terminated_by")) text(launches[i], w, "terminated_by");
  }
  const ordered_json& faults = list("faults");
  for (size_t i = 0; i < faults.size(); ++i) {
    const std::string w = ".faults[" + std::to_string(i) + "]";
    const int64_t from = whole(faults[i], w, "from_us", 0, kTime);
    whole(faults[i], w, "until_us", from, kTime);
    text(faults[i], w, "fault");
    text(faults[i], w, "region");
    flag(faults[i], w, "instant");
    wholes(faults[i], w, "at_us", 0, end);
  }
  const ordered_json& marks = list("marks");
  for (size_t i = 0; i < marks.size(); ++i) {
    const std::string w = ".marks[" + std::to_string(i) + "]";
    whole(marks[i], w, "at_us", 0, end);
    whole(marks[i], w, "lane", 0, n - 1);
    whole(marks[i], w, "story", 0, 2);
    text(marks[i], w, "what");
  }
}

// Counts summed, key by key; "most_..." objects keep the larger.
void add_counts(ordered_json& into, const ordered_json& from) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    const std::string& k = it.key();
    if (it->is_object()) {
      if (!into.contains(k)) into[k] = ordered_json::object();
      if (k.rfind("most_", 0) == 0) {
        for (auto m = it->begin(); m != it->end(); ++m)
          into[k][m.key()] = std::max(into[k].value(m.key(), uint64_t{0}), m->get<uint64_t>());
      } else {
        add_counts(into[k], *it);
      }
    } else if (it->is_number_unsigned()) {
      into[k] = into.value(k, uint64_t{0}) + it->get<uint64_t>();
    }
  }
}

// [value, count] pairs summed per value, in value order.
void add_pairs(ordered_json& into, const ordered_json& from) {
  std::map<uint64_t, uint64_t> sum;
  for (const ordered_json* side : {static_cast<const ordered_json*>(&into), &from})
    for (const auto& p : *side) sum[p[0].get<uint64_t>()] += p[1].get<uint64_t>();
  into = ordered_json::array();
  for (const auto& [v, n] : sum) into.push_back({v, n});
}

// By the violations; and, for the results of one whole run (one file) with --strict, by its
// warnings too. A shard's warnings (a fault its seeds never fired) are not the whole run's, so
// merged shards are judged by their violations alone.
bool met(const ordered_json& d, bool one_whole_run) {
  if (one_whole_run && d["strict"].get<bool>() && !d["warnings"].empty()) return false;
  return caught_or_clean(d);
}

// A scenario's path as a dotted class name: the extension dropped, dots in names made '_',
// separators made dots, leading ones dropped.
std::string fs_stem_path(std::string f) {
  if (const size_t slash = f.find_last_of('/'), dot = f.find_last_of('.'); dot != std::string::npos &&
                                                                          (slash == std::string::npos || dot > slash))
    f.erase(dot);
  for (char& c : f) c = c == '.' ? '_' : c == '/' ? '.' : c;
  while (!f.empty() && (f.front() == '.' || f.front() == '_')) f.erase(f.begin());
  return f;
}

}  // namespace

ordered_json read_results(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadResults(path + ": cannot be read (no such file, or no permission)");
  std::ostringstream buf;
  buf << in.rdbuf();
  ordered_json doc;
  try {
    doc = ordered_json::parse(buf.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw BadResults(path + ": is not JSON, or is cut short (" + std::string(e.what()) +
                     "); results files are what `idemsim run` writes into its --out directory");
  }
  if (!doc.is_object() || !doc.contains("schema") || doc["schema"] != "idemsim-results")
    throw BadResults(path + ": is not an idemsim results file (it has no \"schema\": \"idemsim-results\"); "
                     "give the JSON files `idemsim run` writes");
  if (!doc.contains("schema_version") || !doc["schema_version"].is_number_unsigned() ||
      doc["schema_version"].get<uint64_t>() != static_cast<uint64_t>(kResultsSchemaVersion))
    throw BadResults(path + ": has schema_version " + (doc.contains("schema_version") ? doc["schema_version"].dump() : "none") +
                     "; this idemsim reads version " + std::to_string(kResultsSchemaVersion) +
                     " (run the scenario again with this idemsim)");
  using T = ordered_json::value_t;
  for (const auto& [k, t] : std::vector<std::pair<const char*, T>>{
           {"idemsim_version", T::string}, {"scenario", T::string}, {"file", T::string}, {"content_hash", T::string},
           {"expect", T::string}, {"strict", T::boolean}, {"warnings", T::array}, {"first_seed", T::number_unsigned},
           {"runs", T::number_unsigned}, {"shard", T::object}, {"keep", T::number_unsigned},
           {"failing_runs", T::number_unsigned}, {"totals", T::object}, {"violations_by_property", T::object},
           {"groups", T::array}, {"faults", T::array}, {"coverage", T::object}, {"attempts_per_intent", T::array},
           {"completion_ms", T::array}, {"results", T::array},
           {"wall_time_s", T::number_float}})
    need(doc, path, k, t);
  // The properties not checked, with why (absent from files of before it was added).
  if (doc.contains("unchecked")) {
    const ordered_json& u = doc["unchecked"];
    if (!u.is_object() || std::any_of(u.begin(), u.end(), [](const ordered_json& why) { return !why.is_string(); }))
      throw BadResults(path + ": \"unchecked\" is not an object of property names to reasons; run the scenario again");
  }
  // The shortest failing run, drawn (absent from files of before it was added, null when every run passed).
  if (doc.contains("timeline") && !doc["timeline"].is_null()) {
    if (!doc["timeline"].is_object()) throw BadResults(path + ": \"timeline\" is neither an object nor null");
    check_timeline(path, doc["timeline"]);
    const uint64_t seed = doc["timeline"]["seed"].get<uint64_t>();
    if (std::none_of(doc["results"].begin(), doc["results"].end(), [&](const ordered_json& r) {
          return r.is_object() && r.contains("seed") && r["seed"] == seed && r.contains("verdict") && r["verdict"] == "fail";
        }))
      throw BadResults(path + ": timeline.seed " + std::to_string(seed) + " is not a failing seed of these results; run the scenario again");
  }
  // Distributions: [value, count] pairs of whole numbers, values rising.
  for (const char* k : {"attempts_per_intent", "completion_ms"}) {
    const ordered_json& pairs = doc[k];
    for (size_t i = 0; i < pairs.size(); ++i) {
      const ordered_json& p = pairs[i];
      if (!p.is_array() || p.size() != 2 || !p[0].is_number_unsigned() || !p[1].is_number_unsigned() ||
          (i > 0 && p[0].get<uint64_t>() <= pairs[i - 1][0].get<uint64_t>()))
        throw BadResults(path + ": \"" + k + "\"[" + std::to_string(i) + "] must be a [value, count] pair of whole numbers "
                         "with values rising, not " + p.dump() + "; run the scenario again");
    }
  }
  if (doc["results"].size() != doc["runs"].get<uint64_t>())
    throw BadResults(path + ": says " + doc["runs"].dump() + " runs but holds " + std::to_string(doc["results"].size()) +
                     "; it is cut short or edited; run the scenario again");
  return doc;
}

std::vector<Merged> merge_results(const std::vector<std::pair<std::string, ordered_json>>& files) {
  std::vector<Merged> out;
  std::map<std::string, size_t> index;  // file + content hash -> position in out
  for (const auto& [path, doc] : files) {
    const std::string key = doc["file"].get<std::string>() + "\n" + doc["content_hash"].get<std::string>();
    auto it = index.find(key);
    if (it == index.end()) {
      for (const Merged& m : out)
        if (m.doc["file"] == doc["file"])
          throw BadResults(path + ": " + text_of(doc["file"]) + " had other contents when " + m.files.front() +
                           " was written (content hashes " + text_of(m.doc["content_hash"]) + " and " +
                           text_of(doc["content_hash"]) + "): results of two texts of a scenario do not merge");
      index.emplace(key, out.size());
      out.push_back(Merged{doc, {path}});
      continue;
    }
    Merged& m = out[it->second];
    ordered_json& d = m.doc;
    for (const char* k : {"idemsim_version", "expect", "semantics", "keep"})
      if (d[k] != doc[k])
        throw BadResults(path + ": its \"" + k + "\" is " + doc[k].dump() + ", but " + m.files.front() + " has " +
                         d[k].dump() + ": results of " + text_of(d["file"]) + " from another setting do not merge");
    if (d["groups"].size() != doc["groups"].size() || d["faults"].size() != doc["faults"].size())
      throw BadResults(path + ": its groups or faults differ from " + m.files.front() + "'s");
    m.files.push_back(path);
    // The whole run the files are parts of: the seeds of every file's run, together (shards of
    // one run share it; runs of other seeds widen it).
    {
      const uint64_t lo = std::min(d["shard"]["first_seed"].get<uint64_t>(), doc["shard"]["first_seed"].get<uint64_t>());
      const uint64_t hi = std::max(d["shard"]["first_seed"].get<uint64_t>() + d["shard"]["runs"].get<uint64_t>(),
                                   doc["shard"]["first_seed"].get<uint64_t>() + doc["shard"]["runs"].get<uint64_t>());
      d["shard"]["first_seed"] = lo;
      d["shard"]["runs"] = hi - lo;
    }
    d["strict"] = d["strict"].get<bool>() || doc["strict"].get<bool>();
    for (const auto& w : doc["warnings"])
      if (std::find(d["warnings"].begin(), d["warnings"].end(), w) == d["warnings"].end()) d["warnings"].push_back(w);
    d["runs"] = d["runs"].get<uint64_t>() + doc["runs"].get<uint64_t>();
    d["failing_runs"] = d["failing_runs"].get<uint64_t>() + doc["failing_runs"].get<uint64_t>();
    add_counts(d["totals"], doc["totals"]);
    add_counts(d["violations_by_property"], doc["violations_by_property"]);
    add_counts(d["coverage"], doc["coverage"]);
    for (size_t g = 0; g < d["groups"].size(); ++g) add_counts(d["groups"][g], doc["groups"][g]);
    for (size_t f = 0; f < d["faults"].size(); ++f)
      d["faults"][f]["fired"] = d["faults"][f]["fired"].get<uint64_t>() + doc["faults"][f]["fired"].get<uint64_t>();
    for (const char* k : {"attempts_per_intent", "completion_ms"}) add_pairs(d[k], doc[k]);
    for (const auto& r : doc["results"]) d["results"].push_back(r);
    // The shortest failing run of them all: the fewest events, then the lowest seed (the rule
    // one run of every seed picks by).
    if (doc.contains("timeline") && !doc["timeline"].is_null()) {
      const ordered_json& t = doc["timeline"];
      const bool shorter =
          !d.contains("timeline") || d["timeline"].is_null() ||
          std::make_pair(t["events"].get<uint64_t>(), t["seed"].get<uint64_t>()) <
              std::make_pair(d["timeline"]["events"].get<uint64_t>(), d["timeline"]["seed"].get<uint64_t>());
      if (shorter) d["timeline"] = t;
    }
    d["wall_time_s"] = d["wall_time_s"].get<double>() + doc["wall_time_s"].get<double>();
  }
  for (Merged& m : out) {
    ordered_json& d = m.doc;
    // Seeds in order, each once; violation details for the first `keep` failing seeds only, as
    // one run of them all would keep.
    std::vector<ordered_json> rs(d["results"].begin(), d["results"].end());
    std::stable_sort(rs.begin(), rs.end(), [](const ordered_json& a, const ordered_json& b) {
      return a["seed"].get<uint64_t>() < b["seed"].get<uint64_t>();
    });
    for (size_t i = 1; i < rs.size(); ++i)
      if (rs[i]["seed"] == rs[i - 1]["seed"])
        throw BadResults("seed " + rs[i]["seed"].dump() + " of " + text_of(d["file"]) + " is in two of the files given (" +
                         [&] {
                           std::string f;
                           for (const auto& [p, doc] : files)
                             if (doc["file"] == d["file"])
                               for (const auto& r : doc["results"])
                                 if (r["seed"] == rs[i]["seed"]) f += (f.empty() ? "" : " and ") + p;
                           return f;
                         }() +
                         "): give each shard's results once");
    uint64_t kept = 0;
    const uint64_t keep = d["keep"].get<uint64_t>();
    for (auto& r : rs) {
      if (r["violations"].get<uint64_t>() == 0) continue;
      if (kept++ >= keep) r.erase("violation_details");
    }
    d["results"] = rs;
    if (!rs.empty()) d["first_seed"] = rs.front()["seed"];
    // The properties in name order, as one run writes them.
    std::map<std::string, uint64_t> props;
    for (auto it = d["violations_by_property"].begin(); it != d["violations_by_property"].end(); ++it)
      props[it.key()] = it->get<uint64_t>();
    ordered_json sorted = ordered_json::object();
    for (const auto& [k, v] : props) sorted[k] = v;
    d["violations_by_property"] = sorted;
    // Every seed of the run: the report of the whole run. Some missing (a shard not given):
    // partial, index and count 0.
    if (m.files.size() > 1) {
      const bool complete = d["runs"] == d["shard"]["runs"] && d["first_seed"] == d["shard"]["first_seed"];
      d["shard"]["index"] = complete ? 1 : 0;
      d["shard"]["count"] = complete ? 1 : 0;
    }
    const bool whole = d["runs"] == d["shard"]["runs"] && d["first_seed"] == d["shard"]["first_seed"];
    d["met_expectation"] = met(d, m.files.size() == 1 && whole);
  }
  // Scenarios in the order of their files, whatever order the results came in.
  std::stable_sort(out.begin(), out.end(), [](const Merged& a, const Merged& b) {
    return a.doc["file"].get<std::string>() < b.doc["file"].get<std::string>();
  });
  return out;
}

void write_markdown(std::ostream& out, const std::vector<Merged>& ms) {
  out << "**idemsim: " << headline(ms) << "**\n\n";
  out << "| Scenario | Seeds | Failing | Intents | Ok | Unknown | Attempts per intent | Completion (simulated) | "
         "Instances / intended | Leaked (instance-hours) | Violations | Expect | Verdict |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Merged& m : ms) {
    const ordered_json& d = m.doc;
    const ordered_json& t = d["totals"];
    const uint64_t intents = t["intents"].get<uint64_t>();
    out << "| " << text_of(d["scenario"]) << " | " << seeds_text(d) << " | " << d["failing_runs"].get<uint64_t>()
        << " | " << intents << " | " << two_decimals(t["intents_ok"].get<uint64_t>() * 100, intents) << "% | "
        << t["intents_unknown"].get<uint64_t>() << " | " << attempts_text(d) << " | " << completion_text(d) << " | "
        << t["instances"].get<uint64_t>() << " / " << t["instances_intended"].get<uint64_t>() << " | "
        << t["leaked"].get<uint64_t>() << " (" << instance_hours(t["leaked_instance_us"].get<uint64_t>()) << ") | "
        << by_property(d) << " | `"
        << text_of(d["expect"]) << "` | " << (d["met_expectation"].get<bool>() ? "met" : "**not met**") << " |\n";
  }
  bool heading = false;
  // The scenarios that did not meet their expect first, then the bugs they document, caught.
  std::vector<const Merged*> order;
  for (const Merged& m : ms)
    if (!m.doc["met_expectation"].get<bool>()) order.push_back(&m);
  for (const Merged& m : ms)
    if (m.doc["met_expectation"].get<bool>()) order.push_back(&m);
  for (const Merged* mp : order) {
    const ordered_json& d = mp->doc;
    if (!d["met_expectation"].get<bool>() && d["failing_runs"].get<uint64_t>() == 0) {
      if (!heading) out << "\n## Failing seeds\n";
      heading = true;
      const bool warned = d.contains("strict") && d["strict"].get<bool>() && !d["warnings"].empty();
      out << "\n**" << text_of(d["scenario"]) << "** (`" << text_of(d["file"]) << "`): **not met**: ";
      if (warned && caught_or_clean(d)) out << "its runs met `" << text_of(d["expect"]) << "`, but --strict fails it on its warnings:\n";
      else out << "it expects `" << text_of(d["expect"]) << "`, and none of its " << d["runs"].get<uint64_t>() << " seeds broke it.\n";
      if (warned)
        for (const auto& w : d["warnings"]) out << "- warning: " << text_of(w) << "\n";
      continue;
    }
    if (d["failing_runs"].get<uint64_t>() == 0) continue;
    if (!heading) out << "\n## Failing seeds\n";
    heading = true;
    out << "\n**" << text_of(d["scenario"]) << "** (`" << text_of(d["file"]) << "`): "
        << (d["met_expectation"].get<bool>() ? "" : "**not met**: ") << d["failing_runs"].get<uint64_t>()
        << " of " << d["runs"].get<uint64_t>() << " seeds broke a property"
        << (d["met_expectation"].get<bool>() && d["expect"] != "pass" ? " (expected: the scenario documents a bug)" : "")
        << ".\n";
    if (!d["met_expectation"].get<bool>() && caught_or_clean(d) && d.contains("warnings") && !d["warnings"].empty()) {
      out << "Its runs met `" << text_of(d["expect"]) << "`; --strict fails it on its warnings:\n";
      for (const auto& w : d["warnings"]) out << "- warning: " << text_of(w) << "\n";
    }
    const auto [r, v] = shown_violation(d);
    if (v) {
      out << "- seed " << (*r)["seed"].get<uint64_t>() << ": `" << text_of((*v)["property"]) << "`: "
          << text_of((*v)["subject"]) << ": " << text_of((*v)["detail"]) << "\n";
      out << "- reproduce: `" << text_of((*r)["reproduce"]) << "`\n";
    }
  }
}

void write_csv(std::ostream& out, const std::vector<Merged>& ms) {
  out << "scenario,file,content_hash,semantics,seeds,seeds_of_run,failing_seeds,intents,intents_ok,intents_failed,intents_unknown,"
         "intents_open,requests,retries,instances,instances_intended,leaked,leaked_instance_hours,violations,"
         "attempts_per_intent_mean,attempts_per_intent_p99,attempts_per_intent_max,completion_p50_ms,completion_p95_ms,"
         "completion_p99_ms,violations_by_property,expect,met_expectation\n";
  for (const Merged& m : ms) {
    const ordered_json& d = m.doc;
    const ordered_json& t = d["totals"];
    out << csv(text_of(d["scenario"])) << "," << csv(text_of(d["file"])) << "," << text_of(d["content_hash"]) << ","
        << text_of(d["semantics"]) << "," << d["runs"].get<uint64_t>() << "," << d["shard"]["runs"].get<uint64_t>() << ","
        << d["failing_runs"].get<uint64_t>();
    for (const char* k : {"intents", "intents_ok", "intents_failed", "intents_unknown", "intents_open", "requests",
                          "retries", "instances", "instances_intended", "leaked"})
      out << "," << t[k].get<uint64_t>();
    out << "," << instance_hours(t["leaked_instance_us"].get<uint64_t>()) << "," << t["violations"].get<uint64_t>();
    const ordered_json& a = d["attempts_per_intent"];
    const ordered_json& c = d["completion_ms"];
    auto q = [](const ordered_json& pairs, uint64_t p) {
      const auto v = quantile(pairs, p);
      return v ? std::to_string(*v) : std::string();
    };
    out << "," << (a.empty() ? std::string() : mean_of(a)) << "," << q(a, 99) << ","
        << (a.empty() ? std::string() : std::to_string(a.back()[0].get<uint64_t>())) << "," << q(c, 50) << ","
        << q(c, 95) << "," << q(c, 99);
    out << "," << csv(by_property(d)) << "," << csv(text_of(d["expect"])) << ","
        << (d["met_expectation"].get<bool>() ? "true" : "false") << "\n";
  }
}

void write_report_json(std::ostream& out, const std::vector<Merged>& ms) {
  ordered_json j;
  j["schema"] = "idemsim-report";
  j["schema_version"] = kResultsSchemaVersion;
  ordered_json scenarios = ordered_json::array();
  for (const Merged& m : ms) {
    ordered_json d = m.doc;
    // The report is the same however the seeds were shared out and how fast they ran: no wall
    // time, and no warnings (a shard warns of a fault its own seeds never fired).
    d.erase("wall_time_s");
    d.erase("warnings");
    d.erase("strict");
    scenarios.push_back(d);
  }
  j["scenarios"] = scenarios;
  out << j.dump(2) << "\n";
}

// A test suite per scenario, a test case per property: for `expect: pass`, a case fails when its
// property was broken; for `expect: fail`, the case `expect` fails when the bug was not caught,
// and the properties that caught it pass (saying so).
void write_junit(std::ostream& out, const std::vector<Merged>& ms) {
  uint64_t tests = 0, failures = 0, skipped = 0;
  std::ostringstream suites;
  for (const Merged& m : ms) {
    const ordered_json& d = m.doc;
    const bool documents_bug = d["expect"] != "pass";
    uint64_t suite_failures = 0, extra_cases = 0;
    std::ostringstream cases;
    // "scenarios.rules.rule2-repeat": the file's path as dashboards split a class name.
    std::string dotted = fs_stem_path(text_of(d["file"]));
    const std::string classname = xml(dotted);
    // With --strict, a warning fails the scenario: a test case of its own says so, with each warning.
    // (A shard's warnings are not the whole run's: merged shards are judged by their violations.)
    const bool strict_warned = m.files.size() == 1 && d["runs"] == d["shard"]["runs"] && d.contains("strict") &&
                               d["strict"].get<bool>() && d.contains("warnings") && !d["warnings"].empty();
    if (strict_warned) {
      ++suite_failures;
      ++extra_cases;
      std::string body;
      for (const auto& w : d["warnings"]) body += (body.empty() ? "" : "\n") + text_of(w);
      cases << "    <testcase classname=\"" << classname << "\" name=\"warnings (--strict)\">\n"
            << "      <failure type=\"warnings\" message=\"" << d["warnings"].size()
            << " warning(s): what the scenario could not have tested; --strict fails it\">" << xml(body) << "</failure>\n"
            << "    </testcase>\n";
    }
    if (documents_bug) {
      const bool ok = caught_or_clean(d);
      cases << "    <testcase classname=\"" << classname << "\" name=\"expect " << xml(text_of(d["expect"])) << "\">\n";
      if (!ok) {
        ++suite_failures;
        std::string expected = text_of(d["expect"]);
        const std::string p = named_property(d);
        const uint64_t others = d["failing_runs"].get<uint64_t>();
        const std::string missed =
            p.empty() ? "no seed of " + std::to_string(d["runs"].get<uint64_t>()) + " broke any property"
                      : "no seed of " + std::to_string(d["runs"].get<uint64_t>()) + " broke " + p +
                            (others ? " (" + std::to_string(others) + " seed(s) broke other properties)" : std::string());
        cases << "      <failure type=\"not-caught\" message=\"the bug this scenario documents was not caught: "
              << xml(missed) << "\">the scenario expects `" << xml(expected)
              << "`; " << xml(missed) << " (reproduce: idemsim run " << xml(text_of(d["file"])) << " --seed "
              << d["shard"]["first_seed"].get<uint64_t>() << " --runs " << d["shard"]["runs"].get<uint64_t>()
              << ")</failure>\n";
      }
      cases << "    </testcase>\n";
    }
    // The property `expect` names (a bug documented by any property: every one).
    const std::string named = named_property(d);
    uint64_t suite_skipped = 0;
    for (const std::string& p : kProperties) {
      const uint64_t n = d["violations_by_property"].value(p, uint64_t{0});
      cases << "    <testcase classname=\"" << classname << "\" name=\"" << p << "\">\n";
      const std::string why_not = d.contains("unchecked") ? d["unchecked"].value(p, std::string()) : std::string();
      if (!why_not.empty()) {
        ++suite_skipped;
        cases << "      <skipped message=\"" << xml("not checked: " + why_not) << "\"/>\n";
      } else if (n > 0 && !documents_bug) {
        ++suite_failures;
        const auto [r, v] = first_violation(d, p);
        std::string detail = std::to_string(n) + " violation(s) of " + p + " in " +
                             std::to_string(d["failing_runs"].get<uint64_t>()) + " failing seed(s)";
        std::string body = detail;
        if (v) {
          body += "\nseed " + (*r)["seed"].dump() + ": " + text_of((*v)["subject"]) + ": " + text_of((*v)["detail"]);
          body += "\nreproduce: " + text_of((*r)["reproduce"]);
        } else {
          for (const auto& rr : d["results"])
            if (rr["violations"].get<uint64_t>() > 0) {
              body += "\nreproduce: " + text_of(rr["reproduce"]);
              break;
            }
        }
        cases << "      <failure type=\"" << p << "\" message=\"" << xml(detail) << "\">" << xml(body) << "</failure>\n";
      } else if (n > 0 && (named.empty() || named == p)) {
        cases << "      <system-out>" << n << " violation(s) in " << d["failing_runs"].get<uint64_t>()
              << " failing seed(s): the bug the scenario documents, caught</system-out>\n";
      } else if (n > 0) {
        cases << "      <system-out>" << n << " violation(s); not the property `expect` names (" << xml(named)
              << ")</system-out>\n";
      }
      cases << "    </testcase>\n";
    }
    const uint64_t suite_tests = kProperties.size() + (documents_bug ? 1 : 0) + extra_cases;
    tests += suite_tests;
    failures += suite_failures;
    skipped += suite_skipped;
    suites << "  <testsuite name=\"" << xml(text_of(d["scenario"])) << "\" tests=\"" << suite_tests << "\" failures=\""
           << suite_failures << "\" errors=\"0\" skipped=\"" << suite_skipped << "\">\n"
           << "    <properties>\n      <property name=\"file\" value=\"" << xml(text_of(d["file"])) << "\"/>\n"
           << "      <property name=\"content_hash\" value=\"" << xml(text_of(d["content_hash"])) << "\"/>\n"
           << "      <property name=\"seeds\" value=\"" << xml(seeds_text(d)) << "\"/>\n    </properties>\n"
           << cases.str() << "  </testsuite>\n";
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"idemsim\" tests=\"" << tests << "\" failures=\""
      << failures << "\" errors=\"0\" skipped=\"" << skipped << "\">\n"
      << suites.str() << "</testsuites>\n";
}

}  // namespace idem::reports
