#include "reports/report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sim/trace.h"

namespace idem::reports {

const harness::RunResult* kept_run(const harness::BatchResult& b, uint64_t seed) {
  const auto it = std::lower_bound(b.kept.begin(), b.kept.end(), seed,
                                   [](const harness::RunResult& r, uint64_t x) { return r.seed < x; });
  return it != b.kept.end() && it->seed == seed ? &*it : nullptr;
}

std::string reproduce_command(const std::string& program, const std::string& file, uint64_t seed) {
  return program + " replay " + file + " --seed " + std::to_string(seed);
}

std::string reproduce_of(const harness::BatchResult& b, const std::string& program, uint64_t seed) {
  return b.reproduce.empty() ? reproduce_command(program, b.scenario->file, seed) : b.reproduce;
}

namespace {
std::string verdict(const harness::BatchResult& b) {
  const size_t w = b.warnings.size();
  const std::string warned = std::to_string(w) + (w == 1 ? " warning" : " warnings");
  // What the runs showed, whatever --strict makes of the warnings.
  const bool shown_met = b.met_ignoring_warnings();
  const std::string out = b.scenario->expect_fail ? (shown_met ? "caught (expect fail)" : "MISSED (expect fail)")
                                                  : (shown_met ? "pass" : "FAIL");
  if (w == 0) return out;
  if (b.strict) return shown_met ? "FAIL (strict: " + warned + ")" : out + " (strict: " + warned + ")";
  return out + ", " + warned;
}
}  // namespace

void print_table(std::ostream& out, const std::vector<harness::BatchResult>& batches) {
  char line[512];
  std::snprintf(line, sizeof line, "%6s %8s %7s %7s %7s %6s %9s %8s %9s %6s %10s  %-28s %s\n", "runs", "intents",
                "ok", "failed", "unknown", "open", "requests", "retries", "instances", "leaked", "violations",
                "verdict", "scenario");
  out << line;
  using ull = unsigned long long;
  auto row = [&](const std::string& runs, const harness::RunStats& t, uint64_t violations, const std::string& verdict,
                 const std::string& name) {
    std::snprintf(line, sizeof line, "%6s %8llu %7llu %7llu %7llu %6llu %9llu %8llu %9llu %6llu %10llu  %-28s ",
                  runs.c_str(), ull(t.intents), ull(t.intents_ok), ull(t.intents_failed), ull(t.intents_unknown),
                  ull(t.intents_open), ull(t.requests), ull(t.retries), ull(t.instances), ull(t.leaked),
                  ull(violations), verdict.c_str());
    out << line << name << "\n";  // the name last and whole, never cut
  };
  harness::RunStats all;
  uint64_t runs = 0, violations = 0, met = 0;
  for (const auto& b : batches) {
    row(std::to_string(b.runs()), b.totals, b.violations, verdict(b), b.scenario->name);
    // With more than one client group, a row per group: which group broke what.
    if (b.scenario->clients.size() > 1)
      for (size_t g = 0; g < b.group_totals.size(); ++g)
        row("", b.group_totals[g], g < b.group_violations.size() ? b.group_violations[g] : 0, "",
            "  group " + b.scenario->clients[g].spec.group);
    all.add(b.totals);
    runs += b.runs();
    violations += b.violations;
    met += b.met() ? 1 : 0;
  }
  row(std::to_string(runs), all, violations,
      std::to_string(met) + "/" + std::to_string(batches.size()) + " met expect", "total");
}

void print_summary(std::ostream& out, const std::vector<harness::BatchResult>& batches) {
  struct Dir {
    std::string name;
    uint64_t scenarios = 0, met = 0, passed = 0, caught = 0, runs = 0, intents = 0, instances = 0, leaked = 0,
             violations = 0;
  };
  std::vector<Dir> dirs;
  auto add = [](Dir& d, const harness::BatchResult& b) {
    ++d.scenarios;
    d.met += b.met() ? 1 : 0;
    d.passed += !b.scenario->expect_fail && b.met() ? 1 : 0;
    d.caught += b.scenario->expect_fail && b.met() ? 1 : 0;
    d.runs += b.runs();
    d.intents += b.totals.intents;
    d.instances += b.totals.instances;
    d.leaked += b.totals.leaked;
    d.violations += b.violations;
  };
  Dir all{"total"};
  for (const auto& b : batches) {
    const std::string file = b.scenario->file;
    const size_t slash = file.rfind('/');
    const std::string dir = slash == std::string::npos ? "./" : file.substr(0, slash + 1);
    auto it = std::find_if(dirs.begin(), dirs.end(), [&](const Dir& d) { return d.name == dir; });
    if (it == dirs.end()) it = dirs.insert(dirs.end(), Dir{dir});
    add(*it, b);
    add(all, b);
  }
  char line[512];
  std::snprintf(line, sizeof line, "%9s %7s %4s %6s %6s %8s %9s %6s %10s  %s\n", "scenarios", "met", "pass", "caught",
                "runs", "intents", "instances", "leaked", "violations", "directory");
  out << line;
  using ull = unsigned long long;
  for (const Dir* d : [&] {
         std::vector<const Dir*> v;
         for (const Dir& x : dirs) v.push_back(&x);
         v.push_back(&all);
         return v;
       }()) {
    const std::string met = std::to_string(d->met) + "/" + std::to_string(d->scenarios);
    std::snprintf(line, sizeof line, "%9llu %7s %4llu %6llu %6llu %8llu %9llu %6llu %10llu  ", ull(d->scenarios), met.c_str(),
                  ull(d->passed), ull(d->caught), ull(d->runs), ull(d->intents), ull(d->instances), ull(d->leaked),
                  ull(d->violations));
    out << line << d->name << "\n";
  }
  wrap(out, "(met: the scenario met its `expect`; pass: `expect: pass`, no property broken; caught: `expect: fail`, a "
            "documented bug the checker caught)", 0);
}

void print_caught(std::ostream& out, const std::vector<harness::BatchResult>& batches, const std::string& program) {
  bool any = false;
  std::string dir_shown = "\n";  // no directory yet
  auto dir_of = [](const std::string& f) { return f.substr(0, f.rfind('/') == std::string::npos ? 0 : f.rfind('/') + 1); };
  std::vector<const harness::BatchResult*> order;
  for (const auto& b : batches) order.push_back(&b);
  std::stable_sort(order.begin(), order.end(), [&](const auto* x, const auto* y) {
    return dir_of(x->scenario->file) < dir_of(y->scenario->file);
  });
  for (const harness::BatchResult* bp : order) {
    const harness::BatchResult& b = *bp;
    if (!b.scenario->expect_fail || !b.met() || b.failing_runs == 0) continue;
    if (!any)
      out << "\ndocumented bugs caught, by directory: the runs that failed, the scenario, a seed that broke the\n"
             "property (replay it: " << program << " replay DIR/FILE --seed N) and the property:\n";
    any = true;
    const std::string& file = b.scenario->file;
    const size_t slash = file.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : file.substr(0, slash + 1);
    if (dir != dir_shown) out << "  " << (dir.empty() ? "./" : dir) << "\n";
    dir_shown = dir;
    std::string props;
    for (const auto& [p, n] : b.violations_by_property)
      if (b.scenario->expect_property.empty() || p == b.scenario->expect_property) props += (props.empty() ? "" : ", ") + p;
    // A seed that broke the property named (of the runs kept with their findings), else a failing one.
    uint64_t seed = b.first_seed;
    bool found = false;
    for (const harness::RunResult& r : b.kept)
      for (const model::Finding& f : r.findings)
        if (!found && (b.scenario->expect_property.empty() || model::property_name(f.property) == b.scenario->expect_property))
          seed = r.seed, found = true;
    if (!found)
      b.seeds.each([&](const harness::SeedResult& r) {
        if (r.violations == 0) return true;
        seed = r.seed;
        return false;
      });
    char head[64];
    const std::string runs = std::to_string(b.failing_runs) + "/" + std::to_string(b.runs());
    std::snprintf(head, sizeof head, "  %9s  ", runs.c_str());
    out << head << file.substr(dir.size()) << " --seed " << seed << ": " << props << "\n";
  }
}

void print_warnings(std::ostream& out, const std::vector<harness::BatchResult>& batches) {
  for (const auto& b : batches)
    for (const std::string& w : b.warnings) out << "warning: " << w << "\n";  // one line: file:line:column: what
}

std::string retry_profile(const model::RetryPolicy& p) {
  std::string out(model::policy_name(p.kind));
  if (!p.sdk.empty()) out += " (" + p.sdk + ")";
  return out;
}

void print_details(std::ostream& out, const std::vector<harness::BatchResult>& batches) {
  out << "\n";
  wrap(out,
       "per scenario: each group's retry profile; how often each fault fired (summed over the runs); retries per "
       "intent by layer (mean over the intents begun, and the most for one): the SDK's retries, the application's "
       "calls (launches and reconciling Describes), the controller's drives after a restart or on a resync; and "
       "coverage: which of the catalogue's " + std::to_string(harness::kSituations) + " situations its runs reached "
       "(docs/scenario-format.md, Coverage), those its settings allow but no run reached, and how many its settings "
       "rule out (`idemsim check FILE` names them with why):", 0);
  for (const auto& b : batches) {
    const harness::Scenario& s = *b.scenario;
    std::ostringstream line;
    line << s.name << ": retry";
    for (size_t g = 0; g < s.clients.size(); ++g)
      line << (g ? ", " : " ") << s.clients[g].spec.group << "=" << retry_profile(s.clients[g].spec.retry);
    for (size_t f = 0; f < b.fault_fires.size(); ++f)
      line << "; faults[" << f << "] " << faults::describe(s.faults.faults[f], s.region_names(), s.group_names()) << ": " << b.fault_fires[f];
    if (s.service.throttle) line << "; throttled (RequestLimitExceeded): " << b.totals.throttled;
    // Retries per intent begun, by layer: mean (two decimals) and the most for one intent.
    const harness::RunStats& t = b.totals;
    const uint64_t n = std::max<uint64_t>(t.intents_begun, 1);
    auto mean = [&](uint64_t sum) { return two_decimals(sum, n); };
    line << "; retries per intent: sdk " << mean(t.attempts_sdk) << " (max " << t.most_sdk << "), app calls "
         << mean(t.attempts_app) << " (max " << t.most_app << "), controller drives " << mean(t.attempts_controller)
         << " (max " << t.most_controller << ")";
    if (t.intents_blocked) line << "; blocked for a human: " << t.intents_blocked;
    if (t.intents_hung) line << "; waiting at the limit for an answer no timeout ends: " << t.intents_hung;
    line << "; " << coverage_summary(b.coverage, s);
    out << "  ";
    wrap(out, line.str(), 4);
  }
}

std::string two_decimals(uint64_t num, uint64_t den) {
  if (den == 0) return "0.00";
  const unsigned __int128 hundredths = (static_cast<unsigned __int128>(num) * 100 + den / 2) / den;
  const unsigned __int128 whole = hundredths / 100;
  const unsigned frac = static_cast<unsigned>(hundredths % 100);
  std::string digits;
  for (unsigned __int128 w = whole; digits.empty() || w > 0; w /= 10) digits.insert(digits.begin(), static_cast<char>('0' + w % 10));
  return digits + "." + static_cast<char>('0' + frac / 10) + static_cast<char>('0' + frac % 10);
}

std::string coverage_summary(const harness::Coverage& c, const harness::Scenario& s, bool why) {
  size_t reached = 0, ruled_out = 0;
  std::string seen, missed, out_why;
  for (size_t k = 0; k < harness::kSituations; ++k) {
    const auto sit = static_cast<harness::Situation>(k);
    const std::string name(harness::situation_name(sit));
    if (c[k]) {
      ++reached;
      seen += (seen.empty() ? "" : ", ") + name;
      continue;
    }
    const std::string because = harness::unreachable_because(sit, s);
    if (because.empty()) {
      missed += (missed.empty() ? "" : ", ") + name;
    } else {
      ++ruled_out;
      out_why += (out_why.empty() ? "" : ", ") + name + " (" + because + ")";
    }
  }
  std::string out = "reached " + std::to_string(reached) + " of " + std::to_string(harness::kSituations) + " situations" +
                    (seen.empty() ? "" : ": " + seen);
  if (!missed.empty()) out += "; not reached though its settings allow: " + missed;
  if (ruled_out) out += why ? "; ruled out by its settings: " + out_why : "; " + std::to_string(ruled_out) + " ruled out by its settings";
  return out;
}

void wrap(std::ostream& out, std::string_view text, size_t column, size_t width) {
  size_t at = column;
  bool first = true;
  size_t from = 0;
  while (from < text.size()) {
    const size_t space = std::min(text.find(' ', from), text.size());
    const std::string_view word = text.substr(from, space - from);
    from = space + 1;
    if (word.empty()) continue;
    if (!first && at + 1 + word.size() > width) {
      out << "\n" << std::string(column, ' ');
      at = column;
      first = true;
    }
    if (!first) out << ' ', ++at;
    out << word;
    at += word.size();
    first = false;
  }
  out << "\n";
}

std::vector<std::string> excerpt(const Violation& v, size_t context) {
  const size_t n = v.events.size();
  std::vector<std::string> out;
  size_t elided = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = v.events[i];
    const bool keep = e.key || n <= 4 * context || i < context || i + context >= n;
    if (!keep) {
      ++elided;
      continue;
    }
    if (elided) out.push_back("... " + std::to_string(elided) + " more events (replay shows all)");
    elided = 0;
    // For a person: hours, minutes and seconds (replay --around takes the same form).
    std::string when = sim::format_clock(e.at);
    if (when.size() < 12) when.insert(0, 12 - when.size(), ' ');
    out.push_back(when + "  " + e.what);
  }
  if (elided) out.push_back("... " + std::to_string(elided) + " more events (replay shows all)");
  return out;
}

