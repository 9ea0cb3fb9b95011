// A run drawn as lanes, for the HTML report (reports/html_timeline.cpp), from its log and its
// worded violations: the clients and the service's frontends, each attempt from its client to the
// frontend that took it in and back, the launches (those that broke a rule marked, those no answer
// named and the termination that ended them), the faults' windows and a crash fault's instants,
// the crashes and restarts, the cleanup jobs' terminations. Times in microseconds of simulated
// time. Saved in the results file (docs/results-format.md, "timeline").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/world.h"
#include "reports/violations.h"

namespace idem::reports {

struct Timeline {
  struct Lane {
    std::string name;    // "app#0", "us-east-1 frontend 0", "us-east-1 token store", "reaper 0"
    std::string kind;    // "client", "frontend", "store", "reaper"
    std::string region;  // the Region it is in (a client's: the one it calls)
  };
  struct Attempt {
    uint32_t id = 0;    // the attempt id: the trace's and the story's attempt=N
    uint32_t from = 0;  // its client's lane
    // The lane of the frontend that took it in (or, when the Region's endpoint answered it before
    // any frontend did, the Region's first lane); -1: it never reached the Region.
    int32_t to = -1;
    int64_t sent_us = 0;
    int64_t reached_us = -1;   // when it reached the Region; -1: never (lost on the way)
    int64_t answered_us = -1;  // when its answer left (the service's, a storm's, the quota's); -1: none
    int64_t ended_us = -1;     // when its client saw its end (an answer, a timeout, a reset); -1: none by the limit
    int64_t late_us = -1;      // when an answer reached it after its client stopped waiting; -1: none
    std::string what;          // "RunInstances call 3 try 2 token=abc"
    std::string end;           // "200 r-2", "timed out; its answer was lost on the way back", ...
    std::string lost;          // "request": lost on the way; "answer": its answer lost on the way back; "" 
    uint8_t story = 0;         // 1: in a violation's story; 2: in the focus violation's
  };
  struct Launch {
    int64_t at_us = 0;
    int32_t lane = -1;      // the frontend that launched it
    uint32_t attempt = 0;   // the attempt that made it
    std::string what;       // "r-2: 1 instance(s)"
    bool bad = false;       // beyond the one allowed, or forbidden by the rules: bad_in is not empty
    // The violations (indexes into `violations`) that find it broke their rule. For an intent's
    // launches beyond the one allowed, the one allowed is the first an answer to the intent named
    // (the caller's story: the launch nobody told it of is the one too many), else the first the
    // service decided.
    std::vector<uint32_t> bad_in;
    // Leaked: no answer the intent's caller received named it; the caller cannot know it exists
    // (the run's `leaked` count, launch by launch).
    bool leaked = false;
    // The termination that ended it (its last instance's, asked by a reaper or a caller's
    // TerminateInstances): when, on which lane (the reaper's, or the frontend that took the call
    // in; -1: not drawn) and by whom. -1: some instance was still running at the run's end.
    int64_t terminated_us = -1;
    int32_t terminated_lane = -1;
    std::string terminated_by;  // "reaper 0", "app#0 TerminateInstances attempt 7"
  };
  struct Span {
    std::string fault;  // its description, as in replay's header
    int64_t from_us = 0, until_us = 0;  // its window, cut at heal_at and the limit
    std::string region;  // the Region it is limited to; "" for all
    // A crash strikes at instants, not over a window (the window is when it may strike; a crash at
    // a time has none): when it struck in this run.
    bool instant = false;
    std::vector<int64_t> at_us;
  };
  struct Mark {
    int64_t at_us = 0;
    int32_t lane = -1;
    std::string what;  // "frontend 0 crashed", "frontend 0 back", "process crashed (after-send)", "terminated i-3"
    // A reaper's termination in a violation's story, or of a launch in one: 1, or 2 in the focus's.
    uint8_t story = 0;
  };
  uint64_t seed = 0;
  uint64_t events = 0;
  int64_t end_us = 0;  // the run's end (its last event, or the limit)
  std::vector<std::string> violations;  // "PROPERTY SUBJECT: DETAIL", each
  // The violation whose story the close-up draws (story 2): the first of the property the
  // scenario's `expect` names, else the first.
  uint32_t focus = 0;
  std::vector<Lane> lanes;
  std::vector<Attempt> attempts;
  uint64_t attempts_left_out = 0;  // of clients in no violation's story, in a run too large to draw whole
  std::vector<Launch> launches;
  std::vector<Span> faults;
  std::vector<Mark> marks;
};

// REQUIRES: r.log (RunOptions::keep_log); `vs` worded from r's findings.
Timeline timeline(const harness::Scenario& s, const harness::RunResult& r, const std::vector<Violation>& vs);

}  // namespace idem::reports
