#include "engine/kernels/row_ops.hpp"

#include <cmath>
#include <cstddef>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/kernels/simd_math.hpp"
#include "engine/kernels/simd_products_of_sums.hpp"
#include "engine/kernels/target_clones.hpp"

namespace tilesum::kernels::rows {

TILESUM_CLONES void fill(double* __restrict out, double value, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] = value;
}

TILESUM_CLONES void scale(double* __restrict out, const double* __restrict x, double factor, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] = factor * x[i];
}

TILESUM_CLONES void add_scaled(double* __restrict out, const double* __restrict x, double factor, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] += factor * x[i];
}

TILESUM_CLONES void add_constant(double* __restrict out, double value, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] += value;
}

TILESUM_CLONES void multiply(double* __restrict out, const double* __restrict x, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] *= x[i];
}

TILESUM_CLONES void multiply_constant(double* __restrict out, double factor, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] *= factor;
}

TILESUM_CLONES void add_product(double* __restrict out, const double* __restrict x, const double* __restrict y,
                                Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] = std::fma(x[i], y[i], out[i]);
}

TILESUM_CLONES void set_term(double* __restrict out, const double* __restrict x, double factor, double coefficient,
                             Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] = coefficient * (factor * x[i]);
}

TILESUM_CLONES void add_term(double* __restrict out, const double* __restrict x, double factor, double coefficient,
                             Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] += coefficient * (factor * x[i]);
}

TILESUM_CLONES void combine_terms(double* __restrict out, const double* __restrict x0, double f0, double c0,
                                  const double* __restrict x1, double f1, double c1, Extent count) {
    if (c0 == 1.0 && c1 == 1.0) {
        for (Extent i = 0; i < count; ++i) out[i] = std::fma(f0, x0[i], f1 * x1[i]);
        return;
    }
    for (Extent i = 0; i < count; ++i) out[i] = std::fma(c0, f0 * x0[i], c1 * (f1 * x1[i]));
}

namespace {

// One operand of add_product_of_sums at element i, its one or two terms summed as combine_terms does.
template <int Terms, bool Unit>
struct SumOfTerms {
    const double* __restrict x0;
    const double* __restrict x1;
    double f0, c0, f1, c1;
    explicit SumOfTerms(const Term* terms)
        : x0(terms[0].row),
          x1(Terms == 2 ? terms[1].row : terms[0].row),
          f0(terms[0].factor),
          c0(terms[0].coefficient),
          f1(Terms == 2 ? terms[1].factor : 0),
          c1(Terms == 2 ? terms[1].coefficient : 0) {}
    TILESUM_INLINE double operator[](Extent i) const {
        if constexpr (Terms == 1) return Unit ? f0 * x0[i] : c0 * (f0 * x0[i]);
        return Unit ? std::fma(f0, x0[i], f1 * x1[i]) : std::fma(c0, f0 * x0[i], c1 * (f1 * x1[i]));
    }
};

// An operand's kind: one or two terms, with coefficients all 1 or not (kind = 2 · (terms - 1) + unit). Decided per
// operand, as combine_terms decides per row, so that inlining a sum never changes its bits.
int kind_of(const Term* terms, int count) {
    TILESUM_ASSERT(count == 1 || count == 2);
    bool unit = true;
    for (int term = 0; term < count; ++term) unit = unit && terms[term].coefficient == 1.0;
    return 2 * (count - 1) + (unit ? 1 : 0);
}

template <int Kind>
using SumOfKind = SumOfTerms<Kind / 2 + 1, Kind % 2 == 1>;

template <int KindA, int KindB>
TILESUM_INLINE void product_of_sums(double* __restrict out, const Term* a, const Term* b, Extent count) {
    const SumOfKind<KindA> x(a);
    const SumOfKind<KindB> y(b);
    for (Extent i = 0; i < count; ++i) out[i] = std::fma(x[i], y[i], out[i]);
}

// Calls body.template operator()<KindA, KindB>() with the operands' kinds as template arguments.
template <typename Body>
TILESUM_INLINE void dispatch(int a_kind, int b_kind, Body body) {
    switch (4 * a_kind + b_kind) {
        case 0: return body.template operator()<0, 0>();
        case 1: return body.template operator()<0, 1>();
        case 2: return body.template operator()<0, 2>();
        case 3: return body.template operator()<0, 3>();
        case 4: return body.template operator()<1, 0>();
        case 5: return body.template operator()<1, 1>();
        case 6: return body.template operator()<1, 2>();
        case 7: return body.template operator()<1, 3>();
        case 8: return body.template operator()<2, 0>();
        case 9: return body.template operator()<2, 1>();
        case 10: return body.template operator()<2, 2>();
        case 11: return body.template operator()<2, 3>();
        case 12: return body.template operator()<3, 0>();
        case 13: return body.template operator()<3, 1>();
        case 14: return body.template operator()<3, 2>();
        default: return body.template operator()<3, 3>();
    }
}

}  // namespace

TILESUM_CLONES void add_product_of_sums(double* out, const Term* a, int a_terms, const Term* b, int b_terms,
                                        Extent count) {
    dispatch(kind_of(a, a_terms), kind_of(b, b_terms),
             [&]<int KindA, int KindB>() TILESUM_INLINE_LAMBDA { product_of_sums<KindA, KindB>(out, a, b, count); });
}

