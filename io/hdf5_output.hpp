// The output side: datasets are written under a temporary name and renamed into place only on commit, so that a
// failed run leaves no output dataset behind (and no output file, if the run created it), and h5py users never see
// a partial result under the final name. A run that can be resumed (tilesum run --resume) keeps its temporaries:
// their storage is allocated when they are created (H5D_ALLOC_TIME_EARLY), so that writing tiles afterwards changes
// no HDF5 metadata and a run killed at any moment leaves a file that the last flush left consistent.
// HDF5 stays out of this header; io/hdf5_calls.hpp holds the C API.
#pragma once

#include <memory>
#include <string>

#include "engine/common/shape.hpp"
#include "engine/common/team.hpp"
#include "engine/common/tensor_io.hpp"
#include "io/input_reader.hpp"  // ValuePart

namespace tilesum::io {

namespace detail {
struct OutputState;  // the open file, shared by the file object and its pending datasets
}

class Hdf5PendingDataset;

// Chunk shape for a dataset of `shape`: the whole shape, with the largest axis halved (rounding up, the earliest
// axis on ties) until a chunk is at most ~1 MiB, which is also HDF5's default chunk cache size. Halving the largest
// axis keeps chunks roughly square, so row blocks and column blocks both touch few chunks.
// Empty for a 0-d or zero-size dataset, which is stored contiguous.
Shape chunk_shape_for(const Shape& shape, DType dtype);

// Lifetime: pending datasets should not outlive the file object that made them. They share the open file with it
// (reference counted), so if one does, nothing dangles: the file stays open, and is removed (when this object
// created it and nothing was committed) only once the last of them is gone.
class Hdf5OutputFile {
public:
    // Opens `path` read-write, creating it if missing. Error(usage) if it exists but is not an HDF5 file (it is never
    // overwritten), Error(io) if it cannot be created or opened. HDF5 cannot reopen for writing a file this process
    // already has open read-only (an input): that is Error(io) "file is already open for read-only". A file opened
    // here first may then be opened by readers, which share it.
    //
    // With a `team` of several ranks (an MPI job; io/process_team.hpp), every rank calls this and everything below
    // together, in the same order with the same arguments (HDF5 changes a file's metadata collectively), except
    // write(), which each rank calls for its own tiles; the file is opened through MPI-IO, rank 0 decides whether
    // it exists and is the one that renames or removes it. `team` must outlive this object.
    explicit Hdf5OutputFile(std::string path, const Team* team = nullptr);
    // Closes the file; if this object created it and no dataset was ever committed, removes it. Never throws.
    ~Hdf5OutputFile();
    Hdf5OutputFile(const Hdf5OutputFile&) = delete;
    Hdf5OutputFile& operator=(const Hdf5OutputFile&) = delete;

    // Whether a dataset named `name` ("E" means "/E") exists; a group of that name is not a dataset.
    bool has_dataset(const std::string& name) const;

    // Creates the dataset under a temporary name next to its final one ("/.tilesum-partial-E" for "E"), with the final
    // shape and dtype, chunked by chunk_shape_for. Stored as h5py stores numpy's dtypes: little-endian integers,
    // IEEE float16/32/64, bool as an enum {FALSE, TRUE} over int8 (small_dtypes.hpp), and complex64/complex128 as a
    // compound {r, i} of two float32/float64. A stale temporary of that name (from a crashed run) is removed
    // first; missing parent groups are created. Error(usage) for an empty name or a name already pending here.
    std::unique_ptr<Hdf5PendingDataset> create_pending(const std::string& name, const Shape& shape, DType dtype);

    // The temporary dataset an earlier, unfinished run created for `name` (tilesum run --resume), with the tiles it
    // wrote. Error(usage) if it is missing or its shape or dtype differ.
    std::unique_ptr<Hdf5PendingDataset> open_pending(const std::string& name, const Shape& shape, DType dtype);

    // H5Fflush, then fsync: every tile written so far is on disk when this returns. Error(io) naming the file.
    void flush_durably();

    const std::string& path() const;
    bool created() const;  // whether this object created the file

private:
    std::shared_ptr<detail::OutputState> state_;
};

// One output dataset being written. write() may be called from several threads (HDF5 calls hold hdf5_mutex()).
class Hdf5PendingDataset final : public TensorWriter {
public:
    // If not committed (nor kept for resume), unlinks the temporary dataset. Never throws.
    ~Hdf5PendingDataset() override;
    Hdf5PendingDataset(const Hdf5PendingDataset&) = delete;
    Hdf5PendingDataset& operator=(const Hdf5PendingDataset&) = delete;

    // Stores src (C order, float64, shape range_shape(ranges)) as the file dtype. For an integer or bool dtype
    // every value must be an exact integer (magnitude below 2^53, where float64 holds every integer), written as
    // numpy computes it in the dtype: wrapped around modulo 2^bits, a bool true where nonzero (exact_integers.hpp);
    // else Error(unsupported) naming the output and the value. float16 is rounded to nearest, as numpy rounds. Error(io) naming file and dataset if the write fails.
    // A complex dataset is written through part() instead.
    void write(const Ranges& ranges, const double* src) override;

    // The writer of one part of the values: for a complex dataset, the field `r` or `i` (HDF5 writes that field and
    // keeps the other); for a real one, `real` is this dataset itself.
    TensorWriter& part(ValuePart part);

    // Renames the temporary dataset to its final name (H5Lmove) and flushes the file. If a dataset of that name exists
    // it is deleted first when `overwrite`, else Error(usage) "output dataset '/E' already exists in 'out.h5' (use
    // --overwrite)"; a group of that name is never replaced (Error(usage)). HDF5 has no atomic replace: with
    // overwrite, an io failure between the delete and the rename loses the old dataset.
    void commit(bool overwrite);

    // Records `value` as string attribute `name` of the dataset (replacing one of that name): how it was made. Set
    // before commit(), the attribute moves with the dataset. Error(io) naming file and dataset.
    void set_attribute(const std::string& name, const std::string& value);

    // The run failed but its progress is worth resuming: the temporary dataset stays (and the output file, even if
    // this run created it) for tilesum run --resume.
    void keep_for_resume();

    // What was written so far, read back by hyperslabs (float64 datasets): a spilled intermediate is written to a
    // scratch file that is never committed, and read by the outputs computed after it. Error(io) naming file and
    // dataset if a read fails.
    TensorReader& reader();

    const std::string& name() const;  // final, absolute: "/E"
    const Shape& shape() const;
    DType dtype() const;

    struct State;  // opaque: defined in hdf5_output.cpp, where the output file makes it

private:
    friend class Hdf5OutputFile;
    class PartWriter;
    class Reader;
    explicit Hdf5PendingDataset(std::unique_ptr<State> state);
    void write_part(const Ranges& ranges, const double* src, ValuePart part);  // complex datasets
    std::unique_ptr<State> state_;
    std::unique_ptr<PartWriter> real_part_;
    std::unique_ptr<PartWriter> imag_part_;
    std::unique_ptr<Reader> reader_;
};

}  // namespace tilesum::io
