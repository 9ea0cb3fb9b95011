// Inside the oracle: what its properties share while judging one ledger. Each property lives in
// its own file (token_props.cpp, intent_props.cpp, promises.cpp); check() (oracle.cpp) runs them
// in a fixed order, so findings come out in the same order every time.
#pragma once

#include <optional>
#include <vector>

#include "model/oracle/oracle.h"
#include "model/oracle/rules.h"

namespace idem::model {

struct Judge {
  Judge(const Ledger& l, const Rules& r, const Promises* p, OracleCounts* c) : l(l), rules(r), promises(p), counts(c) {}

  const Ledger& l;
  const Rules& rules;
  const Promises* promises;
  OracleCounts* counts;
  std::vector<Finding> out;

  // Logical intents: intent k of client i of every group naming one intent is one.
  std::vector<uint32_t> logical;       // per intent record: its logical intent
  std::vector<uint32_t> head;          // per logical intent: its first intent record
  std::vector<uint32_t> members;       // intent records, grouped by logical intent...
  std::vector<uint32_t> member_begin;  // ... L's are members[member_begin[L] .. member_begin[L + 1])
  std::vector<uint32_t> invalid;       // RunInstances attempts with an invalid token or parameters
  std::vector<bool> after_expiry;      // per launch: made by a repeat of a 2013 token past its retention
  // (logical intent, reservation) of every answer that named a reservation to an intent, sorted.
  std::vector<std::pair<uint32_t, uint32_t>> answered;
  // Instances launched for a logical intent that no answer to it named: (intent, launch, first
  // instance, how many), in intent order (filled by intents(), read by promised()).
  struct Leak { uint32_t L, launch, first, count; };
  std::vector<Leak> leaks;

  void logical_intents();
  void scopes();       // token_props.cpp: answers, token-collision, token-instances
  void untokened();    // token_props.cpp: rule 6, and requests with an invalid token or parameters
  void others();       // token_props.cpp: DescribeInstances and TerminateInstances answers
  void placements();   // token_props.cpp: each launch as its request asked
  void intents();      // intent_props.cpp (fills `answered`)
  void reaps();        // intent_props.cpp (reads `answered`: after intents())
  void promised();     // promises.cpp: liveness, amplification and leaks (reads `leaks`: after intents())
  void leaked();       // promises.cpp: leaks

  // ---- shared helpers
  // Rule 1 for a token of the log, and the parameters of a request valid in its Region (each
  // judged once per token, or per parameters and Region).
  bool valid_token(uint32_t token) const;
  bool valid_request(uint32_t attempt) const;
  mutable std::vector<int8_t> token_valid_, params_valid_;  // -1: not judged yet
  const Response* answer_of(uint32_t a) const { return l.attempts[a].received(); }
  // When every instance of a launch has terminated (asked for, plus terminate_time), or none
  // while one has not been asked to.
  std::optional<Time> terminated_at(const Ledger::Launch& launch) const;
  // When instance `id` was gone: its termination asked (by anyone), plus terminate_time.
  std::optional<Time> gone_at(uint32_t id) const {
    if (id == 0 || id - 1 >= l.terminating.size() || !l.terminating[id - 1]) return std::nullopt;
    return *l.terminating[id - 1] + rules.terminate_time;
  }
  // How long instance `id`, launched at `at`, ran: until it was gone, or the limit (with promises).
  Duration life(uint32_t id, Time at) const {
    const Time limit = promises ? promises->limit : Time(INT64_MAX);
    const Time end = std::min(gone_at(id).value_or(limit), limit);
    return Duration(std::max<int64_t>(0, (end - at).us));
  }
  // A request that takes no part in its token's life: the service released its launch before it
  // happened (its frontend crashed; recovery freed the token), or it joined such a launch.
  bool released(uint32_t attempt) const;
  // Whether `got` is an answer the rules allow for a request that must get `e`, given the token's
  // launch (kNone: none yet).
  bool allowed(uint32_t attempt, Expect e, uint32_t launch) const;
  std::vector<uint32_t> launches_in(const uint32_t* begin, const uint32_t* end) const;
  std::vector<uint32_t> intent_attempts(uint32_t L) const;
  bool told_terminated(uint32_t n, uint32_t attempt) const;
  bool generations(uint32_t L, std::vector<uint32_t>& ls, const std::vector<uint32_t>& shares, uint32_t& total) const;
  int32_t group_of_attempt(uint32_t a) const { return static_cast<int32_t>(l.clients[l.call_of(a).client].group); }
  int32_t group_of_intent(uint32_t i) const { return static_cast<int32_t>(l.clients[l.intents[i].client].group); }
  Finding about(uint32_t intent, Property p, Reason r) const;
};

}  // namespace idem::model
