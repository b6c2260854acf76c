// What the CLI needs of any input source (an HDF5 dataset, a .npy file): its shape, dtype and chunking, where it
// lives, and reads of hyperslabs as float64. open_input picks the source from the file name.
#pragma once

#include <memory>
#include <string>

#include "engine/common/shape.hpp"
#include "engine/common/tensor_io.hpp"

namespace tilesum::io {

struct DatasetInfo {
    Shape shape;               // {} for a scalar (0-d) dataset
    DType dtype = DType::f64;  // as stored; reads always deliver float64
    Shape chunk_shape;         // the storage chunk shape; {} when the data is contiguous or compact
    bool filtered = false;     // chunks pass a filter (gzip, shuffle, ...) on the way in: the planner prices it
};

// Which float64 values a reader delivers: a complex source is read as two real tensors, one reader each
// (the engine evaluates complex expressions as their real and imaginary parts). Real sources have only `real`.
enum class ValuePart { real, imag };

class InputReader : public TensorReader {
public:
    virtual const DatasetInfo& info() const = 0;
    virtual const std::string& file() const = 0;
    // How messages name the data: "in.h5:/A", "x.npy".
    virtual std::string describe() const = 0;
    // A chunk cache of `bytes` for sources that have chunks (HDF5), set when tiles read parts of the same chunks
    // (`bytes` may be HDF5's default); nothing for the others.
    virtual void set_chunk_cache(std::size_t /*bytes*/) {}
};

// Opens `dataset` of `file` (HDF5), or `file` itself when it ends in ".npy" (then `dataset` must be empty).
// Throws Error(usage) naming the culprit when the source is missing, malformed or of an unsupported dtype.
std::unique_ptr<InputReader> open_input(const std::string& file, const std::string& dataset,
                                        ValuePart part = ValuePart::real);

// What each reader checks before it opens `path`: Error(usage) "cannot open 'PATH': no such file", or "'PATH' is a
// directory, not FORMAT" (e.g. "an HDF5 file").
void require_input_file(const std::string& path, const std::string& format);

}  // namespace tilesum::io
