// io/gzip_chunk_reads.hpp and io/chunk_decode.hpp: gzip-chunked datasets (with and without shuffle) read by
// decompressing their chunks outside HDF5 give, bit for bit, what H5Dread gives (TILESUM_HDF5_READS=1), for every
// dtype the path takes, ragged edge chunks and hyperslabs across chunk boundaries; other pipelines, unwritten
// chunks and chunks whose filters were skipped are handled too, and a corrupt chunk is an io error naming it.
#include <hdf5.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/error.hpp"
#include "io/chunk_buffers.hpp"
#include "io/chunk_decode.hpp"
#include "io/gzip_chunk_reads.hpp"
#include "io/hdf5_reader.hpp"

#include "tests/unit/random_hyperslabs.hpp"
#include "tests/unit/temp_paths.hpp"

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string temp_path(const std::string& name) { return testing::fresh_temp_path("test_gzip_chunks", name); }

struct Layout {
    Shape chunk;
    bool shuffle = false;
    bool gzip = true;
    bool fletcher32 = false;
};

// Writes `values` (converted by HDF5 from double to `file_type`) as a chunked dataset /X. With `written_rows`, only
// the first rows are written, so that later chunks are never allocated.
void write_dataset(const std::string& path, hid_t file_type, const Shape& shape, const std::vector<double>& values,
                   const Layout& layout, Extent written_rows = -1) {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const std::vector<hsize_t> dims(shape.begin(), shape.end()), chunk(layout.chunk.begin(), layout.chunk.end());
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    REQUIRE(H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()) >= 0);
    if (layout.shuffle) REQUIRE(H5Pset_shuffle(dcpl) >= 0);
    if (layout.gzip) REQUIRE(H5Pset_deflate(dcpl, 4) >= 0);
    if (layout.fletcher32) REQUIRE(H5Pset_fletcher32(dcpl) >= 0);
    const hid_t dataset = H5Dcreate2(file, "X", file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    if (written_rows < 0) {
        REQUIRE(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
    } else {
        std::vector<hsize_t> start(dims.size(), 0), count = dims;
        count[0] = static_cast<hsize_t>(written_rows);
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
        const hid_t memory = H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr);
        REQUIRE(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, values.data()) >= 0);
        H5Sclose(memory);
    }
    H5Dclose(dataset);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
}

// Random values the type holds exactly, and for floats the awkward ones: NaN, infinities, -0, subnormals.
std::vector<double> random_values(hid_t file_type, Extent count, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<double> values;
    const bool integer = H5Tget_class(file_type) == H5T_INTEGER;
    for (Extent idx = 0; idx < count; ++idx) {
        if (integer) {
            values.push_back(static_cast<double>(static_cast<std::int32_t>(random())));
            continue;
        }
        const double value = std::ldexp(static_cast<double>(random() >> 11), -40) - 4096.0;
        values.push_back(H5Tget_size(file_type) == 4 ? static_cast<double>(static_cast<float>(value)) : value);
    }
    if (!integer && count > 6) {
        values[0] = std::numeric_limits<double>::quiet_NaN();
        values[1] = std::numeric_limits<double>::infinity();
        values[2] = -std::numeric_limits<double>::infinity();
        values[3] = -0.0;
        values[4] = std::numeric_limits<float>::denorm_min();
    }
    return values;
}

std::vector<double> read_block(io::Hdf5DatasetReader& reader, const Ranges& ranges) {
    std::vector<double> block(static_cast<std::size_t>(element_count(range_shape(ranges))), -7.0);
    reader.read(ranges, block.data());
    return block;
}

bool same_bits(const std::vector<double>& left, const std::vector<double>& right) {
    return left.size() == right.size() && std::memcmp(left.data(), right.data(), left.size() * sizeof(double)) == 0;
}

// Random hyperslabs of `shape`, the whole dataset, and one chunk-aligned block.
std::vector<Ranges> hyperslabs(const Shape& shape, const Shape& chunk, std::uint64_t seed) {
    std::vector<Ranges> slabs = testing::random_hyperslabs(shape, 60, seed);
    slabs.push_back(full_ranges(shape));
    Ranges aligned;
    for (std::size_t axis = 0; axis < shape.size(); ++axis) aligned.push_back({0, std::min(chunk[axis], shape[axis])});
    slabs.push_back(aligned);
    return slabs;
}

