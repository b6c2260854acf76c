#include "io/hdf5_calls.hpp"

#include <algorithm>
#include <utility>

namespace tilesum::io {

std::recursive_mutex& hdf5_mutex() {
    static std::recursive_mutex mutex;
    return mutex;
}

void silence_hdf5_error_printing() {
    thread_local bool silenced = false;
    if (silenced) return;
    std::lock_guard lock(hdf5_mutex());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
}

namespace h5 {
namespace {

// Taken by every wrapper: the process-wide lock, and this thread's error printing off.
class CallGuard {
public:
    CallGuard() { silence_hdf5_error_printing(); }

private:
    std::lock_guard<std::recursive_mutex> lock_{hdf5_mutex()};
};

herr_t keep_first_description(unsigned /*position*/, const H5E_error2_t* entry, void* client_data) {
    auto* message = static_cast<std::string*>(client_data);
    if (message->empty() && entry->desc != nullptr && entry->desc[0] != '\0') *message = entry->desc;
    return 0;
}

// The innermost (most specific) message on this thread's HDF5 error stack, which is then cleared.
std::string take_error_message() {
    std::string message;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_first_description, &message);
    H5Eclear2(H5E_DEFAULT);
    return message.empty() ? std::string("HDF5 gave no detail") : message;
}

std::vector<hsize_t> to_hsize(const Shape& shape) {
    std::vector<hsize_t> dims;
    dims.reserve(shape.size());
    for (Extent extent : shape) dims.push_back(static_cast<hsize_t>(extent));
    return dims;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        reset();
        id_ = other.release();
    }
    return *this;
}

hid_t Handle::release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

void Handle::reset() noexcept {
    if (id_ < 0) return;
    const hid_t id = release();
    CallGuard guard;
    // A close failure leaves nothing to recover in a destructor; the error stack is cleared so that it does not
    // leak into the message of an unrelated later failure.
    herr_t status = 0;
    switch (H5Iget_type(id)) {
        case H5I_FILE: status = H5Fclose(id); break;
        case H5I_GROUP: status = H5Gclose(id); break;
        case H5I_DATASET: status = H5Dclose(id); break;
        case H5I_DATASPACE: status = H5Sclose(id); break;
        case H5I_DATATYPE: status = H5Tclose(id); break;
        case H5I_ATTR: status = H5Aclose(id); break;
        case H5I_GENPROP_LST: status = H5Pclose(id); break;
        default: status = H5Idec_ref(id); break;
    }
    if (status < 0) H5Eclear2(H5E_DEFAULT);
}

std::string Where::describe() const {
    if (dataset.empty()) return "'" + file + "'";
    return "dataset '" + dataset + "' in '" + file + "'";
}

void fail_call(ErrorKind kind, const Where& where, const std::string& action, const char* call) {
    std::string detail;
    {
        CallGuard guard;
        detail = take_error_message();
    }
    fail(kind, "cannot " + action + " " + where.describe() + ": " + detail + " (" + call + ")");
}

std::string absolute_path(const std::string& name) { return !name.empty() && name[0] == '/' ? name : "/" + name; }

void check_ranges(const Ranges& ranges, const Shape& shape) {
    TILESUM_ASSERT(ranges.size() == shape.size());
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
        const Range& range = ranges[axis];
        TILESUM_ASSERT(0 <= range.begin && range.begin <= range.end && range.end <= shape[axis]);
    }
}

bool file_is_hdf5(const Where& where) {
    CallGuard guard;
    const htri_t result = H5Fis_hdf5(where.file.c_str());
    if (result < 0) fail_call(ErrorKind::io, where, "open", "H5Fis_hdf5");
    return result > 0;
}

Handle file_open(const Where& where, bool read_write) {
    CallGuard guard;
    // No sieve buffer: HDF5 would read 64 KiB around every run of a hyperslab to serve it, 8 times the bytes of a
    // tile's 8 KiB row segments in a matrix with rows longer than that. Without it each run is read once, straight
    // into the tile (measured: column strips of an 8192² matrix 2.1x faster). Tiles are planned to keep runs long.
    const Handle access = plist_create(where, H5P_FILE_ACCESS);
    if (H5Pset_sieve_buf_size(access.get(), 0) < 0)
        fail_call(ErrorKind::io, where, "set the sieve buffer of", "H5Pset_sieve_buf_size");
    const hid_t file = H5Fopen(where.file.c_str(), read_write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get());
    if (file < 0) fail_call(ErrorKind::io, where, read_write ? "open for writing" : "open", "H5Fopen");
    return Handle(file);
}

