#include "faults/injector.h"

#include <algorithm>

#include "sim/time.h"

namespace idem::faults {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

template <typename F>
std::string window_text(const F& f, const std::vector<std::string>& names) {
  const Window& w = f.window;
  std::string out = " from " + sim::format_duration(w.from - Time(0));
  if (w.length) out += " for " + sim::format_duration(*w.length);
  if (f.region) out += " region " + (*f.region < names.size() ? names[*f.region] : std::to_string(*f.region));
  return out;
}

// A fault's random stream is named by this form (the rate as a ratio): a stable key, so that the
// wording describe() gives a person can change without changing any run.
std::string ratio_text(sim::Ratio r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

// "80%", "0.5%", or the ratio as written when no percentage with up to 4 decimals is exact.
std::string percent_text(sim::Ratio r) {
  const unsigned __int128 scaled = static_cast<unsigned __int128>(r.num) * 1000000;  // percent, to 4 decimals
  if (r.den == 0 || scaled % r.den != 0) return std::to_string(r.num) + "/" + std::to_string(r.den);
  const uint64_t ten_thousandths = static_cast<uint64_t>(scaled / r.den);
  std::string out = std::to_string(ten_thousandths / 10000);
  std::string frac = std::to_string(ten_thousandths % 10000);
  frac = std::string(4 - frac.size(), '0') + frac;
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return out + (frac.empty() ? "" : "." + frac) + "%";
}
}  // namespace

std::string_view crash_step_name(Crash::Step s) {
  switch (s) {
    case Crash::after_reserve: return "after-reserve";
    case Crash::after_launch: return "after-launch";
    case Crash::after_record: return "after-record";
  }
  return "?";
}

namespace {
std::string describe_with(const Fault& f, const std::vector<std::string>& names, const std::vector<std::string>& groups,
                          std::string (*rate_text)(sim::Ratio)) {
  auto group = [&](uint32_t g) { return g < groups.size() ? groups[g] : std::to_string(g); };
  return std::visit(
      Overloaded{
          [&names, rate_text](const Lose& l) {
            return std::string("lose ") + (l.what == Lose::request ? "request" : "response") +
                   " rate " + rate_text(l.rate) + window_text(l, names);
          },
          [&names, rate_text](const Spike& s) {
            return "spike rate " + rate_text(s.rate) + " delay " + sim::format_duration(s.delay.min) + ".." +
                   sim::format_duration(s.delay.median) + ".." + sim::format_duration(s.delay.p99) + ".." +
                   sim::format_duration(s.delay.max) + window_text(s, names);
          },
          [&names, rate_text](const Storm& s) {
            return "storm " + std::string(model::code_name(s.code)) + " rate " + rate_text(s.rate) +
                   (s.phase == Storm::after ? " after commit" : "") + window_text(s, names);
          },
          [&names, rate_text](const Reset& r) {
            return std::string("reset ") + (r.phase == Reset::before ? "before" : "after") + " rate " +
                   rate_text(r.rate) + window_text(r, names);
          },
          [&names, &group](const Partition& p) {
            return "partition group " + group(p.group) + " " +
                   (p.direction == Partition::both ? "both" : p.direction == Partition::requests ? "requests" : "responses") +
                   window_text(p, names);
          },
          [&names, rate_text](const Duplicate& d) {
            return "duplicate rate " + rate_text(d.rate) + " delay " + sim::format_duration(d.delay.min) + ".." +
                   sim::format_duration(d.delay.max) + window_text(d, names);
          },
          [&names, rate_text](const Transient& t) {
            return "transient " + std::string(model::code_name(t.code)) + " rate " + rate_text(t.rate) + window_text(t, names);
          },
          [&names, &group, rate_text](const Database& d) {
            return "database group " + group(d.group) + " fail " + rate_text(d.fail) + " stall " +
                   sim::format_duration(d.stall.min) + ".." + sim::format_duration(d.stall.max) + window_text(d, names);
          },
          [&names, &group, rate_text](const Crash& c) {
            if (c.target == Crash::client) {
              std::string out = "crash client group " + group(c.group) + " " + std::string(model::caller_crash_point_name(c.when));
              if (c.at) out.append(" at ").append(sim::format_duration(*c.at - Time(0)));
              if (c.rolling) out.append(" rolling ").append(sim::format_duration(*c.rolling));
              if (!c.at) out.append(" rate ").append(rate_text(c.rate));
              out.append(" restart-after ").append(sim::format_duration(c.restart_after));
              return out.append(window_text(c, names));
            }
            std::string out = c.target == Crash::frontend ? "crash frontend" : "crash store";
            if (c.target == Crash::frontend) {
              out += ' ';
              out += c.which ? std::to_string(*c.which) : std::string("any");
            }
            if (c.at) out.append(" at ").append(sim::format_duration(*c.at - Time(0)));
            if (c.step) out.append(" ").append(crash_step_name(*c.step)).append(" rate ").append(rate_text(c.rate));
            out.append(" restart-after ").append(sim::format_duration(c.restart_after));
            return out.append(window_text(c, names));
          },
          [&names](const Skew& k) {
            std::string out = "skew frontend ";
            out.append(k.frontend ? std::to_string(*k.frontend) : std::string("all")).append(" offset ");
            out.append(sim::format_duration(k.offset));
            return out.append(window_text(k, names));
          },
      },
      f);
}
}  // namespace

std::string describe(const Fault& f, const std::vector<std::string>& names, const std::vector<std::string>& groups) {
  return describe_with(f, names, groups, percent_text);
}

Injector::Injector(const FaultPlan& plan, uint64_t seed) : plan_(&plan) {
  prngs_.reserve(plan.faults.size());
  fires_.assign(plan.faults.size(), 0);
  // A fault's stream is named by what it is; two identical faults are told apart by their rank
  // among the identical ones.
  std::vector<std::string> names;
  for (const Fault& f : plan.faults) {
    const std::string name = "fault/" + describe_with(f, {}, {}, ratio_text);
    const auto rank = std::count(names.begin(), names.end(), name);
    names.push_back(name);
    prngs_.push_back(sim::Prng::named(seed, name + "#" + std::to_string(rank)));
    has_skew_ = has_skew_ || std::holds_alternative<Skew>(f);
    if (const auto* c = std::get_if<Crash>(&f)) (c->target == Crash::client ? has_caller_crash_ : has_crash_) = true;
  }
}

bool Injector::lose(Lose::What what, uint32_t region, Time now) {
  bool lost = false;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* l = std::get_if<Lose>(&plan_->faults[i]);
    if (l && l->what == what && applies(*l, region, now) && prngs_[i].chance(l->rate)) {
      lost = true;
      ++fires_[i];
    }
  }
  return lost;
}

