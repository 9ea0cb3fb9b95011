// A scenario: everything one run needs, as plain data. The YAML loader fills it; a generator
// may too. docs/scenario-format.md documents every field that a file can set.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "faults/plan.h"
#include "model/client.h"
#include "model/reaper.h"
#include "model/service.h"
#include "sim/latency.h"

namespace idem::model {
enum class Property : uint8_t;
}

namespace idem::harness {

struct ClientGroup {
  model::ClientSpec spec;
  int32_t count = 1;
  // The logical launch the group's intents are part of; groups naming one intent are repeats of
  // each other (paired by client index and intent number). "" means the group's own name.
  std::string intent;
  // One-way latency between this group and its Region's endpoint; unset: the Region's.
  std::optional<sim::Latency> latency;
  // Settings the file gave at their default value, which a written copy (a counterexample)
  // keeps: `controller.state`, `controller.persist`.
  bool gave_state = false, gave_persist = false;
  // `serve`'s group of real clients (harness/live.h): its intents are counted as they begin, none planned.
  bool live = false;
};

// A place in the scenario file ("file:12:5"), for messages about what it says; "" when the
// scenario was built in code.
struct Where {
  std::string text;
};

// `explore:`: the envelope `idemsim check` draws concrete scenarios from (docs/scenario-format.md,
// "explore"). `run` does not read it. Absent: every fault kind, at most five faults, starts in the
// first 30 s, lengths up to 10 minutes, rates 1% to 100%, the callers as written.
enum class ExploreKind : uint8_t {
  lose_request, lose_response, spike, storm_before, storm_after, reset_after, duplicate, reset_before,
  crash_frontend, crash_store, crash_client, kCount
};
inline constexpr const char* kExploreKindNames[] = {
    "lose-request", "lose-response",  "spike",       "storm-before", "storm-after", "reset-after",
    "duplicate",    "reset-before",   "crash-frontend", "crash-store", "crash-client"};
static_assert(std::size(kExploreKindNames) == static_cast<size_t>(ExploreKind::kCount));
// Token values `check` may give groups that send one of their own (token: {value: ...}).
enum class TokenFamily : uint8_t { case_variant, prefix, length, non_ascii, regions, zones, kCount };
inline constexpr const char* kTokenFamilyNames[] = {"case", "prefix", "length", "non-ascii", "regions", "zones"};
static_assert(std::size(kTokenFamilyNames) == static_cast<size_t>(TokenFamily::kCount));

struct Explore {
  bool given = false;  // the file has an `explore:` section (the writer writes it back only then)
  std::vector<ExploreKind> kinds;  // in the order drawn (the first is where shrinking goes); empty: all
  int32_t max_faults = 5;
  // Fault starts are drawn in whole seconds in [from, until]; lengths in [min_for, max_for]; rates
  // in whole percents in [min_rate, max_rate]. Unset: 0, min(limit, 30s), 1s, min(limit, 10m).
  std::optional<sim::Duration> from, until, min_for, max_for;
  int32_t min_rate = 1, max_rate = 100;
  // Caller settings drawn per group; unset or empty: as written.
  std::optional<int32_t> count;    // each group's count in [1, count]
  std::optional<int32_t> intents;  // each group's intents in [1, intents]
  std::vector<model::TokenMode> tokens;         // each group's token behaviour, one of these
  std::vector<model::PolicyKind> retry;         // each group's retry profile, one of these
  std::vector<model::OnTerminated> on_terminated;  // each group's on_terminated, one of these
  std::vector<TokenFamily> token_values;        // families of values for groups sending their own
};

struct Scenario {
  std::string file;  // where it was loaded from ("" when built in code)
  uint64_t content_hash = 0;  // FNV-1a of the file's bytes, and its included files' (0 when built in code)
  std::vector<std::string> includes;  // `include:`, as written (their faults, service and Regions are merged in)
  std::string name;
  std::string description;
  uint64_t seed = 1;
  int64_t runs = 1;
  sim::Duration limit = sim::hours(48);  // simulated time; events after it are not run
  model::ServiceConfig service;          // semantics, regions, lifecycle, capacity
  std::vector<sim::Latency> region_latency;  // one-way network latency per Region
  sim::Latency service_latency = sim::Latency::fixed(sim::millis(40));  // processing per call
  std::vector<ClientGroup> clients;
  std::vector<model::ReaperSpec> reapers;
  faults::FaultPlan faults;  // its heal_at is the scenario's `heal_at`
  // Liveness and amplification (model/oracle.h): `heal_at` is faults.heal_at.
  sim::Duration converge = sim::minutes(5);
  std::optional<int32_t> max_attempts_per_intent;
  // `leaks:` (model/oracle.h, the leaks property): off unless one is set.
  struct Leaks {
    std::optional<sim::Duration> max_age;     // a leaked instance gone within this of its launch
    std::optional<int64_t> max_instance_us;   // leaked instances' lives summed (max_instance_hours, in µs)
    bool any() const { return max_age || max_instance_us; }
  } leaks;
  Where at_leaks;                 // `leaks`, or the file
  // Planted bugs the scenario switches on; the loader also copies them into `service` and into
  // each client's spec, where the model reads them.
  model::BugSet bugs;
  bool expect_fail = false;
  std::string expect_property;  // `expect: {fail: PROPERTY}`: caught only by that property
  Explore explore;

  // Where the loader found things, for warnings about what a run could not test.
  Where at_limit;                 // `limit`, or the file
  Where at_expect;                // `expect`, or the file
  Where at_throttle;              // `service.throttle`, or the file
  std::vector<Where> at_group;    // per client group
  std::vector<Where> at_fault;    // per fault
  std::vector<Where> at_reaper;   // per reaper
  // Keys the file gives that have no effect under its other settings, each with its place and
  // why (found by the loader; reported by `run` as warnings).
  std::vector<std::string> inert;

  // Sets the planted bugs, where the model reads them too (the service and each client).
  void set_bugs(model::BugSet b) {
    bugs = b;
    service.bugs = b;
    for (ClientGroup& g : clients) g.spec.bugs = b;
  }

  // Why the oracle does not judge property `p` in this scenario ("" when it does): a promise the
  // scenario does not make, or nothing the property is about (harness/world.cpp, beside the
  // promises handed to the oracle).
  std::string unchecked(model::Property p) const;

  std::vector<std::string> region_names() const;
  std::vector<std::string> group_names() const;
  // The intent name a group's intents belong to (its `intent`, else its own name).
  static const std::string& intent_name(const ClientGroup& g) { return g.intent.empty() ? g.spec.group : g.intent; }
};

}  // namespace idem::harness