Handle file_create(const Where& where) {
    CallGuard guard;
    const hid_t file = H5Fcreate(where.file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) fail_call(ErrorKind::io, where, "create", "H5Fcreate");
    return Handle(file);
}

void file_flush(const Where& where, hid_t file) {
    CallGuard guard;
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) fail_call(ErrorKind::io, where, "flush", "H5Fflush");
}

bool link_exists(const Where& where, hid_t loc, const std::string& path) {
    CallGuard guard;
    const htri_t result = H5Lexists(loc, path.c_str(), H5P_DEFAULT);
    if (result < 0) fail_call(ErrorKind::io, where, "look up '" + path + "' in", "H5Lexists");
    return result > 0;
}

bool object_exists(const Where& where, hid_t loc, const std::string& path) {
    CallGuard guard;
    const htri_t result = H5Oexists_by_name(loc, path.c_str(), H5P_DEFAULT);
    if (result < 0) fail_call(ErrorKind::io, where, "look up '" + path + "' in", "H5Oexists_by_name");
    return result > 0;
}

Handle object_open(const Where& where, hid_t loc, const std::string& path) {
    CallGuard guard;
    const hid_t object = H5Oopen(loc, path.c_str(), H5P_DEFAULT);
    if (object < 0) fail_call(ErrorKind::io, where, "open object '" + path + "' in", "H5Oopen");
    return Handle(object);
}

H5I_type_t object_type(const Where& where, hid_t object) {
    CallGuard guard;
    const H5I_type_t type = H5Iget_type(object);
    if (type == H5I_BADID) fail_call(ErrorKind::io, where, "inspect", "H5Iget_type");
    return type;
}

void link_delete(const Where& where, hid_t loc, const std::string& path) {
    CallGuard guard;
    if (H5Ldelete(loc, path.c_str(), H5P_DEFAULT) < 0)
        fail_call(ErrorKind::io, where, "delete '" + path + "' in", "H5Ldelete");
}

void link_move(const Where& where, hid_t loc, const std::string& from, const std::string& to, hid_t lcpl) {
    CallGuard guard;
    if (H5Lmove(loc, from.c_str(), loc, to.c_str(), lcpl, H5P_DEFAULT) < 0)
        fail_call(ErrorKind::io, where, "rename '" + from + "' to '" + to + "' for", "H5Lmove");
}

std::vector<std::string> group_link_names(const Where& where, hid_t group, std::size_t max_names) {
    CallGuard guard;
    H5G_info_t info{};
    if (H5Gget_info(group, &info) < 0) fail_call(ErrorKind::io, where, "list", "H5Gget_info");
    std::vector<std::string> names;
    for (hsize_t link_idx = 0; link_idx < info.nlinks && names.size() < max_names; ++link_idx) {
        const ssize_t length =
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, link_idx, nullptr, 0, H5P_DEFAULT);
        if (length < 0) fail_call(ErrorKind::io, where, "list", "H5Lget_name_by_idx");
        std::string name(static_cast<std::size_t>(length) + 1, '\0');
        if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, link_idx, name.data(), name.size(),
                               H5P_DEFAULT) < 0)
            fail_call(ErrorKind::io, where, "list", "H5Lget_name_by_idx");
        name.resize(static_cast<std::size_t>(length));
        names.push_back(std::move(name));
    }
    return names;
}

