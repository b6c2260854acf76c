// numpy's elementwise functions over in-memory blocks (issue 13): exp, log, ..., power, maximum, minimum,
// comparisons and where (one element at a time: function_value, engine/common/elementwise_scalar.hpp), with numpy broadcasting and numpy's values at the edges (log(0) = -inf, sqrt(-1) = nan,
// maximum propagates nan). Every value is a double, whatever the tensor's dtype (engine/common/shape.hpp). No
// floating-point exception is raised or trapped: libm and IEEE arithmetic return inf and nan, as numpy does
// (numpy only warns).
#pragma once

#include <vector>

#include "engine/common/elementwise_function.hpp"
#include "engine/common/shape.hpp"

namespace tilesum::kernels {

// One argument of a function over a block: an array (`data`, C order, its axes aligned with the result's last
// axes, extent 1 along an axis it broadcasts) or, when `data` is null, the number `constant`.
struct FunctionArgument {
    const double* data = nullptr;
    Shape shape;
    double constant = 0;
};

// result[index] = op(arguments at index) for every index of `result_shape`. `exponent`: power's p (Node::parameter;
// array_power: 1 when both sides are integers).
void apply_function(FunctionOp op, double exponent, const std::vector<FunctionArgument>& arguments, double* result,
                    const Shape& result_shape);

}  // namespace tilesum::kernels
