#include "engine/script/binder.hpp"

#include <cmath>
#include <complex>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "engine/expr/build.hpp"
#include "engine/expr/complex_split.hpp"
#include "engine/expr/dtype_promotion.hpp"
#include "engine/expr/integer_wraparound.hpp"
#include "engine/expr/reciprocal.hpp"
#include "engine/expr/slice.hpp"
#include "engine/expr/subscripts.hpp"
#include "engine/script/function_calls.hpp"
#include "engine/script/lexer.hpp"
#include "engine/script/numpy_calls.hpp"
#include "engine/script/value.hpp"

namespace tilesum::script {

namespace {

using namespace expr;  // the builders: make_einsum, make_lincomb, ...

void collect_reads(const AstNode& node, std::vector<const AstNode*>& reads) {
    if (node.kind == AstNode::Kind::name) reads.push_back(&node);
    for (const auto& arg : node.args) collect_reads(*arg, reads);
    for (const auto& keyword : node.keywords) collect_reads(*keyword.value, reads);
    for (const IndexEntry& entry : node.entries)
        for (const AstPtr* part : {&entry.start, &entry.stop, &entry.step})
            if (*part) collect_reads(**part, reads);
}

// The names a statement reads (a print statement reads none: printing a name makes it an output, not an
// intermediate).
std::vector<const AstNode*> statement_reads(const Statement& statement) {
    std::vector<const AstNode*> reads;
    if (statement.value) collect_reads(*statement.value, reads);
    return reads;
}

class Binder {
public:
    Binder(const Script& script, const InputResolver& resolve) : script_(script), resolve_(resolve) {}

    Program run() {
        Program program;
        for (const InputUse& use : find_inputs(script_)) {
            InputSpec spec = resolve_(use);
            NodePtr node = make_input(use.name, spec.shape, spec.dtype, spec.chunk_shape, spec.filtered);
            values_[use.name] = Value{std::nullopt, node};
            program.inputs.push_back({use.name, node});
        }
        std::set<std::string> read_names;
        std::set<std::string> printed;
        for (const auto& statement : script_.statements) {
            for (const AstNode* read : statement_reads(statement)) read_names.insert(read->name);
            for (const AstPtr& name : statement.printed) printed.insert(name->name);
        }
        // Outputs in order of assignment: the names never read, and the names printed.
        for (const auto& statement : script_.statements) {
            if (statement.kind == Statement::Kind::print) continue;
            Value value = evaluate(*statement.value);
            if (value.node) value.node = with_name(value.node, statement.target);
            values_[statement.target] = value;
            if (read_names.count(statement.target) && !printed.count(statement.target)) continue;
            if (!value.node)
                fail(ErrorKind::semantic,
                     "output '" + statement.target + "' is a number, not an array: nothing to compute",
                     statement.target_span);
            program.outputs.push_back({statement.target, value.node});
        }
        program.views = find_views(program.outputs);
        return program;
    }

private:
    Value evaluate(const AstNode& node) {
        switch (node.kind) {
            case AstNode::Kind::number:
                if (node.imaginary) return Value{0.0, nullptr, false, false, node.value, true};
                return Value{node.value, nullptr, node.is_integer};
            case AstNode::Kind::name: return values_.at(node.name);  // find_inputs proved it is bound
            case AstNode::Kind::negate: {
                Value operand = evaluate(*node.args[0]);
                if (operand.number)
                    return Value{-*operand.number, nullptr, operand.integer, false, -operand.imag, operand.complex};
                refuse_bool_minus({as_operand(operand, *node.args[0])}, node.span);
                return Value{std::nullopt, make_lincomb({-1.0}, {as_operand(operand, *node.args[0])}, node.span)};
            }
            case AstNode::Kind::einsum: return evaluate_einsum(node);
            case AstNode::Kind::index: return evaluate_index(node);
            case AstNode::Kind::binary: return evaluate_binary(node);
            case AstNode::Kind::call:
                return lower_call(node, [this](const AstNode& argument) { return evaluate(argument); });
            case AstNode::Kind::tuple:
                fail(ErrorKind::unsupported,
                     "a tuple or list is not an array; tuples and lists are for axes, as in X.sum(axis=(0, 1))",
                     node.span);
            case AstNode::Kind::constant:
                // True and False are Python bools: numbers of numpy's bool kind (True * U8 stays uint8).
                if (node.name == "True" || node.name == "False")
                    return Value{node.name == "True" ? 1.0 : 0.0, nullptr, true, true};
                fail(ErrorKind::unsupported,
                     quote_excerpt(node.name) +
                         " is not an array; None is for keyword arguments, as in X.sum(axis=None)",
                     node.span);
        }
        TILESUM_ASSERT(false);
    }

