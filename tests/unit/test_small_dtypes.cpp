// bool, int8, int16, the unsigned ints and float16 (issue 14): numpy's result dtypes for them (tables printed by
// numpy 1.24), the expressions whose wrap-around tilesum cannot follow, and their HDF5 storage as h5py writes it.
#include <hdf5.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/common/float16.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "io/hdf5_output.hpp"
#include "io/input_reader.hpp"
#include "tests/unit/api_fixture.hpp"
#include "tests/unit/script_fixtures.hpp"

#ifndef TILESUM_TEST_TMPDIR
#define TILESUM_TEST_TMPDIR "/tmp"
#endif

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string temp_path(const std::string& name) {
    std::string path = std::string(TILESUM_TEST_TMPDIR) + "/test_small_dtypes_" + name;
    std::filesystem::remove_all(path);
    return path;
}

const std::map<std::string, expr::InputSpec>& inputs() {
    static const std::map<std::string, expr::InputSpec> specs{
        {"B", {{3}, DType::b1}},  {"I8", {{3}, DType::i8}},   {"I16", {{3}, DType::i16}}, {"I64", {{3}, DType::i64}},
        {"U8", {{3}, DType::u8}}, {"U16", {{3}, DType::u16}}, {"U32", {{3}, DType::u32}}, {"U64", {{3}, DType::u64}},
        {"H", {{3}, DType::f16}}, {"F", {{3}, DType::f64}},
    };
    return specs;
}

expr::Program bound(const std::string& expression) { return testing::bind_text("E = " + expression + "\n", inputs()); }

// The error planning `expression` fails with (bind, then the check every program passes before planning).
std::string planning_error(const std::string& expression) {
    try {
        expr::split_complex(bound(expression));
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::unsupported);
        return error.what();
    }
    FAIL("accepted: " << expression);
    return "";
}

}  // namespace

TEST_CASE("Scripts give numpy's dtypes for the small dtypes, operator by operator", "[dtypes][small]") {
    // Printed by numpy 1.24 on arrays of these dtypes (B bool, U8 uint8, H float16, ...).
    const std::pair<const char*, const char*> cases[] = {
        {"einsum('i,i->', U8, U8)", "uint8"},
        {"einsum('i,i->i', U8, I8)", "int16"},
        {"einsum('i,i->', B, B)", "bool"},
        {"einsum('i,i->', B, U16)", "uint16"},
        {"U64 + I64", "float64"},
        {"U8 * H", "float16"},
        {"I16 * H", "float32"},
        {"U32 - U32", "uint32"},
        {"B + B", "bool"},
        {"B * B", "bool"},
        {"U8 * 2", "uint8"},
        {"U8 * -1", "int16"},
        {"U8 * 300", "uint16"},
        {"U8 * 2.5", "float64"},
        {"B * 2", "int64"},
        {"H * 2", "float16"},
        {"H * 300", "float32"},
        {"U8 / 2", "float64"},
        {"H / 2", "float16"},
        {"np.exp(U8)", "float16"},
        {"np.exp(I16)", "float32"},
        {"np.sqrt(U32)", "float64"},
        {"np.exp(B)", "float16"},
        {"U8 < I8", "bool"},
        {"np.abs(I8)", "int8"},
        {"np.maximum(U8, I8)", "int16"},
        {"np.sum(U8)", "uint64"},
        {"np.sum(B)", "int64"},
        {"np.sum(I16)", "int64"},
        {"np.mean(U8)", "float64"},
        {"np.mean(H)", "float16"},
        {"U16 ** 2", "uint16"},
        {"-I8", "int8"},
        {"-U8", "uint8"},
        {"np.where(B, U8, I8)", "int16"},
    };
    for (const auto& [expression, dtype] : cases) {
        INFO(expression);
        CHECK(std::string(dtype_name(bound(expression).outputs.at(0).node->dtype)) == dtype);
    }
}

