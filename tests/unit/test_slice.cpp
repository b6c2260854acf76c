// numpy's basic indexing of lazy expressions (engine/expr/slice.hpp): slices and integer indices pushed down to the
// inputs as views, run through the library from memory sources over several tiles, against loops written out here.
#include <catch2/catch.hpp>

#include <functional>

#include <tilesum/tilesum.hpp>
#include "tests/unit/api_fixture.hpp"

using namespace tilesum;
using testing::compute_in_memory;
using testing::normal_values;
using namespace tilesum::indexing;

namespace {

// The values of `shape` in C order, each from its multi-index.
std::vector<double> tabulate(const Shape& shape, const std::function<double(const std::vector<Extent>&)>& value) {
    std::vector<double> values;
    std::vector<Extent> index(shape.size(), 0);
    for (Extent element = 0; element < element_count(shape); ++element) {
        values.push_back(value(index));
        for (std::size_t axis = shape.size(); axis-- > 0;) {
            if (++index[axis] < shape[axis]) break;
            index[axis] = 0;
        }
    }
    return values;
}

void require_close(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t element = 0; element < expected.size(); ++element) {
        INFO("element " << element);
        REQUIRE(actual[element] == Approx(expected[element]).epsilon(1e-12).margin(1e-12));
    }
}

void require_usage_error(const std::string& contains, const std::function<void()>& body) {
    try {
        body();
        FAIL("no error; expected one containing: " << contains);
    } catch (const Error& error) {
        INFO(error.what());
        REQUIRE(error.kind() == ErrorKind::usage);
        REQUIRE_THAT(error.what(), Catch::Contains(contains));
    }
}

constexpr Extent n = 30, m = 20;

}  // namespace

TEST_CASE("a slice of an input reads A[2:20:3, :] as numpy does, through a view of the input", "[slice]") {
    const std::vector<double> a = normal_values(n * m, 1);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m});
    const Tensor X = index(A, {range(2, 20, 3), all()});
    REQUIRE(X.shape() == Shape{6, m});
    CHECK(X.node()->diagonal_of);
    CHECK(X.node()->name == "view(A,2+3*0,1)");
    require_close(compute_in_memory(sources, X),
                  tabulate({6, m}, [&](auto& i) { return a[(2 + 3 * i[0]) * m + i[1]]; }));
}

TEST_CASE("negative steps, negative bounds and integer indices follow numpy: A[::-2, 3], A[-5:, -1:0:-4]", "[slice]") {
    const std::vector<double> a = normal_values(n * m, 2);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m});
    require_close(compute_in_memory(sources, index(A, {range({}, {}, -2), at(3)})),
                  tabulate({15}, [&](auto& i) { return a[(n - 1 - 2 * i[0]) * m + 3]; }));
    Sources again;
    const Tensor B = again.memory("A", a.data(), {n, m});
    // -1:0:-4 over 20 columns: 19, 15, 11, 7, 3.
    require_close(compute_in_memory(again, index(B, {range(-5, {}), range(-1, 0, -4)})),
                  tabulate({5, 5}, [&](auto& i) { return a[(n - 5 + i[0]) * m + 19 - 4 * i[1]]; }));
}

TEST_CASE("a slice of an einsum slices its operands along the output letters, never the summed ones", "[slice]") {
    const std::vector<double> a = normal_values(n * m, 3), b = normal_values(m * n, 4);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m}), B = sources.memory("B", b.data(), {m, n});
    const Tensor C = einsum("ij,jk->ik", {A, B});
    const Tensor X = index(C, {range(1, {}, 7), range({}, 4)});  // C[1::7, :4]
    REQUIRE(X.shape() == Shape{5, 4});
    require_close(compute_in_memory(sources, X), tabulate({5, 4}, [&](auto& i) {
                      double sum = 0;
                      for (Extent j = 0; j < m; ++j) sum += a[(1 + 7 * i[0]) * m + j] * b[j * n + i[1]];
                      return sum;
                  }));
}

TEST_CASE("a slice of a broadcasting sum leaves the broadcast axis whole: (A + v)[3:9, ::2]", "[slice]") {
    const std::vector<double> a = normal_values(n * m, 5), v = normal_values(m, 6);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m}), V = sources.memory("v", v.data(), {m});
    const Tensor X = index(A + 2.0 * V, {range(3, 9), range({}, {}, 2)});
    require_close(compute_in_memory(sources, X),
                  tabulate({6, 10}, [&](auto& i) { return a[(3 + i[0]) * m + 2 * i[1]] + 2 * v[2 * i[1]]; }));
}

TEST_CASE("slices and diagonals compose: the diagonal of a slice and a slice of a diagonal", "[slice]") {
    const std::vector<double> a = normal_values(n * n, 7);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, n});
    // diag(A[0:10, 5:15])[i] = A[i, 5 + i]
    require_close(compute_in_memory(sources, einsum("ii->i", {index(A, {range(0, 10), range(5, 15)})})),
                  tabulate({10}, [&](auto& i) { return a[i[0] * n + 5 + i[0]]; }));
    Sources again;
    const Tensor B = again.memory("A", a.data(), {n, n});
    // diag(A)[3::2][i] = A[3 + 2i, 3 + 2i], and T[..., -1] on a 2-D view
    require_close(compute_in_memory(again, index(einsum("ii->i", {B}), {range(3, {}, 2)})),
                  tabulate({14}, [&](auto& i) { return a[(3 + 2 * i[0]) * n + 3 + 2 * i[0]]; }));
    Sources third;
    const Tensor C = third.memory("A", a.data(), {n, n});
    require_close(compute_in_memory(third, index(C, {etc(), at(-1)})),
                  tabulate({n}, [&](auto& i) { return a[i[0] * n + n - 1]; }));
}

TEST_CASE("an empty slice is an empty tensor, as numpy's A[5:2]", "[slice]") {
    const std::vector<double> a = normal_values(n * m, 8);
    Sources sources;
    const Tensor A = sources.memory("A", a.data(), {n, m});
    CHECK(index(A, {range(5, 2)}).shape() == Shape{0, m});
    CHECK(index(A, {range(100, {})}).shape() == Shape{0, m});
}

TEST_CASE("indexing mistakes are refused as numpy words them", "[slice]") {
    const Tensor A = Tensor::input("A", {n, m});
    require_usage_error("too many indices for A: it is 2-dimensional, but 3 were indexed", [&] {
        index(A, {all(), all(), at(0)});
    });
    require_usage_error("index 20 is out of bounds for axis 1 of A, of size 20", [&] { index(A, {all(), at(20)}); });
    require_usage_error("index -31 is out of bounds for axis 0", [&] { index(A, {at(-31)}); });
    require_usage_error("slice step cannot be zero", [&] { index(A, {range({}, {}, 0)}); });
    require_usage_error("a single ellipsis", [&] { index(A, {etc(), etc()}); });
}
