#include "harness/reapers.h"

#include <algorithm>

#include "model/reaper.h"

namespace idem::harness {

using model::Obs;

void Reapers::start() {
  for (uint32_t r = 0; r < cx_.s.reapers.size(); ++r) cx_.q.push(sim::Time(0) + cx_.s.reapers[r].start, kReap, r);
}

// A sweep: list, choose, terminate; then the next sweep.
void Reapers::on_reap(uint32_t r) {
  const sim::Time now = cx_.now;
  const model::ReaperSpec& spec = cx_.s.reapers[r];
  const auto listing = service_.list(spec.region, spec.account, now);
  std::vector<uint32_t> recorded;  // the reservations the callers recorded (their database)
  if (spec.reaps == model::ReaperSpec::unknown) {
    for (const model::IntentRecord& i : cx_.history.intents)
      if (i.outcome == model::Outcome::ok && i.learned.reservation) recorded.push_back(i.learned.reservation);
    std::sort(recorded.begin(), recorded.end());
  }
  if (spec.reaps == model::ReaperSpec::not_in_store) {
    store_.tokens.clear();
    store_.reservations.clear();
    if (stores_) stores_->read(store_);
  }
  const std::vector<uint32_t> chosen = model::choose_reaps(spec, listing, recorded, now, &store_);
  {
    model::Record& s = cx_.log.add(Obs::sweep, now, r);
    s.a = static_cast<uint32_t>(listing.size());
    s.b = static_cast<uint32_t>(chosen.size());
    for (const auto& v : listing) s.c += now - v.launched >= spec.grace ? 1 : 0;
  }
  for (uint32_t id : chosen) {
    bool tagged = true;
    for (const auto& v : listing) tagged = v.id == id ? v.tagged : tagged;
    one_.assign(1, id);
    asked_.clear();
    service_.terminate(spec.region, one_, now, spec.account, &asked_);
    for (uint32_t i : asked_) cx_.log.add(Obs::terminating, now, i).a = model::kNone;
    model::Record& t = cx_.log.add(Obs::reaped, now, r);
    t.a = id;
    t.flags = tagged ? model::kTagged : 0;
  }
  cx_.q.push(now + spec.every, kReap, r);
}

}  // namespace idem::harness