// The blocks through the gzip path (TILESUM_HDF5_READS unset) and through H5Dread (set to 1).
void require_same_as_hdf5(const std::string& path, const std::vector<Ranges>& slabs) {
    io::Hdf5DatasetReader fast(path, "X");
    setenv("TILESUM_HDF5_READS", "1", 1);
    io::Hdf5DatasetReader through_hdf5(path, "X");
    unsetenv("TILESUM_HDF5_READS");
    for (const Ranges& ranges : slabs) {
        CAPTURE(format_shape(range_shape(ranges)), ranges[0].begin, ranges.back().begin);
        REQUIRE(same_bits(read_block(fast, ranges), read_block(through_hdf5, ranges)));
    }
}

// Whether the gzip path takes /X of `path`.
bool gzip_path_takes(const std::string& path, DType dtype) {
    std::lock_guard lock(io::hdf5_mutex());
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "X", H5P_DEFAULT);
    const hid_t dcpl = H5Dget_create_plist(dataset);
    std::vector<hsize_t> chunk(8), dims(8);
    const int rank = H5Pget_chunk(dcpl, 8, chunk.data());
    const hid_t space = H5Dget_space(dataset);
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    H5Sclose(space);
    const Shape shape(dims.begin(), dims.begin() + rank), chunk_shape(chunk.begin(), chunk.begin() + rank);
    const bool takes = io::GzipChunkReads::open({path, "/X"}, dataset, shape, chunk_shape, dtype) != nullptr;
    H5Pclose(dcpl);
    H5Dclose(dataset);
    H5Fclose(file);
    return takes;
}

}  // namespace

TEST_CASE("gzip chunks read outside HDF5 equal H5Dread bit for bit: dtypes, shuffle, ragged edges", "[io][gzip]") {
    const std::vector<std::pair<Shape, Shape>> geometries = {
        {{37, 23}, {8, 5}},         // ragged edge chunks on both axes
        {{50, 12}, {16, 12}},       // chunks of whole rows: one run per chunk
        {{5, 17, 13}, {2, 4, 13}},  // 3-d, whole innermost axis
        {{6, 9, 11}, {4, 2, 3}},    // 3-d, every axis ragged
        {{1000}, {64}},             // 1-d
    };
    const std::vector<std::pair<hid_t, DType>> types = {{H5T_IEEE_F64LE, DType::f64},
                                                        {H5T_IEEE_F32LE, DType::f32},
                                                        {H5T_STD_I32LE, DType::i32},
                                                        {H5T_STD_I64LE, DType::i64}};
    std::uint64_t seed = 20261207;
    for (const auto& [shape, chunk] : geometries)
        for (const auto& [file_type, dtype] : types)
            for (bool shuffle : {false, true}) {
                CAPTURE(format_shape(shape), format_shape(chunk), dtype_name(dtype), shuffle);
                const std::string path = temp_path("dtypes.h5");
                write_dataset(path, file_type, shape, random_values(file_type, element_count(shape), ++seed),
                              {chunk, shuffle});
                REQUIRE(gzip_path_takes(path, dtype));
                require_same_as_hdf5(path, hyperslabs(shape, chunk, ++seed));
            }
    CHECK(io::chunk_buffer_bytes_leased() == 0);
}

TEST_CASE("Other filter pipelines and unwritten chunks are read through H5Dread, with the same results", "[io][gzip]") {
    const Shape shape{40, 30}, chunk{8, 7};
    const std::vector<double> values = random_values(H5T_IEEE_F64LE, element_count(shape), 7);
    const std::string path = temp_path("others.h5");
    SECTION("fletcher32 after gzip") {
        write_dataset(path, H5T_IEEE_F64LE, shape, values, {chunk, true, true, true});
        CHECK_FALSE(gzip_path_takes(path, DType::f64));
    }
    SECTION("shuffle without gzip") {
        write_dataset(path, H5T_IEEE_F64LE, shape, values, {chunk, true, false});
        CHECK_FALSE(gzip_path_takes(path, DType::f64));
    }
    SECTION("big-endian") { write_dataset(path, H5T_IEEE_F64BE, shape, values, {chunk, true}); }
    SECTION("chunks past row 16 never written: HDF5's fill value") {
        write_dataset(path, H5T_IEEE_F64LE, shape, values, {chunk, true}, 12);
        CHECK_FALSE(gzip_path_takes(path, DType::f64));
    }
    require_same_as_hdf5(path, hyperslabs(shape, chunk, 11));
}

