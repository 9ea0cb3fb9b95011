// The vocabulary of the reference model: request parameters, error codes, responses.
// Plain values only; ids are integers and print as EC2 does ("r-…", "i-…").
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace idem::model {

// Which token-lifetime rule the service follows (rule 5, docs/bugs.md "The token rules").
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

// A client token held inline, so requests, records and histories copy it without allocating.
// It keeps the first kStored bytes and the full length: a longer token is still seen as too long,
// and two tokens a little over the limit (65 to 72 bytes) still differ.
class Token {
 public:
  static constexpr size_t kMax = 64;      // the longest valid token (rule 1)
  static constexpr size_t kStored = 72;   // bytes kept

  Token() = default;
  // Implicit, like the strings it stands for.
  Token(std::string_view s) : size_(static_cast<uint32_t>(s.size())) {  // NOLINT(google-explicit-constructor)
    std::memcpy(data_, s.data(), std::min(s.size(), kStored));
    for (size_t i = 0; i < 8; ++i) prefix_ = (prefix_ << 8) | static_cast<unsigned char>(data_[i]);
  }
  Token(const std::string& s) : Token(std::string_view(s)) {}  // NOLINT(google-explicit-constructor)
  Token(const char* s) : Token(std::string_view(s)) {}         // NOLINT(google-explicit-constructor)

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_, std::min<size_t>(size_, kStored)}; }
  std::string str() const { return std::string(view()); }

  friend bool operator==(const Token& a, const Token& b) {
    return a.prefix_ == b.prefix_ && a.size_ == b.size_ && a.view() == b.view();
  }
  // Lexicographic. The first eight bytes, big-endian and zero-padded, order like the text, so
  // most comparisons end at one integer compare.
  friend std::strong_ordering operator<=>(const Token& a, const Token& b) {
    if (a.prefix_ != b.prefix_) return a.prefix_ <=> b.prefix_;
    const int c = a.view().compare(b.view());
    if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    return a.size_ <=> b.size_;
  }

 private:
  uint64_t prefix_ = 0;
  uint32_t size_ = 0;
  char data_[kStored] = {};
};

struct RunRequest {
  uint32_t region = 0;   // index of the regional endpoint the request went to
  uint32_t account = 0;  // index of the caller's account (ServiceConfig::accounts)
  LaunchParams params;
  bool has_token = false;
  Token token;
  // TagSpecifications in the request: its instances carry their tags from the launch (false: the
  // caller tags them with CreateTags once it learns of them, Service::tag).
  bool tags_on_create = true;
};

// What a call asks for, as ids into the run log's tables (the log interns them once: a call's
// record does not copy five strings and a 72-byte token); the service's host rebuilds the request
// from them (ServiceHost::admit).
struct CallRequest {
  uint32_t region = 0;   // the regional endpoint
  uint32_t account = 0;  // ServiceConfig::accounts
  uint32_t params = UINT32_MAX;  // RunLog::params_of (UINT32_MAX: none, a TerminateInstances)
  // RunLog::token_of: the token it sends (a Describe's filter). UINT32_MAX without one, and for a
  // TerminateInstances, which sends none even when has_token says its caller's request had one.
  uint32_t token = UINT32_MAX;
  bool has_token = false;
  bool tags_on_create = true;    // TagSpecifications in the request
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

// A Region as a scenario describes it: its Availability Zones and its subnets.
struct RegionSpec {
  std::string name;
  std::vector<std::string> zones;
  std::map<std::string, std::string> subnets;  // subnet id -> its zone
};

std::string reservation_name(uint32_t id);
std::string instance_name(uint32_t id);

}  // namespace idem::model
