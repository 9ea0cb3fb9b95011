#include "serve/probe.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace idem::serve {

// ---------------------------------------------------------------------------------------------
// URLs and forms.

std::optional<Url> parse_url(std::string_view text, std::string* why) {
  auto refuse = [&](std::string reason) -> std::optional<Url> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  std::string_view rest = text;
  if (rest.substr(0, 8) == "https://")
    return refuse("the probe speaks plain HTTP only, not https: give http://HOST:PORT (idemsim serve listens on plain HTTP)");
  if (rest.substr(0, 7) == "http://") rest.remove_prefix(7);
  else if (rest.find("://") != std::string_view::npos)
    return refuse("only http:// URLs are understood, like http://127.0.0.1:8787");
  Url url;
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    url.target = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  if (rest.find_first_of("@?#") != std::string_view::npos)
    return refuse("a URL with user info, a query or a fragment is not an endpoint; give http://HOST:PORT[/PATH]");
  std::string_view host = rest;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8787
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return refuse("an IPv6 address needs its closing ']'");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return refuse("after ']' comes ':PORT' or nothing");
  } else {
    const size_t colon = rest.rfind(':');
    host = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
  }
  if (host.empty()) return refuse("no host: give http://HOST:PORT, like http://127.0.0.1:8787");
  url.host = std::string(host);
  if (!rest.empty()) {
    const std::string_view digits = rest.substr(1);
    unsigned port = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() || port == 0 || port > 65535)
      return refuse("the port must be a number from 1 to 65535, not '" + std::string(digits) + "'");
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  auto put = [&](std::string_view s) {
    for (const char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += ch;
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  };
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    put(name);
    out += '=';
    put(value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The XML reader: elements, text, entities, comments, CDATA; attributes and declarations skipped.

const XmlNode* XmlNode::child(std::string_view n) const {
  for (const XmlNode& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::string XmlNode::child_text(std::string_view n) const {
  const XmlNode* c = child(n);
  return c ? c->text : std::string();
}

namespace {

class XmlReader {
 public:
  explicit XmlReader(std::string_view s) : s_(s) {}

  std::optional<XmlNode> document() {
    skip_misc();
    if (!at("<")) return std::nullopt;
    std::optional<XmlNode> root = element(0);
    if (!root) return std::nullopt;
    skip_misc();
    if (i_ != s_.size()) return std::nullopt;  // something after the root element
    return root;
  }

 private:
  bool at(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
  bool skip_past(std::string_view end) {
    const size_t k = s_.find(end, i_);
    if (k == std::string_view::npos) return false;
    i_ = k + end.size();
    return true;
  }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  // Whitespace, declarations, processing instructions, comments and a DOCTYPE.
  void skip_misc() {
    for (;;) {
      skip_space();
      if (at("<?")) {
        if (!skip_past("?>")) i_ = s_.size();
      } else if (at("<!--")) {
        if (!skip_past("-->")) i_ = s_.size();
      } else if (at("<!")) {
        if (!skip_past(">")) i_ = s_.size();
      } else {
        return;
      }
    }
  }
  std::string name() {
    const size_t from = i_;
    while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) && s_[i_] != '>' && s_[i_] != '/')
      ++i_;
    std::string n(s_.substr(from, i_ - from));
    if (const size_t colon = n.find(':'); colon != std::string::npos) n.erase(0, colon + 1);  // ec2:Code -> Code
    return n;
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  // Character data up to the next '<', entities decoded (an unknown one is kept as written).
  void text(std::string& out) {
    while (i_ < s_.size() && s_[i_] != '<') {
      if (s_[i_] != '&') {
        out += s_[i_++];
        continue;
      }
      const size_t semi = s_.find(';', i_);
      const std::string_view ent = semi == std::string_view::npos ? std::string_view() : s_.substr(i_ + 1, semi - i_ - 1);
      std::string decoded;
      if (ent == "amp") decoded = "&";
      else if (ent == "lt") decoded = "<";
      else if (ent == "gt") decoded = ">";
      else if (ent == "quot") decoded = "\"";
      else if (ent == "apos") decoded = "'";
      else if (ent.size() > 1 && ent[0] == '#') {
        const bool hex = ent[1] == 'x' || ent[1] == 'X';
        const std::string_view digits = ent.substr(hex ? 2 : 1);
        uint32_t cp = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
        if (!digits.empty() && r.ec == std::errc() && r.ptr == digits.data() + digits.size() && cp <= 0x10FFFF)
          utf8(decoded, cp);
      }
      if (decoded.empty()) {
        out += s_[i_++];
      } else {
        out += decoded;
        i_ = semi + 1;
      }
    }
  }
  std::optional<XmlNode> element(int depth) {
    if (depth > 64 || !at("<")) return std::nullopt;
    ++i_;
    XmlNode node;
    node.name = name();
    if (node.name.empty()) return std::nullopt;
    // Attributes: skipped, quotes respected.
    char quote = 0;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>' || c == '/') {
        break;
      }
      ++i_;
    }
    if (at("/>")) {
      i_ += 2;
      return node;
    }
    if (!at(">")) return std::nullopt;
    ++i_;
    std::string content;
    for (;;) {
      if (i_ >= s_.size()) return std::nullopt;
      if (at("</")) {
        i_ += 2;
        const std::string end = name();
        skip_space();
        if (end != node.name || !at(">")) return std::nullopt;
        ++i_;
        break;
      }
      if (at("<!--")) {
        if (!skip_past("-->")) return std::nullopt;
      } else if (at("<![CDATA[")) {
        const size_t from = i_ + 9;
        if (!skip_past("]]>")) return std::nullopt;
        content.append(s_.substr(from, i_ - 3 - from));
      } else if (at("<?")) {
        if (!skip_past("?>")) return std::nullopt;
      } else if (at("<")) {
        std::optional<XmlNode> c = element(depth + 1);
        if (!c) return std::nullopt;
        node.children.push_back(std::move(*c));
      } else {
        text(content);
      }
    }
    if (node.children.empty()) node.text = std::move(content);
    return node;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<XmlNode> read_xml(std::string_view text) { return XmlReader(text).document(); }

std::vector<std::string> Answer::instance_ids() const {
  std::vector<std::string> out;
  for (const ReservationSeen& r : reservations)
    for (const InstanceSeen& i : r.instances) out.push_back(i.id);
  return out;
}

namespace {

InstanceSeen read_instance(const XmlNode& item) {
  InstanceSeen i;
  i.id = item.child_text("instanceId");
  for (const char* state : {"instanceState", "currentState"})
    if (const XmlNode* s = item.child(state)) i.state = s->child_text("name");
  if (const XmlNode* t = item.child("clientToken")) {
    i.has_token = true;
    i.token = t->text;
  }
  if (const XmlNode* p = item.child("placement")) i.zone = p->child_text("availabilityZone");
  i.launch_index = item.child_text("amiLaunchIndex");
  return i;
}

ReservationSeen read_reservation(const XmlNode& r) {
  ReservationSeen out;
  out.id = r.child_text("reservationId");
  if (const XmlNode* set = r.child("instancesSet"))
    for (const XmlNode& item : set->children)
      if (item.name == "item") out.instances.push_back(read_instance(item));
  return out;
}

// The body's start, on one line, in printable ASCII (any other byte as '?').
std::string excerpt_of(std::string_view body) {
  std::string out;
  for (const char ch : body.substr(0, 160)) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : (c >= 0x20 && c < 0x7F) ? ch : '?';
  }
  if (body.size() > 160) out += "...";
  return out;
}

}  // namespace

Answer read_answer(const Reply& reply) {
  Answer a;
  a.status = reply.status;
  const std::optional<XmlNode> root = read_xml(reply.body);
  if (!root) {
    a.excerpt = excerpt_of(reply.body);
    return a;
  }
  // Errors: <Response><Errors><Error><Code/><Message/></Error></Errors>...; also <ErrorResponse><Error>.
  const XmlNode* error = nullptr;
  if (const XmlNode* errors = root->child("Errors")) error = errors->child("Error");
  if (!error) error = root->child("Error");
  if (error && !error->child_text("Code").empty()) {
    a.readable = true;
    a.code = error->child_text("Code");
    a.message = error->child_text("Message");
    return a;
  }
  if (root->name == "RunInstancesResponse") {
    a.readable = true;
    a.reservations.push_back(read_reservation(*root));
  } else if (root->name == "DescribeInstancesResponse") {
    a.readable = true;
    if (const XmlNode* set = root->child("reservationSet"))
      for (const XmlNode& item : set->children)
        if (item.name == "item") a.reservations.push_back(read_reservation(item));
  } else if (root->name == "TerminateInstancesResponse") {
    a.readable = true;
    if (const XmlNode* set = root->child("instancesSet"))
      for (const XmlNode& item : set->children)
        if (item.name == "item") a.changes.push_back(read_instance(item));
  } else {
    a.excerpt = excerpt_of(reply.body);
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// The probe's context.

std::string_view semantics_choice_name(SemanticsChoice s) {
  switch (s) {
    case SemanticsChoice::current: return "current";
    case SemanticsChoice::v2013: return "v2013";
    case SemanticsChoice::automatic: return "auto";
  }
  return "?";
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "FAIL";
    case Verdict::na: return "n/a";
  }
  return "?";
}

std::string ProbeConfig::token_prefix() const {
  return prefix.empty() ? "probe-" + std::to_string(seed) + "-" : prefix;
}

size_t ProbeReport::count(Verdict v) const {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), [v](const RowOutcome& r) { return r.result.verdict == v; }));
}

namespace {

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::string hex(uint64_t v, size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(digits, '0');
  for (size_t i = digits; i-- > 0; v >>= 4) out[i] = kHex[v & 15];
  return out;
}

// The k-th token of a run: its prefix, a tag, and random-looking hex drawn from (seed, k); `length`
// pads it with more of the same hex to exactly that many characters.
std::string token_at(const ProbeConfig& c, uint64_t k, std::string_view tag, size_t length = 0) {
  std::string t = c.token_prefix() + std::string(tag);
  uint64_t state = splitmix(c.seed ^ splitmix(k));
  t += hex(state, 12);
  while (length > 0 && t.size() < length) t += hex(state = splitmix(state), 16);
  if (length > 0) t.resize(length);
  return t;
}

// A token for a person: printable ASCII as it is, any other byte as \xNN.
std::string show_token(std::string_view t) {
  std::string out;
  for (const char ch : t) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += ch;
    } else {
      out += "\\x" + hex(c, 2);
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace

class Probe {
 public:
  // A RunInstances request's parameters.
  struct Launch {
    std::optional<std::string> token;
    std::string image, type;
    int min = 1, max = 1;
    std::string zone, subnet;
  };

  Probe(Transport& transport, const ProbeConfig& config) : transport_(transport), config_(config) {}

  const ProbeConfig& config() const { return config_; }
  const std::string& endpoint() const { return config_.endpoint; }
  // The Region of a request to `endpoint`, which is the config's endpoint or endpoint2 itself (the
  // two may be one URL serving both Regions, so the field it is, not its text, says which).
  const std::string& region_of(const std::string& endpoint) const {
    return &endpoint == &config_.endpoint2 ? config_.region2 : config_.region;
  }

  std::string fresh(std::string_view tag = "") { return token_at(config_, counter_++, tag); }
  std::string fresh_of_length(size_t n) { return token_at(config_, counter_++, "", n); }
  Launch launch(std::optional<std::string> token) const {
    return Launch{std::move(token), config_.image, config_.instance_type, 1, 1, "", ""};
  }
  // Another instance type than the probe's own (for the mismatch row).
  std::string other_type() const { return config_.instance_type == "t3.micro" ? "m5.xlarge" : "t3.micro"; }

  // One request, retried on 500/503 answers that ask for it (throttling, InternalError,
  // Unavailable) when `may_retry` (a request that launches nothing twice: one with a token, a
  // Describe, a Terminate).
  Answer send(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& fields, bool may_retry) {
    const std::string body = form_encode(fields);
    Answer a;
    std::string last_code;
    for (int attempt = 0;; ++attempt) {
      a = read_answer(transport_.post(endpoint, region_of(endpoint), body));
      a.retries = attempt;
      a.retried_on = last_code;
      const bool retryable = (a.status == 500 || a.status == 503) &&
                             (a.code == "InternalError" || a.code == "InternalFailure" || a.code == "Unavailable" ||
                              a.code == "ServiceUnavailable" || a.code == "RequestLimitExceeded");
      if (!may_retry || !retryable || attempt == 4) return a;
      last_code = std::to_string(a.status) + " " + a.code;
      sleep(config_.pause * (1 << attempt));
    }
  }

  Answer run(const Launch& l, const std::string& endpoint) {
    std::vector<std::pair<std::string, std::string>> f{{"Action", "RunInstances"}, {"Version", "2016-11-15"},
                                                       {"ImageId", l.image}, {"InstanceType", l.type},
                                                       {"MinCount", std::to_string(l.min)}, {"MaxCount", std::to_string(l.max)}};
    if (l.token) f.emplace_back("ClientToken", *l.token);
    if (!l.zone.empty()) f.emplace_back("Placement.AvailabilityZone", l.zone);
    if (!l.subnet.empty()) f.emplace_back("SubnetId", l.subnet);
    Answer a = send(endpoint, f, l.token.has_value());
    if (a.ok())
      for (const std::string& id : a.instance_ids())
        if (!id.empty()) launched_[&endpoint].insert(id);
    return a;
  }
  Answer run(const Launch& l) { return run(l, config_.endpoint); }

  Answer describe_token(const std::string& endpoint, const std::string& token) {
    return send(endpoint, {{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}, {"Filter.1.Name", "client-token"},
                           {"Filter.1.Value.1", token}}, true);
  }
  Answer describe_ids(const std::string& endpoint, const std::vector<std::string>& ids) {
    std::vector<std::pair<std::string, std::string>> f{{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}};
    for (size_t i = 0; i < ids.size(); ++i) f.emplace_back("InstanceId." + std::to_string(i + 1), ids[i]);
    return send(endpoint, f, true);
  }
  Answer terminate(const std::string& endpoint, const std::vector<std::string>& ids) {
    std::vector<std::pair<std::string, std::string>> f{{"Action", "TerminateInstances"}, {"Version", "2016-11-15"}};
    for (size_t i = 0; i < ids.size(); ++i) f.emplace_back("InstanceId." + std::to_string(i + 1), ids[i]);
    Answer a = send(endpoint, f, true);
    if (a.ok())
      for (const std::string& id : ids) terminated_[&endpoint].insert(id);
    return a;
  }

  // Calls `done` until it says true, pausing between calls, for at most config.wait; the number
  // of calls made, or nothing when the wait ran out.
  std::optional<int> poll(const std::function<bool()>& done) {
    const std::chrono::milliseconds start = now();
    for (int calls = 1;; ++calls) {
      if (done()) return calls;
      if (now() - start >= config_.wait) return std::nullopt;
      sleep(config_.pause);
    }
  }

  // Under --semantics auto: records which rules a row saw; a row that sees the other ones than an
  // earlier row gets the sentence that says so (a service keeps one set of rules).
  std::string saw(SemanticsChoice s, std::string_view row) {
    if (!seen_) {
      seen_ = {s, std::string(row)};
      return "";
    }
    if (seen_->first == s) return "";
    return "but row '" + seen_->second + "' saw " + std::string(semantics_choice_name(seen_->first)) +
           " semantics: one service keeps one set of rules";
  }
  std::string seen() const {
    return seen_ ? std::string(semantics_choice_name(seen_->first)) + ", first seen by row '" + seen_->second + "'" : "";
  }

  // After the rows: terminate what they launched and did not terminate themselves.
  std::vector<std::string> clean_up() {
    std::vector<std::string> notes;
    for (const auto& [which, ids] : launched_) {
      const std::string& endpoint = *which;
      std::vector<std::string> left;
      for (const std::string& id : ids)
        if (!terminated_[which].count(id)) left.push_back(id);
      if (left.empty()) continue;
      if (config_.keep) {
        notes.push_back("left " + std::to_string(left.size()) + " instance(s) running at " + endpoint + " (--keep)");
        continue;
      }
      Answer a;
      const bool done = poll([&] {
        a = terminate(endpoint, left);
        return !a.error("InvalidInstanceID.NotFound");
      }).has_value();
      if (done && a.ok()) {
        notes.push_back("terminated the " + std::to_string(left.size()) + " instance(s) the rows launched at " + endpoint);
      } else {
        notes.push_back("could not terminate the " + std::to_string(left.size()) + " instance(s) the rows launched at " +
                        endpoint + " (" + join(left) + "): TerminateInstances answered " +
                        (a.readable ? std::to_string(a.status) + " " + a.code : "HTTP " + std::to_string(a.status)));
      }
    }
    return notes;
  }

 private:
  void sleep(std::chrono::milliseconds d) {
    if (config_.sleep) config_.sleep(d);
    else std::this_thread::sleep_for(d);
  }
  std::chrono::milliseconds now() const {
    if (config_.now) return config_.now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
  }

  Transport& transport_;
  const ProbeConfig& config_;
  uint64_t counter_ = 0;
  std::optional<std::pair<SemanticsChoice, std::string>> seen_;
  // Per endpoint field of the config (endpoint, endpoint2: one URL may serve both Regions).
  std::map<const std::string*, std::set<std::string>> launched_, terminated_;
};

// ---------------------------------------------------------------------------------------------
// The rows.

namespace {

using Launch = Probe::Launch;

// "RunInstances ClientToken=... InstanceType=m5.large MinCount=1 MaxCount=1".
std::string show(const Launch& l) {
  std::string out = "RunInstances ";
  if (!l.token) {
    out += "without ClientToken";
  } else {
    const std::string shown = show_token(*l.token);
    out += "ClientToken=" + shown;
    if (l.token->size() >= 60 || shown.size() != l.token->size()) out += " (" + std::to_string(l.token->size()) + " bytes)";
  }
  out += " InstanceType=" + l.type + " MinCount=" + std::to_string(l.min) + " MaxCount=" + std::to_string(l.max);
  if (!l.zone.empty()) out += " Placement.AvailabilityZone=" + l.zone;
  if (!l.subnet.empty()) out += " SubnetId=" + l.subnet;
  return out;
}

// "200 r-1 [i-1, i-2]", "400 IdempotentParameterMismatch", "HTTP 404, not an EC2 answer: ...".
std::string show(const Answer& a) {
  std::string out;
  if (!a.readable) {
    out = "HTTP " + std::to_string(a.status) + ", not an EC2 answer: \"" + a.excerpt + "\"";
  } else if (!a.code.empty()) {
    out = std::to_string(a.status) + " " + show_token(a.code);
    if (!a.message.empty()) out += " (\"" + excerpt_of(a.message) + "\")";
  } else {
    out = std::to_string(a.status);
    if (a.reservations.empty() && a.changes.empty()) out += ", no reservation";
    for (const ReservationSeen& r : a.reservations) {
      std::vector<std::string> ids;
      for (const InstanceSeen& i : r.instances)
        ids.push_back(show_token(i.id) + (i.state.empty() ? "" : " " + show_token(i.state)));
      out += " " + (r.id.empty() ? std::string("(no reservationId)") : show_token(r.id)) + " [" + join(ids) + "]";
    }
    if (!a.changes.empty()) {
      std::vector<std::string> ids;
      for (const InstanceSeen& i : a.changes) ids.push_back(show_token(i.id) + " " + show_token(i.state));
      out += " [" + join(ids) + "]";
    }
  }
  if (a.retries > 0) out += " (after " + std::to_string(a.retries) + " retr" + (a.retries == 1 ? "y" : "ies") + ", the last on " + a.retried_on + ")";
  return out;
}

// A launch of exactly n instances in one reservation, with distinct ids.
bool launched(const Answer& a, size_t n) {
  if (!a.ok() || a.reservations.size() != 1 || a.reservations[0].id.empty()) return false;
  const auto& is = a.reservations[0].instances;
  std::set<std::string> ids;
  for (const InstanceSeen& i : is)
    if (!i.id.empty()) ids.insert(i.id);
  return is.size() == n && ids.size() == n;
}

std::set<std::string> id_set(const Answer& a) {
  const std::vector<std::string> v = a.instance_ids();
  return {v.begin(), v.end()};
}

// The same answer: the same reservation and the same instances (their states may differ).
bool same(const Answer& a, const Answer& b) {
  return a.ok() && b.ok() && a.reservations.size() == 1 && b.reservations.size() == 1 &&
         a.reservations[0].id == b.reservations[0].id && !a.instance_ids().empty() && id_set(a) == id_set(b) &&
         a.instance_ids().size() == b.instance_ids().size();
}

// Another launch: another reservation, and no instance of the first.
bool other(const Answer& a, const Answer& b) {
  if (!a.ok() || !b.ok() || a.reservations.size() != 1 || b.reservations.size() != 1) return false;
  if (a.reservations[0].id == b.reservations[0].id) return false;
  for (const std::string& id : b.instance_ids())
    if (id_set(a).count(id)) return false;
  return true;
}

bool is_error(const Answer& a, std::string_view code, int status) { return a.error(code) && a.status == status; }

struct Evidence {
  RowResult r;
  void sent(const std::string& what, const Answer& a) { r.evidence.push_back(what + " -> " + show(a)); }
  void line(std::string s) { r.evidence.push_back(std::move(s)); }
  RowResult pass(const std::string& why) { return end(Verdict::pass, why); }
  RowResult fail(const std::string& why) { return end(Verdict::fail, why); }
  RowResult na(const std::string& why) { return end(Verdict::na, why); }
  RowResult end(Verdict v, const std::string& why) {
    r.verdict = v;
    r.evidence.push_back(std::string(verdict_name(v)) + ": " + why);
    return std::move(r);
  }
};

// Why a first launch is not what the row needs.
std::string first_launch_failed(const Answer& a, size_t n) {
  return "the first launch did not launch " + std::to_string(n) + " instance(s) (" + show(a) +
         "), so the rule could not be checked; the answer should be 200 with one reservation of " + std::to_string(n);
}

RowResult row_repeat(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh());
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const Answer b = p.run(l);
  e.sent("the same request again", b);
  if (same(a, b)) return e.pass("the repeat got the same reservation and instance");
  if (b.ok() && !b.reservations.empty() && b.reservations[0].id == a.reservations[0].id)
    return e.fail("the repeat named the reservation but not the same instances (a degraded answer)");
  if (other(a, b)) return e.fail("the repeat launched again: another reservation and instance");
  return e.fail("the repeat did not get the first answer");
}

RowResult row_mismatch(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh());
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  std::vector<std::string> wrong;
  Launch type = l;
  type.type = p.other_type();
  const Answer b = p.run(type);
  e.sent("the same token, InstanceType=" + type.type, b);
  if (!is_error(b, "IdempotentParameterMismatch", 400)) wrong.push_back("another InstanceType got " + show(b));
  Launch count = l;
  count.max = 2;
  const Answer c = p.run(count);
  e.sent("the same token, MaxCount=2", c);
  if (!is_error(c, "IdempotentParameterMismatch", 400)) wrong.push_back("another MaxCount got " + show(c));
  const Answer d = p.run(l);
  e.sent("the first request again", d);
  if (!same(a, d)) wrong.push_back("the first parameters again got " + show(d) + ", not the first answer");
  if (!wrong.empty()) return e.fail(join(wrong, "; "));
  return e.pass("each change of a parameter got 400 IdempotentParameterMismatch; the first parameters still get the first answer");
}

RowResult row_length_64(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh_of_length(64));
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail("a 64-character token was not accepted: " + show(a));
  const Answer b = p.run(l);
  e.sent("the same request again", b);
  if (!same(a, b)) return e.fail("the repeat with the 64-character token did not get the first answer");
  return e.pass("a 64-character token launched, and its repeat got the same answer");
}

RowResult row_length_65(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh_of_length(65));
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (is_error(a, "InvalidParameterValue", 400)) return e.pass("the 65-character token was refused");
  if (a.ok()) return e.fail("a 65-character token was accepted and launched");
  return e.fail("expected 400 InvalidParameterValue");
}

// Token t, then its variant u, which the rules make another token: both must launch, each its own
// reservation. `how` introduces u in the evidence; `wrong` says what the service does when u gets
// t's answer.
RowResult another_token(Probe& p, const std::string& t, const std::string& u, const std::string& how,
                        const std::string& wrong, const std::string& passed) {
  Evidence e;
  const Launch l = p.launch(t), m = p.launch(u);
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const Answer b = p.run(m);
  e.sent(how + show_token(u), b);
  if (!launched(b, 1)) return e.fail("the variant token did not launch: " + show(b));
  if (!other(a, b)) return e.fail("the variant token got the first token's answer: " + wrong);
  return e.pass(passed);
}

RowResult row_whole_token(Probe& p) {
  const std::string t = p.fresh_of_length(64);
  std::string u = t;
  u.back() = u.back() == '0' ? '1' : '0';
  return another_token(p, t, u, "a token differing only in its 64th character, ",
                       "the service does not compare whole tokens", "two tokens sharing their first 63 characters launched twice");
}

RowResult row_non_ascii(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh() + "\xC3\xA9");  // U+00E9 in UTF-8: two bytes of 128 or more
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (is_error(a, "InvalidParameterValue", 400)) return e.pass("the token with non-ASCII bytes was refused");
  if (a.ok()) return e.fail("a token with non-ASCII bytes was accepted and launched");
  return e.fail("expected 400 InvalidParameterValue");
}

