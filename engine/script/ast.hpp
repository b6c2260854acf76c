// The parsed script: statements of numpy-like expressions, every node keeping its byte span in the text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::script {

struct AstNode;
using AstPtr = std::unique_ptr<AstNode>;

// `name=value` in a call.
struct Keyword {
    std::string name;
    SourceSpan span;  // the name
    AstPtr value;
};

// One entry of X[...]: a slice start:stop:step (each part optional), an index, or '...'.
struct IndexEntry {
    enum class Kind { slice, index, ellipsis };
    Kind kind = Kind::slice;
    AstPtr start, stop, step;  // slice: the parts written (null when left out); index: `start`
    SourceSpan span;           // the entry
};

struct AstNode {
    enum class Kind {
        number,    // a numeric literal: `value`
        name,      // a reference to a name: `name`
        constant,  // None, True or False: `name`
        einsum,    // einsum("subscripts", args...): `subscripts`, `subscripts_span`, `args` the operands
        call,      // a numpy function np.NAME(args..., keywords...) or a method args[0].NAME(...): `name` as
                   // written after the dot, `method`, `name_span`; an attribute (A.T) is a method without
                   // parentheses: `attribute`
        tuple,     // (a, b) or [a, b]: `args`
        binary,    // args[0] op args[1], op one of + - * / @, '^' (**), and the comparisons < > and
                   // 'L' (<=), 'G' (>=), 'E' (==), 'N' (!=)
        negate,    // -args[0]
        index,     // args[0][entries...]: numpy's basic indexing, `entries`
    };
    Kind kind = Kind::number;
    SourceSpan span;  // the whole node in the text

    double value = 0;            // number
    bool is_integer = false;     // number: written as a Python int (no '.', no exponent): numpy's dtype rules
    bool imaginary = false;      // number: Python's imaginary literal (2j): `value` is the imaginary part
    std::string name;            // name, constant, call
    SourceSpan name_span;        // call: the function's dotted name (np.matmul) or the method's name (sum)
    bool method = false;         // call: a method of args[0] (X.sum(0)) rather than a function of numpy
    bool attribute = false;      // call: an attribute, no parentheses (X.T)
    std::string subscripts;      // einsum: the string literal's contents, unescaped
    SourceSpan subscripts_span;  // einsum: span of the contents (inside the quotes)
    char op = 0;                 // binary
    std::vector<AstPtr> args;
    std::vector<Keyword> keywords;    // call
    std::vector<IndexEntry> entries;  // index
};

struct Statement {
    enum class Kind {
        assign,  // target = value
        print,   // print(NAME, ...): `printed` names become outputs
    };
    Kind kind = Kind::assign;
    std::string target;
    SourceSpan target_span;
    AstPtr value;
    std::vector<AstPtr> printed;  // print: the names printed (Kind::name nodes)
};

struct Script {
    std::vector<Statement> statements;
};

}  // namespace tilesum::script
