// numpy's basic indexing of a lazy expression (`C[:, :20]`, `X[::2]`, `A[3]`, `T[..., -1]`) without reading
// anything: the slice is pushed down the DAG to the inputs, as diagonals are (expr/diagonal.hpp). An einsum slices
// each operand along the output letters sliced; a sum or product slices each operand's aligned axes (an axis that
// broadcasts, extent 1, stays whole); an input becomes a view (Node::diagonal_of, with starts and steps) whose
// reader reads only that hyperslab of it. An integer index is a slice of one element whose axis then disappears.
#pragma once

#include <optional>
#include <vector>

#include "engine/expr/build.hpp"
#include "engine/expr/tensor.hpp"

namespace tilesum::expr {

// One entry of an index expression, as numpy reads it.
struct IndexItem {
    enum class Kind { slice, index, ellipsis };
    Kind kind = Kind::slice;
    std::optional<Extent> start, stop, step;  // slice: numpy's defaults when absent; negative counts from the end
    Extent index = 0;                         // index: one element (negative counts from the end); the axis goes
    std::optional<SourceSpan> span;           // where the item was written, for messages
};

// operand[items...] with numpy's semantics: missing trailing items are `:`, one `...` stands for as many `:` as
// needed. Error{usage} as numpy words it: too many indices, an index out of bounds, a zero step, two ellipses.
NodePtr make_index(const Operand& operand, const std::vector<IndexItem>& items, std::optional<SourceSpan> span);

// The same in the C++ API: index(X, {all(), range(0, 20)}) is X[:, :20]; index(T, {etc(), at(-1)}) is T[..., -1].
Tensor index(const Tensor& operand, const std::vector<IndexItem>& items);
inline IndexItem all() { return {}; }
inline IndexItem range(std::optional<Extent> start, std::optional<Extent> stop, std::optional<Extent> step = {}) {
    return {IndexItem::Kind::slice, start, stop, step, 0, std::nullopt};
}
inline IndexItem at(Extent index) { return {IndexItem::Kind::index, {}, {}, {}, index, std::nullopt}; }
inline IndexItem etc() { return {IndexItem::Kind::ellipsis, {}, {}, {}, 0, std::nullopt}; }

// One axis of a slice already resolved: element j of the result is element start + step * j of the operand, for
// j < count.
struct AxisSlice {
    Extent start = 0;
    Extent step = 1;
    Extent count = 0;
};

// `node` sliced along every axis (slices.size() == rank), pushed down to the inputs.
NodePtr take_slice(const NodePtr& node, const std::vector<AxisSlice>& slices);

}  // namespace tilesum::expr
