#include "model/types.h"

#include <array>
#include <cstdio>

namespace idem::model {

namespace {
struct CodeInfo {
  std::string_view name;
  int status;
};
constexpr std::array<CodeInfo, static_cast<size_t>(Code::kCount)> kCodes = {{
    {"Ok", 200},
    {"InvalidParameterValue", 400},
    {"IdempotentParameterMismatch", 400},
    {"IdempotentInstanceTerminated", 400},
    {"InvalidSubnetID.NotFound", 400},
    {"InvalidInstanceID.NotFound", 400},
    {"IncorrectState", 400},
    {"InsufficientInstanceCapacity", 500},
    {"InternalError", 500},
    {"Unavailable", 503},
    {"RequestLimitExceeded", 503},
}};
}  // namespace

std::string_view code_name(Code c) { return kCodes[static_cast<size_t>(c)].name; }
int code_status(Code c) { return kCodes[static_cast<size_t>(c)].status; }

bool parse_code(std::string_view name, Code& out) {
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i].name == name) {
      out = static_cast<Code>(i);
      return true;
    }
  }
  return false;
}

bool is_throttling(Code c) { return c == Code::RequestLimitExceeded; }

std::string reservation_name(uint32_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "r-%017x", id);
  return buf;
}

std::string instance_name(uint32_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "i-%017x", id);
  return buf;
}

}  // namespace idem::model
