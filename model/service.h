// The reference EC2 service: RunInstances with client tokens, DescribeInstances,
// TerminateInstances, and the instance lifecycle, with the parts a real service has in between:
// frontends per Region sharing one token store, the store's write discipline, replicas, durability
// and TTL, the steps of a launch, and a request quota per account and Region.
//
// The model is a pure state machine: every call takes the current simulated time (and, where a
// frontend decides, that frontend's clock and the replica its read went to) and returns a
// decision. It reads no clock, draws no random number and does no I/O; delays, faults, which
// frontend and replica serve a request, and the network belong to the harness.
//
// A RunInstances with a token goes through these steps (ServiceConfig::steps gives their
// durations; the harness runs them):
//   validate  - rule 1 and the parameters; a 400 records nothing.
//   reserve   - the token's record is made, with the request's parameters, before anything
//               launches: `conditional` is one atomic insert-if-absent at the store's primary;
//               `read-then-write` reads (maybe from a lagging replica) and inserts `gap` later
//               (write()), so two requests inside the gap both miss and both launch.
//   launch    - launch(): the instances exist.
//   record    - record(): the launch's answer is bound to the token's record; a request that
//               joined the launch while it was in flight gets that answer.
//   reply     - the answer leaves the frontend.
// Crash recovery (crash_frontend): a frontend that dies leaves records in flight. With
// `recover` (the correct design) the store's lease on that frontend ends and each of its records
// is settled: a launch that happened (its instances carry the token) is bound to the record, so
// a retry gets the original answer; a launch that never happened releases the record, so a retry
// launches. Without it (`service.recover: false`, a bug to study) every record in flight on the
// dead frontend is released, and a retry launches a second time.
//
// Invariants (with no planted bug and the correct design; model/bugs.h lists the named
// departures, each read in key_of, same_parameters, accepts_token, expired, admit or record):
//  - A (scope, token) pair has at most one record, keeping the first request's parameters
//    whatever its outcome. The record is created when the first request
//    with that token is admitted (before it launches), so a request that arrives while the first is
//    still in flight joins it instead of launching again (rule 7, in-flight dedupe).
//  - A record launches at most once: record() fills its response exactly once.
//  - Instance ids are consecutive within a reservation; ids start at 1 and are never reused.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "model/bugs.h"
#include "model/flat_table.h"
#include "model/types.h"
#include "sim/time.h"

