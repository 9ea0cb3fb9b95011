// Every scenario key, once: where it sits, what it takes, its default and what it means, as the
// rows of docs/scenario-format.md's key tables. The loader's known keys of each mapping (and so
// its "unknown key ... did you mean" errors), `idemsim keys`, and the docs' tables all come from
// here; tests/keys_test.cpp fails when the docs and this table disagree, or when the loader reads a
// key the table does not have.
//
// Paths: a dotted path from the top, a list's items as `[]` (`clients[].retry.base`), a mapping
// of names as `*` (`regions.*.zones`); `<latency>` is the latency mapping every latency key takes.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace idem::harness {

struct KeyRow {
  std::string_view key;                 // the key, under its section's parent (`clients.count` under explore)
  std::vector<std::string_view> cells;  // the docs row: the key column as shown, then the section's columns
  bool retired = false;                 // documented (a file that has it is told what replaced it), not accepted
};

struct KeySection {
  std::string_view parent;              // "" for the top level, "service.store", "clients[]", "faults[]"
  std::vector<std::string_view> header; // the docs table's columns
  std::vector<KeyRow> rows;
};

const std::vector<KeySection>& key_sections();

// The keys a mapping at `parent` accepts, in the table's order (the first part of a dotted row).
std::vector<std::string> keys_under(std::string_view parent);
// Whether the table has the key at `path`.
bool key_known(std::string_view path);
// The docs' Markdown table of the keys under `parent` (header, rule and rows), or "" if none.
std::string markdown_table(std::string_view parent);

}  // namespace idem::harness
