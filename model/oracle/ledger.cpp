#include "model/oracle/ledger.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace idem::model {

namespace {

// The element `i` of a table, grown to hold it (a hand-written log may name ids out of order, but
// not far past what it holds: a run's ids are dense).
template <typename T>
T& at(std::vector<T>& v, uint32_t i, size_t bound) {
  if (v.size() <= i) [[unlikely]] {
    if (i >= bound)
      throw std::invalid_argument("the run log names id " + std::to_string(i) + ", beyond the " + std::to_string(bound) +
                                  " its records allow: its ids are not dense");
    v.resize(static_cast<size_t>(i) + 1);
  }
  return v[i];
}

class Indexer {
 public:
  explicit Indexer(const RunLog& log) : log_(log), bound_(log.records().size() + 1) { out_.log = &log; }

  Ledger run() {
    const std::vector<Record>& rs = log_.records();
    presize(rs);
    for (size_t i = 0; i < rs.size(); ++i) {
      const Record* next = i + 1 < rs.size() ? &rs[i + 1] : nullptr;
      take(rs[i], next);
    }
    finish();
    return std::move(out_);
  }

 private:
  Ledger::Attempt& attempt(uint32_t id) { return slot(out_.attempts, id); }
  // A table's entry for id `i`: no id of a run is past the number of its records.
  template <typename T>
  T& slot(std::vector<T>& v, uint32_t i) { return at(v, i, bound_); }

  // Every table at its size at once (ids are dense), so that indexing one grows nothing.
  void presize(const std::vector<Record>& rs) {
    uint32_t clients = 0, intents = 0, calls = 0, attempts = 0, ops = 0, launches = 0;
    const size_t bound = rs.size() + 1;  // no id of a run is past the number of its records
    const auto upto = [bound](uint32_t& n, uint32_t id) {
      if (id == kNone || id < n) return;
      if (id >= bound)
        throw std::invalid_argument("the run log names id " + std::to_string(id) + ", beyond the " + std::to_string(bound) +
                                    " its records allow: its ids are not dense");
      n = id + 1;
    };
    for (const Record& r : rs) {
      switch (r.kind) {
        case Obs::client: upto(clients, r.subject); break;
        case Obs::intent_begun: upto(intents, r.subject); break;
        case Obs::call_begun: upto(calls, r.subject); break;
        case Obs::sent: upto(attempts, r.subject); break;
        case Obs::duplicated: upto(attempts, r.a); break;
        case Obs::admitted: upto(ops, r.a); break;
        case Obs::launched: upto(ops, r.subject), upto(launches, r.b); break;
        default: break;
      }
    }
    out_.clients.resize(clients);
    out_.intents.resize(intents);
    out_.calls.resize(calls);
    out_.attempts.resize(attempts);
    out_.ops.resize(ops);
    out_.launches.reserve(launches);
    call_attempts_.reserve(attempts);
    intent_calls_.reserve(calls);
  }

