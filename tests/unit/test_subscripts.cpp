// einsum subscripts: what numpy accepts parses into per-operand labels (an ellipsis kept as one '.', implicit
// output spelled out); what it rejects fails with the kind, message and the line:col of the exact offending
// character.
#include <catch2/catch.hpp>

#include <string>

#include "engine/expr/subscripts.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"

using tilesum::Error;
using tilesum::ErrorKind;
using tilesum::SourceSpan;
using tilesum::expr::parse_subscripts;
using tilesum::expr::Subscripts;
using namespace tilesum::script;

namespace {

// A two-line script whose einsum carries `subscripts`, so errors are checked through the real spans.
std::string script_with(const std::string& subscripts) {
    return "# subscripts under test\nE = np.einsum('" + subscripts + "', A, B)\n";
}

Subscripts parse_in_script(const std::string& text) {
    const Script script = parse_script(text);
    const AstNode& einsum = *script.statements.at(0).value;
    return parse_subscripts(einsum.subscripts, einsum.subscripts_span);
}

Subscripts parse(const std::string& subscripts) { return parse_in_script(script_with(subscripts)); }

// Requires `subscripts` to be rejected for the stated reason. `column` is 1-based within the subscripts
// text, so the script column is 16 + column - 1 on line 2 ("E = np.einsum('" is 15 bytes).
void require_error(const std::string& subscripts, ErrorKind kind, const std::string& message_part, std::size_t column) {
    const std::string text = script_with(subscripts);
    INFO("subscripts: " << subscripts);
    try {
        parse_in_script(text);
    } catch (const Error& error) {
        INFO("message: " << error.what());
        CHECK(std::string(tilesum::error_kind_name(error.kind())) == tilesum::error_kind_name(kind));
        CHECK_THAT(error.what(), Catch::Contains(message_part));
        REQUIRE(error.span().has_value());
        const LineCol position = line_col(text, error.span()->offset);
        CHECK(position.line == 2);
        CHECK(position.column == 15 + column);
        return;
    }
    FAIL("the subscripts parsed, but an error was expected");
}

}  // namespace

TEST_CASE("Explicit subscripts split into operand labels and output labels", "[subscripts]") {
    const Subscripts matmul = parse("ij,jk->ik");
    CHECK(matmul.inputs == std::vector<std::string>{"ij", "jk"});
    CHECK(matmul.output == "ik");

    const Subscripts outer = parse("i, jk -> ijk");
    CHECK(outer.inputs == std::vector<std::string>{"i", "jk"});
    CHECK(outer.output == "ijk");

    const Subscripts upper = parse("aB,Bc->acB");
    CHECK(upper.inputs == std::vector<std::string>{"aB", "Bc"});
    CHECK(upper.output == "acB");
}

TEST_CASE("Spaces are ignored anywhere in the subscripts", "[subscripts]") {
    const Subscripts tidy = parse(" i j ,j k->  i k ");
    CHECK(tidy.inputs == std::vector<std::string>{"ij", "jk"});
    CHECK(tidy.output == "ik");
}

TEST_CASE("Scalar operands and scalar outputs have empty label lists", "[subscripts]") {
    const Subscripts scaled = parse(",ij->ij");
    CHECK(scaled.inputs == std::vector<std::string>{"", "ij"});
    CHECK(scaled.output == "ij");

    const Subscripts total = parse("ij->");
    CHECK(total.inputs == std::vector<std::string>{"ij"});
    CHECK(total.output.empty());

    const Subscripts nothing = parse("->");
    CHECK(nothing.inputs == std::vector<std::string>{""});
    CHECK(nothing.output.empty());
}

TEST_CASE("The number of operands is left for the binder to check", "[subscripts]") {
    CHECK(parse("i,i,i->i").inputs.size() == 3);  // the script passes two operands
}

TEST_CASE("Errors point at the exact character even with a non-zero text offset", "[subscripts]") {
    try {
        parse_subscripts("ij,j3->i", SourceSpan{100, 8});
        FAIL("expected an error");
    } catch (const Error& error) {
        REQUIRE(error.span().has_value());
        CHECK(error.span()->offset == 104);  // the '3'
        CHECK(error.span()->length == 1);
    }
}

