// The header of a numpy .npy file (format versions 1.0, 2.0 and 3.0): magic, version, header length, and the
// Python dict literal giving descr, fortran_order and shape. See numpy/lib/format.py for the format.
#pragma once

#include <cstdint>
#include <string>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// What a .npy header says.
struct NpyHeader {
    int major_version = 1;  // 1, 2 or 3 (the minor version is always 0)
    std::string descr;      // numpy's dtype string: "<f8", ">i4", "|b1", ...
    bool fortran_order = false;
    Shape shape;                    // () for a 0-d array
    std::uint64_t data_offset = 0;  // where the array's bytes start: after magic, version, length and header
    std::uint64_t file_bytes = 0;   // the file's size, to check against what shape and dtype need
};

// Reads and checks the header of `file`. Throws Error(usage) naming the file when it is missing, is not a .npy
// file (no magic), has another format version, ends within its header, or has a malformed header dict. Neither
// the dtype nor the data's length is checked here: NpyReader does, knowing the element size.
NpyHeader read_npy_header(const std::string& file);

}  // namespace tilesum::io
