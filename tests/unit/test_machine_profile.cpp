// The machine profile file: what calibrate writes, run and plan read back unchanged, and every malformed file
// is refused as a usage error naming the file and the key at fault.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/common/error.hpp"
#include "engine/plan/machine_profile.hpp"
#include "io/text_files.hpp"

using namespace tilesum;

namespace {

#ifndef TILESUM_TEST_TMPDIR
#define TILESUM_TEST_TMPDIR "/tmp"
#endif

plan::MachineProfile measured_profile() {
    plan::MachineProfile profile;
    profile.gemm_flops_per_second = 4.25e10;
    profile.reduction_flops_per_second = 3.5e9;
    profile.elementwise_bytes_per_second = 1.25e10;
    profile.read_bytes_per_second = 5.5e9;
    profile.chunked_read_bytes_per_second = 2.5e9;
    profile.filtered_read_bytes_per_second = 1.5e8;
    profile.seconds_per_pass = 2.5e-4;
    profile.seconds_per_tile = 3.125e-5;
    profile.seconds_per_run = 1.75e-6;
    profile.first_touch_bytes_per_second = 3.25e9;
    profile.fused_operations_per_second = 5.5e9;
    profile.calibrated_threads = 2;
    profile.seconds_per_fused_row = 1.5e-8;
    profile.measured = "2026-11-25T10:00:00Z";
    profile.hostname = "box";
    profile.blas_library = "OpenBLAS 0.3.21";
    profile.blas_core = "SkylakeX (OPENBLAS_CORETYPE set by tilesum)";
    profile.simd_level = "AVX3";
    return profile;
}

// The JSON of a valid profile with `key` replaced by `value`, or removed when value is discarded.
std::string with(const std::string& key, const nlohmann::json& value) {
    nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
    if (value.is_discarded())
        document.erase(key);
    else
        document[key] = value;
    return document.dump();
}

// Parsing `text` fails as a usage error whose message names the file and holds `fragment`.
void require_rejected(const std::string& text, const std::string& fragment) {
    CAPTURE(text);
    try {
        plan::parse_machine_profile(text, "/some/machine.json");
        FAIL("accepted");
    } catch (const Error& error) {
        CAPTURE(error.what());
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Catch::Contains("'/some/machine.json'"));
        CHECK_THAT(error.what(), Catch::Contains(fragment));
    }
}

}  // namespace

TEST_CASE("a profile survives its JSON unchanged, and names its file as its source", "[machine_profile]") {
    const plan::MachineProfile original = measured_profile();
    const plan::MachineProfile parsed = plan::parse_machine_profile(plan::machine_profile_json(original), "p.json");
    CHECK(parsed.source == "p.json");
    plan::MachineProfile same_source = parsed;
    same_source.source = original.source;
    CHECK(same_source == original);  // every rate, measured, hostname, BLAS and SIMD
    CHECK(plan::machine_profile_numbers().size() == 13);
    CHECK(plan::MachineProfile{}.source == "defaults");
}

TEST_CASE("a saved profile loads back, written atomically into a directory made for it", "[machine_profile]") {
    const std::string directory = std::string(TILESUM_TEST_TMPDIR) + "/machine_profile_test";
    std::filesystem::remove_all(directory);
    const std::string path = directory + "/nested/machine.json";
    io::write_file_atomically(path, plan::machine_profile_json(measured_profile()), "machine profile");
    plan::MachineProfile overwritten = measured_profile();
    overwritten.gemm_flops_per_second = 1e9;
    io::write_file_atomically(path, plan::machine_profile_json(overwritten), "machine profile");  // replaces the first
    const plan::MachineProfile loaded = plan::parse_machine_profile(io::read_text_file(path, "machine profile"), path);
    CHECK(loaded.gemm_flops_per_second == 1e9);
    CHECK(loaded.seconds_per_tile == measured_profile().seconds_per_tile);
    CHECK(loaded.source == path);
    // Only the profile: no temporary file is left next to it.
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory + "/nested")) ++files;
    CHECK(files == 1);
    std::filesystem::remove_all(directory);
}

TEST_CASE("a profile file that cannot be read is a usage error naming it", "[machine_profile]") {
    const std::string path = std::string(TILESUM_TEST_TMPDIR) + "/no_such_machine.json";
    std::remove(path.c_str());
    try {
        io::read_text_file(path, "machine profile");
        FAIL("loaded a missing file");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Catch::Contains(path));
    }
}

