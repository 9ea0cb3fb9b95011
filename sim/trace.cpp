#include "sim/trace.h"

#include <cstdio>
#include <cstring>

namespace idem::sim {

TraceLine::~TraceLine() {
  if (!committed_) trace_.commit();
}

void TraceLine::put(std::string_view s) {
  // Room is kept for the cut mark and the '\n'; a line never ends silently short.
  const size_t room = Trace::kMaxLine - 1 - Trace::kCutMark.size() - trace_.len_;
  const size_t n = s.size() < room ? s.size() : room;
  std::memcpy(trace_.buf_ + trace_.len_, s.data(), n);
  trace_.len_ += n;
  if (n < s.size()) trace_.cut_ = true;
}

void TraceLine::put_int(int64_t v) {
  // Two digits at a time from a table: this runs several times for every event.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char tmp[24];
  int i = sizeof tmp;
  uint64_t a = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  while (a >= 100) {
    const size_t pair = static_cast<size_t>(a % 100) * 2;
    a /= 100;
    tmp[--i] = kPairs[pair + 1];
    tmp[--i] = kPairs[pair];
  }
  if (a >= 10) {
    tmp[--i] = kPairs[a * 2 + 1];
    tmp[--i] = kPairs[a * 2];
  } else {
    tmp[--i] = static_cast<char>('0' + a);
  }
  if (v < 0) tmp[--i] = '-';
  put(std::string_view(tmp + i, sizeof tmp - i));
}

TraceLine& TraceLine::word(std::string_view w) {
  put(" ");
  put(w);
  return *this;
}

TraceLine& TraceLine::kv(std::string_view key, std::string_view value) {
  put(" ");
  put(key);
  put("=");
  put(value);
  return *this;
}

namespace {
bool needs_escape(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7f || c == '\\' || c == '"';
}
// Calls put(piece) for each piece of the escaped text, without allocating.
template <typename Put>
void escape_into(std::string_view value, Put put) {
  if (value.empty()) {
    put(std::string_view("\"\""));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!needs_escape(value[i])) continue;
    put(value.substr(run, i - run));
    const auto u = static_cast<unsigned char>(value[i]);
    const char esc[4] = {'\\', 'x', kHex[u >> 4], kHex[u & 0xf]};
    put(std::string_view(esc, 4));
    run = i + 1;
  }
  put(value.substr(run));
}
}  // namespace

TraceLine& TraceLine::kv_text(std::string_view key, std::string_view value) {
  put(" ");
  put(key);
  put("=");
  escape_into(value, [this](std::string_view piece) { put(piece); });
  return *this;
}

std::string escaped(std::string_view value) {
  std::string out;
  escape_into(value, [&out](std::string_view piece) { out.append(piece); });
  return out;
}

TraceLine& TraceLine::kv(std::string_view key, int64_t value) {
  put(" ");
  put(key);
  put("=");
  put_int(value);
  return *this;
}

// Exact and readable: whole microseconds below 1 ms ("750us"), else milliseconds below 1 s
// ("66.912ms"), else seconds ("2.5s", "600s"), with no trailing zeros.
void TraceLine::put_duration(Duration d) {
  int64_t us = d.us;
  if (us < 0) {
    put("-");
    us = -us;
  }
  int64_t unit = 1;
  std::string_view name = "us";
  int digits = 0;
  if (us >= 1000000) unit = 1000000, name = "s", digits = 6;
  else if (us >= 1000) unit = 1000, name = "ms", digits = 3;
  put_int(us / unit);
  int64_t frac = us % unit;
  if (frac != 0) {
    char buf[8];
    int n = digits;
    while (frac % 10 == 0) frac /= 10, --n;
    for (int i = n - 1; i >= 0; --i, frac /= 10) buf[i] = static_cast<char>('0' + frac % 10);
    put(".");
    put(std::string_view(buf, static_cast<size_t>(n)));
  }
  put(name);
}

TraceLine& TraceLine::kv(std::string_view key, Duration d) {
  put(" ");
  put(key);
  put("=");
  put_duration(d);
  return *this;
}

TraceLine& TraceLine::kv_id(std::string_view key, char prefix, uint32_t id) {
  // "r-0000000000000001a": EC2's form, 17 hex digits, as reservation_name() prints it.
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[19];
  buf[0] = prefix;
  buf[1] = '-';
  uint64_t v = id;
  for (int i = 18; i >= 2; --i, v >>= 4) buf[i] = kHex[v & 0xf];
  put(" ");
  put(key);
  put("=");
  put(std::string_view(buf, sizeof buf));
  return *this;
}

TraceLine Trace::line(Time at, std::string_view actor) {
  len_ = 0;
  // Seconds with six decimals, built by hand: this runs for every event.
  TraceLine prefix(*this);
  const int64_t a = at.us < 0 ? -at.us : at.us;
  if (at.us < 0) prefix.put("-");
  prefix.put_int(a / 1000000);
  char frac[8] = {'.', '0', '0', '0', '0', '0', '0', 's'};
  int64_t f = a % 1000000;
  for (int i = 6; i >= 1; --i) {
    frac[i] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  prefix.put(std::string_view(frac, sizeof frac));
  prefix.put(" ");
  prefix.put(actor);
  prefix.committed_ = true;  // the prefix object hands the line on to the returned one
  return TraceLine(*this);
}

void Trace::commit() {
  if (cut_) {
    std::memcpy(buf_ + len_, kCutMark.data(), kCutMark.size());
    len_ += kCutMark.size();
    cut_ = false;
  }
  buf_[len_++] = '\n';
  ++count_;
  text_.append(buf_, len_);
  len_ = 0;
}

std::string format_hash(uint64_t h) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace idem::sim
