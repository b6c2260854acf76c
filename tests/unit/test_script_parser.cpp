// The script parser: structure and spans of what parses, and the kind, message and line:col of what does not.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"

using tilesum::Error;
using tilesum::ErrorKind;
using tilesum::SourceSpan;
using namespace tilesum::script;

namespace {

// Prints a tree as an s-expression so structure and precedence read at a glance: (+ a (* b c)).
std::string sexpr(const AstNode& node) {
    std::string result;
    switch (node.kind) {
        case AstNode::Kind::number: {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%g", node.value);
            return buffer;
        }
        case AstNode::Kind::name:
        case AstNode::Kind::constant: return node.name;
        case AstNode::Kind::call: result = "(" + std::string(node.method ? "." : "") + node.name; break;
        case AstNode::Kind::tuple: result = "(tuple"; break;
        case AstNode::Kind::einsum: result = "(einsum \"" + node.subscripts + "\""; break;
        case AstNode::Kind::binary: result = std::string("(") + node.op; break;
        case AstNode::Kind::negate: result = "(neg"; break;
        case AstNode::Kind::index: result = "(index"; break;
    }
    for (const AstPtr& arg : node.args) {
        result += ' ';
        result += sexpr(*arg);
    }
    for (const Keyword& keyword : node.keywords)
        result.append(" ").append(keyword.name).append("=").append(sexpr(*keyword.value));
    // An index entry: [start:stop:step] with empty parts left out, [i], or [...].
    for (const IndexEntry& entry : node.entries) {
        const auto part = [](const AstPtr& value) { return value ? sexpr(*value) : std::string(); };
        if (entry.kind == IndexEntry::Kind::ellipsis)
            result += " [...]";
        else if (entry.kind == IndexEntry::Kind::index)
            result += " [" + part(entry.start) + "]";
        else
            result += " [" + part(entry.start) + ":" + part(entry.stop) + ":" + part(entry.step) + "]";
    }
    return result + ")";
}

std::string text_of(std::string_view text, SourceSpan span) {
    return std::string(text.substr(span.offset, span.length));
}

// The value of the only statement of `text`, as an s-expression.
std::string parse_one(std::string_view text) {
    const Script script = parse_script(text);
    REQUIRE(script.statements.size() == 1);
    return sexpr(*script.statements[0].value);
}

// Requires parsing `text` to fail for the stated reason, at the stated place (1-based line and column).
void require_error(std::string_view text, ErrorKind kind, const std::string& message_part, std::size_t line,
                   std::size_t column) {
    INFO("script: " << std::string(text.substr(0, 200)));
    try {
        parse_script(text);
    } catch (const Error& error) {
        INFO("message: " << error.what());
        CHECK(std::string(tilesum::error_kind_name(error.kind())) == tilesum::error_kind_name(kind));
        CHECK_THAT(error.what(), Catch::Contains(message_part));
        REQUIRE(error.span().has_value());
        const LineCol position = line_col(text, error.span()->offset);
        CHECK(position.line == line);
        CHECK(position.column == column);
        return;
    }
    FAIL("the script parsed, but an error was expected");
}

// Parsing may succeed or fail, but only ever as a user error whose span lies inside the text.
void require_parse_or_user_error(std::string_view text) {
    try {
        parse_script(text);
    } catch (const Error& error) {
        INFO("message: " << error.what());
        CHECK((error.kind() == ErrorKind::syntax || error.kind() == ErrorKind::unsupported));
        REQUIRE(error.span().has_value());
        CHECK(error.span()->offset + error.span()->length <= text.size());
    }
}

const char* const seed_script =
    "C  = einsum(\"i, jk -> ijk\", B, A)\n"
    "C2 = einsum(\"j, ik -> ijk\", Y2, Z2)\n"
    "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n";

}  // namespace