TEST_CASE("every malformed profile is refused for the stated reason", "[machine_profile]") {
    const nlohmann::json removed = nlohmann::json(nlohmann::json::value_t::discarded);
    SECTION("not JSON") { require_rejected("{\"version\": 1,", "not valid JSON"); }
    SECTION("not an object") { require_rejected("[1, 2]", "expected a JSON object"); }
    SECTION("a number too large for a double: JSON has no infinity, so it fails as JSON") {
        std::string text = with("gemm_flops_per_second", 12345.0);
        text.replace(text.find("12345.0"), 7, "1e999");
        require_rejected(text, "not valid JSON");
    }
    SECTION("version missing") { require_rejected(with("version", removed), "'version' is missing"); }
    SECTION("version of the wrong type") { require_rejected(with("version", "1"), "'version' must be an integer"); }
    SECTION("a version this tilesum does not read") { require_rejected(with("version", 99), "version 99"); }
    SECTION("a version-1 file, as an older calibrate wrote it, asks for a new calibration") {
        nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
        document["version"] = 1;
        document.erase("seconds_per_run");
        document["strided_read_bytes_per_second"] = 0.75e9;
        require_rejected(document.dump(), "version 1");
        require_rejected(document.dump(), "run tilesum calibrate");
    }
    SECTION("a version-2 file, with one flops_per_second for every kind of tile, asks for a new calibration") {
        nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
        document["version"] = 2;
        for (const char* key : {"gemm_flops_per_second", "reduction_flops_per_second", "elementwise_bytes_per_second",
                                "chunked_read_bytes_per_second", "filtered_read_bytes_per_second"})
            document.erase(key);
        document["flops_per_second"] = 5.98e9;
        require_rejected(document.dump(), "version 2");
        require_rejected(document.dump(), "one flops_per_second");
        require_rejected(document.dump(), "run tilesum calibrate");
    }
    SECTION("a string where a string belongs is not optional in type") {
        require_rejected(with("hostname", 7), "'hostname' must be a string");
        require_rejected(with("blas_core", 7), "'blas_core' must be a string");
    }
    for (const plan::MachineNumber& number : plan::machine_profile_numbers()) {
        const char* key = number.key;
        if (!number.optional) DYNAMIC_SECTION(key << " missing") {
                require_rejected(with(key, removed), std::string("'") + key + "' is missing");
            }
        DYNAMIC_SECTION(key << " of the wrong type") {
            require_rejected(with(key, "fast"), std::string("'") + key + "' must be a number");
        }
        DYNAMIC_SECTION(key << " zero") {
            require_rejected(with(key, 0), std::string("'") + key + "' must be a finite positive");
        }
        DYNAMIC_SECTION(key << " negative") {
            require_rejected(with(key, -2.5), std::string("'") + key + "' must be a finite positive");
        }
    }
}

TEST_CASE("measured and hostname may be absent: a hand-written profile needs only the numbers", "[machine_profile]") {
    nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
    document.erase("measured");
    document.erase("hostname");
    const plan::MachineProfile parsed = plan::parse_machine_profile(document.dump(), "hand.json");
    CHECK(parsed.measured.empty());
    CHECK(parsed.gemm_flops_per_second == 4.25e10);
}

TEST_CASE("a version-3 profile written before first_touch_bytes_per_second reads with its default",
          "[machine_profile]") {
    nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
    document.erase("first_touch_bytes_per_second");
    const plan::MachineProfile parsed = plan::parse_machine_profile(document.dump(), "older.json");
    CHECK(parsed.first_touch_bytes_per_second == plan::MachineProfile{}.first_touch_bytes_per_second);
    CHECK(parsed.seconds_per_run == 1.75e-6);
}

TEST_CASE("a version-3 profile written before the BLAS and SIMD keys still loads, with them empty",
          "[machine_profile]") {
    // As calibrate wrote it before issue 13: no blas_library, blas_core, simd_level.
    const std::string old_file = R"({"version": 3, "measured": "2026-11-30T09:00:00Z", "hostname": "box",
        "gemm_flops_per_second": 4.25e10, "reduction_flops_per_second": 3.5e9, "elementwise_bytes_per_second": 1.25e10,
        "read_bytes_per_second": 5.5e9, "chunked_read_bytes_per_second": 2.5e9, "filtered_read_bytes_per_second": 1.5e8,
        "seconds_per_pass": 2.5e-4, "seconds_per_tile": 3.125e-5, "seconds_per_run": 1.75e-6})";
    const plan::MachineProfile parsed = plan::parse_machine_profile(old_file, "old.json");
    CHECK(parsed.gemm_flops_per_second == 4.25e10);
    CHECK(parsed.hostname == "box");
    CHECK(parsed.blas_library.empty());
    CHECK(parsed.blas_core.empty());
    CHECK(parsed.simd_level.empty());
}

TEST_CASE("the profile file records the BLAS, its kernels and the SIMD level it was measured with",
          "[machine_profile]") {
    const nlohmann::json document = nlohmann::json::parse(plan::machine_profile_json(measured_profile()));
    CHECK(document["blas_library"] == "OpenBLAS 0.3.21");
    CHECK(document["blas_core"] == "SkylakeX (OPENBLAS_CORETYPE set by tilesum)");
    CHECK(document["simd_level"] == "AVX3");
}
