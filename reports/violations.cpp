#include "reports/violations.h"

#include <algorithm>

#include "harness/world.h"
#include "model/oracle/rules.h"
#include "sim/trace.h"

namespace idem::reports {

using model::Finding;
using model::kNone;
using model::Ledger;
using model::Reason;
using model::Response;
using sim::Time;

std::string response_text(const Response& r) {
  if (!r.ok()) return std::to_string(r.status()) + " " + std::string(model::code_name(r.code));
  std::string out = "200 " + model::reservation_name(r.reservation);
  if (r.count > 0) {
    out += " " + model::instance_name(r.first_instance);
    if (r.count > 1) out += "+" + std::to_string(r.count - 1);
  } else {
    out += " with no instances";
  }
  return out;
}

namespace {

// What the service went through that a story should tell (crashes, restarts, a record the store
// forgot or released): kept as text, with what it is about.
struct Note {
  Time at;
  std::string token;   // only for stories of this token (escaped), or ""
  std::string what;
  bool key = false;    // never elided from a printed excerpt
  std::string client;  // only for stories of this client's attempts (a caller's crash), or ""
};

class Wording {
 public:
  Wording(const harness::Scenario& s, const model::RunLog& log)
      : s_(s), l_(model::index_log(log)), rules_(harness::rules_of(s)), promises_(harness::promises_of(s)) {
    notes();
  }

  Violation word(const Finding& f) const {
    Violation v;
    v.property = std::string(model::property_name(f.property));
    v.subject = subject(f);
    v.group = f.group;
    v.instances = f.instances;
    v.intended = f.intended;
    v.leaked = f.leaked;
    v.detail = detail(f);
    v.bad_launches = f.bad_launches;
    v.reaps = f.reaps;
    v.reason = f.reason;
    v.launches = f.launches;
    if (f.reason == Reason::reaped_owned) {
      const Ledger::Reap& r = l_.reaps[f.first];
      v.events.push_back({r.at,
                          "reaper " + std::to_string(r.reaper) + " terminated " + model::instance_name(r.instance) +
                              (r.tagged ? "" : " (listed untagged)"),
                          true});
    }
    if (f.reason == Reason::wrong_answers || f.reason == Reason::invalid_answered) {
      // When the service decided the answer (after its validate and reserve steps), and, for a
      // token whose launch terminated, when that happened: rule 5 is judged at the decision.
      const Ledger::Attempt& a = l_.attempts[f.first];
      if (a.decided && a.arrived && *a.decided != *a.arrived)
        v.events.push_back({*a.decided, "service decided " + attempt_text(f.first) + " (it arrived at " +
                                            sim::format_clock(*a.arrived) + "; the rules apply at the decision)", true});
      if (f.other != kNone && f.other < l_.launches.size() && l_.launches[f.other].reservation) {
        const Ledger::Launch& launch = l_.launches[f.other];
        for (uint32_t id = launch.first; id < launch.first + launch.count && id - 1 < l_.terminating.size(); ++id) {
          if (!l_.terminating[id - 1]) continue;
          v.events.push_back({*l_.terminating[id - 1], model::instance_name(id) + " asked to terminate; terminated at " +
                                                           sim::format_clock(*l_.terminating[id - 1] + rules_.terminate_time),
                              true});
          break;
        }
      }
    }
    if (f.reason == Reason::leak_outlived) {
      std::string end = (f.flags & 1) ? model::instance_name(f.other) + " still running at the limit"
                                      : model::instance_name(f.other) + " gone (its termination taken, plus terminate_time)";
      for (uint32_t r : f.reaps)
        if (!(f.flags & 1)) end += "; reaper " + std::to_string(l_.reaps[r].reaper) + " terminated it at " + sim::format_clock(l_.reaps[r].at);
      v.events.push_back({Time(f.t2), end, true});
    }
    if (f.launches_first) launch_steps(v, f.launches);
    attempt_steps(v, f.attempts, f.key_attempts);
    if (!f.launches_first) launch_steps(v, f.launches);
    std::stable_sort(v.events.begin(), v.events.end(), [](const Violation::Step& a, const Violation::Step& b) { return a.at < b.at; });
    add_notes(v);
    return v;
  }

 private:
  // ---- names

  const std::string& region_name(uint32_t r) const { return s_.service.regions.at(r).name; }
  const std::string& label(uint32_t client) const { return l_.log->name_of(l_.clients[client].label); }
  std::string token_text(uint32_t token) const { return sim::escaped(l_.token(token).view()); }