TEST_CASE("The seed script parses into three einsum statements with exact spans", "[script]") {
    const std::string_view text = seed_script;
    const Script script = parse_script(text);
    REQUIRE(script.statements.size() == 3);

    const Statement& c = script.statements[0];
    CHECK(c.target == "C");
    CHECK(text_of(text, c.target_span) == "C");
    CHECK(sexpr(*c.value) == "(einsum \"i, jk -> ijk\" B A)");
    CHECK(text_of(text, c.value->span) == "einsum(\"i, jk -> ijk\", B, A)");
    CHECK(text_of(text, c.value->subscripts_span) == "i, jk -> ijk");
    CHECK(text_of(text, c.value->args[1]->span) == "A");

    const Statement& c2 = script.statements[1];
    CHECK(c2.target == "C2");
    CHECK(text_of(text, c2.target_span) == "C2");
    CHECK(sexpr(*c2.value) == "(einsum \"j, ik -> ijk\" Y2 Z2)");

    const Statement& e = script.statements[2];
    CHECK(e.target == "E");
    CHECK(sexpr(*e.value) == "(einsum \"ijk, ikj -> k\" (+ C C2) (+ C C2))");
    CHECK(text_of(text, e.value->subscripts_span) == "ijk, ikj -> k");
    REQUIRE(e.value->args.size() == 2);
    CHECK(e.value->args[0]->op == '+');
    CHECK(text_of(text, e.value->args[0]->span) == "C + C2");
    CHECK(text_of(text, e.value->args[1]->args[1]->span) == "C2");
    CHECK(format_location("data/seed.tsum", text, e.value->args[1]->span) == "data/seed.tsum:3:38");
}

TEST_CASE("einsum may be spelled einsum, np.einsum or numpy.einsum", "[script]") {
    CHECK(parse_one("C = np.einsum('ij,jk->ik', A, B)") == "(einsum \"ij,jk->ik\" A B)");
    CHECK(parse_one("C = numpy.einsum(\"ij->ji\", A)") == "(einsum \"ij->ji\" A)");
    const std::string text = "C = np . einsum('i->i', A)";
    const Script script = parse_script(text);
    CHECK(text_of(text, script.statements[0].value->span) == "np . einsum('i->i', A)");
}

TEST_CASE("Keyword arguments after the operands are accepted and ignored", "[script]") {
    CHECK(parse_one("C = np.einsum('ij,jk->ik', A, B, optimize='optimal')") == "(einsum \"ij,jk->ik\" A B)");
    CHECK(parse_one("C = einsum('ij,jk->ik', A, B, optimize=True, dtype=None)") == "(einsum \"ij,jk->ik\" A B)");
    CHECK(parse_one("C = einsum('ij->i', A, dtype=np.float64, order=\"K\", x=-1.5,)") == "(einsum \"ij->i\" A)");
    CHECK(parse_one("C = einsum('ij->i', A,)") == "(einsum \"ij->i\" A)");
}

TEST_CASE("Comments, blank lines and semicolons separate statements", "[script]") {
    const Script script = parse_script("# header\n\n  A = x  # trailing\n\r\nB = y; C = z;\n# end");
    REQUIRE(script.statements.size() == 3);
    CHECK(script.statements[0].target == "A");
    CHECK(script.statements[1].target == "B");
    CHECK(script.statements[2].target == "C");
    CHECK(sexpr(*script.statements[2].value) == "z");
}

TEST_CASE("A statement continues onto the next line inside parentheses or after a backslash", "[script]") {
    const std::string text =
        "E = einsum('ij,jk->ik',  # contract j\n"
        "           A,\n"
        "\n"
        "           B)\n"
        "F = (A +\n B) * \\\n  2\n";
    const Script script = parse_script(text);
    REQUIRE(script.statements.size() == 2);
    CHECK(sexpr(*script.statements[0].value) == "(einsum \"ij,jk->ik\" A B)");
    CHECK(line_col(text, script.statements[0].value->args[1]->span.offset).line == 4);
    CHECK(sexpr(*script.statements[1].value) == "(* (+ A B) 2)");
    CHECK(text_of(text, script.statements[1].value->span) == "(A +\n B) * \\\n  2");
}

