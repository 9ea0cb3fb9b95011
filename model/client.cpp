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
  if (spec.controller && spec.controller->queue) {
    queue_ = &*spec.controller->queue;
    drives_.resize(static_cast<size_t>(queue_->workers));
    item_.assign(static_cast<size_t>(spec.intents), 0);
    failures_.assign(static_cast<size_t>(spec.intents), 0);
    due_.assign(static_cast<size_t>(spec.intents), -1);
    bucket_us_ = int64_t{queue_->burst} * (1000000 / queue_->qps);  // the bucket starts full
  } else {
    drives_.resize(1);
  }
  d_ = &drives_[0];
  db_active_ = spec.controller && (spec.controller->store.has_value() || io.database_faults(id));
}

std::pair<bool, Duration> Client::db_write(Time now, bool before_send) {
  bool fails = false;
  Duration stall(0);
  if (const auto& st = spec_->controller->store) {
    fails = prng_.chance(st->fail);
    if (before_send) stall = st->latency.sample(prng_);
  }
  const auto [fault_fails, fault_stall] = io_->database_write(id_);
  fails = fails || fault_fails;
  if (before_send) stall = stall + fault_stall;
  Record& r = log_->add(Obs::db_write, now, d_->intent);
  r.a = id_;
  r.b = before_send ? 1 : 0;
  r.c = d_->k;
  r.code = fails ? 1 : 0;
  r.x = stall.us;
  return {fails, stall};
}

