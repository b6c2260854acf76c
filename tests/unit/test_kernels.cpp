// Block kernels against the naive einsum on random blocks: permutation in both loop directions, reductions,
// broadcasting combines and batched GEMM (including its outer-product and dot-product shortcuts).
#include <catch2/catch.hpp>

#include <random>

#include "engine/kernels/block_ops.hpp"
#include "engine/kernels/reference_einsum.hpp"

#include "tests/unit/memory_tensors.hpp"

using namespace tilesum;
using kernels::DenseTensor;
using testing::random_tensor;

TEST_CASE("permute matches the reference transpose, whether the last destination axis is long or short", "[kernels]") {
    for (const Shape& shape : {Shape{4, 5, 3}, Shape{3, 40, 2}, Shape{2, 3, 50}}) {
        DenseTensor source = random_tensor(shape, 1);
        const std::vector<std::pair<std::vector<std::size_t>, std::string>> perms = {
            {{2, 0, 1}, "kij"}, {{1, 0, 2}, "jik"}, {{0, 2, 1}, "ikj"}, {{2, 1, 0}, "kji"}};
        for (const auto& [perm, labels] : perms) {
            DenseTensor expected = kernels::reference_einsum({"ijk"}, labels, {&source});
            std::vector<double> actual(expected.values.size());
            kernels::permute(source.values.data(), shape, perm, actual.data());
            CAPTURE(labels, shape[0], shape[1], shape[2]);
            REQUIRE(actual == expected.values);
        }
    }
}

TEST_CASE("sum_axes sums out exactly the axes not kept", "[kernels]") {
    DenseTensor source = random_tensor({3, 4, 5}, 2);
    std::vector<double> actual(4);
    kernels::sum_axes(source.values.data(), source.shape, {false, true, false}, actual.data());
    DenseTensor expected = kernels::reference_einsum({"ijk"}, "j", {&source});
    for (std::size_t element = 0; element < actual.size(); ++element)
        REQUIRE(actual[element] == Approx(expected.values[element]).epsilon(1e-14));
}

TEST_CASE("broadcast_combine repeats extent-1 and missing leading axes as numpy does", "[kernels]") {
    std::vector<double> destination{1, 2, 3, 4, 5, 6};  // (2, 3)
    const std::vector<double> row{10, 20, 30};          // (3,)
    kernels::broadcast_combine(kernels::Combine::accumulate, 2.0, row.data(), {3}, destination.data(), {2, 3});
    REQUIRE(destination == std::vector<double>{21, 42, 63, 24, 45, 66});
    const std::vector<double> column{1, -1};  // (2, 1)
    kernels::broadcast_combine(kernels::Combine::multiply, 1.0, column.data(), {2, 1}, destination.data(), {2, 3});
    REQUIRE(destination == std::vector<double>{21, 42, 63, -24, -45, -66});
    kernels::broadcast_combine(kernels::Combine::assign, -1.0, column.data(), {2, 1}, destination.data(), {2, 3});
    REQUIRE(destination == std::vector<double>{-1, -1, -1, 1, 1, 1});
}

TEST_CASE("batched_gemm agrees with the reference for GEMM, GEMV, dot and outer-product shapes", "[kernels]") {
    struct Case {
        Extent batch, m, n, k;
    };
    for (const Case& shape :
         {Case{1, 7, 5, 3}, Case{3, 4, 1, 6}, Case{2, 1, 1, 9}, Case{2, 3, 4, 1}, Case{1, 2, 2, 0}, Case{2, 1, 5, 4}}) {
        DenseTensor a = random_tensor({shape.batch, shape.m, shape.k}, 3);
        DenseTensor b = random_tensor({shape.batch, shape.k, shape.n}, 4);
        std::vector<double> c(static_cast<std::size_t>(shape.batch * shape.m * shape.n), 99.0);
        kernels::batched_gemm(shape.batch, shape.m, shape.n, shape.k, {a.values.data(), false},
                              {b.values.data(), false}, c.data());
        DenseTensor expected = kernels::reference_einsum({"bmk", "bkn"}, "bmn", {&a, &b});
        CAPTURE(shape.batch, shape.m, shape.n, shape.k);
        for (std::size_t element = 0; element < c.size(); ++element)
            REQUIRE(c[element] == Approx(expected.values[element]).epsilon(1e-13).margin(1e-15));
    }
}

TEST_CASE("batched_gemm reads operands stored transposed without copying them", "[kernels]") {
    struct Case {
        Extent batch, m, n, k;
    };
    for (const Case& shape : {Case{1, 7, 5, 3}, Case{3, 4, 1, 6}, Case{2, 1, 5, 4}, Case{2, 1, 1, 9}, Case{2, 3, 4, 1}})
        for (bool a_transposed : {false, true})
            for (bool b_transposed : {false, true}) {
                // A stored (batch, k, m) when transposed, B stored (batch, n, k).
                DenseTensor a = random_tensor(
                    a_transposed ? Shape{shape.batch, shape.k, shape.m} : Shape{shape.batch, shape.m, shape.k}, 5);
                DenseTensor b = random_tensor(
                    b_transposed ? Shape{shape.batch, shape.n, shape.k} : Shape{shape.batch, shape.k, shape.n}, 6);
                std::vector<double> c(static_cast<std::size_t>(shape.batch * shape.m * shape.n), 99.0);
                kernels::batched_gemm(shape.batch, shape.m, shape.n, shape.k, {a.values.data(), a_transposed},
                                      {b.values.data(), b_transposed}, c.data());
                DenseTensor expected = kernels::reference_einsum(
                    {a_transposed ? "bkm" : "bmk", b_transposed ? "bnk" : "bkn"}, "bmn", {&a, &b});
                CAPTURE(shape.batch, shape.m, shape.n, shape.k, a_transposed, b_transposed);
                for (std::size_t element = 0; element < c.size(); ++element)
                    REQUIRE(c[element] == Approx(expected.values[element]).epsilon(1e-13).margin(1e-15));
            }
}

TEST_CASE("batched_dot agrees with the reference for every storage order of its operands", "[kernels]") {
    // Batches that are and are not a multiple of the kernel's eight lanes.
    for (const Extent batch : {Extent{1}, Extent{8}, Extent{13}, Extent{40}}) {
        const Extent depth = 11;
        const DenseTensor batch_major_a = random_tensor({batch, depth}, 7),
                          batch_major_b = random_tensor({batch, depth}, 8);
        const DenseTensor depth_major_a = kernels::reference_einsum({"ks"}, "sk", {&batch_major_a});
        const DenseTensor depth_major_b = kernels::reference_einsum({"ks"}, "sk", {&batch_major_b});
        const DenseTensor expected = kernels::reference_einsum({"ks", "ks"}, "k", {&batch_major_a, &batch_major_b});
        for (const bool a_depth_major : {false, true})
            for (const bool b_depth_major : {false, true}) {
                const DenseTensor& a = a_depth_major ? depth_major_a : batch_major_a;
                const DenseTensor& b = b_depth_major ? depth_major_b : batch_major_b;
                std::vector<double> actual(static_cast<std::size_t>(batch), -1.0);
                kernels::batched_dot(batch, depth, a.values.data(), a_depth_major, b.values.data(), b_depth_major,
                                     actual.data());
                CAPTURE(batch, a_depth_major, b_depth_major);
                for (std::size_t index = 0; index < actual.size(); ++index)
                    REQUIRE(actual[index] == Approx(expected.values[index]).margin(1e-14));
            }
    }
}