  std::string intent_text(uint32_t intent) const {
    const Ledger::Intent& i = l_.intents[intent];
    const Ledger::Client& c = l_.clients[i.client];
    std::string out = "intent " + label(i.client) + "/" + std::to_string(i.k);
    if (i.name != kNone) out = "intent " + l_.log->name_of(i.name) + " (" + label(i.client) + "/" + std::to_string(i.k) + ")";
    else if (c.intent_name != kNone) out += " (intent " + l_.log->name_of(c.intent_name) + ")";
    return out;
  }

  std::string scope_text(uint32_t attempt) const {
    const model::ScopeKey k = model::scope_of(l_, rules_, attempt);
    std::string out = "token " + sim::escaped(k.token->view()) + " in " + region_name(k.region);
    if (rules_.accounts.size() > 1) out = "account " + rules_.accounts.at(k.account) + " " + out;
    if (k.zone) {
      const auto& zones = rules_.regions.at(k.region).zones;
      out += "/" + (k.zone <= zones.size() ? zones[k.zone - 1] : std::string("?"));
    }
    return out;
  }

  std::string subject(const Finding& f) const {
    switch (f.subject_kind) {
      case Finding::Subject::scope: return scope_text(f.subject);
      case Finding::Subject::request: {
        const Ledger::Attempt& a = l_.attempts[f.subject];
        return (a.has_token() ? "token " + token_text(a.token) : std::string("request without a token")) + " in " +
               region_name(l_.region_of(f.subject));
      }
      case Finding::Subject::api:
        return std::string(model::api_name(l_.call_of(f.subject).api)) + " in " + region_name(l_.region_of(f.subject));
      case Finding::Subject::intent: return intent_text(f.subject);
      case Finding::Subject::reaper: return "reaper " + std::to_string(f.subject);
      case Finding::Subject::launch: return "launch " + model::reservation_name(f.subject);
    }
    return "?";
  }

  std::string launch_name(uint32_t li) const {
    const Ledger::Launch& l = l_.launches[li];
    return l.reservation ? model::reservation_name(l.reservation) : "a launch in flight at the time limit";
  }

  // ---- details, one per reason

  // Why the answer of a request that must get `e` is not allowed (the token's launch: `launch`).
  std::string rule_text(model::Expect e, uint32_t launch) const {
    switch (e) {
      case model::Expect::invalid:
        return "rule 1: a token must be 1 to 64 ASCII characters, so the answer must be 400 InvalidParameterValue";
      case model::Expect::bad_parameters:
        return "the parameters are not valid in this Region (zone, subnet, image, type or counts), so the answer "
               "must be a 400 that launches and records nothing";
      case model::Expect::mismatch:
        return "rule 3: other parameters than the token's first request must get 400 IdempotentParameterMismatch";
      case model::Expect::terminated:
        return "rule 5 (current): once the token's instances terminated, a repeat must get 400 "
               "IdempotentInstanceTerminated";
      case model::Expect::launch: {
        if (launch == kNone || !l_.launches[launch].reservation)
          return "rule 2/4: nothing was launched under this token in this scope, so no 200 can name a reservation";
        const Ledger::Launch& r = l_.launches[launch];
        return "rule 2: a repeat must get the same answer, 200 " +
               response_text(Response{model::Code::Ok, r.reservation, r.first, r.count}).substr(4);
      }
    }
    return "";
  }

  std::string answered(uint32_t attempt) const { return "answered " + response_text(*l_.attempts[attempt].received()); }