TEST_CASE("Float functions, sums and true division follow numpy for every dtype", "[dtypes][small]") {
    // Printed by numpy 1.24: np.exp(a).dtype, np.sum(a).dtype and (a / 2).dtype, in the order of all_dtypes.
    const DType exp_dtypes[] = {DType::f16, DType::f16, DType::f32, DType::f64, DType::f64, DType::f16, DType::f32,
                                DType::f64, DType::f64, DType::f16, DType::f32, DType::f64, DType::c64, DType::c128};
    const DType sum_dtypes[] = {DType::i64, DType::i64, DType::i64, DType::i64, DType::i64, DType::u64, DType::u64,
                                DType::u64, DType::u64, DType::f16, DType::f32, DType::f64, DType::c64, DType::c128};
    const DType divide_dtypes[] = {DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64, DType::f64,
                                   DType::f64, DType::f64, DType::f16, DType::f32, DType::f64, DType::c64, DType::c128};
    for (std::size_t position = 0; position < std::size(all_dtypes); ++position) {
        const DType dtype = all_dtypes[position];
        INFO(dtype_name(dtype));
        CHECK(expr::float_function_dtype(dtype) == exp_dtypes[position]);
        CHECK(expr::sum_dtype(dtype) == sum_dtypes[position]);
        CHECK(expr::true_divide_dtype(dtype, {2, true}) == divide_dtypes[position]);
    }
}

TEST_CASE("numpy's bool subtract, bool negative and sign of bools are refused as numpy refuses them",
          "[dtypes][small][errors]") {
    CHECK_THAT(testing::bind_error("E = B - B\n", inputs()).message, Contains("numpy has no boolean subtract"));
    CHECK_THAT(testing::bind_error("E = -B\n", inputs()).message, Contains("numpy has no boolean negative"));
    CHECK_THAT(testing::bind_error("E = np.sign(B)\n", inputs()).message, Contains("no sign for bool"));
    CHECK(bound("B - U8").outputs.at(0).node->dtype == DType::u8);  // a bool meets an int: arithmetic again
}

TEST_CASE("Integer intermediates numpy wraps are taken where wrapping once at the end gives numpy's answer",
          "[dtypes][small]") {
    // Ring operations in one dtype: numpy's arithmetic modulo 2^bits, the same residue as the exact value's.
    for (const char* expression :
         {"einsum('i,i->', U8 * U8 + U8, U8)", "-(U8 - U8 * 3)", "(U16 * U16) ** 3", "np.where(U8 < 3, U8 * U8, U8)",
          "einsum('i,i->', B + B, B * B)", "np.where(B * B + B, F, F)", "einsum('i->', I8) * 2", "np.exp(U8) + I8",
          "U8 < I8", "np.maximum(U8, I8) * 3"}) {
        INFO(expression);
        CHECK_NOTHROW(expr::split_complex(bound(expression)));
    }
}

TEST_CASE("Integer intermediates numpy wraps and then uses otherwise are refused, naming dtype and use",
          "[dtypes][small][errors]") {
    CHECK_THAT(planning_error("(U8 * U8) + I16"),
               Contains("a product of shape (3,) is uint8, which numpy computes modulo 2^bits (wrapping around), and "
                        "is then used by a sum or a scaling as int16"));
    CHECK_THAT(planning_error("np.exp(U8 + U8)"), Contains("used by np.exp as float16"));
    CHECK_THAT(planning_error("(U8 * U8) / 2"), Contains("as float64"));
    CHECK_THAT(planning_error("(U8 * U8) < 3"), Contains("used by np.less"));
    CHECK_THAT(planning_error("np.sum(U8 * U8)"), Contains("uint8"));
    CHECK_THAT(planning_error("(B + B) * 2"),
               Contains("is bool, which numpy computes logically (True + True is True)"));
    CHECK_THAT(planning_error("np.abs(I8 * I8)"), Contains("used by np.abs"));
    CHECK_THAT(planning_error("np.where(U8 * U8, F, F)"), Contains("used by np.where"));
}

TEST_CASE("float16 converts to and from float64 as numpy does", "[dtypes][small]") {
    // np.float16(value).view(np.uint16), printed by numpy 1.24: rounding to nearest, ties to even, subnormals,
    // overflow to infinity.
    const std::pair<double, std::uint16_t> cases[] = {
        {0.0, 0x0000},      {-0.0, 0x8000},    {1.0, 0x3c00},           {-2.5, 0xc100},          {65504.0, 0x7bff},
        {65519.99, 0x7bff}, {65520.0, 0x7c00}, {1e6, 0x7c00},           {6e-8, 0x0001},          {2.9e-8, 0x0000},
        {3e-8, 0x0001},     {6.1e-5, 0x03ff},  {1.00048828125, 0x3c00}, {1.00146484375, 0x3c02}, {0.1, 0x2e66},
    };
    for (const auto& [value, bits] : cases) {
        INFO(value);
        CHECK(double_to_float16(value) == bits);
    }
    CHECK(float16_to_double(0x3555) == 0.333251953125);
    CHECK(float16_to_double(0x0001) == 5.9604644775390625e-08);
    CHECK(float16_to_double(0xfc00) == -INFINITY);
}

