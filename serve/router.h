// From an HTTP request to the live service's request, and from its answer back to HTTP: the part
// of `idemsim serve` between the wire (serve/http.cpp, the one place Asio is) and the reference
// service (harness/live.h). No I/O: the fuzz target drives it with any bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "harness/live.h"
#include "serve/query.h"

namespace idem::serve {

// What the router reads of an HTTP request.
struct HttpIn {
  std::string method;  // "POST", "GET"
  std::string target;  // "/", "/?Action=...", "/__idemsim/report"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string peer;    // the client's address ("127.0.0.1")
  const std::string* header(std::string_view name) const;
};

// A request for the live service, or the error to answer at once.
struct Routed {
  harness::LiveRequest request;
  Ec2Request ec2;  // as parsed (the wire's answer repeats some of it)
};
// The Region and account come from the credential scope of the SigV4 Authorization header
// (`Credential=KEY/DATE/REGION/ec2/aws4_request`) or of a presigned query (X-Amz-Credential); the
// signature is never checked. `default_region` (serve's --region, else the scenario's first) when
// no scope names one; the account is the scenario's account named like the access key id, else
// the first.
std::variant<Routed, WireError> route(const HttpIn& in, const harness::Scenario& s, uint32_t default_region);

// The HTTP answer to a live answer: status and XML body. `ec2` is the request it answers.
struct HttpOut {
  int status = 200;
  std::string body;
};
HttpOut render(const harness::LiveAnswer& a, const Ec2Request& ec2, const harness::LiveService& live,
               const std::string& request_id, int64_t epoch_unix_s);
HttpOut render_error(const WireError& e, const std::string& request_id);

// A request id shaped like EC2's (a UUID), from a counter: the same session gives the same ids.
std::string request_id(uint64_t n);

}  // namespace idem::serve
