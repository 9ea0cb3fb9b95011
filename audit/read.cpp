#include "audit/read.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <istream>
#include <streambuf>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "audit/audit.h"
#include "sim/calendar.h"

namespace idem::audit {

namespace fs = std::filesystem;
using nlohmann::json;

const char* const kFromTemplate = "(launch template)";

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
  // Whether the file was read as it is (not gzip).
  bool plain() const { return gzdirect(f_) == 1; }
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
// A count as CloudTrail writes it (a number, or sometimes a string of digits): nothing when it is
// not a whole number from 0 to 2^31 - 1.
std::optional<int64_t> number(const json& j, const char* key) {
  const json* m = member(j, key);
  if (!m) return std::nullopt;
  int64_t v = -1;
  if (m->is_number_unsigned()) v = m->get<uint64_t>() > INT32_MAX ? -1 : static_cast<int64_t>(m->get<uint64_t>());
  else if (m->is_number_integer()) v = m->get<int64_t>();
  else if (m->is_number_float()) {
    const double d = m->get<double>();
    v = d >= 0 && d <= INT32_MAX && d == static_cast<double>(static_cast<int64_t>(d)) ? static_cast<int64_t>(d) : -1;
  } else if (m->is_string()) {
    const std::string s = m->get<std::string>();
    if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    v = std::stoll(s);
  }
  if (v < 0 || v > INT32_MAX) return std::nullopt;
  return v;
}
// A launch time: epoch milliseconds (a number), or a UTC time as text.
int64_t launch_ms(const json& j) {
  const json* m = member(j, "launchTime");
  if (!m) return 0;
  if (m->is_number_integer() || m->is_number_unsigned()) return m->get<int64_t>();
  if (m->is_string())
    if (auto t = sim::parse_utc(m->get<std::string>())) return *t / 1000;
  return 0;
}

// A UUID ("5b0c2f8e-0000-4000-8000-000000000001", either case) as 128 bits.
bool uuid_bits(const std::string& s, uint64_t& hi, uint64_t& lo) {
  if (s.size() != 36) return false;
  hi = lo = 0;
  int n = 0;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
      continue;
    }
    char c = s[i];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    (n < 16 ? hi : lo) = ((n < 16 ? hi : lo) << 4) | static_cast<uint64_t>(v);
    ++n;
  }
  return true;
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

