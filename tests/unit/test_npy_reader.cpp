// io/npy_reader: numpy .npy files read as float64 hyperslabs. The files are written here byte by byte, following
// numpy's format description (numpy/lib/format.py), independently of the reader: every dtype tilesum reads, both
// byte orders, C and Fortran order, format versions 1, 2 and 3, and each way a file can be malformed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/common/float16.hpp"
#include "io/input_reader.hpp"
#include "io/npy_reader.hpp"

#include "tests/unit/temp_paths.hpp"

using namespace tilesum;
using Catch::Matchers::Contains;

namespace {

std::string temp_path(const std::string& name) { return testing::fresh_temp_path("test_npy_reader", name); }

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(file.good());
}

// "(5, 7, 3)", "(5,)", "()": the shape as Python writes a tuple.
std::string python_tuple(const Shape& shape) {
    std::string text = "(";
    for (std::size_t axis = 0; axis < shape.size(); ++axis) text += (axis ? ", " : "") + std::to_string(shape[axis]);
    return text + (shape.size() == 1 ? ",)" : ")");
}

// Magic, version, little-endian header length and the dict, padded with spaces and a newline to a multiple of 64
// bytes, as numpy writes it.
std::string npy_header(const std::string& dict, int version) {
    const std::size_t length_bytes = version == 1 ? 2 : 4;
    std::string text = dict;
    while ((6 + 2 + length_bytes + text.size() + 1) % 64 != 0) text += ' ';
    text += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(version);
    bytes += '\0';
    for (std::size_t byte = 0; byte < length_bytes; ++byte)
        bytes += static_cast<char>((text.size() >> (8 * byte)) & 0xff);
    return bytes + text;
}

std::string npy_dict(const std::string& descr, bool fortran_order, const Shape& shape) {
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
           ", 'shape': " + python_tuple(shape) + ", }";
}

// The test arrays: element `flat` (its index in C order) has these parts. Small integers, so that every dtype
// holds them exactly.
double real_value(Extent flat) { return static_cast<double>((flat * 7) % 201) - 100; }
double imag_value(Extent flat) { return static_cast<double>((flat * 5) % 101 - 50) * 0.5; }

template <class Value>
void append_bytes(std::string& bytes, Value value, bool big_endian) {
    unsigned char raw[sizeof(Value)];
    std::memcpy(raw, &value, sizeof(Value));
    if (big_endian != (std::endian::native == std::endian::big)) std::reverse(raw, raw + sizeof(Value));
    bytes.append(reinterpret_cast<const char*>(raw), sizeof(Value));
}

struct DtypeCase {
    std::string descr;
    DType dtype;
    // Appends the element with C-order index `flat`.
    std::function<void(std::string&, Extent)> append;
    double scale = 1;  // floats hold value / 4, to test fractions
};

double expected_real(const DtypeCase& type, Extent flat) { return real_value(flat) / type.scale; }

template <class Value>
DtypeCase real_case(std::string descr, DType dtype, double scale = 1) {
    const bool big = descr[0] == '>';
    DtypeCase type{descr, dtype, {}, scale};
    type.append = [big, scale](std::string& bytes, Extent flat) {
        append_bytes(bytes, static_cast<Value>(real_value(flat) / scale), big);
    };
    return type;
}

template <class Part>
DtypeCase complex_case(std::string descr, DType dtype) {
    const bool big = descr[0] == '>';
    DtypeCase type{descr, dtype, {}, 4};
    type.append = [big](std::string& bytes, Extent flat) {
        append_bytes(bytes, static_cast<Part>(real_value(flat) / 4), big);
        append_bytes(bytes, static_cast<Part>(imag_value(flat)), big);
    };
    return type;
}

std::vector<DtypeCase> npy_dtype_cases() {
    std::vector<DtypeCase> types = {
        real_case<double>("<f8", DType::f64, 4),    real_case<double>(">f8", DType::f64, 4),
        real_case<float>("<f4", DType::f32, 4),     real_case<float>(">f4", DType::f32, 4),
        real_case<std::int64_t>("<i8", DType::i64), real_case<std::int64_t>(">i8", DType::i64),
        real_case<std::int32_t>("<i4", DType::i32), real_case<std::int32_t>(">i4", DType::i32),
        complex_case<double>("<c16", DType::c128),  complex_case<double>(">c16", DType::c128),
        complex_case<float>("<c8", DType::c64),     complex_case<float>(">c8", DType::c64),
    };
    return types;
}

