// Script -> DAG: which names are inputs and outputs, shapes and dtypes, and every user mistake rejected
// for the stated reason at the stated place.
#include <catch2/catch.hpp>

#include <map>

#include "engine/expr/tensor.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;

namespace {

using testing::bind_error;
using testing::bind_text;
using testing::Caught;
using testing::seed_text;

std::map<std::string, expr::InputSpec> seed_inputs(Extent n, Extent q, Extent z2_columns, DType dtype = DType::f64) {
    return {{"A", {{n, n}, dtype}}, {"B", {{q}, dtype}}, {"Y2", {{n}, dtype}}, {"Z2", {{q, z2_columns}, dtype}}};
}

}  // namespace

TEST_CASE("the seed binds with inputs A B Y2 Z2, the one output E of shape (n,)", "[binder]") {
    expr::Program program = bind_text(seed_text, seed_inputs(100, 102, 100));
    std::vector<std::string> inputs;
    for (const auto& input : program.inputs) inputs.push_back(input.name);
    REQUIRE(inputs == std::vector<std::string>{"B", "A", "Y2", "Z2"});
    REQUIRE(program.outputs.size() == 1);
    REQUIRE(program.outputs[0].name == "E");
    REQUIRE(program.outputs[0].node->shape == Shape{100});
    REQUIRE(program.outputs[0].node->axis_labels == "k");
}

TEST_CASE("the result is float32 only when every input is float32", "[binder]") {
    REQUIRE(bind_text(seed_text, seed_inputs(4, 5, 4, DType::f32)).outputs[0].node->dtype == DType::f32);
    auto mixed = seed_inputs(4, 5, 4, DType::f32);
    mixed["B"].dtype = DType::f64;
    REQUIRE(bind_text(seed_text, mixed).outputs[0].node->dtype == DType::f64);
}

TEST_CASE("every assigned name that no statement reads is an output, in order", "[binder]") {
    expr::Program program = bind_text("T = einsum('ij,jk->ik', A, A)\nU = einsum('ik->i', T)\nV = 0.5 * T + A\n",
                                      {{"A", {{3, 3}, DType::f64}}});
    REQUIRE(program.outputs.size() == 2);
    REQUIRE(program.outputs[0].name == "U");
    REQUIRE(program.outputs[1].name == "V");
}

TEST_CASE("numeric constants fold and scale arrays", "[binder]") {
    expr::Program program = bind_text("k = 2 * 3\nX = A / 4 * k - -A\n", {{"A", {{2}, DType::f64}}});
    const expr::Node& x = *program.outputs[0].node;
    REQUIRE(x.kind == expr::NodeKind::lincomb);
    REQUIRE(x.coefficients == std::vector<double>{1.5, 1.0});
}

TEST_CASE("a number as an einsum operand is a 0-d operand: it scales the einsum of the others", "[binder]") {
    const std::map<std::string, expr::InputSpec> inputs{
        {"C", {{2, 3}, DType::f64}}, {"I", {{3}, DType::i32}}, {"F", {{3}, DType::f32}}};
    auto output = [&](const std::string& text) { return bind_text(text, inputs).outputs.at(0).node; };
    // numpy's docstring: einsum('..., ...', 3, c) and einsum(',ij', 3, c) are 3 * c.
    for (const char* text :
         {"X = einsum('..., ...', 3, C)\n", "X = einsum(',ij', 3, C)\n", "X = einsum('ij,', C, 3)\n"}) {
        INFO(text);
        const expr::NodePtr x = output(text);
        REQUIRE(x->kind == expr::NodeKind::lincomb);
        CHECK(x->coefficients == std::vector<double>{3.0});
        CHECK(x->shape == Shape{2, 3});
        REQUIRE(x->operands.size() == 1);
        CHECK(x->operands[0]->kind == expr::NodeKind::einsum);
        CHECK(x->operands[0]->operands.size() == 1);
        CHECK(x->operands[0]->operands[0]->name == "C");
    }
    // Several numbers multiply; the others' einsum keeps its own subscripts.
    const expr::NodePtr sum = output("X = einsum(',i,->', 2, F, -0.5)\n");
    CHECK(sum->coefficients == std::vector<double>{-1.0});
    CHECK(sum->shape.empty());
    CHECK(sum->operands[0]->operand_labels == std::vector<std::string>{"i"});
    // The dtype takes each number as a Python scalar, as np.einsum does (value-based casting, numpy 1.24).
    CHECK(output("X = einsum(',i', 2, I)\n")->dtype == DType::i32);
    CHECK(output("X = einsum(',i', 3000000000, I)\n")->dtype == DType::i64);
    CHECK(output("X = einsum(',i', 2.5, I)\n")->dtype == DType::f64);
    CHECK(output("X = einsum(',i', 2.5, F)\n")->dtype == DType::f32);
    CHECK(output("X = einsum(',i', 70000, F)\n")->dtype == DType::f64);
    CHECK(output("X = einsum('i,,', I, 2, 0.5)\n")->dtype == DType::f64);
}

