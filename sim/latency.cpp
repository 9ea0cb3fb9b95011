#include "sim/latency.h"

namespace idem::sim {

namespace {
constexpr int64_t kScale = 1000000;  // quantiles in parts per million

int64_t lerp(int64_t lo, int64_t hi, int64_t u, int64_t u_lo, int64_t u_hi) {
  // (hi - lo) x (u - u_lo) needs 128 bits only past 2^43 us (101 days) of span: u - u_lo < 2^20.
  // Both widths truncate toward zero, so the result is the same.
  const int64_t w = hi - lo;
  if (w < (int64_t{1} << 43) && w > -(int64_t{1} << 43)) return lo + w * (u - u_lo) / (u_hi - u_lo);
  const __int128 span = static_cast<__int128>(w) * (u - u_lo);
  return lo + static_cast<int64_t>(span / (u_hi - u_lo));
}
}  // namespace

Latency Latency::uniform(Duration lo, Duration hi) {
  const int64_t w = hi.us - lo.us;
  return Latency{lo, Duration(lo.us + w / 2), Duration(lo.us + w * 99 / 100), hi};
}

Duration Latency::sample(Prng& prng) const {
  const int64_t u = static_cast<int64_t>(prng.below(kScale));
  if (u < 500000) return Duration(lerp(min.us, median.us, u, 0, 500000));
  if (u < 990000) return Duration(lerp(median.us, p99.us, u, 500000, 990000));
  return Duration(lerp(p99.us, max.us, u, 990000, kScale));
}

std::string describe(const Latency& l) {
  if (l.min == l.max) return format_duration(l.min);
  const Latency u = Latency::uniform(l.min, l.max);
  if (u.median == l.median && u.p99 == l.p99) return format_duration(l.min) + ".." + format_duration(l.max);
  return format_duration(l.min) + ".." + format_duration(l.median) + ".." + format_duration(l.p99) + ".." +
         format_duration(l.max);
}

}  // namespace idem::sim
