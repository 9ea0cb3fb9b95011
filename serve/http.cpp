#include <utility>  // Boost 1.74's Asio headers need it first

#include "serve/http.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <memory>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "serve/router.h"

namespace idem::serve {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kIdle = UINT32_MAX;

class Server;

// One client connection: reads a request, waits for its answer (watching for the client closing
// meanwhile), writes it, reads the next.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(Server& srv, tcp::socket sock);
  void start() { read(); }
  // The live service's answer to the request this connection waits on.
  void deliver(const harness::LiveAnswer& a);
  void close_now(bool reset);

 private:
  void read();
  void on_request();
  void write(int status, std::string body, bool keep_alive, const char* type = "text/xml;charset=UTF-8");
  void watch_close();
  void arm_idle();

  Server& srv_;
  tcp::socket sock_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer idle_;
  std::string peer_;
  uint32_t waiting_ = kIdle;  // the attempt whose answer it waits on
  uint32_t nth_ = 0;          // which request of the session that is
  Ec2Request ec2_;            // that request, parsed
  bool keep_alive_ = true;
  bool closed_ = false;
  std::shared_ptr<http::response<http::string_body>> out_;
  // Itself, while it waits for an answer: the watch may end (the client pipelined its next
  // request) and nothing else owns it then (the server keeps weak pointers).
  std::shared_ptr<Conn> hold_;
};

class Server {
 public:
  Server(harness::LiveService& live, const ServeOptions& opt, const ServeHooks& hooks, ServeCounts& counts)
      : live_(live), opt_(opt), hooks_(hooks), counts_(counts), acceptor_(io_), tick_(io_), stop_timer_(io_), accept_retry_(io_),
        signals_(io_, SIGINT, SIGTERM), start_(Clock::now()) {
    signals_.add(SIGHUP);  // the terminal closed: the session ends and is judged, as at Ctrl-C
  }