ObjectKind find_object(const Where& where, hid_t file, const std::string& absolute) {
    CallGuard guard;                      // one consistent view of the file for the whole walk
    std::vector<std::string> components;  // empty components ("//", a trailing "/") name nothing
    for (std::size_t begin = 0; begin <= absolute.size();) {
        std::size_t end = absolute.find('/', begin);
        if (end == std::string::npos) end = absolute.size();
        if (end > begin) components.push_back(absolute.substr(begin, end - begin));
        begin = end + 1;
    }
    if (components.empty()) return ObjectKind::group;  // "/" is the root group
    std::string prefix;
    for (std::size_t component_idx = 0; component_idx < components.size(); ++component_idx) {
        prefix += "/" + components[component_idx];
        if (!link_exists(where, file, prefix) || !object_exists(where, file, prefix)) return ObjectKind::missing;
        const Handle object = object_open(where, file, prefix);
        const H5I_type_t type = object_type(where, object.get());
        if (component_idx + 1 < components.size()) {
            if (type != H5I_GROUP) return ObjectKind::missing;  // "/A/x" where /A is a dataset
            continue;
        }
        if (type == H5I_DATASET) return ObjectKind::dataset;
        return type == H5I_GROUP ? ObjectKind::group : ObjectKind::other;
    }
    return ObjectKind::missing;  // not reached: the last component returns above
}

Handle dataset_open(const Where& where, hid_t loc, const std::string& path, hid_t dapl) {
    CallGuard guard;
    const hid_t dataset = H5Dopen2(loc, path.c_str(), dapl);
    if (dataset < 0) fail_call(ErrorKind::io, where, "open", "H5Dopen2");
    return Handle(dataset);
}

Handle dataset_create_plist(const Where& where, hid_t dataset) {
    CallGuard guard;
    const hid_t plist = H5Dget_create_plist(dataset);
    if (plist < 0) fail_call(ErrorKind::io, where, "get the creation properties of", "H5Dget_create_plist");
    return Handle(plist);
}

Handle dataset_create(const Where& where, hid_t loc, const std::string& path, hid_t file_type, hid_t space, hid_t lcpl,
                      hid_t dcpl) {
    CallGuard guard;
    const hid_t dataset = H5Dcreate2(loc, path.c_str(), file_type, space, lcpl, dcpl, H5P_DEFAULT);
    if (dataset < 0) fail_call(ErrorKind::io, where, "create", "H5Dcreate2");
    return Handle(dataset);
}

Handle dataset_space(const Where& where, hid_t dataset) {
    CallGuard guard;
    const hid_t space = H5Dget_space(dataset);
    if (space < 0) fail_call(ErrorKind::io, where, "get the dataspace of", "H5Dget_space");
    return Handle(space);
}

Handle dataset_type(const Where& where, hid_t dataset) {
    CallGuard guard;
    const hid_t type = H5Dget_type(dataset);
    if (type < 0) fail_call(ErrorKind::io, where, "get the datatype of", "H5Dget_type");
    return Handle(type);
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

void dataset_read(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, double* dst,
                  hid_t memory_type) {
    CallGuard guard;
    const Handle transfer = conversion_sized_transfer(memory_space);
    if (H5Dread(dataset, memory_type, memory_space, file_space, transfer.get(), dst) < 0)
        fail_call(ErrorKind::io, where, "read", "H5Dread");
}

void dataset_write(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, const double* src,
                   hid_t memory_type) {
    CallGuard guard;
    const Handle transfer = conversion_sized_transfer(memory_space);
    if (H5Dwrite(dataset, memory_type, memory_space, file_space, transfer.get(), src) < 0)
        fail_call(ErrorKind::io, where, "write", "H5Dwrite");
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
    const hid_t type = H5Tget_member_type(compound, static_cast<unsigned>(member));
    if (type < 0) fail_call(ErrorKind::io, where, "get a field type of the datatype of", "H5Tget_member_type");
    return Handle(type);
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
    const hid_t plist = H5Pcreate(plist_class);
    if (plist < 0) fail_call(ErrorKind::io, where, "create a property list for", "H5Pcreate");
    return Handle(plist);
}

void plist_set_chunk(const Where& where, hid_t dcpl, const Shape& chunk) {
    CallGuard guard;
    const std::vector<hsize_t> dims = to_hsize(chunk);
    if (H5Pset_chunk(dcpl, static_cast<int>(dims.size()), dims.data()) < 0)
        fail_call(ErrorKind::io, where, "set the chunk shape of", "H5Pset_chunk");
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

void plist_set_create_intermediate_groups(const Where& where, hid_t lcpl) {
    CallGuard guard;
    if (H5Pset_create_intermediate_group(lcpl, 1) < 0)
        fail_call(ErrorKind::io, where, "set up links for", "H5Pset_create_intermediate_group");
}

}  // namespace h5
}  // namespace tilesum::io