  std::string detail(const Finding& f) const {
    const auto e = static_cast<model::Expect>(f.code);
    switch (f.reason) {
      case Reason::wrong_answers: {
        const std::string why =
            f.flags ? "a request that must get " +
                          std::string(e == model::Expect::mismatch ? "IdempotentParameterMismatch" : "IdempotentInstanceTerminated") +
                          " launched " + launch_name(f.other)
                    : answered(f.first) + "; " + rule_text(e, f.other);
        return std::to_string(f.count) + " answer(s) the rules do not allow; first: " + why;
      }
      case Reason::invalid_launched:
        return std::string(e == model::Expect::invalid ? "an invalid token" : "a request with invalid parameters") +
               " launched " + launch_name(f.other) + "; it must be answered with a 400 and launch nothing";
      case Reason::invalid_answered: return answered(f.first) + "; " + rule_text(e, kNone);
      case Reason::untokened_answer: return answered(f.first) + "; rule 6: it must name what this request launched";
      case Reason::describe_answer:
        if (f.code == 1)
          return "DescribeInstances found nothing, but a reservation with that client token was " +
                 sim::format_duration(rules_.describe_lag) + " old or older";
        return "DescribeInstances answered " + response_text(*l_.attempts[f.first].received()) +
               ", which is not a reservation of that client token in this Region (with all its instances)";
      case Reason::terminate_answer:
        if (f.code == 1)
          return "TerminateInstances answered 200, but " + model::instance_name(f.other) + " was not asked to terminate";
        return "TerminateInstances answered " + response_text(*l_.attempts[f.first].received()) + "; it must be " +
               (f.code == 2 ? "200 (every id is an instance of this Region)" : "InvalidInstanceID.NotFound");
      case Reason::placement: return placement(f);
      case Reason::collision: {
        const bool one_group = l_.clients[l_.intents[f.first].client].group == l_.clients[l_.intents[f.other].client].group;
        return "one token used by two intents, " + intent_text(f.first) + " and " + intent_text(f.other) +
               ": a token names one launch" +
               (one_group ? " (two clients or intents of one group send it: a group with a token value of its own "
                            "launches once, so give it count: 1 and intents: 1, or a token per intent)"
                          : " (name them one `intent` if they are the same launch)");
      }
      case Reason::extra_launches:
        return std::to_string(f.launches.size()) + " launches with " + std::to_string(f.instances) +
               " instances under one token (exactly 1 reservation of " + std::to_string(f.count) + " to " +
               std::to_string(f.intended) + " instances allowed)";
      case Reason::intent_launches: {
        std::string d = std::to_string(f.launches.size()) + " launches with " + std::to_string(f.instances) +
                        " instances for one intent (exactly 1 reservation of at most " + std::to_string(f.intended) +
                        " instances allowed)";
        if (f.first != kNone) d += "; the later launch (in the order the service decided) came from " + minted_by(f.first, (f.flags & 1) != 0);
        if (f.leaked) d += "; " + std::to_string(f.leaked) + " instance(s) leaked: no answer to the intent named them";
        if (f.flags & 2) d += "; one still in flight at the time limit";
        if (f.flags & 4)
          d += "; a launch followed a repeat of a token past its 2013 retention: the caller reused an expired token";
        return d;
      }
      case Reason::failed_but_launched:
        return "recorded as failed, yet its own request launched " + launch_name(f.other) +
               ": its outcome was unknown, not failed";
      case Reason::terminated_unnamed: {
        const uint32_t res = f.other >= 1 && f.other <= l_.reservation_of.size() ? l_.reservation_of[f.other - 1] : 0;
        return "asked to terminate " + model::instance_name(f.other) + (res ? " of " + model::reservation_name(res) : std::string()) +
               ", which no launch answer to this client named: it may belong to someone else";
      }
      case Reason::reaped_owned: {
        const Ledger::Reap& r = l_.reaps[f.first];
        const uint32_t res = l_.reservation_of[r.instance - 1];
        std::string d = "terminated " + model::instance_name(r.instance) + " of " + model::reservation_name(res) + ", which " +
                        intent_text(f.other) + " owns (" +
                        (f.code == 0 ? "an answer to it named the reservation"
                                     : "it was launched for the intent, and the caller was still working with its "
                                       "token: a call carrying it was not over, or came later") +
                        ")" +
                        (r.tagged ? "" : "; the listing showed it without its tags (not visible yet: younger than "
                                         "describe_lag + tag_lag)");
        if (f.count > 1) d = std::to_string(f.count) + " instances that intents own; first: " + d;
        return d;
      }
      case Reason::foreign_reservation: {
        const uint32_t by = l_.call_of(l_.launches[f.other - 1].attempt).intent;
        return "answered with " + model::reservation_name(f.other) + ", launched for " + intent_text(by) +
               ": two intents share one token, and this one has no instances of its own";
      }
      case Reason::short_of_min: {
        std::string short_batch;
        if (f.other != kNone) {
          const Ledger::Launch& b = l_.launches[f.other - 1];
          short_batch = model::reservation_name(f.other) + ", the reservation of a batch that came short of it (" +
                        std::to_string(b.count) + " instances for " + std::to_string(l_.call_of(b.attempt).batch.size()) +
                        " intents)";
        }
        return "ended well with " + std::to_string(f.instances) + " instance(s) of its own, fewer than its MinCount (" +
               std::to_string(f.count) + ")" + (short_batch.empty() ? "" : "; it was answered with " + short_batch);
      }
      case Reason::gave_up_unknown:
      case Reason::settled_late:
      case Reason::blocked:
      case Reason::open_at_limit: return liveness(f);
      case Reason::too_many_attempts:
        return std::to_string(f.count) + " attempts for one intent, across every layer (at most " + std::to_string(f.other) +
               " allowed)";
      case Reason::leak_outlived: {
        const sim::Duration lived(f.t2 - f.t1);
        std::string d = model::instance_name(f.other) + ", launched at " + sim::format_clock(Time(f.t1)) + " for " +
                        attempt_text(f.first) + ", was named in no answer to the intent (its caller cannot know it "
                        "exists) and " + ((f.flags & 1) ? "was still running at the limit, " : "lived ") +
                        sim::format_clock(Time(lived.us)) + ((f.flags & 1) ? " old" : "") + "; leaks.max_age allows " +
                        sim::format_duration(*promises_.leak_max_age);
        if (f.count > 1) d = std::to_string(f.count) + " leaked instances of this intent outlived leaks.max_age; first: " + d;
        return d;
      }
      case Reason::leak_hours:
        return "leaked instances (launched for an intent, named in no answer to it) ran " +
               sim::format_instance_hours(f.t1) + " instance-hours in all (" + std::to_string(f.count) +
               " instances; this intent's, the most: " + sim::format_clock(Time(sim::seconds(f.other).us)) +
               "); leaks.max_instance_hours allows " + sim::format_instance_hours(f.t2);
    }
    return "";
  }

