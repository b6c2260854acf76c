#include "io/hdf5_chunk_cache_facts.hpp"

#include <hdf5.h>

#include <mutex>

#include "io/hdf5_calls.hpp"

namespace tilesum::io {

Hdf5ChunkCacheFacts hdf5_chunk_cache_facts() {
    const h5::Where where{"(HDF5's defaults)", ""};
    std::lock_guard lock(hdf5_mutex());
    const h5::Handle access = h5::plist_create(where, H5P_FILE_ACCESS);
    int metadata_elements = 0;
    std::size_t slots = 0, bytes = 0;
    double preemption = 0;
    if (H5Pget_cache(access.get(), &metadata_elements, &slots, &bytes, &preemption) < 0)
        h5::fail_call(ErrorKind::io, where, "read the default chunk cache of", "H5Pget_cache");
    Hdf5ChunkCacheFacts facts;
    facts.default_bytes = bytes;
    return facts;
}

}  // namespace tilesum::io
