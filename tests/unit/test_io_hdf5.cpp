// io/: HDF5 datasets read as float64 hyperslabs, outputs written under a temporary name and committed, and every
// user mistake reported with its kind and the file or dataset it concerns. Inputs are made with the C API here.
#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/error.hpp"
#include "io/hdf5_output.hpp"
#include "io/hdf5_reader.hpp"

#include "tests/unit/random_hyperslabs.hpp"
#include "tests/unit/temp_paths.hpp"

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string temp_path(const std::string& name) { return testing::fresh_temp_path("test_io_hdf5", name); }

// Writes an input file with the HDF5 C API, independently of io/. Missing groups on a dataset's path are created.
class TestFile {
public:
    explicit TestFile(const std::string& path)
        : file_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {
        REQUIRE(file_ >= 0);
    }
    ~TestFile() { H5Fclose(file_); }

    // `values` are converted by HDF5 from double to `file_type`; empty values leave the dataset unwritten.
    TestFile& add(const std::string& name, hid_t file_type, const Shape& shape, const std::vector<double>& values = {},
                  hid_t dcpl = H5P_DEFAULT) {
        const std::vector<hsize_t> dims(shape.begin(), shape.end());
        const hid_t space = shape.empty() ? H5Screate(H5S_SCALAR)
                                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
        const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        const hid_t dataset = H5Dcreate2(file_, name.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT);
        REQUIRE(dataset >= 0);
        if (!values.empty())
            REQUIRE(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0);
        H5Dclose(dataset);
        H5Pclose(lcpl);
        H5Sclose(space);
        return *this;
    }

private:
    hid_t file_;
};

bool link_exists(const std::string& path, const std::string& name) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const htri_t exists = H5Lexists(file, name.c_str(), H5P_DEFAULT);
    H5Fclose(file);
    return exists > 0;
}

// 0.5, 1.5, 2.5, ...: element i of a dataset in C order holds i + 0.5.
std::vector<double> counting(Extent count) {
    std::vector<double> values;
    for (Extent idx = 0; idx < count; ++idx) values.push_back(static_cast<double>(idx) + 0.5);
    return values;
}

// The C-order block `ranges` of `full` (of `shape`): the reference for every hyperslab.
std::vector<double> block_of(const std::vector<double>& full, const Shape& shape, const Ranges& ranges) {
    std::vector<double> block;
    const Shape block_shape = range_shape(ranges);
    Shape position(shape.size(), 0);  // odometer over the block
    for (Extent done = 0; done < element_count(block_shape); ++done) {
        Extent linear = 0;
        for (std::size_t axis = 0; axis < shape.size(); ++axis)
            linear = linear * shape[axis] + ranges[axis].begin + position[axis];
        block.push_back(full[static_cast<std::size_t>(linear)]);
        for (std::size_t axis = shape.size(); axis-- > 0;) {
            if (++position[axis] < block_shape[axis]) break;
            position[axis] = 0;
        }
    }
    return block;
}

std::vector<double> read_block(io::Hdf5DatasetReader& reader, const Ranges& ranges) {
    std::vector<double> block(static_cast<std::size_t>(element_count(range_shape(ranges))), -1.0);
    reader.read(ranges, block.data());
    return block;
}

std::vector<double> as_float32(const std::vector<double>& values) {
    std::vector<double> rounded;
    for (double value : values) rounded.push_back(static_cast<double>(static_cast<float>(value)));
    return rounded;
}

// `action` must throw tilesum::Error of `kind` whose message contains `expected`.
template <class Action>
void check_error(ErrorKind kind, const std::string& expected, Action&& action) {
    try {
        action();
    } catch (const Error& error) {
        CHECK(error.kind() == kind);
        CHECK_THAT(error.what(), Contains(expected));
        return;
    }
    FAIL("no tilesum::Error was thrown; expected one saying: " + expected);
}

