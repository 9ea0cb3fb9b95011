// A cleanup job ("reaper"): every so often it lists an account's instances in a Region through
// DescribeInstances (eventually consistent) and terminates those it believes nobody owns
// (incidents 10 and 11, docs/incidents.md). Its choice is a pure function of the listing, what the
// callers have recorded, and the time.
#pragma once

#include <cstdint>
#include <vector>

#include "model/service.h"

namespace idem::model {

struct ReaperSpec {
  enum Reaps : uint8_t {
    untagged,  // instances the listing shows without tags (an owner tag, here the client token)
    unknown,   // instances whose reservation no caller has recorded (an orphan, or one it will learn of)
    // instances the controllers' databases do not know: neither their reservation nor the token
    // they were launched with is written down there (clients[].controller, state: durable)
    not_in_store,
  };
  // not-in-store: how it tells an instance's owner: by the ClientToken DescribeInstances shows for
  // every instance it lists, or by the owner tag (here the token too, set on create), which a
  // listing shows only once tags are visible: an instance shown without it is left alone (a filter
  // on the tag does not see it).
  enum Match : uint8_t { client_token, tag } match = client_token;
  uint32_t region = 0;
  uint32_t account = 0;
  Reaps reaps = untagged;
  Duration every = sim::minutes(1);
  Duration start = Duration(0);  // the first sweep (then every `every`)
  // Only instances at least this old (by their LaunchTime) are reaped: a grace longer than
  // describe_lag keeps an untagged reaper off instances whose tags are not visible yet.
  Duration grace = Duration(0);
};
std::string_view reaps_name(ReaperSpec::Reaps r);
std::string_view match_name(ReaperSpec::Match m);

// What the controllers' databases hold (reaps: not-in-store): the tokens they wrote down and the
// reservations they recorded, each sorted.
struct StoreView {
  std::vector<Token> tokens;
  std::vector<uint32_t> reservations;
};

// The instances a sweep at `now` terminates. `recorded`: the reservations the callers have
// recorded (learned from an answer), sorted.
// `store`: reaps: not-in-store only.
std::vector<uint32_t> choose_reaps(const ReaperSpec& spec, const std::vector<InstanceView>& listing,
                                   const std::vector<uint32_t>& recorded, Time now, const StoreView* store = nullptr);

}  // namespace idem::model
