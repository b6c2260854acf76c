// expr/complex_split against complex arithmetic: random scripts over complex and real inputs are evaluated once
// with std::complex (a naive evaluator written here, independent of the engine) and once as the split real program
// (by the naive real evaluator and by the tiled engine); the real and imaginary parts must agree.
#include <catch2/catch.hpp>

#include <complex>
#include <random>

#include "engine/eval/reference_eval.hpp"
#include "engine/exec/executor.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/plan/plan.hpp"
#include "io/diagonal_view_reader.hpp"
#include "tests/unit/memory_tensors.hpp"
#include "tests/unit/random_script.hpp"
#include "tests/unit/sanitized_build.hpp"
#include "tests/unit/script_fixtures.hpp"

using namespace tilesum;
using Complex = std::complex<double>;

namespace {

struct ComplexTensor {
    Shape shape;
    std::vector<Complex> values;
};

// C-order strides of `shape`.
std::vector<Extent> strides_of(const Shape& shape) {
    std::vector<Extent> strides(shape.size(), 1);
    for (std::size_t axis = shape.size(); axis-- > 1;) strides[axis - 1] = strides[axis] * shape[axis];
    return strides;
}

// The element of `operand` that numpy broadcasting pairs with `index` of a result of rank `rank`.
Extent broadcast_offset(const ComplexTensor& operand, const std::vector<Extent>& index) {
    const std::vector<Extent> strides = strides_of(operand.shape);
    const std::size_t skip = index.size() - operand.shape.size();
    Extent offset = 0;
    for (std::size_t axis = 0; axis < operand.shape.size(); ++axis)
        if (operand.shape[axis] != 1) offset += index[skip + axis] * strides[axis];
    return offset;
}

// Calls visit(index) for every index of `shape`, in C order.
template <typename Visit>
void for_each_index(const Shape& shape, Visit visit) {
    std::vector<Extent> index(shape.size(), 0);
    for (Extent element = 0; element < element_count(shape); ++element) {
        visit(index);
        for (std::size_t axis = shape.size(); axis-- > 0;) {
            if (++index[axis] < shape[axis]) break;
            index[axis] = 0;
        }
    }
}

// The naive complex evaluation of the bound (unsplit) DAG.
class ComplexEvaluator {
public:
    explicit ComplexEvaluator(const std::map<std::string, ComplexTensor>& inputs) : inputs_(inputs) {}

    ComplexTensor evaluate(const expr::Node& node) {
        if (auto found = memo_.find(&node); found != memo_.end()) return found->second;
        ComplexTensor result{node.shape, std::vector<Complex>(static_cast<std::size_t>(element_count(node.shape)))};
        std::vector<ComplexTensor> operands;
        for (const expr::NodePtr& operand : node.operands) operands.push_back(evaluate(*operand));
        switch (node.kind) {
            case expr::NodeKind::input: result = inputs_.at(node.name); break;
            case expr::NodeKind::einsum: einsum(node, operands, result); break;
            case expr::NodeKind::function: FAIL("functions of complex arrays are refused when built"); break;
            case expr::NodeKind::lincomb:
            case expr::NodeKind::product: {
                Extent element = 0;
                for_each_index(node.shape, [&](const std::vector<Extent>& index) {
                    Complex value = node.kind == expr::NodeKind::product ? Complex(1) : Complex(0);
                    for (std::size_t term = 0; term < operands.size(); ++term) {
                        const Complex operand =
                            operands[term].values[static_cast<std::size_t>(broadcast_offset(operands[term], index))];
                        if (node.kind == expr::NodeKind::product)
                            value *= operand;
                        else
                            value += node.coefficients[term] * operand;
                    }
                    result.values[static_cast<std::size_t>(element++)] = value;
                });
                break;
            }
        }
        return memo_[&node] = result;
    }

private:
    static void einsum(const expr::Node& node, const std::vector<ComplexTensor>& operands, ComplexTensor& result) {
        std::string labels = node.output_labels;
        std::map<char, Extent> extents;
        for (std::size_t position = 0; position < operands.size(); ++position)
            for (std::size_t axis = 0; axis < node.operand_labels[position].size(); ++axis) {
                const char label = node.operand_labels[position][axis];
                extents[label] = operands[position].shape[axis];
                if (labels.find(label) == std::string::npos) labels += label;
            }
        Shape all;
        for (char label : labels) all.push_back(extents[label]);
        const std::vector<Extent> result_strides = strides_of(node.shape);
        for_each_index(all, [&](const std::vector<Extent>& index) {
            auto value_of = [&](char label) { return index[labels.find(label)]; };
            Complex product = 1;
            for (std::size_t position = 0; position < operands.size(); ++position) {
                const std::vector<Extent> strides = strides_of(operands[position].shape);
                Extent offset = 0;
                for (std::size_t axis = 0; axis < strides.size(); ++axis)
                    offset += value_of(node.operand_labels[position][axis]) * strides[axis];
                product *= operands[position].values[static_cast<std::size_t>(offset)];
            }
            Extent offset = 0;
            for (std::size_t axis = 0; axis < result_strides.size(); ++axis)
                offset += value_of(node.output_labels[axis]) * result_strides[axis];
            result.values[static_cast<std::size_t>(offset)] += product;
        });
    }

