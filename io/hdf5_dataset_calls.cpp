// The checked wrappers of hdf5_calls.hpp for datasets, their transfers and dataspaces.
#include "io/hdf5_calls.hpp"

#include <algorithm>

#include "io/hdf5_call_guard.hpp"

namespace tilesum::io::h5 {

Handle dataset_open(const Where& where, hid_t loc, const std::string& path, hid_t dapl) {
    CallGuard guard;
    return checked_handle(H5Dopen2(loc, path.c_str(), dapl), where, "open", "H5Dopen2");
}

Handle dataset_create_plist(const Where& where, hid_t dataset) {
    CallGuard guard;
    return checked_handle(H5Dget_create_plist(dataset), where, "get the creation properties of", "H5Dget_create_plist");
}

Handle dataset_create(const Where& where, hid_t loc, const std::string& path, hid_t file_type, hid_t space, hid_t lcpl,
                      hid_t dcpl) {
    CallGuard guard;
    return checked_handle(H5Dcreate2(loc, path.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT), where, "create",
                          "H5Dcreate2");
}

Handle dataset_space(const Where& where, hid_t dataset) {
    CallGuard guard;
    return checked_handle(H5Dget_space(dataset), where, "get the dataspace of", "H5Dget_space");
}

Handle dataset_type(const Where& where, hid_t dataset) {
    CallGuard guard;
    return checked_handle(H5Dget_type(dataset), where, "get the datatype of", "H5Dget_type");
}

namespace {

// A transfer property list whose type-conversion buffers fit this transfer. HDF5's default is 1 MiB, allocated
// and cleared on every H5Dread/H5Dwrite that converts (ints, complex parts): for small tiles that clearing was
// most of a run (56 outputs of 4 x 4: 4.4 s, nearly all in memset and page faults). 32 bytes per element covers a
// complex128 element and its background. Called with the HDF5 lock held.
Handle conversion_sized_transfer(hid_t memory_space) {
    const hid_t transfer = H5Pcreate(H5P_DATASET_XFER);
    TILESUM_ASSERT(transfer >= 0);
    const hssize_t elements = H5Sget_select_npoints(memory_space);
    constexpr hssize_t bytes_per_element = 32, smallest = 4096, largest = hssize_t{1} << 20;
    const hssize_t bytes = std::clamp(elements * bytes_per_element, smallest, largest);
    const herr_t set = H5Pset_buffer(transfer, static_cast<std::size_t>(bytes), nullptr, nullptr);
    TILESUM_ASSERT(set >= 0);
    return Handle(transfer);
}

}  // namespace

void dataset_read(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, void* dst,
                  hid_t memory_type) {
    CallGuard guard;
    const Handle transfer = conversion_sized_transfer(memory_space);
    if (H5Dread(dataset, memory_type, memory_space, file_space, transfer.get(), dst) < 0)
        fail_call(ErrorKind::io, where, "read", "H5Dread");
}

void dataset_write(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, const void* src,
                   hid_t memory_type) {
    CallGuard guard;
    const Handle transfer = conversion_sized_transfer(memory_space);
    if (H5Dwrite(dataset, memory_type, memory_space, file_space, transfer.get(), src) < 0)
        fail_call(ErrorKind::io, where, "write", "H5Dwrite");
}

std::uint64_t dataset_stored_chunk_count(const Where& where, hid_t dataset) {
    CallGuard guard;
    // 1.10 ignores the selection but mishandles H5S_ALL (H5Dget_num_chunks's documentation): pass the dataspace.
    const Handle space = dataset_space(where, dataset);
    hsize_t count = 0;
    if (H5Dget_num_chunks(dataset, space.get(), &count) < 0)
        fail_call(ErrorKind::io, where, "count the chunks of", "H5Dget_num_chunks");
    return static_cast<std::uint64_t>(count);
}

std::uint64_t dataset_chunk_stored_bytes(const Where& where, hid_t dataset, const std::vector<hsize_t>& offset) {
    CallGuard guard;
    hsize_t bytes = 0;
    if (H5Dget_chunk_storage_size(dataset, offset.data(), &bytes) < 0)
        fail_call(ErrorKind::io, where, "find a chunk of", "H5Dget_chunk_storage_size");
    return static_cast<std::uint64_t>(bytes);
}

std::uint32_t dataset_read_chunk(const Where& where, hid_t dataset, const std::vector<hsize_t>& offset, void* dst) {
    CallGuard guard;
    std::uint32_t filter_mask = 0;
    if (H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &filter_mask, dst) < 0)
        fail_call(ErrorKind::io, where, "read a chunk of", "H5Dread_chunk");
    return filter_mask;
}

H5S_class_t space_class(const Where& where, hid_t space) {
    CallGuard guard;
    const H5S_class_t kind = H5Sget_simple_extent_type(space);
    if (kind == H5S_NO_CLASS) fail_call(ErrorKind::io, where, "inspect the dataspace of", "H5Sget_simple_extent_type");
    return kind;
}

Shape space_extent(const Where& where, hid_t space) {
    CallGuard guard;
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0) fail_call(ErrorKind::io, where, "get the rank of", "H5Sget_simple_extent_ndims");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
        fail_call(ErrorKind::io, where, "get the shape of", "H5Sget_simple_extent_dims");
    Shape shape;
    for (hsize_t extent : dims) shape.push_back(static_cast<Extent>(extent));
    return shape;
}

Handle space_create(const Where& where, const Shape& shape) {
    CallGuard guard;
    const std::vector<hsize_t> dims = to_hsize(shape);
    const hid_t space = shape.empty() ? H5Screate(H5S_SCALAR)
                                      : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
    if (space < 0)
        fail_call(ErrorKind::io, where, "create a dataspace for", shape.empty() ? "H5Screate" : "H5Screate_simple");
    return Handle(space);
}

void space_select(const Where& where, hid_t space, const Ranges& ranges) {
    CallGuard guard;
    if (ranges.empty()) {
        if (H5Sselect_all(space) < 0) fail_call(ErrorKind::io, where, "select all of", "H5Sselect_all");
        return;
    }
    std::vector<hsize_t> start;
    std::vector<hsize_t> count;
    for (const Range& range : ranges) {
        start.push_back(static_cast<hsize_t>(range.begin));
        count.push_back(static_cast<hsize_t>(range.length()));
    }
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
        fail_call(ErrorKind::io, where, "select a hyperslab of", "H5Sselect_hyperslab");
}

}  // namespace tilesum::io::h5