    // X[2:10:2, ..., 3]: numpy's basic indexing, pushed down to the inputs it reads (expr/slice.hpp). Bounds, steps
    // and indices are integers known when the script is bound: literals, or names assigned one.
    Value evaluate_index(const AstNode& node) {
        const Value operand = evaluate(*node.args[0]);
        if (!operand.node)
            fail(ErrorKind::unsupported, "a number cannot be indexed; index an array, as in X[0]", node.args[0]->span);
        std::vector<IndexItem> items;
        for (const IndexEntry& entry : node.entries) {
            IndexItem item;
            item.span = entry.span;
            switch (entry.kind) {
                case IndexEntry::Kind::ellipsis: item.kind = IndexItem::Kind::ellipsis; break;
                case IndexEntry::Kind::index:
                    item.kind = IndexItem::Kind::index;
                    if (entry.start->kind == AstNode::Kind::constant && entry.start->name == "None")
                        fail(ErrorKind::unsupported,
                             "a new axis (None, np.newaxis) is not supported in an index; broadcasting aligns axes on "
                             "the right, or write the einsum that places the axis",
                             entry.span);
                    item.index = *integer_bound(*entry.start);
                    break;
                case IndexEntry::Kind::slice:
                    item.kind = IndexItem::Kind::slice;
                    item.start = entry.start ? integer_bound(*entry.start) : std::nullopt;
                    item.stop = entry.stop ? integer_bound(*entry.stop) : std::nullopt;
                    item.step = entry.step ? integer_bound(*entry.step) : std::nullopt;
                    break;
            }
            items.push_back(item);
        }
        return Value{std::nullopt, make_index(as_operand(operand, *node.args[0]), items, node.span)};
    }

    // A bound of a slice or an index: an integer known now, or None (a bound left out).
    std::optional<Extent> integer_bound(const AstNode& bound) {
        if (bound.kind == AstNode::Kind::constant && bound.name == "None") return std::nullopt;
        const Value value = evaluate(bound);
        if (!value.number || !value.integer || std::abs(*value.number) > 9.0e15)
            fail(ErrorKind::unsupported,
                 "an index or slice bound must be an integer written in the script (a literal or a name assigned one), "
                 "as in X[2:10:2] or X[-1]",
                 bound.span);
        return static_cast<Extent>(*value.number);
    }

