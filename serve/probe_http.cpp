// The probe's HTTP/1.1 transport: Boost.Beast over one keep-alive TCP connection per endpoint.
//
// Each post() is synchronous for its caller, but runs Beast's asynchronous connect, write and
// read on a private io_context: beast::tcp_stream applies its timeout (expires_at) to
// asynchronous operations only ("Timeouts are not available when performing synchronous
// operations", basic_stream.hpp), and a probe must not hang on an endpoint that never answers.
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "serve/probe.h"

namespace idem::serve {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// The probe does not sign: real EC2 would refuse these requests (SigV4). The header only has the
// form of one, so that a service that reads the Region from the credential scope (idemsim serve)
// can, and the date is fixed to agree with the scope's.
constexpr const char* kAmzDate = "20260101T000000Z";
constexpr const char* kScopeDate = "20260101";

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  Reply post(const std::string& endpoint, const std::string& region, const std::string& form_body) override {
    Conn& c = conn(endpoint);
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (int attempt = 0;; ++attempt) {
      const bool reused = c.stream != nullptr;
      if (!c.stream) connect(c, endpoint, deadline);
      beast::error_code ec;
      bool got_some = false;
      Reply reply = exchange(c, region, form_body, deadline, ec, got_some);
      if (!ec) return reply;
      close(c);
      // A kept-alive connection the server closed while idle: send once more on a new one.
      if (reused && attempt == 0 && !got_some &&
          (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe))
        continue;
      throw ProbeError(failure(endpoint, form_body, ec));
    }
  }

 private:
  struct Conn {
    Url url;
    std::unique_ptr<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
  };

  Conn& conn(const std::string& endpoint) {
    auto it = conns_.find(endpoint);
    if (it != conns_.end()) return it->second;
    std::string why;
    const std::optional<Url> url = parse_url(endpoint, &why);
    if (!url) throw ProbeError(endpoint + " is not an endpoint URL: " + why);
    Conn& c = conns_[endpoint];
    c.url = *url;
    return c;
  }

  std::string host_port(const Url& u) const {
    const std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    return host + ":" + std::to_string(u.port);
  }

  void connect(Conn& c, const std::string& endpoint, std::chrono::steady_clock::time_point deadline) {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    const auto found = resolver.resolve(c.url.host, std::to_string(c.url.port), ec);
    if (ec)
      throw ProbeError("cannot find the host of " + endpoint + " (" + c.url.host + "): " + ec.message() +
                       "; give an address such as http://127.0.0.1:8787");
    auto stream = std::make_unique<beast::tcp_stream>(io_);
    stream->expires_at(deadline);
    stream->async_connect(found, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    io_.restart();
    io_.run();
    if (ec) {
      const std::string listen = host_port(c.url);
      std::string what = ec == beast::error::timeout ? "no connection within " + seconds() : ec.message();
      throw ProbeError("cannot connect to " + endpoint + " (" + what + "): start `idemsim serve SCENARIO --listen " + listen +
                       "` first, or give --endpoint the URL an EC2 endpoint listens on");
    }
    c.stream = std::move(stream);
    c.buffer.clear();
  }

  Reply exchange(Conn& c, const std::string& region, const std::string& body,
                 std::chrono::steady_clock::time_point deadline, beast::error_code& ec, bool& got_some) {
    http::request<http::string_body> req{http::verb::post, c.url.target, 11};
    req.set(http::field::host, c.url.port == 80 ? c.url.host : host_port(c.url));
    req.set(http::field::user_agent, "idemsim-probe/0.1.0");
    req.set(http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
    req.set("X-Amz-Date", kAmzDate);
    req.set(http::field::authorization,
            std::string("AWS4-HMAC-SHA256 Credential=AKIDPROBE/") + kScopeDate + "/" + region +
                "/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=0");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::tcp_stream& stream = *c.stream;
    stream.expires_at(deadline);
    http::async_write(stream, req, [&](beast::error_code e, size_t) {
      ec = e;
      if (!e) http::async_read(stream, c.buffer, parser, [&ec](beast::error_code e2, size_t) { ec = e2; });
    });
    io_.restart();
    io_.run();
    got_some = parser.got_some();
    if (ec) return {};
    http::response<http::string_body> res = parser.release();
    if (!res.keep_alive()) close(c);
    return Reply{static_cast<int>(res.result_int()), std::move(res.body())};
  }

  void close(Conn& c) {
    if (!c.stream) return;
    beast::error_code ignored;
    c.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream->close();
    c.stream.reset();
    c.buffer.clear();
  }

  std::string seconds() const {
    const auto ms = timeout_.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  }

  std::string failure(const std::string& endpoint, const std::string& body, const beast::error_code& ec) const {
    std::string action = body.substr(0, body.find('&'));  // "Action=RunInstances"
    if (ec == beast::error::timeout)
      return endpoint + " did not answer " + action + " within " + seconds() +
             ": is it an EC2 Query API endpoint (idemsim serve), and is it still running?";
    return endpoint + " broke off " + action + " (" + ec.message() +
           "): is it an HTTP/1.1 EC2 Query API endpoint, and is it still running?";
  }

  net::io_context io_{1};
  std::chrono::milliseconds timeout_;
  std::map<std::string, Conn> conns_;
};

}  // namespace

std::unique_ptr<Transport> http_transport(std::chrono::milliseconds timeout) {
  return std::make_unique<HttpTransport>(timeout);
}

}  // namespace idem::serve
