#include "cli/common.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "harness/load.h"

namespace fs = std::filesystem;

namespace idem::cli {

std::string version_number() { return std::string(kVersion).substr(sizeof "idemsim " - 1); }

uint64_t parse_u64(const std::string& flag, const std::string& v, uint64_t lo, uint64_t hi) {
  uint64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || out < lo || out > hi)
    throw UsageError{flag + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", not '" + v + "'"};
  return out;
}

void check_seed_range(uint64_t first, uint64_t runs, const std::string& where) {
  if (runs > 0 && first > UINT64_MAX - (runs - 1))
    throw UsageError{where + ": seeds " + std::to_string(first) + " and " + std::to_string(runs - 1) +
                     " more pass 18446744073709551615; give a smaller --seed or --runs"};
}

void prepare_output(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(path, ec) && !force) throw UsageError{path + " exists; give --force to overwrite it, or another file"};
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) throw UsageError{"cannot create the directory of " + path + ": " + ec.message()};
}

std::vector<std::string> expand(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension();
        if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      if (found.empty()) throw harness::ScenarioError(p, 0, 0, "is a directory with no *.yaml files");
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(fs::path(p).lexically_normal().string());  // ./a.yaml and a.yaml are one file
    }
  }
  return out;
}

std::string result_file_name(const std::string& path) {
  std::string name = fs::path(path).lexically_normal().replace_extension("").string();
  for (char& c : name)
    if (c == '/' || c == '\\' || c == '.') c = '_';
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  return name + ".json";
}

std::string rounded_duration(uint64_t us) {
  if (us < 1000000) return std::to_string(us / 1000) + "ms";
  uint64_t s = (us + 500000) / 1000000;
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d", s %= 86400;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s || out.empty()) out += std::to_string(s) + "s";
  return out;
}

std::string plural(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many.empty() ? one + "s" : many);
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace idem::cli
