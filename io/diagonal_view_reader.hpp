// Reads a diagonal view of another reader's tensor (numpy's repeated subscript labels, expr/diagonal.hpp):
// view index j is base index (j[axes[0]], j[axes[1]], ...); a base axis marked dropped_axis has extent 1 and
// is read at 0. A view axis that several base axes follow is read one index at a time (the base hyperslab
// with those axes pinned): one read per diagonal index, never more than the view's range in memory.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/common/tensor_io.hpp"

namespace tilesum::io {

class DiagonalViewReader final : public TensorReader {
public:
    static constexpr std::size_t dropped_axis = static_cast<std::size_t>(-1);

    // `base` must outlive this reader. `axes`: one per base axis, the view axis it follows or dropped_axis.
    DiagonalViewReader(TensorReader& base, Shape base_shape, std::vector<std::size_t> axes, Shape view_shape);

    void read(const Ranges& ranges, double* dst) override;

private:
    TensorReader& base_;
    Shape base_shape_;
    std::vector<std::size_t> axes_;
    Shape view_shape_;
    std::vector<std::size_t> merged_axes_;  // view axes that more than one base axis follows
};

}  // namespace tilesum::io
