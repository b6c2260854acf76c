// numpy's einsum semantics beyond plain letters (ellipsis, implicit output, extent-1 broadcasting, repeated
// labels, one input several times, 0-d operands), built into the DAG the engine evaluates and checked against
// a naive numpy-style einsum over letters written out by hand. Also: the DAG keeps every einsum operand's
// letters distinct (diagonals become views of inputs), and mistakes are reported where numpy would.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>

#include "engine/eval/reference_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/script/location.hpp"
#include "io/diagonal_view_reader.hpp"
#include "tests/unit/memory_tensors.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using kernels::DenseTensor;
using testing::bind_shapes_error;
using testing::Caught;
using testing::random_tensor;

namespace {

// numpy's einsum over explicit letters, one loop nest: a letter repeated in an operand indexes the same value
// on each of its axes (a diagonal); an axis of extent 1 is read at 0 whatever the letter's extent (broadcast).
DenseTensor naive_einsum(const std::string& subscripts, const std::vector<const DenseTensor*>& operands) {
    const std::size_t arrow = subscripts.find("->");
    std::vector<std::string> inputs(1);
    for (char c : subscripts.substr(0, arrow)) {
        if (c == ',')
            inputs.emplace_back();
        else
            inputs.back() += c;
    }
    const std::string output = subscripts.substr(arrow + 2);
    std::map<char, Extent> extents;
    for (std::size_t position = 0; position < operands.size(); ++position)
        for (std::size_t axis = 0; axis < inputs[position].size(); ++axis)
            extents[inputs[position][axis]] =
                std::max(extents[inputs[position][axis]], operands[position]->shape[axis]);
    std::string letters;
    for (const auto& [letter, extent] : extents) letters += letter;
    DenseTensor result;
    for (char letter : output) result.shape.push_back(extents[letter]);
    result.values.assign(static_cast<std::size_t>(element_count(result.shape)), 0.0);
    std::map<char, Extent> index;
    const auto offset_of = [&](const std::string& labels, const Shape& shape) {
        Extent offset = 0;
        for (std::size_t axis = 0; axis < labels.size(); ++axis)
            offset = offset * shape[axis] + (shape[axis] == 1 ? 0 : index[labels[axis]]);
        return offset;
    };
    Shape loop;
    for (char letter : letters) loop.push_back(extents[letter]);
    for (Extent flat = 0; flat < element_count(loop); ++flat) {
        Extent rest = flat;
        for (std::size_t position = letters.size(); position-- > 0;) {
            index[letters[position]] = rest % loop[position];
            rest /= loop[position];
        }
        double product = 1.0;
        for (std::size_t position = 0; position < operands.size(); ++position)
            product *= operands[position]
                           ->values[static_cast<std::size_t>(offset_of(inputs[position], operands[position]->shape))];
        result.values[static_cast<std::size_t>(offset_of(output, result.shape))] += product;
    }
    return result;
}

struct Bound {
    expr::Program program;
    eval::InputValues values;  // the inputs, and every diagonal view read through DiagonalViewReader
};

Bound bind_values(const std::string& text, const std::map<std::string, DenseTensor>& inputs) {
    std::map<std::string, Shape> shapes;
    for (const auto& [name, tensor] : inputs) shapes[name] = tensor.shape;
    Bound bound{testing::bind_shapes(text, shapes), inputs};
    for (const expr::NamedNode& view : bound.program.views) {
        const expr::DiagonalView& diagonal = *view.node->diagonal_of;
        testing::MemoryReader base(inputs.at(diagonal.base));
        io::DiagonalViewReader reader(base, diagonal.base_shape, diagonal.axes, view.node->shape);
        DenseTensor values{view.node->shape,
                           std::vector<double>(static_cast<std::size_t>(element_count(view.node->shape)))};
        reader.read(full_ranges(view.node->shape), values.values.data());
        bound.values[view.name] = values;
    }
    return bound;
}

// Every einsum in the DAG names each operand axis once, with one extent per letter: what the engine evaluates.
void require_plain_einsums(const expr::Program& program) {
    std::vector<expr::NodePtr> roots;
    for (const expr::NamedNode& output : program.outputs) roots.push_back(output.node);
    for (const expr::Node* node : expr::topological_order(roots)) {
        if (node->kind != expr::NodeKind::einsum) continue;
        std::map<char, Extent> extents;
        for (std::size_t position = 0; position < node->operands.size(); ++position) {
            const std::string& labels = node->operand_labels[position];
            REQUIRE(labels.size() == node->operands[position]->shape.size());
            for (std::size_t axis = 0; axis < labels.size(); ++axis) {
                INFO("einsum operand labels " << labels);
                REQUIRE(labels.find(labels[axis]) == axis);
                auto [it, inserted] = extents.try_emplace(labels[axis], node->operands[position]->shape[axis]);
                REQUIRE(it->second == node->operands[position]->shape[axis]);
            }
        }
    }
}

// Binds `script` (one output), evaluates it naively and compares with naive_einsum(`oracle`, oracle_operands).
void require_same(const std::string& script, const std::map<std::string, DenseTensor>& inputs,
                  const std::string& oracle, const std::vector<std::string>& oracle_operands) {
    INFO("script: " << script);
    const Bound bound = bind_values(script, inputs);
    require_plain_einsums(bound.program);
    const DenseTensor actual = eval::reference_evaluate(*bound.program.outputs.back().node, bound.values);
    std::vector<const DenseTensor*> operands;
    for (const std::string& name : oracle_operands) operands.push_back(&inputs.at(name));
    const DenseTensor expected = naive_einsum(oracle, operands);
    REQUIRE(actual.shape == expected.shape);
    for (std::size_t index = 0; index < expected.values.size(); ++index)
        REQUIRE(actual.values[index] == Approx(expected.values[index]).margin(1e-12));
}

}  // namespace

