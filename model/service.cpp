#include "model/service.h"

#include <algorithm>

#include "sim/invariant.h"

namespace idem::model {

std::string_view state_name(InstanceState s) {
  switch (s) {
    case InstanceState::pending: return "pending";
    case InstanceState::running: return "running";
    case InstanceState::shutting_down: return "shutting-down";
    case InstanceState::terminated: return "terminated";
  }
  return "?";
}

std::string_view balancer_name(Balancer b) { return b == Balancer::random ? "random" : "round-robin"; }
std::string_view store_write_name(StoreWrite w) {
  return w == StoreWrite::conditional ? "conditional" : "read-then-write";
}
std::string_view durability_name(Durability d) { return d == Durability::durable ? "durable" : "volatile"; }

Service::Service(ServiceConfig config) : config_(std::move(config)) {}

bool Service::take_quota(uint32_t account, uint32_t region, Time now) {
  if (!config_.throttle) return true;
  const Throttle& t = *config_.throttle;
  const __int128 one = t.every.us;  // one request, in the bucket's units
  const __int128 full = static_cast<__int128>(t.bucket) * one;
  auto [it, fresh] = buckets_.try_emplace({account, region}, Bucket{full, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.level = std::min(full, b.level + static_cast<__int128>((now - b.at).us) * t.per);
    b.at = now;
  }
  if (b.level < one) return false;
  b.level -= one;
  return true;
}

bool Service::valid_token(const Token& token) {
  if (token.empty() || token.size() > Token::kMax) return false;
  const std::string_view t = token.view();
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 128; });
}

// Rule 1, as this service applies it (the planted bugs loosen it).
bool Service::accepts_token(const Token& token) const {
  const size_t longest = config_.bugs.has(Bug::token_length_65) ? Token::kMax + 1 : Token::kMax;
  if (token.empty() || token.size() > longest) return false;
  const std::string_view t = token.view();
  return config_.bugs.has(Bug::non_ascii_token) ||
         std::all_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 128; });
}

std::string Service::scope_zone(const RunRequest& req) const {
  if (config_.semantics == Semantics::v2013) return "";
  if (!req.params.zone.empty()) return req.params.zone;
  if (!req.params.subnet.empty()) {
    const auto& subnets = config_.regions[req.region].subnets;
    auto it = subnets.find(req.params.subnet);
    if (it != subnets.end()) return it->second;
  }
  return "";
}

std::optional<Code> Service::validate(const RunRequest& req) const {
  const LaunchParams& p = req.params;
  if (req.has_token && !accepts_token(req.token)) return Code::InvalidParameterValue;
  if (p.min < 1 || p.max < p.min || p.image.empty() || p.type.empty())
    return Code::InvalidParameterValue;
  const RegionSpec& region = config_.regions.at(req.region);
  if (!p.zone.empty() &&
      std::find(region.zones.begin(), region.zones.end(), p.zone) == region.zones.end())
    return Code::InvalidParameterValue;
  if (!p.subnet.empty()) {
    auto it = region.subnets.find(p.subnet);
    if (it == region.subnets.end()) return Code::InvalidSubnetIDNotFound;
    if (!p.zone.empty() && it->second != p.zone) return Code::InvalidParameterValue;
  }
  return std::nullopt;
}

uint64_t Service::Key::hash() const {
  uint64_t h = flat_mix(0x6a09e667f3bcc908ULL, uint64_t{region} | uint64_t{account} << 32);
  h = flat_mix(h, zone);
  const std::string_view t = token.view();
  return flat_hash_bytes(h ^ token.size(), t.data(), t.size());
}

uint32_t Service::intern(const LaunchParams& p) {
  if (last_params_ != UINT32_MAX && params_[last_params_] == p) return last_params_;
  uint64_t h = flat_mix(0xbb67ae8584caa73bULL, static_cast<uint64_t>(static_cast<uint32_t>(p.min)) << 32 |
                                                  static_cast<uint32_t>(p.max));
  for (const std::string* f : {&p.image, &p.type, &p.key, &p.zone, &p.subnet})
    h = flat_hash_bytes(flat_mix(h, f->size()), f->data(), f->size());
  if (const uint32_t* id = params_ids_.find(h, [&](uint32_t i) { return params_[i] == p; })) return last_params_ = *id;
  params_.push_back(p);
  last_params_ = static_cast<uint32_t>(params_.size() - 1);
  params_ids_.insert(h, last_params_);
  return last_params_;
}

