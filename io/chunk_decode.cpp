#include "io/chunk_decode.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::io {

namespace {

// The runs a chunk contributes to a hyperslab, in the chunk's element order: each run is consecutive elements both in
// the chunk and in the destination. Inner axes that both the chunk's part and the destination cover whole merge into
// one run (a chunk of whole rows inside a tile of whole rows is one run); the outer axes are counted by an odometer,
// so no list of runs is ever built.
class RunCursor {
public:
    explicit RunCursor(const ChunkPlacement& placement) : rank_(placement.chunk_shape.size()) {
        const Shape& chunk = placement.chunk_shape;
        const Shape block = range_shape(placement.ranges);
        low_.resize(rank_);
        lengths_.resize(rank_);
        chunk_strides_.assign(rank_, 1);
        dst_strides_.assign(rank_, 1);
        for (std::size_t axis = rank_; axis-- > 1;) {
            chunk_strides_[axis - 1] = chunk_strides_[axis] * chunk[axis];
            dst_strides_[axis - 1] = dst_strides_[axis] * block[axis];
        }
        for (std::size_t axis = 0; axis < rank_; ++axis) {
            const Range& range = placement.ranges[axis];
            const Extent begin = std::max(placement.chunk_origin[axis], range.begin);
            const Extent end = std::min(placement.chunk_origin[axis] + chunk[axis], range.end);
            TILESUM_ASSERT(begin < end);
            low_[axis] = {begin - placement.chunk_origin[axis], begin - range.begin};
            lengths_[axis] = end - begin;
        }
        // The run spans axes [outer_, rank): every axis inside the first one is whole in chunk and destination.
        outer_ = rank_ == 0 ? 0 : rank_ - 1;
        while (outer_ > 0 && lengths_[outer_] == chunk[outer_] && lengths_[outer_] == block[outer_]) --outer_;
        run_length_ = rank_ == 0 ? 1 : lengths_[outer_] * chunk_strides_[outer_];
        index_.resize(outer_);
        reset();
    }

    void reset() {
        std::fill(index_.begin(), index_.end(), 0);
        done_ = false;
        place();
    }
    bool done() const { return done_; }
    Extent chunk_begin() const { return chunk_begin_; }
    Extent chunk_end() const { return chunk_begin_ + run_length_; }
    Extent dst_begin() const { return dst_begin_; }
    void next() {
        std::size_t axis = outer_;
        while (axis > 0 && ++index_[axis - 1] == lengths_[axis - 1]) index_[--axis] = 0;
        if (axis == 0) {
            done_ = true;
            return;
        }
        place();
    }

    // Calls visit(chunk_element, dst_element, count) for the parts of runs inside chunk elements [first, last), which
    // must follow the previous call's (or start a reset cursor's) elements.
    template <class Visit>
    void visit(Extent first, Extent last, Visit&& visit) {
        while (!done_ && chunk_begin_ < last) {
            const Extent begin = std::max(chunk_begin_, first), end = std::min(chunk_end(), last);
            if (begin < end) visit(begin, dst_begin_ + (begin - chunk_begin_), end - begin);
            if (chunk_end() > last) break;
            next();
        }
    }

private:
    void place() {
        chunk_begin_ = 0;
        dst_begin_ = 0;
        for (std::size_t axis = 0; axis < rank_; ++axis) {
            const Extent offset = axis < outer_ ? index_[axis] : 0;
            chunk_begin_ += (low_[axis].first + offset) * chunk_strides_[axis];
            dst_begin_ += (low_[axis].second + offset) * dst_strides_[axis];
        }
    }

    std::size_t rank_;
    std::size_t outer_ = 0;
    std::vector<std::pair<Extent, Extent>> low_;  // per axis: first element of the part, in the chunk and in dst
    std::vector<Extent> lengths_;                 // per axis: the part's length
    std::vector<Extent> chunk_strides_, dst_strides_, index_;
    Extent run_length_ = 0;
    Extent chunk_begin_ = 0, dst_begin_ = 0;
    bool done_ = false;
};

// Places decoded stream bytes [position, position + size) of a chunk of `elements` elements.
class Placer {
public:
    Placer(const ChunkPlacement& placement, std::size_t element_bytes, bool shuffled, double* dst)
        : cursor_(placement),
          elements_(element_count(placement.chunk_shape)),
          element_bytes_(element_bytes),
          shuffled_(shuffled),
          dst_(reinterpret_cast<unsigned char*>(dst)) {}

    std::size_t stream_bytes() const { return static_cast<std::size_t>(elements_) * element_bytes_; }