    const std::map<std::string, ComplexTensor>& inputs_;
    std::map<const expr::Node*, ComplexTensor> memo_;
};

void require_close(const std::vector<double>& actual, const std::vector<double>& expected, const char* part) {
    REQUIRE(actual.size() == expected.size());
    double scale = 1;
    for (double value : expected) scale = std::max(scale, std::abs(value));
    for (std::size_t element = 0; element < expected.size(); ++element) {
        INFO(part << " part, element " << element << ": " << actual[element] << " vs " << expected[element]);
        REQUIRE(std::abs(actual[element] - expected[element]) <= 1e-10 * scale);
    }
}

}  // namespace

TEST_CASE("random complex scripts split into real ones give the complex answer, naively and tile by tile",
          "[complex_split][random]") {
    const unsigned scripts = testing::random_cases(80, 16);
    unsigned complex_outputs = 0;
    for (unsigned seed = 1; seed <= scripts; ++seed) {
        testing::ScriptGenerator generator(seed);
        testing::RandomScript random = generator.generate();
        INFO("seed " << seed << ", script:\n" << random.text);
        std::mt19937 rng(seed);
        std::normal_distribution<double> normal;
        std::map<std::string, expr::InputSpec> specs;
        std::map<std::string, ComplexTensor> complex_values;
        eval::InputValues part_values;
        bool first = true;
        for (const auto& [name, shape] : random.inputs) {
            // At least one complex input per script, then about half of the others.
            const bool complex = first || rng() % 2;
            first = false;
            specs[name] = expr::InputSpec{shape, complex ? DType::c128 : DType::f64};
            ComplexTensor tensor{shape, std::vector<Complex>(static_cast<std::size_t>(element_count(shape)))};
            kernels::DenseTensor real{shape, {}}, imag{shape, {}};
            for (Complex& value : tensor.values) {
                value = Complex(normal(rng), complex ? normal(rng) : 0.0);
                real.values.push_back(value.real());
                imag.values.push_back(value.imag());
            }
            complex_values[name] = tensor;
            part_values[complex ? expr::part_name(name, expr::Part::real) : name] = real;
            if (complex) part_values[expr::part_name(name, expr::Part::imag)] = imag;
        }
        const expr::Program program = testing::bind_text(random.text, specs);
        const expr::SplitProgram split = expr::split_complex(program);

        for (const expr::NamedNode& input : split.program.inputs)
            REQUIRE((!is_complex(input.node->dtype) || split.input_parts.count(input.name)));
        std::map<std::string, std::vector<double>> expected;  // by split output name
        ComplexEvaluator complex_evaluator(complex_values);
        for (const expr::NamedNode& output : program.outputs) {
            const ComplexTensor value = complex_evaluator.evaluate(*output.node);
            std::vector<double> real, imag;
            for (Complex element : value.values) {
                real.push_back(element.real());
                imag.push_back(element.imag());
            }
            if (is_complex(output.node->dtype)) {
                ++complex_outputs;
                REQUIRE(split.complex_outputs.at(output.name) == DType::c128);
                expected[expr::part_name(output.name, expr::Part::real)] = real;
                expected[expr::part_name(output.name, expr::Part::imag)] = imag;
            } else {
                expected[output.name] = real;
            }
        }
        REQUIRE(split.program.outputs.size() == expected.size());

        // The split program, naively.
        for (const expr::NamedNode& output : split.program.outputs) {
            INFO("output " << output.name);
            // An output that is a complex input itself (OUT = X) is that input's part, which keeps the stored dtype.
            REQUIRE((!is_complex(output.node->dtype) || output.node->kind == expr::NodeKind::input));
            require_close(eval::reference_evaluate(*output.node, part_values).values, expected.at(output.name),
                          "naive");
        }

        // The split program, planned (expanded, shared pieces, fused passes) and run in tiles under a small budget.
        plan::PlanOptions options;
        options.minimum_budget = 0;
        options.budget_bytes = 4096 + rng() % 8192;
        options.threads = 2;
        plan::Plan plan;
        try {
            plan = plan::make_plan(split.program, options);
        } catch (const Error& error) {
            INFO(error.what());
            REQUIRE(error.kind() == ErrorKind::resource);
            continue;
        }
        std::map<std::string, std::unique_ptr<testing::MemoryReader>> readers;
        std::map<std::string, std::unique_ptr<testing::MemoryWriter>> writers;
        exec::Bindings bindings;
        for (const auto& [name, value] : part_values) {
            readers[name] = std::make_unique<testing::MemoryReader>(value);
            bindings.inputs[name] = readers[name].get();
        }
        for (const plan::OutputPlan& output : plan.outputs) {
            writers[output.name] = std::make_unique<testing::MemoryWriter>(output.root->shape);
            bindings.outputs[output.name] = writers[output.name].get();
        }
        exec::execute(plan, bindings);
        for (const auto& [name, writer] : writers) {
            INFO("output " << name);
            require_close(writer->tensor().values, expected.at(name), "tiled");
        }
    }
    CHECK(complex_outputs >= scripts * 3 / 4);
}

