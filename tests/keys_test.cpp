// The key table (harness/keys.h) is the one place a scenario key is defined: the docs' key tables
// must be its rows, word for word, and the loader must know exactly its keys.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/keys.h"
#include "harness/load.h"

namespace {

using idem::harness::key_sections;
using idem::harness::keys_under;
using idem::harness::markdown_table;

std::string docs() {
  std::ifstream in(IDEMSIM_SOURCE_DIR "/docs/scenario-format.md");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Keys, TheDocsKeyTablesAreTheKeyTable) {
  const std::string d = docs();
  ASSERT_FALSE(d.empty());
  for (const auto& s : key_sections()) {
    const std::string table = markdown_table(s.parent);
    const size_t at = d.find(table);
    EXPECT_NE(at, std::string::npos) << "docs/scenario-format.md has no table equal to the key table's rows for `"
                                     << s.parent << "` (harness/keys.cpp); the table's rows, as the docs should have "
                                     << "them (idemsim keys " << (s.parent.empty() ? "top" : std::string(s.parent))
                                     << " --markdown):\n" << table;
    // ... and no row more than the table has.
    if (at != std::string::npos) {
      EXPECT_NE(d.compare(at + table.size(), 2, "| "), 0) << "a row in the docs only, after `" << s.parent << "`";
    }
  }
}

TEST(Keys, EveryMappingHasItsKeysAndNoKeyTwice) {
  for (const char* parent : {"", "network", "regions.*", "service", "service.store", "service.steps", "service.throttle",
                             "clients[]", "clients[].request", "clients[].retry", "clients[].controller", "clients[].token",
                             "reapers[]", "faults[]", "faults[].lose", "faults[].crash", "explore", "explore.clients",
                             "explore.window", "leaks", "expect", "<latency>"}) {
    const auto ks = keys_under(parent);
    EXPECT_FALSE(ks.empty()) << parent;
    for (size_t i = 0; i < ks.size(); ++i)
      for (size_t j = i + 1; j < ks.size(); ++j) EXPECT_NE(ks[i], ks[j]) << parent;
  }
  // A retired key is documented, not accepted: the loader says what replaced it.
  const auto service = keys_under("service");
  EXPECT_EQ(std::find(service.begin(), service.end(), "token_window"), service.end());
  EXPECT_NE(std::find(service.begin(), service.end(), "store"), service.end());
}

TEST(Keys, TheLoaderKnowsTheTablesKeysAndNoOther) {
  // An unknown key's error lists the table's keys of that mapping, in the table's order.
  try {
    idem::harness::parse_scenario("name: x\nclients: [{name: a}]\nservice: {store: {tll: 1s}}\n", "s.yaml");
    FAIL() << "an unknown key was accepted";
  } catch (const idem::harness::ScenarioError& e) {
    std::string known;
    for (const auto& k : keys_under("service.store")) known += (known.empty() ? "" : ", ") + k;
    EXPECT_NE(std::string(e.what()).find("did you mean 'ttl'? (known keys: " + known + ")"), std::string::npos) << e.what();
  }
  // Each top-level key of the table is accepted where it belongs (here: as a key the top level knows).
  for (const auto& k : keys_under("")) {
    try {
      idem::harness::parse_scenario("name: x\nclients: [{name: a}]\n" + k + ": ~\n", "s.yaml");
    } catch (const idem::harness::ScenarioError& e) {
      EXPECT_EQ(std::string(e.what()).find("unknown key"), std::string::npos) << k << ": " << e.what();
    }
  }
}

}  // namespace
