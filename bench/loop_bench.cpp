// Measures the event loop on a scenario (by default workload W1, scenarios/bench/idem-launch-v1.yaml):
// wall time for N seeds dispatched directly, and through a Boost.Asio io_context.
// The wall clock is read here only, around whole runs; it never reaches a simulated world.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness/load.h"
#include "harness/world.h"
#include "sim/malloc_tuning.h"

using namespace idem;

namespace {
struct Figures {
  double best_s = 1e30;
  uint64_t events = 0, instances = 0, violations = 0, hash_sum = 0;
};

Figures measure(const harness::Scenario& s, uint64_t seeds, int reps, bool asio) {
  Figures f;
  for (int r = 0; r < reps; ++r) {
    Figures now;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t seed = 1; seed <= seeds; ++seed) {
      harness::RunOptions opt;
      opt.via_asio = asio;
      const auto res = harness::run_once(s, seed, opt);
      now.events += res.stats.events;
      now.instances += res.stats.instances;
      now.violations += res.findings.size();
      now.hash_sum += res.trace_hash;
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    now.best_s = std::min(f.best_s, dt);
    f = now;
  }
  return f;
}
}  // namespace

int main(int argc, char** argv) {
  sim::keep_freed_memory();
  std::string file = "scenarios/bench/idem-launch-v1.yaml";
  uint64_t seeds = 100;
  int reps = 3;
  std::string dispatch = "both";
  auto number = [&](int& i) -> uint64_t {
    const char* flag = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "loop_bench: %s needs a value\n", flag);
      std::exit(2);
    }
    const char* text = argv[++i];
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (*text < '1' || *text > '9' || *end != '\0') {
      std::fprintf(stderr, "loop_bench: %s takes a whole number of at least 1, not '%s'\n", flag, text);
      std::exit(2);
    }
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seeds")) seeds = number(i);
    else if (!std::strcmp(argv[i], "--reps")) reps = static_cast<int>(number(i));
    else if (!std::strcmp(argv[i], "--dispatch") && i + 1 < argc) {
      dispatch = argv[++i];
      if (dispatch != "direct" && dispatch != "asio" && dispatch != "both") {
        std::fprintf(stderr, "loop_bench: --dispatch takes direct, asio or both, not '%s'\n", dispatch.c_str());
        return 2;
      }
    } else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf("usage: loop_bench [SCENARIO] [--seeds N] [--reps N] [--dispatch direct|asio|both]\n"
                  "Runs SCENARIO (default scenarios/bench/idem-launch-v1.yaml, from the current directory) at\n"
                  "seeds 1..N (default 100), every property checked, and prints the best wall time of the\n"
                  "repetitions (default 3), dispatched directly and through Asio (default both).\n");
      return 0;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "loop_bench: unknown option '%s' (--help lists them)\n", argv[i]);
      return 2;
    } else {
      file = argv[i];
    }
  }
  try {
    const harness::Scenario s = harness::load_scenario_file(file);
    for (bool asio : {false, true}) {
      if (dispatch != "both" && (dispatch == "asio") != asio) continue;
      const Figures f = measure(s, seeds, reps, asio);
      std::printf("idemsim dispatch=%s scenario=%s seeds=%llu reps=%d events=%llu instances=%llu "
                  "violations=%llu hash_sum=%016llx best_s=%.6f events_per_s=%.0f ns_per_event=%.1f us_per_run=%.1f\n",
                  asio ? "asio" : "direct", file.c_str(), static_cast<unsigned long long>(seeds), reps,
                  static_cast<unsigned long long>(f.events), static_cast<unsigned long long>(f.instances),
                  static_cast<unsigned long long>(f.violations), static_cast<unsigned long long>(f.hash_sum),
                  f.best_s, f.events / f.best_s, f.best_s / static_cast<double>(f.events) * 1e9, f.best_s / seeds * 1e6);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
