// idemsim keys: the scenario keys (harness/keys.h), as a listing or as the docs' Markdown tables.
#include <iostream>
#include <string>

#include "cli/common.h"
#include "harness/keys.h"

namespace idem::cli {

namespace {

std::string sections_text() {
  std::string out;
  for (const harness::KeySection& s : harness::key_sections())
    out += (out.empty() ? "" : ", ") + (s.parent.empty() ? std::string("top") : std::string(s.parent));
  return out;
}

// A cell without its Markdown: `x` -> x.
std::string plain(std::string_view cell) {
  std::string out;
  for (char c : cell)
    if (c != '`') out += c;
  return out;
}

int cmd_keys(const Args& args, const std::string&) {
  const std::string& which = args.operands.front();
  const std::string parent = which == "top" ? "" : which;
  const bool markdown = args.has("--markdown");
  bool found = false;
  for (const harness::KeySection& s : harness::key_sections()) {
    if (which != "all" && s.parent != parent) continue;
    found = true;
    if (markdown) {
      std::cout << harness::markdown_table(s.parent);
      continue;
    }
    const std::string prefix = s.parent.empty() ? "" : std::string(s.parent) + ".";
    for (const harness::KeyRow& r : s.rows) {
      if (r.retired) continue;
      // The key's path, then its type (or, for a fault, its keys) and its default, as the docs say.
      std::string line = prefix + std::string(r.key);
      for (size_t c = 1; c + 1 < r.cells.size(); ++c) line += "  |  " + plain(r.cells[c]);
      std::cout << line << "\n";
    }
  }
  if (!found && !markdown) {
    // A mapping documented inside its parent's row (leaks, service.throttle, explore.clients,
    // faults[].lose, ...): its keys, where the parent's row says what each takes.
    const std::vector<std::string> ks = harness::keys_under(parent);
    if (!ks.empty()) {
      const size_t dot = parent.rfind('.');
      std::cout << "(documented in the row of `" << (dot == std::string::npos ? parent : parent.substr(dot + 1)) << "` under "
                << (dot == std::string::npos ? std::string("the top level") : parent.substr(0, dot)) << ")\n";
      for (const std::string& k : ks) std::cout << parent << "." << k << "\n";
      return 0;
    }
  }
  if (!found)
    throw UsageError{"keys: '" + which + "' is not a section of the scenario format; use all, or one of " + sections_text() +
                     (markdown ? "" : ", or a mapping inside one (leaks, service.throttle, explore.clients, faults[].storm, ...)")};
  return 0;
}

}  // namespace

const Command& keys_command() {
  static const Command command{
      .name = "keys",
      .summary = "list the scenario keys: where each sits, what it takes and its default",
      .operand = {.name = "SECTION",
                  .help = "all, top (the top level), or a section such as service.store, clients[], clients[].retry, "
                          "faults[] or explore",
                  .missing = "keys needs a section: all, top, or one such as service.store",
                  .extra = "keys takes one section"},
      .prose = R"(Prints each key of the scenario format under SECTION: its path, then what it takes and its
default, from the one table the loader reads its known keys from (docs/scenario-format.md has the
same rows, with each key's meaning).
)",
      .sections = {{.flags = {
          {.name = "--markdown",
           .help = "the section's table as docs/scenario-format.md has it (the test suite checks that they agree)"},
      }}},
      .footer = "exit codes: 0 listed, 2 bad input (a section the format does not have)\n",
      .run = cmd_keys,
  };
  return command;
}

}  // namespace idem::cli
