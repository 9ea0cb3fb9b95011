#include "harness/batch.h"

#include <algorithm>
#include <exception>
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "sim/invariant.h"

namespace idem::harness {

namespace {

RunResult guarded(const Scenario& s, uint64_t seed, const RunOptions& opt = {}) {
  try {
    return run_once(s, seed, opt);
  } catch (const sim::InvariantError& e) {
    throw RunFailure(seed, e.what());
  }
}

// Runs seeds [first, first + n) into out[0 .. n), on `jobs` threads.
void run_chunk(const Scenario& s, uint64_t first, RunResult* out, size_t n, int jobs) {
  if (jobs <= 1 || n <= 1) {
    for (size_t i = 0; i < n; ++i) out[i] = guarded(s, first + i);
    return;
  }
  // Threads only ever run whole, independent worlds; each writes its own slot. An exception in
  // a worker is carried back and rethrown here, the lowest seed's first.
  std::vector<std::exception_ptr> errors(n);
  boost::asio::thread_pool pool(static_cast<size_t>(jobs));
  for (size_t i = 0; i < n; ++i)
    boost::asio::post(pool, [&, i] {
      try {
        out[i] = guarded(s, first + i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  pool.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

template <typename T>
void add_into(std::vector<T>& into, const std::vector<T>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

std::string where(const Where& w, const Scenario& s) { return w.text.empty() ? s.name : w.text; }

// A live session's time for a person, to the second.
std::string to_second(sim::Time t) { return sim::format_clock(sim::Time(t.us / 1000000 * 1000000)); }

std::vector<std::string> warnings_of(const Scenario& s, const BatchResult& b) {
  std::vector<std::string> out;
  const std::string runs = std::to_string(b.runs());
  for (size_t i = 0; i < b.fault_fires.size(); ++i) {
    if (b.fault_fires[i] > 0) continue;
    const bool crash = std::holds_alternative<faults::Crash>(s.faults.faults[i]);
    out.push_back(where(i < s.at_fault.size() ? s.at_fault[i] : Where{}, s) + ": faults[" + std::to_string(i) +
                  "] (" + faults::describe(s.faults.faults[i], s.region_names(), s.group_names()) + ") never fired in any of the " + runs +
                  " runs, so nothing it stands for was tested; check its from/for window and region against when "
                  "the clients call, and its rate" +
                  (crash ? " (a crash does not fire on a process that is already down, nor at a step no launch reaches)"
                         : ""));
  }
  for (size_t r = 0; r < s.reapers.size(); ++r) {
    const uint64_t sweeps = 2 * r < b.reaper_counts.size() ? b.reaper_counts[2 * r] : 0;
    const uint64_t judged = 2 * r + 1 < b.reaper_counts.size() ? b.reaper_counts[2 * r + 1] : 0;
    const std::string at = where(r < s.at_reaper.size() ? s.at_reaper[r] : Where{}, s) + ": reapers[" + std::to_string(r) + "] ";
    const bool live_session = !s.clients.empty() && s.clients.front().live;
    if (sweeps == 0 && live_session)
      out.push_back(at + "never swept: the session ended (after " + to_second(sim::Time(0) + s.limit) + ") before its `start`");
    else if (sweeps == 0)
      out.push_back(at + "never swept in any of the " + runs + " runs: its `start` is past the " +
                    sim::format_duration(s.limit) + " limit");
    else if (judged == 0)
      out.push_back(at + "never listed an instance old enough to judge (past its grace) in any of the " + runs +
                    " runs, so what it reaps was not tested; check its region, account and grace");
  }
  for (size_t g = 0; g < b.group_totals.size(); ++g) {
    if (b.group_totals[g].intents_begun > 0) continue;
    if (s.clients[g].live) {
      out.push_back("no client made a request in the session, so nothing was tested");
      continue;
    }
    out.push_back(where(g < s.at_group.size() ? s.at_group[g] : Where{}, s) + ": clients[" + std::to_string(g) +
                  "] (" + s.clients[g].spec.group + ") never began an intent in any of the " + runs +
                  " runs: its `start` is past the " + sim::format_duration(s.limit) + " limit");
  }
  // Intents of groups that never began are told above, once.
  RunStats started;
  for (const RunStats& g : b.group_totals)
    if (g.intents_begun > 0) started.add(g);
  // Intents blocked for a human, or waiting for an answer no timeout ends, are the story itself
  // (the liveness property says so); the others were cut off by the limit.
  if (started.intents_open > started.intents_blocked + started.intents_hung) {
    const uint64_t never = started.intents - started.intents_begun;
    out.push_back(where(s.at_limit, s) + ": " + std::to_string(started.intents_open) + " of " +
                  std::to_string(started.intents) + " intents were not done by the " + sim::format_duration(s.limit) +
                  " limit in " + std::to_string(b.runs_with_open_intents) + " of " + runs + " runs (" +
                  std::to_string(never) + " never began" +
                  (started.intents_blocked ? ", " + std::to_string(started.intents_blocked) +
                                                 " blocked, waiting for a human (on_unknown: block)"
                                           : std::string()) +
                  (started.intents_hung ? ", " + std::to_string(started.intents_hung) +
                                              " waiting for an answer that no timeout ends (timeout: none, no deadline)"
                                        : std::string()) +
                  "; the properties were checked on what happened by then); raise `limit` if they should finish");
  }
  if (s.service.throttle && b.totals.throttled == 0)
    out.push_back(where(s.at_throttle, s) + ": service.throttle never turned a request away in any of the " + runs +
                  " runs, so the quota was not tested; lower `bucket` or `refill`, or remove it");
  for (const std::string& inert : s.inert) out.push_back(inert);
  const bool live = !s.clients.empty() && s.clients.front().live;
  if (live && s.faults.heal_at && *s.faults.heal_at + s.converge > sim::Time(0) + s.limit)
    out.push_back(where(s.at_limit, s) + ": the session ended after " + to_second(sim::Time(0) + s.limit) +
                  ", before heal_at + converge (" + to_second(*s.faults.heal_at + s.converge) +
                  "): liveness cannot be judged for intents still open; keep serve running past that (--for)");
  else if (s.faults.heal_at && *s.faults.heal_at + s.converge > sim::Time(0) + s.limit)
    out.push_back(where(s.at_limit, s) + ": the " + sim::format_duration(s.limit) + " limit ends before heal_at + converge (" +
                  sim::format_duration(*s.faults.heal_at + s.converge - sim::Time(0)) +
                  "): liveness cannot be judged for intents still open at the limit; raise `limit`");
  if (s.expect_fail && !s.expect_property.empty() && b.failing_runs > 0 &&
      !b.violations_by_property.count(s.expect_property)) {
    std::string others;
    for (const auto& [p, n] : b.violations_by_property) others += (others.empty() ? "" : ", ") + p;
    out.push_back(where(s.at_expect, s) + ": expect names " + s.expect_property + ", but only " + others +
                  " caught it: the scenario does not show the bug it documents");
  }
  return out;
}

}  // namespace

SeedLog::SeedLog() : file_(std::tmpfile()) {}

void SeedLog::add(const SeedResult& r) {
  buffer_.push_back(r);
  ++count_;
  if (file_ && buffer_.size() >= 4096) {
    if (std::fwrite(buffer_.data(), sizeof(SeedResult), buffer_.size(), file_.get()) != buffer_.size())
      throw std::runtime_error("could not spool the seeds' results to a temporary file");
    buffer_.clear();
  }
}

void SeedLog::read(const std::function<bool(const SeedResult&)>& f) const {
  const uint64_t in_file = count_ - buffer_.size();
  if (in_file > 0) {
    std::FILE* file = file_.get();
    std::fflush(file);
    std::rewind(file);
    // Back at the end however the reading ends (a callback may throw), so that add() appends.
    struct AtEnd {
      std::FILE* file;
      ~AtEnd() { std::fseek(file, 0, SEEK_END); }
    } at_end{file};
    std::vector<SeedResult> chunk(4096);
    for (uint64_t done = 0; done < in_file;) {
      const size_t n = std::fread(chunk.data(), sizeof(SeedResult), std::min<uint64_t>(chunk.size(), in_file - done), file);
      if (n == 0) throw std::runtime_error("could not read back the seeds' results from a temporary file");
      for (size_t i = 0; i < n; ++i)
        if (!f(chunk[i])) return;
      done += n;
    }
  }
  for (const SeedResult& r : buffer_)
    if (!f(r)) return;
}

namespace {

// One run's counts and findings folded into its batch's.
void fold(BatchResult& out, const RunResult& r) {
  out.totals.add(r.stats);
  for (size_t g = 0; g < r.groups.size() && g < out.group_totals.size(); ++g) out.group_totals[g].add(r.groups[g]);
  add_into(out.fault_fires, r.fault_fires);
  add_into(out.reaper_counts, r.reaper_counts);
  for (size_t k = 0; k < kSituations; ++k) out.coverage[k] += r.coverage[k];
  out.distributions.add(r.distributions);
  out.runs_with_open_intents += r.stats.intents_open > 0 ? 1 : 0;
  out.violations += r.violation_count;
  out.failing_runs += r.violation_count > 0 ? 1 : 0;
  for (const model::Finding& f : r.findings) {
    ++out.violations_by_property[std::string(model::property_name(f.property))];
    if (f.group >= 0 && static_cast<size_t>(f.group) < out.group_violations.size()) ++out.group_violations[f.group];
  }
  out.seeds.add(SeedResult{r.seed, r.trace_hash, r.stats.events, r.stats.intents, r.stats.requests, r.stats.instances,
                           r.stats.leaked, (r.stats.end - sim::Time(0)).us, r.violation_count, 0});
}

void start(BatchResult& out, const Scenario& s) {
  out.scenario = &s;
  out.group_totals.resize(s.clients.size());
  out.group_violations.resize(s.clients.size());
  out.fault_fires.resize(s.faults.faults.size());
}

}  // namespace

BatchResult batch_of_one(const Scenario& s, RunResult r) {
  BatchResult out;
  start(out, s);
  out.first_seed = r.seed;
  out.all_seeds = {r.seed, 1};
  fold(out, r);
  out.first_hash = out.rerun_hash = r.trace_hash;
  if (r.violation_count > 0) {
    out.shortest = r;
    out.kept.push_back(std::move(r));
  }
  out.warnings = warnings_of(s, out);
  return out;
}

BatchResult run_batch(const Scenario& s, uint64_t first_seed, int64_t runs, int jobs, size_t keep,
                      const Progress* progress) {
  BatchResult out;
  start(out, s);
  out.first_seed = first_seed;
  out.keep = keep;
  out.all_seeds = {first_seed, static_cast<uint64_t>(runs)};
  RunOptions keep_log;
  keep_log.keep_log = true;
  // Seeds run in chunks; after each, the results are folded in seed order and let go, so that
  // memory holds a chunk of runs and the `keep` kept ones, however many seeds run.
  const size_t total = static_cast<size_t>(std::max<int64_t>(runs, 0));
  const size_t chunk = std::max<size_t>(64, static_cast<size_t>(jobs) * 32);
  std::vector<RunResult> done(std::min(chunk, total));
  std::optional<std::pair<uint64_t, uint64_t>> shortest;  // (events, seed) of the shortest failing run
  for (size_t at = 0; at < total; at += chunk) {
    const size_t n = std::min(chunk, total - at);
    run_chunk(s, first_seed + at, done.data(), n, jobs);
    for (size_t i = 0; i < n; ++i) {
      RunResult& r = done[i];
      fold(out, r);
      if (at + i == 0) out.first_hash = r.trace_hash;
      if (r.violation_count > 0) {
        if (!shortest || r.stats.events < shortest->first) shortest = std::make_pair(r.stats.events, r.seed);
        if (out.kept.size() < keep) out.kept.push_back(guarded(s, r.seed, keep_log));
      }
      r = RunResult{};
    }
    if (progress) (*progress)(at + n, out.failing_runs);
  }
  if (runs > 0) out.rerun_hash = guarded(s, first_seed).trace_hash;
  // The shortest failing run (fewest events, then the lowest seed), with its log: a rule that picks
  // the same run from the shards' picks as from the whole run's seeds.
  if (shortest) {
    const auto kept = std::find_if(out.kept.begin(), out.kept.end(), [&](const RunResult& r) { return r.seed == shortest->second; });
    out.shortest = kept != out.kept.end() ? *kept : guarded(s, shortest->second, keep_log);
  }
  out.warnings = warnings_of(s, out);
  return out;
}

}  // namespace idem::harness