uint32_t Strings::id(std::string_view s) {
  if (auto it = ids_.find(s); it != ids_.end()) return it->second;
  if (s.size() > left_ || blocks_.empty()) {
    const size_t size = std::max<size_t>(s.size(), size_t{1} << 20);
    blocks_.push_back(std::make_unique<char[]>(size));
    next_ = blocks_.back().get();
    left_ = size;
  }
  if (!s.empty()) std::memcpy(next_, s.data(), s.size());
  const std::string_view kept(next_, s.size());
  next_ += s.size();
  left_ -= s.size();
  const uint32_t id = static_cast<uint32_t>(views_.size());
  views_.push_back(kept);
  ids_.emplace(kept, id);
  return id;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

uint32_t Ids::id(std::string_view s) {
  Key k;
  const size_t dash = s.find('-');
  bool packed = dash >= 1 && dash <= 3 && dash != std::string_view::npos && s.size() - dash - 1 >= 1 && s.size() - dash - 1 <= 24;
  if (packed) {
    uint64_t prefix = 0;
    for (size_t i = 0; i < dash; ++i) {
      if (s[i] < 'a' || s[i] > 'z') packed = false;
      prefix = prefix << 8 | static_cast<unsigned char>(s[i]);
    }
    uint64_t top = 0, low = 0;  // the digits' value: 96 bits at most
    for (size_t i = dash + 1; packed && i < s.size(); ++i) {
      const int v = hex_value(s[i]);
      if (v < 0) packed = false;
      top = top << 4 | low >> 60;
      low = low << 4 | static_cast<uint64_t>(v);
    }
    // hi: a mark bit, the digits' count, the prefix, the top 32 bits of the value.
    k.hi = 1ULL << 63 | static_cast<uint64_t>(s.size() - dash - 1) << 56 | prefix << 32 | (top & 0xffffffffULL);
    k.lo = low;
  }
  if (!packed) k = Key{0, text_.id(s)};
  auto [it, fresh] = ids_.try_emplace(k, static_cast<uint32_t>(keys_.size()));
  if (fresh) keys_.push_back(k);
  return it->second;
}

std::string Ids::operator[](uint32_t id) const {
  const Key& k = keys_[id];
  if (!(k.hi >> 63)) return text_[static_cast<uint32_t>(k.lo)];
  const size_t digits = (k.hi >> 56) & 0x7f;
  std::string out;
  for (uint64_t prefix = (k.hi >> 32) & 0xffffff, shift = 16;; shift -= 8) {
    const char c = static_cast<char>((prefix >> shift) & 0xff);
    if (c) out += c;
    if (shift == 0) break;
  }
  out += '-';
  static const char* kHex = "0123456789abcdef";
  for (size_t i = digits; i-- > 0;) {
    const size_t bit = i * 4;
    const uint64_t nibble = bit >= 64 ? (k.hi >> (bit - 64)) & 0xf : (k.lo >> bit) & 0xf;
    out += kHex[nibble];
  }
  return out;
}

class RecordSink {
 public:
  RecordSink(Reader& r, uint32_t file) : r_(r), file_(file) {}

  void take(const json& rec) {
    // A lookup-events entry met alone (`jq .Events[]`, one per line): the record is its string.
    if (const json* inner = member(rec, "CloudTrailEvent"); inner && inner->is_string() && !rec.contains("eventSource")) {
      json parsed;
      try {
        parsed = json::parse(inner->get<std::string>());
      } catch (const json::exception&) {  // not JSON, or a number out of range (nlohmann's 406)
        ++r_.records;
        ++pos_;
        ++r_.unused["lookup-events entries whose CloudTrailEvent is not JSON"];
        return;
      }
      take(parsed);
      return;
    }
    ++r_.records;
    const uint32_t pos = pos_++;
    if (!rec.is_object()) {
      ++r_.unused["array elements that are not records (not JSON objects)"];
      return;
    }
    // A record read before (its eventID, the same content: two sources of the same days, two copies
    // of a file) counts once, whatever its kind. The same eventID with other content is read again
    // and counted: nothing is dropped that differs.
    if (const std::string id = text(rec, "eventID"); !id.empty()) {
      Reader::SeenId key;
      if (!uuid_bits(id, key.hi, key.lo)) key = Reader::SeenId{fnv(id), fnv(id + "\x1f")};
      // The content of a record judged (a launch or a termination); any other counts once by its id.
      const std::string name = text(rec, "eventName");
      const bool judged = text(rec, "eventSource") == "ec2.amazonaws.com" && (name == "RunInstances" || name == "TerminateInstances");
      const uint64_t content = judged ? fnv(rec.dump()) : 0;
      bool fresh = false;
      const uint64_t before = r_.seen.insert(key, content, fresh);
      if (fresh) r_.seen_in_file.push_back(key);
      if (!fresh) {
        if (before == content) {
          ++r_.unused["records read twice (the same eventID and content: counted once)"];
          --r_.records;
          return;
        }
        ++r_.unused["records whose eventID was read before with other content (both judged: check the sources)"];
      }
    }
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
    if (const std::string id = text(rec, "eventID"); !id.empty()) {
      e.has_id = true;
      if (!uuid_bits(id, e.id_hi, e.id_lo)) e.id_text = true, e.id_hi = r_.names.id(id), e.id_lo = 0;
    }
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
    if (req && !req->is_object()) {
      ++r_.unused["EC2 " + name + " whose requestParameters is not an object"];
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
        const std::optional<int64_t> min = number(item, "minCount"), max = number(item, "maxCount");
        if ((member(item, "minCount") && !min) || (member(item, "maxCount") && !max)) {
          ++r_.unused["EC2 RunInstances whose minCount or maxCount is not a count"];
          return;
        }
        p.min = static_cast<int32_t>(min.value_or(1));
        p.max = static_cast<int32_t>(max.value_or(p.min));
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
      // Not named in the request (a launch template's): what the launch put up is not judged
      // against it (kFromTemplate), and the template itself is among the other parameters.
      if (p.image.empty()) p.image = kFromTemplate;
      if (p.type.empty()) p.type = kFromTemplate;
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
          x.launch_ms = launch_ms(i);
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
      std::string rest = colon == std::string::npos ? what : what.substr(colon + 2);
      // nlohmann quotes all it read of the token it stopped in: a long string is cut to its end.
      if (const size_t quote = rest.find("last read: '"); quote != std::string::npos) {
        const size_t end = rest.find("'; ", quote + 12);
        if (end != std::string::npos && end - (quote + 12) > 60)
          rest = rest.substr(0, quote + 12) + "..." + rest.substr(end - 40);
      }
      return path + ":" + std::to_string(line + line_offset) + ":" + std::to_string(column) + ": not JSON: " + rest;
    }
  }
  return path + ": not JSON: " + what;
}

// An exception's text with a long quoted token cut to its ends.
std::string shortened(const std::string& what) {
  const size_t open = what.find('\'');
  const size_t close = open == std::string::npos ? std::string::npos : what.rfind('\'');
  if (open == std::string::npos || close <= open + 60) return what;
  return what.substr(0, open + 21) + "..." + what.substr(close - 20);
}

}  // namespace

