// Recursive-descent parser for the script language. Each function carries its grammar rule; errors carry the
// span of the culprit token and never a position in the message (the renderer adds file:line:col).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/script/lexer.hpp"
#include "engine/script/parser.hpp"

namespace tilesum::script {
namespace {

// Parentheses, calls and unary operators recurse; past this depth the input is refused before the stack
// could overflow (10,000 nested '(' must be an error, not a crash).
constexpr std::size_t max_nesting = 256;
// Left-associative chains (a+a+a...) are built by loops, not recursion, but every later pass walks the tree
// recursively and unique_ptr destruction recurses too, so the tree's height is capped as well.
constexpr std::size_t max_height = 1000;
// Real scripts have hundreds of nodes. The cap bounds the AST near 15 MB whatever the input: without it a
// 10 MB line of einsum operands would become half a gigabyte of AST.
constexpr std::size_t max_nodes = 100000;

SourceSpan cover(SourceSpan first, SourceSpan last) {
    return SourceSpan{first.offset, last.offset + last.length - first.offset};
}

bool is_einsum_name(std::string_view callee) {
    return callee == "einsum" || callee == "np.einsum" || callee == "numpy.einsum";
}

// A parsed expression and what its parent needs to know about it.
struct Parsed {
    AstPtr node;
    SourceSpan extent;       // the node's text plus any parentheses around it: a parent's span covers these
    std::size_t height = 1;  // of the tree below and including `node`
};

struct DottedName {
    std::string name;
    SourceSpan span;
};

// Counts recursion depth for as long as one recursive step is in progress.
class NestingGuard {
public:
    NestingGuard(std::size_t& depth, SourceSpan at) : depth_(depth) {
        if (depth_ >= max_nesting)
            fail(ErrorKind::syntax,
                 "expression nested too deeply (more than " + std::to_string(max_nesting) +
                     " levels of parentheses, calls or signs)",
                 at);
        ++depth_;
    }
    ~NestingGuard() { --depth_; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;

private:
    std::size_t& depth_;
};

class Parser {
public:
    explicit Parser(std::string_view text) : lexer_(text) { advance(); }

    Script script();

private:
    Statement statement();
    Parsed expression();
    Parsed term();
    Parsed unary();
    Parsed primary();
    Parsed parenthesized();
    Parsed einsum_call(const DottedName& callee);
    void keyword_argument();
    DottedName dotted_name();

    Parsed make_node(AstNode::Kind kind, SourceSpan span, std::size_t child_height, SourceSpan blame);
    Parsed binary(const Token& op, Parsed left, Parsed right);
    [[noreturn]] void fail_unclosed(const Token& open, const std::string& expected);
    bool is_never_closed() const;

    void advance() {
        previous_ = current_;
        current_ = lexer_.next();
    }
    bool at(TokenKind kind) const { return current_.kind == kind; }
    bool at_statement_end() const { return at(TokenKind::newline) || at(TokenKind::semicolon) || at(TokenKind::end); }
    Token peek() const {
        Lexer ahead = lexer_;
        return ahead.next();
    }

