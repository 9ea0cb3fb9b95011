// Many seeds of one scenario. Each seed is an independent run; with jobs > 1 they run on a
// Boost.Asio thread pool, and the results come back in seed order whatever finished first.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/world.h"

namespace idem::harness {

// One seed's verdict and counts: a line of the results file.
struct SeedResult {
  uint64_t seed = 0;
  uint64_t hash = 0;  // RunResult::trace_hash
  uint64_t events = 0, intents = 0, requests = 0, instances = 0, leaked = 0;
  int64_t end_us = 0;
  uint32_t violations = 0;
  uint32_t unused = 0;  // so that no byte of it is padding (it is written to a file whole)
};
static_assert(sizeof(SeedResult) == 72, "SeedResult has no padding");

// Every seed's SeedResult, in seed order, spooled to an unnamed temporary file as it comes, so that
// a batch of a million seeds holds a few pages of them, not a million (in memory when no temporary
// file can be made).
class SeedLog {
 public:
  SeedLog();
  SeedLog(SeedLog&& o) noexcept { *this = std::move(o); }
  SeedLog& operator=(SeedLog&& o) noexcept {
    file_ = std::move(o.file_);
    buffer_ = std::move(o.buffer_);
    count_ = o.count_;
    o.buffer_.clear();
    o.count_ = 0;  // what moved out is empty, not a count without its file
    return *this;
  }
  void add(const SeedResult& r);
  uint64_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Calls f(result) for each seed in order until it returns false.
  template <typename F>
  void each(F f) const {
    bool go = true;
    read([&](const SeedResult& r) { return go = go && f(r); });
  }

 private:
  void read(const std::function<bool(const SeedResult&)>& f) const;
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Close> file_;
  std::vector<SeedResult> buffer_;  // not yet written (or all of them, without a file)
  uint64_t count_ = 0;
};

struct BatchResult {
  const Scenario* scenario = nullptr;
  uint64_t first_seed = 0;
  // Every seed's verdict and counts, in seed order (spooled).
  SeedLog seeds;
  uint64_t runs() const { return seeds.size(); }
  // The first `keep` failing runs, in seed order, run again with their logs kept: what reports/
  // words their violations and stories from.
  std::vector<RunResult> kept;
  RunStats totals;
  std::vector<RunStats> group_totals;       // per client group
  std::vector<uint64_t> group_violations;   // per client group: violations that belong to it
  std::vector<uint64_t> fault_fires;        // per fault: how often it acted, over every run
  std::vector<uint64_t> reaper_counts;      // per reaper: sweeps and instances judged, over every run
  Coverage coverage{};                      // per situation: how often it happened, over every run
  Distributions distributions;              // attempts per intent and completion times, over every run
  std::map<std::string, uint64_t> violations_by_property;
  uint64_t runs_with_open_intents = 0;      // runs the time limit cut off
  uint64_t failing_runs = 0;
  uint64_t violations = 0;
  // What the batch could not have tested (a fault that never fired, intents cut off by the
  // limit, a group that never started, keys with no effect, an expect: fail caught only by
  // other properties), one line each. With `strict`, any of them fails the scenario.
  std::vector<std::string> warnings;
  bool strict = false;
  // `run --shard K/N`: this batch ran the K-th of N blocks of the seeds all_seeds = {first, count}.
  std::pair<uint64_t, uint64_t> shard{1, 1};
  std::pair<uint64_t, uint64_t> all_seeds{0, 0};
  size_t keep = 10;  // run_batch's `keep`
  // How to run a failing seed again, when not `idemsim replay FILE --seed N` (a live session's
  // `idemsim serve FILE --replay SESSION`): the whole command.
  std::string reproduce;
  // The shortest failing run (the fewest events, then the lowest seed), run again with its log kept
  // for the HTML report's timeline; none when every run passed.
  std::optional<RunResult> shortest;
  // The first seed is run a second time; a different hash means the simulator itself is not
  // deterministic (a bug of idemsim, not of the system under test).
  uint64_t first_hash = 0, rerun_hash = 0;
  bool deterministic() const { return seeds.empty() || first_hash == rerun_hash; }
  // The scenario met its expectation: every run passed (expect: pass), or at least one run
  // was caught failing (expect: fail) -- by the property it names, when it names one.
  // With `strict`, a warning also fails it.
  bool met() const { return !(strict && !warnings.empty()) && met_ignoring_warnings(); }
  bool met_ignoring_warnings() const {
    if (!scenario->expect_fail) return failing_runs == 0;
    if (scenario->expect_property.empty()) return failing_runs > 0;
    auto it = violations_by_property.find(scenario->expect_property);
    return it != violations_by_property.end() && it->second > 0;
  }
};

// A run stopped by a broken invariant of idemsim itself: the seed that reproduces it, and why.
class RunFailure : public std::runtime_error {
 public:
  RunFailure(uint64_t seed, const std::string& what) : std::runtime_error(what), seed_(seed) {}
  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
};

// REQUIRES: first_seed + runs - 1 does not pass 2^64-1 (the caller checks; seeds never wrap).
// Throws RunFailure for a run that broke an invariant of idemsim.
// `keep`: failing runs (the first ones, in seed order) run again with their logs kept.
// `progress`, when given, is called after each chunk of seeds with the seeds done and the failing
// ones so far (on the calling thread; for a progress bar).
using Progress = std::function<void(uint64_t done, uint64_t failing)>;
BatchResult run_batch(const Scenario& s, uint64_t first_seed, int64_t runs, int jobs, size_t keep = 10,
                      const Progress* progress = nullptr);
// A batch of the one run `r` of `s` (a live session's), its log kept for the reports.
BatchResult batch_of_one(const Scenario& s, RunResult r);

}  // namespace idem::harness
