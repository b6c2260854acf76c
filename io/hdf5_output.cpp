#include "io/hdf5_output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <vector>

#include "io/exact_integers.hpp"
#include "io/hdf5_attributes.hpp"
#include "io/hdf5_calls.hpp"
#include "io/hdf5_team_access.hpp"
#include "io/small_dtypes.hpp"

namespace tilesum::io {

namespace detail {

struct OutputState {
    std::string path;
    h5::Handle file;
    bool created = false;
    bool removes = true;  // the one rank of a team that removes the file it created and committed nothing to
    bool committed_any = false;
    bool kept_for_resume = false;         // a pending dataset stays for --resume: so does the file
    std::set<std::string> pending_names;  // final absolute names of the live pending datasets

    OutputState() = default;
    OutputState(const OutputState&) = delete;
    OutputState& operator=(const OutputState&) = delete;
    ~OutputState() {
        file.reset();  // H5Fclose before the file can be removed
        if (created && removes && !committed_any && !kept_for_resume) std::remove(path.c_str());
    }
};

}  // namespace detail

struct Hdf5PendingDataset::State {
    std::shared_ptr<detail::OutputState> output;
    h5::Where where;  // names the final dataset: that is what the user asked for
    std::string temp_path;
    Shape shape;
    DType dtype = DType::f64;
    h5::Handle dataset;
    h5::Handle real_memory_type, imag_memory_type;  // complex: a compound of one float64 field, `r` or `i`
    bool committed = false;
    bool kept = false;  // for --resume
};

class Hdf5PendingDataset::PartWriter final : public TensorWriter {
public:
    PartWriter(Hdf5PendingDataset& dataset, ValuePart part) : dataset_(dataset), part_(part) {}
    void write(const Ranges& ranges, const double* src) override { dataset_.write_part(ranges, src, part_); }

private:
    Hdf5PendingDataset& dataset_;
    ValuePart part_;
};

namespace {

// The file type h5py gives numpy's dtype: little-endian, complex as a compound {r, i}.
h5::Handle file_type_for(const h5::Where& where, DType dtype) {
    auto copy = [&](hid_t type) { return h5::Handle(H5Tcopy(type)); };
    switch (dtype) {
        case DType::i32: return copy(H5T_STD_I32LE);
        case DType::i64: return copy(H5T_STD_I64LE);
        case DType::f32: return copy(H5T_IEEE_F32LE);
        case DType::f64: return copy(H5T_IEEE_F64LE);
        case DType::c64:
            return h5::type_create_compound(where, 8, {{"r", 0, H5T_IEEE_F32LE}, {"i", 4, H5T_IEEE_F32LE}});
        case DType::c128:
            return h5::type_create_compound(where, 16, {{"r", 0, H5T_IEEE_F64LE}, {"i", 8, H5T_IEEE_F64LE}});
        default: return hdf5_small_file_type(where, dtype);
    }
}

// The memory type of the elements narrow_results makes for `dtype`.
h5::Handle narrowed_memory_type(const h5::Where& where, DType dtype) {
    if (dtype == DType::i32) return h5::Handle(H5Tcopy(H5T_NATIVE_INT32));
    if (dtype == DType::i64) return h5::Handle(H5Tcopy(H5T_NATIVE_INT64));
    return hdf5_small_memory_type(where, dtype);
}

// numpy computes integer results in their own dtype, wrapping around; tilesum computes them exactly in float64 and
// wraps them here (exact_integers.hpp). A value that is not an exact integer is refused: numpy's could differ.
void refuse_inexact_integer(const h5::Where& where, DType dtype, const Ranges& ranges, Extent element, double value) {
    const std::string index = format_element_index(ranges, element);
    char value_text[32];
    std::snprintf(value_text, sizeof value_text, "%.17g", value);
    std::string message = "output " + where.dataset + " is " + dtype_name(dtype) + " but its value at (";
    message += index + ") is " + value_text;
    message += std::isnan(value) || std::floor(value) != value
                   ? ", not an integer (numpy would compute it otherwise)"
                   : ", beyond 2^53, where float64 (tilesum's arithmetic) is no longer exact";
    fail(ErrorKind::unsupported, message);
}

}  // namespace

Shape chunk_shape_for(const Shape& shape, DType dtype) {
    constexpr std::size_t target_bytes = std::size_t{1} << 20;
    if (shape.empty() || element_count(shape) == 0) return {};
    Shape chunk = shape;
    while (static_cast<std::size_t>(element_count(chunk)) * dtype_size(dtype) > target_bytes) {
        std::size_t widest_axis = 0;
        for (std::size_t axis = 1; axis < chunk.size(); ++axis)
            if (chunk[axis] > chunk[widest_axis]) widest_axis = axis;
        chunk[widest_axis] = (chunk[widest_axis] + 1) / 2;
    }
    return chunk;
}

namespace {

// Whether rank 0 sees a file at `path`: every rank of a team takes its answer, so that no rank creates a file another
// rank already created (and then opened). Alone, the file's status here.
std::filesystem::file_type output_status(const std::string& path, const Team* team) {
    std::error_code status_error;
    const auto type = std::filesystem::status(path, status_error).type();
    if (!team || team->size() == 1) return type;
    const std::string agreed = team->broadcast(std::to_string(static_cast<int>(type)));
    return static_cast<std::filesystem::file_type>(std::stoi(agreed));
}

}  // namespace

Hdf5OutputFile::Hdf5OutputFile(std::string path, const Team* team) : state_(std::make_shared<detail::OutputState>()) {
    detail::OutputState& state = *state_;
    state.path = std::move(path);
    const h5::Where where{state.path, ""};
    const bool several = team && team->size() > 1;
    state.removes = !several || team->rank() == 0;

    const std::filesystem::file_type status = output_status(state.path, team);
    std::lock_guard lock(hdf5_mutex());
    const h5::Handle access = team_file_access(team, where);
    if (status == std::filesystem::file_type::not_found) {
        // Created under a temporary name and renamed once its superblock is flushed: a run killed at any moment
        // never leaves a file at `path` that HDF5 cannot open (a killed H5Fcreate leaves a truncated one).
        const std::string creating = state.path + ".tilesum-creating";
        if (state.removes) std::remove(creating.c_str());  // left by a run killed right here
        if (several) team->barrier();                      // removed before any rank creates it
        try {
            state.file = h5::file_create({creating, ""}, access.get());
        } catch (const Error& error) {  // name the file the user asked for, not our temporary name
            std::string message = error.what();
            for (std::size_t at = message.find(creating); at != std::string::npos;
                 at = message.find(creating, at + state.path.size()))
                message.replace(at, creating.size(), state.path);
            throw Error(error.kind(), message);
        }
        h5::file_flush(where, state.file.get());
        // One rank renames; the others learn whether it could (they hold the file open by its old name, which
        // stays valid).
        std::optional<Error> renamed;
        if (state.removes && std::rename(creating.c_str(), state.path.c_str()) != 0) {
            const int error = errno;
            std::string message = "cannot create '" + state.path;
            renamed = Error(ErrorKind::io, message + "': " + std::strerror(error));
        }
        if (several) renamed = team->agree(renamed);
        if (renamed) {
            state.file.reset();
            if (state.removes) std::remove(creating.c_str());
            throw Error(renamed->kind(), renamed->what());
        }
        state.created = true;
        return;
    }
    if (status == std::filesystem::file_type::directory)
        fail(ErrorKind::usage, "output '" + state.path + "' is a directory, not an HDF5 file");
    if (!h5::file_is_hdf5(where))
        fail(ErrorKind::usage,
             "output '" + state.path + "' exists and is not an HDF5 file; tilesum will not overwrite it");
    state.file = h5::file_open(where, /*read_write=*/true, access.get());
}

Hdf5OutputFile::~Hdf5OutputFile() = default;

const std::string& Hdf5OutputFile::path() const { return state_->path; }
bool Hdf5OutputFile::created() const { return state_->created; }

bool Hdf5OutputFile::has_dataset(const std::string& name) const {
    const h5::Where where{state_->path, h5::absolute_path(name)};
    return h5::find_object(where, state_->file.get(), where.dataset) == h5::ObjectKind::dataset;
}

namespace {

// The state of a pending dataset named `name`, before it is created or opened: names checked, temporary name chosen.
std::unique_ptr<Hdf5PendingDataset::State> pending_state(const std::shared_ptr<detail::OutputState>& output,
                                                         const std::string& name, const Shape& shape, DType dtype) {
    for (Extent extent : shape) TILESUM_ASSERT(extent >= 0);
    const std::string final_path = h5::absolute_path(name);
    const std::size_t leaf_begin = final_path.rfind('/') + 1;
    const std::string leaf = final_path.substr(leaf_begin);
    if (leaf.empty() || leaf == "." || leaf == "..")
        fail(ErrorKind::usage, "invalid output dataset name '" + name + "' in '" + output->path + "'");
    if (output->pending_names.count(final_path))
        fail(ErrorKind::usage, "output dataset '" + final_path + "' in '" + output->path + "' is written twice");

    auto state = std::make_unique<Hdf5PendingDataset::State>();
    state->output = output;
    state->where = {output->path, final_path};
    state->temp_path = final_path.substr(0, leaf_begin) + ".tilesum-partial-" + leaf;
    state->shape = shape;
    state->dtype = dtype;
    return state;
}

// Storage allocated at creation, so that writing tiles later touches raw data only (no chunk index, no metadata):
// what a flush put on disk stays consistent however a later write is cut short. Real datasets skip writing the
// fill value over all of it (the file stays sparse until tiles arrive); complex ones keep it, as writing one part
// reads the other back (hdf5_output's write_part).
void allocate_early(const h5::Where& where, hid_t dcpl, DType dtype) {
    if (H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) < 0)
        h5::fail_call(ErrorKind::io, where, "create", "H5Pset_alloc_time");
    if (!is_complex(dtype) && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0)
        h5::fail_call(ErrorKind::io, where, "create", "H5Pset_fill_time");
}

// The memory types through which one part of a complex dataset is written: a compound of one float64 field.
void create_part_memory_types(Hdf5PendingDataset::State& state) {
    state.real_memory_type = h5::type_create_compound(state.where, sizeof(double), {{"r", 0, H5T_NATIVE_DOUBLE}});
    state.imag_memory_type = h5::type_create_compound(state.where, sizeof(double), {{"i", 0, H5T_NATIVE_DOUBLE}});
}

}  // namespace