// The token's write before the send ended: written, or failed (then `on_persist_error`: send all
// the same, or end this drive without sending).
bool Client::token_write_ended(Time now, bool failed) {
  if (!failed) {
    mem_[d_->k].token_written = true;
    return true;
  }
  if (spec_->controller->on_persist_error == ControllerSpec::launch_anyway) return true;
  next_intent(now);  // nothing sent: the intent is not settled, and is driven again later
  return false;
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

// The intent's durable id, and after `generation` replacements its suffix: "launch-web/3/0",
// "launch-web/3/0/r1".
Token Client::derived_token(uint32_t k, uint32_t generation) const {
  std::string t = spec_->intent_id + "/" + std::to_string(history_->clients[id_].index) + "/" + std::to_string(k);
  if (generation > 0) t += "/r" + std::to_string(generation);
  return Token(t);
}

// Seconds since 2026-01-01 (the simulation's time 0) plus the process's own counter.
Token Client::timestamp_token(Time now) {
  constexpr int64_t kEpoch = 1767225600;
  return Token(std::to_string(kEpoch + now.us / 1000000) + "-" + std::to_string(++minted_));
}

void Client::on_wake(Time now, uint32_t slot) {
  if (queued_mode() && slot >= static_cast<uint32_t>(drives_.size())) {
    switch (slot) {
      case kCreateSlot: create_next(now); break;
      case kSyncSlot:
        sync_armed_ = false;
        relist(now);
        break;
      case kRestartSlot: restart(now); break;
      default: {
        --delayed_;
        const uint32_t k = slot - kItemBase;
        if (due_[k] != now.us) break;  // an earlier AddAfter for it came due already
        due_[k] = -1;
        add(k, now);
        hand_out(now);
        maybe_done(now);
        break;
      }
    }
    return;
  }
  w_ = slot;
  d_ = &drives_[slot];
  switch (d_->state) {
    case State::idle: begin_intent(now); break;
    case State::backoff:
      if (d_->until_deadline) {
        stop_at_deadline(now);
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
    case State::app_backoff: begin_call(now, d_->next_api, false); break;
    case State::persisting:
      if (token_write_ended(now, d_->write_fails)) begin_call(now, Api::run, false);
      break;
    case State::before_terminate: begin_call(now, Api::terminate, false); break;
    case State::before_repeat: begin_call(now, Api::run, true); break;
    case State::waiting:
    case State::done: IDEM_CHECK(false, "a client wakes only when it sleeps"); break;
  }
}

// Drives intent `next_k_`: a new one, or (after a restart or on a resync) one the caller does not
// know to be done, on the same record of the history.
void Client::begin_intent(Time now) {
  d_->k = next_k_;
  d_->write_tried = false;
  d_->answer_written = true;
  d_->fresh_token = false;
  d_->next_api = Api::run;
  const bool again = d_->k < mem_.size();
  // The intents this call serves: d_->k, and with batching the next ones not known to be done.
  d_->batch_k.clear();
  for (uint32_t k = d_->k; k < static_cast<uint32_t>(spec_->intents) && d_->batch_k.size() < static_cast<size_t>(spec_->batch); ++k) {
    if (k < mem_.size() && mem_[k].done) continue;
    if (k == mem_.size()) {
      IntentRecord record;
      record.client = id_;
      record.index = static_cast<int32_t>(k);
      record.intended = spec_->request.max;
      record.least = spec_->request.min;
      mem_.push_back(Memory{static_cast<uint32_t>(history_->intents.size()), false, false, false, true, 0, Token()});
      history_->intents.push_back(record);
    }
    d_->batch_k.push_back(k);
    history_->intents[mem_[k].record].finished = false;
  }
  Memory& m = mem_[d_->k];
  d_->intent = m.record;
  IntentRecord& intent = history_->intents[d_->intent];
  d_->drive_first_call = intent.calls.size();
  d_->type = spec_->request.type;
  switch (spec_->token) {
    case TokenMode::persisted:
      if (!m.has_token) keep_token(new_token());
      break;
    case TokenMode::timestamp:
      if (!m.has_token) keep_token(timestamp_token(now));
      break;
    case TokenMode::value: m.token = Token(spec_->token_value); break;
    case TokenMode::derived: m.token = derived_token(d_->k, m.generation); break;
    case TokenMode::write_back: break;  // its first call's, unless the caller still holds it
    default: m.token = Token(); break;  // sdk, per-attempt, none
  }
  d_->intent_token = m.token;
  for (uint32_t k : d_->batch_k) {
    Record& r = log_->add(Obs::intent_begun, now, mem_[k].record);
    r.a = id_;
    r.b = k;
    r.c = static_cast<uint32_t>(spec_->request.max);
    r.d = d_->batch_k.size() > 1 ? d_->k : kNone;
    r.x = spec_->request.min;
    r.flags = again ? kAgain : 0;
  }
  begin_call(now, Api::run, false);
}

// The caller learned how intent k ended well (its instance ids): it knows it is done, and it
// writes that down with the answer (a durable state keeps it across a crash).
void Client::learned(uint32_t k) {
  const IntentRecord& i = history_->intents[mem_[k].record];
  if (spec_->tag == ClientSpec::Tagging::after_answer && i.learned.reservation) io_->tag(id_, i.learned.reservation);
  mem_[k].done = true;
  mem_[k].done_written = d_->answer_written;
  if (mem_[k].has_token && d_->answer_written && writes_tokens()) mem_[k].token_written = true;
}

void Client::keep_token(const Token& t) {
  Memory& m = mem_[d_->k];
  m.token = t;
  m.has_token = true;
  // Written at once, unless the database can fail or stall: then by the write before the send.
  if (persists_before_send() && spec_->token != TokenMode::write_back && !db_active_) m.token_written = true;
}

// The process dies: what it was doing is lost, and so is what its state does not keep.
void Client::crash(Time now, CallerCrashPoint when, Duration restart_after) {
  bool busy = false;  // a drive was in progress: something to lose between a create and its record
  for (const Drive& d : drives_) busy = busy || (d.state != State::idle && d.state != State::done && d.state != State::down);
  ++epoch_;
  minted_ = 0;  // a new process counts its tokens from 1 again (timestamp tokens)
  quota_ = RetryQuota(spec_->retry);  // and has a new SDK client
  limiter_ = RateLimiter{};
  for (Drive& d : drives_) {  // every worker dies with it
    d.state = queued_mode() ? State::idle : State::down;
    d.fresh_token = false;
    d.retry.reset();
    d.attempt = UINT32_MAX;
    d.until_deadline = false;
  }
  if (queued_mode()) {  // and the queue, the rate limiter's memory, the timers
    down_ = true;
    finished_ = false;
    fifo_.clear();
    fifo_head_ = 0;
    std::fill(item_.begin(), item_.end(), uint8_t{0});
    std::fill(failures_.begin(), failures_.end(), 0u);
    std::fill(due_.begin(), due_.end(), int64_t{-1});
    bucket_us_ = int64_t{queue_->burst} * (1000000 / queue_->qps);
    delayed_ = 0;
    sync_armed_ = false;  // its timer is stale now
  }
  const bool durable = spec_->controller && spec_->controller->state == ControllerSpec::durable;
  for (Memory& m : mem_) {
    if (!durable || !m.done_written) m.done = false;
    if (!durable || !m.token_written) {
      m.has_token = m.token_written = false;
      m.token = Token();
    }
    if (!durable) m.generation = 0;  // relearned: the first token answers IdempotentInstanceTerminated again
  }
  Record& r = log_->add(Obs::caller_crash, now, id_);
  r.a = durable ? 1 : 0;
  r.code = static_cast<uint8_t>(when);
  r.flags = busy ? 0 : kIdleCrash;
  r.x = restart_after.us;
  io_->wake_after(id_, restart_after, queued_mode() ? kRestartSlot : 0);
}

void Client::stored(std::vector<Token>& tokens, std::vector<uint32_t>& reservations) const {
  if (!spec_->controller || spec_->controller->state != ControllerSpec::durable) return;
  // A derived token is the object's own id (and its replacements'): the database has them as long
  // as it has the object, driven yet or not.
  if (spec_->token == TokenMode::derived) {
    const uint32_t objects = queued_mode() ? created_ : static_cast<uint32_t>(mem_.size());
    for (uint32_t k = 0; k < objects; ++k) {
      const uint32_t generations = k < mem_.size() ? mem_[k].generation : 0;
      for (uint32_t g = 0; g <= generations; ++g) tokens.push_back(derived_token(k, g));
    }
  }
  for (const Memory& m : mem_) {
    if (m.has_token && m.token_written) tokens.push_back(m.token);
    const IntentRecord& i = history_->intents[m.record];
    if (m.done && m.done_written && i.outcome == Outcome::ok && i.learned.reservation) reservations.push_back(i.learned.reservation);
  }
}

bool Client::crash_scheduled(Time now, Duration restart_after) {
  if (queued_mode() ? down_ : drives_[0].state == State::down) return false;
  crash(now, CallerCrashPoint::scheduled, restart_after);
  return true;
}

// Back up: it drives every intent it does not know to be done, from the first. With a work queue,
// it lists the objects created so far and adds those it does not know to be done; objects created
// while it was down are among them.
void Client::restart(Time now) {
  if (queued_mode()) {
    down_ = false;
    uint32_t first = 0;
    while (first < mem_.size() && mem_[first].done) ++first;
    log_->add(Obs::caller_restart, now, id_).a = first;
    relist(now);  // the objects created so far, those created while it was down included
    return;
  }
  next_k_ = 0;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  log_->add(Obs::caller_restart, now, id_).a = next_k_;
  if (next_k_ >= static_cast<uint32_t>(spec_->intents)) {
    d_->state = State::done;
    log_->add(Obs::caller_done, now, id_);
    return;
  }
  begin_intent(now);
}

void Client::begin_call(Time now, Api api, bool repeat) {
  const TokenMode mode = spec_->token;
  if (api == Api::run && !repeat) {
    if (d_->fresh_token && mode != TokenMode::none && mode != TokenMode::value) {
      // A mismatch or a termination resolved with a new token: it is the intent's now. A derived
      // token's next is derived too ("INTENT/CLIENT/K/r1"): the same after a restart.
      d_->intent_token = mode == TokenMode::derived ? derived_token(d_->k, ++mem_[d_->k].generation) : new_token();
      keep_token(d_->intent_token);
      d_->fresh_token = false;
      d_->write_tried = false;
    }
    // The token goes into the database before the first request that carries it leaves.
    const bool holds = mode == TokenMode::persisted || mode == TokenMode::timestamp;
    if (db_active_ && persists_before_send() && holds && mem_[d_->k].has_token && !mem_[d_->k].token_written &&
        !d_->write_tried) {
      d_->write_tried = true;
      const auto [fails, stall] = db_write(now, true);
      // The write's end is an event of its own (even without a stall): an aborted reconcile hands
      // the next object out from the loop, not from inside this call.
      if (stall.us > 0 || (fails && spec_->controller->on_persist_error == ControllerSpec::abort)) {
        d_->state = State::persisting;
        d_->write_fails = fails;
        io_->wake_after(id_, stall, w_);
        return;
      }
      if (!token_write_ended(now, fails)) return;
    }
  }
  IntentRecord& intent = history_->intents[d_->intent];
  CallRecord call;
  call.client = id_;
  call.intent = d_->intent;
  call.api = api;
  call.repeat = repeat;
  call.invoked = now;
  call.request.region = spec_->region;
  call.request.account = spec_->account;
  // The request's token, as a value: the log interns it anew for each call that sends one.
  Token token;
  if (api == Api::terminate) {
    const Response& got = intent.learned;
    for (uint32_t i = 0; i < got.count; ++i) call.ids.push_back(got.first_instance + i);
    call.request.params = log_->params(LaunchParams{});  // a TerminateInstances has none: the defaults
  } else if (api == Api::describe || repeat) {
    // A Describe filters by the token of the launch call that just gave up; a repeat sends again
    // the launch the intent learned of (from its answer, or adopted through Describe).
    call.request = history_->calls[api == Api::describe ? intent.calls.back() : d_->learned_call].request;
    if (call.request.has_token) token = log_->token_of(call.request.token);
  } else {
    int32_t app_try = 0;  // of this drive of the intent
    for (size_t n = d_->drive_first_call; n < intent.calls.size(); ++n)
      app_try += history_->calls[intent.calls[n]].api == Api::run ? 1 : 0;
    call.app_try = app_try;
    if (d_->type == spec_->request.type && d_->batch_k.size() <= 1) {
      call.request.params = log_->params(spec_->request);
    } else {
      LaunchParams params = spec_->request;
      params.type = d_->type;
      if (d_->batch_k.size() > 1) {  // one call for the batch: MinCount 1, MaxCount for all of them
        params.min = 1;
        params.max = spec_->request.max * static_cast<int32_t>(d_->batch_k.size());
      }
      call.request.params = log_->params(params);
    }
    if (d_->batch_k.size() > 1)
      for (uint32_t k : d_->batch_k) call.batch.push_back(mem_[k].record);
    const bool write_back_mints = mode == TokenMode::write_back && !mem_[d_->k].has_token;
    const bool mint = mode == TokenMode::sdk || mode == TokenMode::per_attempt || write_back_mints ||
                      (mode == TokenMode::persisted && app_try > 0 && spec_->bugs.has(Bug::new_token_per_app_retry));
    if (mint) token = new_token();
    else if (mode != TokenMode::none) token = d_->intent_token;
    if (write_back_mints) {  // the SDK writes its token back into the caller's input
      d_->intent_token = token;
      keep_token(d_->intent_token);
    }
    call.request.has_token = spec_->token != TokenMode::none;
    call.request.tags_on_create = spec_->tag == ClientSpec::Tagging::on_create;
  }
  // Of this drive of the intent: its first launch call, or a later call of the application; a
  // drive after the intent's first is the controller's.
  const bool later = intent.calls.size() > d_->drive_first_call;
  call.layer = repeat || api == Api::terminate ? Layer::first
               : later                         ? Layer::app
               : d_->drive_first_call > 0         ? Layer::controller
                                               : Layer::first;
  d_->call = static_cast<uint32_t>(history_->calls.size());
  intent.calls.push_back(d_->call);
  for (size_t j = 1; j < call.batch.size(); ++j) history_->intents[call.batch[j]].calls.push_back(d_->call);
  {
    // A Describe's filter is the token of the call it looks for, sent or not.
    d_->call_token = (api == Api::describe || api == Api::run) && call.request.has_token ? log_->token(token) : kNone;
    call.request.token = d_->call_token;
    Record& r = log_->add(Obs::call_begun, now, d_->call);
    r.a = d_->intent;
    r.b = id_;
    r.c = d_->call_token;
    r.d = call.request.params;
    r.code = static_cast<uint8_t>(api);
    r.flags = static_cast<uint16_t>((repeat ? kRepeat : 0) | static_cast<uint16_t>(call.layer) << 1);
    r.x = call.app_try;
    for (size_t j = 1; j < call.batch.size(); ++j) log_->add(Obs::call_serves, now, d_->call).a = call.batch[j];
    for (uint32_t id : call.ids) log_->add(Obs::call_names, now, d_->call).a = id;
  }
  history_->calls.push_back(std::move(call));
  // The SDK retries the launch calls and the reconciling Describes; a repeat or a terminate is
  // sent once.
  static const RetryPolicy kOnce = RetryPolicy::none();
  d_->retry.emplace((api == Api::run && !repeat) || api == Api::describe ? spec_->retry : kOnce);
  d_->deadline_at.reset();
  if (spec_->deadline) d_->deadline_at = now + *spec_->deadline;
  d_->until_deadline = false;
  send_attempt(now);
}

void Client::send_attempt(Time now) {
  if (spec_->retry.kind == PolicyKind::aws_adaptive) {
    const Duration wait = limiter_.acquire(now);
    if (wait.us > 0) {
      d_->state = State::rate_wait;
      Record& r = log_->add(Obs::rate_wait, now, d_->call);
      r.a = id_;
      r.b = static_cast<uint32_t>(std::clamp<int64_t>(limiter_.fill_rate_mrps(), 0, UINT32_MAX));
      r.x = wait.us;
      io_->wake_after(id_, wait, w_);
      return;
    }
  }
  transmit(now);
}

void Client::transmit(Time now) {
  // The rate limiter's wait outlasted the call's deadline: the SDK stops before sending.
  if (d_->deadline_at && now >= *d_->deadline_at) {
    stop_at_deadline(now);
    return;
  }
  CallRecord& call = history_->calls[d_->call];
  AttemptRecord a;
  a.call = d_->call;
  a.number = d_->retry->attempt();
  a.sent = now;
  a.has_token = call.request.has_token;
  uint32_t token = a.has_token ? d_->call_token : kNone;
  // The bug of incident 7: the token is made inside the retry loop.
  if (a.number > 1 && a.has_token &&
      (spec_->token == TokenMode::per_attempt || spec_->bugs.has(Bug::token_per_attempt))) {
    token = log_->token(new_token());
  }
  a.token = token;
  d_->attempt = static_cast<uint32_t>(history_->attempts.size());
  call.attempts.push_back(d_->attempt);
  history_->attempts.push_back(a);
  d_->state = State::waiting;
  Record& r = log_->add(Obs::sent, now, d_->attempt);
  r.a = d_->call;
  r.b = static_cast<uint32_t>(a.number);
  r.c = token;
  r.d = id_;
  std::optional<Duration> wait = spec_->timeout;
  if (d_->deadline_at) wait = std::min(wait.value_or(*d_->deadline_at - now), *d_->deadline_at - now);
  io_->send(id_, d_->attempt, wait);
  if (const auto restart_after = io_->crash_now(id_, CallerCrashPoint::after_send))
    crash(now, CallerCrashPoint::after_send, *restart_after);
}

void Client::select_waiting(uint32_t attempt) {
  for (uint32_t w = 0; w < drives_.size(); ++w)
    if (drives_[w].state == State::waiting && drives_[w].attempt == attempt) {
      w_ = w;
      d_ = &drives_[w];
      return;
    }
}

bool Client::on_reply(uint32_t attempt, const Response& r, Time now) {
  select_waiting(attempt);
  if (d_->state != State::waiting || attempt != d_->attempt) return false;
  attempt_ended(classify(r.code), &r, now);
  return true;
}

bool Client::on_timeout(uint32_t attempt, Time now) {
  select_waiting(attempt);
  if (d_->state != State::waiting || attempt != d_->attempt) return false;
  attempt_ended(AttemptEnd::timeout, nullptr, now);
  return true;
}

void Client::attempt_ended(AttemptEnd end, const Response* r, Time now) {
  AttemptRecord& a = history_->attempts[d_->attempt];
  if (r) {
    // The answer reached the process; it may die before acting on it (or writing anything down):
    // then, like an answer to a client that stopped waiting, nobody learned it.
    if (const auto restart_after = io_->crash_now(id_, CallerCrashPoint::after_response)) {
      log_->add(Obs::unheeded, now, d_->attempt).a = id_;
      crash(now, CallerCrashPoint::after_response, *restart_after);
      return;
    }
  }
  a.done = true;
  a.ended = now;
  a.end = end;
  CallRecord& call = history_->calls[d_->call];
  if (r) {
    a.response = *r;
    call.response = *r;
    // What the answer told it goes into its database (after-response: the token too).
    d_->answer_written = !db_active_ || !db_write(now, false).first;
    if (mem_[d_->k].has_token && d_->answer_written && writes_tokens()) mem_[d_->k].token_written = true;
  }
  if (spec_->retry.kind == PolicyKind::aws_adaptive) limiter_.on_response(now, end == AttemptEnd::throttled);
  // A 4xx the policy retries anyway (IncorrectState) is retried like a 5xx; the outcome, if the
  // call ends on it, is still "failed": nothing happened.
  const AttemptEnd retry_as = end == AttemptEnd::client_error && r && spec_->retry.retries_code(r->code)
                                  ? AttemptEnd::server_error
                                  : end;
  d_->last_end = end;
  // The call's deadline ended the attempt's wait: the SDK stops there, its outcome unknown.
  if (d_->deadline_at && now >= *d_->deadline_at && end == AttemptEnd::timeout) {
    call_ended(end, r, now, StopWhy::deadline);
    return;
  }
  if (auto sleep = d_->retry->next(retry_as, quota_, prng_)) {
    // ... or it passed as the attempt ended, or passes during the backoff.
    if (d_->deadline_at && now >= *d_->deadline_at) {
      call_ended(end, r, now, StopWhy::deadline);
      return;
    }
    d_->state = State::backoff;
    Record& b = log_->add(Obs::backoff, now, d_->call);
    b.a = id_;
    b.b = static_cast<uint32_t>(std::clamp<int64_t>(quota_.available(), 0, UINT32_MAX));
    b.x = sleep->us;
    d_->until_deadline = d_->deadline_at && now + *sleep >= *d_->deadline_at;
    io_->wake_after(id_, d_->until_deadline ? *d_->deadline_at - now : *sleep, w_);
    return;
  }
  call_ended(end, r, now, stop_why(d_->retry->stop_reason()));
}

// The call's deadline passed between its attempts (in a backoff, or before a send): it ends on
// what its last attempt got, if it made one.
void Client::stop_at_deadline(Time now) {
  const CallRecord& c = history_->calls[d_->call];
  const bool answered = !c.attempts.empty() && d_->last_end != AttemptEnd::timeout;
  call_ended(c.attempts.empty() ? AttemptEnd::timeout : d_->last_end, answered ? &c.response : nullptr, now, StopWhy::deadline);
}

// The SDK stopped: the call ends, and the application decides what comes next.
void Client::call_ended(AttemptEnd end, const Response* r, Time now, StopWhy why) {
  CallRecord& call = history_->calls[d_->call];
  d_->until_deadline = false;
  call.ended = now;
  call.quota_stopped = d_->retry->stop_reason() == "quota";
  // 4xx: nothing happened. 5xx or no answer: it may have happened (Jepsen's info). Stopped by
  // its deadline, whatever the last attempt got, it would have been retried: unknown.
  call.outcome = why == StopWhy::deadline          ? Outcome::unknown
                 : end == AttemptEnd::ok           ? Outcome::ok
                 : end == AttemptEnd::client_error ? Outcome::failed
                                                   : Outcome::unknown;
  {
    Record& e = log_->add(Obs::call_ended, now, d_->call);
    e.a = id_;
    e.b = static_cast<uint32_t>(why);
    e.code = static_cast<uint8_t>(call.outcome);
  }
  if (call.api == Api::run && !call.repeat) {
    run_call_ended(call, end, now);
  } else if (call.api == Api::describe) {
    describe_ended(call, r, now);
  } else if (call.api == Api::terminate && spec_->repeat_after) {
    d_->state = State::before_repeat;
    io_->wake_after(id_, *spec_->repeat_after, w_);
  } else {
    next_intent(now);
  }
}

void Client::run_call_ended(CallRecord& call, AttemptEnd end, Time now) {
  IntentRecord& intent = history_->intents[d_->intent];
  if (call.outcome == Outcome::ok && !call.batch.empty()) {
    fan_out(call, now);
    return;
  }
  if (call.outcome == Outcome::ok) {
    intent.outcome = Outcome::ok;
    intent.learned = call.response;
    learned(d_->k);
    d_->learned_call = d_->call;
    after_launch(now);
    return;
  }
  if (call.response.code == Code::IdempotentInstanceTerminated && end == AttemptEnd::client_error) {
    terminated(now);
    return;
  }
  for (uint32_t k : d_->batch_k) {  // the intent, or every intent of its batch
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
      d_->fresh_token = true;
      app_retry(now, Api::run, RetryWhy::mismatch_new_token);
    } else {
      app_retry(now, Api::describe, RetryWhy::mismatch_reconcile);
    }
    return;
  }
  if (retryable(end) && spec_->on_unknown == OnUnknown::block) {
    // Incident 9's fix: "create pending" is written down, and nothing moves until a human clears it.
    for (uint32_t k : d_->batch_k) history_->intents[mem_[k].record].blocked = true;
    d_->state = State::done;
    Record& b = log_->add(Obs::blocked, now, d_->intent);
    b.a = id_;
    b.b = static_cast<uint32_t>(intent.index);
    if (queued_mode()) {  // the object waits for a human; the workers go on with the others
      item_[d_->k] |= 8;
      reconciled(now, false);
    }
    return;
  }
  if (budget && (retryable(end) || (capacity && !spec_->fallback_type.empty()))) {
    if (capacity && !spec_->fallback_type.empty()) d_->type = spec_->fallback_type;
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
    d_->fresh_token = true;  // a replacement, with a token of its own
    app_retry(now, Api::run, RetryWhy::terminated_new_token);
    return;
  }
  const CallRecord& call = history_->calls[d_->call];
  for (uint32_t k : d_->batch_k) {
    IntentRecord& each = history_->intents[mem_[k].record];
    if (spec_->on_terminated == OnTerminated::adopt) {
      each.outcome = Outcome::ok;  // launched, as the answer says; nothing left to track
      each.learned = call.response;
      learned(k);
    } else {
      each.outcome = Outcome::failed;
    }
  }
  if (spec_->on_terminated == OnTerminated::adopt) d_->learned_call = d_->call;
  next_intent(now);
}

void Client::app_retry(Time now, Api api, RetryWhy why) {
  d_->next_api = api;
  d_->state = State::app_backoff;
  Record& r = log_->add(Obs::app_retry, now, d_->intent);
  r.a = id_;
  r.b = static_cast<uint32_t>(history_->intents[d_->intent].index);
  r.c = static_cast<uint32_t>(why);
  r.code = static_cast<uint8_t>(api);
  r.x = spec_->app_backoff.us;
  io_->wake_after(id_, spec_->app_backoff, w_);
}

// A describe that found the earlier launch ends the intent as if the launch call had answered;
// one that found nothing leads to the application's next launch call (with a fresh token after a
// mismatch); one that failed even after the SDK's retries goes by on_describe_error.
void Client::describe_ended(const CallRecord& call, const Response* r, Time now) {
  IntentRecord& intent = history_->intents[d_->intent];
  if (r && r->ok() && r->count > 0) {
    intent.outcome = Outcome::ok;
    intent.learned = *r;
    learned(d_->k);
    d_->learned_call = d_->call;  // a describe call carries the request of the launch it looked for
    Record& a = log_->add(Obs::adopted, now, d_->intent);
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
    d_->fresh_token = after_mismatch;
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
        Record& g = log_->add(Obs::gave_up, now, d_->intent);
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
  for (size_t j = 0; j < d_->batch_k.size(); ++j) {
    IntentRecord& each = history_->intents[mem_[d_->batch_k[j]].record];
    const uint32_t from = static_cast<uint32_t>(j) * per;
    const uint32_t got = r.count > from ? std::min(per, r.count - from) : 0;
    const bool short_of_it = got < static_cast<uint32_t>(spec_->request.min);
    if (short_of_it && spec_->on_short == ClientSpec::OnShort::relaunch) {
      short_k.push_back(d_->batch_k[j]);
      continue;
    }
    each.outcome = Outcome::ok;
    each.learned = Response{Code::Ok, r.reservation, got ? r.first_instance + from : 0, got};
    learned(d_->batch_k[j]);
    if (short_of_it) ++left_short;
  }
  d_->learned_call = d_->call;
  {
    Record& f = log_->add(Obs::fanned_out, now, d_->call);
    f.a = id_;
    f.b = r.count;
    f.c = static_cast<uint32_t>(d_->batch_k.size());
    f.d = static_cast<uint32_t>(short_k.size() + static_cast<size_t>(left_short));
    f.code = static_cast<uint8_t>(short_k.empty() ? (left_short ? FanOut::recorded_anyway : FanOut::whole) : FanOut::relaunch);
  }
  if (!short_k.empty()) {
    // Finish the intents that got theirs, and launch the rest again.
    for (uint32_t k : d_->batch_k)
      if (std::find(short_k.begin(), short_k.end(), k) == short_k.end()) {
        history_->intents[mem_[k].record].finished = true;
        mem_[k].done = true;
      }
    d_->batch_k = short_k;
    d_->k = short_k.front();
    d_->intent = mem_[d_->k].record;
    d_->drive_first_call = history_->intents[d_->intent].calls.size() - 1;  // the batch call began this drive
    if (spec_->token != TokenMode::none && spec_->token != TokenMode::value) d_->fresh_token = true;
    begin_call(now, Api::run, false);
    return;
  }
  after_launch(now);
}

void Client::after_launch(Time now) {
  if (spec_->terminate_after) {
    d_->state = State::before_terminate;
    io_->wake_after(id_, *spec_->terminate_after, w_);
  } else if (spec_->repeat_after) {
    d_->state = State::before_repeat;
    io_->wake_after(id_, *spec_->repeat_after, w_);
  } else {
    next_intent(now);
  }
}

void Client::next_intent(Time now) {
  // It knows how an intent ended when an answer settled it (a 200, a Describe that found it, or
  // a 4xx); an unknown outcome is left for a resync, or a restart, to drive again.
  // A definite 4xx settles it too, whatever came before: the caller drives it no more (an earlier
  // call's outcome stays unknown in its record, and the oracle judges what that call did).
  uint32_t last = d_->k;
  const IntentRecord& driven = history_->intents[d_->intent];
  // ... by this drive's last call (a drive that sent nothing settled nothing).
  const CallRecord* last_call =
      driven.calls.size() > d_->drive_first_call ? &history_->calls[driven.calls.back()] : nullptr;
  const bool settled_4xx = last_call && last_call->api == Api::run && !last_call->repeat &&
                           last_call->outcome == Outcome::failed;
  for (uint32_t k : d_->batch_k) {
    IntentRecord& each = history_->intents[mem_[k].record];
    each.finished = true;
    mem_[k].done = each.outcome == Outcome::ok || each.outcome == Outcome::failed || settled_4xx;
    if (mem_[k].done) mem_[k].done_written = d_->answer_written;
    last = std::max(last, k);
  }
  if (queued_mode()) {  // a reconcile that did not settle its object (or write it down) returns an error: requeued
    reconciled(now, !mem_[d_->k].done || !mem_[d_->k].done_written);
    return;
  }
  next_k_ = last + 1;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  if (next_k_ < static_cast<uint32_t>(spec_->intents)) {
    d_->state = State::idle;
    io_->wake_after(id_, spec_->think.sample(prng_), w_);
    return;
  }
  // Every intent driven: a controller with a resync loop drives again those it does not know.
  next_k_ = 0;
  while (next_k_ < mem_.size() && mem_[next_k_].done) ++next_k_;
  if (next_k_ < mem_.size() && spec_->controller && spec_->controller->resync) {
    d_->state = State::resync;
    io_->wake_after(id_, *spec_->controller->resync, w_);
    return;
  }
  d_->state = State::done;
  log_->add(Obs::caller_done, now, id_);
}

// ---- the work queue (controller.queue), as client-go's rate-limited queue runs under
// controller-runtime: Add, AddAfter, AddRateLimited, Forget, Done.

// Object created_ is created (a user applies it): added to the queue; the next one `think` later.
void Client::create_next(Time now) {
  IDEM_CHECK(created_ < static_cast<uint32_t>(spec_->intents), "one creation pending at a time");
  arm_sync();
  add(created_++, now);  // not while the process is down: its restart lists it
  if (created_ < static_cast<uint32_t>(spec_->intents)) {
    const Duration gap = spec_->think.sample(prng_);
    io_->wake_after(id_, gap, kCreateSlot);
  }
  hand_out(now);
  maybe_done(now);
}

// A re-list (every sync_period, and as the process starts again): every object created and not
// known to be done is added.
void Client::relist(Time now) {
  if (!down_ && created_ > 0) {
    log_->add(Obs::caller_resync, now, id_);
    for (uint32_t k = 0; k < created_; ++k)
      if (k >= mem_.size() || !mem_[k].done || !mem_[k].done_written) add(k, now);
  }
  arm_sync();
  hand_out(now);
  maybe_done(now);
}

// One periodic re-list pending at a time, set by a process that is up.
void Client::arm_sync() {
  if (down_ || sync_armed_ || !queue_->sync_period) return;
  sync_armed_ = true;
  io_->wake_after(id_, *queue_->sync_period, kSyncSlot);
}

void Client::add(uint32_t k, Time now) {
  (void)now;
  uint8_t& it = item_[k];
  if (down_ || (it & (1 | 8))) return;   // queued already; or blocked, waiting for a human
  if (it & 2) {                          // being reconciled: once more when that ends
    it |= 4;
    return;
  }
  if (k < mem_.size() && mem_[k].done && mem_[k].done_written) return;  // its reconcile would find nothing to do
  it |= 1;
  fifo_.push_back(k);
}

// client-go's delaying queue holds an object once, at the earlier of its due times.
void Client::add_after(uint32_t k, Duration d, Time now) {
  const int64_t at = (now + d).us;
  if (due_[k] >= 0 && due_[k] <= at) return;
  due_[k] = at;
  ++delayed_;
  io_->wake_after(id_, d, kItemBase + k);
}

void Client::hand_out(Time now) {
  while (!down_ && fifo_head_ < fifo_.size()) {
    uint32_t w = 0;
    while (w < drives_.size() && drives_[w].state != State::idle) ++w;
    if (w == drives_.size()) break;  // every worker busy
    const uint32_t k = fifo_[fifo_head_++];
    item_[k] &= static_cast<uint8_t>(~1);
    if (k < mem_.size() && mem_[k].done && mem_[k].done_written) continue;
    item_[k] |= 2;
    if (k < mem_.size()) mem_[k].done = false;  // reconciled again: what it knew, it learns again
    w_ = w;
    d_ = &drives_[w];
    next_k_ = k;
    begin_intent(now);
  }
  if (fifo_head_ == fifo_.size()) {
    fifo_.clear();
    fifo_head_ = 0;
  }
}

// The current worker's reconcile of its object ended: Done, then Forget (settled) or
// AddRateLimited / AddAfter(requeue_after) (not settled); the worker takes the next object.
void Client::reconciled(Time now, bool requeue) {
  const uint32_t k = d_->k;
  d_->state = State::idle;
  item_[k] &= static_cast<uint8_t>(~2);
  if (!requeue) failures_[k] = 0;
  if (item_[k] & 4) {
    item_[k] &= static_cast<uint8_t>(~4);
    add(k, now);
  }
  if (requeue) {
    const Duration after = queue_->requeue_after ? *queue_->requeue_after : rate_limited(k, now);
    Record& r = log_->add(Obs::requeued, now, d_->intent);
    r.a = id_;
    r.b = k;
    r.c = failures_[k];
    r.x = after.us;
    add_after(k, after, now);
  }
  hand_out(now);
  maybe_done(now);
}

// client-go's DefaultControllerRateLimiter, or the queue's own numbers: the larger of the item's
// exponential failure backoff (base x 2^failures, at most max) and the overall bucket's wait
// (golang.org/x/time/rate's Reserve: qps tokens a second, burst at most; the bucket's tokens are
// kept as microseconds of refill, one token every 1/qps s).
Duration Client::rate_limited(uint32_t k, Time now) {
  const uint32_t exp = failures_[k]++;
  int64_t item_us = queue_->base.us;  // base x 2^exp, at most max (doubled with a check, never past it)
  for (uint32_t i = 0; i < exp && item_us < queue_->max.us; ++i) item_us = item_us > queue_->max.us / 2 ? queue_->max.us : item_us * 2;
  const Duration item(std::min(item_us, queue_->max.us));
  const int64_t per = 1000000 / queue_->qps;
  bucket_us_ = std::min<int64_t>(int64_t{queue_->burst} * per, bucket_us_ + (now - bucket_at_).us);
  bucket_at_ = now;
  bucket_us_ -= per;
  const Duration bucket(bucket_us_ >= 0 ? 0 : -bucket_us_);
  return std::max(item, bucket);
}

// Without a periodic re-list, a process with nothing queued, nothing due and every object created
// and handled is done.
void Client::maybe_done(Time now) {
  if (finished_ || down_ || queue_->sync_period || created_ < static_cast<uint32_t>(spec_->intents) ||
      fifo_head_ < fifo_.size() || delayed_ > 0)
    return;
  for (const Drive& d : drives_)
    if (d.state != State::idle) return;
  finished_ = true;
  log_->add(Obs::caller_done, now, id_);
}

}  // namespace idem::model
