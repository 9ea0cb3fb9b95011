// What the clients did and saw: every intent, call and attempt with its simulated times and
// outcome. The oracle reads this beside the service's ground truth. Plain data, appended to only.
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
  uint32_t call = 0;
  int32_t number = 1;  // 1 for a call's first attempt
  Time sent;
  Time ended;
  bool done = false;
  AttemptEnd end = AttemptEnd::timeout;
  Response response;  // when answered
};

struct CallRecord {
  uint32_t client = 0;
  uint32_t intent = 0;
  Api api = Api::run;
  bool repeat = false;  // a deliberate repeat of a call that succeeded (token lifetime rule)
  int32_t app_try = 0;  // 0 for the first application-level call of its intent
  RunRequest request;
  std::vector<uint32_t> ids;  // TerminateInstances
  Time invoked;
  Time ended;
  Outcome outcome = Outcome::pending;
  Response response;  // the last answer, when there was one
  std::vector<uint32_t> attempts;
};

struct IntentRecord {
  uint32_t client = 0;
  int32_t index = 0;
  int32_t intended = 1;  // the MaxCount the application asked for
  Outcome outcome = Outcome::pending;
  bool finished = false;  // the client is done with it (false: cut off by the time limit)
  Response learned;  // the launch the client learned of, when ok
  std::vector<uint32_t> calls;
};

struct ClientRecord {
  std::string label;  // "group#index"
  uint32_t region = 0;
};

struct History {
  std::vector<ClientRecord> clients;
  std::vector<IntentRecord> intents;
  std::vector<CallRecord> calls;
  std::vector<AttemptRecord> attempts;
};

}  // namespace idem::model
