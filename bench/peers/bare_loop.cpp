// W1 on a bare event loop: a binary heap of plain events (std::priority_queue) and a switch.
// The practical limit for this model: no framework, nothing recorded, nothing checked beyond
// the workload's own two checks (bench/workload-w1.md).
#include <queue>
#include <vector>

#include "peer_main.h"

namespace {

struct Event {
  int64_t at;
  uint64_t seq;  // ties in time leave in the order they were scheduled
  uint32_t id;
  w1::Kind kind;
  bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct Bare {
  std::priority_queue<Event, std::vector<Event>, std::greater<>> q;
  uint64_t seq = 0;
  void at(int64_t when, w1::Kind kind, uint32_t id) { q.push(Event{when, seq++, id, kind}); }
};

w1::Counts run_seed(const w1::Params& p, uint64_t seed) {
  Bare engine;
  w1::Model<Bare> model(p, seed, engine);
  while (!engine.q.empty()) {
    const Event e = engine.q.top();
    engine.q.pop();
    model.on(e.at, e.kind, e.id);
  }
  return model.finish();
}

}  // namespace

int main(int argc, char** argv) {
  const w1::Options o = w1::parse(argc, argv, "w1_bare");
  return w1::measure(o, "bare", run_seed);
}
