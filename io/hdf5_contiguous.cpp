#include "io/hdf5_contiguous.hpp"

#include <algorithm>
#include <vector>

#include "io/hdf5_calls.hpp"

namespace tilesum::io {

void write_contiguous_dataset(const std::string& file, const std::string& dataset, const Shape& shape,
                              Extent rows_per_write, const RowFiller& fill) {
    TILESUM_ASSERT(shape.size() == 2 && rows_per_write >= 1);
    const h5::Where where{file, h5::absolute_path(dataset)};
    std::lock_guard lock(hdf5_mutex());
    h5::Handle handle = h5::file_create(where);
    const h5::Handle space = h5::space_create(where, shape);
    // Default creation properties: contiguous layout, the file's storage allocated late (as h5py does).
    const h5::Handle data =
        h5::dataset_create(where, handle.get(), where.dataset, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT);
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

}  // namespace tilesum::io
