// Elementwise functions (issue 13): numpy's dtypes and edge values, the messages of what is refused, the planner
// expanding above a function and never below it, plans with functions through JSON, and the tiled engine against
// the naive evaluator, bit for bit across thread counts. tests/e2e/test_functions.py checks values against numpy.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/common/elementwise_scalar.hpp"
#include "engine/eval/reference_eval.hpp"
#include "engine/eval/tile_eval.hpp"
#include "engine/expr/build.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/expr/printer.hpp"
#include "engine/expr/tensor.hpp"
#include "engine/kernels/elementwise_functions.hpp"
#include "engine/plan/plan_json.hpp"
#include "tests/unit/engine_fixture.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using testing::bind_shapes;
using testing::bind_text;
using testing::Bound;
using testing::DenseTensor;

namespace {

const double infinity = std::numeric_limits<double>::infinity();
const double not_a_number = std::numeric_limits<double>::quiet_NaN();

double value_of(FunctionOp op, std::vector<double> arguments, double exponent = 0) {
    return function_value(op, exponent, arguments.data());
}

// Like REQUIRE(a == b) but not_a_number equals not_a_number and the sign of an infinity counts.
bool same_value(double actual, double expected) {
    return (std::isnan(actual) && std::isnan(expected)) || actual == expected;
}

// The script's inputs filled from `seed`: standard normal values.
Bound bind_seeded(const std::string& text, const std::map<std::string, Shape>& shapes, unsigned seed) {
    testing::RandomScript random;
    random.text = text;
    random.inputs = shapes;
    return testing::bind_random_inputs(random, seed);
}

}  // namespace

TEST_CASE("function kernels give numpy's values at the edges, with no floating-point trap", "[functions]") {
    CHECK(value_of(FunctionOp::log, {0.0}) == -infinity);
    CHECK(std::isnan(value_of(FunctionOp::log, {-1.0})));
    CHECK(std::isnan(value_of(FunctionOp::sqrt, {-1.0})));
    CHECK(value_of(FunctionOp::exp, {1000.0}) == infinity);
    CHECK(value_of(FunctionOp::exp, {-infinity}) == 0.0);
    CHECK(value_of(FunctionOp::log1p, {-1.0}) == -infinity);
    CHECK(value_of(FunctionOp::expm1, {-infinity}) == -1.0);
    CHECK(value_of(FunctionOp::tanh, {infinity}) == 1.0);
    CHECK(std::isnan(value_of(FunctionOp::sin, {infinity})));
    CHECK(value_of(FunctionOp::abs, {-infinity}) == infinity);
    CHECK(value_of(FunctionOp::sign, {-3.0}) == -1.0);
    CHECK(value_of(FunctionOp::sign, {-0.0}) == 0.0);
    CHECK(std::isnan(value_of(FunctionOp::sign, {not_a_number})));
    // maximum and minimum propagate not_a_number from either side (np.fmax would not).
    CHECK(std::isnan(value_of(FunctionOp::maximum, {not_a_number, 1.0})));
    CHECK(std::isnan(value_of(FunctionOp::maximum, {1.0, not_a_number})));
    CHECK(std::isnan(value_of(FunctionOp::minimum, {1.0, not_a_number})));
    CHECK(value_of(FunctionOp::maximum, {-infinity, 2.0}) == 2.0);
    // Comparisons with not_a_number are false, except !=.
    CHECK(value_of(FunctionOp::less, {not_a_number, 1.0}) == 0.0);
    CHECK(value_of(FunctionOp::equal, {not_a_number, not_a_number}) == 0.0);
    CHECK(value_of(FunctionOp::not_equal, {not_a_number, not_a_number}) == 1.0);
    CHECK(value_of(FunctionOp::greater_equal, {infinity, infinity}) == 1.0);
    // where: not_a_number is true, as bool(not_a_number) is in Python.
    CHECK(value_of(FunctionOp::where, {not_a_number, 1.0, 2.0}) == 1.0);
    CHECK(value_of(FunctionOp::where, {0.0, 1.0, 2.0}) == 2.0);
    CHECK(value_of(FunctionOp::where, {-0.0, 1.0, 2.0}) == 2.0);
    // Powers: integers by multiplication, numpy's values where it special-cases.
    CHECK(value_of(FunctionOp::power, {3.0}, 2) == 9.0);
    CHECK(value_of(FunctionOp::power, {2.0}, -2) == 0.25);
    CHECK(value_of(FunctionOp::power, {0.0}, -1) == infinity);
    CHECK(value_of(FunctionOp::power, {not_a_number}, 0) == 1.0);
    CHECK(value_of(FunctionOp::power, {-8.0}, 3) == -512.0);
    CHECK(std::isnan(value_of(FunctionOp::power, {-8.0}, 1.0 / 3)));
    CHECK(value_of(FunctionOp::power, {4.0}, 0.5) == 2.0);
    CHECK(value_of(FunctionOp::power, {1e200}, 2) == infinity);
    CHECK(same_value(value_of(FunctionOp::power, {2.0}, 1000), std::pow(2.0, 1000)));
}