TEST_CASE("Operators follow Python precedence and associate to the left", "[script]") {
    CHECK(parse_one("x = a + b * c") == "(+ a (* b c))");
    CHECK(parse_one("x = a - b - c") == "(- (- a b) c)");
    CHECK(parse_one("x = a / b * c") == "(* (/ a b) c)");
    CHECK(parse_one("x = -a * b") == "(* (neg a) b)");
    CHECK(parse_one("x = a * -b") == "(* a (neg b))");
    CHECK(parse_one("x = a - -b") == "(- a (neg b))");
    CHECK(parse_one("x = +a") == "a");
    CHECK(parse_one("x = (a + b) * c") == "(* (+ a b) c)");
    CHECK(parse_one("x = 2 * einsum('i->', a - b) / 4") == "(/ (* 2 (einsum \"i->\" (- a b))) 4)");
}

TEST_CASE("Node spans cover their text, parentheses and signs included", "[script]") {
    const std::string text = "x = -(a + b) * +c";
    const Script script = parse_script(text);
    const AstNode& product = *script.statements[0].value;
    CHECK(text_of(text, product.span) == "-(a + b) * +c");
    CHECK(text_of(text, product.args[0]->span) == "-(a + b)");
    CHECK(text_of(text, product.args[0]->args[0]->span) == "a + b");
    CHECK(text_of(text, product.args[1]->span) == "c");
}

TEST_CASE("Number literals come in integer, decimal and exponent forms", "[script]") {
    const auto value = [](const std::string& literal) {
        const Script script = parse_script("x = " + literal);
        REQUIRE(script.statements[0].value->kind == AstNode::Kind::number);
        return script.statements[0].value->value;
    };
    CHECK(value("2") == 2.0);
    CHECK(value("0.5") == 0.5);
    CHECK(value(".5") == 0.5);
    CHECK(value("5.") == 5.0);
    CHECK(value("1e-3") == 1e-3);
    CHECK(value("2.5E+4") == 2.5e4);
    CHECK(value("1.e2") == 100.0);
}

TEST_CASE("numpy spellings parse with Python's precedence: @ with * and /, attributes and methods before signs",
          "[script]") {
    CHECK(parse_one("x = -A @ B.T * 2") == "(* (@ (neg A) (.T B)) 2)");
    CHECK(parse_one("x = A + B @ C") == "(+ A (@ B C))");
    CHECK(parse_one("x = np.sum(A @ B, axis=(0, -1), keepdims=False)") ==
          "(np.sum (@ A B) axis=(tuple 0 (neg 1)) keepdims=False)");
    CHECK(parse_one("x = numpy.tensordot(A, B, axes=([1, 0], [0, 1]))") ==
          "(numpy.tensordot A B axes=(tuple (tuple 1 0) (tuple 0 1)))");
    CHECK(parse_one("x = (A @ B).transpose(1, 0).sum(axis=None)") == "(.sum (.transpose (@ A B) 1 0) axis=None)");
    CHECK(parse_one("x = A.sum(axis=())") == "(.sum A axis=(tuple))");
    CHECK(parse_one("x = A.mean(axis=[\n 0,\n 1,\n])") == "(.mean A axis=(tuple 0 1))");
    CHECK(parse_one("x = (A)") == "A");
    CHECK(parse_one("x = (A,)") == "(tuple A)");
}

TEST_CASE("indexing parses numpy's entries: slices with parts left out, indices, '...', chained after calls",
          "[script]") {
    CHECK(parse_one("x = C[:, :20]") == "(index C [::] [:20:])");
    CHECK(parse_one("x = X[::2]") == "(index X [::2])");
    CHECK(parse_one("x = T[..., -1]") == "(index T [...] [(neg 1)])");
    CHECK(parse_one("x = A[1:n - 1:2, 3,]") == "(index A [1:(- n 1):2] [3])");
    CHECK(parse_one("x = A.T[0][2:]") == "(index (index (.T A) [0]) [2::])");
    CHECK(parse_one("x = -A[0] * 2") == "(* (neg (index A [0])) 2)");
    CHECK(parse_one("x = A[None:5]") == "(index A [None:5:])");
}

