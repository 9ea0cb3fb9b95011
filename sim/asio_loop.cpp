// Boost.Asio runs the simulated actors' handlers; the kernel's own queue decides what runs when.
// Asio's timers are not used: under the epoll reactor they follow the wall clock, and virtual
// time must jump.
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "sim/loop.h"

namespace idem::sim {

uint64_t run_until_asio(EventQueue& q, Time limit, Dispatcher& d) {
  boost::asio::io_context io(1);
  auto guard = boost::asio::make_work_guard(io);
  uint64_t n = 0;
  while (!q.empty() && q.top().at <= limit) {
    const Event e = q.pop();
    boost::asio::post(io, [&d, e] { d.dispatch(e); });
    io.poll_one();
    ++n;
  }
  return n;
}

}  // namespace idem::sim
