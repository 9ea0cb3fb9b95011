// The network between the callers and their Regions' endpoints: one-way latencies per client
// (each client's link draws from a stream of its own), and the faults that act on the wire: a
// request or an answer lost, a group cut off, a connection reset, a request delivered twice.
// Appends what it does to the run log; the service's host hands it every answer.
#pragma once

#include <vector>

#include "harness/context.h"
#include "sim/latency.h"
#include "sim/random.h"

namespace idem::harness {

class Network {
 public:
  explicit Network(Context& cx);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // A request leaves its client now: lost, reset, or on its way (kArrive), maybe twice.
  void send(uint32_t client, uint32_t attempt);
  // The answer to `attempt` leaves the endpoint now. `acted`: the service took the request in (a
  // storm or a transient error turned it away otherwise, and faults after the service do not apply).
  void respond(uint32_t attempt, model::Response r, bool acted);
  // The client of `attempt` learns one way later that its connection was reset (kReset); nothing
  // for a copy the network made, which no client waits on.
  void reset_later(uint32_t attempt);
  // The answer on its way to `attempt`'s client (kDeliver), and when it left.
  const model::Response& in_transit(uint32_t attempt) const { return in_transit_[attempt].answer; }
  sim::Time left_at(uint32_t attempt) const { return in_transit_[attempt].left; }
  // One way between a client and its endpoint.
  sim::Duration latency(uint32_t client) { return links_[client]->sample(prngs_[client]); }
  void reserve(size_t attempts) { in_transit_.reserve(attempts); }
  void release() { std::vector<Transit>().swap(in_transit_); }
  // A live session's client (harness/live.h), met on the wire: no latency of the model's, the
  // real network's is its own.
  void add_client(uint32_t client);

 private:
  Context& cx_;
  std::vector<const sim::Latency*> links_;  // per client
  std::vector<sim::Prng> prngs_;            // per client: the draws of its link
  struct Transit {
    model::Response answer;
    sim::Time left;
  };
  std::vector<Transit> in_transit_;  // per attempt
};

}  // namespace idem::harness
