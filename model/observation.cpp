#include "model/observation.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace idem::model {

StopWhy stop_why(std::string_view reason) {
  if (reason == "ok") return StopWhy::ok;
  if (reason == "not-retryable") return StopWhy::not_retryable;
  if (reason == "attempts") return StopWhy::attempts;
  if (reason == "quota") return StopWhy::quota;
  return StopWhy::none;
}

std::string_view stop_why_name(StopWhy w) {
  switch (w) {
    case StopWhy::none: return "";
    case StopWhy::ok: return "ok";
    case StopWhy::not_retryable: return "not-retryable";
    case StopWhy::attempts: return "attempts";
    case StopWhy::quota: return "quota";
    case StopWhy::deadline: return "deadline";
  }
  return "";
}

std::string_view retry_why_name(RetryWhy w) {
  switch (w) {
    case RetryWhy::mismatch_new_token: return "mismatch/new-token";
    case RetryWhy::terminated_new_token: return "terminated/new-token";
    case RetryWhy::mismatch_reconcile: return "mismatch/reconcile";
    case RetryWhy::unknown_reconcile: return "unknown/reconcile";
    case RetryWhy::unknown_retry: return "unknown/retry";
    case RetryWhy::describe_retry: return "describe-failed/retry";
  }
  return "?";
}

uint32_t RunLog::name(std::string_view s) {
  for (uint32_t id : recent_names_)
    if (id != kNone && names_[id] == s) return id;
  uint32_t id;
  if (auto it = name_ids_.find(s); it != name_ids_.end()) {
    id = it->second;
  } else {
    id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(s);
    name_ids_.emplace(std::string(s), id);
  }
  std::copy_backward(recent_names_, recent_names_ + 3, recent_names_ + 4);
  recent_names_[0] = id;
  return id;
}

uint32_t RunLog::params(const LaunchParams& p) {
  if (last_params_ != kNone && params_[last_params_] == p) return last_params_;
  for (uint32_t i = 0; i < params_.size(); ++i)
    if (params_[i] == p) return last_params_ = i;
  params_.push_back(p);
  return last_params_ = static_cast<uint32_t>(params_.size() - 1);
}

void RunLog::reserve(size_t records, size_t tokens) {
  records_.reserve(records);
  tokens_.reserve(tokens);
}

namespace {
// Bytes, eight at a time as little-endian words (the same on every machine), then the length.
uint64_t hash_bytes(uint64_t h, std::string_view s) {
  auto word = [&](size_t at, size_t n) {
    uint64_t w = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&w, s.data() + at, n);
    } else {
      for (size_t k = 0; k < n; ++k) w |= uint64_t{static_cast<unsigned char>(s[at + k])} << (8 * k);
    }
    return w;
  };
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) h = hash_mix(h, word(i, 8));
  if (i < s.size()) h = hash_mix(h, word(i, s.size() - i));
  return hash_mix(h, s.size());
}
}  // namespace

uint64_t RunLog::hash() const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const Token& t : tokens_) h = hash_mix(hash_bytes(h, t.view()), t.size());
  for (const std::string& s : names_) h = hash_bytes(h, s);
  for (const LaunchParams& p : params_) {
    for (const std::string* s : {&p.image, &p.type, &p.key, &p.zone, &p.subnet}) h = hash_bytes(h, *s);
    h = hash_mix(h, uint64_t{static_cast<uint32_t>(p.min)} | uint64_t{static_cast<uint32_t>(p.max)} << 32);
  }
  for (const Record& r : records_) h = hash_record(h, r);
  return hash_mix(h, records_.size());
}

void RunLog::merge(std::vector<Record> later) {
  if (later.empty()) return;
  const auto by_time = [](const Record& x, const Record& y) { return x.at < y.at; };
  std::stable_sort(later.begin(), later.end(), by_time);
  std::vector<Record> out;
  out.reserve(records_.size() + later.size());
  std::merge(records_.begin(), records_.end(), later.begin(), later.end(), std::back_inserter(out), by_time);
  records_ = std::move(out);
}

}  // namespace idem::model