TEST_CASE("import numpy lines are dropped; print(...) is a statement listing the names printed", "[script]") {
    const Script script =
        parse_script("import numpy as np\nimport numpy\nx = A @ B\nprint('x =', x, sep='\\n', flush=True)\n");
    REQUIRE(script.statements.size() == 2);
    CHECK(script.statements[0].kind == Statement::Kind::assign);
    CHECK(script.statements[1].kind == Statement::Kind::print);
    REQUIRE(script.statements[1].printed.size() == 1);
    CHECK(script.statements[1].printed[0]->name == "x");
}

TEST_CASE("Malformed scripts are rejected for the stated reason at the culprit", "[script][errors]") {
    struct Case {
        const char* script;
        ErrorKind kind;
        const char* message;
        std::size_t line, column;
    };
    const Case cases[] = {
        {"x = (a + b\ny = c\n", ErrorKind::syntax, "unbalanced parenthesis: '(' is never closed", 1, 5},
        {"x = einsum('i->i',\n  a\n", ErrorKind::syntax, "unbalanced parenthesis: '(' is never closed", 1, 11},
        {"x = (a b)", ErrorKind::syntax, "expected ')' or an operator, found name 'b'", 1, 8},
        {"x = a)", ErrorKind::syntax, "unexpected ')'", 1, 6},
        {"x = a\n)", ErrorKind::syntax, "unexpected ')'", 2, 1},
        {"x = a +\ny = b", ErrorKind::syntax, "expected an expression after '+'", 1, 8},
        {"x = (a *)", ErrorKind::syntax, "expected an expression after '*'", 1, 9},
        {"x = ", ErrorKind::syntax, "expected an expression after '='", 1, 5},
        {"a = b\nC einsum('i->i', a)", ErrorKind::syntax, "expected '=' after name 'C'", 2, 3},
        {"3 = a", ErrorKind::syntax, "expected a statement 'name = expression', found number '3'", 1, 1},
        {"x = a b", ErrorKind::syntax, "expected end of statement, found name 'b'", 1, 7},
        {"x = einsum(\"ij->i, a)", ErrorKind::syntax, "unterminated string", 1, 12},
        {"x = einsum('ij->i\n', a)", ErrorKind::syntax, "unterminated string", 1, 12},
        {"x = einsum('ij\\n->i', a)", ErrorKind::unsupported, "escape sequences in einsum subscripts", 1, 15},
        {"x = a $ b", ErrorKind::syntax, "invalid character '$'", 1, 7},
        {"x = a\n  y = \x01", ErrorKind::syntax, "invalid character (byte 0x01)", 2, 7},
        {"x = 1e", ErrorKind::syntax, "bad number literal '1e'", 1, 5},
        {"x = 2.5e+ * a", ErrorKind::syntax, "bad number literal '2.5e+'", 1, 5},
        {"x = 1.2.3", ErrorKind::syntax, "bad number literal '1.2.3'", 1, 5},
        {"x = 2x", ErrorKind::syntax, "bad number literal '2x'", 1, 5},
        {"x = 1e999", ErrorKind::syntax, "number literal out of range", 1, 5},
        {"", ErrorKind::syntax, "empty script: no statements", 1, 1},
        {"# only a comment\n\n", ErrorKind::syntax, "empty script: no statements", 1, 1},
        {"x = a ** * 2", ErrorKind::syntax, "expected an expression after '**'", 1, 10},
        {"x = a // 2", ErrorKind::unsupported, "floor division", 1, 7},
        {"x = a[]", ErrorKind::syntax, "an empty index '[]'", 1, 6},
        {"x = a[1:2:3:4]", ErrorKind::syntax, "a slice has at most two ':'", 1, 12},
        {"x = a[1 2]", ErrorKind::syntax, "expected ',' or ']' in the index", 1, 9},
        {"x = a[0", ErrorKind::syntax, "'[' is never closed", 1, 6},
        {"x = a[,]", ErrorKind::syntax, "expected an index, found ','", 1, 7},
        {"import os", ErrorKind::unsupported, "only 'import numpy as np' and 'import numpy' are supported", 1, 1},
        {"x = a\nimport numpy as xp", ErrorKind::unsupported, "only 'import numpy as np'", 2, 1},
        {"print(a + b)", ErrorKind::unsupported, "print(...) of an expression is not supported", 1, 7},
        {"print(a b)", ErrorKind::syntax, "expected ',' or ')' in the arguments of print", 1, 9},
        {"x = a.sum(axis=0, axis=1)", ErrorKind::syntax, "keyword argument 'axis' repeated", 1, 19},
        {"x = np.sum(axis=0, a)", ErrorKind::syntax, "positional argument follows keyword argument", 1, 20},
        {"x = a.T()", ErrorKind::unsupported, "method 'T' of arrays is not supported", 1, 7},
        {"x = a.sum", ErrorKind::unsupported, "attribute 'sum' of arrays is not supported", 1, 7},
        {"x = np.sum(a", ErrorKind::syntax, "unbalanced parenthesis", 1, 11},
        {"x = [a, b", ErrorKind::syntax, "expected ',' or ']', found end of input", 1, 10},
        {"x = a \\ b", ErrorKind::syntax, "line continuation", 1, 7},
        {"x = np.cross(a, b)", ErrorKind::unsupported, "function 'np.cross' is not supported", 1, 5},
        {"x = 2 * sum(a)", ErrorKind::unsupported, "function 'sum' is not supported", 1, 9},
        {"x = np.pi", ErrorKind::unsupported, "name 'np.pi' is not supported", 1, 5},
        {"x = np.", ErrorKind::syntax, "expected a name after '.'", 1, 8},
        {"x = einsum(A, 'ij->i')", ErrorKind::syntax, "first argument of einsum must be a string literal", 1, 12},
        {"x = einsum()", ErrorKind::syntax, "needs a subscripts string and at least one operand", 1, 12},
        {"x = einsum('ij->i')", ErrorKind::syntax, "at least one operand", 1, 19},
        {"x = einsum('ij->i', optimize=True)", ErrorKind::syntax, "at least one operand", 1, 34},
        {"x = einsum('i->i', a b)", ErrorKind::syntax, "expected ',' or ')' in the arguments of einsum", 1, 22},
        {"x = einsum('i->i', dtype=None, a)", ErrorKind::syntax, "positional argument follows keyword", 1, 32},
        {"x = einsum('i->i', a, optimize=)", ErrorKind::syntax, "value of keyword argument 'optimize'", 1, 32},
        {"x = einsum('i->i', a, out=b)", ErrorKind::unsupported, "keyword argument 'out'", 1, 23},
        {"x = 'ij'", ErrorKind::syntax, "unexpected string", 1, 5},
    };
    for (const Case& test : cases) {
        DYNAMIC_SECTION("script: " << test.script) {
            require_error(test.script, test.kind, test.message, test.line, test.column);
        }
    }
}

