#include "engine/common/elementwise_scalar.hpp"

#include "engine/common/error.hpp"

namespace tilesum {

double function_value(FunctionOp op, double exponent, const double* values) {
    using namespace elementwise;
    const double x = values[0];
    switch (op) {
        case FunctionOp::exp: return std::exp(x);
        case FunctionOp::log: return std::log(x);
        case FunctionOp::log1p: return std::log1p(x);
        case FunctionOp::expm1: return std::expm1(x);
        case FunctionOp::sqrt: return std::sqrt(x);
        case FunctionOp::sin: return std::sin(x);
        case FunctionOp::cos: return std::cos(x);
        case FunctionOp::tanh: return std::tanh(x);
        case FunctionOp::abs: return std::fabs(x);
        case FunctionOp::sign: return sign_of(x);
        case FunctionOp::power: return power(x, exponent);
        case FunctionOp::array_power: return array_power(x, values[1], exponent != 0);
        case FunctionOp::maximum: return maximum(x, values[1]);
        case FunctionOp::minimum: return minimum(x, values[1]);
        case FunctionOp::less: return truth(x < values[1]);
        case FunctionOp::less_equal: return truth(x <= values[1]);
        case FunctionOp::greater: return truth(x > values[1]);
        case FunctionOp::greater_equal: return truth(x >= values[1]);
        case FunctionOp::equal: return truth(x == values[1]);
        case FunctionOp::not_equal: return truth(x != values[1]);
        case FunctionOp::where: return select(x, values[1], values[2]);
    }
    TILESUM_ASSERT(false);
    return 0;
}

}  // namespace tilesum
