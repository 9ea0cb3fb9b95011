// The oracle's own reading of the token rules (the scenario format's "The token rules"), written
// apart from the service's on purpose: the oracle judges the service, so it never calls the code
// under test.
#pragma once

#include <cstdint>
#include <optional>

#include "model/oracle/oracle.h"

namespace idem::model {

// Rule 1: 1 to 64 ASCII characters.
bool token_is_valid(const Token& token);
// Rule 3: every parameter but the Region and the zone (the scope) matches.
bool same_parameters(const LaunchParams& a, const LaunchParams& b);
// The 400 a request's parameters get in its Region (zone, subnet, image, type, counts), or none.
std::optional<Code> invalid_parameters(const LaunchParams& p, const RegionSpec& region);

// A token's scope (rule 4): (account, Region, zone) + token. zone 0 is the regional scope, else 1 +
// the zone's index in its Region. The token is pointed to, not copied.
struct ScopeKey {
  uint32_t region = 0;
  uint32_t zone = 0;
  const Token* token = nullptr;
  uint32_t account = 0;
  friend bool operator==(const ScopeKey& a, const ScopeKey& b) {
    return *a.token == *b.token && a.region == b.region && a.zone == b.zone && a.account == b.account;
  }
  friend bool operator<(const ScopeKey& a, const ScopeKey& b) {
    if (*a.token != *b.token) return *a.token < *b.token;
    if (a.account != b.account) return a.account < b.account;
    if (a.region != b.region) return a.region < b.region;
    return a.zone < b.zone;
  }
};
// The scope of a RunInstances request with a token. REQUIRES: the attempt carries one.
ScopeKey scope_of(const Ledger& l, const Rules& rules, uint32_t attempt);
// 1 + the zone's index in its Region, or one past the last zone for a name that is not one.
uint32_t zone_index(const RegionSpec& region, const std::string& zone);

// Where and what a launch put up, against the request that made it: the first field that
// differs, or none (Misplaced, oracle.h).
std::optional<Misplaced> misplaced(const Ledger& l, const Rules& rules, const Ledger::Launch& launch);

}  // namespace idem::model
