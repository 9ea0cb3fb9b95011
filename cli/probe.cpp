// idemsim probe: the client-token rules checked against a live EC2 Query API endpoint
// (serve/probe.h has the rows; docs/probe.md says what each sends and expects).
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/common.h"
#include "serve/probe.h"

namespace idem::cli {

namespace {

void check_url(const std::string& flag, const std::string& value, const Args&) {
  std::string why;
  if (!serve::parse_url(value, &why))
    throw UsageError{flag + " takes an endpoint URL such as http://127.0.0.1:8787, not '" + value + "': " + why};
}

void check_region(const std::string& flag, const std::string& value, const Args&) {
  const bool ok = !value.empty() && value.size() <= 32 && value.front() != '-' &&
                  value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos;
  if (!ok) throw UsageError{flag + " takes a Region name such as us-east-1 (lower-case letters, digits, '-'), not '" + value + "'"};
}

void check_semantics(const std::string& flag, const std::string& value, const Args&) {
  if (value != "current" && value != "v2013" && value != "2013" && value != "auto")
    throw UsageError{flag + " takes current, v2013 (or 2013) or auto, not '" + value + "'"};
}

void check_format(const std::string& flag, const std::string& value, const Args&) {
  if (value != "text" && value != "md" && value != "json") throw UsageError{flag + " takes text, md or json, not '" + value + "'"};
}

bool plain(const std::string& v, size_t longest) {
  if (v.empty() || v.size() > longest) return false;
  for (const char c : v)
    if (c <= ' ' || c >= 0x7F) return false;
  return true;
}

void check_prefix(const std::string& flag, const std::string& value, const Args&) {
  if (!plain(value, 32))
    throw UsageError{flag + " takes 1 to 32 printable ASCII characters without spaces (a token is at most 64, and the "
                            "rows need room for their own part), not '" + value + "'"};
}

void check_word(const std::string& flag, const std::string& value, const Args&) {
  if (!plain(value, 128)) throw UsageError{flag + " takes a name of printable ASCII without spaces, not '" + value + "'"};
}

// "A,B": two different names.
std::vector<std::string> pair_of(const std::string& value) {
  const size_t comma = value.find(',');
  if (comma == std::string::npos) return {};
  return {value.substr(0, comma), value.substr(comma + 1)};
}

void check_pair(const std::string& flag, const std::string& value, const Args&) {
  const std::vector<std::string> v = pair_of(value);
  const std::string what = flag == "--zones" ? "Availability Zones, like us-east-1a,us-east-1b"
                                             : "subnets of one Availability Zone, like subnet-0a,subnet-0b";
  if (v.size() != 2 || !plain(v[0], 128) || !plain(v[1], 128) || v[1].find(',') != std::string::npos || v[0] == v[1])
    throw UsageError{flag + " takes two different " + what + ", not '" + value + "'"};
}

int cmd_probe(const Args& args, const std::string&) {
  serve::ProbeConfig c;
  c.endpoint = *args.text("--endpoint");
  c.region = args.text("--region", c.region);
  c.endpoint2 = args.text("--endpoint2", "");
  c.region2 = args.text("--region2", c.region2);
  if (args.has("--region2") && c.endpoint2.empty()) throw UsageError{"--region2 is the Region of --endpoint2: give --endpoint2 too"};
  if (!c.endpoint2.empty() && c.region2 == c.region)
    throw UsageError{"--region2 is --region (" + c.region + "): the two endpoints must be two Regions; give --region2 another"};
  const std::string semantics = args.text("--semantics", "current");
  c.semantics = semantics == "auto" ? serve::SemanticsChoice::automatic
                : semantics == "current" ? serve::SemanticsChoice::current
                                         : serve::SemanticsChoice::v2013;
  c.seed = args.number("--seed", 1);
  c.prefix = args.text("--prefix", "");
  c.image = args.text("--image", c.image);
  c.instance_type = args.text("--instance-type", c.instance_type);
  if (args.has("--zones")) c.zones = pair_of(*args.text("--zones"));
  if (args.has("--subnets")) c.subnets = pair_of(*args.text("--subnets"));
  c.wait = std::chrono::seconds(args.number("--wait", 120));
  c.keep = args.has("--keep");
  const std::string format = args.text("--format", "text");

  const std::unique_ptr<serve::Transport> transport =
      serve::http_transport(std::chrono::seconds(10));
  serve::ProbeReport report;
  try {
    report = serve::run_probe(*transport, c);
  } catch (const serve::ProbeError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  if (format == "md") serve::write_markdown(std::cout, report);
  else if (format == "json") serve::write_json(std::cout, report);
  else serve::write_text(std::cout, report);
  return report.exit_code();
}

// The rows, from their table, for --help.
const std::string& prose() {
  static const std::string text = [] {
    std::ostringstream out;
    out << R"(Sends crafted sequences of EC2 Query API requests (HTTP/1.1 POST, Version 2016-11-15) to an
endpoint and prints a conformance table: a row per client-token rule, pass, FAIL or n/a, and the
evidence: what was sent and what came back (codes, reservation and instance ids). Start the
endpoint first, e.g. `idemsim serve SCENARIO --listen 127.0.0.1:8787`, then
`idemsim probe --endpoint http://127.0.0.1:8787`.

The rows, in the order they run (docs/probe.md: what each sends and expects, and its source):
)";
    std::vector<std::pair<std::string, std::string>> rows;
    for (const serve::Row& r : serve::rows()) rows.emplace_back(std::string(r.id), std::string(r.words));
    write_rows(out, rows, 2, 20);
    return out.str();
  }();
  return text;
}

}  // namespace

const Command& probe_command() {
  static const Command command{
      .name = "probe",
      .summary = "check a live EC2 Query API endpoint (idemsim serve, or another) against the client-token rules: "
                 "a conformance table",
      .operand = {.extra = "probe takes no operands: give the endpoint as --endpoint URL"},
      .prose = prose(),
      .sections = {
          {.heading = "The endpoint:\n",
           .flags = {
               {.name = "--endpoint", .value = "URL",
                .help = "the endpoint to probe: http://HOST:PORT[/PATH] (plain HTTP; the scheme may be left out)",
                .required = true, .check = check_url},
               {.name = "--region", .value = "R",
                .help = "its Region, named in each request's credential scope (default us-east-1)", .check = check_region},
               {.name = "--endpoint2", .value = "URL",
                .help = "another Region's endpoint, for the region row (n/a without it); it may be --endpoint again when one endpoint serves both Regions by the credential scope, as idemsim serve does", .check = check_url},
               {.name = "--region2", .value = "R",
                .help = "the Region of --endpoint2 (default us-west-2); it must differ from --region", .check = check_region},
           }},
          {.heading = "The rows:\n",
           .flags = {
               {.name = "--semantics", .value = "current|v2013|auto",
                .help = "the token rules the endpoint keeps (docs/bugs.md, \"The token rules\"): current (default; EC2 "
                        "since January 2025: a repeat after termination is refused, a zone given is the token's scope), "
                        "v2013 (also 2013: the original answer, a regional scope) or auto (either, the table says which it "
                        "saw; the rows must agree)",
                .check = check_semantics},
               {.name = "--seed", .value = "N",
                .help = "the tokens are drawn from it (default 1); a second probe against the same endpoint needs another",
                .number = Range{0, UINT64_MAX}},
               {.name = "--prefix", .value = "P",
                .help = "every token starts with it (default probe-<seed>-), 1 to 32 printable ASCII characters", .check = check_prefix},
               {.name = "--image", .value = "AMI", .help = "the ImageId of every launch (default ami-00000001)", .check = check_word},
               {.name = "--instance-type", .value = "T",
                .help = "the InstanceType of every launch (default m5.large; the mismatch row also sends t3.micro, or "
                        "m5.xlarge when T is t3.micro)",
                .check = check_word},
               {.name = "--zones", .value = "Z1,Z2",
                .help = "two Availability Zones of the Region, for the zone-scope row (n/a without them)", .check = check_pair},
               {.name = "--subnets", .value = "S1,S2",
                .help = "two subnets of one zone of the Region, for the subnet-mismatch row (n/a without them)",
                .check = check_pair},
               {.name = "--wait", .value = "SECONDS",
                .help = "the longest the probe polls for a new instance to show or a termination to end (default 120)",
                .number = Range{1, 3600}},
               {.name = "--keep", .help = "leave the instances the rows launched (by default the probe terminates them at the end)"},
           }},
          {.heading = "Output:\n",
           .flags = {
               {.name = "--format", .value = "text|md|json",
                .help = "text (default: the table, then each row's evidence), md (one Markdown table, evidence included) "
                        "or json",
                .check = check_format},
           }},
      },
      .footer = R"(Tokens: each row sends fresh ones, the prefix followed by hex drawn from --seed and a counter,
so one run never repeats a token. A second probe against the same endpoint needs another --seed
(or --prefix): before the rows the probe asks whether its first token is known there, and stops
with exit code 2 if it is.

The probe does not sign its requests. It sends an Authorization header of SigV4's form
(Credential=AKIDPROBE/20260101/REGION/ec2/aws4_request, Signature=0) and X-Amz-Date, so it works
only with endpoints that do not verify signatures, such as idemsim serve (which reads the Region
from the credential scope); real EC2 refuses its requests. Each request waits at most 10 s for
its answer; 500 and 503 answers (InternalError, Unavailable, RequestLimitExceeded) are retried up
to 4 times, except a launch without a token.

exit codes: 0 every row that applies passed, 1 a row failed, 2 bad input, or an endpoint that could
not be reached or does not answer as EC2 does (the message says which URL and what to do), 3
internal error
)",
      .run = cmd_probe,
  };
  return command;
}

}  // namespace idem::cli
