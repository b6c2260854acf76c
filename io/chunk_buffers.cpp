#include "io/chunk_buffers.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

#include "engine/common/error.hpp"

namespace tilesum::io {

namespace {

struct Leases {
    std::mutex mutex;
    std::condition_variable released;
    std::size_t bytes = 0;  // leased now
    std::size_t count = 0;  // leases held now
};

Leases& leases() {
    static Leases shared;
    return shared;
}

}  // namespace

std::size_t chunk_buffer_limit(std::size_t chunk_bytes) {
    constexpr std::size_t floor_bytes = std::size_t{8} << 20;
    return std::max(floor_bytes, 2 * chunk_bytes);
}

ChunkBufferLease::ChunkBufferLease(std::size_t bytes, std::size_t limit) : bytes_(std::max<std::size_t>(bytes, 1)) {
    Leases& shared = leases();
    {
        std::unique_lock lock(shared.mutex);
        shared.released.wait(lock, [&] { return shared.count == 0 || shared.bytes + bytes_ <= limit; });
        shared.bytes += bytes_;
        ++shared.count;
    }
    void* mapped = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
        const int error = errno;
        {
            std::lock_guard lock(shared.mutex);
            shared.bytes -= bytes_;
            --shared.count;
        }
        shared.released.notify_all();
        fail(ErrorKind::resource, "cannot allocate " + std::to_string(bytes_) +
                                      " bytes for a compressed HDF5 chunk: " + std::strerror(error));
    }
    data_ = static_cast<unsigned char*>(mapped);
}

ChunkBufferLease::~ChunkBufferLease() {
    ::munmap(data_, bytes_);
    Leases& shared = leases();
    {
        std::lock_guard lock(shared.mutex);
        shared.bytes -= bytes_;
        --shared.count;
    }
    shared.released.notify_all();
}

std::size_t chunk_buffer_bytes_leased() {
    Leases& shared = leases();
    std::lock_guard lock(shared.mutex);
    return shared.bytes;
}

}  // namespace tilesum::io