size_t Reader::SeenTable::find(const SeenId& id) const {
  const size_t mask = slots_.size() - 1;
  size_t i = static_cast<size_t>((id.hi * 0x9E3779B97F4A7C15ULL ^ id.lo) * 0xff51afd7ed558ccdULL >> 20) & mask;
  size_t tomb = SIZE_MAX;
  for (;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.state == 0) return tomb != SIZE_MAX ? tomb : i;
    if (s.state == 2 && tomb == SIZE_MAX) tomb = i;
    if (s.state == 1 && s.id == id) return i;
  }
}

uint64_t Reader::SeenTable::insert(const SeenId& id, uint64_t content, bool& fresh) {
  if ((used_ + 1) * 2 > slots_.size()) {  // at most half full
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{});
    used_ = 0;
    for (const Slot& s : old)
      if (s.state == 1) slots_[find(s.id)] = s, ++used_;
  }
  Slot& s = slots_[find(id)];
  if (s.state == 1) {
    fresh = false;
    return s.content;
  }
  s = Slot{id, content, 1};
  ++used_;
  fresh = true;
  return content;
}

void Reader::SeenTable::erase(const SeenId& id) {
  if (slots_.empty()) return;
  Slot& s = slots_[find(id)];
  if (s.state == 1 && s.id == id) s.state = 2;
}

std::string Reader::event_id(const Event& e) const {
  if (!e.has_id) return "";
  if (e.id_text) return names[static_cast<uint32_t>(e.id_hi)];
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(e.id_hi >> 32),
                static_cast<unsigned long long>((e.id_hi >> 16) & 0xffff), static_cast<unsigned long long>(e.id_hi & 0xffff),
                static_cast<unsigned long long>(e.id_lo >> 48), static_cast<unsigned long long>(e.id_lo & 0xffffffffffffULL));
  return buf;
}