// A dtype of which each element is `value(flat)`, stored as `Value` (Half: float16's bits).
struct Half {
    double value;
};
struct SmallCase {
    std::string descr;
    DType dtype;
    std::function<void(std::string&, Extent)> append;
    std::function<double(Extent)> value;
};

template <class Value>
SmallCase small_case(std::string descr, DType dtype, const std::function<double(Extent)>& value) {
    const bool big = descr[0] == '>';
    SmallCase type{descr, dtype, {}, value};
    type.append = [big, value](std::string& bytes, Extent flat) {
        if constexpr (std::is_same_v<Value, Half>)
            append_bytes(bytes, double_to_float16(value(flat)), big);
        else
            append_bytes(bytes, static_cast<Value>(value(flat)), big);
    };
    return type;
}

// The C-order index of each element in file order: C order itself, or Fortran order (axis 0 fastest).
std::vector<Extent> file_order(const Shape& shape, bool fortran_order) {
    const Extent count = element_count(shape);
    std::vector<Extent> order;
    order.reserve(static_cast<std::size_t>(count));
    const std::size_t rank = shape.size();
    std::vector<Extent> index(rank, 0);
    for (Extent element = 0; element < count; ++element) {
        Extent flat = 0;
        for (std::size_t axis = 0; axis < rank; ++axis) flat = flat * shape[axis] + index[axis];
        order.push_back(flat);
        // Advance the fastest axis of the file: the last for C order, the first for Fortran order.
        for (std::size_t step = 0; step < rank; ++step) {
            const std::size_t axis = fortran_order ? step : rank - 1 - step;
            if (++index[axis] < shape[axis]) break;
            index[axis] = 0;
        }
    }
    return order;
}

std::string write_npy(const std::string& path, const DtypeCase& type, const Shape& shape, bool fortran_order,
                      int version = 1) {
    std::string bytes = npy_header(npy_dict(type.descr, fortran_order, shape), version);
    for (Extent flat : file_order(shape, fortran_order)) type.append(bytes, flat);
    write_file(path, bytes);
    return path;
}

// What a hyperslab should hold: `value(flat)` for each element, in C order.
std::vector<double> expected_block(const Shape& shape, const Ranges& ranges,
                                   const std::function<double(Extent)>& value) {
    std::vector<double> block;
    const std::size_t rank = shape.size();
    const Shape lengths = range_shape(ranges);
    std::vector<Extent> index(rank, 0);
    for (Extent element = 0; element < element_count(lengths); ++element) {
        Extent flat = 0;
        for (std::size_t axis = 0; axis < rank; ++axis) flat = flat * shape[axis] + ranges[axis].begin + index[axis];
        block.push_back(value(flat));
        for (std::size_t axis = rank; axis-- > 0;) {
            if (++index[axis] < lengths[axis]) break;
            index[axis] = 0;
        }
    }
    return block;
}

std::vector<double> read_block(io::InputReader& reader, const Ranges& ranges) {
    std::vector<double> block(static_cast<std::size_t>(element_count(range_shape(ranges))), -12345.0);
    reader.read(ranges, block.data());
    return block;
}

Ranges random_ranges(const Shape& shape, std::mt19937& random) {
    Ranges ranges;
    for (Extent extent : shape) {
        std::uniform_int_distribution<Extent> pick(0, extent);
        Extent begin = pick(random), end = pick(random);
        if (begin > end) std::swap(begin, end);
        if (begin == end && end < extent) ++end;
        ranges.push_back({begin, end});
    }
    return ranges;
}

// The whole array, each row block, and random hyperslabs (fixed seed) match `value`.
void check_reads(io::InputReader& reader, const Shape& shape, const std::function<double(Extent)>& value) {
    CHECK(read_block(reader, full_ranges(shape)) == expected_block(shape, full_ranges(shape), value));
    std::mt19937 random(7);
    for (int trial = 0; trial < 20; ++trial) {
        const Ranges ranges = random_ranges(shape, random);
        INFO("hyperslab " << trial);
        CHECK(read_block(reader, ranges) == expected_block(shape, ranges, value));
    }
}