namespace {

// h5py's bool type and float16 type, built with the C API independently of io/.
hid_t h5py_bool_type() {
    const hid_t type = H5Tenum_create(H5T_NATIVE_INT8);
    const std::int8_t no = 0, yes = 1;
    H5Tenum_insert(type, "FALSE", &no);
    H5Tenum_insert(type, "TRUE", &yes);
    return type;
}
hid_t h5py_float16_type(hid_t float32) {
    const hid_t type = H5Tcopy(float32);
    H5Tset_fields(type, 15, 10, 5, 0, 10);
    H5Tset_size(type, 2);
    H5Tset_ebias(type, 15);
    return type;
}

void add_dataset(const std::string& path, const std::string& name, hid_t file_type, hsize_t count, hid_t memory_type,
                 const void* values) {
    const hid_t file = std::filesystem::exists(path) ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                                                     : H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t space = H5Screate_simple(1, &count, nullptr);
    const hid_t dataset = H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(dataset >= 0);
    REQUIRE(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0);
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
}

std::vector<double> read_all(const std::string& path, const std::string& name, DType expected) {
    auto reader = io::open_input(path, name);
    CHECK(reader->info().dtype == expected);
    std::vector<double> values(static_cast<std::size_t>(element_count(reader->info().shape)));
    reader->read(full_ranges(reader->info().shape), values.data());
    return values;
}

}  // namespace

TEST_CASE("HDF5 datasets of the small dtypes, either byte order, read as float64", "[dtypes][small][io]") {
    const std::string path = temp_path("inputs.h5");
    const std::vector<std::int64_t> signed_values{-128, -1, 0, 1, 127};
    const std::vector<std::uint64_t> unsigned_values{0, 1, 200, 255, 9007199254740991ULL};
    const std::vector<std::int8_t> bools{1, 0, 0, 1, 1};
    const std::vector<float> halves{-2.5F, 0.0F, 65504.0F, 0.333251953125F, 5.9604644775390625e-08F};
    const hid_t bool_type = h5py_bool_type(), half_le = h5py_float16_type(H5T_IEEE_F32LE),
                half_be = h5py_float16_type(H5T_IEEE_F32BE);
    add_dataset(path, "/b1", bool_type, 5, bool_type, bools.data());
    add_dataset(path, "/i8", H5T_STD_I8LE, 5, H5T_NATIVE_INT64, signed_values.data());
    add_dataset(path, "/i16be", H5T_STD_I16BE, 5, H5T_NATIVE_INT64, signed_values.data());
    add_dataset(path, "/u8", H5T_STD_U8LE, 4, H5T_NATIVE_UINT64, unsigned_values.data());
    add_dataset(path, "/u16be", H5T_STD_U16BE, 4, H5T_NATIVE_UINT64, unsigned_values.data());
    add_dataset(path, "/u32", H5T_STD_U32LE, 4, H5T_NATIVE_UINT64, unsigned_values.data());
    add_dataset(path, "/u64be", H5T_STD_U64BE, 5, H5T_NATIVE_UINT64, unsigned_values.data());
    add_dataset(path, "/f16", half_le, 5, H5T_NATIVE_FLOAT, halves.data());
    add_dataset(path, "/f16be", half_be, 5, H5T_NATIVE_FLOAT, halves.data());
    for (hid_t type : {bool_type, half_le, half_be}) H5Tclose(type);

    CHECK(read_all(path, "/b1", DType::b1) == std::vector<double>{1, 0, 0, 1, 1});
    CHECK(read_all(path, "/i8", DType::i8) == std::vector<double>{-128, -1, 0, 1, 127});
    CHECK(read_all(path, "/i16be", DType::i16) == std::vector<double>{-128, -1, 0, 1, 127});
    CHECK(read_all(path, "/u8", DType::u8) == std::vector<double>{0, 1, 200, 255});
    CHECK(read_all(path, "/u16be", DType::u16) == std::vector<double>{0, 1, 200, 255});
    CHECK(read_all(path, "/u32", DType::u32) == std::vector<double>{0, 1, 200, 255});
    CHECK(read_all(path, "/u64be", DType::u64) == std::vector<double>{0, 1, 200, 255, 9007199254740991.0});
    const std::vector<double> expected_halves(halves.begin(), halves.end());
    CHECK(read_all(path, "/f16", DType::f16) == expected_halves);
    CHECK(read_all(path, "/f16be", DType::f16) == expected_halves);
}

