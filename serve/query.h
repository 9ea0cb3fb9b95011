// The EC2 Query API on the wire: a request's form (application/x-www-form-urlencoded, in the body
// of a POST or the query string of a GET) parsed into a typed request, and the XML answers EC2
// gives (namespace http://ec2.amazonaws.com/doc/2016-11-15/), errors included. No I/O, no Asio:
// serve/http.cpp carries the bytes, harness/live.cpp runs the reference service.
//
// Sources: the EC2 API Reference (Query requests, RunInstances, DescribeInstances,
// TerminateInstances, "Error codes" with the error response shape), and the original page's
// `Action=RunInstances&...&ClientToken=...` example.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace idem::serve {

// Decoded form fields in the order given ('+' is a space, %XX a byte). A name given twice is kept
// twice here; parse_request refuses it.
struct Form {
  std::vector<std::pair<std::string, std::string>> fields;
  const std::string* get(std::string_view name) const;  // the first field of that name, or null
};

// An answer that never reached the service: the EC2 error shape with its HTTP status.
struct WireError {
  int status = 400;
  std::string code;     // "InvalidParameterValue", "MissingParameter", "InvalidAction", ...
  std::string message;  // says what was wrong, where (the field name), and what would be right
};

// Decodes a urlencoded form. Refuses a bad %-escape, a field without '=' is a name with an empty
// value; bytes are kept as sent (a token may be any bytes: the service judges it).
std::variant<Form, WireError> parse_form(std::string_view text);

enum class Action : uint8_t { run_instances, describe_instances, terminate_instances };
std::string_view action_name(Action a);

// One EC2 request, typed. Fields not listed are accepted and ignored (a real SDK sends more:
// DryRun, Placement.Tenancy, ...): the reference service decides on these alone.
struct Ec2Request {
  Action action = Action::run_instances;
  std::string version;  // Version=, as sent ("" when absent)
  // RunInstances
  std::string image;          // ImageId (required)
  std::string instance_type;  // InstanceType (default "m1.small", as EC2's)
  std::string key_name;       // KeyName
  std::string zone;           // Placement.AvailabilityZone
  std::string subnet;         // SubnetId
  int32_t min_count = 0, max_count = 0;  // MinCount, MaxCount (required, 1 <= min <= max)
  bool has_token = false;
  std::string token;          // ClientToken, bytes as sent (its length and content are the service's to judge)
  // The caller's name for the intent this launch serves, from a tag whose key is "idemsim:intent"
  // in TagSpecification.N.Tag.M.{Key,Value} (any resource type); "" when none.
  std::string intent_tag;
  // DescribeInstances and TerminateInstances: InstanceId.N, in order, as sent ("i-...").
  std::vector<std::string> instance_ids;
  // DescribeInstances: the values of the client-token filter (Filter.N.Name=client-token,
  // Filter.N.Value.M), empty when no such filter; other filters refused (InvalidParameterValue
  // naming the filter) except instance-state-name, whose values are kept here.
  std::vector<std::string> client_tokens;
  bool has_token_filter = false;
  std::vector<std::string> state_names;
};

// The form's Action and its parameters. Errors: no Action (MissingAction, 400) or an unknown one
// (InvalidAction),
// a required parameter missing (MissingParameter), a number that is not one or out of range, a
// list with a gap (InstanceId.1 then .3), a parameter given twice (InvalidParameterValue) — each
// message names the field. Never throws.
std::variant<Ec2Request, WireError> parse_request(const Form& form);

// An instance id as the model prints it ("i-" and 17 lowercase hex digits, model::instance_name)
// back to its number: 0 for a text that is not one.
uint32_t parse_instance_id(std::string_view id);

// What the XML answers say about one instance.
struct InstanceXml {
  std::string id;           // "i-..."
  std::string image, type, key_name;
  int state_code = 0;       // 0 pending, 16 running, 32 shutting-down, 48 terminated
  std::string state_name;   // "pending", "running", "shutting-down", "terminated"
  std::string zone;         // placement
  std::string subnet;       // "" when none
  std::string token;        // clientToken ("" when none)
  std::string launch_time;  // ISO 8601, UTC ("2026-12-07T10:00:00.000Z")
  int ami_launch_index = 0;
};
struct ReservationXml {
  std::string id;        // "r-..."
  std::string owner;     // the account ("123456789012" style, as the scenario's account name maps it)
  std::vector<InstanceXml> instances;
};
struct StateChangeXml {
  std::string id;
  int current_code = 32, previous_code = 16;
  std::string current_name = "shutting-down", previous_name = "running";
};

// The answers, each a whole XML document (with the declaration). `request_id` is a UUID-shaped id.
std::string run_instances_xml(const std::string& request_id, const ReservationXml& r);
std::string describe_instances_xml(const std::string& request_id, const std::vector<ReservationXml>& rs);
std::string terminate_instances_xml(const std::string& request_id, const std::vector<StateChangeXml>& changes);
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
std::string error_xml(const std::string& request_id, std::string_view code, std::string_view message);
// Text escaped for XML character data (& < > " '), and bytes that are not valid UTF-8 or are
// control characters (other than tab, LF, CR) written as U+FFFD, so the document stays well-formed.
std::string xml_escape(std::string_view s);

}  // namespace idem::serve
