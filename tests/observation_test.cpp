// The run log and its hash: every field of a record, every table entry and every field of a
// finding reaches the run's hash (so a run twice that differs anywhere, its oracle included, is
// seen); and the ledger reads a log written by hand as the world writes one.
#include <gtest/gtest.h>

#include "model/observation.h"
#include "model/oracle/ledger.h"
#include "model/oracle/oracle.h"

using namespace idem::model;
using idem::sim::Time;

namespace {

// The number of fields of an aggregate: the most values it can be brace-initialised from.
struct AnyField {
  template <typename T>
  constexpr operator T() const;  // NOLINT(google-explicit-constructor): declared only, for requires
};
template <typename T, typename... A>
constexpr size_t fields() {
  if constexpr (requires { T{A{}..., AnyField{}}; }) return fields<T, A..., AnyField>();
  else return sizeof...(A);
}

RunLog one_record(const Record& r) {
  RunLog log;
  log.add(r.kind, r.time(), r.subject) = r;
  return log;
}

}  // namespace

TEST(RunLog, EveryFieldOfARecordIsHashed) {
  // Each field, changed alone, changes the hash; and the fields listed are the whole record (a
  // field added to Record and left out of hash_record fails the size check).
  Record base;
  base.kind = Obs::admitted;
  const uint64_t h = one_record(base).hash();
  size_t listed = 0;
  auto changes = [&](const char* name, auto field, auto value) {
    Record r = base;
    r.*field = value;
    EXPECT_NE(one_record(r).hash(), h) << name << " is not hashed";
    listed += sizeof(r.*field);
  };
  changes("at", &Record::at, int64_t{1});
  changes("x", &Record::x, int64_t{1});
  changes("subject", &Record::subject, 1u);
  changes("a", &Record::a, 1u);
  changes("b", &Record::b, 1u);
  changes("c", &Record::c, 1u);
  changes("d", &Record::d, 1u);
  changes("kind", &Record::kind, Obs::launched);
  changes("code", &Record::code, uint8_t{1});
  changes("flags", &Record::flags, uint16_t{1});
  EXPECT_EQ(listed, sizeof(Record)) << "a field of Record is not in this test (and maybe not in hash_record)";
  static_assert(fields<Record>() == 10, "a field of Record is not in this test (and maybe not in hash_record)");
  // The high bits of each field count too.
  for (auto field : {&Record::subject, &Record::a, &Record::b, &Record::c, &Record::d}) {
    Record r = base;
    r.*field = 0x80000000u;
    EXPECT_NE(one_record(r).hash(), h);
  }
}

TEST(RunLog, TheTablesAndTheOrderOfRecordsAreHashed) {
  RunLog a, b;
  a.token(Token("token-1"));
  b.token(Token("token-2"));
  EXPECT_NE(a.hash(), b.hash());
  RunLog c, d;
  c.name("app#0");
  d.name("app#1");
  EXPECT_NE(c.hash(), d.hash());
  LaunchParams p, q;
  q.type = "c5.large";
  RunLog e, f;
  e.params(p);
  f.params(q);
  EXPECT_NE(e.hash(), f.hash());
  // Two records swapped: another run.
  RunLog one, two;
  one.add(Obs::sent, Time(1), 0);
  one.add(Obs::sent, Time(1), 1);
  two.add(Obs::sent, Time(1), 1);
  two.add(Obs::sent, Time(1), 0);
  EXPECT_NE(one.hash(), two.hash());
  // The same records, the same hash; interning a name twice gives one id.
  RunLog three;
  three.add(Obs::sent, Time(1), 0);
  three.add(Obs::sent, Time(1), 1);
  EXPECT_EQ(one.hash(), three.hash());
  EXPECT_EQ(c.name("app#0"), 0u);
  EXPECT_EQ(c.name("app#2"), 1u);
  EXPECT_EQ(c.name("app#0"), 0u);
}

