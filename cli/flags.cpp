#include "cli/flags.h"

#include <algorithm>
#include <stdexcept>

#include "cli/common.h"
#include "reports/report.h"

namespace idem::cli {

using reports::wrap;

namespace {

// The row of a flag, or nullptr.
const Flag* find(const Command& command, std::string_view name) {
  for (const Section& s : command.sections)
    for (const Flag& f : s.flags)
      if (f.name == name) return &f;
  return nullptr;
}

// Edits (insertions, deletions, substitutions, swaps of neighbours) from a to b.
size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// "; did you mean '--seed'?" for an option a typo away from one of the command's flags.
std::string suggestion(const Command& command, std::string_view name) {
  const std::string_view bare = name.substr(std::min(name.find_first_not_of('-'), name.size()));
  if (bare.empty()) return "";
  const size_t allowed = bare.size() <= 4 ? 1 : 2;
  const Flag* best = nullptr;
  size_t best_d = allowed + 1;
  for (const Section& s : command.sections)
    for (const Flag& f : s.flags)
      if (const size_t d = distance(bare, f.name.substr(2)); d < best_d) best_d = d, best = &f;
  return best ? "; did you mean '" + std::string(best->name) + "'?" : "";
}

// "--seed N", "--strict".
std::string left(const Flag& f) {
  std::string out(f.name);
  if (!f.value.empty()) out.append(" ").append(f.value);
  return out;
}

// "FILE", "PATH...".
std::string operand_text(const Operand& o) {
  std::string out(o.name);
  if (o.repeat) out.append("...");
  return out;
}

}  // namespace

const Flag& Args::row(std::string_view flag) const {
  const Flag* f = command_ ? find(*command_, flag) : nullptr;
  if (!f) throw std::logic_error("the command has no flag " + std::string(flag) + " in its table");
  return *f;
}

bool Args::has(std::string_view flag) const {
  row(flag);
  return values_.find(flag) != values_.end();
}

std::optional<std::string> Args::text(std::string_view flag) const {
  if (row(flag).value.empty()) throw std::logic_error(std::string(flag) + " is a switch: it has no value");
  const auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Args::text(std::string_view flag, const std::string& fallback) const { return text(flag).value_or(fallback); }

std::vector<std::string> Args::all(std::string_view flag) const {
  if (row(flag).value.empty()) throw std::logic_error(std::string(flag) + " is a switch: it has no value");
  const auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<uint64_t> Args::number(std::string_view flag) const {
  const Flag& f = row(flag);
  if (!f.number) throw std::logic_error(std::string(flag) + " is not a whole number in the command's table");
  const std::optional<std::string> v = text(flag);
  if (!v) return std::nullopt;
  return parse_u64(std::string(flag), *v, f.number->lo, f.number->hi);  // read and checked already
}

uint64_t Args::number(std::string_view flag, uint64_t fallback) const { return number(flag).value_or(fallback); }

Args parse(const Command& command, const std::vector<std::string>& words) {
  Args args;
  args.command_ = &command;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    // "--flag=value" is "--flag" "value".
    std::string name = word;
    std::optional<std::string> attached;
    if (const size_t eq = word.find('='); word.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = word.substr(0, eq);
      attached = word.substr(eq + 1);
    }
    if (name == "-h" || name == "--help") {
      args.help = true;
      return args;
    }
    if (name.empty() || name[0] != '-') {
      if (command.operand.name.empty()) throw UsageError{std::string(command.operand.extra)};  // no operands
      if (command.operand.repeat || args.operands.empty()) {
        args.operands.push_back(word);
      } else if (args.operands.front().empty()) {
        args.operands.front() = word;  // an empty word for a single operand is none
      } else {
        throw UsageError{std::string(command.operand.extra)};
      }
      continue;
    }
    const Flag* flag = find(command, name);
    if (!flag) throw UsageError{"unknown option '" + name + "' for " + std::string(command.name) + suggestion(command, name)};
    if (flag->value.empty()) {
      if (attached) throw UsageError{name + " takes no value, not '" + *attached + "'"};
      args.values_[name] = {""};
      continue;
    }
    if (!attached && i + 1 >= words.size()) throw UsageError{name + " needs a value"};
    const std::string value = attached ? *attached : words[++i];
    if (flag->number) parse_u64(name, value, flag->number->lo, flag->number->hi);
    if (flag->check) flag->check(name, value, args);
    std::vector<std::string>& values = args.values_[name];
    if (!flag->repeat) values.clear();
    values.push_back(value);
  }
  if (!command.operand.name.empty() &&
      (args.operands.empty() || (!command.operand.repeat && args.operands.front().empty())))
    throw UsageError{std::string(command.operand.missing)};
  for (const Section& s : command.sections)
    for (const Flag& f : s.flags)
      if (f.required && !args.values_.count(f.name))
        throw UsageError{std::string(command.name) + " needs " + (f.repeat ? "at least one " : "") + left(f)};
  return args;
}

std::string synopsis(const Command& command) {
  std::string out = std::string(command.name);
  if (!command.operand.name.empty()) out.append(" ").append(operand_text(command.operand));
  for (const Section& s : command.sections)
    for (const Flag& f : s.flags)
      if (f.required) out.append(" ").append(left(f));
  return out;
}

void help(std::ostream& out, const Command& command) {
  // The usage line: the operand, the required flags, then the others in brackets.
  const std::string head = std::string("usage: idemsim ").append(command.name).append(" ");
  std::vector<std::string> words;
  if (!command.operand.name.empty()) words.push_back(operand_text(command.operand));
  for (const Section& s : command.sections)
    for (const Flag& f : s.flags)
      if (f.required) {
        words.push_back(left(f));
        if (f.repeat) words.push_back(std::string("[").append(f.name).append(" ...]"));
      }
  for (const Section& s : command.sections) {
    if (!s.usage.empty()) {
      words.push_back(std::string("[").append(s.usage).append("]"));
      continue;
    }
    for (const Flag& f : s.flags)
      if (!f.required) words.push_back(std::string("[").append(left(f)).append(f.repeat ? "]..." : "]"));
  }
  out << head;
  size_t at = head.size();
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0 && at + 1 + words[i].size() > 100) {
      out << "\n" << std::string(head.size(), ' ');
      at = head.size();
    } else if (i > 0) {
      out << ' ';
      ++at;
    }
    out << words[i];
    at += words[i].size();
  }
  out << "\n\n" << command.prose;

