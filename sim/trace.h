// Trace text: canonical lines, "<time> <actor> <what> key=value ...", built in a fixed buffer and
// appended to a string. reports/ renders a run's log with it (`idemsim replay`); nothing formats
// text during a run, and a run's hash is over its log, not over this text. A line longer than
// kMaxLine ends in " [line cut]".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "sim/time.h"

namespace idem::sim {

class Trace;

// One line under construction. Obtained from Trace::line(); the line is committed when this
// object is destroyed.
class TraceLine {
 public:
  TraceLine(const TraceLine&) = delete;
  TraceLine& operator=(const TraceLine&) = delete;
  ~TraceLine();

  TraceLine& word(std::string_view w);
  TraceLine& kv(std::string_view key, std::string_view value);
  // A value that came from a user (a token, a name): spaces, control characters, backslashes
  // and quotes are written as \xHH, and an empty value as "", so it stays one word of one line.
  TraceLine& kv_text(std::string_view key, std::string_view value);
  TraceLine& kv(std::string_view key, int64_t value);
  // Durations print exactly, in readable units: "750us", "66.912ms", "2.5s".
  TraceLine& kv(std::string_view key, Duration d);
  // An EC2 id: prefix 'r' or 'i' and 17 hex digits ("r-0000000000000001a").
  TraceLine& kv_id(std::string_view key, char prefix, uint32_t id);

 private:
  friend class Trace;
  explicit TraceLine(Trace& t) : trace_(t) {}
  void put(std::string_view s);
  void put_int(int64_t v);
  void put_duration(Duration d);
  Trace& trace_;
  bool committed_ = false;
};

class Trace {
 public:
  Trace() = default;
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Starts a line: "<time> <actor>".
  TraceLine line(Time at, std::string_view actor);

  uint64_t lines() const { return count_; }
  // The lines, each ending in '\n'.
  const std::string& text() const { return text_; }
  std::string take_text() { return std::move(text_); }

 private:
  friend class TraceLine;
  void commit();

  static constexpr size_t kMaxLine = 2048;
  // Ends a line that did not fit (a very long token value, say).
  static constexpr std::string_view kCutMark = " [line cut]";
  char buf_[kMaxLine];
  size_t len_ = 0;
  bool cut_ = false;
  uint64_t count_ = 0;
  std::string text_;
};

// "0x0123456789abcdef"
std::string format_hash(uint64_t h);

// `value` as kv_text() writes it.
std::string escaped(std::string_view value);

}  // namespace idem::sim
