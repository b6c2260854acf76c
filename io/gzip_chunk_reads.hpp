// Hyperslab reads of a gzip-chunked dataset that decompress outside HDF5's lock, so that the TBB workers reading
// tiles decompress chunks in parallel.
//
// Why: H5Dread decompresses every chunk inside HDF5's global lock (and io/'s), on one thread at a time: a Gram
// matrix over a gzip-chunked 50M x 32 input spent 26.5 s of a predicted 3.4 s decompressing. Here each chunk the
// hyperslab touches is read as stored with H5Dread_chunk under the lock (a copy of its compressed bytes, no
// filters, no chunk cache), and inflated, un-shuffled and placed into the tile by io/chunk_decode.hpp without it.
// The compressed chunks held at once are bounded by io/chunk_buffers.hpp.
//
// Only for what h5py writes with compression="gzip" (shuffle=True or not): a pipeline of deflate alone, or shuffle
// then deflate, edge chunks filtered like the others; stored as little-endian float64, float32, int32 or int64 on a
// little-endian host. Everything else (other filters: fletcher32, szip, lzf, scaleoffset, nbit; big-endian; complex)
// is read through H5Dread as before. Internal to io/: includes <hdf5.h>.
#pragma once

#include <cstdint>
#include <memory>

#include "io/hdf5_calls.hpp"

namespace tilesum::io {

class GzipChunkReads {
public:
    // The reads for `dataset` (of `shape`, chunked in `chunk_shape`, stored as `dtype`, little-endian), or nullptr
    // when its filter pipeline is not one this reads, or some chunk was never written (HDF5 knows its fill value).
    // The caller holds hdf5_mutex().
    static std::unique_ptr<GzipChunkReads> open(const h5::Where& where, hid_t dataset, const Shape& shape,
                                                const Shape& chunk_shape, DType dtype);

    // Fills dst (C order, shape range_shape(ranges), not empty) with the hyperslab's stored elements, one per
    // 8-byte slot (io/chunk_decode.hpp; the caller widens them). Error(io) naming the dataset and the chunk when a
    // chunk does not decompress. The caller must not hold hdf5_mutex(); safe to call from several threads at once.
    void read(hid_t dataset, const Ranges& ranges, double* dst) const;

    GzipChunkReads(h5::Where where, Shape chunk_shape, std::size_t element_bytes, int shuffle_filter,
                   int deflate_filter);

private:
    h5::Where where_;
    Shape chunk_shape_;
    std::size_t element_bytes_;
    int shuffle_filter_;  // the shuffle filter's index in the pipeline (its bit in a chunk's filter mask), or -1
    int deflate_filter_;  // the deflate filter's index
    std::size_t buffer_limit_;
};

}  // namespace tilesum::io
