// Decodes one HDF5 chunk stored through the deflate (gzip) filter, optionally after the shuffle filter, and places
// the part of it a hyperslab asks for into the hyperslab's buffer. No HDF5 here: the caller hands over the chunk's
// stored bytes (H5Dread_chunk), so this runs outside HDF5's lock and several threads decode chunks at once.
//
// Why streaming: the chunk is inflated through a fixed window (chunk_decode_window_bytes per thread), and each
// window's bytes go straight to their elements in the destination, so no buffer of the decompressed chunk exists.
// With shuffle the stream is the chunk's byte planes one after the other (byte 0 of every element, then byte 1, ...),
// so each window writes one byte of each of its elements; the element is complete once the last plane has passed.
//
// Elements land in the destination's 8-byte slots as stored (little-endian, `element_bytes` of them at the start of
// the slot); widen_stored_elements turns the slots of float32 or int32 elements into float64 afterwards, in place.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "engine/common/shape.hpp"

namespace tilesum::io {

// The inflate window: a multiple of every element size, so that every window but the last holds whole elements.
inline constexpr std::size_t chunk_decode_window_bytes = std::size_t{256} << 10;

// One stored chunk: its bytes and which filters were applied to it (the chunk's filter mask can skip either).
struct StoredChunk {
    const unsigned char* bytes = nullptr;
    std::size_t size = 0;
    bool deflated = true;
    bool shuffled = false;
};

// Where a chunk's elements go: the chunk shape (edge chunks are stored whole, padded), the chunk's first element in
// the dataset, and the hyperslab `ranges` whose buffer `dst` (C order, shape range_shape(ranges)) receives them.
struct ChunkPlacement {
    const Shape& chunk_shape;
    const Shape& chunk_origin;
    const Ranges& ranges;
};

// Decodes `chunk` (elements of `element_bytes`: 4 or 8) and writes the elements inside `ranges` to their slots of
// dst. Returns why the chunk is unusable instead ("zlib: incorrect header check", "it decompresses to 100 bytes, not
// 800"), with dst partly written; std::nullopt on success. Never throws; safe to call from several threads at once.
std::optional<std::string> decode_chunk(const StoredChunk& chunk, std::size_t element_bytes,
                                        const ChunkPlacement& placement, double* dst);

// The `count` slots of dst hold stored little-endian elements of `dtype` (f64, f32 or i32; i64 is left to the
// caller's exactness check): each becomes its float64 value.
void widen_stored_elements(DType dtype, double* dst, std::size_t count);

}  // namespace tilesum::io
