#include "harness/coverage.h"

#include <algorithm>
#include <variant>

#include "harness/scenario.h"

namespace idem::harness {

std::string_view situation_name(Situation s) {
  switch (s) {
    case Situation::repeat_in_flight: return "repeat-in-flight";
    case Situation::repeat_launch_record: return "repeat-between-launch-and-record";
    case Situation::response_lost_commit: return "response-lost-after-commit";
    case Situation::repeat_after_terminate: return "repeat-after-termination";
    case Situation::repeat_after_forget: return "repeat-after-token-forgotten";
    case Situation::mismatch_after_fallback: return "mismatch-after-fallback";
    case Situation::two_intents_one_token: return "two-intents-one-token";
    case Situation::describe_too_soon: return "describe-before-visible";
    case Situation::caller_crash: return "caller-crash-before-record";
    case Situation::quota_mid_chain: return "retry-quota-exhausted";
    case Situation::rate_limited: return "rate-limiter-waited";
    case Situation::batch_partly_filled: return "batch-partly-filled";
    case Situation::clock_ahead: return "frontend-clock-ahead";
    case Situation::clock_behind: return "frontend-clock-behind";
    case Situation::reaped_untagged: return "reaped-while-untagged";
    case Situation::kCount: break;
  }
  return "?";
}

std::string unreachable_because(Situation s, const Scenario& sc) {
  auto any_client = [&](auto pred) { return std::any_of(sc.clients.begin(), sc.clients.end(), pred); };
  switch (s) {
    case Situation::repeat_launch_record:
      return sc.service.steps.record.us == 0 ? "service.steps.record is 0: no gap between launch and record" : "";
    case Situation::repeat_after_terminate:
      return any_client([](const ClientGroup& g) { return g.spec.terminate_after && g.spec.repeat_after; })
                 ? ""
                 : "no client terminates and then repeats its launch";
    case Situation::repeat_after_forget:
      if (sc.service.store.ttl) {
        const bool skewed = std::any_of(sc.faults.faults.begin(), sc.faults.faults.end(),
                                        [](const faults::Fault& f) { return std::holds_alternative<faults::Skew>(f); });
        return *sc.service.store.ttl >= sc.limit && !skewed ? "service.store.ttl is longer than the limit" : "";
      }
      return sc.service.semantics == model::Semantics::v2013 ? "" : "no store ttl, and `current` never forgets a token";
    case Situation::mismatch_after_fallback:
      return any_client([](const ClientGroup& g) { return !g.spec.fallback_type.empty(); }) ? "" : "no client has a fallback_type";
    case Situation::describe_too_soon:
      return any_client([](const ClientGroup& g) { return g.spec.describes(); }) ? "" : "no client reconciles through DescribeInstances";
    case Situation::caller_crash:
      return std::any_of(sc.faults.faults.begin(), sc.faults.faults.end(),
                         [](const faults::Fault& f) {
                           const auto* c = std::get_if<faults::Crash>(&f);
                           return c && c->target == faults::Crash::client;
                         })
                 ? ""
                 : "no fault crashes a caller";
    case Situation::quota_mid_chain:
      return any_client([](const ClientGroup& g) { return g.spec.retry.uses_quota(); }) ? "" : "no client has a retry quota";
    case Situation::two_intents_one_token: {
      // A fresh UUID per intent (or one made of the intent's id) meets no other intent's record;
      // a value of the group's own, a timestamp, or a planted bug in the store's scope can.
      const auto shares = [](model::TokenMode m) { return m == model::TokenMode::value || m == model::TokenMode::timestamp; };
      const bool can = any_client([&](const ClientGroup& g) { return shares(g.spec.token); }) ||
                       std::any_of(sc.explore.tokens.begin(), sc.explore.tokens.end(), shares) ||
                       !sc.explore.token_values.empty() || !sc.bugs.empty();
      return can ? "" : "every token is a fresh UUID or the intent's own id (no `{value}` or `timestamp` token)";
    }
    case Situation::rate_limited:
      return any_client([](const ClientGroup& g) { return g.spec.retry.kind == model::PolicyKind::aws_adaptive; })
                 ? ""
                 : "no client uses aws-adaptive";
    case Situation::batch_partly_filled:
      return any_client([](const ClientGroup& g) { return g.spec.batch > 1; }) ? "" : "no client batches (batch > 1)";
    case Situation::clock_ahead:
    case Situation::clock_behind: {
      const bool ahead = s == Situation::clock_ahead;
      const bool skewed = std::any_of(sc.faults.faults.begin(), sc.faults.faults.end(), [&](const faults::Fault& f) {
        const auto* k = std::get_if<faults::Skew>(&f);
        return k && (ahead ? k->offset.us > 0 : k->offset.us < 0);
      });
      return skewed ? "" : ahead ? "no skew fault puts a frontend's clock ahead" : "no skew fault puts a frontend's clock behind";
    }
    case Situation::reaped_untagged: {
      const bool can = std::any_of(sc.reapers.begin(), sc.reapers.end(), [&](const model::ReaperSpec& r) {
        return r.reaps == model::ReaperSpec::untagged && sc.service.tag_lag.us > 0 &&
               r.grace < sc.service.describe_lag + sc.service.tag_lag;
      });
      return can ? "" : "no reaper with reaps: untagged and a grace shorter than describe_lag + tag_lag (with a tag_lag above 0)";
    }
    default: return "";
  }
}

}  // namespace idem::harness
