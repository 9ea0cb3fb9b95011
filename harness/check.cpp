#include "harness/check.h"

#include <rapidcheck.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <sstream>
#include <unordered_map>

#include "sim/invariant.h"

namespace idem::harness {

namespace {

// One drawn fault, in coarse units that shrink in few steps: its kind (an index into the
// envelope's kinds: shrinking goes to the first), its rate and length (indices into the
// envelope's ladders), and its start (whole seconds).
struct Drawn {
  int kind = 0;
  int rate_step = 0;    // an index into the envelope's rates
  int from_s = 0;
  int length_step = 0;  // an index into the envelope's lengths
  int variant = 0;  // the error code of a storm, the step of a frontend's crash (0: the most common)
  // 0: the fault starts in a second in which the scenario without faults sent a request (from_s
  // indexes those seconds); 1: at any second of the window (from_s is the offset). Shrinks to 0.
  int anywhere = 0;
};

// The settings drawn for one client group (indices into the envelope's lists; counts from 1).
struct Caller {
  int count = 1;
  int intents = 1;
  int token = 0;
  int retry = 0;
  int on_terminated = 0;
};

struct Candidate {
  std::vector<Drawn> faults;
  std::vector<Caller> callers;
  std::vector<int> families;  // per intent of the groups sending their own token: 0 as written, else a family + 1
  uint64_t seed = 1;
};

// The envelope, resolved against the scenario: what each drawn number means.
struct Envelope {
  std::vector<ExploreKind> kinds;
  int max_faults = 5;
  int from_s = 0, until_s = 30, min_for_s = 1, max_for_s = 600;
  int min_rate = 1, max_rate = 100;
  // Groups sending their own token: the intents they serve (index k), and each group's place
  // among the groups of its intent (z); -1 for the other groups.
  std::vector<int> intent_of, place_of;
  int value_intents = 0;
  std::string base;  // the first such group's token, which every family starts from
  int crash_group = -1;  // the first group with a controller
  // The whole seconds of the window in which the scenario without faults sent a request: where a
  // fault meets one. Empty: every start is drawn across the window.
  std::vector<int> busy;
  // Fault lengths (seconds) and rates (percents) are drawn from ladders of coarse steps inside
  // the envelope's bounds (both ends included): a short fault is as likely as a long one, and a
  // failure shrinks to the smallest step that still breaks it, in few steps.
  std::vector<int> lengths, rates;
};

// The steps of `ladder` strictly between lo and hi, with lo and hi themselves.
std::vector<int> steps_between(int lo, int hi, std::initializer_list<int> ladder) {
  std::vector<int> out{lo};
  for (int x : ladder)
    if (x > lo && x < hi) out.push_back(x);
  if (hi > lo) out.push_back(hi);
  return out;
}

int whole_seconds(sim::Duration d) { return static_cast<int>(std::min<int64_t>(d.us / 1000000, 1 << 30)); }

Envelope resolve(const Scenario& s) {
  const Explore& e = s.explore;
  Envelope v;
  v.kinds = explore_kinds(s);
  v.max_faults = e.max_faults;
  const int limit_s = std::max(1, whole_seconds(s.limit));
  v.from_s = e.from ? whole_seconds(*e.from) : 0;
  // The scenario run without faults, at its seed: where its callers are busy.
  Scenario quiet = s;
  quiet.faults.faults.clear();
  RunOptions keep;
  keep.keep_send_seconds = true;
  const RunResult calm = run_once(quiet, s.seed, keep);
  if (e.until) {
    v.until_s = whole_seconds(*e.until);
  } else {
    // Up to its last event (rounded up to a second), at most 30 s: a fault drawn after it would
    // meet nothing.
    const sim::Duration end = calm.stats.end - sim::Time(0);
    v.until_s = static_cast<int>(std::clamp<int64_t>((end.us + 999999) / 1000000, 1, std::min(limit_s, 30)));
  }
  v.until_s = std::max(v.until_s, v.from_s);
  for (int64_t sec : calm.send_seconds)
    if (sec >= v.from_s && sec <= v.until_s) v.busy.push_back(static_cast<int>(sec));
  v.min_for_s = e.min_for ? whole_seconds(*e.min_for) : 1;
  v.max_for_s = e.max_for ? whole_seconds(*e.max_for) : std::max(v.min_for_s, std::min(limit_s, 600));
  v.min_rate = e.min_rate;
  v.max_rate = e.max_rate;
  v.lengths = steps_between(v.min_for_s, v.max_for_s, {2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400});
  v.rates = steps_between(v.min_rate, v.max_rate, {2, 5, 10, 20, 30, 50, 70, 90});
  std::vector<std::string> intents;
  std::vector<int> places;
  for (const ClientGroup& g : s.clients) {
    if (v.crash_group < 0 && g.spec.controller) v.crash_group = static_cast<int>(&g - s.clients.data());
    if (g.spec.token != model::TokenMode::value) {
      v.intent_of.push_back(-1);
      v.place_of.push_back(-1);
      continue;
    }
    if (v.base.empty()) v.base = g.spec.token_value;
    const std::string& name = Scenario::intent_name(g);
    auto it = std::find(intents.begin(), intents.end(), name);
    if (it == intents.end()) {
      intents.push_back(name);
      places.push_back(0);
      it = intents.end() - 1;
    }
    const size_t k = static_cast<size_t>(it - intents.begin());
    v.intent_of.push_back(static_cast<int>(k));
    v.place_of.push_back(places[k]++);
  }
  v.value_intents = static_cast<int>(intents.size());
  if (v.base.empty()) v.base = "token";
  return v;
}

faults::Fault fault_of(const Drawn& d, const Envelope& v) {
  const ExploreKind kind = v.kinds[static_cast<size_t>(d.kind)];
  const int start = d.anywhere || v.busy.empty() ? v.from_s + d.from_s % (v.until_s - v.from_s + 1)
                                                 : v.busy[static_cast<size_t>(d.from_s) % v.busy.size()];
  const faults::Window w{sim::Time(0) + sim::seconds(start), sim::seconds(v.lengths[static_cast<size_t>(d.length_step)])};
  const sim::Ratio rate{static_cast<uint64_t>(v.rates[static_cast<size_t>(d.rate_step)]), 100};
  switch (kind) {
    case ExploreKind::lose_request: return faults::Lose{faults::Lose::request, rate, w, std::nullopt};
    case ExploreKind::lose_response: return faults::Lose{faults::Lose::response, rate, w, std::nullopt};
    case ExploreKind::spike: return faults::Spike{rate, sim::Latency::fixed(sim::seconds(5)), w, std::nullopt};
    case ExploreKind::storm_before: {
      constexpr model::Code kCodes[] = {model::Code::Unavailable, model::Code::InternalError,
                                        model::Code::InsufficientInstanceCapacity};
      return faults::Storm{faults::Storm::before, kCodes[d.variant % 3], rate, w, std::nullopt};
    }
    case ExploreKind::storm_after: {  // a 500 after the commit: the service acted, the answer is an error
      constexpr model::Code kCodes[] = {model::Code::InternalError, model::Code::Unavailable,
                                        model::Code::InsufficientInstanceCapacity};
      return faults::Storm{faults::Storm::after, kCodes[d.variant % 3], rate, w, std::nullopt};
    }
    case ExploreKind::reset_after: return faults::Reset{faults::Reset::after, rate, w, std::nullopt};
    case ExploreKind::duplicate: return faults::Duplicate{rate, sim::Latency::fixed(sim::millis(2)), w, std::nullopt};
    case ExploreKind::reset_before: return faults::Reset{faults::Reset::before, rate, w, std::nullopt};
    case ExploreKind::crash_frontend: {
      faults::Crash c;
      c.target = faults::Crash::frontend;
      constexpr faults::Crash::Step kSteps[] = {faults::Crash::after_launch, faults::Crash::after_reserve,
                                                faults::Crash::after_record};
      c.step = kSteps[d.variant % 3];
      c.rate = rate;
      c.restart_after = sim::seconds(2);
      c.window = w;
      return c;
    }
    case ExploreKind::crash_store: {
      faults::Crash c;
      c.target = faults::Crash::store;
      c.at = w.from;
      c.restart_after = sim::seconds(2);
      c.window = faults::Window{};
      return c;
    }
    case ExploreKind::crash_client:
    case ExploreKind::kCount: break;
  }
  // A caller's process dies after sending: the first group with a controller (explore_kinds
  // draws this kind only when there is one).
  IDEM_CHECK(v.crash_group >= 0, "a caller's crash is drawn only for a group with a controller");
  faults::Crash c;
  c.target = faults::Crash::client;
  c.group = static_cast<uint32_t>(v.crash_group);
  c.when = model::CallerCrashPoint::after_send;
  c.rate = rate;
  c.restart_after = sim::seconds(5);
  c.window = w;
  return c;
}

// A token of a family for intent k: distinct per intent (and scope) under the token rules, and
// the same for two intents under the bug the family is made to meet.
std::string family_token(TokenFamily f, const std::string& base, int k) {
  switch (f) {
    case TokenFamily::case_variant: {
      // The base's ASCII letters flipped by the bits of k: k = 0 is the base itself. A k with
      // more bits than the base has letters gets a suffix instead (distinct, but no case variant).
      const auto letter = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); };
      const int letters = static_cast<int>(std::count_if(base.begin(), base.end(), letter));
      if (letters < 31 && (k >> letters) != 0) return base + "-c" + std::to_string(k);
      std::string t = base;
      int bit = 0;
      for (char& ch : t) {
        if (!letter(ch)) continue;
        if (bit < 31 && (k >> bit & 1)) ch = static_cast<char>(ch ^ 0x20);
        ++bit;
      }
      return t;
    }
    case TokenFamily::prefix: {  // a 40-character shared prefix, then the intent
      std::string p;
      while (p.size() < 40) p += base;
      return p.substr(0, 40) + "-" + std::to_string(k);
    }
    case TokenFamily::length: {  // 65 characters: one past the longest token
      const std::string suffix = "-" + std::to_string(k);
      std::string p;
      while (p.size() + suffix.size() < 65) p += base;
      return p.substr(0, 65 - suffix.size()) + suffix;
    }
    case TokenFamily::non_ascii: return base + "-\xC3\xA9-" + std::to_string(k);
    default: return base;
  }
}