TEST(RunLog, EveryFieldOfAFindingIsHashed) {
  Finding base;
  const uint64_t h = hash_findings(0, {base});
  auto changes = [&](const char* name, auto mutate) {
    Finding f = base;
    mutate(f);
    EXPECT_NE(hash_findings(0, {f}), h) << name << " is not hashed";
  };
  changes("property", [](Finding& f) { f.property = Property::liveness; });
  changes("reason", [](Finding& f) { f.reason = Reason::collision; });
  changes("subject_kind", [](Finding& f) { f.subject_kind = Finding::Subject::intent; });
  changes("subject", [](Finding& f) { f.subject = 3; });
  changes("group", [](Finding& f) { f.group = 2; });
  changes("instances", [](Finding& f) { f.instances = 2; });
  changes("intended", [](Finding& f) { f.intended = 2; });
  changes("leaked", [](Finding& f) { f.leaked = 2; });
  changes("count", [](Finding& f) { f.count = 2; });
  changes("first", [](Finding& f) { f.first = 2; });
  changes("other", [](Finding& f) { f.other = 2; });
  changes("code", [](Finding& f) { f.code = 2; });
  changes("flags", [](Finding& f) { f.flags = 2; });
  changes("t1", [](Finding& f) { f.t1 = 2; });
  changes("t2", [](Finding& f) { f.t2 = 2; });
  changes("attempts", [](Finding& f) { f.attempts = {1}; });
  changes("key_attempts", [](Finding& f) { f.key_attempts = {1}; });
  changes("launches", [](Finding& f) { f.launches = {1}; });
  changes("reaps", [](Finding& f) { f.reaps = {1}; });
  changes("launches_first", [](Finding& f) { f.launches_first = true; });
  changes("bad_launches", [](Finding& f) { f.bad_launches = {1}; });
  // Every field is listed above: Finding has exactly 21 (a field added to it fails here until it is
  // added to hash_findings and to this test).
  static_assert(fields<Finding>() == 21, "a field of Finding is not in this test (and maybe not in hash_findings)");
  // Two findings in another order: another hash.
  Finding g;
  g.property = Property::amplification;
  EXPECT_NE(hash_findings(0, {base, g}), hash_findings(0, {g, base}));
}

TEST(Ledger, ReadsAnAnswerAsLateWhenTheRecordAfterItSaysSo) {
  RunLog log;
  log.add(Obs::client, Time(0), 0).x = log.name("c#0");
  Record& i = log.add(Obs::intent_begun, Time(0), 0);
  i.c = 1, i.d = kNone, i.x = 1;
  log.add(Obs::call_begun, Time(0), 0).d = log.params(LaunchParams{});
  log.add(Obs::sent, Time(0), 0);
  log.add(Obs::timed_out, Time(2), 0);
  Record& d = log.add(Obs::delivered, Time(3), 0);
  d.b = 1, d.c = 1, d.d = 1, d.x = 1;
  log.add(Obs::ignored, Time(3), 0);
  const Ledger l = index_log(log);
  ASSERT_EQ(l.attempts.size(), 1u);
  EXPECT_EQ(l.attempts[0].end, Ledger::Attempt::timeout);
  EXPECT_TRUE(l.attempts[0].late);
  EXPECT_EQ(l.attempts[0].late_response.reservation, 1u);
  ASSERT_NE(l.attempts[0].received(), nullptr);
  EXPECT_EQ(l.attempts[0].answered, Time(1));  // when the answer left, as the delivery says
  ASSERT_EQ(l.calls.size(), 1u);
  EXPECT_EQ(l.calls[0].attempts.size(), 1u);
  EXPECT_EQ(l.intents[0].calls.size(), 1u);
}

TEST(Ledger, ReadsAnUnheededAnswerAndTheNetworksCopies) {
  RunLog log;
  log.add(Obs::client, Time(0), 0).x = log.name("c#0");
  Record& i = log.add(Obs::intent_begun, Time(0), 0);
  i.c = 1, i.d = kNone, i.x = 1;
  log.add(Obs::call_begun, Time(0), 0).d = log.params(LaunchParams{});
  log.add(Obs::sent, Time(0), 0);
  Record& dup = log.add(Obs::duplicated, Time(0), 0);
  dup.a = 1;
  Record& d = log.add(Obs::delivered, Time(3), 0);
  d.b = 1, d.c = 1, d.d = 1;
  log.add(Obs::unheeded, Time(3), 0);
  log.add(Obs::reset_seen, Time(4), 1).flags = kUnheard;  // the copy: nobody waited on it
  const Ledger l = index_log(log);
  ASSERT_EQ(l.attempts.size(), 2u);
  EXPECT_EQ(l.attempts[0].end, Ledger::Attempt::open);  // the process died before it acted on it
  EXPECT_TRUE(l.attempts[0].late);
  EXPECT_EQ(l.attempts[0].fate, Fate::caller_crashed);
  EXPECT_EQ(l.attempts[1].duplicate_of, 0u);
  EXPECT_EQ(l.attempts[1].call, 0u);
  EXPECT_EQ(l.attempts[1].end, Ledger::Attempt::open);
  EXPECT_EQ(l.calls[0].attempts.size(), 1u);  // a copy is not one of its call's attempts
}

TEST(Ledger, RefusesALogWhoseIdsAreNotDense) {
  RunLog far;
  far.add(Obs::sent, Time(0), 4000000000u);
  EXPECT_THROW(index_log(far), std::invalid_argument);
  RunLog zero;
  zero.add(Obs::terminating, Time(0), 0);
  EXPECT_THROW(index_log(zero), std::invalid_argument);
  RunLog gap;  // a placement for reservation 2 with no launch of it
  gap.add(Obs::placed, Time(0), 2);
  EXPECT_THROW(index_log(gap), std::invalid_argument);
}