// What the process writes to stderr (file descriptor 2, where HDF5 prints its error stack) while `action` runs.
template <class Action>
std::string stderr_of(Action&& action) {
    const std::string path = temp_path("stderr.txt");
    std::fflush(stderr);
    const int saved = dup(2);
    const int capture = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE((saved >= 0 && capture >= 0));
    dup2(capture, 2);
    close(capture);
    action();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::ifstream input(path);
    return {std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("A float64 dataset reads back whole, by row block, by column block and by element", "[io]") {
    const std::string path = temp_path("read_f64.h5");
    const Shape shape{5, 7};
    const std::vector<double> full = counting(35);
    TestFile(path).add("/A", H5T_IEEE_F64LE, shape, full);

    io::Hdf5DatasetReader reader(path, "A");  // "A" means "/A"
    CHECK(reader.dataset() == "/A");
    CHECK(reader.info().shape == shape);
    CHECK(reader.info().dtype == DType::f64);
    for (const Ranges& ranges : std::vector<Ranges>{{{0, 5}, {0, 7}},     // whole
                                                    {{1, 3}, {0, 7}},     // row block
                                                    {{0, 5}, {2, 5}},     // column block
                                                    {{2, 4}, {6, 7}},     // corner
                                                    {{4, 5}, {3, 4}}}) {  // one element
        CAPTURE(ranges[0].begin, ranges[0].end, ranges[1].begin, ranges[1].end);
        CHECK(read_block(reader, ranges) == block_of(full, shape, ranges));
    }
    double untouched = 42.0;
    reader.read({{2, 2}, {0, 7}}, &untouched);  // an empty block reads nothing
    CHECK(untouched == 42.0);
}

// Reads the same hyperslabs with TILESUM_HDF5_READS set to `value` (1: every read through HDF5; unset: contiguous
// datasets are read directly, io/contiguous_reads.hpp).
std::vector<std::vector<double>> read_all_with(const char* value, const std::string& path, const std::string& name,
                                               const std::vector<Ranges>& slabs) {
    if (value)
        setenv("TILESUM_HDF5_READS", value, 1);
    else
        unsetenv("TILESUM_HDF5_READS");
    io::Hdf5DatasetReader reader(path, name);
    unsetenv("TILESUM_HDF5_READS");
    std::vector<std::vector<double>> blocks;
    for (const Ranges& ranges : slabs) blocks.push_back(read_block(reader, ranges));
    return blocks;
}

TEST_CASE("Direct reads of contiguous datasets match HDF5's on random hyperslabs, float64 and float32", "[io]") {
    // 3-d so that runs are grouped across two outer axes; rows of 300 elements, so that narrow column strips
    // (gaps below 8 KiB) are read in merged spans and wide ones run by run.
    const Shape shape{6, 40, 300};
    const std::vector<double> full = counting(element_count(shape));
    std::vector<Ranges> slabs = testing::random_hyperslabs(shape, 200, 20261125);
    slabs.push_back({{0, 6}, {0, 40}, {0, 300}});  // the whole dataset: one run
    for (hid_t file_type : {H5T_IEEE_F64LE, H5T_IEEE_F32LE}) {
        const std::string path = temp_path("direct.h5");
        TestFile(path).add("/A", file_type, shape, full);
        const auto direct = read_all_with(nullptr, path, "A", slabs);
        const auto through_hdf5 = read_all_with("1", path, "A", slabs);
        for (std::size_t slab = 0; slab < slabs.size(); ++slab) {
            CAPTURE(slab, file_type == H5T_IEEE_F32LE);
            const std::vector<double> expected = block_of(full, shape, slabs[slab]);
            REQUIRE(through_hdf5[slab] == (file_type == H5T_IEEE_F32LE ? as_float32(expected) : expected));
            REQUIRE(direct[slab] == through_hdf5[slab]);
        }
    }
}

TEST_CASE("Reads during a read-ahead wait for it and return the data, and a cancelled read-ahead releases them",
          "[io][threads]") {
    // 9 MiB: several read-ahead pieces of 4 MiB, so that reads of the last rows wait for later pieces.
    const Shape shape{1152, 1024};
    const std::vector<double> full = counting(element_count(shape));
    const std::string path = temp_path("read_ahead.h5");
    TestFile(path).add("/A", H5T_IEEE_F64LE, shape, full);
    for (const bool cancel_at_once : {false, true}) {
        io::Hdf5DatasetReader reader(path, "A");
        std::atomic<bool> cancel{cancel_at_once};
        std::thread read_ahead([&] { reader.will_read_all(cancel); });
        // Blocks from the end of the file backwards: the first ones need the read-ahead to have gone all the way.
        for (Extent row = 1152 - 128; row >= 0; row -= 128) {
            const Ranges ranges{{row, row + 128}, {row % 1024 / 2, row % 1024 / 2 + 100}};
            CAPTURE(cancel_at_once, row);
            REQUIRE(read_block(reader, ranges) == block_of(full, shape, ranges));
        }
        cancel = true;
        read_ahead.join();
    }
}

TEST_CASE("A direct read of a file truncated while open is an io error naming the file and dataset", "[io][errors]") {
    const std::string path = temp_path("truncated.h5");
    TestFile(path).add("/A", H5T_IEEE_F64LE, {1000}, counting(1000));
    io::Hdf5DatasetReader reader(path, "A");  // HDF5 refuses to open a truncated file; cut it once it is open
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4000);
    check_error(ErrorKind::io, "reading dataset '/A' in '" + path + "' failed", [&] {
        read_block(reader, {{0, 1000}});
    });
}

TEST_CASE("float32 and big-endian datasets are converted to float64 by HDF5, and float32 outputs round", "[io]") {
    const std::string path = temp_path("float32.h5");
    std::vector<double> values;
    for (int idx = 0; idx < 12; ++idx) values.push_back(0.1 * idx - 0.35);
    TestFile(path)
        .add("/le32", H5T_IEEE_F32LE, {3, 4}, values)
        .add("/be32", H5T_IEEE_F32BE, {3, 4}, values)
        .add("/be64", H5T_IEEE_F64BE, {3, 4}, values);
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("out32", {3, 4}, DType::f32);
        pending->write({{0, 3}, {0, 4}}, values.data());
        pending->commit(false);
    }
    for (const char* name : {"/le32", "/be32", "/out32"}) {
        CAPTURE(name);
        io::Hdf5DatasetReader reader(path, name);
        CHECK(reader.info().dtype == DType::f32);
        CHECK(read_block(reader, {{0, 3}, {0, 4}}) == as_float32(values));
        CHECK(read_block(reader, {{0, 3}, {1, 2}}) == block_of(as_float32(values), {3, 4}, {{0, 3}, {1, 2}}));
    }
    io::Hdf5DatasetReader big_endian(path, "/be64");
    CHECK(big_endian.info().dtype == DType::f64);
    CHECK(read_block(big_endian, {{0, 3}, {0, 4}}) == values);
}

