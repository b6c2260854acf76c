// tilesum::Error as Python exceptions (issue 14): what a Python user catches for each error kind.
#pragma once

#include <pybind11/pybind11.h>

namespace tilesum::python {

// Registers BudgetError (a MemoryError) on `module` and the translator of tilesum::Error:
//   syntax, semantic, unsupported, usage -> ValueError      resource -> BudgetError
//   io -> OSError      interrupted -> KeyboardInterrupt      internal -> RuntimeError
// each with the message the CLI prints.
void bind_errors(pybind11::module_& module);

}  // namespace tilesum::python
