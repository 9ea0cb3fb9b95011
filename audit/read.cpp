#include "audit/read.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <istream>
#include <streambuf>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "sim/calendar.h"

namespace idem::audit {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A file through zlib: gzip is read decompressed, anything else as it is.
class GzBuf : public std::streambuf {
 public:
  explicit GzBuf(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) throw InputError(path + ": cannot open it");
    gzbuffer(f_, 1 << 17);
  }
  ~GzBuf() override {
    if (f_) gzclose(f_);
  }
  GzBuf(const GzBuf&) = delete;
  GzBuf& operator=(const GzBuf&) = delete;

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const int n = gzread(f_, buf_, sizeof buf_);
    if (n < 0) {
      int err = 0;
      const char* what = gzerror(f_, &err);
      throw InputError(path_ + ": cannot read it: " + (what ? what : "a zlib error") +
                       " (a .gz file cut short or damaged: fetch it again)");
    }
    if (n == 0) {
      // The end: of the data, or of a gzip stream cut short.
      int err = 0;
      gzerror(f_, &err);
      if (err == Z_BUF_ERROR)
        throw InputError(path_ + ": cannot read it: a gzip stream cut short (the .gz file is incomplete; fetch it again)");
      return traits_type::eof();
    }
    setg(buf_, buf_, buf_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::string path_;
  gzFile f_;
  char buf_[1 << 16];
};

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
bool json_lines(const std::string& path) {
  return ends_with(path, ".jsonl") || ends_with(path, ".jsonl.gz") || ends_with(path, ".ndjson") ||
         ends_with(path, ".ndjson.gz");
}
bool trail_file(const std::string& path) {
  return ends_with(path, ".json") || ends_with(path, ".json.gz") || json_lines(path);
}

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}
std::string text(const json& j, const char* key) {
  const json* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}
// A number as CloudTrail writes it (a number, or sometimes a string of digits).
std::optional<int64_t> number(const json& j, const char* key) {
  const json* m = member(j, key);
  if (!m) return std::nullopt;
  if (m->is_number_integer()) return m->get<int64_t>();
  if (m->is_number_float()) return static_cast<int64_t>(m->get<double>());
  if (m->is_string()) {
    const std::string s = m->get<std::string>();
    if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    return std::stoll(s);
  }
  return std::nullopt;
}
// `{"items": [...]}` as EC2's records wrap a list; an empty list is logged as `{}`.
const json* items(const json& j, const char* key) {
  const json* m = member(j, key);
  if (!m) return nullptr;
  const json* it = member(*m, "items");
  return it && it->is_array() ? it : nullptr;
}

uint64_t fnv(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

}  // namespace

class RecordSink {
 public:
  RecordSink(Reader& r, uint32_t file) : r_(r), file_(file) {}

