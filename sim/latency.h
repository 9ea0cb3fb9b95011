// A latency distribution given by its quantiles, sampled with integers only.
//
// The distribution is piecewise uniform between (0%, min), (50%, median), (99%, p99) and
// (100%, max): it has exactly the median and p99 a scenario names, and with only min and max
// it is the uniform distribution on [min, max).
#pragma once

#include <string>

#include "sim/random.h"
#include "sim/time.h"

namespace idem::sim {

struct Latency {
  Duration min;
  Duration median;
  Duration p99;
  Duration max;

  static Latency fixed(Duration d) { return Latency{d, d, d, d}; }
  // Uniform on [lo, hi).
  static Latency uniform(Duration lo, Duration hi);
  // REQUIRES: min <= median <= p99 <= max.
  bool valid() const { return min <= median && median <= p99 && p99 <= max && min.us >= 0; }

  Duration sample(Prng& prng) const;
};

// For people: "40ms" when fixed, "3ms..7ms" when uniform, else "min..median..p99..max".
std::string describe(const Latency& l);

}  // namespace idem::sim