  int64_t run() {
    try {
      const tcp::endpoint ep(asio::ip::make_address(opt_.address), opt_.port);
      acceptor_.open(ep.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      acceptor_.bind(ep);
      acceptor_.listen();
    } catch (const boost::system::system_error& e) {
      throw ListenError(e.code().message());
    }
    if (hooks_.listening) hooks_.listening(acceptor_.local_endpoint().port());
    accept();
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
      if (!ec) stop();
    });
    if (opt_.for_us) {
      stop_timer_.expires_at(start_ + std::chrono::microseconds(*opt_.for_us));
      stop_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) stop();
      });
    }
    io_.run();
    return end_us_;
  }

  int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
  }

  // A request off the wire: an error answered at once, or a request for the live service.
  // Returns the attempt to wait on (kIdle: answered here).
  uint32_t take(const HttpIn& in, Ec2Request& ec2, HttpOut& now_out, bool& report, bool& json, uint32_t& nth) {
    ++counts_.requests;
    const std::string_view path = std::string_view(in.target).substr(0, in.target.find('?'));
    report = path == "/__idemsim/report" && in.method == "GET";
    if (report) {
      ++counts_.reports;
      json = in.target.find("format=json") != std::string::npos;
      now_out = HttpOut{200, hooks_.report ? hooks_.report(now_us(), json) : std::string("no report\n")};
      return kIdle;
    }
    auto routed = route(in, live_.scenario(), opt_.default_region);
    if (auto* e = std::get_if<WireError>(&routed)) {
      ++counts_.refused_wire;
      now_out = render_error(*e, request_id(next_id_++));
      return kIdle;
    }
    Routed& r = std::get<Routed>(routed);
    ec2 = std::move(r.ec2);
    const int64_t t = now_us();
    if (hooks_.input) {
      SessionInput si;
      si.at_us = t;
      si.req = r.request;
      hooks_.input(si);
    }
    nth = arrivals_++;
    return live_.arrive(r.request, sim::Time(t));
  }

  void wait_on(uint32_t attempt, const std::shared_ptr<Conn>& c) {
    waiting_[attempt] = c;
    flush();
  }

  // The client of `attempt` (the session's request `nth`) closed its connection while it waited.
  void gone(uint32_t attempt, uint32_t nth) {
    waiting_.erase(attempt);
    if (stopped_) return;
    const int64_t t = now_us();
    if (hooks_.input) {
      SessionInput si;
      si.at_us = t;
      si.kind = SessionInput::gone;
      si.nth = nth;
      hooks_.input(si);
    }
    live_.gone(attempt, sim::Time(t));
    flush();
  }

  // Hands out every answer ready, then waits for the next event due.
  void flush() {
    for (const harness::LiveAnswer& a : live_.take_answers()) {
      auto it = waiting_.find(a.attempt);
      if (it == waiting_.end()) continue;
      std::shared_ptr<Conn> c = it->second.lock();
      waiting_.erase(it);
      if (!c) continue;
      if (a.kind == harness::LiveAnswer::reset) ++counts_.resets;
      else ++counts_.answered;
      c->deliver(a);
    }
    arm_tick();
  }

  void arm_tick() {
    const auto due = live_.next_due();
    if (!due || stopped_) return;
    tick_.expires_at(start_ + std::chrono::microseconds(due->us));
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopped_) return;
      live_.advance(sim::Time(now_us()));
      flush();
    });
  }

  harness::LiveService& live() { return live_; }
  const ServeOptions& opt() const { return opt_; }
  asio::io_context& io() { return io_; }
  std::string next_request_id() { return request_id(next_id_++); }
  void closed() { --open_; }

 private:
  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket sock) {
      if (stopped_ || ec == asio::error::operation_aborted) return;
      if (ec) {  // out of file descriptors, say: try again shortly, the server goes on
        accept_retry_.expires_after(std::chrono::milliseconds(100));
        accept_retry_.async_wait([this](const boost::system::error_code& e) {
          if (!e && !stopped_) accept();
        });
        return;
      }
      if (open_ >= opt_.max_connections) {
        boost::system::error_code ignore;
        sock.close(ignore);
      } else {
        ++open_;
        ++counts_.connections;
        auto c = std::make_shared<Conn>(*this, std::move(sock));
        if (conns_.size() > 2 * open_ + 64)  // forget the connections closed since
          conns_.erase(std::remove_if(conns_.begin(), conns_.end(), [](const auto& w) { return w.expired(); }), conns_.end());
        conns_.push_back(c);
        c->start();
      }
      accept();
    });
  }

  void stop() {
    if (stopped_) return;
    end_us_ = now_us();
    stopped_ = true;
    boost::system::error_code ignore;
    acceptor_.close(ignore);
    tick_.cancel();
    stop_timer_.cancel();
    accept_retry_.cancel();
    signals_.cancel();
    for (auto& w : conns_)
      if (auto c = w.lock()) c->close_now(false);
    io_.stop();
  }

  harness::LiveService& live_;
  const ServeOptions& opt_;
  const ServeHooks& hooks_;
  ServeCounts& counts_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer tick_, stop_timer_, accept_retry_;
  asio::signal_set signals_;
  Clock::time_point start_;
  std::map<uint32_t, std::weak_ptr<Conn>> waiting_;
  std::vector<std::weak_ptr<Conn>> conns_;
  size_t open_ = 0;
  uint64_t next_id_ = 1;
  uint32_t arrivals_ = 0;  // requests the live service took
  bool stopped_ = false;
  int64_t end_us_ = 0;
};

Conn::Conn(Server& srv, tcp::socket sock) : srv_(srv), sock_(std::move(sock)), idle_(srv.io()) {
  boost::system::error_code ec;
  const auto ep = sock_.remote_endpoint(ec);
  peer_ = ec ? "unknown" : ep.address().to_string();
}

void Conn::arm_idle() {
  idle_.expires_after(std::chrono::microseconds(srv_.opt().idle_us));
  idle_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->waiting_ == kIdle) self->close_now(false);
  });
}

