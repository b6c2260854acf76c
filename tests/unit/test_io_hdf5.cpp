// io/: HDF5 datasets read as float64 hyperslabs, outputs written under a temporary name and committed, and every
// user mistake reported with its kind and the file or dataset it concerns. Inputs are made with the C API here.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "engine/common/error.hpp"
#include "io/hdf5_output.hpp"
#include "io/hdf5_reader.hpp"

#ifndef TILESUM_TEST_TMPDIR
#define TILESUM_TEST_TMPDIR "/tmp"
#endif

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

// A fresh path per test case (test cases may run in parallel processes); leftovers of an earlier run are removed.
std::string temp_path(const std::string& name) {
    const std::string path = std::string(TILESUM_TEST_TMPDIR) + "/test_io_hdf5_" + name;
    std::filesystem::remove_all(path);
    return path;
}

// Writes an input file with the HDF5 C API, independently of io/.
class TestFile {
public:
    explicit TestFile(const std::string& path) : file_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {
        REQUIRE(file_ >= 0);
    }
    ~TestFile() { close(); }
    void close() {
        if (file_ >= 0) H5Fclose(file_);
        file_ = H5I_INVALID_HID;
    }
    // `values` are converted by HDF5 from double to `file_type`; empty values leave the dataset unwritten.
    void add(const std::string& name, hid_t file_type, const Shape& shape, const std::vector<double>& values = {},
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
    }
    void add_group(const std::string& name) {
        const hid_t group = H5Gcreate2(file_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(group >= 0);
        H5Gclose(group);
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

// 0.5, 1.5, 2.5, ...: element i of the whole dataset in C order holds i + 0.5.
std::vector<double> counting(Extent count) {
    std::vector<double> values;
    for (Extent idx = 0; idx < count; ++idx) values.push_back(static_cast<double>(idx) + 0.5);
    return values;
}

// The C-order block `ranges` of `full` (of `shape`), the reference for every hyperslab read.
std::vector<double> block_of(const std::vector<double>& full, const Shape& shape, const Ranges& ranges) {
    std::vector<double> block;
    const Shape block_shape = range_shape(ranges);
    if (element_count(block_shape) == 0) return block;
    Shape position(shape.size(), 0);  // odometer over the block
    for (Extent done = 0; done < element_count(block_shape); ++done) {
        Extent linear = 0;
        for (std::size_t axis = 0; axis < shape.size(); ++axis) linear = linear * shape[axis] + ranges[axis].begin + position[axis];
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

// Runs `action`, which must throw tilesum::Error, and returns the error so that kind and message can be checked.
template <class Action>
Error error_from(Action&& action) {
    try {
        action();
    } catch (const Error& error) {
        return error;
    }
    FAIL("no tilesum::Error was thrown");
    return Error(ErrorKind::internal, "unreachable");
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
    for (const Ranges& ranges : std::vector<Ranges>{{{0, 5}, {0, 7}},    // whole
                                                    {{1, 3}, {0, 7}},    // row block
                                                    {{0, 5}, {2, 5}},    // column block
                                                    {{2, 4}, {6, 7}},    // corner
                                                    {{4, 5}, {3, 4}}}) {  // one element
        CAPTURE(ranges[0].begin, ranges[0].end, ranges[1].begin, ranges[1].end);
        CHECK(read_block(reader, ranges) == block_of(full, shape, ranges));
    }
    double untouched = 42.0;
    reader.read({{2, 2}, {0, 7}}, &untouched);  // an empty block reads nothing
    CHECK(untouched == 42.0);
}

TEST_CASE("float32 and big-endian datasets are converted to float64 by HDF5 on read", "[io]") {
    const std::string path = temp_path("read_f32.h5");
    std::vector<double> values;
    for (int idx = 0; idx < 12; ++idx) values.push_back(0.1 * idx - 0.35);
    std::vector<double> as_float32;
    for (double value : values) as_float32.push_back(static_cast<double>(static_cast<float>(value)));
    {
        TestFile file(path);
        file.add("/le32", H5T_IEEE_F32LE, {3, 4}, values);
        file.add("/be32", H5T_IEEE_F32BE, {3, 4}, values);
        file.add("/be64", H5T_IEEE_F64BE, {3, 4}, values);
    }
    for (const char* name : {"/le32", "/be32"}) {
        io::Hdf5DatasetReader reader(path, name);
        CHECK(reader.info().dtype == DType::f32);
        CHECK(read_block(reader, {{0, 3}, {0, 4}}) == as_float32);
        CHECK(read_block(reader, {{0, 3}, {1, 2}}) == block_of(as_float32, {3, 4}, {{0, 3}, {1, 2}}));
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

TEST_CASE("A float32 output is stored as float32 and rounded on write", "[io]") {
    const std::string path = temp_path("write_f32.h5");
    std::vector<double> values{0.1, 0.2, 0.3, 1e-3, 1e3, -7.7};
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("F", {2, 3}, DType::f32);
        pending->write({{0, 2}, {0, 3}}, values.data());
        pending->commit(false);
    }
    io::Hdf5DatasetReader reader(path, "F");
    CHECK(reader.info().dtype == DType::f32);
    std::vector<double> expected;
    for (double value : values) expected.push_back(static_cast<double>(static_cast<float>(value)));
    CHECK(read_block(reader, {{0, 2}, {0, 3}}) == expected);
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
    SECTION("a missing file") {
        const Error error = error_from([&] { io::Hdf5DatasetReader reader(path, "A"); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("cannot open '" + path + "': no such file"));
    }
    SECTION("a text file") {
        std::ofstream(path) << "a,b\n1,2\n";
        const Error error = error_from([&] { io::Hdf5DatasetReader reader(path, "A"); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("'" + path + "' is not an HDF5 file"));
    }
    SECTION("a directory") {
        std::filesystem::create_directory(path);
        const Error error = error_from([&] { io::Hdf5DatasetReader reader(path, "A"); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("'" + path + "' is a directory"));
    }
}

TEST_CASE("Opening an input names the dataset when it is missing, a group or of an unsupported dtype", "[io][errors]") {
    const std::string path = temp_path("bad_datasets.h5");
    {
        TestFile file(path);
        file.add("/A", H5T_IEEE_F64LE, {2}, {1, 2});
        file.add("/g/B", H5T_IEEE_F64LE, {2}, {3, 4});
        file.add("/I", H5T_STD_I64LE, {2}, {5, 6});
        file.add("/U", H5T_STD_U8LE, {2}, {7, 8});
        const hid_t half = H5Tcopy(H5T_IEEE_F32LE);  // IEEE binary16, as h5py defines it
        H5Tset_fields(half, 15, 10, 5, 0, 10);
        H5Tset_size(half, 2);
        H5Tset_ebias(half, 15);
        file.add("/H", half, {2});
        H5Tclose(half);
        const hid_t text = H5Tcopy(H5T_C_S1);
        H5Tset_size(text, 8);
        file.add("/T", text, {2});
        H5Tclose(text);
    }
    const auto usage_error = [&](const std::string& dataset, const std::string& expected) {
        CAPTURE(dataset);
        const Error error = error_from([&] { io::Hdf5DatasetReader reader(path, dataset); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains(expected));
    };
    const std::string in = " in '" + path + "'";
    SECTION("missing datasets, also behind a missing group or a dataset, and the top level is listed") {
        usage_error("/B", "no dataset '/B'" + in + "; the file's top level has: /A, /H, /I, /T, /U, /g");
        usage_error("/nogroup/A", "no dataset '/nogroup/A'" + in);
        usage_error("/A/x", "no dataset '/A/x'" + in);
        usage_error("g/C", "no dataset '/g/C'" + in);
    }
    SECTION("a group is not a dataset, but a dataset inside it opens") {
        usage_error("g", "'/g'" + in + " is a group, not a dataset");
        CHECK(io::Hdf5DatasetReader(path, "/g/B").info().shape == Shape{2});
    }
    SECTION("unsupported dtypes") {
        usage_error("I", "dataset '/I'" + in + " has dtype int64; tilesum reads float32 and float64");
        usage_error("U", "dataset '/U'" + in + " has dtype uint8;");
        usage_error("H", "dataset '/H'" + in + " has dtype float16;");
        usage_error("T", "dataset '/T'" + in + " has dtype string;");
    }
}

TEST_CASE("A failed read is an io error naming the file and the dataset", "[io][errors]") {
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
    const Error error = error_from([&] { read_block(reader, {{0, 16}}); });
    CHECK(error.kind() == ErrorKind::io);
    CHECK_THAT(error.what(), Contains("cannot read dataset '/A' in '" + path + "'") && Contains("H5Dread"));
}

TEST_CASE("Committing onto an existing dataset is refused without overwrite and replaces it with overwrite", "[io]") {
    const std::string path = temp_path("overwrite.h5");
    {
        TestFile file(path);
        file.add("/E", H5T_IEEE_F64LE, {2, 2}, {1, 2, 3, 4});
        file.add_group("/g");
    }
    io::Hdf5OutputFile out(path);
    CHECK_FALSE(out.created());
    CHECK(out.has_dataset("E"));
    CHECK_FALSE(out.has_dataset("g"));
    CHECK_FALSE(out.has_dataset("F"));

    SECTION("an existing dataset") {
        auto pending = out.create_pending("E", {2, 3}, DType::f64);
        const std::vector<double> values = counting(6);
        pending->write({{0, 2}, {0, 3}}, values.data());
        const Error error = error_from([&] { pending->commit(false); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK(std::string(error.what()) == "output dataset '/E' already exists in '" + path + "' (use --overwrite)");
        CHECK(io::Hdf5DatasetReader(path, "E").info().shape == Shape{2, 2});  // the old data is untouched

        pending->commit(true);
        io::Hdf5DatasetReader reader(path, "E");
        CHECK(reader.info().shape == Shape{2, 3});
        CHECK(read_block(reader, {{0, 2}, {0, 3}}) == values);
    }
    SECTION("a group is never replaced") {
        auto pending = out.create_pending("g", {1}, DType::f64);
        const Error error = error_from([&] { pending->commit(true); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("'/g' in '" + path + "' exists and is not a dataset"));
    }
}

TEST_CASE("A pending dataset that is never committed leaves no dataset behind", "[io]") {
    const std::string path = temp_path("abandoned.h5");
    TestFile(path).add("/A", H5T_IEEE_F64LE, {1}, {9});
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("E", {3}, DType::f64);
        const std::vector<double> values{1, 2, 3};
        pending->write({{0, 3}}, values.data());
        CHECK_FALSE(out.has_dataset("E"));  // before commit it exists only under its temporary name
        pending.reset();
        CHECK_FALSE(out.has_dataset("E"));
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
        {
            io::Hdf5OutputFile out(path);
            auto pending = out.create_pending("E", {}, DType::f64);
            const double value = 1.0;
            pending->write({}, &value);
            pending->commit(false);
        }
        CHECK(io::Hdf5DatasetReader(path, "E").info().shape.empty());
    }
}

TEST_CASE("A stale temporary from an interrupted run is replaced, and nested names create their groups", "[io]") {
    const std::string path = temp_path("stale.h5");
    TestFile(path).add("/.tilesum-partial-E", H5T_IEEE_F64LE, {7}, counting(7));
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("E", {2}, DType::f64);
        const Error twice = error_from([&] { out.create_pending("/E", {2}, DType::f64); });
        CHECK(twice.kind() == ErrorKind::usage);
        CHECK_THAT(twice.what(), Contains("output dataset '/E' in '" + path + "' is written twice"));
        pending->write({{0, 2}}, counting(2).data());
        pending->commit(false);

        auto nested = out.create_pending("g/h/N", {2}, DType::f64);
        nested->write({{0, 2}}, counting(2).data());
        nested->commit(false);
    }
    CHECK_FALSE(link_exists(path, "/.tilesum-partial-E"));
    CHECK(read_block(*std::make_unique<io::Hdf5DatasetReader>(path, "E"), {{0, 2}}) == counting(2));
    CHECK(read_block(*std::make_unique<io::Hdf5DatasetReader>(path, "/g/h/N"), {{0, 2}}) == counting(2));
}

TEST_CASE("An output path that is not HDF5 is refused untouched, and one that cannot be created is an io error",
          "[io][errors]") {
    SECTION("not HDF5") {
        const std::string path = temp_path("output.txt");
        std::ofstream(path) << "precious\n";
        const Error error = error_from([&] { io::Hdf5OutputFile out(path); });
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("output '" + path + "' exists and is not an HDF5 file"));
        CHECK(std::filesystem::file_size(path) == 9);
    }
    SECTION("in a missing directory") {
        const std::string path = temp_path("no_such_dir") + "/out.h5";
        const Error error = error_from([&] { io::Hdf5OutputFile out(path); });
        CHECK(error.kind() == ErrorKind::io);
        CHECK_THAT(error.what(), Contains("cannot create '" + path + "'"));
    }
}

TEST_CASE("A file that is both input and output must be opened for output first", "[io]") {
    const std::string path = temp_path("in_out.h5");
    TestFile(path).add("/A", H5T_IEEE_F64LE, {2}, {1, 2});
    SECTION("output first: readers share the read-write file") {
        io::Hdf5OutputFile out(path);
        io::Hdf5DatasetReader reader(path, "A");
        CHECK(read_block(reader, {{0, 2}}) == std::vector<double>{1, 2});
    }
    SECTION("input first: HDF5 cannot reopen it for writing, and the message says what to do") {
        io::Hdf5DatasetReader reader(path, "A");
        const Error error = error_from([&] { io::Hdf5OutputFile out(path); });
        CHECK(error.kind() == ErrorKind::io);
        CHECK_THAT(error.what(), Contains("open the output file before the input readers"));
    }
}

TEST_CASE("Readers and a pending dataset may be used from several threads at once", "[io][threads]") {
    const std::string path = temp_path("threads.h5");
    const Shape shape{64, 48};
    const std::vector<double> full = counting(element_count(shape));
    constexpr int thread_count = 4;
    {
        io::Hdf5OutputFile out(path);
        auto pending = out.create_pending("M", shape, DType::f64);
        std::vector<std::thread> writers;
        for (int thread_idx = 0; thread_idx < thread_count; ++thread_idx)
            writers.emplace_back([&, thread_idx] {
                for (Extent row = thread_idx; row < shape[0]; row += thread_count) {
                    const Ranges tile{{row, row + 1}, {0, shape[1]}};
                    pending->write(tile, block_of(full, shape, tile).data());
                }
            });
        for (std::thread& writer : writers) writer.join();
        pending->commit(false);
    }
    io::Hdf5DatasetReader shared(path, "M");
    std::vector<int> mismatches(thread_count, 0);
    std::vector<std::thread> readers;
    for (int thread_idx = 0; thread_idx < thread_count; ++thread_idx)
        readers.emplace_back([&, thread_idx] {
            io::Hdf5DatasetReader own(path, "/M");
            for (Extent column = thread_idx; column < shape[1]; column += thread_count) {
                const Ranges tile{{0, shape[0]}, {column, column + 1}};
                mismatches[static_cast<std::size_t>(thread_idx)] +=
                    (read_block(own, tile) != block_of(full, shape, tile)) +
                    (read_block(shared, tile) != block_of(full, shape, tile));
            }
        });
    for (std::thread& reader : readers) reader.join();
    CHECK(mismatches == std::vector<int>(thread_count, 0));
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