std::unique_ptr<Hdf5PendingDataset> Hdf5OutputFile::create_pending(const std::string& name, const Shape& shape,
                                                                   DType dtype) {
    detail::OutputState& output = *state_;
    std::lock_guard lock(hdf5_mutex());
    auto state = pending_state(state_, name, shape, dtype);
    const h5::Where& where = state->where;
    const hid_t file = output.file.get();
    if (h5::find_object(where, file, state->temp_path) != h5::ObjectKind::missing)
        h5::link_delete(where, file, state->temp_path);

    const h5::Handle lcpl = h5::plist_create(where, H5P_LINK_CREATE);
    h5::plist_set_create_intermediate_groups(where, lcpl.get());
    const h5::Handle dcpl = h5::plist_create(where, H5P_DATASET_CREATE);
    const Shape chunk = chunk_shape_for(shape, dtype);
    if (!chunk.empty()) h5::plist_set_chunk(where, dcpl.get(), chunk);
    allocate_early(where, dcpl.get(), dtype);
    const h5::Handle space = h5::space_create(where, shape);
    // Little-endian explicitly, so that the file is the same whatever machine wrote it.
    const h5::Handle file_type = file_type_for(where, dtype);
    if (!file_type.valid()) h5::fail_call(ErrorKind::io, where, "create the datatype of", "H5Tcopy");
    state->dataset =
        h5::dataset_create(where, file, state->temp_path, file_type.get(), space.get(), lcpl.get(), dcpl.get());
    if (is_complex(dtype)) create_part_memory_types(*state);

    output.pending_names.insert(where.dataset);
    return std::unique_ptr<Hdf5PendingDataset>(new Hdf5PendingDataset(std::move(state)));
}