namespace idem::model {

using sim::Duration;
using sim::Time;

enum class Balancer : uint8_t { random, round_robin };
enum class StoreWrite : uint8_t { conditional, read_then_write };
enum class Durability : uint8_t { durable, lossy };  // `volatile` in a scenario
std::string_view balancer_name(Balancer b);
std::string_view store_write_name(StoreWrite w);
std::string_view durability_name(Durability d);

// The token store every frontend of a Region shares.
struct StoreConfig {
  StoreWrite write = StoreWrite::conditional;
  Duration gap = sim::millis(2);  // read-then-write: from the read to the insert
  uint32_t replicas = 1;          // the primary and its read replicas
  Duration lag = Duration(0);     // a replica sees a new record this long after the primary
  Durability durability = Durability::durable;  // lossy: a store crash loses every record
  // The store forgets a record this long after it was written, whatever its instances do
  // (a dedupe window; a late retry launches again). Unset: never.
  std::optional<Duration> ttl;
  bool operator==(const StoreConfig&) const = default;
};

// The durations of a launch's steps (model/service.h, top); all zero by default, when the
// service's latency draw (the harness's) is the whole of the launch.
struct Steps {
  Duration validate, reserve, launch, record, reply;
  bool any() const { return validate.us || reserve.us || launch.us || record.us || reply.us; }
};

// EC2's request quota: a token bucket per account and Region. `bucket` requests at most;
// `per` requests come back every `every`.
struct Throttle {
  int64_t bucket = 0;
  int64_t per = 1;
  Duration every = sim::seconds(1);
};

struct ServiceConfig {
  Semantics semantics = Semantics::current;
  std::vector<RegionSpec> regions;
  Duration launch_time = sim::seconds(30);     // pending -> running
  Duration terminate_time = sim::seconds(10);  // shutting-down -> terminated
  Duration describe_lag = sim::seconds(1);     // a new instance is invisible to Describe this long
  Duration tag_lag = Duration(0);              // then its tags are missing from a listing this long
  // v2013: a token answers with its original response at least this long after its instances
  // terminate; past it the token is forgotten.
  Duration token_retention = sim::hours(24);
  // The parts (model/service.h, top). Frontends are per Region.
  uint32_t frontends = 1;
  Balancer balancer = Balancer::random;
  StoreConfig store;
  Steps steps;
  bool recover = true;  // false: a frontend crash releases its records in flight (a bug)
  std::optional<Throttle> throttle;
  std::vector<std::string> accounts{"default"};  // RunRequest::account indexes this
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
  uint32_t account = 0;
  // The scope's zone under current semantics ("" when regional): Service::zone_name(zone).
  uint32_t zone = 0;
  // Where its instances are: the zone asked for, else the subnet's, else one of the Region's
  // (in turn); "" for a Region without zones: Service::zone_name(placed_zone).
  uint32_t placed_zone = 0;
  bool has_token = false;  // its token: Service::token_of (its launch keeps it)
  uint32_t op = 0;         // the launch that made it
  uint32_t params = 0;     // what it launched with: Service::params(id) (the service interns them)
  uint32_t first_instance = 0;
  uint32_t count = 0;
  Time at;
  uint64_t tag = 0;  // the caller's id for the request that launched it
  bool tags_on_create = true;     // its tags came with the launch (TagSpecifications)
  std::optional<Time> tagged_at;  // ... else when its caller tagged it (CreateTags), if it did
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
  bool forgot = false;  // the token's record had expired (TTL, retention) and was dropped first
  // What the store found, for coverage (harness/coverage.h): the launch it joined had already
  // happened (between launch and record); the token's instances had all terminated; the tag of the
  // request that made the record (Reply or Joined on a record).
  bool after_launch = false;
  bool after_termination = false;
  std::optional<uint64_t> owner;
};

struct Completion {
  Response response;
  std::vector<uint64_t> joined;  // tags of the requests that joined this launch
};

// Where and when a frontend handles a request: the true time (ground truth), that frontend's
// clock (now + its skew: every time-based decision it makes uses it), and the store replica its
// read goes to (0: the primary; only read-then-write reads from replicas).
struct Handling {
  Time now;
  Duration skew;
  uint32_t frontend = 0;
  uint32_t replica = 0;
  // When the request reached the frontend (its validate and reserve steps ran since); unset: now.
  std::optional<Time> arrived;
  Time clock() const { return now + skew; }
};

// A launch a crashed frontend left in flight, and what recovery made of it.
struct Abandoned {
  uint32_t op = 0;
  uint64_t tag = 0;
  bool launched = false;         // its instances exist
  std::optional<Response> bound; // the answer recovery bound to the token (recover, launched)
  bool had_record = false;       // its token's record was still in flight (bound, or released)
  std::vector<uint64_t> joined;  // requests waiting on it: they get `bound`, or a 500
};

struct InstanceView {
  uint32_t id = 0;
  uint32_t reservation = 0;
  InstanceState state = InstanceState::pending;
  Token token;
  std::string type;
  std::string zone;
  Time launched;        // LaunchTime
  bool tagged = true;   // list(): false while its tags (the client token) are not visible yet
  // list(): the ClientToken attribute DescribeInstances returns for it, visible whatever its tags.
  bool has_token = false;
  Token client_token;
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

  // The request quota: takes one request from the bucket of (account, region), or answers
  // false when it is empty (RequestLimitExceeded). Always true without `throttle`.
  bool take_quota(uint32_t account, uint32_t region, Time now);

  // RunInstances is validated and reserves its token (the validate and reserve steps). `tag` is
  // the caller's id for this request; it comes back in Reservation::tag and Completion::joined.
  Admission admit(const RunRequest& req, const Handling& at, uint64_t tag);
  // read-then-write: the insert of a Started op's record, `store.gap` after its read; it
  // overwrites whatever another request wrote meanwhile. A no-op otherwise.
  void write(uint32_t op, const Handling& at);
  // The launch step of `op` ends: its instances exist (or capacity said no).
  Response launch(uint32_t op, Time now);
  // The record step of `op` ends: its answer is bound to the token's record.
  // REQUIRES: after launch(op), once.
  Completion record(uint32_t op, const Handling& at);
  // A one-step launch on frontend 0 with an exact clock: admit, then launch and record at once
  // (unit tests and the model's properties use these).
  Admission admit(const RunRequest& req, Time now, uint64_t tag) { return admit(req, Handling{now, {}, 0, 0, {}}, tag); }
  Completion complete(uint32_t op, Time now);

