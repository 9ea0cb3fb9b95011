// The EC2 Query API: a form parsed into a typed request, and EC2's XML answers. Every function
// here is pure and total: what the layer refuses is a WireError value, never an exception, so the
// server can answer whatever bytes it is sent. No other part of the project is included, so the
// fuzz target (tests/fuzz/run_fuzz.sh) builds this file alone.
#include "serve/query.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace idem::serve {

namespace {

constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
constexpr std::array<std::string_view, 3> kActionNames = {"RunInstances", "DescribeInstances",
                                                          "TerminateInstances"};
constexpr std::string_view kKnownActions = "RunInstances, DescribeInstances and TerminateInstances";
constexpr int32_t kMaxCount = 100000;     // MinCount and MaxCount (the loader's bound on one call)
constexpr uint32_t kMaxListEntries = 1000;  // InstanceId.N, Filter.N, Filter.N.Value.M
constexpr std::string_view kIntentTagKey = "idemsim:intent";
constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

WireError invalid_value(std::string message) { return {400, "InvalidParameterValue", std::move(message)}; }

// A name or value as a message quotes it: between single quotes, cut after 100 bytes (a message
// says what was wrong; it need not carry a megabyte of it back). error_xml escapes the rest.
std::string quoted(std::string_view s) {
  constexpr size_t kShown = 100;
  std::string out = "'";
  out += s.substr(0, kShown);
  if (s.size() > kShown) out += "...";
  return out + "'";
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Appends `text` (a name or a value; `at` its offset in the whole form) decoded to `out`. Returns
// the offset of a '%' not followed by two hex digits, or nothing when every escape was good.
std::optional<size_t> decode(std::string_view text, size_t at, std::string& out) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      const int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return at + i;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return std::nullopt;
}

// A parameter's value, or null when it is absent or empty. An empty value says nothing: SDKs leave
// out the fields a caller did not set, and a form like `KeyName=` is read the same way. So
// `ClientToken=` is a request without a token, not one with an empty token.
const std::string* value_of(const Form& form, std::string_view name) {
  const std::string* v = form.get(name);
  return v && !v->empty() ? v : nullptr;
}

// A required parameter that is absent, or empty (which value_of reads as absent).
WireError missing(const Form& form, std::string_view name) {
  std::string message = "The request must contain the parameter " + std::string(name);
  if (form.get(name)) message += " (it is given empty, which counts as not given)";
  return {400, "MissingParameter", std::move(message)};
}

// The first parameter, in the order of names, that the form gives more than once.
std::optional<WireError> refuse_repeats(const Form& form) {
  std::vector<std::string_view> names;
  names.reserve(form.fields.size());
  for (const auto& field : form.fields) names.push_back(field.first);
  std::sort(names.begin(), names.end());
  const auto twice = std::adjacent_find(names.begin(), names.end());
  if (twice == names.end()) return std::nullopt;
  return invalid_value("The parameter " + quoted(*twice) + " is given more than once; give each parameter once");
}

// MinCount or MaxCount: decimal digits only, from 1 to kMaxCount.
std::optional<WireError> read_count(const Form& form, std::string_view name, int32_t& out) {
  const std::string* v = value_of(form, name);
  if (!v) return missing(form, name);
  int32_t n = 0;
  for (char c : *v) {
    if (c < '0' || c > '9' || n > kMaxCount) {
      n = 0;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > kMaxCount)
    return invalid_value("Value " + quoted(*v) + " for parameter " + std::string(name) +
                         " is invalid: it must be a whole number from 1 to " + std::to_string(kMaxCount));
  out = n;
  return std::nullopt;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// A list index at the start of `s`, consumed: 1 to kMaxListEntries, written as EC2 numbers lists
// (no sign, no leading zero). 0 when there is none, `s` then unchanged.
uint32_t consume_index(std::string_view& s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return 0;
  uint32_t n = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    n = n * 10 + static_cast<uint32_t>(s[i] - '0');
    if (n > kMaxListEntries) return 0;
  }
  s.remove_prefix(i);
  return n;
}

// The value of the first tag, in the form's order, whose key is kIntentTagKey
// (TagSpecification.N.Tag.M.Key, with its TagSpecification.N.Tag.M.Value); "" when none.
std::string intent_tag(const Form& form) {
  for (const auto& [name, value] : form.fields) {
    std::string_view rest = name;
    if (value != kIntentTagKey || !consume(rest, "TagSpecification.") || !consume_index(rest) ||
        !consume(rest, ".Tag.") || !consume_index(rest) || rest != ".Key")
      continue;
    const std::string* tag_value = form.get(name.substr(0, name.size() - 3) + "Value");
    return tag_value ? *tag_value : "";
  }
  return "";
}

std::optional<WireError> read_run(const Form& form, Ec2Request& r) {
  const std::string* image = value_of(form, "ImageId");
  if (!image) return missing(form, "ImageId");
  r.image = *image;
  if (auto e = read_count(form, "MinCount", r.min_count)) return e;
  if (auto e = read_count(form, "MaxCount", r.max_count)) return e;
  if (r.min_count > r.max_count)
    return invalid_value("MinCount (" + std::to_string(r.min_count) + ") must not be more than MaxCount (" +
                         std::to_string(r.max_count) + ")");
  const std::string* type = value_of(form, "InstanceType");
  r.instance_type = type ? *type : "m1.small";
  if (const std::string* v = value_of(form, "KeyName")) r.key_name = *v;
  if (const std::string* v = value_of(form, "Placement.AvailabilityZone")) r.zone = *v;
  if (const std::string* v = value_of(form, "SubnetId")) r.subnet = *v;
  if (const std::string* v = value_of(form, "ClientToken")) {
    r.has_token = true;
    r.token = *v;
  }
  r.intent_tag = intent_tag(form);
  return std::nullopt;
}

// `shape` is what a list's parameters look like, `numbers` the letters in it that stand for indexes.
WireError not_an_entry(std::string_view name, std::string_view shape, std::string_view numbers) {
  return invalid_value("The parameter " + quoted(name) + " is not of the form " + std::string(shape) + " (" +
                       std::string(numbers) + " from 1 to " + std::to_string(kMaxListEntries) +
                       ", without leading zeros)");
}

// A list's entries are numbered 1, 2, ... with no gap. `indexes` are the ones given (each once,
// ascending: the keys of a map); the error names the first one missing.
std::optional<WireError> refuse_gaps(std::string_view list, const std::vector<uint32_t>& indexes) {
  for (uint32_t k = 0; k < indexes.size(); ++k) {
    if (indexes[k] == k + 1) continue;
    const std::string entry = std::string(list) + ".";
    return invalid_value(entry + std::to_string(k + 1) + " is missing: the list " + entry +
                         "N is numbered from 1 without a gap, and " + entry + std::to_string(indexes[k]) +
                         " was given");
  }
  return std::nullopt;
}

template <typename T>
std::vector<uint32_t> keys(const std::map<uint32_t, T>& m) {
  std::vector<uint32_t> out;
  for (const auto& entry : m) out.push_back(entry.first);
  return out;
}

// InstanceId.N, in order. A parameter that begins as the list's names do but is not one of its
// entries (InstanceId.01, InstanceId.1.x) is refused rather than ignored: dropping an id a caller
// meant to send would describe or terminate other instances than it asked for.
std::optional<WireError> read_instance_ids(const Form& form, bool required, Ec2Request& r) {
  std::map<uint32_t, const std::string*> ids;
  for (const auto& [name, value] : form.fields) {
    std::string_view rest = name;
    if (!consume(rest, "InstanceId.")) continue;
    const uint32_t n = consume_index(rest);
    if (!n || !rest.empty()) return not_an_entry(name, "InstanceId.N", "N");
    ids[n] = &value;
  }
  if (required && ids.empty()) return missing(form, "InstanceId.1");
  if (auto e = refuse_gaps("InstanceId", keys(ids))) return e;
  for (const auto& entry : ids) r.instance_ids.push_back(*entry.second);
  return std::nullopt;
}

// DescribeInstances' Filter.N.Name and Filter.N.Value.M. As with InstanceId.N, a parameter under
// Filter. that is not one of these is refused: a filter silently dropped would describe more.
// A filter name given twice is refused too: EC2 requires both filters to match, which one list of
// values cannot say. MaxResults and NextToken are ignored with the other parameters idemsim does
// not read (every instance is described at once).
std::optional<WireError> read_filters(const Form& form, Ec2Request& r) {
  struct Filter {
    const std::string* name = nullptr;
    std::map<uint32_t, const std::string*> values;
  };
  constexpr std::string_view kFilterShape = "Filter.N.Name or Filter.N.Value.M";
  std::map<uint32_t, Filter> filters;
  for (const auto& [name, value] : form.fields) {
    std::string_view rest = name;
    if (!consume(rest, "Filter.")) continue;
    const uint32_t n = consume_index(rest);
    if (!n) return not_an_entry(name, kFilterShape, "N and M");
    if (rest == ".Name") {
      filters[n].name = &value;
      continue;
    }
    const uint32_t m = consume(rest, ".Value.") ? consume_index(rest) : 0;
    if (!m || !rest.empty()) return not_an_entry(name, kFilterShape, "N and M");
    filters[n].values[m] = &value;
  }
  if (auto e = refuse_gaps("Filter", keys(filters))) return e;
  std::map<std::string_view, uint32_t> seen;  // a filter's name, the first N that gave it
  for (const auto& [n, filter] : filters) {
    const std::string at = "Filter." + std::to_string(n);
    if (!filter.name) return missing(form, at + ".Name");
    if (filter.values.empty()) return missing(form, at + ".Value.1");
    if (auto e = refuse_gaps(at + ".Value", keys(filter.values))) return e;
    std::vector<std::string>* into = *filter.name == "client-token"          ? &r.client_tokens
                                     : *filter.name == "instance-state-name" ? &r.state_names
                                                                             : nullptr;
    if (!into)
      return invalid_value("The filter " + quoted(*filter.name) +
                           " is not supported by idemsim serve; supported: client-token, instance-state-name");
    if (const auto [first, fresh] = seen.emplace(*filter.name, n); !fresh)
      return invalid_value("The filter " + quoted(*filter.name) + " is given twice (Filter." +
                           std::to_string(first->second) + " and " + at + "); give its values in one filter");
    for (const auto& value : filter.values) into->push_back(*value.second);
  }
  r.has_token_filter = !r.client_tokens.empty();
  return std::nullopt;
}

// The code point of the UTF-8 sequence at the start of `s` (not empty) and its length in bytes;
// length 0 when it is not one: a stray continuation byte, a cut sequence, an overlong form, a
// surrogate, a value past U+10FFFF.
std::pair<uint32_t, size_t> decode_utf8(std::string_view s) {
  const auto lead = static_cast<unsigned char>(s[0]);
  if (lead < 0x80) return {lead, 1};
  size_t length = 0;
  uint32_t cp = 0, least = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, cp = lead & 0x1f, least = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, cp = lead & 0x0f, least = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, cp = lead & 0x07, least = 0x10000;
  } else {
    return {0, 0};
  }
  if (s.size() < length) return {0, 0};
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[k]);
    if ((b & 0xc0) != 0x80) return {0, 0};
    cp = cp << 6 | (b & 0x3f);
  }
  if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {0, 0};
  return {cp, length};
}

