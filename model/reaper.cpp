#include "model/reaper.h"

#include <algorithm>

namespace idem::model {

std::string_view reaps_name(ReaperSpec::Reaps r) { return r == ReaperSpec::untagged ? "untagged" : "unknown"; }

std::vector<uint32_t> choose_reaps(const ReaperSpec& spec, const std::vector<InstanceView>& listing,
                                   const std::vector<uint32_t>& recorded, Time now) {
  std::vector<uint32_t> out;
  for (const InstanceView& i : listing) {
    if (i.state == InstanceState::shutting_down || i.state == InstanceState::terminated) continue;
    if (now - i.launched < spec.grace) continue;
    const bool nobody = spec.reaps == ReaperSpec::untagged
                            ? !i.tagged
                            : !std::binary_search(recorded.begin(), recorded.end(), i.reservation);
    if (nobody) out.push_back(i.id);
  }
  return out;
}

}  // namespace idem::model
