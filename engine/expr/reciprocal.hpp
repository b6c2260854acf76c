// Division by an array, numpy's true_divide (`g / D`, `x / v` broadcasting, 1 / D): the divisor's reciprocal is
// pushed down to the inputs it is made of, each then read through a reciprocal view (Node::diagonal_of with
// `reciprocal`: the reader delivers 1 / value), and the dividend multiplies it elementwise. Zeros give numpy's
// values: 1 / 0 is inf, 0 / 0 nan.
//
// The divisor may be an input or a view of one (a slice, a diagonal), and anything that only rearranges, scales or
// multiplies such arrays (D.T, 2 * D, D * E, np.outer(u, v): an einsum that sums nothing); a divisor that sums (an einsum that contracts, a sum of
// arrays) is computed data, not read: Error{unsupported} naming the divisor and what to write instead.
#pragma once

#include "engine/expr/build.hpp"

namespace tilesum::expr {

// 1 / divisor, elementwise, in float64 (or float32 for a float32 divisor: numpy's true_divide dtype).
NodePtr make_reciprocal(const Operand& divisor, std::optional<SourceSpan> span);

// dividend / divisor with numpy broadcasting and numpy's dtype (an integer quotient is float64).
NodePtr make_quotient(const Operand& dividend, const Operand& divisor, std::optional<SourceSpan> span);

}  // namespace tilesum::expr