  std::string placement(const Finding& f) const {
    const Ledger::Launch& launch = l_.launches[f.first];
    const model::LaunchParams* got = launch.params != kNone ? &l_.params(launch.params) : nullptr;
    std::string wrong;
    switch (static_cast<model::Misplaced>(f.code)) {
      case model::Misplaced::region: wrong = "in " + region_name(launch.region); break;
      case model::Misplaced::account: wrong = "for account " + rules_.accounts.at(launch.account); break;
      case model::Misplaced::zone:
        wrong = launch.zone == kNone ? std::string("in no zone") : "in zone " + l_.log->name_of(launch.zone);
        break;
      case model::Misplaced::subnet:
        wrong = launch.subnet == kNone ? std::string("in no subnet") : "in subnet " + l_.log->name_of(launch.subnet);
        break;
      case model::Misplaced::image: wrong = "of image " + (got ? got->image : std::string("?")); break;
      case model::Misplaced::type: wrong = "of type " + (got ? got->type : std::string("?")); break;
      case model::Misplaced::count: wrong = "of " + std::to_string(launch.count) + " instances"; break;
    }
    return "the service launched " + model::reservation_name(launch.reservation) + " " + wrong +
           ", not what the request that made it asked for";
  }

  std::string liveness(const Finding& f) const {
    const Ledger::Call& last = l_.calls[f.first];
    const Ledger::Attempt* last_attempt = f.other == kNone ? nullptr : &l_.attempts[f.other];
    // What the caller did last: its last call, by whom, and how it ended (or that it still waited).
    const char* by = last.layer == model::Layer::first ? "" : last.layer == model::Layer::app ? " (the application's)" : " (the controller's)";
    std::string last_call = std::string(model::api_name(last.api)) + by;
    if (last.outcome == model::Outcome::pending || !last.ended) {
      last_call += ", sent at " + sim::format_clock(last.invoked) + ", still without an answer";
    } else {
      last_call += " ended " + std::string(model::outcome_name(last.outcome)) + " at " + sim::format_clock(*last.ended);
      if (last_attempt && last_attempt->end == Ledger::Attempt::answer)
        last_call += " (answered " + std::to_string(model::code_status(last_attempt->response.code)) + " " +
                     std::string(model::code_name(last_attempt->response.code)) + ")";
      else if (last_attempt && last_attempt->end == Ledger::Attempt::timeout)
        last_call += " (its last attempt timed out)";
      else if (last_attempt && last_attempt->end == Ledger::Attempt::reset)
        last_call += " (its last attempt's connection was reset)";
    }
    std::string why;
    switch (f.reason) {
      case Reason::gave_up_unknown:
        why = "the caller stopped with its outcome unknown (its last call, " + last_call +
              "), so it never learns what happened; it had to converge by";
        break;
      case Reason::settled_late:
        why = "its outcome (" + std::string(model::outcome_name(l_.intents[f.subject].outcome)) + ") was settled only at " +
              sim::format_clock(Time(f.t1)) + ", after the deadline";
        break;
      case Reason::blocked:
        why = "the caller blocked on its unknown outcome (its last call, " + last_call +
              "), waiting for a human: safe (nothing launched twice), not live; it had to converge by";
        break;
      default: why = "still without a definite end at the time limit (its last call, " + last_call + "); it had to converge by"; break;
    }
    return "no definite end within " + sim::format_duration(promises_.converge) + " of the faults healing at " +
           sim::format_clock(*promises_.heal_at) + ": " + why + " " + sim::format_clock(Time(f.t2)) + "; token " +
           (last_attempt && last_attempt->has_token() ? token_text(last_attempt->token) : std::string("none"));
  }

