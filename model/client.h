// A client: an application that holds launch intents, an SDK that retries, and the token mode
// that decides which token each attempt carries.
//
// Token modes (DOMAIN.md, "How real clients retry"):
//  sdk:         the SDK fills a fresh UUID v4 once per call; its own retries reuse it, but an
//               application-level retry is a new call with a new token.
//  persisted:   the application makes one token per intent and keeps it across every retry.
//  write-back:  the SDK fills a fresh UUID v4 on the intent's first call and writes it back into
//               the caller's input (JS v3, Go v2): an application retry with the same input reuses it.
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
// the world only through ClientIo and records what it did and saw in the History.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/bugs.h"
#include "model/history.h"
#include "model/retry.h"
#include "model/types.h"
#include "sim/latency.h"
#include "sim/random.h"
#include "sim/trace.h"

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
enum class OnUnknown : uint8_t { retry, reconcile, block };
enum class OnMismatch : uint8_t { fail, new_token, reconcile };
enum class OnDescribeError : uint8_t { launch, retry, give_up };
std::string_view on_unknown_name(OnUnknown v);
std::string_view on_mismatch_name(OnMismatch v);
std::string_view on_describe_error_name(OnDescribeError v);

struct ClientSpec {
  std::string group = "clients";
  uint32_t region = 0;
  uint32_t account = 0;  // index into ServiceConfig::accounts
  LaunchParams request;
  TokenMode token = TokenMode::sdk;
  std::string token_value;  // TokenMode::value: the string every call sends
  std::string intent_id;    // TokenMode::derived: the durable name of the group's intents
  Duration timeout = sim::seconds(2);  // per attempt
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
  // Send the request of attempt `attempt` (already in the history) and arm its timeout.
  virtual void send(uint32_t client, uint32_t attempt) = 0;
  // Call on_wake() after `d`.
  virtual void wake_after(uint32_t client, Duration d) = 0;
};

class Client {
 public:
  Client(const ClientSpec& spec, uint32_t id, std::string label, sim::Prng prng, History& history,
         ClientIo& io, sim::Trace& trace);
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = default;

  // The delay before the first wake-up; call once.
  Duration start_delay() { return spec_->start.sample(prng_); }
  void on_wake(Time now);
  // The answer or the timeout of an attempt; false (and no effect) when it is not the attempt
  // the client is waiting for (a late answer after a timeout, or a timer after an answer).
  bool on_reply(uint32_t attempt, const Response& r, Time now);
  bool on_timeout(uint32_t attempt, Time now);

  bool done() const { return state_ == State::done; }
  const std::string& label() const { return label_; }
  uint32_t id() const { return id_; }
  const ClientSpec& spec() const { return *spec_; }

 private:
  enum class State : uint8_t {
    idle, waiting, backoff, rate_wait, app_backoff, before_terminate, before_repeat, done
  };

  void begin_intent(Time now);
  void begin_call(Time now, Api api, bool repeat);
  void send_attempt(Time now);  // after the adaptive rate limiter lets it go
  void transmit(Time now);
  void attempt_ended(AttemptEnd end, const Response* r, Time now);
  void run_call_ended(CallRecord& call, AttemptEnd end, Time now);
  void describe_ended(const CallRecord& call, const Response* r, Time now);
  void app_retry(Time now, Api api, const char* why);
  void after_launch(Time now);
  void next_intent(Time now);
  Token new_token();
  Token timestamp_token(Time now);

  const ClientSpec* spec_;
  uint32_t id_;
  std::string label_;
  sim::Prng prng_;
  History* history_;
  ClientIo* io_;
  sim::Trace* trace_;
  RetryQuota quota_;
  RateLimiter limiter_;  // aws-adaptive only
  std::optional<RetryCall> retry_;
  State state_ = State::idle;
  int32_t intents_begun_ = 0;
  uint32_t intent_ = 0;   // index into history.intents
  uint32_t call_ = 0;     // index into history.calls
  uint32_t attempt_ = 0;  // index into history.attempts, while waiting
  Token intent_token_;      // persisted and value modes: the token the intent's calls send
  uint32_t learned_call_ = 0;  // the call whose request the intent's launch answered
  std::string type_;  // the instance type the next call asks for
  Api next_api_ = Api::run;      // what the application's next call (after app_backoff) is
  bool fresh_token_ = false;     // the next launch call makes a new token (a mismatch resolved so)
  uint64_t minted_ = 0;  // timestamp mode: the per-process counter
};

}  // namespace idem::model