TEST_CASE("a power of arrays gives numpy's values at the edges", "[functions]") {
    // Floats: C's pow, as numpy's np.power of arrays.
    CHECK(value_of(FunctionOp::array_power, {0.0, -1.0}) == infinity);
    CHECK(value_of(FunctionOp::array_power, {-0.0, -1.0}) == -infinity);
    CHECK(std::isnan(value_of(FunctionOp::array_power, {-8.0, 1.0 / 3})));
    CHECK(value_of(FunctionOp::array_power, {not_a_number, 0.0}) == 1.0);
    CHECK(value_of(FunctionOp::array_power, {1.0, not_a_number}) == 1.0);
    CHECK(std::isnan(value_of(FunctionOp::array_power, {2.0, not_a_number})));
    CHECK(value_of(FunctionOp::array_power, {-2.0, 3.0}) == -8.0);
    CHECK(value_of(FunctionOp::array_power, {2.0, 0.5}) == std::sqrt(2.0));
    CHECK(value_of(FunctionOp::array_power, {10.0, 400.0}) == infinity);
    CHECK(value_of(FunctionOp::array_power, {infinity, -1.0}) == 0.0);
    // Integers (the node's parameter 1): exact by multiplication; a negative exponent, which numpy refuses when it
    // meets one, is nan.
    CHECK(value_of(FunctionOp::array_power, {3.0, 33.0}, 1) == 5559060566555523.0);
    CHECK(value_of(FunctionOp::array_power, {-7.0, 0.0}, 1) == 1.0);
    CHECK(value_of(FunctionOp::array_power, {0.0, 0.0}, 1) == 1.0);
    CHECK(std::isnan(value_of(FunctionOp::array_power, {2.0, -1.0}, 1)));
    CHECK(std::isnan(value_of(FunctionOp::array_power, {1.0, -3.0}, 1)));
}

TEST_CASE("block kernels and the one-element value agree on every function, edges included", "[functions]") {
    // The edges and a few ordinary numbers, every argument taking each of them: the block loop (tiles) and
    // function_value (the script's folding and the naive evaluator) are separate code over the same semantics.
    const std::vector<double> samples{0.0,    -0.0,  1.0,      -1.0,      2.5,         -3.75,
                                      1e-300, 1e300, infinity, -infinity, not_a_number};
    const std::vector<double> exponents{2, 3, -1, -2, 0, 0.5, 1.0 / 3, 70, -2.5};
    for (const FunctionInfo& info : function_table) {
        const std::size_t arity = info.arity;
        const Extent count = static_cast<Extent>(std::pow(static_cast<double>(samples.size()), arity));
        std::vector<std::vector<double>> columns(arity, std::vector<double>(static_cast<std::size_t>(count)));
        for (Extent flat = 0; flat < count; ++flat) {
            Extent rest = flat;
            for (std::size_t position = 0; position < arity; ++position) {
                columns[position][static_cast<std::size_t>(flat)] =
                    samples[static_cast<std::size_t>(rest) % samples.size()];
                rest /= static_cast<Extent>(samples.size());
            }
        }
        std::vector<kernels::FunctionArgument> arguments;
        for (const std::vector<double>& column : columns) arguments.push_back({column.data(), {count}, 0});
        const std::vector<double> parameters = info.op == FunctionOp::power         ? exponents
                                               : info.op == FunctionOp::array_power ? std::vector<double>{0, 1}
                                                                                    : std::vector<double>{0};
        for (const double exponent : parameters) {
            std::vector<double> block(static_cast<std::size_t>(count));
            kernels::apply_function(info.op, exponent, arguments, block.data(), {count});
            for (Extent flat = 0; flat < count; ++flat) {
                std::vector<double> values;
                for (const std::vector<double>& column : columns)
                    values.push_back(column[static_cast<std::size_t>(flat)]);
                INFO(info.name << " exponent " << exponent << " arguments " << values[0]);
                CHECK(same_value(block[static_cast<std::size_t>(flat)], value_of(info.op, values, exponent)));
            }
        }
    }
}

