// The vocabulary of the reference model: request parameters, error codes, responses.
// Plain values only; ids are integers and print as EC2 does ("r-…", "i-…").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace idem::model {

// Which token-lifetime rule the service follows (DOMAIN.md rule 5).
//  v2013:   a repeat after termination still returns the original response; scope is always regional.
//  current: a repeat whose instances terminated answers IdempotentInstanceTerminated; the scope is
//           zonal when an Availability Zone or subnet is given.
enum class Semantics : uint8_t { v2013, current };

enum class Code : uint8_t {
  Ok,
  InvalidParameterValue,
  IdempotentParameterMismatch,
  IdempotentInstanceTerminated,
  InvalidSubnetIDNotFound,
  InvalidInstanceIDNotFound,
  IncorrectState,
  InsufficientInstanceCapacity,
  InternalError,
  Unavailable,
  RequestLimitExceeded,
  kCount
};

std::string_view code_name(Code c);
// The HTTP status EC2 answers with for this code.
int code_status(Code c);
// Parses an error code name as written in a scenario ("Unavailable"); false when unknown.
bool parse_code(std::string_view name, Code& out);
// Throttling codes: retried with the throttling backoff base.
bool is_throttling(Code c);

// What RunInstances launches. Zone and subnet are placement: under `current` semantics they
// select the token's scope rather than being compared as parameters.
struct LaunchParams {
  std::string image = "ami-00000001";
  std::string type = "m5.large";
  std::string key;
  std::string zone;
  std::string subnet;
  int32_t min = 1;
  int32_t max = 1;

  friend bool operator==(const LaunchParams&, const LaunchParams&) = default;
};

struct RunRequest {
  uint32_t region = 0;  // index of the regional endpoint the request went to
  LaunchParams params;
  bool has_token = false;
  std::string token;
};

// A RunInstances answer. For 200, the reservation and its instances (consecutive ids).
struct Response {
  Code code = Code::Ok;
  uint32_t reservation = 0;
  uint32_t first_instance = 0;
  uint32_t count = 0;

  bool ok() const { return code == Code::Ok; }
  int status() const { return code_status(code); }
  // Same reservation and instances: what "the same response" means (only states may differ).
  bool same_as(const Response& o) const {
    return code == o.code && reservation == o.reservation && first_instance == o.first_instance &&
           count == o.count;
  }
};

std::string reservation_name(uint32_t id);
std::string instance_name(uint32_t id);

}  // namespace idem::model
