// DiagonalViewReader: a view of an in-memory tensor reads exactly what numpy's diagonal indexing gives, for
// any range of the view, one base read per diagonal index.
#include <catch2/catch.hpp>

#include "io/diagonal_view_reader.hpp"
#include "tests/unit/memory_tensors.hpp"

using namespace tilesum;
using io::DiagonalViewReader;
using kernels::DenseTensor;

namespace {

DenseTensor counting(const Shape& shape) {
    DenseTensor tensor{shape, std::vector<double>(static_cast<std::size_t>(element_count(shape)))};
    for (std::size_t index = 0; index < tensor.values.size(); ++index)
        tensor.values[index] = static_cast<double>(index);
    return tensor;
}

// Counts the reads a reader receives, to check the view reads one diagonal index at a time.
class CountingReader final : public TensorReader {
public:
    explicit CountingReader(TensorReader& inner) : inner_(inner) {}
    void read(const Ranges& ranges, double* dst) override {
        ++reads;
        inner_.read(ranges, dst);
    }
    int reads = 0;

private:
    TensorReader& inner_;
};

std::vector<double> read_view(DiagonalViewReader& view, const Ranges& ranges) {
    std::vector<double> values(static_cast<std::size_t>(element_count(range_shape(ranges))), -1.0);
    view.read(ranges, values.data());
    return values;
}

}  // namespace

TEST_CASE("a view merging two axes reads the diagonal A[i, i]", "[diagonal_view]") {
    const DenseTensor a = counting({3, 3});  // A[i, j] = 3 i + j
    testing::MemoryReader memory(a);
    CountingReader base(memory);
    DiagonalViewReader view(base, {3, 3}, {0, 0}, {3});
    CHECK(read_view(view, {{0, 3}}) == std::vector<double>{0, 4, 8});
    CHECK(base.reads == 3);
    CHECK(read_view(view, {{1, 3}}) == std::vector<double>{4, 8});
}

TEST_CASE("a view A[i, j, i] of a range holds the merged axis and the free axis in view order", "[diagonal_view]") {
    const DenseTensor a = counting({3, 2, 3});  // A[i, j, k] = 6 i + 3 j + k
    testing::MemoryReader memory(a);
    DiagonalViewReader view(memory, {3, 2, 3}, {0, 1, 0}, {3, 2});
    // view[i, j] = A[i, j, i] = 6 i + 3 j + i, over i in [1, 3), j in [0, 2)
    CHECK(read_view(view, {{1, 3}, {0, 2}}) == std::vector<double>{7, 10, 14, 17});
}

TEST_CASE("a view may order its axes unlike the base: view[j, i] = A[i, j, i]", "[diagonal_view]") {
    const DenseTensor a = counting({2, 3, 2});  // A[i, j, k] = 6 i + 2 j + k
    testing::MemoryReader memory(a);
    DiagonalViewReader view(memory, {2, 3, 2}, {1, 0, 1}, {3, 2});
    CHECK(read_view(view, {{0, 3}, {0, 2}}) == std::vector<double>{0, 7, 2, 9, 4, 11});
}

TEST_CASE("a dropped axis of extent 1 is read at 0 and two merged groups advance independently", "[diagonal_view]") {
    const DenseTensor a = counting({1, 2, 2, 3, 3});  // A[0, i, i, k, k]
    testing::MemoryReader memory(a);
    CountingReader base(memory);
    DiagonalViewReader view(base, {1, 2, 2, 3, 3}, {DiagonalViewReader::dropped_axis, 0, 0, 1, 1}, {2, 3});
    // offset of A[0, i, i, k, k] = 18 i + 9 i + 3 k + k = 27 i + 4 k
    CHECK(read_view(view, {{0, 2}, {0, 3}}) == std::vector<double>{0, 4, 8, 27, 31, 35});
    CHECK(base.reads == 6);
}

TEST_CASE("a strided view reads every third row in groups no larger than the range it fills", "[diagonal_view]") {
    const DenseTensor a = counting({20, 4});  // A[i, j] = 4 i + j
    testing::MemoryReader memory(a);
    CountingReader base(memory);
    // view[i, j] = A[1 + 3 i, j], i < 6
    DiagonalViewReader view(base, {20, 4}, {0, 1}, {6, 4}, {1, 0}, {3, 1});
    std::vector<double> expected;
    for (Extent i = 0; i < 6; ++i)
        for (Extent j = 0; j < 4; ++j) expected.push_back(static_cast<double>(4 * (1 + 3 * i) + j));
    CHECK(read_view(view, {{0, 6}, {0, 4}}) == expected);
    // Six rows fill the range: groups of two (covering 4 rows each), three reads.
    CHECK(base.reads == 3);
    CHECK(read_view(view, {{2, 3}, {1, 3}}) == std::vector<double>{29, 30});
}

TEST_CASE("a view walks backwards with a negative step, and reads a plain slice in one read", "[diagonal_view]") {
    const DenseTensor a = counting({5, 6});  // A[i, j] = 6 i + j
    testing::MemoryReader memory(a);
    CountingReader base(memory);
    // view[i, j] = A[4 - i, 5 - 2 j]
    DiagonalViewReader backwards(base, {5, 6}, {0, 1}, {5, 3}, {4, 5}, {-1, -2});
    CHECK(read_view(backwards, {{0, 2}, {0, 3}}) == std::vector<double>{29, 27, 25, 23, 21, 19});
    base.reads = 0;
    // view[i, j] = A[1 + i, 2 + j]: one read of the shifted range
    DiagonalViewReader plain(base, {5, 6}, {0, 1}, {3, 3}, {1, 2}, {1, 1});
    CHECK(read_view(plain, {{0, 2}, {1, 3}}) == std::vector<double>{9, 10, 15, 16});
    CHECK(base.reads == 1);
}

TEST_CASE("a view with a pinned index and a diagonal of strided axes", "[diagonal_view]") {
    const DenseTensor a = counting({6, 6, 3});  // A[i, j, k] = 18 i + 3 j + k
    testing::MemoryReader memory(a);
    // view[i] = A[2 i, 1 + 2 i, 2]: axis 2 dropped at index 2
    DiagonalViewReader view(memory, {6, 6, 3}, {0, 0, DiagonalViewReader::dropped_axis}, {3}, {0, 1, 2}, {2, 2, 1});
    CHECK(read_view(view, {{0, 3}}) == std::vector<double>{5, 47, 89});
}
