// A broken invariant of idemsim itself (a bug of the harness, not of the system under test). It
// stops the run in every build type, unlike assert(), and the batch that ran it reports the
// scenario, the seed and the command that reproduces it (exit code 3).
#pragma once

#include <stdexcept>
#include <string>

namespace idem::sim {

class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  throw InvariantError(std::string("invariant broken: ") + what + " (" + file + ":" + std::to_string(line) + ")");
}

}  // namespace idem::sim

// IDEM_CHECK(condition, "what must hold"): costs one branch when it holds.
#define IDEM_CHECK(cond, what)                                                   \
  do {                                                                           \
    if (!(cond)) [[unlikely]] ::idem::sim::invariant_failed(what, __FILE__, __LINE__); \
  } while (0)
