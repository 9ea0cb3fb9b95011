// What the parts of one run share: the scenario, the event queue and the clock, the run log every
// part appends to, the fault injector, and the callers' bookkeeping (the requests' content travels
// as an attempt id into it). The world (harness/world.cpp) owns it and wires the parts together:
// the network (network.h), the service's host (service_host.h), the cleanup jobs (reapers.h).
#pragma once

#include <algorithm>
#include <cstdint>

#include "faults/injector.h"
#include "harness/scenario.h"
#include "model/history.h"
#include "model/observation.h"
#include "sim/event_queue.h"

namespace idem::harness {

// The events of a run: a kind and two integers each.
enum EventKind : uint32_t {
  kWake,       // a = client, b = its slot << 32 | its epoch when set (a wake set before a crash is dropped)
  kTimeout,    // a = client, b = attempt
  kArrive,     // a = attempt: its request reaches the Region's endpoint
  kLaunch,     // a = launch op: its launch step ends
  kReply,      // a = attempt: the service's answer leaves the frontend
  kDeliver,    // a = attempt: the answer reaches the client
  kReset,      // a = attempt: the client learns that its connection was reset
  kValidated,  // a = attempt: its validate and reserve steps end
  kWrite,      // a = launch op: read-then-write's insert lands
  kRecord,     // a = launch op: its record step ends
  kCrash,      // a = fault, b = Region: a timed crash comes due
  kRestart,    // a = Region, b = frontend (kStore: the store): a crashed process comes back
  kReap,       // a = reaper: its sweep comes due
  kCallerCrash,  // a = client, b = fault: a caller's crash at a time comes due
};
inline constexpr uint32_t kStore = UINT32_MAX;       // kRestart: the store, not a frontend
inline constexpr uint32_t kNoFrontend = UINT32_MAX;

struct Context {
  Context(const Scenario& scenario, uint64_t seed) : s(scenario), seed(seed), injector(scenario.faults, seed) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const Scenario& s;
  uint64_t seed;
  sim::EventQueue q;
  sim::Time now;
  model::RunLog log;
  faults::Injector injector;
  model::History history;

  const model::CallRecord& call_of(uint32_t attempt) const { return history.calls[history.attempts[attempt].call]; }
  uint32_t region_of(uint32_t attempt) const { return call_of(attempt).request.region; }
  uint32_t client_of(uint32_t attempt) const { return call_of(attempt).client; }
  // When a process a crash fault stops comes back: `restart_after` from now, or when the faults
  // heal, whichever is first.
  sim::Time restart_time(const faults::Crash& c) const {
    const sim::Time at = now + c.restart_after;
    return s.faults.heal_at && *s.faults.heal_at > now ? std::min(at, *s.faults.heal_at) : at;
  }
};

}  // namespace idem::harness