  void take(const Record& r, const Record* next) {
    const sim::Time t = r.time();
    switch (r.kind) {
      case Obs::client: {
        Ledger::Client& c = slot(out_.clients, r.subject);
        c.group = r.a, c.index = r.b, c.region = r.c, c.intent_group = r.d;
        c.account = r.flags;
        c.label = static_cast<uint32_t>(r.x);
        const uint32_t intent = static_cast<uint32_t>(static_cast<uint64_t>(r.x) >> 32);
        c.intent_name = intent ? intent - 1 : kNone;
        break;
      }
      case Obs::intent_begun: {
        Ledger::Intent& in = slot(out_.intents, r.subject);
        in.client = r.a, in.k = r.b;
        in.intended = static_cast<int32_t>(r.c);
        in.least = static_cast<int32_t>(r.x);
        break;
      }
      case Obs::intent_named: slot(out_.intents, r.subject).name = r.a; break;
      case Obs::call_begun: {
        Ledger::Call& c = slot(out_.calls, r.subject);
        c.intent = r.a, c.client = r.b, c.token = r.c, c.params = r.d;
        c.api = static_cast<Api>(r.code);
        c.repeat = (r.flags & kRepeat) != 0;
        c.layer = static_cast<Layer>(r.flags >> 1);
        c.app_try = static_cast<int32_t>(r.x);
        c.invoked = t;
        slot(out_.intents, r.a);
        intent_calls_.emplace_back(r.a, r.subject);
        break;
      }
      case Obs::call_serves: {
        Ledger::Call& c = slot(out_.calls, r.subject);
        if (c.batch.empty()) c.batch.push_back(c.intent);
        c.batch.push_back(r.a);
        slot(out_.intents, r.a);
        intent_calls_.emplace_back(r.a, r.subject);
        break;
      }
      case Obs::call_names: slot(out_.calls, r.subject).ids.push_back(r.a); break;
      case Obs::sent: {
        Ledger::Attempt& a = attempt(r.subject);
        a.call = r.a;
        a.number = static_cast<int32_t>(r.b);
        a.token = r.c;
        a.sent = t;
        slot(out_.calls, r.a);
        call_attempts_.emplace_back(r.a, r.subject);
        break;
      }
      case Obs::call_ended: {
        Ledger::Call& c = slot(out_.calls, r.subject);
        c.ended = t;
        c.outcome = static_cast<Outcome>(r.code);
        c.quota_stopped = static_cast<StopWhy>(r.b) == StopWhy::quota;
        break;
      }
      case Obs::caller_crash: slot(out_.clients, r.subject).crashes.push_back(t); break;
      case Obs::delivered: {
        Ledger::Attempt& a = attempt(r.subject);
        // An answer the caller stopped waiting for, or one its process died before acting on,
        // is qualified by the record that follows it.
        const bool late = next && next->subject == r.subject && (next->kind == Obs::ignored || next->kind == Obs::unheeded);
        a.answered = sim::Time(r.x);
        if (late) {
          a.late = true;
          a.late_at = t;
          a.late_response = r.response();
          if (next->kind == Obs::unheeded) a.fate = Fate::caller_crashed;
        } else {
          a.end = Ledger::Attempt::answer;
          a.ended = t;
          a.response = r.response();
          slot(out_.calls, a.call).response = a.response;
        }
        break;
      }
      case Obs::timed_out:
      case Obs::reset_seen: {
        Ledger::Attempt& a = attempt(r.subject);
        if (r.flags & kUnheard) break;  // nobody waited on it
        a.end = r.kind == Obs::timed_out ? Ledger::Attempt::timeout : Ledger::Attempt::reset;
        a.ended = t;
        break;
      }
      case Obs::intent_state: {
        Ledger::Intent& in = slot(out_.intents, r.subject);
        in.outcome = static_cast<Outcome>(r.code);
        in.finished = (r.flags & kFinished) != 0;
        in.blocked = (r.flags & kBlocked) != 0;
        in.learned = r.response();
        in.learned.code = Code::Ok;
        break;
      }
      case Obs::lost_request: attempt(r.subject).fate = Fate::request_lost; break;
      case Obs::reset_before: attempt(r.subject).fate = Fate::reset_before; break;
      case Obs::duplicated: {
        Ledger::Attempt copy = attempt(r.subject);
        copy.duplicate_of = r.subject;
        copy.fate = Fate::none;
        copy.end = Ledger::Attempt::open;
        slot(out_.attempts, r.a) = copy;
        break;
      }
      case Obs::arrived: {
        Ledger::Attempt& a = attempt(r.subject);
        a.arrived = t;
        a.frontend = r.a;
        break;
      }
      case Obs::lost_response: attempt(r.subject).fate = Fate::response_lost, attempt(r.subject).answered = t; break;
      case Obs::reset_after: attempt(r.subject).fate = Fate::reset_after, attempt(r.subject).answered = t; break;
      case Obs::reset_by_crash: attempt(r.subject).fate = Fate::crashed; break;
      case Obs::storm_before: attempt(r.subject).fate = Fate::turned_away; break;
      case Obs::transient: attempt(r.subject).fate = Fate::transient; break;
      case Obs::storm_after: attempt(r.subject).fate = Fate::answer_replaced, attempt(r.subject).answered = t; break;
      case Obs::throttled: attempt(r.subject).fate = Fate::throttled; break;
      case Obs::refused: attempt(r.subject).fate = Fate::refused; break;
      case Obs::described:
      case Obs::terminated: attempt(r.subject).handled = t; break;
      case Obs::terminating: {
        // Instances are numbered from 1; a launch puts up at most 10,000 of them.
        if (r.subject == 0) throw std::invalid_argument("the run log asks instance 0 to terminate: instances count from 1");
        std::optional<sim::Time>& when = at(out_.terminating, r.subject - 1, 10000 * log_.records().size() + 1);
        if (!when) when = t;
        break;
      }
      case Obs::store_down: attempt(r.subject).store_down = true; break;
      case Obs::admitted: {
        Ledger::Attempt& a = attempt(r.subject);
        a.decided = t;
        a.order = admitted_++;
        a.admit = static_cast<Admit>(r.flags & 3);
        a.op = a.admit == Admit::reply ? kNone : r.a;
        a.owner = r.d;
        if (a.admit == Admit::started) slot(out_.ops, r.a).attempt = r.subject;
        break;
      }
      case Obs::launched: {
        Ledger::Op& op = slot(out_.ops, r.subject);
        op.launched = true;
        const Response got = r.response();
        if (!got.ok() || got.reservation == 0) break;
        op.launch = got.reservation - 1;
        Ledger::Launch& l = slot(out_.launches, got.reservation - 1);
        l.op = r.subject, l.attempt = r.a;
        l.reservation = got.reservation, l.first = got.first_instance, l.count = got.count;
        l.at = t;
        break;
      }
      case Obs::placed: {
        Ledger::Launch& l = slot(out_.launches, r.subject - 1);
        l.placed = true;
        l.region = r.a, l.account = r.b, l.zone = r.c, l.subnet = r.d;
        l.params = static_cast<uint32_t>(r.x);
        break;
      }
      case Obs::abandoned: {
        Ledger::Op& op = slot(out_.ops, r.subject);
        op.abandoned = true;
        op.bound = (r.flags & kBound) != 0;
        break;
      }
      case Obs::reaped: out_.reaps.push_back({t, r.subject, r.a, (r.flags & kTagged) != 0}); break;
      default: break;  // what the oracle does not read: backoffs, the network's and the caller's other steps
    }
  }

