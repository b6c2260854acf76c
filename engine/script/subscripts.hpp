// einsum subscripts as numpy reads them: "ij, jk -> ik" (spaces ignored, explicit output).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::script {

struct Subscripts {
    std::vector<std::string> inputs;  // one label string per operand, e.g. {"ij", "jk"}
    std::string output;               // e.g. "ik"
};

// `text` is the literal's contents; `text_span` its position in the script, so errors point at the exact
// character. Rejects (Error{unsupported}) ellipsis, implicit output and repeated labels in one operand until
// they are implemented; rejects (Error{syntax|semantic}) anything numpy rejects.
Subscripts parse_subscripts(std::string_view text, SourceSpan text_span);

}  // namespace tilesum::script
