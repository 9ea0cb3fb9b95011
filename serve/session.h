// A live session's inputs, kept so that it can be judged again: each request as the live service
// took it (harness/live.h, LiveRequest) and each connection a client closed while it waited, with
// the time, one JSON object per line. The live service is a function of its scenario, its seed and
// these inputs, so `idemsim serve SCENARIO --replay SESSION` gives the same log and verdict as
// the session did (and `GET /__idemsim/report` judges the session so far the same way).
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "harness/live.h"

namespace idem::serve {

struct SessionInput {
  int64_t at_us = 0;
  enum Kind : uint8_t { request, gone } kind = request;
  harness::LiveRequest req;  // request
  uint32_t nth = 0;          // gone: which request of the session (0: its first), whatever the faults made of it
};

struct Session {
  std::string scenario;         // the file, as given
  uint64_t content_hash = 0;    // the scenario file's (a replay against another file is refused)
  uint64_t seed = 0;
  int64_t end_us = -1;          // when it ended (-1: the file has no end line: cut short)
  std::vector<SessionInput> inputs;
};

// The first line (what ran), one per input, the last (when it ended).
void write_header(std::ostream& out, const std::string& scenario, uint64_t content_hash, uint64_t seed);
void write_input(std::ostream& out, const SessionInput& in);
void write_end(std::ostream& out, int64_t end_us);
// Throws std::runtime_error "FILE:LINE: what is wrong" for a line that is not one of those.
Session read_session(std::istream& in, const std::string& file);

// The session's log and verdict: its inputs fed to a fresh live service of `s` (the scenario as
// loaded; the result's groups are live_scenario(s)'s) at their times, ended at `end_us`.
harness::RunResult judge(const harness::Scenario& s, uint64_t seed, const std::vector<SessionInput>& inputs, int64_t end_us);

}  // namespace idem::serve
