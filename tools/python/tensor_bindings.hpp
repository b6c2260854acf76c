// Lazy expressions for Python (issue 14): tilesum::Tensor as _tilesum.Tensor, its builders (einsum, operators,
// the elementwise functions of docs/cpp-api.md) and the inputs' descriptions read from their files.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "engine/common/shape.hpp"

namespace tilesum::python {

void bind_tensors(pybind11::module_& module);

// The dtype numpy names `name` ("int32"); Error{usage} for a name tilesum has no dtype of.
DType dtype_of(const std::string& name);

}  // namespace tilesum::python