TEST_CASE("Malformed subscripts are rejected for the stated reason", "[subscripts][errors]") {
    struct Case {
        const char* subscripts;
        ErrorKind kind;
        const char* message;
        std::size_t column;  // within the subscripts, 1-based
    };
    const Case cases[] = {
        {"...i...->i", ErrorKind::syntax, "operand 1's subscripts contain more than one ellipsis '...'", 5},
        {"ij,......->i", ErrorKind::syntax, "operand 2's subscripts contain more than one ellipsis '...'", 7},
        {"...i->......", ErrorKind::syntax, "the output subscripts contain more than one ellipsis '...'", 10},
        {"i..j->i", ErrorKind::syntax, "invalid character '.' in subscripts (an ellipsis is written '...')", 2},
        {"i....->i", ErrorKind::syntax, "invalid character '.' in subscripts", 5},
        {"ij->i..", ErrorKind::syntax, "invalid character '.' in subscripts", 6},
        {"ii->ii", ErrorKind::semantic, "output label 'i' appears more than once", 6},
        {"ij,j3->i", ErrorKind::syntax, "invalid character '3' in subscripts", 5},
        {"ij,jk->i_k", ErrorKind::syntax, "invalid character '_' in subscripts", 9},
        {"i\tj->i", ErrorKind::syntax, "invalid character (byte 0x09) in subscripts", 2},
        {"ij,jk->iki", ErrorKind::semantic, "output label 'i' appears more than once", 10},
        {"ij,jk->iz", ErrorKind::semantic, "output label 'z' does not appear in any operand", 9},
        {"ij->i->j", ErrorKind::syntax, "more than one '->'", 6},
        {"ij-i", ErrorKind::syntax, "'-' in subscripts must be followed by '>'", 3},
        {"ij>i", ErrorKind::syntax, "'>' in subscripts must follow '-'", 3},
        {"ij,jk-", ErrorKind::syntax, "'-' in subscripts must be followed by '>'", 6},
        {"ij->i,j", ErrorKind::syntax, "',' after '->'", 6},
        {"i.j->i", ErrorKind::syntax, "invalid character '.' in subscripts", 2},
    };
    for (const Case& test : cases) {
        DYNAMIC_SECTION("subscripts: " << test.subscripts) {
            require_error(test.subscripts, test.kind, test.message, test.column);
        }
    }
}

TEST_CASE("An ellipsis is kept as one mark where it stands, in operands and output", "[subscripts]") {
    const Subscripts batched = parse("...ij, j... k->...ik");
    CHECK(batched.inputs == std::vector<std::string>{".ij", "j.k"});
    CHECK(batched.output == ".ik");
    CHECK(batched.explicit_output);
    const Subscripts bare = parse("...,...->...");
    CHECK(bare.inputs == std::vector<std::string>{".", "."});
    CHECK(bare.output == ".");
}

TEST_CASE("A label may repeat within one operand (a diagonal)", "[subscripts]") {
    const Subscripts diagonal = parse("ii->i");
    CHECK(diagonal.inputs == std::vector<std::string>{"ii"});
    CHECK(diagonal.output == "i");
    CHECK(parse("ij,jjk->ik").inputs == std::vector<std::string>{"ij", "jjk"});
    CHECK(parse("i...i->...").inputs == std::vector<std::string>{"i.i"});
}

TEST_CASE("Without '->' the output is numpy's: the labels used once, in ASCII order", "[subscripts]") {
    const Subscripts matmul = parse("ij,jk");
    CHECK_FALSE(matmul.explicit_output);
    CHECK(matmul.output == "ik");
    CHECK(parse("ba").output == "ab");
    CHECK(parse("aB").output == "Ba");     // upper case sorts before lower case, as in numpy
    CHECK(parse("Ba,aB").output.empty());  // every label used twice: a full contraction
    CHECK(parse("ii").output.empty());     // a trace
    CHECK(parse("iij").output == "j");
    CHECK(parse("").output.empty());
}

TEST_CASE("Without '->' an ellipsis in any operand comes first in the output", "[subscripts]") {
    CHECK(parse("...ji").output == ".ij");
    CHECK(parse("ij,...jk").output == ".ik");
    CHECK(parse("...ii").output == ".");
}

TEST_CASE("Spans locate each label, each operand's subscripts and the output", "[subscripts]") {
    const Subscripts spanned = parse_subscripts("ab, ...c ->c", SourceSpan{100, 12});
    REQUIRE(spanned.input_spans.size() == 2);
    CHECK(spanned.input_spans[0][1].offset == 101);
    CHECK(spanned.input_spans[1][0].offset == 104);  // the ellipsis
    CHECK(spanned.input_spans[1][0].length == 3);
    CHECK(spanned.input_spans[1][1].offset == 107);
    CHECK(spanned.operand_spans[1].offset == 104);
    CHECK(spanned.operand_spans[1].length == 4);
    CHECK(spanned.output_span.offset == 111);
    CHECK(spanned.output_span.length == 1);
    // An empty explicit output is located at its arrow, an implicit one at the whole literal.
    CHECK(parse_subscripts("ij->", SourceSpan{10, 4}).output_span.offset == 12);
    CHECK(parse_subscripts("ij", SourceSpan{10, 2}).output_span.offset == 10);
}