// What XML text may not hold as it is: the control characters (C0 but tab, LF and CR; DEL; C1),
// of which XML 1.0 forbids the C0 ones, and U+FFFE and U+FFFF, which are not XML characters.
bool replaced(uint32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe ||
         cp == 0xffff;
}

// The XML documents are written flat (no indentation): every SDK reads them by element name.
void open(std::string& out, std::string_view name) {
  out += '<';
  out += name;
  out += '>';
}
void close(std::string& out, std::string_view name) {
  out += "</";
  out += name;
  out += '>';
}
void element(std::string& out, std::string_view name, std::string_view text) {
  open(out, name);
  out += xml_escape(text);
  close(out, name);
}
void number(std::string& out, std::string_view name, int value) { element(out, name, std::to_string(value)); }
void state(std::string& out, std::string_view name, int code, std::string_view state_name) {
  open(out, name);
  number(out, "code", code);
  element(out, "name", state_name);
  close(out, name);
}

// The declaration, the root element opened in EC2's namespace, and the request id.
std::string document(std::string_view root, const std::string& request_id) {
  std::string out(kXmlDeclaration);
  out += '<';
  out += root;
  out += " xmlns=\"";
  out += kNamespace;
  out += "\">";
  element(out, "requestId", request_id);
  return out;
}

