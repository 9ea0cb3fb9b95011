// The reference service for real clients: the same service's host, network faults and cleanup
// jobs as a simulated run (harness/service_host.h, network.h, reapers.h), with the callers
// replaced by requests that come off a wire (serve/http.cpp) or out of a recorded session. Time
// is what the caller of this class says it is (the wall clock since `serve` started, or a
// recorded request's time), so a session fed the same requests at the same times, in the same
// order, with the same seed, meets the same faults and ends with the same log and verdict.
//
// What it writes to the run log is what a simulated run writes, from what the wire shows:
//  - a client per (User-Agent product, client address): "aws-cli/2.9.19 127.0.0.1";
//  - an intent per name the caller gives it (the `x-idemsim-intent` header or an
//    `idemsim:intent` tag), else per client token (in its account and Region), else per call;
//  - a call per SDK invocation (the `amz-sdk-invocation-id` header every current AWS SDK sends,
//    the same on each of its retries), else per request; its attempts are the requests;
//  - the answer the client received (delivered), a reset, or the client closing its connection
//    while it waited (timed out);
//  - at the end, each call's and each intent's outcome as the client saw it: ok when an answer
//    to it was a 200, failed when its last answer was a 4xx, unknown otherwise.
// The service's side (arrivals, faults, admissions, launches) is the service's host's own.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/world.h"
#include "model/history.h"
#include "model/service.h"

namespace idem::harness {

// One request as the wire layer read it.
struct LiveRequest {
  model::Api api = model::Api::run;
  model::RunRequest request;      // Region, account, parameters and token (RunInstances)
  std::vector<uint32_t> ids;      // DescribeInstances / TerminateInstances by id (0: an id that is none)
  std::optional<model::Token> token_filter;  // DescribeInstances' client-token filter
  std::string client;             // who sent it: "aws-cli/2.9.19 127.0.0.1"
  std::string invocation;         // the SDK's invocation id ("" when none)
  std::string intent;             // the caller's name for its intent ("" when none)
};

// What goes back on the wire for a request.
struct LiveAnswer {
  enum Kind : uint8_t { answer, reset } kind = answer;
  uint32_t attempt = 0;
  sim::Time at;                   // when it left
  model::Api api = model::Api::run;
  model::Response response;       // the code; for RunInstances, the reservation and instances
  model::DescribeResult listed;   // DescribeInstances / TerminateInstances: the instances
  std::vector<model::InstanceState> before;  // TerminateInstances: each instance's state before
};

class LiveService {
 public:
  // `s` as loaded; its client groups are not run (real clients take their place).
  LiveService(const Scenario& s, uint64_t seed);
  ~LiveService();
  LiveService(const LiveService&) = delete;
  LiveService& operator=(const LiveService&) = delete;

  // A request reaches the endpoint at `now` (not before the last time given): returns its attempt
  // id. Its answer comes out of answers() once the events due by then have run (advance()).
  uint32_t arrive(const LiveRequest& req, sim::Time now);
  // Runs every event due by `now`.
  void advance(sim::Time now);
  // When the next event is due, if any.
  std::optional<sim::Time> next_due() const;
  // The client of `attempt` closed its connection (or gave up on it) before an answer: it timed out.
  void gone(uint32_t attempt, sim::Time now);
  // The answers and resets ready to go out, in the order they became ready; taken once.
  std::vector<LiveAnswer> take_answers();
  // Ends the session at `now`: each call's and intent's outcome, then the oracle. The log is kept
  // in the result (RunResult::log). Call once.
  RunResult finish(sim::Time now);

  // The scenario this session runs: live_scenario() of the one given.
  const Scenario& scenario() const;
  const model::Service& service() const;
  // What the session has seen so far: requests, and distinct clients.
  uint64_t requests() const;
  // Attempt ids given so far (requests, and the network's copies of them).
  uint32_t attempts() const;
  size_t clients() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The scenario serve runs for `s` (what LiveService::scenario() returns): its client groups
// replaced by one, "live", of the real clients, which the faults naming a group act on.
Scenario live_scenario(const Scenario& s);

}  // namespace idem::harness