TEST_CASE("10,000 nested parentheses are refused without overflowing the stack", "[script][robustness]") {
    const std::string text = "x = " + std::string(10000, '(') + "a" + std::string(10000, ')');
    require_error(text, ErrorKind::syntax, "expression nested too deeply", 1, 5 + 256);
    const std::string signs = "x = " + std::string(10000, '-') + "a";
    require_error(signs, ErrorKind::syntax, "expression nested too deeply", 1, 5 + 256);
    const std::string unclosed = "x = " + std::string(10000, '(') + "a";  // never closed, and too deep
    require_error(unclosed, ErrorKind::syntax, "expression nested too deeply", 1, 5 + 256);
}

TEST_CASE("Nesting and long operator chains within the limits parse", "[script][robustness]") {
    CHECK(parse_one("x = " + std::string(200, '(') + "a" + std::string(200, ')')) == "a");
    std::string sum = "x = a";
    for (int term = 1; term < 500; ++term) sum += " + a";
    CHECK_NOTHROW(parse_script(sum));
}

TEST_CASE("A 10 MB line is rejected with a syntax error, not a crash", "[script][robustness]") {
    constexpr std::size_t ten_mb = 10u << 20;
    std::string chain = "x = a";
    while (chain.size() < ten_mb) chain += "+a";
    require_error(chain, ErrorKind::syntax, "expression nested too deeply", 1, 4 + 2 * 1000);  // at the 1000th '+'

    require_error(std::string(ten_mb, 'a'), ErrorKind::syntax, "expected '=' after name 'aaaa", 1, ten_mb + 1);
    require_error("x = '" + std::string(ten_mb, 'i'), ErrorKind::syntax, "unterminated string", 1, 5);
    require_error("x = " + std::string(ten_mb, '7'), ErrorKind::syntax, "number literal out of range", 1, 5);

    std::string operands = "x = einsum('i->i'";
    while (operands.size() < ten_mb) operands += ", a";
    require_error(operands, ErrorKind::syntax, "script too large", 1, 17 + 3 * 100001);  // the 100,001st 'a'

    std::string statements;
    while (statements.size() < ten_mb) statements += "x = a\n";
    require_error(statements, ErrorKind::syntax, "script too large", 100001, 5);
}

