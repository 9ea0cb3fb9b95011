#include "serve/router.h"

#include <algorithm>
#include <string>

namespace idem::serve {

using harness::LiveRequest;
using model::Api;

const std::string* HttpIn::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

namespace {

// The Region and access key of a credential scope "KEY/DATE/REGION/SERVICE/aws4_request".
bool parse_scope(std::string_view cred, std::string& key, std::string& region) {
  const size_t a = cred.find('/');
  if (a == std::string_view::npos) return false;
  const size_t b = cred.find('/', a + 1);
  if (b == std::string_view::npos) return false;
  const size_t c = cred.find('/', b + 1);
  if (c == std::string_view::npos) return false;
  key = std::string(cred.substr(0, a));
  region = std::string(cred.substr(b + 1, c - b - 1));
  return true;
}

// Text from a header or a tag as a name in the log and the reports: printable ASCII, other bytes
// as '?', at most `most` bytes.
std::string printable(std::string_view s, size_t most) {
  std::string out(s.substr(0, most));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return out;
}

// The product of a User-Agent: its first word ("aws-cli/2.9.19", "Boto3/1.26.27", "aws-sdk-js/3.540.0").
std::string product(const std::string* ua) {
  if (!ua || ua->empty()) return "unknown-client";
  const size_t end = ua->find(' ');
  return printable(std::string_view(*ua).substr(0, end), 80);
}

}  // namespace

std::variant<Routed, WireError> route(const HttpIn& in, const harness::Scenario& s, uint32_t default_region) {
  const size_t q = in.target.find('?');
  const std::string_view path = std::string_view(in.target).substr(0, q);
  if (path != "/")
    return WireError{404, "InvalidAction", "no EC2 endpoint at '" + std::string(path.substr(0, 200)) +
                                               "': EC2 Query requests go to '/' (POST with a form body)"};
  std::string text;
  if (in.method == "POST") {
    const std::string* type = in.header("content-type");
    if (type && type->find("application/x-www-form-urlencoded") == std::string::npos)
      return WireError{400, "InvalidParameterValue",
                       "Content-Type '" + type->substr(0, 100) + "' is not the Query API's: send application/x-www-form-urlencoded"};
    text = in.body;
    if (q != std::string::npos && q + 1 < in.target.size()) text = in.target.substr(q + 1) + (text.empty() ? "" : "&" + text);
  } else if (in.method == "GET") {
    if (q != std::string::npos) text = in.target.substr(q + 1);
  } else {
    return WireError{405, "UnsupportedProtocol", "method " + in.method.substr(0, 20) + ": the Query API takes POST (or GET)"};
  }
  auto form = parse_form(text);
  if (auto* e = std::get_if<WireError>(&form)) return *e;
  auto parsed = parse_request(std::get<Form>(form));
  if (auto* e = std::get_if<WireError>(&parsed)) return *e;
  Routed out;
  out.ec2 = std::move(std::get<Ec2Request>(parsed));
  const Ec2Request& r = out.ec2;
  LiveRequest& lr = out.request;

  // Where: the credential scope's Region, else the default; the account named like the key.
  std::string key, region;
  const std::string* auth = in.header("authorization");
  bool scoped = false;
  if (auth) {
    const size_t at = auth->find("Credential=");
    if (at != std::string::npos) {
      const size_t end = auth->find_first_of(", ", at);
      scoped = parse_scope(std::string_view(*auth).substr(at + 11, end == std::string::npos ? std::string::npos : end - at - 11),
                           key, region);
    }
  }
  if (!scoped)
    if (const std::string* cred = std::get<Form>(form).get("X-Amz-Credential")) scoped = parse_scope(*cred, key, region);
  lr.request.region = default_region;
  if (scoped && !region.empty()) {
    bool found = false;
    for (uint32_t i = 0; i < s.service.regions.size(); ++i)
      if (s.service.regions[i].name == region) lr.request.region = i, found = true;
    if (!found) {
      std::string names;
      for (const auto& x : s.service.regions) names += (names.empty() ? "" : ", ") + x.name;
      return WireError{400, "InvalidParameterValue",
                       "the Region '" + region.substr(0, 64) + "' (from the request's credential scope) is not one of the scenario's: " +
                           names + "; configure the client's Region as one of them"};
    }
  }
  for (uint32_t i = 0; i < s.service.accounts.size(); ++i)
    if (s.service.accounts[i] == key) lr.request.account = i;

  switch (r.action) {
    case Action::run_instances: lr.api = Api::run; break;
    case Action::describe_instances: lr.api = Api::describe; break;
    case Action::terminate_instances: lr.api = Api::terminate; break;
  }
  model::LaunchParams& p = lr.request.params;
  p.image = r.image;
  p.type = r.instance_type;
  p.key = r.key_name;
  p.zone = r.zone;
  p.subnet = r.subnet;
  p.min = r.min_count;
  p.max = r.max_count;
  lr.request.has_token = r.has_token;
  lr.request.token = model::Token(r.token);
  for (const std::string& id : r.instance_ids) lr.ids.push_back(parse_instance_id(id));
  if (r.has_token_filter && r.client_tokens.size() > 1)
    return WireError{400, "InvalidParameterValue",
                     "the client-token filter has " + std::to_string(r.client_tokens.size()) +
                         " values; idemsim serve looks up one token per DescribeInstances: ask once per token"};
  if (r.has_token_filter) lr.token_filter = model::Token(r.client_tokens.front());
  lr.client = product(in.header("user-agent")) + " " + in.peer;
  if (const std::string* inv = in.header("amz-sdk-invocation-id")) lr.invocation = printable(*inv, 128);
  if (const std::string* name = in.header("x-idemsim-intent")) lr.intent = printable(*name, 256);
  if (lr.intent.empty()) lr.intent = printable(r.intent_tag, 256);
  return out;
}

}  // namespace idem::serve