  // (owner, item) pairs, in the log's order, as each owner's items in that order: `store` holds them
  // owner by owner, and `span_of(owner)` is set to its part.
  template <typename Owner, typename Span>
  static void group(std::vector<std::pair<uint32_t, uint32_t>>& pairs, std::vector<uint32_t>& store,
                    std::vector<Owner>& owners, Span Owner::*span_of) {
    std::vector<uint32_t> begin(owners.size() + 1, 0);
    for (const auto& [owner, item] : pairs) ++begin[owner + 1];
    for (size_t i = 1; i < begin.size(); ++i) begin[i] += begin[i - 1];
    store.assign(pairs.size(), 0);
    std::vector<uint32_t> next(begin.begin(), begin.end() - 1);
    for (const auto& [owner, item] : pairs) store[next[owner]++] = item;
    for (size_t i = 0; i < owners.size(); ++i)
      owners[i].*span_of = Span(store.data() + begin[i], begin[i + 1] - begin[i]);
  }

  void finish() {
    group(call_attempts_, out_.call_attempts, out_.calls, &Ledger::Call::attempts);
    group(intent_calls_, out_.intent_calls, out_.intents, &Ledger::Intent::calls);
    // Launches taken on and not finished at the time limit, in the order they were taken on.
    for (uint32_t id = 0; id < out_.ops.size(); ++id) {
      Ledger::Op& op = out_.ops[id];
      if (op.attempt == kNone || op.launched || op.abandoned) continue;
      Ledger::Launch l;
      l.op = id;
      l.attempt = op.attempt;
      l.count = static_cast<uint32_t>(out_.params_of(op.attempt).max);
      l.at = out_.attempts[op.attempt].decided.value_or(out_.attempts[op.attempt].sent);
      l.region = out_.region_of(op.attempt);
      l.account = out_.account_of(op.attempt);
      op.launch = static_cast<uint32_t>(out_.launches.size());
      out_.launches.push_back(l);
      ++out_.in_flight;
    }
    for (const Ledger::Launch& l : out_.launches)
      if (l.attempt == kNone || l.attempt >= out_.attempts.size())
        throw std::invalid_argument("the run log's reservations are not dense: one has no launch (a `placed` without its "
                                    "`launched`, or a gap in the numbering)");
    out_.launch_of.assign(out_.attempts.size(), kNone);
    for (uint32_t i = 0; i < out_.launches.size(); ++i) {
      const Ledger::Launch& l = out_.launches[i];
      if (l.attempt < out_.launch_of.size()) out_.launch_of[l.attempt] = i;
      if (!l.reservation) continue;
      if (out_.reservation_of.size() < l.first - 1 + l.count) out_.reservation_of.resize(l.first - 1 + l.count, 0);
      for (uint32_t k = 0; k < l.count; ++k) out_.reservation_of[l.first - 1 + k] = l.reservation;
    }
    out_.terminating.resize(std::max(out_.terminating.size(), out_.reservation_of.size()));
    // A call is over when it ended, or when its caller's process crashed after it began.
    for (Ledger::Call& c : out_.calls) {
      c.over = c.ended;
      if (c.client >= out_.clients.size()) continue;
      for (sim::Time crash : out_.clients[c.client].crashes)
        if (crash >= c.invoked && (!c.over || crash < *c.over)) {
          c.over = crash;
          break;
        }
    }
  }

  const RunLog& log_;
  const size_t bound_;  // no id of a run is past the number of its records
  Ledger out_;
  uint32_t admitted_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> call_attempts_, intent_calls_;  // (call, attempt), (intent, call)
};

}  // namespace

Ledger index_log(const RunLog& log) { return Indexer(log).run(); }

}  // namespace idem::model