    // numpy reads a number operand as a 0-d array: its subscripts name no letter (just '...' at most, standing for
    // no axes), and it scales the einsum of the other operands, the result's dtype taking each number as a
    // Python scalar (value-based casting: einsum(',i', 2, X) keeps an int32 X int32). The subscripts are checked
    // with every number in place as a 0-d operand, so a number whose subscripts name axes gets the message a 0-d
    // array would; then the numbers are taken out. When every operand is a number, so is the result.
    Value evaluate_einsum(const AstNode& node) {
        Subscripts subscripts = parse_subscripts(node.subscripts, node.subscripts_span);
        std::vector<Operand> operands;
        std::vector<Value> numbers;
        std::vector<bool> is_number;
        for (std::size_t position = 0; position < node.args.size(); ++position) {
            const AstNode& arg = *node.args[position];
            Value value = evaluate(arg);
            is_number.push_back(!value.node);
            if (value.node) {
                operands.push_back(as_operand(value, arg, position + 1));
                continue;
            }
            require_real(value, arg.span);
            numbers.push_back(value);
            // np.asarray(True), np.asarray(2), np.asarray(2.0)
            const DType dtype = value.boolean ? DType::b1 : value.integer ? DType::i64 : DType::f64;
            Operand number{make_input("a number", {}, dtype), "a number", arg.span};
            operands.push_back(std::move(number));
        }
        NodePtr einsum = make_einsum(subscripts, operands, node.span);
        if (numbers.empty()) return Value{std::nullopt, einsum};

        double factor = 1.0;
        bool integer = true;
        for (const Value& number : numbers) {
            factor *= *number.number;
            integer = integer && number.integer;
        }
        Subscripts rest;  // the subscripts of the array operands
        std::vector<Operand> arrays;
        for (std::size_t position = 0; position < operands.size(); ++position) {
            if (is_number[position]) continue;
            arrays.push_back(operands[position]);
            rest.inputs.push_back(subscripts.inputs[position]);
            if (subscripts.input_spans.size() == operands.size())
                rest.input_spans.push_back(subscripts.input_spans[position]);
            if (subscripts.operand_spans.size() == operands.size())
                rest.operand_spans.push_back(subscripts.operand_spans[position]);
        }
        if (arrays.empty()) return Value{factor, nullptr, integer};
        // An output '...' the numbers alone had stands for no axes once they are gone.
        bool ellipsis = false;
        for (const std::string& labels : rest.inputs)
            ellipsis = ellipsis || labels.find(ellipsis_mark) != std::string::npos;
        rest.explicit_output = subscripts.explicit_output;
        rest.output_span = subscripts.output_span;
        for (std::size_t index = 0; index < subscripts.output.size(); ++index) {
            if (!ellipsis && subscripts.output[index] == ellipsis_mark) continue;
            rest.output += subscripts.output[index];
            if (index < subscripts.output_spans.size()) rest.output_spans.push_back(subscripts.output_spans[index]);
        }
        NodePtr product = make_einsum(rest, arrays, node.span);
        DType dtype = product->dtype;
        for (const Value& number : numbers) dtype = promote_with_scalar(dtype, as_scalar(number));
        NodePtr scaled = make_lincomb({factor}, {Operand{product, "the einsum", node.span}}, node.span);
        return Value{std::nullopt, with_dtype(scaled, dtype)};
    }

    // Python's arithmetic on two numbers of which one is complex.
    static Value complex_arithmetic(const AstNode& node, const Value& left, const Value& right) {
        const std::complex<double> a(*left.number, left.imag), b(*right.number, right.imag);
        std::complex<double> result;
        switch (node.op) {
            case '+': result = a + b; break;
            case '-': result = a - b; break;
            case '*': result = a * b; break;
            case '/': result = a / b; break;
            default: fail(ErrorKind::unsupported, "this operation on complex numbers is not supported yet", node.span);
        }
        return Value{result.real(), nullptr, false, false, result.imag(), true};
    }

