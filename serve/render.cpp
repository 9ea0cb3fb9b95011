#include <cstdio>

#include "serve/router.h"
#include "sim/calendar.h"

namespace idem::serve {

using harness::LiveAnswer;
using model::Api;

namespace {

// EC2's code for a state (its name is model::state_name's).
int state_code(model::InstanceState s) {
  switch (s) {
    case model::InstanceState::pending: return 0;
    case model::InstanceState::running: return 16;
    case model::InstanceState::shutting_down: return 32;
    case model::InstanceState::terminated: return 48;
  }
  return 0;
}

std::string iso8601(int64_t epoch_s, sim::Time t) { return sim::format_utc(epoch_s * 1000000 + t.us, true); }

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
    x.image = svc.params_of(res).image;
    x.type = svc.params_of(res).type;
    x.key_name = svc.params_of(res).key;
    x.state_code = state_code(state);
    x.state_name = std::string(model::state_name(state));
    const std::string& placed = svc.zone_name(res.placed_zone);
    x.zone = placed.empty() ? live.scenario().service.regions[res.region].name + "a" : placed;
    x.subnet = svc.params_of(res).subnet;
    x.token = res.has_token ? svc.token_of(res).str() : "";
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
          for (const std::string& n : ec2.state_names) want = want || n == model::state_name(v.state);
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
        changes.push_back({model::instance_name(v.id), state_code(v.state), state_code(before), std::string(model::state_name(v.state)),
                           std::string(model::state_name(before))});
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
