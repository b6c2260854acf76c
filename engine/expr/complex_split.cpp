#include "engine/expr/complex_split.hpp"

#include <unordered_map>

#include "engine/expr/build.hpp"
#include "engine/expr/diagonal.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/integer_wraparound.hpp"

namespace tilesum::expr {

std::string part_name(const std::string& name, Part part) {
    std::string text = part == Part::real ? "re(" : "im(";
    text += name;
    text += ")";
    return text;
}

namespace {

// A tensor as real + i * imag; `imag` is null for a real tensor. Both parts have the tensor's shape.
struct Parts {
    NodePtr real;
    NodePtr imag;
};

DType part_dtype(DType dtype) { return dtype == DType::c64 ? DType::f32 : DType::f64; }

Operand operand(const NodePtr& node) { return Operand{node, node->name.empty() ? "a part" : node->name, std::nullopt}; }

// Σ coefficients[t] * terms[t], or the term itself when it is one term with coefficient 1.
NodePtr sum(const std::vector<double>& coefficients, const std::vector<NodePtr>& terms) {
    TILESUM_ASSERT(!terms.empty() && coefficients.size() == terms.size());
    if (terms.size() == 1 && coefficients[0] == 1.0) return terms[0];
    std::vector<Operand> operands;
    for (const NodePtr& term : terms) operands.push_back(operand(term));
    return make_lincomb(coefficients, operands, std::nullopt);
}

class Splitter {
public:
    Parts split(const NodePtr& node) {
        if (!is_complex(node->dtype))
            return {node, nullptr};  // promotion makes every tensor above a complex one complex
        if (auto found = memo_.find(node.get()); found != memo_.end()) return found->second;
        Parts parts;
        switch (node->kind) {
            case NodeKind::input:
                parts.real = split_input(*node, Part::real);
                parts.imag = split_input(*node, Part::imag);
                return memo_[node.get()] = parts;
            case NodeKind::einsum: parts = split_einsum(*node); break;
            case NodeKind::lincomb: parts = split_lincomb(*node); break;
            case NodeKind::product: parts = split_product(*node); break;
            case NodeKind::function: TILESUM_ASSERT(false);  // make_function refuses complex arguments
        }
        TILESUM_ASSERT(parts.real && parts.imag && parts.real->shape == node->shape &&
                       parts.imag->shape == node->shape);
        parts.real = as_part_of(parts.real, *node, Part::real);
        parts.imag = as_part_of(parts.imag, *node, Part::imag);
        return memo_[node.get()] = parts;
    }

private:
    // A part of a complex input X is the input re(X) or im(X). A part of a diagonal view of X (expr/diagonal.hpp)
    // is the same view of X's part: diag(re(X),0,0) reads re(X) along the diagonal, through re(X)'s reader.
    static NodePtr split_input(const Node& input, Part part) {
        if (!input.diagonal_of)
            return make_input(part_name(input.name, part), input.shape, input.dtype, input.chunk_shape, input.filtered);
        DiagonalView view = *input.diagonal_of;
        view.base = part_name(view.base, part);
        auto node = std::make_shared<Node>(
            *make_input(view_name(view), input.shape, input.dtype, input.chunk_shape, input.filtered));
        node->diagonal_of = std::move(view);
        return node;
    }

    // A built part carries the original's name ("re(C)" for C) and its real dtype, for plans and outputs. A part
    // that is an input part itself (the imaginary part of X + Y, Y real, is im(X)) stays that input.
    static NodePtr as_part_of(const NodePtr& built, const Node& original, Part part) {
        if (built->kind == NodeKind::input) return built;
        auto copy = std::make_shared<Node>(*built);
        copy->dtype = part_dtype(original.dtype);
        copy->name = original.name.empty() ? "" : part_name(original.name, part);
        return copy;
    }

    // Each operand is real or imaginary in turn: a term with k imaginary factors carries i^k, which is +1, +i,
    // -1, -i for k = 0, 1, 2, 3 (mod 4); real operands only ever contribute their real part.
    Parts split_einsum(const Node& node) {
        std::vector<Parts> operand_parts;
        std::vector<std::size_t> complex_positions;
        for (const NodePtr& child : node.operands) {
            operand_parts.push_back(split(child));
            if (operand_parts.back().imag) complex_positions.push_back(operand_parts.size() - 1);
        }
        std::vector<double> real_signs, imag_signs;
        std::vector<NodePtr> real_terms, imag_terms;
        for (std::size_t choice = 0; choice < (std::size_t{1} << complex_positions.size()); ++choice) {
            std::vector<Operand> operands;
            for (const Parts& parts : operand_parts) operands.push_back(operand(parts.real));
            std::size_t imaginary_factors = 0;
            for (std::size_t bit = 0; bit < complex_positions.size(); ++bit)
                if (choice >> bit & 1) {
                    operands[complex_positions[bit]] = operand(operand_parts[complex_positions[bit]].imag);
                    ++imaginary_factors;
                }
            NodePtr term = make_einsum(node.operand_labels, node.output_labels, operands, std::nullopt);
            const double sign = imaginary_factors % 4 < 2 ? 1.0 : -1.0;
            (imaginary_factors % 2 ? imag_terms : real_terms).push_back(term);
            (imaginary_factors % 2 ? imag_signs : real_signs).push_back(sign);
        }
        return {sum(real_signs, real_terms), sum(imag_signs, imag_terms)};
    }