const char* describe_family(TokenFamily f) {
  switch (f) {
    case TokenFamily::case_variant: return "its case varied";
    case TokenFamily::prefix: return "a 40-character prefix shared with other intents";
    case TokenFamily::length: return "65 characters long";
    case TokenFamily::non_ascii: return "with a non-ASCII character";
    case TokenFamily::regions: return "one token value across Regions";
    case TokenFamily::zones: return "one token value across zones";
    case TokenFamily::kCount: break;
  }
  return "?";
}

// Where each of the scenario's groups is in a candidate's scenario: its index, or -1 when the
// candidate has none of its clients (a group shrunk away).
std::vector<int> placed(const Candidate& c, size_t groups) {
  std::vector<int> at(groups, -1);
  int n = 0;
  for (size_t g = 0; g < groups; ++g)
    if (g >= c.callers.size() || c.callers[g].count > 0) at[g] = n++;
  return at;
}

Scenario concrete(const Scenario& base, const Envelope& v, const Candidate& c) {
  Scenario s = base;
  s.faults.faults.clear();
  s.at_fault.clear();
  for (const Drawn& d : c.faults) s.faults.faults.push_back(fault_of(d, v));
  const Explore& e = base.explore;
  for (size_t g = 0; g < s.clients.size(); ++g) {
    ClientGroup& group = s.clients[g];
    model::ClientSpec& spec = group.spec;
    const Caller k = g < c.callers.size() ? c.callers[g] : Caller{};
    if (g < c.callers.size()) {
      group.count = k.count;
      spec.intents = k.intents;
    }
    if (!e.tokens.empty() && spec.token != model::TokenMode::value) spec.token = e.tokens[static_cast<size_t>(k.token)];
    if (!e.on_terminated.empty()) spec.on_terminated = e.on_terminated[static_cast<size_t>(k.on_terminated)];
    if (!e.retry.empty() && e.retry[static_cast<size_t>(k.retry)] != spec.retry.kind) {
      model::RetryPolicy p = model::RetryPolicy::of(e.retry[static_cast<size_t>(k.retry)]);
      p.retry_codes = spec.retry.retry_codes;
      spec.retry = p;
    }
    const int intent = v.intent_of[g];
    if (intent < 0 || static_cast<size_t>(intent) >= c.families.size() || c.families[static_cast<size_t>(intent)] == 0)
      continue;
    const TokenFamily f = e.token_values[static_cast<size_t>(c.families[static_cast<size_t>(intent)] - 1)];
    const model::RegionSpec& region = s.service.regions[spec.region];
    if (f == TokenFamily::regions) {
      const int regions = static_cast<int>(s.service.regions.size());
      spec.region = static_cast<uint32_t>(intent % regions);
      spec.request.zone.clear();
      spec.request.subnet.clear();
      spec.token_value = v.base + "-r" + std::to_string(intent / regions);
    } else if (f == TokenFamily::zones) {
      const int zones = static_cast<int>(region.zones.size());
      if (zones < 2) continue;  // a Region of one zone (or none): nowhere to move; as written
      // Under `current` a zone is part of the token's scope: one intent keeps one zone, and
      // intents share a token in different zones. Under 2013 the Region is the scope: each intent
      // its own token, and a repeat of one names another zone.
      const bool zonal = s.service.semantics == model::Semantics::current;
      spec.request.zone = region.zones[static_cast<size_t>((zonal ? intent : v.place_of[g]) % zones)];
      spec.request.subnet.clear();
      spec.token_value = v.base + "-z" + std::to_string(zonal ? intent / zones : intent);
    } else {
      spec.token_value = family_token(f, v.base, intent);
    }
  }
  // Groups shrunk to no client are left out; a caller's crash names its group by index.
  const std::vector<int> at = placed(c, s.clients.size());
  for (size_t g = s.clients.size(); g-- > 0;) {
    if (at[g] >= 0) continue;
    s.clients.erase(s.clients.begin() + static_cast<std::ptrdiff_t>(g));
    if (g < s.at_group.size()) s.at_group.erase(s.at_group.begin() + static_cast<std::ptrdiff_t>(g));
  }
  for (faults::Fault& f : s.faults.faults)
    if (auto* crash = std::get_if<faults::Crash>(&f); crash && crash->target == faults::Crash::client)
      crash->group = static_cast<uint32_t>(at[crash->group]);
  // A reaper of an account no group calls as any more lists nothing: it is left out too (a
  // scenario names a reaper's account only when a group calls as it).
  for (size_t r = s.reapers.size(); r-- > 0;) {
    const bool used = std::any_of(s.clients.begin(), s.clients.end(), [&](const ClientGroup& g) {
      return g.spec.account == s.reapers[r].account;
    });
    if (used) continue;
    s.reapers.erase(s.reapers.begin() + static_cast<std::ptrdiff_t>(r));
    if (r < s.at_reaper.size()) s.at_reaper.erase(s.at_reaper.begin() + static_cast<std::ptrdiff_t>(r));
  }
  return s;
}

