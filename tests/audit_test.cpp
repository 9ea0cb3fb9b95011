// idemsim audit on hand-written CloudTrail files (tests/audit/), in the shapes CloudTrail writes
// EC2's records: nested `items`, epoch-millisecond launch times, `errorCode` with a null
// `responseElements`, gzip, lookup-events' strings, records of other services mixed in, records out
// of order, and malformed files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.h"
#include "reports/audit_report.h"
#include "sim/calendar.h"

namespace fs = std::filesystem;
using namespace idem;

namespace {

const std::string kDir = std::string(IDEMSIM_SOURCE_DIR) + "/tests/audit/";

std::vector<std::string> properties(const audit::Result& r) {
  std::vector<std::string> out;
  for (const model::Finding& f : r.findings) out.emplace_back(model::property_name(f.property));
  std::sort(out.begin(), out.end());
  return out;
}

std::string error_of(const std::vector<std::string>& paths) {
  try {
    audit::audit(paths, {});
  } catch (const audit::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

struct TempDir {
  std::string path;
  TempDir() : path((fs::temp_directory_path() / ("idemsim-audit-test-" + std::to_string(::getpid()))).string()) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string json_report(const audit::Result& r) {
  std::ostringstream o;
  reports::write_audit(o, r, reports::AuditFormat::json, "idemsim audit", false);
  return o.str();
}

}  // namespace

TEST(AuditRead, ACleanDayPassesAndCountsWhatItDidNotJudge) {
  const audit::Result r = audit::audit({kDir + "clean"}, {});
  EXPECT_TRUE(r.findings.empty()) << json_report(r);
  EXPECT_TRUE(r.duplicates.empty());
  EXPECT_TRUE(r.leaks.empty());
  EXPECT_EQ(r.files, 1u);
  EXPECT_EQ(r.records, 9u);
  EXPECT_EQ(r.launches, 5u);
  EXPECT_EQ(r.terminations, 1u);
  EXPECT_EQ(r.describes, 1u);
  // Nothing dropped silently: each record not judged is counted under why.
  uint64_t unused = 0;
  for (const auto& [why, n] : r.unused) unused += n;
  EXPECT_EQ(unused, 3u);
  EXPECT_EQ(r.unused.count("other services: s3.amazonaws.com"), 1u);
  EXPECT_EQ(r.unused.count("EC2 CreateTags (not a launch or a termination)"), 1u);
  // The callers' SDKs and the profiles idemsim models for them.
  std::map<std::string, std::string> profile;
  for (const audit::Caller& c : r.callers) profile[c.sdk] = c.profile;
  EXPECT_EQ(profile["go-v2 1.48.0"], "aws-standard-2026");
  EXPECT_EQ(profile["botocore 1.34.0"], "aws-standard");
  EXPECT_EQ(profile["awscli 2.9.19"], "aws-standard");
  EXPECT_EQ(r.first_us, *sim::parse_utc("2026-11-02T10:00:05Z"));
  EXPECT_EQ(r.last_us, *sim::parse_utc("2026-11-02T14:00:00Z"));
}

// The repeat two hours after the reaper's TerminateInstances gets IdempotentInstanceTerminated: right
// when instances are gone within the hour, wrong when they may take three.
TEST(AuditRead, TheTerminationWindowDecidesWhatARepeatMustGet) {
  audit::Options slow;
  slow.terminate_min = sim::hours(3);
  slow.terminate_max = sim::hours(4);
  const audit::Result r = audit::audit({kDir + "clean"}, slow);
  ASSERT_EQ(properties(r), std::vector<std::string>{"answers"});
  std::ostringstream md;
  reports::write_audit(md, r, reports::AuditFormat::md, "idemsim audit", false);
  EXPECT_NE(md.str().find("IdempotentInstanceTerminated"), std::string::npos) << md.str();
  // The log's own names in the story, not the run log's numbering.
  EXPECT_NE(md.str().find("r-0a1a1a1a1a1a1a1a1"), std::string::npos) << md.str();
  EXPECT_EQ(md.str().find("r-00000000000000001"), std::string::npos) << md.str();
}

TEST(AuditRead, ViolationsDuplicatesAndLeaks) {
  const audit::Result r = audit::audit({kDir + "violations"}, {});
  EXPECT_EQ(properties(r), (std::vector<std::string>{"answers", "token-collision", "token-instances"})) << json_report(r);
  EXPECT_EQ(r.files, 2u);  // one of them gzip'd
  EXPECT_EQ(r.records, 10u);
  ASSERT_EQ(r.duplicates.size(), 1u);
  EXPECT_EQ(r.duplicates[0].first_reservation, "r-0d1d1d1d1d1d1d1d1");
  EXPECT_EQ(r.duplicates[0].second_reservation, "r-0d2d2d2d2d2d2d2d2");
  EXPECT_EQ(r.duplicates[0].second_us - r.duplicates[0].first_us, 40 * 1000000);
  ASSERT_EQ(r.leaks.size(), 2u);
  // The extra reservation under dup-1, terminated by ops an hour later.
  EXPECT_EQ(r.leaks[0].reservation, "r-0b2b2b2b2b2b2b2b2");
  EXPECT_EQ(r.leaks[0].token, "dup-1");
  ASSERT_EQ(r.leaks[0].instances.size(), 1u);
  EXPECT_EQ(r.leaks[0].instances[0].id, "i-0b21b21b21b21b21b");
  EXPECT_NE(r.leaks[0].instances[0].by.find("user/ops"), std::string::npos);
  EXPECT_EQ(r.leaks[0].instance_us, int64_t{3600} * 1000000);
  // The suspected duplicate's second launch, still running at the log's end (10:00:20).
  EXPECT_EQ(r.leaks[1].reservation, "r-0d2d2d2d2d2d2d2d2");
  EXPECT_FALSE(r.leaks[1].instances[0].gone_us.has_value());
  EXPECT_EQ(r.leaks[1].instance_us, int64_t{39 * 60 + 40} * 1000000);
  EXPECT_EQ(r.leaked_instances, 2u);
  // The Terraform provider names the SDK it is built on.
  bool terraform = false;
  for (const audit::Caller& c : r.callers)
    if (c.sdk == "go-v2 1.24.0") terraform = c.tokenless == 3 && c.duplicates == 1;
  EXPECT_TRUE(terraform) << json_report(r);
}

TEST(AuditRead, TheWindowAndThePrincipalAreSettings) {
  audit::Options narrow;
  narrow.window = sim::seconds(10);
  EXPECT_TRUE(audit::audit({kDir + "violations"}, narrow).duplicates.empty());
  // By role: batch-a and batch-b are two roles, still two callers of one token.
  audit::Options by_role;
  by_role.by_role = true;
  EXPECT_EQ(properties(audit::audit({kDir + "violations"}, by_role)),
            (std::vector<std::string>{"answers", "token-collision", "token-instances"}));
}

TEST(AuditRead, LookupEventsOutputIsReadToo) {
  const audit::Result r = audit::audit({kDir + "lookup-events.json"}, {});
  EXPECT_EQ(r.records, 2u);
  EXPECT_EQ(r.launches, 2u);
  EXPECT_EQ(properties(r), std::vector<std::string>{"token-collision"});
}

// Records in any order, in any files: the same verdict and the same report.
TEST(AuditRead, TheOrderOfRecordsAndFilesDoesNotMatter) {
  TempDir t;
  std::ifstream in(kDir + "violations/eu-west-1.json");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("{\"eventVersion\"", 0) == 0) lines.push_back(line.back() == ',' ? line.substr(0, line.size() - 1) : line);
  ASSERT_EQ(lines.size(), 9u);
  std::reverse(lines.begin(), lines.end());
  // Split in two files, named so that the later records come first.
  for (int part = 0; part < 2; ++part) {
    std::ofstream o(t.path + "/" + (part ? "a.json" : "b.json"));
    o << "{\"Records\": [\n";
    bool first = true;
    for (size_t i = part ? 0 : 5; i < (part ? 5 : lines.size()); ++i) o << (first ? "" : ",\n") << lines[i], first = false;
    o << "\n]}\n";
  }
  fs::copy_file(kDir + "violations/eu-west-1-more.json.gz", t.path + "/c.json.gz");
  const std::string a = json_report(audit::audit({kDir + "violations"}, {}));
  const std::string b = json_report(audit::audit({t.path}, {}));
  EXPECT_EQ(a.substr(a.find("\"violations\"")), b.substr(b.find("\"violations\"")));
}

TEST(AuditRead, AMalformedFileIsAnErrorWithItsPlace) {
  const std::string cut = error_of({kDir + "malformed/cut-short.json"});
  EXPECT_NE(cut.find("cut-short.json:5:"), std::string::npos) << cut;
  EXPECT_NE(cut.find("not JSON"), std::string::npos) << cut;
  const std::string other = error_of({kDir + "malformed/not-cloudtrail.json"});
  EXPECT_NE(other.find("not-cloudtrail.json:1:1: not CloudTrail"), std::string::npos) << other;
  EXPECT_NE(error_of({kDir + "no-such-file.json"}).find("no such file"), std::string::npos);
  // A .gz cut short.
  TempDir t;
  std::ifstream gz(kDir + "violations/eu-west-1-more.json.gz", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(gz)), std::istreambuf_iterator<char>());
  std::ofstream(t.path + "/half.json.gz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const std::string half = error_of({t.path + "/half.json.gz"});
  EXPECT_NE(half.find("half.json.gz"), std::string::npos) << half;
  EXPECT_NE(half.find("cut short"), std::string::npos) << half;  // said as such, not as bad JSON
  // A number too large for a double (found by the fuzzer: it escaped as nlohmann's out_of_range),
  // in a file, in JSON Lines, and inside a lookup-events entry's CloudTrailEvent string.
  const std::string huge = "3e" + std::string(400, '3');
  std::ofstream(t.path + "/huge.json") << R"({"Records": [{"eventName": "RunInstances", "x": )" << huge << "}]}";
  const std::string in_file = error_of({t.path + "/huge.json"});
  EXPECT_NE(in_file.find("huge.json: not JSON: "), std::string::npos) << in_file;
  EXPECT_NE(in_file.find("number overflow"), std::string::npos) << in_file;
  EXPECT_LT(in_file.size(), 300u) << in_file;  // the number cut to its ends
  std::ofstream(t.path + "/huge.jsonl") << "{}\n{\"x\": " << huge << "}\n";
  const std::string in_lines = error_of({t.path + "/huge.jsonl"});
  EXPECT_NE(in_lines.find("huge.jsonl:2:1: not JSON: "), std::string::npos) << in_lines;
  std::ofstream(t.path + "/entry.json") << "{\"Events\": [{\"CloudTrailEvent\": \"{\\\"x\\\": " << huge << "}\"}]}";
  const audit::Result entry = audit::audit({t.path + "/entry.json"}, {});
  EXPECT_EQ(entry.unused.at("lookup-events entries whose CloudTrailEvent is not JSON"), 1u);
}

TEST(AuditRead, UserAgentsNameTheirSdk) {
  struct Case {
    const char* ua;
    const char* sdk;
    const char* version;
  };
  for (const Case& c : std::vector<Case>{
           {"aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off command/ec2.run-instances", "awscli", "2.9.19"},
           {"Boto3/1.29.7 md/Botocore#1.32.7 ua/2.0 os/windows#10 md/arch#amd64 lang/python#3.12.1 Botocore/1.32.7", "botocore", "1.32.7"},
           {"Boto3/1.17.101 Python/3.8.10 Linux/4.14.231 exec-env/AWS_Lambda_python3.8 Botocore/1.20.102", "botocore", "1.20.102"},
           {"aws-sdk-js/3.632.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#20.18.0 api/ec2#3.632.0", "js", "3.632.0"},
           {"aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.190.0", "go-v2", "1.32.3"},
           {"APN/1.0 HashiCorp/1.0 Terraform/1.11.4 (+https://www.terraform.io) terraform-provider-aws/5.98.0 "
            "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.36.3 ua/2.1 os/macos", "go-v2", "1.36.3"},
           {"aws-sdk-cpp/1.11.200 ua/2.0 os/Linux#6.1.0 lang/c++#C++11", "cpp", "1.11.200"},
           {"aws-sdk-go/1.44.157 (go1.19.3; darwin; arm64)", "", ""},
           {"autoscaling.amazonaws.com", "", ""},
           {"AWS Internal", "", ""},
       }) {
    const audit::Agent a = audit::parse_user_agent(c.ua);
    EXPECT_EQ(a.sdk, c.sdk) << c.ua;
    EXPECT_EQ(a.version, c.version) << c.ua;
  }
}

TEST(Calendar, UtcTimesReadAndWriteBack) {
  EXPECT_EQ(sim::parse_utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(sim::parse_utc("2026-01-01T00:00:00Z"), int64_t{1767225600} * 1000000);
  EXPECT_EQ(sim::parse_utc("2024-02-29T12:00:00.250Z"), *sim::parse_utc("2024-02-29T12:00:00Z") + 250000);
  EXPECT_EQ(sim::parse_utc("2021-11-18T09:41:02-08:00"), *sim::parse_utc("2021-11-18T17:41:02Z"));
  for (const char* bad : {"2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01 00:00:00", "yesterday", "",
                          "2026-01-01T00:00:00Zjunk", "2025-02-29T00:00:00Z"})
    EXPECT_FALSE(sim::parse_utc(bad).has_value()) << bad;
  for (int64_t us : {int64_t{0}, int64_t{1767225600} * 1000000 + 999999, int64_t{951782400} * 1000000, int64_t{-86400} * 1000000})
    EXPECT_EQ(*sim::parse_utc(sim::format_utc(us, false)), us - ((us % 1000000) + 1000000) % 1000000) << us;
  EXPECT_EQ(sim::format_utc(int64_t{1767225600} * 1000000 + 250000, true), "2026-01-01T00:00:00.250Z");
}

// ---- Shapes of real histories that must not be taken for violations, and some that must.
namespace {

struct Rec {
  std::string time = "2026-11-02T09:00:00Z";
  std::string name = "RunInstances";
  std::string arn = "arn:aws:sts::111122223333:assumed-role/ctl/s1";
  std::string role = "arn:aws:iam::111122223333:role/ctl";
  std::string agent = "aws-sdk-go-v2/1.48.0 os/linux";
  std::string id;            // eventID ("" draws one)
  std::string token;         // "" for none
  std::string request_rest;  // more request fields, JSON, each ending with a comma
  std::string error;         // errorCode
  std::string reservation = "r-0aaa";
  std::vector<std::string> instances{"i-0a1"};
  bool placement = true;
  bool with_image = true;
};

int serial = 0;

std::string json_of(const Rec& r) {
  std::ostringstream o;
  o << "{\"eventVersion\":\"1.09\",\"userIdentity\":{\"type\":\"AssumedRole\",\"arn\":\"" << r.arn
    << "\",\"accountId\":\"111122223333\",\"sessionContext\":{\"sessionIssuer\":{\"type\":\"Role\",\"arn\":\"" << r.role
    << "\"}}},\"eventTime\":\"" << r.time << "\",\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"" << r.name
    << "\",\"awsRegion\":\"us-east-1\",\"userAgent\":\"" << r.agent << "\",";
  if (!r.error.empty()) o << "\"errorCode\":\"" << r.error << "\",";
  if (r.name == "RunInstances") {
    o << "\"requestParameters\":{" << r.request_rest << "\"instancesSet\":{\"items\":[{"
      << (r.with_image ? "\"imageId\":\"ami-1\"," : "") << "\"minCount\":1,\"maxCount\":" << r.instances.size() << "}]}"
      << (r.with_image ? ",\"instanceType\":\"m5.large\"" : "") << (r.token.empty() ? "" : ",\"clientToken\":\"" + r.token + "\"")
      << "},";
    if (!r.error.empty()) {
      o << "\"responseElements\":null,";
    } else {
      o << "\"responseElements\":{\"reservationId\":\"" << r.reservation << "\",\"instancesSet\":{\"items\":[";
      for (size_t i = 0; i < r.instances.size(); ++i)
        o << (i ? "," : "") << "{\"instanceId\":\"" << r.instances[i] << "\",\"imageId\":\"ami-1\",\"instanceType\":\"m5.large\""
          << (r.placement ? ",\"placement\":{\"availabilityZone\":\"us-east-1a\"},\"subnetId\":\"subnet-1\"" : "") << "}";
      o << "]}},";
    }
  } else {
    o << "\"requestParameters\":{\"instancesSet\":{\"items\":[";
    for (size_t i = 0; i < r.instances.size(); ++i) o << (i ? "," : "") << "{\"instanceId\":\"" << r.instances[i] << "\"}";
    o << "]}},\"responseElements\":{\"instancesSet\":{\"items\":[";
    for (size_t i = 0; i < r.instances.size(); ++i) o << (i ? "," : "") << "{\"instanceId\":\"" << r.instances[i] << "\"}";
    o << "]}},";
  }
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", ++serial);
  o << "\"eventID\":\"" << (r.id.empty() ? std::string(id) : r.id) << "\",\"recipientAccountId\":\"111122223333\"}";
  return o.str();
}

std::string write_records(const TempDir& t, const std::string& name, const std::vector<Rec>& recs) {
  std::ofstream o(t.path + "/" + name);
  o << "{\"Records\":[";
  for (size_t i = 0; i < recs.size(); ++i) o << (i ? ",\n" : "\n") << json_of(recs[i]);
  o << "\n]}\n";
  return t.path + "/" + name;
}

Rec at(Rec r, const std::string& time) {
  r.time = time;
  return r;
}

}  // namespace

TEST(AuditShapes, ALaunchTemplateLeavesImageAndTypeToTheLaunch) {
  TempDir t;
  Rec r;
  r.with_image = false;
  r.token = "lt-1";
  r.request_rest = "\"launchTemplate\":{\"launchTemplateId\":\"lt-0abc\",\"version\":\"3\"},";
  const audit::Result res = audit::audit({write_records(t, "lt.json", {r, at(r, "2026-11-02T09:00:05Z")})}, {});
  EXPECT_TRUE(res.findings.empty()) << json_report(res);
}

TEST(AuditShapes, InstancesThatEndedWithoutATerminateInTheLog) {
  TempDir t;
  Rec r;
  r.token = "job-42";
  Rec later = at(r, "2026-11-02T12:00:00Z");
  later.error = "Client.IdempotentInstanceTerminated";
  const audit::Result res = audit::audit({write_records(t, "p.json", {r, later})}, {});
  EXPECT_TRUE(res.findings.empty()) << json_report(res);
  EXPECT_EQ(res.ended_outside, 1u);
}

TEST(AuditShapes, OnceTerminatedByTheServicesWordTheOriginalAnswerIsWrong) {
  TempDir t;
  Rec r;
  r.token = "job-7";
  Rec term;
  term.name = "TerminateInstances";
  term.time = "2026-11-02T09:10:00Z";
  Rec gone = at(r, "2026-11-02T09:15:00Z");
  gone.error = "Client.IdempotentInstanceTerminated";
  const Rec again = at(r, "2026-11-02T09:40:00Z");  // inside the default hour, after the service said gone
  EXPECT_TRUE(audit::audit({write_records(t, "a.json", {r, term, gone})}, {}).findings.empty());
  EXPECT_EQ(properties(audit::audit({write_records(t, "b.json", {r, term, gone, again})}, {})), std::vector<std::string>{"answers"});
}

TEST(AuditShapes, ARepeatMayListTheInstancesInAnyOrder) {
  TempDir t;
  Rec r;
  r.token = "two";
  r.instances = {"i-0a1", "i-0a2"};
  Rec again = at(r, "2026-11-02T09:00:03Z");
  again.instances = {"i-0a2", "i-0a1"};
  EXPECT_TRUE(audit::audit({write_records(t, "o.json", {r, again})}, {}).findings.empty());
  Rec part = again;
  part.instances = {"i-0a2"};  // a subset: not the same answer
  const audit::Result res = audit::audit({write_records(t, "s.json", {r, part})}, {});
  EXPECT_EQ(properties(res), std::vector<std::string>{"answers"});
  std::ostringstream md;
  reports::write_audit(md, res, reports::AuditFormat::md, "idemsim audit", false);
  EXPECT_EQ(md.str().find("i-00000000000000000"), std::string::npos) << md.str();
}

TEST(AuditShapes, AnAnswerThatDoesNotSayWhereIsNotJudgedForWhere) {
  TempDir t;
  Rec r;
  r.placement = false;
  r.request_rest = "\"availabilityZone\":\"us-east-1a\",";
  Rec second = r;
  second.reservation = "r-0bbb";
  second.instances = {"i-0b1"};
  second.time = "2026-11-02T10:00:00Z";
  second.placement = true;
  second.request_rest = "\"availabilityZone\":\"us-east-1a\",\"subnetId\":\"subnet-1\",";
  EXPECT_TRUE(audit::audit({write_records(t, "z.json", {r, second})}, {}).findings.empty());
}

TEST(AuditShapes, OneRecordReadTwiceCountsOnce) {
  TempDir t;
  Rec r;  // without a token: read twice it would be a launch answered with another's reservation
  const std::string f = write_records(t, "w.json", {r});
  fs::create_directories(t.path + "/copy");
  fs::copy_file(f, t.path + "/copy/w.json");
  const audit::Result res = audit::audit({f, t.path + "/copy", f}, {});
  EXPECT_TRUE(res.findings.empty()) << json_report(res);
  EXPECT_EQ(res.launches, 1u);
  EXPECT_EQ(res.unused.at("records read twice (the same eventID and content: counted once)"), 1u);
  EXPECT_EQ(res.records, 1u);
}

TEST(AuditShapes, TheOrderOfTheArgumentsChangesNothing) {
  TempDir t;
  Rec a;  // two launches without a token in one second, in two files
  Rec b = a;
  b.reservation = "r-0bbb";
  b.instances = {"i-0b1"};
  const std::string fa = write_records(t, "a.json", {a}), fb = write_records(t, "b.json", {b});
  EXPECT_EQ(json_report(audit::audit({fa, fb}, {})), json_report(audit::audit({fb, fa}, {})));
}

TEST(AuditShapes, ByRoleSessionsAreOneCallerForDuplicatesToo) {
  TempDir t;
  Rec a;
  Rec b = at(a, "2026-11-02T09:00:20Z");
  b.arn = "arn:aws:sts::111122223333:assumed-role/ctl/s2";
  b.reservation = "r-0bbb";
  b.instances = {"i-0b1"};
  const std::string f = write_records(t, "r.json", {a, b});
  EXPECT_TRUE(audit::audit({f}, {}).duplicates.empty());
  audit::Options role;
  role.by_role = true;
  EXPECT_EQ(audit::audit({f}, role).duplicates.size(), 1u);
}

TEST(AuditShapes, OddRecordsAreCountedNotCrashedOn) {
  TempDir t;
  std::ofstream(t.path + "/odd.json")
      << "{\"Records\":[1,\"x\",null,{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\","
         "\"eventTime\":\"2026-11-02T09:00:00Z\",\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"1\","
         "\"requestParameters\":\"oops\",\"responseElements\":null,\"errorCode\":\"Client.X\"},"
         "{\"eventSource\":\"ec2.amazonaws.com\",\"eventName\":\"RunInstances\",\"eventTime\":\"2026-11-02T09:00:00Z\","
         "\"awsRegion\":\"us-east-1\",\"recipientAccountId\":\"1\",\"requestParameters\":{\"instancesSet\":{\"items\":"
         "[{\"imageId\":\"ami-1\",\"minCount\":1,\"maxCount\":4294967297}]}},\"errorCode\":\"Client.X\"}]}";
  const audit::Result r = audit::audit({t.path + "/odd.json"}, {});
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(r.launches, 0u);
  EXPECT_EQ(r.unused.at("array elements that are not records (not JSON objects)"), 3u);
  EXPECT_EQ(r.unused.at("EC2 RunInstances whose requestParameters is not an object"), 1u);
  EXPECT_EQ(r.unused.at("EC2 RunInstances whose minCount or maxCount is not a count"), 1u);
}

TEST(AuditShapes, LookupEventsEntriesAloneAndDigestFilesInATree) {
  TempDir t;
  Rec r;
  std::string inner = json_of(r), escaped;
  for (char c : inner) escaped += c == '"' ? std::string("\\\"") : std::string(1, c);
  std::ofstream(t.path + "/events.jsonl") << "{\"EventId\":\"x\",\"CloudTrailEvent\":\"" << escaped << "\"}\n";
  fs::create_directories(t.path + "/AWSLogs/1/CloudTrail-Digest/us-east-1");
  std::ofstream(t.path + "/AWSLogs/1/CloudTrail-Digest/us-east-1/1_CloudTrail-Digest_us-east-1_x.json") << "{\"digest\": 1}";
  const audit::Result res = audit::audit({t.path}, {});
  EXPECT_EQ(res.launches, 1u);
  EXPECT_EQ(res.unused.count("files of CloudTrail-Digest (log file validation: not records)"), 1u);
}

TEST(AuditShapes, StrictMakesTheVerdictAFailureEverywhere) {
  TempDir t;
  Rec a;
  Rec b = at(a, "2026-11-02T09:00:20Z");
  b.reservation = "r-0bbb";
  b.instances = {"i-0b1"};
  const audit::Result r = audit::audit({write_records(t, "d.json", {a, b})}, {});
  ASSERT_EQ(r.duplicates.size(), 1u);
  for (auto f : {reports::AuditFormat::md, reports::AuditFormat::json, reports::AuditFormat::junit}) {
    std::ostringstream lax, strict;
    reports::write_audit(lax, r, f, "idemsim audit", false);
    reports::write_audit(strict, r, f, "idemsim audit", true);
    EXPECT_NE(lax.str(), strict.str());
    EXPECT_TRUE(strict.str().find("FAIL") != std::string::npos || strict.str().find("\"fail\"") != std::string::npos ||
                strict.str().find("failures=\"1\"") != std::string::npos)
        << strict.str();
  }
}

TEST(AuditShapes, ARecordReadTwiceCountsOnceWhateverItsKindButOtherContentIsKept) {
  TempDir t;
  Rec d;
  d.name = "TerminateInstances";  // a kind not judged alone: counted once too
  const std::string one = write_records(t, "one.json", {d});
  fs::create_directories(t.path + "/copy");
  fs::copy_file(one, t.path + "/copy/one.json");
  const audit::Result twice = audit::audit({t.path}, {});
  EXPECT_EQ(twice.records, 1u);
  EXPECT_EQ(twice.terminations, 1u);
  // The same eventID with another answer: both read, and said.
  Rec a;
  a.token = "same-id";
  a.id = "11111111-2222-4333-8444-555555555555";
  Rec b = a;
  b.reservation = "r-0bbb";
  b.instances = {"i-0b1"};
  TempDir u;
  const std::string fa = write_records(u, "a.json", {a}), fb = write_records(u, "b.json", {b});
  const audit::Result both = audit::audit({fa, fb}, {});
  EXPECT_EQ(both.launches, 2u);
  EXPECT_EQ(properties(both), (std::vector<std::string>{"answers", "token-instances"}));
  EXPECT_EQ(both.unused.at("records whose eventID was read before with other content (both judged: check the sources)"), 1u);
}

TEST(AuditShapes, AFileNamedIsJudgedAsNamedEvenInsideADirectoryGiven) {
  TempDir t;
  std::ofstream(t.path + "/package.json") << "{\"name\": \"not a trail\"}";
  std::ofstream(t.path + "/records.json") << "{\"Records\": \"oops\"}";
  EXPECT_NE(error_of({t.path + "/package.json", t.path}).find("package.json:1:1: not CloudTrail"), std::string::npos);
  EXPECT_NE(error_of({t.path + "/records.json"}).find("not CloudTrail"), std::string::npos);
  // Met in a directory, they are skipped and counted, and take nothing with them.
  Rec r;
  write_records(t, "good.json", {r});
  const audit::Result res = audit::audit({t.path}, {});
  EXPECT_EQ(res.files, 1u);
  EXPECT_EQ(res.launches, 1u);
}
