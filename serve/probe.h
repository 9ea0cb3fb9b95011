// idemsim probe: crafted sequences of EC2 Query API requests sent to an endpoint (idemsim serve,
// or any other that speaks the API), and a conformance table with one row per client-token rule:
// what was sent, what came back, pass / FAIL / n/a.
//
// The rows are data (rows(): an id, the rule, the rule in words, what is expected, and the
// function that runs the sequence), and every request goes through a Transport, so the table can
// be run against a fake endpoint (tests/probe_test.cpp answers with model::Service itself) as
// well as over HTTP (serve/probe_http.cpp). Answers are read with a small XML reader of our own
// (read_xml): only element names and text matter, namespaces and attributes are dropped.
//
// docs/probe.md says what each row sends and expects, and where each rule is written down.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace idem::serve {

// ---------------------------------------------------------------------------------------------
// The wire.

struct Reply {
  int status = 0;    // the HTTP status
  std::string body;  // as received
};

// Sends one request and returns the answer. `endpoint` is one of the URLs the probe was given,
// exactly as given; `form_body` is application/x-www-form-urlencoded.
struct Transport {
  virtual ~Transport() = default;
  // Throws ProbeError when no HTTP answer came (refused, reset, timed out, not HTTP).
  // `region`: the Region the request is for, named in its credential scope (one endpoint may
  // serve several Regions by it, as idemsim serve does).
  virtual Reply post(const std::string& endpoint, const std::string& region, const std::string& form_body) = 0;
};

// The probe cannot go on: an endpoint that cannot be reached or does not speak the API, tokens
// already used by an earlier probe. The message says which URL, what failed and what to do.
struct ProbeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An endpoint URL: http://HOST[:PORT][/PATH] (the scheme may be left out; https is refused, the
// probe speaks plain HTTP only).
struct Url {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
};
// The URL, or why it is not one (a sentence naming what to give instead).
std::optional<Url> parse_url(std::string_view text, std::string* why = nullptr);

// The HTTP/1.1 transport (serve/probe_http.cpp, Boost.Beast): one keep-alive connection per
// endpoint, `timeout` for each request (connect, write and read together). Each request carries
// an unsigned, syntactically plausible SigV4 Authorization header whose credential scope names
// the Region mapped to its endpoint (`regions`: endpoint -> Region), and X-Amz-Date.
std::unique_ptr<Transport> http_transport(std::chrono::milliseconds timeout);

// application/x-www-form-urlencoded: unreserved characters (RFC 3986) as they are, every other
// byte %XX.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// ---------------------------------------------------------------------------------------------
// Reading the answers.

// An element: its local name (a prefix dropped), its text (entities decoded; only an element
// without children keeps it), its children in order. Attributes are dropped.
struct XmlNode {
  std::string name;
  std::string text;
  std::vector<XmlNode> children;
  const XmlNode* child(std::string_view name) const;  // the first child of that name, or null
  std::string child_text(std::string_view name) const;  // its text, "" when there is none
};
// The document's root element, or nothing when the text is not well-formed enough to read.
std::optional<XmlNode> read_xml(std::string_view text);

struct InstanceSeen {
  std::string id;         // instanceId
  std::string state;      // instanceState/name (RunInstances, DescribeInstances) or currentState/name (Terminate)
  std::string token;      // clientToken ("" when absent or empty)
  bool has_token = false; // a clientToken element was present
  std::string zone;       // placement/availabilityZone
  std::string launch_index;  // amiLaunchIndex, as written
};
struct ReservationSeen {
  std::string id;  // reservationId
  std::vector<InstanceSeen> instances;
};

// One answer as the probe reads it.
struct Answer {
  int status = 0;
  bool readable = false;    // an XML document the probe recognised (an answer or an error)
  std::string code;         // the error's Code ("" for a success)
  std::string message;      // the error's Message
  std::vector<ReservationSeen> reservations;  // RunInstances: one; DescribeInstances: any
  std::vector<InstanceSeen> changes;          // TerminateInstances: instancesSet
  std::string excerpt;      // the body's start, for an answer that is not readable
  int retries = 0;          // retries after 500/503 before this answer
  std::string retried_on;   // the last retried code

  bool ok() const { return readable && status == 200 && code.empty(); }
  bool error(std::string_view c) const { return readable && code == c; }
  // The instances of all reservations, in order.
  std::vector<std::string> instance_ids() const;
};
Answer read_answer(const Reply& reply);

// ---------------------------------------------------------------------------------------------
// The table.

enum class SemanticsChoice : uint8_t { current, v2013, automatic };
std::string_view semantics_choice_name(SemanticsChoice s);  // "current", "v2013", "auto"

struct ProbeConfig {
  std::string endpoint;            // --endpoint
  std::string region = "us-east-1";
  std::string endpoint2;           // --endpoint2 ("" when not given: the region row is n/a)
  std::string region2 = "us-west-2";
  SemanticsChoice semantics = SemanticsChoice::current;
  uint64_t seed = 1;
  std::string prefix;              // "" stands for "probe-<seed>-"
  std::string image = "ami-00000001";
  std::string instance_type = "m5.large";
  std::vector<std::string> zones;    // two zones of the Region, or none (the zone row is n/a)
  std::vector<std::string> subnets;  // two subnets of one zone, or none (the subnet row is n/a)
  std::chrono::milliseconds wait = std::chrono::seconds(120);  // the longest a poll goes on
  std::chrono::milliseconds pause = std::chrono::seconds(1);   // between two polls
  bool keep = false;               // leave the launched instances running
  // The clock, replaceable by a test: sleep for a while, and a steady time.
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::milliseconds()> now;

  std::string token_prefix() const;  // prefix, or its default
};

enum class Verdict : uint8_t { pass, fail, na };
std::string_view verdict_name(Verdict v);  // "pass", "FAIL", "n/a"

struct RowResult {
  Verdict verdict = Verdict::pass;
  std::vector<std::string> evidence;  // one line per request and answer, then the judgement
};

class Probe;  // the context a row runs in (serve/probe.cpp)

struct Row {
  std::string_view id;      // "repeat"
  std::string_view rule;    // "rule 2" (docs/bugs.md, "The token rules"), or "API" for the API's own
  std::string_view words;   // the rule in words
  std::string_view expect;  // what is sent and what must come back
  RowResult (*run)(Probe& probe) = nullptr;
};
// The rows, in the order they run.
const std::vector<Row>& rows();

struct RowOutcome {
  const Row* row = nullptr;
  RowResult result;
};

struct ProbeReport {
  ProbeConfig config;
  std::vector<RowOutcome> rows;
  std::vector<std::string> notes;  // before and after the rows: the token check, the cleanup
  std::string semantics_seen;      // under auto: what the endpoint showed ("" when nothing told)
  size_t count(Verdict v) const;
  int exit_code() const { return count(Verdict::fail) ? 1 : 0; }
};

// Runs every row in order against the endpoint(s). Throws ProbeError when the endpoint cannot be
// reached or does not answer as EC2 does, or when the run's tokens were used there already.
ProbeReport run_probe(Transport& transport, const ProbeConfig& config);

void write_text(std::ostream& out, const ProbeReport& report);
void write_markdown(std::ostream& out, const ProbeReport& report);
void write_json(std::ostream& out, const ProbeReport& report);

}  // namespace idem::serve
