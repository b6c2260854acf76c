#include "engine/expr/integer_wraparound.hpp"

#include <cmath>
#include <string>

#include "engine/common/error.hpp"

namespace tilesum::expr {

namespace {

// Whether an einsum sums over no index (each operand's labels all in the output): a transpose, a diagonal or an
// elementwise product.
bool sums_nothing(const Node& einsum) {
    for (const std::string& labels : einsum.operand_labels)
        for (char label : labels)
            if (einsum.output_labels.find(label) == std::string::npos) return false;
    return true;
}

bool never_wraps(const Node& node);

bool operands_never_wrap(const Node& node) {
    for (const NodePtr& operand : node.operands)
        if (!never_wraps(*operand)) return false;
    return true;
}

// Whether numpy's value of the node always equals its exact value: inputs (read as stored), comparisons (0 or 1),
// np.sign, maximum, minimum or where of such values, a transpose of one, and a product of bools (0 or 1 again).
bool never_wraps(const Node& node) {
    if (node.kind == NodeKind::input) return true;
    if (node.kind == NodeKind::einsum && sums_nothing(node) && (node.operands.size() == 1 || node.dtype == DType::b1))
        return operands_never_wrap(node);
    if (node.kind == NodeKind::product && node.dtype == DType::b1) return operands_never_wrap(node);
    if (node.kind != NodeKind::function) return false;
    if (is_comparison(node.function) || node.function == FunctionOp::sign) return true;
    if (node.function == FunctionOp::maximum || node.function == FunctionOp::minimum) return operands_never_wrap(node);
    if (node.function == FunctionOp::where) {
        // Operands hold the arguments that are arrays, in order; the condition is the first argument.
        const std::size_t first_value = node.constants.front() ? 0 : 1;
        for (std::size_t position = first_value; position < node.operands.size(); ++position)
            if (!never_wraps(*node.operands[position])) return false;
        return true;
    }
    return false;
}

// The dtypes checked: bool and the integers added by issue 14, where numpy wraps around at values tilesum holds
// exactly (uint8 at 256, uint64 below 0). int64 wraps only beyond 2^63, past float64's exact integers (its inputs
// and outputs are refused there). int32 keeps what it did before issue 14: an intermediate that overflows is used
// with its true value where numpy would use the wrapped one (docs/script-language.md says so); refusing every
// int32 intermediate that meets a float or a function would refuse what numpy computes the same in practice.
bool checked_dtype(DType dtype) { return is_exact_kind(dtype) && dtype != DType::i32 && dtype != DType::i64; }

bool whole(double value) { return std::floor(value) == value; }

// Whether `user` uses its operand number `position` (which numpy may have wrapped, of dtype `dtype`) in a way that
// gives the same result from the wrapped value as from the exact one.
bool wraparound_safe(const Node& user, std::size_t position, DType dtype) {
    if (dtype == DType::b1) {
        // A bool holds which exact values are nonzero (they are sums of products of 0 and 1, never negative): bool
        // sums and products, and where's condition, keep that.
        if (user.kind == NodeKind::function)
            return user.function == FunctionOp::where && position == 0 && !user.constants.front();
        if (user.dtype != DType::b1) return false;
        if (user.kind == NodeKind::lincomb)
            for (double coefficient : user.coefficients)
                if (coefficient <= 0) return false;
        return true;
    }
    if (user.dtype != dtype) return false;
    switch (user.kind) {
        case NodeKind::input: return true;
        case NodeKind::einsum:
        case NodeKind::product: return true;
        case NodeKind::lincomb:
            for (double coefficient : user.coefficients)
                if (!whole(coefficient)) return false;
            return true;
        case NodeKind::function:
            // x ** n for a whole n >= 0 is a product; power of two arrays: only the base (the exponent's wrapped
            // value gives another power).
            if (user.function == FunctionOp::power) return whole(user.parameter) && user.parameter >= 0;
            if (user.function == FunctionOp::array_power) return position == 0 && !user.constants.front();
            // where selects values (not its condition, whose wrapped value may be zero where the exact is not).
            return user.function == FunctionOp::where && position > 0;
    }
    return false;
}

std::string describe(const Node& node) {
    if (!node.name.empty()) return "'" + node.name + "'";
    switch (node.kind) {
        case NodeKind::einsum:
            return "an einsum ('" + node.output_labels + "' of shape " + format_shape(node.shape) + ")";
        case NodeKind::lincomb: return "a sum of shape " + format_shape(node.shape);
        case NodeKind::product: return "a product of shape " + format_shape(node.shape);
        case NodeKind::function:
            return "np." + std::string(function_name(node.function)) + " of shape " + format_shape(node.shape);
        case NodeKind::input: return "input '" + node.name + "'";
    }
    return "an intermediate";
}

std::string describe_use(const Node& user) {
    if (user.kind == NodeKind::function) return "np." + std::string(function_name(user.function));
    if (user.kind == NodeKind::einsum) return "an einsum";
    if (user.kind == NodeKind::lincomb) return "a sum or a scaling";
    return "a product";
}

}  // namespace

void refuse_bool_minus(const std::vector<Operand>& operands, std::optional<SourceSpan> span) {
    for (const Operand& operand : operands)
        if (operand.node->dtype != DType::b1) return;
    if (operands.size() == 1)
        fail(ErrorKind::semantic,
             "-" + operands.front().display +
                 ": numpy has no boolean negative (the `-` operator); use the `~` operator or np.logical_not",
             span);
    fail(ErrorKind::semantic,
         operands.front().display + " - " + operands.back().display +
             ": numpy has no boolean subtract (the `-` operator); use the `^` operator or np.logical_xor",
         span);
}

void refuse_integer_wraparound_mismatch(const Program& program) {
    std::vector<NodePtr> roots;
    for (const NamedNode& output : program.outputs) roots.push_back(output.node);
    for (const Node* user : topological_order(roots)) {
        for (std::size_t position = 0; position < user->operands.size(); ++position) {
            const Node& operand = *user->operands[position];
            if (!checked_dtype(operand.dtype) || never_wraps(operand)) continue;
            // `position` counts operands; where's and power's argument positions count numbers too.
            std::size_t argument = position;
            if (user->kind == NodeKind::function)
                for (std::size_t seen = 0, index = 0; index < user->constants.size(); ++index) {
                    if (user->constants[index]) continue;
                    if (seen++ == position) {
                        argument = index;
                        break;
                    }
                }
            if (wraparound_safe(*user, argument, operand.dtype)) continue;
            std::string message = describe(operand);
            message += " is ";
            message += dtype_name(operand.dtype);
            message += operand.dtype == DType::b1 ? ", which numpy computes logically (True + True is True)"
                                                  : ", which numpy computes modulo 2^bits (wrapping around)";
            message += ", and is then used by ";
            message += describe_use(*user);
            message += " as ";
            message += dtype_name(user->dtype);
            message +=
                ": tilesum computes integers exactly and wraps only the results it writes, so it cannot follow "
                "numpy here; store an input in a wider dtype (or as float64) to compute it";
            fail(ErrorKind::unsupported, message);
        }
    }
}

}  // namespace tilesum::expr