// Counts what RapidCheck does, and prints nothing (the defaults would read RapidCheck's global
// configuration, which prints it).
struct Listener : rc::detail::TestListener {
  int shrinks = 0;
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override { shrinks += accepted ? 1 : 0; }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

constexpr const char* kPropertyId = "idemsim-check";

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) out += d[b >> 4], out += d[b & 15];
  return out;
}

rc::detail::Reproduce from_hex(const std::string& s) {
  auto digit = [&](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    throw BadReproduce{"--reproduce: '" + s + "' is not a reproduce string `idemsim check` printed (hex digits only)"};
  };
  if (s.size() % 2 != 0 || s.empty())
    throw BadReproduce{"--reproduce: '" + s + "' is not a reproduce string `idemsim check` printed (an even number of hex digits)"};
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < s.size(); i += 2) bytes.push_back(static_cast<uint8_t>(digit(s[i]) * 16 + digit(s[i + 1])));
  rc::detail::Reproduce r;
  try {
    rc::detail::deserialize(bytes.begin(), bytes.end(), r);
  } catch (const std::exception&) {
    throw BadReproduce{"--reproduce: '" + s + "' is not a reproduce string `idemsim check` printed (it does not decode)"};
  }
  return r;
}

}  // namespace

std::vector<ExploreKind> explore_kinds(const Scenario& s) {
  if (!s.explore.kinds.empty()) return s.explore.kinds;
  bool controller = false;
  for (const ClientGroup& g : s.clients) controller = controller || g.spec.controller.has_value();
  std::vector<ExploreKind> all;
  for (size_t k = 0; k < static_cast<size_t>(ExploreKind::kCount); ++k)
    if (static_cast<ExploreKind>(k) != ExploreKind::crash_client || controller) all.push_back(static_cast<ExploreKind>(k));
  return all;
}

