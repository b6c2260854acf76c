// The numpy spellings beyond einsum (issue 12): import lines, print(NAME) outputs, @, np.matmul, np.dot, np.inner,
// np.outer, np.tensordot, np.trace, np.diagonal, .T, np.transpose, .swapaxes, .sum and .mean. Each is lowered to
// einsums by the binder (engine/script/numpy_calls.cpp -> engine/expr/numpy_ops.cpp); here each is evaluated by
// the naive evaluator against the same computation written with einsum, its shape and dtype are numpy's, and every
// refused construct is refused for the stated reason at the stated place, naming what to write instead.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "engine/eval/reference_eval.hpp"
#include "engine/expr/program.hpp"
#include "engine/script/location.hpp"
#include "io/diagonal_view_reader.hpp"
#include "tests/unit/memory_tensors.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using kernels::DenseTensor;
using testing::bind_error;
using testing::Caught;
using testing::random_tensor;

namespace {

// The value of the last output of `text`, naively, on `inputs` (diagonal views read through their reader).
DenseTensor evaluate(const std::string& text, const std::map<std::string, DenseTensor>& inputs) {
    std::map<std::string, Shape> shapes;
    for (const auto& [name, tensor] : inputs) shapes[name] = tensor.shape;
    const expr::Program program = testing::bind_shapes(text, shapes);
    eval::InputValues values = inputs;
    for (const expr::NamedNode& view : program.views) {
        const expr::DiagonalView& diagonal = *view.node->diagonal_of;
        testing::MemoryReader base(inputs.at(diagonal.base));
        io::DiagonalViewReader reader(base, diagonal.base_shape, diagonal.axes, view.node->shape);
        DenseTensor tensor{view.node->shape,
                           std::vector<double>(static_cast<std::size_t>(element_count(view.node->shape)))};
        reader.read(full_ranges(view.node->shape), tensor.values.data());
        values[view.name] = tensor;
    }
    return eval::reference_evaluate(*program.outputs.back().node, values);
}

}  // namespace

