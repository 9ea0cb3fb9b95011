// Cleanup jobs ("reapers", model/reaper.h): each sweeps every `every`, lists its account's instances
// in its Region, asks the callers' records which reservations they know (reaps: unknown), and
// terminates what it believes nobody owns. Appends its sweeps and terminations to the run log.
#pragma once

#include "harness/context.h"
#include "model/service.h"

namespace idem::harness {

class Reapers {
 public:
  Reapers(Context& cx, model::Service& service) : cx_(cx), service_(service) {}
  void start();                 // the first sweeps
  void on_reap(uint32_t reaper);  // kReap

 private:
  Context& cx_;
  model::Service& service_;
  std::vector<uint32_t> one_, asked_;  // scratch: the id a termination names, the ids it asked
};

}  // namespace idem::harness
