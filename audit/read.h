// Reading CloudTrail files (audit/audit.h): records streamed out of `.json` / `.json.gz` files one
// at a time, each EC2 record kept as an Event of integers; the rest counted by why.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "model/types.h"

namespace idem::audit {

inline constexpr uint32_t kNo = UINT32_MAX;
// A request's image or type it did not name (a launch template's).
extern const char* const kFromTemplate;

// Interned text, by id in order of first sight, each kept once in large blocks. Lookups only: its
// order never reaches a verdict.
class Strings {
 public:
  uint32_t id(std::string_view s);
  std::string operator[](uint32_t id) const { return std::string(views_[id]); }
  std::string_view view(uint32_t id) const { return views_[id]; }
  size_t size() const { return views_.size(); }
  // No more text to intern: the lookup table is freed (ids and their text stay).
  void seal() { std::unordered_map<std::string_view, uint32_t>().swap(ids_); }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;  // the last block's free part
  size_t left_ = 0;       // its size
  std::vector<std::string_view> views_;
  std::unordered_map<std::string_view, uint32_t> ids_;
};

// EC2's ids ("i-0a11a11a11a11a11a", "r-0b1..."): a prefix of 1 to 3 letters and up to 24 hex digits
// are kept as 128 bits; any other text is interned. Dense ids, first seen first.
class Ids {
 public:
  uint32_t id(std::string_view s);
  std::string operator[](uint32_t id) const;
  size_t size() const { return keys_.size(); }
  void seal() {
    std::unordered_map<Key, uint32_t, Hash>().swap(ids_);
    text_.seal();
  }

 private:
  struct Key {
    uint64_t hi = 0, lo = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct Hash {
    size_t operator()(const Key& k) const { return static_cast<size_t>(k.hi * 0x9E3779B97F4A7C15ULL ^ k.lo); }
  };
  std::vector<Key> keys_;  // by id; text: hi = 0, lo = its Strings id
  std::unordered_map<Key, uint32_t, Hash> ids_;
  Strings text_;
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
  // eventID: a UUID's 128 bits (id_text false), or its text interned in `names` (id_hi).
  uint64_t id_hi = 0, id_lo = 0;
  bool id_text = false, has_id = false;
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
  Strings names, tokens;
  Ids reservations, instances;
  std::vector<model::LaunchParams> params;
  std::unordered_map<std::string, uint32_t> param_ids;
  std::vector<Listed> listed;
  std::vector<Event> events;
  std::map<std::string, uint64_t> unused;  // records not audited, by why
  std::vector<std::string> files;          // read, in order
  uint64_t records = 0, describes = 0;
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint64_t> describes_by;  // (principal, role, agent) -> DescribeInstances
  // Records read so far, by eventID (a UUID's bits, or a hash of another text), with a hash of the
  // content of those judged: one flat table (open addressing), freed whole when reading is over.
  struct SeenId {
    uint64_t hi = 0, lo = 0;
    friend bool operator==(const SeenId&, const SeenId&) = default;
  };
  class SeenTable {
   public:
    // The content recorded for `id`, inserting `content` when `id` is new (then `fresh`).
    uint64_t insert(const SeenId& id, uint64_t content, bool& fresh);
    void erase(const SeenId& id);
    void clear() { std::vector<Slot>().swap(slots_), used_ = 0; }

   private:
    struct Slot {
      SeenId id;
      uint64_t content = 0;
      uint8_t state = 0;  // 0 empty, 1 full, 2 erased
    };
    size_t find(const SeenId& id) const;  // its slot, or the empty one where it would go
    std::vector<Slot> slots_;
    size_t used_ = 0;
  };
  SeenTable seen;
  std::vector<SeenId> seen_in_file;  // those the file being read added

  // Reads every file under `paths` (files, and directories walked at any depth), in the order of
  // their paths whatever the order given; records read twice (one eventID) count once. Throws
  // InputError for a path named that is missing or not CloudTrail; a file met in a directory that
  // is not CloudTrail is skipped and counted.
  void read_paths(const std::vector<std::string>& paths);
  // The eventID of event `e` as logged.
  std::string event_id(const Event& e) const;

 private:
  void read_file(const std::string& path);
};

}  // namespace idem::audit
