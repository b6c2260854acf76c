#include "engine/kernels/row_ops.hpp"

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/kernels/simd_exp.hpp"

// Function multi-versioning: each function below is compiled three times and the loader picks the widest the CPU
// runs (ifunc). The loops are plain C++ that the compiler vectorizes at -O3; the build has no -march of its own.
// Sanitizer and coverage builds need no clones (and TSan dislikes ifunc resolvers): one version there.
#if defined(__has_feature)  // clang
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TILESUM_SANITIZED_BUILD
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)  // g++
#define TILESUM_SANITIZED_BUILD
#endif
#if defined(__x86_64__) && !defined(TILESUM_SANITIZED_BUILD)
#define TILESUM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TILESUM_CLONES
#endif

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
    for (Extent i = 0; i < count; ++i) out[i] += x[i] * y[i];
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
    for (Extent i = 0; i < count; ++i) out[i] = c0 * (f0 * x0[i]) + c1 * (f1 * x1[i]);
}

namespace {

template <int A, int B>
inline void product_of_sums(double* __restrict out, const Term* a, const Term* b, Extent count) {
    const double* __restrict a0 = a[0].row;
    const double* __restrict a1 = A == 2 ? a[1].row : a0;
    const double* __restrict b0 = b[0].row;
    const double* __restrict b1 = B == 2 ? b[1].row : b0;
    const double fa0 = a[0].factor, ca0 = a[0].coefficient, fb0 = b[0].factor, cb0 = b[0].coefficient;
    const double fa1 = A == 2 ? a[1].factor : 0, ca1 = A == 2 ? a[1].coefficient : 0;
    const double fb1 = B == 2 ? b[1].factor : 0, cb1 = B == 2 ? b[1].coefficient : 0;
    for (Extent i = 0; i < count; ++i) {
        const double x = A == 2 ? ca0 * (fa0 * a0[i]) + ca1 * (fa1 * a1[i]) : ca0 * (fa0 * a0[i]);
        const double y = B == 2 ? cb0 * (fb0 * b0[i]) + cb1 * (fb1 * b1[i]) : cb0 * (fb0 * b0[i]);
        out[i] += x * y;
    }
}

}  // namespace

TILESUM_CLONES void add_product_of_sums(double* out, const Term* a, int a_terms, const Term* b, int b_terms,
                                        Extent count) {
    TILESUM_ASSERT(a_terms >= 1 && a_terms <= 2 && b_terms >= 1 && b_terms <= 2);
    if (a_terms == 2 && b_terms == 2) return product_of_sums<2, 2>(out, a, b, count);
    if (a_terms == 2) return product_of_sums<2, 1>(out, a, b, count);
    if (b_terms == 2) return product_of_sums<1, 2>(out, a, b, count);
    product_of_sums<1, 1>(out, a, b, count);
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
    double operator[](Extent i) const { return data ? data[i] : constant; }
};

template <typename F>
void unary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
    const double* __restrict x = arguments[0].data;
    if (!x) {
        const double value = f(arguments[0].constant);
        for (Extent i = 0; i < count; ++i) out[i] = value;
        return;
    }
    for (Extent i = 0; i < count; ++i) out[i] = f(x[i]);
}

template <typename F>
void binary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
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
void ternary(F f, const RowArgument* arguments, double* __restrict out, Extent count) {
    const Operand a{arguments[0].data, arguments[0].constant}, b{arguments[1].data, arguments[1].constant},
        c{arguments[2].data, arguments[2].constant};
    for (Extent i = 0; i < count; ++i) out[i] = f(a[i], b[i], c[i]);
}

}  // namespace

TILESUM_CLONES void apply_function(FunctionOp op, double exponent, const RowArgument* arguments, double* out,
                                   Extent count) {
    using namespace elementwise;
    const RowArgument* args = arguments;
    switch (op) {
        case FunctionOp::exp:
            if (args[0].data) return simd::exp_row(args[0].data, out, static_cast<std::size_t>(count));
            return unary([](double x) { return std::exp(x); }, args, out, count);
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