void require_usage_error(const std::function<void()>& open, const std::string& path, const std::string& fragment) {
    try {
        open();
        FAIL("expected an error containing '" << fragment << "'");
    } catch (const Error& error) {
        INFO(error.what());
        CHECK(error.kind() == ErrorKind::usage);
        CHECK_THAT(error.what(), Contains("'" + path + "'"));
        CHECK_THAT(error.what(), Contains(fragment));
    }
}

}  // namespace

TEST_CASE("Every dtype reads back as float64, in C and Fortran order, versions 1 and 2", "[io][npy]") {
    const Shape shape{5, 7, 3};
    for (const DtypeCase& type : npy_dtype_cases())
        for (bool fortran_order : {false, true})
            for (int version : {1, 2}) {
                INFO(type.descr << (fortran_order ? " Fortran order" : " C order") << " version " << version);
                const std::string path = write_npy(temp_path("dtype.npy"), type, shape, fortran_order, version);
                io::NpyReader reader(path);
                CHECK(reader.info().shape == shape);
                CHECK(reader.info().dtype == type.dtype);
                CHECK(reader.info().chunk_shape.empty());
                CHECK(reader.header().major_version == version);
                CHECK(reader.header().fortran_order == fortran_order);
                check_reads(reader, shape, [&](Extent flat) { return expected_real(type, flat); });
            }
}

TEST_CASE("The imaginary part of a complex file is read by a reader of its own", "[io][npy]") {
    const Shape shape{4, 6};
    for (const DtypeCase& type : npy_dtype_cases()) {
        if (!is_complex(type.dtype)) continue;
        for (bool fortran_order : {false, true}) {
            INFO(type.descr << (fortran_order ? " Fortran order" : " C order"));
            const std::string path = write_npy(temp_path("complex.npy"), type, shape, fortran_order);
            const auto imag = io::open_input(path, "", io::ValuePart::imag);
            CHECK(imag->info().dtype == type.dtype);
            CHECK(imag->describe() == path + " (imaginary part)");
            check_reads(*imag, shape, imag_value);
            const auto real = io::open_input(path, "", io::ValuePart::real);
            check_reads(*real, shape, [](Extent flat) { return real_value(flat) / 4; });
        }
    }
}

TEST_CASE("Format version 3 (utf-8 header) reads like version 1", "[io][npy]") {
    const DtypeCase type = real_case<double>("<f8", DType::f64, 4);
    const std::string path = write_npy(temp_path("v3.npy"), type, {3, 4}, false, 3);
    io::NpyReader reader(path);
    CHECK(reader.header().major_version == 3);
    check_reads(reader, {3, 4}, [&](Extent flat) { return expected_real(type, flat); });
}

TEST_CASE("Large Fortran-order files are read in pieces that reassemble any hyperslab", "[io][npy]") {
    // Wider than one transposition piece (2^15 elements) along the first axis, and along the second.
    for (const Shape& shape : {Shape{40000, 3}, Shape{300, 250}, Shape{20, 30, 70}}) {
        INFO("shape " << format_shape(shape));
        const DtypeCase type = real_case<double>(">f8", DType::f64, 4);
        const std::string path = write_npy(temp_path("large_fortran.npy"), type, shape, true);
        io::NpyReader reader(path);
        check_reads(reader, shape, [&](Extent flat) { return expected_real(type, flat); });
    }
}

TEST_CASE("A 0-d file has shape () and reads with no ranges; an empty one reads nothing", "[io][npy]") {
    const DtypeCase type = real_case<double>("<f8", DType::f64, 4);
    {
        const std::string path = write_npy(temp_path("scalar.npy"), type, {}, false);
        io::NpyReader reader(path);
        CHECK(reader.info().shape.empty());
        double value = 0;
        reader.read({}, &value);
        CHECK(value == expected_real(type, 0));
    }
    for (bool fortran_order : {false, true}) {
        const std::string path = write_npy(temp_path("empty.npy"), type, {3, 0, 2}, fortran_order);
        io::NpyReader reader(path);
        CHECK(reader.info().shape == Shape{3, 0, 2});
        double untouched = 7;
        reader.read(full_ranges({3, 0, 2}), &untouched);
        CHECK(untouched == 7);
    }
}

