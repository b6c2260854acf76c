// numpy's dtypes: result dtypes as numpy 1.24 gives them (tables printed by numpy), inputs of every dtype read as
// float64 (complex ones one part per reader), and outputs stored as h5py stores each dtype.
#include <hdf5.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/expr/dtype_promotion.hpp"
#include "io/hdf5_output.hpp"
#include "io/input_reader.hpp"
#include "tests/unit/script_fixtures.hpp"

#ifndef TILESUM_TEST_TMPDIR
#define TILESUM_TEST_TMPDIR "/tmp"
#endif

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string temp_path(const std::string& name) {
    std::string path = std::string(TILESUM_TEST_TMPDIR) + "/test_dtypes_" + name;
    std::filesystem::remove_all(path);
    return path;
}

// h5py's complex layout, built with the C API independently of io/.
hid_t complex_type(hid_t part_type) {
    const std::size_t part_size = H5Tget_size(part_type);
    const hid_t type = H5Tcreate(H5T_COMPOUND, 2 * part_size);
    H5Tinsert(type, "r", 0, part_type);
    H5Tinsert(type, "i", part_size, part_type);
    return type;
}

// Writes `values` (given in memory as `memory_type`) into a new dataset of `file_type`.
void add_dataset(const std::string& path, const std::string& name, hid_t file_type, const Shape& shape,
                 hid_t memory_type, const void* values) {
    const hid_t file = std::filesystem::exists(path) ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                                                     : H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    const hid_t dataset = H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    if (values) REQUIRE(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
}

std::vector<double> read_all(io::InputReader& reader) {
    std::vector<double> values(static_cast<std::size_t>(element_count(reader.info().shape)));
    reader.read(full_ranges(reader.info().shape), values.data());
    return values;
}

DType bound_dtype(const std::string& text, const std::map<std::string, expr::InputSpec>& inputs) {
    return testing::bind_text(text, inputs).outputs.at(0).node->dtype;
}

}  // namespace

TEST_CASE("Arrays promote as np.promote_types does for every pair of dtypes", "[dtypes]") {
    // Printed by numpy 1.24: np.promote_types(row, column), rows and columns in the order of all_dtypes.
    const DType expected[14][14] = {
        {DType::b1, DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
         DType::f16, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::i8, DType::i8, DType::i16, DType::i32, DType::i64, DType::i16, DType::i32, DType::i64, DType::f64,
         DType::f16, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::i16, DType::i16, DType::i16, DType::i32, DType::i64, DType::i16, DType::i32, DType::i64, DType::f64,
         DType::f32, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::i32, DType::i32, DType::i32, DType::i32, DType::i64, DType::i32, DType::i32, DType::i64, DType::f64,
         DType::f64, DType::f64, DType::f64, DType::c128, DType::c128},
        {DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::f64,
         DType::f64, DType::f64, DType::f64, DType::c128, DType::c128},
        {DType::u8, DType::i16, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
         DType::f16, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::u16, DType::i32, DType::i32, DType::i32, DType::i64, DType::u16, DType::u16, DType::u32, DType::u64,
         DType::f32, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::u32, DType::i64, DType::i64, DType::i64, DType::i64, DType::u32, DType::u32, DType::u32, DType::u64,
         DType::f64, DType::f64, DType::f64, DType::c128, DType::c128},
        {DType::u64, DType::f64, DType::f64, DType::f64, DType::f64, DType::u64, DType::u64, DType::u64, DType::u64,
         DType::f64, DType::f64, DType::f64, DType::c128, DType::c128},
        {DType::f16, DType::f16, DType::f32, DType::f64, DType::f64, DType::f16, DType::f32, DType::f64, DType::f64,
         DType::f16, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::f32, DType::f32, DType::f32, DType::f64, DType::f64, DType::f32, DType::f32, DType::f64, DType::f64,
         DType::f32, DType::f32, DType::f64, DType::c64, DType::c128},
        {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
         DType::f64, DType::f64, DType::f64, DType::c128, DType::c128},
        {DType::c64, DType::c64, DType::c64, DType::c128, DType::c128, DType::c64, DType::c64, DType::c128, DType::c128,
         DType::c64, DType::c64, DType::c128, DType::c64, DType::c128},
        {DType::c128, DType::c128, DType::c128, DType::c128, DType::c128, DType::c128, DType::c128, DType::c128,
         DType::c128, DType::c128, DType::c128, DType::c128, DType::c128, DType::c128},
    };
    for (std::size_t row = 0; row < std::size(all_dtypes); ++row)
        for (std::size_t column = 0; column < std::size(all_dtypes); ++column) {
            INFO(dtype_name(all_dtypes[row]) << " with " << dtype_name(all_dtypes[column]));
            CHECK(expr::promote_types(all_dtypes[row], all_dtypes[column]) == expected[row][column]);
        }
}