void print_failures(std::ostream& out, const std::vector<harness::BatchResult>& batches,
                    const std::string& program, std::optional<size_t> max_seeds, bool only_unmet) {
  for (const auto& b : batches) {
    if (b.failing_runs == 0 || (only_unmet && b.met())) continue;
    const harness::Scenario& s = *b.scenario;
    std::string why;
    const bool named_caught = s.expect_property.empty() || b.violations_by_property.count(s.expect_property);
    if (s.expect_fail && named_caught) why = " (expected: this scenario documents a bug)";
    else if (s.expect_fail) why = " (but not by " + s.expect_property + ", the property this scenario names)";
    out << "\n" << s.name << " (" << s.file << "): " << b.failing_runs << " of " << b.runs()
        << " runs broke a property" << why << "\n";
    // A caught bug needs one seed as evidence; an unexpected failure gets 3, unless told.
    const size_t limit = max_seeds ? *max_seeds : (s.expect_fail && b.met() ? 1 : 3);
    size_t shown = 0;
    b.seeds.each([&](const harness::SeedResult& r) {
      if (r.violations == 0) return true;
      if (shown++ == limit) {
        out << "  ... " << (b.failing_runs - limit) << " more failing seeds in the results file\n";
        return false;
      }
      const harness::RunResult* kept = kept_run(b, r.seed);
      if (!kept) {  // past --keep: its count and how to see it again
        out << "  seed " << r.seed << ": " << r.violations << " violation(s), events not kept (raise --keep to keep them)\n"
            << "    reproduce: " << reproduce_of(b, program, r.seed) << "\n";
        return true;
      }
      const std::vector<Violation> vs = word(s, *kept->log, kept->findings);
      // The violation of the property the scenario names first, when it names one.
      const Violation* first = &vs.front();
      for (const auto& x : vs)
        if (!s.expect_property.empty() && x.property == s.expect_property) {
          first = &x;
          break;
        }
      const auto& v = *first;
      out << "  seed " << r.seed << ": " << v.property << ": " << v.subject << ": " << v.detail << "\n";
      for (const std::string& line : excerpt(v)) out << "    " << line << "\n";
      if (vs.size() > 1) out << "    (+" << vs.size() - 1 << " more violations in this run)\n";
      out << "    reproduce: " << reproduce_of(b, program, r.seed) << "\n";
      return true;
    });
  }
}

