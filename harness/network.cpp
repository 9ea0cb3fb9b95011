#include "harness/network.h"

namespace idem::harness {

using model::Obs;

Network::Network(Context& cx) : cx_(cx) {
  for (const model::ClientRecord& c : cx.history.clients) {
    const ClientGroup& g = cx.s.clients[c.group];
    links_.push_back(g.latency ? &*g.latency : &cx.s.region_latency[c.region]);
    prngs_.push_back(sim::Prng::named(cx.seed, "net/" + c.label));
  }
}

void Network::add_client(uint32_t client) {
  static const sim::Latency kNoLatency = sim::Latency::fixed(sim::Duration(0));
  links_.push_back(&kNoLatency);
  prngs_.push_back(sim::Prng::named(cx_.seed, "net/" + cx_.history.clients[client].label));
}

void Network::send(uint32_t client, uint32_t attempt) {
  const uint32_t region = cx_.region_of(attempt);
  const sim::Time now = cx_.now;
  if (in_transit_.size() <= attempt) in_transit_.resize(attempt + 1);
  if (cx_.injector.lose_request(region, now)) {
    cx_.log.add(Obs::lost_request, now, attempt);
    return;
  }
  if (cx_.injector.partitioned(true, cx_.history.clients[client].group, region, now)) {
    cx_.log.add(Obs::lost_request, now, attempt).flags = model::kPartition;
    return;
  }
  if (cx_.injector.reset(faults::Reset::before, region, now)) {
    cx_.log.add(Obs::reset_before, now, attempt);
    cx_.q.push(now, kReset, attempt);
    return;
  }
  const sim::Duration way = latency(client);
  cx_.q.push(now + way, kArrive, attempt);
  if (auto delay = cx_.injector.duplicate(region, now)) {
    model::AttemptRecord copy = cx_.history.attempts[attempt];
    copy.duplicate_of = attempt;
    const uint32_t dup = static_cast<uint32_t>(cx_.history.attempts.size());
    cx_.history.attempts.push_back(copy);
    if (in_transit_.size() <= dup) in_transit_.resize(dup + 1);
    model::Record& r = cx_.log.add(Obs::duplicated, now, attempt);
    r.a = dup;
    r.x = delay->us;
    cx_.q.push(now + way + *delay, kArrive, dup);
  }
}

void Network::respond(uint32_t attempt, model::Response r, bool acted) {
  const sim::Time now = cx_.now;
  const model::CallRecord& c = cx_.call_of(attempt);
  const model::AttemptRecord& a = cx_.history.attempts[attempt];
  const uint32_t region = c.request.region;
  if (acted) {
    if (auto code = cx_.injector.storm(faults::Storm::after, region, now)) {
      model::Record& rec = cx_.log.add(Obs::storm_after, now, attempt);
      rec.code = static_cast<uint8_t>(*code);
      rec.a = static_cast<uint32_t>(r.code), rec.b = r.reservation, rec.c = r.first_instance, rec.d = r.count;
      r = model::Response{*code, 0, 0, 0};
    }
  }
  // A group cut off hears nothing, not even a reset.
  if (cx_.injector.partitioned(false, cx_.history.clients[c.client].group, region, now)) {
    model::Record& lost = cx_.log.add(Obs::lost_response, now, attempt);
    lost.flags = model::kPartition | (acted ? model::kActed : 0);
    lost.set_response(r);
    return;
  }
  // A reset reaches a client still waiting on its connection: not one that timed out already, nor
  // a copy the network made (no client holds its connection).
  if (acted && !a.done && a.duplicate_of == model::AttemptRecord::kNotTaken &&
      cx_.injector.reset(faults::Reset::after, region, now)) {
    cx_.log.add(Obs::reset_after, now, attempt).set_response(r);
    cx_.q.push(now + latency(c.client), kReset, attempt);
    return;
  }
  if (cx_.injector.lose_response(region, now)) {
    model::Record& lost = cx_.log.add(Obs::lost_response, now, attempt);
    lost.flags = acted ? model::kActed : 0;
    lost.set_response(r);
    return;
  }
  in_transit_[attempt] = Transit{r, now};
  cx_.q.push(now + latency(c.client), kDeliver, attempt);
}

void Network::reset_later(uint32_t attempt) {
  if (cx_.history.attempts[attempt].duplicate_of != model::AttemptRecord::kNotTaken) return;
  cx_.q.push(cx_.now + latency(cx_.client_of(attempt)), kReset, attempt);
}

}  // namespace idem::harness
