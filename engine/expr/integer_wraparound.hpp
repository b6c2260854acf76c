// numpy computes integers in their dtype, modulo 2^bits (uint8 + uint8 wraps at 256 and stays uint8), and bools
// logically (True + True is True); tilesum computes both exactly in float64 and gives a result numpy's value where
// it is written (io/exact_integers.hpp: wrapped around, a bool true where nonzero). That is numpy's answer whenever
// every intermediate numpy may wrap is used only by ring operations in its own dtype (+, -, *, einsum, integer
// powers: arithmetic modulo 2^bits gives the same residue however often it wraps), and bools only by bool sums and
// products or as where's condition (they keep which values are nonzero). Anywhere else — a uint8 product turned
// into int16 by meeting an int16 array, divided, passed to np.exp or compared — numpy uses the wrapped value where
// tilesum has the exact one, and the program is refused before anything is read. int32 and int64 intermediates are
// not checked (integer_wraparound.cpp says why).
#pragma once

#include "engine/expr/build.hpp"
#include "engine/expr/program.hpp"

namespace tilesum::expr {

// Error{unsupported} naming the intermediate, its dtype and where it is used, for the first such use in `program`.
void refuse_integer_wraparound_mismatch(const Program& program);

// numpy refuses `a - b` and `-a` when the result is bool (bool arithmetic is logical): Error{semantic} with numpy's
// advice, for `operands` (one for a negation, two for a subtraction) whose promoted dtype is bool.
void refuse_bool_minus(const std::vector<Operand>& operands, std::optional<SourceSpan> span);

}  // namespace tilesum::expr
