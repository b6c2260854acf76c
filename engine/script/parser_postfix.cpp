// Recursive-descent parser, the postfix forms and calls: indexing (X[2:10, ::2]), numpy functions (np.matmul(...)),
// methods and attributes (X.sum(axis=0), X.T), their arguments, and einsum calls. Each function carries its grammar
// rule; parser.cpp has the statements and operators.
#include "engine/script/numpy_calls.hpp"
#include "engine/script/parser_state.hpp"

namespace tilesum::script::detail {

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

}  // namespace tilesum::script::detail
