// Scratch paths for unit tests that touch files: under the build tree's tests/tmp (TILESUM_TEST_TMPDIR).
#pragma once

#include <filesystem>
#include <string>

#ifndef TILESUM_TEST_TMPDIR
#define TILESUM_TEST_TMPDIR "/tmp"
#endif

namespace tilesum::testing {

// A fresh path per test file and name (test cases may run in parallel processes); leftovers of an earlier run
// are removed.
inline std::string fresh_temp_path(const std::string& test_file, const std::string& name) {
    std::string path = std::string(TILESUM_TEST_TMPDIR) + "/" + test_file + "_" + name;
    std::filesystem::remove_all(path);
    return path;
}

}  // namespace tilesum::testing
