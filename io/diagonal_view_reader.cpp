#include "io/diagonal_view_reader.hpp"

#include <algorithm>

#include "engine/common/error.hpp"

namespace tilesum::io {

namespace {

std::vector<Extent> c_order_strides(const Shape& shape) {
    std::vector<Extent> strides(shape.size(), 1);
    for (std::size_t axis = shape.size(); axis-- > 1;) strides[axis - 1] = strides[axis] * shape[axis];
    return strides;
}

}  // namespace

DiagonalViewReader::DiagonalViewReader(TensorReader& base, Shape base_shape, std::vector<std::size_t> axes,
                                       Shape view_shape, std::vector<Extent> starts, std::vector<Extent> steps,
                                       bool reciprocal)
    : base_(base),
      base_shape_(std::move(base_shape)),
      axes_(std::move(axes)),
      view_shape_(std::move(view_shape)),
      starts_(starts.empty() ? std::vector<Extent>(axes_.size(), 0) : std::move(starts)),
      steps_(steps.empty() ? std::vector<Extent>(axes_.size(), 1) : std::move(steps)),
      reciprocal_(reciprocal) {
    TILESUM_ASSERT(axes_.size() == base_shape_.size() && starts_.size() == axes_.size() &&
                   steps_.size() == axes_.size());
    std::vector<int> followers(view_shape_.size(), 0);
    std::vector<bool> strided(view_shape_.size(), false);
    plain_ = axes_.size() == view_shape_.size();
    for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis) {
        const std::size_t axis = axes_[base_axis];
        const Extent start = starts_[base_axis], step = steps_[base_axis];
        TILESUM_ASSERT(step != 0 && start >= 0 && start < std::max<Extent>(base_shape_[base_axis], 1));
        plain_ = plain_ && axis == base_axis && step == 1;
        if (axis == dropped_axis) continue;
        TILESUM_ASSERT(axis < view_shape_.size());
        // Every index the view can read lies inside the base.
        const Extent last = start + step * (view_shape_[axis] - 1);
        TILESUM_ASSERT(view_shape_[axis] == 0 || (last >= 0 && last < base_shape_[base_axis]));
        ++followers[axis];
        strided[axis] = strided[axis] || step > 1 || step < -1;
    }
    for (std::size_t axis = 0; axis < view_shape_.size(); ++axis) {
        TILESUM_ASSERT(followers[axis] > 0);
        if (followers[axis] > 1) {
            pinned_axes_.push_back(axis);
        } else if (strided[axis]) {
            if (grouped_axis_ == dropped_axis)
                grouped_axis_ = axis;
            else
                pinned_axes_.push_back(axis);
        }
    }
}

Ranges DiagonalViewReader::base_ranges(const Ranges& windows) const {
    Ranges base(axes_.size());
    for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis) {
        const std::size_t axis = axes_[base_axis];
        const Extent start = starts_[base_axis], step = steps_[base_axis];
        if (axis == dropped_axis) {
            base[base_axis] = {start, start + 1};
            continue;
        }
        const Extent first = start + step * windows[axis].begin, last = start + step * (windows[axis].end - 1);
        base[base_axis] = {std::min(first, last), std::max(first, last) + 1};
    }
    return base;
}

