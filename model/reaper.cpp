#include "model/reaper.h"

#include <algorithm>

namespace idem::model {

std::string_view reaps_name(ReaperSpec::Reaps r) {
  return r == ReaperSpec::untagged ? "untagged" : r == ReaperSpec::unknown ? "unknown" : "not-in-store";
}
std::string_view match_name(ReaperSpec::Match m) { return m == ReaperSpec::client_token ? "client-token" : "tag"; }

std::vector<uint32_t> choose_reaps(const ReaperSpec& spec, const std::vector<InstanceView>& listing,
                                   const std::vector<uint32_t>& recorded, Time now, const StoreView* store) {
  std::vector<uint32_t> out;
  for (const InstanceView& i : listing) {
    if (i.state == InstanceState::shutting_down || i.state == InstanceState::terminated) continue;
    if (now - i.launched < spec.grace) continue;
    bool nobody = false;
    switch (spec.reaps) {
      case ReaperSpec::untagged: nobody = !i.tagged; break;
      case ReaperSpec::unknown: nobody = !std::binary_search(recorded.begin(), recorded.end(), i.reservation); break;
      case ReaperSpec::not_in_store: {
        if (spec.match == ReaperSpec::tag && !i.tagged) break;  // the tag filter does not see it yet
        const bool known = store && (std::binary_search(store->reservations.begin(), store->reservations.end(), i.reservation) ||
                                     (i.has_token && std::binary_search(store->tokens.begin(), store->tokens.end(), i.client_token)));
        nobody = !known;
        break;
      }
    }
    if (nobody) out.push_back(i.id);
  }
  return out;
}

}  // namespace idem::model
