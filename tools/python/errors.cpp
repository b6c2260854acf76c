#include "tools/python/errors.hpp"

#include "engine/common/error.hpp"

namespace py = pybind11;

namespace tilesum::python {

namespace {

// The Python exception type of a kind. Returned borrowed: the builtin types live as long as the interpreter, and
// BudgetError is held by the module it is registered on.
PyObject* exception_type(ErrorKind kind, PyObject* budget_error) {
    switch (kind) {
        case ErrorKind::syntax:
        case ErrorKind::semantic:
        case ErrorKind::unsupported:
        case ErrorKind::usage: return PyExc_ValueError;
        case ErrorKind::resource: return budget_error;
        case ErrorKind::io: return PyExc_OSError;
        case ErrorKind::interrupted: return PyExc_KeyboardInterrupt;
        case ErrorKind::internal: return PyExc_RuntimeError;
    }
    return PyExc_RuntimeError;
}

// tilesum.BudgetError, owned forever: a translator is a plain function, and a type object outliving the module is
// harmless where a static py::object's destructor would run after the interpreter has gone.
PyObject* budget_error_type = nullptr;

}  // namespace

void bind_errors(py::module_& module) {
    // A subclass of MemoryError: `except MemoryError` catches an impossible budget as well as numpy's own, while
    // the message (naming the smallest budget that works) tells them apart.
    budget_error_type = py::exception<Error>(module, "BudgetError", PyExc_MemoryError).release().ptr();
    // pybind11's translator type is void(*)(std::exception_ptr): the parameter must be taken by value.
    py::register_exception_translator([](std::exception_ptr raised) {  // NOLINT(performance-unnecessary-value-param)
        if (!raised) return;
        try {
            std::rethrow_exception(raised);
        } catch (const Error& error) {
            PyErr_SetString(exception_type(error.kind(), budget_error_type), error.what());
        }
    });
}

}  // namespace tilesum::python
