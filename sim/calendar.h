// UTC dates and times as text, for logs that name wall-clock instants (CloudTrail's eventTime,
// launchTime): integer arithmetic on the proleptic Gregorian calendar, no time zone, no locale,
// no C library clock, so the same on every machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace idem::sim {

// "2026-01-01T00:00:05Z" (whole seconds, rounded down) or, with `millis`, "2026-01-01T00:00:05.250Z".
std::string format_utc(int64_t epoch_us, bool millis = false);
// Reads "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" (a space may stand for the T): microseconds
// since 1970-01-01T00:00:00Z, or nothing when the text is not such a time.
std::optional<int64_t> parse_utc(std::string_view text);

}  // namespace idem::sim