TEST_CASE("function kernels broadcast their arguments as numpy does", "[functions]") {
    const std::vector<double> row{1, -2, 3};             // (3,)
    const std::vector<double> column{0, 1};              // (2, 1)
    const std::vector<double> matrix{5, 5, 5, 6, 6, 6};  // (2, 3)
    std::vector<double> result(6);
    kernels::apply_function(FunctionOp::where, 0,
                            {{column.data(), {2, 1}, 0}, {matrix.data(), {2, 3}, 0}, {row.data(), {3}, 0}},
                            result.data(), {2, 3});
    CHECK(result == std::vector<double>{1, -2, 3, 6, 6, 6});
    kernels::apply_function(FunctionOp::maximum, 0, {{row.data(), {3}, 0}, {nullptr, {}, 0.0}}, result.data(), {2, 3});
    CHECK(result == std::vector<double>{1, 0, 3, 1, 0, 3});
}

TEST_CASE("functions take numpy's dtypes", "[functions]") {
    const std::map<std::string, expr::InputSpec> inputs{{"I", {{4, 3}, DType::i32}},
                                                        {"L", {{4, 3}, DType::i64}},
                                                        {"F", {{4, 3}, DType::f32}},
                                                        {"D", {{4, 3}, DType::f64}}};
    const struct {
        const char* script;
        DType dtype;
    } cases[] = {
        {"R = np.exp(I)", DType::f64},
        {"R = exp(L)", DType::f64},
        {"R = np.sqrt(F)", DType::f32},
        {"R = tanh(D)", DType::f64},
        {"R = np.abs(I)", DType::i32},
        {"R = sign(F)", DType::f32},
        {"R = I ** 2", DType::i32},
        {"R = I ** 2.0", DType::f64},
        {"R = F ** 3", DType::f32},
        {"R = I ** 0.5", DType::f64},
        {"R = np.maximum(I, 0)", DType::i32},
        {"R = np.maximum(I, 0.5)", DType::f64},
        {"R = minimum(F, I)", DType::f64},
        {"R = minimum(I, L)", DType::i64},
        {"R = F < 0.5", DType::b1},  // comparisons give bool, as numpy's
        {"R = I == L", DType::b1},
        {"R = np.where(D > 0, F, 0)", DType::f32},
        {"R = np.where(D > 0, I, F)", DType::f64},
        {"R = np.where(F, 1, 0)", DType::i64},
        {"R = np.where(F, 1.0, I)", DType::f64},
        {"R = D ** D", DType::f64},
        {"R = I ** L", DType::i64},
        {"R = I ** I", DType::i32},
        {"R = F ** I", DType::f64},
        {"R = F ** F", DType::f32},
        {"R = np.power(I, F)", DType::f64},
        {"R = 2 ** I", DType::i32},
        {"R = 2.0 ** I", DType::f64},
        {"R = 2 ** F", DType::f32},
        {"R = np.power(0.5, F)", DType::f32},
    };
    for (const auto& test : cases) {
        INFO(test.script);
        const expr::Program program = bind_text(test.script, inputs);
        CHECK(program.outputs[0].node->dtype == test.dtype);
        CHECK(program.outputs[0].node->kind == expr::NodeKind::function);
    }
}