RowResult row_case(Probe& p) {
  const std::string t = p.fresh("Case-");
  std::string u = t;
  for (size_t i = p.config().token_prefix().size(); i < u.size(); ++i) {  // the prefix stays as given
    const auto b = static_cast<unsigned char>(u[i]);
    u[i] = static_cast<char>(std::isupper(b) ? std::tolower(b) : std::toupper(b));
  }
  return another_token(p, t, u, "the token with its letters' case swapped, ", "the service folds case",
                       "the case variant is another token: another reservation and instance");
}

RowResult row_filter(Probe& p) {
  Evidence e;
  const std::string t = p.fresh(), decoy = p.fresh();
  const Launch l = p.launch(t);
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const Answer d = p.run(p.launch(decoy));
  e.sent("another token, " + show_token(decoy) + " (its instance must not be found)", d);
  const std::string want = a.instance_ids().front();
  Answer f;
  const std::optional<int> calls = p.poll([&] {
    f = p.describe_token(p.endpoint(), t);
    if (!f.ok()) return true;  // an error ends the wait
    return id_set(f).count(want) > 0;
  });
  e.sent("DescribeInstances Filter.1.Name=client-token Filter.1.Value.1=" + show_token(t) +
             (calls && *calls > 1 ? " (polled " + std::to_string(*calls) + " times until it showed)" : ""),
         f);
  if (!f.ok()) return e.fail("DescribeInstances with the client-token filter was refused");
  if (!calls) return e.fail("the token's instance " + want + " was not listed within " + std::to_string(p.config().wait.count() / 1000) + " s (raise --wait if the endpoint is slow to show new instances)");
  if (f.reservations.size() != 1 || f.reservations[0].id != a.reservations[0].id || f.instance_ids() != a.instance_ids())
    return e.fail("the filter listed more than the token's launch (" + show(f) + ")");
  const InstanceSeen& i = f.reservations[0].instances[0];
  if (i.has_token && i.token != t) return e.fail("the instance's clientToken is " + show_token(i.token) + ", not the token sent");
  return e.pass("the filter listed the token's reservation and instance, and nothing else");
}

