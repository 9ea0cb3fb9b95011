#include "reports/trace_filter.h"

#include <set>
#include <string_view>
#include <vector>

namespace idem::reports {

namespace {

struct Line {
  std::string_view text;
  int64_t us = 0;
  std::string_view actor;
};

Line parse(std::string_view text) {
  Line l;
  l.text = text;
  const size_t s = text.find("s ");
  if (s == std::string_view::npos) return l;
  // "<seconds>.<six digits>s": whole microseconds.
  int64_t us = 0;
  for (char c : text.substr(0, s))
    if (c >= '0' && c <= '9') us = us * 10 + (c - '0');
  l.us = us;
  const size_t a = s + 2;
  const size_t e = text.find(' ', a);
  l.actor = text.substr(a, e == std::string_view::npos ? std::string_view::npos : e - a);
  return l;
}

// The value of " key=" in the line, or "".
std::string_view value_of(std::string_view text, std::string_view key) {
  std::string needle = " ";
  needle += key;
  needle += "=";
  const size_t at = text.find(needle);
  if (at == std::string_view::npos) return {};
  const size_t b = at + needle.size();
  const size_t e = text.find(' ', b);
  return text.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
}

// `word` as a whole word of the line (not its first, which is the time): between spaces, or last.
bool has_word(std::string_view text, std::string_view word) {
  const std::string needle = " " + std::string(word);
  for (size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    const size_t end = at + needle.size();
    if (end == text.size() || text[end] == ' ') return true;
  }
  return false;
}

// A client "app#3" is itself; a group "app" is each of its clients.
bool names_client(std::string_view who, const std::string& name) {
  return who == name || (who.size() > name.size() && who.substr(0, name.size()) == name && who[name.size()] == '#');
}

}  // namespace

std::string filter_trace(const std::string& trace, const TraceFilter& f) {
  std::vector<Line> lines;
  for (size_t at = 0; at < trace.size();) {
    size_t end = trace.find('\n', at);
    if (end == std::string::npos) end = trace.size();
    lines.push_back(parse(std::string_view(trace).substr(at, end - at)));
    at = end + 1;
  }

  // The calls and attempts each of the token and intent filters follows.
  struct Followed {
    std::set<std::string_view> calls, attempts;
    bool has(std::string_view call, std::string_view attempt) const {
      return (!call.empty() && calls.count(call)) || (!attempt.empty() && attempts.count(attempt));
    }
  } by_token, by_intent, by_client;
  std::string intent_client, intent_index;
  if (f.intent) {
    const size_t slash = f.intent->rfind('/');
    intent_client = f.intent->substr(0, slash);
    intent_index = slash == std::string::npos ? "" : f.intent->substr(slash + 1);
  }
  std::string_view current;  // the intent the filtered client is on
  for (const Line& l : lines) {
    if (f.intent && l.actor == intent_client && has_word(l.text, "intent")) current = value_of(l.text, "intent");
    const bool call_line = has_word(l.text, "call");
    if (call_line && f.token &&
        (value_of(l.text, "token") == *f.token || value_of(l.text, "filter-token") == *f.token))
      by_token.calls.insert(value_of(l.text, "call"));
    // A call line names its intent when its process has several workers (they interleave).
    const std::string_view call_intent = call_line ? value_of(l.text, "intent") : std::string_view();
    if (call_line && f.intent && l.actor == intent_client &&
        (call_intent.empty() ? current == intent_index : call_intent == intent_index))
      by_intent.calls.insert(value_of(l.text, "call"));
    // An attempt may carry another token than its call's (the service's line says which).
    if (f.token && has_word(l.text, "recv") && value_of(l.text, "token") == *f.token)
      by_token.attempts.insert(value_of(l.text, "attempt"));
    if (has_word(l.text, "send")) {
      const std::string_view call = value_of(l.text, "call");
      if (by_token.calls.count(call)) by_token.attempts.insert(value_of(l.text, "attempt"));
      if (by_intent.calls.count(call)) by_intent.attempts.insert(value_of(l.text, "attempt"));
      // The network's and the faults' lines about a client's attempts name only the attempt.
      if (f.client && names_client(l.actor, *f.client)) by_client.attempts.insert(value_of(l.text, "attempt"));
    }
  }

  std::string out;
  for (const Line& l : lines) {
    const bool header = l.us == 0 && l.actor == "world";  // the run's options: always shown
    bool pass = true;
    if (f.client)
      pass = pass && (names_client(l.actor, *f.client) || names_client(value_of(l.text, "client"), *f.client) ||
                      by_client.has({}, value_of(l.text, "attempt")));
    const std::string_view call = value_of(l.text, "call");
    const std::string_view attempt = value_of(l.text, "attempt");
    if (f.token) pass = pass && by_token.has(call, attempt);
    if (f.intent)
      pass = pass && (by_intent.has(call, attempt) ||
                      (l.actor == intent_client && value_of(l.text, "intent") == intent_index) ||
                      (l.actor == intent_client && (has_word(l.text, "crash") || has_word(l.text, "restart"))));
    // A frontend's or the store's crash and restart concern every request: shown with any filter
    // of client, token or intent (the time window still applies).
    if (l.actor.rfind("service/", 0) == 0 && (has_word(l.text, "crash") || has_word(l.text, "restart"))) pass = true;
    if (f.around) {
      const int64_t d = l.us - f.around->us;
      pass = pass && (d < 0 ? -d : d) <= f.within.us;
    }
    if (header || pass) {
      out.append(l.text);
      out += '\n';
    }
  }
  return out;
}

bool violation_matches(const std::string& subject, const std::vector<std::string>& events, const TraceFilter& f) {
  auto mentions = [&](const std::string& what) {
    if (subject.find(what) != std::string::npos) return true;
    for (const auto& e : events)
      if (e.find(what) != std::string::npos) return true;
    return false;
  };
  // A client is named "app#3 " in events and subjects; a group, "app#".
  if (f.client && !mentions(*f.client + (f.client->find('#') == std::string::npos ? "#" : " ")) &&
      !mentions(*f.client + "/"))
    return false;
  if (f.token && !mentions("token " + *f.token) && !mentions("token=" + *f.token)) return false;
  if (f.intent && subject != "intent " + *f.intent && subject.rfind("intent " + *f.intent + " ", 0) != 0) return false;
  return true;
}

}  // namespace idem::reports
