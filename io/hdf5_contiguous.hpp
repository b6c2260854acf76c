// Writes a new file holding one contiguous (unchunked) float64 dataset, the layout h5py and numpy users get by
// default. `tilesum calibrate` reads such a file to measure what the planner's read rates stand for; the output
// side (hdf5_output.hpp) always chunks, so it cannot make one.
#pragma once

#include <functional>
#include <string>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// Fills rows [first_row, first_row + rows) of the dataset into dst (C order, rows * shape[1] elements).
using RowFiller = std::function<void(Extent first_row, Extent rows, double* dst)>;

// Creates `file` (Error(io) if it exists or cannot be created) with the 2-d dataset `dataset` of `shape`,
// written `rows_per_write` rows at a time from `fill`. Error(io) naming file and dataset if HDF5 fails.
void write_contiguous_dataset(const std::string& file, const std::string& dataset, const Shape& shape,
                              Extent rows_per_write, const RowFiller& fill);

// The same in chunks of `chunk`, through gzip at `gzip_level` unless it is 0 (h5py's compression="gzip" is level 4):
// the other layouts calibrate measures read rates of.
void write_chunked_dataset(const std::string& file, const std::string& dataset, const Shape& shape, const Shape& chunk,
                           unsigned gzip_level, Extent rows_per_write, const RowFiller& fill);

}  // namespace tilesum::io