// Whether the ids are consecutive hexadecimal numbers, as the reference numbers them.
bool consecutive(const std::vector<std::string>& ids) {
  std::vector<uint64_t> n;
  for (const std::string& id : ids) {
    if (id.size() < 3 || id.compare(0, 2, "i-") != 0) return false;
    uint64_t v = 0;
    const auto r = std::from_chars(id.data() + 2, id.data() + id.size(), v, 16);
    if (r.ec != std::errc() || r.ptr != id.data() + id.size()) return false;
    n.push_back(v);
  }
  std::sort(n.begin(), n.end());
  for (size_t i = 1; i < n.size(); ++i)
    if (n[i] != n[i - 1] + 1) return false;
  return true;
}

RowResult row_count(Probe& p) {
  Evidence e;
  Launch l = p.launch(p.fresh());
  l.max = 3;
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (is_error(a, "InsufficientInstanceCapacity", 500))
    return e.na("the endpoint had no capacity for 3 " + l.type + " (give --instance-type a type without a capacity limit)");
  if (!launched(a, 3)) {
    const size_t n = a.ok() && !a.reservations.empty() ? a.reservations[0].instances.size() : 0;
    return e.fail(a.ok() && a.reservations.size() == 1 && n > 0 && n < 3
                      ? "launched " + std::to_string(n) + " of MaxCount 3 (MaxCount ignored, or capacity for " + std::to_string(n) + " only)"
                      : "expected 200 with one reservation of 3 distinct instances");
  }
  std::vector<std::string> indexes;
  for (const InstanceSeen& i : a.reservations[0].instances) indexes.push_back(i.launch_index.empty() ? "?" : i.launch_index);
  e.line(std::string("ids ") + (consecutive(a.instance_ids()) ? "consecutive" : "not consecutive") +
         " (the reference numbers them so; EC2's are not, so this is not judged); amiLaunchIndex " + join(indexes));
  const Answer b = p.run(l);
  e.sent("the same request again", b);
  if (!same(a, b)) return e.fail("the repeat did not get the same reservation and 3 instances");
  return e.pass("MaxCount 3 launched 3 instances in one reservation; the repeat got the same 3");
}