TEST_CASE("Errors after an unclosed einsum blame the '(' only if it is never closed", "[script][errors]") {
    require_error("x = einsum('i->i', a, b", ErrorKind::syntax, "unbalanced parenthesis", 1, 11);
    require_error("x = einsum('i->i',\n a\n b)", ErrorKind::syntax, "expected ',' or ')'", 3, 2);
}

TEST_CASE("Binary garbage is rejected as a user error, never a crash", "[script][robustness]") {
    std::string all_bytes;
    for (int byte = 0; byte < 256; ++byte) all_bytes += static_cast<char>(byte);
    require_error(all_bytes, ErrorKind::syntax, "invalid character (byte 0x00)", 1, 1);

    for (int byte = 0; byte < 256; ++byte) {
        CAPTURE(byte);
        require_parse_or_user_error(std::string("x = a") + static_cast<char>(byte) + "b");
        require_parse_or_user_error(std::string("x = einsum('i->i', (a") + static_cast<char>(byte) + "))");
    }

    const std::uint32_t seed = 20240611;
    std::mt19937 random(seed);
    CAPTURE(seed);
    const std::string alphabet = "abC_19.eE+-*/()=,;'\" \n\t#\\";
    for (int sample = 0; sample < 2000; ++sample) {
        CAPTURE(sample);
        std::string text;
        const std::size_t length = random() % 64;
        for (std::size_t index = 0; index < length; ++index)
            text += sample % 2 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
        require_parse_or_user_error(text);
    }
}

TEST_CASE("Byte offsets become 1-based line and column, tabs counting as one", "[script][location]") {
    const std::string_view text = "ab\n\tcd\n\nx";
    CHECK(line_col(text, 0).line == 1);
    CHECK(line_col(text, 0).column == 1);
    CHECK(line_col(text, 2).column == 3);  // the '\n' itself belongs to line 1
    CHECK(line_col(text, 3).line == 2);
    CHECK(line_col(text, 4).column == 2);  // after one tab
    CHECK(line_col(text, 7).line == 3);
    CHECK(line_col(text, 8).line == 4);
    CHECK(line_col(text, 9).column == 2);  // end of input
    CHECK(format_location("data/seed.tsum", text, SourceSpan{5, 1}) == "data/seed.tsum:2:3");
}