uint32_t Service::zone_id(const std::string& zone) {
  for (uint32_t i = 0; i < zones_.size(); ++i)
    if (zones_[i] == zone) return i;
  zones_.push_back(zone);
  return static_cast<uint32_t>(zones_.size() - 1);
}

Service::Key Service::key_of(uint32_t region, uint32_t account, uint32_t zone, const Token& token) const {
  const BugSet& bugs = config_.bugs;
  Key key{region, account, zone, token};
  if (bugs.has(Bug::global_token_table)) key.region = 0;
  if (bugs.has(Bug::ignore_zone_scope)) key.zone = 0;
  if (bugs.has(Bug::case_insensitive_token) || bugs.has(Bug::token_prefix_32)) {
    std::string t = token.str();
    if (bugs.has(Bug::case_insensitive_token))
      for (char& c : t) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (bugs.has(Bug::token_prefix_32) && t.size() > 32) t.resize(32);
    key.token = Token(t);
  }
  return key;
}

// Whether `key` is op's record key, key_of(op), without building it when no planted bug bends it.
bool Service::keyed_by(const Op& op, const Key& key) const {
  const BugSet& bugs = config_.bugs;
  if (bugs.has(Bug::case_insensitive_token) || bugs.has(Bug::token_prefix_32)) return key_of(op) == key;
  return op.token == key.token && op.account == key.account &&
         (bugs.has(Bug::global_token_table) ? 0 : op.region) == key.region &&
         (bugs.has(Bug::ignore_zone_scope) ? 0 : op.zone) == key.zone;
}

// Rule 3: every parameter but the Region and the zone (the scope) must match.
bool Service::same_parameters(uint32_t ia, uint32_t ib) const {
  if (ia == ib) return true;  // interned: the same value
  const LaunchParams& a = params_[ia];
  const LaunchParams& b = params_[ib];
  const BugSet& bugs = config_.bugs;
  return a.image == b.image && (a.type == b.type || bugs.has(Bug::mismatch_ignores_type)) && a.key == b.key &&
         (a.subnet == b.subnet || bugs.has(Bug::mismatch_ignores_subnet)) && a.min == b.min && a.max == b.max &&
         (a.zone == b.zone || !bugs.has(Bug::zone_as_parameter) || config_.semantics != Semantics::v2013);
}

bool Service::all_terminated(const Response& r, Time now) const {
  if (!r.ok() || r.count == 0) return false;
  for (uint32_t i = 0; i < r.count; ++i)
    if (state_of(r.first_instance + i, now) != InstanceState::terminated) return false;
  return true;
}

// `now` is the deciding frontend's clock.
bool Service::expired(const Record& r, Time now) const {
  if (r.in_flight) return false;
  if (config_.store.ttl && now - r.recorded >= *config_.store.ttl) return true;
  if (!all_terminated(r.response, now)) return false;
  if (config_.bugs.has(Bug::forget_at_termination)) return true;
  if (config_.semantics != Semantics::v2013) return false;
  // Terminated: the 2013 page keeps the token at least token_retention after the last one ends.
  Time last;
  for (uint32_t i = 0; i < r.response.count; ++i) {
    const Instance& inst = instances_[r.response.first_instance + i - 1];
    last = std::max(last, config_.bugs.has(Bug::retention_from_launch)
                              ? inst.launched
                              : *inst.terminate_requested + config_.terminate_time);
  }
  return now - last >= config_.token_retention;
}

Service::Record* Service::read(const Key& key, uint64_t h, const Handling& at) {
  Record* r = find(key, h);
  if (r && at.replica > 0 && at.now - r->written < config_.store.lag) return nullptr;
  return r;
}