RowResult row_zone_scope(Probe& p) {
  Evidence e;
  const auto& zones = p.config().zones;
  if (zones.size() != 2) return e.na("give --zones Z1,Z2 (two Availability Zones of the endpoint's Region) to check the zonal scope");
  Launch l = p.launch(p.fresh());
  l.zone = zones[0];
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  Launch m = l;
  m.zone = zones[1];
  const Answer b = p.run(m);
  e.sent("the same token in " + zones[1], b);
  const Answer c = p.run(l);
  e.sent("the first request again", c);
  if (!same(a, c)) return e.fail("the first request again did not get the first answer");
  const bool zonal = launched(b, 1) && other(a, b), regional = same(a, b);
  const SemanticsChoice want = p.config().semantics;
  if (want == SemanticsChoice::current) {
    if (zonal) return e.pass("under current semantics the zone is the token's scope: another zone launched again");
    return e.fail("under current semantics the same token in another zone is another launch; it got " + show(b));
  }
  if (want == SemanticsChoice::v2013) {
    if (regional) return e.pass("under 2013 semantics the scope is the Region and the zone is no parameter: the first answer");
    return e.fail("under 2013 semantics the same token in another zone gets the first answer; it got " + show(b));
  }
  if (!zonal && !regional)
    return e.fail("another zone got neither another launch (current) nor the first answer (2013): " + show(b));
  const SemanticsChoice s = zonal ? SemanticsChoice::current : SemanticsChoice::v2013;
  if (const std::string conflict = p.saw(s, "zone-scope"); !conflict.empty())
    return e.fail("the answers are those of " + std::string(semantics_choice_name(s)) + " semantics, " + conflict);
  return e.pass(zonal ? "saw current semantics: the zone is the token's scope" : "saw 2013 semantics: the scope is the Region");
}

