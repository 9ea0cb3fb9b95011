// A client: an application that holds launch intents, an SDK that retries, and the token mode
// that decides which token each attempt carries.
//
// Token modes (docs/sdk-profiles.md, docs/scenario-format.md `token`):
//  sdk:         the SDK fills a fresh UUID v4 once per call; its own retries reuse it, but an
//               application-level retry is a new call with a new token.
//  persisted:   the application makes one token per intent and keeps it across every retry.
//  write-back:  the SDK fills a fresh UUID v4 on the intent's first call and writes it back into
//               the caller's input (Go v2; JS v3 does not): an application retry with the same input reuses it.
//  per-attempt: a new UUID on every attempt, the SDK's retries included (incident 7: the token is
//               made inside the retry loop).
//  derived:     derived from the intent's durable id (its `intent` name, the client's index and the
//               intent's number: "launch-web/3/0"): the same after a caller restart, and the same
//               for groups that name one intent.
//  timestamp:   the time in seconds plus a per-process counter ("1767225600-1"), made once per
//               intent: two processes that start an intent in the same second collide (incident 2).
//  none:        no token at all: every attempt may launch.
//  value:       every call sends one fixed string, valid or not (`token: {value: ...}`).
//
// The client is a state machine driven by the harness: on_wake, on_reply, on_timeout. It reaches
// the world only through ClientIo, keeps its own bookkeeping in the History, and appends what it
// does to the run log (model/observation.h): its intents, calls, requests, backoffs, crashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/bugs.h"
#include "model/history.h"
#include "model/observation.h"
#include "model/retry.h"
#include "model/types.h"
#include "sim/latency.h"
#include "sim/random.h"

