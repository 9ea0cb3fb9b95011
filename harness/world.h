// One run of a scenario at one seed: the callers, the network, the service's host and the cleanup
// jobs in one event loop, appending to one run log; then the oracle judges the log. The result is
// plain data: counts, findings, and the log itself when asked (reports/ renders it).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/coverage.h"
#include "harness/scenario.h"
#include "model/observation.h"
#include "model/oracle/oracle.h"

namespace idem::harness {

struct RunStats {
  uint64_t events = 0;
  uint64_t intents = 0;
  uint64_t intents_ok = 0;
  uint64_t intents_failed = 0;
  uint64_t intents_unknown = 0;
  // The intents the scenario plans are ok, failed, unknown or open (cut off by the time limit
  // before the client was done with them, or before they began): the four add up to `intents`.
  uint64_t intents_open = 0;
  uint64_t intents_begun = 0;  // of `intents`, those the clients began before the limit
  uint64_t intents_blocked = 0;  // of the open ones, those whose caller blocked, waiting for a human
  // ... and those still waiting at the limit for an answer that no timeout or deadline ends
  // (timeout: none, no deadline): derived from the log, not hashed.
  uint64_t intents_hung = 0;
  uint64_t calls = 0;
  uint64_t requests = 0;  // attempts sent, all APIs
  uint64_t retries = 0;   // attempts after a call's first, plus the application's and the controller's calls
  uint64_t instances = 0;
  uint64_t leaked = 0;
  uint64_t launches_in_flight = 0;  // taken on by the service, not finished at the time limit
  uint64_t throttled = 0;           // requests the account's quota turned away (RequestLimitExceeded)
  // Attempts by the layer of the retry stack that made them (model/history.h, Layer): the SDK's
  // retries, the application's calls after an intent's first, the controller's drives after the
  // first; summed, and the most for one intent.
  uint64_t attempts_sdk = 0, attempts_app = 0, attempts_controller = 0;
  uint64_t most_sdk = 0, most_app = 0, most_controller = 0;
  uint64_t instances_intended = 0;  // MaxCount summed over the intents planned
  // Leaked instances' lives: from the launch to their termination, or to the scenario's limit
  // (what a leak costs), in microseconds, summed.
  uint64_t leaked_instance_us = 0;
  sim::Time end;  // time of the last event run

  // Sums the counts (not `end`).
  void add(const RunStats& o) {
    events += o.events;
    intents += o.intents;
    intents_ok += o.intents_ok;
    intents_failed += o.intents_failed;
    intents_unknown += o.intents_unknown;
    intents_open += o.intents_open;
    intents_begun += o.intents_begun;
    intents_blocked += o.intents_blocked;
    intents_hung += o.intents_hung;
    calls += o.calls;
    requests += o.requests;
    retries += o.retries;
    instances += o.instances;
    leaked += o.leaked;
    launches_in_flight += o.launches_in_flight;
    throttled += o.throttled;
    attempts_sdk += o.attempts_sdk;
    attempts_app += o.attempts_app;
    attempts_controller += o.attempts_controller;
    most_sdk = std::max(most_sdk, o.most_sdk);
    most_app = std::max(most_app, o.most_app);
    most_controller = std::max(most_controller, o.most_controller);
    instances_intended += o.instances_intended;
    leaked_instance_us += o.leaked_instance_us;
  }
};

// Distributions over the intents a run began, kept so that any number of runs merge exactly
// (docs/results-format.md): attempts per intent (every layer's: the SDK's retries, the
// application's calls and reconciling Describes, the controller's drives), and the simulated
// time from an intent's first call to its first definite end (ok or failed; a re-drive after a
// restart or on a resync is not counted), in buckets.
struct Distributions {
  // The upper bounds of the completion-time buckets, in milliseconds: 1, 2, 5, 10, 20, 50, ...
  static constexpr size_t kBuckets = 34;
  static uint64_t bucket_ms(size_t b);
  static size_t bucket_of(sim::Duration d);  // the first bucket whose bound is >= d (the last holds the rest)
  // Vectors (empty until used), so that a run's results stay small once folded into its batch's.
  std::vector<uint64_t> attempts;    // [n]: intents with n attempts
  std::vector<uint64_t> completion;  // [bucket]: intents that ended within it (kBuckets, or empty)
  void count_completion(size_t bucket) {
    if (completion.empty()) completion.assign(kBuckets, 0);
    ++completion[bucket];
  }
  void add(const Distributions& o) {
    if (attempts.size() < o.attempts.size()) attempts.resize(o.attempts.size());
    for (size_t i = 0; i < o.attempts.size(); ++i) attempts[i] += o.attempts[i];
    if (!o.completion.empty() && completion.empty()) completion.assign(kBuckets, 0);
    for (size_t i = 0; i < o.completion.size(); ++i) completion[i] += o.completion[i];
  }
};

struct RunResult {
  uint64_t seed = 0;
  // The run's hash: its log's records and tables, its findings and its counts, as fixed-width
  // integers (model/observation.h): the same seed gives the same hash on every machine and build.
  uint64_t trace_hash = 0;
  RunStats stats;
  sim::Time end;  // the run's end: its last event, or its limit when events were still pending
  Distributions distributions;
  std::vector<RunStats> groups;       // the same counts per client group, in scenario order
  std::vector<uint64_t> fault_fires;  // per fault of the plan: how often it acted
  // Per reaper: its sweeps, and the instances it listed that were old enough to judge (past its
  // grace), two numbers each.
  std::vector<uint64_t> reaper_counts;
  Coverage coverage{};  // how often each situation of the catalogue happened
  std::vector<model::Finding> findings;  // what the oracle found (reports/ words them)
  uint32_t violation_count = 0;          // findings.size(), kept when the findings are not
  // The run log, when kept (RunOptions::keep_log): what reports/ renders the trace, the stories and
  // the timeline from.
  std::shared_ptr<const model::RunLog> log;
  std::vector<int64_t> send_seconds;  // when kept: the whole seconds in which attempts were sent, sorted, once each
};

struct RunOptions {
  bool keep_log = false;  // fill RunResult::log
  // Dispatch each event through a Boost.Asio io_context instead of calling it directly
  // (same order, same log; it exists to measure what Asio costs the loop).
  bool via_asio = false;
  bool keep_send_seconds = false;  // fill RunResult::send_seconds
};

// The rules' settings and the promises the oracle judges a run of `s` by.
model::Rules rules_of(const model::ServiceConfig& service);
inline model::Rules rules_of(const Scenario& s) { return rules_of(s.service); }
model::Promises promises_of(const Scenario& s);

RunResult run_once(const Scenario& s, uint64_t seed, const RunOptions& opt = {});

}  // namespace idem::harness