TEST_CASE("a trace sums the diagonal, written explicitly or implicitly", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({4, 4}, 1)}};
    require_same("T = einsum('ii->', A)\n", inputs, "ii->", {"A"});
    require_same("T = einsum('ii', A)\n", inputs, "ii->", {"A"});
}

TEST_CASE("a diagonal of an input becomes a view input diag(A,0,0) listed in the program's views",
          "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({4, 4}, 2)}};
    require_same("D = einsum('ii->i', A)\n", inputs, "ii->i", {"A"});
    const Bound bound = bind_values("D = einsum('ii->i', A)\n", inputs);
    REQUIRE(bound.program.views.size() == 1);
    CHECK(bound.program.views[0].name == "diag(A,0,0)");
    CHECK(bound.program.views[0].node->diagonal_of->base == "A");
    CHECK(bound.program.views[0].node->diagonal_of->axes == std::vector<std::size_t>{0, 0});
    CHECK(bound.program.views[0].node->shape == Shape{4});
}

TEST_CASE("repeated labels mixed with free and summed ones: iij->j, iii->i, iji->ij, ij,ii->j", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"T", random_tensor({3, 3, 5}, 3)},
                                                    {"C", random_tensor({3, 3, 3}, 4)},
                                                    {"U", random_tensor({3, 5, 3}, 5)},
                                                    {"A", random_tensor({3, 4}, 6)},
                                                    {"S", random_tensor({3, 3}, 7)}};
    require_same("X = einsum('iij->j', T)\n", inputs, "iij->j", {"T"});
    require_same("X = einsum('iii->i', C)\n", inputs, "iii->i", {"C"});
    require_same("X = einsum('iji->ij', U)\n", inputs, "iji->ij", {"U"});
    require_same("X = einsum('iji->ji', U)\n", inputs, "iji->ji", {"U"});
    require_same("X = einsum('ij,ii->j', A, S)\n", inputs, "ij,ii->j", {"A", "S"});
}

TEST_CASE("a diagonal of an einsum result is pushed into the einsum's operands", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({4, 3}, 8)}, {"B", random_tensor({3, 4}, 9)}};
    require_same("P = einsum('ij,jk->ik', A, B)\nD = einsum('ii->i', P)\n", inputs, "ij,ji->i", {"A", "B"});
    // Transposed product: the diagonal of (A B)^T.
    require_same("P = einsum('ij,jk->ki', A, B)\nD = einsum('ii', P)\n", inputs, "ij,ji->", {"A", "B"});
}