RowResult row_subnet(Probe& p) {
  Evidence e;
  const auto& subnets = p.config().subnets;
  if (subnets.size() != 2) return e.na("give --subnets S1,S2 (two subnets of one Availability Zone) to check that SubnetId is compared");
  Launch l = p.launch(p.fresh());
  l.subnet = subnets[0];
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  Launch m = l;
  m.subnet = subnets[1];
  const Answer b = p.run(m);
  e.sent("the same token, SubnetId=" + subnets[1], b);
  if (is_error(b, "IdempotentParameterMismatch", 400)) return e.pass("another SubnetId got 400 IdempotentParameterMismatch");
  const std::string za = a.reservations[0].instances[0].zone;
  if (launched(b, 1) && other(a, b) && !za.empty()) {
    const std::string zb = b.reservations[0].instances[0].zone;
    if (!zb.empty() && zb != za)
      return e.na("the subnets are in different zones (" + za + ", " + zb +
                  "), so under current semantics they are different scopes; give two subnets of one zone");
  }
  return e.fail("another SubnetId with the same token must get 400 IdempotentParameterMismatch");
}

RowResult row_terminated(Probe& p) {
  Evidence e;
  const Launch l = p.launch(p.fresh());
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const std::vector<std::string> ids = a.instance_ids();
  const std::string wait = std::to_string(p.config().wait.count() / 1000) + " s";
  Answer t;
  std::optional<int> calls = p.poll([&] {
    t = p.terminate(p.endpoint(), ids);
    return !t.error("InvalidInstanceID.NotFound");  // a new instance may not be visible yet
  });
  e.sent("TerminateInstances InstanceId.1=" + ids[0] + (calls && *calls > 1 ? " (" + std::to_string(*calls) + " tries)" : ""), t);
  if (!t.ok()) return e.fail("the instance could not be terminated, so the rule could not be checked");
  Answer d;
  calls = p.poll([&] {
    d = p.describe_ids(p.endpoint(), ids);
    if (!d.ok()) return !d.error("InvalidInstanceID.NotFound");
    const auto instances = d.reservations.empty() ? std::vector<InstanceSeen>{} : d.reservations[0].instances;
    return !instances.empty() && std::all_of(instances.begin(), instances.end(), [](const InstanceSeen& i) { return i.state == "terminated"; });
  });
  e.sent("DescribeInstances InstanceId.1=" + ids[0] + (calls ? ", polled " + std::to_string(*calls) + " time(s)" : ", polled for " + wait), d);
  if (!calls) return e.fail("the instance was not terminated within " + wait + " (raise --wait)");
  if (!d.ok()) return e.fail("DescribeInstances failed, so the rule could not be checked");
  const Answer b = p.run(l);
  e.sent("the first request again", b);
  const bool refused = is_error(b, "IdempotentInstanceTerminated", 400), original = same(a, b);
  const SemanticsChoice want = p.config().semantics;
  if (want == SemanticsChoice::current) {
    if (refused) return e.pass("under current semantics the repeat got 400 IdempotentInstanceTerminated");
    return e.fail(std::string("under current semantics the repeat must get 400 IdempotentInstanceTerminated") +
                  (original ? "; it got the original answer (as under 2013)" : other(a, b) ? "; it launched again" : ""));
  }
  if (want == SemanticsChoice::v2013) {
    if (original) return e.pass("under 2013 semantics the repeat got the original answer");
    return e.fail(std::string("under 2013 semantics the repeat must get the original answer") +
                  (refused ? "; it got IdempotentInstanceTerminated (as under current)" : other(a, b) ? "; it launched again" : ""));
  }
  if (!refused && !original)
    return e.fail(std::string("the repeat got neither 400 IdempotentInstanceTerminated (current) nor the original answer (2013)") +
                  (other(a, b) ? ": it launched again" : ""));
  const SemanticsChoice s = refused ? SemanticsChoice::current : SemanticsChoice::v2013;
  if (const std::string conflict = p.saw(s, "terminated"); !conflict.empty())
    return e.fail("the answer is that of " + std::string(semantics_choice_name(s)) + " semantics, " + conflict);
  return e.pass(refused ? "saw current semantics: IdempotentInstanceTerminated" : "saw 2013 semantics: the original answer");
}

