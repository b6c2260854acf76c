// Reads a numpy .npy file as an input: the header (format versions 1.0, 2.0 and 3.0), then hyperslabs of its
// one array as float64, in C or Fortran order, for the dtypes numpy writes for float32/64, int32/64 and
// complex64/128 in either byte order. bool, int8, int16 and unsigned ints are refused, as in HDF5 inputs: numpy
// computes in them (uint8 wraps at 256), which tilesum does not follow.
//
// Why pread and not a memory mapping: the memory budget is a contract on peak RSS, and the file pages of a mapping
// count in the process's RSS for as long as they stay mapped. Reading a file larger than the budget through one
// mapping would break the contract; mapping and unmapping a window per read would cost a page-table setup and
// teardown per tile for nothing over pread. io/contiguous_reads.hpp already reads the runs of a hyperslab of a
// contiguous C-order layout with one pread each (merging nearby runs) into the tile buffer, and the kernel's page
// cache, which is not our RSS, holds the file. So a .npy file is read through it, with a decoder per element type.
#pragma once

#include <memory>
#include <string>

#include "io/input_reader.hpp"
#include "io/npy_header.hpp"

namespace tilesum::io {

class ContiguousReads;

class NpyReader final : public InputReader {
public:
    // Opens `file`. A complex file is read as two real tensors: `part` picks which. Throws Error(usage) naming the
    // file for what read_npy_header refuses, for an unsupported dtype (object, strings, structured, float16, ...)
    // and for `imag` of a real file; Error(io) if the file cannot be opened for reading.
    explicit NpyReader(std::string file, ValuePart part = ValuePart::real);
    ~NpyReader() override;
    NpyReader(const NpyReader&) = delete;
    NpyReader& operator=(const NpyReader&) = delete;

    const DatasetInfo& info() const override;  // dtype as stored (complex64 for both parts); never chunked
    const std::string& file() const override;
    std::string describe() const override;  // the file name; "x.npy (imaginary part)" for the imaginary part
    const NpyHeader& header() const { return header_; }

    // Fills dst (C order, shape range_shape(ranges)) with the hyperslab as float64. A 0-d array takes ranges {}.
    // Safe to call from several threads at once. Throws Error(io) naming the file if a read fails.
    void read(const Ranges& ranges, double* dst) override;
    void will_read_all(const std::atomic<bool>& cancel) noexcept override;

private:
    void read_fortran_order(const Ranges& ranges, double* dst) const;
    void refuse_inexact_int64(const Ranges& ranges, const double* values) const;

    std::string file_;
    ValuePart part_;
    NpyHeader header_;
    DatasetInfo info_;
    // The file's elements in file order: the array's shape, or its reverse for Fortran order (a Fortran-order
    // array is the C-order array of its transpose).
    std::unique_ptr<ContiguousReads> storage_;
};

}  // namespace tilesum::io
