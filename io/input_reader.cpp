#include "io/input_reader.hpp"

#include "engine/common/error.hpp"
#include "io/hdf5_reader.hpp"

namespace tilesum::io {

std::unique_ptr<InputReader> open_input(const std::string& file, const std::string& dataset, ValuePart part) {
    TILESUM_ASSERT(part == ValuePart::real);  // complex sources: not yet
    return std::make_unique<Hdf5DatasetReader>(file, dataset);
}

}  // namespace tilesum::io
