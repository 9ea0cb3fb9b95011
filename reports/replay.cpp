#include "reports/replay.h"

#include "model/oracle/ledger.h"
#include "reports/trace_text.h"

namespace idem::reports {

Replay replay(const harness::Scenario& s, uint64_t seed, harness::RunOptions opt) {
  opt.keep_log = true;
  Replay out;
  static_cast<harness::RunResult&>(out) = harness::run_once(s, seed, opt);
  out.violations = word(s, *out.log, out.findings);
  out.trace = trace_text(s, seed, *out.log, out.violations, out.end);
  return out;
}

std::vector<IntentEnd> intent_ends(const harness::RunResult& r) {
  const model::Ledger l = model::index_log(*r.log);
  std::vector<IntentEnd> out;
  for (const model::Ledger::Intent& i : l.intents) {
    IntentEnd e;
    e.intent = l.log->name_of(l.clients[i.client].label) + "/" + std::to_string(i.k);
    e.story = std::string(model::outcome_name(i.outcome)) + ":";
    for (size_t n = 0; n < i.calls.size(); ++n) {
      const model::Ledger::Call& c = l.calls[i.calls[n]];
      e.story += (n ? "; " : " ") + std::string(model::api_name(c.api)) + (c.repeat ? " (repeat)" : "");
      const model::Ledger::Attempt* last = c.attempts.empty() ? nullptr : &l.attempts[c.attempts.back()];
      if (c.outcome == model::Outcome::pending) {
        e.story += " pending";
      } else if (!last || last->end != model::Ledger::Attempt::answer) {
        e.story += " no answer";
      } else {
        e.story += " " + std::to_string(c.response.status()) + " " + std::string(model::code_name(c.response.code));
        if (c.response.ok() && c.response.reservation) e.story += " r" + std::to_string(c.response.reservation);
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace idem::reports