// One instancesSet item, in the order EC2's own answers give the fields.
void instance_item(std::string& out, const InstanceXml& i) {
  open(out, "item");
  element(out, "instanceId", i.id);
  element(out, "imageId", i.image);
  state(out, "instanceState", i.state_code, i.state_name);
  element(out, "privateDnsName", "");
  element(out, "dnsName", "");
  if (!i.key_name.empty()) element(out, "keyName", i.key_name);
  number(out, "amiLaunchIndex", i.ami_launch_index);
  element(out, "instanceType", i.type);
  element(out, "launchTime", i.launch_time);
  open(out, "placement");
  element(out, "availabilityZone", i.zone);
  element(out, "tenancy", "default");
  close(out, "placement");
  open(out, "monitoring");
  element(out, "state", "disabled");
  close(out, "monitoring");
  if (!i.subnet.empty()) element(out, "subnetId", i.subnet);
  if (!i.token.empty()) element(out, "clientToken", i.token);
  close(out, "item");
}

// A reservation's own fields and its instancesSet (RunInstances' answer is one reservation, and
// DescribeInstances' reservationSet items are the same).
void reservation_fields(std::string& out, const ReservationXml& r) {
  element(out, "reservationId", r.id);
  element(out, "ownerId", r.owner);
  element(out, "groupSet", "");
  open(out, "instancesSet");
  for (const InstanceXml& i : r.instances) instance_item(out, i);
  close(out, "instancesSet");
}

}  // namespace

const std::string* Form::get(std::string_view name) const {
  for (const auto& field : fields)
    if (field.first == name) return &field.second;
  return nullptr;
}