  // Which layer of the retry stack sent the request behind a launch, and with what token.
  // `same_token`: an earlier launch of the intent had this launch's token.
  std::string minted_by(uint32_t a, bool same_token) const {
    const Ledger::Attempt& at = l_.attempts[a];
    const Ledger::Call& c = l_.call_of(a);
    if (at.duplicate_of != kNone) return "a copy of a request the network delivered again";
    const Ledger::Attempt& first = l_.attempts[c.attempts.front()];
    const bool changed = at.has_token() && !(first.has_token() && l_.token(at.token) == l_.token(first.token));
    // A token the SDK made for the attempt, or no token on a retry of the intent's first call: the
    // SDK's doing.
    if (at.number > 1 && ((!at.has_token() && c.layer == model::Layer::first) || changed))
      return "the SDK's retry (attempt " + std::to_string(at.number) + " of its call), " +
             (at.has_token() ? "with a token made for that attempt" : "without a token") + " (layer sdk)";
    const std::string token = !at.has_token() ? ", without a token"
                              : same_token    ? " with the same token as an earlier launch (the service launched again under it)"
                                              : " with a token of its own";
    // An SDK retry of the intent's first call is the SDK's doing; of a later call (the
    // application's, the controller's), with that call's own token, the later call's: say both.
    if (at.number > 1 && c.layer == model::Layer::first)
      return "the SDK's retry (attempt " + std::to_string(at.number) + " of its call)," + token + " (layer sdk)";
    const std::string attempt =
        at.number > 1 ? " (its SDK's try " + std::to_string(at.number) + ", attempt " + std::to_string(a) + ", launched)" : "";
    switch (c.layer) {
      case model::Layer::app: {
        // What made the application call again: a mismatch answered with a new token, or an
        // unknown outcome.
        const Ledger::Intent& i = l_.intents[c.intent];
        const auto self = std::find(i.calls.begin(), i.calls.end(), at.call);
        for (auto p = self; p != i.calls.begin();) {
          const Ledger::Call& before = l_.calls[*--p];
          if (before.api != model::Api::run) continue;
          if (before.response.code == model::Code::IdempotentParameterMismatch)
            return "an application-level retry after IdempotentParameterMismatch" + token + attempt +
                   " (layer app: on_mismatch new-token)";
          break;
        }
        return "an application-level retry" + token + attempt + " (layer app)";
      }
      case model::Layer::controller: return "the controller driving the intent again" + token + attempt + " (layer controller)";
      case model::Layer::first: break;
    }
    return "the first call of " + intent_text(c.intent) + token + " (layer first: another delivery of the intent)";
  }

  // ---- the story

  // "app#3 attempt 17 (call 12, try 2)": the attempt's number is the one the trace uses.
  std::string attempt_text(uint32_t a) const {
    const Ledger::Attempt& at = l_.attempts[a];
    const std::string& who = label(l_.call_of(a).client);
    if (at.duplicate_of != kNone)
      return who + " attempt " + std::to_string(a) + " (a second delivery of attempt " + std::to_string(at.duplicate_of) +
             ", by the network)";
    return who + " attempt " + std::to_string(a) + " (call " + std::to_string(at.call) + ", try " + std::to_string(at.number) + ")";
  }

