// idemsim replay: one run's timeline, event by event, filtered, and its trace hash.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/common.h"
#include "harness/load.h"
#include "reports/cloudtrail.h"
#include "reports/replay.h"
#include "reports/report.h"
#include "reports/trace_filter.h"
#include "sim/invariant.h"
#include "sim/trace.h"

namespace idem::cli {

namespace {

// --around and --within: a duration from the start of the run.
sim::Duration duration_of(const std::string& flag, const std::string& v) {
  sim::Duration d;
  std::string why;
  if (!harness::parse_duration(v, d, &why))
    throw UsageError{flag + " takes a duration like 12.5s or 250ms, not '" + v + "' (" + why + ")"};
  return d;
}

void check_duration(const std::string& flag, const std::string& v, const Args&) { duration_of(flag, v); }

void check_intent(const std::string&, const std::string& v, const Args&) {
  if (v.find('/') == std::string::npos)
    throw UsageError{"--intent takes CLIENT/INDEX as violations name it, like app#3/0, not '" + v + "'"};
}

int cmd_replay(const Args& args, const std::string& program) {
  const std::string& file = args.operands.front();
  reports::TraceFilter filter;
  filter.client = args.text("--client");
  filter.token = args.text("--token");
  filter.intent = args.text("--intent");
  if (const auto around = args.text("--around")) filter.around = sim::Time(0) + duration_of("--around", *around);
  if (const auto within = args.text("--within")) filter.within = duration_of("--within", *within);
  const bool only_violations = args.has("--violations");
  const std::optional<uint64_t> seed = args.number("--seed");
  if (const auto ct = args.text("--cloudtrail")) prepare_output(*ct, args.has("--force"));
  harness::RunOptions opt;
  opt.via_asio = args.has("--via-asio");
  if (args.has("--within") && !filter.around) throw UsageError{"--within goes with --around (the window's middle)"};
  const harness::Scenario s = harness::load_scenario_file(file);
  // A client (GROUP#I) or an intent (GROUP#I/K) of a group the scenario does not have is a typo,
  // not a filter that happens to match nothing.
  for (const auto& [flag, value] : {std::pair{"--client", filter.client}, std::pair{"--intent", filter.intent}}) {
    if (!value) continue;
    const std::string group = value->substr(0, value->find('#'));
    const auto names = s.group_names();
    const auto g = std::find(names.begin(), names.end(), group);
    if (g == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw UsageError{std::string(flag) + " " + *value + ": the scenario has no client group '" + group +
                       "'; its groups are " + known + " (a client is GROUP#I, an intent GROUP#I/K, as the trace prints them)"};
    }
  }
  const uint64_t run_seed = seed.value_or(s.seed);
  std::cout << "SEED=" << run_seed << "\n";
  reports::Replay r;
  try {
    r = reports::replay(s, run_seed, opt);
  } catch (const sim::InvariantError& e) {
    std::cout << std::flush;
    std::cerr << "internal error: " << file << " at seed " << run_seed << ": " << e.what()
              << "\nthis is a bug of idemsim, not of the system under test; please report it with the scenario file\n";
    return 3;
  }
  if (const auto ct = args.text("--cloudtrail")) {
    std::ofstream o(*ct, std::ios::binary);
    reports::write_cloudtrail(o, s, *r.log, run_seed);
    if (!o) throw UsageError{"--cloudtrail " + *ct + ": cannot write it"};
  }
  if (!only_violations) {
    if (!filter.any()) {
      std::cout << r.trace;
    } else {
      const std::string shown = reports::filter_trace(r.trace, filter);
      std::cout << shown;
      size_t header = 0;
      const std::string_view head = "0.000000s world ";
      for (size_t at = 0; r.trace.compare(at, head.size(), head) == 0; at = r.trace.find('\n', at) + 1) ++header;
      if (static_cast<size_t>(std::count(shown.begin(), shown.end(), '\n')) <= header)
        std::cerr << "replay: no event of this run passes the filters (check the client, token or intent as the "
                     "trace prints them, and that --around is inside the run)\n";
    }
  }
  std::cout << "events: " << r.stats.events << "  intents: " << r.stats.intents
            << "  requests: " << r.stats.requests << "  instances: " << r.stats.instances
            << "  leaked: " << r.stats.leaked << "\n";
  for (const auto& v : r.violations) {
    if (filter.any()) {
      std::vector<std::string> events;
      for (const auto& e : v.events) events.push_back(e.what);
      if (!reports::violation_matches(v.subject, events, filter)) continue;
    }
    std::cout << "VIOLATION " << v.property << ": " << v.subject << ": " << v.detail << "\n";
    for (const auto& e : v.events) std::cout << "  " << sim::format_time(e.at) << "  " << e.what << "\n";
  }
  if (r.violations.empty()) std::cout << "every property held\n";
  std::cout << "trace-hash: " << sim::format_hash(r.trace_hash) << "\n";
  if (!r.violations.empty())
    std::cout << "reproduce: " << reports::reproduce_command(program, file, run_seed) << "\n";
  return r.violations.empty() ? 0 : 1;
}

}  // namespace

const Command& replay_command() {
  static const Command command{
      .name = "replay",
      .summary = "print one run's timeline, event by event, and its trace hash",
      .operand = {.name = "FILE", .help = "a scenario file", .missing = "replay needs a scenario file",
                  .extra = "replay takes one scenario file"},
      .prose = R"(Runs FILE once at seed N (default: the file's `seed`) and prints SEED= first, then one line per
event ("<time> <actor> <what> key=value ..."), the oracle's findings and the trace hash. The same
file and seed print the same bytes on every machine and build.
)",
      .sections =
          {{.flags = {{.name = "--seed", .value = "N", .help = "the seed to replay", .number = Range{}},
                      {.name = "--cloudtrail", .value = "FILE",
                       .help = "also write the run as CloudTrail would have logged it (docs/audit.md): the requests that "
                               "reached the service, with its answers, as {\"Records\": [...]}; idemsim audit reads it"},
                      {.name = "--force", .help = "overwrite --cloudtrail's file"},
                      {.name = "--via-asio",
                       .help = "dispatch events through a Boost.Asio io_context (same trace; for measurement)"}}},
           {.heading = R"(filters (they compose: a line must pass each one given; the run's header always shows, and so do
the service's crashes and restarts, within --around's window; the violations are narrowed by
--client, --token and --intent; the trace hash is the whole run's):
)",
            .usage = "filters",
            .flags = {
                {.name = "--client", .value = "NAME",
                 .help = "a client (app#3) or a group (app): its lines and the service's lines about it"},
                {.name = "--token", .value = "T",
                 .help = "the calls that sent token T (as the trace prints it) and every line about their attempts"},
                {.name = "--intent", .value = "C/K",
                 .help = "intent K of client C (app#3/0, as violations name it): its calls and attempts",
                 .check = check_intent},
                {.name = "--around", .value = "TIME",
                 .help = "events within --within (default 1s) of TIME (a duration from the start: 12.5s)",
                 .check = check_duration},
                {.name = "--within", .value = "D", .help = "the half-width of --around's window",
                 .check = check_duration},
                {.name = "--violations", .help = "only the events behind each violation, no timeline"},
            }}},
      .footer = R"(Attempt and call numbers count from 0 across the whole run (attempt=17 is the run's 18th request,
whichever client sent it); try=N counts a call's attempts from 1. Violations use the same numbers.

exit codes: 0 the run kept every property, 1 it broke one, 2 bad input
)",
      .run = cmd_replay,
  };
  return command;
}

}  // namespace idem::cli