void DiagonalViewReader::scatter(const std::vector<double>& block, const Ranges& windows, const Ranges& ranges,
                                 double* dst) const {
    const std::vector<Extent> dst_strides = c_order_strides(range_shape(ranges));
    const Ranges base = base_ranges(windows);
    // Per base axis, the dst offset of each index of the block along it, or -1 for an index the view skips (a row
    // between the rows of a strided slice). A pinned view axis adds its offset once (`pinned_offset`), not once per
    // base axis following it.
    Extent pinned_offset = 0;
    for (std::size_t axis : pinned_axes_)
        pinned_offset += (windows[axis].begin - ranges[axis].begin) * dst_strides[axis];
    std::vector<std::vector<Extent>> offsets(axes_.size());
    for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis) {
        const std::size_t axis = axes_[base_axis];
        const bool pinned = axis == dropped_axis ||
                            std::find(pinned_axes_.begin(), pinned_axes_.end(), axis) != pinned_axes_.end();
        for (Extent index = base[base_axis].begin; index < base[base_axis].end; ++index) {
            if (pinned) {
                offsets[base_axis].push_back(0);
                continue;
            }
            const Extent distance = index - starts_[base_axis], step = steps_[base_axis];
            const Extent view_index = distance / step;
            const bool read = distance % step == 0 && view_index >= windows[axis].begin &&
                              view_index < windows[axis].end;
            offsets[base_axis].push_back(read ? (view_index - ranges[axis].begin) * dst_strides[axis] : -1);
        }
    }
    const Shape block_shape = range_shape(base);
    std::vector<Extent> position(block_shape.size(), 0);
    for (double value : block) {
        Extent offset = pinned_offset;
        bool kept = true;
        for (std::size_t base_axis = 0; base_axis < position.size() && kept; ++base_axis) {
            const Extent part = offsets[base_axis][static_cast<std::size_t>(position[base_axis])];
            kept = part >= 0;
            offset += part;
        }
        if (kept) dst[offset] = value;
        for (std::size_t base_axis = position.size(); base_axis-- > 0;) {
            if (++position[base_axis] < block_shape[base_axis]) break;
            position[base_axis] = 0;
        }
    }
}

void DiagonalViewReader::read(const Ranges& ranges, double* dst) {
    read_values(ranges, dst);
    if (!reciprocal_) return;
    // IEEE division gives numpy's values: 1 / 0 = inf, 1 / -0 = -inf, 1 / inf = 0, nan stays nan.
    const Extent count = element_count(range_shape(ranges));
    for (Extent element = 0; element < count; ++element) dst[element] = 1.0 / dst[element];
}

void DiagonalViewReader::read_values(const Ranges& ranges, double* dst) {
    TILESUM_ASSERT(ranges.size() == view_shape_.size());
    if (element_count(range_shape(ranges)) == 0) return;
    if (plain_) {
        base_.read(base_ranges(ranges), dst);
        return;
    }
    // The windows of one read: pinned axes one index, the grouped axis `group` indices, the others their range.
    Ranges windows = ranges;
    Extent group = 0;
    if (grouped_axis_ != dropped_axis) {
        const Extent rows = ranges[grouped_axis_].end - ranges[grouped_axis_].begin;
        Extent step = 1;
        for (std::size_t base_axis = 0; base_axis < axes_.size(); ++base_axis)
            if (axes_[base_axis] == grouped_axis_)
                step = steps_[base_axis] < 0 ? -steps_[base_axis] : steps_[base_axis];
        group = (rows - 1) / step + 1;  // the covering range of `group` indices is at most `rows` long
        windows[grouped_axis_] = {ranges[grouped_axis_].begin, ranges[grouped_axis_].begin + group};
    }
    for (std::size_t axis : pinned_axes_) windows[axis] = {ranges[axis].begin, ranges[axis].begin + 1};
    std::vector<double> block;
    while (true) {
        block.resize(static_cast<std::size_t>(element_count(range_shape(base_ranges(windows)))));
        base_.read(base_ranges(windows), block.data());
        scatter(block, windows, ranges, dst);
        // The next window: the grouped axis fastest, then the pinned axes, the last fastest.
        if (grouped_axis_ != dropped_axis && windows[grouped_axis_].end < ranges[grouped_axis_].end) {
            const Extent begin = windows[grouped_axis_].end;
            windows[grouped_axis_] = {begin, std::min(begin + group, ranges[grouped_axis_].end)};
            continue;
        }
        if (grouped_axis_ != dropped_axis)
            windows[grouped_axis_] = {ranges[grouped_axis_].begin,
                                      std::min(ranges[grouped_axis_].begin + group, ranges[grouped_axis_].end)};
        std::size_t pinned = pinned_axes_.size();
        while (pinned > 0) {
            const std::size_t axis = pinned_axes_[--pinned];
            if (windows[axis].end < ranges[axis].end) {
                windows[axis] = {windows[axis].end, windows[axis].end + 1};
                break;
            }
            windows[axis] = {ranges[axis].begin, ranges[axis].begin + 1};
            if (pinned == 0) return;
        }
        if (pinned_axes_.empty()) return;
    }
}

}  // namespace tilesum::io
