#include "reports/cloudtrail.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/oracle/ledger.h"
#include "sim/calendar.h"

namespace idem::reports {

using model::Api;
using model::Code;
using model::kNone;
using model::Obs;
using nlohmann::ordered_json;

std::string cloudtrail_account_id(const harness::Scenario& s, uint32_t account) {
  const std::string& name = s.service.accounts.at(account);
  if (name.size() == 12 && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return name;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012" PRIu64, uint64_t{123456789012} + account);
  return buf;
}

std::string cloudtrail_user_agent(const harness::ClientGroup& g) {
  const std::string& sdk = g.spec.retry.sdk;  // "go-v2 1.48.0"
  const size_t space = sdk.find(' ');
  if (!sdk.empty() && space != std::string::npos) {
    const std::string name = sdk.substr(0, space), v = sdk.substr(space + 1);
    if (name == "awscli")
      return "aws-cli/" + v + " md/awscrt#0.16.9 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.6 "
             "md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe command/ec2.run-instances";
    if (name == "botocore") return "Boto3/1.34.0 md/Botocore#" + v + " ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.6";
    if (name == "js") return "aws-sdk-js/" + v + " ua/2.1 os/linux#6.1.0 lang/js md/nodejs#20.11.0 api/ec2#" + v;
    if (name == "go-v2") return "aws-sdk-go-v2/" + v + " ua/2.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.160.0";
    if (name == "cpp") return "aws-sdk-cpp/" + v + " ua/2.0 os/Linux#6.1.0 lang/c++#C++11";
  }
  return "idemsim/1 (" + g.spec.group + "; retry " + std::string(model::policy_name(g.spec.retry.kind)) + ")";
}

namespace {

// A UUID-shaped id, the same for the same run and request.
std::string uuid_of(uint64_t seed, uint64_t n, uint64_t salt) {
  uint64_t h = model::hash_mix(model::hash_mix(model::hash_mix(0x6a09e667f3bcc909ULL, seed), n), salt);
  const uint64_t h2 = model::hash_mix(h, 0xbb67ae8584caa73bULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-a%03" PRIx64 "-%012" PRIx64, h >> 32,
                (h >> 16) & 0xffff, h & 0xfff, (h2 >> 48) & 0xfff, static_cast<uint64_t>(h2 & 0xffffffffffffULL));
  return buf;
}

struct Export {
  bool logged = false;
  int64_t at = 0;        // when the service decided it (or took it in)
  size_t order = 0;      // the log record that decided it
  bool answered = false;
  model::Response answer;  // the service's own answer
};

std::string error_prefix(Code c) { return model::code_status(c) >= 500 ? "Server." : "Client."; }

std::string error_message(Code c) {
  switch (c) {
    case Code::IdempotentParameterMismatch:
      return "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).";
    case Code::IdempotentInstanceTerminated:
      return "The client token you have provided is associated with a resource that is already deleted. Please use a different client token.";
    case Code::InvalidParameterValue: return "Value for parameter clientToken is invalid.";
    case Code::RequestLimitExceeded: return "Request limit exceeded.";
    case Code::InsufficientInstanceCapacity: return "We currently do not have sufficient capacity in the Availability Zone you requested.";
    default: return std::string(model::code_name(c));
  }
}

// One instance's state as an EC2 answer names it.
ordered_json state(int code, const char* name) {
  ordered_json j;
  j["code"] = code;
  j["name"] = name;
  return j;
}

class Writer {
 public:
  Writer(const harness::Scenario& s, const model::RunLog& log, uint64_t seed)
      : s_(s), log_(log), l_(model::index_log(log)), seed_(seed) {}

  void write(std::ostream& out) {
    std::vector<Export> ex(l_.attempts.size());
    const auto& recs = log_.records();
    for (size_t i = 0; i < recs.size(); ++i) {
      const model::Record& r = recs[i];
      auto take = [&](uint32_t a) {
        if (a >= ex.size() || ex[a].logged) return;
        ex[a].logged = true, ex[a].at = r.at, ex[a].order = i;
      };
      auto answer = [&](uint32_t a, const model::Response& resp) {
        if (a >= ex.size() || ex[a].answered) return;
        ex[a].answered = true, ex[a].answer = resp;
      };
      switch (r.kind) {
        case Obs::admitted:
        case Obs::described:
        case Obs::terminated:
        case Obs::throttled:
        case Obs::transient:
        case Obs::store_down: take(r.subject); break;
        case Obs::storm_after:
          answer(r.subject, model::Response{static_cast<Code>(r.a), r.b, r.c, r.d});
          break;
        case Obs::lost_response:
        case Obs::reset_after:
        case Obs::delivered: answer(r.subject, r.response()); break;
        default: break;
      }
    }
    // The records: each request logged, and each cleanup job's TerminateInstances (the instances
    // one sweep of one job terminated, in one call).
    struct Entry {
      int64_t at;
      size_t order;
      uint32_t attempt;               // kNone for a cleanup job's call
      uint32_t reaper = 0;
      std::vector<uint32_t> reaped;   // its instances
    };
    std::vector<Entry> entries;
    for (uint32_t a = 0; a < ex.size(); ++a)
      if (ex[a].logged && ex[a].answered) entries.push_back({ex[a].at, ex[a].order, a, 0, {}});
    for (size_t i = 0; i < recs.size(); ++i) {
      const model::Record& r = recs[i];
      if (r.kind != Obs::reaped) continue;
      if (!entries.empty() && entries.back().attempt == kNone && entries.back().at == r.at && entries.back().reaper == r.subject)
        entries.back().reaped.push_back(r.a);
      else
        entries.push_back({r.at, i, kNone, r.subject, {r.a}});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
      return x.at != y.at ? x.at < y.at : x.order < y.order;
    });
    out << "{\"Records\": [";
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      out << (i ? ",\n" : "\n");
      const ordered_json j = e.attempt != kNone ? record(e.attempt, ex[e.attempt]) : reap(e.at, e.reaper, e.reaped, i);
      out << j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
    }
    out << "\n]}\n";
  }

 private:
  const harness::Scenario& s_;
  const model::RunLog& log_;
  const model::Ledger l_;
  const uint64_t seed_;

  std::string name(uint32_t id) const { return id == kNone ? std::string() : log_.name_of(id); }

  ordered_json identity(uint32_t client) const {
    const model::Ledger::Client& c = l_.clients[client];
    const std::string account = cloudtrail_account_id(s_, c.account);
    // Groups that name one `intent` are one program's repeats (client i of each is the same
    // caller): they sign as the first such group's role and session.
    const std::string group = s_.clients.at(c.intent_group).spec.group;
    const std::string role = "idemsim-" + group;
    const std::string session = group + "-" + std::to_string(c.index);
    ordered_json j;
    j["type"] = "AssumedRole";
    j["principalId"] = "AROAIDEMSIM" + std::to_string(c.intent_group) + ":" + session;
    j["arn"] = "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session;
    j["accountId"] = account;
    j["accessKeyId"] = "ASIAIDEMSIM" + std::to_string(client);
    ordered_json issuer;
    issuer["type"] = "Role";
    issuer["principalId"] = "AROAIDEMSIM" + std::to_string(c.intent_group);
    issuer["arn"] = "arn:aws:iam::" + account + ":role/" + role;
    issuer["accountId"] = account;
    issuer["userName"] = role;
    j["sessionContext"]["sessionIssuer"] = issuer;
    j["sessionContext"]["attributes"]["creationDate"] = sim::format_utc(kCloudTrailEpochUs, false);
    j["sessionContext"]["attributes"]["mfaAuthenticated"] = "false";
    return j;
  }

  // The instance `id` as a RunInstances answer lists it.
  ordered_json instance(uint32_t id, uint32_t index) const {
    ordered_json j;
    j["instanceId"] = model::instance_name(id);
    const uint32_t res = id >= 1 && id <= l_.reservation_of.size() ? l_.reservation_of[id - 1] : 0;
    const model::Ledger::Launch* launch = res ? &l_.launches[res - 1] : nullptr;
    const model::LaunchParams* p =
        launch && launch->params != kNone ? &log_.params_of(launch->params)
        : launch                          ? &l_.params_of(launch->attempt)
                                          : nullptr;
    j["imageId"] = p ? p->image : std::string();
    j["instanceState"] = state(0, "pending");
    j["privateDnsName"] = "";
    if (p && !p->key.empty()) j["keyName"] = p->key;
    j["amiLaunchIndex"] = index;
    j["productCodes"] = ordered_json::object();
    j["instanceType"] = p ? p->type : std::string();
    j["launchTime"] = launch ? (kCloudTrailEpochUs + launch->at.us) / 1000 : 0;
    ordered_json placement;
    placement["availabilityZone"] = launch ? name(launch->zone) : std::string();
    placement["tenancy"] = "default";
    j["placement"] = placement;
    j["monitoring"]["state"] = "disabled";
    if (launch && launch->subnet != kNone) j["subnetId"] = name(launch->subnet);
    if (launch) {
      const model::Ledger::Attempt& by = l_.attempts[launch->attempt];
      if (by.has_token()) j["clientToken"] = log_.token_of(by.token).str();
    }
    return j;
  }

  // A cleanup job's TerminateInstances of `ids` (in the Region and account of the first).
  ordered_json reap(int64_t at, uint32_t reaper, const std::vector<uint32_t>& ids, size_t n) const {
    uint32_t region = 0, account = 0;
    if (!ids.empty() && ids.front() >= 1 && ids.front() <= l_.reservation_of.size() && l_.reservation_of[ids.front() - 1]) {
      const model::Ledger::Launch& launch = l_.launches[l_.reservation_of[ids.front() - 1] - 1];
      region = l_.region_of(launch.attempt);
      account = l_.account_of(launch.attempt);
    }
    const std::string acct = cloudtrail_account_id(s_, account);
    const std::string role = "idemsim-reaper", session = "reaper-" + std::to_string(reaper);
    ordered_json who;
    who["type"] = "AssumedRole";
    who["principalId"] = "AROAIDEMSIMREAPER:" + session;
    who["arn"] = "arn:aws:sts::" + acct + ":assumed-role/" + role + "/" + session;
    who["accountId"] = acct;
    who["sessionContext"]["sessionIssuer"] = {{"type", "Role"}, {"principalId", "AROAIDEMSIMREAPER"},
                                              {"arn", "arn:aws:iam::" + acct + ":role/" + role}, {"accountId", acct},
                                              {"userName", role}};
    ordered_json j;
    j["eventVersion"] = "1.09";
    j["userIdentity"] = who;
    j["eventTime"] = sim::format_utc(kCloudTrailEpochUs + at, false);
    j["eventSource"] = "ec2.amazonaws.com";
    j["eventName"] = "TerminateInstances";
    j["awsRegion"] = s_.service.regions.at(region).name;
    j["sourceIPAddress"] = "10.255.0." + std::to_string(reaper % 256);
    j["userAgent"] = "idemsim-reaper/1 (cleanup job " + std::to_string(reaper) + ")";
    ordered_json asked = ordered_json::array(), done = ordered_json::array();
    for (uint32_t id : ids) {
      asked.push_back({{"instanceId", model::instance_name(id)}});
      done.push_back({{"instanceId", model::instance_name(id)}, {"currentState", state(32, "shutting-down")},
                      {"previousState", state(16, "running")}});
    }
    j["requestParameters"]["instancesSet"]["items"] = asked;
    const std::string request_id = uuid_of(seed_, n, 3);
    j["responseElements"]["requestId"] = request_id;
    j["responseElements"]["instancesSet"]["items"] = done;
    j["requestID"] = request_id;
    j["eventID"] = uuid_of(seed_, n, 4);
    j["readOnly"] = false;
    j["eventType"] = "AwsApiCall";
    j["managementEvent"] = true;
    j["recipientAccountId"] = acct;
    j["eventCategory"] = "Management";
    return j;
  }

  ordered_json record(uint32_t a, const Export& e) const {
    const model::Ledger::Attempt& at = l_.attempts[a];
    const model::Ledger::Call& call = l_.calls[at.call];
    const model::Ledger::Client& c = l_.clients[call.client];
    const std::string account = cloudtrail_account_id(s_, c.account);
    const Code code = e.answer.code;
    ordered_json j;
    j["eventVersion"] = "1.09";
    j["userIdentity"] = identity(call.client);
    j["eventTime"] = sim::format_utc(kCloudTrailEpochUs + e.at, false);
    j["eventSource"] = "ec2.amazonaws.com";
    j["eventName"] = call.api == Api::run ? "RunInstances" : call.api == Api::terminate ? "TerminateInstances" : "DescribeInstances";
    j["awsRegion"] = s_.service.regions.at(c.region).name;
    j["sourceIPAddress"] = "10.0." + std::to_string(c.group % 256) + "." + std::to_string(c.index % 256);
    j["userAgent"] = cloudtrail_user_agent(s_.clients.at(c.group));
    if (!e.answer.ok()) {
      j["errorCode"] = error_prefix(code) + std::string(model::code_name(code));
      j["errorMessage"] = error_message(code);
    }
    ordered_json req;
    const std::string request_id = uuid_of(seed_, a, 1);
    if (call.api == Api::run) {
      const model::LaunchParams& p = l_.params(call.params);
      ordered_json item;
      item["imageId"] = p.image;
      item["minCount"] = p.min;
      item["maxCount"] = p.max;
      if (!p.key.empty()) item["keyName"] = p.key;
      req["instancesSet"]["items"] = ordered_json::array({item});
      req["instanceType"] = p.type;
      req["blockDeviceMapping"] = ordered_json::object();
      if (!p.zone.empty()) req["availabilityZone"] = p.zone;
      req["monitoring"]["enabled"] = false;
      req["disableApiTermination"] = false;
      req["disableApiStop"] = false;
      if (!p.subnet.empty()) req["subnetId"] = p.subnet;
      if (at.has_token()) req["clientToken"] = log_.token_of(at.token).str();
      j["requestParameters"] = req;
      if (e.answer.ok()) {
        ordered_json resp;
        resp["requestId"] = request_id;
        resp["reservationId"] = model::reservation_name(e.answer.reservation);
        resp["ownerId"] = account;
        resp["groupSet"] = ordered_json::object();
        ordered_json items = ordered_json::array();
        for (uint32_t i = 0; i < e.answer.count; ++i) items.push_back(instance(e.answer.first_instance + i, i));
        resp["instancesSet"]["items"] = items;
        resp["requesterId"] = nullptr;
        j["responseElements"] = resp;
      } else {
        j["responseElements"] = nullptr;
      }
    } else if (call.api == Api::terminate) {
      ordered_json items = ordered_json::array();
      for (uint32_t id : call.ids) items.push_back({{"instanceId", model::instance_name(id)}});
      req["instancesSet"]["items"] = items;
      j["requestParameters"] = req;
      if (e.answer.ok()) {
        ordered_json resp;
        resp["requestId"] = request_id;
        ordered_json done = ordered_json::array();
        for (uint32_t id : call.ids) {
          ordered_json i;
          i["instanceId"] = model::instance_name(id);
          i["currentState"] = state(32, "shutting-down");
          i["previousState"] = state(16, "running");
          done.push_back(i);
        }
        resp["instancesSet"]["items"] = done;
        j["responseElements"] = resp;
      } else {
        j["responseElements"] = nullptr;
      }
    } else {
      req["instancesSet"] = ordered_json::object();
      if (call.token != kNone) {
        ordered_json value;
        value["value"] = log_.token_of(call.token).str();
        ordered_json filter;
        filter["name"] = "client-token";
        filter["valueSet"]["items"] = ordered_json::array({value});
        req["filterSet"]["items"] = ordered_json::array({filter});
      } else {
        req["filterSet"] = ordered_json::object();
      }
      j["requestParameters"] = req;
      j["responseElements"] = nullptr;
    }
    j["requestID"] = request_id;
    j["eventID"] = uuid_of(seed_, a, 2);
    j["readOnly"] = call.api == Api::describe;
    j["eventType"] = "AwsApiCall";
    j["managementEvent"] = true;
    j["recipientAccountId"] = account;
    j["eventCategory"] = "Management";
    return j;
  }
};

}  // namespace

void write_cloudtrail(std::ostream& out, const harness::Scenario& s, const model::RunLog& log, uint64_t seed) {
  Writer(s, log, seed).write(out);
}

}  // namespace idem::reports
