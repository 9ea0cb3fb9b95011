// The options of a command as one table: its --help text and its parser are both made from the
// rows, so a flag cannot be parsed without being documented, nor documented without being parsed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace idem::cli {

// Bad input on the command line: main prints it with "(see idemsim CMD --help)" and exits 2.
struct UsageError {
  std::string message;
};

class Args;

// A check of one value, run when the parser reads it (so errors come in command-line order);
// throws UsageError. `so_far` holds the values read before this one.
using Check = void (*)(const std::string& flag, const std::string& value, const Args& so_far);

// The range of a whole-number flag, checked by parse_u64.
struct Range {
  uint64_t lo = 0, hi = UINT64_MAX;
};

struct Flag {
  std::string_view name{};          // "--seed"
  std::string_view value{};         // its placeholder, "N"; "" for a switch
  std::string_view help{};          // one paragraph, wrapped to the screen by help()
  bool repeat = false;            // every value given counts (else the last one given does)
  bool required = false;          // the command needs it: "<command> needs at least one --set KEY=..."
  std::optional<Range> number{};  // a whole number in this range
  Check check = nullptr;          // any other check of the value
};

// The command's operands (the words that are not options). A command without a name here takes
// none: a word that is not an option is refused with `extra`.
struct Operand {
  std::string_view name{};     // "FILE"; "" for none
  std::string_view help{};     // listed with the flags
  bool repeat = false;       // FILE...: one or more; else exactly one
  std::string_view missing{};  // the message when none is given
  std::string_view extra{};    // the message when a second is given (repeat = false)
};

// Flags listed together, under a heading paragraph of their own.
struct Section {
  std::string_view heading{};  // "" for none; else pre-wrapped text printed above the rows
  std::string_view usage{};    // "" lists each flag in the usage line; else "[usage]" stands for them all
  std::vector<Flag> flags{};
};

struct Command {
  std::string_view name{};     // "run"
  std::string_view summary{};  // its line in `idemsim --help`, wrapped there
  Operand operand{};
  std::string_view prose{};    // pre-wrapped paragraphs between the usage line and the flags
  std::vector<Section> sections{};
  std::string_view footer{};   // pre-wrapped text after the flags: exit codes, notes
  int (*run)(const Args& args, const std::string& program) = nullptr;
};

// What the parser read, by flag. Asking for a flag the command's table does not have, or for a
// value of a switch, is a bug of idemsim (std::logic_error: an internal error, exit 3).
class Args {
 public:
  bool help = false;                  // -h or --help was given (the parser stops there)
  std::vector<std::string> operands;  // in the order given

  bool has(std::string_view flag) const;                                   // given at least once
  std::optional<std::string> text(std::string_view flag) const;            // the last value given
  std::string text(std::string_view flag, const std::string& fallback) const;
  std::vector<std::string> all(std::string_view flag) const;               // every value given, in order
  std::optional<uint64_t> number(std::string_view flag) const;             // the last value, a whole number
  uint64_t number(std::string_view flag, uint64_t fallback) const;

 private:
  friend Args parse(const Command& command, const std::vector<std::string>& words);
  const Flag& row(std::string_view flag) const;

  const Command* command_ = nullptr;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Reads the words after the command: operands, "--flag value", "--flag=value", switches, and -h or
// --help (which ends the reading). An unknown option, a missing value or a bad one throws
// UsageError, in the order the words come; then a missing operand or required flag does.
Args parse(const Command& command, const std::vector<std::string>& words);

// The command's --help: its usage line (made from the rows), prose, flags and footer.
void help(std::ostream& out, const Command& command);

// "run PATH...", "sweep FILE --set KEY=V1,V2,...": the command, its operand and required flags.
std::string synopsis(const Command& command);

// Two-column rows: each left text at `indent`, its right text from `column` on, wrapped at
// `width`; a left text that leaves no space before `column` puts its right text on the next line.
void write_rows(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows, size_t indent,
                size_t column, size_t width = 100);

}  // namespace idem::cli