namespace idem::model {

enum class TokenMode : uint8_t { sdk, persisted, none, value, write_back, per_attempt, derived, timestamp };
std::string_view token_mode_name(TokenMode m);

// The application layer's choices (docs/scenario-format.md, clients[]):
//  on_unknown: after a call ends with its outcome unknown (5xx, timeout, reset): `retry` (a new
//    call), `reconcile` (DescribeInstances by the call's token first, through the SDK's retries:
//    adopt what it finds, else call again), or `block` (stop and wait for a human: safe, not live).
//  on_mismatch: after IdempotentParameterMismatch: `fail` (the intent fails), `new-token` (call
//    again with a fresh token), or `reconcile` (Describe by the token: adopt what it finds, else
//    call again with a fresh token).
//  on_describe_error: when a reconciling Describe still fails after the SDK's retries: `launch`
//    (call again as if it had found nothing), `retry` (Describe again after app_backoff), or
//    `give-up` (the intent ends with its outcome unknown).
// The controller layer: a reconcile loop over the caller's intents, and what the caller's state keeps
// across a crash of its process (`crash: {target: client}`).
//  state: durable: what it learned survives a crash: the intents it knows to be done (their
//         instance ids) and the tokens it wrote down; volatile: nothing survives, so after a
//         restart it drives every intent again.
//  persist: when it writes an intent's token down: before-send (before the intent's first
//         request leaves) or after-response (when an answer to it arrives).
//  resync: every `resync`, it drives again every intent it does not know to be done (an
//         intent whose outcome it never learned); unset: never.
// Without a controller, a caller's state is volatile and there is no resync.
//  queue: a work queue per object, as controller-runtime runs a reconciler on client-go's queue:
//         each intent is an object, created `think` after the one before; `workers` reconcile
//         workers take objects from the queue; a reconcile that does not settle its object (an
//         unknown outcome) requeues it through the rate limiter (the larger of a per-item
//         exponential backoff, `base` doubling to `max`, and an overall bucket of `qps`, `burst`:
//         client-go's DefaultControllerRateLimiter is 5ms..1000s and 10/s, 100), or after
//         `requeue_after` (a reconciler returning RequeueAfter); every `sync_period` the objects not
//         known done are added again (a re-list). A crash kills every worker and the queue; the
//         restarted process lists the objects and adds those it does not know to be done.
struct ControllerSpec {
  enum State : uint8_t { durable, lossy } state = durable;  // lossy: `volatile` in a scenario
  // never: the token is never written down, only what an answer settled (a Terraform state file).
  enum Persist : uint8_t { before_send, after_response, never } persist = after_response;
  std::optional<Duration> resync;
  struct Queue {
    int32_t workers = 1;
    Duration base = sim::millis(5), max = sim::seconds(1000);
    int32_t qps = 10, burst = 100;
    std::optional<Duration> requeue_after;
    std::optional<Duration> sync_period = sim::hours(10);
  };
  std::optional<Queue> queue;
  // The controller's database as a dependency: each write fails with probability `fail`; a
  // write before the send (persist: before-send) takes `latency`. A failed write before the send:
  // `abort` (the reconcile ends without sending; the intent is driven again later) or
  // `launch-anyway` (it sends without the token written down).
  struct Store {
    sim::Ratio fail{0, 1};
    sim::Latency latency = sim::Latency::fixed(Duration(0));
  };
  std::optional<Store> store;
  enum OnPersistError : uint8_t { abort, launch_anyway } on_persist_error = abort;
};

// Where a caller's process may die (`crash: {target: client, when: ...}`).
// `scheduled`: at a time the scenario names (a deploy), whatever the process was doing.
enum class CallerCrashPoint : uint8_t { after_send, after_response, scheduled };
std::string_view caller_crash_point_name(CallerCrashPoint p);

enum class OnUnknown : uint8_t { retry, reconcile, block };
enum class OnMismatch : uint8_t { fail, new_token, reconcile };
enum class OnDescribeError : uint8_t { launch, retry, give_up };
// on_terminated: after IdempotentInstanceTerminated (under `current`, the token's launch happened
// and its instances are terminated): `give-up` (the intent ends failed: the caller knows its launch
// is gone and drives it no more), `adopt` (the intent ends as launched: the caller records the
// launch the answer speaks of, with no instance left to track), or `new-token` (a replacement: a
// new call with a new token, outside the application's retry budget).
enum class OnTerminated : uint8_t { give_up, adopt, new_token };
std::string_view on_unknown_name(OnUnknown v);
std::string_view on_mismatch_name(OnMismatch v);
std::string_view on_describe_error_name(OnDescribeError v);
std::string_view on_terminated_name(OnTerminated v);

struct ClientSpec {
  std::string group = "clients";
  uint32_t region = 0;
  uint32_t account = 0;  // index into ServiceConfig::accounts
  LaunchParams request;
  TokenMode token = TokenMode::sdk;
  std::string token_value;  // TokenMode::value: the string every call sends
  std::string intent_id;    // TokenMode::derived: the durable name of the group's intents
  // Per attempt; unset: none (the attempt waits for its answer, or for the call's deadline).
  std::optional<Duration> timeout = sim::seconds(2);
  // Over a call, across all its SDK attempts and backoffs (Go's context.WithTimeout): when it
  // passes during an attempt or a backoff the SDK stops and the call ends unknown. Unset: none.
  std::optional<Duration> deadline;
  RetryPolicy retry;
  int32_t app_retries = 0;  // new calls after the SDK gives up
  Duration app_backoff = sim::seconds(1);
  int32_t intents = 1;
  sim::Latency start = sim::Latency::fixed(Duration(0));  // when the first intent begins
  sim::Latency think = sim::Latency::fixed(Duration(0));  // between intents
  // On InsufficientInstanceCapacity the application retries with this instance type
  // (and, with persisted tokens, the same token: IdempotentParameterMismatch).
  std::string fallback_type;
  std::optional<Duration> terminate_after;  // terminate what it launched, this long after
  std::optional<Duration> repeat_after;     // then repeat the launch call with its token
  // `reconcile: true` is `on_unknown: reconcile`: before an application-level retry, look for what
  // the failed call may have launched (DescribeInstances filtered by its client token) and adopt
  // it instead of launching again. Describe is eventually consistent, so a launch too recent to be
  // seen is launched again.
  bool reconcile = false;
  OnUnknown on_unknown = OnUnknown::retry;
  OnMismatch on_mismatch = OnMismatch::fail;
  OnDescribeError on_describe_error = OnDescribeError::launch;
  OnTerminated on_terminated = OnTerminated::give_up;
  std::optional<ControllerSpec> controller;
  // tag: `on-create`: the launch request carries its tags (TagSpecifications); `after-answer`:
  // the caller tags the instances (CreateTags) once an answer names them, so an instance whose
  // answer it never got is never tagged.
  enum class Tagging : uint8_t { on_create, after_answer } tag = Tagging::on_create;
  // Batching (incident 12): up to `batch` intents go out as one call with MinCount 1 and MaxCount
  // (the intents it serves) x request.max, and the reservation is fanned out in order,
  // request.max instances each.
  // on_short: when fewer come back, `ignore` (the intents left without instances are recorded as
  // done: the bug) or `relaunch` (a new call, with a new token, for the intents left short).
  int32_t batch = 1;
  enum class OnShort : uint8_t { ignore, relaunch } on_short = OnShort::ignore;
  // Whether the application ever reconciles through DescribeInstances.
  bool describes() const {
    return app_retries > 0 && (on_unknown == OnUnknown::reconcile || on_mismatch == OnMismatch::reconcile);
  }
  // Planted client bugs (model/bugs.h): token-per-attempt, new-token-per-app-retry,
  // new-token-on-mismatch.
  BugSet bugs;
};

class ClientIo {
 public:
  virtual ~ClientIo() = default;
  // Send the request of attempt `attempt` (already in the history) and arm a timer that ends the
  // wait `wait` later (unset: none: it waits for an answer).
  virtual void send(uint32_t client, uint32_t attempt, std::optional<Duration> wait) = 0;
  // Call on_wake(now, slot) after `d`. A wake set before the client's process crashed is dropped
  // (the harness compares Client::epoch()).
  virtual void wake_after(uint32_t client, Duration d, uint32_t slot) = 0;
  // A write to the caller's controller database now: whether a fault fails it, and how much longer
  // it stalls (faults[].database).
  virtual std::pair<bool, Duration> database_write(uint32_t client) {
    (void)client;
    return {false, Duration(0)};
  }
  // The caller tags a reservation's instances now (CreateTags, tag: after-answer).
  virtual void tag(uint32_t client, uint32_t reservation) {
    (void)client;
    (void)reservation;
  }
  virtual bool database_faults(uint32_t client) const {
    (void)client;
    return false;
  }
  // Whether the client's process dies at this point, and if so how long until it restarts.
  virtual std::optional<Duration> crash_now(uint32_t client, CallerCrashPoint when) {
    (void)client;
    (void)when;
    return std::nullopt;
  }
};

class Client {
 public:
  Client(const ClientSpec& spec, uint32_t id, std::string label, sim::Prng prng, History& history,
         ClientIo& io, RunLog& log);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = default;