TEST_CASE("Tiles written to a pending 3-D dataset read back as any 3-D block", "[io]") {
    const std::string path = temp_path("write_3d.h5");
    const Shape shape{4, 5, 6};
    const std::vector<double> full = counting(element_count(shape));
    {
        io::Hdf5OutputFile out(path);
        CHECK(out.created());
        auto pending = out.create_pending("T", shape, DType::f64);
        for (const Range& rows : {Range{0, 2}, Range{2, 4}})
            for (const Range& depth : {Range{0, 3}, Range{3, 6}}) {
                const Ranges tile{rows, {0, 5}, depth};
                pending->write(tile, block_of(full, shape, tile).data());
            }
        pending->commit(false);
    }
    io::Hdf5DatasetReader reader(path, "/T");
    CHECK(reader.info().shape == shape);
    const Ranges inner{{1, 3}, {2, 5}, {1, 4}};
    CHECK(read_block(reader, inner) == block_of(full, shape, inner));
    CHECK(read_block(reader, full_ranges(shape)) == full);
}

TEST_CASE("Scalar datasets have shape () and are read and written with no ranges", "[io]") {
    const std::string path = temp_path("scalar.h5");
    TestFile(path).add("/S", H5T_IEEE_F32LE, {}, {2.5});
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("W", {}, DType::f64);
        const double value = 7.25;
        pending->write({}, &value);
        pending->commit(false);
    }
    for (const auto& [name, expected] : {std::pair{"S", 2.5}, std::pair{"W", 7.25}}) {
        io::Hdf5DatasetReader reader(path, name);
        CHECK(reader.info().shape.empty());
        double value = 0.0;
        reader.read({}, &value);
        CHECK(value == expected);
    }
}