void add_products_of_sums(double* out, const Term* a, int a_terms, const Term* b, int b_terms, int products,
                          Extent count) {
    const int a_kind = kind_of(a, a_terms), b_kind = kind_of(b, b_terms);
#ifndef NDEBUG  // a check per product, on every batch: debug builds only (it was 1.4% of the seed's time)
    for (std::ptrdiff_t product = 1; product < products; ++product)
        TILESUM_ASSERT(kind_of(a + 2 * product, a_terms) == a_kind && kind_of(b + 2 * product, b_terms) == b_kind);
#endif
    simd::products_of_sums(out, a, a_kind, b, b_kind, products, static_cast<std::size_t>(count));
}

TILESUM_CLONES void gather(double* __restrict out, const double* __restrict x, Extent stride, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i] = x[i * stride];
}

TILESUM_CLONES void copy_strided(double* __restrict out, Extent out_stride, const double* __restrict x, Extent count) {
    for (Extent i = 0; i < count; ++i) out[i * out_stride] = x[i];
}

namespace {

// A row argument's value at i: its element, or its number everywhere.
struct Operand {
    const double* data;
    double constant;
    TILESUM_INLINE double operator[](Extent i) const { return data ? data[i] : constant; }
};

template <typename F>
TILESUM_INLINE void unary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
    const double* __restrict x = arguments[0].data;
    if (!x) {
        const double value = f(arguments[0].constant);
        for (Extent i = 0; i < count; ++i) out[i] = value;
        return;
    }
    const double factor = arguments[0].factor;
    if (factor == 1.0) {
        for (Extent i = 0; i < count; ++i) out[i] = f(x[i]);
        return;
    }
    for (Extent i = 0; i < count; ++i) out[i] = f(factor * x[i]);
}

template <typename F>
TILESUM_INLINE void binary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
    const double* __restrict a = arguments[0].data;
    const double* __restrict b = arguments[1].data;
    if (a && b) {
        for (Extent i = 0; i < count; ++i) out[i] = f(a[i], b[i]);
    } else if (a) {
        const double constant = arguments[1].constant;
        for (Extent i = 0; i < count; ++i) out[i] = f(a[i], constant);
    } else if (b) {
        const double constant = arguments[0].constant;
        for (Extent i = 0; i < count; ++i) out[i] = f(constant, b[i]);
    } else {
        const double value = f(arguments[0].constant, arguments[1].constant);
        for (Extent i = 0; i < count; ++i) out[i] = value;
    }
}

template <typename F>
TILESUM_INLINE void ternary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
    const Operand a{arguments[0].data, arguments[0].constant}, b{arguments[1].data, arguments[1].constant},
        c{arguments[2].data, arguments[2].constant};
    for (Extent i = 0; i < count; ++i) out[i] = f(a[i], b[i], c[i]);
}

}  // namespace

TILESUM_CLONES void apply_function(FunctionOp op, double exponent, const RowArgument* arguments, double* out,
                                   Extent count) {
    using namespace elementwise;
    const RowArgument* args = arguments;
    TILESUM_ASSERT(function_info(op).arity == 1 || args[0].factor == 1.0);
    if (args[0].data && simd::has_function_row(op))
        return simd::function_row(op, args[0].factor, args[0].data, out, static_cast<std::size_t>(count));
    switch (op) {
        case FunctionOp::exp: return unary([](double x) { return std::exp(x); }, args, out, count);
        case FunctionOp::log: return unary([](double x) { return std::log(x); }, args, out, count);
        case FunctionOp::log1p: return unary([](double x) { return std::log1p(x); }, args, out, count);
        case FunctionOp::expm1: return unary([](double x) { return std::expm1(x); }, args, out, count);
        case FunctionOp::sqrt: return unary([](double x) { return std::sqrt(x); }, args, out, count);
        case FunctionOp::sin: return unary([](double x) { return std::sin(x); }, args, out, count);
        case FunctionOp::cos: return unary([](double x) { return std::cos(x); }, args, out, count);
        case FunctionOp::tanh: return unary([](double x) { return std::tanh(x); }, args, out, count);
        case FunctionOp::abs: return unary([](double x) { return std::fabs(x); }, args, out, count);
        case FunctionOp::sign: return unary(sign_of, args, out, count);
        case FunctionOp::power:
            // The common squares stay a multiply the compiler vectorizes.
            if (exponent == 2) return unary([](double x) { return x * x; }, args, out, count);
            if (multiplied(exponent)) {
                const auto whole = static_cast<long long>(exponent);
                return unary([whole](double x) { return integer_power(x, whole); }, args, out, count);
            }
            return unary([exponent](double x) { return power(x, exponent); }, args, out, count);
        case FunctionOp::array_power: {
            const bool integers = exponent != 0;
            return binary([integers](double x, double y) { return array_power(x, y, integers); }, args, out, count);
        }
        case FunctionOp::maximum: return binary(maximum, args, out, count);
        case FunctionOp::minimum: return binary(minimum, args, out, count);
        case FunctionOp::less: return binary([](double a, double b) { return truth(a < b); }, args, out, count);
        case FunctionOp::less_equal: return binary([](double a, double b) { return truth(a <= b); }, args, out, count);
        case FunctionOp::greater: return binary([](double a, double b) { return truth(a > b); }, args, out, count);
        case FunctionOp::greater_equal:
            return binary([](double a, double b) { return truth(a >= b); }, args, out, count);
        case FunctionOp::equal: return binary([](double a, double b) { return truth(a == b); }, args, out, count);
        case FunctionOp::not_equal: return binary([](double a, double b) { return truth(a != b); }, args, out, count);
        case FunctionOp::where: return ternary(select, args, out, count);
    }
    TILESUM_ASSERT(false);
}

}  // namespace tilesum::kernels::rows