  void take(const json& rec) {
    ++r_.records;
    const uint32_t pos = pos_++;
    const std::string source = text(rec, "eventSource");
    const std::string name = text(rec, "eventName");
    if (source.empty() || name.empty()) {
      ++r_.unused["records without eventSource or eventName (not CloudTrail events)"];
      return;
    }
    if (source != "ec2.amazonaws.com") {
      ++r_.unused["other services: " + source];
      return;
    }
    const bool run = name == "RunInstances", terminate = name == "TerminateInstances";
    const std::optional<int64_t> at = sim::parse_utc(text(rec, "eventTime"));
    if (!at) {
      ++r_.unused["EC2 records whose eventTime is not a UTC time"];
      return;
    }
    const json* who = member(rec, "userIdentity");
    std::string principal = who ? text(*who, "arn") : std::string();
    std::string role = principal;
    if (who) {
      if (const json* ctx = member(*who, "sessionContext"))
        if (const json* issuer = member(*ctx, "sessionIssuer"))
          if (!text(*issuer, "arn").empty()) role = text(*issuer, "arn");
      if (principal.empty()) principal = text(*who, "invokedBy");
      if (principal.empty()) principal = text(*who, "type");
      if (role.empty()) role = principal;
    }
    if (principal.empty()) principal = role = "(no userIdentity)";
    const std::string agent = text(rec, "userAgent");
    if (name == "DescribeInstances") {
      ++r_.describes;
      ++r_.describes_by[{r_.names.id(principal), r_.names.id(role), r_.names.id(agent.empty() ? "(no userAgent)" : agent)}];
      ++r_.unused["EC2 DescribeInstances: read-only, CloudTrail logs no answer (counted per caller, not judged)"];
      return;
    }
    if (!run && !terminate) {
      ++r_.unused["EC2 " + name + " (not a launch or a termination)"];
      return;
    }
    Event e;
    e.at_us = *at;
    e.file = file_;
    e.pos = pos;
    e.call = run ? Call::run : Call::terminate;
    const std::string region = text(rec, "awsRegion");
    std::string account = text(rec, "recipientAccountId");
    if (account.empty() && who) account = text(*who, "accountId");
    if (region.empty() || account.empty()) {
      ++r_.unused["EC2 " + name + " without awsRegion or an account"];
      return;
    }
    e.region = r_.names.id(region);
    e.account = r_.names.id(account);
    e.principal = r_.names.id(principal);
    e.role = r_.names.id(role);
    e.agent = r_.names.id(agent.empty() ? "(no userAgent)" : agent);
    e.event_id = r_.names.id(text(rec, "eventID"));
    const std::string error = text(rec, "errorCode");
    const json* resp = member(rec, "responseElements");
    const json* req = member(rec, "requestParameters");
    if (!error.empty()) {
      e.error = r_.names.id(error);
      std::string bare = error;
      bool server = false;
      if (bare.rfind("Client.", 0) == 0) bare = bare.substr(7);
      else if (bare.rfind("Server.", 0) == 0) bare = bare.substr(7), server = true;
      if (!model::parse_code(bare, e.code) || e.code == model::Code::Ok) {
        e.code = model::Code::Ok;
        e.other = true;
        e.server = server;
      }
    } else if (!resp) {
      ++r_.unused["EC2 " + name + " with neither responseElements nor errorCode"];
      return;
    }
    if (run) {
      if (!req) {
        ++r_.unused["EC2 RunInstances without requestParameters"];
        return;
      }
      model::LaunchParams p;
      const json* asked = items(*req, "instancesSet");
      if (asked && !asked->empty()) {
        const json& item = (*asked)[0];
        p.image = text(item, "imageId");
        p.min = static_cast<int32_t>(number(item, "minCount").value_or(1));
        p.max = static_cast<int32_t>(number(item, "maxCount").value_or(p.min));
        p.key = text(item, "keyName");
      }
      p.type = text(*req, "instanceType");
      p.zone = text(*req, "availabilityZone");
      if (p.zone.empty())
        if (const json* placement = member(*req, "placement")) p.zone = text(*placement, "availabilityZone");
      p.subnet = text(*req, "subnetId");
      if (p.subnet.empty())
        if (const json* nics = items(*req, "networkInterfaceSet"); nics && !nics->empty())
          p.subnet = text((*nics)[0], "subnetId");
      if (p.image.empty()) p.image = "(no imageId)";  // a launch template's; compared as logged
      if (p.type.empty()) p.type = "(no instanceType)";
      // Every other parameter, compared as a whole (rule 3: any other parameter differs).
      json rest = *req;
      for (const char* k : {"clientToken", "availabilityZone", "subnetId", "instanceType"}) rest.erase(k);
      if (rest.contains("placement") && rest["placement"].is_object()) rest["placement"].erase("availabilityZone");
      if (rest.contains("instancesSet")) rest.erase("instancesSet");
      if (!rest.empty()) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv(rest.dump())));
        p.key += p.key.empty() ? std::string("params#") + buf : std::string(" params#") + buf;
      }
      std::string key = p.image + '\x1f' + p.type + '\x1f' + p.key + '\x1f' + p.zone + '\x1f' + p.subnet + '\x1f' +
                        std::to_string(p.min) + '\x1f' + std::to_string(p.max);
      auto [it, fresh] = r_.param_ids.try_emplace(std::move(key), static_cast<uint32_t>(r_.params.size()));
      if (fresh) r_.params.push_back(p);
      e.params = it->second;
      if (const json* t = member(*req, "clientToken"); t && t->is_string()) e.token = r_.tokens.id(t->get<std::string>());
      if (resp && error.empty()) {
        const std::string res = text(*resp, "reservationId");
        const json* got = items(*resp, "instancesSet");
        if (res.empty() || !got) {
          ++r_.unused["EC2 RunInstances answered without a reservationId or instancesSet"];
          return;
        }
        e.reservation = r_.reservations.id(res);
        e.first = static_cast<uint32_t>(r_.listed.size());
        for (const json& i : *got) {
          Listed x;
          const std::string id = text(i, "instanceId");
          if (id.empty()) continue;
          x.id = r_.instances.id(id);
          if (const json* placement = member(i, "placement")) {
            const std::string z = text(*placement, "availabilityZone");
            if (!z.empty()) x.zone = r_.names.id(z);
          }
          if (const std::string s = text(i, "subnetId"); !s.empty()) x.subnet = r_.names.id(s);
          if (const std::string s = text(i, "imageId"); !s.empty()) x.image = r_.names.id(s);
          if (const std::string s = text(i, "instanceType"); !s.empty()) x.type = r_.names.id(s);
          x.launch_ms = number(i, "launchTime").value_or(0);
          if (x.launch_ms == 0)
            if (auto t = sim::parse_utc(text(i, "launchTime"))) x.launch_ms = *t / 1000;
          r_.listed.push_back(x);
        }
        e.count = static_cast<uint32_t>(r_.listed.size()) - e.first;
      }
    } else {
      // The instances it asked for; with a 200, those its answer names.
      const json* named = resp && error.empty() ? items(*resp, "instancesSet") : nullptr;
      if (!named && req) named = items(*req, "instancesSet");
      e.first = static_cast<uint32_t>(r_.listed.size());
      if (named)
        for (const json& i : *named) {
          const std::string id = text(i, "instanceId");
          if (id.empty()) continue;
          Listed x;
          x.id = r_.instances.id(id);
          r_.listed.push_back(x);
        }
      e.count = static_cast<uint32_t>(r_.listed.size()) - e.first;
    }
    r_.events.push_back(e);
  }

 private:
  Reader& r_;
  uint32_t file_;
  uint32_t pos_ = 0;
};