TEST_CASE("Opening an input names the file when it is missing or not HDF5", "[io][errors]") {
    const std::string path = temp_path("not_hdf5.txt");
    const auto open_input = [&] { io::Hdf5DatasetReader reader(path, "A"); };
    SECTION("a missing file") { check_error(ErrorKind::usage, "cannot open '" + path + "': no such file", open_input); }
    SECTION("a text file") {
        std::ofstream(path) << "a,b\n1,2\n";
        check_error(ErrorKind::usage, "'" + path + "' is not an HDF5 file", open_input);
    }
    SECTION("a directory") {
        std::filesystem::create_directory(path);
        check_error(ErrorKind::usage, "'" + path + "' is a directory", open_input);
    }
}

TEST_CASE("Opening an input names the dataset when it is missing, a group or of an unsupported dtype", "[io][errors]") {
    const std::string path = temp_path("bad_datasets.h5");
    {
        TestFile file(path);
        file.add("/A", H5T_IEEE_F64LE, {2}, {1, 2}).add("/g/B", H5T_IEEE_F64LE, {2}, {3, 4});
        file.add("/I", H5T_STD_U32LE, {2}, {5, 6}).add("/U", H5T_STD_U8LE, {2}, {7, 8});
        const hid_t half = H5Tcopy(H5T_IEEE_F32LE);  // IEEE binary16, defined as h5py does
        H5Tset_fields(half, 15, 10, 5, 0, 10);
        H5Tset_size(half, 2);
        H5Tset_ebias(half, 15);
        file.add("/H", half, {2});
        H5Tclose(half);
        const hid_t text = H5Tcopy(H5T_C_S1);
        H5Tset_size(text, 4);
        file.add("/S", text, {2});
        H5Tclose(text);
    }
    const auto open_input = [&](const std::string& dataset) {
        return [&path, dataset] { io::Hdf5DatasetReader reader(path, dataset); };
    };
    const std::string in = " in '" + path + "'";
    SECTION("missing datasets, also behind a missing group or a dataset; the top level is listed") {
        check_error(ErrorKind::usage, "no dataset '/B'" + in + "; the file's top level has: /A, /H, /I, /S, /U, /g",
                    open_input("/B"));
        check_error(ErrorKind::usage, "no dataset '/nogroup/A'" + in, open_input("/nogroup/A"));
        check_error(ErrorKind::usage, "no dataset '/A/x'" + in, open_input("/A/x"));
        check_error(ErrorKind::usage, "no dataset '/g/C'" + in, open_input("g/C"));
    }
    SECTION("a group is not a dataset, but a dataset inside it opens") {
        check_error(ErrorKind::usage, "'/g'" + in + " is a group, not a dataset", open_input("g"));
        CHECK(io::Hdf5DatasetReader(path, "/g/B").info().shape == Shape{2});
    }
    SECTION("unsupported dtypes") {
        check_error(ErrorKind::usage,
                    "dataset '/S'" + in +
                        " has dtype string; tilesum reads bool, int8, int16, int32, int64, uint8, uint16, uint32, "
                        "uint64, float16, float32, float64, complex64 and complex128",
                    open_input("S"));
        // uint32, uint8 and float16 (h5py's half) are read since issue 14 (test_small_dtypes.cpp).
        CHECK(io::Hdf5DatasetReader(path, "/I").info().dtype == DType::u32);
        CHECK(io::Hdf5DatasetReader(path, "/U").info().dtype == DType::u8);
        CHECK(io::Hdf5DatasetReader(path, "/H").info().dtype == DType::f16);
    }
}

TEST_CASE("A failed read is an io error naming the file, the dataset and the call", "[io][errors]") {
    const std::string path = temp_path("corrupt.h5");
    const double marker = 1234.5678;
    {
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);  // checksummed chunks, so that corruption is detected
        const hsize_t chunk = 16;
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_fletcher32(dcpl);
        TestFile(path).add("/A", H5T_IEEE_F64LE, {16}, std::vector<double>(16, marker), dcpl);
        H5Pclose(dcpl);
    }
    std::ifstream input(path, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    input.close();
    char pattern[sizeof marker];
    std::memcpy(pattern, &marker, sizeof marker);
    const std::size_t at = bytes.find(std::string(pattern, sizeof pattern));
    REQUIRE(at != std::string::npos);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x55);
    std::ofstream(path, std::ios::binary) << bytes;

    io::Hdf5DatasetReader reader(path, "A");
    check_error(ErrorKind::io, "cannot read dataset '/A' in '" + path + "'", [&] { read_block(reader, {{0, 16}}); });
    check_error(ErrorKind::io, "(H5Dread)", [&] { read_block(reader, {{0, 16}}); });
}

