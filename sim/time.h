// Virtual time: integer microseconds in two strong types.
// A Duration is a span, a Time is an instant since the start of a run (t = 0).
// Nothing here reads a clock: the only clock is the event queue's.
#pragma once

#include <cstdint>
#include <string>

namespace idem::sim {

struct Duration {
  int64_t us = 0;

  constexpr Duration() = default;
  constexpr explicit Duration(int64_t micros) : us(micros) {}

  friend constexpr Duration operator+(Duration a, Duration b) { return Duration(a.us + b.us); }
  friend constexpr Duration operator-(Duration a, Duration b) { return Duration(a.us - b.us); }
  friend constexpr Duration operator*(Duration a, int64_t k) { return Duration(a.us * k); }
  friend constexpr auto operator<=>(Duration, Duration) = default;
};

struct Time {
  int64_t us = 0;

  constexpr Time() = default;
  constexpr explicit Time(int64_t micros) : us(micros) {}

  friend constexpr Time operator+(Time t, Duration d) { return Time(t.us + d.us); }
  friend constexpr Duration operator-(Time a, Time b) { return Duration(a.us - b.us); }
  friend constexpr auto operator<=>(Time, Time) = default;
};

constexpr Duration micros(int64_t n) { return Duration(n); }
constexpr Duration millis(int64_t n) { return Duration(n * 1000); }
constexpr Duration seconds(int64_t n) { return Duration(n * 1000000); }
constexpr Duration minutes(int64_t n) { return seconds(n * 60); }
constexpr Duration hours(int64_t n) { return minutes(n * 60); }

// "12.000345s": seconds with six decimals, the canonical form of the trace.
std::string format_time(Time t);
// The shortest exact human form: "250ms", "2s", "1h30m", "1500us".
std::string format_duration(Duration d);
// An instant for a person: hours, minutes and seconds, with the microseconds when there are any:
// "12.000345s", "3m05s", "47h51m01.326558s". The trace keeps format_time's canonical form.
std::string format_clock(Time t);
// Instance-hours (a sum of instances' lives, in µs) as a decimal number of hours to the
// micro-hour: "10", "0.5", "12.345678".
std::string format_instance_hours(int64_t us);

}  // namespace idem::sim
