// Cleanup jobs ("reapers", model/reaper.h): each sweeps every `every`, lists its account's instances
// in its Region, asks the callers' records which reservations they know (reaps: unknown), and
// terminates what it believes nobody owns. Appends its sweeps and terminations to the run log.
#pragma once

#include "harness/context.h"
#include "model/service.h"

namespace idem::harness {

// The controllers' databases, as a reaper with `reaps: not-in-store` asks them.
class ControllerStores {
 public:
  virtual ~ControllerStores() = default;
  virtual void read(model::StoreView& into) const = 0;  // filled and sorted
};

class Reapers {
 public:
  Reapers(Context& cx, model::Service& service) : cx_(cx), service_(service) {}
  void ask(const ControllerStores* stores) { stores_ = stores; }
  void start();                 // the first sweeps
  void on_reap(uint32_t reaper);  // kReap

 private:
  Context& cx_;
  model::Service& service_;
  std::vector<uint32_t> one_, asked_;  // scratch: the id a termination names, the ids it asked
  const ControllerStores* stores_ = nullptr;
  model::StoreView store_;
};

}  // namespace idem::harness
