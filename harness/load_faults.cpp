// The scenario loader's part for the faults, and `explore:`, the envelope `idemsim check` draws them from.
#include "harness/load_reader.h"

namespace idem::harness::load_detail {

// `explore:`: the envelope `idemsim check` draws from (harness/scenario.h, Explore).
void Loader::explore(const YAML::Node& n, Scenario& s) {
  Explore& e = s.explore;
  e.given = true;
  if (n.IsNull()) return;  // `explore:` alone: the default envelope, said out loud
  Map m(r_, n, "explore", keys_under("explore"));
  // A list of names, each one of `options` and none twice.
  auto names = [&]<typename E>(const YAML::Node& list, const std::string& what,
                               const std::vector<std::pair<std::string, E>>& options) {
    if (!list.IsSequence() || list.size() == 0)
      r_.fail(list, what + ": expected a list of one or more of " + Reader::names(options) + ", found " +
                        (list.IsSequence() ? std::string("an empty list") : kind_name(list)));
    std::vector<E> out;
    for (size_t i = 0; i < list.size(); ++i) {
      // A word that begins several names ("storm"): name them.
      if (list[i].IsScalar() && std::none_of(options.begin(), options.end(),
                                             [&](const auto& o) { return o.first == list[i].Scalar(); })) {
        std::vector<std::string> starts;
        for (const auto& o : options)
          if (o.first.rfind(list[i].Scalar() + "-", 0) == 0) starts.push_back(o.first);
        if (!starts.empty())
          r_.fail(list[i], what + "[" + std::to_string(i) + "]: '" + list[i].Scalar() + "' is not one of " +
                               Reader::names(options) + "; did you mean " + join(starts) + "?");
      }
      const E v = r_.choice<E>(list[i], what + "[" + std::to_string(i) + "]", options);
      if (std::find(out.begin(), out.end(), v) != out.end())
        r_.fail(list[i], what + "[" + std::to_string(i) + "]: '" + list[i].Scalar() + "' is listed twice; keep one");
      out.push_back(v);
    }
    return out;
  };
  // Whole seconds: the search draws times in seconds, so that they shrink in few steps.
  auto seconds = [&](const YAML::Node& v, const std::string& what, Duration lo) {
    const Duration d = r_.duration(v, what, lo);
    if (d.us % 1000000 != 0)
      r_.fail(v, what + ": '" + v.Scalar() + "' is not a whole number of seconds; check draws fault times in whole "
                        "seconds (so that they shrink in few steps); write 1s, 30s or 2m");
    return d;
  };
  if (m.has("faults")) {
    std::vector<std::pair<std::string, ExploreKind>> options;
    for (size_t k = 0; k < static_cast<size_t>(ExploreKind::kCount); ++k)
      options.emplace_back(kExploreKindNames[k], static_cast<ExploreKind>(k));
    e.kinds = names(m.get("faults"), m.at("faults"), options);
    const YAML::Node& list = m.get("faults");
    for (size_t i = 0; i < e.kinds.size(); ++i) {
      if (e.kinds[i] != ExploreKind::crash_client) continue;
      bool any = false;
      for (const ClientGroup& g : s.clients) any = any || g.spec.controller.has_value();
      if (!any)
        r_.fail(list[i], m.at("faults") + "[" + std::to_string(i) + "]: crash-client crashes the process of the first "
                         "group with a `controller` (which says what its process keeps across a crash), and no group "
                         "has one; add controller: {} to a group, or leave crash-client out");
    }
  }
  if (m.has("max_faults")) e.max_faults = static_cast<int32_t>(r_.integer(m.get("max_faults"), m.at("max_faults"), 0, 8));
  if (m.has("window")) {
    Map w(r_, m.get("window"), m.at("window"), keys_under("explore.window"));
    if (w.has("from")) e.from = seconds(w.get("from"), w.at("from"), Duration(0));
    if (w.has("until")) e.until = seconds(w.get("until"), w.at("until"), Duration(0));
    if (e.until && *e.until > s.limit)
      r_.fail(w.get("until"), w.at("until") + ": " + sim::format_duration(*e.until) + " is past the scenario's limit (" +
                                  sim::format_duration(s.limit) + "): a fault starting there never acts; use at most " +
                                  sim::format_duration(s.limit));
    const Duration until = e.until.value_or(std::min(s.limit, sim::seconds(30)));
    if (e.from && *e.from > until)
      r_.fail(w.get("from"), w.at("from") + ": " + sim::format_duration(*e.from) + " is after until (" +
                                 sim::format_duration(until) + "); faults start between from and until");
  }
  if (m.has("length")) {
    Map l(r_, m.get("length"), m.at("length"), keys_under("explore.length"));
    if (l.has("min")) e.min_for = seconds(l.get("min"), l.at("min"), sim::seconds(1));
    if (l.has("max")) e.max_for = seconds(l.get("max"), l.at("max"), sim::seconds(1));
    if (e.min_for && e.max_for && *e.max_for < *e.min_for)
      r_.fail(l.get("max"), l.at("max") + ": must not be less than min (" + sim::format_duration(*e.min_for) + ")");
  }
  if (m.has("rate")) {
    Map rt(r_, m.get("rate"), m.at("rate"), keys_under("explore.rate"));
    auto percent = [&](const char* key) {
      const YAML::Node& v = rt.get(key);
      const std::string text = r_.scalar(v, rt.at(key), "a whole percent like 5% or 100%");
      sim::Ratio r;
      if (!parse_ratio(text, r) || (static_cast<unsigned __int128>(r.num) * 100) % r.den != 0 || r.num == 0)
        r_.fail(v, rt.at(key) + ": '" + v.Scalar() + "' is not a whole percent from 1% to 100%; check draws rates in "
                                "whole percents; write 1%, 50% or 100%");
      return static_cast<int32_t>(static_cast<unsigned __int128>(r.num) * 100 / r.den);
    };
    if (rt.has("min")) e.min_rate = percent("min");
    if (rt.has("max")) e.max_rate = percent("max");
    if (e.max_rate < e.min_rate)
      r_.fail(rt.has("max") ? rt.get("max") : rt.get("min"),
              rt.at("max") + ": " + std::to_string(e.max_rate) + "% is less than min (" + std::to_string(e.min_rate) + "%)");
  }
  if (m.has("clients")) {
    Map c(r_, m.get("clients"), m.at("clients"), keys_under("explore.clients"));
    if (c.has("count")) e.count = static_cast<int32_t>(r_.integer(c.get("count"), c.at("count"), 1, 100));
    if (c.has("intents")) e.intents = static_cast<int32_t>(r_.integer(c.get("intents"), c.at("intents"), 1, 1000));
    if (c.has("token"))
      e.tokens = names(c.get("token"), c.at("token"), kTokenModes);
    if (c.has("retry"))
      e.retry = names(c.get("retry"), c.at("retry"), kPolicies);
    if (c.has("on_terminated"))
      e.on_terminated = names(c.get("on_terminated"), c.at("on_terminated"),
                              named(model::on_terminated_name, model::OnTerminated::new_token));
    // What check may draw stays within what one run holds (load_reader.h).
    int64_t intents = 0, instances = 0;
    for (const ClientGroup& g : s.clients) {
      const int64_t n = static_cast<int64_t>(e.count.value_or(g.count)) * e.intents.value_or(g.spec.intents);
      intents += n;
      instances += n * g.spec.request.max;
    }
    if (intents > kMostIntentsPerRun || instances > kMostInstancesPerRun)
      r_.fail(m.get("clients"), m.at("clients") + ": check may draw " + std::to_string(intents) + " intents of up to " +
                                    std::to_string(instances) + " instances in one run, more than one run holds (" +
                                    std::to_string(kMostIntentsPerRun) + " intents, " + std::to_string(kMostInstancesPerRun) +
                                    " instances); lower count or intents here, or split the scenario");
    bool own = false;
    for (const ClientGroup& g : s.clients) own = own || g.spec.token != model::TokenMode::value;
    if (c.has("token") && !own)
      r_.fail(c.get("token"), c.at("token") + ": every group sends a token value of its own (token: {value: ...}), "
                              "which keeps it; to vary the values, use explore.tokens");
  }
  if (m.has("tokens")) {
    std::vector<std::pair<std::string, TokenFamily>> options;
    for (size_t k = 0; k < static_cast<size_t>(TokenFamily::kCount); ++k)
      options.emplace_back(kTokenFamilyNames[k], static_cast<TokenFamily>(k));
    e.token_values = names(m.get("tokens"), m.at("tokens"), options);
    const YAML::Node& list = m.get("tokens");
    const ClientGroup* first = nullptr;
    for (const ClientGroup& g : s.clients)
      if (g.spec.token == model::TokenMode::value && !first) first = &g;
    if (!first)
      r_.fail(list, m.at("tokens") + ": no group sends a token value of its own (token: {value: \"...\"}); these "
                                     "families vary such values; give one group a value, or leave tokens out");
    for (size_t i = 0; i < e.token_values.size(); ++i) {
      const std::string at = m.at("tokens") + "[" + std::to_string(i) + "]";
      if (e.token_values[i] == TokenFamily::regions && s.service.regions.size() < 2)
        r_.fail(list[i], at + ": 'regions' moves groups across the scenario's Regions, and it has one; declare two "
                              "under `regions`, or leave it out");
      if (e.token_values[i] == TokenFamily::zones &&
          s.service.regions[first->spec.region].zones.size() < 2)
        r_.fail(list[i], at + ": 'zones' moves groups across the zones of their Region, and " +
                             s.service.regions[first->spec.region].name +
                             " has fewer than two; list them under regions." + s.service.regions[first->spec.region].name +
                             ".zones, or leave it out");
      if (e.token_values[i] == TokenFamily::case_variant &&
          std::none_of(first->spec.token_value.begin(), first->spec.token_value.end(),
                       [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; }))
        r_.fail(list[i], at + ": 'case' varies the letters of the first group's token ('" + first->spec.token_value +
                             "'), which has none; give it a value with letters");
    }
  }
}


faults::Window Loader::window(const Map& m) {
  faults::Window w;
  if (m.has("from")) w.from = sim::Time(0) + r_.duration(m.get("from"), m.at("from"));
  if (m.has("for")) w.length = r_.duration(m.get("for"), m.at("for"), sim::micros(1));
  return w;
}


std::optional<uint32_t> Loader::region_filter(const Map& m, const Scenario& s) {
  if (!m.has("region")) return std::nullopt;
  return region_index(s, m.get("region"), m.at("region"));
}


void Loader::faults(const YAML::Node& n, Scenario& s) {
  if (!n.IsSequence())
    r_.fail(n, "faults: expected a list, like - lose: {what: response, rate: 2%}");
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string what = "faults[" + std::to_string(i) + "]";
    const YAML::Node& f = n[i];
    if (!f.IsMap() || f.size() != 1)
      r_.fail(f, what + ": each fault is a mapping with one key: lose, spike, storm, reset, partition, transient, "
                        "duplicate, crash, skew or database");
    Map outer(r_, f, what, keys_under("faults[]"));
    s.at_fault.push_back(Where{r_.where(f)});
    if (outer.has("lose")) {
      Map m(r_, outer.get("lose"), what + ".lose", keys_under("faults[].lose"));
      faults::Lose l;
      l.what = r_.choice<faults::Lose::What>(m.need("what"), m.at("what"),
                                             {{"request", faults::Lose::request}, {"response", faults::Lose::response}});
      l.rate = r_.ratio(m.need("rate"), m.at("rate"));
      add(m, s, l);
    } else if (outer.has("spike")) {
      Map m(r_, outer.get("spike"), what + ".spike", keys_under("faults[].spike"));
      faults::Spike sp;
      sp.rate = r_.ratio(m.need("rate"), m.at("rate"));
      sp.delay = latency(m.need("delay"), m.at("delay"));
      add(m, s, sp);
    } else if (outer.has("storm")) {
      Map m(r_, outer.get("storm"), what + ".storm", keys_under("faults[].storm"));
      faults::Storm st;
      int status = 503;
      if (m.has("status")) status = static_cast<int>(r_.integer(m.get("status"), m.at("status"), 500, 599));
      if (m.has("code")) {
        const std::string code = r_.text(m.get("code"), m.at("code"));
        if (!model::parse_code(code, st.code) || model::code_status(st.code) < 500)
          r_.fail(m.get("code"), m.at("code") + ": '" + code +
                                     "' is not a 5xx code; use InternalError (500), InsufficientInstanceCapacity (500), Unavailable (503) "
                                     "or RequestLimitExceeded (503)");
        if (m.has("status") && model::code_status(st.code) != status)
          r_.fail(m.get("status"), m.at("status") + ": " + code + " is answered with " +
                                       std::to_string(model::code_status(st.code)) + ", not " + std::to_string(status));
      } else if (status == 500) {
        st.code = model::Code::InternalError;
      } else if (status == 503) {
        st.code = model::Code::Unavailable;
      } else {
        r_.fail(m.get("status"), m.at("status") + ": the model answers 500 or 503; give 500 or 503, or a code");
      }
      if (m.has("rate")) st.rate = r_.ratio(m.get("rate"), m.at("rate"));
      if (m.has("phase"))
        st.phase = r_.choice<faults::Storm::Phase>(m.get("phase"), m.at("phase"),
                                                   {{"before", faults::Storm::before}, {"after", faults::Storm::after}});
      add(m, s, st);
    } else if (outer.has("reset")) {
      Map m(r_, outer.get("reset"), what + ".reset", keys_under("faults[].reset"));
      faults::Reset rs;
      rs.phase = r_.choice<faults::Reset::Phase>(m.need("phase"), m.at("phase"),
                                                 {{"before", faults::Reset::before}, {"after", faults::Reset::after}});
      if (m.has("rate")) rs.rate = r_.ratio(m.get("rate"), m.at("rate"));
      add(m, s, rs);
    } else if (outer.has("partition")) {
      Map m(r_, outer.get("partition"), what + ".partition", keys_under("faults[].partition"));
      faults::Partition p;
      p.group = group_index(s, m.need("group"), m.at("group"));
      if (m.has("direction"))
        p.direction = r_.choice<faults::Partition::Direction>(
            m.get("direction"), m.at("direction"),
            {{"both", faults::Partition::both}, {"requests", faults::Partition::requests},
             {"responses", faults::Partition::responses}});
      add(m, s, p);
    } else if (outer.has("duplicate")) {
      Map m(r_, outer.get("duplicate"), what + ".duplicate", keys_under("faults[].duplicate"));
      faults::Duplicate d;
      if (m.has("rate")) d.rate = r_.ratio(m.get("rate"), m.at("rate"));
      if (m.has("delay")) d.delay = latency(m.get("delay"), m.at("delay"));
      add(m, s, d);
    } else if (outer.has("crash")) {
      crash(Map(r_, outer.get("crash"), what + ".crash", keys_under("faults[].crash")), s);
    } else if (outer.has("database")) {
      Map m(r_, outer.get("database"), what + ".database", keys_under("faults[].database"));
      faults::Database d;
      d.group = group_index(s, m.need("group"), m.at("group"));
      if (!s.clients[d.group].spec.controller)
        r_.fail(m.get("group"), m.at("group") + ": group '" + s.clients[d.group].spec.group +
                                    "' has no controller, so no database to degrade; give it controller: {} (or name another group)");
      if (m.has("fail")) d.fail = r_.ratio(m.get("fail"), m.at("fail"));
      if (m.has("stall")) d.stall = latency(m.get("stall"), m.at("stall"));
      add(m, s, d);
    } else if (outer.has("skew")) {
      Map m(r_, outer.get("skew"), what + ".skew", keys_under("faults[].skew"));
      faults::Skew k;
      if (m.has("frontend")) k.frontend = frontend_index(s, m.get("frontend"), m.at("frontend"));
      k.offset = signed_duration(m.need("offset"), m.at("offset"));
      add(m, s, k);
    } else if (outer.has("transient")) {
      Map m(r_, outer.get("transient"), what + ".transient", keys_under("faults[].transient"));
      faults::Transient t;
      if (m.has("code")) {
        const std::string code = r_.text(m.get("code"), m.at("code"));
        if (code != "IncorrectState")
          r_.fail(m.get("code"), m.at("code") + ": '" + code + "' is not a transient 400; the one the rules know is IncorrectState");
      }
      if (m.has("rate")) t.rate = r_.ratio(m.get("rate"), m.at("rate"));
      add(m, s, t);
    }
  }
}


