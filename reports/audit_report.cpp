#include "reports/audit_report.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_parts.h"
#include "reports/merge.h"
#include "reports/report.h"
#include "reports/violations.h"
#include "sim/calendar.h"

namespace idem::reports {

using nlohmann::ordered_json;

namespace {

std::string utc(int64_t us) { return sim::format_utc(us, false); }

std::string hours(int64_t us) { return two_decimals(static_cast<uint64_t>(std::max<int64_t>(0, us)), 3600ULL * 1000000); }

std::string gap(int64_t us) {
  const int64_t s = us / 1000000;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m" + std::to_string(s % 60) + "s";
  return std::to_string(s / 3600) + "h" + std::to_string(s / 60 % 60) + "m";
}

// A table as the formats share it.
struct Table {
  std::string title, note;
  std::vector<std::string> head;
  std::vector<std::vector<std::string>> rows;
};

std::string md_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

struct Model {
  const audit::Result& r;
  std::vector<Violation> violations;
  std::string verdict;
  bool failed = false;

  Model(const audit::Result& r, bool strict) : r(r) {
    violations = word(r.scenario, *r.log, r.findings);
    // In the log's own names: the reservations and instances as CloudTrail logged them.
    for (Violation& v : violations) {
      v.subject = r.relabel(v.subject);
      v.detail = r.relabel(v.detail);
      // A log's callers are principals, not a scenario's groups.
      const std::string hint = "(name them one `intent` if they are the same launch)";
      if (const size_t at = v.detail.find(hint); at != std::string::npos)
        v.detail.replace(at, hint.size(), "(two callers: if they are one program whose session name changed, --principal role counts them as one)");
      for (Violation::Step& s : v.events) s.what = r.relabel(s.what);
    }
    failed = !r.findings.empty() || (strict && !r.duplicates.empty());
    std::ostringstream v;
    v << (failed ? "FAIL" : "PASS") << ": " << plural_of(r.findings.size(), "violation") << " of the token rules, "
      << plural_of(r.duplicates.size(), "suspected duplicate") << " without a token"
      << (strict && !r.duplicates.empty() ? " (a failure under --strict)" : "") << "; "
      << r.leaked_instances - r.suspected_instances << " instance" << (r.leaked_instances - r.suspected_instances == 1 ? "" : "s")
      << " launched one too many (" << hours(r.leaked_instance_us - r.suspected_instance_us) << " instance-hours)";
    if (r.suspected_instances)
      v << ", and " << r.suspected_instances << " by suspected duplicates (" << hours(r.suspected_instance_us) << " instance-hours)";
    verdict = v.str();
  }

  static std::string plural_of(size_t n, const std::string& one) { return std::to_string(n) + " " + one + (n == 1 ? "" : "s"); }

  std::string scope() const {
    std::ostringstream o;
    o << r.files << " file" << (r.files == 1 ? "" : "s") << ", " << r.records << " records";
    if (r.launches + r.terminations == 0) {
      o << "; no RunInstances or TerminateInstances record to judge";
      return o.str();
    }
    o << ", " << utc(r.first_us) << " to " << utc(r.last_us);
    o << "; " << r.launches << " RunInstances and " << r.terminations << " TerminateInstances records from "
      << r.scenario.clients.size() << " caller" << (r.scenario.clients.size() == 1 ? "" : "s") << " in "
      << r.scenario.service.accounts.size() << " account" << (r.scenario.service.accounts.size() == 1 ? "" : "s") << " and "
      << r.scenario.service.regions.size() << " Region" << (r.scenario.service.regions.size() == 1 ? "" : "s");
    return o.str();
  }

  std::string settings() const {
    const audit::Options& o = r.options;
    return std::string("token rules ") + (o.semantics == model::Semantics::current ? "current" : "v2013") +
           "; a repeat within " + sim::format_duration(o.terminate_min) + " of its instances' TerminateInstances must get "
           "the original answer, after " + sim::format_duration(o.terminate_max) + " IdempotentInstanceTerminated, either "
           "in between; suspected duplicates within " + sim::format_duration(o.window) + "; a caller is " +
           (o.by_role ? "a role (its sessions merged)" : "a principal as logged (an assumed role's session apart)") +
           (r.launches + r.terminations ? "; times in stories count from " + utc(r.first_us) : std::string());
  }