RowResult row_region(Probe& p) {
  Evidence e;
  const std::string& second = p.config().endpoint2;
  if (second.empty()) return e.na("give --endpoint2 (another Region's endpoint) to check that the Region is the token's scope");
  const Launch l = p.launch(p.fresh());
  const Answer a = p.run(l);
  e.sent(show(l) + " at " + p.endpoint(), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const Answer b = p.run(l, second);
  e.sent("the same request at " + second + " (" + p.config().region2 + ")", b);
  if (!launched(b, 1)) return e.fail("the same token in another Region must launch there: " + show(b));
  if (other(a, b)) return e.pass("the other Region launched another instance");
  // The same ids: two services that number alike, or the first Region's answer. The second
  // endpoint describes its own instances only.
  Answer d;
  const std::optional<int> calls = p.poll([&] {
    d = p.describe_ids(second, b.instance_ids());
    return d.ok() || !d.error("InvalidInstanceID.NotFound");
  });
  e.sent("the ids are the first Region's; DescribeInstances of them at " + second, d);
  if (calls && d.ok() && id_set(d) == id_set(b))
    return e.pass("the other Region's service numbers its instances as the first does: its own instance, with the same ids");
  return e.fail("the other Region answered with the first Region's reservation (is --endpoint2 another Region's endpoint?)");
}

RowResult row_no_token(Probe& p) {
  Evidence e;
  const Launch l = p.launch(std::nullopt);
  const Answer a = p.run(l);
  e.sent(show(l), a);
  if (!launched(a, 1)) return e.fail(first_launch_failed(a, 1));
  const Answer b = p.run(l);
  e.sent("the same request again", b);
  if (!launched(b, 1) || !other(a, b)) return e.fail("two requests without a token must be two launches");
  for (const Answer* x : {&a, &b})
    for (const InstanceSeen& i : x->reservations[0].instances)
      if (!i.token.empty())
        return e.fail("an instance launched without a token carries clientToken " + show_token(i.token) +
                      " (a stored stand-in for no token could make two tokenless launches one)");
  return e.pass("two reservations: without a token a retry launches again");
}

}  // namespace

