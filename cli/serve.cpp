// idemsim serve: the reference EC2 endpoint, with the scenario's faults, for real clients; the
// session judged by the same oracle as a simulated run.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>


#include "cli/common.h"
#include "harness/batch.h"
#include "harness/live.h"
#include "harness/load.h"
#include "reports/report.h"
#include "serve/http.h"
#include "serve/session.h"
#include "sim/trace.h"

namespace fs = std::filesystem;

namespace idem::cli {

namespace {

std::pair<std::string, uint16_t> listen_of(const std::string& v) {
  const size_t colon = v.rfind(':');
  const std::string bad = "--listen takes ADDRESS:PORT, like 127.0.0.1:8787 (port 0: any free port), not '" + v + "'";
  if (colon == std::string::npos || colon == 0) throw UsageError{bad};
  std::string address = v.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  if (address == "localhost") address = "127.0.0.1";
  const uint64_t port = parse_u64("--listen", v.substr(colon + 1), 0, 65535);
  return {address, static_cast<uint16_t>(port)};
}
void check_listen(const std::string&, const std::string& v, const Args&) { listen_of(v); }

sim::Duration duration_flag(const std::string& flag, const std::string& v) {
  sim::Duration d;
  std::string why;
  if (!harness::parse_duration(v, d, &why) || d.us <= 0)
    throw UsageError{flag + " takes a duration above zero, like 30s or 5m, not '" + v + "'" + (why.empty() ? "" : " (" + why + ")")};
  return d;
}
void check_duration(const std::string& flag, const std::string& v, const Args&) { duration_flag(flag, v); }

bool loopback(const std::string& a) { return a.rfind("127.", 0) == 0 || a == "::1" || a == "localhost"; }

// The session's verdict, as `run` prints a scenario's (the table, how often each fault acted, what
// could not be tested), then every violation (a session is one run: each is worth its story), the
// command that judges it again.
void print_session(std::ostream& out, const std::vector<harness::BatchResult>& bs, const std::string& reproduce) {
  reports::print_table(out, bs);
  const harness::BatchResult& b = bs.front();
  const harness::Scenario& sc = *b.scenario;
  for (size_t i = 0; i < sc.faults.faults.size() && i < b.fault_fires.size(); ++i)
    out << "fault " << faults::describe(sc.faults.faults[i], sc.region_names(), sc.group_names()) << ": acted "
        << plural(b.fault_fires[i], "time") << "\n";
  if (b.totals.throttled) out << "the request quota turned " << plural(b.totals.throttled, "request") << " away\n";
  reports::print_warnings(out, bs);
  if (b.kept.empty()) return;
  const harness::RunResult& r = b.kept.front();
  std::vector<reports::Violation> vs = reports::word(*b.scenario, *r.log, r.findings);
  // The property the scenario's expect names first, then the rest in the oracle's order.
  std::stable_partition(vs.begin(), vs.end(), [&](const reports::Violation& v) { return v.property == b.scenario->expect_property; });
  constexpr size_t kShown = 20;
  out << "\n" << plural(vs.size(), "violation") << " in the session:\n";
  for (size_t i = 0; i < vs.size() && i < kShown; ++i) {
    out << "  " << vs[i].property << ": " << vs[i].subject << ": " << vs[i].detail << "\n";
    for (const std::string& line : reports::excerpt(vs[i])) out << "      " << line << "\n";
  }
  if (vs.size() > kShown) out << "  ... " << vs.size() - kShown << " more in the results file\n";
  out << "reproduce: " << reproduce << "\n";
}

// The scenario a session is judged under: the live one, whose limit is the session's length.
harness::Scenario session_scenario(const harness::Scenario& live, const harness::RunResult& r) {
  harness::Scenario out = live;
  out.limit = r.end - sim::Time(0);
  return out;
}

int verdict(const harness::Scenario& live, harness::RunResult r, const std::string& out_dir, const std::string& program,
            const std::string& reproduce, bool write) {
  const harness::Scenario s = session_scenario(live, r);
  harness::BatchResult b = harness::batch_of_one(s, std::move(r));
  b.reproduce = reproduce;
  std::vector<harness::BatchResult> bs;
  bs.push_back(std::move(b));
  print_session(std::cout, bs, reproduce);
  if (write) {
    const fs::path file = fs::path(out_dir) / result_file_name(s.file);
    std::ofstream f(file);
    reports::write_json(f, bs.front(), program, version_number(), 0.0);
    if (!f) {
      std::cerr << "error: cannot write " << file.string() << "\n";
      return 2;
    }
    std::cout << "results: " << file.string() << " (idemsim report " << out_dir << " --format md|junit|html)\n";
  }
  return bs.front().failing_runs > 0 ? 1 : 0;
}

// The session so far (GET /__idemsim/report): a Markdown page, or the results file's JSON.
std::string report_text(const harness::Scenario& given, const harness::Scenario& s, uint64_t seed,
                        const std::vector<serve::SessionInput>& inputs, int64_t now_us, const std::string& program,
                        const std::string& reproduce, bool json) {
  harness::RunResult r = serve::judge(given, seed, inputs, now_us);
  const harness::Scenario sc = session_scenario(s, r);
  harness::BatchResult b = harness::batch_of_one(sc, std::move(r));
  b.reproduce = reproduce;
  std::vector<harness::BatchResult> bs;
  bs.push_back(std::move(b));
  std::ostringstream out;
  if (json) {
    reports::write_json(out, bs.front(), program, version_number(), 0.0);
    return out.str();
  }
  out << "# idemsim serve: the session so far (" << rounded_duration(static_cast<uint64_t>(now_us)) << ")\n\n```\n";
  print_session(out, bs, reproduce);
  out << "```\n";
  return out.str();
}

int cmd_serve(const Args& args, const std::string& program) {
  const harness::Scenario given = harness::load_scenario_file(args.operands.front());
  const uint64_t seed = args.number("--seed", given.seed);
  const std::string out_dir = args.text("--out", "results/serve");
  const bool force = args.has("--force");

  // --replay: judge a recorded session again, no server.
  if (const auto replay = args.text("--replay")) {
    std::ifstream f(*replay);
    if (!f) throw UsageError{"--replay: cannot read " + *replay};
    serve::Session session;
    try {
      session = serve::read_session(f, *replay);
    } catch (const std::runtime_error& e) {
      throw UsageError{e.what()};
    }
    if (session.content_hash != given.content_hash && !force)
      throw UsageError{*replay + " was recorded against " + session.scenario + ", whose content differs from " + given.file +
                       ": its verdict would not be the session's. Replay it with the file it was recorded with, or give "
                       "--force to judge its requests under this scenario"};
    const uint64_t run_seed = args.has("--seed") ? seed : session.seed;
    if (session.end_us < 0) std::cerr << "warning: " << *replay << " has no end line (the server stopped abruptly); judged at its last request\n";
    const harness::Scenario s = harness::live_scenario(given);
    harness::RunResult r;
    try {
      r = serve::judge(given, run_seed, session.inputs, session.end_us);
    } catch (const std::runtime_error& e) {
      throw UsageError{*replay + ": " + e.what()};
    }
    std::cout << "session " << *replay << ": " << session.inputs.size() << " inputs, seed " << run_seed << ", trace hash "
              << sim::format_hash(r.trace_hash) << "\n";
    return verdict(s, std::move(r), out_dir, program, program + " serve " + given.file + " --replay " + *replay, false);
  }

  const auto [address, port] = listen_of(args.text("--listen", "127.0.0.1:8787"));
  serve::ServeOptions opt;
  opt.address = address;
  opt.port = port;
  if (const auto d = args.text("--for")) opt.for_us = duration_flag("--for", *d).us;
  opt.epoch_unix_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (const auto region = args.text("--region")) {
    bool found = false;
    for (uint32_t i = 0; i < given.service.regions.size(); ++i)
      if (given.service.regions[i].name == *region) opt.default_region = i, found = true;
    if (!found) {
      std::string names;
      for (const auto& r : given.service.regions) names += (names.empty() ? "" : ", ") + r.name;
      throw UsageError{"--region " + *region + " is not one of the scenario's Regions: " + names};
    }
  }
  opt.max_connections = args.number("--max-connections", opt.max_connections);
  if (const auto d = args.text("--idle")) opt.idle_us = duration_flag("--idle", *d).us;

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw UsageError{"--out: cannot create " + out_dir + ": " + ec.message()};
  const fs::path session_path = fs::path(out_dir) / "session.jsonl";
  // One serve per --out: a lock held while it runs (released by the system when it ends, however).
  const fs::path lock_path = fs::path(out_dir) / ".serve.lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0)
    throw UsageError{"another idemsim serve is writing " + out_dir + " now (" + lock_path.string() +
                     " is locked); give this one another --out"};
  if (fs::exists(session_path) && !force)
    throw UsageError{session_path.string() + " exists (a session recorded before); give another --out, or --force to replace it"};
  std::ofstream session(session_path, std::ios::binary | std::ios::trunc);
  if (!session) throw UsageError{"cannot write " + session_path.string()};
  serve::write_header(session, given.file, given.content_hash, seed);

  harness::LiveService live(given, seed);
  const harness::Scenario& s = live.scenario();
  const std::string reproduce = program + " serve " + given.file + " --replay " + session_path.string();
  std::vector<serve::SessionInput> inputs;
  serve::ServeHooks hooks;
  hooks.listening = [&](uint16_t p) {
    std::cout << "idemsim serve: " << given.file << " (seed " << seed << ") on http://" << address << ":" << p << "\n";
    std::string regions;
    for (const auto& r : s.service.regions) regions += (regions.empty() ? "" : ", ") + r.name;
    std::cout << "  Regions: " << regions << " (a request's credential scope picks one; default "
              << s.service.regions[opt.default_region].name << ")\n";
    std::cout << "  the scenario's client groups are not run: real clients take their place (a fault naming a group acts on"
              << " them all)\n";
    if (!s.faults.faults.empty()) {
      std::cout << "  faults, on live traffic from seed " << seed << ":\n";
      for (const auto& f : s.faults.faults) {
        const auto* c = std::get_if<faults::Crash>(&f);
        std::cout << "    " << faults::describe(f, s.region_names(), s.group_names())
                  << (c && c->target == faults::Crash::client ? "  (never comes due: a real client's process is its own)" : "")
                  << "\n";
      }
    }
    std::string service_bugs, caller_bugs;
    for (uint8_t b = 0; b < static_cast<uint8_t>(model::Bug::kCount); ++b) {
      if (!s.bugs.has(static_cast<model::Bug>(b))) continue;
      std::string& to = model::bug_is_callers(static_cast<model::Bug>(b)) ? caller_bugs : service_bugs;
      to += (to.empty() ? "" : ", ") + std::string(model::bug_info(static_cast<model::Bug>(b)).name);
    }
    if (!service_bugs.empty()) std::cout << "  planted in the service: " << service_bugs << "\n";
    if (!caller_bugs.empty())
      std::cout << "  planted in the callers, so not acting here (real clients make their own): " << caller_bugs << "\n";
    std::cout << "  try: aws ec2 run-instances --endpoint-url http://" << address << ":" << p
              << " --region " << s.service.regions[opt.default_region].name << " --image-id ami-12345678 --count 1 --client-token my-token-1\n"
              << "  the session is judged when it ends (Ctrl-C, SIGTERM" << (opt.for_us ? ", --for" : "")
              << "); GET /__idemsim/report judges it so far\n"
              << std::flush;
    if (!loopback(address)) std::cerr << "warning: listening on " << address << ", not loopback: anyone who reaches it can launch\n";
  };
  hooks.input = [&](const serve::SessionInput& in) {
    serve::write_input(session, in);
    session.flush();
    inputs.push_back(in);
  };
  hooks.report = [&](int64_t now_us, bool json) { return report_text(given, s, seed, inputs, now_us, program, reproduce, json); };
  serve::ServeCounts counts;
  int64_t end_us = 0;
  try {
    end_us = serve::serve_http(live, opt, hooks, counts);
  } catch (const serve::ListenError& e) {  // the address: in use, not this machine's, not allowed
    session.close();
    fs::remove(session_path, ec);
    throw UsageError{"cannot listen on " + address + ":" + std::to_string(port) + ": " + e.what() +
                     "; give another --listen (port 0 takes any free port)"};
  }
  serve::write_end(session, end_us);
  session.close();
  harness::RunResult r = live.finish(sim::Time(end_us));
  const uint64_t hash = r.trace_hash;
  // The session judged again from its file, read back, must give the same log: the replay
  // command is exact.
  uint64_t again = 0;
  {
    std::ifstream back(session_path);
    const serve::Session recorded = serve::read_session(back, session_path.string());
    again = serve::judge(given, recorded.seed, recorded.inputs, recorded.end_us).trace_hash;
  }
  std::cout << "\nsession over after " << rounded_duration(static_cast<uint64_t>(end_us)) << ": "
            << plural(counts.connections, "connection") << ", " << plural(counts.requests, "HTTP request") << " ("
            << live.requests() << " to the service, " << counts.refused_wire << " refused on the wire, " << counts.reports
            << " report pages), " << plural(live.clients(), "client") << "; trace hash " << sim::format_hash(hash)
            << (again == hash ? " (the session file replays to the same)" : " (INTERNAL ERROR: the session file replays to another)")
            << "\nsession: " << session_path.string() << "\n";
  const int code = verdict(s, std::move(r), out_dir, program, reproduce, true);
  return again == hash ? code : 3;
}

}  // namespace

const Command& serve_command() {
  static const Command command{
      .name = "serve",
      .summary = "the reference EC2 endpoint with the scenario's faults, for real clients; the session judged on exit",
      .operand = {.name = "FILE",
                  .help = "the scenario: its service (semantics, Regions, store, steps, capacity, bugs), its faults and its "
                          "promises; its client groups are not run",
                  .missing = "serve needs a scenario file",
                  .extra = "serve takes one scenario file"},
      .prose = R"(Serves the EC2 Query API (RunInstances, DescribeInstances, TerminateInstances) over HTTP/1.1
from the same reference service a simulated run uses, with the scenario's faults acting on live
traffic, and records every request. When the session ends (Ctrl-C, SIGTERM or --for) the history
is judged by the same properties as a simulated run: the verdict, each violation's story, and a
results file for `idemsim report`. Signatures are accepted and never checked. docs/serve.md tells
how to point the AWS CLI, boto3, the JavaScript SDK or a Go program at it.
)",
      .sections = {{.flags = {
          {.name = "--listen", .value = "ADDR:PORT", .help = "where to listen (default 127.0.0.1:8787; port 0: any free port)", .check = check_listen},
          {.name = "--for", .value = "DURATION", .help = "end the session after this long (default: at Ctrl-C or SIGTERM)", .check = check_duration},
          {.name = "--out", .value = "DIR", .help = "where the session file and the results go (default results/serve)"},
          {.name = "--seed", .value = "N", .help = "the seed the faults' decisions come from (default: the scenario's)", .number = Range{}},
          {.name = "--region", .value = "NAME", .help = "the Region of a request whose credential scope names none (default: the scenario's first)"},
          {.name = "--max-connections", .value = "N", .help = "connections open at once; more are closed as they come (default 1024)",
           .number = Range{1, 100000}},
          {.name = "--idle", .value = "DURATION", .help = "close a connection with no request in flight after this long (default 2m)",
           .check = check_duration},
          {.name = "--replay", .value = "SESSION", .help = "judge a recorded session file again (DIR/session.jsonl), no server"},
          {.name = "--force", .help = "replace the session file of an earlier session in --out"},
      }}},
      .footer = "exit codes: 0 the session broke no property, 1 it broke one, 2 bad input, 3 internal error\n",
      .run = cmd_serve,
  };
  return command;
}

}  // namespace idem::cli
