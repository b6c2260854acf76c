#include "tools/python/tensor_bindings.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <tilesum/tilesum.hpp>

namespace py = pybind11;

namespace tilesum::python {

DType dtype_of(const std::string& name) {
    if (const std::optional<DType> dtype = dtype_named(name)) return *dtype;
    fail(ErrorKind::usage, "tilesum has no dtype '" + name + "'");
}

namespace {

using expr::Tensor;

py::tuple shape_tuple(const Tensor& tensor) {
    const Shape& shape = tensor.shape();
    py::tuple result(shape.size());
    for (std::size_t axis = 0; axis < shape.size(); ++axis) result[axis] = shape[axis];
    return result;
}

// Binds a file input in a Sources of its own, only to learn its shape, dtype and chunks: the Sources (and with it
// the file) is closed again at once, because HDF5 opens a file once per process and a later run may have to open
// it for writing first (to_hdf5 into the file an input comes from). The run binds it again under the same name.
Tensor describe_hdf5(const std::string& name, const std::string& file, const std::string& dataset) {
    Sources sources;
    return sources.hdf5(name, file, dataset);
}

Tensor describe_npy(const std::string& name, const std::string& file) {
    Sources sources;
    return sources.npy(name, file);
}

using Unary = Tensor (*)(const Tensor&);
using IndexSpelling = std::tuple<std::string, std::optional<Extent>, std::optional<Extent>, std::optional<Extent>>;

}  // namespace

void bind_tensors(py::module_& module) {
    py::class_<Tensor>(module, "Tensor", "A node of the lazy expression DAG (engine/expr/tensor.hpp).")
        .def_property_readonly("shape", &shape_tuple, "The shape, a tuple of ints.")
        .def_property_readonly(
            "dtype", [](const Tensor& tensor) { return std::string(dtype_name(tensor.node()->dtype)); },
            "numpy's name of the dtype: 'float64', 'int32', 'complex128', ...");

    module.def("describe_hdf5", &describe_hdf5, py::arg("name"), py::arg("file"), py::arg("dataset"),
               "An input named NAME reading DATASET of the HDF5 FILE (its shape, dtype and chunks).");
    module.def("describe_npy", &describe_npy, py::arg("name"), py::arg("file"),
               "An input named NAME reading the .npy FILE.");
    module.def(
        "describe_memory",
        [](const std::string& name, const Shape& shape, const std::string& dtype) {
            return Tensor::input(name, shape, dtype_of(dtype));
        },
        py::arg("name"), py::arg("shape"), py::arg("dtype") = "float64",
        "An input named NAME of SHAPE and DTYPE (numpy's name), bound to memory when run.");

    module.def("einsum", &expr::einsum, py::arg("subscripts"), py::arg("operands"));
    // numpy's array functions that are einsums (engine/expr/numpy_ops.hpp), with numpy's axes and errors.
    module.def("matmul", &expr::matmul);
    module.def("dot", &expr::dot);
    module.def("inner", &expr::inner);
    module.def("outer", &expr::outer);
    module.def("tensordot_axes",
               py::overload_cast<const Tensor&, const Tensor&, const expr::AxisList&, const expr::AxisList&>(
                   &expr::tensordot));
    module.def("tensordot_count", py::overload_cast<const Tensor&, const Tensor&, std::int64_t>(&expr::tensordot));
    module.def("trace", &expr::trace);
    module.def("diagonal", &expr::diagonal);
    module.def("transpose", &expr::transpose);
    module.def("swapaxes", &expr::swapaxes);
    module.def("sum", &expr::sum);
    // Basic indexing, as _expr.Expr.__getitem__ spells each item: ("slice", start, stop, step), ("index", i) with i
    // in `start`, ("ellipsis"); absent values are None (numpy's defaults).
    module.def("index", [](const Tensor& tensor, const std::vector<IndexSpelling>& spelled) {
        std::vector<expr::IndexItem> items;
        for (const auto& [kind, start, stop, step] : spelled) {
            if (kind == "ellipsis")
                items.push_back(expr::etc());
            else if (kind == "index")
                items.push_back(expr::at(start.value()));
            else
                items.push_back(expr::range(start, stop, step));
        }
        return expr::index(tensor, items);
    });
    module.def("mean", &expr::mean);
    module.def("add", [](const Tensor& left, const Tensor& right) { return left + right; });
    module.def("subtract", [](const Tensor& left, const Tensor& right) { return left - right; });
    module.def("multiply", [](const Tensor& left, const Tensor& right) { return left * right; });
    module.def("negative", [](const Tensor& operand) { return -operand; });
    // A Python number keeps numpy's value-based dtype rules: whether it was an int (or a bool) matters.
    module.def("scale", [](const Tensor& operand, double coefficient, bool integer, bool boolean) {
        return expr::scaled(operand, expr::ScalarLiteral{coefficient, integer, boolean});
    });
    module.def("with_dtype",
               [](const Tensor& operand, const std::string& name) { return expr::as_dtype(operand, dtype_of(name)); });
    module.def("divide_by", [](const Tensor& operand, double divisor, bool integer, bool boolean) {
        return expr::divided(operand, expr::ScalarLiteral{divisor, integer, boolean});
    });

    // One name each, as numpy spells them; the C++ API's overloads become explicit names where Python would have
    // to guess between a Tensor and a number.
    const std::vector<std::pair<const char*, Unary>> unary = {
        {"exp", &expr::exp},   {"log", &expr::log},  {"log1p", &expr::log1p}, {"expm1", &expr::expm1},
        {"sqrt", &expr::sqrt}, {"sin", &expr::sin},  {"cos", &expr::cos},     {"tanh", &expr::tanh},
        {"abs", &expr::abs},   {"sign", &expr::sign}};
    for (const auto& [name, function] : unary) module.def(name, function);

    module.def("power", py::overload_cast<const Tensor&, const Tensor&>(&expr::pow));
    module.def("power_by_scalar", py::overload_cast<const Tensor&, double>(&expr::pow));
    module.def("scalar_power", py::overload_cast<double, const Tensor&>(&expr::pow));
    module.def("maximum", py::overload_cast<const Tensor&, const Tensor&>(&expr::maximum));
    module.def("maximum_scalar", py::overload_cast<const Tensor&, double>(&expr::maximum));
    module.def("minimum", py::overload_cast<const Tensor&, const Tensor&>(&expr::minimum));
    module.def("minimum_scalar", py::overload_cast<const Tensor&, double>(&expr::minimum));
    module.def("equal", py::overload_cast<const Tensor&, const Tensor&>(&expr::equal));
    module.def("equal_scalar", py::overload_cast<const Tensor&, double>(&expr::equal));
    module.def("not_equal", py::overload_cast<const Tensor&, const Tensor&>(&expr::not_equal));
    module.def("not_equal_scalar", py::overload_cast<const Tensor&, double>(&expr::not_equal));
    module.def("less", [](const Tensor& left, const Tensor& right) { return left < right; });
    module.def("less_scalar", [](const Tensor& left, double right) { return left < right; });
    module.def("less_equal", [](const Tensor& left, const Tensor& right) { return left <= right; });
    module.def("less_equal_scalar", [](const Tensor& left, double right) { return left <= right; });
    module.def("greater", [](const Tensor& left, const Tensor& right) { return left > right; });
    module.def("greater_scalar", [](const Tensor& left, double right) { return left > right; });
    module.def("greater_equal", [](const Tensor& left, const Tensor& right) { return left >= right; });
    module.def("greater_equal_scalar", [](const Tensor& left, double right) { return left >= right; });
    module.def("where", py::overload_cast<const Tensor&, const Tensor&, const Tensor&>(&expr::where));
}

}  // namespace tilesum::python
