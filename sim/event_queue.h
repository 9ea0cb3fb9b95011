// The event queue: plain events ordered by (time, sequence number).
//
// Invariants:
//  - pop() returns events in non-decreasing time; events at the same time come out in the order
//    they were pushed (the sequence number breaks ties), so a run never depends on heap internals.
//  - An event is plain data (a kind and two integers); what it means is its dispatcher's business.
//    No allocation per event once the heap has grown.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/time.h"

namespace idem::sim {

struct Event {
  Time at;
  uint64_t seq = 0;
  uint32_t kind = 0;
  uint32_t a = 0;
  uint64_t b = 0;
};

class EventQueue {
 public:
  EventQueue() { heap_.reserve(1024); }
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  void push(Time at, uint32_t kind, uint32_t a, uint64_t b = 0) {
    heap_.push_back(Event{at, next_seq_++, kind, a, b});
    sift_up(heap_.size() - 1);
  }

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  // REQUIRES: !empty()
  const Event& top() const { return heap_.front(); }

  // REQUIRES: !empty()
  Event pop() {
    Event out = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return out;
  }

 private:
  static bool before(const Event& x, const Event& y) {
    return x.at.us != y.at.us ? x.at.us < y.at.us : x.seq < y.seq;
  }

  // A 4-ary heap: shallower than a binary one, and its children share a cache line.
  void sift_up(size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / 4;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  void sift_down(size_t i) {
    Event e = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
      size_t first = 4 * i + 1;
      if (first >= n) break;
      size_t best = first;
      size_t last = first + 4 < n ? first + 4 : n;
      for (size_t c = first + 1; c < last; ++c)
        if (before(heap_[c], heap_[best])) best = c;
      if (!before(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace idem::sim
