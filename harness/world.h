// One run of a scenario at one seed: clients, network, faults and the service in one event loop,
// then the oracle. The result is plain data; the trace is kept when asked (replay).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/coverage.h"
#include "harness/scenario.h"
#include "model/oracle.h"

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
// time from an intent's first call to its definite end (ok or failed), in buckets.
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

// How one intent ended, as its caller saw it (RunOptions::keep_intents): the outcome and every
// call's answer, for comparing two runs (`idemsim diff`).
struct IntentEnd {
  std::string intent;  // "app#3/0"
  std::string story;   // "ok: RunInstances 200 r-...; TerminateInstances 200; RunInstances (repeat) 200 r-..."
};

// A run drawn as lanes (RunOptions::keep_timeline), for the HTML report: the clients and the
// service's frontends, each attempt from its client to the frontend that took it in and back, the
// launches (those that broke a rule marked), the faults' windows and the service's crashes.
// Times in microseconds of simulated time.
struct Timeline {
  struct Lane {
    std::string name;    // "app#0", "us-east-1 frontend 0", "us-east-1 token store", "reaper 0"
    std::string kind;    // "client", "frontend", "store", "reaper"
    std::string region;  // the Region it is in (a client's: the one it calls)
  };
  struct Attempt {
    uint32_t id = 0;    // History::attempts index: the trace's and the story's attempt=N
    uint32_t from = 0;  // its client's lane
    // The lane of the frontend that took it in (or, when the Region's endpoint answered it before
    // any frontend did, the Region's first lane); -1: it never reached the Region.
    int32_t to = -1;
    int64_t sent_us = 0;
    int64_t reached_us = -1;   // when it reached the Region; -1: never (lost on the way)
    int64_t answered_us = -1;  // when its answer left (the service's, a storm's, the quota's); -1: none
    int64_t ended_us = -1;     // when its client saw its end (an answer, a timeout, a reset); -1: none by the limit
    int64_t late_us = -1;      // when an answer reached it after its client stopped waiting; -1: none
    std::string what;          // "RunInstances call 3 try 2 token=abc"
    std::string end;           // "200 r-2", "timed out; its answer was lost on the way back", ...
    std::string lost;          // "request": lost on the way; "answer": its answer lost on the way back; "" 
    uint8_t story = 0;         // 1: in a violation's story; 2: in the first violation's
  };
  struct Launch {
    int64_t at_us = 0;
    int32_t lane = -1;      // the frontend that launched it
    uint32_t attempt = 0;   // the attempt that made it
    std::string what;       // "r-2: 1 instance(s)"
    bool bad = false;       // beyond the one allowed, or forbidden by the rules
  };
  struct Span {
    std::string fault;  // its description, as in replay's header
    int64_t from_us = 0, until_us = 0;  // its window, cut at heal_at and the limit
    std::string region;  // the Region it is limited to; "" for all
  };
  struct Mark {
    int64_t at_us = 0;
    int32_t lane = -1;
    std::string what;  // "frontend 0 crashed", "frontend 0 back", "process crashed (after-send)", "terminated i-3"
    uint8_t story = 0;  // a reaper's termination in a violation's story: 1, or 2 in the first's
  };
  uint64_t seed = 0;
  uint64_t events = 0;
  int64_t end_us = 0;  // the run's end (its last event, or the limit)
  std::vector<std::string> violations;  // "PROPERTY SUBJECT: DETAIL", each
  std::vector<Lane> lanes;
  std::vector<Attempt> attempts;
  uint64_t attempts_left_out = 0;  // of clients in no violation's story, in a run too large to draw whole
  std::vector<Launch> launches;
  std::vector<Span> faults;
  std::vector<Mark> marks;
};

struct RunResult {
  uint64_t seed = 0;
  uint64_t trace_hash = 0;
  RunStats stats;
  Distributions distributions;
  std::vector<RunStats> groups;       // the same counts per client group, in scenario order
  std::vector<uint64_t> fault_fires;  // per fault of the plan: how often it acted
  // Per reaper: its sweeps, and the instances it listed that were old enough to judge (past its
  // grace), two numbers each.
  std::vector<uint64_t> reaper_counts;
  Coverage coverage{};  // how often each situation of the catalogue happened
  std::vector<model::Violation> violations;  // emptied for failing runs past a batch's `keep`
  uint32_t violation_count = 0;              // kept when the violations are not
  std::string trace;  // one line per event, when kept
  std::vector<IntentEnd> intents;  // when kept
  std::vector<int64_t> send_seconds;  // when kept: the whole seconds in which attempts were sent, sorted, once each
  std::optional<Timeline> timeline;   // when kept
};

struct RunOptions {
  bool keep_trace = false;
  // Dispatch each event through a Boost.Asio io_context instead of calling it directly
  // (same order, same trace; it exists to measure what Asio costs the loop).
  bool via_asio = false;
  bool keep_intents = false;  // fill RunResult::intents
  bool keep_send_seconds = false;  // fill RunResult::send_seconds
  bool keep_timeline = false;  // fill RunResult::timeline
};

RunResult run_once(const Scenario& s, uint64_t seed, const RunOptions& opt = {});

}  // namespace idem::harness
