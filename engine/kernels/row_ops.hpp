// The vector instructions of fused tile evaluation (eval/fused_einsum.hpp): short contiguous rows (a few hundred
// doubles, in L1) combined one operation at a time. Compiled for several x86-64 levels (SSE2, AVX2, AVX-512), the
// best one the CPU has chosen at load time by GCC/clang function multi-versioning (kernels/target_clones.hpp); with
// -ffp-contract=off, fused multiply-adds only where std::fma says so, and no reassociation, every level gives the
// same bits, so results never depend on the CPU. (A CPU without FMA, older than 2013, runs std::fma in software:
// correct and slow.)
#pragma once

#include "engine/common/elementwise_function.hpp"
#include "engine/common/shape.hpp"

namespace tilesum::kernels::rows {

void fill(double* out, double value, Extent count);                             // out = value
void scale(double* out, const double* x, double factor, Extent count);          // out = factor · x
void add_scaled(double* out, const double* x, double factor, Extent count);     // out += factor · x
void add_constant(double* out, double value, Extent count);                     // out += value
void multiply(double* out, const double* x, Extent count);                      // out *= x
void multiply_constant(double* out, double factor, Extent count);               // out *= factor
void add_product(double* out, const double* x, const double* y, Extent count);  // out = fma(x, y, out)
// Terms of a linear combination whose rows carry a factor (a row times numbers: the seed's B_i · A_j):
// c · (f · x), rounded in that order, which is the bits of computing f · x first and scaling it after.
void set_term(double* out, const double* x, double factor, double coefficient, Extent count);  // out = c · (f · x)
void add_term(double* out, const double* x, double factor, double coefficient, Extent count);  // out += c · (f · x)
// out = c0 · (f0 · x0) + c1 · (f1 · x1), one pass: the two-term sums of fused programs (C + C2). Rounded as
// fma(f0, x0, f1 · x1) when c0 = c1 = 1 (a plain sum), else as fma(c0, f0 · x0, c1 · (f1 · x1)).
void combine_terms(double* out, const double* x0, double f0, double c0, const double* x1, double f1, double c1,
                   Extent count);
// out = fma(Σ a, Σ b, out), each a sum of one or two terms c · (f · x), without storing either sum: the final
// accumulation of a fused program whose operands are two-term sums (the seed's (C + C2)_ijk · (C + C2)_ikj).
// The same bits as combine_terms into two rows (a one-term sum: set_term) and add_product of them.
struct Term {
    const double* row;
    double factor;
    double coefficient;
};
// The runner adds products in batches (add_products_of_sums below); this single product is the plain loop that
// defines their rounding, kept as the reference the tests compare the batched kernel with.
void add_product_of_sums(double* out, const Term* a, int a_terms, const Term* b, int b_terms, Extent count);
// A batch of such products, (Σ a_m) · (Σ b_m) for m = 0 .. products - 1, added in that order into out: the bits of
// add_product_of_sums called for each in turn, with the accumulator read and written once per batch (a fused loop's
// consecutive summed indices). Product m's terms are a[2 m] and, for two-term operands, a[2 m + 1] (b likewise);
// every product's operands have the same number of terms and the same kind of coefficients (1 or not) as the first.
void add_products_of_sums(double* out, const Term* a, int a_terms, const Term* b, int b_terms, int products,
                          Extent count);
void gather(double* out, const double* x, Extent stride, Extent count);            // out = x[i · stride]
void copy_strided(double* out, Extent out_stride, const double* x, Extent count);  // out[i · out_stride] = x

// One argument of a function over a row: `factor` · `data` (contiguous), or, when data is null, the number
// `constant`. A factor other than 1 (a negation folded into its row, fused_program.cpp) is for one-argument
// functions only: the element is rounded as factor · x before the function sees it.
struct RowArgument {
    const double* data = nullptr;
    double constant = 0;
    double factor = 1.0;
};

// out[i] = op(arguments at i) for i < count; `arguments` holds function_info(op).arity entries, `exponent` is
// power's p. The same values as function_value, element by element.
void apply_function(FunctionOp op, double exponent, const RowArgument* arguments, double* out, Extent count);

}  // namespace tilesum::kernels::rows