  // The delay before the first wake-up, and the slot to wake (on_wake); call once.
  Duration start_delay() { return spec_->start.sample(prng_); }
  uint32_t first_slot() const { return queued_mode() ? kCreateSlot : 0; }
  // Objects are created by users, whatever the process does: their wakes outlive a crash.
  static constexpr bool outlives_crash(uint32_t slot) { return slot == kCreateSlot; }
  // What its database holds (a controller with `state: durable`; nothing otherwise): the tokens it
  // wrote down and the reservations of the intents it knows are done. Appended, unsorted.
  void stored(std::vector<Token>& tokens, std::vector<uint32_t>& reservations) const;
  void on_wake(Time now, uint32_t slot);
  // The answer or the timeout of an attempt; false (and no effect) when it is not the attempt
  // the client is waiting for (a late answer after a timeout, or a timer after an answer).
  bool on_reply(uint32_t attempt, const Response& r, Time now);
  bool on_timeout(uint32_t attempt, Time now);

  bool done() const { return queued_mode() ? finished_ : drives_[0].state == State::done; }
  // A crash at a time the scenario names (a deploy): the process dies whatever it was doing, and
  // comes back `restart_after` later. False (and no effect) when it is down already.
  bool crash_scheduled(Time now, Duration restart_after);
  // Whether the client is waiting for this attempt's answer (a timer for another is stale).
  bool waits_for(uint32_t attempt) const {
    for (const Drive& d : drives_)
      if (d.state == State::waiting && d.attempt == attempt) return true;
    return false;
  }
  // Bumped by a crash of the client's process: wakes set before it are stale.
  uint32_t epoch() const { return epoch_; }
  const std::string& label() const { return label_; }
  uint32_t id() const { return id_; }
  const ClientSpec& spec() const { return *spec_; }

