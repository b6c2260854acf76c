#include "engine/expr/build.hpp"

#include <cmath>
#include <map>

#include "engine/expr/diagonal.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/einsum_labels.hpp"

namespace tilesum::expr {

namespace {

// np.result_type of the operands (engine/expr/dtype_promotion.hpp).
DType promote(const std::vector<Operand>& operands) {
    DType dtype = operands.front().node->dtype;
    for (const Operand& operand : operands) dtype = promote_types(dtype, operand.node->dtype);
    return dtype;
}

// "C (102, 100, 100) and C2 (102, 100, 101)": numpy's shapes, with the names the user wrote.
std::string shapes_text(const std::vector<Operand>& operands) {
    std::string text;
    for (std::size_t position = 0; position < operands.size(); ++position) {
        if (position) text += position + 1 == operands.size() ? " and " : ", ";
        text += operands[position].display + " " + format_shape(operands[position].node->shape);
    }
    return text;
}

// Axis labels of a broadcast result: for each result axis, the first operand's label for that axis.
std::string broadcast_axis_labels(const Shape& shape, const std::vector<Operand>& operands) {
    std::string labels(shape.size(), '\0');
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
        for (const Operand& operand : operands) {
            const Node& node = *operand.node;
            std::size_t offset = shape.size() - node.shape.size();
            if (axis < offset) continue;
            std::size_t operand_axis = axis - offset;
            if (node.shape[operand_axis] == shape[axis] && node.axis_labels[operand_axis] != '\0') {
                labels[axis] = node.axis_labels[operand_axis];
                break;
            }
        }
    }
    return labels;
}

// The input and axis that an axis of `node` takes its extent from, for messages: "Z2, shape (102, 103)".
std::string extent_origin(const Node& node, std::size_t axis) {
    switch (node.kind) {
        case NodeKind::input: return node.name + ", shape " + format_shape(node.shape);
        case NodeKind::einsum: {
            const char label = node.output_labels[axis];
            for (std::size_t position = 0; position < node.operands.size(); ++position) {
                std::size_t operand_axis = node.operand_labels[position].find(label);
                if (operand_axis != std::string::npos) return extent_origin(*node.operands[position], operand_axis);
            }
            break;
        }
        case NodeKind::lincomb:
        case NodeKind::product:
        case NodeKind::function:
            for (const NodePtr& operand : node.operands) {
                std::size_t offset = node.shape.size() - operand->shape.size();
                if (axis >= offset && operand->shape[axis - offset] == node.shape[axis])
                    return extent_origin(*operand, axis - offset);
            }
            break;
    }
    return "";
}

// numpy's message, preceded by the first axis that disagrees, named by its index and traced to its input.
[[noreturn]] void fail_broadcast(const std::vector<Operand>& operands, std::optional<SourceSpan> span) {
    std::string detail;
    for (std::size_t right = 1; right < operands.size() && detail.empty(); ++right) {
        const Node& first = *operands[0].node;
        const Node& other = *operands[right].node;
        const std::size_t common = std::min(first.shape.size(), other.shape.size());
        for (std::size_t back = 1; back <= common; ++back) {
            const std::size_t first_axis = first.shape.size() - back, other_axis = other.shape.size() - back;
            const Extent first_extent = first.shape[first_axis], other_extent = other.shape[other_axis];
            if (first_extent == other_extent || first_extent == 1 || other_extent == 1) continue;
            const char label = first.axis_labels[first_axis] ? first.axis_labels[first_axis]
                                                             : other.axis_labels[other_axis];
            detail = (label ? std::string("index '") + label + "'" : "axis " + std::to_string(first_axis)) + " is " +
                     std::to_string(first_extent) + " in " + operands[0].display + " (from " +
                     extent_origin(first, first_axis) + ") but " + std::to_string(other_extent) + " in " +
                     operands[right].display + " (from " + extent_origin(other, other_axis) + "): ";
            break;
        }
    }
    fail(ErrorKind::semantic, detail + "operands could not be broadcast together: " + shapes_text(operands), span);
}

}  // namespace

NodePtr make_input(std::string name, Shape shape, DType dtype, Shape chunk_shape, bool filtered) {
    auto node = std::make_shared<Node>();
    node->kind = NodeKind::input;
    node->axis_labels.assign(shape.size(), '\0');
    node->shape = std::move(shape);
    node->dtype = dtype;
    node->name = std::move(name);
    if (chunk_shape.size() == node->shape.size()) node->chunk_shape = std::move(chunk_shape);
    node->filtered = filtered && !node->chunk_shape.empty();  // HDF5 filters only chunked datasets
    return node;
}