TEST_CASE("A uint64 dataset value of 2^53 or more is refused naming dataset and element", "[dtypes][small][io]") {
    const std::string path = temp_path("big.h5");
    const std::vector<std::uint64_t> values{3, 9007199254740992ULL};
    add_dataset(path, "/u64", H5T_STD_U64LE, 2, H5T_NATIVE_UINT64, values.data());
    CHECK_THROWS_WITH(read_all(path, "/u64", DType::u64),
                      Contains("holds the uint64 value 9007199254740992 at [1], of 2^53 or more"));
}

TEST_CASE("Outputs of the small dtypes are stored as h5py stores them, with numpy's values", "[dtypes][small][io]") {
    const std::string path = temp_path("outputs.h5");
    // Exact results as the engine computes them; numpy's values in each dtype are these wrapped around.
    const std::vector<double> values{-129, 0, 255, 256, 70000};
    {
        io::Hdf5OutputFile out(path);
        for (DType dtype : {DType::b1, DType::i8, DType::i16, DType::u8, DType::u16, DType::u32, DType::u64}) {
            auto dataset = out.create_pending(dtype_name(dtype), {5}, dtype);
            dataset->write({{0, 5}}, values.data());
            dataset->commit(false);
        }
        auto half = out.create_pending("float16", {5}, DType::f16);
        const std::vector<double> reals{0.1, -2.5, 65519.99, 70000, 1e-7};
        half->write({{0, 5}}, reals.data());
        half->commit(false);
    }
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    auto read_as_int64 = [&](const char* name, hid_t expected_type) {
        const hid_t dataset = H5Dopen2(file, name, H5P_DEFAULT);
        const hid_t type = H5Dget_type(dataset);
        CHECK(H5Tequal(type, expected_type) > 0);
        std::vector<std::int64_t> read(5);
        REQUIRE(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()) >= 0);
        H5Tclose(type);
        H5Dclose(dataset);
        return read;
    };
    // numpy: np.array([-129, 0, 255, 256, 70000]).astype(dtype)
    CHECK(read_as_int64("/int8", H5T_STD_I8LE) == std::vector<std::int64_t>{127, 0, -1, 0, 112});
    CHECK(read_as_int64("/int16", H5T_STD_I16LE) == std::vector<std::int64_t>{-129, 0, 255, 256, 4464});
    CHECK(read_as_int64("/uint8", H5T_STD_U8LE) == std::vector<std::int64_t>{127, 0, 255, 0, 112});
    CHECK(read_as_int64("/uint16", H5T_STD_U16LE) == std::vector<std::int64_t>{65407, 0, 255, 256, 4464});
    CHECK(read_as_int64("/uint32", H5T_STD_U32LE) == std::vector<std::int64_t>{4294967167, 0, 255, 256, 70000});
    {
        const hid_t dataset = H5Dopen2(file, "/uint64", H5P_DEFAULT);
        std::vector<std::uint64_t> read(5);
        REQUIRE(H5Dread(dataset, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()) >= 0);
        CHECK(read == std::vector<std::uint64_t>{18446744073709551487ULL, 0, 255, 256, 70000});
        H5Dclose(dataset);
    }
    {
        const hid_t bool_type = h5py_bool_type();
        const hid_t dataset = H5Dopen2(file, "/bool", H5P_DEFAULT);
        const hid_t type = H5Dget_type(dataset);
        CHECK(H5Tget_class(type) == H5T_ENUM);
        std::vector<std::int8_t> read(5);
        REQUIRE(H5Dread(dataset, bool_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, read.data()) >= 0);
        CHECK(read == std::vector<std::int8_t>{1, 0, 1, 1, 1});
        H5Tclose(type);
        H5Tclose(bool_type);
        H5Dclose(dataset);
    }
    {
        const hid_t half = h5py_float16_type(H5T_IEEE_F32LE);
        const hid_t dataset = H5Dopen2(file, "/float16", H5P_DEFAULT);
        const hid_t type = H5Dget_type(dataset);
        CHECK(H5Tequal(type, half) > 0);
        std::vector<std::uint16_t> bits(5);
        REQUIRE(H5Dread(dataset, half, H5S_ALL, H5S_ALL, H5P_DEFAULT, bits.data()) >= 0);
        // np.array([0.1, -2.5, 65519.99, 70000, 1e-7]).astype(np.float16).view(np.uint16)
        CHECK(bits == std::vector<std::uint16_t>{0x2e66, 0xc100, 0x7bff, 0x7c00, 0x0002});
        H5Tclose(type);
        H5Tclose(half);
        H5Dclose(dataset);
    }
    H5Fclose(file);
}

