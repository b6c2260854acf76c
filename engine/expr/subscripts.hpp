// einsum subscripts as numpy reads them: "ij, jk -> ik", "...ij->...ji", "ii", "ij,jk" (spaces ignored).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/common/error.hpp"

namespace tilesum::expr {

// Stands for an ellipsis in the label strings below: "...ij" is kept as ".ij" until operand ranks are known
// (einsum_labels.hpp expands it into letters the subscripts do not use).
inline constexpr char ellipsis_mark = '.';

struct Subscripts {
    // One label string per operand, e.g. {"ij", "jk"}; a letter may repeat within one (a diagonal), and
    // ellipsis_mark appears at most once in each.
    std::vector<std::string> inputs;
    // The output labels: as written after '->', or numpy's implicit output when there is no '->' (an ellipsis
    // first when any operand has one, then the letters used exactly once, in ASCII order: 'B' before 'a').
    std::string output;
    bool explicit_output = true;

    // Where things are in the script, for messages that point at the culprit. Empty when the subscripts were
    // made by the engine (expand, hoist), whose messages then point at the einsum call instead.
    std::vector<std::vector<SourceSpan>> input_spans;  // one span per character of inputs[p]
    std::vector<SourceSpan> operand_spans;             // all of operand p's subscripts (its '...' included)
    std::vector<SourceSpan> output_spans;              // one per character of output (explicit output only)
    SourceSpan output_span;  // the output's subscripts, or the whole literal when the output is implicit
};

// `text` is the literal's contents; `text_span` its position in the script, so errors point at the exact
// character. Rejects (Error{syntax|semantic}) whatever numpy rejects before it looks at the operands.
Subscripts parse_subscripts(std::string_view text, SourceSpan text_span);

}  // namespace tilesum::expr