  // The rows, in one column for all sections; a left text longer than 22 characters has its
  // help on the next line rather than pushing every row's help right.
  std::vector<std::vector<std::pair<std::string, std::string>>> rows(command.sections.size());
  size_t widest = 0;
  for (size_t k = 0; k < command.sections.size(); ++k) {
    if (k == 0 && !command.operand.name.empty() && !command.operand.help.empty())
      rows[k].emplace_back(std::string(command.operand.name), std::string(command.operand.help));
    for (const Flag& f : command.sections[k].flags) rows[k].emplace_back(left(f), std::string(f.help));
    for (const auto& [l, r] : rows[k])
      if (l.size() <= 22) widest = std::max(widest, l.size());
  }
  for (size_t k = 0; k < command.sections.size(); ++k) {
    out << "\n" << command.sections[k].heading;
    write_rows(out, rows[k], 2, 2 + widest + 2);
  }
  out << "\n" << command.footer;
}

void write_rows(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows, size_t indent,
                size_t column, size_t width) {
  for (const auto& [l, r] : rows) {
    out << std::string(indent, ' ') << l;
    if (indent + l.size() + 1 <= column) out << std::string(column - indent - l.size(), ' ');
    else out << "\n" << std::string(column, ' ');
    wrap(out, r, column, width);
  }
}

}  // namespace idem::cli
