// `idemsim serve`'s HTTP/1.1 server (Boost.Beast): keep-alive connections on loopback by default,
// bounded (body, header, connections, idle time), each request routed (serve/router.h) to the
// live service (harness/live.h) and its answer written back when the service's events give it, a
// reset as a TCP reset, a lost answer as silence until the client gives up. The one translation
// unit of serve with Asio in it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness/live.h"
#include "serve/session.h"

namespace idem::serve {

struct ServeOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8787;                 // 0: any free port (hooks.listening says which)
  std::optional<int64_t> for_us;        // stop after this long; unset: at SIGINT or SIGTERM
  uint32_t default_region = 0;          // a request whose credential scope names none
  size_t body_limit = 1 << 20;          // bytes
  size_t header_limit = 16 << 10;       // bytes
  size_t max_connections = 1024;        // more are closed as they come
  int64_t idle_us = 120'000'000;        // a connection with no request in flight this long is closed
  int64_t epoch_unix_s = 0;             // the wall clock at time 0 (launch times on the wire)
};

struct ServeHooks {
  std::function<void(uint16_t port)> listening;               // the server is up, on this port
  std::function<void(const SessionInput&)> input;             // each input as the service takes it
  // GET /__idemsim/report's body: the session so far, Markdown (or, with ?format=json, the results file).
  std::function<std::string(int64_t now_us, bool json)> report;
};

struct ServeCounts {
  uint64_t connections = 0, requests = 0, answered = 0, resets = 0, refused_wire = 0, reports = 0;
};

// The server could not listen where it was told (the address in use, not this machine's, ...).
struct ListenError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs until opt.for_us or a signal (SIGINT, SIGTERM, SIGHUP); returns when the session ended (microseconds since start).
int64_t serve_http(harness::LiveService& live, const ServeOptions& opt, const ServeHooks& hooks, ServeCounts& counts);

}  // namespace idem::serve