bool Injector::lose_request(uint32_t region, Time now) { return lose(Lose::request, region, now); }
bool Injector::lose_response(uint32_t region, Time now) { return lose(Lose::response, region, now); }

Duration Injector::spike(uint32_t region, Time now) {
  Duration extra;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* s = std::get_if<Spike>(&plan_->faults[i]);
    if (s && applies(*s, region, now) && prngs_[i].chance(s->rate)) {
      extra = extra + s->delay.sample(prngs_[i]);
      ++fires_[i];
    }
  }
  return extra;
}

std::optional<model::Code> Injector::storm(Storm::Phase phase, uint32_t region, Time now) {
  std::optional<model::Code> out;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* s = std::get_if<Storm>(&plan_->faults[i]);
    if (s && s->phase == phase && applies(*s, region, now) && prngs_[i].chance(s->rate) && !out) {
      out = s->code;
      ++fires_[i];
    }
  }
  return out;
}

bool Injector::reset(Reset::Phase phase, uint32_t region, Time now) {
  bool hit = false;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* r = std::get_if<Reset>(&plan_->faults[i]);
    if (r && r->phase == phase && applies(*r, region, now) && prngs_[i].chance(r->rate) && !hit) {
      hit = true;
      ++fires_[i];
    }
  }
  return hit;
}

