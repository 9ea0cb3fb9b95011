// `idemsim audit` against runs whose truth is known: every shipped scenario at seeds 1-3 is run,
// written as CloudTrail would have logged it (reports/cloudtrail.h), audited (audit/audit.h), and
// the token rules' violations the audit finds are compared with the simulator oracle's: the audit
// finds each one the log can show (its requests reached the service), and no other.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "audit/audit.h"
#include "harness/load.h"
#include "harness/world.h"
#include "model/oracle/ledger.h"
#include "reports/cloudtrail.h"

namespace fs = std::filesystem;
using namespace idem;

namespace {

// (property, reason, Region, account id, token): how a token finding is named in both worlds.
using Key = std::tuple<std::string, int, std::string, std::string, std::string>;

std::string account_id(const harness::Scenario& s, uint32_t account) { return reports::cloudtrail_account_id(s, account); }

// The name of a finding about a token scope or a request with a token, in a run of `s` (the
// simulator's, or the audit's own scenario with its account ids as names).
std::optional<Key> key_of(const model::Finding& f, const model::Ledger& l, const harness::Scenario& s, bool audit_side) {
  uint32_t a = f.subject;
  if (f.subject_kind == model::Finding::Subject::launch) a = l.launches.at(f.first).attempt;  // where and what it put up
  else if (f.subject_kind != model::Finding::Subject::scope && f.subject_kind != model::Finding::Subject::request) return std::nullopt;
  const model::Ledger::Client& c = l.clients[l.call_of(a).client];
  const std::string account = audit_side ? s.service.accounts.at(c.account) : account_id(s, c.account);
  const std::string token = l.attempts[a].has_token() ? l.token(l.attempts[a].token).str() : std::string("(none)");
  return Key{std::string(model::property_name(f.property)), static_cast<int>(f.reason), s.service.regions.at(c.region).name,
             account, token};
}

std::string show(const Key& k) {
  return std::get<0>(k) + "/" + std::to_string(std::get<1>(k)) + " " + std::get<2>(k) + " " + std::get<3>(k) + " token '" +
         std::get<4>(k) + "'";
}

// Whether the simulator's finding is one a log of what reached the service can show: each
// attempt behind it (its key attempts, its launches' attempts) was logged by the service.
struct Logged {
  std::vector<bool> logged;  // per attempt
  explicit Logged(const model::RunLog& log, size_t attempts) : logged(attempts, false) {
    std::vector<bool> decided(attempts, false), answered(attempts, false);
    for (const model::Record& r : log.records()) {
      if (r.subject >= attempts) continue;
      switch (r.kind) {
        case model::Obs::admitted:
        case model::Obs::described:
        case model::Obs::terminated:
        case model::Obs::throttled:
        case model::Obs::transient:
        case model::Obs::store_down: decided[r.subject] = true; break;
        case model::Obs::storm_after:
        case model::Obs::lost_response:
        case model::Obs::reset_after:
        case model::Obs::delivered: answered[r.subject] = true; break;
        default: break;
      }
    }
    for (size_t a = 0; a < attempts; ++a) logged[a] = decided[a] && answered[a];
  }
};

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(IDEMSIM_SOURCE_DIR) / "scenarios"))
    if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml"))
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(AuditRoundTrip, EveryShippedScenarioAtThreeSeeds) {
  const std::string dir = (fs::temp_directory_path() / ("idemsim-audit-rt-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  size_t compared = 0, found = 0, invisible = 0, runs = 0, sent_not_received = 0;
  std::ostringstream problems;
  for (const std::string& file : scenario_files()) {
    harness::Scenario s;
    try {
      s = harness::load_scenario_file(file);
    } catch (const std::exception&) {
      continue;  // a scenario that documents a refusal
    }
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      harness::RunOptions opt;
      opt.keep_log = true;
      const harness::RunResult run = harness::run_once(s, seed, opt);
      ++runs;
      const std::string ct = dir + "/run.json";
      {
        std::ofstream o(ct, std::ios::binary);
        reports::write_cloudtrail(o, s, *run.log, seed);
      }
      audit::Options ao;
      ao.semantics = s.service.semantics;
      // CloudTrail's times are whole seconds: the termination's instant is known within a second.
      ao.terminate_min = std::max(sim::Duration(0), s.service.terminate_time - sim::seconds(1));
      ao.terminate_max = s.service.terminate_time + sim::seconds(1);
      ao.window = sim::Duration(0);
      ao.retention = s.service.token_retention;
      const audit::Result r = audit::audit({ct}, ao);
      const model::Ledger sim_l = model::index_log(*run.log);
      const model::Ledger aud_l = model::index_log(*r.log);
      const Logged logged(*run.log, sim_l.attempts.size());
      std::set<Key> want, got;
      for (const model::Finding& f : run.findings) {
        if (!audit::audited(f.property)) continue;
        const auto k = key_of(f, sim_l, s, false);
        if (!k) continue;
        // The attempts it names that got an answer the rules do not allow, or launched one too many.
        std::vector<uint32_t> behind = f.key_attempts;
        behind.insert(behind.end(), f.bad_launches.begin(), f.bad_launches.end());
        // A collision shows when the two callers' requests are both in the log.
        if (f.reason == model::Reason::collision) {
          std::set<uint32_t> callers;
          for (uint32_t a : f.attempts)
            if (logged.logged[a]) callers.insert(sim_l.clients[sim_l.call_of(a).client].intent_group * 100000 + sim_l.clients[sim_l.call_of(a).client].index);
          if (callers.size() < 2) {
            ++invisible;
            continue;
          }
          want.insert(*k);
          continue;
        }
        // Every launch it counts must be in the log too (a frontend that crashed after it launched
        // logged nothing): else the log shows one launch fewer than the service made.
        for (uint32_t li : f.launches) behind.push_back(sim_l.launches[li].attempt);
        const bool visible = !behind.empty() && std::all_of(behind.begin(), behind.end(), [&](uint32_t a) { return logged.logged[a]; });
        if (!visible) {
          ++invisible;
          continue;
        }
        want.insert(*k);
      }
      for (const model::Finding& f : r.findings) {
        if (const auto k = key_of(f, aud_l, r.scenario, true)) got.insert(*k);
      }
      compared += want.size();
      for (const Key& k : want) {
        if (got.count(k)) ++found;
        else problems << file << " seed " << seed << ": the audit misses " << show(k) << "\n";
      }
      // The audit judges the answers the service sent; the simulator's oracle, those its callers
      // received. A wrong answer lost on the way is the audit's alone, about a token the
      // simulator faults for its extra launch.
      std::set<Key> sim_scopes;
      for (const model::Finding& f : run.findings)
        if (const auto k = key_of(f, sim_l, s, false)) sim_scopes.insert(Key{"", 0, std::get<2>(*k), std::get<3>(*k), std::get<4>(*k)});
      for (const Key& k : got) {
        if (want.count(k)) continue;
        if (std::get<0>(k) == "answers" && sim_scopes.count(Key{"", 0, std::get<2>(k), std::get<3>(k), std::get<4>(k)})) {
          ++sent_not_received;
          continue;
        }
        problems << file << " seed " << seed << ": the audit alone finds " << show(k) << "\n";
      }
    }
  }
  fs::remove_all(dir);
  std::cout << runs << " runs; " << compared << " token findings the log can show, " << found << " found by the audit; "
            << invisible << " the log cannot show; " << sent_not_received
            << " wrong answers the service sent that no caller received (the audit's alone)\n";
  EXPECT_GT(compared, 20u) << "the shipped scenarios plant token violations; none compared means the test compares nothing";
  EXPECT_EQ(problems.str(), "");
}
