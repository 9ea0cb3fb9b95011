#include "harness/batch.h"

#include <exception>
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "sim/invariant.h"

namespace idem::harness {

namespace {
RunResult guarded(const Scenario& s, uint64_t seed) {
  try {
    return run_once(s, seed);
  } catch (const sim::InvariantError& e) {
    throw RunFailure(seed, e.what());
  }
}
}  // namespace

BatchResult run_batch(const Scenario& s, uint64_t first_seed, int64_t runs, int jobs) {
  BatchResult out;
  out.scenario = &s;
  out.first_seed = first_seed;
  out.runs.resize(static_cast<size_t>(runs));
  // Threads only ever run whole, independent worlds; each writes its own slot.
  if (jobs <= 1 || runs <= 1) {
    for (int64_t i = 0; i < runs; ++i) out.runs[i] = guarded(s, first_seed + static_cast<uint64_t>(i));
  } else {
    // An exception in a worker (out of memory, say) is carried back and rethrown here rather
    // than ending the process from inside the pool.
    std::vector<std::exception_ptr> errors(static_cast<size_t>(runs));
    boost::asio::thread_pool pool(static_cast<size_t>(jobs));
    for (int64_t i = 0; i < runs; ++i)
      boost::asio::post(pool, [&, i] {
        try {
          out.runs[i] = guarded(s, first_seed + static_cast<uint64_t>(i));
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    pool.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
  }
  if (runs > 0) out.rerun_hash = guarded(s, first_seed).trace_hash;
  for (const RunResult& r : out.runs) {
    out.totals.add(r.stats);
    out.violations += r.violations.size();
    out.failing_runs += r.violations.empty() ? 0 : 1;
  }
  return out;
}

}  // namespace idem::harness
