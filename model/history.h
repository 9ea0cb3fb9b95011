// The callers' own bookkeeping: every intent, call and attempt they made, with what they saw of
// it. The clients read and write it as they go (a retry resends its call's request; a controller
// re-drives the intents it did not learn of); the network takes each request's content from it.
// The oracle never reads it: it judges the run log (model/observation.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/retry.h"
#include "model/types.h"
#include "sim/time.h"

namespace idem::model {

using sim::Time;

enum class Api : uint8_t { run, terminate, describe };
std::string_view api_name(Api a);

// Like Jepsen's ok / fail / info: `unknown` took effect zero or one times.
enum class Outcome : uint8_t { pending, ok, failed, unknown };
std::string_view outcome_name(Outcome o);

struct AttemptRecord {
  static constexpr uint32_t kNotTaken = UINT32_MAX;

  uint32_t call = 0;
  int32_t number = 1;  // 1 for a call's first attempt
  // The token this attempt carried, as sent: its id in the run log's tokens (RunLog::token_of).
  // The other parameters are the call's (an SDK resends the same input), but a token may change
  // between attempts (token-per-attempt).
  bool has_token = false;
  uint32_t token = UINT32_MAX;
  Time sent;
  Time ended;
  bool done = false;
  AttemptEnd end = AttemptEnd::timeout;
  Response response;  // when answered
  // A copy the network delivered a second time (the `duplicate` fault): the attempt it copies.
  // The client never sent it and waits for no answer to it; it is not in its call's attempts.
  uint32_t duplicate_of = kNotTaken;
};

// The layer of the retry stack that made a call: the intent's first call, an application-level
// retry (or reconciling Describe), or the controller driving the intent again (after a restart,
// or on a resync). The SDK's own retries are the attempts after a call's first.
enum class Layer : uint8_t { first, app, controller };
std::string_view layer_name(Layer l);

struct CallRecord {
  uint32_t client = 0;
  Layer layer = Layer::first;
  uint32_t intent = 0;
  Api api = Api::run;
  bool repeat = false;  // a deliberate repeat of a call that succeeded (token lifetime rule)
  int32_t app_try = 0;  // 0 for the first application-level call of its intent
  CallRequest request;  // as the application made it; each attempt's own token is in its record
  std::vector<uint32_t> ids;  // TerminateInstances
  // A batch call (clients[].batch): the intents it serves, in fan-out order (`intent` first);
  // empty for a call of one intent.
  std::vector<uint32_t> batch;
  Time invoked;
  Time ended;
  Outcome outcome = Outcome::pending;
  Response response;  // the last answer, when there was one
  std::vector<uint32_t> attempts;
  bool quota_stopped = false;  // the SDK stopped retrying because its retry quota was empty
};

struct IntentRecord {
  uint32_t client = 0;
  int32_t index = 0;
  int32_t intended = 1;  // the MaxCount the application asked for
  int32_t least = 1;     // the MinCount it needs (a batch call asks for MinCount 1 for all)
  Outcome outcome = Outcome::pending;
  bool finished = false;  // the client is done with it (false: cut off by the time limit)
  bool blocked = false;   // the caller stopped on an unknown outcome, waiting for a human
  Response learned;  // the launch the client learned of, when ok
  std::vector<uint32_t> calls;
};

struct ClientRecord {
  std::string label;  // "group#index"
  uint32_t region = 0;
  uint32_t group = 0;  // index of its group in the scenario
  uint32_t index = 0;  // within its group
  // Groups that name one `intent` are one logical launch: intent k of client i of each of them
  // is the same intent (a repeat). This is the first such group's index.
  uint32_t intent_group = 0;
  std::string intent;  // the group's `intent` name, when it gave one
};

struct History {
  std::vector<ClientRecord> clients;
  std::vector<IntentRecord> intents;
  std::vector<CallRecord> calls;
  std::vector<AttemptRecord> attempts;
};

}  // namespace idem::model