const std::vector<Row>& rows() {
  static const std::vector<Row> all{
      {"repeat", "rule 2", "the same token with the same parameters gets the same reservation and instances",
       "200, then 200 naming the same reservation and instance ids", row_repeat},
      {"mismatch", "rule 3", "the same token with other parameters gets IdempotentParameterMismatch",
       "200; then 400 IdempotentParameterMismatch for another InstanceType and for another MaxCount; the first "
       "parameters again get the first answer",
       row_mismatch},
      {"length-64", "rule 1", "a token of 64 characters is accepted", "200, and a repeat gets the same answer", row_length_64},
      {"length-65", "rule 1", "a token of 65 characters is refused", "400 InvalidParameterValue", row_length_65},
      {"whole-token", "rule 1", "the whole token counts: tokens differing only in their last character are two tokens",
       "200 twice, two reservations", row_whole_token},
      {"non-ascii", "rule 1", "a token is ASCII: a byte of 128 or more is refused",
       "400 InvalidParameterValue for a token ending in UTF-8 'e-acute' (0xC3 0xA9); the reference "
       "(Service::valid_token) accepts 1 to 64 bytes each below 128, control characters included",
       row_non_ascii},
      {"case", "rule 1", "tokens are case-sensitive: a case variant is another token", "200 twice, two reservations", row_case},
      {"filter", "API", "DescribeInstances with Filter client-token finds the token's launch, and only it",
       "the listing is exactly the token's reservation and instance (polled while it is not visible yet)", row_filter},
      {"count", "API", "MinCount 1 MaxCount 3 launches 3 instances in one reservation (capacity permitting); a repeat gets the same 3",
       "200 with one reservation of 3 instances, then the same; InsufficientInstanceCapacity is n/a", row_count},
      {"zone-scope", "rule 4", "current: a zone given is the token's scope; 2013: the scope is the Region",
       "current: another zone launches again; 2013: the first answer; the first zone again: the first answer (n/a "
       "without --zones)",
       row_zone_scope},
      {"subnet-mismatch", "rule 3", "SubnetId is a parameter: the same token with another subnet of the zone is a mismatch",
       "400 IdempotentParameterMismatch (n/a without --subnets)", row_subnet},
      {"terminated", "rule 5", "a repeat after the instances terminated: current refuses it, 2013 answers as the first time",
       "terminate, poll Describe until terminated (at most --wait), repeat: current 400 IdempotentInstanceTerminated, "
       "2013 the original answer, auto either (and says which)",
       row_terminated},
      {"region", "rule 4", "the Region is the token's scope: the same token in another Region launches again",
       "200 at each endpoint, another instance at --endpoint2 (n/a without it)", row_region},
      {"no-token", "rule 6", "without a token nothing is deduplicated: a retry launches again",
       "200 twice, two reservations, no clientToken on the instances", row_no_token},
  };
  return all;
}

ProbeReport run_probe(Transport& transport, const ProbeConfig& config) {
  ProbeReport report;
  report.config = config;
  Probe probe(transport, report.config);
  // The endpoints answer as EC2 does, and this run's tokens are new there: the first row's first
  // token must find nothing (a second probe against the same endpoint needs another --seed).
  const std::string first = token_at(report.config, 0, "");
  for (const std::string* endpoint : {&report.config.endpoint, &report.config.endpoint2}) {  // probe's own fields: region_of
    if (endpoint->empty()) continue;
    const Answer a = probe.describe_token(*endpoint, first);
    if (!a.readable)
      throw ProbeError(*endpoint + " does not answer as an EC2 Query API endpoint: DescribeInstances got HTTP " +
                       std::to_string(a.status) + " \"" + a.excerpt + "\" (is it `idemsim serve`, and is the URL's path right?)");
    // Refused for who or where it is (the Region, the credentials): the probe was told wrong, and no
    // row would say anything of the rules.
    const bool refused_scope = a.readable && a.status >= 400 && a.status < 500 &&
                               (a.code == "AuthFailure" || a.code == "UnrecognizedClientException" ||
                                a.code == "InvalidClientTokenId" || a.code == "SignatureDoesNotMatch" ||
                                a.message.find("Region") != std::string::npos);
    if (refused_scope)
      throw ProbeError(*endpoint + " refused a DescribeInstances for Region " + probe.region_of(*endpoint) + ": " +
                       std::to_string(a.status) + " " + a.code + " \"" + a.message + "\"; give --region" +
                       (endpoint == &report.config.endpoint2 ? "2" : "") + " a Region that endpoint serves");
    if (!a.ok()) {
      report.notes.push_back(*endpoint + ": DescribeInstances with the client-token filter answered " + show(a) +
                             ", so whether this run's tokens are new there was not checked");
      continue;
    }
    bool used = false;
    for (const ReservationSeen& r : a.reservations)
      for (const InstanceSeen& i : r.instances)
        if (i.has_token && i.token == first) used = true;
    if (used)
      throw ProbeError("this run's tokens were used at " + *endpoint + " already (the token " + first + " has instances there): " +
                       "an earlier probe ran with --seed " + std::to_string(config.seed) +
                       (config.prefix.empty() ? "" : " and --prefix " + config.prefix) +
                       "; give another --seed (e.g. --seed " + std::to_string(config.seed + 1) + ")");
    report.notes.push_back(*endpoint + ": this run's tokens are new there (the client-token filter found " +
                           (a.reservations.empty() ? std::string("nothing")
                                                   : "instances, none carrying that token: not conclusive") + ")");
  }
  for (const Row& row : rows()) report.rows.push_back({&row, row.run(probe)});
  report.semantics_seen = probe.seen();
  for (std::string& n : probe.clean_up()) report.notes.push_back(std::move(n));
  return report;
}

