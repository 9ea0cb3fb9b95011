// An open-addressing hash table for the model's hot lookups (the token store's records, the
// service's interned parameters): one flat array of slots, a power-of-two size, linear probing,
// and deletion by backward shift, so no tombstones build up in a long run.
//
// Determinism: the caller gives the hash (a fixed function of the key's bytes, never a seeded or
// address-based one), and nothing here iterates in slot order on a path that reaches a simulated
// world: the table answers lookups only (erase_if walks the slots, and which entries it keeps does
// not depend on their order). A pointer to an entry is valid until the next insert or erase.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace idem::model {

template <class Entry>
class FlatTable {
 public:
  size_t size() const { return size_; }

  // The entry whose hash is `h` and for which eq(entry) holds, or nullptr.
  template <class Eq>
  Entry* find(uint64_t h, Eq&& eq) {
    if (tags_.empty()) return nullptr;
    const uint64_t tag = tag_of(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (tags_[i] == 0) return nullptr;
      if (tags_[i] == tag && eq(entries_[i])) return &entries_[i];
    }
  }

  template <class Eq>
  const Entry* find(uint64_t h, Eq&& eq) const {
    return const_cast<FlatTable*>(this)->find(h, std::forward<Eq>(eq));
  }

  // REQUIRES: no entry equal to e is in the table.
  Entry* insert(uint64_t h, Entry e) {
    if ((size_ + 1) * 8 > tags_.size() * 7) grow();
    return place(tag_of(h), std::move(e));
  }

  // REQUIRES: e points into this table.
  void erase(Entry* e) {
    size_t i = static_cast<size_t>(e - entries_.data());
    // Backward shift: each later entry of the run moves into the hole if its home is at or before
    // the hole (cyclically), so every entry stays reachable from its home without tombstones.
    for (size_t j = (i + 1) & mask_; tags_[j] != 0; j = (j + 1) & mask_) {
      const size_t home = tags_[j] & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        tags_[i] = tags_[j];
        entries_[i] = std::move(entries_[j]);
        i = j;
      }
    }
    tags_[i] = 0;
    entries_[i] = Entry();
    --size_;
  }

  // Erases every entry for which pred(entry) holds.
  template <class Pred>
  void erase_if(Pred&& pred) {
    std::vector<uint64_t> tags;
    std::vector<Entry> entries;
    tags.swap(tags_);
    entries.swap(entries_);
    tags_.assign(tags.size(), 0);
    entries_.resize(tags.size());
    size_ = 0;
    for (size_t i = 0; i < tags.size(); ++i)
      if (tags[i] != 0 && !pred(entries[i])) place(tags[i], std::move(entries[i]));
  }

 private:
  // The hash with its top bit set (0: an empty slot); its low bits are the entry's home slot.
  static uint64_t tag_of(uint64_t h) { return h | (uint64_t{1} << 63); }

  Entry* place(uint64_t tag, Entry&& e) {
    size_t i = tag & mask_;
    while (tags_[i] != 0) i = (i + 1) & mask_;
    tags_[i] = tag;
    entries_[i] = std::move(e);
    ++size_;
    return &entries_[i];
  }

  void grow() {
    std::vector<uint64_t> tags;
    std::vector<Entry> entries;
    tags.swap(tags_);
    entries.swap(entries_);
    const size_t cap = tags.empty() ? 16 : tags.size() * 2;
    tags_.assign(cap, 0);
    entries_.resize(cap);
    mask_ = cap - 1;
    size_ = 0;
    for (size_t i = 0; i < tags.size(); ++i)
      if (tags[i] != 0) place(tags[i], std::move(entries[i]));
  }

  std::vector<uint64_t> tags_;  // probed alone: 8 bytes a slot
  std::vector<Entry> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// A 64-bit hash of bytes and integers, the same on every machine (multiply-xorshift).
inline uint64_t flat_mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 32);
}
inline uint64_t flat_hash_bytes(uint64_t h, const char* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&w, p, 8);
    } else {
      for (int k = 0; k < 8; ++k) w |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
    }
    h = flat_mix(h, w);
  }
  uint64_t w = n;
  for (size_t k = 0; k < n; ++k) w |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * (k + 1));
  return flat_mix(h, w);
}

}  // namespace idem::model
