// The only place io/ touches the HDF5 C API: an RAII handle for hid_t and one small checked wrapper per call
// (as HighFive does). A failing call throws tilesum::Error naming the file, the dataset and the operation, with
// HDF5's own innermost error message folded in; HDF5's automatic stack printing is silenced.
//
// Internal to io/: this header includes <hdf5.h>, the public io headers do not.
#pragma once

#include <hdf5.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/common/shape.hpp"

namespace tilesum::io {

// Held by every HDF5 call in io/. Debian builds HDF5 thread-safe, which already serialises the library; this lock
// is defensive (a non-thread-safe build would corrupt memory silently) and also keeps a call and its error stack
// read-out together. Recursive so that a wrapper may be called while a caller holds it for a whole sequence.
std::recursive_mutex& hdf5_mutex();

// Turns off HDF5's automatic error printing (H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr)) for the calling thread.
// Idempotent and cheap. It is per thread, not once per process, because in a thread-safe build every thread has its
// own error stack whose printing is on by default; the engine calls io/ from TBB worker threads. Every wrapper below
// calls it, so callers never need to.
void silence_hdf5_error_printing();

namespace h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close (chosen by H5Iget_type). Move-only.
class Handle {
public:
    Handle() = default;
    explicit Handle(hid_t id) noexcept : id_(id) {}
    ~Handle() { reset(); }
    Handle(Handle&& other) noexcept : id_(other.release()) {}
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    hid_t release() noexcept;
    void reset() noexcept;  // closes now; never throws

private:
    hid_t id_ = H5I_INVALID_HID;
};

// What a call was working on, for error messages.
struct Where {
    std::string file;
    std::string dataset;           // "/A"; empty when the call concerns the file itself
    std::string describe() const;  // "dataset '/A' in 'in.h5'" or "'in.h5'"
};

// Throws Error(kind, "cannot <action> <where>: <HDF5's message> (<call>)") and clears the HDF5 error stack.
[[noreturn]] void fail_call(ErrorKind kind, const Where& where, const std::string& action, const char* call);

// "A" -> "/A"; "/g/A" unchanged. An HDF5 path inside the file, always absolute.
std::string absolute_path(const std::string& name);

// Ranges passed by the engine must be one per axis and inside the shape; anything else is a bug in the caller.
void check_ranges(const Ranges& ranges, const Shape& shape);

// Files.
bool file_is_hdf5(const Where& where);  // H5Fis_hdf5; io error if the file cannot be read
// H5Fopen, H5Fcreate (H5F_ACC_EXCL); `access`: a file access property list (io/hdf5_team_access.hpp), copied.
Handle file_open(const Where& where, bool read_write, hid_t access = H5P_DEFAULT);
Handle file_create(const Where& where, hid_t access = H5P_DEFAULT);
void file_flush(const Where& where, hid_t file);  // H5Fflush, global scope

// Links and objects.
bool link_exists(const Where& where, hid_t loc, const std::string& path);    // H5Lexists (last component only)
bool object_exists(const Where& where, hid_t loc, const std::string& path);  // H5Oexists_by_name
Handle object_open(const Where& where, hid_t loc, const std::string& path);  // H5Oopen
H5I_type_t object_type(const Where& where, hid_t object);                    // H5Iget_type
void link_delete(const Where& where, hid_t loc, const std::string& path);    // H5Ldelete
void link_move(const Where& where, hid_t loc, const std::string& from, const std::string& to, hid_t lcpl);  // H5Lmove
// The first max_names link names of `group`, by name (H5Gget_info, H5Lget_name_by_idx).
std::vector<std::string> group_link_names(const Where& where, hid_t group, std::size_t max_names);

// What `path` names in the file, found component by component so that a missing intermediate group is "missing"
// rather than an HDF5 failure (H5Lexists in 1.10 fails on a missing intermediate). Dangling links count as missing.
enum class ObjectKind { missing, dataset, group, other };
ObjectKind find_object(const Where& where, hid_t file, const std::string& absolute);

// Datasets.
Handle dataset_open(const Where& where, hid_t loc, const std::string& path,
                    hid_t dapl = H5P_DEFAULT);                   // H5Dopen2
Handle dataset_create_plist(const Where& where, hid_t dataset);  // H5Dget_create_plist
Handle dataset_create(const Where& where, hid_t loc, const std::string& path, hid_t file_type, hid_t space, hid_t lcpl,
                      hid_t dcpl);                        // H5Dcreate2
Handle dataset_space(const Where& where, hid_t dataset);  // H5Dget_space
Handle dataset_type(const Where& where, hid_t dataset);   // H5Dget_type
// `memory_type` describes dst/src: float64 by default, a compound holding one float64 field of a complex dataset, or
// the stored type of a small dtype (io/stored_dtypes.hpp).
void dataset_read(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, void* dst,
                  hid_t memory_type = H5T_NATIVE_DOUBLE);  // H5Dread
void dataset_write(const Where& where, hid_t dataset, hid_t memory_space, hid_t file_space, const void* src,
                   hid_t memory_type = H5T_NATIVE_DOUBLE);  // H5Dwrite
// How many chunks of `dataset` are stored (written at least once); the others hold the fill value.
std::uint64_t dataset_stored_chunk_count(const Where& where, hid_t dataset);  // H5Dget_num_chunks
// The bytes the chunk starting at element `offset` takes in the file, as stored (compressed). Error(io) when the chunk
// was never written.
std::uint64_t dataset_chunk_stored_bytes(const Where& where, hid_t dataset,
                                         const std::vector<hsize_t>& offset);  // H5Dget_chunk_storage_size
// Reads that chunk's stored bytes into dst (at least dataset_chunk_stored_bytes of them), bypassing the filters and
// the chunk cache; returns the chunk's filter mask (bit i set: filter i of the pipeline was skipped for it).
std::uint32_t dataset_read_chunk(const Where& where, hid_t dataset, const std::vector<hsize_t>& offset,
                                 void* dst);  // H5Dread_chunk

// Dataspaces.
H5S_class_t space_class(const Where& where, hid_t space);                  // H5Sget_simple_extent_type
Shape space_extent(const Where& where, hid_t space);                       // H5Sget_simple_extent_ndims, _dims
Handle space_create(const Where& where, const Shape& shape);               // H5Screate (scalar) or H5Screate_simple
void space_select(const Where& where, hid_t space, const Ranges& ranges);  // H5Sselect_hyperslab or _all (0-d)

// Datatypes.
H5T_class_t type_class(const Where& where, hid_t type);                        // H5Tget_class
std::size_t type_size(const Where& where, hid_t type);                         // H5Tget_size
H5T_sign_t type_sign(const Where& where, hid_t type);                          // H5Tget_sign
bool type_equal(const Where& where, hid_t type, hid_t other);                  // H5Tequal
int type_member_count(const Where& where, hid_t compound);                     // H5Tget_nmembers
std::string type_member_name(const Where& where, hid_t compound, int member);  // H5Tget_member_name
Handle type_member_type(const Where& where, hid_t compound, int member);       // H5Tget_member_type
// A compound of `size` bytes with the given fields (name, byte offset, type): h5py's complex layout, or the memory
// side of a read or write of one of its fields.
struct CompoundField {
    const char* name;
    std::size_t offset;
    hid_t type;
};
Handle type_create_compound(const Where& where, std::size_t size,
                            const std::vector<CompoundField>& fields);  // H5Tcreate, H5Tinsert

// Property lists.
Handle plist_create(const Where& where, hid_t plist_class);                // H5Pcreate
void plist_set_chunk(const Where& where, hid_t dcpl, const Shape& chunk);  // H5Pset_chunk
void plist_set_deflate(const Where& where, hid_t dcpl, unsigned level);    // H5Pset_deflate (gzip)
// The chunk shape of a dataset creation property list; {} when the layout is contiguous or compact.
Shape plist_chunk(const Where& where, hid_t dcpl);    // H5Pget_layout, H5Pget_chunk
bool plist_filtered(const Where& where, hid_t dcpl);  // H5Pget_nfilters > 0: chunks are compressed or the like
// The raw-data chunk cache of a dataset access property list: `slots` hash slots, `bytes` in all.
void plist_set_chunk_cache(const Where& where, hid_t dapl, std::size_t slots, std::size_t bytes);  // H5Pset_chunk_cache
// The filter pipeline of a dataset creation property list, in the order the filters were applied when writing.
struct Filter {
    H5Z_filter_t id;
    std::vector<unsigned> values;  // the client data values (shuffle: the element size; deflate: the level)
};
std::vector<Filter> plist_filters(const Where& where, hid_t dcpl);  // H5Pget_nfilters, H5Pget_filter2
// Whether partial edge chunks are stored without the filters (H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS).
bool plist_edge_chunks_unfiltered(const Where& where, hid_t dcpl);          // H5Pget_chunk_opts
void plist_set_create_intermediate_groups(const Where& where, hid_t lcpl);  // H5Pset_create_intermediate_group

// Where the raw data of `dataset` starts in its file when it can be read there directly: contiguous layout, storage
// allocated, no external files, and a file without a user block. std::nullopt otherwise.
// H5Dget_create_plist, H5Pget_layout, H5Pget_external_count, H5Dget_offset, H5Fget_create_plist, H5Pget_userblock
std::optional<std::uint64_t> contiguous_data_offset(const Where& where, hid_t file, hid_t dataset);

}  // namespace h5
}  // namespace tilesum::io
