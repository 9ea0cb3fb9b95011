// A bounded load on `idemsim serve` over loopback: N clients, each a keep-alive connection sending
// RunInstances with a token of its own (a new one per request) for M seconds, one request at a
// time. Prints requests per second and the latency quantiles the clients saw. bench/serve_load.sh
// starts the server, runs this, and checks that every request is in the session's history.
// Threads belong to this load generator only; the server is one thread.
#include <utility>  // Boost 1.74's Asio headers need it first

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: serve_load HOST PORT CLIENTS SECONDS\n");
    return 2;
  }
  const std::string host = argv[1], port = argv[2];
  const int clients = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  std::vector<std::vector<int64_t>> lat(static_cast<size_t>(clients));
  std::atomic<uint64_t> errors{0}, non200{0};
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c)
    ts.emplace_back([&, c] {
      try {
        asio::io_context io;
        tcp::resolver resolver(io);
        beast::tcp_stream stream(io);
        stream.connect(resolver.resolve(host, port));
        beast::flat_buffer buf;
        for (uint64_t k = 0; Clock::now() < end; ++k) {
          http::request<http::string_body> req(http::verb::post, "/", 11);
          req.set(http::field::host, host);
          req.set(http::field::content_type, "application/x-www-form-urlencoded");
          req.set(http::field::user_agent, "idemsim-load/1 client-" + std::to_string(c));
          req.body() = "Action=RunInstances&Version=2016-11-15&ImageId=ami-1&InstanceType=m5.large&MinCount=1&MaxCount=1"
                       "&ClientToken=load-" + std::to_string(c) + "-" + std::to_string(k);
          req.prepare_payload();
          const auto t0 = Clock::now();
          http::write(stream, req);
          http::response<http::string_body> res;
          http::read(stream, buf, res);
          lat[static_cast<size_t>(c)].push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
          if (res.result_int() != 200) ++non200;
        }
      } catch (const std::exception&) {
        ++errors;
      }
    });
  for (auto& t : ts) t.join();
  std::vector<int64_t> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto q = [&](double p) { return all.empty() ? 0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))]; };
  std::printf("clients %d, %.1f s: %zu requests, %.0f requests/s, latency p50 %lld us, p99 %lld us, max %lld us; %llu not 200, %llu clients failed\n",
              clients, seconds, all.size(), static_cast<double>(all.size()) / seconds, static_cast<long long>(q(0.5)),
              static_cast<long long>(q(0.99)), static_cast<long long>(all.empty() ? 0 : all.back()),
              static_cast<unsigned long long>(non200.load()), static_cast<unsigned long long>(errors.load()));
  std::printf("sent %zu\n", all.size());
  return errors.load() ? 1 : 0;
}