void Reader::read_paths(const std::vector<std::string>& paths) {
  // Every file, named or met in a directory, read in the order of its path (the order given
  // changes nothing), each file once.
  std::vector<std::pair<std::string, bool>> all;  // (path, named)
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw InputError(path + ": no such file or directory");
    if (!fs::is_directory(st)) {
      all.emplace_back(path, true);
      continue;
    }
    for (fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const std::string f = it->path().string();
      // A trail with log file validation on delivers digest files beside the logs.
      if (f.find("CloudTrail-Digest") != std::string::npos) ++unused["files of CloudTrail-Digest (log file validation: not records)"];
      else if (trail_file(f)) all.emplace_back(f, false);
      else ++unused["files in a directory not named .json, .json.gz, .jsonl, .jsonl.gz, .ndjson or .ndjson.gz (not read)"];
    }
    if (ec) throw InputError(path + ": cannot list it: " + ec.message());
  }
  // By path; a file both named and met in a directory is named (then it must be CloudTrail).
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
    return x.first != y.first ? x.first < y.first : x.second > y.second;
  });
  std::unordered_set<std::string> read_before;
  for (const auto& [f, named] : all) {
    std::error_code ec;
    if (!read_before.insert(fs::weakly_canonical(f, ec).string()).second) {
      ++unused["files named twice (read once)"];
      continue;
    }
    // A file met in a directory that turns out not to be CloudTrail is skipped whole: what was
    // read of it before the error is taken back.
    const size_t n_events = events.size(), n_listed = listed.size(), n_files = files.size();
    const uint64_t n_records = records, n_describes = describes;
    const std::map<std::string, uint64_t> unused_before = unused;
    const auto describes_before = describes_by;
    seen_in_file.clear();
    try {
      read_file(f);
    } catch (const InputError&) {
      if (named) throw;
      events.resize(n_events), listed.resize(n_listed), files.resize(n_files);
      records = n_records, describes = n_describes;
      unused = unused_before;
      describes_by = describes_before;
      for (const SeenId& k : seen_in_file) seen.erase(k);
      ++unused["files in a directory that are not CloudTrail (not read): " + f];
    }
  }
  seen.clear();  // reading is over
  events.shrink_to_fit();
  listed.shrink_to_fit();
}

void Reader::read_file(const std::string& path) {
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
      } catch (const json::exception& e) {  // a number too large for a double: nlohmann gives no column
        throw InputError(path + ":" + std::to_string(n) + ":1: not JSON: " + shortened(e.what()));
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
    // An element of the records' array that is not an object (a number, a string, null, an array).
    const bool in_records = top_array ? depth == 1 : depth == 2 && (key == "Records" || key == "Events");
    if (in_records && (ev == json::parse_event_t::value || ev == json::parse_event_t::array_end)) {
      ++records;
      ++taken;
      ++unused["array elements that are not records (not JSON objects)"];
      return false;
    }
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
        sink.take(parsed);  // unwrapped there; a CloudTrailEvent that is not JSON is counted
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
    const bool fake_gz = ends_with(path, ".gz") && buf.plain();
    throw InputError(positioned(path, e.what()) + (fake_gz ? " (named .gz, it is not gzip: it was read as plain text)" : ""));
  } catch (const json::exception& e) {
    // A number too large for a double (nlohmann's out_of_range 406) gives no position: say which
    // record it was in.
    throw InputError(path + ": not JSON: " + shortened(e.what()) + " (in the record after the " + std::to_string(taken) +
                     " read before it)");
  }
  if (taken == 0) {
    if (top.is_object() && top.contains("eventName")) {
      sink.take(top);  // one record alone
    } else if (top.is_object() && ((top.contains("Records") && top["Records"].is_array()) ||
                                   (top.contains("Events") && top["Events"].is_array()))) {
      // an empty file of records: nothing to take
    } else {
      throw InputError(path + ":1:1: not CloudTrail: expected {\"Records\": [...]} (a log file as delivered), "
                              "{\"Events\": [...]} (aws cloudtrail lookup-events), an array of records, or JSON Lines "
                              "(.jsonl)");
    }
  }
}

}  // namespace idem::audit
