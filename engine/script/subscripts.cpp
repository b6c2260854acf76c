// numpy's einsum subscripts grammar, restricted to what tilesum evaluates so far. Every error points at the
// exact character: text_span.offset + index, which is why string literals admit no escapes.
#include "engine/script/subscripts.hpp"

#include <string>

#include "engine/script/lexer.hpp"

namespace tilesum::script {
namespace {

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool appears_in_any(const std::vector<std::string>& inputs, char label) {
    for (const std::string& operand_labels : inputs)
        if (operand_labels.find(label) != std::string::npos) return true;
    return false;
}

}  // namespace

// subscripts := labels (',' labels)* '->' labels      labels := [a-zA-Z]*      (spaces ignored anywhere)
Subscripts parse_subscripts(std::string_view text, SourceSpan text_span) {
    const auto at = [&](std::size_t index, std::size_t length = 1) {
        return SourceSpan{text_span.offset + index, length};
    };
    Subscripts result;
    result.inputs.emplace_back();
    bool arrow_seen = false;
    for (std::size_t index = 0; index < text.size(); ++index) {
        const char c = text[index];
        if (c == ' ') continue;  // numpy strips spaces before parsing
        if (c == '.') {
            if (text.substr(index, 3) == "...")
                fail(ErrorKind::unsupported, "ellipsis '...' in subscripts is not supported yet", at(index, 3));
            fail(ErrorKind::syntax, "invalid character '.' in subscripts (an ellipsis is written '...')", at(index));
        }
        if (c == '-') {
            if (index + 1 >= text.size() || text[index + 1] != '>')
                fail(ErrorKind::syntax, "'-' in subscripts must be followed by '>' (the output arrow is '->')",
                     at(index));
            if (arrow_seen) fail(ErrorKind::syntax, "subscripts contain more than one '->'", at(index, 2));
            arrow_seen = true;
            ++index;
            continue;
        }
        if (c == '>')
            fail(ErrorKind::syntax, "'>' in subscripts must follow '-' (the output arrow is '->')", at(index));
        if (c == ',') {
            if (arrow_seen)
                fail(ErrorKind::syntax, "',' after '->': the output is a single list of labels", at(index));
            result.inputs.emplace_back();
            continue;
        }
        if (!is_label(c))
            fail(ErrorKind::syntax, "invalid character " + describe_character(c) + " in subscripts", at(index));
        const std::string label(1, c);
        if (!arrow_seen) {
            std::string& operand_labels = result.inputs.back();
            if (operand_labels.find(c) != std::string::npos)
                fail(ErrorKind::unsupported,
                     "repeated label '" + label + "' in operand " + std::to_string(result.inputs.size()) +
                         " (diagonals) is not supported yet",
                     at(index));
            operand_labels += c;
            continue;
        }
        if (result.output.find(c) != std::string::npos)
            fail(ErrorKind::semantic, "output label '" + label + "' appears more than once", at(index));
        if (!appears_in_any(result.inputs, c))
            fail(ErrorKind::semantic, "output label '" + label + "' does not appear in any operand", at(index));
        result.output += c;
    }
    // Without '->' numpy sums repeated labels and sorts the rest alphabetically: easy to misread, so for now
    // the output must be spelled out. The whole literal is the culprit.
    if (!arrow_seen)
        fail(ErrorKind::unsupported,
             "implicit output (subscripts without '->') is not supported yet; write the output labels explicitly",
             text_span);
    return result;
}

}  // namespace tilesum::script