TEST_CASE("A chunk whose gzip (or shuffle) was skipped is read as stored", "[io][gzip]") {
    // h5py's gzip is optional: a chunk that does not shrink is stored as is, with its filter-mask bit set.
    const Shape shape{16, 4}, chunk{8, 4};
    const std::vector<double> values = random_values(H5T_IEEE_F64LE, element_count(shape), 3);
    const std::string path = temp_path("skipped.h5");
    write_dataset(path, H5T_IEEE_F64LE, shape, values, {chunk, true});
    {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        const hid_t dataset = H5Dopen2(file, "X", H5P_DEFAULT);
        const hsize_t first[2] = {0, 0}, second[2] = {8, 0};
        const std::size_t bytes = 32 * sizeof(double);
        // Chunk 0: both filters skipped (mask 0b11), stored plainly. Chunk 1: gzip skipped (0b10), shuffled bytes.
        REQUIRE(H5Dwrite_chunk(dataset, H5P_DEFAULT, 3, first, bytes, values.data()) >= 0);
        std::vector<unsigned char> shuffled(bytes);
        const auto* plain = reinterpret_cast<const unsigned char*>(values.data() + 32);
        for (std::size_t element = 0; element < 32; ++element)
            for (std::size_t byte = 0; byte < 8; ++byte) shuffled[byte * 32 + element] = plain[element * 8 + byte];
        REQUIRE(H5Dwrite_chunk(dataset, H5P_DEFAULT, 2, second, bytes, shuffled.data()) >= 0);
        H5Dclose(dataset);
        H5Fclose(file);
    }
    io::Hdf5DatasetReader reader(path, "X");
    CHECK(same_bits(read_block(reader, full_ranges(shape)), values));
    require_same_as_hdf5(path, hyperslabs(shape, chunk, 5));
}

TEST_CASE("int64 values from 2^53 on are refused through the gzip path as through H5Dread", "[io][gzip][errors]") {
    const Shape shape{10, 3}, chunk{4, 3};
    std::vector<double> values(30, 5.0);
    values[17] = 9007199254740992.0;  // 2^53
    const std::string path = temp_path("int64.h5");
    write_dataset(path, H5T_STD_I64LE, shape, values, {chunk, true});
    REQUIRE(gzip_path_takes(path, DType::i64));
    io::Hdf5DatasetReader reader(path, "X");
    try {
        read_block(reader, full_ranges(shape));
        FAIL("no error");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("9007199254740992") && Contains("[5, 2]"));
    }
}

TEST_CASE("A corrupt gzip chunk is an io error naming the dataset and the chunk", "[io][gzip][errors]") {
    const Shape shape{64, 8}, chunk{16, 8};
    const std::string path = temp_path("corrupt.h5");
    write_dataset(path, H5T_IEEE_F64LE, shape, random_values(H5T_IEEE_F64LE, element_count(shape), 9), {chunk});
    haddr_t address = 0;
    hsize_t stored = 0;
    {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        const hid_t dataset = H5Dopen2(file, "X", H5P_DEFAULT);
        const hsize_t offset[2] = {32, 0};
        unsigned mask = 0;
        REQUIRE(H5Dget_chunk_info_by_coord(dataset, offset, &mask, &address, &stored) >= 0);
        H5Dclose(dataset);
        H5Fclose(file);
    }
    {
        std::fstream bytes(path, std::ios::in | std::ios::out | std::ios::binary);
        bytes.seekp(static_cast<std::streamoff>(address + stored / 2));
        const std::string garbage(16, '\xa5');
        bytes.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    io::Hdf5DatasetReader reader(path, "X");
    CHECK(read_block(reader, {{0, 32}, {0, 8}}).size() == 256);  // the intact chunks still read
    try {
        read_block(reader, {{20, 50}, {2, 5}});
        FAIL("no error");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::io);
        CHECK_THAT(error.what(),
                   Contains("dataset '/X' in '" + path + "'") && Contains("chunk at (32, 0)") && Contains("zlib"));
    }
    CHECK(io::chunk_buffer_bytes_leased() == 0);
}