    Lexer lexer_;  // positioned just after current_
    Token current_;
    Token previous_;  // for "expected an expression after '+'"
    std::size_t nesting_ = 0;
    std::size_t open_parens_ = 0;  // '(' consumed and not yet closed, in expressions and calls
    std::size_t node_count_ = 0;
};

// script := { [statement] (NEWLINE | ';') } END
Script Parser::script() {
    Script result;
    for (;;) {
        while (at(TokenKind::newline) || at(TokenKind::semicolon)) advance();
        if (at(TokenKind::end)) break;
        result.statements.push_back(statement());
    }
    if (result.statements.empty()) fail(ErrorKind::syntax, "empty script: no statements", SourceSpan{0, 0});
    return result;
}

// statement := NAME '=' expression (NEWLINE | ';' | END)
Statement Parser::statement() {
    if (at(TokenKind::rparen)) fail(ErrorKind::syntax, "unexpected ')'", current_.span);
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

// expression := term (('+' | '-') term)*
Parsed Parser::expression() {
    Parsed left = term();
    while (at(TokenKind::plus) || at(TokenKind::minus)) {
        const Token op = current_;
        advance();
        left = binary(op, std::move(left), term());
    }
    return left;
}

// term := unary (('*' | '/') unary)*
Parsed Parser::term() {
    Parsed left = unary();
    while (at(TokenKind::star) || at(TokenKind::slash)) {
        const Token op = current_;
        advance();
        left = binary(op, std::move(left), unary());
    }
    return left;
}

// unary := ('-' | '+') unary | primary
// Binds tighter than '*', as in Python: -a*b is (-a)*b.
Parsed Parser::unary() {
    if (!at(TokenKind::minus) && !at(TokenKind::plus)) return primary();
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

// primary := NUMBER | '(' expression ')' | dotted_name | einsum_call
Parsed Parser::primary() {
    switch (current_.kind) {
        case TokenKind::number: {
            Parsed result = make_node(AstNode::Kind::number, current_.span, 0, current_.span);
            result.node->value = current_.number;
            result.node->is_integer = current_.text.find_first_of(".eE") == std::string_view::npos;
            advance();
            return result;
        }
        case TokenKind::lparen: return parenthesized();
        case TokenKind::name: {
            DottedName name = dotted_name();
            if (at(TokenKind::lparen)) return einsum_call(name);
            if (name.name.find('.') != std::string::npos)
                fail(
                    ErrorKind::unsupported,
                    "name " + quote_excerpt(name.name) + " is not supported: only np.einsum(...) may use a dotted name",
                    name.span);
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

// parenthesized := '(' expression ')'
Parsed Parser::parenthesized() {
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    advance();
    ++open_parens_;
    Parsed inner = expression();
    if (!at(TokenKind::rparen)) fail_unclosed(open, "expected ')' or an operator");
    inner.extent = cover(open.span, current_.span);
    --open_parens_;
    advance();
    return inner;
}

// einsum_call := EINSUM '(' STRING (',' expression)+ (',' keyword_argument)* [','] ')'
// EINSUM      := 'einsum' | 'np.einsum' | 'numpy.einsum'
Parsed Parser::einsum_call(const DottedName& callee) {
    if (!is_einsum_name(callee.name))
        fail(ErrorKind::unsupported,
             "function " + quote_excerpt(callee.name) +
                 " is not supported; write the computation with einsum and + - * /",
             callee.span);
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    advance();
    ++open_parens_;
    if (at(TokenKind::end)) fail_unclosed(open, "expected the subscripts string");
    if (at(TokenKind::rparen))
        fail(ErrorKind::syntax, "einsum needs a subscripts string and at least one operand", current_.span);
    if (!at(TokenKind::string))
        fail(ErrorKind::syntax, "the first argument of einsum must be a string literal such as \"ij,jk->ik\"",
             current_.span);

    const std::string_view subscripts = current_.text;
    const SourceSpan subscripts_span{current_.span.offset + 1, current_.span.length - 2};
    advance();
    std::vector<AstPtr> operands;
    std::size_t operand_height = 0;
    bool keyword_seen = false;
    while (!at(TokenKind::rparen)) {
        if (!at(TokenKind::comma)) fail_unclosed(open, "expected ',' or ')' in the arguments of einsum");
        advance();
        if (at(TokenKind::rparen)) break;  // a trailing comma, as Python allows
        if (at(TokenKind::name) && peek().kind == TokenKind::assign) {
            keyword_argument();
            keyword_seen = true;
            continue;
        }
        if (keyword_seen) fail(ErrorKind::syntax, "positional argument follows keyword argument", current_.span);
        Parsed operand = expression();
        operand_height = std::max(operand_height, operand.height);
        operands.push_back(std::move(operand.node));
    }
    if (operands.empty())
        fail(ErrorKind::syntax, "einsum needs at least one operand after the subscripts", current_.span);
    Parsed result = make_node(AstNode::Kind::einsum, cover(callee.span, current_.span), operand_height, open.span);
    result.node->subscripts = std::string(subscripts);
    result.node->subscripts_span = subscripts_span;
    result.node->args = std::move(operands);
    --open_parens_;
    advance();
    return result;
}

// keyword_argument := NAME '=' (STRING | ['+' | '-'] NUMBER | dotted_name)
// optimize=, dtype= and the like choose how numpy computes, not what: tilesum plans on its own, so they are
// dropped. out= would write into an operand, which a pure expression cannot express, so it is refused.
void Parser::keyword_argument() {
    const Token keyword = current_;
    if (keyword.text == "out")
        fail(ErrorKind::unsupported, "keyword argument 'out' of einsum is not supported", keyword.span);
    advance();  // the name
    advance();  // the '='
    if (at(TokenKind::string)) {
        advance();
    } else if (at(TokenKind::name)) {
        dotted_name();  // True, False, None, np.float64, ...
    } else {
        if (at(TokenKind::plus) || at(TokenKind::minus)) advance();
        if (!at(TokenKind::number))
            fail(ErrorKind::syntax,
                 "expected a string, number or name as the value of keyword argument " + quote_excerpt(keyword.text),
                 current_.span);
        advance();
    }
}

// dotted_name := NAME ('.' NAME)*
DottedName Parser::dotted_name() {
    DottedName result{std::string(current_.text), current_.span};
    advance();
    while (at(TokenKind::dot)) {
        advance();
        if (!at(TokenKind::name)) fail(ErrorKind::syntax, "expected a name after '.'", current_.span);
        result.name += '.';
        result.name += current_.text;
        result.span = cover(result.span, current_.span);
        advance();
    }
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

Parsed Parser::binary(const Token& op, Parsed left, Parsed right) {
    Parsed result = make_node(AstNode::Kind::binary, cover(left.extent, right.extent),
                              std::max(left.height, right.height), op.span);
    result.node->op = op.text.front();
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

}  // namespace

Script parse_script(std::string_view text) { return Parser(text).script(); }

}  // namespace tilesum::script
