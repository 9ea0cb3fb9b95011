// The ledger: a run log (model/observation.h) indexed for reading, in one pass. Who asked for what
// (callers' intents, calls and requests), what the service decided and when (admissions, joins,
// releases), what it launched and terminated, and what each caller received. The oracle, the
// run's counts and the renderers read it; it reads nothing but the log.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "model/history.h"
#include "model/observation.h"

namespace idem::model {

// What happened to a request on its way, so a story can say why an answer never came.
enum class Fate : uint8_t {
  none,
  request_lost,     // lost on the way: the service never saw it
  turned_away,      // a storm answered it before the service saw it
  answer_replaced,  // a storm replaced the service's answer with a 5xx (after the service acted)
  response_lost,    // the service acted; its answer was lost on the way back
  reset_before,     // the connection was reset before the service saw the request
  reset_after,      // the service acted, then the connection was reset before the answer
  transient,        // a transient 400 (IncorrectState) before the service acted
  throttled,        // the account's request quota was empty: RequestLimitExceeded, nothing done
  refused,          // every frontend of the Region was down: the connection was refused
  crashed,          // the frontend handling it crashed: no answer, the client saw a reset
  caller_crashed,   // its answer reached the caller's process, which died before acting on it
};

struct Ledger {
  Ledger() = default;
  // Its spans point into its own vectors: it moves, never copies.
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  Ledger(Ledger&&) = default;
  Ledger& operator=(Ledger&&) = default;

  struct Client {
    uint32_t group = 0, index = 0, region = 0, account = 0, intent_group = 0;
    uint32_t label = kNone;            // name id: "group#index"
    uint32_t intent_name = kNone;      // name id: the `intent` its group names, when it names one
    std::vector<sim::Time> crashes;    // its process's crashes, in time order
  };
  struct Intent {
    uint32_t client = 0;
    uint32_t k = 0;                    // its number in its client
    int32_t intended = 1, least = 1;   // MaxCount, MinCount
    std::span<const uint32_t> calls;   // every call that serves it (a batch call serves several), in order
    Outcome outcome = Outcome::pending;  // as its caller recorded it at the run's end
    bool finished = false, blocked = false;
    uint32_t name = kNone;             // the name a live caller gave it (name id), when it gave one
    Response learned;
  };
  struct Call {
    uint32_t client = 0, intent = 0;
    Api api = Api::run;
    Layer layer = Layer::first;
    bool repeat = false;
    int32_t app_try = 0;
    uint32_t token = kNone;            // the request's token (a Describe's filter); kNone: none
    uint32_t params = kNone;
    std::vector<uint32_t> batch;       // a batch call's intents, its first included; empty otherwise
    std::vector<uint32_t> ids;         // TerminateInstances
    sim::Time invoked;
    std::optional<sim::Time> ended;    // when the SDK stopped
    // When the caller stopped working on it: it ended, or the caller's process crashed first.
    std::optional<sim::Time> over;
    Outcome outcome = Outcome::pending;
    Response response;                 // its last answer
    std::span<const uint32_t> attempts;  // its attempts, in order (not the network's copies)
    bool quota_stopped = false;
    // Whether its end settled its intent as the caller sees it: a launch call answered 200 or a
    // 4xx (something, or nothing, definitely happened), or a Describe that found the launch.
    bool settles() const {
      if (repeat || !ended) return false;
      return (api == Api::run && (outcome == Outcome::ok || outcome == Outcome::failed)) ||
             (api == Api::describe && outcome == Outcome::ok && response.count > 0);
    }
  };
  struct Attempt {
    uint32_t call = 0;
    int32_t number = 1;
    uint32_t token = kNone;            // as sent; kNone: none
    sim::Time sent;
    uint32_t duplicate_of = kNone;     // a copy the network made of that attempt
    // The service's side.
    std::optional<sim::Time> arrived, answered;  // reached the endpoint; its answer left (when the log says)
    uint32_t frontend = kNone;         // the frontend that took it in
    bool store_down = false;           // taken in with the token store down: 503, nothing read or written
    std::optional<sim::Time> decided;  // admitted: the instant the service decided
    uint32_t order = kNone;            // its place among the admitted requests
    Admit admit = Admit::reply;
    uint32_t op = kNone;               // the launch it started or joined
    uint32_t owner = kNone;            // the request whose token record the decision met (kNone: none)
    std::optional<sim::Time> handled;  // a Describe or a Terminate handled
    // The caller's side: the answer it received, on time or late, or how it stopped waiting.
    enum End : uint8_t { open, answer, timeout, reset } end = open;
    sim::Time ended;
    Response response;
    bool late = false;                 // received after the caller stopped waiting, or unheeded
    sim::Time late_at;
    Response late_response;
    Fate fate = Fate::none;
    bool has_token() const { return token != kNone; }
    // The answer its caller received, in time or late, or none.
    const Response* received() const { return end == answer ? &response : late ? &late_response : nullptr; }
  };
  struct Op {
    uint32_t attempt = kNone;          // the request that started it
    uint32_t launch = kNone;           // its launch (index into launches), when it launched
    bool launched = false;             // its launch step ended (with instances, or an error)
    bool abandoned = false, bound = false;  // its frontend crashed; recovery bound it to its token
  };
  struct Launch {
    uint32_t op = kNone, attempt = kNone;
    uint32_t reservation = 0;          // 0: taken on, not finished at the time limit
    uint32_t first = 0, count = 0;     // in flight: count is the most it could launch (MaxCount)
    sim::Time at;
    // Where and what it launched (Obs::placed), when the log says.
    bool placed = false;
    uint32_t region = 0, account = 0, zone = kNone, subnet = kNone, params = kNone;
  };
  struct Reap {
    sim::Time at;
    uint32_t reaper = 0, instance = 0;
    bool tagged = true;
  };

  const RunLog* log = nullptr;
  std::vector<Client> clients;
  std::vector<Intent> intents;
  std::vector<Call> calls;
  std::vector<Attempt> attempts;
  std::vector<Op> ops;
  // Launches with instances, in reservation order (r-N is launches[N - 1]), then those taken on
  // and not finished at the limit, in the order they were taken on.
  std::vector<Launch> launches;
  std::vector<uint32_t> launch_of;   // per attempt: the launch it made, or kNone
  std::vector<uint32_t> reservation_of;  // per instance id - 1: its reservation
  std::vector<std::optional<sim::Time>> terminating;  // per instance id - 1: when its termination was first asked
  std::vector<Reap> reaps;
  uint32_t in_flight = 0;            // launches taken on, not finished at the limit
  // What the spans above point into (a ledger moves without copying them).
  std::vector<uint32_t> call_attempts, intent_calls;

  const Call& call_of(uint32_t attempt) const { return calls[attempts[attempt].call]; }
  const Token& token(uint32_t id) const { return log->token_of(id); }
  const LaunchParams& params(uint32_t id) const { return log->params_of(id); }
  const LaunchParams& params_of(uint32_t attempt) const { return params(call_of(attempt).params); }
  uint32_t region_of(uint32_t attempt) const { return clients[call_of(attempt).client].region; }
  uint32_t account_of(uint32_t attempt) const { return clients[call_of(attempt).client].account; }
};

// REQUIRES: the log outlives the ledger. Throws std::invalid_argument for a log whose ids are not
// dense (an attempt, call, intent, op or reservation id far past what the log holds, a reservation
// missing between two others, instance 0): such a log was not written by a run or an importer.
Ledger index_log(const RunLog& log);

}  // namespace idem::model