TEST_CASE("decode_chunk reports a chunk that decompresses to the wrong size, and places a hyperslab's part", "[io]") {
    const Shape chunk{4, 6}, origin{4, 0};
    std::vector<double> elements(24);
    for (std::size_t idx = 0; idx < elements.size(); ++idx) elements[idx] = static_cast<double>(idx);
    std::vector<unsigned char> packed(compressBound(24 * sizeof(double)));
    uLongf packed_size = packed.size();
    REQUIRE(compress2(packed.data(), &packed_size, reinterpret_cast<const Bytef*>(elements.data()), 24 * sizeof(double),
                      4) == Z_OK);
    const Ranges ranges{{5, 7}, {2, 4}};  // rows 1-2, columns 2-3 of the chunk
    std::vector<double> dst(4, -1.0);
    const io::StoredChunk stored{packed.data(), packed_size, true, false};
    CHECK_FALSE(io::decode_chunk(stored, 8, {chunk, origin, ranges}, dst.data()));
    CHECK(dst == std::vector<double>{8, 9, 14, 15});
    const Shape larger{5, 6};  // the stream holds 24 elements where 30 are expected
    const auto problem = io::decode_chunk(stored, 8, {larger, origin, ranges}, dst.data());
    REQUIRE(problem);
    CHECK_THAT(*problem, Contains("192 bytes, not the chunk's 240 bytes"));
    const io::StoredChunk truncated{packed.data(), packed_size / 2, true, false};
    CHECK_THAT(io::decode_chunk(truncated, 8, {chunk, origin, ranges}, dst.data()).value_or(""), Contains("zlib"));
}

TEST_CASE("gzip chunks decompress on several threads at once with the same results", "[io][gzip][threads]") {
    const Shape shape{512, 24}, chunk{32, 24};
    const std::string path = temp_path("threads.h5");
    const std::vector<double> values = random_values(H5T_IEEE_F32LE, element_count(shape), 13);
    write_dataset(path, H5T_IEEE_F32LE, shape, values, {chunk, true});
    io::Hdf5DatasetReader shared(path, "X");
    const std::vector<double> expected = read_block(shared, full_ranges(shape));
    constexpr int thread_count = 4;
    std::vector<int> mismatches(thread_count, 0);
    std::vector<std::thread> threads;
    for (int thread_idx = 0; thread_idx < thread_count; ++thread_idx)
        threads.emplace_back([&, thread_idx] {
            for (Extent row = Extent{8} * thread_idx; row < shape[0]; row += Extent{8} * thread_count) {
                const Ranges tile{{row, std::min(row + 40, shape[0])}, {0, shape[1]}};
                const std::vector<double> block = read_block(shared, tile);
                const std::vector<double> want(expected.begin() + row * shape[1],
                                               expected.begin() + tile[0].end * shape[1]);
                mismatches[static_cast<std::size_t>(thread_idx)] += !same_bits(block, want);
            }
        });
    for (std::thread& thread : threads) thread.join();
    CHECK(mismatches == std::vector<int>(thread_count, 0));
    CHECK(io::chunk_buffer_bytes_leased() == 0);
}

TEST_CASE("Chunk buffer leases wait while others fill the limit, and one lease alone always fits", "[io][threads]") {
    std::optional<io::ChunkBufferLease> big;
    big.emplace(std::size_t{64} << 20, std::size_t{8} << 20);  // alone: admitted beyond the limit
    CHECK(io::chunk_buffer_bytes_leased() == std::size_t{64} << 20);
    std::thread second([] { const io::ChunkBufferLease small(std::size_t{1} << 20, std::size_t{8} << 20); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(io::chunk_buffer_bytes_leased() == std::size_t{64} << 20);  // `small` still waits for `big`
    big.reset();
    second.join();
    CHECK(io::chunk_buffer_bytes_leased() == 0);
    CHECK(io::chunk_buffer_bytes_mapped() <= std::size_t{8} << 20);  // the 64 MiB buffer is not kept
}
