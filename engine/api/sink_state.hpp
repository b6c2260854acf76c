// What a Sink (sources.hpp) holds until and after a run.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/api/sources.hpp"
#include "io/hdf5_output.hpp"

namespace tilesum {

struct Sink::State {
    enum class Kind { hdf5, memory };
    Kind kind = Kind::memory;
    // HDF5
    std::string path;
    bool overwrite = false;
    bool resume = false;
    const Team* team = nullptr;                     // the MPI ranks writing the file together; null: alone
    std::unique_ptr<io::Hdf5OutputFile> file;       // opened by Sink::hdf5 when it existed, else by the run
    std::map<std::string, std::string> attributes;  // set_attribute(): recorded on every output dataset
    bool keep_unfinished = true;                    // discard_unfinished() clears it
    // memory
    std::map<std::string, std::pair<double*, Shape>> into;
    std::map<std::string, std::vector<double>> results;
};

}  // namespace tilesum
