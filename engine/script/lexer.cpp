// Tokenizer for the script language: a small subset of Python so that numpy code pastes in unchanged.
#include "engine/script/lexer.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>

namespace tilesum::script {
namespace {

// Byte classes spelled out rather than <cctype>: those depend on the locale and are undefined for negative
// chars, which binary garbage is full of.
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_letter(c) || is_digit(c); }
// '\r' so CRLF files read like LF ones; '\f' because Python allows it as indentation whitespace.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f'; }

}  // namespace

std::string describe(const Token& token) {
    switch (token.kind) {
        case TokenKind::name: return "name " + quote_excerpt(token.text);
        case TokenKind::number: return "number " + quote_excerpt(token.text);
        case TokenKind::string: return "string " + quote_excerpt(token.text);
        case TokenKind::lparen: return "'('";
        case TokenKind::rparen: return "')'";
        case TokenKind::lbracket: return "'['";
        case TokenKind::rbracket: return "']'";
        case TokenKind::comma: return "','";
        case TokenKind::dot: return "'.'";
        case TokenKind::colon: return "':'";
        case TokenKind::ellipsis: return "'...'";
        case TokenKind::assign: return "'='";
        case TokenKind::plus: return "'+'";
        case TokenKind::minus: return "'-'";
        case TokenKind::star: return "'*'";
        case TokenKind::slash: return "'/'";
        case TokenKind::at: return "'@'";
        case TokenKind::power: return "'**'";
        case TokenKind::less: return "'<'";
        case TokenKind::less_equal: return "'<='";
        case TokenKind::greater: return "'>'";
        case TokenKind::greater_equal: return "'>='";
        case TokenKind::equal: return "'=='";
        case TokenKind::not_equal: return "'!='";
        case TokenKind::newline: return "end of line";
        case TokenKind::semicolon: return "';'";
        case TokenKind::end: return "end of input";
    }
    return "token";
}

Token Lexer::next() {
    skip_blanks();
    const std::size_t begin = pos_;
    if (begin >= text_.size()) return make(TokenKind::end, text_.size(), text_.size());
    const char c = text_[begin];
    if (c == '\n') return make(TokenKind::newline, begin, begin + 1);
    if (is_letter(c)) return lex_name(begin);
    if (is_digit(c) || (c == '.' && begin + 1 < text_.size() && is_digit(text_[begin + 1]))) return lex_number(begin);
    if (c == '"' || c == '\'') return lex_string(begin);
    return lex_punctuation(begin);
}

void Lexer::skip_blanks() {
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (is_blank(c)) {
            ++pos_;
        } else if (c == '#') {
            // The comment's '\n' stays: it still ends the statement.
            while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        } else if (c == '\n' && paren_depth_ > 0) {
            ++pos_;  // an open '(' carries the statement onto the next line
        } else if (c == '\\') {
            // Explicit line continuation. Trailing blanks after the '\' are forgiven (Python is stricter),
            // since they are invisible in an editor.
            std::size_t after = pos_ + 1;
            while (after < text_.size() && is_blank(text_[after])) ++after;
            if (after < text_.size() && text_[after] != '\n')
                fail(ErrorKind::syntax, "expected a line break after line continuation '\\'", SourceSpan{pos_, 1});
            pos_ = after < text_.size() ? after + 1 : after;
        } else {
            return;
        }
    }
}

Token Lexer::make(TokenKind kind, std::size_t begin, std::size_t end) {
    pos_ = end;
    Token token;
    token.kind = kind;
    token.span = SourceSpan{begin, end - begin};
    token.text = text_.substr(begin, end - begin);
    return token;
}

Token Lexer::lex_name(std::size_t begin) {
    std::size_t end = begin;
    while (end < text_.size() && is_name_char(text_[end])) ++end;
    return make(TokenKind::name, begin, end);
}