Admission Service::admit(const RunRequest& req, const Handling& at, uint64_t tag) {
  Admission out;
  if (auto err = validate(req)) {
    out.reply.code = *err;
    return out;
  }
  const BugSet& bugs = config_.bugs;
  // The service decides now, by the frontend's clock; the decide-at-arrival bug decides by the
  // clock when the request arrived, before its validate and reserve steps.
  const Time clock = bugs.has(Bug::decide_at_arrival) ? at.arrived.value_or(at.now) + at.skew : at.clock();
  const uint32_t op_id = static_cast<uint32_t>(ops_.size());
  // Every validated request's parameters are interned (one copy per distinct value, a repeat's
  // and a mismatch's too); an Op is kept only for a launch that starts.
  const uint32_t params = intern(req.params);
  const uint32_t zone = zone_id(scope_zone(req));
  bool write_pending = false;
  uint64_t key_hash = 0;
  if (req.has_token) {
    const bool read_then_write = config_.store.write == StoreWrite::read_then_write;
    const Key key = key_of(req.region, req.account, zone, req.token);
    key_hash = key.hash();
    // conditional: the insert-if-absent below is decided at the primary; read-then-write: a
    // plain read, maybe from a replica that lags.
    Record* rec = read_then_write ? read(key, key_hash, at) : find(key, key_hash);
    if (rec && expired(*rec, clock)) {
      records_.erase(rec);
      rec = nullptr;
      out.forgot = true;
    }
    // Every instance of the token gone (both semantics: a fact the coverage counts); under
    // `current` it decides the answer (IdempotentInstanceTerminated).
    const bool all_gone = rec && !rec->in_flight && all_terminated(rec->response, clock);
    const bool terminated = all_gone && config_.semantics == Semantics::current;
    if (rec && terminated && bugs.has(Bug::relaunch_after_terminated) && same_parameters(rec->params, params)) {
      records_.erase(rec);
      rec = nullptr;
    }
    if (rec && !(rec->in_flight && bugs.has(Bug::no_inflight_join))) {
      out.owner = ops_[rec->op].tag;
      out.after_termination = all_gone;
      if (!same_parameters(rec->params, params)) {
        out.reply.code = Code::IdempotentParameterMismatch;
      } else if (rec->in_flight) {
        out.after_launch = ops_[rec->op].launched;
        ops_[rec->op].joined.push_back(tag);
        out.kind = Admission::Joined;
        out.op = rec->op;
      } else if (terminated && !bugs.has(Bug::original_after_terminated)) {
        out.reply.code = Code::IdempotentInstanceTerminated;
      } else {
        out.reply = rec->response;
        if (bugs.has(Bug::degraded_repeat) && out.reply.ok()) out.reply.first_instance = out.reply.count = 0;
      }
      return out;
    }
    // The token is reserved now, before anything launches (rule 7): a request that arrives
    // while this one is in flight finds it and joins. Read-then-write inserts it later (write()).
    // (A record the reading replica did not see yet is still there: read-then-write overwrites it.)
    if (!rec && !bugs.has(Bug::record_after_launch)) {
      if (read_then_write) {
        write_pending = true;
      } else {
        // (ops_[op_id] is added below, before any lookup: an insert compares no keys.)
        records_.insert(key_hash, Record{params, clock, at.now, true, Response{}, op_id});
      }
    }
  }
  out.kind = Admission::Started;
  out.op = op_id;
  open_ops_.push_back(op_id);
  Op& op = ops_.emplace_back();
  op.region = req.region;
  op.account = req.account;
  op.params = params;
  op.zone = zone;
  op.has_token = req.has_token;
  op.tags_on_create = req.tags_on_create;
  op.token = req.token;
  op.tag = tag;
  op.key_hash = key_hash;
  op.frontend = at.frontend;
  op.write_pending = write_pending;
  return out;
}

