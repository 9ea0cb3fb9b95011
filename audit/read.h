// Reading CloudTrail files (audit/audit.h): records streamed out of `.json` / `.json.gz` files one
// at a time, each EC2 record kept as an Event of integers; the rest counted by why.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "model/types.h"

namespace idem::audit {

inline constexpr uint32_t kNo = UINT32_MAX;

// Interned text, by id in order of first sight. Lookups only: its order never reaches a verdict.
class Strings {
 public:
  uint32_t id(const std::string& s) {
    auto [it, fresh] = ids_.try_emplace(s, static_cast<uint32_t>(text_.size()));
    if (fresh) text_.push_back(s);
    return it->second;
  }
  const std::string& operator[](uint32_t id) const { return text_[id]; }
  size_t size() const { return text_.size(); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> text_;
};

enum class Call : uint8_t { run, terminate };

// One instance as an answer lists it.
struct Listed {
  uint32_t id = kNo;  // Strings `instances`
  uint32_t zone = kNo, subnet = kNo, image = kNo, type = kNo;  // Strings `names`
  int64_t launch_ms = 0;
};

// One EC2 record audited: RunInstances or TerminateInstances.
struct Event {
  int64_t at_us = 0;      // eventTime, epoch microseconds
  uint32_t file = 0, pos = 0;  // which file (in reading order) and its place in it
  Call call = Call::run;
  uint32_t region = kNo, account = kNo, principal = kNo, role = kNo, agent = kNo;  // names
  uint32_t event_id = kNo;  // names: eventID
  uint32_t token = kNo;     // tokens
  uint32_t params = kNo;    // index into Reader::params
  // The answer: Ok, a code idemsim knows, or another error (`other`: its errorCode in `error`).
  model::Code code = model::Code::Ok;
  bool other = false;
  bool server = false;      // another error, of the server's ("Server."): a 5xx
  uint32_t error = kNo;     // names: errorCode as logged
  uint32_t reservation = kNo;  // reservations
  uint32_t first = 0, count = 0;  // Reader::listed[first, first + count): a launch's instances, or those a
                                  // TerminateInstances named (its answer's, else its request's)
};

struct Reader {
  Strings names, tokens, reservations, instances;
  std::vector<model::LaunchParams> params;
  std::unordered_map<std::string, uint32_t> param_ids;
  std::vector<Listed> listed;
  std::vector<Event> events;
  std::map<std::string, uint64_t> unused;  // records not audited, by why
  std::vector<std::string> files;          // read, in order
  uint64_t records = 0, describes = 0;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint64_t> describes_by;  // (principal, role, agent) -> DescribeInstances

  // Reads `path` (a file or a directory, walked in name order). Throws InputError.
  void read_path(const std::string& path, bool named);
};

}  // namespace idem::audit
