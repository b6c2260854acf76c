// The naive evaluator is the ground truth of every other test, so it is checked on cases computed by hand.
#include <catch2/catch.hpp>

#include "engine/eval/reference_eval.hpp"
#include "engine/expr/tensor.hpp"
#include "engine/kernels/reference_einsum.hpp"

using namespace tilesum;
using kernels::DenseTensor;
using kernels::reference_einsum;

TEST_CASE("reference einsum multiplies matrices", "[reference]") {
    DenseTensor a{{2, 2}, {1, 2, 3, 4}};
    DenseTensor b{{2, 2}, {5, 6, 7, 8}};
    DenseTensor c = reference_einsum({"ij", "jk"}, "ik", {&a, &b});
    REQUIRE(c.shape == Shape{2, 2});
    REQUIRE(c.values == std::vector<double>{19, 22, 43, 50});
}

TEST_CASE("reference einsum transposes, sums out and takes outer products", "[reference]") {
    DenseTensor a{{2, 3}, {1, 2, 3, 4, 5, 6}};
    REQUIRE(reference_einsum({"ij"}, "ji", {&a}).values == std::vector<double>{1, 4, 2, 5, 3, 6});
    REQUIRE(reference_einsum({"ij"}, "i", {&a}).values == std::vector<double>{6, 15});
    REQUIRE(reference_einsum({"ij"}, "", {&a}).values == std::vector<double>{21});
    DenseTensor x{{2}, {1, 2}};
    DenseTensor y{{3}, {3, 4, 5}};
    REQUIRE(reference_einsum({"i", "j"}, "ij", {&x, &y}).values == std::vector<double>{3, 4, 5, 6, 8, 10});
}

TEST_CASE("reference einsum of the seed's last step sums S_ijk * S_ikj over i and j", "[reference]") {
    // S is (1, 2, 2): S[0] = [[1, 2], [3, 4]]; E_k = sum_j S_0jk S_0kj: E_0 = 1*1 + 3*2 = 7, E_1 = 2*3 + 4*4 = 22.
    DenseTensor s{{1, 2, 2}, {1, 2, 3, 4}};
    REQUIRE(reference_einsum({"ijk", "ikj"}, "k", {&s, &s}).values == std::vector<double>{7, 22});
}

TEST_CASE("reference evaluation of a DAG applies sums with broadcasting, scalings and products", "[reference]") {
    expr::Tensor a = expr::Tensor::input("A", {2, 2});
    expr::Tensor v = expr::Tensor::input("v", {2});
    eval::InputValues values{{"A", DenseTensor{{2, 2}, {1, 2, 3, 4}}}, {"v", DenseTensor{{2}, {10, 20}}}};
    // A - v broadcasts v along rows; 0.5 * (A * v) scales each column.
    REQUIRE(eval::reference_evaluate(*(a - v).node(), values).values == std::vector<double>{-9, -18, -7, -16});
    REQUIRE(eval::reference_evaluate(*(0.5 * (a * v)).node(), values).values == std::vector<double>{5, 20, 15, 40});
    REQUIRE(eval::reference_evaluate(*expr::einsum("ij,j->i", {a, v}).node(), values).values ==
            std::vector<double>{50, 110});
}