void Service::write(uint32_t op_id, const Handling& at) {
  Op& op = ops_.at(op_id);
  if (!op.write_pending || op.abandoned) return;
  op.write_pending = false;
  // A plain put: it overwrites a record another request wrote since this one read (a replica
  // that had the record keeps having one).
  const Key key = key_of(op);
  Record put{op.params, at.clock(), at.now, !op.done, op.response, op_id};
  if (Record* r = find(key, op.key_hash)) {
    put.written = r->written;
    *r = put;
  } else {
    records_.insert(op.key_hash, put);
  }
}

Response Service::make_reservation(uint32_t op_id, Time now) {
  const Op& op = ops_[op_id];
  const LaunchParams& p = params_[op.params];
  int64_t n = p.max;
  // Instances in use are counted only for types with a capacity (the only reader).
  auto cap = config_.capacity.find(p.type);
  if (cap != config_.capacity.end()) {
    int64_t& used = in_use_[{op.region, p.type}];
    const int64_t free = cap->second - used;
    if (free < p.min) return Response{Code::InsufficientInstanceCapacity, 0, 0, 0};
    n = std::min<int64_t>(n, free);
    used += n;
  }
  Reservation r;
  r.id = static_cast<uint32_t>(reservations_.size() + 1);
  r.region = op.region;
  r.account = op.account;
  r.zone = op.zone;
  std::string placed = p.zone;
  if (placed.empty() && !p.subnet.empty()) {
    const auto& subnets = config_.regions[op.region].subnets;
    if (auto it = subnets.find(p.subnet); it != subnets.end()) placed = it->second;
  }
  const auto& zones = config_.regions[op.region].zones;
  if (placed.empty() && !zones.empty()) placed = zones[(reservations_.size()) % zones.size()];
  r.placed_zone = zone_id(placed);
  r.has_token = op.has_token;
  r.op = op_id;
  r.params = op.params;
  r.first_instance = static_cast<uint32_t>(instances_.size() + 1);
  r.count = static_cast<uint32_t>(n);
  r.at = now;
  r.tag = op.tag;
  r.tags_on_create = op.tags_on_create;
  for (uint32_t i = 0; i < r.count; ++i)
    instances_.push_back(Instance{r.first_instance + i, r.id, now, std::nullopt});
  reservations_.push_back(std::move(r));
  if (by_token_built_) chain(reservations_.back());
  return Response{Code::Ok, r.id, r.first_instance, r.count};
}

Response Service::launch(uint32_t op_id, Time now) {
  Op& op = ops_.at(op_id);
  IDEM_CHECK(!op.launched && !op.abandoned, "a launch happens once, on a live frontend");
  op.launched = true;
  op.response = make_reservation(op_id, now);
  return op.response;
}

Completion Service::record(uint32_t op_id, const Handling& at) {
  Op& op = ops_.at(op_id);
  IDEM_CHECK(op.launched && !op.done, "a launch is recorded once, after it launched");
  op.done = true;
  Completion out;
  out.response = op.response;
  out.joined = std::move(op.joined);
  op.joined.clear();
  if (!op.has_token) return out;
  const Key key = key_of(op);
  const Record bound{op.params, at.clock(), at.now, false, op.response, op_id};
  Record* rec = find(key, op.key_hash);
  if (!rec) {
    // No record: it is written now (the record-after-launch bug), or the store lost it (a
    // volatile store's crash), or the read-then-write insert has not landed yet.
    op.write_pending = false;
    records_.insert(op.key_hash, bound);
    return out;
  }
  if (rec->op != op_id) {
    // Another request's record: with read-then-write the put overwrites it; otherwise this launch
    // leaves it (only a planted bug, or a record remade after a loss, gets here).
    if (config_.store.write == StoreWrite::read_then_write) *rec = bound;
    return out;
  }
  rec->in_flight = false;
  rec->recorded = at.clock();
  rec->response = op.response;
  if (!op.response.ok() && config_.bugs.has(Bug::mismatch_vs_first_launch)) records_.erase(rec);
  return out;
}

Completion Service::complete(uint32_t op, Time now) {
  launch(op, now);
  return record(op, Handling{now, {}, 0, 0, {}});
}

