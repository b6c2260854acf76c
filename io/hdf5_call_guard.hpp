// What every checked wrapper of hdf5_calls.hpp shares; internal to the hdf5_*calls.cpp files.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "io/hdf5_calls.hpp"

namespace tilesum::io::h5 {

// Taken by every wrapper: the process-wide lock, and this thread's error printing off.
class CallGuard {
public:
    CallGuard() { silence_hdf5_error_printing(); }

private:
    std::lock_guard<std::recursive_mutex> lock_{hdf5_mutex()};
};

// The handle of the identifier a call returned: Error{io} "cannot ACTION WHERE: ... (CALL)" when the call failed
// (a negative identifier). Called with the guard held, so that HDF5's error stack is still the call's.
Handle checked_handle(hid_t id, const Where& where, const std::string& action, const char* call);

inline std::vector<hsize_t> to_hsize(const Shape& shape) {
    std::vector<hsize_t> dims;
    dims.reserve(shape.size());
    for (Extent extent : shape) dims.push_back(static_cast<hsize_t>(extent));
    return dims;
}

}  // namespace tilesum::io::h5
