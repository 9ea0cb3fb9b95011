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

}  // namespace idem::sim
