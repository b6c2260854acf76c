// numpy's transcendental functions over a contiguous row, vectorized for the CPU it runs on (Google Highway's
// contrib/math, dynamic dispatch; issue 13). glibc's scalar exp, log or sin costs 5-20 ns an element, which made
// the function the whole cost of a fused tile such as einsum('ijk->k', exp(-(C - C2)**2)).
//
// Accuracy, Highway's bounds: exp within 1 ulp of the exact value, sin and cos 3 ulp, log, log1p, expm1 and tanh
// 4 ulp (numpy's own SIMD functions are within 1-4 ulp). Results may thus differ from glibc's (and from tilesum's
// materializing kernels, which call glibc) in the last bits, and between CPU generations (Highway uses a fused
// multiply-add where the CPU has one); never between thread counts. Outside the range where Highway's function is
// valid (exp and expm1 above 706, log and log1p below the smallest normal number, sin and cos beyond ±39000), at
// infinities and NaN, the element is glibc's: the edges are numpy's.
#pragma once

#include <cstddef>

#include "engine/common/elementwise_function.hpp"
#include "engine/kernels/row_ops.hpp"

namespace tilesum::kernels::simd {

// Whether function_row computes `op` (one argument, no parameter): exp, log, log1p, expm1, sin, cos, tanh.
bool has_function_row(FunctionOp op);

// out[i] = op(scale · in[i]) for i < count (scale · in[i] rounded first; 1: in[i] itself); `op` one of
// has_function_row's.
void function_row(FunctionOp op, double scale, const double* in, double* out, std::size_t count);

// What a fused chain feeds its function (eval/fused_program.cpp): scale · s(i), where s(i) is the sum of one or two
// terms c · (f · x) rounded as rows::combine_terms does (one term: rows::set_term), squared when `square` (x · x,
// rounded). The chain exp(-(C - C2)**2) of a fused tile is this with two terms, square and scale -1.
struct FunctionInput {
    const rows::Term* terms = nullptr;
    int term_count = 1;
    bool square = false;
    double scale = 1.0;
};

// out[i] += factor · op(input(i)) for i < count (the product rounded, then the sum): the bits of computing the sum,
// its square, the scaled row and function_row each into a row of their own and adding the last with
// rows::add_scaled, in one pass that stores none of them.
void accumulate_function_row(FunctionOp op, const FunctionInput& input, double factor, double* out, std::size_t count);

}  // namespace tilesum::kernels::simd
