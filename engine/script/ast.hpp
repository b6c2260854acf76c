// The parsed script: statements of numpy-like expressions, every node keeping its byte span in the text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::script {

struct AstNode;
using AstPtr = std::unique_ptr<AstNode>;

struct AstNode {
    enum class Kind {
        number,  // a numeric literal: `value`
        name,    // a reference to a name: `name`
        einsum,  // einsum("subscripts", args...): `subscripts`, `subscripts_span`, `args` the operands
        binary,  // args[0] op args[1], op one of + - * /
        negate,  // -args[0]
    };
    Kind kind = Kind::number;
    SourceSpan span;  // the whole node in the text

    double value = 0;            // number
    bool is_integer = false;     // number: written as a Python int (no '.', no exponent): numpy's dtype rules
    std::string name;            // name
    std::string subscripts;      // einsum: the string literal's contents, unescaped
    SourceSpan subscripts_span;  // einsum: span of the contents (inside the quotes)
    char op = 0;                 // binary
    std::vector<AstPtr> args;
};

struct Statement {
    std::string target;
    SourceSpan target_span;
    AstPtr value;
};

struct Script {
    std::vector<Statement> statements;
};

}  // namespace tilesum::script