TEST_CASE("each numpy spelling has the value of the einsum it stands for", "[numpy_spellings]") {
    const std::map<std::string, DenseTensor> inputs{
        {"A", random_tensor({4, 5}, 1)},     {"B", random_tensor({5, 3}, 2)},     {"v", random_tensor({5}, 3)},
        {"w", random_tensor({5}, 4)},        {"u", random_tensor({4}, 5)},        {"S", random_tensor({4, 4}, 6)},
        {"P", random_tensor({2, 4, 5}, 7)},  {"Q", random_tensor({2, 5, 3}, 8)},  {"R", random_tensor({3, 1, 4, 5}, 9)},
        {"N", random_tensor({6, 5, 3}, 10)}, {"T", random_tensor({3, 4, 4}, 11)}, {"s", random_tensor({}, 12)},
        {"K", random_tensor({4, 5, 2}, 13)}, {"L", random_tensor({5, 2, 3}, 14)}, {"O", random_tensor({1, 4}, 15)},
        {"W", random_tensor({5, 4, 3}, 16)}, {"V", random_tensor({4, 3, 4}, 17)},
    };
    struct Pair {
        const char* numpy;
        const char* einsum;
    };
    const Pair pairs[] = {
        {"X = A @ B", "X = einsum('ij,jk->ik', A, B)"},
        {"X = np.matmul(A, B)", "X = einsum('ij,jk->ik', A, B)"},
        {"X = numpy.matmul(u, A)", "X = einsum('j,jk->k', u, A)"},
        {"X = A @ v", "X = einsum('ij,j->i', A, v)"},
        {"X = v @ w", "X = einsum('j,j->', v, w)"},
        {"X = P @ Q", "X = einsum('bij,bjk->bik', P, Q)"},
        {"X = R @ Q", "X = einsum('xyij,yjk->xyik', R, Q)"},
        {"X = P @ v", "X = einsum('bij,j->bi', P, v)"},
        {"X = -A @ B", "X = -einsum('ij,jk->ik', A, B)"},
        {"X = np.dot(A, B)", "X = einsum('ij,jk->ik', A, B)"},
        {"X = np.dot(v, w)", "X = einsum('i,i->', v, w)"},
        {"X = np.dot(P, v)", "X = einsum('bij,j->bi', P, v)"},
        {"X = np.dot(P, N)", "X = einsum('bij,mjn->bimn', P, N)"},
        {"X = np.dot(u, W)", "X = einsum('i,jik->jk', u, W)"},
        {"X = np.dot(s, A)", "X = einsum(',ij->ij', s, A)"},
        {"X = A.dot(B)", "X = einsum('ij,jk->ik', A, B)"},
        {"X = np.inner(A, B.T)", "X = einsum('ij,jk->ik', A, B)"},
        {"X = np.inner(P, A)", "X = einsum('bij,kj->bik', P, A)"},
        {"X = np.outer(u, v)", "X = einsum('i,j->ij', u, v)"},
        {"X = np.outer(O, v)", "X = einsum('ai,j->ij', O, v)"},
        {"X = np.tensordot(K, L)", "X = einsum('ijk,jkl->il', K, L)"},
        {"X = np.tensordot(K, W, axes=([0, 1], [1, 0]))", "X = einsum('ijk,jil->kl', K, W)"},
        {"X = np.tensordot(A, B, axes=1)", "X = einsum('ij,jk->ik', A, B)"},
        {"X = np.tensordot(u, v, 0)", "X = einsum('i,j->ij', u, v)"},
        {"X = np.tensordot(A, K, axes=(1, 1))", "X = einsum('ij,kjl->ikl', A, K)"},
        {"X = np.trace(S)", "X = einsum('ii->', S)"},
        {"X = S.trace()", "X = einsum('ii->', S)"},
        {"X = np.trace(T, axis1=1, axis2=2)", "X = einsum('bii->b', T)"},
        {"X = np.trace(T, 0, -1, 1)", "X = einsum('bii->b', T)"},
        {"X = np.diagonal(S)", "X = einsum('ii->i', S)"},
        {"X = np.diagonal(T, 0, 1, 2)", "X = einsum('bii->bi', T)"},
        {"X = V.diagonal(axis1=0, axis2=2)", "X = einsum('iji->ji', V)"},
        {"X = A.T", "X = einsum('ij->ji', A)"},
        {"X = P.T", "X = einsum('bij->jib', P)"},
        {"X = np.transpose(P)", "X = einsum('bij->jib', P)"},
        {"X = np.transpose(P, (1, 2, 0))", "X = einsum('bij->ijb', P)"},
        {"X = np.transpose(P, axes=[0, -1, 1])", "X = einsum('bij->bji', P)"},
        {"X = P.transpose(2, 0, 1)", "X = einsum('bij->jbi', P)"},
        {"X = P.transpose((2, 0, 1))", "X = einsum('bij->jbi', P)"},
        {"X = P.swapaxes(0, 2)", "X = einsum('bij->jib', P)"},
        {"X = np.swapaxes(P, -1, 1)", "X = einsum('bij->bji', P)"},
        {"X = P.sum(axis=0)", "X = einsum('bij->ij', P)"},
        {"X = P.sum(1)", "X = einsum('bij->bj', P)"},
        {"X = P.sum()", "X = einsum('bij->', P)"},
        {"X = np.sum(P, axis=(0, 2))", "X = einsum('bij->i', P)"},
        {"X = np.sum(P, axis=None, keepdims=False)", "X = einsum('bij->', P)"},
        {"X = np.sum(P, -1)", "X = einsum('bij->bi', P)"},
        {"X = P.mean(0)", "X = einsum('bij->ij', P) / 2"},
        {"X = P.mean(axis=(1, 2))", "X = einsum('bij->b', P) / 20"},
        {"X = np.mean(P)", "X = einsum('bij->', P) / 40"},
        {"X = (A @ B).T.sum(axis=1) / 4", "X = einsum('ij,jk->k', A, B) / 4"},
        {"k = 1\nX = A.sum(axis=k)", "X = einsum('ij->i', A)"},
    };
    for (const Pair& pair : pairs) {
        INFO("numpy: " << pair.numpy << "\neinsum: " << pair.einsum);
        const DenseTensor actual = evaluate(std::string(pair.numpy) + "\n", inputs);
        const DenseTensor expected = evaluate(std::string(pair.einsum) + "\n", inputs);
        REQUIRE(actual.shape == expected.shape);
        for (std::size_t index = 0; index < expected.values.size(); ++index)
            REQUIRE(actual.values[index] == Approx(expected.values[index]).margin(1e-12));
    }
}

TEST_CASE(
    "numpy spellings have numpy's shapes and dtypes: sums and traces of int32 are int64, means of integers "
    "float64",
    "[numpy_spellings]") {
    const std::map<std::string, expr::InputSpec> inputs{
        {"I", {{3, 3}, DType::i32}}, {"J", {{3, 4}, DType::i32}}, {"F", {{3, 3}, DType::f32}},
        {"C", {{3, 3}, DType::c64}}, {"D", {{3, 3}, DType::f64}},
    };
    struct Case {
        const char* script;
        Shape shape;
        DType dtype;
    };
    const Case cases[] = {
        {"X = I @ J", {3, 4}, DType::i32},
        {"X = I @ F", {3, 3}, DType::f64},
        {"X = F @ C", {3, 3}, DType::c64},
        {"X = np.dot(I, J)", {3, 4}, DType::i32},
        {"X = I.sum(axis=0)", {3}, DType::i64},
        {"X = np.sum(F)", {}, DType::f32},
        {"X = np.trace(I)", {}, DType::i64},
        {"X = np.trace(D)", {}, DType::f64},
        {"X = np.diagonal(I)", {3}, DType::i32},
        {"X = I.mean(1)", {3}, DType::f64},
        {"X = F.mean()", {}, DType::f32},
        {"X = C.mean(axis=0)", {3}, DType::c64},
        {"X = J.T", {4, 3}, DType::i32},
        {"X = np.outer(I.sum(0), F.sum(1))", {3, 3}, DType::f64},
        {"X = np.tensordot(I, J, 1)", {3, 4}, DType::i32},
    };
    for (const Case& test : cases) {
        INFO(test.script);
        const expr::Program program = testing::bind_text(std::string(test.script) + "\n", inputs);
        CHECK(program.outputs.at(0).node->shape == test.shape);
        CHECK(dtype_name(program.outputs.at(0).node->dtype) == dtype_name(test.dtype));
    }
}

