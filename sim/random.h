// The project's one PRNG and its own distributions.
//
// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, passes BigCrush, and is trivially
// seekable into independent streams, which is what a tree of per-subsystem generators needs.
// The standard library's distributions are implementation-defined, so every draw that decides
// anything goes through the integer functions below; no floating point decides an outcome.
#pragma once

#include <cstdint>
#include <string_view>

namespace idem::sim {

// A chance as an exact integer ratio, e.g. {2, 100} for 2%. REQUIRES: den > 0, num <= den.
struct Ratio {
  uint64_t num = 0;
  uint64_t den = 1;

  constexpr bool never() const { return num == 0; }
  friend constexpr bool operator==(Ratio a, Ratio b) {
    return static_cast<unsigned __int128>(a.num) * b.den == static_cast<unsigned __int128>(b.num) * a.den;
  }
};

class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // A generator for a subsystem: its seed is one draw of this one (VOPR's `.seed = prng.int(u64)`).
  Prng child() { return Prng(next()); }

  // The stream of the actor or fault called `name` in the run with `seed`. It depends on nothing
  // else, so adding, removing or reordering other actors or faults leaves its draws alone (what
  // lets a shrinker drop one fault without disturbing the rest). Names are stable texts such as
  // "net", "client/app#3" or "fault/lose response rate 1/10 from 0s#0".
  static Prng named(uint64_t seed, std::string_view name) {
    uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the name
    for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    Prng mixed(Prng(seed).next() ^ h);
    return mixed.child();
  }

  // Uniform in [0, n), unbiased (Lemire's multiply-and-reject). REQUIRES: n > 0.
  uint64_t below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [lo, hi); lo when hi <= lo.
  int64_t range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo)));
  }

  // True with probability r.num / r.den. Draws once even for 0 and 1, so a rate change
  // does not shift every later draw of the stream.
  bool chance(Ratio r) { return below(r.den) < r.num; }

 private:
  uint64_t state_;
};

}  // namespace idem::sim
