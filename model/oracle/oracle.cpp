#include "model/oracle/oracle.h"

#include <algorithm>
#include <array>

#include "model/oracle/judge.h"

namespace idem::model {

namespace {
constexpr std::array<std::string_view, static_cast<size_t>(Property::kCount)> kPropertyNames = {
    "answers", "token-instances", "token-collision", "intent-instances", "intent-exact", "no-false-reap",
    "liveness", "amplification", "leaks"};
}  // namespace

std::string_view property_name(Property p) { return kPropertyNames[static_cast<size_t>(p)]; }

std::vector<Finding> check(const Ledger& ledger, const Rules& rules, const Promises* promises, OracleCounts* counts) {
  Judge j(ledger, rules, promises, counts);
  j.after_expiry.assign(ledger.launches.size(), false);
  if (counts) counts->launches_in_flight = ledger.in_flight;
  j.logical_intents();
  j.scopes();
  j.untokened();
  j.others();
  j.placements();
  j.intents();
  j.reaps();
  j.promised();
  if (counts) {
    std::sort(counts->leaked_launches.begin(), counts->leaked_launches.end());
    counts->leaked_launches.erase(std::unique(counts->leaked_launches.begin(), counts->leaked_launches.end()),
                                  counts->leaked_launches.end());
  }
  return std::move(j.out);
}

uint64_t hash_findings(uint64_t h, const std::vector<Finding>& fs) {
  auto list = [&h](const std::vector<uint32_t>& v) {
    h = hash_mix(h, v.size());
    for (uint32_t x : v) h = hash_mix(h, x);
  };
  for (const Finding& f : fs) {
    h = hash_mix(h, uint64_t{static_cast<uint8_t>(f.property)} | uint64_t{static_cast<uint8_t>(f.reason)} << 8 |
                        uint64_t{static_cast<uint8_t>(f.subject_kind)} << 16 | uint64_t{f.code} << 24 |
                        uint64_t{f.flags} << 32 | uint64_t{f.launches_first} << 40);
    h = hash_mix(h, uint64_t{f.subject} | uint64_t{static_cast<uint32_t>(f.group)} << 32);
    h = hash_mix(h, uint64_t{f.instances} | uint64_t{f.intended} << 32);
    h = hash_mix(h, uint64_t{f.leaked} | uint64_t{f.count} << 32);
    h = hash_mix(h, uint64_t{f.first} | uint64_t{f.other} << 32);
    h = hash_mix(h, static_cast<uint64_t>(f.t1));
    h = hash_mix(h, static_cast<uint64_t>(f.t2));
    list(f.attempts);
    list(f.key_attempts);
    list(f.launches);
    list(f.reaps);
    list(f.bad_launches);
  }
  return hash_mix(h, fs.size());
}

}  // namespace idem::model