NodePtr make_einsum(const std::vector<std::string>& operand_labels, const std::string& output_labels,
                    const std::vector<Operand>& operands, std::optional<SourceSpan> span) {
    Subscripts subscripts;
    subscripts.inputs = operand_labels;
    subscripts.output = output_labels;
    return make_einsum(subscripts, operands, span);
}

NodePtr make_einsum(const Subscripts& subscripts, const std::vector<Operand>& operands,
                    std::optional<SourceSpan> span) {
    if (subscripts.inputs.size() != operands.size())
        fail(ErrorKind::semantic,
             "einsum subscripts name " + std::to_string(subscripts.inputs.size()) + " operand(s) but " +
                 std::to_string(operands.size()) + " were given",
             span);
    // Letters only from here on: ellipsis expanded, broadcast extent-1 axes relabelled.
    const EinsumLabels resolved = resolve_einsum_labels(subscripts, operands, span);
    const std::vector<std::string>& operand_labels = resolved.operands;
    const std::string& output_labels = resolved.output;

    struct Seen {
        Extent extent;
        std::string where;
    };
    std::map<char, Seen> extents;
    for (std::size_t position = 0; position < operands.size(); ++position) {
        const Operand& operand = operands[position];
        const std::string& labels = operand_labels[position];
        const Shape& shape = operand.node->shape;
        if (labels.size() != shape.size())
            fail(ErrorKind::semantic,
                 "einsum operand " + std::to_string(position + 1) + " (" + operand.display + ") has " +
                     std::to_string(shape.size()) + " dimension(s) " + format_shape(shape) + " but its subscripts '" +
                     labels + "' name " + std::to_string(labels.size()),
                 operand.span ? operand.span : span);
        for (std::size_t axis = 0; axis < labels.size(); ++axis) {
            auto [it, inserted] = extents.try_emplace(labels[axis], Seen{shape[axis], operand.display});
            if (!inserted && it->second.extent != shape[axis]) {
                // Name the data behind the disagreement: the input's expected and actual shape, or where the
                // extent of a computed operand comes from.
                std::string detail;
                if (operand.node->kind == NodeKind::input) {
                    Shape expected = shape;
                    expected[axis] = it->second.extent;
                    detail = " (input " + operand.node->name + ": expected shape " + format_shape(expected) +
                             ", actual " + format_shape(shape) + ")";
                } else {
                    detail = " (from " + extent_origin(*operand.node, axis) + ")";
                }
                fail(ErrorKind::semantic,
                     std::string("index '") + labels[axis] + "' is " + std::to_string(it->second.extent) + " in " +
                         it->second.where + " but " + std::to_string(shape[axis]) + " in " + operand.display + detail,
                     operand.span ? operand.span : span);
            }
        }
    }

    auto node = std::make_shared<Node>();
    node->kind = NodeKind::einsum;
    for (char label : output_labels) {
        auto it = extents.find(label);
        TILESUM_ASSERT(it != extents.end());  // the subscripts parser checks output labels appear in an operand
        node->shape.push_back(it->second.extent);
    }
    node->dtype = promote(operands);
    // An operand that repeats a letter is replaced by its diagonal, its letters each once.
    for (std::size_t position = 0; position < operands.size(); ++position) {
        std::string distinct;
        for (char label : operand_labels[position])
            if (distinct.find(label) == std::string::npos) distinct += label;
        node->operand_labels.push_back(distinct);
        node->operands.push_back(take_diagonal(operands[position].node, operand_labels[position], distinct));
    }
    node->output_labels = output_labels;
    node->axis_labels = output_labels;
    return node;
}

std::optional<Shape> broadcast_shapes(const std::vector<Shape>& shapes) {
    std::size_t rank = 0;
    for (const Shape& shape : shapes) rank = std::max(rank, shape.size());
    Shape result(rank, 1);
    for (const Shape& shape : shapes) {
        std::size_t offset = rank - shape.size();
        for (std::size_t axis = 0; axis < shape.size(); ++axis) {
            Extent& target = result[offset + axis];
            if (shape[axis] == target || shape[axis] == 1) continue;
            if (target != 1) return std::nullopt;
            target = shape[axis];
        }
    }
    return result;
}

