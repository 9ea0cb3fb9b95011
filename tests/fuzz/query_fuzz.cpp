// libFuzzer target for serve/query.cpp (tests/fuzz/run_fuzz.sh builds and runs it): any bytes as a
// form. Beyond never crashing, it holds the layer to what serve/query.h promises:
// - a refusal is a 400 with one of the layer's codes and a message, and its error document is
//   well-formed XML that reads back the code;
// - a decoded form, written again with every byte escaped, decodes to the same fields;
// - a parsed request keeps its bounds (counts 1..100000, min <= max, at most 1000 ids, a token
//   present exactly when it is not empty), and written again as a plain form it parses the same;
// - every XML answer rendered from the request's strings is well-formed, and escaped text reads
//   back as the text (bytes XML cannot hold as U+FFFD);
// - an instance id that parses is the model's spelling of that number.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "serve/query.h"
#include "tests/fuzz/xml_check.h"

namespace {

using namespace idem::serve;
using idem::test::xml_problem;
using idem::test::xml_text;
using idem::test::xml_unescape;

// Stops the run with what broke; libFuzzer keeps the input as a crash file.
void require(bool ok, const char* what, std::string_view detail = "") {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\n%.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void require_xml(const std::string& doc) {
  const std::string problem = xml_problem(doc);
  require(problem.empty(), problem.c_str(), doc);
}

// Whether xml_escape has nothing to replace in `s`: valid UTF-8 of XML characters, none of them a
// control character (DEL and C1 are XML characters but controls).
bool clean(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t length = 0;
    if (!idem::test::utf8_at(s, i, cp, length) || !idem::test::xml_char(cp) || (cp >= 0x7f && cp <= 0x9f))
      return false;
    i += length;
  }
  return true;
}

// Clean text reads back as itself, and only clean text does; escaping what was read back gives
// the same escaped text (the replacements are final).
void check_escape(std::string_view s) {
  const std::string escaped = xml_escape(s);
  bool ok = false;
  const std::string back = xml_unescape(escaped, &ok);
  require(ok && escaped.find_first_of("<>\"'") == std::string::npos, "xml_escape left markup", escaped);
  require((back == s) == clean(s), "text reads back as itself though it is not clean, or the reverse", escaped);
  require(xml_escape(back) == escaped, "xml_escape is not stable on its own output", escaped);
}

void check_error(const WireError& e) {
  static constexpr std::string_view kCodes[] = {"MalformedQueryString", "MissingAction", "InvalidAction",
                                                "MissingParameter", "InvalidParameterValue"};
  require(e.status == 400, "a refusal that is not a 400", e.code);
  require(std::find(std::begin(kCodes), std::end(kCodes), e.code) != std::end(kCodes), "an unknown code", e.code);
  require(!e.message.empty(), "a refusal without a message", e.code);
  const std::string doc = error_xml("0f1e2d3c-aaaa-bbbb-cccc-000000000000", e.code, e.message);
  require_xml(doc);
  require(xml_text(doc, "Code") == e.code, "the error's code does not read back", doc);
}

// Every byte but the unreserved ones %-escaped, in upper or lower case by its position.
std::string encode(const Form& form) {
  static constexpr char kUpper[] = "0123456789ABCDEF", kLower[] = "0123456789abcdef";
  std::string out;
  auto put = [&out](const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_' || c == '~') {
        out += static_cast<char>(c);
      } else {
        const char* hex = i % 2 ? kLower : kUpper;
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      }
    }
  };
  for (const auto& [name, value] : form.fields) {
    if (!out.empty()) out += '&';
    put(name);
    out += '=';
    put(value);
  }
  return out;
}

// The request as the plainest form that says it.
Form canonical(const Ec2Request& r) {
  Form f;
  auto add = [&f](std::string name, std::string value) { f.fields.emplace_back(std::move(name), std::move(value)); };
  add("Action", std::string(action_name(r.action)));
  if (!r.version.empty()) add("Version", r.version);
  if (r.action == Action::run_instances) {
    add("ImageId", r.image);
    add("MinCount", std::to_string(r.min_count));
    add("MaxCount", std::to_string(r.max_count));
    add("InstanceType", r.instance_type);
    if (!r.key_name.empty()) add("KeyName", r.key_name);
    if (!r.zone.empty()) add("Placement.AvailabilityZone", r.zone);
    if (!r.subnet.empty()) add("SubnetId", r.subnet);
    if (r.has_token) add("ClientToken", r.token);
    if (!r.intent_tag.empty()) {
      add("TagSpecification.1.ResourceType", "instance");
      add("TagSpecification.1.Tag.1.Key", "idemsim:intent");
      add("TagSpecification.1.Tag.1.Value", r.intent_tag);
    }
    return f;
  }
  for (size_t k = 0; k < r.instance_ids.size(); ++k) add("InstanceId." + std::to_string(k + 1), r.instance_ids[k]);
  int n = 0;
  for (const auto& [filter, values] : {std::pair{"client-token", &r.client_tokens},
                                       std::pair{"instance-state-name", &r.state_names}}) {
    if (values->empty()) continue;
    const std::string at = "Filter." + std::to_string(++n);
    add(at + ".Name", filter);
    for (size_t m = 0; m < values->size(); ++m) add(at + ".Value." + std::to_string(m + 1), (*values)[m]);
  }
  return f;
}

