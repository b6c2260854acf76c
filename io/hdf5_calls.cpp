// The checked wrappers of hdf5_calls.hpp: the lock, handles and errors they share, and the calls on files, links
// and objects (datasets and dataspaces: hdf5_dataset_calls.cpp; datatypes and property lists: hdf5_type_calls.cpp).
#include "io/hdf5_calls.hpp"

#include <utility>

#include "io/hdf5_call_guard.hpp"

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

Handle file_open(const Where& where, bool read_write, hid_t access_given) {
    CallGuard guard;
    // No sieve buffer: HDF5 would read 64 KiB around every run of a hyperslab to serve it, 8 times the bytes of a
    // tile's 8 KiB row segments in a matrix with rows longer than that. Without it each run is read once, straight
    // into the tile (measured: column strips of an 8192² matrix 2.1x faster). Tiles are planned to keep runs long.
    const Handle access = access_given == H5P_DEFAULT ? plist_create(where, H5P_FILE_ACCESS)
                                                      : Handle(H5Pcopy(access_given));
    if (!access.valid()) fail_call(ErrorKind::io, where, "open", "H5Pcopy");
    if (H5Pset_sieve_buf_size(access.get(), 0) < 0)
        fail_call(ErrorKind::io, where, "set the sieve buffer of", "H5Pset_sieve_buf_size");
    const hid_t file = H5Fopen(where.file.c_str(), read_write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access.get());
    if (file < 0) fail_call(ErrorKind::io, where, read_write ? "open for writing" : "open", "H5Fopen");
    return Handle(file);
}

Handle file_create(const Where& where, hid_t access) {
    CallGuard guard;
    return checked_handle(H5Fcreate(where.file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access), where, "create",
                          "H5Fcreate");
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
    return checked_handle(H5Oopen(loc, path.c_str(), H5P_DEFAULT), where, "open object '" + path + "' in", "H5Oopen");
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
Handle checked_handle(hid_t id, const Where& where, const std::string& action, const char* call) {
    if (id < 0) fail_call(ErrorKind::io, where, action, call);
    return Handle(id);
}

}  // namespace h5
}  // namespace tilesum::io
