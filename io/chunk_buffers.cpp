#include "io/chunk_buffers.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::io {

namespace {

// Mapped buffers: leased ones and a pool of free ones kept for the next leases. Fresh pages cost a page fault each
// (measured on the shared VM: 0.77 s of system time per 240 MB of chunks mapped afresh for every chunk), so
// buffers are reused; leased plus pooled bytes stay within the largest limit asked for (or one lone chunk).
struct Buffers {
    std::mutex mutex;
    std::condition_variable released;
    std::size_t leased_bytes = 0;
    std::size_t leases = 0;
    std::vector<std::pair<unsigned char*, std::size_t>> pool;  // free buffers and their sizes
    std::size_t pooled_bytes = 0;
    std::size_t largest_limit = 0;

    // The smallest pooled buffer of at least `bytes`, taken out of the pool; {nullptr, 0} if none.
    std::pair<unsigned char*, std::size_t> take(std::size_t bytes) {
        auto best = pool.end();
        for (auto entry = pool.begin(); entry != pool.end(); ++entry)
            if (entry->second >= bytes && (best == pool.end() || entry->second < best->second)) best = entry;
        if (best == pool.end()) return {nullptr, 0};
        const auto taken = *best;
        pool.erase(best);
        pooled_bytes -= taken.second;
        return taken;
    }
    // Unmaps pooled buffers, smallest first, until leased + pooled + `adding` fit the largest limit.
    void trim(std::size_t adding) {
        std::sort(pool.begin(), pool.end(),
                  [](const auto& left, const auto& right) { return left.second < right.second; });
        while (!pool.empty() && leased_bytes + pooled_bytes + adding > largest_limit) {
            ::munmap(pool.front().first, pool.front().second);
            pooled_bytes -= pool.front().second;
            pool.erase(pool.begin());
        }
    }
};

Buffers& buffers() {
    static Buffers shared;
    return shared;
}

// Sizes are rounded up to 1 MiB, so that a buffer serves the next chunks, whose stored sizes differ a little.
std::size_t rounded(std::size_t bytes) {
    constexpr std::size_t granule = std::size_t{1} << 20;
    return (std::max<std::size_t>(bytes, 1) + granule - 1) / granule * granule;
}

}  // namespace

std::size_t chunk_buffer_limit(std::size_t chunk_bytes) {
    constexpr std::size_t floor_bytes = std::size_t{8} << 20;
    return std::max(floor_bytes, 2 * rounded(chunk_bytes));
}

ChunkBufferLease::ChunkBufferLease(std::size_t bytes, std::size_t limit) {
    Buffers& shared = buffers();
    std::unique_lock lock(shared.mutex);
    const std::size_t wanted = rounded(bytes);
    shared.largest_limit = std::max(shared.largest_limit, limit);
    shared.released.wait(lock, [&] { return shared.leases == 0 || shared.leased_bytes + wanted <= limit; });
    auto [buffer, size] = shared.take(bytes);
    if (!buffer) {
        shared.trim(wanted);
        void* mapped = ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED)
            fail(ErrorKind::resource, "cannot allocate " + std::to_string(wanted) +
                                          " bytes for a compressed HDF5 chunk: " + std::strerror(errno));
        buffer = static_cast<unsigned char*>(mapped);
        size = wanted;
    }
    data_ = buffer;
    bytes_ = size;
    shared.leased_bytes += bytes_;
    ++shared.leases;
}

ChunkBufferLease::~ChunkBufferLease() {
    Buffers& shared = buffers();
    {
        std::lock_guard lock(shared.mutex);
        shared.leased_bytes -= bytes_;
        --shared.leases;
        shared.pool.emplace_back(data_, bytes_);
        shared.pooled_bytes += bytes_;
        shared.trim(0);
    }
    shared.released.notify_all();
}

std::size_t chunk_buffer_bytes_leased() {
    Buffers& shared = buffers();
    std::lock_guard lock(shared.mutex);
    return shared.leased_bytes;
}

std::size_t chunk_buffer_bytes_mapped() {
    Buffers& shared = buffers();
    std::lock_guard lock(shared.mutex);
    return shared.leased_bytes + shared.pooled_bytes;
}

}  // namespace tilesum::io