std::vector<Abandoned> Service::crash_frontend(uint32_t region, uint32_t frontend, Time now) {
  std::vector<Abandoned> out;
  // The open launches in op order (as a scan of every op would find them), the done ones dropped.
  size_t kept = 0;
  for (size_t n = 0; n < open_ops_.size(); ++n) {
    const uint32_t id = open_ops_[n];
    Op& op = ops_[id];
    if (op.done) continue;
    if (op.region != region || op.frontend != frontend) {
      open_ops_[kept++] = id;
      continue;
    }
    op.done = op.abandoned = true;
    Abandoned ab{id, op.tag, op.launched, std::nullopt, false, std::move(op.joined)};
    op.joined.clear();
    if (op.has_token) {
      Record* rec = find(key_of(op), op.key_hash);
      if (rec && rec->op == id && rec->in_flight) {
        ab.had_record = true;
        if (config_.recover && op.launched) {
          // Its instances carry the token: bind them to the record, as record() would have
          // (stamped by the store's own clock, which is exact).
          rec->in_flight = false;
          rec->recorded = now;
          rec->response = op.response;
          ab.bound = op.response;
        } else {
          records_.erase(rec);  // released: nothing launched (or, without recovery, forgotten)
        }
      }
    }
    out.push_back(std::move(ab));
  }
  open_ops_.resize(kept);
  return out;
}

void Service::crash_store(uint32_t region) {
  if (config_.store.durability == Durability::durable) return;
  records_.erase_if([&](const Record& r) { return ops_[r.op].region == region; });
}

void Service::reserve(size_t n) {
  ops_.reserve(n);
  reservations_.reserve(n);
  instances_.reserve(n);
  // (The token table grows as tokens come: sized here, it would take its memory in a run whose
  // callers send none.)
}

void Service::release() {
  records_ = {};
  std::vector<Op>().swap(ops_);
  std::vector<Reservation>().swap(reservations_);
  std::vector<Instance>().swap(instances_);
  std::vector<uint32_t>().swap(open_ops_);
  by_token_ = {};
  std::vector<uint32_t>().swap(next_same_token_);
  by_token_built_ = false;
  std::vector<LaunchParams>().swap(params_);
  params_ids_ = {};
  last_params_ = UINT32_MAX;
}

// A launch not launched nor abandoned is not done: open_ops_ holds it.
size_t Service::in_flight() const {
  return static_cast<size_t>(std::count_if(open_ops_.begin(), open_ops_.end(), [&](uint32_t id) {
    return !ops_[id].launched && !ops_[id].abandoned;
  }));
}

std::vector<uint64_t> Service::in_flight_tags() const {
  std::vector<uint64_t> out;
  for (uint32_t id : open_ops_)
    if (!ops_[id].launched && !ops_[id].abandoned) out.push_back(ops_[id].tag);
  return out;
}

uint64_t Service::token_hash(const Token& t) { return flat_hash_bytes(t.size(), t.view().data(), t.view().size()); }

void Service::chain(const Reservation& r) const {
  next_same_token_.resize(reservations_.size(), 0);
  if (!r.has_token) return;
  const Token& t = token_of(r);
  const uint64_t h = token_hash(t);
  if (TokenChain* c = by_token_.find(h, [&](const TokenChain& c) { return token_of(reservations_[c.first - 1]) == t; })) {
    next_same_token_[c->last - 1] = r.id;
    c->last = r.id;
  } else {
    by_token_.insert(h, TokenChain{r.id, r.id});
  }
}

const Reservation* Service::first_with(const Token& token) const {
  if (!by_token_built_) {
    by_token_built_ = true;
    for (const Reservation& r : reservations_) chain(r);
  }
  const uint64_t h = token_hash(token);
  const TokenChain* c = by_token_.find(h, [&](const TokenChain& c) { return token_of(reservations_[c.first - 1]) == token; });
  return c ? &reservations_[c->first - 1] : nullptr;
}

