#include "io/gzip_chunk_reads.hpp"

#include <string>
#include <vector>

#include "io/chunk_buffers.hpp"
#include "io/chunk_decode.hpp"

namespace tilesum::io {

namespace {

// The first element of every chunk a hyperslab touches, in C order of the chunk grid.
std::vector<Shape> chunks_touched(const Shape& chunk_shape, const Ranges& ranges) {
    const std::size_t rank = chunk_shape.size();
    Shape first(rank), last(rank), index(rank);
    for (std::size_t axis = 0; axis < rank; ++axis) {
        first[axis] = ranges[axis].begin / chunk_shape[axis];
        last[axis] = (ranges[axis].end - 1) / chunk_shape[axis];
    }
    index = first;
    std::vector<Shape> origins;
    while (true) {
        Shape origin(rank);
        for (std::size_t axis = 0; axis < rank; ++axis) origin[axis] = index[axis] * chunk_shape[axis];
        origins.push_back(std::move(origin));
        std::size_t axis = rank;
        while (axis > 0 && index[axis - 1] == last[axis - 1]) {
            index[axis - 1] = first[axis - 1];
            --axis;
        }
        if (axis == 0) return origins;
        ++index[axis - 1];
    }
}

std::vector<hsize_t> chunk_offset(const Shape& origin) { return {origin.begin(), origin.end()}; }

}  // namespace

std::unique_ptr<GzipChunkReads> GzipChunkReads::open(const h5::Where& where, hid_t dataset, const Shape& shape,
                                                     const Shape& chunk_shape, DType dtype) {
    if (chunk_shape.empty() || chunk_shape.size() != shape.size()) return nullptr;
    if (dtype != DType::f64 && dtype != DType::f32 && dtype != DType::i32 && dtype != DType::i64) return nullptr;
    // Chunks never written read as HDF5's fill value: only a dataset whose chunks are all stored is read here
    // (H5Dget_chunk_storage_size fails on a missing chunk, and counting chunks is one pass over the index).
    std::uint64_t grid_chunks = 1;
    for (std::size_t axis = 0; axis < shape.size(); ++axis)
        grid_chunks *= static_cast<std::uint64_t>((shape[axis] + chunk_shape[axis] - 1) / chunk_shape[axis]);
    if (h5::dataset_stored_chunk_count(where, dataset) != grid_chunks) return nullptr;
    const std::size_t element_bytes = dtype_size(dtype);
    const h5::Handle dcpl = h5::dataset_create_plist(where, dataset);
    // A partial edge chunk stored unfiltered would need HDF5's rule for which chunks are partial; h5py never sets it.
    if (h5::plist_edge_chunks_unfiltered(where, dcpl.get())) return nullptr;
    const std::vector<h5::Filter> filters = h5::plist_filters(where, dcpl.get());
    // h5py's gzip: [deflate], or [shuffle, deflate] with shuffle=True (shuffle's value is the element size).
    if (filters.size() == 1 && filters[0].id == H5Z_FILTER_DEFLATE)
        return std::make_unique<GzipChunkReads>(where, chunk_shape, element_bytes, -1, 0);
    if (filters.size() == 2 && filters[0].id == H5Z_FILTER_SHUFFLE && filters[1].id == H5Z_FILTER_DEFLATE &&
        !filters[0].values.empty() && filters[0].values[0] == element_bytes)
        return std::make_unique<GzipChunkReads>(where, chunk_shape, element_bytes, 0, 1);
    return nullptr;
}

GzipChunkReads::GzipChunkReads(h5::Where where, Shape chunk_shape, std::size_t element_bytes, int shuffle_filter,
                               int deflate_filter)
    : where_(std::move(where)),
      chunk_shape_(std::move(chunk_shape)),
      element_bytes_(element_bytes),
      shuffle_filter_(shuffle_filter),
      deflate_filter_(deflate_filter),
      buffer_limit_(chunk_buffer_limit(static_cast<std::size_t>(element_count(chunk_shape_)) * element_bytes)) {}

void GzipChunkReads::read(hid_t dataset, const Ranges& ranges, double* dst) const {
    const std::vector<Shape> origins = chunks_touched(chunk_shape_, ranges);
    std::vector<std::uint64_t> stored_bytes(origins.size());
    {
        // One lock for the lookups (index searches, well under a microsecond each).
        std::lock_guard lock(hdf5_mutex());
        for (std::size_t chunk = 0; chunk < origins.size(); ++chunk)
            stored_bytes[chunk] = h5::dataset_chunk_stored_bytes(where_, dataset, chunk_offset(origins[chunk]));
    }
    for (std::size_t chunk = 0; chunk < origins.size(); ++chunk) {
        const ChunkBufferLease buffer(stored_bytes[chunk], buffer_limit_);
        // Under the lock (the wrapper takes it): a copy of the stored bytes, which is all HDF5 does for us here.
        const std::uint32_t skipped =
            h5::dataset_read_chunk(where_, dataset, chunk_offset(origins[chunk]), buffer.data());
        StoredChunk stored;
        stored.bytes = buffer.data();
        stored.size = stored_bytes[chunk];
        stored.deflated = (skipped >> deflate_filter_ & 1U) == 0;
        stored.shuffled = shuffle_filter_ >= 0 && (skipped >> shuffle_filter_ & 1U) == 0;
        // Outside the lock: the part worth doing in parallel.
        if (const auto problem = decode_chunk(stored, element_bytes_, {chunk_shape_, origins[chunk], ranges}, dst)) {
            std::string message = "cannot read " + where_.describe() + ": its chunk at " +
                                  format_shape(origins[chunk]) + " is corrupt: " + *problem;
            fail(ErrorKind::io, message);
        }
    }
}

}  // namespace tilesum::io