TEST_CASE("import numpy lines are ignored; print(NAME) makes NAME an output, even one other statements read",
          "[numpy_spellings]") {
    const std::map<std::string, Shape> shapes{{"A", {3, 4}}, {"B", {4, 2}}};
    const expr::Program program = testing::bind_shapes(
        "import numpy as np\nimport numpy\nimport numpy as numpy\nT = A @ B\nU = T.sum(axis=0)\nV = U * 2\n"
        "print('T is', T, sep='\\n')\nprint(U)\n",
        shapes);
    std::vector<std::string> outputs;
    for (const expr::NamedNode& output : program.outputs) outputs.push_back(output.name);
    CHECK(outputs == std::vector<std::string>{"T", "U", "V"});  // in order of assignment
    REQUIRE(program.inputs.size() == 2);
    CHECK(program.inputs[0].name == "A");
    CHECK(program.inputs[1].name == "B");
}

TEST_CASE("numpy spellings tilesum cannot lower are refused where they are written, naming what works",
          "[numpy_spellings][errors]") {
    const std::map<std::string, expr::InputSpec> inputs{
        {"A", {{3, 4}, DType::f64}}, {"B", {{4, 2}, DType::f64}}, {"M", {{2, 3, 4}, DType::f64}},
        {"S", {{3, 3}, DType::f64}}, {"v", {{4}, DType::f64}},
    };
    struct Case {
        const char* script;
        ErrorKind kind;
        const char* message;
        const char* location;
    };
    const Case cases[] = {
        {"import scipy\nX = A", ErrorKind::unsupported, "only 'import numpy as np' and 'import numpy' are supported",
         "s.tsum:1:1"},
        {"import numpy as xp\nX = A", ErrorKind::unsupported, "write numpy's functions as np.NAME", "s.tsum:1:1"},
        {"X = A\nfrom numpy import einsum", ErrorKind::unsupported, "only 'import numpy as np'", "s.tsum:2:1"},
        {"X = A @ B\nprint(X.sum())", ErrorKind::unsupported,
         "print(...) of an expression is not supported: print marks a name as an output; assign the expression to a "
         "name first (R = ...) and print(R)",
         "s.tsum:2:7"},
        {"X = A @ B\nprint(A)", ErrorKind::semantic, "'A' is not assigned by the script", "s.tsum:2:7"},
        {"print(X)\nX = A @ B", ErrorKind::semantic, "'X' is printed before it is assigned", "s.tsum:1:7"},
        {"X = print(A)", ErrorKind::unsupported, "print(NAME) is a statement on a line of its own", "s.tsum:1:5"},
        {"X = np.linalg.norm(A)", ErrorKind::unsupported,
         "function 'np.linalg.norm' is not supported; supported: np.einsum, np.matmul (and @)", "s.tsum:1:5"},
        {"X = sum(A)", ErrorKind::unsupported, "function 'sum' is not supported; write np.sum(...)", "s.tsum:1:5"},
        {"X = A.max(axis=0)", ErrorKind::unsupported,
         "method 'max' of arrays is not supported; supported: .T, .transpose(...)", "s.tsum:1:7"},
        {"X = A.shape", ErrorKind::unsupported, "attribute 'shape' of arrays is not supported", "s.tsum:1:7"},
        {"X = A @ 2", ErrorKind::unsupported, "'@' needs arrays on both sides; multiply by a number with *",
         "s.tsum:1:9"},
        {"X = np.matmul(A, A)", ErrorKind::semantic,
         "matmul: the last axis of A (3, 4) is 4 but the second-to-last axis of A (3, 4) is 3", "s.tsum:1:5"},
        {"X = np.dot(A, 2)", ErrorKind::unsupported,
         "dot(): argument 'b' is a number, not an array; multiply arrays by numbers with *", "s.tsum:1:15"},
        {"X = np.dot(A, A)", ErrorKind::semantic, "dot: shapes not aligned: axis 1 of A (3, 4) is 4 but axis 0",
         "s.tsum:1:5"},
        {"X = np.outer(A, v)", ErrorKind::unsupported,
         "np.outer flattens its operands, which tilesum can do only for arrays with one axis of extent other than 1; "
         "A (3, 4) has more. np.einsum('ij,kl->ijkl', a, b)",
         "s.tsum:1:5"},
        {"X = np.tensordot(A, B, axes=([0], [0, 1]))", ErrorKind::semantic, "tensordot: shape-mismatch for sum",
         "s.tsum:1:5"},
        {"X = np.tensordot(A, B, axes=(1, 2, 3))", ErrorKind::semantic, "axes must be an int or a pair of axis lists",
         "s.tsum:1:29"},
        {"X = np.trace(S, offset=1)", ErrorKind::unsupported,
         "offset= of np.trace() other than 0 is not supported: only the main diagonal; for another diagonal multiply "
         "by a 0/1 mask input M, as in np.einsum('ij,ij->', A, M)",
         "s.tsum:1:24"},
        {"X = np.trace(A)", ErrorKind::unsupported,
         "trace of axes of different extents (axis 0 is 3, axis 1 is 4 in A (3, 4)) is not supported", "s.tsum:1:5"},
        {"X = np.diagonal(v)", ErrorKind::semantic, "diagonal needs an array of at least two dimensions", "s.tsum:1:5"},
        {"X = np.trace(M, axis1=1, axis2=-2)", ErrorKind::semantic, "axis1 and axis2 cannot be the same axis",
         "s.tsum:1:5"},
        {"X = A.sum(axis=2)", ErrorKind::semantic, "axis 2 is out of bounds for A, an array of dimension 2 (3, 4)",
         "s.tsum:1:5"},
        {"X = A.sum(axis=(0, -2))", ErrorKind::semantic, "repeated axis in 'axis' argument: -2", "s.tsum:1:5"},
        {"X = A.sum(axis=0.5)", ErrorKind::semantic, ".sum(): axis must be an integer", "s.tsum:1:16"},
        {"X = A.sum(axis=0, keepdims=True)", ErrorKind::unsupported,
         "keepdims= of .sum() is not supported; the summed axes are dropped. Broadcasting lines up trailing axes, so "
         "X - X.mean(axis=0) needs no keepdims; for another axis transpose it last, as in (X.T - X.mean(axis=1)).T",
         "s.tsum:1:28"},
        {"X = np.mean(A, dtype=np.float32)", ErrorKind::unsupported,
         "dtype= of np.mean() is not supported; leave it out", "s.tsum:1:22"},
        {"X = A.sum(where=A)", ErrorKind::unsupported,
         "keyword argument 'where' of .sum() is not supported; it takes axis, dtype, out, keepdims", "s.tsum:1:11"},
        {"X = np.sum(A, 0, axis=1)", ErrorKind::semantic, "np.sum() got multiple values for argument 'axis'",
         "s.tsum:1:18"},
        {"X = np.swapaxes(A, 0)", ErrorKind::semantic, "np.swapaxes() is missing its argument 'axis2'", "s.tsum:1:5"},
        {"X = np.transpose(M, (0, 1))", ErrorKind::semantic, "transpose: axes don't match array", "s.tsum:1:5"},
        {"X = np.transpose(M, (0, 1, 1))", ErrorKind::semantic, "repeated axis in 'axes' argument: 1", "s.tsum:1:5"},
        {"X = A.sum(0, 1, 2, 3, 4, 5)", ErrorKind::semantic, ".sum() takes at most 4 positional arguments",
         "s.tsum:1:23"},
        {"X = A + (0, 1)", ErrorKind::unsupported, "a tuple or list is not an array", "s.tsum:1:9"},
        {"X = A * None", ErrorKind::unsupported, "'None' is not an array", "s.tsum:1:9"},
        {"X = (2).T", ErrorKind::unsupported, "a number has no .T", "s.tsum:1:9"},
        {"X = A[:, 1.5]", ErrorKind::unsupported, "an index or slice bound must be an integer", "s.tsum:1:10"},
        {"X = A[:, None]", ErrorKind::unsupported, "a new axis (None, np.newaxis) is not supported", "s.tsum:1:10"},
        {"X = A[:, :, 0]", ErrorKind::usage, "too many indices for A", "s.tsum:1:5"},
    };
    for (const Case& test : cases) {
        DYNAMIC_SECTION("script: " << test.script) {
            const Caught caught = bind_error(std::string(test.script) + "\n", inputs);
            CHECK(error_kind_name(caught.kind) == std::string(error_kind_name(test.kind)));
            CHECK_THAT(caught.message, Catch::Contains(test.message));
            CHECK(caught.location == test.location);
        }
    }
}
