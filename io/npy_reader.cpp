#include "io/npy_reader.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/common/float16.hpp"
#include "io/contiguous_reads.hpp"
#include "io/exact_integers.hpp"

namespace tilesum::io {

namespace {

// One stored element to float64: `Value` at byte `offset` of an element of `element_bytes` (the real or the
// imaginary half of a complex), byte-swapped first when the file's byte order is not the host's.
template <class Value, bool swapped, std::size_t element_bytes, std::size_t offset>
void decode(const unsigned char* src, std::size_t count, double* dst) {
    for (std::size_t element = 0; element < count; ++element) {
        unsigned char bytes[sizeof(Value)];
        std::memcpy(bytes, src + element * element_bytes + offset, sizeof(Value));
        if constexpr (swapped) std::reverse(bytes, bytes + sizeof(Value));
        Value value;
        std::memcpy(&value, bytes, sizeof(Value));
        dst[element] = static_cast<double>(value);
    }
}

template <class Value, std::size_t element_bytes = sizeof(Value), std::size_t offset = 0>
ElementDecoder decoder(bool swapped) {
    return {element_bytes,
            swapped ? decode<Value, true, element_bytes, offset> : decode<Value, false, element_bytes, offset>};
}

template <class Part>
ElementDecoder complex_decoder(bool swapped, ValuePart part) {
    return part == ValuePart::real ? decoder<Part, 2 * sizeof(Part), 0>(swapped)
                                   : decoder<Part, 2 * sizeof(Part), sizeof(Part)>(swapped);
}

// numpy's bool (a byte, 0 or 1: any nonzero byte reads as true) and float16 (the IEEE half's bits), as `Value`s of
// decode: trivially copyable, converted to float64 explicitly.
struct StoredBool {
    std::uint8_t byte;
    explicit operator double() const { return byte != 0 ? 1.0 : 0.0; }
};
struct StoredFloat16 {
    std::uint16_t bits;
    explicit operator double() const { return float16_to_double(bits); }
};

// What a descr means to tilesum: the dtype the engine sees and how its elements are read.
struct ElementType {
    DType dtype;
    ElementDecoder decoder;
};

// What kind of dtype a descr tilesum does not read is, for the message; empty when the descr says it well enough.
std::string unsupported_descr_kind(const std::string& descr) {
    const char kind = descr.size() > 1 ? descr[1] : '?';
    if (kind == 'b' || kind == 'i' || kind == 'u') {
        // numpy's name: '|u1' is uint8. Bits only for sizes numpy has (a size of "16" would be int128).
        const std::string size = descr.substr(2);
        if (kind == 'b' && size == "1") return "bool";
        if (size == "1" || size == "2" || size == "4" || size == "8")
            return (kind == 'u' ? "uint" : "int") + std::to_string(std::stoi(size) * 8);
        return "";
    }
    switch (kind) {
        case 'O': return "Python objects";
        case 'U': return "unicode strings";
        case 'S':
        case 'a': return "byte strings";
        case 'V': return "raw bytes or records";
        case 'M': return "datetime64";
        case 'm': return "timedelta64";
        default: return "";
    }
}

// `part` matters only for complex types: which half of each element is read.
std::optional<ElementType> element_type(const std::string& descr, ValuePart part) {
    if (descr.size() < 3) return std::nullopt;
    const char order = descr[0];
    const char kind = descr[1];
    const std::string size = descr.substr(2);
    const bool one_byte = size == "1";
    // '|' is numpy's "byte order does not apply", only for one-byte types; '=' is the host's order.
    if (one_byte ? order != '|' && order != '<' && order != '>' && order != '='
                 : order != '<' && order != '>' && order != '=')
        return std::nullopt;
    const bool host_little = std::endian::native == std::endian::little;
    const bool file_little = order == '<' || (order == '=' && host_little);
    const bool swapped = !one_byte && file_little != host_little;
    // The engine's decoder reads little-endian float64 straight into the tile on a little-endian host.
    if (kind == 'f' && (size == "8" || size == "4") && !swapped && host_little) {
        const DType dtype = size == "8" ? DType::f64 : DType::f32;
        return ElementType{dtype, little_endian_float_decoder(dtype)};
    }
    if (kind == 'f' && size == "8") return ElementType{DType::f64, decoder<double>(swapped)};
    if (kind == 'f' && size == "4") return ElementType{DType::f32, decoder<float>(swapped)};
    if (kind == 'c' && size == "16") return ElementType{DType::c128, complex_decoder<double>(swapped, part)};
    if (kind == 'c' && size == "8") return ElementType{DType::c64, complex_decoder<float>(swapped, part)};
    if (kind == 'i' && size == "8") return ElementType{DType::i64, decoder<std::int64_t>(swapped)};
    if (kind == 'i' && size == "4") return ElementType{DType::i32, decoder<std::int32_t>(swapped)};
    if (kind == 'i' && size == "2") return ElementType{DType::i16, decoder<std::int16_t>(swapped)};
    if (kind == 'i' && size == "1") return ElementType{DType::i8, decoder<std::int8_t>(swapped)};
    if (kind == 'u' && size == "8") return ElementType{DType::u64, decoder<std::uint64_t>(swapped)};
    if (kind == 'u' && size == "4") return ElementType{DType::u32, decoder<std::uint32_t>(swapped)};
    if (kind == 'u' && size == "2") return ElementType{DType::u16, decoder<std::uint16_t>(swapped)};
    if (kind == 'u' && size == "1") return ElementType{DType::u8, decoder<std::uint8_t>(swapped)};
    if (kind == 'b' && size == "1") return ElementType{DType::b1, decoder<StoredBool>(swapped)};
    if (kind == 'f' && size == "2") return ElementType{DType::f16, decoder<StoredFloat16>(swapped)};
    return std::nullopt;
}

// The element count of `shape`, or nothing when it overflows 64 bits.
std::optional<std::uint64_t> checked_count(const Shape& shape, std::uint64_t element_bytes) {
    std::uint64_t bytes = element_bytes;
    for (Extent extent : shape)
        if (__builtin_mul_overflow(bytes, static_cast<std::uint64_t>(extent), &bytes)) return std::nullopt;
    return bytes;
}

// A Fortran-order hyperslab is read in pieces of at most this many elements (see read_fortran_order).
constexpr Extent fortran_piece_elements = Extent{1} << 15;

std::vector<double>& fortran_piece_buffer() {
    thread_local std::vector<double> buffer;
    return buffer;
}

}  // namespace

NpyReader::NpyReader(std::string file, ValuePart part)
    : file_(std::move(file)), part_(part), header_(read_npy_header(file_)) {
    const std::optional<ElementType> type = element_type(header_.descr, ValuePart::real);
    if (!type) {
        std::string message = "'" + file_;
        message += "' has dtype '" + header_.descr + "'";
        const std::string kind = unsupported_descr_kind(header_.descr);
        if (!kind.empty()) message.append(" (").append(kind).append(")");
        message +=
            "; tilesum reads bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, "
            "float64, complex64 and complex128";
        fail(ErrorKind::usage, message);
    }
    if (part == ValuePart::imag && !is_complex(type->dtype)) {
        std::string message = "'" + file_;
        message += "' holds real numbers (" + header_.descr + "); it has no imaginary part";
        fail(ErrorKind::usage, message);
    }
    const ElementDecoder decoder = element_type(header_.descr, part)->decoder;
    info_.shape = header_.shape;
    info_.dtype = type->dtype;

    const std::optional<std::uint64_t> data_bytes = checked_count(header_.shape, decoder.bytes);
    if (!data_bytes || header_.file_bytes < header_.data_offset + *data_bytes) {
        std::string message = "'" + file_;
        message +=
            "' is shorter than its header says: shape " + format_shape(header_.shape) + " of " + header_.descr +
            " takes " + (data_bytes ? std::to_string(*data_bytes) : std::string("more than 2^64")) +
            " bytes after the header, the file has " +
            std::to_string(header_.file_bytes > header_.data_offset ? header_.file_bytes - header_.data_offset : 0);
        fail(ErrorKind::usage, message);
    }
    Shape file_order_shape = header_.shape;
    if (header_.fortran_order) std::reverse(file_order_shape.begin(), file_order_shape.end());
    storage_ = std::make_unique<ContiguousReads>(file_, "", header_.data_offset, file_order_shape, decoder);
}

NpyReader::~NpyReader() = default;

const DatasetInfo& NpyReader::info() const { return info_; }
const std::string& NpyReader::file() const { return file_; }
std::string NpyReader::describe() const { return part_ == ValuePart::imag ? file_ + " (imaginary part)" : file_; }

void NpyReader::read(const Ranges& ranges, double* dst) {
    TILESUM_ASSERT(ranges.size() == info_.shape.size());
    for (std::size_t axis = 0; axis < ranges.size(); ++axis)
        TILESUM_ASSERT(0 <= ranges[axis].begin && ranges[axis].begin <= ranges[axis].end &&
                       ranges[axis].end <= info_.shape[axis]);
    if (element_count(range_shape(ranges)) == 0) return;
    if (header_.fortran_order && ranges.size() > 1)
        read_fortran_order(ranges, dst);
    else
        storage_->read(ranges, dst);
    if (info_.dtype == DType::i64 || info_.dtype == DType::u64) refuse_inexact_int64(ranges, dst);
}

// float64 holds integers exactly only below 2^53 in magnitude: an int64 or uint64 input beyond is refused (as by the HDF5
// reader) rather than computed with rounded. Converted values keep their order, so a magnitude of 2^53 or more
// after conversion means one at least that large in the file.
void NpyReader::refuse_inexact_int64(const Ranges& ranges, const double* values) const {
    const Extent count = element_count(range_shape(ranges));
    for (Extent element = 0; element < count; ++element) {
        if (int64_exact_in_float64(values[element])) continue;
        std::string message = "'";
        message += file_;
        message += info_.dtype == DType::u64 ? "' holds a uint64" : "' holds an int64";
        message += " value of magnitude 2^53 or more at [";
        message += format_element_index(ranges, element);
        message += "]: tilesum computes in float64, which cannot hold it exactly";
        fail(ErrorKind::usage, message);
    }
}

// The file holds the transpose in C order: a piece of the hyperslab is read with its axes reversed into a small
// per-thread buffer, then scattered into dst's C order. Pieces cover whole leading axes (those vary fastest in the
// file) and as much of the next as fits, and go in file order, so the runs read are as long as the layout allows
// and the extra memory is one piece, not a second tile.
void NpyReader::read_fortran_order(const Ranges& ranges, double* dst) const {
    const std::size_t rank = ranges.size();
    const Shape lengths = range_shape(ranges);
    std::vector<Extent> dst_strides(rank, 1);
    for (std::size_t axis = rank; axis-- > 1;) dst_strides[axis - 1] = dst_strides[axis] * lengths[axis];

    // Axes before `split` are read whole, axis `split` in steps of `step`, the later ones one index at a time.
    std::size_t split = 0;
    Extent inner = 1;
    while (split < rank && inner * lengths[split] <= fortran_piece_elements) inner *= lengths[split++];
    const Extent step = split == rank ? 0 : std::max<Extent>(1, fortran_piece_elements / inner);
    std::vector<double>& buffer = fortran_piece_buffer();
    buffer.resize(static_cast<std::size_t>(std::min(element_count(lengths), fortran_piece_elements)));

    std::vector<Extent> position(rank, 0);  // of the piece's first element, relative to the ranges' begins
    while (true) {
        Ranges piece = ranges;
        for (std::size_t axis = split; axis < rank; ++axis) {
            const Extent begin = ranges[axis].begin + position[axis];
            piece[axis] = {begin, axis == split ? std::min(begin + step, ranges[axis].end) : begin + 1};
        }
        storage_->read(Ranges(piece.rbegin(), piece.rend()), buffer.data());

        // The buffer is the piece in Fortran order: axis 0 varies fastest.
        const Shape piece_lengths = range_shape(piece);
        Extent target = 0;
        for (std::size_t axis = 0; axis < rank; ++axis) target += position[axis] * dst_strides[axis];
        std::vector<Extent> index(rank, 0);
        const Extent piece_count = element_count(piece_lengths);
        for (Extent element = 0; element < piece_count; ++element) {
            dst[target] = buffer[static_cast<std::size_t>(element)];
            for (std::size_t axis = 0; axis < rank; ++axis) {
                target += dst_strides[axis];
                if (++index[axis] < piece_lengths[axis]) break;
                target -= piece_lengths[axis] * dst_strides[axis];
                index[axis] = 0;
            }
        }

        if (split == rank) return;
        position[split] += step;
        if (position[split] < lengths[split]) continue;
        position[split] = 0;
        std::size_t axis = split + 1;
        while (axis < rank && ++position[axis] == lengths[axis]) position[axis++] = 0;
        if (axis == rank) return;
    }
}

void NpyReader::will_read_all(const std::atomic<bool>& cancel) noexcept { storage_->will_read_all(cancel); }

}  // namespace tilesum::io
