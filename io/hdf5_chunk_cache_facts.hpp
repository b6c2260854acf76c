// What HDF5's chunk caches are like, for the planner (plan::ChunkCacheTraits, filled in by engine/api): the cache a
// dataset has by default, asked of the library itself, and how much memory a cache takes per byte it counts.
#pragma once

#include <cstddef>

namespace tilesum::io {

struct Hdf5ChunkCacheFacts {
    std::size_t default_bytes = 0;  // H5Pget_cache of a default file access property list: rdcc_nbytes
    // HDF5's deflate filter grows its output buffer by doubling from the compressed size, and the cache keeps that
    // buffer as the chunk while counting only the chunk's size: a cache of N bytes takes up to 2N (measured: a
    // 38.1 MiB cache of 8 MB gzip chunks of random doubles added 90 MiB of RSS).
    std::size_t memory_factor = 2;
};

// Error(io) if HDF5 cannot say.
Hdf5ChunkCacheFacts hdf5_chunk_cache_facts();

}  // namespace tilesum::io