std::unique_ptr<Hdf5PendingDataset> Hdf5OutputFile::open_pending(const std::string& name, const Shape& shape,
                                                                 DType dtype) {
    detail::OutputState& output = *state_;
    std::lock_guard lock(hdf5_mutex());
    auto state = pending_state(state_, name, shape, dtype);
    const h5::Where& where = state->where;
    const hid_t file = output.file.get();
    const std::string unfinished = "--resume: the unfinished output '" + where.dataset;
    if (h5::find_object(where, file, state->temp_path) != h5::ObjectKind::dataset)
        fail(ErrorKind::usage, unfinished + "' is missing from '" + output.path + "' (no dataset '" + state->temp_path +
                                   "'); run without --resume to start over");
    state->dataset = h5::dataset_open(where, file, state->temp_path);
    const h5::Handle space = h5::dataset_space(where, state->dataset.get());
    const h5::Handle stored_type = h5::dataset_type(where, state->dataset.get());
    const h5::Handle expected_type = file_type_for(where, dtype);
    if (h5::space_extent(where, space.get()) != shape || !h5::type_equal(where, stored_type.get(), expected_type.get()))
        fail(ErrorKind::usage, unfinished + "' in '" + output.path + "' is not " + format_shape(shape) + " " +
                                   dtype_name(dtype) + "; run without --resume to start over");
    if (is_complex(dtype)) create_part_memory_types(*state);
    output.pending_names.insert(where.dataset);
    return std::unique_ptr<Hdf5PendingDataset>(new Hdf5PendingDataset(std::move(state)));
}