bool Injector::partitioned(bool request, uint32_t group, uint32_t region, Time now) {
  bool cut = false;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* p = std::get_if<Partition>(&plan_->faults[i]);
    if (!p || p->group != group || !applies(*p, region, now)) continue;
    const bool direction = p->direction == Partition::both ||
                           (request ? p->direction == Partition::requests : p->direction == Partition::responses);
    if (direction && !cut) {
      cut = true;
      ++fires_[i];
    }
  }
  return cut;
}

std::optional<model::Code> Injector::transient(uint32_t region, Time now) {
  std::optional<model::Code> out;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* t = std::get_if<Transient>(&plan_->faults[i]);
    if (t && applies(*t, region, now) && prngs_[i].chance(t->rate) && !out) {
      out = t->code;
      ++fires_[i];
    }
  }
  return out;
}

std::optional<Duration> Injector::duplicate(uint32_t region, Time now) {
  std::optional<Duration> out;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* d = std::get_if<Duplicate>(&plan_->faults[i]);
    if (d && applies(*d, region, now) && prngs_[i].chance(d->rate) && !out) {
      out = d->delay.sample(prngs_[i]);
      ++fires_[i];
    }
  }
  return out;
}

std::optional<size_t> Injector::crash_at_step(Crash::Step step, uint32_t region, uint32_t frontend, Time now) {
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* c = std::get_if<Crash>(&plan_->faults[i]);
    if (!c || !c->step || *c->step != step || !applies(*c, region, now)) continue;
    if (c->target == Crash::frontend && c->which && *c->which != frontend) continue;
    if (prngs_[i].chance(c->rate)) return i;
  }
  return std::nullopt;
}

std::optional<size_t> Injector::caller_crash(uint32_t group, uint32_t region, model::CallerCrashPoint when, Time now) {
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* c = std::get_if<Crash>(&plan_->faults[i]);
    if (!c || c->target != Crash::client || c->at || c->group != group || c->when != when || !applies(*c, region, now)) continue;
    if (prngs_[i].chance(c->rate)) {
      ++fires_[i];
      return i;
    }
  }
  return std::nullopt;
}

bool Injector::caller_crash_at_time(size_t fault, uint32_t region, Time now) {
  const Crash& c = std::get<Crash>(plan_->faults.at(fault));
  if (!applies(c, region, now)) return false;
  ++fires_[fault];
  return true;
}

bool Injector::has_database(uint32_t group) const {
  for (const Fault& f : plan_->faults)
    if (const auto* d = std::get_if<Database>(&f); d && d->group == group) return true;
  return false;
}

std::pair<bool, Duration> Injector::database_write(uint32_t group, uint32_t region, Time now) {
  std::pair<bool, Duration> out{false, Duration(0)};
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* d = std::get_if<Database>(&plan_->faults[i]);
    if (!d || d->group != group || !applies(*d, region, now)) continue;
    const bool fails = prngs_[i].chance(d->fail);
    const Duration stall = d->stall.sample(prngs_[i]);
    if (fails || stall.us > 0) ++fires_[i];
    out.first = out.first || fails;
    out.second = out.second + stall;
  }
  return out;
}

std::optional<uint32_t> Injector::crash_at_time(size_t fault, uint32_t region, uint32_t up, Time now) {
  const Crash& c = std::get<Crash>(plan_->faults.at(fault));
  if (!applies(c, region, now)) return std::nullopt;
  ++fires_[fault];
  if (c.target == Crash::store || c.which) return 0;
  return static_cast<uint32_t>(prngs_[fault].below(up));
}

Duration Injector::skew(uint32_t region, uint32_t frontend, Time now, bool count) {
  Duration out;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* k = std::get_if<Skew>(&plan_->faults[i]);
    if (k && (!k->frontend || *k->frontend == frontend) && applies(*k, region, now) && k->offset.us != 0) {
      out = out + k->offset;
      fires_[i] += count ? 1 : 0;
    }
  }
  return out;
}

}  // namespace idem::faults