  std::vector<Table> tables() const {
    std::vector<Table> out;
    {
      Table t{"Suspected duplicates", "Launches without a client token from one caller and User-Agent, with equal "
              "parameters, within the window: what a retry without a token makes. Not a violation of the token rules "
              "(no token was sent); a failure under --strict.", {"caller", "User-Agent", "account", "Region", "parameters",
              "first", "second", "apart"}, {}};
      for (const audit::Duplicate& d : r.duplicates)
        t.rows.push_back({d.caller, audit::parse_user_agent(d.agent).product, d.account, d.region, d.params, utc(d.first_us) + " " + d.first_reservation,
                          utc(d.second_us) + " " + d.second_reservation, gap(d.second_us - d.first_us)});
      out.push_back(std::move(t));
    }
    {
      Table t{"Leaks", "Each launch one too many (an extra reservation under a token, a launch the rules forbid, the "
              "second of a suspected duplicate): its instances, how long each lived (to its TerminateInstances, or "
              "still running at the log's end) and the instance-hours.",
              {"why", "reservation", "token", "caller", "launched", "instances", "ended", "instance-hours"}, {}};
      for (const audit::Leak& l : r.leaks) {
        std::string ids, ended;
        for (const audit::Leak::Instance& i : l.instances) {
          ids += (ids.empty() ? "" : " ") + i.id;
          ended += (ended.empty() ? "" : "; ") +
                   (i.gone_us ? i.id + " terminated " + utc(*i.gone_us) + " by " + i.by : i.id + " running at the log's end");
        }
        t.rows.push_back({l.why, l.reservation, l.token.empty() ? "(none)" : l.token, l.caller, utc(l.launched_us), ids,
                          ended, hours(l.instance_us)});
      }
      out.push_back(std::move(t));
    }
    {
      Table t{"The fleet's callers", "Each SDK a User-Agent names, with the retry profile idemsim models for it "
              "(docs/sdk-profiles.md; `retry: {sdk: ...}` in a scenario) and what its calls did.",
              {"User-Agent", "sdk", "profile", "principals", "RunInstances", "without a token", "errors", "TerminateInstances",
               "DescribeInstances", "launches one too many"}, {}};
      for (const audit::Caller& c : r.callers)
        t.rows.push_back({c.product, c.sdk.empty() ? "-" : c.sdk, c.profile, std::to_string(c.principals),
                          std::to_string(c.launches), std::to_string(c.tokenless), std::to_string(c.errors),
                          std::to_string(c.terminations), std::to_string(c.describes), std::to_string(c.duplicates)});
      out.push_back(std::move(t));
    }
    {
      Table t{"Records not judged", "Every record read and not judged, by why; none is dropped silently.", {"records", "why"}, {}};
      for (const auto& [why, n] : r.unused) t.rows.push_back({std::to_string(n), why});
      if (r.ended_outside)
        t.rows.push_back({std::to_string(r.ended_outside),
                          "RunInstances answered IdempotentInstanceTerminated for a token whose instances no "
                          "TerminateInstances in the log named: they ended outside it (a Spot interruption, a shutdown "
                          "that terminates); these answers are not judged"});
      if (r.began_before)
        t.rows.push_back({std::to_string(r.began_before),
                          "RunInstances answered IdempotentParameterMismatch or IdempotentInstanceTerminated as the first "
                          "record of their token: its life began before the log, and these answers are not judged"});
      out.push_back(std::move(t));
    }
    return out;
  }

