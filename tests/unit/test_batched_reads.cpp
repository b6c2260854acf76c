// io/batched_reads: many reads submitted together (io_uring) or one by one (pread), with the same results.
#include <fcntl.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/batched_reads.hpp"
#include "tests/unit/temp_paths.hpp"

using namespace tilesum;

namespace {

std::string temp_path(const std::string& name) { return testing::fresh_temp_path("test_batched_reads", name); }

std::vector<unsigned char> random_bytes(std::size_t count, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<unsigned char> bytes(count);
    for (unsigned char& byte : bytes) byte = static_cast<unsigned char>(random());
    return bytes;
}

// A file holding `contents`, open read-only for the test's lifetime.
struct OpenFile {
    OpenFile(const std::string& path, const std::vector<unsigned char>& contents) {
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<const char*>(contents.data()), static_cast<std::streamsize>(contents.size()));
        descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        REQUIRE(descriptor >= 0);
    }
    ~OpenFile() { ::close(descriptor); }
    int descriptor = -1;
};

// The caller's pread loop, as ContiguousReads has it: reads a range completely, noting each call.
struct PreadOne {
    int descriptor;
    std::vector<std::pair<std::uint64_t, std::size_t>>* calls;
    void operator()(std::uint64_t offset, std::size_t bytes, void* dst) const {
        calls->emplace_back(offset, bytes);
        auto* cursor = static_cast<unsigned char*>(dst);
        while (bytes > 0) {
            const ssize_t got = ::pread(descriptor, cursor, bytes, static_cast<off_t>(offset));
            if (got <= 0) throw std::runtime_error("the file ends before the request");
            cursor += got;
            offset += static_cast<std::uint64_t>(got);
            bytes -= static_cast<std::size_t>(got);
        }
    }
};

// Runs `body` with TILESUM_IO_URING unset (io_uring where the kernel allows it) and set to 0 (pread only).
template <class Body>
void with_and_without_io_uring(Body&& body) {
    for (const bool io_uring_allowed : {true, false}) {
        if (io_uring_allowed)
            unsetenv("TILESUM_IO_URING");
        else
            setenv("TILESUM_IO_URING", "0", 1);
        const bool used = io::batched_reads_use_io_uring();
        DYNAMIC_SECTION((io_uring_allowed ? "io_uring allowed" : "TILESUM_IO_URING=0")) {
            if (io_uring_allowed && !used) WARN("this kernel refuses io_uring: both sections test pread");
            if (!io_uring_allowed) REQUIRE_FALSE(used);
            body(used);
        }
        unsetenv("TILESUM_IO_URING");
    }
}

}  // namespace

TEST_CASE("A batch of reads fills every destination with its file range, more reads than one submission holds",
          "[io]") {
    const std::vector<unsigned char> contents = random_bytes(std::size_t{4} << 20, 20261202);
    const std::string path = temp_path("many.bin");
    OpenFile file(path, contents);
    with_and_without_io_uring([&](bool through_io_uring) {
        std::mt19937_64 random(7);
        std::vector<std::vector<unsigned char>> buffers(1000);
        std::vector<io::ReadRequest> requests;
        for (std::vector<unsigned char>& buffer : buffers) {
            const std::size_t bytes = 1 + random() % (64 << 10);
            const std::uint64_t offset = random() % (contents.size() - bytes + 1);
            buffer.assign(bytes, 0);
            requests.push_back({offset, bytes, buffer.data()});
        }
        std::vector<std::pair<std::uint64_t, std::size_t>> calls;
        io::read_batch(file.descriptor, requests, PreadOne{file.descriptor, &calls});
        for (std::size_t index = 0; index < requests.size(); ++index) {
            CAPTURE(index, requests[index].file_offset, requests[index].bytes);
            const auto begin = contents.begin() + static_cast<std::ptrdiff_t>(requests[index].file_offset);
            REQUIRE(std::equal(buffers[index].begin(), buffers[index].end(), begin));
        }
        // Through io_uring the caller's loop is not needed for reads inside the file; without it, it reads all.
        CHECK(calls.size() == (through_io_uring ? 0 : requests.size()));
    });
}

TEST_CASE("A read that meets the end of the file reaches the caller's read with exactly the part left to read",
          "[io]") {
    const std::vector<unsigned char> contents = random_bytes(std::size_t{1} << 20, 11);
    const std::string path = temp_path("short.bin");
    OpenFile file(path, contents);
    with_and_without_io_uring([&](bool through_io_uring) {
        std::vector<unsigned char> inside(4096), across(1000, 0);
        const std::uint64_t across_offset = contents.size() - 100;
        const std::vector<io::ReadRequest> requests{{0, inside.size(), inside.data()},
                                                    {across_offset, across.size(), across.data()}};
        std::vector<std::pair<std::uint64_t, std::size_t>> calls;
        REQUIRE_THROWS_WITH(io::read_batch(file.descriptor, requests, PreadOne{file.descriptor, &calls}),
                            "the file ends before the request");
        CHECK(std::equal(inside.begin(), inside.end(), contents.begin()));
        if (through_io_uring) {
            // io_uring read the 100 bytes there are; the caller's loop gets the remaining 900 and reports the end.
            REQUIRE(calls == std::vector<std::pair<std::uint64_t, std::size_t>>{{contents.size(), 900}});
            CHECK(std::equal(across.begin(), across.begin() + 100, contents.end() - 100));
        } else {
            REQUIRE(calls.size() == 2);
            CHECK(calls[1] == std::pair<std::uint64_t, std::size_t>{across_offset, 1000});
        }
    });
}