namespace {

// "FILE:LINE:COLUMN: what" from nlohmann's "[json.exception.parse_error.101] parse error at line 3,
// column 5: syntax error while parsing ...".
std::string positioned(const std::string& path, const std::string& what, size_t line_offset = 0) {
  const size_t at = what.find("at line ");
  if (at != std::string::npos) {
    size_t line = 0, column = 0;
    if (std::sscanf(what.c_str() + at, "at line %zu, column %zu", &line, &column) == 2) {
      const size_t colon = what.find(": ", at);
      const std::string rest = colon == std::string::npos ? what : what.substr(colon + 2);
      return path + ":" + std::to_string(line + line_offset) + ":" + std::to_string(column) + ": not JSON: " + rest;
    }
  }
  return path + ": not JSON: " + what;
}

}  // namespace

void Reader::read_path(const std::string& path, bool named) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw InputError(path + ": no such file or directory");
  if (fs::is_directory(st)) {
    std::vector<std::string> inside;
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec))
      if (it->is_regular_file()) inside.push_back(it->path().string());
    if (ec) throw InputError(path + ": cannot list it: " + ec.message());
    std::sort(inside.begin(), inside.end());
    for (const std::string& f : inside) {
      if (trail_file(f)) read_path(f, false);
      else ++unused["files in a directory that are not .json, .json.gz, .jsonl or .jsonl.gz (not read)"];
    }
    return;
  }
  (void)named;
  const uint32_t file = static_cast<uint32_t>(files.size());
  files.push_back(path);
  GzBuf buf(path);
  std::istream in(&buf);
  RecordSink sink(*this, file);
  if (json_lines(path)) {
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        sink.take(json::parse(line));
      } catch (const json::parse_error& e) {
        throw InputError(positioned(path, e.what(), n - 1));
      }
    }
    return;
  }
  // Records at depth 2 under "Records" or "Events" (an object), or at depth 1 (an array), are
  // handed over as each ends and dropped: one record in memory at a time.
  std::string key;  // the top-level key being read
  bool top_array = false, top_seen = false;
  uint64_t taken = 0;
  const auto cb = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    if (depth == 0 && !top_seen && (ev == json::parse_event_t::array_start || ev == json::parse_event_t::object_start)) {
      top_seen = true;
      top_array = ev == json::parse_event_t::array_start;
    }
    if (ev == json::parse_event_t::key && depth == 1 && !top_array) key = parsed.get<std::string>();
    if (ev != json::parse_event_t::object_end) return true;
    if (top_array && depth == 1) {
      sink.take(parsed);
      ++taken;
      return false;
    }
    if (!top_array && depth == 2 && (key == "Records" || key == "Events")) {
      ++taken;
      if (key == "Records") {
        sink.take(parsed);
      } else if (const json* s = member(parsed, "CloudTrailEvent"); s && s->is_string()) {
        try {
          sink.take(json::parse(s->get<std::string>()));
        } catch (const json::parse_error& e) {
          throw InputError(path + ": an Events[] entry's CloudTrailEvent is not JSON: " + e.what());
        }
      } else {
        ++unused["lookup-events entries without a CloudTrailEvent string"];
      }
      return false;
    }
    return true;
  };
  json top;
  try {
    top = json::parse(in, cb);
  } catch (const json::parse_error& e) {
    throw InputError(positioned(path, e.what()));
  }
  if (taken == 0) {
    if (top.is_object() && top.contains("eventName")) {
      sink.take(top);  // one record alone
    } else if (top.is_object() && (top.contains("Records") || top.contains("Events"))) {
      // an empty file of records: nothing to take
    } else {
      throw InputError(path + ":1:1: not CloudTrail: expected {\"Records\": [...]} (a log file as delivered), "
                              "{\"Events\": [...]} (aws cloudtrail lookup-events), an array of records, or JSON Lines "
                              "(.jsonl)");
    }
  }
}

}  // namespace idem::audit