  // The attempts' sends and ends. Key steps (the attempts that launched, and those in `key`) are
  // never left out of a printed excerpt.
  void attempt_steps(Violation& v, const std::vector<uint32_t>& attempts, const std::vector<uint32_t>& key) const {
    using model::Fate;
    for (uint32_t a : attempts) {
      v.attempts.push_back(a);
      const Ledger::Attempt& at = l_.attempts[a];
      const Ledger::Call& c = l_.call_of(a);
      const bool is_key = (a < l_.launch_of.size() && l_.launch_of[a] != kNone) || std::find(key.begin(), key.end(), a) != key.end();
      std::string head = attempt_text(a) + " " + std::string(model::api_name(c.api));
      if (c.api == model::Api::describe && c.token != kNone) head += " client-token=" + token_text(c.token);
      if (c.api == model::Api::run) head += at.has_token() ? " token=" + token_text(at.token) : " no-token";
      if (c.api == model::Api::run && c.repeat) head += " (repeat)";
      std::string sent = head + " sent";
      if (at.fate == Fate::request_lost) sent += "; lost on the way, the service never saw it";
      if (at.fate == Fate::reset_before) sent += "; the connection was reset before the service saw it";
      v.events.push_back({at.sent, sent, is_key});
      if (at.end == Ledger::Attempt::open) {  // a copy the network made, or an attempt still waiting at the limit
        if (at.late)
          v.events.push_back({at.late_at,
                              head + (at.fate == Fate::caller_crashed
                                          ? " answered " + response_text(at.late_response) +
                                                "; the caller's process died before acting on it"
                                          : " answered (no client waits for it) " + response_text(at.late_response)),
                              is_key});
        continue;
      }
      std::string how;
      if (at.end != Ledger::Attempt::answer) {
        const bool reset = at.fate == Fate::reset_before || at.fate == Fate::reset_after || at.fate == Fate::refused ||
                           at.fate == Fate::crashed;
        how = reset ? " connection reset (outcome unknown)" : " timed out (outcome unknown)";
        if (at.fate == Fate::response_lost) how += "; its answer was lost on the way back";
        if (at.fate == Fate::reset_after) how += "; the service acted, then the connection dropped";
        if (at.fate == Fate::refused) how += "; every frontend of the Region was down";
        if (at.fate == Fate::crashed) how += "; the frontend handling it crashed";
      } else if (c.api == model::Api::describe && at.response.ok()) {
        how = at.response.count == 0 ? " found nothing" : " found " + response_text(at.response).substr(4);
      } else {
        how = " answered " + response_text(at.response);
        if (at.fate == Fate::answer_replaced) how += " (a storm replaced the service's answer after it acted)";
        if (at.fate == Fate::turned_away) how += " (a storm turned it away before the service saw it)";
        if (at.fate == Fate::transient) how += " (a transient error before the service acted)";
        if (at.fate == Fate::throttled) how += " (the account's request quota was empty)";
        if (at.store_down) how += " (the token store was down: nothing recorded)";
      }
      v.events.push_back({at.ended, head + how, is_key});
      if (at.late)
        v.events.push_back({at.late_at, head + " answered late (ignored) " + response_text(at.late_response), is_key});
    }
  }

  void launch_steps(Violation& v, const std::vector<uint32_t>& launches) const {
    for (uint32_t li : launches) {
      const Ledger::Launch& l = l_.launches[li];
      const std::string what = l.reservation ? "service launched " + model::reservation_name(l.reservation) + " (" +
                                                   std::to_string(l.count) + " instance(s), type " +
                                                   l_.params_of(l.attempt).type + ")"
                                             : "service still launching (in flight at the time limit)";
      v.events.push_back({l.at, what + " for " + attempt_text(l.attempt), true});
    }
  }

  // ---- what the service went through

  void note(Time at, std::string what, bool key = false, std::string token = {}, std::string client = {}) {
    notes_.push_back(Note{at, std::move(token), std::move(what), key, std::move(client)});
  }