TEST_CASE("a diagonal of a sum with broadcasting operands reads each operand along its own axes",
          "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({3, 3}, 10)},
                                                    {"r", random_tensor({3}, 11)},
                                                    {"R", random_tensor({1, 3}, 12)},
                                                    {"c", random_tensor({3, 1}, 13)}};
    // (A + r)[i, i] = A[i, i] + r[i];  (A - R)[i, i] = A[i, i] - R[0, i];  (A * c)[i, i] = A[i, i] c[i, 0]
    const DenseTensor diag_a = naive_einsum("ii->i", {&inputs.at("A")});
    const Bound sum = bind_values("D = einsum('ii->i', A + r)\n", inputs);
    require_plain_einsums(sum.program);
    const Bound difference = bind_values("D = einsum('ii->i', A - R)\n", inputs);
    require_plain_einsums(difference.program);
    const Bound product = bind_values("D = einsum('ii->i', A * c)\n", inputs);
    require_plain_einsums(product.program);
    const DenseTensor sum_value = eval::reference_evaluate(*sum.program.outputs[0].node, sum.values);
    const DenseTensor difference_value =
        eval::reference_evaluate(*difference.program.outputs[0].node, difference.values);
    const DenseTensor product_value = eval::reference_evaluate(*product.program.outputs[0].node, product.values);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(sum_value.values[i] == Approx(diag_a.values[i] + inputs.at("r").values[i]));
        CHECK(difference_value.values[i] == Approx(diag_a.values[i] - inputs.at("R").values[i]));
        CHECK(product_value.values[i] == Approx(diag_a.values[i] * inputs.at("c").values[i]));
    }
}

TEST_CASE("a diagonal of a diagonal view is one view of the base input", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"T", random_tensor({3, 3, 3, 2}, 14)}};
    const std::string script = "X = einsum('iijk->ijk', T)\nY = einsum('iij->ij', X)\n";
    require_same(script, inputs, "iiij->ij", {"T"});
    const Bound bound = bind_values(script, inputs);
    REQUIRE(bound.program.views.size() == 1);
    CHECK(bound.program.views[0].name == "diag(T,0,0,0,1)");
}

TEST_CASE("an ellipsis stands for the leading, trailing or middle axes it covers", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{
        {"A", random_tensor({2, 3, 4}, 15)}, {"B", random_tensor({4, 5}, 16)}, {"M", random_tensor({2, 3, 4, 5}, 17)}};
    require_same("X = einsum('...ij,jk->...ik', A, B)\n", inputs, "xij,jk->xik", {"A", "B"});
    require_same("X = einsum('i...->...i', A)\n", inputs, "ixy->xyi", {"A"});
    require_same("X = einsum('i...l->li...', M)\n", inputs, "ixyl->lixy", {"M"});
    require_same("X = einsum('...jk->...', A)\n", inputs, "xjk->x", {"A"});
}

TEST_CASE("ellipsis dimensions broadcast right-aligned, extent 1 stretching", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({2, 3}, 18)},
                                                    {"B", random_tensor({5, 1, 3}, 19)}};
    // A's ellipsis is (2,), B's (5, 1): together (5, 2).
    require_same("X = einsum('...i,...i->...', A, B)\n", inputs, "yi,xyi->xy", {"A", "B"});
    require_same("X = einsum('...i,...i', A, B)\n", inputs, "yi,xyi->xy", {"A", "B"});
}

TEST_CASE("the ellipsis letters never collide with the letters the subscripts use", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({2, 3, 4}, 20)},
                                                    {"B", random_tensor({4, 3}, 21)}};
    require_same("X = einsum('...AB,BA->...', A, B)\n", inputs, "xAB,BA->x", {"A", "B"});
}

TEST_CASE("implicit output: letters used once in ASCII order, upper case first, after the ellipsis",
          "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{
        {"A", random_tensor({2, 3}, 22)}, {"B", random_tensor({3, 4}, 23)}, {"T", random_tensor({5, 2, 3}, 24)}};
    require_same("X = einsum('ba', A)\n", inputs, "ba->ab", {"A"});
    require_same("X = einsum('aB', A)\n", inputs, "aB->Ba", {"A"});
    require_same("X = einsum('ij,jk', A, B)\n", inputs, "ij,jk->ik", {"A", "B"});
    require_same("X = einsum('...ji', T)\n", inputs, "xji->xij", {"T"});
}

