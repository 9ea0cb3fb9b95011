#include "model/bugs.h"

#include <array>

namespace idem::model {

namespace {
constexpr std::array<BugInfo, static_cast<size_t>(Bug::kCount)> kBugs = {{
    {"record-after-launch", "rule 7: the token is recorded when the launch completes, so a repeat in flight launches again"},
    {"no-inflight-join", "rule 7: a repeat that arrives while the first request is in flight launches too"},
    {"case-insensitive-token", "rule 1: tokens are case-sensitive; this store folds case"},
    {"token-length-65", "rule 1: a 65-character token is accepted instead of InvalidParameterValue"},
    {"non-ascii-token", "rule 1: a token with non-ASCII bytes is accepted instead of InvalidParameterValue"},
    {"token-prefix-32", "rule 1: the store keeps only a token's first 32 characters"},
    {"global-token-table", "rule 4: the Region is left out of the store's key"},
    {"ignore-zone-scope", "rule 4: under `current` the zone is left out of the store's key", BugInfo::current_only},
    {"zone-as-parameter", "rules 3 and 4: under 2013 the zone is compared as a parameter", BugInfo::v2013_only},
    {"mismatch-ignores-type", "rule 3: the instance type is not compared"},
    {"mismatch-ignores-subnet", "rule 3: SubnetId is not compared"},
    {"mismatch-vs-first-launch", "rule 3: a token whose first request failed is forgotten, so other parameters launch"},
    {"relaunch-after-terminated", "rule 5: under `current` a repeat launches again once the instances terminated", BugInfo::current_only},
    {"original-after-terminated", "rule 5: under `current` a repeat gets the original answer, not IdempotentInstanceTerminated", BugInfo::current_only},
    {"retention-from-launch", "rule 5: 2013 retention is counted from the launch, not from the termination", BugInfo::v2013_only},
    {"forget-at-termination", "rule 5: the token is forgotten as soon as its instances terminate"},
    {"degraded-repeat", "rule 2 (incident 15): a repeat answers 200 with the reservation but no instances"},
    {"decide-at-arrival", "rule 5: under `current` whether the token's instances terminated is judged by the clock when the request arrived, not when the service decides after its validate and reserve steps", BugInfo::current_only, true},
    {"token-per-attempt", "incident 7: the client makes a new token for every attempt"},
    {"new-token-per-app-retry", "incidents 1, 16: an application that keeps its token mints a new one per retry"},
    {"new-token-on-mismatch", "incidents 5, 6: after IdempotentParameterMismatch the application retries with a new token"},
}};
}  // namespace

const BugInfo& bug_info(Bug b) { return kBugs[static_cast<size_t>(b)]; }

std::string bug_acts_under(Bug b, Semantics s) {
  const BugInfo& i = bug_info(b);
  const bool current = s == Semantics::current;
  if ((i.under == BugInfo::v2013_only && current) || (i.under == BugInfo::current_only && !current))
    return "'" + std::string(i.name) + "' " + (i.acts_under_other ? "cannot break the rules" : "has no effect") +
           " under `" + (current ? "current" : "2013") + "` semantics: it departs from the " +
           (current ? "2013" : "`current`") + " rules only" +
           (i.acts_under_other ? " (it changes runs there, in ways those rules allow)" : "");
  return "";
}

bool parse_bug(std::string_view name, Bug& out) {
  for (size_t i = 0; i < kBugs.size(); ++i) {
    if (kBugs[i].name == name) {
      out = static_cast<Bug>(i);
      return true;
    }
  }
  return false;
}

}  // namespace idem::model
