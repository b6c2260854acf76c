// Division by an array (engine/expr/reciprocal.hpp): the divisor's reciprocal read through views of its inputs, run
// through the library from memory over several tiles, against the quotient written out here.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include <tilesum/tilesum.hpp>
#include "engine/expr/reciprocal.hpp"
#include "tests/unit/api_fixture.hpp"

using namespace tilesum;
using testing::compute_in_memory;
using testing::normal_values;

namespace {

Tensor divide(const Tensor& left, const Tensor& right) {
    return Tensor(expr::make_quotient({left.node(), "the dividend", std::nullopt},
                                      {right.node(), "the divisor", std::nullopt}, std::nullopt));
}

void require_close(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t element = 0; element < expected.size(); ++element) {
        INFO("element " << element << ": " << actual[element] << " vs " << expected[element]);
        if (std::isnan(expected[element])) {
            REQUIRE(std::isnan(actual[element]));
        } else if (std::isinf(expected[element])) {
            REQUIRE(actual[element] == expected[element]);
        } else {
            REQUIRE(actual[element] == Approx(expected[element]).epsilon(1e-13).margin(1e-300));
        }
    }
}

constexpr Extent n = 30, m = 20;

}  // namespace

TEST_CASE("g / D divides elementwise by an input read through a reciprocal view", "[reciprocal]") {
    const std::vector<double> a = normal_values(n * m, 1), b = normal_values(m * n, 2), d = normal_values(n * n, 3);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m}), B = sources.memory("B", b.data(), {m, n});
    const Tensor D = sources.memory("D", d.data(), {n, n});
    const Tensor X = divide(einsum("ij,jk->ik", {A, B}), D);
    std::vector<double> expected;
    for (Extent i = 0; i < n; ++i)
        for (Extent k = 0; k < n; ++k) {
            double sum = 0;
            for (Extent j = 0; j < m; ++j) sum += a[i * m + j] * b[j * n + k];
            expected.push_back(sum / d[i * n + k]);
        }
    require_close(compute_in_memory(sources, X), expected);
}

TEST_CASE("a divisor that broadcasts, is transposed, scaled or a product is still read, not computed", "[reciprocal]") {
    const std::vector<double> a = normal_values(n * m, 4), v = normal_values(m, 5), w = normal_values(n, 6);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m}), V = sources.memory("v", v.data(), {m});
    const Tensor W = sources.memory("w", w.data(), {n});
    // A / (2 v) / (v w^T)^T: a scaled input broadcast along rows, then a transposed outer product.
    const Tensor X = divide(divide(A, 2.0 * V), einsum("ij->ji", {einsum("i,j->ij", {V, W})}));
    std::vector<double> expected;
    for (Extent i = 0; i < n; ++i)
        for (Extent j = 0; j < m; ++j) expected.push_back(a[i * m + j] / (2 * v[j]) / (w[i] * v[j]));
    require_close(compute_in_memory(sources, X), expected);
}

TEST_CASE("division by zero gives numpy's values: inf, -inf and nan", "[reciprocal]") {
    std::vector<double> g = {1, -1, 0, 2, 0}, d = {0, 0, 0, -0.0, 4};
    Sources sources;
    const Tensor G = sources.memory("g", g.data(), {5}), D = sources.memory("d", d.data(), {5});
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    require_close(compute_in_memory(sources, divide(G, D)), {inf, -inf, nan, -inf, 0});
}

TEST_CASE("the quotient's dtype is numpy's true_divide: integers give float64, float32 stays float32", "[reciprocal]") {
    const Tensor I = Tensor::input("I", {3}, DType::i32), J = Tensor::input("J", {3}, DType::i64);
    const Tensor F = Tensor::input("F", {3}, DType::f32);
    CHECK(divide(I, J).node()->dtype == DType::f64);
    CHECK(divide(F, F).node()->dtype == DType::f32);
    CHECK(divide(F, I).node()->dtype == DType::f64);
    CHECK(divide(I, I).node()->diagonal_of.has_value() == false);
}

TEST_CASE("division by computed data, or by a complex array, is refused naming the divisor", "[reciprocal]") {
    const Tensor A = Tensor::input("A", {3, 4}), B = Tensor::input("B", {4, 3});
    const Tensor Z = Tensor::input("Z", {3}, DType::c128);
    const auto refused = [](const std::function<void()>& body, const std::string& contains) {
        try {
            body();
            FAIL("no error");
        } catch (const Error& error) {
            CHECK(error.kind() == ErrorKind::unsupported);
            CHECK_THAT(error.what(), Catch::Contains(contains));
        }
    };
    refused([&] { divide(A, einsum("ij,jk->ik", {A, B})); }, "an array computed by a sum or a contraction");
    refused([&] { divide(A, A + A); }, "an array computed by a sum or a contraction");
    refused([&] { divide(Z, Z); }, "division by a complex array");
}
