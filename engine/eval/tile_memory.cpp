#include "engine/eval/tile_memory.hpp"

#include <sys/mman.h>

#include <cassert>
#include <cstdint>
#include <cstdlib>

namespace tilesum::eval {
namespace {

constexpr std::size_t page_bytes = 4096;
constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

std::size_t round_up(std::size_t bytes, std::size_t multiple) { return (bytes + multiple - 1) / multiple * multiple; }

// Maps `length` bytes starting on a 2 MiB boundary: maps length + 2 MiB and unmaps what lies before the first
// boundary and after the end, so only the aligned range stays mapped.
void* map_aligned(std::size_t length) {
    const std::size_t padded = length + huge_page_bytes;
    void* mapped = ::mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return nullptr;
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::size_t head = round_up(start, huge_page_bytes) - start;
    char* aligned = static_cast<char*>(mapped) + head;
    if (head > 0) ::munmap(mapped, head);
    const std::size_t tail = padded - head - length;
    if (tail > 0) ::munmap(aligned + length, tail);
    return aligned;
}

}  // namespace

double* allocate_tile_memory(std::size_t bytes) {
    assert(bytes > 0);
    if (bytes < mapped_buffer_bytes) return static_cast<double*>(std::malloc(bytes));
    const std::size_t length = round_up(bytes, page_bytes);
    void* data = map_aligned(length);
    if (!data) return nullptr;
#ifdef MADV_HUGEPAGE
    ::madvise(data, length, MADV_HUGEPAGE);  // a hint: failure (THP off or unsupported) leaves 4 KiB pages
#endif
    return static_cast<double*>(data);
}

void free_tile_memory(double* data, std::size_t bytes) {
    if (!data) return;
    if (bytes < mapped_buffer_bytes) {
        std::free(data);
        return;
    }
    ::munmap(data, round_up(bytes, page_bytes));
}

}  // namespace tilesum::eval
