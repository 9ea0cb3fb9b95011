// W1 on ns-3's event core (Debian's libns3-dev, ns-3.37): what a C++ user would pick instead of
// idemsim for a discrete-event model. Each event is an ns3::Simulator::Schedule of a plain
// function with two arguments; the default scheduler (ns3::MapScheduler); one Run and one
// Destroy per seed. The model is the bare loop's (w1_model.h).
#include <ns3/nstime.h>
#include <ns3/simulator.h>

#include "peer_main.h"

namespace {

struct Ns3;
w1::Model<Ns3>* g_model = nullptr;

void fire(w1::Kind kind, uint32_t id) { g_model->on(ns3::Simulator::Now().GetMicroSeconds(), kind, id); }

struct Ns3 {
  void at(int64_t when, w1::Kind kind, uint32_t id) {
    const int64_t now = ns3::Simulator::Now().GetMicroSeconds();
    ns3::Simulator::Schedule(ns3::MicroSeconds(when - now), &fire, kind, id);
  }
};

w1::Counts run_seed(const w1::Params& p, uint64_t seed) {
  Ns3 engine;
  w1::Model<Ns3> model(p, seed, engine);
  g_model = &model;
  ns3::Simulator::Run();
  ns3::Simulator::Destroy();
  g_model = nullptr;
  return model.finish();
}

}  // namespace

int main(int argc, char** argv) {
  const w1::Options o = w1::parse(argc, argv, "w1_ns3");
  return w1::measure(o, "ns3", run_seed);
}