TEST_CASE("a label of extent 1 broadcasts against the same label elsewhere", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"C", random_tensor({3, 1}, 25)},
                                                    {"v", random_tensor({4}, 26)},
                                                    {"w", random_tensor({1}, 27)},
                                                    {"S", random_tensor({3, 3}, 28)}};
    require_same("X = einsum('ij,j->ij', C, v)\n", inputs, "ij,j->ij", {"C", "v"});
    require_same("X = einsum('ij,j->i', C, v)\n", inputs, "ij,j->i", {"C", "v"});
    require_same("X = einsum('ii,i->i', S, w)\n", inputs, "ii,i->i", {"S", "w"});
}

TEST_CASE("one input may be several operands, and 0-d operands take empty subscripts", "[einsum_semantics]") {
    const std::map<std::string, DenseTensor> inputs{{"A", random_tensor({3, 3}, 29)}, {"s", random_tensor({}, 30)}};
    require_same("X = einsum('ij,ij->', A, A)\n", inputs, "ij,ij->", {"A", "A"});
    require_same("X = einsum('ij,ji->i', A, A)\n", inputs, "ij,ji->i", {"A", "A"});
    require_same("X = einsum(',ij->ij', s, A)\n", inputs, ",ij->ij", {"s", "A"});
    require_same("X = einsum('->', s)\n", inputs, "->", {"s"});
    require_same("X = einsum('...,...', s, A)\n", inputs, ",ij->ij", {"s", "A"});
}

TEST_CASE("an operand with more axes than its subscripts name, ellipsis included, is rejected at the operand",
          "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('...ijk,k->i', A, v)\n", {{"A", {3, 4}}, {"v", {4}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK(caught.message ==
          "einsum operand 1 (A) has 2 dimension(s) (3, 4) but its subscripts '...ijk' name at least 3");
    CHECK(caught.location == "s.tsum:1:27");
}

TEST_CASE("ellipsis dimensions that do not broadcast are rejected at the second operand",
          "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('...i,...i->...', A, B)\n", {{"A", {2, 3}}, {"B", {5, 4, 3}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK(caught.message ==
          "operands could not be broadcast together under the ellipsis '...': it stands for (2,) in einsum operand 1 "
          "(A), shape (2, 3), but for (5, 4) in einsum operand 2 (B), shape (5, 4, 3)");
    CHECK(caught.location == "s.tsum:1:33");
}

TEST_CASE("an explicit output without '...' cannot drop the ellipsis dimensions", "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('...i->i', A)\n", {{"A", {2, 3}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK_THAT(caught.message,
               Catch::Contains("stands for 1 dimension(s) (2,)") && Catch::Contains("output subscripts have no '...'"));
    CHECK(caught.location == "s.tsum:1:19");
}

TEST_CASE("a label repeated in one operand over different extents is rejected at its second occurrence",
          "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('jii->j', A)\n", {{"A", {2, 3, 4}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK(caught.message ==
          "einsum operand 1 (A) repeats index 'i' (a diagonal) over axes of different extents: 3 at "
          "axis 1 and 4 at axis 2 of shape (2, 3, 4)");
    CHECK(caught.location == "s.tsum:1:15");
}

TEST_CASE("a repeated label of extent 1 does not broadcast within its operand, as in numpy",
          "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('ii->i', A)\n", {{"A", {1, 3}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK_THAT(caught.message, Catch::Contains("repeats index 'i'"));
    CHECK(caught.location == "s.tsum:1:14");
}

TEST_CASE("a label whose extents differ between operands names both, also for a diagonal operand",
          "[einsum_semantics][errors]") {
    Caught caught = bind_shapes_error("X = einsum('ii,i->i', A, v)\n", {{"A", {3, 3}}, {"v", {4}}});
    CHECK(caught.kind == ErrorKind::semantic);
    CHECK(caught.message == "index 'i' is 3 in A but 4 in v (input v: expected shape (3,), actual (4,))");
    CHECK(caught.location == "s.tsum:1:26");
}
