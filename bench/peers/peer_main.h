// The command line and the timing both peers share: seeds 1..N, best wall time of the
// repetitions, one line of figures (the same keys for every engine).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "w1_model.h"

namespace w1 {

struct Options {
  Params p;
  uint64_t seeds = 100;
  int reps = 5;
};

inline Options parse(int argc, char** argv, const char* name) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: %s needs a value\n", name, argv[i]);
        std::exit(2);
      }
      const char* flag = argv[i];
      const char* text = argv[++i];
      char* end = nullptr;
      const unsigned long long v = std::strtoull(text, &end, 10);
      if (*text < '0' || *text > '9' || *end != '\0' || v > 1000000000ULL) {
        std::fprintf(stderr, "%s: %s takes a whole number from 1 to 1000000000, not '%s'\n", name, flag, text);
        std::exit(2);
      }
      return v;
    };
    if (!std::strcmp(argv[i], "--clients")) o.p.clients = static_cast<int>(value());
    else if (!std::strcmp(argv[i], "--requests")) o.p.requests = static_cast<int>(value());
    else if (!std::strcmp(argv[i], "--seeds")) o.seeds = value();
    else if (!std::strcmp(argv[i], "--reps")) o.reps = static_cast<int>(value());
    else {
      const bool help = !std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h");
      if (!help) std::fprintf(stderr, "%s: unknown option '%s'\n", name, argv[i]);
      std::fprintf(help ? stdout : stderr,
                   "usage: %s [--clients N] [--requests N] [--seeds N] [--reps N]\n"
                   "Runs workload W1 (bench/workload-w1.md, validation mode) at seeds 1..N and prints its\n"
                   "counts and the best wall time of the repetitions. Defaults: 100 clients, 10 requests,\n"
                   "100 seeds, 5 repetitions. Exit status 1 when the workload's checks found a violation.\n",
                   name);
      std::exit(help ? 0 : 2);
    }
  }
  if (o.p.clients < 1 || o.p.requests < 1 || o.seeds < 1 || o.reps < 1) {
    std::fprintf(stderr, "%s: every count must be at least 1\n", name);
    std::exit(2);
  }
  return o;
}

// run_seed(params, seed) -> Counts
template <class RunSeed>
int measure(const Options& o, const char* name, RunSeed run_seed) {
  double best = 1e30;
  Counts total;
  for (int r = 0; r < o.reps; ++r) {
    Counts now;
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t seed = 1; seed <= o.seeds; ++seed) now.add(run_seed(o.p, seed));
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    total = now;
  }
  std::printf("peer=%s clients=%d requests=%d seeds=%llu reps=%d events=%llu attempts=%llu instances=%llu "
              "repeats=%llu ok=%llu gave_up=%llu violations=%llu best_s=%.6f events_per_s=%.0f\n",
              name, o.p.clients, o.p.requests, static_cast<unsigned long long>(o.seeds), o.reps,
              static_cast<unsigned long long>(total.events), static_cast<unsigned long long>(total.attempts),
              static_cast<unsigned long long>(total.instances), static_cast<unsigned long long>(total.repeats),
              static_cast<unsigned long long>(total.ok), static_cast<unsigned long long>(total.gave_up),
              static_cast<unsigned long long>(total.violations), best, static_cast<double>(total.events) / best);
  return total.violations ? 1 : 0;
}

}  // namespace w1
