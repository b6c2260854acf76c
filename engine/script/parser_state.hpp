// The parser's state and the declarations its two source files share (parser.cpp: statements and operators;
// parser_postfix.cpp: calls, methods and indexing). Internal to engine/script: parser.hpp is the interface.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/script/ast.hpp"
#include "engine/script/lexer.hpp"

namespace tilesum::script::detail {

// Parentheses, calls and unary operators recurse; past this depth the input is refused before the stack
// could overflow (10,000 nested '(' must be an error, not a crash).
inline constexpr std::size_t max_nesting = 256;
// Left-associative chains (a+a+a...) are built by loops, not recursion, but every later pass walks the tree
// recursively and unique_ptr destruction recurses too, so the tree's height is capped as well.
inline constexpr std::size_t max_height = 1000;
// Real scripts have hundreds of nodes. The cap bounds the AST near 15 MB whatever the input: without it a
// 10 MB line of einsum operands would become half a gigabyte of AST.
inline constexpr std::size_t max_nodes = 100000;

inline SourceSpan cover(SourceSpan first, SourceSpan last) {
    return SourceSpan{first.offset, last.offset + last.length - first.offset};
}

inline bool is_einsum_name(std::string_view callee) {
    return callee == "einsum" || callee == "np.einsum" || callee == "numpy.einsum";
}

inline bool is_numpy_module(std::string_view name) { return name == "np" || name == "numpy"; }

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
    bool at_comparison() const;
    Parsed arithmetic();
    Parsed term();
    Parsed unary();
    Parsed power();
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
    static char binary_operator(const Token& op);
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

}  // namespace tilesum::script::detail
