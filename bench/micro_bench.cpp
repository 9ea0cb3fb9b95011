// Micro-benchmarks of the kernel and the model (Google Benchmark, Debian's libbenchmark-dev):
// what one event's parts cost, apart from the whole loop that bench/run.sh times.
//   - the event queue: a push and a pop with N events pending (the hold model: the size stays N);
//   - the PRNG: one draw, one bounded draw;
//   - the service: one RunInstances admission with a new token, then its launch and record;
//   - the run log: one record appended;
//   - the oracle: index_log and check on a W1 run's log, per 1,000 intents.
// Run: build/micro_bench (bench/run.sh runs it with a short minimum time).
#include <benchmark/benchmark.h>

#include <string>

#include "harness/load.h"
#include "harness/world.h"
#include "model/oracle/ledger.h"
#include "model/oracle/oracle.h"
#include "model/service.h"
#include "sim/event_queue.h"
#include "sim/malloc_tuning.h"
#include "sim/random.h"

using namespace idem;

namespace {

void QueueHold(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  sim::EventQueue q;
  sim::Prng rng(1);
  for (size_t i = 0; i < n; ++i) q.push(sim::Time(static_cast<int64_t>(rng.below(1000000))), 0, 0);
  int64_t now = 0;
  for (auto _ : state) {
    const sim::Event e = q.pop();
    now = e.at.us;
    q.push(sim::Time(now + static_cast<int64_t>(rng.below(1000000))), 0, 0);
  }
  benchmark::DoNotOptimize(now);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(QueueHold)->Arg(64)->Arg(1024)->Arg(16384)->Arg(262144);

void PrngNext(benchmark::State& state) {
  sim::Prng rng(7);
  uint64_t x = 0;
  for (auto _ : state) x += rng.next();
  benchmark::DoNotOptimize(x);
}
BENCHMARK(PrngNext);

void PrngRange(benchmark::State& state) {
  sim::Prng rng(7);
  int64_t x = 0;
  for (auto _ : state) x += rng.range(500, 1500);
  benchmark::DoNotOptimize(x);
}
BENCHMARK(PrngRange);

// One RunInstances with a token the service has not seen: admitted, launched, recorded.
void ServiceLaunch(benchmark::State& state) {
  model::ServiceConfig cfg;
  cfg.regions.push_back(model::RegionSpec{"us-east-1", {}, {}});
  auto service = std::make_unique<model::Service>(cfg);
  model::RunRequest req;
  req.has_token = true;
  uint64_t i = 0;
  std::string token;
  for (auto _ : state) {
    if ((i & 0xffff) == 0xffff) {  // a bounded store: a fresh service every 64k launches
      state.PauseTiming();
      service = std::make_unique<model::Service>(cfg);
      state.ResumeTiming();
    }
    token = "w1-" + std::to_string(i++);
    req.token = model::Token(token);
    const model::Admission a = service->admit(req, sim::Time(static_cast<int64_t>(i)), i);
    benchmark::DoNotOptimize(service->complete(a.op, sim::Time(static_cast<int64_t>(i))));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ServiceLaunch);

void RunLogAppend(benchmark::State& state) {
  model::RunLog log;
  int64_t t = 0;
  for (auto _ : state) {
    if (log.records().size() >= (1u << 20)) {
      state.PauseTiming();
      log = model::RunLog();
      state.ResumeTiming();
    }
    ++t;
    model::Record& r = log.add(model::Obs::sent, sim::Time(t), static_cast<uint32_t>(t));
    r.a = 1, r.b = 2, r.c = 3;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(RunLogAppend);

// The oracle on one W1 run (100 clients x 10 intents): the log indexed, then every property
// checked. Items are intents; the figure per 1,000 intents is the time per iteration.
void OraclePerThousandIntents(benchmark::State& state) {
  const harness::Scenario s = harness::load_scenario_file(IDEM_SOURCE_DIR "/scenarios/bench/idem-launch-v1.yaml");
  harness::RunOptions opt;
  opt.keep_log = true;
  const harness::RunResult r = harness::run_once(s, 1, opt);
  const model::Rules rules = harness::rules_of(s);
  const model::Promises promises = harness::promises_of(s);
  for (auto _ : state) {
    const model::Ledger ledger = model::index_log(*r.log);
    model::OracleCounts counts;
    benchmark::DoNotOptimize(model::check(ledger, rules, &promises, &counts));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(r.stats.intents));
}
BENCHMARK(OraclePerThousandIntents);

}  // namespace

// As idemsim and loop_bench do: freed memory stays in the process, so a benchmark that frees and
// grows its buffers again measures the code, not the kernel's page faults.
int main(int argc, char** argv) {
  sim::keep_freed_memory();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
