#include "model/oracle/rules.h"

#include <algorithm>
#include <cstring>

namespace idem::model {

bool token_is_valid(const Token& token) {
  if (token.size() < 1 || token.size() > Token::kMax) return false;
  // ASCII: no byte with its high bit set, eight bytes at a time.
  const std::string_view t = token.view();
  size_t i = 0;
  for (; i + 8 <= t.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, t.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < t.size(); ++i)
    if (static_cast<unsigned char>(t[i]) >= 128) return false;
  return true;
}

bool same_parameters(const LaunchParams& a, const LaunchParams& b) {
  return a.image == b.image && a.type == b.type && a.key == b.key && a.subnet == b.subnet && a.min == b.min &&
         a.max == b.max;
}

std::optional<Code> invalid_parameters(const LaunchParams& p, const RegionSpec& region) {
  if (p.min < 1 || p.max < p.min || p.image.empty() || p.type.empty()) return Code::InvalidParameterValue;
  if (!p.zone.empty() && std::find(region.zones.begin(), region.zones.end(), p.zone) == region.zones.end())
    return Code::InvalidParameterValue;
  if (!p.subnet.empty()) {
    auto it = region.subnets.find(p.subnet);
    if (it == region.subnets.end()) return Code::InvalidSubnetIDNotFound;
    if (!p.zone.empty() && it->second != p.zone) return Code::InvalidParameterValue;
  }
  return std::nullopt;
}

uint32_t zone_index(const RegionSpec& region, const std::string& zone) {
  for (uint32_t i = 0; i < region.zones.size(); ++i)
    if (region.zones[i] == zone) return i + 1;
  return static_cast<uint32_t>(region.zones.size()) + 1;  // not a zone of the Region (never valid)
}

ScopeKey scope_of(const Ledger& l, const Rules& rules, uint32_t attempt) {
  const Ledger::Attempt& a = l.attempts[attempt];
  const uint32_t region = l.region_of(attempt);
  ScopeKey k{region, 0, &l.token(a.token), l.account_of(attempt)};
  if (rules.semantics == Semantics::current) {
    const LaunchParams& p = l.params_of(attempt);
    const RegionSpec& spec = rules.regions.at(region);
    if (!p.zone.empty()) {
      k.zone = zone_index(spec, p.zone);
    } else if (!p.subnet.empty()) {
      auto it = spec.subnets.find(p.subnet);
      if (it != spec.subnets.end()) k.zone = zone_index(spec, it->second);
    }
  }
  return k;
}

std::optional<Misplaced> misplaced(const Ledger& l, const Rules& rules, const Ledger::Launch& launch) {
  const LaunchParams& asked = l.params_of(launch.attempt);
  const bool count_ok =
      launch.count >= static_cast<uint32_t>(asked.min) && launch.count <= static_cast<uint32_t>(asked.max);
  if (!launch.placed) return count_ok ? std::nullopt : std::optional(Misplaced::count);  // the log does not say where
  const uint32_t region = l.region_of(launch.attempt);
  if (launch.region != region) return Misplaced::region;
  if (launch.account != l.account_of(launch.attempt)) return Misplaced::account;
  const RegionSpec& spec = rules.regions.at(region);
  const std::string zone = launch.zone == kNone ? std::string() : l.log->name_of(launch.zone);
  const std::string subnet = launch.subnet == kNone ? std::string() : l.log->name_of(launch.subnet);
  // The zone it is in: the one asked for, else the subnet's, else one of the Region's.
  std::string want = asked.zone;
  if (want.empty() && !asked.subnet.empty()) {
    auto it = spec.subnets.find(asked.subnet);
    if (it != spec.subnets.end()) want = it->second;
  }
  const bool zone_ok = !want.empty() ? zone == want
                                     : spec.zones.empty() ? zone.empty()
                                                          : std::find(spec.zones.begin(), spec.zones.end(), zone) != spec.zones.end();
  if (!zone_ok) return Misplaced::zone;
  // Without a subnet asked for, EC2 picks one (the zone's default subnet): any, or none, will do.
  if (!asked.subnet.empty() && subnet != asked.subnet) return Misplaced::subnet;
  if (launch.params != kNone) {
    const LaunchParams& got = l.params(launch.params);
    if (got.image != asked.image) return Misplaced::image;
    if (got.type != asked.type) return Misplaced::type;
  }
  if (!count_ok) return Misplaced::count;
  return std::nullopt;
}

}  // namespace idem::model