TEST_CASE("numbers alone fold when the script is bound", "[functions]") {
    const expr::Program program = bind_shapes("s = np.sqrt(4) + 2 ** 3 + (1 < 2)\nR = s * X", {{"X", {2}}});
    const expr::Node& root = *program.outputs[0].node;
    REQUIRE(root.kind == expr::NodeKind::lincomb);
    CHECK(root.coefficients[0] == 11.0);
}

TEST_CASE("what functions refuse names the function and where it is written", "[functions]") {
    const std::map<std::string, expr::InputSpec> inputs{{"X", {{4, 3}, DType::f64}},
                                                        {"Z", {{4, 3}, DType::c128}},
                                                        {"I", {{3}, DType::i32}},
                                                        {"Y", {{5}, DType::f64}},
                                                        {"L", {{3}, DType::i64}}};
    const struct {
        const char* script;
        ErrorKind kind;
        const char* message;
        const char* location;
    } cases[] = {
        {"R = np.exp(Z)", ErrorKind::unsupported, "np.exp of a complex array (Z) is not supported yet", "s.tsum:1:12"},
        {"R = X < Z", ErrorKind::unsupported, "'<' of a complex array (Z)", "s.tsum:1:9"},
        {"R = np.frobnicate(X)", ErrorKind::unsupported, "np.exp, np.log, np.log1p", "s.tsum:1:5"},
        {"R = frobnicate(X)", ErrorKind::unsupported, "np.maximum, np.minimum", "s.tsum:1:5"},
        {"R = I ** -1", ErrorKind::semantic, "integers to negative integer powers are not allowed", "s.tsum:1:5"},
        {"R = X ** Z", ErrorKind::unsupported, "'**' of a complex array (Z) is not supported yet", "s.tsum:1:10"},
        {"R = Z ** 0.5", ErrorKind::unsupported, "'**' of a complex array (Z) is not supported yet", "s.tsum:1:5"},
        {"R = Z ** 9", ErrorKind::unsupported, "a complex array to a whole power from 1 to 8 is taken", "s.tsum:1:5"},
        {"R = Z ** -1", ErrorKind::unsupported, "'**' of a complex array (Z)", "s.tsum:1:5"},
        {"R = np.power(2, Z)", ErrorKind::unsupported, "'**' of a complex array (Z)", "s.tsum:1:17"},
        {"R = L ** -1", ErrorKind::semantic, "integers to negative integer powers are not allowed", "s.tsum:1:5"},
        {"R = np.power(I, -2)", ErrorKind::semantic, "integers to negative integer powers are not allowed",
         "s.tsum:1:5"},
        {"R = X ** Y", ErrorKind::semantic, "operands could not be broadcast together", "s.tsum:1:5"},
        {"R = 0 < X < 1", ErrorKind::unsupported, "chained comparisons are not supported", "s.tsum:1:11"},
        {"R = np.where(X)", ErrorKind::unsupported, "np.where(condition) with one argument", "s.tsum:1:5"},
        {"R = np.maximum(X)", ErrorKind::semantic, "takes 2 argument(s) (x1, x2), 1 given", "s.tsum:1:5"},
        {"R = np.exp(X, out=X)", ErrorKind::unsupported, "keyword argument 'out' of np.exp() is not supported",
         "s.tsum:1:15"},
        {"R = np.maximum(X, Y)", ErrorKind::semantic, "operands could not be broadcast together", "s.tsum:1:5"},
        {"R = X ! Y", ErrorKind::syntax, "'!='", "s.tsum:1:7"},
    };
    for (const auto& test : cases) {
        INFO(test.script);
        const testing::Caught caught = testing::bind_error(test.script, inputs);
        INFO(caught.message);
        CHECK(caught.kind == test.kind);
        CHECK_THAT(caught.message, Catch::Contains(test.message));
        CHECK(caught.location == test.location);
    }
}

