// The trace of one run as text, rendered from its log: a header from the scenario (every option the
// run goes by), then one canonical line per event, "<time> <actor> <what> key=value ...", then the
// oracle's violations and the end. `idemsim replay` prints it; nothing formats it during a run.
#pragma once

#include <string>
#include <vector>

#include "harness/scenario.h"
#include "model/observation.h"
#include "reports/violations.h"

namespace idem::reports {

// The header alone: what the run goes by (the seed, the service, its Regions and parts, each
// client group, the reapers, planted bugs, faults, the envelope `check` draws from, the promises).
std::string trace_header(const harness::Scenario& s, uint64_t seed);

// The whole trace. `end`: the run's end (the time of its last event, or its limit).
std::string trace_text(const harness::Scenario& s, uint64_t seed, const model::RunLog& log,
                       const std::vector<Violation>& violations, sim::Time end);

}  // namespace idem::reports