TEST_CASE("an einsum of numbers only is a number; a number whose subscripts name axes is refused as numpy does",
          "[binder][errors]") {
    // einsum(',', 2, 3) is 6 (numpy returns a 0-d result): a number, usable as one.
    expr::Program program =
        bind_text("k = einsum(',', 2, 3)\nh = einsum('...', 0.5)\nX = k * h * A\n", {{"A", {{2}, DType::i32}}});
    REQUIRE(program.outputs.size() == 1);
    CHECK(program.outputs[0].node->coefficients == std::vector<double>{3.0});
    CHECK(program.outputs[0].node->dtype == DType::f64);  // 6 * 0.5 is the float 3.0
    CHECK(bind_error("X = einsum('->', 2)\n", {}).message ==
          "output 'X' is a number, not an array: nothing to compute");

    // numpy: "einstein sum subscripts string contains too many subscripts for operand 0".
    Caught named = bind_error("X = einsum('i,i', 3, A)\n", {{"A", {{3}, DType::f64}}});
    CHECK(named.kind == ErrorKind::semantic);
    CHECK(named.message == "einsum operand 1 (a number) has 0 dimension(s) () but its subscripts 'i' name 1");
    CHECK(named.location == "s.tsum:1:19");
    Caught ellipsis = bind_error("X = einsum('...i', 2.5)\n", {});
    CHECK(ellipsis.message ==
          "einsum operand 1 (a number) has 0 dimension(s) () but its subscripts '...i' name at least 1");
    // An output letter no operand has, numbers included.
    CHECK(bind_error("X = einsum(',->i', 3, A)\n", {{"A", {{3}, DType::f64}}}).kind == ErrorKind::semantic);
}

TEST_CASE("mismatched extents name the index, both extents and both operands at the operand", "[binder][errors]") {
    Caught caught =
        bind_error("X = einsum('ij,jk->ik', A, Z)\n", {{"A", {{3, 4}, DType::f64}}, {"Z", {{5, 2}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE(caught.message == "index 'j' is 4 in A but 5 in Z (input Z: expected shape (4, 2), actual (5, 2))");
    REQUIRE(caught.location == "s.tsum:1:28");
}

TEST_CASE("a wrong extent in the seed is reported where the sums stop broadcasting, with names and shapes",
          "[binder][errors]") {
    Caught caught = bind_error(seed_text, seed_inputs(100, 102, 101));
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE(caught.message ==
            "index 'k' is 100 in C (from A, shape (100, 100)) but 101 in C2 (from Z2, shape (102, 101)): "
            "operands could not be broadcast together: C (102, 100, 100) and C2 (102, 100, 101)");
    REQUIRE(caught.location == "s.tsum:3:30");
}

TEST_CASE("an operand whose rank differs from its subscripts is rejected with both counts", "[binder][errors]") {
    Caught caught = bind_error("X = einsum('ij,j->i', A, A)\n", {{"A", {{3, 3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("operand 2 (A) has 2 dimension(s)") && Catch::Contains("name 1"));
    REQUIRE(caught.location == "s.tsum:1:26");
}

TEST_CASE("the number of einsum operands must match the subscripts", "[binder][errors]") {
    Caught caught = bind_error("X = einsum('ij,jk->ik', A)\n", {{"A", {{3, 3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("name 2 operand(s) but 1 were given"));
    REQUIRE(caught.location == "s.tsum:1:5");
}

TEST_CASE("a name assigned twice is rejected at its second assignment", "[binder][errors]") {
    Caught caught = bind_error("X = A\nX = A\n", {{"A", {{3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("'X' is assigned twice"));
    REQUIRE(caught.location == "s.tsum:2:1");
}

TEST_CASE("a name read before its assignment is rejected where it is read", "[binder][errors]") {
    Caught caught = bind_error("Y = 2 * X\nX = A\n", {{"A", {{3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("'X' is read before it is assigned"));
    REQUIRE(caught.location == "s.tsum:1:9");
}

TEST_CASE("shapes that do not broadcast are rejected with both shapes", "[binder][errors]") {
    Caught caught = bind_error("X = A + B\n", {{"A", {{3, 4}, DType::f64}}, {"B", {{3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("A (3, 4) and B (3,)"));
    REQUIRE(caught.location == "s.tsum:1:5");
}

TEST_CASE("adding a number to an array and dividing by a computed array are refused as unsupported",
          "[binder][errors]") {
    REQUIRE(bind_error("X = A + 1\n", {{"A", {{3}, DType::f64}}}).kind == ErrorKind::unsupported);
    const Caught caught = bind_error("X = A / A.sum()\n", {{"A", {{3}, DType::f64}}});
    REQUIRE(caught.kind == ErrorKind::unsupported);
    REQUIRE_THAT(caught.message, Catch::Contains("an array computed by a sum or a contraction"));
    REQUIRE(caught.location == "s.tsum:1:9");
}

TEST_CASE("an output that is only a number is rejected", "[binder][errors]") {
    Caught caught = bind_error("X = 2 * 3\n", {});
    REQUIRE(caught.kind == ErrorKind::semantic);
    REQUIRE_THAT(caught.message, Catch::Contains("output 'X' is a number"));
}

TEST_CASE("the C++ API builds the same DAG and reports the same errors as a script", "[binder][api]") {
    using expr::Tensor;
    Tensor a = Tensor::input("A", {3, 3});
    Tensor b = Tensor::input("B", {4});
    Tensor c = expr::einsum("i,jk->ijk", {b, a});
    Tensor e = expr::einsum("ijk,ikj->k", {c + c, c + c});
    REQUIRE(e.shape() == Shape{3});
    try {
        expr::einsum("ij,jk->ik", {a, b});
        FAIL("no error");
    } catch (const Error& error) {
        REQUIRE(error.kind() == ErrorKind::semantic);
        REQUIRE_THAT(std::string(error.what()), Catch::Contains("operand 2 (B) has 1 dimension(s)"));
    }
}