TEST_CASE("a complex array to a whole power from 1 to 8 is a product of it, by binary powering", "[functions]") {
    const std::map<std::string, expr::InputSpec> inputs{{"Z", {{4, 3}, DType::c64}}};
    const expr::Program program = bind_text("R = Z ** 1\nS = Z ** 2\nT = Z ** 5.0\n", inputs);
    CHECK(program.outputs[0].node->kind == expr::NodeKind::input);
    const expr::Node& square = *program.outputs[1].node;
    CHECK(square.kind == expr::NodeKind::product);
    CHECK(square.dtype == DType::c64);
    CHECK(expr::to_text(square) == "Z * Z");
    const expr::Node& fifth = *program.outputs[2].node;  // Z * Z**4, Z**4 = Z**2 * Z**2 shared
    REQUIRE(fifth.kind == expr::NodeKind::product);
    CHECK(fifth.operands[0]->kind == expr::NodeKind::input);
    const expr::Node& fourth = *fifth.operands[1];
    REQUIRE(fourth.kind == expr::NodeKind::product);
    CHECK(fourth.operands[0] == fourth.operands[1]);
}

TEST_CASE("the C++ API builds the functions a script does", "[functions]") {
    using expr::Tensor;
    const Tensor X = Tensor::input("X", {4, 3}), I = Tensor::input("I", {3}, DType::i32);
    CHECK(expr::exp(X).node()->dtype == DType::f64);
    CHECK(expr::pow(I, 2).node()->dtype == DType::i32);
    CHECK(expr::pow(I, 2.5).node()->dtype == DType::f64);
    CHECK(expr::maximum(I, 0).node()->dtype == DType::i32);
    CHECK((X < I).node()->shape == Shape{4, 3});
    const Tensor chosen = expr::where(X > 0.0, X, 0.0);
    CHECK(chosen.node()->function == FunctionOp::where);
    CHECK(chosen.node()->constants.size() == 3);
    CHECK_FALSE(chosen.node()->constants[1].has_value());
    CHECK(chosen.node()->constants[2] == 0.0);
    CHECK(expr::pow(X, I).node()->function == FunctionOp::array_power);
    CHECK(expr::pow(X, I).node()->dtype == DType::f64);
    CHECK(expr::pow(I, I).node()->parameter == 1.0);  // integers: numpy's integer power
    CHECK(expr::pow(2.0, I).node()->dtype == DType::i32);
    CHECK(expr::pow(2.0, I).node()->constants[0] == 2.0);
    const Tensor Y = Tensor::input("Y", {4, 3});
    const Tensor gaussian = expr::einsum("ij->j", {expr::exp(-expr::pow(X - Y, 2))});
    CHECK(gaussian.shape() == Shape{3});
    try {
        (void)expr::log(Tensor::input("Z", {2}, DType::c64));
        FAIL("a complex argument was accepted");
    } catch (const Error& error) {
        CHECK(error.kind() == ErrorKind::unsupported);
        CHECK_THAT(error.what(), Catch::Contains("np.log of a complex array"));
    }
}

TEST_CASE("a function is a barrier to expansion below it, not above it", "[functions][planner]") {
    const std::map<std::string, Shape> shapes{{"A", {4, 3}}, {"B", {4, 3}}, {"C", {4, 3}}};
    SECTION("an einsum of a sum of functions expands into one term per function, the functions left whole") {
        const expr::Program program = bind_shapes("X = einsum('ij->j', exp(A + B) + 2 * np.exp(C))", shapes);
        const auto terms = plan::expand_terms(program.outputs[0].node);
        REQUIRE(terms);
        REQUIRE(terms->size() == 2);
        for (const plan::Term& term : *terms) {
            REQUIRE(term.inputs.size() == 1);
            CHECK(term.inputs[0]->kind == expr::NodeKind::function);
        }
        // Below exp(A + B) the sum stays a sum: it is not distributed (exp(A + B) != exp(A) + exp(B)).
        const expr::Node& first = *(*terms)[0].inputs[0];
        CHECK(first.name == "exp(A + B)");
        REQUIRE(first.operands.size() == 1);
        CHECK(first.operands[0]->kind == expr::NodeKind::lincomb);
        CHECK((*terms)[1].coefficient == 2.0);
    }
    SECTION("products and einsums above a function distribute over the sums beside it") {
        const expr::Program program = bind_shapes("X = einsum('ij,ij->', maximum(A, 0), B + C)", shapes);
        const auto terms = plan::expand_terms(program.outputs[0].node);
        REQUIRE(terms);
        CHECK(terms->size() == 2);
    }
    SECTION("the same function written twice is one leaf; different ones with the same text are told apart") {
        const expr::Program program = bind_shapes("X = einsum('ij->j', tanh(A)) + einsum('ij->j', tanh(A))", shapes);
        const auto terms = plan::expand_terms(program.outputs[0].node);
        REQUIRE(terms);
        REQUIRE(terms->size() == 1);
        CHECK((*terms)[0].coefficient == 2.0);
        const expr::Program powers = bind_shapes("X = A ** 0.1 + A ** 0.1000000000000001", shapes);
        const auto power_terms = plan::expand_terms(powers.outputs[0].node);
        REQUIRE(power_terms);
        CHECK(power_terms->size() == 2);
    }
    SECTION("tilesum plan lists the function it stops at") {
        const expr::Program program = bind_shapes("X = einsum('ij->j', np.sqrt(abs(A - B)))", shapes);
        plan::PlanOptions options;
        options.budget_bytes = 1 << 20;
        const plan::Plan plan = plan::make_plan(program, options);
        CHECK_THAT(plan::describe(plan),
                   Catch::Contains("function:         sqrt(abs(A - B)): not expanded below, evaluated tile by tile"));
        const nlohmann::json described = nlohmann::json::parse(plan::describe_json(plan));
        CHECK(described["outputs"][0]["functions"] == nlohmann::json::array({"sqrt(abs(A - B))"}));
    }
}

