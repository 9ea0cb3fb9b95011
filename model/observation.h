// The run log: one plain, fixed-size record per observable event of a run, in the order the
// events happened. The world appends (the callers, the network, the service's host, the faults,
// the cleanup jobs); everything else reads: the oracle (model/oracle/), the run's counts
// (harness/stats), and in reports/ the trace text, the stories, the timeline and `diff`. A live
// endpoint or a production log is just another writer of the same records.
//
// A record holds ids and integers, never text: tokens, names and parameters are interned once per
// run in the log's tables, and the run's hash is computed over the records' and the tables'
// fixed-width binary fields (hash()), never over formatted text. Appending allocates nothing but
// the vectors' amortised growth, and formats nothing.
//
// Ids: an attempt is the index of a request in the run (a network's copy of a request gets an id
// of its own); a call and an intent are the caller's numbering; an op is a launch the service
// took on (admitted as started); a reservation and an instance are EC2's, from 1. kNone marks an
// absent id.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.h"
#include "sim/time.h"

namespace idem::model {

inline constexpr uint32_t kNone = UINT32_MAX;

// What happened. The fields each kind fills are listed beside it (unlisted ones stay 0):
// `subject` first, then a..d, code, flags and x (a duration in microseconds unless said).
enum class Obs : uint8_t {
  // The cast, at time 0.
  client,          // subject client; a group, b index in its group, c Region, d intent group (the first group
                   // naming the same intent); flags account; x its label (name id), and in its high 32 bits
                   // 1 + the name id of the `intent` its group names (0: none)
  // A caller.
  intent_begun,    // subject intent; a client, b its number k, c MaxCount, d batch-of k (kNone), x MinCount;
                   // flags kAgain (driven again after a restart or on a resync)
  call_begun,      // subject call; a intent, b client, c token (kNone: none sent; a Describe's filter), d params;
                   // code Api; flags kRepeat | layer << 1; x app_try
  call_serves,     // subject call; a intent: a batch call serves it too (after its first intent)
  call_names,      // subject call; a instance: a TerminateInstances call names it
  sent,            // subject attempt; a call, b try number (1: the call's first), c token (kNone), d client
  backoff,         // subject call; a client, b retry quota left; x sleep
  rate_wait,       // subject call; a client, b its rate in milli-requests/s; x wait
  call_ended,      // subject call; a client, b why the SDK stopped (StopWhy); code Outcome
  app_retry,       // subject intent; a client, b number k, c why (RetryWhy); code the next call's Api; x after
  adopted,         // subject intent; a client, b number k, c reservation: a Describe found its launch
  gave_up,         // subject intent; a client, b number k: a reconciling Describe failed
  blocked,         // subject intent; a client, b number k: stopped on an unknown outcome
  fanned_out,      // subject call; a client, b instances, c intents, d short of theirs; code FanOut
  caller_crash,    // subject client; a 1: durable state; code CallerCrashPoint; flags kIdleCrash: no drive was in
                   // progress (a crash at a time between intents); x restart after
  caller_restart,  // subject client; a the intent number it drives first
  caller_resync,   // subject client
  caller_done,     // subject client
  unheeded,        // subject attempt; a client: its answer reached a process that died before acting on it
  // What reached a caller.
  delivered,       // subject attempt; a client; code, b reservation, c first instance, d count; x when the
                   // answer left the service (or the endpoint), microseconds
  ignored,         // subject attempt; a client: delivered after the caller stopped waiting (late)
  reset_seen,      // subject attempt; a client: the connection was reset (outcome unknown); flags kUnheard: no
                   // process waited on it (the caller's crashed)
  timed_out,       // subject attempt; a client (outcome unknown)
  intent_state,    // at the run's end; subject intent; code Outcome; flags kFinished | kBlocked; b, c, d the
                   // launch it learned (reservation, first instance, count)
  // The network.
  lost_request,    // subject attempt; flags kPartition
  reset_before,    // subject attempt: the connection dropped before the service saw it
  duplicated,      // subject attempt; a the copy's attempt id; x the copy's delay after the original
  arrived,         // subject attempt: it reached the Region's endpoint; a the frontend that took it in (kNone:
                   // none did: a storm, the quota, every frontend down); x the service's time for it (its
                   // draw and any spike)
  lost_response,   // subject attempt; flags kPartition | kActed (the service acted); code, b, c, d the answer lost
  reset_after,     // subject attempt: the service acted, then the connection dropped; code, b, c, d its answer
  reset_by_crash,  // subject attempt: the frontend handling it crashed
  // Faults at the endpoint.
  storm_before,    // subject attempt; code: a storm answered it before the service saw it
  transient,       // subject attempt; code: a transient 400 before the service acted
  storm_after,     // subject attempt; code: a storm replaced the service's answer, which a (its code), b, c, d hold
  crash_step,      // subject op; a attempt; code faults::Crash::Step: a crash fault came due at a step
  crash_timed,     // subject fault index: a timed crash came due
  // The service.
  throttled,       // subject attempt: the account's request quota was empty (RequestLimitExceeded)
  refused,         // subject attempt: every frontend of the Region was down
  described,       // subject attempt; a instances found; code, b reservation, c first, d count (as answered)
  terminated,      // subject attempt; code: a TerminateInstances was handled
  terminating,     // subject instance; a attempt (kNone: a cleanup job's): its termination was asked for now
  store_down,      // subject attempt; a frontend: taken in with the token store down: 503, nothing read or written
  admitted,        // subject attempt: the service decided, now. flags Admit kind | kForgot | kAfterLaunch |
                   // kAfterTermination; code the answer (kind reply); a op (started, joined), b frontend,
                   // c replica, d the attempt whose record it met (kNone); x the frontend's clock skew
  written,         // subject op; a attempt: read-then-write's insert landed
  launched,        // subject op; a attempt; code, b reservation, c first, d count; flags kQuiet (the trace
                   // shows the launch with its record, one line)
  placed,          // subject reservation; a Region, b account, c zone (name id, kNone), d subnet (name id,
                   // kNone); x the parameters it launched with (params id)
  recorded,        // subject op; a attempt; code, b, c, d the answer bound to the token's record
  abandoned,       // subject op; a attempt; flags kLaunched | kBound | kHadRecord: its frontend crashed
  store_crash,     // subject Region; flags kLossy; x restart after
  frontend_crash,  // subject Region; a frontend; x restart after
  store_restart,   // subject Region
  frontend_restart,  // subject Region; a frontend
  // Cleanup jobs.
  sweep,           // subject reaper; a listed, b to terminate, c old enough to judge (past its grace)
  reaped,          // subject reaper; a instance; flags kTagged (the listing showed its tags)
  // The world.
  limit,           // a events still pending when the run reached its limit
  // A live caller (harness/live.h).
  intent_named,    // subject intent; a the name its caller gave it (name id): x-idemsim-intent, an idemsim:intent tag
  // A caller's work queue (clients[].controller.queue).
  requeued,        // subject intent; a client, b number k, c failures in a row; x after, microseconds
  db_write,        // subject intent; a client, b 1: the token before the send (0: an answer), c number k; code 1: it failed;
                   // x its stall, microseconds (controller.store, faults[].database)
  tagged,          // subject client; a reservation: it tagged the reservation's instances (tag: after-answer)
  kCount
};

// Flags, per kind.
inline constexpr uint16_t kAgain = 1;
inline constexpr uint16_t kRepeat = 1;
inline constexpr uint16_t kFinished = 1, kBlocked = 2;
inline constexpr uint16_t kPartition = 1, kActed = 2;
inline constexpr uint16_t kForgot = 4, kAfterLaunch = 8, kAfterTermination = 16;  // admitted; kind in the low 2 bits
inline constexpr uint16_t kQuiet = 1;
inline constexpr uint16_t kLaunched = 1, kBound = 2, kHadRecord = 4;
inline constexpr uint16_t kLossy = 1;
inline constexpr uint16_t kTagged = 1;
inline constexpr uint16_t kUnheard = 1;
inline constexpr uint16_t kIdleCrash = 1;  // caller_crash: no drive was in progress

// admitted: how the service took the request in (model/service.h, Admission).
enum class Admit : uint8_t { reply, started, joined };
// call_ended: why the SDK stopped retrying (model/retry.h, RetryCall::stop_reason).
// deadline: the call's own deadline (clients[].deadline) passed during an attempt or a backoff.
enum class StopWhy : uint8_t { none, ok, not_retryable, attempts, quota, deadline };
StopWhy stop_why(std::string_view reason);
std::string_view stop_why_name(StopWhy w);
// app_retry: what made the application call again.
enum class RetryWhy : uint8_t { mismatch_new_token, mismatch_reconcile, unknown_reconcile, unknown_retry, describe_retry, terminated_new_token };
std::string_view retry_why_name(RetryWhy w);
// fanned_out: a batch's reservation was whole, came short and was relaunched, or came short and
// its intents were recorded as done all the same.
enum class FanOut : uint8_t { whole, relaunch, recorded_anyway };

struct Record {
  int64_t at = 0;        // simulated time, microseconds
  int64_t x = 0;         // per kind (above)
  uint32_t subject = 0;  // per kind
  uint32_t a = 0, b = 0, c = 0, d = 0;
  Obs kind = Obs::limit;
  uint8_t code = 0;      // a Code, or the small enum the kind names
  uint16_t flags = 0;

