// The checked wrappers of hdf5_calls.hpp for datatypes and property lists.
#include "io/hdf5_calls.hpp"

#include <algorithm>

#include "io/hdf5_call_guard.hpp"

namespace tilesum::io::h5 {

H5T_class_t type_class(const Where& where, hid_t type) {
    CallGuard guard;
    const H5T_class_t kind = H5Tget_class(type);
    if (kind == H5T_NO_CLASS) fail_call(ErrorKind::io, where, "get the type class of", "H5Tget_class");
    return kind;
}

std::size_t type_size(const Where& where, hid_t type) {
    CallGuard guard;
    const std::size_t size = H5Tget_size(type);
    if (size == 0) fail_call(ErrorKind::io, where, "get the type size of", "H5Tget_size");
    return size;
}

H5T_sign_t type_sign(const Where& where, hid_t type) {
    CallGuard guard;
    const H5T_sign_t sign = H5Tget_sign(type);
    if (sign == H5T_SGN_ERROR) fail_call(ErrorKind::io, where, "get the sign of", "H5Tget_sign");
    return sign;
}

bool type_equal(const Where& where, hid_t type, hid_t other) {
    CallGuard guard;
    const htri_t result = H5Tequal(type, other);
    if (result < 0) fail_call(ErrorKind::io, where, "compare the datatype of", "H5Tequal");
    return result > 0;
}

int type_member_count(const Where& where, hid_t compound) {
    CallGuard guard;
    const int count = H5Tget_nmembers(compound);
    if (count < 0) fail_call(ErrorKind::io, where, "count the fields of the datatype of", "H5Tget_nmembers");
    return count;
}

std::string type_member_name(const Where& where, hid_t compound, int member) {
    CallGuard guard;
    char* name = H5Tget_member_name(compound, static_cast<unsigned>(member));
    if (name == nullptr) fail_call(ErrorKind::io, where, "get a field name of the datatype of", "H5Tget_member_name");
    std::string result = name;
    H5free_memory(name);
    return result;
}

Handle type_member_type(const Where& where, hid_t compound, int member) {
    CallGuard guard;
    return checked_handle(H5Tget_member_type(compound, static_cast<unsigned>(member)), where,
                          "get a field type of the datatype of", "H5Tget_member_type");
}

Handle type_create_compound(const Where& where, std::size_t size, const std::vector<CompoundField>& fields) {
    CallGuard guard;
    Handle compound(H5Tcreate(H5T_COMPOUND, size));
    if (!compound.valid()) fail_call(ErrorKind::io, where, "create a compound datatype for", "H5Tcreate");
    for (const CompoundField& field : fields)
        if (H5Tinsert(compound.get(), field.name, field.offset, field.type) < 0)
            fail_call(ErrorKind::io, where, "create a compound datatype for", "H5Tinsert");
    return compound;
}

Handle plist_create(const Where& where, hid_t plist_class) {
    CallGuard guard;
    return checked_handle(H5Pcreate(plist_class), where, "create a property list for", "H5Pcreate");
}

void plist_set_chunk(const Where& where, hid_t dcpl, const Shape& chunk) {
    CallGuard guard;
    const std::vector<hsize_t> dims = to_hsize(chunk);
    if (H5Pset_chunk(dcpl, static_cast<int>(dims.size()), dims.data()) < 0)
        fail_call(ErrorKind::io, where, "set the chunk shape of", "H5Pset_chunk");
}

void plist_set_deflate(const Where& where, hid_t dcpl, unsigned level) {
    CallGuard guard;
    if (H5Pset_deflate(dcpl, level) < 0) fail_call(ErrorKind::io, where, "set the gzip filter of", "H5Pset_deflate");
}

Shape plist_chunk(const Where& where, hid_t dcpl) {
    CallGuard guard;
    const H5D_layout_t layout = H5Pget_layout(dcpl);
    if (layout < 0) fail_call(ErrorKind::io, where, "get the storage layout of", "H5Pget_layout");
    if (layout != H5D_CHUNKED) return {};
    std::vector<hsize_t> dims(H5S_MAX_RANK);
    const int rank = H5Pget_chunk(dcpl, static_cast<int>(dims.size()), dims.data());
    if (rank < 0) fail_call(ErrorKind::io, where, "get the chunk shape of", "H5Pget_chunk");
    Shape chunk;
    for (int axis = 0; axis < rank; ++axis) chunk.push_back(static_cast<Extent>(dims[static_cast<std::size_t>(axis)]));
    return chunk;
}

bool plist_filtered(const Where& where, hid_t dcpl) {
    CallGuard guard;
    const int filters = H5Pget_nfilters(dcpl);
    if (filters < 0) fail_call(ErrorKind::io, where, "get the filters of", "H5Pget_nfilters");
    return filters > 0;
}

void plist_set_chunk_cache(const Where& where, hid_t dapl, std::size_t slots, std::size_t bytes) {
    CallGuard guard;
    // w0 = 1: evict chunks that have been read in full first; tiles read each chunk front to back.
    if (H5Pset_chunk_cache(dapl, slots, bytes, 1.0) < 0)
        fail_call(ErrorKind::io, where, "set the chunk cache of", "H5Pset_chunk_cache");
}

std::optional<std::uint64_t> contiguous_data_offset(const Where& where, hid_t file, hid_t dataset) {
    CallGuard guard;
    const Handle dcpl = dataset_create_plist(where, dataset);
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout < 0) fail_call(ErrorKind::io, where, "get the storage layout of", "H5Pget_layout");
    if (layout != H5D_CONTIGUOUS) return std::nullopt;
    const int external = H5Pget_external_count(dcpl.get());
    if (external < 0) fail_call(ErrorKind::io, where, "get the external files of", "H5Pget_external_count");
    if (external > 0) return std::nullopt;
    const Handle fcpl(H5Fget_create_plist(file));
    if (!fcpl.valid()) fail_call(ErrorKind::io, where, "get the creation properties of", "H5Fget_create_plist");
    hsize_t userblock = 0;
    if (H5Pget_userblock(fcpl.get(), &userblock) < 0)
        fail_call(ErrorKind::io, where, "get the user block of", "H5Pget_userblock");
    if (userblock > 0) return std::nullopt;
    const haddr_t offset = H5Dget_offset(dataset);  // HADDR_UNDEF until the data is written: not an error
    if (offset == HADDR_UNDEF) return std::nullopt;
    return static_cast<std::uint64_t>(offset);
}

