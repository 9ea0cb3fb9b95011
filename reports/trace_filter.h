// Filters over a kept trace, for `idemsim replay`: a 1,900-line timeline cut down to the
// client, token, intent or moment a user is looking at. Filters compose (a line must pass each
// one given); the header lines (the run's options, at time 0 from `world`) always pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/time.h"

namespace idem::reports {

struct TraceFilter {
  std::optional<std::string> client;  // a client ("app#3") or a group ("app"): its lines and the service's about it
  std::optional<std::string> token;   // a token as the trace prints it: the calls that sent it, every line about their attempts
  std::optional<std::string> intent;  // "app#3/0": the client's lines for that intent and the service's about its attempts
  std::optional<sim::Time> around;    // lines within `within` of this time
  sim::Duration within = sim::seconds(1);

  bool any() const { return client || token || intent || around; }
};

// The lines of `trace` (one event a line, as the world writes them) that pass `f`, after the
// run's header lines.
std::string filter_trace(const std::string& trace, const TraceFilter& f);

// Whether a violation concerns what `f` names: its subject or one of its events names the
// client, the token or the intent (--around does not narrow violations).
bool violation_matches(const std::string& subject, const std::vector<std::string>& events, const TraceFilter& f);

}  // namespace idem::reports