std::variant<Form, WireError> parse_form(std::string_view text) {
  Form form;
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find('&', start), text.size());
    const std::string_view field = text.substr(start, end - start);
    if (!field.empty()) {
      const size_t eq = field.find('=');
      std::string name, value;
      std::optional<size_t> bad = decode(field.substr(0, eq), start, name);
      if (!bad && eq != std::string_view::npos) bad = decode(field.substr(eq + 1), start + eq + 1, value);
      if (bad)
        return WireError{400, "MalformedQueryString",
                         "The query string has a bad %-escape at byte " + std::to_string(*bad) + " (from 0): " +
                             quoted(text.substr(*bad, 3)) +
                             "; '%' must be followed by two hex digits (%3A is ':', %25 is '%' itself)"};
      form.fields.emplace_back(std::move(name), std::move(value));
    }
    start = end + 1;
  }
  return form;
}

std::string_view action_name(Action a) { return kActionNames[static_cast<size_t>(a)]; }

std::variant<Ec2Request, WireError> parse_request(const Form& form) {
  if (auto e = refuse_repeats(form)) return *e;
  const std::string* action = value_of(form, "Action");
  if (!action)
    return WireError{400, "MissingAction",
                     "The request has no Action; idemsim serve knows " + std::string(kKnownActions)};
  const auto known = std::find(kActionNames.begin(), kActionNames.end(), *action);
  if (known == kActionNames.end())
    return WireError{400, "InvalidAction",
                     "The action " + quoted(*action) + " is not valid for this web service; idemsim serve knows " +
                         std::string(kKnownActions)};
  Ec2Request r;
  r.action = static_cast<Action>(known - kActionNames.begin());
  if (const std::string* v = form.get("Version")) r.version = *v;
  std::optional<WireError> e;
  switch (r.action) {
    case Action::run_instances: e = read_run(form, r); break;
    case Action::describe_instances:
      e = read_instance_ids(form, false, r);
      if (!e) e = read_filters(form, r);
      break;
    case Action::terminate_instances: e = read_instance_ids(form, true, r); break;
  }
  if (e) return *e;
  return r;
}

uint32_t parse_instance_id(std::string_view id) {
  constexpr size_t kDigits = 17;  // model::instance_name prints "i-%017x"
  if (id.size() != 2 + kDigits || id.substr(0, 2) != "i-") return 0;
  uint64_t n = 0;
  for (char c : id.substr(2)) {
    const int d = hex_digit(c);
    if (d < 0 || (c >= 'A' && c <= 'F') || n > UINT32_MAX) return 0;
    n = n * 16 + static_cast<uint64_t>(d);
  }
  return n <= UINT32_MAX ? static_cast<uint32_t>(n) : 0;
}

std::string run_instances_xml(const std::string& request_id, const ReservationXml& r) {
  std::string out = document("RunInstancesResponse", request_id);
  reservation_fields(out, r);
  close(out, "RunInstancesResponse");
  return out;
}

std::string describe_instances_xml(const std::string& request_id, const std::vector<ReservationXml>& rs) {
  std::string out = document("DescribeInstancesResponse", request_id);
  open(out, "reservationSet");
  for (const ReservationXml& r : rs) {
    open(out, "item");
    reservation_fields(out, r);
    close(out, "item");
  }
  close(out, "reservationSet");
  close(out, "DescribeInstancesResponse");
  return out;
}

std::string terminate_instances_xml(const std::string& request_id, const std::vector<StateChangeXml>& changes) {
  std::string out = document("TerminateInstancesResponse", request_id);
  open(out, "instancesSet");
  for (const StateChangeXml& c : changes) {
    open(out, "item");
    element(out, "instanceId", c.id);
    state(out, "currentState", c.current_code, c.current_name);
    state(out, "previousState", c.previous_code, c.previous_name);
    close(out, "item");
  }
  close(out, "instancesSet");
  close(out, "TerminateInstancesResponse");
  return out;
}

// The shape botocore, the AWS CLI and the JS SDK v3 read EC2's errors in (no namespace, RequestID
// spelt so).
std::string error_xml(const std::string& request_id, std::string_view code, std::string_view message) {
  std::string out(kXmlDeclaration);
  out += "<Response><Errors><Error>";
  element(out, "Code", code);
  element(out, "Message", message);
  out += "</Error></Errors>";
  element(out, "RequestID", request_id);
  out += "</Response>";
  return out;
}

// Invalid UTF-8 is replaced byte by byte (each byte that begins no valid sequence is one U+FFFD).
// A CR is written as a reference: a parser reads a raw CR as LF.
std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto [cp, length] = decode_utf8(s.substr(i));
    if (length == 0 || replaced(cp)) {
      out += kReplacement;
      i += length ? length : 1;
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      default: out += s.substr(i, length);
    }
    i += length;
  }
  return out;
}

}  // namespace idem::serve