uint32_t Loader::frontend_index(const Scenario& s, const YAML::Node& n, const std::string& what) {
  const uint32_t f = static_cast<uint32_t>(r_.integer(n, what, 0, 63));
  if (f >= s.service.frontends)
    r_.fail(n, what + ": frontend " + std::to_string(f) + " does not exist; the service has " +
                   std::to_string(s.service.frontends) + " frontend" + (s.service.frontends == 1 ? "" : "s") +
                   " per Region (indexes from 0; set service.frontends)");
  return f;
}

// A duration that may be negative: "-30s".
Duration Loader::signed_duration(const YAML::Node& n, const std::string& what) {
  const std::string text = r_.scalar(n, what, "a duration like 30s or -30s");
  const bool negative = !text.empty() && text[0] == '-';
  Duration d;
  std::string why;
  if (!parse_duration(negative ? text.substr(1) : text, d, &why))
    r_.fail(n, what + ": '" + text + "' is not a duration" + (why == "write a number and a unit" ? "" : " (" + why + ")") +
                   "; write a number and a unit, with a '-' for a clock behind, like 30s or -2m");
  return negative ? Duration(-d.us) : d;
}


void Loader::crash(const Map& m, Scenario& s) {
  faults::Crash c;
  if (m.has("target"))
    c.target = r_.choice<faults::Crash::Target>(
        m.get("target"), m.at("target"),
        {{"frontend", faults::Crash::frontend}, {"store", faults::Crash::store}, {"client", faults::Crash::client}});
  if (c.target == faults::Crash::client) {
    for (const char* key : {"which", "step"})
      if (m.has(key))
        r_.fail(m.get(key), m.at(key) + ": a client's process crashes at a point of its calls (`when`) or at a time "
                                "(`at`), not by `" + key + "`; remove it");
    c.group = group_index(s, m.need("group"), m.at("group"));
    if (m.has("region") && region_index(s, m.get("region"), m.at("region")) != s.clients[c.group].spec.region)
      r_.fail(m.get("region"), m.at("region") + ": group '" + s.clients[c.group].spec.group + "' calls " +
                                   s.service.regions[s.clients[c.group].spec.region].name +
                                   ", so its processes never crash while calling this Region; remove region or "
                                   "name the group's");
    const std::string what = m.at("group").substr(0, m.at("group").size() - 6);  // "faults[i].crash"
    if (m.has("at") && m.has("when"))
      r_.fail(m.get("at"), what + ": give either `when` (a crash at a point of the calls, with a `rate`) or `at` (every "
                                  "process of the group at that time: a deploy), not both");
    if (!m.has("at") && !m.has("when"))
      r_.fail(m.node(), what + ": say when the process dies: `when: after-send` or `after-response` (with a `rate`), "
                               "or `at` (a time, like at: 10m: a deploy; with `rolling` for one process after another)");
    if (m.has("at")) {
      c.at = sim::Time(0) + r_.duration(m.get("at"), m.at("at"));
      c.when = model::CallerCrashPoint::scheduled;
      if (m.has("rate"))
        r_.fail(m.get("rate"), m.at("rate") + ": a crash `at` a time happens once to each process; `rate` goes with `when`");
      if (m.has("from") || m.has("for"))
        r_.fail(m.get(m.has("from") ? "from" : "for"), m.at(m.has("from") ? "from" : "for") +
                                                            ": a crash `at` a time has no window; remove it");
      if (m.has("rolling")) c.rolling = r_.duration(m.get("rolling"), m.at("rolling"), sim::micros(1));
    } else {
      c.when = r_.choice<model::CallerCrashPoint>(
          m.need("when"), m.at("when"),
          named(model::caller_crash_point_name, model::CallerCrashPoint::after_response));
      if (m.has("rolling"))
        r_.fail(m.get("rolling"), m.at("rolling") + ": `rolling` spaces the group's crashes `at` a time; add `at`, or remove it");
    }
    if (m.has("rate")) c.rate = r_.ratio(m.get("rate"), m.at("rate"));
    if (m.has("restart_after")) c.restart_after = r_.duration(m.get("restart_after"), m.at("restart_after"), sim::micros(1));
    add(m, s, c);
    return;
  }
  for (const char* key : {"group", "when", "rolling"})
    if (m.has(key))
      r_.fail(m.get(key), m.at(key) + ": only `target: client` takes `" + key + "`");
  if (m.has("which")) {
    if (c.target == faults::Crash::store)
      r_.fail(m.get("which"), m.at("which") + ": a Region has one store; `which` names a frontend (target: frontend)");
    c.which = frontend_index(s, m.get("which"), m.at("which"));
  }
  const std::string what = m.at("at").substr(0, m.at("at").size() - 3);  // "faults[i].crash"
  if (m.has("at") && m.has("step"))
    r_.fail(m.get("at"), what + ": give either `at` (a crash at that time) or `step` (a crash when a launch "
                                "reaches after-reserve, after-launch or after-record), not both");
  if (!m.has("at") && !m.has("step"))
    r_.fail(m.node(), what + ": say when it crashes: `at` (a time, like at: 30s) or `step` (when a launch "
                             "reaches after-reserve, after-launch or after-record, with a `rate`)");
  if (m.has("at")) c.at = sim::Time(0) + r_.duration(m.get("at"), m.at("at"));
  if (m.has("step"))
    c.step = r_.choice<faults::Crash::Step>(m.get("step"), m.at("step"),
                                            named(faults::crash_step_name, faults::Crash::after_record));
  if (m.has("rate")) {
    if (!c.step) r_.fail(m.get("rate"), m.at("rate") + ": a crash `at` a time happens once; `rate` goes with `step`");
    c.rate = r_.ratio(m.get("rate"), m.at("rate"));
  }
  if (m.has("restart_after")) c.restart_after = r_.duration(m.get("restart_after"), m.at("restart_after"), sim::micros(1));
  add(m, s, c);
}

}  // namespace idem::harness::load_detail
