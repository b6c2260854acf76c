// HDF5's chunk cache, sized from the plan. A tile narrower than a chunk reads part of each chunk it touches, and the
// next tile reads the next part of the same chunks. With HDF5's default 1 MiB cache those chunks are gone by then (or
// never cached: a chunk larger than the cache bypasses it), so every tile reads, and for a compressed dataset
// decompresses, them again. Tiles aligned to chunks (engine/plan/chunk_alignment.hpp) that span whole chunks need
// no cache; tiles that split chunks evenly need one holding the chunks one tile touches.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/plan/plan.hpp"
#include "io/hdf5_reader.hpp"

namespace tilesum::cli {

// Gives each chunked input whose chunks some tile reads only in part a chunk cache that holds every chunk such a
// tile touches (when that is more than HDF5's default). Returns the bytes given to caches in all, which live outside
// the memory budget (the tile buffers), so the run can report them.
std::size_t size_chunk_caches(const plan::Plan& plan,
                              const std::map<std::string, std::unique_ptr<io::Hdf5DatasetReader>>& readers);

}  // namespace tilesum::cli
