#include "io/input_reader.hpp"

#include <filesystem>

#include "engine/common/error.hpp"
#include "io/hdf5_reader.hpp"
#include "io/npy_reader.hpp"

namespace tilesum::io {

std::unique_ptr<InputReader> open_input(const std::string& file, const std::string& dataset, ValuePart part) {
    if (file.ends_with(".npy")) {
        if (!dataset.empty()) {  // e.g. --data x.npy: the input's name made a dataset path
            std::string message = "'" + file;
            message +=
                "' is a .npy file, holding one array and no dataset '" + dataset + "'; bind it with --input NAME=";
            fail(ErrorKind::usage, message + file);
        }
        return std::make_unique<NpyReader>(file, part);
    }
    return std::make_unique<Hdf5DatasetReader>(file, dataset, part);
}

void require_input_file(const std::string& path, const std::string& format) {
    std::error_code status_error;
    const auto status = std::filesystem::status(path, status_error);
    if (status.type() == std::filesystem::file_type::not_found)
        fail(ErrorKind::usage, "cannot open '" + path + "': no such file");
    if (status.type() == std::filesystem::file_type::directory)
        fail(ErrorKind::usage, "'" + path + "' is a directory, not " + format);
}

}  // namespace tilesum::io