TEST_CASE("a power of arrays is priced as a libm call per element, like exp", "[functions][cost_kinds]") {
    // Two (64, 32) operands read and one result written, plus the libm call's bytes' worth per element, which a
    // maximum (a compare per element) does not pay.
    const std::map<std::string, Shape> shapes{{"A", {64, 32}}, {"B", {64, 32}}};
    auto elementwise_bytes = [&](const char* script) {
        const expr::Program program = bind_shapes(script, shapes);
        const expr::Node& root = *program.outputs.front().node;
        eval::TileSpec tile;
        for (Extent extent : root.shape) tile.ranges.push_back({0, extent});
        return eval::estimate_tile(root, tile, eval::Schedule{}).work.elementwise_bytes;
    };
    const double elements = 64 * 32;
    const double moved = sizeof(double) * 3 * elements;
    CHECK(elementwise_bytes("R = np.maximum(A, B)") == moved);
    const double libm = elementwise_bytes("R = A ** B");
    CHECK(libm > moved);
    CHECK(elementwise_bytes("R = np.power(A, B)") == libm);
    CHECK(elementwise_bytes("R = np.exp(A)") == libm - sizeof(double) * elements);  // one operand fewer
}

TEST_CASE("powers print as Python reads them, in plans and in function leaves", "[functions]") {
    const std::map<std::string, Shape> shapes{{"A", {4, 3}}, {"B", {4, 3}}, {"v", {3}}};
    const struct {
        const char* script;
        const char* text;
    } cases[] = {
        {"R = A ** B", "A**B"},
        {"R = (A * B) ** 2", "(A * B)**2"},
        {"R = (A ** 2) ** v", "(A**2)**v"},
        {"R = A ** (B * v)", "A**(B * v)"},
        {"R = 2 ** v", "2**v"},
        {"R = np.power(-0.5, A)", "(-0.5)**A"},
        {"R = (A + B) ** -v", "(A + B)**(-v)"},
    };
    for (const auto& test : cases) {
        INFO(test.script);
        CHECK(expr::to_text(*bind_shapes(test.script, shapes).outputs[0].node) == test.text);
    }
}

