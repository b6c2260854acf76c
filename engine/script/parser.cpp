// Recursive-descent parser for the script language: statements, operators and primaries (the postfix forms, calls,
// methods and indexing, are parser_postfix.cpp). Each function carries its grammar rule; errors carry the span of
// the culprit token and never a position in the message (the renderer adds file:line:col).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/script/function_calls.hpp"
#include "engine/script/numpy_calls.hpp"
#include "engine/script/parser.hpp"
#include "engine/script/parser_state.hpp"

namespace tilesum::script::detail {

// script := { [statement] (NEWLINE | ';') } END
Script Parser::script() {
    Script result;
    for (;;) {
        while (at(TokenKind::newline) || at(TokenKind::semicolon)) advance();
        if (at(TokenKind::end)) break;
        if (at(TokenKind::name) && (current_.text == "import" || current_.text == "from") &&
            peek().kind == TokenKind::name) {
            import_statement();
            continue;
        }
        result.statements.push_back(statement());
    }
    if (result.statements.empty()) fail(ErrorKind::syntax, "empty script: no statements", SourceSpan{0, 0});
    return result;
}

// statement := print_statement | NAME '=' expression (NEWLINE | ';' | END)
Statement Parser::statement() {
    if (at(TokenKind::rparen)) fail(ErrorKind::syntax, "unexpected ')'", current_.span);
    if (at(TokenKind::name) && current_.text == "print" && peek().kind == TokenKind::lparen) return print_statement();
    if (!at(TokenKind::name))
        fail(ErrorKind::syntax, "expected a statement 'name = expression', found " + describe(current_), current_.span);
    Statement result;
    result.target = std::string(current_.text);
    result.target_span = current_.span;
    advance();
    if (!at(TokenKind::assign))
        fail(ErrorKind::syntax, "expected '=' after name " + quote_excerpt(result.target), current_.span);
    advance();
    result.value = expression().node;
    if (at(TokenKind::rparen)) fail(ErrorKind::syntax, "unexpected ')'", current_.span);
    if (!at_statement_end())
        fail(ErrorKind::syntax, "expected end of statement, found " + describe(current_), current_.span);
    return result;
}

// import_statement := 'import' 'numpy' ['as' ('np' | 'numpy')] (NEWLINE | ';' | END)
// numpy is what the script language spells; the line is accepted so that numpy code pastes in, and ignored.
// Every other import (another module, another alias, from ... import) is refused: the names it would bring in
// mean nothing here.
void Parser::import_statement() {
    const Token first = current_;
    const auto refuse = [&](SourceSpan end) {
        fail(ErrorKind::unsupported,
             "only 'import numpy as np' and 'import numpy' are supported; write numpy's functions as np.NAME, "
             "such as np.einsum or np.matmul",
             cover(first.span, end));
    };
    advance();
    if (first.text == "from" || current_.text != "numpy") refuse(current_.span);
    advance();
    if (at(TokenKind::name) && current_.text == "as") {
        advance();
        if (!at(TokenKind::name) || !is_numpy_module(current_.text)) refuse(current_.span);
        advance();
    }
    if (!at_statement_end()) refuse(current_.span);
}

// print_statement := 'print' '(' [print_argument {',' print_argument}] [','] ')' (NEWLINE | ';' | END)
// print_argument  := NAME | STRING | NAME '=' (STRING | NUMBER | dotted_name)
// Each NAME printed becomes an output (binder.hpp); strings ("E =") and keywords (sep=, flush=) are ignored.
// Anything else would have to be an output without a name, so it is refused with the way to give it one.
Statement Parser::print_statement() {
    Statement result;
    result.kind = Statement::Kind::print;
    result.target_span = current_.span;
    advance();
    const Token open = current_;
    advance();
    ++open_parens_;
    while (!at(TokenKind::rparen)) {
        if (at(TokenKind::name) && peek().kind == TokenKind::assign) {
            keyword_argument();
        } else if (at(TokenKind::string)) {
            advance();
        } else {
            Parsed argument = expression();
            if (argument.node->kind != AstNode::Kind::name)
                fail(ErrorKind::unsupported,
                     "print(...) of an expression is not supported: print marks a name as an output; assign the "
                     "expression to a name first (R = ...) and print(R)",
                     argument.extent);
            result.printed.push_back(std::move(argument.node));
        }
        if (at(TokenKind::rparen)) break;
        if (!at(TokenKind::comma)) fail_unclosed(open, "expected ',' or ')' in the arguments of print");
        advance();
    }
    --open_parens_;
    advance();
    if (!at_statement_end())
        fail(ErrorKind::syntax, "expected end of statement, found " + describe(current_), current_.span);
    return result;
}

// expression := arithmetic [('<' | '<=' | '>' | '>=' | '==' | '!=') arithmetic]
// One comparison: Python's chains (a < b < c means a < b and b < c) are refused rather than misread.
Parsed Parser::expression() {
    Parsed left = arithmetic();
    if (!at_comparison()) return left;
    const Token op = current_;
    advance();
    left = binary(op, std::move(left), arithmetic());
    if (at_comparison())
        fail(ErrorKind::unsupported,
             "chained comparisons are not supported; compare two operands at a time (they give 0/1 arrays: combine "
             "them with *)",
             current_.span);
    return left;
}

bool Parser::at_comparison() const {
    return at(TokenKind::less) || at(TokenKind::less_equal) || at(TokenKind::greater) || at(TokenKind::greater_equal) ||
           at(TokenKind::equal) || at(TokenKind::not_equal);
}

// arithmetic := term (('+' | '-') term)*
Parsed Parser::arithmetic() {
    Parsed left = term();
    while (at(TokenKind::plus) || at(TokenKind::minus)) {
        const Token op = current_;
        advance();
        left = binary(op, std::move(left), term());
    }
    return left;
}

// term := unary (('*' | '/' | '@') unary)*
Parsed Parser::term() {
    Parsed left = unary();
    while (at(TokenKind::star) || at(TokenKind::slash) || at(TokenKind::at)) {
        const Token op = current_;
        advance();
        left = binary(op, std::move(left), unary());
    }
    return left;
}

// unary := ('-' | '+') unary | power
// Binds tighter than '*', as in Python: -a*b is (-a)*b, and looser than attributes: -A.T is -(A.T), and than
// '**': -x**2 is -(x**2).
Parsed Parser::unary() {
    if (!at(TokenKind::minus) && !at(TokenKind::plus)) return power();
    const Token op = current_;
    const NestingGuard guard(nesting_, op.span);
    advance();
    Parsed operand = unary();
    if (op.kind == TokenKind::plus) {
        // A no-op: no node, but the extent grows so that an enclosing node's span still covers the '+'.
        operand.extent = cover(op.span, operand.extent);
        return operand;
    }
    Parsed result = make_node(AstNode::Kind::negate, cover(op.span, operand.extent), operand.height, op.span);
    result.node->args.push_back(std::move(operand.node));
    return result;
}

// power := postfix ['**' unary]
// Right-associative through unary, as in Python: x**-1 and 2**x**2 = 2**(x**2).
Parsed Parser::power() {
    Parsed base = postfix();
    if (!at(TokenKind::power)) return base;
    const Token op = current_;
    const NestingGuard guard(nesting_, op.span);
    advance();
    return binary(op, std::move(base), unary());
}

// postfix := primary { '.' NAME [call_arguments] | subscript }
// An attribute or method of an array: X.T, X.sum(axis=0), (A @ B).transpose(1, 0); or an index: C[:, :20].
Parsed Parser::postfix() {
    Parsed result = primary();
    for (;;) {
        if (at(TokenKind::dot)) {
            result = method(std::move(result));
        } else if (at(TokenKind::lbracket)) {
            result = subscript(std::move(result));
        } else {
            return result;
        }
    }
}

// primary := NUMBER | 'None' | 'True' | 'False' | parenthesized | list | NAME | einsum_call | function_call
Parsed Parser::primary() {
    switch (current_.kind) {
        case TokenKind::number: {
            Parsed result = make_node(AstNode::Kind::number, current_.span, 0, current_.span);
            result.node->value = current_.number;
            result.node->imaginary = current_.imaginary;
            result.node->is_integer = !current_.imaginary &&
                                      current_.text.find_first_of(".eE") == std::string_view::npos;
            advance();
            return result;
        }
        case TokenKind::lparen: return parenthesized();
        case TokenKind::lbracket: return list();
        case TokenKind::name: {
            if (current_.text == "None" || current_.text == "True" || current_.text == "False") {
                Parsed result = make_node(AstNode::Kind::constant, current_.span, 0, current_.span);
                result.node->name = std::string(current_.text);
                advance();
                return result;
            }
            // np.NAME (and numpy.NAME) names a function of numpy; any other dotted name is an array's attribute,
            // which postfix() reads.
            if (is_numpy_module(current_.text) && peek().kind == TokenKind::dot) {
                DottedName name = dotted_name();
                if (at(TokenKind::lparen)) return is_einsum_name(name.name) ? einsum_call(name) : function_call(name);
                if (keyword_value_depth_ > 0) {
                    // dtype=np.float32 and the like: a constant only a keyword argument may hold.
                    Parsed result = make_node(AstNode::Kind::constant, name.span, 0, name.span);
                    result.node->name = std::move(name.name);
                    return result;
                }
                fail(ErrorKind::unsupported,
                     "name " + quote_excerpt(name.name) +
                         " is not supported: only numpy's functions, such as np.einsum(...), may use a dotted name",
                     name.span);
            }
            DottedName name{std::string(current_.text), current_.span};
            advance();
            if (at(TokenKind::lparen)) {
                if (is_einsum_name(name.name)) return einsum_call(name);
                // exp(X), where(...): numpy's elementwise functions may be written without np.
                if (is_elementwise_function(name.name)) return function_call(name);
                fail(ErrorKind::unsupported,
                     "function " + quote_excerpt(name.name) + " is not supported; " + numpy_function_hint(name.name),
                     name.span);
            }
            Parsed result = make_node(AstNode::Kind::name, name.span, 0, name.span);
            result.node->name = std::move(name.name);
            return result;
        }
        case TokenKind::string:
            fail(ErrorKind::syntax, "unexpected string: only the first argument of einsum may be a string",
                 current_.span);
        case TokenKind::rparen:
            if (open_parens_ == 0) fail(ErrorKind::syntax, "unexpected ')'", current_.span);
            break;
        default: break;
    }
    fail(ErrorKind::syntax, "expected an expression after " + describe(previous_), current_.span);
}

// parenthesized := '(' expression ')' | '(' [expression {',' expression}] [','] ')'   (the second: a tuple)
Parsed Parser::parenthesized() {
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    advance();
    ++open_parens_;
    std::vector<Parsed> elements;
    bool tuple = at(TokenKind::rparen);  // () is the empty tuple
    while (!at(TokenKind::rparen)) {
        elements.push_back(expression());
        if (at(TokenKind::comma)) {
            tuple = true;
            advance();
            continue;
        }
        if (!at(TokenKind::rparen)) fail_unclosed(open, tuple ? "expected ',' or ')'" : "expected ')' or an operator");
    }
    const SourceSpan extent = cover(open.span, current_.span);
    --open_parens_;
    advance();
    if (!tuple) {
        Parsed inner = std::move(elements.front());
        inner.extent = extent;
        return inner;
    }
    std::size_t height = 0;
    for (const Parsed& element : elements) height = std::max(height, element.height);
    Parsed result = make_node(AstNode::Kind::tuple, extent, height, open.span);
    for (Parsed& element : elements) result.node->args.push_back(std::move(element.node));
    return result;
}

// list := '[' [expression {',' expression}] [','] ']'
Parsed Parser::list() {
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    advance();
    std::vector<Parsed> elements;
    while (!at(TokenKind::rbracket)) {
        if (at(TokenKind::end)) fail(ErrorKind::syntax, "unbalanced bracket: '[' is never closed", open.span);
        elements.push_back(expression());
        if (at(TokenKind::comma)) {
            advance();
            continue;
        }
        if (!at(TokenKind::rbracket))
            fail(ErrorKind::syntax, "expected ',' or ']', found " + describe(current_), current_.span);
    }
    std::size_t height = 0;
    for (const Parsed& element : elements) height = std::max(height, element.height);
    Parsed result = make_node(AstNode::Kind::tuple, cover(open.span, current_.span), height, open.span);
    for (Parsed& element : elements) result.node->args.push_back(std::move(element.node));
    advance();
    return result;
}

Parsed Parser::make_node(AstNode::Kind kind, SourceSpan span, std::size_t child_height, SourceSpan blame) {
    if (child_height + 1 > max_height)
        fail(ErrorKind::syntax,
             "expression nested too deeply (more than " + std::to_string(max_height) +
                 " levels of operators); split it into several statements",
             blame);
    if (++node_count_ > max_nodes)
        fail(ErrorKind::syntax,
             "script too large: more than " + std::to_string(max_nodes) +
                 " names, numbers and operations; split it into several scripts",
             blame);
    Parsed result;
    result.node = std::make_unique<AstNode>();
    result.node->kind = kind;
    result.node->span = span;
    result.extent = span;
    result.height = child_height + 1;
    return result;
}

char Parser::binary_operator(const Token& op) {
    switch (op.kind) {
        case TokenKind::power: return '^';
        case TokenKind::less_equal: return 'L';
        case TokenKind::greater_equal: return 'G';
        case TokenKind::equal: return 'E';
        case TokenKind::not_equal: return 'N';
        default: return op.text.front();  // + - * / @ < >
    }
}

Parsed Parser::binary(const Token& op, Parsed left, Parsed right) {
    Parsed result = make_node(AstNode::Kind::binary, cover(left.extent, right.extent),
                              std::max(left.height, right.height), op.span);
    result.node->op = binary_operator(op);
    result.node->args.push_back(std::move(left.node));
    result.node->args.push_back(std::move(right.node));
    return result;
}

// Called where `open`'s ')' was expected. If that '(' is never closed anywhere, say so at the '(' — the token
// found here may be the next statement, swallowed because newlines inside parentheses do not end statements.
void Parser::fail_unclosed(const Token& open, const std::string& expected) {
    if (is_never_closed()) fail(ErrorKind::syntax, "unbalanced parenthesis: '(' is never closed", open.span);
    fail(ErrorKind::syntax, expected + ", found " + describe(current_), current_.span);
}

// Scans the rest of the input (only ever on the way to an error) to see whether the innermost open '(' is
// closed before the end.
bool Parser::is_never_closed() const {
    std::size_t depth = open_parens_;
    try {
        Lexer ahead = lexer_;
        for (Token token = current_; token.kind != TokenKind::end; token = ahead.next()) {
            if (token.kind == TokenKind::lparen) ++depth;
            if (token.kind == TokenKind::rparen && --depth < open_parens_) return false;
        }
    } catch (const Error&) {
        return false;  // a later lexical error: blame the token here rather than guess
    }
    return true;
}

}  // namespace tilesum::script::detail

namespace tilesum::script {

Script parse_script(std::string_view text) { return detail::Parser(text).script(); }

}  // namespace tilesum::script