    // (a + bi)(re + i im) = (a re - b im) + i (a im + b re), term by term; a real term has no im.
    Parts split_complex_lincomb(const Node& node) {
        std::vector<double> real_coefficients, imag_coefficients;
        std::vector<NodePtr> real_terms, imag_terms;
        for (std::size_t term = 0; term < node.operands.size(); ++term) {
            const Parts parts = split(node.operands[term]);
            const double a = node.coefficients[term], b = node.imag_coefficients[term];
            real_terms.push_back(parts.real);
            real_coefficients.push_back(a);
            imag_terms.push_back(parts.real);
            imag_coefficients.push_back(b);
            if (parts.imag) {
                real_terms.push_back(parts.imag);
                real_coefficients.push_back(-b);
                imag_terms.push_back(parts.imag);
                imag_coefficients.push_back(a);
            }
        }
        Parts parts{make_lincomb(real_coefficients, operands_of(real_terms), std::nullopt),
                    make_lincomb(imag_coefficients, operands_of(imag_terms), std::nullopt)};
        return parts;
    }

    Parts split_lincomb(const Node& node) {
        if (!node.imag_coefficients.empty()) return split_complex_lincomb(node);
        std::vector<double> imag_coefficients;
        std::vector<NodePtr> real_terms, imag_terms;
        for (std::size_t term = 0; term < node.operands.size(); ++term) {
            const Parts parts = split(node.operands[term]);
            real_terms.push_back(parts.real);
            if (parts.imag) {
                imag_terms.push_back(parts.imag);
                imag_coefficients.push_back(node.coefficients[term]);
            }
        }
        Parts parts{make_lincomb(node.coefficients, operands_of(real_terms), std::nullopt),
                    sum(imag_coefficients, imag_terms)};
        // A complex term broadcast against a larger real one: the imaginary part needs the axes only the real terms
        // have. Adding 0 * the real part broadcasts it (numpy's imaginary part there is the complex term's,
        // repeated; this differs only where the real part is inf or nan).
        if (parts.imag->shape != node.shape)
            parts.imag = make_lincomb({1.0, 0.0}, {operand(parts.imag), operand(parts.real)}, std::nullopt);
        return parts;
    }

    Parts split_product(const Node& node) {
        const Parts left = split(node.operands[0]);
        const Parts right = split(node.operands[1]);
        auto times = [](const NodePtr& a, const NodePtr& b) {
            return make_product(operand(a), operand(b), std::nullopt);
        };
        std::vector<double> real_signs{1.0}, imag_signs;
        std::vector<NodePtr> real_terms{times(left.real, right.real)}, imag_terms;
        if (left.imag && right.imag) {
            real_signs.push_back(-1.0);
            real_terms.push_back(times(left.imag, right.imag));
        }
        if (right.imag) {
            imag_signs.push_back(1.0);
            imag_terms.push_back(times(left.real, right.imag));
        }
        if (left.imag) {
            imag_signs.push_back(1.0);
            imag_terms.push_back(times(left.imag, right.real));
        }
        return {sum(real_signs, real_terms), sum(imag_signs, imag_terms)};
    }

    static std::vector<Operand> operands_of(const std::vector<NodePtr>& nodes) {
        std::vector<Operand> operands;
        for (const NodePtr& node : nodes) operands.push_back(operand(node));
        return operands;
    }

    std::unordered_map<const Node*, Parts> memo_;
};

}  // namespace

NodePtr make_complex_scaled(double real, double imag, const Operand& operand, std::optional<SourceSpan> span) {
    // make_lincomb flattens a real-coefficient sum operand into this node's terms (coefficients c): each term
    // gets (real + imag i) c.
    auto node = std::make_shared<Node>(*make_lincomb({1.0}, {operand}, span));
    node->imag_coefficients.clear();
    for (double& coefficient : node->coefficients) {
        node->imag_coefficients.push_back(imag * coefficient);
        coefficient *= real;
    }
    node->dtype = complex_scalar_dtype(operand.node->dtype, real, imag);
    return node;
}

SplitProgram split_complex(const Program& program) {
    // Every program passes here on its way to the planner (the CLI's and the library's): the place to refuse what
    // tilesum's exact integer arithmetic cannot compute as numpy does.
    refuse_integer_wraparound_mismatch(program);
    SplitProgram split;
    bool any_complex = false;
    for (const NamedNode& input : program.inputs) any_complex = any_complex || is_complex(input.node->dtype);
    // A complex number in a script (2j * X) makes complex tensors of real inputs; promotion carries them up.
    for (const NamedNode& output : program.outputs) any_complex = any_complex || is_complex(output.node->dtype);
    if (!any_complex) {
        split.program = program;
        return split;
    }
    Splitter splitter;
    for (const NamedNode& input : program.inputs) {
        const Parts parts = splitter.split(input.node);
        if (!parts.imag) {
            split.program.inputs.push_back(input);
            continue;
        }
        for (Part part : {Part::real, Part::imag}) {
            const std::string name = part_name(input.name, part);
            split.program.inputs.push_back({name, part == Part::real ? parts.real : parts.imag});
            split.input_parts[name] = PartOf{input.name, part};
        }
    }
    for (const NamedNode& output : program.outputs) {
        const Parts parts = splitter.split(output.node);
        if (!parts.imag) {
            split.program.outputs.push_back(output);
            continue;
        }
        split.complex_outputs[output.name] = output.node->dtype;
        for (Part part : {Part::real, Part::imag}) {
            const std::string name = part_name(output.name, part);
            split.program.outputs.push_back({name, part == Part::real ? parts.real : parts.imag});
            split.output_parts[name] = PartOf{output.name, part};
        }
    }
    // The views the split outputs read: those of real inputs as they were, those of complex ones per part.
    split.program.views = find_views(split.program.outputs);
    return split;
}

}  // namespace tilesum::expr
