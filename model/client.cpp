#include "model/client.h"

#include <algorithm>


#include "sim/invariant.h"
#include <cstring>

namespace idem::model {

std::string_view token_mode_name(TokenMode m) {
  switch (m) {
    case TokenMode::sdk: return "sdk";
    case TokenMode::persisted: return "persisted";
    case TokenMode::none: return "none";
    case TokenMode::value: return "value";
    case TokenMode::write_back: return "write-back";
    case TokenMode::per_attempt: return "per-attempt";
    case TokenMode::derived: return "derived";
    case TokenMode::timestamp: return "timestamp";
  }
  return "?";
}

std::string_view caller_crash_point_name(CallerCrashPoint p) {
  return p == CallerCrashPoint::after_send ? "after-send" : p == CallerCrashPoint::after_response ? "after-response" : "scheduled";
}

std::string_view on_unknown_name(OnUnknown v) {
  return v == OnUnknown::retry ? "retry" : v == OnUnknown::reconcile ? "reconcile" : "block";
}
std::string_view on_mismatch_name(OnMismatch v) {
  return v == OnMismatch::fail ? "fail" : v == OnMismatch::new_token ? "new-token" : "reconcile";
}
std::string_view on_describe_error_name(OnDescribeError v) {
  return v == OnDescribeError::launch ? "launch" : v == OnDescribeError::retry ? "retry" : "give-up";
}

std::string_view on_terminated_name(OnTerminated v) {
  return v == OnTerminated::give_up ? "give-up" : v == OnTerminated::adopt ? "adopt" : "new-token";
}

std::string_view layer_name(Layer l) {
  return l == Layer::first ? "first" : l == Layer::app ? "app" : "controller";
}

std::string_view api_name(Api a) {
  switch (a) {
    case Api::run: return "RunInstances";
    case Api::terminate: return "TerminateInstances";
    case Api::describe: return "DescribeInstances";
  }
  return "?";
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::pending: return "pending";
    case Outcome::ok: return "ok";
    case Outcome::failed: return "failed";
    case Outcome::unknown: return "unknown";
  }
  return "?";
}

Client::Client(const ClientSpec& spec, uint32_t id, std::string label, sim::Prng prng,
               History& history, ClientIo& io, RunLog& log)
    : spec_(&spec),
      id_(id),
      label_(std::move(label)),
      prng_(prng),
      history_(&history),
      io_(&io),
      log_(&log),
      quota_(spec.retry) {
  mem_.reserve(static_cast<size_t>(std::min<int32_t>(spec.intents, 1 << 16)));
}

