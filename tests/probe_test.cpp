// idemsim probe's own test: its rows run against a fake endpoint answered by the reference model
// (model::Service, with a fake clock) pass every row, and against the model with each planted
// service bug (model/bugs.h) fail exactly the rows that bug breaks. Then the pieces: the XML
// reader, URLs, forms, the check that a run's tokens are new, and the HTTP transport against a
// small Beast server on 127.0.0.1.
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "model/bugs.h"
#include "model/service.h"
#include "serve/probe.h"

using namespace idem;
using namespace idem::serve;
using model::Bug;
using model::Code;
using model::Semantics;
using std::chrono::milliseconds;

namespace {

// ---------------------------------------------------------------------------------------------
// A fake EC2 endpoint: the form decoded, the reference service asked, the answer written as EC2's
// XML. Written here (not with serve/query.h) so the probe's test depends on nothing else of serve/.

constexpr const char* kNs = "http://ec2.amazonaws.com/doc/2016-11-15/";

std::map<std::string, std::string> decode_form(const std::string& body) {
  auto unescape = [](std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') out += ' ';
      else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else out += s[i];
    }
    return out;
  };
  std::map<std::string, std::string> out;
  size_t from = 0;
  while (from < body.size()) {
    const size_t amp = std::min(body.find('&', from), body.size());
    const std::string_view field(body.data() + from, amp - from);
    const size_t eq = field.find('=');
    out[unescape(field.substr(0, eq))] = eq == std::string_view::npos ? "" : unescape(field.substr(eq + 1));
    from = amp + 1;
  }
  return out;
}

