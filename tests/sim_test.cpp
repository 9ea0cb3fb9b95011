#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "sim/event_queue.h"
#include "sim/latency.h"
#include "sim/random.h"
#include "sim/trace.h"

using namespace idem::sim;

TEST(EventQueue, PopsInTimeOrderAndFifoForEqualTimes) {
  EventQueue q;
  q.push(Time(30), 0, 1);
  q.push(Time(10), 0, 2);
  q.push(Time(30), 0, 3);
  q.push(Time(10), 0, 4);
  q.push(Time(20), 0, 5);
  std::vector<uint32_t> order;
  while (!q.empty()) order.push_back(q.pop().a);
  EXPECT_EQ(order, (std::vector<uint32_t>{2, 4, 5, 1, 3}));
}

// Events a recurring delay ahead wait in FIFO lanes (push_after): mixed with the heap's, under a
// clock that runs events as they come, they leave in exactly the order one heap gives, by (time,
// push order), with more delays than lanes, equal times across the heap and the lanes, and a delay
// pushed out of its lane's order (a `now` earlier than the lane's last) falling back to the heap.
RC_GTEST_PROP(EventQueue, LanesKeepTheOrderOfOneHeap, ()) {
  const auto steps = *rc::gen::container<std::vector<std::tuple<uint8_t, uint8_t, uint8_t>>>(
      rc::gen::tuple(rc::gen::inRange<uint8_t>(0, 4), rc::gen::inRange<uint8_t>(0, 7), rc::gen::inRange<uint8_t>(0, 4)));
  EventQueue q;
  std::set<std::pair<int64_t, uint32_t>> reference;  // (time, push number)
  uint32_t pushed = 0;
  int64_t now = 0;
  auto expect_pop = [&] {
    RC_ASSERT(!q.empty());
    RC_ASSERT(q.size() == reference.size());
    const Event top = q.top();
    const Event e = q.pop();
    RC_ASSERT(top.a == e.a);
    RC_ASSERT(e.at.us == reference.begin()->first);
    RC_ASSERT(e.a == reference.begin()->second);
    reference.erase(reference.begin());
    now = e.at.us;
  };
  for (const auto& [what, delay, back] : steps) {
    const int64_t d = int64_t{delay} * 5;  // 0, 5, ... 30: seven delays for four lanes, ties likely
    if (what == 0 && !q.empty()) {
      expect_pop();
    } else if (what == 1) {
      q.push(Time(now + d), 0, pushed);
      reference.insert({now + d, pushed++});
    } else {
      // `back` > 0: a push as of a time before the clock (a caller's own bookkeeping), which may
      // go back in its lane's order.
      const int64_t from = std::max<int64_t>(0, now - int64_t{back} * 7);
      q.push_after(Time(from), Duration(d), 0, pushed);
      reference.insert({from + d, pushed++});
    }
  }
  while (!reference.empty()) expect_pop();
  RC_ASSERT(q.empty());
}

TEST(EventQueue, ManyEqualTimesKeepInsertionOrder) {
  EventQueue q;
  for (uint32_t i = 0; i < 1000; ++i) q.push(Time(i % 7), 0, i);
  Time last(-1);
  std::map<int64_t, uint32_t> last_a;
  while (!q.empty()) {
    Event e = q.pop();
    EXPECT_GE(e.at, last);
    if (last_a.count(e.at.us)) {
      EXPECT_GT(e.a, last_a[e.at.us]);
    }
    last_a[e.at.us] = e.a;
    last = e.at;
  }
}

TEST(Prng, SameSeedSameStreamAndChildrenDiffer) {
  Prng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  Prng root(7);
  Prng c1 = root.child(), c2 = root.child();
  EXPECT_NE(c1.next(), c2.next());
}

TEST(Prng, KnownFirstValuesOfSplitMix64) {
  // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
  Prng p(0);
  EXPECT_EQ(p.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(p.next(), 0x6e789e6aa1b965f4ULL);
}

TEST(Prng, BelowStaysInRangeAndCoversIt) {
  Prng p(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = p.below(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  for (int i = 0; i < 1000; ++i) {
    int64_t r = p.range(-5, 5);
    ASSERT_GE(r, -5);
    ASSERT_LT(r, 5);
  }
  EXPECT_EQ(p.range(3, 3), 3);
}

TEST(Prng, ChanceHonoursZeroOneAndRoughRate) {
  Prng p(9);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) {
    EXPECT_FALSE(p.chance(Ratio{0, 100}));
    EXPECT_TRUE(p.chance(Ratio{1, 1}));
    hits += p.chance(Ratio{1, 4}) ? 1 : 0;
  }
  EXPECT_NEAR(hits, 25000, 1000);
}

TEST(Latency, UniformStaysInBoundsAndQuantilesHold) {
  Prng p(3);
  Latency u = Latency::uniform(micros(500), micros(1500));
  for (int i = 0; i < 10000; ++i) {
    Duration d = u.sample(p);
    ASSERT_GE(d.us, 500);
    ASSERT_LE(d.us, 1500);
  }
  Latency q{millis(0), millis(40), millis(400), millis(800)};
  int below_median = 0, below_p99 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    Duration d = q.sample(p);
    below_median += d < millis(40) ? 1 : 0;
    below_p99 += d < millis(400) ? 1 : 0;
  }
  EXPECT_NEAR(below_median, n / 2, n / 50);
  EXPECT_NEAR(below_p99, n * 99 / 100, n / 200);
}

TEST(Trace, CanonicalLines) {
  Trace t;
  t.line(Time(1500000), "client#1").word("send").kv("attempt", 3).kv("sleep", micros(250));
  t.line(Time(2), "net").word("lose");
  EXPECT_EQ(t.text(), "1.500000s client#1 send attempt=3 sleep=250us\n0.000002s net lose\n");
  EXPECT_EQ(t.lines(), 2u);
}

TEST(TimeFormat, SecondsAndDurations) {
  EXPECT_EQ(format_time(Time(12000345)), "12.000345s");
  EXPECT_EQ(format_duration(millis(250)), "250ms");
  EXPECT_EQ(format_duration(hours(1) + minutes(30)), "1h30m");
  EXPECT_EQ(format_duration(micros(1500)), "1500us");
}

