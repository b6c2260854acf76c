// Scripts bound to inputs of given shapes, without files: the seed and small helpers shared by unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "engine/script/binder.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"

namespace tilesum::testing {

inline const char* seed_text =
    "C  = einsum(\"i, jk -> ijk\", B, A)\n"
    "C2 = einsum(\"j, ik -> ijk\", Y2, Z2)\n"
    "E  = einsum('ijk, ikj -> k', C + C2, C + C2)\n";

inline expr::Program bind_text(const std::string& text, const std::map<std::string, expr::InputSpec>& inputs) {
    return script::bind(script::parse_script(text), [&](const expr::InputUse& use) { return inputs.at(use.name); });
}

// Every input float64.
inline expr::Program bind_shapes(const std::string& text, const std::map<std::string, Shape>& shapes) {
    std::map<std::string, expr::InputSpec> inputs;
    for (const auto& [name, shape] : shapes) inputs[name] = expr::InputSpec{shape, DType::f64};
    return bind_text(text, inputs);
}

// The error binding a script fails with: its kind, message and "s.tsum:LINE:COL" (or "(no span)").
struct Caught {
    ErrorKind kind;
    std::string message;
    std::string location;
};

inline Caught bind_error(const std::string& text, const std::map<std::string, expr::InputSpec>& inputs) {
    try {
        bind_text(text, inputs);
    } catch (const Error& error) {
        return {error.kind(), error.what(),
                error.span() ? script::format_location("s.tsum", text, *error.span()) : std::string("(no span)")};
    }
    FAIL("no error for:\n" << text);
    return {};
}

inline Caught bind_shapes_error(const std::string& text, const std::map<std::string, Shape>& shapes) {
    std::map<std::string, expr::InputSpec> inputs;
    for (const auto& [name, shape] : shapes) inputs[name] = expr::InputSpec{shape, DType::f64};
    return bind_error(text, inputs);
}

}  // namespace tilesum::testing
