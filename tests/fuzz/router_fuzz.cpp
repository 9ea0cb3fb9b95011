// libFuzzer target for serve's router (serve/router.cpp): any bytes as an HTTP request that the
// server has parsed (a request line, header lines, a body) routed against a scenario of two
// Regions and two accounts. It must never crash or throw, and what it routes must be a request
// the live service can take: a Region and an account the scenario has, the action's API, each id
// the request named. The input: "METHOD TARGET\n", then "name: value\n" lines, a blank line, the
// body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "serve/router.h"

namespace {

const idem::harness::Scenario& scenario() {
  static const idem::harness::Scenario s = [] {
    idem::harness::Scenario x;
    x.service.regions = {{"us-east-1", {"us-east-1a", "us-east-1b"}, {}}, {"us-west-2", {"us-west-2a"}, {}}};
    x.service.accounts = {"default", "AKIDOTHER"};
    return x;
  }();
  return s;
}

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  idem::serve::HttpIn req;
  size_t at = in.find('\n');
  const std::string_view line = in.substr(0, at);
  const size_t space = line.find(' ');
  req.method = std::string(line.substr(0, space));
  req.target = space == std::string_view::npos ? "/" : std::string(line.substr(space + 1));
  while (at != std::string_view::npos) {
    const size_t next = in.find('\n', at + 1);
    const std::string_view h = in.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1);
    at = next;
    if (h.empty()) break;
    const size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    const size_t v = h.find_first_not_of(' ', colon + 1);
    req.headers.emplace_back(std::string(h.substr(0, colon)), v == std::string_view::npos ? "" : std::string(h.substr(v)));
  }
  if (at != std::string_view::npos) req.body = std::string(in.substr(at + 1));
  req.peer = "127.0.0.1";
  const auto routed = idem::serve::route(req, scenario(), 0);
  if (const auto* e = std::get_if<idem::serve::WireError>(&routed)) {
    require(e->status >= 400 && e->status < 600 && !e->code.empty() && !e->message.empty());
    return 0;
  }
  const auto& r = std::get<idem::serve::Routed>(routed);
  require(r.request.request.region < scenario().service.regions.size());
  require(r.request.request.account < scenario().service.accounts.size());
  require(r.request.ids.size() == r.ec2.instance_ids.size());
  require(static_cast<int>(r.request.api) == (r.ec2.action == idem::serve::Action::run_instances        ? 0
                                              : r.ec2.action == idem::serve::Action::terminate_instances ? 1
                                                                                                       : 2));
  require(!r.request.client.empty());
  if (r.ec2.action == idem::serve::Action::run_instances)
    require(r.request.request.params.min >= 1 && r.request.request.params.min <= r.request.request.params.max);
  return 0;
}