TEST_CASE("a program without complex tensors comes back unchanged, node for node", "[complex_split]") {
    const expr::Program program =
        testing::bind_shapes(testing::seed_text, {{"A", {4, 4}}, {"B", {3}}, {"Y2", {4}}, {"Z2", {3, 4}}});
    const expr::SplitProgram split = expr::split_complex(program);
    REQUIRE(split.program.inputs.size() == program.inputs.size());
    REQUIRE(split.program.outputs.size() == program.outputs.size());
    for (std::size_t input = 0; input < program.inputs.size(); ++input)
        CHECK(split.program.inputs[input].node == program.inputs[input].node);
    for (std::size_t output = 0; output < program.outputs.size(); ++output) {
        CHECK(split.program.outputs[output].name == program.outputs[output].name);
        CHECK(split.program.outputs[output].node == program.outputs[output].node);
    }
    CHECK(split.input_parts.empty());
    CHECK(split.output_parts.empty());
    CHECK(split.complex_outputs.empty());
}

TEST_CASE("complex inputs and outputs become parts named re(X) and im(X)", "[complex_split]") {
    const expr::Program program = testing::bind_text("E = einsum('ij,j->i', X, y)\nF = einsum('ij->i', X)\n",
                                                     {{"X", {{3, 4}, DType::c64}}, {"y", {{4}, DType::f32}}});
    const expr::SplitProgram split = expr::split_complex(program);
    std::vector<std::string> inputs, outputs;
    for (const expr::NamedNode& input : split.program.inputs) inputs.push_back(input.name);
    for (const expr::NamedNode& output : split.program.outputs) outputs.push_back(output.name);
    CHECK(inputs == std::vector<std::string>{"re(X)", "im(X)", "y"});
    CHECK(outputs == std::vector<std::string>{"re(E)", "im(E)", "re(F)", "im(F)"});
    CHECK(split.input_parts.at("im(X)").name == "X");
    CHECK(split.input_parts.at("im(X)").part == expr::Part::imag);
    CHECK(split.output_parts.at("re(F)").name == "F");
    CHECK(split.complex_outputs.at("E") == DType::c64);
    // complex64 parts are float32, as numpy's .real of a complex64 array is.
    CHECK(split.program.outputs[0].node->dtype == DType::f32);
    // A real operand contributes only its real part: re(E) = re(X) y, im(E) = im(X) y, one einsum each.
    CHECK(split.program.outputs[0].node->kind == expr::NodeKind::einsum);
    CHECK(split.program.outputs[1].node->kind == expr::NodeKind::einsum);
    CHECK(split.program.outputs[1].node->operands[0]->name == "im(X)");
}