std::string esc(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

uint32_t instance_number(const std::string& id) {
  if (id.rfind("i-", 0) != 0) return 0;
  try {
    return static_cast<uint32_t>(std::stoul(id.substr(2), nullptr, 16));
  } catch (...) {
    return 0;
  }
}

int state_code(model::InstanceState s) {
  switch (s) {
    case model::InstanceState::pending: return 0;
    case model::InstanceState::running: return 16;
    case model::InstanceState::shutting_down: return 32;
    case model::InstanceState::terminated: return 48;
  }
  return 0;
}

class ModelEndpoint final : public Transport {
 public:
  // `regions`: endpoint URL -> the Region's index in the service's config.
  ModelEndpoint(model::ServiceConfig config, std::map<std::string, uint32_t> regions)
      : service(std::move(config)), regions_(std::move(regions)) {}

  Reply post(const std::string& endpoint, const std::string&, const std::string& body) override {
    now = now + sim::millis(50);  // each request takes a while
    ++requests;
    auto region = regions_.find(endpoint);
    if (region == regions_.end()) throw ProbeError("cannot connect to " + endpoint + " (connection refused)");
    std::map<std::string, std::string> f = decode_form(body);
    if (f["Version"] != "2016-11-15") return error(400, "InvalidParameterValue");
    const std::string& action = f["Action"];
    if (action == "RunInstances") return run(region->second, f);
    if (action == "DescribeInstances") return describe(region->second, f);
    if (action == "TerminateInstances") return terminate(region->second, f);
    return error(400, "InvalidAction");
  }

  model::Service service;
  sim::Time now;
  int requests = 0;

 private:
  static Reply error(int status, std::string_view code) {
    return {status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + std::string(code) +
                        "</Code><Message>from the fake</Message></Error></Errors><RequestID>req-1</RequestID></Response>"};
  }
  static Reply error(Code c) { return error(model::code_status(c), model::code_name(c)); }

  std::vector<std::string> ids(std::map<std::string, std::string>& f) {
    std::vector<std::string> out;
    for (int n = 1; f.count("InstanceId." + std::to_string(n)); ++n) out.push_back(f["InstanceId." + std::to_string(n)]);
    return out;
  }

  std::string instance_xml(uint32_t id, const char* state_element) const {
    const model::Instance& i = service.instances().at(id - 1);
    const model::Reservation& r = service.reservations().at(i.reservation - 1);
    const model::InstanceState s = service.state_of(id, now);
    std::ostringstream out;
    out << "<item><instanceId>" << model::instance_name(id) << "</instanceId><imageId>" << esc(service.params_of(r).image)
        << "</imageId><" << state_element << "><code>" << state_code(s) << "</code><name>" << model::state_name(s) << "</name></"
        << state_element << "><amiLaunchIndex>" << (id - r.first_instance) << "</amiLaunchIndex><instanceType>"
        << esc(service.params_of(r).type) << "</instanceType><placement><availabilityZone>" << esc(service.zone_name(r.placed_zone))
        << "</availabilityZone></placement>";
    if (r.has_token) out << "<clientToken>" << esc(service.token_of(r).str()) << "</clientToken>";
    else out << "<clientToken/>";
    out << "</item>";
    return out.str();
  }

  Reply run(uint32_t region, std::map<std::string, std::string>& f) {
    model::RunRequest req;
    req.region = region;
    req.params.image = f["ImageId"];
    req.params.type = f["InstanceType"];
    req.params.min = std::stoi(f["MinCount"]);
    req.params.max = std::stoi(f["MaxCount"]);
    req.params.zone = f["Placement.AvailabilityZone"];
    req.params.subnet = f["SubnetId"];
    req.has_token = f.count("ClientToken") > 0;
    req.token = f["ClientToken"];
    const model::Admission a = service.admit(req, now, tag_++);
    EXPECT_NE(a.kind, model::Admission::Joined);  // one request at a time: nothing is in flight
    const model::Response r = a.kind == model::Admission::Started ? service.complete(a.op, now).response : a.reply;
    if (!r.ok()) return error(r.code);
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<RunInstancesResponse xmlns=\"" << kNs
        << "\"><requestId>req-1</requestId><reservationId>" << model::reservation_name(r.reservation)
        << "</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>";
    for (uint32_t i = 0; i < r.count; ++i) out << instance_xml(r.first_instance + i, "instanceState");
    out << "</instancesSet></RunInstancesResponse>";
    return {200, out.str()};
  }

  Reply describe(uint32_t region, std::map<std::string, std::string>& f) {
    std::vector<uint32_t> numbers;
    for (const std::string& id : ids(f)) numbers.push_back(instance_number(id));
    std::optional<model::Token> token;
    if (f["Filter.1.Name"] == "client-token") token = model::Token(f["Filter.1.Value.1"]);
    const model::DescribeResult d = service.describe(region, numbers, token, now);
    if (d.code != Code::Ok) return error(d.code);
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns=\"" << kNs
        << "\"><requestId>req-1</requestId><reservationSet>";
    uint32_t open = 0;
    for (const model::InstanceView& v : d.instances) {
      if (v.reservation != open) {
        if (open) out << "</instancesSet></item>";
        out << "<item><reservationId>" << model::reservation_name(v.reservation) << "</reservationId><instancesSet>";
        open = v.reservation;
      }
      out << instance_xml(v.id, "instanceState");
    }
    if (open) out << "</instancesSet></item>";
    out << "</reservationSet></DescribeInstancesResponse>";
    return {200, out.str()};
  }

  Reply terminate(uint32_t region, std::map<std::string, std::string>& f) {
    std::vector<uint32_t> numbers;
    for (const std::string& id : ids(f)) numbers.push_back(instance_number(id));
    const model::DescribeResult d = service.terminate(region, numbers, now);
    if (d.code != Code::Ok) return error(d.code);
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TerminateInstancesResponse xmlns=\"" << kNs
        << "\"><requestId>req-1</requestId><instancesSet>";
    for (const model::InstanceView& v : d.instances) {
      const model::InstanceState s = service.state_of(v.id, now);
      out << "<item><instanceId>" << model::instance_name(v.id) << "</instanceId><currentState><code>" << state_code(s)
          << "</code><name>" << model::state_name(s) << "</name></currentState><previousState><code>16</code><name>running"
          << "</name></previousState></item>";
    }
    out << "</instancesSet></TerminateInstancesResponse>";
    return {200, out.str()};
  }

  std::map<std::string, uint32_t> regions_;
  uint64_t tag_ = 1;
};

constexpr const char* kEast = "http://127.0.0.1:8787";
constexpr const char* kWest = "http://127.0.0.1:8788";

model::ServiceConfig service_config(Semantics s, model::BugSet bugs = {}) {
  model::ServiceConfig c;
  c.semantics = s;
  c.regions = {{"us-east-1", {"us-east-1a", "us-east-1b"},
                {{"subnet-a1", "us-east-1a"}, {"subnet-a2", "us-east-1a"}, {"subnet-b1", "us-east-1b"}}},
               {"us-west-2", {"us-west-2a"}, {}}};
  c.bugs = bugs;
  return c;
}

// A fake endpoint pair (two Regions of one service) and a probe configuration on its fake clock.
struct Bench {
  explicit Bench(Semantics s, model::BugSet bugs = {}) : endpoint(service_config(s, bugs), {{kEast, 0}, {kWest, 1}}) {
    config.endpoint = kEast;
    config.endpoint2 = kWest;
    config.semantics = s == Semantics::current ? SemanticsChoice::current : SemanticsChoice::v2013;
    config.zones = {"us-east-1a", "us-east-1b"};
    config.subnets = {"subnet-a1", "subnet-a2"};
    config.sleep = [this](milliseconds d) { endpoint.now = endpoint.now + sim::millis(d.count()); };
    config.now = [this] { return milliseconds(endpoint.now.us / 1000); };
  }
  ProbeReport run() { return run_probe(endpoint, config); }

  ModelEndpoint endpoint;
  ProbeConfig config;
};

std::set<std::string> rows_with(const ProbeReport& r, Verdict v) {
  std::set<std::string> out;
  for (const RowOutcome& o : r.rows)
    if (o.result.verdict == v) out.insert(std::string(o.row->id));
  return out;
}

std::string dump(const ProbeReport& r) {
  std::ostringstream out;
  write_text(out, r);
  return out.str();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The reference passes every row.

TEST(ProbeAgainstTheReference, EveryRowPassesUnderCurrent) {
  Bench b(Semantics::current);
  const ProbeReport r = b.run();
  EXPECT_EQ(r.rows.size(), rows().size());
  EXPECT_EQ(r.count(Verdict::pass), rows().size()) << dump(r);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(ProbeAgainstTheReference, EveryRowPassesUnder2013) {
  Bench b(Semantics::v2013);
  const ProbeReport r = b.run();
  EXPECT_EQ(r.count(Verdict::pass), rows().size()) << dump(r);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(ProbeAgainstTheReference, AutoSaysWhichSemanticsItSaw) {
  for (const Semantics s : {Semantics::current, Semantics::v2013}) {
    Bench b(s);
    b.config.semantics = SemanticsChoice::automatic;
    const ProbeReport r = b.run();
    EXPECT_EQ(r.count(Verdict::pass), rows().size()) << dump(r);
    const std::string want = s == Semantics::current ? "current" : "v2013";
    EXPECT_EQ(r.semantics_seen, want + ", first seen by row 'zone-scope'");
  }
}

TEST(ProbeAgainstTheReference, TheWrongSemanticsFailTheirRows) {
  Bench b(Semantics::v2013);
  b.config.semantics = SemanticsChoice::current;
  EXPECT_EQ(rows_with(b.run(), Verdict::fail), (std::set<std::string>{"zone-scope", "terminated"}));
}

TEST(ProbeAgainstTheReference, RowsThatNeedMoreAreNotApplicableWithoutIt) {
  Bench b(Semantics::current);
  b.config.endpoint2.clear();
  b.config.zones.clear();
  b.config.subnets.clear();
  const ProbeReport r = b.run();
  EXPECT_EQ(rows_with(r, Verdict::na), (std::set<std::string>{"zone-scope", "subnet-mismatch", "region"})) << dump(r);
  EXPECT_EQ(r.count(Verdict::fail), 0u);
  EXPECT_EQ(r.exit_code(), 0);
  for (const RowOutcome& o : r.rows)
    if (o.result.verdict == Verdict::na) {
      EXPECT_NE(o.result.evidence.back().find("give --"), std::string::npos);
    }
}

TEST(ProbeAgainstTheReference, SubnetsOfTwoZonesAreNotApplicable) {
  Bench b(Semantics::current);
  b.config.subnets = {"subnet-a1", "subnet-b1"};
  const ProbeReport r = b.run();
  EXPECT_EQ(rows_with(r, Verdict::na), (std::set<std::string>{"subnet-mismatch"})) << dump(r);
}

TEST(ProbeAgainstTheReference, ItTerminatesWhatItLaunched) {
  Bench b(Semantics::current);
  const ProbeReport r = b.run();
  const auto& svc = b.endpoint.service;
  ASSERT_FALSE(svc.instances().empty());
  const sim::Time later = b.endpoint.now + sim::minutes(1);
  for (const model::Instance& i : svc.instances())
    EXPECT_EQ(svc.state_of(i.id, later), model::InstanceState::terminated) << model::instance_name(i.id);
  EXPECT_NE(dump(r).find("terminated the "), std::string::npos);

  Bench keep(Semantics::current);
  keep.config.keep = true;
  keep.run();
  size_t running = 0;
  for (const model::Instance& i : keep.endpoint.service.instances()) running += !i.terminate_requested;
  EXPECT_GT(running, 10u);
}

// ---------------------------------------------------------------------------------------------
// Each planted service bug fails the rows it breaks, and only those.

struct BugCase {
  Bug bug;
  Semantics semantics;
  std::set<std::string> fails;
};

TEST(ProbeAgainstPlantedBugs, EachServiceBugFailsTheRowsItBreaks) {
  std::vector<BugCase> cases;
  // The same rows under either semantics.
  for (const Semantics s : {Semantics::current, Semantics::v2013}) {
    cases.push_back({Bug::case_insensitive_token, s, {"case"}});
    cases.push_back({Bug::token_length_65, s, {"length-65"}});
    cases.push_back({Bug::non_ascii_token, s, {"non-ascii"}});
    cases.push_back({Bug::token_prefix_32, s, {"whole-token"}});
    cases.push_back({Bug::global_token_table, s, {"region"}});
    cases.push_back({Bug::mismatch_ignores_type, s, {"mismatch"}});
    cases.push_back({Bug::mismatch_ignores_subnet, s, {"subnet-mismatch"}});
    cases.push_back({Bug::forget_at_termination, s, {"terminated"}});
  }
  // Under one set of rules only (bug_info's `under`).
  cases.push_back({Bug::ignore_zone_scope, Semantics::current, {"zone-scope"}});
  cases.push_back({Bug::zone_as_parameter, Semantics::v2013, {"zone-scope"}});
  cases.push_back({Bug::relaunch_after_terminated, Semantics::current, {"terminated"}});
  cases.push_back({Bug::original_after_terminated, Semantics::current, {"terminated"}});
  // Every repeat that should get the first answer gets the reservation without its instances;
  // under 2013 the repeat after termination is one of them.
  cases.push_back({Bug::degraded_repeat, Semantics::current, {"repeat", "mismatch", "length-64", "count", "zone-scope"}});
  cases.push_back(
      {Bug::degraded_repeat, Semantics::v2013, {"repeat", "mismatch", "length-64", "count", "zone-scope", "terminated"}});
  for (const BugCase& c : cases) {
    model::BugSet bugs;
    bugs.add(c.bug);
    Bench b(c.semantics, bugs);
    const ProbeReport r = b.run();
    EXPECT_EQ(rows_with(r, Verdict::fail), c.fails)
        << model::bug_info(c.bug).name << " under " << (c.semantics == Semantics::current ? "current" : "2013") << "\n"
        << dump(r);
    EXPECT_EQ(r.exit_code(), 1);
  }
}

// Under --semantics auto a bug that makes one row look like the other rules is caught by the
// rows disagreeing (with --zones; without them, original-after-terminated looks like 2013).
TEST(ProbeAgainstPlantedBugs, AutoCatchesABugThatMimicsTheOtherRulesWhenTheRowsDisagree) {
  for (const Bug bug : {Bug::original_after_terminated, Bug::ignore_zone_scope}) {
    model::BugSet bugs;
    bugs.add(bug);
    Bench b(Semantics::current, bugs);
    b.config.semantics = SemanticsChoice::automatic;
    const ProbeReport r = b.run();
    EXPECT_EQ(rows_with(r, Verdict::fail), (std::set<std::string>{"terminated"})) << model::bug_info(bug).name << "\n" << dump(r);
    for (const RowOutcome& o : r.rows)
      if (o.row->id == "terminated") {
        EXPECT_NE(o.result.evidence.back().find("but row 'zone-scope' saw"), std::string::npos) << o.result.evidence.back();
        EXPECT_NE(o.result.evidence.back().find("one service keeps one set of rules"), std::string::npos);
      }
  }
  model::BugSet bugs;
  bugs.add(Bug::original_after_terminated);
  Bench b(Semantics::current, bugs);
  b.config.semantics = SemanticsChoice::automatic;
  b.config.zones.clear();
  EXPECT_EQ(b.run().count(Verdict::fail), 0u);  // indistinguishable from a 2013 service
}

// The service bugs no row of the probe can see, and why:
//  - record-after-launch, no-inflight-join (rule 7): they need a repeat that arrives while the
//    first request is still in flight; the probe sends one request at a time and cannot time one
//    into another's launch.
//  - decide-at-arrival (rule 5): it needs a repeat that arrives while the instances shut down and
//    is decided after they terminated, across the service's validate and reserve steps; the probe
//    cannot see or time those steps.
//  - retention-from-launch (rule 5, 2013): it needs a repeat close to token_retention (24 h by
//    default) after the termination.
//  - mismatch-vs-first-launch (rule 3): it needs a first launch that fails after its token was
//    recorded (InsufficientInstanceCapacity); the probe does not know a type whose capacity it
//    can exhaust, and exhausting one on a real endpoint would be reckless.
// (token-per-attempt, new-token-per-app-retry and new-token-on-mismatch are callers' bugs: the
// probe is the caller.) The test holds this list to the model: if one of them becomes visible,
// the row that sees it belongs in the table above.
TEST(ProbeAgainstPlantedBugs, TheBugsNoRowCanSee) {
  const std::vector<std::pair<Bug, Semantics>> unseen{
      {Bug::record_after_launch, Semantics::current},    {Bug::no_inflight_join, Semantics::current},
      {Bug::decide_at_arrival, Semantics::current},      {Bug::retention_from_launch, Semantics::v2013},
      {Bug::mismatch_vs_first_launch, Semantics::current}};
  for (const auto& [bug, semantics] : unseen) {
    model::BugSet bugs;
    bugs.add(bug);
    Bench b(semantics, bugs);
    EXPECT_EQ(b.run().count(Verdict::fail), 0u) << model::bug_info(bug).name;
  }
}

// Every service bug of the catalogue is in one of the two lists above.
TEST(ProbeAgainstPlantedBugs, TheCatalogueIsCovered) {
  const std::set<std::string> seen{"case-insensitive-token", "token-length-65", "non-ascii-token", "token-prefix-32",
                                   "global-token-table", "ignore-zone-scope", "zone-as-parameter", "mismatch-ignores-type",
                                   "mismatch-ignores-subnet", "relaunch-after-terminated", "original-after-terminated",
                                   "forget-at-termination", "degraded-repeat"};
  const std::set<std::string> unseen{"record-after-launch", "no-inflight-join", "decide-at-arrival", "retention-from-launch",
                                     "mismatch-vs-first-launch"};
  const std::set<std::string> callers{"token-per-attempt", "new-token-per-app-retry", "new-token-on-mismatch"};
  for (size_t i = 0; i < static_cast<size_t>(Bug::kCount); ++i) {
    const std::string name(model::bug_info(static_cast<Bug>(i)).name);
    EXPECT_EQ(seen.count(name) + unseen.count(name) + callers.count(name), 1u) << name << " is in no list of probe_test";
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens: fresh per row, from the seed; a second run with the same seed is stopped.

TEST(ProbeTokens, ASecondRunWithTheSameSeedIsStoppedAndAnotherSeedRuns) {
  Bench b(Semantics::current);
  ASSERT_EQ(b.run().exit_code(), 0);
  try {
    b.run();
    FAIL() << "a second run with the same seed went on";
  } catch (const ProbeError& e) {
    EXPECT_NE(std::string(e.what()).find("give another --seed (e.g. --seed 2)"), std::string::npos) << e.what();
  }
  b.config.seed = 2;
  const ProbeReport r = b.run();
  EXPECT_EQ(r.count(Verdict::pass), rows().size()) << dump(r);
}

TEST(ProbeTokens, EveryTokenIsNewAndStartsWithThePrefix) {
  Bench b(Semantics::current);
  b.config.prefix = "ci-42.";
  b.run();
  std::set<std::string> tokens;
  for (const model::Reservation& r : b.endpoint.service.reservations()) {
    if (!r.has_token) continue;
    EXPECT_EQ(b.endpoint.service.token_of(r).str().rfind("ci-42.", 0), 0u) << b.endpoint.service.token_of(r).str();
    EXPECT_LE(b.endpoint.service.token_of(r).size(), 64u);
  }
  // Rows that launch with a token once each: tokens differ between rows (the two reservations of
  // a row's case and whole-token checks differ by design).
  for (const model::Reservation& r : b.endpoint.service.reservations())
    if (r.has_token) tokens.insert(b.endpoint.service.token_of(r).str());
  EXPECT_GT(tokens.size(), 10u);
}

TEST(ProbeTokens, AnEndpointThatCannotBeReachedStopsTheRun) {
  Bench b(Semantics::current);
  b.config.endpoint2 = "http://127.0.0.1:9999";  // not one of the fake's
  EXPECT_THROW(b.run(), ProbeError);
}

TEST(ProbeTokens, AnEndpointThatIsNotEc2StopsTheRun) {
  struct NotEc2 : Transport {
    Reply post(const std::string&, const std::string&, const std::string&) override { return {404, "<html><body>Not Found</body></html>"}; }
  } t;
  ProbeConfig c;
  c.endpoint = kEast;
  try {
    run_probe(t, c);
    FAIL();
  } catch (const ProbeError& e) {
    EXPECT_NE(std::string(e.what()).find("does not answer as an EC2 Query API endpoint: DescribeInstances got HTTP 404"),
              std::string::npos)
        << e.what();
  }
}

// A throttled endpoint: every request is retried after 503 RequestLimitExceeded, except a launch
// without a token (a retry of it could launch twice), so only the no-token row fails.
TEST(ProbeTokens, ThrottledRequestsAreRetriedButNotALaunchWithoutAToken) {
  struct Throttled : Transport {
    explicit Throttled(Transport& inner) : inner(inner) {}
    Reply post(const std::string& endpoint, const std::string& region, const std::string& body) override {
      if (seen.insert(body).second)  // the first time this request is sent
        return {503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error>"
                     "</Errors><RequestID>x</RequestID></Response>"};
      return inner.post(endpoint, region, body);
    }
    Transport& inner;
    std::set<std::string> seen;
  };
  Bench b(Semantics::current);
  Throttled t(b.endpoint);
  const ProbeReport r = run_probe(t, b.config);
  EXPECT_EQ(rows_with(r, Verdict::fail), std::set<std::string>{"no-token"}) << dump(r);
  EXPECT_NE(r.rows[0].result.evidence[0].find("(after 1 retry, the last on 503 RequestLimitExceeded)"), std::string::npos)
      << r.rows[0].result.evidence[0];
}

// ---------------------------------------------------------------------------------------------
// The output.

TEST(ProbeOutput, TextMarkdownAndJsonCarryEveryRow) {
  Bench b(Semantics::current);
  const ProbeReport r = b.run();
  std::ostringstream text, md, json;
  write_text(text, r);
  write_markdown(md, r);
  write_json(json, r);
  for (const Row& row : rows()) {
    EXPECT_NE(text.str().find(std::string(row.id)), std::string::npos);
    EXPECT_NE(md.str().find("| `" + std::string(row.id) + "` |"), std::string::npos);
    EXPECT_NE(json.str().find("\"id\": \"" + std::string(row.id) + "\""), std::string::npos);
  }
  EXPECT_NE(text.str().find("14 rows: 14 pass, 0 FAIL, 0 n/a"), std::string::npos) << text.str();
  EXPECT_NE(json.str().find("\"exit\": 0"), std::string::npos);
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
}

// The non-ASCII token is shown escaped; the evidence names the reservation and instance ids.
TEST(ProbeOutput, TheEvidenceNamesWhatWasSentAndWhatCameBack) {
  model::BugSet bugs;
  bugs.add(Bug::non_ascii_token);
  Bench b(Semantics::current, bugs);
  const ProbeReport r = b.run();
  for (const RowOutcome& o : r.rows) {
    if (o.row->id != "non-ascii") continue;
    ASSERT_GE(o.result.evidence.size(), 2u);
    EXPECT_NE(o.result.evidence[0].find("\\xc3\\xa9"), std::string::npos) << o.result.evidence[0];
    EXPECT_NE(o.result.evidence[0].find("-> 200 r-"), std::string::npos) << o.result.evidence[0];
    EXPECT_NE(o.result.evidence[0].find("[i-"), std::string::npos);
    EXPECT_EQ(o.result.evidence.back(), "FAIL: a token with non-ASCII bytes was accepted and launched");
  }
}

// ---------------------------------------------------------------------------------------------
// The pieces.

TEST(ProbeXml, ReadsNamespacesEntitiesAndEmptyElements) {
  const auto x = read_xml(
      "<?xml version=\"1.0\"?>\n<!-- c --><ec2:R xmlns:ec2=\"u\" a='>'><ec2:a>x &amp; &lt;&#65;&#x42;</ec2:a><b/>"
      "<c><![CDATA[<raw>]]></c><d>\n  <e>1</e>\n</d></ec2:R>");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->name, "R");
  EXPECT_EQ(x->child_text("a"), "x & <AB");
  ASSERT_NE(x->child("b"), nullptr);
  EXPECT_EQ(x->child_text("b"), "");
  EXPECT_EQ(x->child_text("c"), "<raw>");
  EXPECT_EQ(x->child("d")->text, "");
  EXPECT_EQ(x->child("d")->child_text("e"), "1");
  EXPECT_FALSE(read_xml("<a><b></a>"));
  EXPECT_FALSE(read_xml("not xml"));
  EXPECT_FALSE(read_xml("<a>unclosed"));
  EXPECT_FALSE(read_xml("<a/><b/>"));
  EXPECT_FALSE(read_xml(std::string(200, '<')));
}

TEST(ProbeXml, ReadsErrorsAndAnswers) {
  const Answer e = read_answer({400,
                                "<Response><Errors><Error><Code>IdempotentParameterMismatch</Code><Message>m</Message>"
                                "</Error></Errors><RequestID>x</RequestID></Response>"});
  EXPECT_TRUE(e.readable);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.code, "IdempotentParameterMismatch");
  EXPECT_EQ(e.message, "m");
  const Answer r = read_answer({200,
                                "<RunInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><reservationId>r-1"
                                "</reservationId><instancesSet><item><instanceId>i-1</instanceId><instanceState><code>0</code>"
                                "<name>pending</name></instanceState><clientToken>t</clientToken><amiLaunchIndex>0"
                                "</amiLaunchIndex></item></instancesSet></RunInstancesResponse>"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.reservations.size(), 1u);
  EXPECT_EQ(r.reservations[0].id, "r-1");
  EXPECT_EQ(r.instance_ids(), std::vector<std::string>{"i-1"});
  EXPECT_EQ(r.reservations[0].instances[0].state, "pending");
  EXPECT_EQ(r.reservations[0].instances[0].token, "t");
  const Answer html = read_answer({200, "<html><body/></html>"});
  EXPECT_FALSE(html.readable);
  EXPECT_EQ(html.excerpt, "<html><body/></html>");
}

TEST(ProbeUrl, ParsesEndpointsAndSaysWhatIsWrong) {
  auto u = parse_url("http://127.0.0.1:8787");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8787);
  EXPECT_EQ(u->target, "/");
  u = parse_url("localhost:4566/ec2");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 4566);
  EXPECT_EQ(u->target, "/ec2");
  u = parse_url("http://[::1]:80");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(parse_url("http://example.com")->port, 80);
  std::string why;
  EXPECT_FALSE(parse_url("https://ec2.us-east-1.amazonaws.com", &why));
  EXPECT_NE(why.find("plain HTTP only"), std::string::npos);
  EXPECT_FALSE(parse_url("http://127.0.0.1:0", &why));
  EXPECT_NE(why.find("from 1 to 65535"), std::string::npos);
  EXPECT_FALSE(parse_url("http://:8787", &why));
  EXPECT_FALSE(parse_url("ftp://x", &why));
  EXPECT_FALSE(parse_url("http://h:80?x=1", &why));
}

TEST(ProbeForm, EncodesEveryByteButTheUnreserved) {
  EXPECT_EQ(form_encode({{"Action", "RunInstances"}, {"ClientToken", "a b+c/\xc3\xa9~._-"}}),
            "Action=RunInstances&ClientToken=a%20b%2Bc%2F%C3%A9~._-");
  EXPECT_EQ(decode_form(form_encode({{"Filter.1.Value.1", "x&y=z"}}))["Filter.1.Value.1"], "x&y=z");
}

// ---------------------------------------------------------------------------------------------
// The HTTP transport against a small Beast server on 127.0.0.1 that answers from the model.

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Serves connections one after another until stopped; answers with `answer` (or not at all).
// `hang_up`: closes each connection after one answer, though the answer says keep-alive (as a
// server closing an idle connection does).
class LocalServer {
 public:
  explicit LocalServer(std::function<std::optional<Reply>(const http::request<http::string_body>&)> answer,
                       bool hang_up = false)
      : answer_(std::move(answer)), hang_up_(hang_up),
        acceptor_(io_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~LocalServer() {
    stop_ = true;
    beast::error_code ec;
    // Wake the accept: connect once.
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  uint16_t port = 0;
  std::atomic<int> connections{0};

 private:
  void serve() {
    while (!stop_) {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      ++connections;
      beast::flat_buffer buffer;
      for (;;) {
        http::request<http::string_body> req;
        http::read(socket, buffer, req, ec);
        if (ec) break;
        const std::optional<Reply> r = answer_(req);
        if (!r) {  // say nothing until the client gives up
          std::this_thread::sleep_for(std::chrono::milliseconds(400));
          break;
        }
        http::response<http::string_body> res{static_cast<http::status>(r->status), 11};
        res.set(http::field::content_type, "text/xml;charset=UTF-8");
        res.keep_alive(req.keep_alive());
        res.body() = r->body;
        res.prepare_payload();
        http::write(socket, res, ec);
        if (ec || !res.keep_alive() || hang_up_) break;
      }
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  std::function<std::optional<Reply>(const http::request<http::string_body>&)> answer_;
  bool hang_up_ = false;
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace

TEST(ProbeHttp, TheWholeTableOverHttpOnOneKeptAliveConnection) {
  ModelEndpoint model(service_config(Semantics::current), {{"any", 0}});
  std::mutex m;  // the model, and what the server saw
  std::set<std::string> authorizations, dates;
  LocalServer server([&](const http::request<http::string_body>& req) -> std::optional<Reply> {
    std::lock_guard<std::mutex> lock(m);
    EXPECT_EQ(req.method(), http::verb::post);
    EXPECT_EQ(req[http::field::content_type], "application/x-www-form-urlencoded; charset=utf-8");
    authorizations.insert(std::string(req[http::field::authorization]));
    dates.insert(std::string(req["X-Amz-Date"]));
    return model.post("any", "us-east-1", req.body());
  });
  ProbeConfig c;
  c.endpoint = server.url();
  c.region = "eu-central-1";
  // The model's clock moves with the probe's pauses (no real sleeping); requests add their 50 ms.
  c.sleep = [&](milliseconds d) {
    std::lock_guard<std::mutex> lock(m);
    model.now = model.now + sim::millis(d.count());
  };
  c.now = [&] {
    std::lock_guard<std::mutex> lock(m);
    return milliseconds(model.now.us / 1000);
  };
  const std::unique_ptr<Transport> t = http_transport(std::chrono::seconds(10));
  const ProbeReport r = run_probe(*t, c);
  EXPECT_EQ(rows_with(r, Verdict::fail), std::set<std::string>{}) << dump(r);
  EXPECT_EQ(rows_with(r, Verdict::na), (std::set<std::string>{"zone-scope", "subnet-mismatch", "region"}));
  EXPECT_EQ(server.connections.load(), 1);
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(authorizations,
            std::set<std::string>{"AWS4-HMAC-SHA256 Credential=AKIDPROBE/20260101/eu-central-1/ec2/aws4_request, "
                                  "SignedHeaders=host;x-amz-date, Signature=0"});
  EXPECT_EQ(dates, std::set<std::string>{"20260101T000000Z"});
}

TEST(ProbeHttp, ARefusedConnectionSaysToStartServe) {
  uint16_t port = 0;
  {
    net::io_context io;
    tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const std::unique_ptr<Transport> t = http_transport(std::chrono::seconds(2));
  try {
    t->post(url, "us-east-1", "Action=DescribeInstances");
    FAIL();
  } catch (const ProbeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cannot connect to " + url), std::string::npos) << msg;
    EXPECT_NE(msg.find("start `idemsim serve SCENARIO --listen 127.0.0.1:" + std::to_string(port) + "` first"), std::string::npos)
        << msg;
  }
}

TEST(ProbeHttp, AnEndpointThatNeverAnswersTimesOut) {
  LocalServer server([](const http::request<http::string_body>&) -> std::optional<Reply> { return std::nullopt; });
  const std::unique_ptr<Transport> t = http_transport(std::chrono::milliseconds(150));
  try {
    t->post(server.url(), "us-east-1", "Action=RunInstances&Version=2016-11-15");
    FAIL();
  } catch (const ProbeError& e) {
    EXPECT_NE(std::string(e.what()).find("did not answer Action=RunInstances within 150 ms"), std::string::npos) << e.what();
  }
}

TEST(ProbeHttp, AKeptAliveConnectionTheServerClosedIsOpenedAgain) {
  std::atomic<int> n{0};
  LocalServer server(
      [&](const http::request<http::string_body>&) -> std::optional<Reply> {
        ++n;
        return Reply{200, "<DescribeInstancesResponse><reservationSet/></DescribeInstancesResponse>"};
      },
      /*hang_up=*/true);
  const std::unique_ptr<Transport> t = http_transport(std::chrono::seconds(5));
  EXPECT_EQ(t->post(server.url(), "us-east-1", "Action=DescribeInstances").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the server has hung up by now
  EXPECT_EQ(t->post(server.url(), "us-east-1", "Action=DescribeInstances").status, 200);
  EXPECT_EQ(n.load(), 2);
  EXPECT_EQ(server.connections.load(), 2);
}
