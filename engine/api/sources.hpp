// Where a run's inputs come from and where its outputs go: the library API's sources and sinks (run.hpp).
//   tilesum::Sources sources;
//   tilesum::Tensor A = sources.hdf5("A", "in.h5", "/A");          // shape, dtype and chunks from the file
//   tilesum::Tensor B = sources.memory("B", values.data(), {q});   // borrowed, never copied
//   auto sink = tilesum::Sink::hdf5("out.h5");                     // or Sink::memory()
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/shape.hpp"
#include "engine/common/team.hpp"
#include "engine/expr/tensor.hpp"

namespace tilesum {

// Inputs by name. Each binding opens its source at once (a missing file or dataset is Error{usage} naming it) and
// returns the input as a Tensor of the source's shape and dtype (and HDF5 chunks, which the planner follows), to
// build expressions from. run() reads a plan's inputs from here by name.
class Sources {
public:
    Sources();
    ~Sources();
    Sources(Sources&& other) noexcept;
    Sources& operator=(Sources&& other) noexcept;

    // Dataset `dataset` ("/A") of an HDF5 file, read by hyperslabs as tiles need them.
    expr::Tensor hdf5(const std::string& name, const std::string& file, const std::string& dataset);
    // A numpy .npy file (any dtype tilesum reads, either byte order, C or Fortran order).
    expr::Tensor npy(const std::string& name, const std::string& file);
    // hdf5() or npy(), chosen by the file name (".npy": `dataset` must be empty).
    expr::Tensor file(const std::string& name, const std::string& file, const std::string& dataset);
    // Caller-owned float64 values in C order, element_count(shape) of them: borrowed, not copied; they must stay
    // valid and unchanged until run() returns.
    expr::Tensor memory(const std::string& name, const double* values, Shape shape);
    // The same for numpy's other dtypes: element_count(shape) elements of `dtype` (bool as one byte 0/1, float16 as
    // IEEE half bits, native byte order), borrowed and converted tile by tile; the input has that dtype, with
    // numpy's promotion and wrap-around (docs/formats.md). Complex memory is refused (Error{usage}).
    expr::Tensor memory(const std::string& name, const void* values, DType dtype, Shape shape);

    bool has(const std::string& name) const;
    // The input bound to `name`, as a Tensor; Error{usage} when nothing is bound to it.
    expr::Tensor tensor(const std::string& name) const;

    struct Source;                                        // opaque: engine/api/sources.cpp
    const Source& source(const std::string& name) const;  // for run(); asserts it is bound

private:
    expr::Tensor bind(const std::string& name, std::unique_ptr<Source> source);
    std::map<std::string, std::unique_ptr<Source>> sources_;
};

// Where outputs go.
class Sink {
public:
    // Each output NAME into dataset /NAME of an HDF5 file, created if missing. Outputs are written under temporary
    // names and renamed into place only when the run completes, so a failed run leaves nothing behind. An existing
    // dataset is replaced only with `overwrite`; `resume` continues an unfinished run of the same plan journaled
    // beside the file (FILE.tilesum-resume). When inputs are read from this file too, make the sink first: HDF5
    // opens a file once per process, and it must be opened for writing before its readers open it.
    // With a `team` of several MPI ranks (RunControl::team), every rank makes the sink, and the file is written by
    // all of them through parallel HDF5; `team` must outlive the sink.
    static Sink hdf5(const std::string& file, bool overwrite = false, bool resume = false, const Team* team = nullptr);
    // Outputs into memory: into caller-owned arrays given with into(), the others into arrays the sink allocates,
    // read after the run with result(). Values are float64; a complex output E is its two real parts, named
    // "re(E)" and "im(E)" (expr::part_name) for into() and result().
    static Sink memory();

    ~Sink();
    Sink(Sink&& other) noexcept;
    Sink& operator=(Sink&& other) noexcept;

    // Memory sinks: output `name` is written into `values` (element_count(shape) doubles, C order), borrowed.
    void into(const std::string& name, double* values, Shape shape);
    // HDF5 sinks: string attribute `name` recorded on every output dataset (h5py: dataset.attrs[name]), e.g. the
    // script the outputs were computed by. run() itself records "tilesum_version" and "tilesum_plan_digest" (a
    // digest of the plan's computation: equal for runs that compute the same bits, a script's and its saved plan's).
    void set_attribute(const std::string& name, const std::string& value);
    // HDF5 sinks: a run interrupted or stopped by a write error removes its unfinished work (the journal and the
    // pending datasets) instead of keeping it for resume, as any other failed run does: for front ends that offer no
    // resume (the Python module), where kept work would only be left behind.
    void discard_unfinished();

    // Memory sinks, after run(): an output the sink allocated, C order. Error{usage} for an unknown name.
    const std::vector<double>& result(const std::string& name) const;

    struct State;  // opaque: engine/api/sources.cpp
    State& state() { return *state_; }

private:
    explicit Sink(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace tilesum