TEST_CASE("a diagonal view of a complex input becomes the same view of each part, read through the part's reader",
          "[complex_split][diagonal]") {
    // einsum('ii->i', X) of a complex X reads X along its diagonal (a view input, expr/diagonal.hpp); split, each
    // part reads its part's diagonal: diag(re(X),0,0) over re(X). The CLI binds views as done here.
    const Shape shape{4, 4};
    const expr::Program program = testing::bind_text("D = einsum('ii->i', X)\nT = einsum('ii', X) + einsum('jj', Y)\n",
                                                     {{"X", {shape, DType::c64}}, {"Y", {shape, DType::f64}}});
    const expr::SplitProgram split = expr::split_complex(program);
    std::map<std::string, std::string> view_bases;
    for (const expr::NamedNode& view : split.program.views) view_bases[view.name] = view.node->diagonal_of->base;
    CHECK(view_bases == std::map<std::string, std::string>{
                            {"diag(re(X),0,0)", "re(X)"}, {"diag(im(X),0,0)", "im(X)"}, {"diag(Y,0,0)", "Y"}});
    for (const expr::NamedNode& view : split.program.views) {
        CHECK(view.node->diagonal_of->axes == std::vector<std::size_t>{0, 0});
        CHECK(view.node->shape == Shape{4});
    }
    // Views are not inputs of their own: the CLI opens readers for re(X), im(X) and Y only.
    std::vector<std::string> inputs;
    for (const expr::NamedNode& input : split.program.inputs) inputs.push_back(input.name);
    CHECK(inputs == std::vector<std::string>{"re(X)", "im(X)", "Y"});

    // X[i][j] = (i + 4j) + i(10 i - j), Y[i][j] = i - 3j: D = diag(X), T = trace(X) + trace(Y).
    std::map<std::string, kernels::DenseTensor> parts{
        {"re(X)", {shape, {}}}, {"im(X)", {shape, {}}}, {"Y", {shape, {}}}};
    for (Extent i = 0; i < 4; ++i)
        for (Extent j = 0; j < 4; ++j) {
            parts["re(X)"].values.push_back(static_cast<double>(i + 4 * j));
            parts["im(X)"].values.push_back(static_cast<double>(10 * i - j));
            parts["Y"].values.push_back(static_cast<double>(i - 3 * j));
        }
    std::map<std::string, std::unique_ptr<testing::MemoryReader>> readers;
    std::vector<std::unique_ptr<io::DiagonalViewReader>> view_readers;
    std::map<std::string, std::unique_ptr<testing::MemoryWriter>> writers;
    exec::Bindings bindings;
    for (const auto& [name, value] : parts) {
        readers[name] = std::make_unique<testing::MemoryReader>(value);
        bindings.inputs[name] = readers[name].get();
    }
    for (const expr::NamedNode& view : split.program.views) {
        const expr::DiagonalView& diagonal = *view.node->diagonal_of;
        view_readers.push_back(std::make_unique<io::DiagonalViewReader>(*readers.at(diagonal.base), diagonal.base_shape,
                                                                        diagonal.axes, view.node->shape));
        bindings.inputs[view.name] = view_readers.back().get();
    }
    for (plan::Strategy strategy : {plan::Strategy::tile, plan::Strategy::expand}) {
        plan::PlanOptions options;
        options.strategy = strategy;
        const plan::Plan plan = plan::make_plan(split.program, options);
        writers.clear();
        for (const plan::OutputPlan& output : plan.outputs) {
            writers[output.name] = std::make_unique<testing::MemoryWriter>(output.root->shape);
            bindings.outputs[output.name] = writers[output.name].get();
        }
        exec::execute(plan, bindings);
        INFO("strategy " << plan::strategy_name(strategy));
        CHECK(writers.at("re(D)")->tensor().values == std::vector<double>{0, 5, 10, 15});
        CHECK(writers.at("im(D)")->tensor().values == std::vector<double>{0, 9, 18, 27});
        CHECK(writers.at("re(T)")->tensor().values == std::vector<double>{30 + -12});
        CHECK(writers.at("im(T)")->tensor().values == std::vector<double>{54});
    }
}
