// Hyperslab reads of a contiguous dataset straight from the file, bypassing HDF5's read path.
//
// Why: HDF5 serves every contiguous run of a hyperslab with its own pass through its selection machinery (about
// 2.5 µs per run measured here, under its global lock), and with its sieve buffer it reads 64 KiB around each run.
// A tile of a wide matrix read in square blocks is thousands of runs of a few KiB. Here each run is one pread(2)
// into the tile, and runs separated by small gaps are read together in one pread and picked apart, which is what
// a column strip of a narrow matrix needs. Nothing here takes HDF5's lock, so reads do not serialize on it.
//
// Only for what h5py writes by default: contiguous storage, already allocated, no external files or user block,
// IEEE little-endian float32/float64 on a little-endian host. Everything else goes through HDF5.
// .npy files (io/npy_reader.hpp) are read through here too, with a decoder for their element type.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// How stored elements become float64: `bytes` per stored element, `decode` converts `count` consecutive ones.
// The constructor taking a DType decodes little-endian IEEE float32/float64; other layouts (.npy files: integers,
// big-endian, one part of a complex) bring their own decoder.
struct ElementDecoder {
    std::size_t bytes = 0;
    void (*decode)(const unsigned char* src, std::size_t count, double* dst) = nullptr;
};

// Little-endian IEEE float32 or float64 (read straight into the destination when float64 on a little-endian host).
ElementDecoder little_endian_float_decoder(DType dtype);

class ContiguousReads {
public:
    // `data_offset`: where the dataset's raw data starts in the file (H5Dget_offset). Opens the file read-only;
    // Error(io) naming the file when it cannot be opened.
    ContiguousReads(std::string file, std::string dataset, std::uint64_t data_offset, Shape shape, DType dtype);
    // The same for any fixed-size element layout; `dataset` may be empty when the file holds one array (.npy).
    ContiguousReads(std::string file, std::string dataset, std::uint64_t data_offset, Shape shape,
                    ElementDecoder decoder);
    ~ContiguousReads();
    ContiguousReads(const ContiguousReads&) = delete;
    ContiguousReads& operator=(const ContiguousReads&) = delete;

    // Fills dst (C order, shape range_shape(ranges)) with the hyperslab as float64. Safe to call from several
    // threads at once. Error(io) naming file and dataset when the file is shorter than the dataset or a read fails.
    void read(const Ranges& ranges, double* dst) const;

    // Reads the whole dataset once, in file order, into the page cache (when it takes at most half the memory the
    // system reports available; pieces already there are skipped); meanwhile read() waits until the read-ahead has passed the end of what it asks
    // for. A pass reading square blocks in the order of their block rows then finds its blocks in memory, instead
    // of sending the disk one short request per row (measured on the seed at n = 32768 after dropping the page
    // cache: README). Returns early when `cancel` turns true; a read error ends it (read() reports the error).
    void will_read_all(const std::atomic<bool>& cancel) const noexcept;

private:
    // Calls visit(first_element, run_elements) for each contiguous run of the hyperslab, in file order.
    template <class Visit>
    void for_each_run(const Ranges& ranges, Visit&& visit) const;
    void read_bytes(std::uint64_t file_offset, std::size_t bytes, void* dst) const;

    std::string file_;
    std::string dataset_;
    int descriptor_ = -1;
    std::uint64_t data_offset_;
    Shape shape_;
    std::size_t element_bytes_;
    ElementDecoder decoder_;
    bool raw_float64_;  // stored as native float64: a run is read straight into the destination
    // Bytes of the dataset from its start that will_read_all has brought into the page cache; the maximum
    // whenever no read-ahead is running, so that read() waits only while one is.
    mutable std::atomic<std::uint64_t> read_ahead_until_{UINT64_MAX};
};

}  // namespace tilesum::io
