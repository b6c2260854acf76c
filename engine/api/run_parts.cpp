#include "engine/api/run_parts.hpp"

#include <sys/stat.h>

#include "engine/common/error.hpp"
#include "io/hdf5_reader.hpp"

namespace tilesum::api {

namespace {

bool same_file(const std::string& left, const std::string& right) {
    struct stat left_stat {
    }, right_stat{};
    return stat(left.c_str(), &left_stat) == 0 && stat(right.c_str(), &right_stat) == 0 &&
           left_stat.st_dev == right_stat.st_dev && left_stat.st_ino == right_stat.st_ino;
}

// "(100, 100) float64, chunks (10, 10)": what a plan expects of an input, or what a source holds.
std::string input_description(const Shape& shape, DType dtype, const Shape& chunk_shape) {
    std::string text = format_shape(shape) + " " + dtype_name(dtype);
    return text + (chunk_shape.empty() ? ", not chunked" : ", chunks " + format_shape(chunk_shape));
}

}  // namespace

void bind_inputs(const plan::Instantiated& plan, const Sources& sources, BoundInputs& bound) {
    const expr::SplitProgram& program = plan.program;
    for (const expr::NamedNode& input : program.program.inputs) {
        const auto part = program.input_parts.find(input.name);
        const bool is_part = part != program.input_parts.end();
        const std::string name = is_part ? part->second.name : input.name;  // as the sources know it: X of re(X)
        if (!sources.has(name)) fail(ErrorKind::usage, "input '" + name + "' of the plan is bound to no source");
        const Sources::Source& source = sources.source(name);
        const expr::Node& expected = *input.node;
        const io::DatasetInfo& actual = source.info();
        if (actual.shape != expected.shape || actual.dtype != expected.dtype ||
            actual.chunk_shape != expected.chunk_shape) {
            std::string message = "input '" + name + "': the plan was made for ";
            message += input_description(expected.shape, expected.dtype, expected.chunk_shape) + ", but ";
            message += source.describe() + " is " + input_description(actual.shape, actual.dtype, actual.chunk_shape);
            fail(ErrorKind::usage, message + "; plan again for this data");
        }
        bound.sources[input.name] = &source;
        if (is_part && part->second.part == expr::Part::imag) {
            TILESUM_ASSERT(source.reader != nullptr);  // memory sources are float64
            bound.part_readers[input.name] = io::open_input(source.file, source.dataset, io::ValuePart::imag);
            bound.bindings.inputs[input.name] = bound.part_readers[input.name].get();
        } else {
            bound.bindings.inputs[input.name] = &source.tensor_reader();
        }
        bound.counting_readers.push_back(
            std::make_unique<api::CountingReader>(*bound.bindings.inputs[input.name], bound.bytes_read));
        bound.bindings.inputs[input.name] = bound.counting_readers.back().get();
    }
    // Views (repeated subscript labels, einsum('ii->i', A); slices, X[::2]) read their base input through its reader.
    for (const expr::NamedNode& view : program.program.views) {
        const expr::DiagonalView& diagonal = *view.node->diagonal_of;
        bound.view_readers.push_back(std::make_unique<io::DiagonalViewReader>(
            *bound.bindings.inputs.at(diagonal.base), diagonal.base_shape, diagonal.axes, view.node->shape,
            diagonal.starts, diagonal.steps, diagonal.reciprocal));
        bound.bindings.inputs[view.name] = bound.view_readers.back().get();
    }
    // The plan sized the HDF5 chunk caches within the budget, for the inputs whose chunks tiles split (at HDF5's
    // default for some): each reader learns its cache, and whether it holds a chunk (io/hdf5_reader.hpp).
    for (const auto& [name, bytes] : plan.plan.chunk_cache_bytes)
        if (auto source = bound.sources.find(name); source != bound.sources.end() && source->second->reader)
            source->second->reader->set_chunk_cache(bytes);
}

// The name of the dataset each output is written to: re(E) and im(E) share the one complex dataset /E.
std::string output_dataset(const expr::SplitProgram& program, const std::string& output) {
    const auto part = program.output_parts.find(output);
    return part == program.output_parts.end() ? output : part->second.name;
}

// An output never replaces a dataset the run reads, not even with overwrite: the run would destroy the data it was
// computed from (and, when it fails, leave neither). Other datasets of an input file may be replaced.
void refuse_replacing_inputs(const plan::Instantiated& plan, const BoundInputs& bound, const std::string& out_path) {
    for (const plan::OutputPlan& output : plan.plan.outputs) {
        // append(): GCC 12 reports a false -Wrestrict on "/" + std::string (GCC bug 105329).
        const std::string dataset = std::string("/").append(output_dataset(plan.program, output.name));
        for (const auto& [name, source] : bound.sources) {
            const auto* hdf5 = dynamic_cast<const io::Hdf5DatasetReader*>(source->reader.get());
            if (!hdf5 || hdf5->dataset() != dataset || !same_file(hdf5->file(), out_path)) continue;
            std::string message = "output '" + dataset;
            message += "' would replace input dataset '" + dataset;
            message += "' of '" + out_path;
            fail(ErrorKind::usage, message +
                                       "'; tilesum never writes over its inputs, even with --overwrite: rename "
                                       "the output or write to another --out");
        }
    }
}

exec::RunControl exec_control(const RunControl& control, CheckpointStore* checkpoints) {
    exec::RunControl result;
    if (control.on_progress)
        result.on_progress = [&control](const exec::Progress& done) {
            control.on_progress(Progress{done.tiles_done, done.tiles_total});
        };
    result.interrupted = control.cancel;
    result.checkpoints = checkpoints;
    return result;
}

void fill_stats(RunStats& stats, const exec::RunStats& executed, const plan::Plan& plan, const BoundInputs& bound) {
    stats.bytes_read = bound.bytes_read.load();
    stats.flops = executed.flops;
    stats.arena_peak_bytes = executed.arena_peak_bytes;
    stats.tiles_total = executed.tiles_total;
    stats.tiles_resumed = executed.tiles_resumed;
    stats.tile_budget_bytes = plan.budget_bytes - plan.piece_bytes - plan.chunk_cache_total_bytes;
    stats.chunk_cache_total_bytes = plan.chunk_cache_total_bytes;
}

bool has_scratch(const plan::Plan& plan) {
    for (const plan::OutputPlan& output : plan.outputs)
        if (output.scratch) return true;
    return false;
}

}  // namespace tilesum::api