void Hdf5OutputFile::flush_durably() {
    detail::OutputState& output = *state_;
    const h5::Where where{output.path, ""};
    {
        std::lock_guard lock(hdf5_mutex());
        h5::file_flush(where, output.file.get());
    }
    // fsync through a descriptor of our own: Linux writes back the file's dirty pages whichever descriptor asks.
    const int descriptor = ::open(output.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0 || ::fsync(descriptor) != 0) {
        const int error = errno;
        if (descriptor >= 0) ::close(descriptor);
        std::string message = "cannot write '" + output.path;
        fail(ErrorKind::io, message + "' to disk (fsync): " + std::strerror(error));
    }
    ::close(descriptor);
}

class Hdf5PendingDataset::Reader final : public TensorReader {
public:
    explicit Reader(const State& state) : state_(state) {}
    void read(const Ranges& ranges, double* dst) override {
        TILESUM_ASSERT(!state_.committed && state_.dtype == DType::f64);
        h5::check_ranges(ranges, state_.shape);
        const Shape block = range_shape(ranges);
        if (element_count(block) == 0) return;
        std::lock_guard lock(hdf5_mutex());
        const h5::Handle file_space = h5::dataset_space(state_.where, state_.dataset.get());
        h5::space_select(state_.where, file_space.get(), ranges);
        const h5::Handle memory_space = h5::space_create(state_.where, block);
        h5::dataset_read(state_.where, state_.dataset.get(), memory_space.get(), file_space.get(), dst);
    }

private:
    const State& state_;
};

Hdf5PendingDataset::Hdf5PendingDataset(std::unique_ptr<State> state)
    : state_(std::move(state)),
      real_part_(std::make_unique<PartWriter>(*this, ValuePart::real)),
      imag_part_(std::make_unique<PartWriter>(*this, ValuePart::imag)),
      reader_(std::make_unique<Reader>(*state_)) {}

TensorReader& Hdf5PendingDataset::reader() { return *reader_; }

TensorWriter& Hdf5PendingDataset::part(ValuePart part) {
    if (!is_complex(state_->dtype)) {
        TILESUM_ASSERT(part == ValuePart::real);
        return *this;
    }
    return part == ValuePart::real ? *real_part_ : *imag_part_;
}

Hdf5PendingDataset::~Hdf5PendingDataset() {
    State& state = *state_;
    std::lock_guard lock(hdf5_mutex());
    if (!state.committed && !state.kept) {
        state.dataset.reset();
        try {
            h5::link_delete(state.where, state.output->file.get(), state.temp_path);
        } catch (...) {
            // Nothing throws from a destructor. A temporary left behind is removed by the next create_pending of
            // the same name, and never mistaken for output.
        }
    }
    state.output->pending_names.erase(state.where.dataset);
}

