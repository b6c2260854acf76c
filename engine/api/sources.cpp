#include "engine/api/sources.hpp"

#include <filesystem>

#include "engine/api/sink_state.hpp"
#include "engine/api/source.hpp"
#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"

namespace tilesum {

Sources::Sources() = default;
Sources::~Sources() = default;
Sources::Sources(Sources&&) noexcept = default;
Sources& Sources::operator=(Sources&&) noexcept = default;

expr::Tensor Sources::bind(const std::string& name, std::unique_ptr<Source> source) {
    if (name.empty()) fail(ErrorKind::usage, "an input needs a name");
    if (sources_.count(name)) fail(ErrorKind::usage, "input '" + name + "' is bound twice");
    const io::DatasetInfo& info = source->info();
    expr::Tensor tensor(expr::make_input(name, info.shape, info.dtype, info.chunk_shape, info.filtered));
    sources_[name] = std::move(source);
    return tensor;
}

expr::Tensor Sources::hdf5(const std::string& name, const std::string& file, const std::string& dataset) {
    if (file.ends_with(".npy")) fail(ErrorKind::usage, "'" + file + "' is a .npy file: bind it with npy()");
    return bind(name, Source::open(file, dataset.empty() ? "/" + name : dataset));
}

expr::Tensor Sources::npy(const std::string& name, const std::string& file) {
    if (!file.ends_with(".npy"))
        fail(ErrorKind::usage, "'" + file + "' is not a .npy file (its name must end in .npy)");
    return bind(name, Source::open(file, ""));
}

expr::Tensor Sources::file(const std::string& name, const std::string& file, const std::string& dataset) {
    return bind(name, Source::open(file, dataset));
}

expr::Tensor Sources::memory(const std::string& name, const double* values, Shape shape) {
    if (!values && element_count(shape) > 0) fail(ErrorKind::usage, "input '" + name + "': no memory given");
    for (Extent extent : shape)
        if (extent < 0) fail(ErrorKind::usage, "input '" + name + "': negative extent in " + format_shape(shape));
    return bind(name, Source::borrow(values, std::move(shape)));
}

expr::Tensor Sources::memory(const std::string& name, const void* values, DType dtype, Shape shape) {
    if (dtype == DType::f64) return memory(name, static_cast<const double*>(values), std::move(shape));
    if (!values && element_count(shape) > 0) fail(ErrorKind::usage, "input '" + name + "': no memory given");
    for (Extent extent : shape)
        if (extent < 0) fail(ErrorKind::usage, "input '" + name + "': negative extent in " + format_shape(shape));
    return bind(name, Source::borrow(name, values, dtype, std::move(shape)));
}

bool Sources::has(const std::string& name) const { return sources_.count(name) != 0; }

expr::Tensor Sources::tensor(const std::string& name) const {
    auto it = sources_.find(name);
    if (it == sources_.end()) fail(ErrorKind::usage, "no input named '" + name + "' is bound");
    const io::DatasetInfo& info = it->second->info();
    return expr::Tensor(expr::make_input(name, info.shape, info.dtype, info.chunk_shape, info.filtered));
}

const Sources::Source& Sources::source(const std::string& name) const {
    auto it = sources_.find(name);
    TILESUM_ASSERT(it != sources_.end());
    return *it->second;
}

// ------------------------------------------------------------------------------------------------------- sinks

Sink::Sink(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sink::~Sink() = default;
Sink::Sink(Sink&&) noexcept = default;
Sink& Sink::operator=(Sink&&) noexcept = default;

Sink Sink::hdf5(const std::string& file, bool overwrite, bool resume, const Team* team) {
    if (file.empty()) fail(ErrorKind::usage, "the output file name is empty");
    auto state = std::make_unique<State>();
    state->kind = State::Kind::hdf5;
    state->path = file;
    state->overwrite = overwrite;
    state->resume = resume;
    state->team = team;
    // An existing file is opened now, before any reader may open it read-only; a new one is created only by a run
    // that got past its checks, so that a refused run leaves no file behind.
    // A team agrees on whether it exists (rank 0's view) inside Hdf5OutputFile, so ask rank 0 first.
    std::error_code error;
    bool exists = std::filesystem::exists(file, error);
    if (team && team->size() > 1) exists = team->broadcast(exists ? "1" : "0") == "1";
    if (exists) state->file = std::make_unique<io::Hdf5OutputFile>(file, team);
    return Sink(std::move(state));
}

Sink Sink::memory() {
    auto state = std::make_unique<State>();
    state->kind = State::Kind::memory;
    return Sink(std::move(state));
}

void Sink::into(const std::string& name, double* values, Shape shape) {
    if (state_->kind != State::Kind::memory) fail(ErrorKind::usage, "into(): only a memory sink writes into arrays");
    if (!values && element_count(shape) > 0) fail(ErrorKind::usage, "output '" + name + "': no memory given");
    state_->into[name] = {values, std::move(shape)};
}

void Sink::set_attribute(const std::string& name, const std::string& value) {
    if (state_->kind != State::Kind::hdf5)
        fail(ErrorKind::usage, "set_attribute(): only an HDF5 sink records attributes on its outputs");
    if (name.empty()) fail(ErrorKind::usage, "set_attribute(): the attribute name is empty");
    state_->attributes[name] = value;
}

void Sink::discard_unfinished() {
    if (state_->kind != State::Kind::hdf5) fail(ErrorKind::usage, "discard_unfinished(): only an HDF5 sink keeps work");
    state_->keep_unfinished = false;
}

const std::vector<double>& Sink::result(const std::string& name) const {
    auto it = state_->results.find(name);
    if (it == state_->results.end())
        fail(ErrorKind::usage, "the sink holds no output named '" + name + "' (was the run done, into() used?)");
    return it->second;
}

}  // namespace tilesum
