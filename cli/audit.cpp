// idemsim audit: CloudTrail's records of EC2 launches judged by the token rules (audit/audit.h;
// docs/audit.md).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "cli/common.h"
#include "harness/load.h"
#include "reports/audit_report.h"

namespace idem::cli {

namespace {

sim::Duration audit_duration(const std::string& flag, const std::string& v) {
  sim::Duration d;
  std::string why;
  if (!harness::parse_duration(v, d, &why))
    throw UsageError{flag + " takes a duration like 2m, 90s or 1h, not '" + v + "' (" + why + ")"};
  if (d.us < 0) throw UsageError{flag + " takes a duration of 0 or more, not '" + v + "'"};
  return d;
}
void check_duration(const std::string& flag, const std::string& v, const Args&) { audit_duration(flag, v); }

// "MIN..MAX" (or one duration: both).
std::pair<sim::Duration, sim::Duration> range_of(const std::string& flag, const std::string& v) {
  const size_t dots = v.find("..");
  if (dots == std::string::npos) {
    const sim::Duration d = audit_duration(flag, v);
    return {d, d};
  }
  const sim::Duration lo = audit_duration(flag, v.substr(0, dots)), hi = audit_duration(flag, v.substr(dots + 2));
  if (hi < lo) throw UsageError{flag + " takes MIN..MAX with MIN at most MAX, not '" + v + "'"};
  return {lo, hi};
}
void check_range(const std::string& flag, const std::string& v, const Args&) { range_of(flag, v); }

void check_format(const std::string& flag, const std::string& v, const Args&) {
  if (v != "md" && v != "csv" && v != "json" && v != "junit" && v != "html")
    throw UsageError{flag + " takes md, csv, json, junit or html, not '" + v + "'"};
}
void check_semantics(const std::string& flag, const std::string& v, const Args&) {
  if (v != "current" && v != "v2013" && v != "2013") throw UsageError{flag + " takes current or v2013 (or 2013), not '" + v + "'"};
}
void check_principal(const std::string& flag, const std::string& v, const Args&) {
  if (v != "session" && v != "role") throw UsageError{flag + " takes session or role, not '" + v + "'"};
}

int cmd_audit(const Args& args, const std::string& program) {
  audit::Options opt;
  if (const auto w = args.text("--window")) opt.window = audit_duration("--window", *w);
  if (const auto t = args.text("--terminate-time")) std::tie(opt.terminate_min, opt.terminate_max) = range_of("--terminate-time", *t);
  opt.semantics = args.text("--semantics", "current") == "current" ? model::Semantics::current : model::Semantics::v2013;
  if (const auto t = args.text("--retention")) opt.retention = audit_duration("--retention", *t);
  opt.by_role = args.text("--principal", "session") == "role";
  const std::string format = args.text("--format", "md"), out = args.text("--out", "");
  const bool strict = args.has("--strict");
  if (!out.empty()) prepare_output(out, args.has("--force"));
  std::string command = program + " audit";
  for (const std::string& p : args.operands) command += " " + p;
  for (const char* f : {"--window", "--terminate-time", "--semantics", "--retention", "--principal"})
    if (const auto v = args.text(f)) command += std::string(" ") + f + " " + *v;
  if (strict) command += " --strict";
  audit::Result r;
  try {
    r = audit::audit(args.operands, opt);
  } catch (const audit::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  if (r.files == 0) {
    std::cerr << "error: no CloudTrail file under " << args.operands.front()
              << (args.operands.size() > 1 ? " and the others" : "")
              << ": a directory is read for .json, .json.gz, .jsonl and .jsonl.gz files (see \"Getting the records\" in docs/audit.md)\n";
    return 2;
  }
  const reports::AuditFormat f = format == "csv"     ? reports::AuditFormat::csv
                                 : format == "json"  ? reports::AuditFormat::json
                                 : format == "junit" ? reports::AuditFormat::junit
                                 : format == "html"  ? reports::AuditFormat::html
                                                     : reports::AuditFormat::md;
  std::ostringstream text;
  reports::write_audit(text, r, f, command, strict);
  if (out.empty()) {
    std::cout << text.str();
  } else {
    std::ofstream o(out, std::ios::binary);
    o << text.str();
    if (!o) {
      std::cerr << "error: cannot write " << out << "\n";
      return 2;
    }
    // The verdict on the terminal too, so that a CI log says what the file holds.
    const bool failed = !r.findings.empty() || (strict && !r.duplicates.empty());
    std::cout << (failed ? "FAIL" : "PASS") << ": " << r.findings.size() << " violation"
              << (r.findings.size() == 1 ? "" : "s") << " of the token rules, " << r.duplicates.size()
              << " suspected duplicate" << (r.duplicates.size() == 1 ? "" : "s") << "; report in " << out << "\n";
  }
  if (r.records == 0) std::cerr << "audit: the files hold no records\n";
  else if (r.launches + r.terminations == 0)
    std::cerr << "audit: no RunInstances or TerminateInstances record to judge (see \"Records not judged\")\n";
  return !r.findings.empty() || (strict && !r.duplicates.empty()) ? 1 : 0;
}

}  // namespace

const Command& audit_command() {
  static const Command command{
      .name = "audit",
      .summary = "judge CloudTrail's records of EC2 launches (production's own history) by the token rules: "
                 "violations, suspected duplicates, leaks, the fleet's SDKs",
      .operand = {.name = "PATH", .help = "a CloudTrail log file (.json or .json.gz, as delivered to S3, or what aws "
                                          "cloudtrail lookup-events prints), JSON Lines (.jsonl), or a directory of them "
                                          "(read at any depth). Files are read in the order of their paths whatever the "
                                          "order given, and a record read twice (one eventID) counts once",
                  .repeat = true, .missing = "audit needs CloudTrail files or directories: idemsim audit AWSLogs/"},
      .prose = R"(Reads every record, keeps those of EC2's RunInstances and TerminateInstances, and judges them
with the oracle that judges a simulated run: per token (in its account, Region and, under current
rules, zone) one reservation with MinCount..MaxCount instances, every repeat answered with it,
other parameters answered IdempotentParameterMismatch, IdempotentInstanceTerminated after the
instances terminated; one token used by two callers is a collision. Launches without a token
from one caller with equal parameters within --window are suspected duplicates, reported apart.
Every launch one too many is a leak: its instances, how long they ran, the instance-hours. Every
record not judged is counted by why. docs/audit.md says what a log can and cannot show.
)",
      .sections = {
          {.heading = "Judging:\n",
           .flags = {
               {.name = "--window", .value = "D",
                .help = "launches without a token this close together (from one caller and User-Agent, with equal "
                        "parameters) are a suspected duplicate (default 2m)",
                .check = check_duration},
               {.name = "--terminate-time", .value = "MIN..MAX",
                .help = "how long after its TerminateInstances an instance is gone: a repeat of its token before MIN "
                        "must get the original answer, after MAX IdempotentInstanceTerminated (current rules), either in "
                        "between (default 0s..1h; one duration D means D..D)",
                .check = check_range},
               {.name = "--semantics", .value = "current|v2013",
                .help = "the token rules: current (default; EC2 since January 2025) or v2013 (the 2013 page: the "
                        "original answer after termination for 24h, a regional scope)",
                .check = check_semantics},
               {.name = "--retention", .value = "D",
                .help = "under v2013: how long after its instances terminated a token is kept at least (default 24h; "
                        "past it a repeat may launch anew)",
                .check = check_duration},
               {.name = "--principal", .value = "session|role",
                .help = "who a caller is: the principal as logged, an assumed role's session apart (default), or the "
                        "role (sessions that rotate their names are one caller: no collision between them)",
                .check = check_principal},
               {.name = "--strict", .help = "exit 1 on suspected duplicates too"},
           }},
          {.heading = "Output:\n",
           .flags = {
               {.name = "--format", .value = "md|csv|json|junit|html", .help = "the report's format (default md)",
                .check = check_format},
               {.name = "--out", .value = "FILE", .help = "write the report there (the verdict still goes to the terminal)"},
               {.name = "--force", .help = "overwrite --out"},
           }},
      },
      .footer = R"(Export CloudTrail with: aws s3 sync s3://BUCKET/AWSLogs/ACCOUNT/CloudTrail/ logs/ (the files as
delivered), or aws cloudtrail lookup-events --lookup-attributes
AttributeKey=EventName,AttributeValue=RunInstances --output json > runs.json (the last 90 days).
`idemsim run FILE --cloudtrail OUT` writes a simulated run as CloudTrail records, to audit.

exit codes: 0 no violation (suspected duplicates alone: 0, or 1 with --strict), 1 a violation, 2 bad
input (a file missing or not CloudTrail JSON: its name, line and column), 3 internal error
)",
      .run = cmd_audit,
  };
  return command;
}

}  // namespace idem::cli
