#include "sim/time.h"

#include <cstdio>

namespace idem::sim {

std::string format_time(Time t) {
  char buf[40];
  const char* sign = t.us < 0 ? "-" : "";
  const int64_t a = t.us < 0 ? -t.us : t.us;
  std::snprintf(buf, sizeof buf, "%s%lld.%06llds", sign, static_cast<long long>(a / 1000000),
                static_cast<long long>(a % 1000000));
  return buf;
}

std::string format_duration(Duration d) {
  if (d.us == 0) return "0s";
  std::string out = d.us < 0 ? "-" : "";
  int64_t a = d.us < 0 ? -d.us : d.us;
  if (a % 1000 != 0) return out + std::to_string(a) + "us";
  if (a % 1000000 != 0) return out + std::to_string(a / 1000) + "ms";
  int64_t s = a / 1000000;
  struct Unit { int64_t size; const char* name; };
  for (Unit u : {Unit{3600, "h"}, Unit{60, "m"}, Unit{1, "s"}}) {
    if (s >= u.size) {
      out += std::to_string(s / u.size) + u.name;
      s %= u.size;
    }
  }
  return out;
}

std::string format_clock(Time t) {
  std::string out = t.us < 0 ? "-" : "";
  const int64_t a = t.us < 0 ? -t.us : t.us;
  const int64_t s = a / 1000000, frac = a % 1000000, h = s / 3600, m = s / 60 % 60, sec = s % 60;
  auto two = [](int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (h > 0) out += std::to_string(h) + "h" + two(m) + "m" + two(sec);
  else if (m > 0) out += std::to_string(m) + "m" + two(sec);
  else out += std::to_string(sec);
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f = std::string(6 - f.size(), '0') + f;
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "s";
}

std::string format_instance_hours(int64_t us) {
  const int64_t micro_hours = (us + 1800) / 3600;  // to the nearest micro-hour
  std::string out = std::to_string(micro_hours / 1000000);
  std::string f = std::to_string(micro_hours % 1000000);
  f = std::string(6 - f.size(), '0') + f;
  while (!f.empty() && f.back() == '0') f.pop_back();
  return f.empty() ? out : out + "." + f;
}

}  // namespace idem::sim