TEST_CASE("Einsums, sums and products take np.result_type of their operands", "[dtypes]") {
    const std::map<std::string, expr::InputSpec> inputs{
        {"I", {{3}, DType::i32}}, {"L", {{3}, DType::i64}}, {"F", {{3}, DType::f32}}, {"C", {{3}, DType::c64}}};
    CHECK(bound_dtype("E = einsum('i,i->', I, I)\n", inputs) == DType::i32);  // np.einsum keeps int32
    CHECK(bound_dtype("E = einsum('i,i->i', I, L)\n", inputs) == DType::i64);
    CHECK(bound_dtype("E = I + F\n", inputs) == DType::f64);
    CHECK(bound_dtype("E = F - C\n", inputs) == DType::c64);
    CHECK(bound_dtype("E = I * C\n", inputs) == DType::c128);
    CHECK(bound_dtype("E = -I\n", inputs) == DType::i32);
    CHECK(bound_dtype("E = einsum('i,i,i->i', F, F, C)\n", inputs) == DType::c64);
}

TEST_CASE("Python numbers in scripts follow numpy 1.24's value-based casting", "[dtypes]") {
    struct Case {
        double value;
        bool is_integer;
        bool is_bool;
        DType expected[14];  // np.result_type(np.zeros(1, dtype), number), in the order of all_dtypes
    };
    // Printed by numpy 1.24.
    const Case cases[] = {
        {2.0,
         true,
         false,
         {DType::i64, DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {-1.0,
         true,
         false,
         {DType::i64, DType::i8, DType::i16, DType::i32, DType::i64, DType::i16, DType::i32, DType::i64, DType::f64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {300.0,
         true,
         false,
         {DType::i64, DType::i16, DType::i16, DType::i32, DType::i64, DType::u16, DType::u16, DType::u32, DType::u64,
          DType::f32, DType::f32, DType::f64, DType::c64, DType::c128}},
        {-300.0,
         true,
         false,
         {DType::i64, DType::i16, DType::i16, DType::i32, DType::i64, DType::i16, DType::i32, DType::i64, DType::f64,
          DType::f32, DType::f32, DType::f64, DType::c64, DType::c128}},
        {70000.0,
         true,
         false,
         {DType::i64, DType::i32, DType::i32, DType::i32, DType::i64, DType::u32, DType::u32, DType::u32, DType::u64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {-70000.0,
         true,
         false,
         {DType::i64, DType::i32, DType::i32, DType::i32, DType::i64, DType::i32, DType::i32, DType::i64, DType::f64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {2147483648.0,
         true,
         false,
         {DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::u32, DType::u32, DType::u32, DType::u64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {2147483647.0,
         true,
         false,
         {DType::i64, DType::i32, DType::i32, DType::i32, DType::i64, DType::u32, DType::u32, DType::u32, DType::u64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {-2147483648.0,
         true,
         false,
         {DType::i64, DType::i32, DType::i32, DType::i32, DType::i64, DType::i32, DType::i32, DType::i64, DType::f64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {-2147483649.0,
         true,
         false,
         {DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::f64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {9.223372036854776e+18,
         true,
         false,
         {DType::u64, DType::f64, DType::f64, DType::f64, DType::f64, DType::u64, DType::u64, DType::u64, DType::u64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {200.0,
         true,
         false,
         {DType::i64, DType::i16, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {128.0,
         true,
         false,
         {DType::i64, DType::i16, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {2.5,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {2.0,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {1e+300,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {3.5e+38,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f64, DType::f64, DType::f64, DType::c128, DType::c128}},
        {65504.0,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f32, DType::f32, DType::f64, DType::c64, DType::c128}},
        {70000.0,
         false,
         false,
         {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
          DType::f32, DType::f32, DType::f64, DType::c64, DType::c128}},
        {1.0,
         false,
         true,
         {DType::b1, DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
        {0.0,
         false,
         true,
         {DType::b1, DType::i8, DType::i16, DType::i32, DType::i64, DType::u8, DType::u16, DType::u32, DType::u64,
          DType::f16, DType::f32, DType::f64, DType::c64, DType::c128}},
    };
    for (const Case& scalar : cases)
        for (std::size_t column = 0; column < std::size(all_dtypes); ++column) {
            INFO((scalar.is_bool      ? "bool "
                  : scalar.is_integer ? "int "
                                      : "float ")
                 << scalar.value << " with " << dtype_name(all_dtypes[column]));
            CHECK(expr::promote_with_scalar(all_dtypes[column], {scalar.value, scalar.is_integer, scalar.is_bool}) ==
                  scalar.expected[column]);
        }
}

TEST_CASE("Script literals are Python ints or floats, and division is true division", "[dtypes]") {
    const std::map<std::string, expr::InputSpec> inputs{{"I", {{3}, DType::i32}}, {"F", {{3}, DType::f32}}};
    CHECK(bound_dtype("E = 2 * I\n", inputs) == DType::i32);
    CHECK(bound_dtype("E = I * 2.0\n", inputs) == DType::f64);
    CHECK(bound_dtype("E = 2e0 * I\n", inputs) == DType::f64);  // an exponent makes a float
    CHECK(bound_dtype("E = (3 * 4 - 2) * I\n", inputs) == DType::i32);
    CHECK(bound_dtype("E = (4 / 2) * I\n", inputs) == DType::f64);  // 4 / 2 is the float 2.0
    CHECK(bound_dtype("E = 3000000000 * I\n", inputs) == DType::i64);
    CHECK(bound_dtype("E = I / 2\n", inputs) == DType::f64);
    CHECK(bound_dtype("E = -I / -1\n", inputs) == DType::f64);
    CHECK(bound_dtype("E = 2.5 * F\n", inputs) == DType::f32);
    CHECK(bound_dtype("E = F / 2\n", inputs) == DType::f32);
    CHECK(bound_dtype("E = F / 70000\n", inputs) == DType::f64);
    CHECK(bound_dtype("E = 2 * I + F\n", inputs) == DType::f64);
}

TEST_CASE("Complex literals scale arrays with numpy's dtypes and are refused elsewhere, where written",
          "[dtypes][errors]") {
    // Printed by numpy 1.24: (a * 1j).dtype for a of each dtype; a huge imaginary part needs complex128.
    const std::map<std::string, expr::InputSpec> inputs{{"I", {{3}, DType::i32}}, {"F", {{3}, DType::f32}},
                                                        {"D", {{3}, DType::f64}}, {"C", {{3}, DType::c64}},
                                                        {"H", {{3}, DType::f16}}, {"B", {{3}, DType::b1}}};
    CHECK(bound_dtype("E = 1j * I\n", inputs) == DType::c128);
    CHECK(bound_dtype("E = F * 2j\n", inputs) == DType::c64);
    CHECK(bound_dtype("E = 1e300j * F\n", inputs) == DType::c128);
    CHECK(bound_dtype("E = D / 1j\n", inputs) == DType::c128);
    CHECK(bound_dtype("E = (1 + 2j) * C\n", inputs) == DType::c64);
    CHECK(bound_dtype("E = 1.5e3J * H\n", inputs) == DType::c64);
    CHECK(bound_dtype("E = B * 1j\n", inputs) == DType::c128);
    CHECK(bound_dtype("E = 2j * 3j * F\n", inputs) == DType::c64);  // (-6+0j) is still a Python complex
    try {
        testing::bind_text("E = np.exp(1j) * X\n", {{"X", {{3}, DType::c128}}});
        FAIL("np.exp(1j) was accepted");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::unsupported);
        CHECK_THAT(error.what(), Contains("a complex number is taken only as a factor of an array"));
        REQUIRE(error.span());
        CHECK(error.span()->offset == 4);
    }
}

TEST_CASE("Integer datasets of either byte order read as float64, exactly", "[dtypes][io]") {
    const std::string path = temp_path("integers.h5");
    const std::vector<std::int64_t> values{-3, 0, 7, 2147483647, -2147483648LL, 1099511627776LL};
    const std::vector<std::int32_t> small{-3, 0, 7, 2147483647, -2147483647 - 1, 12};
    add_dataset(path, "/i32le", H5T_STD_I32LE, {2, 3}, H5T_NATIVE_INT32, small.data());
    add_dataset(path, "/i32be", H5T_STD_I32BE, {2, 3}, H5T_NATIVE_INT32, small.data());
    add_dataset(path, "/i64le", H5T_STD_I64LE, {2, 3}, H5T_NATIVE_INT64, values.data());
    add_dataset(path, "/i64be", H5T_STD_I64BE, {2, 3}, H5T_NATIVE_INT64, values.data());
    for (const char* name : {"/i32le", "/i32be"}) {
        INFO(name);
        auto reader = io::open_input(path, name);
        CHECK(reader->info().dtype == DType::i32);
        CHECK(read_all(*reader) == std::vector<double>(small.begin(), small.end()));
    }
    for (const char* name : {"/i64le", "/i64be"}) {
        INFO(name);
        auto reader = io::open_input(path, name);
        CHECK(reader->info().dtype == DType::i64);
        CHECK(read_all(*reader) == std::vector<double>(values.begin(), values.end()));
        // A block: rows 1..2, columns 1..3.
        std::vector<double> block(2);
        reader->read({{1, 2}, {1, 3}}, block.data());
        CHECK(block == std::vector<double>{-2147483648.0, 1099511627776.0});
    }
}

TEST_CASE("Complex datasets in h5py's layout read as a real and an imaginary part", "[dtypes][io]") {
    const std::string path = temp_path("complex.h5");
    const std::vector<double> pairs{1.5, -2, 3, 4.25, -5, 0, 7, 8.5};  // r, i, r, i, ...: four numbers
    const hid_t c64le = complex_type(H5T_IEEE_F32LE), c64be = complex_type(H5T_IEEE_F32BE);
    const hid_t c128le = complex_type(H5T_IEEE_F64LE), memory = complex_type(H5T_NATIVE_DOUBLE);
    add_dataset(path, "/c64", c64le, {2, 2}, memory, pairs.data());
    add_dataset(path, "/c64be", c64be, {2, 2}, memory, pairs.data());
    add_dataset(path, "/c128", c128le, {4}, memory, pairs.data());
    for (hid_t type : {c64le, c64be, c128le, memory}) H5Tclose(type);

    for (const char* name : {"/c64", "/c64be", "/c128"}) {
        INFO(name);
        auto real = io::open_input(path, name, io::ValuePart::real);
        auto imag = io::open_input(path, name, io::ValuePart::imag);
        CHECK(real->info().dtype == (std::string(name) == "/c128" ? DType::c128 : DType::c64));
        CHECK(read_all(*real) == std::vector<double>{1.5, 3, -5, 7});
        CHECK(read_all(*imag) == std::vector<double>{-2, 4.25, 0, 8.5});
    }
    std::vector<double> element(1);
    io::open_input(path, "/c64", io::ValuePart::imag)->read({{1, 2}, {0, 1}}, element.data());
    CHECK(element[0] == 0);
}

TEST_CASE("Other dtypes are refused with one message naming file, dataset and dtype", "[dtypes][io][errors]") {
    const std::string path = temp_path("refused.h5");
    const hid_t ab = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(ab, "a", 0, H5T_IEEE_F64LE);
    H5Tinsert(ab, "b", 8, H5T_IEEE_F64LE);
    const hid_t mixed = H5Tcreate(H5T_COMPOUND, 12);  // r float32, i float64: not a numpy complex
    H5Tinsert(mixed, "r", 0, H5T_IEEE_F32LE);
    H5Tinsert(mixed, "i", 4, H5T_IEEE_F64LE);
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, 8);
    add_dataset(path, "/ab", ab, {2}, H5T_NATIVE_DOUBLE, nullptr);
    add_dataset(path, "/mixed", mixed, {2}, H5T_NATIVE_DOUBLE, nullptr);
    add_dataset(path, "/text", text, {2}, H5T_NATIVE_DOUBLE, nullptr);
    add_dataset(path, "/bits", H5T_STD_B16LE, {2}, H5T_NATIVE_DOUBLE, nullptr);
    for (hid_t type : {ab, mixed, text}) H5Tclose(type);

    const std::pair<const char*, const char*> refused[] = {
        {"/ab", "compound {a: float64, b: float64}"},
        {"/mixed", "compound {r: float32, i: float64}"},
        {"/text", "string"},
        {"/bits", "bitfield16"},
    };
    for (const auto& [name, dtype] : refused) {
        INFO(name);
        try {
            io::open_input(path, name);
            FAIL("accepted");
        } catch (const Error& error) {
            CHECK(error.kind() == ErrorKind::usage);
            CHECK_THAT(error.what(),
                       Contains(std::string("dataset '") + name + "' in '" + path + "' has dtype " + dtype +
                                "; tilesum reads bool, int8, int16, int32, int64, uint8, uint16, uint32, "
                                "uint64, float16, float32, float64, complex64 and complex128"));
        }
    }
}

TEST_CASE("Outputs are stored in their dtype as h5py stores it", "[dtypes][io]") {
    const std::string path = temp_path("outputs.h5");
    const std::vector<double> values{-2, 0, 5, 2147483647};
    {
        io::Hdf5OutputFile out(path);
        for (DType dtype : {DType::i32, DType::i64, DType::f32, DType::f64}) {
            auto dataset = out.create_pending(dtype_name(dtype), {4}, dtype);
            dataset->write({{0, 4}}, values.data());
            dataset->commit(false);
        }
        for (DType dtype : {DType::c64, DType::c128}) {
            // The parts in separate writes, the imaginary one first and in two tiles: each keeps the other.
            auto dataset = out.create_pending(dtype_name(dtype), {4}, dtype);
            const std::vector<double> imag{1, 2, 3, 4};
            dataset->part(io::ValuePart::imag).write({{2, 4}}, imag.data() + 2);
            dataset->part(io::ValuePart::real).write({{0, 4}}, values.data());
            dataset->part(io::ValuePart::imag).write({{0, 2}}, imag.data());
            dataset->commit(false);
        }
    }
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t c64 = complex_type(H5T_IEEE_F32LE), c128 = complex_type(H5T_IEEE_F64LE);
    const std::pair<DType, hid_t> stored[] = {
        {DType::i32, H5T_STD_I32LE},  {DType::i64, H5T_STD_I64LE}, {DType::f32, H5T_IEEE_F32LE},
        {DType::f64, H5T_IEEE_F64LE}, {DType::c64, c64},           {DType::c128, c128}};
    for (const auto& [dtype, file_type] : stored) {
        INFO(dtype_name(dtype));
        const hid_t dataset = H5Dopen2(file, (std::string("/") + dtype_name(dtype)).c_str(), H5P_DEFAULT);
        REQUIRE(dataset >= 0);
        const hid_t type = H5Dget_type(dataset);
        CHECK(H5Tequal(type, file_type) > 0);
        if (is_complex(dtype)) {
            const hid_t memory = complex_type(H5T_NATIVE_DOUBLE);
            std::vector<double> pairs(8);
            REQUIRE(H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs.data()) >= 0);
            CHECK(pairs ==
                  std::vector<double>{-2, 1, 0, 2, 5, 3, dtype == DType::c64 ? 2147483648.0 : 2147483647.0, 4});
            H5Tclose(memory);
        } else {
            std::vector<double> read(4);
            REQUIRE(H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()) >= 0);
            CHECK(read == std::vector<double>{-2, 0, 5, dtype == DType::f32 ? 2147483648.0 : 2147483647.0});
        }
        H5Tclose(type);
        H5Dclose(dataset);
    }
    H5Tclose(c64);
    H5Tclose(c128);
    H5Fclose(file);
}

TEST_CASE("An integer output that is not exact in float64 is refused, naming the output and the value",
          "[dtypes][io][errors]") {
    const std::string path = temp_path("overflow.h5");
    io::Hdf5OutputFile out(path);
    auto check_refused = [&](DType dtype, double value, const std::string& message) {
        auto dataset = out.create_pending(std::string("E_") + dtype_name(dtype), {2, 3}, dtype);
        const std::vector<double> values{0, 1, 2, 3, value, 5};
        try {
            dataset->write({{0, 2}, {0, 3}}, values.data());
            FAIL("written");
        } catch (const Error& error) {
            CHECK(error.kind() == ErrorKind::unsupported);
            CHECK_THAT(error.what(), Contains(message));
        }
    };
    check_refused(DType::i64, 9007199254740992.0,
                  "output /E_int64 is int64 but its value at (1, 1) is 9007199254740992, beyond 2^53");
    check_refused(DType::i32, -9007199254740992.0, "is -9007199254740992, beyond 2^53");
    check_refused(DType::u8, 2.5, "output /E_uint8 is uint8 but its value at (1, 1) is 2.5, not an integer");
    // The largest values that are exact are accepted.
    auto dataset = out.create_pending("ok", {2}, DType::i64);
    const std::vector<double> edge{9007199254740991.0, -9007199254740991.0};
    dataset->write({{0, 2}}, edge.data());
}

TEST_CASE("An int32 output outside int32's range wraps around as numpy's int32 arithmetic does", "[dtypes][io]") {
    const std::string path = temp_path("wrap32.h5");
    {
        io::Hdf5OutputFile out(path);
        auto dataset = out.create_pending("E", {3}, DType::i32);
        const std::vector<double> values{2147483648.0, -2147483649.0, 4294967296.0 * 3 + 5};
        dataset->write({{0, 3}}, values.data());
        dataset->commit(false);
    }
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t dataset = H5Dopen2(file, "/E", H5P_DEFAULT);
    std::vector<std::int32_t> read(3);
    REQUIRE(H5Dread(dataset, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()) >= 0);
    // numpy: np.array([2**31, -2**31 - 1, 3 * 2**32 + 5]).astype(np.int64).astype(np.int32)
    CHECK(read == std::vector<std::int32_t>{-2147483647 - 1, 2147483647, 5});
    H5Dclose(dataset);
    H5Fclose(file);
}