  void notes() {
    for (const model::Record& r : l_.log->records()) {
      const Time t = r.time();
      switch (r.kind) {
        case model::Obs::caller_crash: {
          const std::string& who = label(r.subject);
          note(t, "caller " + who + "'s process crashed (" +
                      std::string(model::caller_crash_point_name(static_cast<model::CallerCrashPoint>(r.code))) +
                      "); it restarts in " + sim::format_duration(r.duration()) + ", knowing what its state kept",
               true, {}, who);
          break;
        }
        case model::Obs::admitted:
          if ((r.flags & model::kForgot) && l_.attempts[r.subject].has_token())
            note(t,
                 "service: the token's record had expired (" + expiry() + ") when the service decided attempt " +
                     std::to_string(r.subject) + "; it was dropped",
                 true, token_text(l_.attempts[r.subject].token));
          break;
        case model::Obs::store_crash:
          note(t, "service: the token store of " + region_name(r.subject) + " crashed" +
                      ((r.flags & model::kLossy) ? " and lost every record (volatile)" : "") + "; back in " +
                      sim::format_duration(r.duration()),
               true);
          break;
        case model::Obs::frontend_crash:
          note(t, "service: frontend " + std::to_string(r.a) + " of " + region_name(r.subject) + " crashed; back in " +
                      sim::format_duration(r.duration()));
          last_crashed_ = r.a;
          break;
        case model::Obs::abandoned:
          if ((r.flags & model::kHadRecord) && !(r.flags & model::kBound) && l_.attempts[r.a].has_token()) {
            const bool launched = (r.flags & model::kLaunched) != 0;
            note(t,
                 std::string("service: recovery released the token's record after frontend ") + std::to_string(last_crashed_) +
                     " crashed" +
                     (launched ? ", though its launch had happened: the token is forgotten (recover: false)"
                               : " before its launch: the token is free again"),
                 launched, token_text(l_.attempts[r.a].token));
          }
          break;
        case model::Obs::store_restart: note(t, "service: the token store of " + region_name(r.subject) + " is back"); break;
        case model::Obs::frontend_restart:
          note(t, "service: frontend " + std::to_string(r.a) + " of " + region_name(r.subject) + " is back");
          break;
        default: break;
      }
    }
  }

  // What makes a record expire under the scenario's settings.
  std::string expiry() const {
    std::vector<std::string> why;
    if (s_.service.store.ttl) why.push_back("its store ttl of " + sim::format_duration(*s_.service.store.ttl));
    if (s_.service.semantics == model::Semantics::v2013)
      why.push_back("the 2013 retention of " + sim::format_duration(s_.service.token_retention) + " after its instances terminated");
    if (s_.bugs.has(model::Bug::forget_at_termination)) why.push_back("the termination of its instances: the planted bug forget-at-termination");
    if (why.empty()) return "no ttl or retention applies: a planted bug";
    std::string out = why.front();
    for (size_t i = 1; i < why.size(); ++i) out += ", or " + why[i];
    return out;
  }

  // A story gets the crashes and restarts inside its time span, the forgotten and released records
  // of the tokens it names, and its callers' crashes.
  void add_notes(Violation& v) const {
    if (notes_.empty() || v.events.empty()) return;
    Time lo = v.events.front().at, hi = v.events.front().at;
    for (const auto& e : v.events) lo = std::min(lo, e.at), hi = std::max(hi, e.at);
    bool added = false;
    for (const Note& n : notes_) {
      bool about = false;
      if (!n.client.empty()) {
        for (const auto& e : v.events) about = about || e.what.rfind(n.client + " ", 0) == 0;
      } else if (n.token.empty()) {
        about = n.at >= lo && n.at <= hi;
      } else {
        const std::string needle = "token=" + n.token;
        for (const auto& e : v.events) {
          const size_t at = e.what.find(needle);
          about = about || (at != std::string::npos && (at + needle.size() == e.what.size() || e.what[at + needle.size()] == ' '));
        }
      }
      if (!about) continue;
      v.events.push_back({n.at, n.what, n.key});
      added = true;
    }
    if (added)
      std::stable_sort(v.events.begin(), v.events.end(), [](const Violation::Step& a, const Violation::Step& b) { return a.at < b.at; });
  }

  const harness::Scenario& s_;
  const Ledger l_;
  const model::Rules rules_;
  const model::Promises promises_;
  std::vector<Note> notes_;
  uint32_t last_crashed_ = 0;
};

}  // namespace

std::vector<Violation> word(const harness::Scenario& s, const model::RunLog& log, const std::vector<Finding>& fs) {
  if (fs.empty()) return {};
  const Wording w(s, log);
  std::vector<Violation> out;
  out.reserve(fs.size());
  for (const Finding& f : fs) out.push_back(w.word(f));
  return out;
}

}  // namespace idem::reports