  sim::Time time() const { return sim::Time(at); }
  sim::Duration duration() const { return sim::Duration(x); }
  // The answer a kind carries in code, b, c, d.
  Response response() const { return Response{static_cast<Code>(code), b, c, d}; }
  void set_response(const Response& r) {
    code = static_cast<uint8_t>(r.code);
    b = r.reservation;
    c = r.first_instance;
    d = r.count;
  }
};
static_assert(sizeof(Record) == 40, "a record is 40 bytes: no padding, every field hashed");

class RunLog {
 public:
  RunLog() = default;

  // Appends a record of `kind` at `at` about `subject`; the caller fills the rest through the
  // reference, which stays valid until the next add().
  Record& add(Obs kind, sim::Time at, uint32_t subject) {
    Record& r = records_.emplace_back();
    r.at = at.us;
    r.kind = kind;
    r.subject = subject;
    return r;
  }

  // Interned values: a token as sent (every call that makes one adds it; equal values may have
  // several ids), a name (labels, zones, subnets), a request's parameters.
  uint32_t token(const Token& t) {
    tokens_.push_back(t);
    return static_cast<uint32_t>(tokens_.size() - 1);
  }
  uint32_t name(std::string_view s);
  uint32_t params(const LaunchParams& p);
  // For a live writer, which learns when a call ended only after later events were appended:
  // `later` (in any order) merged into the log by time, each after the records of its instant.
  void merge(std::vector<Record> later);

