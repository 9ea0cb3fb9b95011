#include "serve/session.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace idem::serve {

using nlohmann::ordered_json;

namespace {

// Tokens, names and parameters may be any bytes; JSON strings are UTF-8, so text goes as hex.
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
    j["params"] = {hex(p.image), hex(p.type), hex(p.key), hex(p.zone), hex(p.subnet), p.min, p.max};
    if (r.request.has_token) j["token"] = hex(r.request.token.view());
    if (!r.ids.empty()) j["ids"] = r.ids;
    if (r.token_filter) j["filter"] = hex(r.token_filter->view());
    j["client"] = hex(r.client);
    if (!r.invocation.empty()) j["invocation"] = hex(r.invocation);
    if (!r.intent.empty()) j["intent"] = hex(r.intent);
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
        const auto& p = j.at("params");
        model::LaunchParams& lp = r.request.params;
        lp.image = unhex(p.at(0)), lp.type = unhex(p.at(1)), lp.key = unhex(p.at(2)), lp.zone = unhex(p.at(3));
        lp.subnet = unhex(p.at(4)), lp.min = p.at(5).get<int32_t>(), lp.max = p.at(6).get<int32_t>();
        if (j.contains("token")) r.request.has_token = true, r.request.token = model::Token(unhex(j.at("token")));
        if (j.contains("ids")) r.ids = j.at("ids").get<std::vector<uint32_t>>();
        if (j.contains("filter")) r.token_filter = model::Token(unhex(j.at("filter")));
        r.client = unhex(j.at("client"));
        if (j.contains("invocation")) r.invocation = unhex(j.at("invocation"));
        if (j.contains("intent")) r.intent = unhex(j.at("intent"));
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
  harness::LiveService live(s, seed);
  std::vector<uint32_t> attempts;  // per request of the session: its attempt id
  for (const SessionInput& in : inputs) {
    const sim::Time t(in.at_us);
    if (in.kind == SessionInput::request) attempts.push_back(live.arrive(in.req, t));
    else if (in.nth < attempts.size()) live.gone(attempts[in.nth], t);
    else throw std::runtime_error("the session's client closed on request " + std::to_string(in.nth) + ", which it had not made yet");
  }
  int64_t end = end_us;
  if (!inputs.empty()) end = std::max(end, inputs.back().at_us);
  return live.finish(sim::Time(end));
}

}  // namespace idem::serve
