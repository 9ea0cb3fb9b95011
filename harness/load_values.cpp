// The scenario loader's scalars: durations and ratios as a scenario writes them.
#include <charconv>
#include <limits>
#include <string>
#include <string_view>

#include "harness/load.h"

namespace idem::harness {

using sim::Duration;
using sim::Ratio;

namespace {

bool parse_decimal(std::string_view s, uint64_t& whole, uint64_t& frac, int& frac_digits) {
  whole = 0;
  frac = 0;
  frac_digits = 0;
  size_t i = 0;
  bool digits = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (whole > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
    whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    digits = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (frac_digits >= 12) return false;
      frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
      ++frac_digits;
      digits = true;
    }
  }
  return digits && i == s.size();
}

uint64_t pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

bool parse_duration(const std::string& text, Duration& out) { return parse_duration(text, out, nullptr); }

bool parse_duration(const std::string& text, Duration& out, std::string* why) {
  auto no = [why](const char* reason) {
    if (why) *why = reason;
    return false;
  };
  std::string_view s(text);
  if (s == "0") {
    out = Duration(0);
    return true;
  }
  struct Unit {
    std::string_view name;
    int64_t us;
  };
  static constexpr Unit kUnits[] = {{"us", 1},          {"ms", 1000},           {"s", 1000000},
                                    {"m", 60000000},    {"h", 3600000000LL},    {"d", 86400000000LL}};
  __int128 total = 0;
  bool any = false;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')) ++n;
    size_t u = n;
    while (u < s.size() && s[u] >= 'a' && s[u] <= 'z') ++u;
    if (n == 0 || u == n) return no("write a number and a unit");
    const std::string_view unit = s.substr(n, u - n);
    const Unit* found = nullptr;
    for (const Unit& k : kUnits)
      if (k.name == unit) found = &k;
    if (!found) return no("the unit must be one of us, ms, s, m, h, d");
    uint64_t whole, frac;
    int digits;
    if (!parse_decimal(s.substr(0, n), whole, frac, digits)) return no("the number is not a plain decimal");
    const __int128 scaled_frac = static_cast<__int128>(frac) * found->us;
    if (scaled_frac % pow10(digits) != 0) return no("it is finer than a microsecond, the simulator's tick");
    total += static_cast<__int128>(whole) * found->us + scaled_frac / pow10(digits);
    if (total > kLongestDuration.us) return no("it is longer than 3650d, the longest a scenario may name");
    any = true;
    s.remove_prefix(u);
  }
  if (!any) return no("write a number and a unit");
  out = Duration(static_cast<int64_t>(total));
  return true;
}

bool parse_ratio(const std::string& text, Ratio& out) {
  std::string_view s(text);
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    uint64_t num = 0, den = 0;
    auto a = std::from_chars(s.data(), s.data() + slash, num);
    auto b = std::from_chars(s.data() + slash + 1, s.data() + s.size(), den);
    if (a.ec != std::errc() || a.ptr != s.data() + slash || b.ec != std::errc() ||
        b.ptr != s.data() + s.size() || den == 0 || num > den)
      return false;
    out = Ratio{num, den};
    return true;
  }
  const bool percent = !s.empty() && s.back() == '%';
  if (percent) s.remove_suffix(1);
  uint64_t whole, frac;
  int digits;
  if (!parse_decimal(s, whole, frac, digits) || whole > 100) return false;
  uint64_t den = pow10(digits) * (percent ? 100 : 1);
  uint64_t num = whole * pow10(digits) + frac;
  if (num > den) return false;
  out = Ratio{num, den};
  return true;
}

}  // namespace idem::harness
