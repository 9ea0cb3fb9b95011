// Carries out a FaultPlan, one decision per message. Each fault draws from its own generator,
// named after what the fault is (Prng::named), so adding, removing or reordering one fault leaves
// the others' draws alone, and a fault outside its window or Region draws nothing.
#pragma once

#include <optional>
#include <vector>

#include "faults/plan.h"

namespace idem::faults {

class Injector {
 public:
  Injector(const FaultPlan& plan, uint64_t seed);

  // A request from a client to `region`'s endpoint, sent at `now`: lost on the way?
  bool lose_request(uint32_t region, Time now);
  // A response on its way back: lost?
  bool lose_response(uint32_t region, Time now);
  // Extra service time for a call that arrives at `now` (zero when no spike fires).
  Duration spike(uint32_t region, Time now);
  // A storm's error for a request arriving (`before`) or a response leaving (`after`) at `now`.
  std::optional<model::Code> storm(Storm::Phase phase, uint32_t region, Time now);
  // A connection reset before the service sees a request sent at `now`, or after it acted.
  bool reset(Reset::Phase phase, uint32_t region, Time now);
  // A request from (or a response to) a client of `group`, cut off by a partition?
  bool partitioned(bool request, uint32_t group, uint32_t region, Time now);
  // A transient 400 for a RunInstances request arriving at `now`.
  std::optional<model::Code> transient(uint32_t region, Time now);
  // A request sent at `now` delivered a second time: how long after the first, or nothing.
  std::optional<Duration> duplicate(uint32_t region, Time now);

  // A launch on frontend `frontend` of `region` reaches `step` at `now`: the crash fault that
  // comes due (its index in the plan), if any. It counts as fired once the caller calls
  // fired(): a crash of a process that is already down does not.
  std::optional<size_t> crash_at_step(Crash::Step step, uint32_t region, uint32_t frontend, Time now);
  void fired(size_t fault) { ++fires_.at(fault); }
  // The timed crash `fault` comes due in `region`: whether it fires (not healed), and, without a
  // `which`, which of the `up` frontends that are up it stops (drawn from its stream).
  std::optional<uint32_t> crash_at_time(size_t fault, uint32_t region, uint32_t up, Time now);
  // A caller's crash at a time (`crash: {target: client, at}`) comes due: whether it acts (it does
  // unless every fault has ended by then, `heal_at`), counted when it does.
  bool caller_crash_at_time(size_t fault, uint32_t region, Time now);
  // The offset of frontend `frontend`'s clock at `now` (zero when no skew applies). `count`: a
  // request taken in, counted as a fire when the offset is not zero.
  Duration skew(uint32_t region, uint32_t frontend, Time now, bool count);
  bool has_skew() const { return has_skew_; }
  bool has_crash() const { return has_crash_; }
  bool has_caller_crash() const { return has_caller_crash_; }
  bool has_database(uint32_t group) const;
  // A write to the database of a caller of `group` at `now`: whether a fault fails it, and how much
  // longer it stalls (each database fault in its window, from its own stream).
  std::pair<bool, Duration> database_write(uint32_t group, uint32_t region, Time now);
  // A client of `group` calling `region` reaches `when` at `now`: the crash fault that fires.
  std::optional<size_t> caller_crash(uint32_t group, uint32_t region, model::CallerCrashPoint when, Time now);

  // Per fault, in plan order: how many times it acted (lost a message, added a delay, answered
  // or replaced an answer with its error).
  const std::vector<uint64_t>& fires() const { return fires_; }

 private:
  template <typename F>
  bool applies(const F& f, uint32_t region, Time now) const {
    return f.window.contains(now) && (!f.region || *f.region == region) && (!plan_->heal_at || now < *plan_->heal_at);
  }
  bool lose(Lose::What what, uint32_t region, Time now);

  const FaultPlan* plan_;
  std::vector<sim::Prng> prngs_;  // one per fault, in plan order
  std::vector<uint64_t> fires_;
  bool has_skew_ = false;
  bool has_crash_ = false;         // a crash of the service's processes
  bool has_caller_crash_ = false;
};

}  // namespace idem::faults
