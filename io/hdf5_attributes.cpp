#include "io/hdf5_attributes.hpp"

namespace tilesum::io::h5 {

namespace {

// As every wrapper in hdf5_calls.cpp: HDF5's error printing off for this thread, the library lock held.
struct Locked {
    Locked() { silence_hdf5_error_printing(); }
    std::lock_guard<std::recursive_mutex> lock{hdf5_mutex()};
};

Handle utf8_string_type(const Where& where) {
    Handle type(H5Tcopy(H5T_C_S1));
    if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        fail_call(ErrorKind::io, where, "make a string type for", "H5Tcopy");
    return type;
}

}  // namespace

void attribute_write_string(const Where& where, hid_t object, const std::string& name, const std::string& value) {
    Locked locked;
    const std::string action = "write attribute '" + name + "' of";
    const htri_t exists = H5Aexists(object, name.c_str());
    if (exists < 0) fail_call(ErrorKind::io, where, action, "H5Aexists");
    if (exists > 0 && H5Adelete(object, name.c_str()) < 0) fail_call(ErrorKind::io, where, action, "H5Adelete");
    const Handle type = utf8_string_type(where);
    const Handle space(H5Screate(H5S_SCALAR));
    if (!space.valid()) fail_call(ErrorKind::io, where, action, "H5Screate");
    const Handle attribute(H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attribute.valid()) fail_call(ErrorKind::io, where, action, "H5Acreate2");
    const char* text = value.c_str();
    if (H5Awrite(attribute.get(), type.get(), &text) < 0) fail_call(ErrorKind::io, where, action, "H5Awrite");
}

}  // namespace tilesum::io::h5