void Hdf5PendingDataset::keep_for_resume() {
    state_->kept = true;
    state_->output->kept_for_resume = true;
}

const std::string& Hdf5PendingDataset::name() const { return state_->where.dataset; }
const Shape& Hdf5PendingDataset::shape() const { return state_->shape; }
DType Hdf5PendingDataset::dtype() const { return state_->dtype; }

void Hdf5PendingDataset::write(const Ranges& ranges, const double* src) {
    const State& state = *state_;
    TILESUM_ASSERT(!state.committed && !is_complex(state.dtype));
    h5::check_ranges(ranges, state.shape);
    const Shape block = range_shape(ranges);
    if (element_count(block) == 0) return;
    std::vector<unsigned char> narrowed;
    if (is_exact_kind(state.dtype) || state.dtype == DType::f16) {
        const Extent count = element_count(block);
        narrowed.resize(static_cast<std::size_t>(count) * dtype_size(state.dtype));
        const Extent refused = narrow_results(state.dtype, src, count, narrowed.data());
        if (refused != count) refuse_inexact_integer(state.where, state.dtype, ranges, refused, src[refused]);
    }

    std::lock_guard lock(hdf5_mutex());
    const h5::Handle file_space = h5::dataset_space(state.where, state.dataset.get());
    h5::space_select(state.where, file_space.get(), ranges);
    const h5::Handle memory_space = h5::space_create(state.where, block);
    if (narrowed.empty()) {
        h5::dataset_write(state.where, state.dataset.get(), memory_space.get(), file_space.get(), src);
        return;
    }
    const h5::Handle memory_type = narrowed_memory_type(state.where, state.dtype);
    h5::dataset_write(state.where, state.dataset.get(), memory_space.get(), file_space.get(), narrowed.data(),
                      memory_type.get());
}

void Hdf5PendingDataset::write_part(const Ranges& ranges, const double* src, ValuePart part) {
    const State& state = *state_;
    TILESUM_ASSERT(!state.committed && is_complex(state.dtype));
    h5::check_ranges(ranges, state.shape);
    const Shape block = range_shape(ranges);
    if (element_count(block) == 0) return;

    // HDF5 writes only the field of the memory compound, reading the other back from the file (or its fill value,
    // zero) so that parts written in any order, by different tiles, end up side by side.
    std::lock_guard lock(hdf5_mutex());
    const h5::Handle file_space = h5::dataset_space(state.where, state.dataset.get());
    h5::space_select(state.where, file_space.get(), ranges);
    const h5::Handle memory_space = h5::space_create(state.where, block);
    const hid_t memory_type = part == ValuePart::real ? state.real_memory_type.get() : state.imag_memory_type.get();
    h5::dataset_write(state.where, state.dataset.get(), memory_space.get(), file_space.get(), src, memory_type);
}

void Hdf5PendingDataset::set_attribute(const std::string& name, const std::string& value) {
    TILESUM_ASSERT(!state_->committed);
    h5::attribute_write_string(state_->where, state_->dataset.get(), name, value);
}

void Hdf5PendingDataset::commit(bool overwrite) {
    State& state = *state_;
    TILESUM_ASSERT(!state.committed);
    const h5::Where& where = state.where;
    const std::string& final_path = where.dataset;
    const hid_t file = state.output->file.get();

    std::lock_guard lock(hdf5_mutex());
    switch (h5::find_object(where, file, final_path)) {
        case h5::ObjectKind::missing: break;
        case h5::ObjectKind::dataset:
            if (!overwrite)
                fail(ErrorKind::usage,
                     "output dataset '" + final_path + "' already exists in '" + where.file + "' (use --overwrite)");
            h5::link_delete(where, file, final_path);
            break;
        case h5::ObjectKind::group:
        case h5::ObjectKind::other:
            fail(ErrorKind::usage, "'" + final_path + "' in '" + where.file +
                                       "' exists and is not a dataset; tilesum will not replace it");
    }
    state.dataset.reset();
    h5::link_move(where, file, state.temp_path, final_path, H5P_DEFAULT);
    state.committed = true;
    state.output->committed_any = true;
    h5::file_flush(where, file);
}

}  // namespace tilesum::io