namespace {

// The shortest failing run's timeline (null when every run passed): its fields, then its lists,
// an element per line.
void write_timeline(std::ostream& os, const std::optional<Timeline>& tl) {
  using nlohmann::ordered_json;
  if (!tl) {
    os << "null";
    return;
  }
  const Timeline& t = *tl;
  ordered_json lanes = ordered_json::array(), attempts = ordered_json::array(), launches = ordered_json::array(),
               faults = ordered_json::array(), marks = ordered_json::array();
  for (const auto& l : t.lanes) lanes.push_back({{"name", l.name}, {"kind", l.kind}, {"region", l.region}});
  for (const auto& a : t.attempts)
    attempts.push_back({{"id", a.id}, {"from", a.from}, {"to", a.to}, {"sent_us", a.sent_us}, {"reached_us", a.reached_us},
                        {"answered_us", a.answered_us}, {"ended_us", a.ended_us}, {"late_us", a.late_us},
                        {"what", a.what}, {"end", a.end}, {"lost", a.lost}, {"story", a.story}});
  for (const auto& l : t.launches) {
    launches.push_back({{"at_us", l.at_us}, {"lane", l.lane}, {"attempt", l.attempt}, {"what", l.what}, {"bad", l.bad},
                        {"bad_in", l.bad_in}, {"leaked", l.leaked}, {"terminated_us", l.terminated_us},
                        {"terminated_lane", l.terminated_lane}, {"terminated_by", l.terminated_by}});
  }
  for (const auto& f : t.faults)
    faults.push_back({{"fault", f.fault}, {"from_us", f.from_us}, {"until_us", f.until_us}, {"region", f.region},
                      {"instant", f.instant}, {"at_us", f.at_us}});
  for (const auto& m : t.marks) marks.push_back({{"at_us", m.at_us}, {"lane", m.lane}, {"what", m.what}, {"story", m.story}});
  os << "{\n    \"seed\": " << t.seed << ",\n    \"events\": " << t.events << ",\n    \"end_us\": " << t.end_us
     << ",\n    \"attempts_left_out\": " << t.attempts_left_out
     << ",\n    \"violations\": " << ordered_json(t.violations).dump() << ",\n    \"focus\": " << t.focus;
  for (const auto& [key, list] : {std::pair<const char*, const ordered_json*>{"lanes", &lanes}, {"attempts", &attempts},
                                  {"launches", &launches}, {"faults", &faults}, {"marks", &marks}}) {
    os << ",\n    \"" << key << "\": [";
    bool first = true;
    for (const auto& e : *list) {
      os << (first ? "\n      " : ",\n      ") << e.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
      first = false;
    }
    os << (first ? "]" : "\n    ]");
  }
  os << "\n  }";
}

}  // namespace