    // `position` and `size` are multiples of the element size (the window is), except at the stream's end.
    void place(const unsigned char* bytes, std::size_t position, std::size_t size) {
        if (shuffled_) {
            place_planes(bytes, position, size);
            return;
        }
        const auto first = static_cast<Extent>(position / element_bytes_);
        const auto last = static_cast<Extent>((position + size) / element_bytes_);
        cursor_.visit(first, last, [&](Extent chunk_element, Extent dst_element, Extent count) {
            const unsigned char* src = bytes + (static_cast<std::size_t>(chunk_element - first) * element_bytes_);
            unsigned char* out = dst_ + static_cast<std::size_t>(dst_element) * sizeof(double);
            if (element_bytes_ == sizeof(double)) {
                std::memcpy(out, src, static_cast<std::size_t>(count) * sizeof(double));
                return;
            }
            for (Extent element = 0; element < count; ++element)
                std::memcpy(out + element * sizeof(double), src + element * element_bytes_, element_bytes_);
        });
    }

private:
    // Shuffled: the stream is plane 0 (byte 0 of every element), plane 1, ...; a window may span planes.
    void place_planes(const unsigned char* bytes, std::size_t position, std::size_t size) {
        const auto plane_bytes = static_cast<std::size_t>(elements_);
        for (std::size_t at = position; at < position + size;) {
            const std::size_t plane = at / plane_bytes;
            const std::size_t plane_end = std::min((plane + 1) * plane_bytes, position + size);
            const auto first = static_cast<Extent>(at - plane * plane_bytes);
            if (first == 0) cursor_.reset();
            const unsigned char* src = bytes + (at - position);
            cursor_.visit(first, static_cast<Extent>(plane_end - plane * plane_bytes),
                          [&](Extent chunk_element, Extent dst_element, Extent count) {
                              const unsigned char* from = src + (chunk_element - first);
                              unsigned char* out =
                                  dst_ + static_cast<std::size_t>(dst_element) * sizeof(double) + plane;
                              for (Extent element = 0; element < count; ++element)
                                  out[element * static_cast<Extent>(sizeof(double))] = from[element];
                          });
            at = plane_end;
        }
    }

    RunCursor cursor_;
    Extent elements_;
    std::size_t element_bytes_;
    bool shuffled_;
    unsigned char* dst_;
};

// This thread's inflate state and window, made once and reset per chunk (inflateInit costs an allocation each).
class Inflater {
public:
    Inflater() : window_(chunk_decode_window_bytes) { ready_ = inflateInit(&stream_) == Z_OK; }
    ~Inflater() {
        if (ready_) inflateEnd(&stream_);
    }
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    std::optional<std::string> inflate_into(const StoredChunk& chunk, Placer& placer) {
        if (!ready_ || inflateReset(&stream_) != Z_OK) return std::string("zlib could not be initialised");
        const std::size_t expected = placer.stream_bytes();
        stream_.next_in = const_cast<unsigned char*>(chunk.bytes);  // zlib's API is not const; it only reads
        stream_.avail_in = static_cast<uInt>(chunk.size);
        if (chunk.size != stream_.avail_in) return std::string("the stored chunk is larger than zlib reads at once");
        std::size_t produced = 0;
        while (true) {
            stream_.next_out = window_.data();
            stream_.avail_out = static_cast<uInt>(window_.size());
            const int status = inflate(&stream_, Z_NO_FLUSH);
            if (status == Z_BUF_ERROR) return std::string("zlib: the compressed data ends early");
            if (status != Z_OK && status != Z_STREAM_END)
                return std::string("zlib: ") + (stream_.msg ? stream_.msg : zError(status));
            const std::size_t got = window_.size() - stream_.avail_out;
            if (produced + got > expected) return size_mismatch(expected, "more than");
            if (status == Z_OK && stream_.avail_out != 0) return std::string("zlib: the compressed data ends early");
            if (status == Z_STREAM_END && produced + got != expected)
                return size_mismatch(expected, std::to_string(produced + got) + " bytes, not");
            placer.place(window_.data(), produced, got);
            produced += got;
            if (status == Z_STREAM_END) return std::nullopt;
        }
    }

private:
    static std::string size_mismatch(std::size_t expected, const std::string& what) {
        return "it decompresses to " + what + " the chunk's " + std::to_string(expected) + " bytes";
    }

    z_stream stream_{};
    bool ready_ = false;
    std::vector<unsigned char> window_;
};

Inflater& this_thread_inflater() {
    thread_local Inflater inflater;
    return inflater;
}

}  // namespace

std::optional<std::string> decode_chunk(const StoredChunk& chunk, std::size_t element_bytes,
                                        const ChunkPlacement& placement, double* dst) {
    TILESUM_ASSERT(element_bytes == 4 || element_bytes == 8);
    static_assert(chunk_decode_window_bytes % sizeof(double) == 0);
    Placer placer(placement, element_bytes, chunk.shuffled, dst);
    if (chunk.deflated) return this_thread_inflater().inflate_into(chunk, placer);
    // The filter mask says deflate was skipped (h5py's gzip is optional: a chunk it cannot shrink is stored as is).
    if (chunk.size != placer.stream_bytes())
        return "it holds " + std::to_string(chunk.size) + " bytes, not the chunk's " +
               std::to_string(placer.stream_bytes());
    placer.place(chunk.bytes, 0, chunk.size);
    return std::nullopt;
}

void widen_stored_elements(DType dtype, double* dst, std::size_t count) {
    auto* slots = reinterpret_cast<unsigned char*>(dst);
    switch (dtype) {
        case DType::f64: return;
        case DType::f32:
            for (std::size_t element = 0; element < count; ++element) {
                float value;
                std::memcpy(&value, slots + element * sizeof(double), sizeof value);
                dst[element] = static_cast<double>(value);
            }
            return;
        case DType::i32:
            for (std::size_t element = 0; element < count; ++element) {
                std::int32_t value;
                std::memcpy(&value, slots + element * sizeof(double), sizeof value);
                dst[element] = static_cast<double>(value);
            }
            return;
        default: TILESUM_ASSERT(false && "widen_stored_elements: f64, f32 or i32 only");
    }
}

}  // namespace tilesum::io