std::vector<Filter> plist_filters(const Where& where, hid_t dcpl) {
    CallGuard guard;
    const int count = H5Pget_nfilters(dcpl);
    if (count < 0) fail_call(ErrorKind::io, where, "get the filters of", "H5Pget_nfilters");
    std::vector<Filter> filters;
    for (int filter_idx = 0; filter_idx < count; ++filter_idx) {
        unsigned flags = 0, config = 0;
        std::vector<unsigned> values(8);
        std::size_t value_count = values.size();
        char name[64];
        const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(filter_idx), &flags, &value_count,
                                               values.data(), sizeof name, name, &config);
        if (id < 0) fail_call(ErrorKind::io, where, "get the filters of", "H5Pget_filter2");
        values.resize(std::min(value_count, values.size()));
        filters.push_back({id, std::move(values)});
    }
    return filters;
}

bool plist_edge_chunks_unfiltered(const Where& where, hid_t dcpl) {
    CallGuard guard;
    unsigned options = 0;
    if (H5Pget_chunk_opts(dcpl, &options) < 0)
        fail_call(ErrorKind::io, where, "get the chunk options of", "H5Pget_chunk_opts");
    return (options & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) != 0;
}

void plist_set_create_intermediate_groups(const Where& where, hid_t lcpl) {
    CallGuard guard;
    if (H5Pset_create_intermediate_group(lcpl, 1) < 0)
        fail_call(ErrorKind::io, where, "set up links for", "H5Pset_create_intermediate_group");
}

}  // namespace tilesum::io::h5
