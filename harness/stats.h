// A run's counts, from its log: per client group the intents and how they ended, calls, requests,
// retries by layer, instances, leaks; the distributions that merge across runs; how often each
// situation of the coverage catalogue happened; the cleanup jobs' sweeps.
#pragma once

#include "harness/world.h"
#include "model/oracle/oracle.h"

namespace idem::harness {

// Fills out.stats (but its events and end), out.groups, out.distributions, out.coverage and
// out.reaper_counts.
void fill_stats(RunResult& out, const Scenario& s, const model::Ledger& l, const model::OracleCounts& counts);

}  // namespace idem::harness
