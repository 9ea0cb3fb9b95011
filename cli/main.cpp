// idemsim: run scenario files, replay one run, print reports, probe an endpoint. Each command is
// a file of its own (run.cpp, replay.cpp, diff.cpp, check.cpp, report.cpp, sweep.cpp, keys.cpp,
// probe.cpp) with its table of flags (flags.h); this file lists them, and dispatches.
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/common.h"
#include "cli/flags.h"
#include "harness/load.h"
#include "sim/malloc_tuning.h"

using namespace idem;
using namespace idem::cli;

namespace {

const std::vector<const Command*>& commands() {
  static const std::vector<const Command*> all{&run_command(),   &replay_command(), &diff_command(),
                                               &check_command(), &report_command(), &sweep_command(),
                                               &keys_command(),  &serve_command(),
                                               &probe_command(),  &audit_command()};
  return all;
}

// `idemsim --help`: the commands from their tables.
std::string usage() {
  std::ostringstream out;
  out << R"(usage: idemsim <command> [options]

A deterministic simulator that checks that client tokens keep EC2 RunInstances retries from
launching more instances than intended, under timeouts, lost messages and 5xx storms.

commands:
)";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Command* c : commands()) rows.emplace_back(synopsis(*c), std::string(c->summary));
  write_rows(out, rows, 2, 20);
  out << "\noptions:\n";
  write_rows(out, {{"-h, --help", "this text (also: idemsim <command> --help)"}, {"--version", "the version"}}, 2, 20);
  out << R"(
exit codes: 0 every scenario met its `expect` (probe: every row passed; audit: no violation), 1
one did not, 2 bad input (probe: an endpoint not reached), 3 internal error.
scenario format: docs/scenario-format.md
)";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  sim::keep_freed_memory();
  const std::string program = argc > 0 ? argv[0] : "idemsim";
  if (argc < 2) {
    std::cerr << usage();
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << usage();
      return 0;
    }
    if (cmd == "--version" || cmd == "version") {
      std::cout << kVersion << "\n";
      return 0;
    }
    for (const Command* c : commands()) {
      if (cmd != c->name) continue;
      const Args args = parse(*c, std::vector<std::string>(argv + 2, argv + argc));
      if (args.help) {
        help(std::cout, *c);
        return 0;
      }
      return c->run(args, program);
    }
    std::cerr << "error: unknown command '" << cmd << "'\n\n" << usage();
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "error: " << e.message << " (see idemsim " << cmd << " --help)\n";
    return 2;
  } catch (const harness::ScenarioError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << "\n";
    return 3;
  }
}
