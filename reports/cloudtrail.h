// A run as CloudTrail would have logged it (`run --cloudtrail FILE`, `replay --cloudtrail FILE`):
// one record per request that reached the service and that the service answered, with the
// service's own answer (what it said, even when a fault on the way lost it or replaced it), in the
// shape CloudTrail delivers EC2's management events (`{"Records": [...]}`). Nothing is written for
// a request the network lost, a request a storm turned away before the service saw it, a request
// no frontend took in, or a request whose frontend crashed before it answered: CloudTrail sees
// none of those. docs/audit.md lists each field and where it comes from.
//
// `idemsim audit` reads these files back (audit/): a run whose truth is known tests the audit.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "harness/scenario.h"
#include "model/observation.h"

namespace idem::reports {

// The 12-digit account id a scenario's account is written with: its name when it is 12 digits,
// else 123456789012 + its index.
std::string cloudtrail_account_id(const harness::Scenario& s, uint32_t account);
// The instant a run's time 0 is written as: 2026-01-01T00:00:00Z, in microseconds since the epoch.
inline constexpr int64_t kCloudTrailEpochUs = 1767225600LL * 1000000;
// The User-Agent a group's calls are written with: the SDK its `retry.sdk` names, in the form that
// SDK sends ("aws-sdk-go-v2/1.48.0 os/linux lang/go ..."), else "idemsim/1 (GROUP; retry POLICY)".
std::string cloudtrail_user_agent(const harness::ClientGroup& g);

// Writes the records of a run of `s` at `seed` whose log is `log`.
void write_cloudtrail(std::ostream& out, const harness::Scenario& s, const model::RunLog& log, uint64_t seed);

}  // namespace idem::reports
