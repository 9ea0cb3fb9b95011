// For programs that run many worlds (idemsim, the benchmark): every run allocates and frees the
// same large buffers (its log, the callers' bookkeeping, the service's records). By default glibc
// hands freed memory back to the kernel and the next run faults it in again, which cost a third of
// the time per run; keeping it in the process costs nothing extra at the peak. A program calls this
// once at its start; the libraries never do. (Wall-clock only: nothing here reaches a simulated world.)
#pragma once

#include <malloc.h>

namespace idem::sim {

inline void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace idem::sim
