// Reads hyperslabs of one HDF5 dataset as float64: the TensorReader the engine uses for its inputs. Integer and float
// datasets are converted by HDF5; a complex dataset (h5py's compound {r, i}) is read one part per reader.
// HDF5 stays out of this header; io/hdf5_calls.hpp holds the C API.
#pragma once

#include <memory>
#include <string>

#include "io/input_reader.hpp"

namespace tilesum::io {

// Each reader keeps its own file handle; several readers may open the same file (HDF5 shares the open file).
// read() may be called from several threads: every HDF5 call holds io::hdf5_mutex().
class Hdf5DatasetReader final : public InputReader {
public:
    // Opens `file` read-only and the dataset `dataset` ("/A", "/group/A"; "A" means "/A"); reads deliver `part` of a
    // complex dataset (a real dataset has only the real part). Throws Error(usage) naming the culprit when the file
    // is missing, is not HDF5, has no such dataset, the path is a group, or the dtype is none of int32, int64,
    // IEEE float32/float64 (either byte order), or h5py's complex64/complex128; Error(io) if HDF5 fails otherwise.
    Hdf5DatasetReader(std::string file, const std::string& dataset, ValuePart part = ValuePart::real);
    ~Hdf5DatasetReader() override;
    Hdf5DatasetReader(Hdf5DatasetReader&& other) noexcept;
    Hdf5DatasetReader& operator=(Hdf5DatasetReader&& other) noexcept;

    const DatasetInfo& info() const override;
    const std::string& file() const override;
    std::string describe() const override;  // "in.h5:/A"
    const std::string& dataset() const;     // absolute: "/A"

    // Fills dst (C order, shape range_shape(ranges)) with the hyperslab (of the part), converted to float64 by HDF5.
    // A scalar dataset takes ranges {}. Throws Error(io) naming file and dataset if the read fails.
    void read(const Ranges& ranges, double* dst) override;
    void will_read_all(const std::atomic<bool>& cancel) noexcept
        override;  // for a directly read dataset (contiguous_reads.hpp); else nothing

    // Reopens a chunked dataset with a chunk cache of `bytes` (HDF5's default is 1 MiB; nothing to reopen for that):
    // when consecutive tiles each read part of the same chunks, a cache holding the chunks one tile touches reads
    // (and decompresses) each chunk once instead of once per tile. A gzip dataset whose chunk fits that cache is
    // then read through HDF5 and its cache rather than decompressed outside HDF5 (once per tile, in parallel).
    // Nothing to do for a contiguous dataset. Throws Error(io) if HDF5 fails.
    void set_chunk_cache(std::size_t bytes) override;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace tilesum::io