  // The scenario sketches: one per violation's caller and per suspected duplicate.
  std::vector<std::pair<std::string, std::string>> sketches() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::vector<std::string> seen;  // one sketch per caller and kind
    for (size_t i = 0; i < violations.size() && out.size() < 5; ++i) {
      const Violation& v = violations[i];
      const std::string caller = v.group >= 0 ? r.scenario.clients.at(static_cast<size_t>(v.group)).spec.group : std::string();
      if (std::find(seen.begin(), seen.end(), "t " + caller) != seen.end()) continue;
      seen.push_back("t " + caller);
      out.emplace_back(v.property + ": " + v.subject,
                       audit_sketch(r, caller, false, 0, v.property + " " + v.subject));
    }
    for (size_t i = 0, n = 0; i < r.duplicates.size() && n < 5; ++i) {
      const audit::Duplicate& d = r.duplicates[i];
      if (std::find(seen.begin(), seen.end(), "d " + d.caller + d.agent) != seen.end()) continue;
      seen.push_back("d " + d.caller + d.agent);
      ++n;
      out.emplace_back("suspected duplicate " + d.second_reservation,
                       audit_sketch(r, d.caller + " " + audit::parse_user_agent(d.agent).product, true,
                                    d.second_us - d.first_us, "suspected duplicate " + d.second_reservation));
    }
    return out;
  }
};

void write_md(std::ostream& out, const Model& m, const std::string& command) {
  out << "# idemsim audit\n\n" << m.verdict << ".\n\n" << m.scope() << ".\n\nSettings: " << m.settings() << ".\n\n";
  out << "Made by: `" << command << "`\n\n";
  out << "## Violations of the token rules\n\n";
  if (m.violations.empty()) out << "None: every answer the log shows is one the token rules allow.\n\n";
  for (const Violation& v : m.violations) {
    out << "### " << v.property << ": " << v.subject << "\n\n" << v.detail << "\n\n```\n";
    for (const std::string& line : excerpt(v)) out << line << "\n";
    out << "```\n\n";
  }
  for (const Table& t : m.tables()) {
    out << "## " << t.title << "\n\n" << t.note << "\n\n";
    if (t.rows.empty()) {
      out << "None.\n\n";
      continue;
    }
    out << "|";
    for (const std::string& h : t.head) out << " " << h << " |";
    out << "\n|";
    for (size_t i = 0; i < t.head.size(); ++i) out << " --- |";
    out << "\n";
    for (const auto& row : t.rows) {
      out << "|";
      for (const std::string& c : row) out << " " << md_cell(c) << " |";
      out << "\n";
    }
    out << "\n";
  }
  const auto sk = m.sketches();
  if (!sk.empty()) {
    out << "## Reproduce the mechanism\n\nA scenario sketch per caller (the first five of each kind): the caller's SDK "
           "profile from its User-Agent and the token behaviour the log shows. Add the faults you suspect and run it "
           "with `idemsim run FILE`; `idemsim check FILE` searches the faults for you.\n\n";
    for (const auto& [title, yaml] : sk) out << "### " << title << "\n\n```yaml\n" << yaml << "```\n\n";
  }
}

void write_csv(std::ostream& out, const Model& m) {
  out << "Violations (header),property,subject,detail,instances,intended\n";
  for (const Violation& v : m.violations)
    out << "Violations," << detail::csv(v.property) << "," << detail::csv(v.subject) << "," << detail::csv(v.detail) << ","
        << v.instances << "," << v.intended << "\n";
  for (const Table& t : m.tables()) {
    out << detail::csv(t.title) << " (header)";
    for (const std::string& h : t.head) out << "," << detail::csv(h);
    out << "\n";
    for (const auto& row : t.rows) {
      out << detail::csv(t.title);
      for (const std::string& c : row) out << "," << detail::csv(c);
      out << "\n";
    }
  }
}

ordered_json to_json(const Model& m, const std::string& command, bool strict) {
  const audit::Result& r = m.r;
  ordered_json j;
  j["idemsim_audit"] = 1;
  j["command"] = command;
  j["verdict"] = m.failed ? "fail" : "pass";
  j["violations_count"] = r.findings.size();
  j["exit_code"] = m.failed ? 1 : 0;
  j["strict"] = strict;
  j["summary"] = m.verdict;
  j["files"] = r.files;
  j["records"] = r.records;
  j["first"] = utc(r.first_us);
  j["last"] = utc(r.last_us);
  j["run_instances"] = r.launches;
  j["terminate_instances"] = r.terminations;
  j["describe_instances"] = r.describes;
  j["began_before_the_log"] = r.began_before;
  j["ended_outside_the_log"] = r.ended_outside;
  j["leaked_instances"] = r.leaked_instances;
  j["suspected_duplicate_instances"] = r.suspected_instances;
  j["leaked_instance_hours"] = hours(r.leaked_instance_us);
  ordered_json vs = ordered_json::array();
  for (const Violation& v : m.violations) {
    ordered_json x;
    x["property"] = v.property;
    x["subject"] = v.subject;
    x["detail"] = v.detail;
    x["instances"] = v.instances;
    x["intended"] = v.intended;
    ordered_json story = ordered_json::array();
    for (const Violation::Step& s : v.events) story.push_back(sim::format_utc(r.first_us + s.at.us, true) + " " + s.what);
    x["story"] = story;
    vs.push_back(x);
  }
  j["violations"] = vs;
  ordered_json ds = ordered_json::array();
  for (const audit::Duplicate& d : r.duplicates)
    ds.push_back({{"caller", d.caller}, {"user_agent", d.agent}, {"account", d.account}, {"region", d.region},
                  {"parameters", d.params}, {"first_event", d.first_event}, {"first_time", utc(d.first_us)},
                  {"first_reservation", d.first_reservation}, {"second_event", d.second_event},
                  {"second_time", utc(d.second_us)}, {"second_reservation", d.second_reservation},
                  {"apart_s", (d.second_us - d.first_us) / 1000000}});
  j["suspected_duplicates"] = ds;
  ordered_json ls = ordered_json::array();
  for (const audit::Leak& l : r.leaks) {
    ordered_json x{{"why", l.why}, {"reservation", l.reservation}, {"token", l.token}, {"caller", l.caller},
                   {"launched", utc(l.launched_us)}, {"instance_hours", hours(l.instance_us)}};
    ordered_json is = ordered_json::array();
    for (const audit::Leak::Instance& i : l.instances)
      is.push_back({{"id", i.id}, {"terminated", i.gone_us ? utc(*i.gone_us) : std::string()}, {"by", i.by}});
    x["instances"] = is;
    ls.push_back(x);
  }
  j["leaks"] = ls;
  ordered_json cs = ordered_json::array();
  for (const audit::Caller& c : r.callers)
    cs.push_back({{"user_agent", c.product}, {"sdk", c.sdk}, {"profile", c.profile}, {"principals", c.principals},
                  {"launches", c.launches}, {"without_token", c.tokenless}, {"errors", c.errors},
                  {"terminations", c.terminations}, {"describes", c.describes}, {"one_too_many", c.duplicates}});
  j["callers"] = cs;
  ordered_json un = ordered_json::object();
  for (const auto& [why, n] : r.unused) un[why] = n;
  j["not_judged"] = un;
  return j;
}

void write_junit(std::ostream& out, const Model& m, bool strict) {
  const audit::Result& r = m.r;
  struct Case {
    std::string name;
    std::vector<std::string> failures;
  };
  std::vector<Case> cases;
  for (model::Property p : {model::Property::answers, model::Property::token_instances, model::Property::token_collision}) {
    Case c{std::string(model::property_name(p)), {}};
    for (const Violation& v : m.violations)
      if (v.property == model::property_name(p)) c.failures.push_back(v.subject + ": " + v.detail);
    cases.push_back(c);
  }
  Case dup{"suspected-duplicates", {}};
  for (const audit::Duplicate& d : r.duplicates)
    dup.failures.push_back(d.caller + " " + d.first_reservation + " then " + d.second_reservation + " " +
                           gap(d.second_us - d.first_us) + " apart");
  size_t failures = 0;
  for (const Case& c : cases) failures += c.failures.empty() ? 0 : 1;
  const bool dup_fails = strict && !dup.failures.empty();
  if (dup_fails) ++failures;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"idemsim audit\" tests=\"" << cases.size() + 1
      << "\" failures=\"" << failures << "\">\n  <testsuite name=\"audit\" tests=\"" << cases.size() + 1 << "\" failures=\""
      << failures << "\" skipped=\"" << (dup.failures.empty() || dup_fails ? 0 : 1) << "\">\n";
  for (const Case& c : cases) {
    out << "    <testcase classname=\"audit\" name=\"" << detail::xml(c.name) << "\"";
    if (c.failures.empty()) {
      out << "/>\n";
      continue;
    }
    out << ">\n      <failure message=\"" << c.failures.size() << " violation" << (c.failures.size() == 1 ? "" : "s") << "\">";
    for (const std::string& f : c.failures) out << detail::xml(f) << "\n";
    out << "</failure>\n    </testcase>\n";
  }
  out << "    <testcase classname=\"audit\" name=\"suspected-duplicates\"";
  if (dup.failures.empty()) {
    out << "/>\n";
  } else if (dup_fails) {
    out << ">\n      <failure message=\"" << dup.failures.size() << " suspected (a failure under --strict)\">";
    for (const std::string& f : dup.failures) out << detail::xml(f) << "\n";
    out << "</failure>\n    </testcase>\n";
  } else {
    out << ">\n      <skipped message=\"" << dup.failures.size() << " suspected (not a violation; --strict fails on them)\"/>\n"
        << "      <system-out>";
    for (const std::string& f : dup.failures) out << detail::xml(f) << "\n";
    out << "</system-out>\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

void write_html(std::ostream& out, const Model& m, const std::string& command) {
  using html::esc;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>idemsim audit</title>\n<style>"
         "body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}"
         "pre{background:#f6f6f6;padding:.8em;overflow-x:auto}.fail{color:#b00}.pass{color:#070}</style></head><body>\n";
  out << "<h1>idemsim audit</h1>\n<p class=\"" << (m.failed ? "fail" : "pass") << "\"><strong>" << esc(m.verdict)
      << "</strong></p>\n<p>" << esc(m.scope()) << ".</p>\n<p>Settings: " << esc(m.settings()) << ".</p>\n<p>Made by: <code>"
      << esc(command) << "</code></p>\n<h2>Violations of the token rules</h2>\n";
  if (m.violations.empty()) out << "<p>None: every answer the log shows is one the token rules allow.</p>\n";
  for (const Violation& v : m.violations) {
    out << "<h3>" << esc(v.property + ": " + v.subject) << "</h3>\n<p>" << esc(v.detail) << "</p>\n<pre>";
    for (const std::string& line : excerpt(v)) out << esc(line) << "\n";
    out << "</pre>\n";
  }
  for (const Table& t : m.tables()) {
    out << "<h2>" << esc(t.title) << "</h2>\n<p>" << esc(t.note) << "</p>\n";
    if (t.rows.empty()) {
      out << "<p>None.</p>\n";
      continue;
    }
    out << "<table><thead><tr>";
    for (const std::string& h : t.head) out << "<th>" << esc(h) << "</th>";
    out << "</tr></thead><tbody>\n";
    for (const auto& row : t.rows) {
      out << "<tr>";
      for (const std::string& c : row) out << "<td>" << esc(c) << "</td>";
      out << "</tr>\n";
    }
    out << "</tbody></table>\n";
  }
  const auto sk = m.sketches();
  if (!sk.empty()) {
    out << "<h2>Reproduce the mechanism</h2>\n";
    for (const auto& [title, yaml] : sk) out << "<h3>" << esc(title) << "</h3>\n<pre>" << esc(yaml) << "</pre>\n";
  }
  out << "</body></html>\n";
}

}  // namespace

std::string audit_sketch(const audit::Result& r, const std::string& caller_agent, bool tokenless, int64_t gap_us,
                         const std::string& what) {
  std::string sdk;
  for (const audit::Caller& c : r.callers)
    if (!c.sdk.empty() && caller_agent.find(c.product) != std::string::npos) sdk = c.sdk;
  std::ostringstream y;
  y << "# From idemsim audit: " << what << "\n";
  y << "# Caller: " << caller_agent << "\n";
  y << "name: \"audit sketch: " << (tokenless ? "a launch without a token, retried" : "a token's answers") << "\"\n";
  y << "seed: 1\nruns: 200\nlimit: 30m\n";
  y << "clients:\n  - {name: caller, count: 10, intents: 3, start: {min: 0s, max: 10s}, token: "
    << (tokenless ? "none" : "sdk") << ", timeout: 2s,\n     retry: ";
  if (!sdk.empty()) y << "{sdk: \"" << sdk << "\"}}\n";
  else y << "{policy: aws-standard}}  # the User-Agent names no SDK idemsim models\n";
  y << "faults:\n";
  if (tokenless) {
    y << "  # the two launches were " << gap(gap_us) << " apart: a retry after a 5xx or a timeout\n";
    y << "  - storm: {code: InternalError, phase: after, rate: 10%}\n";
    y << "  - spike: {rate: 5%, delay: {min: 2s, max: 5s}}\n";
    y << "expect: {fail: intent-instances}\n";
  } else {
    y << "  - storm: {code: InternalError, phase: after, rate: 10%}\n";
    y << "  - lose: {what: response, rate: 5%}\n";
    y << "# the service's side: add the planted bug you suspect (docs/bugs.md) under `bugs:`\n";
  }
  return y.str();
}

void write_audit(std::ostream& out, const audit::Result& r, AuditFormat f, const std::string& command, bool strict) {
  const Model m(r, strict);
  switch (f) {
    case AuditFormat::md: write_md(out, m, command); break;
    case AuditFormat::csv: write_csv(out, m); break;
    case AuditFormat::json: out << to_json(m, command, strict).dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n"; break;
    case AuditFormat::junit: write_junit(out, m, strict); break;
    case AuditFormat::html: write_html(out, m, command); break;
  }
}

}  // namespace idem::reports