void write_json(std::ostream& os, const harness::BatchResult& b, const std::string& program,
                const std::string& version, double wall_s) {
  using nlohmann::ordered_json;
  const auto& s = *b.scenario;
  auto counts = [](const harness::RunStats& t) {
    return ordered_json{{"events", t.events}, {"intents", t.intents}, {"intents_ok", t.intents_ok},
                        {"intents_failed", t.intents_failed}, {"intents_unknown", t.intents_unknown},
                        {"intents_open", t.intents_open}, {"calls", t.calls}, {"requests", t.requests},
                        {"retries", t.retries}, {"instances", t.instances}, {"leaked", t.leaked},
                        {"launches_in_flight", t.launches_in_flight}, {"throttled", t.throttled},
                        {"intents_blocked", t.intents_blocked}, {"intents_hung", t.intents_hung},
                        {"instances_intended", t.instances_intended},
                        {"leaked_instance_us", t.leaked_instance_us},
                        {"attempts_by_layer", {{"sdk", t.attempts_sdk}, {"app", t.attempts_app}, {"controller", t.attempts_controller}}},
                        {"most_attempts_for_one_intent", {{"sdk", t.most_sdk}, {"app", t.most_app}, {"controller", t.most_controller}}}};
  };
  ordered_json j;
  j["schema"] = "idemsim-results";
  j["schema_version"] = kResultsSchemaVersion;
  j["idemsim_version"] = version;
  j["scenario"] = s.name;
  j["file"] = s.file;
  j["content_hash"] = sim::format_hash(s.content_hash);
  j["semantics"] = s.service.semantics == model::Semantics::current ? "current" : "2013";
  j["expect"] = s.expect_fail ? (s.expect_property.empty() ? "fail" : "fail: " + s.expect_property) : "pass";
  j["met_expectation"] = b.met();
  j["strict"] = b.strict;
  j["warnings"] = b.warnings;
  j["first_seed"] = b.first_seed;
  j["runs"] = b.runs();
  j["shard"] = {{"index", b.shard.first}, {"count", b.shard.second}, {"first_seed", b.all_seeds.first},
                {"runs", b.all_seeds.second}};
  j["keep"] = b.keep;
  j["failing_runs"] = b.failing_runs;
  j["totals"] = counts(b.totals);
  j["totals"]["violations"] = b.violations;
  ordered_json by_property = ordered_json::object();
  for (const auto& [p, n] : b.violations_by_property) by_property[p] = n;
  j["violations_by_property"] = by_property;
  ordered_json unchecked = ordered_json::object();
  for (unsigned p = 0; p < static_cast<unsigned>(model::Property::kCount); ++p) {
    const std::string why = s.unchecked(static_cast<model::Property>(p));
    if (!why.empty()) unchecked[std::string(model::property_name(static_cast<model::Property>(p)))] = why;
  }
  j["unchecked"] = unchecked;
  ordered_json groups = ordered_json::array();
  for (size_t g = 0; g < b.group_totals.size(); ++g) {
    ordered_json jg{{"group", s.clients[g].spec.group}, {"retry_profile", retry_profile(s.clients[g].spec.retry)}};
    const ordered_json group_counts = counts(b.group_totals[g]);
    for (const auto& [key, value] : group_counts.items())
      if (key != "events") jg[key] = value;  // the event loop's count is the run's, not a group's
    jg["violations"] = g < b.group_violations.size() ? b.group_violations[g] : 0;
    groups.push_back(jg);
  }
  j["groups"] = groups;
  ordered_json fires = ordered_json::array();
  for (size_t f = 0; f < b.fault_fires.size(); ++f)
    fires.push_back({{"fault", faults::describe(s.faults.faults[f], s.region_names(), s.group_names())}, {"fired", b.fault_fires[f]}});
  j["faults"] = fires;
  ordered_json coverage = ordered_json::object();
  for (size_t k = 0; k < harness::kSituations; ++k)
    coverage[std::string(harness::situation_name(static_cast<harness::Situation>(k)))] = b.coverage[k];
  j["coverage"] = coverage;
  // Distributions, as [value, intents] pairs with a count (mergeable: sum the counts per value).
  ordered_json attempts = ordered_json::array();
  for (size_t n = 0; n < b.distributions.attempts.size(); ++n)
    if (b.distributions.attempts[n]) attempts.push_back({n, b.distributions.attempts[n]});
  j["attempts_per_intent"] = attempts;
  ordered_json completion = ordered_json::array();
  for (size_t k = 0; k < b.distributions.completion.size(); ++k)
    if (b.distributions.completion[k]) completion.push_back({harness::Distributions::bucket_ms(k), b.distributions.completion[k]});
  j["completion_ms"] = completion;
  // The scenario's part as one document; then the runs, one line each, written as they are
  // made, so that a results file of 50,000 runs never sits in memory whole.
  // Text from a live client (a User-Agent, an intent's name) may be any bytes: replaced, never thrown on.
  std::string head = j.dump(2, ' ', false, ordered_json::error_handler_t::replace);
  head.pop_back();  // the closing brace
  while (!head.empty() && head.back() == '\n') head.pop_back();
  os << head << ",\n  \"results\": [";
  bool first = true;
  b.seeds.each([&](const harness::SeedResult& r) {
    ordered_json jr;
    jr["seed"] = r.seed;
    jr["verdict"] = r.violations > 0 ? "fail" : "pass";
    jr["trace_hash"] = sim::format_hash(r.hash);
    jr["events"] = r.events;
    jr["end_us"] = r.end_us;
    jr["intents"] = r.intents;
    jr["requests"] = r.requests;
    jr["instances"] = r.instances;
    jr["leaked"] = r.leaked;
    jr["violations"] = r.violations;
    if (r.violations > 0) jr["reproduce"] = reproduce_of(b, program, r.seed);
    if (const harness::RunResult* kept = r.violations > 0 ? kept_run(b, r.seed) : nullptr) {
      ordered_json vs = ordered_json::array();
      for (const auto& v : word(s, *kept->log, kept->findings)) {
        ordered_json jv{{"property", v.property}, {"subject", v.subject}, {"detail", v.detail},
                        {"instances", v.instances}, {"intended", v.intended}, {"leaked", v.leaked}};
        ordered_json ev = ordered_json::array();
        for (const auto& e : v.events) ev.push_back({{"at_us", e.at.us}, {"what", e.what}});
        jv["events"] = ev;
        vs.push_back(jv);
      }
      jr["violation_details"] = vs;
    }
    os << (first ? "\n    " : ",\n    ") << jr.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    first = false;
    return true;
  });
  os << (first ? "]," : "\n  ],") << "\n  \"timeline\": ";
  std::optional<Timeline> drawn;
  if (b.shortest) drawn = timeline(s, *b.shortest, word(s, *b.shortest->log, b.shortest->findings));
  write_timeline(os, drawn);
  // Wall time last, alone: the one field that differs between two runs of the same seeds.
  char wall[64];
  std::snprintf(wall, sizeof wall, "%.3f", wall_s);
  os << ",\n  \"wall_time_s\": " << wall << "\n}\n";
}

}  // namespace idem::reports
