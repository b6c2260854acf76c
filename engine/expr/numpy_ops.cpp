#include "engine/expr/numpy_ops.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/subscripts.hpp"

namespace tilesum::expr {

namespace {

constexpr std::size_t max_letters = 52;  // a-z and A-Z, the letters of einsum subscripts

// The einsum letter of the index-th distinct axis: a, b, ..., z, A, ..., Z.
char letter(std::size_t index, std::optional<SourceSpan> span) {
    if (index >= max_letters)
        fail(ErrorKind::unsupported,
             "too many axes: an einsum has at most " + std::to_string(max_letters) +
                 " distinct indices; split the computation into several statements",
             span);
    return index < 26 ? static_cast<char>('a' + index) : static_cast<char>('A' + (index - 26));
}

std::string letters(std::size_t first, std::size_t count, std::optional<SourceSpan> span) {
    std::string result;
    for (std::size_t index = 0; index < count; ++index) result += letter(first + index, span);
    return result;
}

std::size_t rank(const Operand& operand) { return operand.node->shape.size(); }

std::string described(const Operand& operand) { return operand.display + " " + format_shape(operand.node->shape); }

NodePtr with_dtype(const NodePtr& node, DType dtype) {
    if (node->dtype == dtype) return node;
    auto copy = std::make_shared<Node>(*node);
    copy->dtype = dtype;
    return copy;
}

// numpy's add.reduce: integers narrower than int64 are summed as int64.

// numpy's normalize_axis_index: [-ndim, ndim) -> [0, ndim), else numpy's AxisError message.
std::size_t normalize_axis(std::int64_t axis, std::size_t ndim, const Operand& operand,
                           std::optional<SourceSpan> span) {
    const auto signed_rank = static_cast<std::int64_t>(ndim);
    if (axis < -signed_rank || axis >= signed_rank)
        fail(ErrorKind::semantic,
             "axis " + std::to_string(axis) + " is out of bounds for " + operand.display + ", an array of dimension " +
                 std::to_string(ndim) + " " + format_shape(operand.node->shape),
             span);
    return static_cast<std::size_t>(axis < 0 ? axis + signed_rank : axis);
}

std::vector<std::size_t> normalize_axes(const AxisList& axes, const Operand& operand, const char* what,
                                        std::optional<SourceSpan> span) {
    std::vector<std::size_t> result;
    for (std::int64_t axis : axes) {
        const std::size_t normalized = normalize_axis(axis, rank(operand), operand, span);
        if (std::find(result.begin(), result.end(), normalized) != result.end())
            fail(ErrorKind::semantic, std::string("repeated axis in '") + what + "' argument: " + std::to_string(axis),
                 span);
        result.push_back(normalized);
    }
    return result;
}

// An einsum node of explicit letters.
NodePtr einsum(const std::vector<std::string>& labels, const std::string& output, const std::vector<Operand>& operands,
               std::optional<SourceSpan> span) {
    return make_einsum(labels, output, operands, span);
}

[[noreturn]] void fail_zero_d(const char* function, const Operand& operand, const char* instead,
                              std::optional<SourceSpan> span) {
    fail(ErrorKind::semantic,
         std::string(function) + ": " + operand.display + " is 0-d (a scalar) and has no axis to contract; " + instead,
         span);
}

// numpy's "shapes (2,3) and (4,5) not aligned: 3 (dim 1) != 4 (dim 0)", with the operands' names.
void require_aligned(const char* function, const Operand& a, std::size_t a_axis, const Operand& b, std::size_t b_axis,
                     std::optional<SourceSpan> span) {
    const Extent a_extent = a.node->shape[a_axis], b_extent = b.node->shape[b_axis];
    if (a_extent == b_extent) return;
    fail(ErrorKind::semantic,
         std::string(function) + ": shapes not aligned: axis " + std::to_string(a_axis) + " of " + described(a) +
             " is " + std::to_string(a_extent) + " but axis " + std::to_string(b_axis) + " of " + described(b) +
             " is " + std::to_string(b_extent),
         span);
}

// The axis an operand flattens to when every other axis has extent 1 (np.outer's ravel), or std::nullopt.
std::optional<std::size_t> flat_axis(const Node& node) {
    std::optional<std::size_t> found;
    for (std::size_t axis = 0; axis < node.shape.size(); ++axis) {
        if (node.shape[axis] == 1) continue;
        if (found) return std::nullopt;
        found = axis;
    }
    if (!found && !node.shape.empty()) found = node.shape.size() - 1;
    return found;
}

// The einsum that sums the axes of a (sorted) set and keeps the others in order.
NodePtr summed(const Operand& a, const std::vector<std::size_t>& axes, std::optional<SourceSpan> span) {
    const std::string labels = letters(0, rank(a), span);
    std::string output;
    for (std::size_t axis = 0; axis < labels.size(); ++axis)
        if (std::find(axes.begin(), axes.end(), axis) == axes.end()) output += labels[axis];
    return einsum({labels}, output, {a}, span);
}

std::vector<std::size_t> all_axes(const Operand& a) {
    std::vector<std::size_t> axes(rank(a));
    std::iota(axes.begin(), axes.end(), std::size_t{0});
    return axes;
}

// Labels for a, with the axis pair of a trace or diagonal sharing one letter; `output` a's other axes in order.
struct DiagonalLabels {
    std::string labels;
    std::string output;
    char diagonal;
};

DiagonalLabels diagonal_labels(const char* function, const Operand& a, std::int64_t axis1, std::int64_t axis2,
                               std::optional<SourceSpan> span) {
    if (rank(a) < 2)
        fail(ErrorKind::semantic,
             std::string(function) + " needs an array of at least two dimensions; " + described(a) + " has " +
                 std::to_string(rank(a)),
             span);
    const std::size_t first = normalize_axis(axis1, rank(a), a, span);
    const std::size_t second = normalize_axis(axis2, rank(a), a, span);
    if (first == second)
        fail(ErrorKind::semantic, std::string(function) + ": axis1 and axis2 cannot be the same axis", span);
    const Extent first_extent = a.node->shape[first], second_extent = a.node->shape[second];
    if (first_extent != second_extent)
        fail(ErrorKind::unsupported,
             std::string(function) + " of axes of different extents (axis " + std::to_string(first) + " is " +
                 std::to_string(first_extent) + ", axis " + std::to_string(second) + " is " +
                 std::to_string(second_extent) + " in " + described(a) +
                 ") is not supported: tilesum takes the diagonal of axes of equal extent only, as np.einsum('ii->i', "
                 "A) does",
             span);
    DiagonalLabels result{letters(0, rank(a), span), "", '\0'};
    result.diagonal = result.labels[first];
    result.labels[second] = result.diagonal;
    for (std::size_t axis = 0; axis < rank(a); ++axis)
        if (axis != first && axis != second) result.output += result.labels[axis];
    return result;
}

}  // namespace

NodePtr make_matmul(const Operand& a, const Operand& b, std::optional<SourceSpan> span) {
    const char* instead = "multiply by a scalar with * instead";
    if (rank(a) == 0) fail_zero_d("matmul", a, instead, span);
    if (rank(b) == 0) fail_zero_d("matmul", b, instead, span);
    // numpy's core dimensions: a's last axis against b's second-to-last (its only one when 1-D).
    const std::size_t a_core = rank(a) - 1;
    const std::size_t b_core = rank(b) >= 2 ? rank(b) - 2 : 0;
    if (a.node->shape[a_core] != b.node->shape[b_core])
        fail(ErrorKind::semantic,
             "matmul: the last axis of " + described(a) + " is " + std::to_string(a.node->shape[a_core]) + " but the " +
                 (rank(b) >= 2 ? "second-to-last" : "only") + " axis of " + described(b) + " is " +
                 std::to_string(b.node->shape[b_core]),
             span);
    // The batch axes (all but the last two) broadcast, numpy's way.
    if (rank(a) > 2 && rank(b) > 2) {
        const Shape a_batch(a.node->shape.begin(), a.node->shape.end() - 2);
        const Shape b_batch(b.node->shape.begin(), b.node->shape.end() - 2);
        if (!broadcast_shapes({a_batch, b_batch}))
            fail(ErrorKind::semantic,
                 "matmul: the batch axes " + format_shape(a_batch) + " of " + a.display + " and " +
                     format_shape(b_batch) + " of " + b.display + " do not broadcast together: " + described(a) +
                     " and " + described(b),
                 span);
    }
    // '...ij,...jk->...ik', where a 1-D operand has no i (or k) and no '...'.
    Subscripts subscripts;
    std::string a_labels = rank(a) == 1 ? "j" : std::string(1, ellipsis_mark) + "ij";
    std::string b_labels = rank(b) == 1 ? "j" : std::string(1, ellipsis_mark) + "jk";
    std::string output;
    if (rank(a) > 1 || rank(b) > 1) output += ellipsis_mark;
    if (rank(a) > 1) output += 'i';
    if (rank(b) > 1) output += 'k';
    subscripts.inputs = {a_labels, b_labels};
    subscripts.output = output;
    return make_einsum(subscripts, {a, b}, span);
}

NodePtr make_dot(const Operand& a, const Operand& b, std::optional<SourceSpan> span) {
    if (rank(a) == 0 || rank(b) == 0) return make_product(a, b, span);
    const std::size_t a_core = rank(a) - 1;
    const std::size_t b_core = rank(b) >= 2 ? rank(b) - 2 : 0;
    require_aligned("dot", a, a_core, b, b_core, span);
    const std::string a_labels = letters(0, rank(a), span);
    std::string b_labels;
    std::string output = a_labels.substr(0, a_core);
    std::size_t next = rank(a);
    for (std::size_t axis = 0; axis < rank(b); ++axis) {
        if (axis == b_core) {
            b_labels += a_labels[a_core];
        } else {
            b_labels += letter(next++, span);
            output += b_labels.back();
        }
    }
    return einsum({a_labels, b_labels}, output, {a, b}, span);
}

NodePtr make_inner(const Operand& a, const Operand& b, std::optional<SourceSpan> span) {
    if (rank(a) == 0 || rank(b) == 0) return make_product(a, b, span);
    require_aligned("inner", a, rank(a) - 1, b, rank(b) - 1, span);
    const std::string a_labels = letters(0, rank(a), span);
    const std::string b_labels = letters(rank(a), rank(b) - 1, span) + a_labels.back();
    const std::string output = a_labels.substr(0, rank(a) - 1) + b_labels.substr(0, rank(b) - 1);
    return einsum({a_labels, b_labels}, output, {a, b}, span);
}

NodePtr make_outer(const Operand& a, const Operand& b, std::optional<SourceSpan> span) {
    std::string labels[2];
    std::string output;
    const Operand* operands[2] = {&a, &b};
    for (std::size_t position = 0; position < 2; ++position) {
        const Operand& operand = *operands[position];
        const std::optional<std::size_t> axis = flat_axis(*operand.node);
        if (!axis)
            fail(ErrorKind::unsupported,
                 "np.outer flattens its operands, which tilesum can do only for arrays with one axis of extent "
                 "other than 1; " +
                     described(operand) +
                     " has more. np.einsum('ij,kl->ijkl', a, b) gives the outer product with the axes kept",
                 span);
        labels[position] = letters(position * max_letters / 2, rank(operand), span);
        output += labels[position][*axis];
    }
    return einsum({labels[0], labels[1]}, output, {a, b}, span);
}

NodePtr make_tensordot(const Operand& a, const Operand& b, const AxisList& a_axes, const AxisList& b_axes,
                       std::optional<SourceSpan> span) {
    if (a_axes.size() != b_axes.size())
        fail(ErrorKind::semantic,
             "tensordot: shape-mismatch for sum: " + std::to_string(a_axes.size()) + " axes of " + a.display +
                 " against " + std::to_string(b_axes.size()) + " of " + b.display,
             span);
    const std::vector<std::size_t> a_summed = normalize_axes(a_axes, a, "axes", span);
    const std::vector<std::size_t> b_summed = normalize_axes(b_axes, b, "axes", span);
    for (std::size_t pair = 0; pair < a_summed.size(); ++pair)
        require_aligned("tensordot", a, a_summed[pair], b, b_summed[pair], span);
    const std::string a_labels = letters(0, rank(a), span);
    std::string b_labels(rank(b), '\0');
    for (std::size_t pair = 0; pair < b_summed.size(); ++pair) b_labels[b_summed[pair]] = a_labels[a_summed[pair]];
    std::string output;
    for (std::size_t axis = 0; axis < rank(a); ++axis)
        if (std::find(a_summed.begin(), a_summed.end(), axis) == a_summed.end()) output += a_labels[axis];
    std::size_t next = rank(a);
    for (char& label : b_labels) {
        if (label != '\0') continue;
        label = letter(next++, span);
        output += label;
    }
    return einsum({a_labels, b_labels}, output, {a, b}, span);
}

NodePtr make_tensordot(const Operand& a, const Operand& b, std::int64_t count, std::optional<SourceSpan> span) {
    if (count < 0 || static_cast<std::size_t>(count) > std::min(rank(a), rank(b)))
        fail(ErrorKind::semantic,
             "tensordot: axes=" + std::to_string(count) + " must be between 0 and the smaller rank of " + described(a) +
                 " and " + described(b),
             span);
    AxisList a_axes, b_axes;
    for (std::int64_t pair = 0; pair < count; ++pair) {
        a_axes.push_back(static_cast<std::int64_t>(rank(a)) - count + pair);
        b_axes.push_back(pair);
    }
    return make_tensordot(a, b, a_axes, b_axes, span);
}

NodePtr make_trace(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span) {
    const DiagonalLabels labels = diagonal_labels("trace", a, axis1, axis2, span);
    const NodePtr trace = einsum({labels.labels}, labels.output, {a}, span);
    return with_dtype(trace, sum_dtype(trace->dtype));
}

NodePtr make_diagonal(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span) {
    const DiagonalLabels labels = diagonal_labels("diagonal", a, axis1, axis2, span);
    return einsum({labels.labels}, labels.output + labels.diagonal, {a}, span);
}

NodePtr make_transpose(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span) {
    const std::string labels = letters(0, rank(a), span);
    std::string output(labels.rbegin(), labels.rend());
    if (axes) {
        if (axes->size() != rank(a))
            fail(ErrorKind::semantic,
                 "transpose: axes don't match array: " + std::to_string(axes->size()) + " axes given for " +
                     described(a),
                 span);
        output.clear();
        for (std::size_t axis : normalize_axes(*axes, a, "axes", span)) output += labels[axis];
    }
    return einsum({labels}, output, {a}, span);
}

NodePtr make_swapaxes(const Operand& a, std::int64_t axis1, std::int64_t axis2, std::optional<SourceSpan> span) {
    const std::string labels = letters(0, rank(a), span);
    std::string output = labels;
    std::swap(output[normalize_axis(axis1, rank(a), a, span)], output[normalize_axis(axis2, rank(a), a, span)]);
    return einsum({labels}, output, {a}, span);
}

NodePtr make_sum(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span) {
    std::vector<std::size_t> summed_axes = axes ? normalize_axes(*axes, a, "axis", span) : all_axes(a);
    const NodePtr sum = summed(a, summed_axes, span);
    return with_dtype(sum, sum_dtype(sum->dtype));
}

NodePtr make_mean(const Operand& a, const std::optional<AxisList>& axes, std::optional<SourceSpan> span) {
    std::vector<std::size_t> summed_axes = axes ? normalize_axes(*axes, a, "axis", span) : all_axes(a);
    Extent count = 1;
    for (std::size_t axis : summed_axes) count *= a.node->shape[axis];
    if (count == 0)
        fail(ErrorKind::unsupported,
             "mean over no elements (an axis of extent 0 in " + described(a) +
                 ") is NaN in numpy, which tilesum does not compute; take np.sum instead",
             span);
    // numpy's mean: float64 for integers and bools, the operand's own dtype otherwise. numpy sums integers in
    // float64 too (np.add.reduce(a, dtype=float64)): the sum takes that dtype, which never wraps around.
    const DType dtype = is_exact_kind(a.node->dtype) ? DType::f64 : a.node->dtype;
    NodePtr sum = summed(a, summed_axes, span);
    if (sum->kind != NodeKind::input) sum = with_dtype(sum, dtype);
    const NodePtr mean =
        make_lincomb({1.0 / static_cast<double>(count)}, {Operand{sum, "the sum of " + a.display, span}}, span);
    return with_dtype(mean, dtype);
}

}  // namespace tilesum::expr