  const std::vector<Record>& records() const { return records_; }
  const Token& token_of(uint32_t id) const { return tokens_[id]; }
  const std::string& name_of(uint32_t id) const { return names_[id]; }
  const LaunchParams& params_of(uint32_t id) const { return params_[id]; }
  size_t tokens() const { return tokens_.size(); }
  size_t params_count() const { return params_.size(); }

  void reserve(size_t records, size_t tokens);
  // The 64-bit hash of the tables and the records, field by field as fixed-width integers
  // (the same on every machine).
  uint64_t hash() const;

 private:
  std::vector<Record> records_;
  std::vector<Token> tokens_;
  std::vector<std::string> names_;
  std::map<std::string, uint32_t, std::less<>> name_ids_;  // names_, indexed
  uint32_t recent_names_[4] = {kNone, kNone, kNone, kNone};  // the last names asked (a run asks few, often)
  std::vector<LaunchParams> params_;
  uint32_t last_params_ = kNone;  // the last params() hit: most calls of a run ask the same
};

// The hash's mixing step (multiply-xorshift, one 64-bit word at a time) and its folding of one
// record, every field of it (a test changes each field and expects the hash to change).
inline uint64_t hash_mix(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}
inline uint64_t hash_record(uint64_t h, const Record& r) {
  h = hash_mix(h, static_cast<uint64_t>(r.at));
  h = hash_mix(h, static_cast<uint64_t>(r.x));
  h = hash_mix(h, uint64_t{r.subject} | uint64_t{r.a} << 32);
  h = hash_mix(h, uint64_t{r.b} | uint64_t{r.c} << 32);
  return hash_mix(h, uint64_t{r.d} | uint64_t{static_cast<uint8_t>(r.kind)} << 32 | uint64_t{r.code} << 40 |
                         uint64_t{r.flags} << 48);
}

}  // namespace idem::model
