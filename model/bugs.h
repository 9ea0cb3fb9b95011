// Planted bugs: deliberate, named departures from the token rules, switched on per scenario
// (`bugs: [name, ...]`) to prove that the checker catches each one. A bug is data: one flag in a
// BugSet, read in exactly one place of the model (the service or the client). docs/bugs.md says
// which rule or incident each one breaks. With no bug named, the model follows the rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/types.h"

namespace idem::model {

enum class Bug : uint8_t {
  // The service (model/service.cpp)
  record_after_launch,        // rule 7: the token is recorded when the launch completes, not when taken in
  no_inflight_join,           // rule 7: a repeat that arrives while the first is in flight launches too
  case_insensitive_token,     // rule 1: the store folds case
  token_length_65,            // rule 1: a 65-character token is accepted
  non_ascii_token,            // rule 1: a token with non-ASCII bytes is accepted
  token_prefix_32,            // rule 1: the store keys a token by its first 32 characters
  global_token_table,         // rule 4: the Region is left out of the store's key
  ignore_zone_scope,          // rule 4: the zone is left out of the key under `current`
  zone_as_parameter,          // rule 3/4: under 2013 the zone is compared as a parameter
  mismatch_ignores_type,      // rule 3: the instance type is not compared
  mismatch_ignores_subnet,    // rule 3: the subnet is not compared
  mismatch_vs_first_launch,   // rule 3: a token whose first request failed is forgotten
  relaunch_after_terminated,  // rule 5: `current` launches again once the instances terminated
  original_after_terminated,  // rule 5: `current` answers like 2013 (the original response)
  retention_from_launch,      // rule 5: 2013 retention is counted from the launch
  forget_at_termination,      // rule 5: the token is forgotten when its instances terminate
  degraded_repeat,            // rule 2: a repeat answers 200 with the reservation but no instances
  decide_at_arrival,          // rule 5: termination judged by the clock at arrival, not when the service decides
  // The client (model/client.cpp)
  token_per_attempt,          // incident 7: the SDK makes a new token for every attempt
  new_token_per_app_retry,    // incident 16: a persisted-token application mints a new token per retry
  new_token_on_mismatch,      // incidents 5, 6: after IdempotentParameterMismatch, retry with a new token
  kCount
};

struct BugInfo {
  std::string_view name;    // as written in a scenario
  std::string_view breaks;  // the rule or incident, one line
  // The token rules under which it departs from anything: both, or only `current` or `2013`.
  enum Under : uint8_t { both, current_only, v2013_only } under = both;
  // Under the other semantics it still changes runs (in ways those rules allow), not nothing.
  bool acts_under_other = false;
};

const BugInfo& bug_info(Bug b);
// A bug of the callers (model/client.cpp), not the service's: the enum lists the service's first.
inline bool bug_is_callers(Bug b) { return b >= Bug::token_per_attempt; }
// Why a bug cannot act under these token rules ("'zone-as-parameter' has no effect under
// `current`: ..."), or "" when it can.
std::string bug_acts_under(Bug b, Semantics s);
// The bug a scenario names, or false when there is none by that name.
bool parse_bug(std::string_view name, Bug& out);

class BugSet {
 public:
  constexpr BugSet() = default;
  constexpr bool has(Bug b) const { return (bits_ >> static_cast<unsigned>(b)) & 1u; }
  constexpr void add(Bug b) { bits_ |= uint32_t{1} << static_cast<unsigned>(b); }
  constexpr void remove(Bug b) { bits_ &= ~(uint32_t{1} << static_cast<unsigned>(b)); }
  constexpr bool empty() const { return bits_ == 0; }
  friend constexpr bool operator==(BugSet, BugSet) = default;

 private:
  uint32_t bits_ = 0;
};
static_assert(static_cast<unsigned>(Bug::kCount) <= 32, "BugSet holds 32 bugs");

}  // namespace idem::model
