// A fused tile's function chain (eval/fused_program.hpp's FunctionChain), computed in the accumulation's own pass by
// kernels::simd::accumulate_function_row, gives the bits of the unfused kernels run link by link — the two-row sum
// (rows::combine_terms or rows::set_term), the square (rows::apply_function power 2), the negation folded into the
// function's argument and the function row, then rows::add_scaled into the accumulator — for every vectorized
// function, with lanes outside Highway's range (glibc's values) and vector tails.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/common/elementwise_function.hpp"
#include "engine/kernels/row_ops.hpp"
#include "engine/kernels/simd_math.hpp"

using namespace tilesum;
using kernels::rows::Term;

namespace {

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Rows of ordinary values with edges mixed in: values whose chain leaves Highway's range (NaN, infinities, huge
// and tiny numbers, negatives for log) land in some lanes of some vectors.
std::vector<double> row_with_edges(std::mt19937_64& random, Extent count) {
    std::normal_distribution<double> normal;
    std::uniform_int_distribution<int> pick(0, 24);
    const double edges[] = {std::nan(""),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            1e300,
                            -1e300,
                            0.0,
                            -0.0,
                            30.0,
                            1e-310};
    std::vector<double> row(static_cast<std::size_t>(count));
    for (double& value : row) {
        const int chosen = pick(random);
        value = chosen < 9 ? edges[chosen] : 2 * normal(random);
    }
    return row;
}

// The chain link by link, with the unfused kernels a fused program runs when nothing is fused.
std::vector<double> unfused(FunctionOp op, const std::vector<Term>& terms, bool square, double scale, double factor,
                            std::vector<double> accumulator) {
    const auto count = static_cast<Extent>(accumulator.size());
    std::vector<double> sum(accumulator.size()), value(accumulator.size());
    if (terms.size() == 2)
        kernels::rows::combine_terms(sum.data(), terms[0].row, terms[0].factor, terms[0].coefficient, terms[1].row,
                                     terms[1].factor, terms[1].coefficient, count);
    else
        kernels::rows::set_term(sum.data(), terms[0].row, terms[0].factor, terms[0].coefficient, count);
    if (square) {
        const kernels::rows::RowArgument argument{sum.data(), 0};
        kernels::rows::apply_function(FunctionOp::power, 2.0, &argument, sum.data(), count);
    }
    const kernels::rows::RowArgument argument{sum.data(), 0, scale};
    kernels::rows::apply_function(op, 0, &argument, value.data(), count);
    kernels::rows::add_scaled(accumulator.data(), value.data(), factor, count);
    return accumulator;
}

}  // namespace

TEST_CASE("a function chain accumulated in one pass gives the bits of its links run one by one",
          "[kernels][fused][functions]") {
    std::mt19937_64 random(31);
    std::normal_distribution<double> normal;
    for (const FunctionOp op : {FunctionOp::exp, FunctionOp::expm1, FunctionOp::log, FunctionOp::log1p, FunctionOp::sin,
                                FunctionOp::cos, FunctionOp::tanh})
        for (Extent length : {1, 7, 8, 9, 63, 64, 1000})
            for (int term_count : {1, 2})
                for (bool unit : {true, false})
                    for (bool square : {false, true})
                        for (double scale : {1.0, -1.0})
                            for (double factor : {1.0, 0.75}) {
                                CAPTURE(function_info(op).name, length, term_count, unit, square, scale, factor);
                                std::vector<std::vector<double>> rows;
                                std::vector<Term> terms;
                                for (int term = 0; term < term_count; ++term) {
                                    rows.push_back(row_with_edges(random, length));
                                    const double coefficient = unit ? 1.0 : (term == 0 ? 0.5 : -2.0);
                                    terms.push_back(Term{rows.back().data(), normal(random), coefficient});
                                }
                                std::vector<double> start(static_cast<std::size_t>(length));
                                for (double& value : start) value = normal(random);
                                const std::vector<double> expected = unfused(op, terms, square, scale, factor, start);
                                std::vector<double> fused = start;
                                const kernels::simd::FunctionInput input{terms.data(), term_count, square, scale};
                                kernels::simd::accumulate_function_row(op, input, factor, fused.data(),
                                                                       static_cast<std::size_t>(length));
                                REQUIRE(same_bits(fused, expected));
                            }
}