InstanceState Service::state_of(uint32_t id, Time now) const {
  const Instance& i = instances_.at(id - 1);
  if (i.terminate_requested) {
    return now - *i.terminate_requested < config_.terminate_time ? InstanceState::shutting_down
                                                                 : InstanceState::terminated;
  }
  return lifecycle_state(id, now);
}

InstanceState Service::lifecycle_state(uint32_t id, Time now) const {
  return now - instances_.at(id - 1).launched < config_.launch_time ? InstanceState::pending : InstanceState::running;
}

DescribeResult Service::describe(uint32_t region, const std::vector<uint32_t>& ids,
                                 const std::optional<Token>& token, Time now, uint32_t account) const {
  DescribeResult out;
  auto view = [&](const Instance& i) {
    const Reservation& r = reservations_[i.reservation - 1];
    return InstanceView{i.id, r.id, state_of(i.id, now), token_of(r), params_[r.params].type, zones_[r.zone], i.launched, true, r.has_token, token_of(r)};
  };
  auto matches = [&](const Instance& i) {
    const Reservation& r = reservations_[i.reservation - 1];
    return r.region == region && r.account == account && visible(i, now) &&
           (!token || (r.has_token && token_of(r) == *token));
  };
  if (!ids.empty()) {
    for (uint32_t id : ids) {
      if (id == 0 || id > instances_.size() || !matches(instances_[id - 1])) {
        // Unknown, in another region, or too new: EC2 is eventually consistent here.
        return DescribeResult{Code::InvalidInstanceIDNotFound, {}};
      }
      out.instances.push_back(view(instances_[id - 1]));
    }
    return out;
  }
  if (token) {  // the token's reservations, in launch order: their instances in id order, as a scan finds them
    for (const Reservation* r = first_with(*token); r;
         r = next_same_token_[r->id - 1] ? &reservations_[next_same_token_[r->id - 1] - 1] : nullptr)
      for (uint32_t k = 0; k < r->count; ++k)
        if (matches(instances_[r->first_instance + k - 1])) out.instances.push_back(view(instances_[r->first_instance + k - 1]));
    return out;
  }
  for (const Instance& i : instances_)
    if (matches(i)) out.instances.push_back(view(i));
  return out;
}

std::vector<InstanceView> Service::list(uint32_t region, uint32_t account, Time now) const {
  std::vector<InstanceView> out;
  for (const Instance& i : instances_) {
    const Reservation& r = reservations_[i.reservation - 1];
    if (r.region != region || r.account != account) continue;
    const InstanceState state = state_of(i.id, now);
    if (state == InstanceState::terminated || !visible(i, now)) continue;
    // Tags set at the launch show describe_lag + tag_lag after it; tags set later by CreateTags,
    // tag_lag after that call (never, if the caller never learned of the instance).
    const bool tagged = r.tags_on_create ? now - i.launched >= config_.describe_lag + config_.tag_lag
                                         : r.tagged_at && now - *r.tagged_at >= config_.tag_lag;
    out.push_back(InstanceView{i.id, r.id, state, tagged && r.has_token ? token_of(r) : Token(), params_[r.params].type,
                               zones_[r.zone], i.launched, tagged, r.has_token, r.has_token ? token_of(r) : Token()});
  }
  return out;
}

DescribeResult Service::terminate(uint32_t region, const std::vector<uint32_t>& ids, const Handling& at,
                                  uint32_t account, std::vector<uint32_t>* asked) {
  const Time now = at.now;
  DescribeResult check = describe(region, ids, std::nullopt, at.clock(), account);
  if (check.code != Code::Ok) return check;
  for (uint32_t id : ids) {
    Instance& i = instances_[id - 1];
    if (!i.terminate_requested) {
      i.terminate_requested = now;
      if (asked) asked->push_back(id);
      const Reservation& r = reservations_[i.reservation - 1];
      const std::string& type = params_[r.params].type;
      if (config_.capacity.count(type)) in_use_[{r.region, type}] -= 1;
    }
  }
  return describe(region, ids, std::nullopt, at.clock(), account);
}

}  // namespace idem::model
