// Buffers for stored (compressed) chunks read with H5Dread_chunk, bounded for the whole process.
//
// Why a bound: each thread reading a gzip chunk holds its compressed bytes while it inflates them, so N threads hold
// N chunks. HDF5's own read path held about three times a chunk's bytes for the one chunk it decompressed at a time
// (the compressed chunk, and an output buffer grown by doubling), outside the budget, in the fixed overhead
// (docs/planning.md). Leases here keep the chunks held at once within a limit the reader picks (twice its chunk's
// bytes, at least 8 MiB: below what HDF5's path held for one chunk, or a few small chunks), waiting while other
// threads' chunks fill it; a chunk alone is always admitted, whatever its size, so a read always makes progress.
// Released buffers are kept for the next leases (fresh pages cost a page fault each), and the buffers mapped in
// all, leased or kept, stay within the largest limit asked for, or the one chunk leased alone beyond it.
#pragma once

#include <cstddef>

namespace tilesum::io {

// The limit on the bytes of stored chunks held at once for a dataset of `chunk_bytes` (uncompressed) chunks.
std::size_t chunk_buffer_limit(std::size_t chunk_bytes);

class ChunkBufferLease {
public:
    // Waits until `bytes` (rounded up to 1 MiB) fit within `limit` beside the leases other threads hold, or no other
    // lease is held; then takes a kept buffer of at least `bytes`, or maps one. Error(resource) if mapping fails.
    ChunkBufferLease(std::size_t bytes, std::size_t limit);
    ~ChunkBufferLease();
    ChunkBufferLease(const ChunkBufferLease&) = delete;
    ChunkBufferLease& operator=(const ChunkBufferLease&) = delete;

    unsigned char* data() const { return data_; }
    std::size_t size() const { return bytes_; }  // at least the bytes asked for

private:
    std::size_t bytes_ = 0;
    unsigned char* data_ = nullptr;
};

// The bytes leased now, and mapped now (leased or kept), across threads (for tests).
std::size_t chunk_buffer_bytes_leased();
std::size_t chunk_buffer_bytes_mapped();

}  // namespace tilesum::io