TEST_CASE("Committing onto an existing dataset is refused without overwrite and replaces it with overwrite", "[io]") {
    const std::string path = temp_path("overwrite.h5");
    TestFile(path).add("/E", H5T_IEEE_F64LE, {2, 2}, {1, 2, 3, 4}).add("/g/inner", H5T_IEEE_F64LE, {1}, {0});
    io::Hdf5OutputFile out(path);
    CHECK_FALSE(out.created());
    CHECK(out.has_dataset("E"));
    CHECK_FALSE(out.has_dataset("g"));
    CHECK_FALSE(out.has_dataset("F"));

    SECTION("an existing dataset") {
        auto pending = out.create_pending("E", {2, 3}, DType::f64);
        const std::vector<double> values = counting(6);
        pending->write({{0, 2}, {0, 3}}, values.data());
        check_error(ErrorKind::usage, "output dataset '/E' already exists in '" + path + "' (use --overwrite)",
                    [&] { pending->commit(false); });
        CHECK(io::Hdf5DatasetReader(path, "E").info().shape == Shape{2, 2});  // the old data is untouched

        pending->commit(true);
        io::Hdf5DatasetReader reader(path, "E");
        CHECK(reader.info().shape == Shape{2, 3});
        CHECK(read_block(reader, {{0, 2}, {0, 3}}) == values);
    }
    SECTION("a group is never replaced") {
        auto pending = out.create_pending("g", {1}, DType::f64);
        check_error(ErrorKind::usage, "'/g' in '" + path + "' exists and is not a dataset",
                    [&] { pending->commit(true); });
    }
}

TEST_CASE("A pending dataset that is never committed leaves no dataset behind", "[io]") {
    const std::string path = temp_path("abandoned.h5");
    TestFile(path).add("/A", H5T_IEEE_F64LE, {1}, {9});
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("E", {3}, DType::f64);
        pending->write({{0, 3}}, counting(3).data());
        CHECK_FALSE(out.has_dataset("E"));  // before commit it exists only under its temporary name
    }
    REQUIRE(std::filesystem::exists(path));  // a file we did not create is never removed
    CHECK_FALSE(link_exists(path, "/E"));
    CHECK_FALSE(link_exists(path, "/.tilesum-partial-E"));
    CHECK(io::Hdf5DatasetReader(path, "A").info().shape == Shape{1});
}

TEST_CASE("A file created for output is removed when nothing was committed, and kept otherwise", "[io]") {
    const std::string path = temp_path("created.h5");
    SECTION("nothing was ever pending") {
        { io::Hdf5OutputFile out(path); }
        CHECK_FALSE(std::filesystem::exists(path));
    }
    SECTION("a pending dataset was abandoned") {
        {
            io::Hdf5OutputFile out(path);
            auto pending = out.create_pending("E", {4}, DType::f32);
        }
        CHECK_FALSE(std::filesystem::exists(path));
    }
    SECTION("a dataset was committed") {
        io::Hdf5OutputFile(path).create_pending("E", {0}, DType::f64)->commit(false);
        CHECK(io::Hdf5DatasetReader(path, "E").info().shape == Shape{0});
    }
}

TEST_CASE("A stale temporary from an interrupted run is replaced, and nested names create their groups", "[io]") {
    const std::string path = temp_path("stale.h5");
    TestFile(path).add("/.tilesum-partial-E", H5T_IEEE_F64LE, {7}, counting(7));
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("E", {2}, DType::f64);
        check_error(ErrorKind::usage, "output dataset '/E' in '" + path + "' is written twice",
                    [&] { out.create_pending("/E", {2}, DType::f64); });
        pending->write({{0, 2}}, counting(2).data());
        pending->commit(false);

        auto nested = out.create_pending("g/h/N", {2}, DType::f64);
        nested->write({{0, 2}}, counting(2).data());
        nested->commit(false);
    }
    CHECK_FALSE(link_exists(path, "/.tilesum-partial-E"));
    io::Hdf5DatasetReader committed(path, "E"), nested(path, "/g/h/N");
    CHECK(read_block(committed, {{0, 2}}) == counting(2));
    CHECK(read_block(nested, {{0, 2}}) == counting(2));
}

