// The service's host: runs the reference model (model/service.h, a pure state machine) as a
// deployment does. Per Region, frontends behind a balancer and one token store, each a process
// that can crash and restart; the endpoint's faults (storms, transient errors) and the account's
// request quota; the steps of a launch (validate and reserve, the store's write, launch, record,
// reply) as timed events; crash recovery. It feeds the model the true time and each frontend's
// clock, and appends to the run log what the service visibly did and when it decided.
#pragma once

#include <vector>

#include "harness/context.h"
#include "harness/network.h"
#include "model/service.h"

namespace idem::harness {

// A launch step's end as the log tells it: `launched` (its answer), and for one that put up
// instances, `placed` (where and what, as the service's reservation says).
void log_launch(model::RunLog& log, sim::Time at, uint32_t op, uint32_t attempt, const model::Response& r,
                const model::Service& service, bool quiet);

class ServiceHost {
 public:
  ServiceHost(Context& cx, Network& net);
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Sets the timed crashes of the fault plan.
  void start();
  // The events it handles (harness/context.h).
  void on_arrive(uint32_t attempt);
  void on_validated(uint32_t attempt);
  void on_reply(uint32_t attempt);
  void on_write(uint32_t op);
  void on_launch(uint32_t op);
  void on_record(uint32_t op);
  void on_timed_crash(uint32_t fault, uint32_t region);
  void on_restart(uint32_t region, uint32_t which);

  model::Service& service() { return service_; }
  const model::Service& service() const { return service_; }
  // The run is over: its per-request state and the service's are freed (World::run).
  void release() {
    std::vector<Served>().swap(served_);
    std::vector<model::Response>().swap(replies_);
    std::vector<uint32_t>().swap(op_attempt_);
    service_.release();
  }
  void reserve(size_t attempts, size_t launches);
  // A live session (harness/live.h): a DescribeInstances lists by its ids and its client-token
  // filter (none: every instance of the account in the Region), and what each Describe and
  // Terminate found is kept per attempt in `listings` for the wire.
  void go_live(std::vector<model::DescribeResult>* listings) { listings_ = listings; }
  // A live session's client, met on the wire.
  void add_client(uint32_t client);

 private:
  // A process of the service in one Region: up or down, and how often it has restarted (a request
  // taken in by an earlier incarnation gets no answer from a later one).
  struct Process {
    bool down = false;
    uint32_t incarnation = 0;
    sim::Time down_until;
  };
  // Per attempt, what the service side knows of it.
  struct Served {
    uint32_t frontend = kNoFrontend;
    uint32_t incarnation = 0;
    bool answered = false;  // its answer has left the service (or it never will)
    sim::Duration work;     // the service's time for it (the latency draw and any spike)
    sim::Time arrived;
  };

  Served& served(uint32_t attempt) {
    if (served_.size() <= attempt) served_.resize(attempt + 1), replies_.resize(attempt + 1);
    return served_[attempt];
  }
  const model::Steps& steps() const { return cx_.s.service.steps; }
  bool read_then_write() const { return cx_.s.service.store.write == model::StoreWrite::read_then_write; }
  bool dead(uint32_t attempt) const;
  model::DescribeResult& listing(uint32_t attempt) {
    if (listings_->size() <= attempt) listings_->resize(attempt + 1);
    return (*listings_)[attempt];
  }
  uint32_t pick_frontend(uint32_t client, uint32_t region);
  model::Handling handling(uint32_t attempt, uint32_t frontend, bool request, bool read);
  void admit(uint32_t attempt);
  void describe(uint32_t attempt, uint32_t frontend);
  void terminate(uint32_t attempt, uint32_t frontend);
  void answer(uint32_t attempt, const model::Response& r);
  void respond(uint32_t attempt, const model::Response& r, bool acted = true);
  bool maybe_crash(faults::Crash::Step step, uint32_t op);
  void crash_store(uint32_t region, const faults::Crash& c);
  void crash_frontend(uint32_t region, uint32_t f, const faults::Crash& c);

  Context& cx_;
  Network& net_;
  model::Service service_;
  // The request admit() hands the service, rebuilt from the call's ids; its parameters are copied
  // again only when the call's differ from the last (most calls of a run share them).
  model::RunRequest request_;
  uint32_t request_params_ = model::kNone;
  std::vector<std::vector<Process>> frontends_;  // per Region
  std::vector<Process> stores_;                  // per Region
  std::vector<uint32_t> round_robin_;            // per Region: the balancer's next frontend
  std::vector<sim::Prng> work_prngs_;            // per client: the service's time for its requests
  std::vector<Served> served_;                   // per attempt
  std::vector<model::Response> replies_;         // per attempt: the answer waiting to leave
  std::vector<uint32_t> op_attempt_;             // per launch op: the attempt that started it
  std::vector<uint32_t> in_service_;             // with crash faults: attempts the service may still answer
  std::vector<uint32_t> asked_;                  // scratch: the instances a TerminateInstances asked to terminate
  std::vector<model::DescribeResult>* listings_ = nullptr;  // live: per attempt, what a Describe or Terminate found
};

}  // namespace idem::harness
