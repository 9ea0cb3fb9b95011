// libFuzzer target: `idemsim audit`'s reader (audit/read.cpp) on any bytes, as a file (plain, or
// gzip when they start as gzip does). Invariants: it either reads the file or refuses it with
// InputError (bad input, exit 2 in the program), never another exception or a crash, and every
// record it keeps points only at what it read (names, tokens, parameters, listed instances).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "audit/audit.h"
#include "audit/read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/dev/shm/idemsim-cloudtrail-fuzz-" + std::to_string(::getpid()) + ".json";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  idem::audit::Reader r;
  try {
    r.read_paths({path});
  } catch (const idem::audit::InputError&) {
    return 0;  // refused, with a message: what bad input gets
  }
  for (const idem::audit::Event& e : r.events) {
    if (e.first + static_cast<uint64_t>(e.count) > r.listed.size()) std::abort();
    if (e.call == idem::audit::Call::run && e.params >= r.params.size()) std::abort();
    if (e.token != idem::audit::kNo && e.token >= r.tokens.size()) std::abort();
    if (e.reservation != idem::audit::kNo && e.reservation >= r.reservations.size()) std::abort();
    for (uint32_t id : {e.region, e.account, e.principal, e.role, e.agent})
      if (id >= r.names.size()) std::abort();
  }
  for (const idem::audit::Listed& x : r.listed)
    if (x.id >= r.instances.size()) std::abort();
  return 0;
}
