// HDF5 chunk caches, sized by the planner and taken from the budget. HDF5 reads (and, for a compressed dataset,
// decompresses) a chunked dataset a whole chunk at a time. A tile narrower than a chunk reads part of each chunk it
// touches, and a later tile reads the next part of the same chunks; with HDF5's default 1 MiB cache those chunks are
// gone by then (a chunk larger than the cache is never cached), so each is read and decompressed once per tile that
// touches it. A cache holding the chunks read between two visits to the same chunk reads each chunk once.
//
// What HDF5 needs: one cache per open dataset, shared by every read of it; reads are serialized by HDF5's global
// lock; tiles are started in tile order (the executor's serial_in_order first stage) and read by the parallel stage
// a few tiles in flight apart, so tiles in flight do not multiply the cache. The chunks a chunk's next visit waits for are those of the tiles in between: in tile order (C order of
// the cut axes), the next tile along the outermost cut axis that splits the input's chunks comes after every tile of
// the axes inside it, so the cache holds the chunks of that band of tiles (one tile when the inner axes are not cut).
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace tilesum::plan {

struct Plan;

// What the storage library's chunk caches are like: facts of HDF5 that io/ knows (io/hdf5_chunk_cache_facts.hpp)
// and engine/api copies into PlanOptions. The defaults here are HDF5 1.10's, so that plans made from shapes alone
// (tests, tools) are the ones a run makes.
struct ChunkCacheTraits {
    // The cache an input has when it gets none of its own (H5Pset_cache's rdcc_nbytes).
    std::size_t default_bytes = std::size_t{1} << 20;
    // The memory a cache of N bytes takes is up to this many times N: HDF5's deflate filter grows its output buffer
    // by doubling from the compressed size, and the cache keeps that buffer as the chunk while counting only the
    // chunk's size (measured: a 38.1 MiB cache of 8 MB gzip chunks of random doubles added 90 MiB of RSS).
    std::size_t memory_factor = 2;
    friend bool operator==(const ChunkCacheTraits&, const ChunkCacheTraits&) = default;
};

// Per chunked input whose chunks some tile of the plan (an output, a piece, or a fused pass over its input) reads
// only in part: the cache bytes that hold the chunks read before their next visit. Depends on tile shapes alone,
// never on the thread count.
std::map<std::string, std::size_t> chunk_caches_wanted(const Plan& plan);

struct ChunkCaches {
    std::map<std::string, std::size_t> bytes;  // per input: the cache it gets (at least HDF5's default)
    std::size_t total_bytes = 0;               // the memory they take: a sized cache counts twice its bytes
};

// The caches that fit `limit_bytes` of memory in all: each input gets what it wants (at least HDF5's default, which it
// has anyway); while the total is over the limit, the largest cache falls back to HDF5's default (ties: the later
// name first). Defaults alone may still exceed the limit: they are what HDF5 holds regardless, counted as they are.
ChunkCaches fit_chunk_caches(const std::map<std::string, std::size_t>& wanted, std::size_t limit_bytes,
                             const ChunkCacheTraits& traits = {});

}  // namespace tilesum::plan
