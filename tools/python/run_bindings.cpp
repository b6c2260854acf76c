#include "tools/python/run_bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tilesum/tilesum.hpp>

#include "engine/common/bytes.hpp"
#include "tools/python/tensor_bindings.hpp"

namespace py = pybind11;

namespace tilesum::python {

namespace {

// How often a waiting compute looks at Python's signals: Ctrl-C must raise KeyboardInterrupt within a second.
constexpr std::chrono::milliseconds signal_poll_interval{50};

Strategy parse_strategy(const std::string& name) {
    if (name == "auto") return Strategy::automatic;
    if (name == "expand") return Strategy::expand;
    if (name == "tile") return Strategy::tile;
    fail(ErrorKind::usage, "strategy '" + name + "': expected auto, expand or tile");
}

Plan plan_outputs(const std::vector<std::pair<std::string, expr::Tensor>>& named, std::uint64_t budget_bytes,
                  int threads, const std::string& strategy, const std::map<std::string, Extent>& tiles,
                  const std::string& profile) {
    PlanOptions options;
    // The profile `tilesum calibrate` measured, found where the CLI finds it, unless profile= names another.
    options.machine = load_machine_profile(locate_machine_profile(profile, "profile="));
    options.budget_bytes = budget_bytes;
    options.threads = threads;
    options.strategy = parse_strategy(strategy);
    for (const auto& [index, size] : tiles) {
        if (index.size() != 1 || size < 1)
            fail(ErrorKind::usage, "tile '" + index + "=" + std::to_string(size) +
                                       "': expected a one-letter index and a positive size, e.g. tile={'k': 64}");
        options.forced_tiles.emplace(index[0], size);
    }
    std::vector<Output> outputs;
    for (const auto& [name, tensor] : named) outputs.push_back({name, tensor});
    py::gil_scoped_release release;  // planning searches paths and tilings: other Python threads may run meanwhile
    return make_plan(outputs, options);
}

// numpy memory handed to the library: float64, C order (the Python side converts anything else first, so another
// array here is a bug).
void check_float64(const py::array& array, const std::string& name) {
    if (!py::isinstance<py::array_t<double, py::array::c_style>>(array))
        fail(ErrorKind::internal,
             "internal error (a bug in tilesum): the memory of '" + name + "' is not a C-contiguous float64 array");
}

// Inputs are only read: their arrays may be read-only.
const double* input_data(const py::array& array, const std::string& name) {
    check_float64(array, name);
    return static_cast<const double*>(array.data());
}

// Outputs are written: mutable_data() refuses a read-only array.
double* output_data(py::array& array, const std::string& name) {
    check_float64(array, name);
    return static_cast<double*>(array.mutable_data());
}

Shape array_shape(const py::array& array) {
    Shape shape;
    for (py::ssize_t axis = 0; axis < array.ndim(); ++axis) shape.push_back(array.shape(axis));
    return shape;
}

// numpy memory as an input: float64 read in place; bool, the integers, float16 and float32 borrowed too and
// widened hyperslab by hyperslab (engine/api/typed_memory.hpp). The Python side hands over C-contiguous, aligned
// arrays in native byte order only (and complex ones as files), so anything else here is a bug.
void bind_memory(Sources& sources, const std::string& name, const py::array& array) {
    const std::string dtype = py::str(array.dtype()).cast<std::string>();
    if (dtype == "float64") {
        sources.memory(name, input_data(array, name), array_shape(array));
        return;
    }
    const bool c_order = (array.flags() & py::array::c_style) != 0;
    if (!c_order || !array.dtype().attr("isnative").cast<bool>())
        fail(ErrorKind::internal, "internal error (a bug in tilesum): the memory of '" + name +
                                      "' is not a C-contiguous array in native byte order");
    sources.memory(name, array.data(), dtype_of(dtype), array_shape(array));
}

// An input as the Python side describes it: (name, kind, file, dataset, array), kind "hdf5", "npy" or "memory".
using Binding = std::tuple<std::string, std::string, std::string, std::string, py::object>;

void bind_inputs(Sources& sources, const std::vector<Binding>& bindings) {
    for (const auto& [name, kind, file, dataset, array] : bindings) {
        if (kind == "hdf5")
            sources.hdf5(name, file, dataset);
        else if (kind == "npy")
            sources.npy(name, file);
        else if (kind == "memory")
            bind_memory(sources, name, array);
        else
            fail(ErrorKind::internal, "internal error (a bug in tilesum): input kind '" + kind + "'");
    }
}

py::dict stats_dict(const RunStats& stats) {
    py::dict result;
    result["seconds"] = stats.seconds;
    result["flops"] = stats.flops;
    result["arena_peak_bytes"] = stats.arena_peak_bytes;
    result["tiles_total"] = stats.tiles_total;
    result["bytes_read"] = stats.bytes_read;
    return result;
}

// run() on a thread of its own while this one, the caller's, waits with the GIL released and every
// signal_poll_interval takes it back briefly to let Python run its signal handlers (only the main thread's do
// anything). A handler's exception (KeyboardInterrupt from Ctrl-C) cancels the run, which stops between tiles and
// leaves no output, and is raised here once the run has stopped.
RunStats run_interruptible(const Plan& plan, Sources& sources, Sink& sink, int threads, bool progress) {
    std::atomic<bool> cancel{false};
    std::atomic<Extent> tiles_done{0};
    std::atomic<Extent> tiles_total{0};
    RunControl control;
    control.cancel = &cancel;
    control.threads = threads;
    control.on_progress = [&](const Progress& now) {
        tiles_done = now.tiles_done;
        tiles_total = now.tiles_total;
    };
    std::optional<py::error_already_set> signal_error;
    std::future<RunStats> finished;
    {
        py::gil_scoped_release release;
        finished = std::async(std::launch::async, [&] { return run(plan, sources, sink, control); });
        Extent shown = -1;
        while (finished.wait_for(signal_poll_interval) != std::future_status::ready) {
            const py::gil_scoped_acquire acquire;
            if (!signal_error && PyErr_CheckSignals() != 0) {
                signal_error.emplace();  // takes the pending exception out of the interpreter until the run stops
                cancel = true;
            }
            if (progress && tiles_done != shown && tiles_total > 0) {
                shown = tiles_done;
                try {
                    py::print(py::str("\rtilesum: {}/{} tiles").format(shown, tiles_total.load()), py::arg("end") = "",
                              py::arg("flush") = true, py::arg("file") = py::module_::import("sys").attr("stderr"));
                } catch (...) {
                    // sys.stderr failed (closed, replaced): stop the run before its state goes out of scope.
                    cancel = true;
                    finished.wait();
                    throw;
                }
            }
        }
    }
    if (progress && tiles_total > 0) py::print(py::arg("file") = py::module_::import("sys").attr("stderr"));
    if (signal_error) {
        try {
            finished.get();
        } catch (const Error& error) {
            if (error.kind() != ErrorKind::interrupted) throw;  // the run failed on its own before it saw the cancel
        }
        throw *signal_error;
    }
    return finished.get();
}

// Outputs into numpy arrays the caller allocated: {name: array}, float64, C order, of each output's shape.
py::dict run_into_memory(const Plan& plan, const std::vector<Binding>& bindings, const py::dict& outputs, int threads,
                         bool progress) {
    Sink sink = Sink::memory();
    for (const auto& [name, array] : outputs) {
        const auto name_text = name.cast<std::string>();
        auto values = array.cast<py::array>();
        sink.into(name_text, output_data(values, name_text), array_shape(values));
    }
    Sources sources;
    bind_inputs(sources, bindings);
    return stats_dict(run_interruptible(plan, sources, sink, threads, progress));
}

// Outputs into datasets /NAME of an HDF5 file, committed only when the run completes; a failed or interrupted run
// leaves the file as it was.
py::dict run_into_hdf5(const Plan& plan, const std::vector<Binding>& bindings, const std::string& file, bool overwrite,
                       int threads, bool progress) {
    Sink sink = Sink::hdf5(file, overwrite);  // before the sources: an input may come from this file (sources.hpp)
    sink.discard_unfinished();                // Python offers no resume: an interrupted run leaves nothing behind
    Sources sources;
    bind_inputs(sources, bindings);
    return stats_dict(run_interruptible(plan, sources, sink, threads, progress));
}

}  // namespace

void bind_run(py::module_& module) {
    py::class_<Plan>(module, "Plan", "A plan: plain data, as `tilesum plan --json` prints it.")
        .def("explain", &Plan::explain, "The text `tilesum plan` prints.")
        .def("to_json", &Plan::to_json, "The plan as JSON; Plan.from_json reads it back (equal).")
        .def_static(
            "from_json", [](const std::string& text) { return Plan::from_json(text); }, py::arg("text"),
            "A plan from the JSON of to_json (or the \"plan\" of `tilesum plan --json`).")
        .def("__eq__", [](const Plan& left, const Plan& right) { return left == right; });

    module.def("make_plan", &plan_outputs, py::arg("outputs"), py::arg("budget_bytes"), py::arg("threads"),
               py::arg("strategy"), py::arg("tiles"), py::arg("profile"));
    module.def("run_into_memory", &run_into_memory, py::arg("plan"), py::arg("bindings"), py::arg("outputs"),
               py::arg("threads"), py::arg("progress"));
    module.def("run_into_hdf5", &run_into_hdf5, py::arg("plan"), py::arg("bindings"), py::arg("file"),
               py::arg("overwrite"), py::arg("threads"), py::arg("progress"));
    module.def(
        "parse_size",
        [](const std::string& text) {
            const std::optional<std::uint64_t> bytes = parse_size(text);
            if (!bytes) fail(ErrorKind::usage, "memory '" + text + "': expected a size such as 64MiB, 2G or 1048576");
            return *bytes;
        },
        py::arg("text"), "Bytes of a size as --memory takes it: 64MiB, 2G, 1048576.");
}

}  // namespace tilesum::python
