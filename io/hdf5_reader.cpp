#include "io/hdf5_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "io/chunk_decode.hpp"
#include "io/contiguous_reads.hpp"
#include "io/exact_integers.hpp"
#include "io/gzip_chunk_reads.hpp"
#include "io/hdf5_calls.hpp"
#include "io/small_dtypes.hpp"

namespace tilesum::io {

struct Hdf5DatasetReader::State {
    h5::Where where;
    h5::Handle file;
    h5::Handle dataset;
    DatasetInfo info;
    // For a complex dataset: a compound holding only the float64 field of the part read; HDF5 reads that field alone.
    h5::Handle part_memory_type;
    std::unique_ptr<ContiguousReads> direct;  // set when the data can be read without HDF5 (contiguous_reads.hpp)
    std::unique_ptr<GzipChunkReads> gzip;     // set when chunks can be decompressed outside HDF5 (gzip_chunk_reads.hpp)
};

namespace {

// How numpy would name the stored type, for the "unsupported dtype" message.
std::string dtype_description(const h5::Where& where, hid_t type) {
    const std::string bits = std::to_string(h5::type_size(where, type) * 8);
    switch (h5::type_class(where, type)) {
        case H5T_INTEGER: return (h5::type_sign(where, type) == H5T_SGN_NONE ? "uint" : "int") + bits;
        case H5T_FLOAT: {
            // float16 has class H5T_FLOAT too; a 32- or 64-bit float that is not IEEE is laid out otherwise.
            const bool ieee =
                h5::type_equal(where, type, H5T_IEEE_F32LE) || h5::type_equal(where, type, H5T_IEEE_F32BE) ||
                h5::type_equal(where, type, H5T_IEEE_F64LE) || h5::type_equal(where, type, H5T_IEEE_F64BE);
            return "float" + bits + (!ieee && (bits == "32" || bits == "64") ? " (non-IEEE layout)" : "");
        }
        case H5T_STRING: return "string";
        case H5T_COMPOUND: {
            std::string fields;
            const int count = h5::type_member_count(where, type);
            for (int member = 0; member < count; ++member) {
                if (member) fields += ", ";
                fields += h5::type_member_name(where, type, member) + ": ";
                fields += dtype_description(where, h5::type_member_type(where, type, member).get());
            }
            return "compound {" + fields + "}";
        }
        case H5T_ENUM: return "enum";
        case H5T_ARRAY: return "array";
        case H5T_VLEN: return "variable-length";
        case H5T_BITFIELD: return "bitfield" + bits;
        case H5T_OPAQUE: return "opaque";
        case H5T_REFERENCE: return "reference";
        default: return "an unknown type";
    }
}

// float16 has class H5T_FLOAT too, so compare with the exact IEEE types rather than trusting class and size.
// The caller holds hdf5_mutex(): the H5T_IEEE_* macros call into HDF5.
std::optional<DType> supported_real_dtype(const h5::Where& where, hid_t type) {
    if (h5::type_equal(where, type, H5T_IEEE_F64LE) || h5::type_equal(where, type, H5T_IEEE_F64BE)) return DType::f64;
    if (h5::type_equal(where, type, H5T_IEEE_F32LE) || h5::type_equal(where, type, H5T_IEEE_F32BE)) return DType::f32;
    if (h5::type_equal(where, type, H5T_STD_I64LE) || h5::type_equal(where, type, H5T_STD_I64BE)) return DType::i64;
    if (h5::type_equal(where, type, H5T_STD_I32LE) || h5::type_equal(where, type, H5T_STD_I32BE)) return DType::i32;
    // bool, int8, int16, the unsigned ints and float16: read through HDF5 (small_dtypes.hpp).
    return hdf5_small_dtype(where, type);
}

// h5py's complex numbers: a compound of exactly two fields `r` and `i` of the same float type.
std::optional<DType> supported_complex_dtype(const h5::Where& where, hid_t type) {
    if (h5::type_class(where, type) != H5T_COMPOUND || h5::type_member_count(where, type) != 2) return std::nullopt;
    if (h5::type_member_name(where, type, 0) != "r" || h5::type_member_name(where, type, 1) != "i") return std::nullopt;
    const h5::Handle real = h5::type_member_type(where, type, 0);
    const h5::Handle imag = h5::type_member_type(where, type, 1);
    const std::optional<DType> part = supported_real_dtype(where, real.get());
    if (!part || !h5::type_equal(where, real.get(), imag.get())) return std::nullopt;
    if (*part == DType::f32) return DType::c64;
    if (*part == DType::f64) return DType::c128;
    return std::nullopt;
}

std::optional<DType> supported_dtype(const h5::Where& where, hid_t type) {
    if (const auto real = supported_real_dtype(where, type)) return real;
    return supported_complex_dtype(where, type);
}

// "; the file's top level has: /B, /C" so that a typo is easy to fix.
std::string top_level_hint(const h5::Where& where, hid_t file) {
    constexpr std::size_t max_names = 8;
    std::vector<std::string> names = h5::group_link_names(where, file, max_names + 1);
    std::erase_if(names, [](const std::string& name) { return name.starts_with(".tilesum-partial-"); });
    if (names.empty()) return "; the file has no top-level objects";
    std::string hint = "; the file's top level has: ";
    for (std::size_t name_idx = 0; name_idx < names.size() && name_idx < max_names; ++name_idx)
        hint += (name_idx ? ", /" : "/") + names[name_idx];
    return names.size() > max_names ? hint + ", ..." : hint;
}

// A name as messages show it: whole up to 80 characters, else its start and its length, so that the error stays one
// readable line when a script names its input with a 10 MB word.
std::string shown_name(const std::string& name) {
    constexpr std::size_t max_chars = 80;
    if (name.size() <= max_chars) return name;
    std::string shown = name.substr(0, max_chars - 3);
    return shown.append("... (").append(std::to_string(name.size())).append(" characters)");
}

// TILESUM_HDF5_READS=1 sends every read through HDF5: the tests compare both paths, and a user can rule the
// direct path out when in doubt.
bool direct_reads_allowed() {
    const char* value = std::getenv("TILESUM_HDF5_READS");
    return value == nullptr || std::string(value) != "1";
}

}  // namespace

Hdf5DatasetReader::Hdf5DatasetReader(std::string file, const std::string& dataset, ValuePart part)
    : state_(std::make_unique<State>()) {
    State& state = *state_;
    state.where = {std::move(file), h5::absolute_path(dataset)};
    const std::string& path = state.where.file;
    const std::string& name = state.where.dataset;
    const h5::Where file_where{path, ""};

    require_input_file(path, "an HDF5 file");
    // HDF5 would report it as a failed open (an io error) with its internals in the message.
    if (::access(path.c_str(), R_OK) != 0 && errno == EACCES)
        fail(ErrorKind::usage, "cannot read '" + path + "': permission denied");

    std::lock_guard lock(hdf5_mutex());
    if (!h5::file_is_hdf5(file_where)) fail(ErrorKind::usage, "'" + path + "' is not an HDF5 file");
    state.file = h5::file_open(file_where, /*read_write=*/false);

    switch (h5::find_object(state.where, state.file.get(), name)) {
        case h5::ObjectKind::dataset: break;
        case h5::ObjectKind::missing:
            fail(ErrorKind::usage, "no dataset '" + shown_name(name) + "' in '" + path + "'" +
                                       top_level_hint(file_where, state.file.get()));
        case h5::ObjectKind::group:
            fail(ErrorKind::usage, "'" + name + "' in '" + path + "' is a group, not a dataset");
        case h5::ObjectKind::other:
            fail(ErrorKind::usage, "'" + name + "' in '" + path + "' is a named datatype, not a dataset");
    }
    state.dataset = h5::dataset_open(state.where, state.file.get(), name);

    const h5::Handle space = h5::dataset_space(state.where, state.dataset.get());
    const H5S_class_t space_kind = h5::space_class(state.where, space.get());
    if (space_kind == H5S_NULL)
        fail(ErrorKind::usage, state.where.describe() + " holds no data (null dataspace); tilesum reads arrays");
    if (space_kind == H5S_SIMPLE) state.info.shape = h5::space_extent(state.where, space.get());
    // The planner cuts tiles along chunk boundaries (engine/plan/chunk_alignment.hpp), so that no chunk is read,
    // and for a compressed one decompressed, by two tiles' hyperslabs where one would do.
    state.info.chunk_shape =
        h5::plist_chunk(state.where, h5::dataset_create_plist(state.where, state.dataset.get()).get());
    // Filtered (gzip) chunks read many times slower per byte than plain ones; the cost model prices them apart.
    state.info.filtered =
        !state.info.chunk_shape.empty() &&
        h5::plist_filtered(state.where, h5::dataset_create_plist(state.where, state.dataset.get()).get());

    const h5::Handle type = h5::dataset_type(state.where, state.dataset.get());
    const std::optional<DType> dtype = supported_dtype(state.where, type.get());
    if (!dtype)
        fail(ErrorKind::usage, state.where.describe() + " has dtype " + dtype_description(state.where, type.get()) +
                                   "; tilesum reads bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
                                   "float16, float32, float64, complex64 and complex128 (as h5py stores them: bool "
                                   "as an enum FALSE/TRUE, complex as a compound of two floats r and i)");
    state.info.dtype = *dtype;
    // Only the CLI asks for parts, and only of the complex inputs it split (expr/complex_split.hpp).
    TILESUM_ASSERT(part == ValuePart::real || is_complex(*dtype));
    if (is_complex(*dtype))
        state.part_memory_type = h5::type_create_compound(
            state.where, sizeof(double), {{part == ValuePart::real ? "r" : "i", 0, H5T_NATIVE_DOUBLE}});

    const bool little_endian_float = h5::type_equal(state.where, type.get(), H5T_IEEE_F64LE) ||
                                     h5::type_equal(state.where, type.get(), H5T_IEEE_F32LE);
    if (std::endian::native == std::endian::little && little_endian_float && direct_reads_allowed())
        if (const auto offset = h5::contiguous_data_offset(state.where, state.file.get(), state.dataset.get()))
            state.direct = std::make_unique<ContiguousReads>(path, name, *offset, state.info.shape, state.info.dtype);
    const bool little_endian_int = h5::type_equal(state.where, type.get(), H5T_STD_I32LE) ||
                                   h5::type_equal(state.where, type.get(), H5T_STD_I64LE);
    if (std::endian::native == std::endian::little && (little_endian_float || little_endian_int) &&
        direct_reads_allowed() && !state.info.chunk_shape.empty())
        state.gzip = GzipChunkReads::open(state.where, state.dataset.get(), state.info.shape, state.info.chunk_shape,
                                          state.info.dtype);
}

Hdf5DatasetReader::~Hdf5DatasetReader() = default;
Hdf5DatasetReader::Hdf5DatasetReader(Hdf5DatasetReader&&) noexcept = default;
Hdf5DatasetReader& Hdf5DatasetReader::operator=(Hdf5DatasetReader&&) noexcept = default;

const DatasetInfo& Hdf5DatasetReader::info() const { return state_->info; }
const std::string& Hdf5DatasetReader::file() const { return state_->where.file; }
const std::string& Hdf5DatasetReader::dataset() const { return state_->where.dataset; }
std::string Hdf5DatasetReader::describe() const { return state_->where.file + ":" + state_->where.dataset; }

namespace {

// HDF5 asks for a prime number of hash slots, about 100 per chunk the cache holds, to keep collisions rare
// (H5Pset_chunk_cache's documentation).
std::size_t chunk_cache_slots(std::size_t chunks) {
    auto is_prime = [](std::size_t number) {
        for (std::size_t divisor = 2; divisor * divisor <= number; ++divisor)
            if (number % divisor == 0) return false;
        return number > 1;
    };
    std::size_t slots = std::max<std::size_t>(521, 100 * chunks);  // 521: HDF5's default
    while (!is_prime(slots)) ++slots;
    return slots;
}

}  // namespace

void Hdf5DatasetReader::set_chunk_cache(std::size_t bytes) {
    State& state = *state_;
    if (state.info.chunk_shape.empty()) return;
    const std::size_t chunk_bytes =
        static_cast<std::size_t>(element_count(state.info.chunk_shape)) * dtype_size(state.info.dtype);
    // Tiles read parts of the same chunks. Through a cache that holds a chunk, each is decompressed once; outside
    // HDF5 it would be decompressed once per tile that reads part of it (in parallel, but the work is multiplied).
    // HDF5 caches no chunk larger than its cache: then the parallel path does no more work than HDF5 would.
    if (bytes >= chunk_bytes) state.gzip.reset();
    constexpr std::size_t hdf5_default_cache_bytes = std::size_t{1} << 20;  // what the dataset already has
    if (bytes <= hdf5_default_cache_bytes) return;
    std::lock_guard lock(hdf5_mutex());
    const h5::Handle access = h5::plist_create(state.where, H5P_DATASET_ACCESS);
    h5::plist_set_chunk_cache(state.where, access.get(),
                              chunk_cache_slots(bytes / std::max<std::size_t>(chunk_bytes, 1) + 1), bytes);
    // Closed first: H5Dopen2 of a dataset that is still open returns the open one, with its old cache.
    state.dataset.reset();
    state.dataset = h5::dataset_open(state.where, state.file.get(), state.where.dataset, access.get());
}

void Hdf5DatasetReader::will_read_all(const std::atomic<bool>& cancel) noexcept {
    if (state_->direct) state_->direct->will_read_all(cancel);
}

namespace {

// dst holds `count` int64 values (as read); each becomes its float64 value. Error(usage) naming the file, dataset
// and element for a magnitude of 2^53 or more, where float64 stops being exact (the output writer draws the same line).
void convert_exact_int64_in_place(double* dst, Extent count, const h5::Where& where, const Ranges& ranges) {
    for (Extent element = 0; element < count; ++element) {
        std::int64_t value;
        std::memcpy(&value, dst + element, sizeof value);
        if (!int64_exact_in_float64(value)) {
            std::string message = where.describe();
            message += " holds the int64 value ";
            message += std::to_string(value);
            message += " at [";
            message += format_element_index(ranges, element);
            message += "], of magnitude 2^53 or more: tilesum computes in float64, which cannot hold it exactly";
            fail(ErrorKind::usage, message);
        }
        dst[element] = static_cast<double>(value);
    }
}

}  // namespace

void Hdf5DatasetReader::read(const Ranges& ranges, double* dst) {
    const State& state = *state_;
    h5::check_ranges(ranges, state.info.shape);
    const Shape block = range_shape(ranges);
    if (element_count(block) == 0) return;
    if (state.direct) {
        state.direct->read(ranges, dst);
        return;
    }
    if (state.gzip) {
        state.gzip->read(state.dataset.get(), ranges, dst);
        // The slots hold the stored elements: widen them, or check int64 values as the H5Dread path below does.
        if (state.info.dtype == DType::i64)
            convert_exact_int64_in_place(dst, element_count(block), state.where, ranges);
        else
            widen_stored_elements(state.info.dtype, dst, static_cast<std::size_t>(element_count(block)));
        return;
    }

    std::lock_guard lock(hdf5_mutex());
    const h5::Handle file_space = h5::dataset_space(state.where, state.dataset.get());
    h5::space_select(state.where, file_space.get(), ranges);
    const h5::Handle memory_space = h5::space_create(state.where, block);
    if (is_small_dtype(state.info.dtype)) {
        // Read in the stored layout (native byte order) into the front of dst, then widened to float64 in place.
        const h5::Handle memory_type = hdf5_small_memory_type(state.where, state.info.dtype);
        h5::dataset_read(state.where, state.dataset.get(), memory_space.get(), file_space.get(), dst,
                         memory_type.get());
        const Extent count = element_count(block);
        const Extent inexact = widen_small_in_place(state.info.dtype, dst, count);
        if (inexact != count) {
            std::uint64_t value;
            std::memcpy(&value, dst + inexact, sizeof value);
            fail(ErrorKind::usage, state.where.describe() + " holds the uint64 value " + std::to_string(value) +
                                       " at [" + format_element_index(ranges, inexact) +
                                       "], of 2^53 or more: tilesum computes in float64, which cannot hold it exactly");
        }
        return;
    }
    if (state.info.dtype == DType::i64) {
        // float64 holds integers exactly only up to 2^53: read the int64 values in place (same 8 bytes) and refuse
        // one beyond, rather than compute with a rounded input where numpy would be exact.
        h5::dataset_read(state.where, state.dataset.get(), memory_space.get(), file_space.get(), dst, H5T_NATIVE_INT64);
        convert_exact_int64_in_place(dst, element_count(block), state.where, ranges);
        return;
    }
    h5::dataset_read(state.where, state.dataset.get(), memory_space.get(), file_space.get(), dst,
                     state.part_memory_type.valid() ? state.part_memory_type.get() : H5T_NATIVE_DOUBLE);
}

}  // namespace tilesum::io