  // Frontend `frontend` of `region` dies: its launches in flight are abandoned and settled as
  // the top of this file says (in the order they were taken on).
  std::vector<Abandoned> crash_frontend(uint32_t region, uint32_t frontend, Time now);
  // The store of `region` crashes: with a lossy (`volatile`) store every record is lost.
  void crash_store(uint32_t region);
  // A launch whose frontend died before it finished: its remaining steps do not happen.
  bool abandoned(uint32_t op) const { return ops_.at(op).abandoned; }

  // DescribeInstances in `region`: by ids (any id unknown or not yet visible -> NotFound),
  // and/or filtered by client token ("client-token" filter); neither lists all visible. An
  // account sees its own instances only. `now` is the answering frontend's clock.
  DescribeResult describe(uint32_t region, const std::vector<uint32_t>& ids,
                          const std::optional<Token>& token, Time now, uint32_t account = 0) const;
  // DescribeInstances without filters, as a cleanup job lists an account's instances in a Region:
  // every visible instance not terminated yet; for tag_lag after it becomes visible it shows
  // without its tags (eventual consistency: ansible/ansible PR #12642).
  // CreateTags on a reservation's instances (a caller that tags after the answer); the first call counts.
  void tag(uint32_t reservation, Time now) {
    if (reservation >= 1 && reservation <= reservations_.size() && !reservations_[reservation - 1].tagged_at)
      reservations_[reservation - 1].tagged_at = now;
  }
  std::vector<InstanceView> list(uint32_t region, uint32_t account, Time now) const;
  // TerminateInstances: idempotent by itself. Unknown or invisible ids (by the frontend's clock)
  // fail the whole call; the termination is asked for at the true time. `asked`, when given,
  // gets the ids whose termination this call asked for first.
  DescribeResult terminate(uint32_t region, const std::vector<uint32_t>& ids, const Handling& at, uint32_t account = 0,
                           std::vector<uint32_t>* asked = nullptr);
  DescribeResult terminate(uint32_t region, const std::vector<uint32_t>& ids, Time now, uint32_t account = 0,
                           std::vector<uint32_t>* asked = nullptr) {
    return terminate(region, ids, Handling{now, {}, 0, 0, {}}, account, asked);
  }

  // Room for about n launches (an optimisation only).
  void reserve(size_t n);
  // Frees the store, the launches and the instances: a run that is over reads its log, not the
  // service. Nothing may be asked of the service after.
  void release();

  InstanceState state_of(uint32_t instance, Time now) const;
  // The state it would have at `now` had no one asked to terminate it: pending, then running.
  InstanceState lifecycle_state(uint32_t instance, Time now) const;
  const std::vector<Reservation>& reservations() const { return reservations_; }
  // The parameters a reservation (or a record) names: one copy per distinct value.
  const LaunchParams& params(uint32_t id) const { return params_[id]; }
  const LaunchParams& params_of(const Reservation& r) const { return params_[r.params]; }
  // A reservation's token (as its request sent it; empty without one), and a zone by id.
  const Token& token_of(const Reservation& r) const { return ops_[r.op].token; }
  const std::string& zone_name(uint32_t id) const { return zones_[id]; }
  const std::vector<Instance>& instances() const { return instances_; }
  const ServiceConfig& config() const { return config_; }
  size_t in_flight() const;
  // The tags of the launches taken on but not finished yet (in the order they were taken on).
  std::vector<uint64_t> in_flight_tags() const;

  // "" for a regional scope, else the zone that makes the token's scope.
  std::string scope_zone(const RunRequest& req) const;
  static bool valid_token(const Token& token);

