// The reference EC2 service: RunInstances with client tokens, DescribeInstances,
// TerminateInstances, and the instance lifecycle.
//
// The model is a pure state machine: every call takes the current simulated time and returns a
// decision. It reads no clock, draws no random number and does no I/O; delays, faults and the
// network belong to the harness.
//
// Invariants (with no planted bug; model/bugs.h lists the named departures, each read in
// key_of, same_parameters, accepts_token, expired, admit or complete):
//  - A (scope, token) pair has at most one record, keeping the first request's parameters
//    whatever its outcome. The record is created when the first request
//    with that token is admitted (before it launches), so a request that arrives while the first is
//    still in flight joins it instead of launching again (rule 7, in-flight dedupe).
//  - A record launches at most once: complete() fills its response exactly once.
//  - Instance ids are consecutive within a reservation; ids start at 1 and are never reused.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "model/bugs.h"
#include "model/types.h"
#include "sim/time.h"

namespace idem::model {

using sim::Duration;
using sim::Time;

struct RegionSpec {
  std::string name;
  std::vector<std::string> zones;
  std::map<std::string, std::string> subnets;  // subnet id -> its zone
};

struct ServiceConfig {
  Semantics semantics = Semantics::current;
  std::vector<RegionSpec> regions;
  Duration launch_time = sim::seconds(30);     // pending -> running
  Duration terminate_time = sim::seconds(10);  // shutting-down -> terminated
  Duration describe_lag = sim::seconds(1);     // a new instance is invisible to Describe this long
  // v2013: a token answers with its original response at least this long after its instances
  // terminate; past it the token is forgotten.
  Duration token_retention = sim::hours(24);
  // A deliberately short dedupe window (a bug to study): the token is forgotten this long after
  // it was recorded, whatever its instances do. Unset: no window.
  std::optional<Duration> token_window;
  // Instances of a type that may run at once in each region; absent types are unlimited.
  std::map<std::string, int64_t> capacity;
  // Planted bugs (model/bugs.h); none by default.
  BugSet bugs;
};

enum class InstanceState : uint8_t { pending, running, shutting_down, terminated };
std::string_view state_name(InstanceState s);

struct Instance {
  uint32_t id = 0;
  uint32_t reservation = 0;
  Time launched;
  std::optional<Time> terminate_requested;
};

// Ground truth of one launch, for the oracle.
struct Reservation {
  uint32_t id = 0;
  uint32_t region = 0;
  std::string zone;  // the scope's zone under current semantics, "" when regional
  bool has_token = false;
  Token token;
  LaunchParams params;
  uint32_t first_instance = 0;
  uint32_t count = 0;
  Time at;
  uint64_t tag = 0;  // the caller's id for the request that launched it
};

// How a RunInstances request was taken in.
struct Admission {
  enum Kind : uint8_t {
    Reply,    // answered at once (validation error, mismatch, a repeat of a finished token)
    Started,  // a launch to finish with complete(op)
    Joined,   // same token as a launch still in flight: answered when that launch completes
  };
  Kind kind = Reply;
  Response reply;   // Reply
  uint32_t op = 0;  // Started, Joined: the launch in flight
};

struct Completion {
  Response response;
  std::vector<uint64_t> joined;  // tags of the requests that joined this launch
};

struct InstanceView {
  uint32_t id = 0;
  uint32_t reservation = 0;
  InstanceState state = InstanceState::pending;
  Token token;
  std::string type;
  std::string zone;
};

struct DescribeResult {
  Code code = Code::Ok;
  std::vector<InstanceView> instances;
};

class Service {
 public:
  explicit Service(ServiceConfig config);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // RunInstances arrives. `tag` is the caller's id for this request; it comes back in
  // Reservation::tag and Completion::joined.
  Admission admit(const RunRequest& req, Time now, uint64_t tag);
  // The launch `op` (from a Started admission) finishes. REQUIRES: called once per op.
  Completion complete(uint32_t op, Time now);

  // DescribeInstances in `region`: by ids (any id unknown or not yet visible -> NotFound),
  // and/or filtered by client token ("client-token" filter); neither lists all visible.
  DescribeResult describe(uint32_t region, const std::vector<uint32_t>& ids,
                          const std::optional<Token>& token, Time now) const;
  // TerminateInstances: idempotent by itself. Unknown or invisible ids fail the whole call.
  DescribeResult terminate(uint32_t region, const std::vector<uint32_t>& ids, Time now);

  // Room for about n launches (an optimisation only).
  void reserve(size_t n);

  InstanceState state_of(uint32_t instance, Time now) const;
  const std::vector<Reservation>& reservations() const { return reservations_; }
  const std::vector<Instance>& instances() const { return instances_; }
  const ServiceConfig& config() const { return config_; }
  size_t in_flight() const;
  // The tags of the launches taken on but not finished yet (in the order they were taken on).
  std::vector<uint64_t> in_flight_tags() const;

  // "" for a regional scope, else the zone that makes the token's scope.
  std::string scope_zone(const RunRequest& req) const;
  static bool valid_token(const Token& token);

 private:
  struct Key {
    uint32_t region;
    std::string zone;
    Token token;
    friend bool operator<(const Key& a, const Key& b) {
      // The token first: it is what tells most keys apart.
      if (a.token != b.token) return a.token < b.token;
      return std::tie(a.region, a.zone) < std::tie(b.region, b.zone);
    }
  };
  struct Record {
    LaunchParams params;
    Time recorded;
    bool in_flight = true;
    Response response;
    std::vector<uint64_t> joined;
    uint32_t op = 0;  // the launch that made (or makes) the answer
  };
  struct Op {
    RunRequest req;
    std::string zone;            // scope zone
    std::optional<Key> key;      // the token's record, if any
    uint64_t tag = 0;
    bool done = false;
  };

  std::optional<Code> validate(const RunRequest& req) const;
  bool accepts_token(const Token& token) const;
  // The record's key for a request, and the parameter comparison of rule 3; the two places
  // where the store's planted bugs live.
  Key key_of(const RunRequest& req, const std::string& zone) const;
  bool same_parameters(const LaunchParams& a, const LaunchParams& b) const;
  bool expired(const Record& r, Time now) const;
  bool all_terminated(const Response& r, Time now) const;
  Response launch(const Op& op, Time now);
  bool visible(const Instance& i, Time now) const { return now - i.launched >= config_.describe_lag; }

  ServiceConfig config_;
  std::map<Key, Record> records_;
  std::vector<Op> ops_;
  std::vector<Reservation> reservations_;
  std::vector<Instance> instances_;
  // Running-or-pending instances per (region, type), for capacity.
  std::map<std::pair<uint32_t, std::string>, int64_t> in_use_;
};

}  // namespace idem::model
