// `idemsim audit`: production's own history (CloudTrail's records of EC2's RunInstances and
// TerminateInstances) turned into run-log observations and judged by the same oracle as a
// simulated run (model/oracle/oracle.h), plus what only a log of real callers raises: launches
// without a token that look like a retry's duplicate, what the extra launches cost, and which SDKs
// the fleet's callers run. docs/audit.md says what the log can and cannot show.
//
// Reading streams: one record at a time is parsed and kept as a few integers (names, tokens and
// parameters interned), so memory grows with the EC2 launches and terminations audited, not with
// the files' bytes. The records are then put in time order (whole seconds in CloudTrail; within one
// second, in the order of their files, by name, and of their place in the file) and written to a
// run log: a caller per (principal, User-Agent, account, Region); an intent per (principal,
// account, Region, token), or per launch without a token; a call and an attempt per record; the
// service's decision as the record's answer shows it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "model/observation.h"
#include "model/oracle/oracle.h"
#include "sim/time.h"

namespace idem::audit {

struct Options {
  // Launches without a token, from one principal and User-Agent with equal parameters, this close
  // together are a suspected duplicate.
  sim::Duration window = sim::minutes(2);
  // Who a caller is: the principal's ARN as logged (an assumed role's session included), or the
  // role alone (sessions that rotate their names are one caller).
  bool by_role = false;
  model::Semantics semantics = model::Semantics::current;
  // How long after TerminateInstances an instance is gone: before `terminate_min` a repeat of its
  // token must get the original answer, after `terminate_max` IdempotentInstanceTerminated (under
  // current), in between either.
  sim::Duration terminate_min = sim::Duration(0);
  sim::Duration terminate_max = sim::hours(1);
  // Under v2013: how long after its instances terminated a token is kept at least.
  sim::Duration retention = sim::hours(24);
};

// A file that cannot be read as CloudTrail: its name and where ("file:line:column: what").
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One launch too many: an extra reservation under a token, a launch the rules forbid, or the
// later launch of a suspected duplicate.
struct Leak {
  std::string why;          // "token-instances", "answers", "suspected duplicate"
  std::string reservation;  // as logged
  std::string token;        // "" when none
  std::string caller;       // who launched it
  int64_t launched_us = 0;  // epoch microseconds
  struct Instance {
    std::string id;
    std::optional<int64_t> gone_us;  // its TerminateInstances (epoch µs), when in the log
    std::string by;                  // who asked for it
  };
  std::vector<Instance> instances;
  int64_t instance_us = 0;  // lives summed: launch to termination, or to the log's end
};

// Two launches without a token that look like one retried.
struct Duplicate {
  std::string caller, agent, account, region;
  std::string first_event, second_event;       // eventIDs
  std::string first_reservation, second_reservation;
  int64_t first_us = 0, second_us = 0;
  std::string params;  // "ami-… m5.large ×1 us-east-1a"
};

// Each User-Agent's SDK, the retry profile idemsim models for it, and what its calls did.
struct Caller {
  std::string product;  // "aws-sdk-go-v2/1.48.0", "aws-cli/2.9.19", or the User-Agent's first word
  std::string sdk;      // "go-v2 1.48.0" when idemsim models it, else ""
  std::string profile;  // "aws-standard-2026", or why none ("no profile: ...")
  uint64_t principals = 0, launches = 0, tokenless = 0, errors = 0, terminations = 0, describes = 0, duplicates = 0;
};

struct Result {
  // The history as a run: its log, the scenario it stands for (Regions, zones, accounts, one
  // client group per caller) and the oracle's findings on the token rules.
  std::shared_ptr<const model::RunLog> log;
  harness::Scenario scenario;
  std::vector<model::Finding> findings;
  std::vector<Duplicate> duplicates;
  std::vector<Leak> leaks;
  std::vector<Caller> callers;
  // The records read and not judged, by why ("DescribeInstances: read-only, no answer logged",
  // "s3.amazonaws.com", ...), and the files read.
  std::map<std::string, uint64_t> unused;
  uint64_t files = 0, records = 0, launches = 0, terminations = 0, describes = 0;
  // Tokens whose first record in the log is IdempotentParameterMismatch or
  // IdempotentInstanceTerminated: their life began before the log, and those answers are not judged.
  uint64_t began_before = 0;
  // IdempotentInstanceTerminated for a token whose instances no TerminateInstances in the log named:
  // they ended outside it (a Spot interruption, a shutdown that terminates); not judged.
  uint64_t ended_outside = 0;
  // Suspected duplicates' launches among the leaks (their instances and instance-hours).
  uint64_t suspected_instances = 0;
  int64_t suspected_instance_us = 0;
  int64_t first_us = 0, last_us = 0;  // epoch microseconds of the first and last records judged
  Options options;
  // The log's names as CloudTrail logged them: reservation r-N is reservations[N - 1], instance
  // i-N instances[N - 1] (the run log numbers them from 1, in the order the records show them).
  std::vector<std::string> reservations, instances;
  // `text` with the run log's reservation and instance names ("r-00000000000000001") replaced by
  // the logged ones.
  std::string relabel(const std::string& text) const;
  int64_t leaked_instance_us = 0;
  uint64_t leaked_instances = 0;
};

// Reads every CloudTrail file under `paths` (files or directories, walked in name order): `.json`
// or `.json.gz` (gzip), as delivered (`{"Records": [...]}`), as `aws cloudtrail lookup-events`
// prints (`{"Events": [{"CloudTrailEvent": "..."}]}`), a JSON array of records, or JSON Lines.
// Throws InputError for a file that is missing, unreadable or not such JSON.
Result audit(const std::vector<std::string>& paths, const Options& opt);

// The SDK and version a User-Agent names ("go-v2", "1.48.0"), when idemsim models that SDK.
struct Agent {
  std::string product;  // the part that names the SDK: "aws-sdk-go-v2/1.48.0"
  std::string sdk, version;
};
Agent parse_user_agent(const std::string& ua);

// The properties an audit judges: those a log of the service's answers can show.
bool audited(model::Property p);

}  // namespace idem::audit