 private:
  // A token's record is found by (Region, account, scope zone, token): the zone is an index into
  // zones_ (0: regional).
  struct Key {
    uint32_t region = 0;
    uint32_t account = 0;
    uint32_t zone = 0;
    Token token;
    bool operator==(const Key&) const = default;
    uint64_t hash() const;
  };
  // A token's record. Its key is its launch's: key_of(ops_[op]) (a record another launch
  // overwrites has the same key), so the table keeps no copy of the token.
  struct Record {
    uint32_t params = 0;  // interned: params_
    Time recorded;  // by the writing frontend's clock (TTL)
    Time written;   // true time it reached the primary (replica lag)
    bool in_flight = true;
    Response response;
    uint32_t op = 0;  // the launch that made (or makes) the answer
  };
  // A launch taken on. Its token's record key is key_of(op) (the request's fields below).
  struct Op {
    uint32_t region = 0, account = 0;
    uint32_t params = 0;         // interned: params_
    uint32_t zone = 0;           // scope zone (zones_)
    uint32_t frontend = 0;
    bool has_token = false;      // and so a token record, key_of(*this)
    bool tags_on_create = true;
    bool write_pending = false;  // read-then-write: the insert has not happened yet
    bool launched = false;
    bool done = false;           // recorded, or abandoned
    bool abandoned = false;
    Response response;           // once launched
    uint64_t tag = 0;
    uint64_t key_hash = 0;       // key_of(*this).hash(), with a token
    Token token;                 // as sent
    std::vector<uint64_t> joined;
  };
  struct Bucket {
    __int128 level = 0;  // in requests x Throttle::every.us (a bucket of 10^9 a day needs 80 bits)
    Time at;
  };

  std::optional<Code> validate(const RunRequest& req) const;
  bool accepts_token(const Token& token) const;
  // The record's key for a request, and the parameter comparison of rule 3; the two places
  // where the store's planted bugs live.
  Key key_of(uint32_t region, uint32_t account, uint32_t zone, const Token& token) const;
  Key key_of(const Op& op) const { return key_of(op.region, op.account, op.zone, op.token); }
  bool same_parameters(uint32_t a, uint32_t b) const;
  bool expired(const Record& r, Time clock) const;
  bool keyed_by(const Op& op, const Key& key) const;
  // The record of `key` (whose hash is h).
  Record* find(const Key& key, uint64_t h) {
    return records_.find(h, [&](const Record& r) { return keyed_by(ops_[r.op], key); });
  }
  // The record of `key` as the reading replica sees it: none, or one written long enough ago.
  Record* read(const Key& key, uint64_t h, const Handling& at);
  bool all_terminated(const Response& r, Time now) const;
  Response make_reservation(uint32_t op_id, Time now);
  static uint64_t token_hash(const Token& t);
  bool visible(const Instance& i, Time now) const { return now - i.launched >= config_.describe_lag; }
  uint32_t intern(const LaunchParams& p);
  uint32_t zone_id(const std::string& zone);

  ServiceConfig config_;
  FlatTable<Record> records_;
  std::vector<Op> ops_;
  std::vector<Reservation> reservations_;
  std::vector<Instance> instances_;
  // DescribeInstances by client token without a scan: per token, its reservations in launch order
  // (a chain through next_same_token_). Built at the first such Describe (a run without one pays
  // nothing), then kept up by each launch. An index only: it changes no answer.
  struct TokenChain {
    uint32_t first = 0, last = 0;  // reservation ids
  };
  mutable FlatTable<TokenChain> by_token_;
  mutable std::vector<uint32_t> next_same_token_;  // per reservation id - 1: the next with its token (0: none)
  mutable bool by_token_built_ = false;
  void chain(const Reservation& r) const;
  const Reservation* first_with(const Token& token) const;
  // The launches taken on and not done yet, by op id, and some done since (crash_frontend drops
  // them as it walks): a frontend's crash does not scan every launch of the run.
  std::vector<uint32_t> open_ops_;
  std::vector<LaunchParams> params_;  // interned, in the order first seen
  FlatTable<uint32_t> params_ids_;    // params_, indexed
  uint32_t last_params_ = UINT32_MAX; // the last one interned: most requests of a run repeat it
  std::vector<std::string> zones_{""};  // scope zones seen; 0: regional
  // Running-or-pending instances per (region, type), for capacity.
  std::map<std::pair<uint32_t, std::string>, int64_t> in_use_;
  std::map<std::pair<uint32_t, uint32_t>, Bucket> buckets_;  // (account, region)
};

}  // namespace idem::model
