// The event loop: the clock jumps to the next event; nothing else ever moves it.
#pragma once

#include <cstdint>

#include "sim/event_queue.h"

namespace idem::sim {

// Something that runs events: the world the loop drives.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual void dispatch(const Event& e) = 0;
};

// Runs events in (time, sequence) order until none is left or the next is later than `limit`.
// Returns how many ran.
template <typename F>
uint64_t run_until(EventQueue& q, Time limit, F&& dispatch) {
  uint64_t n = 0;
  while (!q.empty() && q.top().at <= limit) {
    const Event e = q.pop();
    dispatch(e);
    ++n;
  }
  return n;
}

// The same loop with each event executed as a handler on a Boost.Asio io_context (the one place
// Asio is compiled in; see asio_loop.cpp). Same order, same results; slower, as measured by
// bench/loop_bench.
uint64_t run_until_asio(EventQueue& q, Time limit, Dispatcher& d);

}  // namespace idem::sim
