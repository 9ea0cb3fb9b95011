// What the commands of idemsim share: the version, number and path helpers, and the commands'
// tables (one file each: run.cpp, replay.cpp, diff.cpp, check.cpp, report.cpp, sweep.cpp, keys.cpp,
// probe.cpp, audit.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/flags.h"

namespace idem::cli {

inline constexpr const char* kVersion = "idemsim 0.1.0";

// "0.1.0": kVersion without the program's name (results files and counterexamples carry it).
std::string version_number();

// A whole number in [lo, hi]; one message for every way it can be wrong.
uint64_t parse_u64(const std::string& flag, const std::string& v, uint64_t lo = 0, uint64_t hi = UINT64_MAX);

// Seeds first .. first + runs - 1 must all be seeds: they never wrap past 2^64-1.
void check_seed_range(uint64_t first, uint64_t runs, const std::string& where);

// A report file a command is about to write: not one that exists (without --force), and its
// directory made.
void prepare_output(const std::string& path, bool force);

// Scenario files: a directory stands for its *.yaml and *.yml files, recursively, in name order.
std::vector<std::string> expand(const std::vector<std::string>& paths);

// The results file of a scenario file: its path with '/' and '.' as '_', and ".json".
std::string result_file_name(const std::string& path);

// A long simulated time, to the second: "1h13m44s" (sim::format_duration is exact to the microsecond).
std::string rounded_duration(uint64_t us);

// "1 run", "3 runs".
std::string plural(uint64_t n, const std::string& one, const std::string& many = "");

// The first line of a text (RapidCheck's account of a result runs to several).
std::string first_line(const std::string& text);

// The commands, in the order `idemsim --help` lists them.
const Command& run_command();
const Command& replay_command();
const Command& diff_command();
const Command& check_command();
const Command& report_command();
const Command& sweep_command();
const Command& keys_command();
const Command& serve_command();
const Command& probe_command();
const Command& audit_command();

}  // namespace idem::cli
