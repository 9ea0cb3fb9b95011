#include "serve/session.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace idem::serve {

using nlohmann::ordered_json;

namespace {

// Tokens, names and parameters may be any bytes; JSON strings are UTF-8. Printable ASCII goes as
// it is (`"token": "job-1"`, greppable), anything else as hex under the key with "_hex".
bool plain(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}
std::string hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += kDigits[c >> 4], out += kDigits[c & 15];
  return out;
}
std::string unhex(const std::string& h) {
  if (h.size() % 2) throw std::invalid_argument("an odd number of hex digits");
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument(std::string("'") + c + "' is not a hex digit");
  };
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) out += static_cast<char>(digit(h[i]) * 16 + digit(h[i + 1]));
  return out;
}

void put(ordered_json& j, const std::string& key, std::string_view text) {
  if (plain(text)) j[key] = std::string(text);
  else j[key + "_hex"] = hex(text);
}
std::string get(const ordered_json& j, const std::string& key) {
  if (j.contains(key)) return j.at(key).get<std::string>();
  return unhex(j.at(key + "_hex").get<std::string>());
}
bool has(const ordered_json& j, const std::string& key) { return j.contains(key) || j.contains(key + "_hex"); }

}  // namespace

void write_header(std::ostream& out, const std::string& scenario, uint64_t content_hash, uint64_t seed) {
  ordered_json j;
  j["idemsim_session"] = 1;
  j["scenario"] = scenario;
  j["content_hash"] = content_hash;
  j["seed"] = seed;
  out << j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

void write_input(std::ostream& out, const SessionInput& in) {
  ordered_json j;
  j["t"] = in.at_us;
  if (in.kind == SessionInput::gone) {
    j["gone"] = in.nth;
  } else {
    const harness::LiveRequest& r = in.req;
    const model::LaunchParams& p = r.request.params;
    j["api"] = static_cast<int>(r.api);
    j["region"] = r.request.region;
    j["account"] = r.request.account;
    put(j, "image", p.image);
    put(j, "type", p.type);
    if (!p.key.empty()) put(j, "key", p.key);
    if (!p.zone.empty()) put(j, "zone", p.zone);
    if (!p.subnet.empty()) put(j, "subnet", p.subnet);
    j["min"] = p.min;
    j["max"] = p.max;
    if (r.request.has_token) {
      put(j, "token", r.request.token.view());
      // A token longer than the bytes the model keeps (model::Token::kStored): its length too.
      if (r.request.token.size() > r.request.token.view().size()) j["token_size"] = r.request.token.size();
    }
    if (!r.ids.empty()) j["ids"] = r.ids;
    if (r.token_filter) put(j, "filter", r.token_filter->view());
    put(j, "client", r.client);
    if (!r.invocation.empty()) put(j, "invocation", r.invocation);
    if (!r.intent.empty()) put(j, "intent", r.intent);
  }
  out << j.dump() << "\n";
}

void write_end(std::ostream& out, int64_t end_us) {
  ordered_json j;
  j["end"] = end_us;
  out << j.dump() << "\n";
}

Session read_session(std::istream& in, const std::string& file) {
  Session s;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      const auto j = ordered_json::parse(line);
      if (n == 1) {
        if (!j.contains("idemsim_session")) throw std::invalid_argument("the first line is not a session header (idemsim_session)");
        s.scenario = j.at("scenario").get<std::string>();
        s.content_hash = j.at("content_hash").get<uint64_t>();
        s.seed = j.at("seed").get<uint64_t>();
        continue;
      }
      if (j.contains("end")) {
        s.end_us = j.at("end").get<int64_t>();
        continue;
      }
      SessionInput x;
      x.at_us = j.at("t").get<int64_t>();
      if (!s.inputs.empty() && x.at_us < s.inputs.back().at_us) throw std::invalid_argument("a time before the line above's");
      if (j.contains("gone")) {
        x.kind = SessionInput::gone;
        x.nth = j.at("gone").get<uint32_t>();
      } else {
        harness::LiveRequest& r = x.req;
        const int api = j.at("api").get<int>();
        if (api < 0 || api > 2) throw std::invalid_argument("api is 0, 1 or 2");
        r.api = static_cast<model::Api>(api);
        r.request.region = j.at("region").get<uint32_t>();
        r.request.account = j.at("account").get<uint32_t>();
        model::LaunchParams& lp = r.request.params;
        lp.image = get(j, "image"), lp.type = get(j, "type");
        if (has(j, "key")) lp.key = get(j, "key");
        if (has(j, "zone")) lp.zone = get(j, "zone");
        if (has(j, "subnet")) lp.subnet = get(j, "subnet");
        lp.min = j.at("min").get<int32_t>(), lp.max = j.at("max").get<int32_t>();
        if (has(j, "token")) {
          std::string t = get(j, "token");
          // The bytes past those kept do not matter to the model, only how many there were.
          if (j.contains("token_size")) t.resize(std::max<size_t>(t.size(), j.at("token_size").get<uint32_t>()), '\0');
          r.request.has_token = true, r.request.token = model::Token(t);
        }
        if (j.contains("ids")) r.ids = j.at("ids").get<std::vector<uint32_t>>();
        if (has(j, "filter")) r.token_filter = model::Token(get(j, "filter"));
        r.client = get(j, "client");
        if (has(j, "invocation")) r.invocation = get(j, "invocation");
        if (has(j, "intent")) r.intent = get(j, "intent");
      }
      s.inputs.push_back(std::move(x));
    } catch (const std::exception& e) {
      throw std::runtime_error(file + ":" + std::to_string(n) + ": not a session line: " + e.what() +
                               " (a session file is what `idemsim serve --out DIR` writes as DIR/session.jsonl)");
    }
  }
  if (n == 0) throw std::runtime_error(file + ": empty; a session file starts with its header line");
  return s;
}

harness::RunResult judge(const harness::Scenario& s, uint64_t seed, const std::vector<SessionInput>& inputs, int64_t end_us) {
  for (const SessionInput& in : inputs)
    if (in.kind == SessionInput::request &&
        (in.req.request.region >= s.service.regions.size() || in.req.request.account >= s.service.accounts.size()))
      throw std::runtime_error("a request at " + std::to_string(in.at_us) + "us names Region " +
                               std::to_string(in.req.request.region) + " and account " + std::to_string(in.req.request.account) +
                               ", which the scenario does not have (" + std::to_string(s.service.regions.size()) + " Regions, " +
                               std::to_string(s.service.accounts.size()) + " accounts): it was recorded with another scenario");
  harness::LiveService live(s, seed);
  std::vector<uint32_t> attempts;  // per request of the session: its attempt id
  for (const SessionInput& in : inputs) {
    const sim::Time t(in.at_us);
    if (in.kind == SessionInput::request) attempts.push_back(live.arrive(in.req, t));
    else if (in.nth < attempts.size()) live.gone(attempts[in.nth], t);
    else throw std::runtime_error("the session's client closed on request " + std::to_string(in.nth) + ", which it had not made yet");
  }
  int64_t end = std::max<int64_t>(end_us, 0);
  if (!inputs.empty()) end = std::max(end, inputs.back().at_us);
  return live.finish(sim::Time(end));
}

}  // namespace idem::serve
