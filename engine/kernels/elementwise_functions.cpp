#include "engine/kernels/elementwise_functions.hpp"

#include <array>
#include <cmath>
#include <cstdlib>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/common/error.hpp"
#include "engine/kernels/strided.hpp"

namespace tilesum::kernels {

namespace {

using namespace elementwise;

// The result over the block, one tight loop per row of the innermost axis. `F` takes the arguments' values.
template <std::size_t Arity, typename F>
void run(const std::vector<FunctionArgument>& arguments, double* result, const Shape& result_shape, F f) {
    TILESUM_ASSERT(arguments.size() == Arity);
    const std::size_t rank = result_shape.size();
    std::array<Strides, Arity + 1> strides;
    std::array<const double*, Arity> bases{};
    strides[0] = dense_strides(result_shape);
    for (std::size_t position = 0; position < Arity; ++position) {
        const FunctionArgument& argument = arguments[position];
        strides[position + 1].assign(rank, 0);
        if (!argument.data) {
            bases[position] = &argument.constant;  // stride 0 on every axis: the number everywhere
            continue;
        }
        bases[position] = argument.data;
        TILESUM_ASSERT(argument.shape.size() <= rank);
        const std::size_t offset = rank - argument.shape.size();
        const Strides dense = dense_strides(argument.shape);
        for (std::size_t axis = 0; axis < argument.shape.size(); ++axis) {
            TILESUM_ASSERT(argument.shape[axis] == result_shape[offset + axis] || argument.shape[axis] == 1);
            strides[position + 1][offset + axis] = argument.shape[axis] == 1 ? 0 : dense[axis];
        }
    }
    std::array<const Strides*, Arity + 1> pointers;
    for (std::size_t position = 0; position <= Arity; ++position) pointers[position] = &strides[position];
    for_each_row<Arity + 1>(result_shape, pointers, [&](const auto& offsets, Extent count, const auto& inner) {
        double* out = result + offsets[0];
        if constexpr (Arity == 1) {
            const double* x = bases[0] + offsets[1];
            const Extent step = inner[1];
            if (step == 1) {
                for (Extent element = 0; element < count; ++element) out[element] = f(x[element]);
            } else {
                for (Extent element = 0; element < count; ++element) out[element] = f(x[element * step]);
            }
        } else if constexpr (Arity == 2) {
            const double* a = bases[0] + offsets[1];
            const double* b = bases[1] + offsets[2];
            for (Extent element = 0; element < count; ++element)
                out[element] = f(a[element * inner[1]], b[element * inner[2]]);
        } else {
            const double* a = bases[0] + offsets[1];
            const double* b = bases[1] + offsets[2];
            const double* c = bases[2] + offsets[3];
            for (Extent element = 0; element < count; ++element)
                out[element] = f(a[element * inner[1]], b[element * inner[2]], c[element * inner[3]]);
        }
    });
}

}  // namespace

void apply_function(FunctionOp op, double exponent, const std::vector<FunctionArgument>& arguments, double* result,
                    const Shape& result_shape) {
    const auto& args = arguments;
    double* out = result;
    const Shape& shape = result_shape;
    switch (op) {
        case FunctionOp::exp: return run<1>(args, out, shape, [](double x) { return std::exp(x); });
        case FunctionOp::log: return run<1>(args, out, shape, [](double x) { return std::log(x); });
        case FunctionOp::log1p: return run<1>(args, out, shape, [](double x) { return std::log1p(x); });
        case FunctionOp::expm1: return run<1>(args, out, shape, [](double x) { return std::expm1(x); });
        case FunctionOp::sqrt: return run<1>(args, out, shape, [](double x) { return std::sqrt(x); });
        case FunctionOp::sin: return run<1>(args, out, shape, [](double x) { return std::sin(x); });
        case FunctionOp::cos: return run<1>(args, out, shape, [](double x) { return std::cos(x); });
        case FunctionOp::tanh: return run<1>(args, out, shape, [](double x) { return std::tanh(x); });
        case FunctionOp::abs: return run<1>(args, out, shape, [](double x) { return std::fabs(x); });
        case FunctionOp::sign: return run<1>(args, out, shape, sign_of);
        case FunctionOp::power:
            // The common squares stay a multiply the compiler can vectorize.
            if (exponent == 2) return run<1>(args, out, shape, [](double x) { return x * x; });
            if (multiplied(exponent)) {
                const auto whole = static_cast<long long>(exponent);
                return run<1>(args, out, shape, [whole](double x) { return integer_power(x, whole); });
            }
            return run<1>(args, out, shape, [exponent](double x) { return power(x, exponent); });
        case FunctionOp::array_power: {
            const bool integers = exponent != 0;
            return run<2>(args, out, shape, [integers](double x, double y) { return array_power(x, y, integers); });
        }
        case FunctionOp::maximum: return run<2>(args, out, shape, maximum);
        case FunctionOp::minimum: return run<2>(args, out, shape, minimum);
        case FunctionOp::less: return run<2>(args, out, shape, [](double a, double b) { return truth(a < b); });
        case FunctionOp::less_equal: return run<2>(args, out, shape, [](double a, double b) { return truth(a <= b); });
        case FunctionOp::greater: return run<2>(args, out, shape, [](double a, double b) { return truth(a > b); });
        case FunctionOp::greater_equal:
            return run<2>(args, out, shape, [](double a, double b) { return truth(a >= b); });
        case FunctionOp::equal: return run<2>(args, out, shape, [](double a, double b) { return truth(a == b); });
        case FunctionOp::not_equal: return run<2>(args, out, shape, [](double a, double b) { return truth(a != b); });
        case FunctionOp::where: return run<3>(args, out, shape, select);
    }
    TILESUM_ASSERT(false);
}

}  // namespace tilesum::kernels