// ---------------------------------------------------------------------------------------------
// Writing the table.

namespace {

// Words wrapped at `width`, each line after the first indented to `indent`; the first starts at
// column `start` (default: `indent`).
void wrap_to(std::ostream& out, std::string_view text, size_t indent, size_t width, size_t start = SIZE_MAX) {
  size_t col = start == SIZE_MAX ? indent : start;
  bool first = true;
  size_t i = 0;
  while (i < text.size()) {
    const size_t sp = text.find(' ', i);
    const std::string_view word = text.substr(i, sp == std::string_view::npos ? std::string_view::npos : sp - i);
    i = sp == std::string_view::npos ? text.size() : sp + 1;
    if (word.empty()) continue;
    if (!first && col + 1 + word.size() > width) {
      out << "\n" << std::string(indent, ' ');
      col = indent;
    } else if (!first) {
      out << ' ';
      ++col;
    }
    out << word;
    col += word.size();
    first = false;
  }
  out << "\n";
}

std::string headline(const ProbeReport& r) {
  const ProbeConfig& c = r.config;
  std::string s = c.endpoint + " (" + c.region + ")";
  if (!c.endpoint2.empty()) s += " and " + c.endpoint2 + " (" + c.region2 + ")";
  s += ", semantics " + std::string(semantics_choice_name(c.semantics));
  if (c.semantics == SemanticsChoice::automatic) s += r.semantics_seen.empty() ? " (nothing told)" : " (saw " + r.semantics_seen + ")";
  s += ", seed " + std::to_string(c.seed) + ", tokens " + c.token_prefix() + "...";
  return s;
}

std::string summary(const ProbeReport& r) {
  return std::to_string(r.rows.size()) + " rows: " + std::to_string(r.count(Verdict::pass)) + " pass, " +
         std::to_string(r.count(Verdict::fail)) + " FAIL, " + std::to_string(r.count(Verdict::na)) + " n/a";
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

}  // namespace

void write_text(std::ostream& out, const ProbeReport& r) {
  out << "idemsim probe: ";
  wrap_to(out, headline(r), 2, 100, 15);
  out << "\n";
  size_t id_w = 3;
  for (const RowOutcome& o : r.rows) id_w = std::max(id_w, o.row->id.size());
  out << "RESULT  " << "ROW" << std::string(id_w - 3 + 2, ' ') << "RULE    THE RULE\n";
  for (const RowOutcome& o : r.rows) {
    const std::string_view v = verdict_name(o.result.verdict);
    out << v << std::string(8 - v.size(), ' ') << o.row->id << std::string(id_w - o.row->id.size() + 2, ' ') << o.row->rule
        << std::string(8 - std::min<size_t>(8, o.row->rule.size()), ' ');
    wrap_to(out, o.row->words, 8 + id_w + 2 + 8, 100);
  }
  out << "\n" << summary(r) << "\n";
  for (const RowOutcome& o : r.rows) {
    out << "\n" << o.row->id << " (" << o.row->rule << "): " << verdict_name(o.result.verdict) << "\n  expect: ";
    wrap_to(out, o.row->expect, 10, 100);
    for (const std::string& line : o.result.evidence) {
      out << "  - ";
      wrap_to(out, line, 4, 100);
    }
  }
  if (!r.notes.empty()) out << "\n";
  for (const std::string& n : r.notes) {
    out << "note: ";
    wrap_to(out, n, 6, 100);
  }
}

void write_markdown(std::ostream& out, const ProbeReport& r) {
  out << "## idemsim probe\n\n" << md_cell(headline(r)) << "\n\n";
  out << "| row | rule | in words | expected | result | evidence |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const RowOutcome& o : r.rows) {
    std::string evidence;
    for (const std::string& line : o.result.evidence) evidence += (evidence.empty() ? "" : "\n") + line;
    out << "| `" << o.row->id << "` | " << o.row->rule << " | " << md_cell(o.row->words) << " | " << md_cell(o.row->expect)
        << " | **" << verdict_name(o.result.verdict) << "** | " << md_cell(evidence) << " |\n";
  }
  out << "\n" << summary(r) << "\n";
  for (const std::string& n : r.notes) out << "\n- " << md_cell(n);
  if (!r.notes.empty()) out << "\n";
}

void write_json(std::ostream& out, const ProbeReport& r) {
  const ProbeConfig& c = r.config;
  nlohmann::ordered_json j;
  j["endpoint"] = c.endpoint;
  j["region"] = c.region;
  j["endpoint2"] = c.endpoint2.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.endpoint2);
  j["region2"] = c.endpoint2.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.region2);
  j["semantics"] = semantics_choice_name(c.semantics);
  j["semantics_seen"] = r.semantics_seen.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.semantics_seen);
  j["seed"] = c.seed;
  j["prefix"] = c.token_prefix();
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const RowOutcome& o : r.rows) {
    nlohmann::ordered_json row;
    row["id"] = o.row->id;
    row["rule"] = o.row->rule;
    row["words"] = o.row->words;
    row["expect"] = o.row->expect;
    row["result"] = verdict_name(o.result.verdict);
    nlohmann::ordered_json ev = nlohmann::ordered_json::array();
    for (const std::string& line : o.result.evidence) ev.push_back(line);  // printable ASCII: tokens and answers are shown escaped
    row["evidence"] = ev;
    rows.push_back(row);
  }
  j["rows"] = rows;
  j["notes"] = r.notes;
  j["pass"] = r.count(Verdict::pass);
  j["fail"] = r.count(Verdict::fail);
  j["na"] = r.count(Verdict::na);
  j["exit"] = r.exit_code();
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";  // a URL's stray bytes: U+FFFD
}

}  // namespace idem::serve