NodePtr make_lincomb(const std::vector<double>& coefficients, const std::vector<Operand>& operands,
                     std::optional<SourceSpan> span) {
    TILESUM_ASSERT(coefficients.size() == operands.size() && !operands.empty());
    std::vector<Shape> shapes;
    for (const Operand& operand : operands) shapes.push_back(operand.node->shape);
    std::optional<Shape> shape = broadcast_shapes(shapes);
    if (!shape) fail_broadcast(operands, span);

    auto node = std::make_shared<Node>();
    node->kind = NodeKind::lincomb;
    node->shape = *shape;
    node->dtype = promote(operands);
    node->axis_labels = broadcast_axis_labels(*shape, operands);
    for (std::size_t term = 0; term < operands.size(); ++term) {
        const NodePtr& child = operands[term].node;
        // Flatten an unnamed sum into this one: a + b + c is one node with three terms. Not an integer or bool
        // sum: numpy wraps it around (or takes it logically) in its own dtype before the outer sum or scaling,
        // whose dtype may differ (expr/integer_wraparound.hpp checks the nested form).
        if (child->kind == NodeKind::lincomb && child->shape == *shape && !is_exact_kind(child->dtype) &&
            child->imag_coefficients.empty()) {
            for (std::size_t inner = 0; inner < child->operands.size(); ++inner) {
                node->operands.push_back(child->operands[inner]);
                node->coefficients.push_back(coefficients[term] * child->coefficients[inner]);
            }
        } else {
            node->operands.push_back(child);
            node->coefficients.push_back(coefficients[term]);
        }
    }
    return node;
}

NodePtr make_product(const Operand& left, const Operand& right, std::optional<SourceSpan> span) {
    std::optional<Shape> shape = broadcast_shapes({left.node->shape, right.node->shape});
    if (!shape) fail_broadcast({left, right}, span);
    auto node = std::make_shared<Node>();
    node->kind = NodeKind::product;
    node->shape = *shape;
    node->dtype = promote({left, right});
    node->axis_labels = broadcast_axis_labels(*shape, {left, right});
    node->operands = {left.node, right.node};
    return node;
}

std::string function_display(FunctionOp op) {
    const FunctionInfo& info = function_info(op);
    if (!info.symbol.empty()) return std::string("'").append(info.symbol).append("'");
    return std::string("np.").append(info.name);
}

namespace {

// numpy's dtype of the values a function combines (arguments from `first_value` on: not where's condition): the
// arrays' promoted dtype, numbers joining by value; numbers alone (where(c, 1, 0)) give int64 or float64.
DType promoted_value_dtype(const std::vector<FunctionArgument>& arguments, std::size_t first_value) {
    std::optional<DType> promoted;
    for (std::size_t position = first_value; position < arguments.size(); ++position)
        if (arguments[position].array)
            promoted = promoted ? promote_types(*promoted, arguments[position].array->node->dtype)
                                : arguments[position].array->node->dtype;
    for (std::size_t position = first_value; position < arguments.size(); ++position) {
        if (arguments[position].array) continue;
        const ScalarLiteral& number = arguments[position].number;
        if (!promoted)
            promoted = number.is_integer ? DType::i64 : DType::f64;
        else
            promoted = promote_with_scalar(*promoted, number);
    }
    TILESUM_ASSERT(promoted.has_value());
    return *promoted;
}

// Whether every argument is an integer array or a Python int: numpy's integer power.
bool integer_arguments(const std::vector<FunctionArgument>& arguments) {
    for (const FunctionArgument& argument : arguments)
        if (argument.array ? !is_exact_kind(argument.array->node->dtype) : !argument.number.is_integer) return false;
    return true;
}

}  // namespace

namespace {

// The largest exponent of a complex array written out as products (Z ** 8: three of them, binary powering).
constexpr double largest_complex_power = 8;

// base ** n for a complex base and a whole n in [1, largest_complex_power]: products, which the complex split
// (complex_split.hpp) computes as real ones, by binary powering as numpy's complex power does for whole exponents.
NodePtr complex_whole_power(const Operand& base, long long n, std::optional<SourceSpan> span) {
    NodePtr result, square = base.node;
    auto times = [&](const NodePtr& left, const NodePtr& right) {
        return make_product(Operand{left, base.display, base.span}, Operand{right, base.display, base.span}, span);
    };
    while (n > 0) {
        if (n & 1) result = result ? times(result, square) : square;
        n >>= 1;
        if (n > 0) square = times(square, square);
    }
    return result;
}

}  // namespace

