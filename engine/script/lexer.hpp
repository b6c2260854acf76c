// Script text -> tokens, each with its byte span. Pulled one at a time so a 10 MB line never becomes a
// 10-million-element token vector. Newlines are tokens only outside parentheses: inside them a statement
// continues onto the next line, as in Python.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/common/error.hpp"
#include "engine/common/text_excerpt.hpp"

namespace tilesum::script {

enum class TokenKind {
    name,           // identifier: letters, digits, '_', not starting with a digit
    number,         // 2  0.5  .5  1e-3  2.5E+4; `number` holds the value
    string,         // '...' or "..."; `text` is the contents, `span` the whole literal including quotes
    lparen,         // (
    rparen,         // )
    lbracket,       // [  (a list such as axes=[0, 1], or indexing: X[2:10, ::2])
    rbracket,       // ]
    comma,          // ,
    colon,          // :  (slices: X[2:10:2])
    ellipsis,       // ... (indexing: T[..., 0])
    dot,            // .  (only between names: np.einsum)
    assign,         // =
    plus,           // +
    minus,          // -
    star,           // *
    slash,          // /
    at,             // @  (matrix multiplication)
    power,          // **
    less,           // <
    less_equal,     // <=
    greater,        // >
    greater_equal,  // >=
    equal,          // ==
    not_equal,      // !=
    newline,        // end of a line outside parentheses
    semicolon,      // ;  (ends a statement like a newline)
    end,            // end of input; span is empty at text.size()
};

struct Token {
    TokenKind kind = TokenKind::end;
    SourceSpan span;
    std::string_view text;   // the token's text; for strings, the contents without quotes
    double number = 0;       // value of a number token
    bool imaginary = false;  // a number token written with Python's j suffix (2j, 1.5e3J): number is its imaginary part
};

class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {}

    // The next token; throws Error{syntax|unsupported} for text that is no token at all. A copy of the lexer
    // is an independent cursor, which is how the parser looks one token further ahead.
    Token next();

private:
    void skip_blanks();  // spaces, comments, swallowed newlines and '\' continuations
    Token make(TokenKind kind, std::size_t begin, std::size_t end);
    Token lex_name(std::size_t begin);
    Token lex_number(std::size_t begin);
    Token lex_string(std::size_t begin);
    Token lex_punctuation(std::size_t begin);

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t paren_depth_ = 0;  // open '(' and '['; newlines are insignificant while > 0
};

// "name 'b'", "')'", "end of input" — for messages such as "expected '=' after name 'C'".
std::string describe(const Token& token);

// describe_character ("'$'", "(byte 0x00)") and quote_excerpt (a shortened quote of user text) for messages
// such as "invalid character '$'" live in engine/common/text_excerpt.hpp: the einsum subscripts parser
// (engine/expr) words its errors with them too. Named here as well so `script::quote_excerpt` keeps working.
using tilesum::describe_character;
using tilesum::quote_excerpt;

}  // namespace tilesum::script