    Value evaluate_binary(const AstNode& node) {
        const AstNode& left_ast = *node.args[0];
        const AstNode& right_ast = *node.args[1];
        Value left = evaluate(left_ast);
        Value right = evaluate(right_ast);
        // ** and the comparisons are elementwise functions (numbers alone folded there).
        if (std::string_view("^<L>GEN").find(node.op) != std::string_view::npos)
            return lower_function_operator(node, left, right);
        if (left.number && right.number && (left.complex || right.complex))
            return complex_arithmetic(node, left, right);
        if (left.number && right.number) {
            // Python's arithmetic: int op int is an int, except true division.
            const bool integer = left.integer && right.integer;
            switch (node.op) {
                case '+': return Value{*left.number + *right.number, nullptr, integer};
                case '-': return Value{*left.number - *right.number, nullptr, integer};
                case '*': return Value{*left.number * *right.number, nullptr, integer};
                case '/': return Value{*left.number / *right.number, nullptr, false};
                case '@': return lower_matmul_operator(node, left, right);
            }
            TILESUM_ASSERT(false);
        }
        if (node.op == '+' || node.op == '-') {
            if (left.number || right.number)
                fail(ErrorKind::unsupported, "adding a number to an array is not supported yet", node.span);
            double sign = node.op == '+' ? 1.0 : -1.0;
            if (node.op == '-')
                refuse_bool_minus({as_operand(left, left_ast), as_operand(right, right_ast)}, node.span);
            return Value{
                std::nullopt,
                make_lincomb({1.0, sign}, {as_operand(left, left_ast), as_operand(right, right_ast)}, node.span)};
        }
        if (node.op == '@') return lower_matmul_operator(node, left, right);
        if (node.op == '*') {
            if (left.number || right.number) {
                const Value& number = left.number ? left : right;
                const Value& array = left.number ? right : left;
                if (number.complex)
                    return Value{std::nullopt,
                                 make_complex_scaled(*number.number, number.imag,
                                                     as_operand(array, left.number ? right_ast : left_ast), node.span)};
                NodePtr scaled =
                    make_lincomb({*number.number}, {as_operand(array, left.number ? right_ast : left_ast)}, node.span);
                return Value{std::nullopt,
                             with_dtype(scaled, promote_with_scalar(array.node->dtype, as_scalar(number)))};
            }
            return Value{std::nullopt,
                         make_product(as_operand(left, left_ast), as_operand(right, right_ast), node.span)};
        }
        TILESUM_ASSERT(node.op == '/');
        if (!right.number) {
            if (!left.number)
                return Value{std::nullopt,
                             make_quotient(as_operand(left, left_ast), as_operand(right, right_ast), node.span)};
            // 2 / D: the reciprocal scaled, with numpy's dtype for a Python number over an array.
            NodePtr reciprocal = make_reciprocal(as_operand(right, right_ast), node.span);
            NodePtr scaled =
                make_lincomb({*left.number}, {Operand{reciprocal, "1 / the divisor", node.span}}, node.span);
            return Value{std::nullopt, with_dtype(scaled, reciprocal->dtype)};
        }
        if (right.complex) {
            // X / (a + bi) = X * (a - bi) / (a^2 + b^2), as Python divides complex numbers.
            const double norm = *right.number * *right.number + right.imag * right.imag;
            return Value{std::nullopt, make_complex_scaled(*right.number / norm, -right.imag / norm,
                                                           as_operand(left, left_ast), node.span)};
        }
        NodePtr divided = make_lincomb({1.0 / *right.number}, {as_operand(left, left_ast)}, node.span);
        return Value{std::nullopt, with_dtype(divided, true_divide_dtype(left.node->dtype, as_scalar(right)))};
    }

    const Script& script_;
    const InputResolver& resolve_;
    std::map<std::string, Value> values_;
};

}  // namespace

std::vector<InputUse> find_inputs(const Script& script) {
    std::map<std::string, std::size_t> assigned_at;  // name -> statement index
    for (std::size_t index = 0; index < script.statements.size(); ++index) {
        const auto& statement = script.statements[index];
        if (statement.kind == Statement::Kind::print) continue;
        auto [it, inserted] = assigned_at.try_emplace(statement.target, index);
        if (!inserted)
            fail(ErrorKind::semantic, "'" + statement.target + "' is assigned twice; give the second result a new name",
                 statement.target_span);
    }
    std::vector<InputUse> inputs;
    std::set<std::string> seen;
    for (std::size_t index = 0; index < script.statements.size(); ++index) {
        for (const AstPtr& name : script.statements[index].printed) {
            auto it = assigned_at.find(name->name);
            if (it == assigned_at.end())
                fail(ErrorKind::semantic,
                     "print(" + name->name + "): '" + name->name +
                         "' is not assigned by the script, so it is not computed: print a name the script assigns, "
                         "such as R = " +
                         name->name + ".sum(axis=0); print(R)",
                     name->span);
            if (it->second >= index)
                fail(ErrorKind::semantic, "'" + name->name + "' is printed before it is assigned", name->span);
        }
        for (const AstNode* read : statement_reads(script.statements[index])) {
            auto it = assigned_at.find(read->name);
            if (it == assigned_at.end()) {
                if (seen.insert(read->name).second) inputs.push_back({read->name, read->span});
            } else if (it->second >= index) {
                fail(ErrorKind::semantic, "'" + read->name + "' is read before it is assigned", read->span);
            }
        }
    }
    return inputs;
}

Program bind(const Script& script, const InputResolver& resolve) { return Binder(script, resolve).run(); }

}  // namespace tilesum::script
