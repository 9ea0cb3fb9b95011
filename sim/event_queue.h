// The event queue: plain events ordered by (time, sequence number).
//
// Invariants:
//  - pop() returns events in non-decreasing time; events at the same time come out in the order
//    they were pushed (the sequence number breaks ties), so a run never depends on heap internals.
//  - An event is plain data (a kind and two integers); what it means is its dispatcher's business.
//    No allocation per event once the heap has grown.
//  - Events scheduled a recurring delay ahead (push_after: a client's timeout, the same for each of
//    its attempts) wait in a FIFO lane of that delay instead of the heap: pushed at a
//    non-decreasing `now`, a lane is already in (time, sequence) order, so it costs O(1) a push
//    and a pop, and the heap stays as small as the events of other kinds. pop() takes the earliest
//    of the heap's top and the lanes' heads, by (time, sequence): the order one heap would give.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
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

  // An event `d` after `now` (the time of the event being run). Delays that recur get a lane (up
  // to kLanes of them); an event that would go back in its lane's order goes to the heap.
  void push_after(Time now, Duration d, uint32_t kind, uint32_t a, uint64_t b = 0) {
    const Time at = now + d;
    for (size_t i = 0; i < lanes_used_; ++i) {
      Lane& l = lanes_[i];
      if (l.delay != d.us) continue;
      if (l.size() > 0 && l.events.back().at.us > at.us) break;  // out of the lane's order: the heap
      l.events.push_back(Event{at, next_seq_++, kind, a, b});
      ++in_lanes_;
      return;
    }
    if (std::none_of(lanes_.begin(), lanes_.begin() + static_cast<std::ptrdiff_t>(lanes_used_),
                     [&](const Lane& l) { return l.delay == d.us; })) {
      // A delay without a lane takes a new one, or one that is empty (a delay that came once, a
      // deadline's remainder, does not keep its lane from the delays that recur).
      Lane* free = lanes_used_ < kLanes ? &lanes_[lanes_used_] : nullptr;
      for (size_t i = 0; !free && i < lanes_used_; ++i)
        if (lanes_[i].size() == 0) free = &lanes_[i];
      if (free) {
        if (free == &lanes_[lanes_used_]) ++lanes_used_;
        free->delay = d.us;
        free->events.push_back(Event{at, next_seq_++, kind, a, b});
        ++in_lanes_;
        return;
      }
    }
    push(at, kind, a, b);
  }

  bool empty() const { return heap_.empty() && in_lanes_ == 0; }
  size_t size() const { return heap_.size() + in_lanes_; }
  // REQUIRES: !empty()
  const Event& top() const {
    const int from = earliest();
    return from < 0 ? heap_.front() : lanes_[static_cast<size_t>(from)].front();
  }

  // REQUIRES: !empty()
  Event pop() {
    const int from = earliest();
    if (from >= 0) {
      --in_lanes_;
      return lanes_[static_cast<size_t>(from)].pop();
    }
    Event out = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return out;
  }

 private:
  static constexpr size_t kLanes = 4;

  // Where the earliest event waits: a lane's index, or -1 for the heap. REQUIRES: !empty()
  int earliest() const {
    int from = -1;
    const Event* best = heap_.empty() ? nullptr : &heap_.front();
    for (size_t i = 0; i < lanes_used_; ++i) {
      const Lane& l = lanes_[i];
      if (l.size() > 0 && (!best || before(l.front(), *best))) best = &l.front(), from = static_cast<int>(i);
    }
    return from;
  }
  static constexpr int64_t kNoDelay = INT64_MIN;
  // A FIFO of events in (time, sequence) order: a vector read from `head`, compacted as it drains.
  struct Lane {
    int64_t delay = kNoDelay;
    std::vector<Event> events;
    size_t head = 0;
    size_t size() const { return events.size() - head; }
    const Event& front() const { return events[head]; }
    Event pop() {
      Event out = events[head++];
      if (head == events.size()) {
        events.clear();
        head = 0;
      } else if (head >= 1024 && head * 2 >= events.size()) {
        events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(head));
        head = 0;
      }
      return out;
    }
  };

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
  std::array<Lane, kLanes> lanes_;
  size_t lanes_used_ = 0;
  size_t in_lanes_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace idem::sim
