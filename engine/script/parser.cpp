// Recursive-descent parser for the script language. Each function carries its grammar rule; errors carry the
// span of the culprit token and never a position in the message (the renderer adds file:line:col).
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/script/lexer.hpp"
#include "engine/script/numpy_calls.hpp"
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

bool is_numpy_module(std::string_view name) { return name == "np" || name == "numpy"; }

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
    void import_statement();
    Statement print_statement();
    Parsed expression();
    Parsed term();
    Parsed unary();
    Parsed postfix();
    Parsed primary();
    Parsed parenthesized();
    Parsed list();
    Parsed einsum_call(const DottedName& callee);
    Parsed function_call(const DottedName& callee);
    Parsed method(Parsed receiver);
    Parsed subscript(Parsed operand);
    IndexEntry index_entry(std::size_t& height);
    void call_arguments(const Token& open, const std::string& callee, std::vector<Parsed>& positional,
                        std::vector<Keyword>& keywords, std::size_t& height);
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
    std::size_t keyword_value_depth_ = 0;  // > 0 while parsing the value of a keyword argument of a call
};

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

// unary := ('-' | '+') unary | postfix
// Binds tighter than '*', as in Python: -a*b is (-a)*b, and looser than attributes: -A.T is -(A.T).
Parsed Parser::unary() {
    if (!at(TokenKind::minus) && !at(TokenKind::plus)) return postfix();
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

// subscript := '[' entry {',' entry} [','] ']'
Parsed Parser::subscript(Parsed operand) {
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    advance();
    std::vector<IndexEntry> entries;
    std::size_t height = operand.height;
    while (!at(TokenKind::rbracket)) {
        if (at(TokenKind::end)) fail(ErrorKind::syntax, "unbalanced bracket: '[' is never closed", open.span);
        entries.push_back(index_entry(height));
        if (at(TokenKind::comma)) {
            advance();
            continue;
        }
        if (at(TokenKind::end)) fail(ErrorKind::syntax, "unbalanced bracket: '[' is never closed", open.span);
        if (!at(TokenKind::rbracket))
            fail(ErrorKind::syntax, "expected ',' or ']' in the index, found " + describe(current_), current_.span);
    }
    if (entries.empty()) fail(ErrorKind::syntax, "an empty index '[]': write X itself, or X[...]", open.span);
    Parsed result = make_node(AstNode::Kind::index, cover(operand.extent, current_.span), height, open.span);
    result.node->args.push_back(std::move(operand.node));
    result.node->entries = std::move(entries);
    advance();
    return result;
}

// entry := '...' | expression | [expression] ':' [expression] [':' [expression]]
IndexEntry Parser::index_entry(std::size_t& height) {
    IndexEntry entry;
    const SourceSpan begin = current_.span;
    if (at(TokenKind::ellipsis)) {
        entry.kind = IndexEntry::Kind::ellipsis;
        entry.span = current_.span;
        advance();
        return entry;
    }
    const auto part_ends = [&] { return at(TokenKind::colon) || at(TokenKind::comma) || at(TokenKind::rbracket); };
    const auto part = [&]() -> AstPtr {
        if (part_ends()) return nullptr;
        Parsed parsed = expression();
        height = std::max(height, parsed.height);
        return std::move(parsed.node);
    };
    AstPtr first = part();
    if (!at(TokenKind::colon)) {
        if (!first) fail(ErrorKind::syntax, "expected an index, found " + describe(current_), current_.span);
        entry.kind = IndexEntry::Kind::index;
        entry.start = std::move(first);
    } else {
        entry.kind = IndexEntry::Kind::slice;
        entry.start = std::move(first);
        advance();
        entry.stop = part();
        if (at(TokenKind::colon)) {
            advance();
            entry.step = part();
            if (at(TokenKind::colon)) fail(ErrorKind::syntax, "a slice has at most two ':'", current_.span);
        }
    }
    entry.span = cover(begin, previous_.span);
    return entry;
}

// primary := NUMBER | 'None' | 'True' | 'False' | parenthesized | list | NAME | einsum_call | function_call
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

// function_call := ('np' | 'numpy') '.' NAME call_arguments
Parsed Parser::function_call(const DottedName& callee) {
    const std::string_view function = std::string_view(callee.name).substr(callee.name.find('.') + 1);
    if (!is_numpy_function(function))
        fail(ErrorKind::unsupported,
             "function " + quote_excerpt(callee.name) + " is not supported; " + numpy_function_hint(callee.name),
             callee.span);
    const Token open = current_;
    const NestingGuard guard(nesting_, open.span);
    std::vector<Parsed> positional;
    std::vector<Keyword> keywords;
    std::size_t height = 0;
    call_arguments(open, callee.name, positional, keywords, height);
    Parsed result = make_node(AstNode::Kind::call, cover(callee.span, previous_.span), height, open.span);
    result.node->name = callee.name;
    result.node->name_span = callee.span;
    for (Parsed& argument : positional) result.node->args.push_back(std::move(argument.node));
    result.node->keywords = std::move(keywords);
    return result;
}

// method := '.' NAME [call_arguments]
Parsed Parser::method(Parsed receiver) {
    advance();  // the '.'
    if (!at(TokenKind::name)) fail(ErrorKind::syntax, "expected a name after '.'", current_.span);
    const Token name = current_;
    advance();
    const bool call = at(TokenKind::lparen);
    if (!is_array_method(name.text, call))
        fail(ErrorKind::unsupported,
             std::string(call ? "method " : "attribute ") + quote_excerpt(name.text) + " of arrays is not supported; " +
                 array_method_hint(),
             name.span);
    std::vector<Parsed> positional;
    std::vector<Keyword> keywords;
    std::size_t height = receiver.height;
    std::optional<NestingGuard> guard;
    if (call) {
        guard.emplace(nesting_, current_.span);
        call_arguments(current_, std::string(name.text), positional, keywords, height);
    }
    Parsed result = make_node(AstNode::Kind::call, cover(receiver.extent, previous_.span), height, name.span);
    result.node->name = std::string(name.text);
    result.node->name_span = name.span;
    result.node->method = true;
    result.node->attribute = !call;
    result.node->args.push_back(std::move(receiver.node));
    for (Parsed& argument : positional) result.node->args.push_back(std::move(argument.node));
    result.node->keywords = std::move(keywords);
    return result;
}

// call_arguments := '(' [argument {',' argument}] [','] ')';  argument := expression | NAME '=' expression
// Positional arguments come before keyword arguments, as in Python. Leaves previous_ at the ')'.
void Parser::call_arguments(const Token& open, const std::string& callee, std::vector<Parsed>& positional,
                            std::vector<Keyword>& keywords, std::size_t& height) {
    advance();  // the '('
    ++open_parens_;
    while (!at(TokenKind::rparen)) {
        if (at(TokenKind::end)) fail_unclosed(open, "expected the arguments of " + callee);
        if (at(TokenKind::name) && peek().kind == TokenKind::assign) {
            Keyword keyword{std::string(current_.text), current_.span, nullptr};
            for (const Keyword& earlier : keywords)
                if (earlier.name == keyword.name)
                    fail(ErrorKind::syntax, "keyword argument " + quote_excerpt(keyword.name) + " repeated",
                         keyword.span);
            advance();
            advance();
            ++keyword_value_depth_;
            Parsed value = expression();
            --keyword_value_depth_;
            height = std::max(height, value.height);
            keyword.value = std::move(value.node);
            keywords.push_back(std::move(keyword));
        } else {
            if (!keywords.empty())
                fail(ErrorKind::syntax, "positional argument follows keyword argument", current_.span);
            Parsed argument = expression();
            height = std::max(height, argument.height);
            positional.push_back(std::move(argument));
        }
        if (at(TokenKind::rparen)) break;
        if (!at(TokenKind::comma)) fail_unclosed(open, "expected ',' or ')' in the arguments of " + callee);
        advance();
    }
    --open_parens_;
    advance();
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
    // An escape would break the promise that subscripts_span.offset + i is the i-th subscripts character.
    if (const std::size_t escape = subscripts.find('\\'); escape != std::string_view::npos)
        fail(ErrorKind::unsupported, "escape sequences in einsum subscripts are not supported",
             SourceSpan{subscripts_span.offset + escape, 1});
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