bool same(const Ec2Request& a, const Ec2Request& b) {
  auto fields = [](const Ec2Request& r) {
    return std::tie(r.action, r.version, r.image, r.instance_type, r.key_name, r.zone, r.subnet, r.min_count,
                    r.max_count, r.has_token, r.token, r.intent_tag, r.instance_ids, r.client_tokens,
                    r.has_token_filter, r.state_names);
  };
  return fields(a) == fields(b);
}

void check_request(const Ec2Request& r) {
  if (r.action == Action::run_instances) {
    require(!r.image.empty() && !r.instance_type.empty(), "a launch without an image or a type");
    require(1 <= r.min_count && r.min_count <= r.max_count && r.max_count <= 100000, "counts out of range");
  }
  require(r.has_token == !r.token.empty(), "has_token disagrees with the token");
  require(r.has_token_filter == !r.client_tokens.empty(), "has_token_filter disagrees with its values");
  require(r.instance_ids.size() <= 1000 && r.client_tokens.size() <= 1000 && r.state_names.size() <= 1000,
          "a list longer than 1000");
  require(r.action != Action::terminate_instances || !r.instance_ids.empty(), "a termination of nothing");
  const auto again = parse_request(canonical(r));
  require(std::holds_alternative<Ec2Request>(again) && same(std::get<Ec2Request>(again), r),
          "the request written as a plain form parses otherwise", encode(canonical(r)));
}

// Every answer, with the request's strings wherever an answer has text.
void render_answers(const Ec2Request& r) {
  const std::string first_id = r.instance_ids.empty() ? r.image : r.instance_ids.front();
  const std::string state = r.state_names.empty() ? "pending" : r.state_names.front();
  InstanceXml i{first_id, r.image, r.instance_type, r.key_name, r.min_count, state, r.zone, r.subnet, r.token,
                r.version, r.max_count};
  ReservationXml reservation{r.intent_tag, r.version, {i, i}};
  const std::string run = run_instances_xml(r.token, reservation);
  require_xml(run);
  require(xml_text(run, "clientToken") == xml_unescape(xml_escape(r.token)), "the token does not read back", run);
  require_xml(describe_instances_xml(r.intent_tag, {reservation, ReservationXml{}}));
  std::vector<StateChangeXml> changes;
  for (const std::string& id : r.instance_ids) changes.push_back({id, r.min_count, r.max_count, state, r.key_name});
  require_xml(terminate_instances_xml(r.version, changes));
}

void check_instance_id(const std::string& id) {
  const uint32_t n = parse_instance_id(id);
  if (n == 0) return;
  char name[24];
  std::snprintf(name, sizeof name, "i-%017x", n);
  require(id == name, "an instance id parsed that is not the model's spelling of its number", id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_escape(text);
  check_instance_id(std::string(text));
  const auto form = parse_form(text);
  if (const auto* e = std::get_if<WireError>(&form)) {
    require(e->code == "MalformedQueryString", "parse_form refused with another code", e->code);
    check_error(*e);
    return 0;
  }
  const Form& f = std::get<Form>(form);
  const auto again = parse_form(encode(f));
  require(std::holds_alternative<Form>(again) && std::get<Form>(again).fields == f.fields,
          "the form written again decodes otherwise", encode(f));
  const auto request = parse_request(f);
  if (const auto* e = std::get_if<WireError>(&request)) {
    require(e->code != "MalformedQueryString", "parse_request refused with parse_form's code");
    check_error(*e);
    return 0;
  }
  const Ec2Request& r = std::get<Ec2Request>(request);
  check_request(r);
  for (const std::string& id : r.instance_ids) check_instance_id(id);
  render_answers(r);
  return 0;
}
