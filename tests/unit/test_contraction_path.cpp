// The contraction order of one einsum, on labels and extents alone.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "engine/plan/contraction_path.hpp"

using namespace tilesum;
using plan::choose_path;
using plan::path_cost;

TEST_CASE("a matrix chain is contracted through the small intermediate", "[path]") {
    // A (10x1000) B (1000x10) C (10x1000): (A B) C costs 2*10*1000*10 + 10*10*1000*2; A (B C) costs 100x more.
    std::map<char, Extent> extents{{'i', 10}, {'j', 1000}, {'k', 10}, {'l', 1000}};
    eval::ContractionPath path = choose_path({"ij", "jk", "kl"}, "il", extents);
    REQUIRE(path == eval::ContractionPath{{0, 1}, {0, 1}});
    REQUIRE(path_cost({"ij", "jk", "kl"}, "il", extents, path).flops == 2.0 * 10 * 1000 * 10 + 10 * 10 * 1000 * 2);
}

TEST_CASE("the seed's four-operand cross term never builds a 3-D intermediate", "[path]") {
    // i,jk,i,kj->k: B_i A_jk B_i A_kj; the best order reduces B.B to a scalar and A*A^T to a vector.
    std::map<char, Extent> extents{{'i', 400}, {'j', 400}, {'k', 400}};
    eval::ContractionPath path = choose_path({"i", "jk", "i", "kj"}, "k", extents);
    REQUIRE(path.size() == 3);
    REQUIRE(path_cost({"i", "jk", "i", "kj"}, "k", extents, path).largest_intermediate <= 400.0 * 400.0);
}

TEST_CASE("the exact search is never worse than any left-to-right order of the same operands", "[path]") {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
        const std::string pool = "abcdefg";
        std::map<char, Extent> extents;
        for (char label : pool) extents[label] = 2 + static_cast<Extent>(rng() % 9);
        std::vector<std::string> operands(2 + rng() % 4);
        for (std::string& labels : operands) {
            std::string shuffled = pool;
            std::shuffle(shuffled.begin(), shuffled.end(), rng);
            labels = shuffled.substr(0, 1 + rng() % 3);
        }
        const std::string output = operands[0].substr(0, 1);
        const double best = path_cost(operands, output, extents, choose_path(operands, output, extents)).flops;
        std::vector<std::size_t> order(operands.size());
        for (std::size_t position = 0; position < order.size(); ++position) order[position] = position;
        do {  // every permutation contracted left to right
            std::vector<std::string> permuted;
            for (std::size_t position : order) permuted.push_back(operands[position]);
            CAPTURE(trial);
            REQUIRE(best <= path_cost(permuted, output, extents, eval::left_to_right_path(permuted.size())).flops);
        } while (std::next_permutation(order.begin(), order.end()));
    }
}

TEST_CASE("beyond the exact limit the greedy search still gives a complete valid path", "[path]") {
    std::vector<std::string> operands;
    std::map<char, Extent> extents;
    const std::string letters = "abcdefghijklmnop";
    for (std::size_t position = 0; position + 1 < letters.size(); ++position) {  // a 15-matrix chain
        operands.push_back(letters.substr(position, 2));
        extents[letters[position]] = 3 + static_cast<Extent>(position % 4);
    }
    extents['p'] = 5;
    REQUIRE(operands.size() > plan::exact_operand_limit);
    eval::ContractionPath path = choose_path(operands, "ap", extents);
    REQUIRE(path.size() == operands.size() - 1);
    REQUIRE(path_cost(operands, "ap", extents, path).flops > 0);
}