 private:
  enum class State : uint8_t {
    idle, waiting, backoff, rate_wait, app_backoff, before_terminate, before_repeat, down, resync, done, persisting
  };
  // Wake slots beyond the workers' (a wake for worker w has slot w).
  static constexpr uint32_t kCreateSlot = 0xffffffffu;   // the next object is created
  static constexpr uint32_t kSyncSlot = 0xfffffffeu;     // the periodic re-list
  static constexpr uint32_t kRestartSlot = 0xfffffffdu;  // the process comes back (queue mode)
  static constexpr uint32_t kItemBase = 0x80000000u;     // kItemBase + k: object k is added again

  void begin_intent(Time now);
  void begin_call(Time now, Api api, bool repeat);
  void send_attempt(Time now);  // after the adaptive rate limiter lets it go
  void transmit(Time now);
  void attempt_ended(AttemptEnd end, const Response* r, Time now);
  void call_ended(AttemptEnd end, const Response* r, Time now, StopWhy why);
  void stop_at_deadline(Time now);
  void run_call_ended(CallRecord& call, AttemptEnd end, Time now);
  void describe_ended(const CallRecord& call, const Response* r, Time now);
  void fan_out(const CallRecord& call, Time now);
  void app_retry(Time now, Api api, RetryWhy why);
  void terminated(Time now);
  void after_launch(Time now);
  void next_intent(Time now);
  Token new_token();
  Token derived_token(uint32_t k, uint32_t generation) const;
  Token timestamp_token(Time now);
  void crash(Time now, CallerCrashPoint when, Duration restart_after);
  void restart(Time now);
  // The intent's token was minted or learned: written down now if the controller persists
  // before sending and the caller made it (a token the SDK makes inside a call, write-back, can
  // only be written down once an answer comes back), or once an answer arrives.
  void keep_token(const Token& t);
  void learned(uint32_t k);
  bool persists_before_send() const {
    return spec_->controller && spec_->controller->persist == ControllerSpec::before_send;
  }
  bool writes_tokens() const { return !spec_->controller || spec_->controller->persist != ControllerSpec::never; }
  // The work queue (controller.queue): objects added, handed to idle workers, requeued.
  bool queued_mode() const { return queue_ != nullptr; }
  void select_waiting(uint32_t attempt);  // makes the worker waiting for `attempt` the current one
  void add(uint32_t k, Time now);         // client-go's Add: once in the queue; again after processing
  void add_after(uint32_t k, Duration d, Time now);  // AddAfter
  void hand_out(Time now);                 // idle workers take the objects at the queue's head
  void reconciled(Time now, bool requeue);  // the current worker's reconcile of d_->k ended
  Duration rate_limited(uint32_t k, Time now);  // the queue's rate limiter's When(k)
  void create_next(Time now);
  void arm_sync();
  bool sync_armed_ = false;  // a re-list is pending
  void relist(Time now);
  void maybe_done(Time now);

