#include "harness/service_host.h"

#include <algorithm>

namespace idem::harness {

using model::Obs;
using model::Response;
using sim::Duration;

void log_launch(model::RunLog& log, sim::Time at, uint32_t op, uint32_t attempt, const Response& r,
                const model::Service& service, bool quiet) {
  model::Record& rec = log.add(Obs::launched, at, op);
  rec.a = attempt;
  rec.set_response(r);
  rec.flags = quiet ? model::kQuiet : 0;
  if (!r.ok()) return;
  const model::Reservation& res = service.reservations()[r.reservation - 1];
  model::Record& p = log.add(Obs::placed, at, res.id);
  p.a = res.region;
  p.b = res.account;
  const std::string& placed = service.zone_name(res.placed_zone);
  p.c = placed.empty() ? model::kNone : log.name(placed);
  const model::LaunchParams& params = service.params_of(res);
  p.d = params.subnet.empty() ? model::kNone : log.name(params.subnet);
  p.x = log.params(params);
}

ServiceHost::ServiceHost(Context& cx, Network& net)
    : cx_(cx),
      net_(net),
      service_(cx.s.service),
      frontends_(cx.s.service.regions.size(), std::vector<Process>(cx.s.service.frontends)),
      stores_(cx.s.service.regions.size()),
      round_robin_(cx.s.service.regions.size(), 0) {
  for (const model::ClientRecord& c : cx.history.clients) work_prngs_.push_back(sim::Prng::named(cx.seed, "service/" + c.label));
}

void ServiceHost::add_client(uint32_t client) {
  work_prngs_.push_back(sim::Prng::named(cx_.seed, "service/" + cx_.history.clients[client].label));
}

void ServiceHost::start() {
  for (size_t i = 0; i < cx_.s.faults.faults.size(); ++i)
    if (const auto* c = std::get_if<faults::Crash>(&cx_.s.faults.faults[i]); c && c->at && c->target != faults::Crash::client)
      for (uint32_t r = 0; r < cx_.s.service.regions.size(); ++r)
        if (!c->region || *c->region == r) cx_.q.push(*c->at, kCrash, static_cast<uint32_t>(i), r);
}

void ServiceHost::reserve(size_t attempts, size_t launches) {
  served_.reserve(attempts);
  replies_.reserve(attempts);
  op_attempt_.reserve(launches);
  service_.reserve(launches);
}

// A request whose frontend crashed after taking it in: nothing more happens to it there.
bool ServiceHost::dead(uint32_t attempt) const {
  if (!cx_.injector.has_crash()) return false;  // no frontend ever crashes
  const Served& sv = served_[attempt];
  return sv.frontend != kNoFrontend && frontends_[cx_.region_of(attempt)][sv.frontend].incarnation != sv.incarnation;
}

// The frontend the balancer sends a request to: one of those up, or none.
uint32_t ServiceHost::pick_frontend(uint32_t client, uint32_t region) {
  std::vector<Process>& fs = frontends_[region];
  const uint32_t n = static_cast<uint32_t>(fs.size());
  if (n == 1) return fs[0].down ? kNoFrontend : 0;
  const uint32_t up = static_cast<uint32_t>(std::count_if(fs.begin(), fs.end(), [](const Process& p) { return !p.down; }));
  if (up == 0) return kNoFrontend;
  if (cx_.s.service.balancer == model::Balancer::round_robin) {
    for (;;) {
      const uint32_t f = round_robin_[region]++ % n;
      if (!fs[f].down) return f;
    }
  }
  // random: from the calling client's own service stream, like its service time.
  uint32_t k = static_cast<uint32_t>(work_prngs_[client].below(up));
  for (uint32_t f = 0; f < n; ++f)
    if (!fs[f].down && k-- == 0) return f;
  return kNoFrontend;
}

// How frontend `f` handles something of `attempt` now: its clock. `request`: it takes a request in
// (RunInstances' admission, DescribeInstances, TerminateInstances), which is what a skew fault
// counts; `read`: a read-then-write read, which goes to a replica drawn from the calling client's
// own service stream.
model::Handling ServiceHost::handling(uint32_t attempt, uint32_t f, bool request, bool read) {
  const uint32_t region = cx_.region_of(attempt);
  model::Handling h{cx_.now, {}, f == kNoFrontend ? 0 : f, 0, served(attempt).arrived};
  if (cx_.injector.has_skew()) h.skew = cx_.injector.skew(region, h.frontend, cx_.now, request);
  if (read && read_then_write() && cx_.s.service.store.replicas > 1)
    h.replica = static_cast<uint32_t>(work_prngs_[cx_.client_of(attempt)].below(cx_.s.service.store.replicas));
  return h;
}

void ServiceHost::on_arrive(uint32_t attempt) {
  const sim::Time now = cx_.now;
  // The arrival, first in the log: taken in by a frontend (with the service's time for it), or
  // by none (the endpoint turned it away).
  const auto arrived = [&](uint32_t frontend, Duration work) {
    model::Record& r = cx_.log.add(Obs::arrived, now, attempt);
    r.a = frontend == kNoFrontend ? model::kNone : frontend;
    r.x = work.us;
  };
  const model::CallRecord& c = cx_.call_of(attempt);
  const uint32_t region = c.request.region;
  served(attempt).arrived = now;
  if (auto code = cx_.injector.storm(faults::Storm::before, region, now)) {
    arrived(kNoFrontend, {});
    cx_.log.add(Obs::storm_before, now, attempt).code = static_cast<uint8_t>(*code);
    respond(attempt, Response{*code, 0, 0, 0}, /*acted=*/false);
    return;
  }
  if (c.api == model::Api::run) {
    if (auto code = cx_.injector.transient(region, now)) {
      arrived(kNoFrontend, {});
      cx_.log.add(Obs::transient, now, attempt).code = static_cast<uint8_t>(*code);
      respond(attempt, Response{*code, 0, 0, 0}, /*acted=*/false);
      return;
    }
  }
  if (cx_.s.service.throttle && !service_.take_quota(c.request.account, region, now)) {
    arrived(kNoFrontend, {});
    cx_.log.add(Obs::throttled, now, attempt);
    respond(attempt, Response{model::Code::RequestLimitExceeded, 0, 0, 0}, /*acted=*/false);
    return;
  }
  const uint32_t f = pick_frontend(c.client, region);
  if (f == kNoFrontend) {
    arrived(kNoFrontend, {});
    cx_.log.add(Obs::refused, now, attempt);
    served(attempt).answered = true;
    net_.reset_later(attempt);
    return;
  }
  // The service's time for this request, drawn from a stream of the calling client's own, so that
  // another client's requests do not shift it.
  Served& sv = served(attempt);
  sv.frontend = f;
  sv.incarnation = frontends_[region][f].incarnation;
  sv.work = cx_.s.service_latency.sample(work_prngs_[c.client]) + cx_.injector.spike(region, now);
  arrived(f, sv.work);
  if (cx_.injector.has_crash()) in_service_.push_back(attempt);
  if (c.api == model::Api::describe) return describe(attempt, f);
  if (c.api == model::Api::terminate) return terminate(attempt, f);
  const Duration to_store = steps().validate + steps().reserve;
  if (to_store.us) cx_.q.push(now + to_store, kValidated, attempt);
  else admit(attempt);
}

// DescribeInstances by client token: the launch it finds, as a RunInstances-shaped answer (the
// first reservation of the token's instances visible yet), or none.
void ServiceHost::describe(uint32_t attempt, uint32_t f) {
  const model::CallRecord& c = cx_.call_of(attempt);
  const model::Handling h = handling(attempt, f, true, false);
  const std::optional<model::Token> filter =
      listings_ && !c.request.has_token ? std::nullopt
      : std::optional<model::Token>(c.request.has_token ? cx_.log.token_of(c.request.token) : model::Token());
  const auto r = service_.describe(c.request.region, listings_ ? c.ids : std::vector<uint32_t>{}, filter, h.clock(),
                                   c.request.account);
  if (listings_) listing(attempt) = r;
  Response found{r.code, 0, 0, 0};
  // A live lookup that names no token names no launch to its caller (its listing is on the wire).
  if (!r.instances.empty() && filter) {
    found.reservation = r.instances.front().reservation;
    found.first_instance = r.instances.front().id;
    for (const auto& i : r.instances) found.count += i.reservation == found.reservation ? 1 : 0;
  }
  model::Record& rec = cx_.log.add(Obs::described, cx_.now, attempt);
  rec.set_response(found);
  rec.a = static_cast<uint32_t>(r.instances.size());
  replies_[attempt] = found;
  cx_.q.push(cx_.now + served_[attempt].work, kReply, attempt);
}

void ServiceHost::terminate(uint32_t attempt, uint32_t f) {
  const model::CallRecord& c = cx_.call_of(attempt);
  asked_.clear();
  const auto r = service_.terminate(c.request.region, c.ids, handling(attempt, f, true, false), c.request.account, &asked_);
  if (listings_) listing(attempt) = r;
  cx_.log.add(Obs::terminated, cx_.now, attempt).code = static_cast<uint8_t>(r.code);
  for (uint32_t id : asked_) cx_.log.add(Obs::terminating, cx_.now, id).a = attempt;
  replies_[attempt] = Response{r.code, 0, 0, 0};
  cx_.q.push(cx_.now + served_[attempt].work, kReply, attempt);
}

void ServiceHost::on_validated(uint32_t attempt) {
  if (!dead(attempt)) admit(attempt);
}

void ServiceHost::on_reply(uint32_t attempt) {
  if (!dead(attempt)) respond(attempt, replies_[attempt]);
}

// The validate and reserve steps have ended: the request is validated and its token's record made
// (or found) in one instant, the instant the service decides; an answer that launches nothing
// leaves work + reply later.
void ServiceHost::admit(uint32_t attempt) {
  const sim::Time now = cx_.now;
  const model::AttemptRecord& a = cx_.history.attempts[attempt];
  const model::CallRecord& c = cx_.call_of(attempt);
  const uint32_t region = c.request.region;
  const Served& sv = served_[attempt];
  const Duration answer_in = sv.work + steps().reply;
  if (stores_[region].down && a.has_token) {
    cx_.log.add(Obs::store_down, now, attempt).a = sv.frontend;
    replies_[attempt] = Response{model::Code::Unavailable, 0, 0, 0};
    cx_.q.push(now + answer_in, kReply, attempt);
    return;
  }
  const model::Handling h = handling(attempt, sv.frontend, true, true);
  model::Admission adm;
  // The call's request, with the token this attempt carried (its own, when it changed).
  if (c.request.params != request_params_) {
    request_params_ = c.request.params;
    request_.params = c.request.params == model::kNone ? model::LaunchParams() : cx_.log.params_of(c.request.params);
  }
  request_.region = c.request.region;
  request_.account = c.request.account;
  request_.tags_on_create = c.request.tags_on_create;
  request_.has_token = a.has_token && a.token != model::kNone;
  request_.token = request_.has_token ? cx_.log.token_of(a.token) : model::Token();
  adm = service_.admit(request_, h, attempt);
  {
    model::Record& r = cx_.log.add(Obs::admitted, now, attempt);
    r.flags = static_cast<uint16_t>(adm.kind) | (adm.forgot ? model::kForgot : 0) |
              (adm.after_launch ? model::kAfterLaunch : 0) | (adm.after_termination ? model::kAfterTermination : 0);
    r.code = static_cast<uint8_t>(adm.reply.code);
    r.a = adm.kind == model::Admission::Reply ? model::kNone : adm.op;
    r.b = sv.frontend;
    r.c = h.replica;
    r.d = adm.owner ? static_cast<uint32_t>(*adm.owner) : model::kNone;
    r.x = h.skew.us;
  }
  if (adm.kind == model::Admission::Reply) {
    replies_[attempt] = adm.reply;
    cx_.q.push(now + answer_in, kReply, attempt);
  } else if (adm.kind == model::Admission::Started) {
    if (op_attempt_.size() <= adm.op) op_attempt_.resize(adm.op + 1);
    op_attempt_[adm.op] = attempt;
    Duration before_launch;
    if (read_then_write() && a.has_token && !cx_.s.bugs.has(model::Bug::record_after_launch)) {
      cx_.q.push(now + cx_.s.service.store.gap, kWrite, adm.op);
      before_launch = cx_.s.service.store.gap;
    } else if (a.has_token && maybe_crash(faults::Crash::after_reserve, adm.op)) {
      return;
    }
    cx_.q.push(now + before_launch + steps().launch + sv.work, kLaunch, adm.op);
  }
}

// read-then-write: the insert lands, `gap` after the read.
void ServiceHost::on_write(uint32_t op) {
  if (service_.abandoned(op)) return;
  const uint32_t attempt = op_attempt_[op];
  const uint32_t region = cx_.region_of(attempt);
  if (stores_[region].down) {
    cx_.q.push(stores_[region].down_until, kWrite, op);
    return;
  }
  service_.write(op, handling(attempt, served_[attempt].frontend, false, false));
  cx_.log.add(Obs::written, cx_.now, op).a = attempt;
  maybe_crash(faults::Crash::after_reserve, op);
}

// The launch step ends: the instances exist.
void ServiceHost::on_launch(uint32_t op) {
  if (service_.abandoned(op)) return;
  const uint32_t attempt = op_attempt_[op];
  const Response r = service_.launch(op, cx_.now);
  const bool one_step = steps().record.us == 0 && !cx_.injector.has_crash();
  log_launch(cx_.log, cx_.now, op, attempt, r, service_, one_step);
  if (one_step) {
    on_record(op);
    return;
  }
  if (maybe_crash(faults::Crash::after_launch, op)) return;
  if (steps().record.us) cx_.q.push(cx_.now + steps().record, kRecord, op);
  else on_record(op);
}

// The record step ends: the launch's answer is bound to its token and leaves for the client (and
// for every request that joined it), `steps.reply` later.
void ServiceHost::on_record(uint32_t op) {
  if (service_.abandoned(op)) return;
  const uint32_t attempt = op_attempt_[op];
  const uint32_t region = cx_.region_of(attempt);
  if (stores_[region].down && cx_.call_of(attempt).request.has_token) {
    cx_.q.push(stores_[region].down_until, kRecord, op);  // the frontend waits for the store
    return;
  }
  model::Completion done = service_.record(op, handling(attempt, served_[attempt].frontend, false, false));
  {
    model::Record& r = cx_.log.add(Obs::recorded, cx_.now, op);
    r.a = attempt;
    r.set_response(done.response);
  }
  // A crash here loses the answer to the launch's own request (its client sees a reset); the
  // requests that joined it from frontends that are up still get it.
  maybe_crash(faults::Crash::after_record, op);
  if (!dead(attempt)) answer(attempt, done.response);
  for (uint64_t joined : done.joined)
    if (!dead(static_cast<uint32_t>(joined))) answer(static_cast<uint32_t>(joined), done.response);
}

// The service's answer leaves the frontend `steps.reply` from now.
void ServiceHost::answer(uint32_t attempt, const Response& r) {
  if (steps().reply.us == 0) {
    respond(attempt, r);
    return;
  }
  replies_[attempt] = r;
  cx_.q.push(cx_.now + steps().reply, kReply, attempt);
}

void ServiceHost::respond(uint32_t attempt, const Response& r, bool acted) {
  served(attempt).answered = true;
  net_.respond(attempt, r, acted);
}

// ---- crashes

// A launch reaches `step`: a crash fault may stop its frontend (true: this launch with it) or the
// store.
bool ServiceHost::maybe_crash(faults::Crash::Step step, uint32_t op) {
  if (!cx_.injector.has_crash()) return false;
  const uint32_t attempt = op_attempt_[op];
  const uint32_t region = cx_.region_of(attempt);
  const uint32_t f = served_[attempt].frontend;
  const auto i = cx_.injector.crash_at_step(step, region, f, cx_.now);
  if (!i) return false;
  const auto& c = std::get<faults::Crash>(cx_.s.faults.faults[*i]);
  const bool store = c.target == faults::Crash::store;
  const uint32_t which = c.which ? *c.which : f;
  if (store ? stores_[region].down : frontends_[region][which].down) return false;  // down already
  cx_.injector.fired(*i);
  {
    model::Record& r = cx_.log.add(Obs::crash_step, cx_.now, op);
    r.a = attempt;
    r.code = static_cast<uint8_t>(step);
  }
  if (store) {
    crash_store(region, c);
    return false;
  }
  crash_frontend(region, which, c);
  return which == f;
}

// A timed crash stops a process that is up: the store, its `which`, or one of the frontends up
// (drawn). With nothing of that up, it does not fire.
void ServiceHost::on_timed_crash(uint32_t fault, uint32_t region) {
  const auto& c = std::get<faults::Crash>(cx_.s.faults.faults[fault]);
  const std::vector<Process>& fs = frontends_[region];
  const uint32_t up = static_cast<uint32_t>(std::count_if(fs.begin(), fs.end(), [](const Process& p) { return !p.down; }));
  if (c.target == faults::Crash::store ? stores_[region].down : c.which ? fs[*c.which].down : up == 0) return;
  const auto k = cx_.injector.crash_at_time(fault, region, up, cx_.now);
  if (!k) return;
  cx_.log.add(Obs::crash_timed, cx_.now, fault);
  if (c.target == faults::Crash::store) {
    crash_store(region, c);
    return;
  }
  uint32_t f = 0, left = *k;
  if (c.which) f = *c.which;
  else
    for (f = 0; f < fs.size(); ++f)
      if (!fs[f].down && left-- == 0) break;
  crash_frontend(region, f, c);
}

void ServiceHost::crash_store(uint32_t region, const faults::Crash& c) {
  Process& p = stores_[region];
  if (p.down) return;
  p.down = true;
  p.down_until = cx_.restart_time(c);
  service_.crash_store(region);
  model::Record& r = cx_.log.add(Obs::store_crash, cx_.now, region);
  r.flags = cx_.s.service.store.durability == model::Durability::lossy ? model::kLossy : 0;
  r.x = (p.down_until - cx_.now).us;
  cx_.q.push(p.down_until, kRestart, region, kStore);
}

void ServiceHost::crash_frontend(uint32_t region, uint32_t f, const faults::Crash& c) {
  Process& p = frontends_[region][f];
  if (p.down) return;
  p.down = true;
  p.down_until = cx_.restart_time(c);
  ++p.incarnation;
  {
    model::Record& r = cx_.log.add(Obs::frontend_crash, cx_.now, region);
    r.a = f;
    r.x = (p.down_until - cx_.now).us;
  }
  cx_.q.push(p.down_until, kRestart, region, f);
  // Its launches in flight, settled by the service's recovery; the requests that joined them from
  // other frontends get the bound answer, or a 500 when nothing was bound.
  for (const model::Abandoned& ab : service_.crash_frontend(region, f, cx_.now)) {
    model::Record& r = cx_.log.add(Obs::abandoned, cx_.now, ab.op);
    r.a = static_cast<uint32_t>(ab.tag);
    r.flags = (ab.launched ? model::kLaunched : 0) | (ab.bound ? model::kBound : 0) | (ab.had_record ? model::kHadRecord : 0);
    for (uint64_t j : ab.joined)
      if (!dead(static_cast<uint32_t>(j)))
        answer(static_cast<uint32_t>(j), ab.bound ? *ab.bound : Response{model::Code::InternalError, 0, 0, 0});
  }
  // Its requests in flight get no answer: their connections are reset.
  size_t keep = 0;
  for (uint32_t attempt : in_service_) {
    Served& sv = served_[attempt];
    if (sv.answered) continue;
    if (sv.frontend == f && cx_.region_of(attempt) == region && sv.incarnation + 1 == p.incarnation) {
      sv.answered = true;
      cx_.log.add(Obs::reset_by_crash, cx_.now, attempt);
      net_.reset_later(attempt);
      continue;
    }
    in_service_[keep++] = attempt;
  }
  in_service_.resize(keep);
}

void ServiceHost::on_restart(uint32_t region, uint32_t which) {
  Process& p = which == kStore ? stores_[region] : frontends_[region][which];
  p.down = false;
  if (which == kStore) cx_.log.add(Obs::store_restart, cx_.now, region);
  else cx_.log.add(Obs::frontend_restart, cx_.now, region).a = which;
}

}  // namespace idem::harness
