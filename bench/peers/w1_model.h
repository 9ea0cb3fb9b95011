// Workload W1 (bench/workload-w1.md) as a plain model, outside idemsim: the peers' shared part.
// An engine (bare_loop.cpp: a priority queue and a switch; ns3_model.cc: ns-3's event core) owns
// the clock and the pending events; this file owns what an event does. It is written from the
// workload's definition, in its *validation* mode: one SplitMix64 stream per (seed, client), and
// every draw made by the client that owns it in the definition's order, so two engines give the
// same counts bit for bit however they order same-instant events of different clients (within one
// client, an answer and its timeout at the same microsecond: both peers run same-instant events in
// the order they were scheduled).
//
// No reference service, no log, no oracle beyond the definition's two checks: the practical
// lower bound of this model's cost per event.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace w1 {

struct Params {
  int clients = 100;
  int requests = 10;                    // launch requests per client, one after another
  int64_t start_max = 100000;           // a client's start: U[0, start_max) us
  int64_t think_max = 10000;            // between two requests: U[0, think_max) us
  double lose_request = 0.05;           // u < 0.05: the request is lost
  double lose_response = 0.05;          // 0.05 <= u < 0.10: the response is lost
  int64_t net_min = 500, net_max = 1500;             // one-way delay U[min, max) us
  double slow = 0.02;                                // a slow call
  int64_t srv_min = 3000, srv_max = 7000;            // the service's time U[min, max) us
  int64_t slow_min = 900000, slow_max = 1500000;     // ... when slow
  int64_t timeout = 1000000;            // per attempt
  int64_t backoff_base = 10000, backoff_cap = 1000000;
  int attempts = 10;                    // per token, then the request is given up
};

// SplitMix64 (Steele, Lea, Flood 2014), and uniform draws from its top 53 bits.
struct SplitMix64 {
  uint64_t s = 0;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int64_t between(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(unit() * static_cast<double>(hi - lo)); }
};

enum Kind : uint8_t { kSend, kServerRecv, kServerDone, kClientRecv, kTimeout };

struct Counts {
  uint64_t events = 0, attempts = 0, instances = 0, repeats = 0, ok = 0, gave_up = 0, stale = 0,
           violations = 0;
  int64_t end = 0;
  void add(const Counts& o) {
    events += o.events, attempts += o.attempts, instances += o.instances, repeats += o.repeats, ok += o.ok;
    gave_up += o.gave_up, stale += o.stale, violations += o.violations;
    end = std::max(end, o.end);
  }
};

// One seed's state. Engine: `void at(int64_t when_us, Kind, uint32_t id)` schedules an event
// (id: a client for kSend, an attempt otherwise).
template <class Engine>
class Model {
 public:
  Model(const Params& p, uint64_t seed, Engine& engine) : p_(p), engine_(engine) {
    clients_.resize(static_cast<size_t>(p.clients));
    seen_.assign(static_cast<size_t>(p.clients) * static_cast<size_t>(p.requests), 0);
    launched_.assign(seen_.size(), 0);
    attempts_.reserve(static_cast<size_t>(p.clients) * static_cast<size_t>(p.requests) * 12 / 10);
    for (uint32_t c = 0; c < clients_.size(); ++c) {
      clients_[c].rng.s = seed * 1000003ULL + c + 1;
      engine_.at(clients_[c].rng.between(0, p.start_max), kSend, c);
    }
  }

  void on(int64_t now, Kind kind, uint32_t id) {
    ++n_.events;
    n_.end = now;
    switch (kind) {
      case kSend: send(now, id); break;
      case kServerRecv: {
        const Attempt& a = attempts_[id];
        uint8_t& seen = seen_[a.token];
        if (seen == 0) {  // a token it has not seen: one instance, and the token remembered
          ++n_.instances;
          ++launched_[a.token];
        } else {
          ++n_.repeats;
        }
        if (seen < 255) ++seen;
        engine_.at(now + a.service, kServerDone, id);
        break;
      }
      case kServerDone:
        if (!attempts_[id].response_lost) engine_.at(now + attempts_[id].back, kClientRecv, id);
        break;
      case kClientRecv: {
        Client& c = clients_[attempts_[id].client];
        if (c.waiting != id) { ++n_.stale; break; }
        ++n_.ok;
        next_request(now, attempts_[id].client);
        break;
      }
      case kTimeout: {
        const uint32_t ci = attempts_[id].client;
        Client& c = clients_[ci];
        if (c.waiting != id) break;  // answered already: a stale timer
        c.waiting = kNobody;
        if (c.tries >= p_.attempts) {
          ++n_.gave_up;
          next_request(now, ci);
          break;
        }
        // Backoff before retry n (n = the attempts made so far): b = min(base x 2^(n-1), cap),
        // then b/2 plus a uniform draw up to b/2 (equal jitter).
        int64_t b = p_.backoff_base << std::min(c.tries - 1, 40);
        b = std::min(b, p_.backoff_cap);
        engine_.at(now + b / 2 + c.rng.between(0, b / 2), kSend, ci);
        break;
      }
    }
  }

  // The definition's checks: at most one instance per token, and one per token that reached the
  // service (a token the service saw and launched nothing for is a violation too).
  Counts finish() {
    uint64_t reached = 0;
    for (size_t t = 0; t < seen_.size(); ++t) {
      reached += seen_[t] > 0;
      n_.violations += launched_[t] > 1;
    }
    if (reached != n_.instances) ++n_.violations;
    return n_;
  }

 private:
  static constexpr uint32_t kNobody = UINT32_MAX;
  struct Client {
    SplitMix64 rng;
    int request = 0;  // the request it is making
    int tries = 0;    // attempts made for it
    uint32_t waiting = kNobody;
  };
  struct Attempt {
    uint32_t client, token;
    bool response_lost;
    int64_t service, back;
  };

  void send(int64_t now, uint32_t ci) {
    Client& c = clients_[ci];
    ++c.tries;
    ++n_.attempts;
    // The draws, in the definition's order.
    const double fate = c.rng.unit();
    const int64_t there = c.rng.between(p_.net_min, p_.net_max);
    const bool slow = c.rng.unit() < p_.slow;
    const int64_t service = slow ? c.rng.between(p_.slow_min, p_.slow_max) : c.rng.between(p_.srv_min, p_.srv_max);
    const int64_t back = c.rng.between(p_.net_min, p_.net_max);
    const uint32_t id = static_cast<uint32_t>(attempts_.size());
    const bool request_lost = fate < p_.lose_request;
    attempts_.push_back({ci, ci * static_cast<uint32_t>(p_.requests) + static_cast<uint32_t>(c.request),
                         !request_lost && fate < p_.lose_request + p_.lose_response, service, back});
    c.waiting = id;
    engine_.at(now + p_.timeout, kTimeout, id);
    if (!request_lost) engine_.at(now + there, kServerRecv, id);
  }

  void next_request(int64_t now, uint32_t ci) {
    Client& c = clients_[ci];
    c.waiting = kNobody;
    c.tries = 0;
    if (++c.request >= p_.requests) return;
    engine_.at(now + c.rng.between(0, p_.think_max), kSend, ci);
  }

  const Params& p_;
  Engine& engine_;
  std::vector<Client> clients_;
  std::vector<Attempt> attempts_;
  std::vector<uint8_t> seen_;      // per token: requests with it that reached the service (saturating)
  std::vector<uint8_t> launched_;  // per token: launches it made
  Counts n_;
};

}  // namespace w1