  // What the caller knows of each of its intents (by number): in memory, and what of it it wrote
  // down (the part that survives a crash when its state is durable).
  struct Memory {
    uint32_t record = 0;         // the intent's record in the history (the world's bookkeeping)
    bool done = false;           // it knows how the intent ended (instance ids, or a definite failure)
    bool has_token = false;      // it holds the intent's token
    bool token_written = false;  // ... and wrote it down
    bool done_written = true;    // what made it done is in its database (a failed write: in memory only)
    uint32_t generation = 0;     // derived tokens: the replacements made so far (in memory only)
    Token token;
  };
  bool db_active_ = false;  // its database can fail or stall (controller.store, faults[].database)
  // One write to the database now: fails?, and its stall.
  std::pair<bool, Duration> db_write(Time now, bool before_send);
  // The write of the token before the send ended: true to send.
  bool token_write_ended(Time now, bool failed);
  std::vector<Memory> mem_;
  uint32_t next_k_ = 0;  // the next one to drive
  uint32_t epoch_ = 0;

  const ClientSpec* spec_;
  uint32_t id_;
  std::string label_;
  sim::Prng prng_;
  History* history_;
  ClientIo* io_;
  RunLog* log_;
  RetryQuota quota_;     // one SDK client per process: its workers share it
  RateLimiter limiter_;  // aws-adaptive only
  uint64_t minted_ = 0;  // timestamp mode: the per-process counter

  // One drive of an intent at a time per worker: what the worker is doing with it. A caller
  // without a work queue has one worker.
  struct Drive {
    State state = State::idle;
    uint32_t k = 0;       // the intent (by number) being driven (the first of its batch)
    std::vector<uint32_t> batch_k;  // the intents (by number) its call serves, k first
    size_t drive_first_call = 0;  // where this drive of the intent began in its calls
    std::optional<RetryCall> retry;
    uint32_t intent = 0;   // index into history.intents
    uint32_t call = 0;     // index into history.calls
    uint32_t attempt = 0;  // index into history.attempts, while waiting
    std::optional<Time> deadline_at;  // the current call's deadline (clients[].deadline)
    bool until_deadline = false;      // in backoff until the deadline: the call ends when it wakes
    AttemptEnd last_end = AttemptEnd::ok;  // the current call's last attempt's end
    Token intent_token;      // persisted and value modes: the token the intent's calls send
    uint32_t call_token = kNone;  // the current call's token in the run log (kNone: none)
    uint32_t learned_call = 0;  // the call whose request the intent's launch answered
    std::string type;  // the instance type the next call asks for
    Api next_api = Api::run;      // what the application's next call (after app_backoff) is
    bool fresh_token = false;     // the next launch call makes a new token (a mismatch resolved so)
    bool write_tried = false;     // the token's write before the send was made (db_active_ only)
    bool write_fails = false;     // ... and failed (while persisting)
    bool answer_written = true;   // the last answer's write succeeded
  };
  std::vector<Drive> drives_;
  Drive* d_;         // the worker whose event is being handled
  uint32_t w_ = 0;   // ... its index

  // Queue mode only (controller.queue).
  const ControllerSpec::Queue* queue_ = nullptr;
  bool down_ = false;      // the process is down
  bool finished_ = false;  // nothing left to do: every object created, done or blocked, nothing queued
  uint32_t created_ = 0;   // objects created so far (0..created_-1)
  std::vector<uint32_t> fifo_;  // the queue's objects in order (a ring from fifo_head_)
  size_t fifo_head_ = 0;
  // Per object: 1 queued, 2 being processed, 4 dirty (added while being processed), 8 blocked.
  std::vector<uint8_t> item_;
  std::vector<uint32_t> failures_;  // the rate limiter's per-item count (Forget resets it)
  int64_t bucket_us_ = 0;           // the overall bucket: its tokens, as microseconds of refill
  Time bucket_at_;
  uint32_t delayed_ = 0;            // AddAfter wakes not yet come due (stale ones included)
  std::vector<int64_t> due_;        // per object: when its AddAfter is due (-1: none); a later one is dropped
};

}  // namespace idem::model
