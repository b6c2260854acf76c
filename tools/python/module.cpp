// The compiled half of the Python module tilesum (issue 14): tilesum._tilesum. The package around it
// (tools/python/tilesum/) gives Python its operators, numpy protocols and docstrings; this half only binds the
// library's public API (include/tilesum/tilesum.hpp).
#include <pybind11/pybind11.h>

#include <tilesum/tilesum.hpp>

#include "tools/python/errors.hpp"
#include "tools/python/run_bindings.hpp"
#include "tools/python/tensor_bindings.hpp"

PYBIND11_MODULE(_tilesum, module) {
    module.doc() = "tilesum's library API for the Python package tilesum (use that instead).";
    module.attr("__version__") = tilesum::version();
    tilesum::python::bind_errors(module);
    tilesum::python::bind_tensors(module);
    tilesum::python::bind_run(module);
}