NodePtr make_function(FunctionOp op, const std::vector<FunctionArgument>& arguments, std::optional<SourceSpan> span,
                      ScalarLiteral exponent) {
    TILESUM_ASSERT(arguments.size() == function_info(op).arity);
    // numpy's complex power of a small whole exponent is a product, which the complex split computes exactly: the
    // one function of complex arrays tilesum takes (the others are refused below).
    if (op == FunctionOp::power && arguments.front().array && is_complex(arguments.front().array->node->dtype) &&
        std::floor(exponent.value) == exponent.value && exponent.value >= 1 && exponent.value <= largest_complex_power)
        return complex_whole_power(*arguments.front().array, static_cast<long long>(exponent.value), span);
    std::vector<Operand> arrays;
    for (const FunctionArgument& argument : arguments) {
        if (!argument.array) continue;
        arrays.push_back(*argument.array);
        if (is_complex(argument.array->node->dtype))
            fail(
                ErrorKind::unsupported,
                function_display(op) + " of a complex array (" + argument.array->display +
                    ") is not supported yet: the elementwise functions take real (integer or float) arrays only" +
                    (op == FunctionOp::power ? " (a complex array to a whole power from 1 to 8 is taken: Z ** 2)" : ""),
                argument.array->span ? argument.array->span : span);
    }
    TILESUM_ASSERT(!arrays.empty());
    std::vector<Shape> shapes;
    for (const Operand& array : arrays) shapes.push_back(array.node->shape);
    const std::optional<Shape> shape = broadcast_shapes(shapes);
    if (!shape) fail_broadcast(arrays, span);

    // The dtype numpy gives the result: float functions turn integers into float64; abs, sign and power keep the
    // argument's (a Python number exponent counts by value); the others promote the values they choose between
    // (not where's condition).
    DType dtype = DType::f64;
    if (op == FunctionOp::power) {
        const DType base = arrays.front().node->dtype;
        if (is_exact_kind(base) && exponent.is_integer && exponent.value < 0)
            fail(ErrorKind::semantic,
                 "integers to negative integer powers are not allowed (numpy refuses them too): write " +
                     arrays.front().display + " ** " + std::to_string(static_cast<long long>(exponent.value)) + ".0",
                 span);
        dtype = promote_with_scalar(base, exponent);
    } else if (op == FunctionOp::array_power) {
        dtype = promoted_value_dtype(arguments, 0);
    } else if (is_float_function(op)) {
        dtype = float_function_dtype(arrays.front().node->dtype);
    } else if (op == FunctionOp::abs || op == FunctionOp::sign) {
        dtype = arrays.front().node->dtype;
        if (op == FunctionOp::sign && dtype == DType::b1)
            fail(ErrorKind::semantic,
                 "np.sign of a bool array (" + arrays.front().display +
                     ") is not defined: numpy has no sign for bool either",
                 span);
    } else if (is_comparison(op)) {
        dtype = DType::b1;  // numpy's comparisons give bool arrays
    } else {
        dtype = promoted_value_dtype(arguments, op == FunctionOp::where ? 1 : 0);
    }

    auto node = std::make_shared<Node>();
    node->kind = NodeKind::function;
    node->function = op;
    node->parameter = op == FunctionOp::power                                         ? exponent.value
                      : op == FunctionOp::array_power && integer_arguments(arguments) ? 1.0
                                                                                      : 0.0;
    node->shape = *shape;
    node->dtype = dtype;
    node->axis_labels = broadcast_axis_labels(*shape, arrays);
    for (const FunctionArgument& argument : arguments) {
        node->constants.push_back(argument.array ? std::nullopt : std::optional<double>(argument.number.value));
        if (argument.array) node->operands.push_back(argument.array->node);
    }
    return node;
}

NodePtr function_with_operands(const Node& function, const std::vector<NodePtr>& operands) {
    TILESUM_ASSERT(function.kind == NodeKind::function && operands.size() == function.operands.size());
    std::vector<Operand> wrapped;
    std::vector<Shape> shapes;
    for (const NodePtr& operand : operands) {
        wrapped.push_back(Operand{operand, operand->name.empty() ? "operand" : operand->name, std::nullopt});
        shapes.push_back(operand->shape);
    }
    const std::optional<Shape> shape = broadcast_shapes(shapes);
    TILESUM_ASSERT(shape.has_value());
    auto node = std::make_shared<Node>(function);
    node->name.clear();
    node->operands = operands;
    node->shape = *shape;
    node->axis_labels = broadcast_axis_labels(*shape, wrapped);
    return node;
}

NodePtr with_name(const NodePtr& node, std::string name) {
    if (node->kind == NodeKind::input) return node;  // `X = A` is an alias; the input keeps its own name
    auto copy = std::make_shared<Node>(*node);
    copy->name = std::move(name);
    return copy;
}

}  // namespace tilesum::expr
