#include "faults/injector.h"

#include "sim/time.h"

namespace idem::faults {

namespace {
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string window_text(const Window& w) {
  std::string out = " from " + sim::format_duration(w.from - Time(0));
  if (w.length) out += " for " + sim::format_duration(*w.length);
  return out;
}

std::string rate_text(sim::Ratio r) {
  return std::to_string(r.num) + "/" + std::to_string(r.den);
}
}  // namespace

std::string describe(const Fault& f) {
  return std::visit(
      Overloaded{
          [](const Lose& l) {
            return std::string("lose ") + (l.what == Lose::request ? "request" : "response") +
                   " rate " + rate_text(l.rate) + window_text(l.window);
          },
          [](const Spike& s) { return "spike rate " + rate_text(s.rate) + window_text(s.window); },
          [](const Storm& s) {
            return "storm " + std::string(model::code_name(s.code)) + " rate " + rate_text(s.rate) +
                   (s.phase == Storm::after ? " after commit" : "") + window_text(s.window);
          },
      },
      f);
}

Injector::Injector(const FaultPlan& plan, sim::Prng prng) : plan_(&plan) {
  prngs_.reserve(plan.faults.size());
  for (size_t i = 0; i < plan.faults.size(); ++i) prngs_.push_back(prng.child());
}

bool Injector::lose(Lose::What what, uint32_t region, Time now) {
  bool lost = false;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* l = std::get_if<Lose>(&plan_->faults[i]);
    if (l && l->what == what && applies(*l, region, now) && prngs_[i].chance(l->rate)) lost = true;
  }
  return lost;
}

bool Injector::lose_request(uint32_t region, Time now) { return lose(Lose::request, region, now); }
bool Injector::lose_response(uint32_t region, Time now) { return lose(Lose::response, region, now); }

Duration Injector::spike(uint32_t region, Time now) {
  Duration extra;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* s = std::get_if<Spike>(&plan_->faults[i]);
    if (s && applies(*s, region, now) && prngs_[i].chance(s->rate)) extra = extra + s->delay.sample(prngs_[i]);
  }
  return extra;
}

std::optional<model::Code> Injector::storm(Storm::Phase phase, uint32_t region, Time now) {
  std::optional<model::Code> out;
  for (size_t i = 0; i < plan_->faults.size(); ++i) {
    const auto* s = std::get_if<Storm>(&plan_->faults[i]);
    if (s && s->phase == phase && applies(*s, region, now) && prngs_[i].chance(s->rate) && !out)
      out = s->code;
  }
  return out;
}

}  // namespace idem::faults