void Conn::read() {
  if (closed_) return;
  parser_.emplace();
  parser_->body_limit(srv_.opt().body_limit);
  parser_->header_limit(static_cast<uint32_t>(srv_.opt().header_limit));
  arm_idle();
  http::async_read(sock_, buf_, *parser_, [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
    self->idle_.cancel();
    if (self->closed_) return;
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted) {
      self->close_now(false);
      return;
    }
    if (ec) {  // malformed HTTP, a header or body over the limit: the EC2 error shape, then close
      const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
      const std::string message = too_big ? "the request is larger than this endpoint takes (" + ec.message() +
                                                "; body at most " + std::to_string(self->srv_.opt().body_limit) +
                                                " bytes, headers " + std::to_string(self->srv_.opt().header_limit) + ")"
                                          : "malformed HTTP request: " + ec.message();
      self->write(too_big ? 413 : 400,
                  error_xml(self->srv_.next_request_id(), too_big ? "RequestEntityTooLarge" : "MalformedHTTPRequest", message),
                  false);
      return;
    }
    self->on_request();
  });
}

void Conn::on_request() {
  const http::request<http::string_body>& req = parser_->get();
  keep_alive_ = req.keep_alive();
  HttpIn in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  in.body = req.body();
  in.peer = peer_;
  HttpOut out;
  bool report = false, json = false;
  const uint32_t attempt = srv_.take(in, ec2_, out, report, json, nth_);
  if (attempt == kIdle) {
    write(out.status, std::move(out.body), keep_alive_,
          !report ? "text/xml;charset=UTF-8" : json ? "application/json" : "text/markdown; charset=utf-8");
    return;
  }
  waiting_ = attempt;
  hold_ = shared_from_this();  // alive while it waits, whatever the watch does
  watch_close();
  srv_.wait_on(attempt, hold_);
}

// While it waits, the connection notices its client closing (a timeout of its own, a process
// gone): that attempt's client stopped waiting.
void Conn::watch_close() {
  sock_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->closed_ || self->waiting_ == kIdle) return;
    boost::system::error_code e2;
    if (self->sock_.available(e2) > 0 && !e2) return;  // the next request, pipelined: read after the answer
    const uint32_t attempt = self->waiting_;
    self->waiting_ = kIdle;
    self->close_now(false);
    self->srv_.gone(attempt, self->nth_);
  });
}

void Conn::deliver(const harness::LiveAnswer& a) {
  if (closed_ || waiting_ != a.attempt) return;
  waiting_ = kIdle;
  const std::shared_ptr<Conn> self = std::move(hold_);  // the write's handler holds it from here
  boost::system::error_code ignore;
  sock_.cancel(ignore);  // the watch
  if (a.kind == harness::LiveAnswer::reset) {
    close_now(true);
    return;
  }
  HttpOut out = render(a, ec2_, srv_.live(), srv_.next_request_id(), srv_.opt().epoch_unix_s);
  write(out.status, std::move(out.body), keep_alive_);
}

void Conn::write(int status, std::string body, bool keep_alive, const char* type) {
  out_ = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
  out_->set(http::field::server, "idemsim");
  out_->set(http::field::content_type, type);
  out_->keep_alive(keep_alive);
  out_->body() = std::move(body);
  out_->prepare_payload();
  http::async_write(sock_, *out_, [self = shared_from_this(), keep_alive](const boost::system::error_code& ec, size_t) {
    if (ec || !keep_alive) {
      self->close_now(false);
      return;
    }
    self->read();
  });
}

// Closes the connection; `reset`: abortively (a TCP RST, as a dropped connection looks to a client).
void Conn::close_now(bool reset) {
  if (closed_) return;
  closed_ = true;
  const std::shared_ptr<Conn> self = std::move(hold_);  // let go once this returns
  boost::system::error_code ignore;
  idle_.cancel();
  if (reset) sock_.set_option(asio::socket_base::linger(true, 0), ignore);
  else sock_.shutdown(tcp::socket::shutdown_both, ignore);
  sock_.close(ignore);
  srv_.closed();
}

}  // namespace

int64_t serve_http(harness::LiveService& live, const ServeOptions& opt, const ServeHooks& hooks, ServeCounts& counts) {
  Server s(live, opt, hooks, counts);
  return s.run();
}

}  // namespace idem::serve