TEST_CASE("An output path that is not HDF5 is refused untouched, and one that cannot be created is an io error",
          "[io][errors]") {
    SECTION("not HDF5") {
        const std::string path = temp_path("output.txt");
        std::ofstream(path) << "precious\n";
        check_error(ErrorKind::usage, "output '" + path + "' exists and is not an HDF5 file",
                    [&] { io::Hdf5OutputFile out(path); });
        CHECK(std::filesystem::file_size(path) == 9);
    }
    SECTION("in a missing directory") {
        const std::string path = temp_path("no_such_dir") + "/out.h5";
        check_error(ErrorKind::io, "cannot create '" + path + "'", [&] { io::Hdf5OutputFile out(path); });
    }
}

TEST_CASE("Readers and a pending dataset may be used from several threads at once", "[io][threads]") {
    const std::string path = temp_path("threads.h5");
    const Shape shape{64, 48};
    const std::vector<double> full = counting(element_count(shape));
    constexpr int thread_count = 4;
    const auto in_threads = [&](const auto& work) {  // work(thread_idx) on thread_count threads
        std::vector<std::thread> threads;
        for (int thread_idx = 0; thread_idx < thread_count; ++thread_idx) threads.emplace_back(work, thread_idx);
        for (std::thread& thread : threads) thread.join();
    };
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("M", shape, DType::f64);
        in_threads([&](int thread_idx) {
            for (Extent row = thread_idx; row < shape[0]; row += thread_count) {
                const Ranges tile{{row, row + 1}, {0, shape[1]}};
                pending->write(tile, block_of(full, shape, tile).data());
            }
        });
        pending->commit(false);
    }
    io::Hdf5DatasetReader shared(path, "M");
    std::vector<int> mismatches(thread_count, 0);
    in_threads([&](int thread_idx) {
        io::Hdf5DatasetReader own(path, "/M");
        for (Extent column = thread_idx; column < shape[1]; column += thread_count) {
            const Ranges tile{{0, shape[0]}, {column, column + 1}};
            const std::vector<double> expected = block_of(full, shape, tile);
            mismatches[static_cast<std::size_t>(thread_idx)] +=
                (read_block(own, tile) != expected) + (read_block(shared, tile) != expected);
        }
    });
    CHECK(mismatches == std::vector<int>(thread_count, 0));
}

TEST_CASE("HDF5 prints nothing when a call fails, on the main thread or a fresh one", "[io][errors][threads]") {
    // In a thread-safe HDF5 build every thread has its own error stack with printing on; io/ silences each thread.
    const std::string path = temp_path("no_dir") + "/out.h5";
    const auto failing_create = [&] {
        check_error(ErrorKind::io, "cannot create", [&] { io::Hdf5OutputFile out(path); });
    };
    CHECK(stderr_of(failing_create).empty());
    CHECK(stderr_of([&] { std::thread(failing_create).join(); }).empty());
}

TEST_CASE("Chunks are at most 1 MiB, whole for small datasets and absent for 0-d or empty ones", "[io]") {
    CHECK(io::chunk_shape_for({10, 10}, DType::f64) == Shape{10, 10});
    CHECK(io::chunk_shape_for({512, 512}, DType::f32) == Shape{512, 512});  // exactly 1 MiB
    CHECK(io::chunk_shape_for({400, 400}, DType::f64) == Shape{200, 400});
    CHECK(io::chunk_shape_for({3, 1000000}, DType::f64) == Shape{3, 31250});
    CHECK(io::chunk_shape_for({}, DType::f64).empty());
    CHECK(io::chunk_shape_for({0, 5}, DType::f64).empty());
    const Shape chunk = io::chunk_shape_for({1000, 999, 7}, DType::f64);
    CHECK(element_count(chunk) * 8 <= (1 << 20));
    CHECK(element_count(chunk) * 8 > (1 << 19));  // not needlessly small
}