TEST_CASE("Header dicts are parsed in any key order, quoting and spacing numpy may write", "[io][npy]") {
    const std::string path = temp_path("spacing.npy");
    std::string bytes = npy_header(R"({"shape":(2,3L,),  "fortran_order":False,'descr':'<i8'})", 1);
    const std::size_t header_bytes = bytes.size();
    for (Extent flat = 0; flat < 6; ++flat) append_bytes(bytes, static_cast<std::int64_t>(flat), false);
    write_file(path, bytes);
    const io::NpyHeader header = io::read_npy_header(path);
    CHECK(header.descr == "<i8");
    CHECK(header.shape == Shape{2, 3});
    CHECK_FALSE(header.fortran_order);
    CHECK(header.data_offset == header_bytes);
    io::NpyReader reader(path);
    check_reads(reader, {2, 3}, [](Extent flat) { return static_cast<double>(flat); });
}

TEST_CASE("open_input reads .npy files by their name and refuses a dataset path in them", "[io][npy][errors]") {
    const DtypeCase type = real_case<float>("<f4", DType::f32, 4);
    const std::string path = write_npy(temp_path("routed.npy"), type, {4}, false);
    const auto reader = io::open_input(path, "");
    CHECK(reader->describe() == path);
    CHECK(reader->info().dtype == DType::f32);
    check_reads(*reader, {4}, [&](Extent flat) { return expected_real(type, flat); });
    require_usage_error([&] { io::open_input(path, "/A"); }, path, "no dataset '/A'");
}

TEST_CASE("A file that is not .npy, is truncated or has another version is refused naming it", "[io][npy][errors]") {
    const std::string path = temp_path("malformed.npy");
    const auto open = [&] { io::NpyReader reader(path); };
    const std::string header = npy_header(npy_dict("<f8", false, {2, 2}), 1);
    const std::string good = header + std::string(32, '\0');

    write_file(path, "x = 1\n");
    require_usage_error(open, path, "is not a .npy file");
    write_file(path, "");
    require_usage_error(open, path, "is not a .npy file");
    write_file(path, good.substr(0, 7));
    require_usage_error(open, path, "truncated");
    write_file(path, good.substr(0, 9));
    require_usage_error(open, path, "truncated");
    write_file(path, good.substr(0, 40));
    require_usage_error(
        open, path,
        "truncated: its .npy header says " + std::to_string(header.size() - 10) + " bytes, the file ends after 30");
    std::string version_4 = good;
    version_4[6] = 4;
    write_file(path, version_4);
    require_usage_error(open, path, "format version 4.0");
    std::filesystem::remove(path);
    require_usage_error(open, path, "no such file");
}

TEST_CASE("A file shorter than its header says is refused with both lengths", "[io][npy][errors]") {
    const std::string path = temp_path("short.npy");
    write_file(path, npy_header(npy_dict("<c16", false, {3, 5}), 2) + std::string(16 * 15 - 1, '\0'));
    require_usage_error(
        [&] { io::NpyReader reader(path); }, path,
        "shorter than its header says: shape (3, 5) of <c16 takes 240 bytes after the header, the file has 239");
    write_file(path, npy_header(npy_dict("<f8", false, {1LL << 40, 1LL << 40}), 1));
    require_usage_error([&] { io::NpyReader reader(path); }, path, "more than 2^64");
}

TEST_CASE("Unsupported dtypes are refused naming the file and the dtype", "[io][npy][errors]") {
    const std::string path = temp_path("dtype_error.npy");
    const auto open = [&] { io::NpyReader reader(path); };
    const std::vector<std::pair<std::string, std::string>> cases = {{"|O", "'|O' (Python objects)"},
                                                                    {"<U5", "'<U5' (unicode strings)"},
                                                                    {"|S3", "'|S3' (byte strings)"},
                                                                    {"|V8", "'|V8' (raw bytes or records)"},
                                                                    {"<M8[ns]", "'<M8[ns]' (datetime64)"},
                                                                    {"<f16", "'<f16';"},
                                                                    {"|f8", "'|f8';"}};
    for (const auto& [descr, name] : cases) {
        INFO(descr);
        write_file(path, npy_header(npy_dict(descr, false, {2}), 1) + std::string(64, '\0'));
        require_usage_error(open, path, "has dtype " + name);
    }
    write_file(path, npy_header("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", 1) +
                         std::string(24, '\0'));
    require_usage_error(open, path, "structured dtype");
}