TEST_CASE("True and False in scripts are Python bools under numpy's value-based casting", "[dtypes][small][script]") {
    // Printed by numpy 1.24: (True * a).dtype, (a * False).dtype, ...
    CHECK(bound("True * U8").outputs.at(0).node->dtype == DType::u8);
    CHECK(bound("U8 * False").outputs.at(0).node->dtype == DType::u8);
    CHECK(bound("True * B").outputs.at(0).node->dtype == DType::b1);
    CHECK(bound("True * H").outputs.at(0).node->dtype == DType::f16);
    CHECK(bound("(True + True) * B").outputs.at(0).node->dtype == DType::i64);  // True + True is the int 2
    CHECK(bound("einsum('i,->i', U16, True)").outputs.at(0).node->dtype == DType::u16);
    CHECK(bound("np.where(B, F, False)").outputs.at(0).node->dtype == DType::f64);
    // None is still only for keyword arguments.
    CHECK_THAT(testing::bind_error("E = None * F\n", inputs()).message, Contains("'None' is not an array"));
}

TEST_CASE("Caller memory of the small dtypes is borrowed with its dtype and computed as numpy",
          "[dtypes][small][api]") {
    // A uint8 matrix (4 x 3) times a bool vector, and an int16 tensor's tiles: results exact, in numpy's dtype.
    const std::vector<std::uint8_t> image{200, 100, 3, 255, 255, 255, 0, 1, 2, 9, 8, 7};
    const std::vector<std::uint8_t> mask{1, 0, 1};  // numpy's bools: one byte, 0 or 1
    std::vector<std::int16_t> wide(std::size_t{6} * 5);
    for (std::size_t element = 0; element < wide.size(); ++element)
        wide[element] = static_cast<std::int16_t>(static_cast<int>(element * 997 % 2001) - 1000);
    Sources sources;
    const Tensor a = sources.memory("A", image.data(), DType::u8, {4, 3});
    const Tensor m = sources.memory("M", mask.data(), DType::b1, {3});
    const Tensor w = sources.memory("W", wide.data(), DType::i16, {6, 5});
    CHECK(a.node()->dtype == DType::u8);
    CHECK(m.node()->dtype == DType::b1);
    const Tensor dot = einsum("ij,j->i", {a, m});
    CHECK(dot.node()->dtype == DType::u8);
    // The exact sums; numpy's uint8 values are these modulo 256 (the HDF5 and Python outputs wrap them).
    CHECK(testing::compute_in_memory(sources, dot) == std::vector<double>{203, 510, 2, 16});
    const Tensor gram = einsum("ij,kj->ik", {w, w});
    std::vector<double> expected(36, 0.0);
    for (int i = 0; i < 6; ++i)
        for (int k = 0; k < 6; ++k)
            for (int j = 0; j < 5; ++j) expected[i * 6 + k] += double(wide[i * 5 + j]) * double(wide[k * 5 + j]);
    CHECK(testing::compute_in_memory(sources, gram) == expected);
    CHECK_THROWS_WITH(sources.memory("Z", image.data(), DType::c64, {1}), Contains("complex memory"));
}
