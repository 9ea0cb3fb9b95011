#include "serve/router.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace idem::serve {

using harness::LiveAnswer;
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

// The product of a User-Agent: its first word ("aws-cli/2.9.19", "Boto3/1.26.27", "aws-sdk-js/3.540.0").
std::string product(const std::string* ua) {
  if (!ua || ua->empty()) return "unknown-client";
  const size_t end = ua->find(' ');
  return ua->substr(0, std::min<size_t>(end == std::string::npos ? ua->size() : end, 80));
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
  if (r.has_token_filter && !r.client_tokens.empty()) lr.token_filter = model::Token(r.client_tokens.front());
  lr.client = product(in.header("user-agent")) + " " + in.peer;
  if (const std::string* inv = in.header("amz-sdk-invocation-id")) lr.invocation = inv->substr(0, 128);
  if (const std::string* name = in.header("x-idemsim-intent")) lr.intent = name->substr(0, 256);
  if (lr.intent.empty()) lr.intent = r.intent_tag.substr(0, 256);
  return out;
}

namespace {

std::string_view state_word(model::InstanceState s) {
  switch (s) {
    case model::InstanceState::pending: return "pending";
    case model::InstanceState::running: return "running";
    case model::InstanceState::shutting_down: return "shutting-down";
    case model::InstanceState::terminated: return "terminated";
  }
  return "pending";
}
int state_code(model::InstanceState s) {
  switch (s) {
    case model::InstanceState::pending: return 0;
    case model::InstanceState::running: return 16;
    case model::InstanceState::shutting_down: return 32;
    case model::InstanceState::terminated: return 48;
  }
  return 0;
}

std::string iso8601(int64_t epoch_s, sim::Time t) {
  const int64_t us = t.us;
  const std::time_t secs = static_cast<std::time_t>(epoch_s + us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us / 1000 % 1000));
  return buf;
}

std::string owner_of(uint32_t account) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llu", 100000000000ULL + account);
  return buf;
}

}  // namespace

HttpOut render_error(const WireError& e, const std::string& request_id) {
  return HttpOut{e.status, error_xml(request_id, e.code, e.message)};
}

HttpOut render(const LiveAnswer& a, const Ec2Request& ec2, const harness::LiveService& live, const std::string& request_id,
               int64_t epoch_unix_s) {
  const model::Response& r = a.response;
  if (!r.ok()) {
    std::string message;
    switch (r.code) {
      case model::Code::IdempotentParameterMismatch:
        message = "The client token you have provided is associated with a resource that is already deleted or has different parameters.";
        break;
      case model::Code::IdempotentInstanceTerminated:
        message = "The client token you have provided is associated with a resource that is already deleted. Please use a different client token.";
        break;
      case model::Code::InvalidParameterValue:
        message = "Value (" + ec2.token.substr(0, 80) + ") for parameter clientToken is invalid. Client tokens are 1 to 64 ASCII characters.";
        break;
      case model::Code::InvalidInstanceIDNotFound: message = "The instance ID does not exist (or is not visible yet)"; break;
      case model::Code::RequestLimitExceeded: message = "Request limit exceeded."; break;
      case model::Code::InsufficientInstanceCapacity: message = "Insufficient capacity."; break;
      default: message = "The service answered " + std::string(model::code_name(r.code)) + "."; break;
    }
    return HttpOut{r.status(), error_xml(request_id, model::code_name(r.code), message)};
  }
  const model::Service& svc = live.service();
  const auto instance_xml = [&](uint32_t id, model::InstanceState state) {
    const model::Instance& i = svc.instances()[id - 1];
    const model::Reservation& res = svc.reservations()[i.reservation - 1];
    InstanceXml x;
    x.id = model::instance_name(id);
    x.image = res.params.image;
    x.type = res.params.type;
    x.key_name = res.params.key;
    x.state_code = state_code(state);
    x.state_name = std::string(state_word(state));
    x.zone = res.placed_zone.empty() ? live.scenario().service.regions[res.region].name + "a" : res.placed_zone;
    x.subnet = res.params.subnet;
    x.token = res.has_token ? res.token.str() : "";
    x.launch_time = iso8601(epoch_unix_s, i.launched);
    x.ami_launch_index = static_cast<int>(id - res.first_instance);
    return x;
  };
  switch (a.api) {
    case Api::run: {
      const model::Reservation& res = svc.reservations()[r.reservation - 1];
      ReservationXml x{model::reservation_name(res.id), owner_of(res.account), {}};
      // The instances' states as they are when the answer leaves (a repeat's may have moved on).
      for (uint32_t id = r.first_instance; id < r.first_instance + r.count; ++id)
        x.instances.push_back(instance_xml(id, svc.state_of(id, a.at)));
      return HttpOut{200, run_instances_xml(request_id, x)};
    }
    case Api::describe: {
      std::vector<ReservationXml> rs;
      for (const model::InstanceView& v : a.listed.instances) {
        if (!ec2.state_names.empty()) {
          bool want = false;
          for (const std::string& n : ec2.state_names) want = want || n == state_word(v.state);
          if (!want) continue;
        }
        if (rs.empty() || rs.back().id != model::reservation_name(v.reservation))
          rs.push_back({model::reservation_name(v.reservation), owner_of(svc.reservations()[v.reservation - 1].account), {}});
        rs.back().instances.push_back(instance_xml(v.id, v.state));
      }
      return HttpOut{200, describe_instances_xml(request_id, rs)};
    }
    case Api::terminate: {
      std::vector<StateChangeXml> changes;
      for (size_t k = 0; k < a.listed.instances.size(); ++k) {
        const model::InstanceView& v = a.listed.instances[k];
        const model::InstanceState before = k < a.before.size() ? a.before[k] : v.state;
        changes.push_back({model::instance_name(v.id), state_code(v.state), state_code(before), std::string(state_word(v.state)),
                           std::string(state_word(before))});
      }
      return HttpOut{200, terminate_instances_xml(request_id, changes)};
    }
  }
  return HttpOut{500, error_xml(request_id, "InternalError", "an answer of no known API")};
}

std::string request_id(uint64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "1de75140-0000-4000-8000-%012llx", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace idem::serve
