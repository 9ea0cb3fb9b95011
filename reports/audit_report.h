// `idemsim audit`'s report (audit/audit.h): the verdict, the token rules' violations in words with
// their stories, the suspected duplicates, the leaks, the fleet's callers, the records not judged,
// and a scenario sketch per finding, as Markdown, CSV, JSON, JUnit XML or one HTML page.
#pragma once

#include <ostream>
#include <string>

#include "audit/audit.h"

namespace idem::reports {

enum class AuditFormat { md, csv, json, junit, html };

// `command`: the command line that made it (printed in the report, so that it can be made again).
void write_audit(std::ostream& out, const audit::Result& r, AuditFormat f, const std::string& command, bool strict);

// A scenario (YAML) that reproduces the mechanism of the i-th suspected duplicate or of a
// violation, as far as the log shows it: the caller's SDK profile, its token behaviour, the timing.
std::string audit_sketch(const audit::Result& r, const std::string& caller_agent, bool tokenless, int64_t gap_us,
                         const std::string& what);

}  // namespace idem::reports
