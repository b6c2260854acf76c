// Planning and running from Python (issue 14): _tilesum.Plan, make_plan, and run() into memory or HDF5 with the
// GIL released, interruptible by Ctrl-C.
#pragma once

#include <pybind11/pybind11.h>

namespace tilesum::python {

void bind_run(pybind11::module_& module);

}  // namespace tilesum::python