// number := digits ['.' digits*] [exponent] | '.' digits [exponent];  exponent := ('e'|'E') ['+'|'-'] digits
Token Lexer::lex_number(std::size_t begin) {
    const auto digits_from = [&](std::size_t at) {
        while (at < text_.size() && is_digit(text_[at])) ++at;
        return at;
    };
    std::size_t end = digits_from(begin);
    if (end < text_.size() && text_[end] == '.') end = digits_from(end + 1);
    bool bad = false;
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
        ++end;
        if (end < text_.size() && (text_[end] == '+' || text_[end] == '-')) ++end;
        const std::size_t exponent_begin = end;
        end = digits_from(end);
        bad = end == exponent_begin;
    }
    // Python's imaginary literals (1j, 2.5J): a well-formed number followed by exactly one 'j'.
    const bool complex_suffix = !bad && end < text_.size() && (text_[end] == 'j' || text_[end] == 'J') &&
                                (end + 1 == text_.size() || !(is_name_char(text_[end + 1]) || text_[end + 1] == '.'));
    const std::size_t value_end = end;
    if (complex_suffix) ++end;
    // Letters, digits or dots glued on (2x, 0x10, 1.2.3, 1e) make the whole run one bad literal, which reads
    // better than "1.2" followed by an unexpected ".3".
    while (end < text_.size() && (is_name_char(text_[end]) || text_[end] == '.')) {
        bad = true;
        ++end;
    }
    Token token = make(TokenKind::number, begin, end);
    if (bad) fail(ErrorKind::syntax, "bad number literal " + quote_excerpt(token.text), token.span);
    token.imaginary = complex_suffix;
    const char* first = token.text.data();
    const char* last = first + (value_end - begin);
    // from_chars: locale-independent, unlike strtod.
    const auto [stop, status] = std::from_chars(first, last, token.number);
    if (status == std::errc::result_out_of_range)
        fail(ErrorKind::syntax, "number literal out of range " + quote_excerpt(token.text), token.span);
    TILESUM_ASSERT(status == std::errc() && stop == last);
    return token;
}

// string := '"' chars '"' | "'" chars "'"   (no line breaks; escapes kept raw)
Token Lexer::lex_string(std::size_t begin) {
    const char quote = text_[begin];
    for (std::size_t at = begin + 1; at < text_.size(); ++at) {
        const char c = text_[at];
        if (c == quote) {
            Token token = make(TokenKind::string, begin, at + 1);
            token.text = text_.substr(begin + 1, at - begin - 1);
            return token;
        }
        if (c == '\n') break;
        // An escape (print's sep='\n') is kept as written: `text` is the raw contents. The parser refuses one in
        // einsum subscripts, which never need one.
        if (c == '\\' && at + 1 < text_.size() && text_[at + 1] != '\n') ++at;
    }
    fail(ErrorKind::syntax, "unterminated string", SourceSpan{begin, 1});
}

Token Lexer::lex_punctuation(std::size_t begin) {
    const char c = text_[begin];
    const char following = begin + 1 < text_.size() ? text_[begin + 1] : '\0';
    switch (c) {
        case '(': ++paren_depth_; return make(TokenKind::lparen, begin, begin + 1);
        case '[': ++paren_depth_; return make(TokenKind::lbracket, begin, begin + 1);
        case ')':
        case ']':
            // An unmatched ')' is the parser's to report; here it only must not wrap the depth around.
            if (paren_depth_ > 0) --paren_depth_;
            return make(c == ')' ? TokenKind::rparen : TokenKind::rbracket, begin, begin + 1);
        case ',': return make(TokenKind::comma, begin, begin + 1);
        case '.':
            if (text_.substr(begin, 3) == "...") return make(TokenKind::ellipsis, begin, begin + 3);
            return make(TokenKind::dot, begin, begin + 1);
        case ':': return make(TokenKind::colon, begin, begin + 1);
        case '=':
            if (following == '=') return make(TokenKind::equal, begin, begin + 2);
            return make(TokenKind::assign, begin, begin + 1);
        case '<':
            if (following == '=') return make(TokenKind::less_equal, begin, begin + 2);
            return make(TokenKind::less, begin, begin + 1);
        case '>':
            if (following == '=') return make(TokenKind::greater_equal, begin, begin + 2);
            return make(TokenKind::greater, begin, begin + 1);
        case '!':
            if (following == '=') return make(TokenKind::not_equal, begin, begin + 2);
            fail(ErrorKind::syntax, "invalid character '!': Python's 'not equal' is '!='", SourceSpan{begin, 1});
        case '+': return make(TokenKind::plus, begin, begin + 1);
        case '-': return make(TokenKind::minus, begin, begin + 1);
        case ';': return make(TokenKind::semicolon, begin, begin + 1);
        case '*':
            if (following == '*') return make(TokenKind::power, begin, begin + 2);
            return make(TokenKind::star, begin, begin + 1);
        case '/':
            if (following == '/')
                fail(ErrorKind::unsupported, "floor division '//' is not supported", SourceSpan{begin, 2});
            return make(TokenKind::slash, begin, begin + 1);
        case '@': return make(TokenKind::at, begin, begin + 1);
        default: fail(ErrorKind::syntax, "invalid character " + describe_character(c), SourceSpan{begin, 1});
    }
}

}  // namespace tilesum::script
