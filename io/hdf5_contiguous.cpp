#include "io/hdf5_contiguous.hpp"

#include <algorithm>
#include <vector>

#include "io/hdf5_calls.hpp"

namespace tilesum::io {

namespace {

// `chunk` empty: contiguous.
void write_dataset(const std::string& file, const std::string& dataset, const Shape& shape, const Shape& chunk,
                   unsigned gzip_level, Extent rows_per_write, const RowFiller& fill) {
    TILESUM_ASSERT(shape.size() == 2 && rows_per_write >= 1);
    const h5::Where where{file, h5::absolute_path(dataset)};
    std::lock_guard lock(hdf5_mutex());
    h5::Handle handle = h5::file_create(where);
    const h5::Handle space = h5::space_create(where, shape);
    // Default creation properties unless chunked: contiguous layout, storage allocated late (as h5py does).
    h5::Handle create;
    if (!chunk.empty()) {
        create = h5::plist_create(where, H5P_DATASET_CREATE);
        h5::plist_set_chunk(where, create.get(), chunk);
        if (gzip_level > 0) h5::plist_set_deflate(where, create.get(), gzip_level);
    }
    const h5::Handle data = h5::dataset_create(where, handle.get(), where.dataset, H5T_IEEE_F64LE, space.get(),
                                               H5P_DEFAULT, chunk.empty() ? H5P_DEFAULT : create.get());
    std::vector<double> block(static_cast<std::size_t>(std::min(rows_per_write, shape[0]) * shape[1]));
    for (Extent first_row = 0; first_row < shape[0]; first_row += rows_per_write) {
        const Extent rows = std::min(rows_per_write, shape[0] - first_row);
        fill(first_row, rows, block.data());
        const Ranges ranges{{first_row, first_row + rows}, {0, shape[1]}};
        const h5::Handle file_space = h5::dataset_space(where, data.get());
        h5::space_select(where, file_space.get(), ranges);
        const h5::Handle memory_space = h5::space_create(where, range_shape(ranges));
        h5::dataset_write(where, data.get(), memory_space.get(), file_space.get(), block.data());
    }
}

}  // namespace

void write_contiguous_dataset(const std::string& file, const std::string& dataset, const Shape& shape,
                              Extent rows_per_write, const RowFiller& fill) {
    write_dataset(file, dataset, shape, {}, 0, rows_per_write, fill);
}

void write_chunked_dataset(const std::string& file, const std::string& dataset, const Shape& shape, const Shape& chunk,
                           unsigned gzip_level, Extent rows_per_write, const RowFiller& fill) {
    TILESUM_ASSERT(chunk.size() == shape.size());
    write_dataset(file, dataset, shape, chunk, gzip_level, rows_per_write, fill);
}

}  // namespace tilesum::io