namespace {

// Scripts with functions over the seed's inputs (A (n, n), B (q), Y2 (n), Z2 (q, n)) and two more (x (n), M (q, n)).
const char* const engine_scripts[] = {
    "C = einsum('i,jk->ijk', B, A)\nC2 = einsum('j,ik->ijk', Y2, Z2)\nE = einsum('ijk->k', exp(-(C - C2)**2))\n",
    "F = einsum('ij->j', np.exp(Z2) + np.log(abs(M)))\n",
    "F = einsum('ij,jk->ik', np.maximum(Z2, 0), tanh(A))\n",
    "F = np.where(M > x, np.sqrt(abs(M)), sin(M) * cos(M))\n",
    "F = einsum('ij->i', minimum(Z2, x) ** 3 - sign(Z2) * expm1(Z2))\n",
    "F = einsum('ij->j', (M <= 0.5) * log1p(abs(M))) + einsum('ij,ij->j', (Z2 == M) * 1.0, Z2 != M)\n",
    "C = einsum('i,jk->ijk', B, A)\nF = einsum('ijk,ikj->k', tanh(C), maximum(C, Y2))\n",
    "G = einsum('ij,kj->ik', M, Z2)\nF = einsum('ik->k', np.exp(-G ** 2 / 8) * (G > 0))\n",
    "F = einsum('ij,j->i', Z2 ** 2 + abs(M) ** 0.5, np.where(x >= 0, x, -x))\n",
    "F = einsum('ij->j', np.maximum(abs(M), 0.5) ** tanh(Z2) + 2 ** np.cos(x) + np.power(abs(Z2 * M), x))\n",
};

}  // namespace

TEST_CASE("functions evaluate tile by tile to the naive evaluator's answer, identically for 1, 2 and 4 threads",
          "[engine][functions]") {
    testing::VariantCounts counts;
    for (std::size_t script = 0; script < std::size(engine_scripts); ++script) {
        for (unsigned seed = 1; seed <= 3; ++seed) {
            const Extent n = 5 + seed, q = 4 + 2 * seed;
            const std::map<std::string, Shape> shapes{{"A", {n, n}},  {"B", {q}}, {"Y2", {n}},
                                                      {"Z2", {q, n}}, {"x", {n}}, {"M", {q, n}}};
            const std::string text = engine_scripts[script];
            INFO("seed " << seed << ", script:\n" << text);
            const Bound bound = bind_seeded(text, shapes, seed);
            std::map<std::string, DenseTensor> expected;
            for (const expr::NamedNode& output : bound.program.outputs)
                expected[output.name] = eval::reference_evaluate(*output.node, bound.values);

            std::mt19937 rng(seed * 31u + static_cast<unsigned>(script));
            std::vector<plan::PlanOptions> variants(4);
            variants[1].strategy = variants[2].strategy = plan::Strategy::tile;
            variants[3].strategy = plan::Strategy::expand;
            variants[1].budget_bytes = 4096 + rng() % 8192;
            for (const expr::NamedNode& output : bound.program.outputs)
                for (char label : output.node->axis_labels)
                    if (label && rng() % 2) variants[2].forced_tiles[label] = 1 + static_cast<Extent>(rng() % 3);
            for (plan::PlanOptions& options : variants) options.minimum_budget = 0;
            testing::run_plan_variants(bound, variants, expected, counts, {1, 2, 4});
        }
    }
    CHECK(counts.plans >= 3 * 3 * static_cast<int>(std::size(engine_scripts)) * 3);
}

TEST_CASE("plans with functions survive JSON exactly and run to the same bits after the trip", "[engine][functions]") {
    const std::map<std::string, Shape> shapes{{"A", {6, 6}},  {"B", {5}}, {"Y2", {6}},
                                              {"Z2", {5, 6}}, {"x", {6}}, {"M", {5, 6}}};
    for (const char* text : engine_scripts) {
        INFO(text);
        const Bound bound = bind_seeded(text, shapes, 7);
        for (plan::Strategy strategy : {plan::Strategy::tile, plan::Strategy::expand}) {
            plan::PlanOptions options;
            options.strategy = strategy;
            options.budget_bytes = 1 << 20;
            const plan::Plan made = plan::make_plan(bound.program, options);
            const plan::PlanData data = plan::to_data(made, expr::split_complex(bound.program));
            const std::string json = plan::plan_to_json(data);
            const plan::PlanData loaded = plan::plan_from_json(json, "plan.json");
            REQUIRE(loaded == data);
            REQUIRE(plan::plan_to_json(loaded) == json);
            REQUIRE(plan::explain(loaded) == plan::describe(made));
            const plan::Instantiated instantiated = plan::instantiate(loaded);
            const auto original = testing::run_engine(made, bound);
            const auto reloaded = testing::run_engine(instantiated.plan, bound);
            for (const auto& [name, tensor] : original) REQUIRE(testing::same_bits(reloaded.at(name), tensor));
        }
    }
}