// A UUID v4 drawn from the client's own stream, as the SDKs' autofill makes one: 8-4-4-4-12 hex
// digits, two digits per byte from a table.
Token Client::new_token() {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr int kAt[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};  // each byte's place
  const uint64_t hi = (prng_.next() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t lo = (prng_.next() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char s[36];
  s[8] = s[13] = s[18] = s[23] = '-';
  for (int i = 0; i < 16; ++i) {
    const unsigned byte = static_cast<unsigned>(((i < 8 ? hi : lo) >> (56 - 8 * (i % 8))) & 0xff);
    s[kAt[i]] = kHex[byte >> 4];
    s[kAt[i] + 1] = kHex[byte & 0xf];
  }
  return Token(std::string_view(s, sizeof s));
}

// Seconds since 2026-01-01 (the simulation's time 0) plus the process's own counter.
Token Client::timestamp_token(Time now) {
  constexpr int64_t kEpoch = 1767225600;
  return Token(std::to_string(kEpoch + now.us / 1000000) + "-" + std::to_string(++minted_));
}

void Client::on_wake(Time now) {
  switch (state_) {
    case State::idle: begin_intent(now); break;
    case State::backoff:
      if (until_deadline_) {
        const CallRecord& call = history_->calls[call_];
        call_ended(last_end_, last_end_ == AttemptEnd::timeout ? nullptr : &call.response, now, StopWhy::deadline);
      } else {
        send_attempt(now);
      }
      break;
    case State::rate_wait: transmit(now); break;
    case State::down: restart(now); break;
    case State::resync:
      log_->add(Obs::caller_resync, now, id_);
      begin_intent(now);
      break;
    case State::app_backoff: begin_call(now, next_api_, false); break;
    case State::before_terminate: begin_call(now, Api::terminate, false); break;
    case State::before_repeat: begin_call(now, Api::run, true); break;
    case State::waiting:
    case State::done: IDEM_CHECK(false, "a client wakes only when it sleeps"); break;
  }
}

// Drives intent `next_k_`: a new one, or (after a restart or on a resync) one the caller does not
// know to be done, on the same record of the history.
void Client::begin_intent(Time now) {
  k_ = next_k_;
  fresh_token_ = false;
  next_api_ = Api::run;
  const bool again = k_ < mem_.size();
  // The intents this call serves: k_, and with batching the next ones not known to be done.
  batch_k_.clear();
  for (uint32_t k = k_; k < static_cast<uint32_t>(spec_->intents) && batch_k_.size() < static_cast<size_t>(spec_->batch); ++k) {
    if (k < mem_.size() && mem_[k].done) continue;
    if (k == mem_.size()) {
      IntentRecord record;
      record.client = id_;
      record.index = static_cast<int32_t>(k);
      record.intended = spec_->request.max;
      record.least = spec_->request.min;
      mem_.push_back(Memory{static_cast<uint32_t>(history_->intents.size()), false, false, false, Token()});
      history_->intents.push_back(record);
    }
    batch_k_.push_back(k);
    history_->intents[mem_[k].record].finished = false;
  }
  Memory& m = mem_[k_];
  intent_ = m.record;
  IntentRecord& intent = history_->intents[intent_];
  drive_first_call_ = intent.calls.size();
  type_ = spec_->request.type;
  switch (spec_->token) {
    case TokenMode::persisted:
      if (!m.has_token) keep_token(new_token());
      break;
    case TokenMode::timestamp:
      if (!m.has_token) keep_token(timestamp_token(now));
      break;
    case TokenMode::value: m.token = Token(spec_->token_value); break;
    case TokenMode::derived:
      m.token = Token(spec_->intent_id + "/" + std::to_string(history_->clients[id_].index) + "/" + std::to_string(k_));
      break;
    case TokenMode::write_back: break;  // its first call's, unless the caller still holds it
    default: m.token = Token(); break;  // sdk, per-attempt, none
  }
  intent_token_ = m.token;
  for (uint32_t k : batch_k_) {
    Record& r = log_->add(Obs::intent_begun, now, mem_[k].record);
    r.a = id_;
    r.b = k;
    r.c = static_cast<uint32_t>(spec_->request.max);
    r.d = batch_k_.size() > 1 ? k_ : kNone;
    r.x = spec_->request.min;
    r.flags = again ? kAgain : 0;
  }
  begin_call(now, Api::run, false);
}

// The caller learned how intent k ended well (its instance ids): it knows it is done, and it
// writes that down with the answer (a durable state keeps it across a crash).
void Client::learned(uint32_t k) {
  mem_[k].done = true;
  if (mem_[k].has_token) mem_[k].token_written = true;
}

void Client::keep_token(const Token& t) {
  Memory& m = mem_[k_];
  m.token = t;
  m.has_token = true;
  if (persists_before_send() && spec_->token != TokenMode::write_back) m.token_written = true;
}

// The process dies: what it was doing is lost, and so is what its state does not keep.
void Client::crash(Time now, CallerCrashPoint when, Duration restart_after) {
  ++epoch_;
  state_ = State::down;
  minted_ = 0;  // a new process counts its tokens from 1 again (timestamp tokens)
  fresh_token_ = false;
  quota_ = RetryQuota(spec_->retry);  // and has a new SDK client
  limiter_ = RateLimiter{};
  retry_.reset();
  attempt_ = UINT32_MAX;
  const bool durable = spec_->controller && spec_->controller->state == ControllerSpec::durable;
  for (Memory& m : mem_) {
    if (!durable) m.done = false;
    if (!durable || !m.token_written) {
      m.has_token = m.token_written = false;
      m.token = Token();
    }
  }
  Record& r = log_->add(Obs::caller_crash, now, id_);
  r.a = durable ? 1 : 0;
  r.code = static_cast<uint8_t>(when);
  r.x = restart_after.us;
  io_->wake_after(id_, restart_after);
}

bool Client::crash_scheduled(Time now, Duration restart_after) {
  if (state_ == State::down) return false;
  crash(now, CallerCrashPoint::scheduled, restart_after);
  return true;
}

// Back up: it drives every intent it does not know to be done, from the first.
void Client::restart(Time now) {
  next_k_ = 0;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  log_->add(Obs::caller_restart, now, id_).a = next_k_;
  if (next_k_ >= static_cast<uint32_t>(spec_->intents)) {
    state_ = State::done;
    log_->add(Obs::caller_done, now, id_);
    return;
  }
  begin_intent(now);
}

void Client::begin_call(Time now, Api api, bool repeat) {
  IntentRecord& intent = history_->intents[intent_];
  CallRecord call;
  call.client = id_;
  call.intent = intent_;
  call.api = api;
  call.repeat = repeat;
  call.invoked = now;
  call.request.region = spec_->region;
  call.request.account = spec_->account;
  if (api == Api::terminate) {
    const Response& got = intent.learned;
    for (uint32_t i = 0; i < got.count; ++i) call.ids.push_back(got.first_instance + i);
  } else if (api == Api::describe) {
    // Filter by the token of the launch call that just gave up.
    call.request = history_->calls[intent.calls.back()].request;
  } else if (repeat) {
    // The launch the intent learned of (from its answer, or adopted through Describe), repeated
    // as it was sent.
    call.request = history_->calls[learned_call_].request;
  } else {
    int32_t app_try = 0;  // of this drive of the intent
    for (size_t n = drive_first_call_; n < intent.calls.size(); ++n)
      app_try += history_->calls[intent.calls[n]].api == Api::run ? 1 : 0;
    call.app_try = app_try;
    call.request.params = spec_->request;
    call.request.params.type = type_;
    if (batch_k_.size() > 1) {  // one call for the batch: MinCount 1, MaxCount for all of them
      call.request.params.min = 1;
      call.request.params.max = spec_->request.max * static_cast<int32_t>(batch_k_.size());
      for (uint32_t k : batch_k_) call.batch.push_back(mem_[k].record);
    }
    const TokenMode mode = spec_->token;
    const bool write_back_mints = mode == TokenMode::write_back && !mem_[k_].has_token;
    const bool mint = mode == TokenMode::sdk || mode == TokenMode::per_attempt || write_back_mints ||
                      (mode == TokenMode::persisted && app_try > 0 && spec_->bugs.has(Bug::new_token_per_app_retry));
    if (fresh_token_ && mode != TokenMode::none && mode != TokenMode::value) {
      intent_token_ = new_token();  // a mismatch resolved with a new token: it is the intent's now
      keep_token(intent_token_);
      fresh_token_ = false;
    }
    if (mint) call.request.token = new_token();
    else if (mode != TokenMode::none) call.request.token = intent_token_;
    if (write_back_mints) {  // the SDK writes its token back into the caller's input
      intent_token_ = call.request.token;
      keep_token(intent_token_);
    }
    call.request.has_token = spec_->token != TokenMode::none;
  }
  // Of this drive of the intent: its first launch call, or a later call of the application; a
  // drive after the intent's first is the controller's.
  const bool later = intent.calls.size() > drive_first_call_;
  call.layer = repeat || api == Api::terminate ? Layer::first
               : later                         ? Layer::app
               : drive_first_call_ > 0         ? Layer::controller
                                               : Layer::first;
  call_ = static_cast<uint32_t>(history_->calls.size());
  intent.calls.push_back(call_);
  for (size_t j = 1; j < call.batch.size(); ++j) history_->intents[call.batch[j]].calls.push_back(call_);
  {
    // A Describe's filter is the token of the call it looks for, sent or not.
    call_token_ = (api == Api::describe || api == Api::run) && call.request.has_token ? log_->token(call.request.token) : kNone;
    Record& r = log_->add(Obs::call_begun, now, call_);
    r.a = intent_;
    r.b = id_;
    r.c = call_token_;
    r.d = log_->params(call.request.params);
    r.code = static_cast<uint8_t>(api);
    r.flags = static_cast<uint16_t>((repeat ? kRepeat : 0) | static_cast<uint16_t>(call.layer) << 1);
    r.x = call.app_try;
    for (size_t j = 1; j < call.batch.size(); ++j) log_->add(Obs::call_serves, now, call_).a = call.batch[j];
    for (uint32_t id : call.ids) log_->add(Obs::call_names, now, call_).a = id;
  }
  history_->calls.push_back(std::move(call));
  // The SDK retries the launch calls and the reconciling Describes; a repeat or a terminate is
  // sent once.
  static const RetryPolicy kOnce = RetryPolicy::none();
  retry_.emplace((api == Api::run && !repeat) || api == Api::describe ? spec_->retry : kOnce);
  deadline_at_.reset();
  if (spec_->deadline) deadline_at_ = now + *spec_->deadline;
  until_deadline_ = false;
  send_attempt(now);
}

void Client::send_attempt(Time now) {
  if (spec_->retry.kind == PolicyKind::aws_adaptive) {
    const Duration wait = limiter_.acquire(now);
    if (wait.us > 0) {
      state_ = State::rate_wait;
      Record& r = log_->add(Obs::rate_wait, now, call_);
      r.a = id_;
      r.b = static_cast<uint32_t>(std::clamp<int64_t>(limiter_.fill_rate_mrps(), 0, UINT32_MAX));
      r.x = wait.us;
      io_->wake_after(id_, wait);
      return;
    }
  }
  transmit(now);
}

void Client::transmit(Time now) {
  CallRecord& call = history_->calls[call_];
  AttemptRecord a;
  a.call = call_;
  a.number = retry_->attempt();
  a.sent = now;
  a.has_token = call.request.has_token;
  a.token = call.request.token;
  uint32_t token = a.has_token ? call_token_ : kNone;
  // The bug of incident 7: the token is made inside the retry loop.
  if (a.number > 1 && a.has_token &&
      (spec_->token == TokenMode::per_attempt || spec_->bugs.has(Bug::token_per_attempt))) {
    a.token = new_token();
    token = log_->token(a.token);
  }
  attempt_ = static_cast<uint32_t>(history_->attempts.size());
  call.attempts.push_back(attempt_);
  history_->attempts.push_back(a);
  state_ = State::waiting;
  Record& r = log_->add(Obs::sent, now, attempt_);
  r.a = call_;
  r.b = static_cast<uint32_t>(a.number);
  r.c = token;
  r.d = id_;
  std::optional<Duration> wait = spec_->timeout;
  if (deadline_at_) wait = std::min(wait.value_or(*deadline_at_ - now), *deadline_at_ - now);
  io_->send(id_, attempt_, wait);
  if (const auto restart_after = io_->crash_now(id_, CallerCrashPoint::after_send))
    crash(now, CallerCrashPoint::after_send, *restart_after);
}

bool Client::on_reply(uint32_t attempt, const Response& r, Time now) {
  if (state_ != State::waiting || attempt != attempt_) return false;
  attempt_ended(classify(r.code), &r, now);
  return true;
}

bool Client::on_timeout(uint32_t attempt, Time now) {
  if (state_ != State::waiting || attempt != attempt_) return false;
  attempt_ended(AttemptEnd::timeout, nullptr, now);
  return true;
}

void Client::attempt_ended(AttemptEnd end, const Response* r, Time now) {
  AttemptRecord& a = history_->attempts[attempt_];
  if (r) {
    // The answer reached the process; it may die before acting on it (or writing anything down):
    // then, like an answer to a client that stopped waiting, nobody learned it.
    if (const auto restart_after = io_->crash_now(id_, CallerCrashPoint::after_response)) {
      log_->add(Obs::unheeded, now, attempt_).a = id_;
      crash(now, CallerCrashPoint::after_response, *restart_after);
      return;
    }
  }
  a.done = true;
  a.ended = now;
  a.end = end;
  CallRecord& call = history_->calls[call_];
  if (r) {
    a.response = *r;
    call.response = *r;
    if (mem_[k_].has_token) mem_[k_].token_written = true;  // after-response: the token is written now
  }
  if (spec_->retry.kind == PolicyKind::aws_adaptive) limiter_.on_response(now, end == AttemptEnd::throttled);
  // A 4xx the policy retries anyway (IncorrectState) is retried like a 5xx; the outcome, if the
  // call ends on it, is still "failed": nothing happened.
  const AttemptEnd retry_as = end == AttemptEnd::client_error && r && spec_->retry.retries_code(r->code)
                                  ? AttemptEnd::server_error
                                  : end;
  last_end_ = end;
  // The call's deadline ended the attempt's wait: the SDK stops there, its outcome unknown.
  if (deadline_at_ && now >= *deadline_at_ && end == AttemptEnd::timeout) {
    call_ended(end, r, now, StopWhy::deadline);
    return;
  }
  if (auto sleep = retry_->next(retry_as, quota_, prng_)) {
    // ... or it passed as the attempt ended, or passes during the backoff.
    if (deadline_at_ && now >= *deadline_at_) {
      call_ended(end, r, now, StopWhy::deadline);
      return;
    }
    state_ = State::backoff;
    Record& b = log_->add(Obs::backoff, now, call_);
    b.a = id_;
    b.b = static_cast<uint32_t>(std::clamp<int64_t>(quota_.available(), 0, UINT32_MAX));
    b.x = sleep->us;
    until_deadline_ = deadline_at_ && now + *sleep >= *deadline_at_;
    io_->wake_after(id_, until_deadline_ ? *deadline_at_ - now : *sleep);
    return;
  }
  call_ended(end, r, now, stop_why(retry_->stop_reason()));
}

// The SDK stopped: the call ends, and the application decides what comes next.
void Client::call_ended(AttemptEnd end, const Response* r, Time now, StopWhy why) {
  CallRecord& call = history_->calls[call_];
  until_deadline_ = false;
  call.ended = now;
  call.quota_stopped = retry_->stop_reason() == "quota";
  // 4xx: nothing happened. 5xx or no answer: it may have happened (Jepsen's info). Stopped by
  // its deadline, whatever the last attempt got, it would have been retried: unknown.
  call.outcome = why == StopWhy::deadline          ? Outcome::unknown
                 : end == AttemptEnd::ok           ? Outcome::ok
                 : end == AttemptEnd::client_error ? Outcome::failed
                                                   : Outcome::unknown;
  {
    Record& e = log_->add(Obs::call_ended, now, call_);
    e.a = id_;
    e.b = static_cast<uint32_t>(why);
    e.code = static_cast<uint8_t>(call.outcome);
  }
  if (call.api == Api::run && !call.repeat) {
    run_call_ended(call, end, now);
  } else if (call.api == Api::describe) {
    describe_ended(call, r, now);
  } else if (call.api == Api::terminate && spec_->repeat_after) {
    state_ = State::before_repeat;
    io_->wake_after(id_, *spec_->repeat_after);
  } else {
    next_intent(now);
  }
}

void Client::run_call_ended(CallRecord& call, AttemptEnd end, Time now) {
  IntentRecord& intent = history_->intents[intent_];
  if (call.outcome == Outcome::ok && !call.batch.empty()) {
    fan_out(call, now);
    return;
  }
  if (call.outcome == Outcome::ok) {
    intent.outcome = Outcome::ok;
    intent.learned = call.response;
    learned(k_);
    learned_call_ = call_;
    after_launch(now);
    return;
  }
  if (call.response.code == Code::IdempotentInstanceTerminated && end == AttemptEnd::client_error) {
    terminated(now);
    return;
  }
  for (uint32_t k : batch_k_) {  // the intent, or every intent of its batch
    IntentRecord& each = history_->intents[mem_[k].record];
    if (call.outcome == Outcome::unknown || each.outcome == Outcome::pending)
      each.outcome = call.outcome == Outcome::unknown || each.outcome == Outcome::unknown ? Outcome::unknown
                                                                                          : Outcome::failed;
  }
  const bool capacity = call.response.code == Code::InsufficientInstanceCapacity && end != AttemptEnd::timeout;
  const bool mismatch = call.response.code == Code::IdempotentParameterMismatch && end != AttemptEnd::timeout &&
                        spec_->token != TokenMode::none;
  const bool budget = call.app_try < spec_->app_retries;
  if (mismatch) {
    // The bug of incidents 5 and 6 (new-token-on-mismatch) is `on_mismatch: new-token`.
    const OnMismatch how = spec_->bugs.has(Bug::new_token_on_mismatch) ? OnMismatch::new_token : spec_->on_mismatch;
    if (how == OnMismatch::fail || !budget) {
      next_intent(now);
    } else if (how == OnMismatch::new_token) {
      fresh_token_ = true;
      app_retry(now, Api::run, RetryWhy::mismatch_new_token);
    } else {
      app_retry(now, Api::describe, RetryWhy::mismatch_reconcile);
    }
    return;
  }
  if (retryable(end) && spec_->on_unknown == OnUnknown::block) {
    // Incident 9's fix: "create pending" is written down, and nothing moves until a human clears it.
    for (uint32_t k : batch_k_) history_->intents[mem_[k].record].blocked = true;
    state_ = State::done;
    Record& b = log_->add(Obs::blocked, now, intent_);
    b.a = id_;
    b.b = static_cast<uint32_t>(intent.index);
    return;
  }
  if (budget && (retryable(end) || (capacity && !spec_->fallback_type.empty()))) {
    if (capacity && !spec_->fallback_type.empty()) type_ = spec_->fallback_type;
    const bool look = retryable(end) && (spec_->on_unknown == OnUnknown::reconcile || spec_->reconcile);
    app_retry(now, look ? Api::describe : Api::run, look ? RetryWhy::unknown_reconcile : RetryWhy::unknown_retry);
    return;
  }
  next_intent(now);
}

// IdempotentInstanceTerminated: the token's launch happened, and its instances are terminated. The
// caller knows how its launch ended (a definite end); what it does next is its choice.
void Client::terminated(Time now) {
  if (spec_->on_terminated == OnTerminated::new_token && spec_->token != TokenMode::none &&
      spec_->token != TokenMode::value) {
    fresh_token_ = true;  // a replacement, with a token of its own
    app_retry(now, Api::run, RetryWhy::terminated_new_token);
    return;
  }
  const CallRecord& call = history_->calls[call_];
  for (uint32_t k : batch_k_) {
    IntentRecord& each = history_->intents[mem_[k].record];
    if (spec_->on_terminated == OnTerminated::adopt) {
      each.outcome = Outcome::ok;  // launched, as the answer says; nothing left to track
      each.learned = call.response;
      learned(k);
    } else {
      each.outcome = Outcome::failed;
    }
  }
  if (spec_->on_terminated == OnTerminated::adopt) learned_call_ = call_;
  next_intent(now);
}

void Client::app_retry(Time now, Api api, RetryWhy why) {
  next_api_ = api;
  state_ = State::app_backoff;
  Record& r = log_->add(Obs::app_retry, now, intent_);
  r.a = id_;
  r.b = static_cast<uint32_t>(history_->intents[intent_].index);
  r.c = static_cast<uint32_t>(why);
  r.code = static_cast<uint8_t>(api);
  r.x = spec_->app_backoff.us;
  io_->wake_after(id_, spec_->app_backoff);
}

// A describe that found the earlier launch ends the intent as if the launch call had answered;
// one that found nothing leads to the application's next launch call (with a fresh token after a
// mismatch); one that failed even after the SDK's retries goes by on_describe_error.
void Client::describe_ended(const CallRecord& call, const Response* r, Time now) {
  IntentRecord& intent = history_->intents[intent_];
  if (r && r->ok() && r->count > 0) {
    intent.outcome = Outcome::ok;
    intent.learned = *r;
    learned(k_);
    learned_call_ = call_;  // a describe call carries the request of the launch it looked for
    Record& a = log_->add(Obs::adopted, now, intent_);
    a.a = id_;
    a.b = static_cast<uint32_t>(intent.index);
    a.c = r->reservation;
    after_launch(now);
    return;
  }
  // After a mismatch, the token's first request launched nothing visible: a new token is safe
  // unless the launch is too recent to be seen.
  bool after_mismatch = false;
  for (size_t k = intent.calls.size(); k-- > 0;) {
    const CallRecord& looked_for = history_->calls[intent.calls[k]];
    if (looked_for.api != Api::run) continue;
    after_mismatch = looked_for.response.code == Code::IdempotentParameterMismatch;
    break;
  }
  auto launch_again = [&] {
    fresh_token_ = after_mismatch;
    begin_call(now, Api::run, false);
  };
  if (call.outcome == Outcome::ok) {
    launch_again();
    return;
  }
  switch (spec_->on_describe_error) {
    case OnDescribeError::launch: launch_again(); break;
    case OnDescribeError::retry: {
      int32_t describes = 0;
      for (uint32_t c : intent.calls) describes += history_->calls[c].api == Api::describe ? 1 : 0;
      if (describes <= spec_->app_retries) {
        app_retry(now, Api::describe, RetryWhy::describe_retry);
      } else {
        next_intent(now);  // out of budget: the outcome stays unknown
      }
      break;
    }
    case OnDescribeError::give_up:
      {
        Record& g = log_->add(Obs::gave_up, now, intent_);
        g.a = id_;
        g.b = static_cast<uint32_t>(intent.index);
      }
      next_intent(now);
      break;
  }
}

// A batch's reservation, fanned out in order: request.max instances to each intent while they
// last. The intents left short are relaunched (a new call with a new token), or, with
// `on_short: ignore`, recorded as done all the same.
void Client::fan_out(const CallRecord& call, Time now) {
  const Response& r = call.response;
  const uint32_t per = static_cast<uint32_t>(spec_->request.max);
  std::vector<uint32_t> short_k;
  int64_t left_short = 0;  // recorded done without instances (on_short: ignore)
  for (size_t j = 0; j < batch_k_.size(); ++j) {
    IntentRecord& each = history_->intents[mem_[batch_k_[j]].record];
    const uint32_t from = static_cast<uint32_t>(j) * per;
    const uint32_t got = r.count > from ? std::min(per, r.count - from) : 0;
    const bool short_of_it = got < static_cast<uint32_t>(spec_->request.min);
    if (short_of_it && spec_->on_short == ClientSpec::OnShort::relaunch) {
      short_k.push_back(batch_k_[j]);
      continue;
    }
    each.outcome = Outcome::ok;
    each.learned = Response{Code::Ok, r.reservation, got ? r.first_instance + from : 0, got};
    learned(batch_k_[j]);
    if (short_of_it) ++left_short;
  }
  learned_call_ = call_;
  {
    Record& f = log_->add(Obs::fanned_out, now, call_);
    f.a = id_;
    f.b = r.count;
    f.c = static_cast<uint32_t>(batch_k_.size());
    f.d = static_cast<uint32_t>(short_k.size() + static_cast<size_t>(left_short));
    f.code = static_cast<uint8_t>(short_k.empty() ? (left_short ? FanOut::recorded_anyway : FanOut::whole) : FanOut::relaunch);
  }
  if (!short_k.empty()) {
    // Finish the intents that got theirs, and launch the rest again.
    for (uint32_t k : batch_k_)
      if (std::find(short_k.begin(), short_k.end(), k) == short_k.end()) {
        history_->intents[mem_[k].record].finished = true;
        mem_[k].done = true;
      }
    batch_k_ = short_k;
    k_ = short_k.front();
    intent_ = mem_[k_].record;
    drive_first_call_ = history_->intents[intent_].calls.size() - 1;  // the batch call began this drive
    if (spec_->token != TokenMode::none && spec_->token != TokenMode::value) fresh_token_ = true;
    begin_call(now, Api::run, false);
    return;
  }
  after_launch(now);
}

void Client::after_launch(Time now) {
  if (spec_->terminate_after) {
    state_ = State::before_terminate;
    io_->wake_after(id_, *spec_->terminate_after);
  } else if (spec_->repeat_after) {
    state_ = State::before_repeat;
    io_->wake_after(id_, *spec_->repeat_after);
  } else {
    next_intent(now);
  }
}

void Client::next_intent(Time now) {
  // It knows how an intent ended when an answer settled it (a 200, a Describe that found it, or
  // a 4xx); an unknown outcome is left for a resync, or a restart, to drive again.
  // A definite 4xx settles it too, whatever came before: the caller drives it no more (an earlier
  // call's outcome stays unknown in its record, and the oracle judges what that call did).
  uint32_t last = k_;
  const IntentRecord& driven = history_->intents[intent_];
  const CallRecord* last_call = driven.calls.empty() ? nullptr : &history_->calls[driven.calls.back()];
  const bool settled_4xx = last_call && last_call->api == Api::run && !last_call->repeat &&
                           last_call->outcome == Outcome::failed;
  for (uint32_t k : batch_k_) {
    IntentRecord& each = history_->intents[mem_[k].record];
    each.finished = true;
    mem_[k].done = each.outcome == Outcome::ok || each.outcome == Outcome::failed || settled_4xx;
    last = std::max(last, k);
  }
  next_k_ = last + 1;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  if (next_k_ < static_cast<uint32_t>(spec_->intents)) {
    state_ = State::idle;
    io_->wake_after(id_, spec_->think.sample(prng_));
    return;
  }
  // Every intent driven: a controller with a resync loop drives again those it does not know.
  next_k_ = 0;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  if (next_k_ < mem_.size() && spec_->controller && spec_->controller->resync) {
    state_ = State::resync;
    io_->wake_after(id_, *spec_->controller->resync);
    return;
  }
  state_ = State::done;
  log_->add(Obs::caller_done, now, id_);
}

}  // namespace idem::model