TEST_CASE("bool, int8, int16, unsigned ints and float16 read as float64, either byte order", "[io][npy]") {
    // numpy computes in them (uint8 + uint8 wraps at 256); tilesum reads them exactly and wraps results where they
    // are written (io/exact_integers.hpp).
    const Shape shape{4, 5};
    const auto unsigned_value = [](Extent flat) { return real_value(flat) + 100; };  // 0..200
    const auto signed_value = [](Extent flat) { return real_value(flat); };          // -100..100
    const auto bool_value = [](Extent flat) { return flat % 3 == 0 ? 1.0 : 0.0; };
    const auto half_value = [](Extent flat) { return real_value(flat) / 8; };  // exact in float16
    const std::vector<SmallCase> cases = {
        small_case<std::uint8_t>("|b1", DType::b1, bool_value),
        small_case<std::int8_t>("|i1", DType::i8, signed_value),
        small_case<std::uint8_t>("|u1", DType::u8, unsigned_value),
        small_case<std::int16_t>("<i2", DType::i16, signed_value),
        small_case<std::int16_t>(">i2", DType::i16, signed_value),
        small_case<std::uint16_t>("<u2", DType::u16, unsigned_value),
        small_case<std::uint16_t>(">u2", DType::u16, unsigned_value),
        small_case<std::uint32_t>("<u4", DType::u32, unsigned_value),
        small_case<std::uint32_t>(">u4", DType::u32, unsigned_value),
        small_case<std::uint64_t>("<u8", DType::u64, unsigned_value),
        small_case<std::uint64_t>(">u8", DType::u64, unsigned_value),
        small_case<Half>("<f2", DType::f16, half_value),
        small_case<Half>(">f2", DType::f16, half_value),
    };
    for (const SmallCase& type : cases)
        for (bool fortran_order : {false, true}) {
            INFO(type.descr << (fortran_order ? " Fortran order" : " C order"));
            const std::string path = temp_path("small.npy");
            std::string bytes = npy_header(npy_dict(type.descr, fortran_order, shape), 1);
            for (Extent flat : file_order(shape, fortran_order)) type.append(bytes, flat);
            write_file(path, bytes);
            io::NpyReader reader(path);
            CHECK(reader.info().dtype == type.dtype);
            check_reads(reader, shape, type.value);
        }
}

TEST_CASE("A uint64 value of 2^53 or more is refused: float64 cannot hold it exactly", "[io][npy][errors]") {
    const std::string path = temp_path("big_uint64.npy");
    std::string bytes = npy_header(npy_dict("<u8", false, {3}), 1);
    for (std::uint64_t value : {std::uint64_t{5}, (std::uint64_t{1} << 53) - 1, std::uint64_t{1} << 53})
        append_bytes(bytes, value, false);
    write_file(path, bytes);
    io::NpyReader reader(path);
    std::vector<double> first(2);
    reader.read({{0, 2}}, first.data());
    CHECK(first == std::vector<double>{5, 9007199254740991.0});
    std::vector<double> all(3);
    CHECK_THROWS_WITH(reader.read({{0, 3}}, all.data()),
                      Contains("holds a uint64 value of magnitude 2^53 or more at [2]"));
}

TEST_CASE("Malformed header dicts are refused saying what is wrong", "[io][npy][errors]") {
    const std::string path = temp_path("dict_error.npy");
    const auto open = [&] { io::NpyReader reader(path); };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{'descr': '<f8', 'shape': (2,), }", "'fortran_order' is missing"},
        {"{'descr': '<f8', 'fortran_order': false, 'shape': (2,), }", "neither True nor False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", "non-negative integers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected key 'extra'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", "'descr' appears twice"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x", "text after the closing '}'"},
        {"['descr', '<f8']", "expected '{'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2 3)}", "expected ',' or ')'"},
    };
    for (const auto& [dict, fragment] : cases) {
        INFO(dict);
        write_file(path, npy_header(dict, 1) + std::string(16, '\0'));
        require_usage_error(open, path, "has a malformed .npy header: ");
        require_usage_error(open, path, fragment);
    }
}

TEST_CASE("Only a complex file has an imaginary part", "[io][npy][errors]") {
    const std::string path = write_npy(temp_path("real_only.npy"), real_case<double>("<f8", DType::f64), {3}, false);
    require_usage_error([&] { io::open_input(path, "", io::ValuePart::imag); }, path, "has no imaginary part");
}