CheckResult check_scenario(const Scenario& base, const CheckOptions& opt) {
  CheckResult out;
  const Envelope env = resolve(base);
  const Explore& e = base.explore;
  std::optional<Candidate> last_failure;
  std::optional<std::string> internal;  // an internal error in a run: reported, not searched past
  std::set<uint32_t> mixes;
  int calls = 0;
  const auto started = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> failed_at;
  const auto elapsed = [](std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
  };
  // inRange narrows with RapidCheck's size: every pick is made at full size, so every value can be
  // drawn, and shrinking still walks toward the small ones.
  const auto in = [](int lo, int hi_inclusive) { return rc::gen::resize(100, rc::gen::inRange(lo, hi_inclusive + 1)); };
  // The value as written, shrinking toward `least`: the callers as written, told in fewer
  // clients and intents when the failure allows it (a group's clients down to none: the group
  // left out, but for the one a caller's crash names).
  const auto as_written = [](int written, int least) {
    return rc::Gen<int>([written, least](const rc::Random&, int) {
      return rc::shrinkable::shrinkRecur(written, [least](int v) { return rc::shrink::towards(v, least); });
    });
  };
  const auto property = [&] {
    // Past the budget, the search draws nothing more (a case that runs nothing passes at once);
    // a failure found is shrunk whatever the time.
    if (!failed_at && opt.budget_s > 0 && elapsed(started) > opt.budget_s) {
      out.budget_spent = true;
      return;
    }
    Candidate c;
    const int n = *in(0, env.max_faults);
    c.faults = *rc::gen::container<std::vector<Drawn>>(
        static_cast<size_t>(n),
        rc::gen::build<Drawn>(rc::gen::set(&Drawn::kind, in(0, static_cast<int>(env.kinds.size()) - 1)),
                              rc::gen::set(&Drawn::rate_step, in(0, static_cast<int>(env.rates.size()) - 1)),
                              rc::gen::set(&Drawn::from_s, in(0, env.until_s - env.from_s)),
                              rc::gen::set(&Drawn::length_step, in(0, static_cast<int>(env.lengths.size()) - 1)),
                              rc::gen::set(&Drawn::variant, in(0, 2)),
                              rc::gen::set(&Drawn::anywhere, in(0, env.busy.empty() ? 0 : 1))));
    for (const ClientGroup& g : base.clients) {
      // A group sending a value of its own sends it for every client and intent: more of them
      // would be a collision of the scenario's making, so its counts only shrink.
      const bool own = g.spec.token == model::TokenMode::value;
      const bool crashes = static_cast<int>(&g - base.clients.data()) == env.crash_group;
      c.callers.push_back(*rc::gen::build<Caller>(
          rc::gen::set(&Caller::count, e.count && !own ? in(1, *e.count) : as_written(g.count, crashes ? 1 : 0)),
          rc::gen::set(&Caller::intents, e.intents && !own ? in(1, *e.intents) : as_written(g.spec.intents, 1)),
          rc::gen::set(&Caller::token, in(0, std::max<int>(1, static_cast<int>(e.tokens.size())) - 1)),
          rc::gen::set(&Caller::retry, in(0, std::max<int>(1, static_cast<int>(e.retry.size())) - 1))));
      // Drawn only when the envelope names choices, so that other searches draw as before.
      if (!e.on_terminated.empty())
        c.callers.back().on_terminated = *in(0, static_cast<int>(e.on_terminated.size()) - 1);
    }
    // Two identical faults are one fault told twice (and their streams are told apart by rank,
    // so dropping one would change the other's draws): the first stands for both.
    for (size_t i = c.faults.size(); i-- > 0;)
      for (size_t j = 0; j < i; ++j)
        if (faults::describe(fault_of(c.faults[j], env)) == faults::describe(fault_of(c.faults[i], env))) {
          c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        }
    if (!e.token_values.empty())
      c.families = *rc::gen::container<std::vector<int>>(static_cast<size_t>(env.value_intents),
                                                          in(0, static_cast<int>(e.token_values.size())));
    c.seed = *rc::gen::noShrink(rc::gen::resize(100, rc::gen::inRange<uint64_t>(1, uint64_t{1} << 31)));
    uint32_t mix = 0;
    for (const Drawn& d : c.faults) mix |= 1u << static_cast<unsigned>(env.kinds[static_cast<size_t>(d.kind)]);
    mixes.insert(mix);
    if (!failed_at) ++calls;
    RunResult r;
    try {
      r = run_once(concrete(base, env, c), c.seed);
    } catch (const std::exception& e) {
      // RapidCheck would take an exception for a failing case; an internal error is not one.
      if (!internal) internal = e.what();
      return;
    }
    if (!failed_at) {
      for (size_t k = 0; k < kSituations; ++k) out.coverage[k] += r.coverage[k];
      out.simulated_us += static_cast<uint64_t>((r.stats.end - sim::Time(0)).us);
      out.events += r.stats.events;
      // A store crash fires at its time whoever calls; the others act on a request or a launch.
      bool acted = false;
      for (size_t i = 0; i < r.fault_fires.size() && i < c.faults.size(); ++i)
        acted = acted || (r.fault_fires[i] > 0 &&
                          env.kinds[static_cast<size_t>(c.faults[i].kind)] != ExploreKind::crash_store);
      out.runs_faults_acted += acted;
    }
    if (!r.findings.empty()) {
      if (!failed_at) failed_at = std::chrono::steady_clock::now();
      last_failure = c;
      RC_FAIL(std::string(model::property_name(r.findings.front().property)) + " broken");
    }
  };
  rc::detail::TestParams params;
  params.seed = opt.seed;
  params.maxSuccess = opt.runs;
  params.maxSize = 100;
  params.maxDiscardRatio = 10;
  std::unordered_map<std::string, rc::detail::Reproduce> replay;
  if (!opt.reproduce.empty()) replay.emplace(kPropertyId, from_hex(opt.reproduce));
  Listener listener;
  const rc::detail::TestResult result =
      rc::detail::checkTestable(property, rc::detail::TestMetadata{kPropertyId, base.name}, params, listener, replay);
  if (internal) throw std::runtime_error("check: a run failed internally: " + *internal);
  std::ostringstream told;
  rc::detail::printResultMessage(result, told);
  out.rapidcheck = told.str();
  out.distinct_mixes = mixes.size();
  out.search_s = failed_at ? std::chrono::duration<double>(*failed_at - started).count() : elapsed(started);
  rc::detail::FailureResult failure;
  if (!result.match(failure) || !last_failure) {
    if (!opt.reproduce.empty())
      throw BadReproduce{"--reproduce: the case this string names passes on " + base.file +
                         ": it was printed for another scenario, another version of it, or another idemsim"};
    out.tried = calls;
    return out;
  }
  out.found = true;
  out.tried = calls;
  out.shrinks = listener.shrinks;
  {
    std::vector<uint8_t> bytes;
    rc::detail::serialize(failure.reproduce, std::back_inserter(bytes));
    out.reproduce = to_hex(bytes);
  }
  Candidate c = *last_failure;
  // The property the shrunk failure breaks; the story stays about it from here on.
  const model::Property broken = run_once(concrete(base, env, c), c.seed).findings.front().property;
  const auto breaks_at = [&](const Scenario& s, uint64_t seed) {
    const RunResult again = run_once(s, seed);
    return std::any_of(again.findings.begin(), again.findings.end(),
                       [&](const model::Finding& x) { return x.property == broken; });
  };
  const auto breaks = [&](const Scenario& s) { return breaks_at(s, c.seed); };
  // RapidCheck shrinks each fault and the count; a last pass drops every fault the failure does
  // without (one at a time, from the last), so each fault left is needed by the others.
  const auto drop_faults = [&] {
    for (size_t i = c.faults.size(); i-- > 0;) {
      Candidate without = c;
      without.faults.erase(without.faults.begin() + static_cast<std::ptrdiff_t>(i));
      if (breaks(concrete(base, env, without))) c = std::move(without);
    }
  };
  drop_faults();
  // RapidCheck shrank the clients and intents at the run's seed, where fewer clients meet other
  // timings. Fewer still, each with the first of up to 64 seeds derived from the run's (in a
  // fixed order) that still breaks the property: a smaller story is easier to read than a seed
  // kept. At most 2048 runs in all, so that a scenario of many groups stays quick.
  {
    bool fewer_found = false;
    int reseeds = 2048;
    for (size_t g = 0; g < c.callers.size(); ++g) {
      for (int Caller::*field : {&Caller::count, &Caller::intents}) {
        bool done = false;
        const int least = field == &Caller::count && static_cast<int>(g) != env.crash_group ? 0 : 1;
        for (int n = least; n < c.callers[g].*field && !done; n = n ? n * 2 : 1) {
          Candidate fewer = c;
          fewer.callers[g].*field = n;
          const Scenario s = concrete(base, env, fewer);
          for (uint64_t j = 0; j < 64 && !done && reseeds-- > 0; ++j) {
            const uint64_t seed = j == 0 ? c.seed : 1 + (sim::Prng::named(c.seed, "check-reseed").next() + j) % (1u << 31);
            if (!breaks_at(s, seed)) continue;
            fewer.seed = seed;
            c = std::move(fewer);
            done = fewer_found = true;
          }
        }
      }
    }
    if (fewer_found) drop_faults();
  }
  out.counterexample = concrete(base, env, c);
  out.counterexample.seed = c.seed;
  out.counterexample.runs = 1;
  out.counterexample.explore = Explore{};  // the counterexample is one concrete scenario
  // The file states the promise the failure breaks: `run` of it fails (exit 1).
  out.counterexample.expect_fail = false;
  out.counterexample.expect_property.clear();
  RunOptions keep_log;
  keep_log.keep_log = true;
  out.counter_run = run_once(out.counterexample, c.seed, keep_log);
  const RunResult& r = out.counter_run;
  // Its first violation of that property (a run may break others too).
  const auto first = std::find_if(r.findings.begin(), r.findings.end(),
                                  [&](const model::Finding& x) { return x.property == broken; });
  IDEM_CHECK(first != r.findings.end(), "the shrunk counterexample breaks the same property again");
  out.finding = static_cast<size_t>(first - r.findings.begin());
  for (const model::Finding& x : r.findings) {
    const std::string name(model::property_name(x.property));
    if (x.property != broken && std::find(out.also.begin(), out.also.end(), name) == out.also.end()) out.also.push_back(name);
  }
  out.counter_events = r.stats.events;
  // Explain: which of its parts the failure needs: without it, the counterexample's property is
  // no longer broken at the same seed. Each fault, each caller setting the search drew (a token
  // value per intent, its groups together), each planted bug.
  const Scenario& ce = out.counterexample;
  for (size_t i = 0; i < c.faults.size(); ++i) {
    const std::string what = "the fault " + faults::describe(ce.faults.faults[i], ce.region_names(), ce.group_names());
    const uint64_t fires = i < r.fault_fires.size() ? r.fault_fires[i] : 0;
    if (fires == 0) {  // it never acted: whatever its absence changes, it is not a cause
      out.causes.push_back({what + " (never acted)", false});
      continue;
    }
    Candidate without = c;
    without.faults.erase(without.faults.begin() + static_cast<std::ptrdiff_t>(i));
    out.causes.push_back({what + " (acted " + std::to_string(fires) + (fires == 1 ? " time)" : " times)"),
                          !breaks(concrete(base, env, without))});
  }
  const std::vector<int> at = placed(c, base.clients.size());
  for (size_t g = 0; g < base.clients.size(); ++g) {
    if (at[g] < 0) continue;
    const size_t here = static_cast<size_t>(at[g]);
    const model::ClientSpec& now = ce.clients[here].spec;
    const model::ClientSpec& was = base.clients[g].spec;
    const std::string who = "group " + now.group + " ";
    auto undo = [&](auto&& change) {
      Scenario s = ce;
      change(s.clients[here]);
      return !breaks(s);
    };
    if (now.token != was.token)
      out.causes.push_back({who + "with token: " + std::string(model::token_mode_name(now.token)) + " (written: " +
                                std::string(model::token_mode_name(was.token)) + ")",
                            undo([&](ClientGroup& x) { x.spec.token = was.token; })});
    if (now.on_terminated != was.on_terminated)
      out.causes.push_back({who + "with on_terminated: " + std::string(model::on_terminated_name(now.on_terminated)) +
                                " (written: " + std::string(model::on_terminated_name(was.on_terminated)) + ")",
                            undo([&](ClientGroup& x) { x.spec.on_terminated = was.on_terminated; })});
    if (now.retry.kind != was.retry.kind)
      out.causes.push_back({who + "retrying with " + std::string(model::policy_name(now.retry.kind)) + " (written: " +
                                std::string(model::policy_name(was.retry.kind)) + ")",
                            undo([&](ClientGroup& x) { x.spec.retry = was.retry; })});
    // More clients or intents than written (explore.clients); fewer is the story told shorter.
    const ClientGroup& drawn = ce.clients[here];
    if (drawn.count > base.clients[g].count || now.intents > was.intents)
      out.causes.push_back({who + "with " + std::to_string(drawn.count) + " client(s) of " + std::to_string(now.intents) +
                                " intent(s) (written: " + std::to_string(base.clients[g].count) + " of " +
                                std::to_string(was.intents) + ")",
                            undo([&](ClientGroup& x) {
                              x.count = std::min(x.count, base.clients[g].count);
                              x.spec.intents = std::min(x.spec.intents, was.intents);
                            })});
  }
  for (int k = 0; k < env.value_intents && static_cast<size_t>(k) < c.families.size(); ++k) {
    if (c.families[static_cast<size_t>(k)] == 0) continue;
    const TokenFamily f = e.token_values[static_cast<size_t>(c.families[static_cast<size_t>(k)] - 1)];
    Scenario s = ce;
    std::string what;
    for (size_t g = 0; g < base.clients.size(); ++g) {
      if (env.intent_of[g] != k || at[g] < 0) continue;
      const size_t here = static_cast<size_t>(at[g]);
      const model::ClientSpec& now = ce.clients[here].spec;
      const model::ClientSpec& was = base.clients[g].spec;
      what += std::string(what.empty() ? "" : "; ") + "group " + now.group + " sending token \"" + now.token_value + "\"";
      if (now.region != was.region) what += " in " + ce.service.regions[now.region].name;
      if (!now.request.zone.empty() && now.request.zone != was.request.zone) what += " in zone " + now.request.zone;
      s.clients[here].spec.token_value = was.token_value;
      s.clients[here].spec.region = was.region;
      s.clients[here].spec.request = was.request;
    }
    if (what.empty()) continue;  // every group of the intent was left out
    out.causes.push_back({what + " (" + describe_family(f) + ")", !breaks(s)});
  }
  for (unsigned b = 0; b < static_cast<unsigned>(model::Bug::kCount); ++b) {
    const auto bug = static_cast<model::Bug>(b);
    if (!ce.bugs.has(bug)) continue;
    Scenario s = ce;
    model::BugSet without = s.bugs;
    without.remove(bug);
    s.set_bugs(without);
    out.causes.push_back({"the planted bug " + std::string(model::bug_info(bug).name), !breaks(s)});
  }
  out.shrink_s = elapsed(*failed_at);
  return out;
}

}  // namespace idem::harness
