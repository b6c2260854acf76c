// The dtypes numpy and h5py store that the fast read paths (contiguous_reads, gzip_chunk_reads) leave to HDF5:
// bool, int8, int16, uint8, uint16, uint32, uint64 and float16. Their elements are read through HDF5 in the stored
// layout (native byte order) and widened to float64 here; results are narrowed back to numpy's values here and
// written in that layout. h5py's layouts: bool is an enum {FALSE = 0, TRUE = 1} over int8, float16 an IEEE half
// (1 sign, 5 exponent, 10 mantissa bits, bias 15).
#pragma once

#include <optional>

#include "engine/common/shape.hpp"
#include "io/hdf5_calls.hpp"

namespace tilesum::io {

bool is_small_dtype(DType dtype);

// HDF5 types of the small dtypes. The caller holds hdf5_mutex().
// The small dtype a dataset's stored type holds (either byte order), or std::nullopt.
std::optional<DType> hdf5_small_dtype(const h5::Where& where, hid_t type);
// The file type h5py writes for the dtype (little-endian), and the same layout in native byte order for memory.
h5::Handle hdf5_small_file_type(const h5::Where& where, DType dtype);
h5::Handle hdf5_small_memory_type(const h5::Where& where, DType dtype);

// dst's first count * dtype_size(dtype) bytes hold native elements of the small `dtype`: each becomes its float64
// value, in place (from the last one down, so that no element is overwritten before it is read). Returns the first
// element that is a uint64 of 2^53 or more (float64 cannot hold it exactly: the caller refuses it), else count.
Extent widen_small_in_place(DType dtype, double* dst, Extent count);

// numpy's elements of `dtype` (a small dtype, int32 or int64) for the exact results src (native layout,
// count * dtype_size(dtype) bytes into out): integers wrapped around modulo 2^bits (exact_integers.hpp), bool true where nonzero, float16 rounded to
// nearest. Returns the first element that is not an exact integer (an integer or bool dtype: nan, a fraction or a
// magnitude of 2^53 or more), else count; out is complete only then.
Extent narrow_results(DType dtype, const double* src, Extent count, unsigned char* out);

}  // namespace tilesum::io
