// Where the arena's buffers come from. Small buffers come from malloc; large ones are mapped directly, aligned
// to 2 MiB and marked for transparent huge pages (madvise(MADV_HUGEPAGE)), because first-touching fresh memory
// page by page is the most expensive thing a large tile does on a virtual machine: 0.24–1.8 s per GiB in 4 KiB
// faults (DESIGN.md), where one 2 MiB fault zeroes 512 times as much per trap. Kernels that run THP in "madvise"
// mode (Debian's default) honour the hint; elsewhere it is a no-op and the buffer is an ordinary mapping.
//
// The mapping is the buffer's size rounded up to 4 KiB, never to 2 MiB: huge pages fill only the 2 MiB ranges the
// buffer covers whole, so resident memory stays what the plan counted.
#pragma once

#include <cstddef>

namespace tilesum::eval {

// Buffers of at least this many bytes are mapped; smaller ones come from malloc.
inline constexpr std::size_t mapped_buffer_bytes = std::size_t{2} << 20;

// nullptr when the system has no memory for it. `bytes` > 0.
double* allocate_tile_memory(std::size_t bytes);
// `bytes` must be the size the buffer was allocated with: it decides how the buffer was made.
void free_tile_memory(double* data, std::size_t bytes);

}  // namespace tilesum::eval
