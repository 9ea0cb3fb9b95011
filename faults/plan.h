// Fault plans: plain data a scenario file, or a generator, writes down and an Injector carries
// out. Each fault is a value with its window, its Region filter and its rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/client.h"
#include "model/types.h"
#include "sim/latency.h"
#include "sim/random.h"
#include "sim/time.h"

namespace idem::faults {

using sim::Duration;
using sim::Time;

// When a fault is active: [from, from + length), or from `from` on when length is unset.
struct Window {
  Time from;
  std::optional<Duration> length;
  bool contains(Time t) const { return t >= from && (!length || t < from + *length); }
};

// A message lost on the wire: a request before the service sees it (nothing happens), or a
// response after the service acted (it happened, the client cannot know).
struct Lose {
  enum What : uint8_t { request, response } what = request;
  sim::Ratio rate;
  Window window;
  std::optional<uint32_t> region;  // unset: every Region
};

// A delay spike: the service takes `delay` longer on a share of calls, often past the client's
// timeout; the launch still happens.
struct Spike {
  sim::Ratio rate;
  sim::Latency delay = sim::Latency::fixed(sim::seconds(5));
  Window window;
  std::optional<uint32_t> region;
};

// A 5xx storm. `before`: the frontend rejects the request and nothing launches. `after`: the
// service does the work, then the answer is replaced by the error (a 500 after commit).
struct Storm {
  enum Phase : uint8_t { before, after } phase = before;
  model::Code code = model::Code::Unavailable;
  sim::Ratio rate{1, 1};
  Window window;
  std::optional<uint32_t> region;
};

// A connection reset. `before`: the connection drops before the service sees the request
// (nothing happens); `after`: the service acts, then the connection drops before the answer.
// Either way the client learns at once (a connection error, not a timeout), and its SDK treats
// it as retryable with an unknown outcome.
struct Reset {
  enum Phase : uint8_t { before, after } phase = before;
  sim::Ratio rate{1, 1};
  Window window;
  std::optional<uint32_t> region;
};

// A client group cut off from its Region's endpoint: its requests, its responses, or both are
// lost on the way.
struct Partition {
  enum Direction : uint8_t { both, requests, responses } direction = both;
  uint32_t group = 0;  // index of the client group
  Window window;
  std::optional<uint32_t> region;
};

// A 400 that says a resource is still changing state (IncorrectState): the service answers it
// before acting, so nothing happens; the one 400 a client may retry (retry.retry_codes).
struct Transient {
  model::Code code = model::Code::IncorrectState;
  sim::Ratio rate{1, 1};
  Window window;
  std::optional<uint32_t> region;
};

// The network delivers a request a second time, `delay` after the first (a proxy's retry, a
// webhook delivered twice). The service sees two requests; the client waits for one answer.
struct Duplicate {
  sim::Ratio rate{1, 1};
  sim::Latency delay = sim::Latency::fixed(sim::millis(10));
  Window window;
  std::optional<uint32_t> region;
};

// A process of the service stops: a frontend of the Region (`which`; unset: one drawn per crash)
// or the Region's token store. It stops at time `at`, or when a launch reaches `step`, with
// probability `rate` per launch. A frontend's requests in flight get no answer (their clients see
// a reset) and its launches in flight are settled by the service's recovery; a store crash loses
// every record of a volatile store, and while the store is down requests that need it get a 503.
// The process comes back `restart_after` later.
//
// `target: client`: a caller's process (one client of `group`) dies when one of its calls reaches
// `when` (after-send, after-response), with probability `rate`, or at time `at` (a deploy: every
// process of the group, or with `rolling` one after another, client i at `at` + i x `rolling`), and
// restarts `restart_after` later knowing only what its state kept (model/client.h, ControllerSpec).
struct Crash {
  enum Target : uint8_t { frontend, store, client } target = frontend;
  uint32_t group = 0;                       // client: the group whose processes may die
  model::CallerCrashPoint when = model::CallerCrashPoint::after_send;  // client
  enum Step : uint8_t { after_reserve, after_launch, after_record };
  std::optional<uint32_t> which;  // frontend: its index, from 0
  std::optional<Time> at;         // a crash at this time, or
  std::optional<Duration> rolling;  // client, with `at`: client i of the group dies at at + i x rolling
  std::optional<Step> step;       // a crash when a launch reaches this step
  sim::Ratio rate{1, 1};          // with `step`
  Duration restart_after = sim::seconds(10);
  Window window;
  std::optional<uint32_t> region;
};
std::string_view crash_step_name(Crash::Step s);

// A frontend's clock is off by `offset` (either sign): every time-based decision it makes (TTL,
// retention, instance state) uses now + offset. `frontend` unset: every frontend of the Region.
struct Skew {
  std::optional<uint32_t> frontend;
  Duration offset;
  Window window;
  std::optional<uint32_t> region;
};

// A controller's database (clients[].controller) is degraded: each write a caller of `group` makes
// to it (its token before the send, what an answer told it) fails with probability `fail`, and a
// write before the send stalls `stall` longer.
struct Database {
  uint32_t group = 0;
  sim::Ratio fail{1, 1};
  sim::Latency stall = sim::Latency::fixed(Duration(0));
  Window window;
  std::optional<uint32_t> region;
};

using Fault = std::variant<Lose, Spike, Storm, Reset, Partition, Transient, Duplicate, Crash, Skew, Database>;

struct FaultPlan {
  std::vector<Fault> faults;
  // Every fault ends here, whatever its window says (the scenario's `heal_at`); unset: never.
  std::optional<Time> heal_at;
};

// What a fault is, in words, with the scenario's Region and group names, its rates in percent.
// (Its random stream is named by a stable form of the same, with Region indexes and rates as
// ratios, so that this wording may change without changing any run.)
std::string describe(const Fault& f, const std::vector<std::string>& region_names = {},
                     const std::vector<std::string>& group_names = {});

}  // namespace idem::faults
