// The property oracle: reads the clients' history and the service's ground truth after a run and
// names every broken promise.
//
// Properties (DOMAIN.md, "What no token ever yields more instances than intended means"):
//  token-instances:   per token and scope, at most one reservation, and no more instances than
//                     the MaxCount of the request that first used the token.
//  intent-instances:  per intent, no more instances than it asked for, counting the ones the
//                     client never learned of (leaked).
//  same-response:     every successful answer for a token in a scope names the same reservation
//                     and instances.
//  mismatch-no-launch: a request answered IdempotentParameterMismatch launched nothing, and every
//                     launch under a token used the token's first parameters.
//  scope-separate:    an answer names a reservation of the request's own Region (and zone, when
//                     the scope is zonal).
#pragma once

#include <string>
#include <vector>

#include "model/history.h"
#include "model/service.h"

namespace idem::model {

struct Violation {
  std::string property;
  std::string subject;  // "token 6f1c… in us-east-1" or "intent sdk#3/1"
  std::string detail;
  uint32_t instances = 0;  // launched under the subject
  uint32_t intended = 0;
  uint32_t leaked = 0;     // of those, never learned by the client
  struct Step {
    Time at;
    std::string what;
  };
  std::vector<Step> events;  // the history behind it, in time order
};

struct OracleInput {
  const History& history;
  const Service& service;
  const std::vector<std::string>& region_names;
};

std::vector<Violation> check(const OracleInput& in);

// Instances launched for the intent and how many of those the client never learned of.
struct IntentCount {
  uint32_t launched = 0;
  uint32_t leaked = 0;
};
std::vector<IntentCount> count_by_intent(const History& h, const Service& s);

}  // namespace idem::model
