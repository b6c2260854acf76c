// Reads a view of another reader's tensor: a diagonal (numpy's repeated subscript labels, expr/diagonal.hpp) and/or
// a strided slice (basic indexing, expr/slice.hpp). View index j is base index (starts[0] + steps[0] * j[axes[0]],
// starts[1] + steps[1] * j[axes[1]], ...); a base axis marked dropped_axis is read at starts[b] only.
// A reciprocal view delivers 1 / value. What is read is that hyperslab and no more than the view's range in memory at a time:
//  - a plain slice (steps 1, axes in order) is one read of the shifted range, straight into the destination;
//  - a view axis that several base axes follow (a diagonal) is read one index at a time, those axes pinned;
//  - along the first axis of step |s| > 1, groups of indices are read as the covering range (|s| times the rows,
//    as many as the view's range holds) and every s-th row kept; further such axes are read one index at a time.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/common/tensor_io.hpp"

namespace tilesum::io {

class DiagonalViewReader final : public TensorReader {
public:
    static constexpr std::size_t dropped_axis = static_cast<std::size_t>(-1);

    // `base` must outlive this reader. `axes`: one per base axis, the view axis it follows or dropped_axis.
    // `starts`, `steps`: one per base axis, or empty for all 0 and all 1.
    // `reciprocal`: deliver 1 / value (division by an input).
    DiagonalViewReader(TensorReader& base, Shape base_shape, std::vector<std::size_t> axes, Shape view_shape,
                       std::vector<Extent> starts = {}, std::vector<Extent> steps = {}, bool reciprocal = false);

    void read(const Ranges& ranges, double* dst) override;

private:
    void read_values(const Ranges& ranges, double* dst);  // the base's values, before any reciprocal
    // The base hyperslab of one read, given each view axis's window (pinned axes one index wide).
    Ranges base_ranges(const Ranges& windows) const;
    // Copies `block` (C order over base_ranges(windows)) into dst, the view's `ranges` in C order.
    void scatter(const std::vector<double>& block, const Ranges& windows, const Ranges& ranges, double* dst) const;

    TensorReader& base_;
    Shape base_shape_;
    std::vector<std::size_t> axes_;
    Shape view_shape_;
    std::vector<Extent> starts_, steps_;    // one per base axis
    std::vector<std::size_t> pinned_axes_;  // view axes read one index at a time: merged, or strided beyond the first
    std::size_t grouped_axis_ = dropped_axis;  // the first view axis of step |s| > 1, read in groups
    bool plain_ = false;                       // a shifted range: read straight into dst
    bool reciprocal_ = false;                  // deliver 1 / value
};

}  // namespace tilesum::io
