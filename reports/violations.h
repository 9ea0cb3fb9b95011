// The oracle's findings (model/oracle/oracle.h) in words: each violation's subject, its detail and
// its story (the events behind it, from the run log). Every sentence about a run's verdicts is
// written here, once; the trace, the reports, `replay` and `check` print these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "model/observation.h"
#include "model/oracle/oracle.h"

namespace idem::reports {

struct Violation {
  std::string property;
  std::string subject;  // "token 6f1c… in us-east-1" or "intent sdk#3/1"
  std::string detail;
  uint32_t instances = 0;  // launched under the subject
  uint32_t intended = 0;
  uint32_t leaked = 0;     // of those, never learned by the client
  int32_t group = -1;      // the client group it belongs to, or -1
  struct Step {
    sim::Time at;
    std::string what;
    bool key = false;  // a launch, an attempt that launched, or a wrong answer: never elided
  };
  std::vector<Step> events;  // the story behind it, in time order
  // The same story by number, for drawing it: its attempts (the trace's attempt=N), those whose
  // launches broke the rule, and the cleanup jobs' terminations it names (indexes of the run's
  // reaps, in order).
  std::vector<uint32_t> attempts;
  std::vector<uint32_t> bad_launches;
  std::vector<uint32_t> reaps;
  // Why, and the launches it counts (the run's launches, by index): the timeline reads them to mark
  // an intent's launch too many from its caller's side (reports/timeline.h, Launch::bad_in).
  model::Reason reason = model::Reason::wrong_answers;
  std::vector<uint32_t> launches;
};

// Each finding of a run of `s`, worded, in the oracle's order. REQUIRES: the findings are the
// oracle's on `log`.
std::vector<Violation> word(const harness::Scenario& s, const model::RunLog& log, const std::vector<model::Finding>& fs);

// "200 r-0000000000000001 i-0000000000000001+2", "503 Unavailable".
std::string response_text(const model::Response& r);

}  // namespace idem::reports
