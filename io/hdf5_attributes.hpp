// String attributes on HDF5 objects: where an output records how it was made (the script, tilesum's version, the
// plan's digest), read back by h5py as `dataset.attrs["tilesum_version"]` (a str). Internal to io/, like
// hdf5_calls.hpp, whose conventions (checked calls, errors naming file and dataset) these follow.
#pragma once

#include <string>

#include "io/hdf5_calls.hpp"

namespace tilesum::io::h5 {

// Sets attribute `name` of `object` to `value`, a scalar variable-length UTF-8 string, replacing one of that name.
// Error(io) naming `where` when HDF5 fails.
void attribute_write_string(const Where& where, hid_t object, const std::string& name, const std::string& value);

}  // namespace tilesum::io::h5
