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
    e.intent = l.log->name_of(l.clients[i.client].label);
    e.intent += '/';
    e.intent += std::to_string(i.k);
    e.outcome = model::outcome_name(i.outcome);
    for (const uint32_t n : i.calls) {
      const model::Ledger::Call& c = l.calls[n];
      std::string call(model::api_name(c.api));
      if (c.repeat) call += " (repeat)";
      const model::Ledger::Attempt* last = c.attempts.empty() ? nullptr : &l.attempts[c.attempts.back()];
      if (c.outcome == model::Outcome::pending) {
        call += " pending";
      } else if (!last || last->end != model::Ledger::Attempt::answer) {
        call += " no answer";
      } else {
        call += ' ';
        call += std::to_string(c.response.status());
        call += ' ';
        call += model::code_name(c.response.code);
        if (c.response.ok() && c.response.reservation) {
          call += " r";
          call += std::to_string(c.response.reservation);
        }
      }
      e.calls.push_back(std::move(call));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> fold_repeats(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (size_t i = 0; i < items.size();) {
    size_t j = i + 1;
    while (j < items.size() && items[j] == items[i]) ++j;
    out.push_back(j - i > 1 ? items[i] + " \u00d7" + std::to_string(j - i) : items[i]);
    i = j;
  }
  return out;
}

}  // namespace idem::reports
