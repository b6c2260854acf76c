// The rounding contracts of the fused programs' row kernels (kernels/row_ops.hpp): how each rounds is stated, and
// the kernels that do the work of several in one pass give the bits of those several, so that a fused program's
// result does not depend on which path the runner takes (batches of products, inlined sums) nor on the CPU.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/kernels/row_ops.hpp"

using namespace tilesum;
using kernels::rows::Term;

namespace {

// Odd and vector-multiple lengths: the kernels' vector bodies and their scalar tails.
const std::vector<Extent> lengths{1, 3, 8, 17, 64, 131};

std::vector<double> normal_row(std::mt19937_64& random, Extent count) {
    std::normal_distribution<double> normal;
    std::vector<double> row(static_cast<std::size_t>(count));
    for (double& value : row) value = normal(random);
    return row;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// One operand's terms over fresh rows: coefficients 1 (a plain sum such as C + C2) or not (C - 0.5 · C2).
struct Operand {
    std::vector<std::vector<double>> rows;
    std::vector<Term> terms;
    Operand(std::mt19937_64& random, int count, Extent length, bool unit) {
        std::normal_distribution<double> normal;
        for (int term = 0; term < count; ++term) rows.push_back(normal_row(random, length));
        for (int term = 0; term < count; ++term)
            terms.push_back(Term{rows[static_cast<std::size_t>(term)].data(), normal(random),
                                 unit ? 1.0 : (term == 0 && count == 2 ? 1.0 : -0.5)});
    }
    // The operand stored as a row, by the kernels a program without inlined sums runs.
    std::vector<double> stored(Extent length) const {
        std::vector<double> row(static_cast<std::size_t>(length));
        if (terms.size() == 1) {
            kernels::rows::set_term(row.data(), terms[0].row, terms[0].factor, terms[0].coefficient, length);
        } else {
            kernels::rows::combine_terms(row.data(), terms[0].row, terms[0].factor, terms[0].coefficient, terms[1].row,
                                         terms[1].factor, terms[1].coefficient, length);
        }
        return row;
    }
    int count() const { return static_cast<int>(terms.size()); }
};

}  // namespace

TEST_CASE("combine_terms rounds a plain sum as fma(f0, x0, f1 x1) and a weighted one as fma(c0, f0 x0, c1 (f1 x1))",
          "[kernels][fused]") {
    std::mt19937_64 random(11);
    for (Extent length : lengths) {
        for (bool unit : {true, false}) {
            const Operand operand(random, 2, length, unit);
            const std::vector<double> row = operand.stored(length);
            for (Extent i = 0; i < length; ++i) {
                const Term& t0 = operand.terms[0];
                const Term& t1 = operand.terms[1];
                const double expected =
                    unit ? std::fma(t0.factor, t0.row[i], t1.factor * t1.row[i])
                         : std::fma(t0.coefficient, t0.factor * t0.row[i], t1.coefficient * (t1.factor * t1.row[i]));
                REQUIRE(row[static_cast<std::size_t>(i)] == expected);
            }
        }
    }
}

TEST_CASE("add_product_of_sums gives the bits of storing both sums and adding their product", "[kernels][fused]") {
    std::mt19937_64 random(12);
    for (Extent length : lengths)
        for (int a_terms : {1, 2})
            for (int b_terms : {1, 2})
                for (int units = 0; units < 4; ++units) {  // each operand's coefficients all 1 or not
                    const bool a_unit = units & 1, b_unit = units & 2;
                    CAPTURE(length, a_terms, b_terms, a_unit, b_unit);
                    const Operand a(random, a_terms, length, a_unit), b(random, b_terms, length, b_unit);
                    const std::vector<double> start = normal_row(random, length);
                    std::vector<double> inlined = start, stored = start;
                    kernels::rows::add_product_of_sums(inlined.data(), a.terms.data(), a.count(), b.terms.data(),
                                                       b.count(), length);
                    kernels::rows::add_product(stored.data(), a.stored(length).data(), b.stored(length).data(), length);
                    REQUIRE(same_bits(inlined, stored));
                }
}

TEST_CASE("add_products_of_sums gives the bits of its products added one after the other", "[kernels][fused]") {
    std::mt19937_64 random(13);
    // Lengths around the kernel's four-vector chunks (32 doubles on AVX-512) and batch sizes up to a full one.
    for (Extent length : {1, 7, 8, 31, 32, 33, 64, 131, 600})
        for (int products : {1, 2, 5, 32})
            for (int a_terms : {1, 2})
                for (int b_terms : {1, 2})
                    for (int units = 0; units < 4; ++units) {
                        const bool a_unit = units & 1, b_unit = units & 2;
                        CAPTURE(length, products, a_terms, b_terms, a_unit, b_unit);
                        std::vector<Operand> a, b;
                        std::vector<Term> a_batch(2 * static_cast<std::size_t>(products)), b_batch(a_batch.size());
                        for (int product = 0; product < products; ++product) {
                            a.emplace_back(random, a_terms, length, a_unit);
                            b.emplace_back(random, b_terms, length, b_unit);
                        }
                        for (std::size_t product = 0; product < a.size(); ++product)
                            for (std::size_t term = 0; term < a[product].terms.size(); ++term)
                                a_batch[2 * product + term] = a[product].terms[term];
                        for (std::size_t product = 0; product < b.size(); ++product)
                            for (std::size_t term = 0; term < b[product].terms.size(); ++term)
                                b_batch[2 * product + term] = b[product].terms[term];
                        const std::vector<double> start = normal_row(random, length);
                        std::vector<double> batched = start, one_by_one = start;
                        kernels::rows::add_products_of_sums(batched.data(), a_batch.data(), a_terms, b_batch.data(),
                                                            b_terms, products, length);
                        for (std::size_t product = 0; product < a.size(); ++product)
                            kernels::rows::add_product_of_sums(one_by_one.data(), a[product].terms.data(), a_terms,
                                                               b[product].terms.data(), b_terms, length);
                        REQUIRE(same_bits(batched, one_by_one));
                    }
}
