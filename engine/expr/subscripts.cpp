// numpy's einsum subscripts grammar. Every error points at the exact character: text_span.offset + index,
// which is why string literals admit no escapes.
#include "engine/expr/subscripts.hpp"

#include <map>
#include <string>

#include "engine/common/text_excerpt.hpp"

namespace tilesum::expr {
namespace {

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool appears_in_any(const std::vector<std::string>& inputs, char label) {
    for (const std::string& operand_labels : inputs)
        if (operand_labels.find(label) != std::string::npos) return true;
    return false;
}

// numpy's implicit output: the broadcast (ellipsis) dimensions first when any operand has them, then every
// letter used exactly once over all operands, in ASCII order (upper case before lower case).
std::string implicit_output(const std::vector<std::string>& inputs) {
    std::map<char, int> uses;  // ordered by char: ASCII order
    bool any_ellipsis = false;
    for (const std::string& labels : inputs)
        for (char label : labels) {
            if (label == ellipsis_mark)
                any_ellipsis = true;
            else
                ++uses[label];
        }
    std::string output = any_ellipsis ? std::string(1, ellipsis_mark) : std::string();
    for (const auto& [label, count] : uses)
        if (count == 1) output += label;
    return output;
}

}  // namespace

// subscripts := labels (',' labels)* ('->' labels)?    labels := ([a-zA-Z] | '...')*, one '...' at most
// (spaces ignored anywhere)
Subscripts parse_subscripts(std::string_view text, SourceSpan text_span) {
    const auto at = [&](std::size_t index, std::size_t length = 1) {
        return SourceSpan{text_span.offset + index, length};
    };
    Subscripts result;
    result.inputs.emplace_back();
    result.input_spans.emplace_back();
    result.operand_spans.push_back(at(0, 0));
    // Grows the current operand's span to end after `index + length`.
    const auto extend = [&](SourceSpan& span, std::size_t index, std::size_t length) {
        if (span.length == 0) span.offset = text_span.offset + index;
        span.length = text_span.offset + index + length - span.offset;
    };
    bool arrow_seen = false;
    for (std::size_t index = 0; index < text.size(); ++index) {
        const char c = text[index];
        if (c == ' ') continue;  // numpy strips spaces before parsing
        if (c == '.') {
            if (text.substr(index, 3) != "...")
                fail(ErrorKind::syntax, "invalid character '.' in subscripts (an ellipsis is written '...')",
                     at(index));
            std::string& labels = arrow_seen ? result.output : result.inputs.back();
            if (labels.find(ellipsis_mark) != std::string::npos)
                fail(ErrorKind::syntax,
                     arrow_seen ? std::string("the output subscripts contain more than one ellipsis '...'")
                                : "operand " + std::to_string(result.inputs.size()) +
                                      "'s subscripts contain more than one ellipsis '...'",
                     at(index, 3));
            labels += ellipsis_mark;
            if (arrow_seen) {
                result.output_spans.push_back(at(index, 3));
            } else {
                result.input_spans.back().push_back(at(index, 3));
                extend(result.operand_spans.back(), index, 3);
            }
            index += 2;
            continue;
        }
        if (c == '-') {
            if (index + 1 >= text.size() || text[index + 1] != '>')
                fail(ErrorKind::syntax, "'-' in subscripts must be followed by '>' (the output arrow is '->')",
                     at(index));
            if (arrow_seen) fail(ErrorKind::syntax, "subscripts contain more than one '->'", at(index, 2));
            arrow_seen = true;
            result.output_span = at(index, 2);  // an empty output is named by its arrow
            ++index;
            continue;
        }
        if (c == '>')
            fail(ErrorKind::syntax, "'>' in subscripts must follow '-' (the output arrow is '->')", at(index));
        if (c == ',') {
            if (arrow_seen) fail(ErrorKind::syntax, "',' after '->': the output is a single list of labels", at(index));
            result.inputs.emplace_back();
            result.input_spans.emplace_back();
            result.operand_spans.push_back(at(index + 1, 0));
            continue;
        }
        if (!is_label(c))
            fail(ErrorKind::syntax, "invalid character " + describe_character(c) + " in subscripts", at(index));
        if (!arrow_seen) {
            result.inputs.back() += c;  // a repeated letter is a diagonal, resolved with the operands
            result.input_spans.back().push_back(at(index));
            extend(result.operand_spans.back(), index, 1);
            continue;
        }
        const std::string label(1, c);
        if (result.output.find(c) != std::string::npos)
            fail(ErrorKind::semantic, "output label '" + label + "' appears more than once", at(index));
        if (!appears_in_any(result.inputs, c))
            fail(ErrorKind::semantic, "output label '" + label + "' does not appear in any operand", at(index));
        result.output += c;
        result.output_spans.push_back(at(index));
    }
    if (!result.output_spans.empty()) {
        const SourceSpan& last = result.output_spans.back();
        result.output_span.offset = result.output_spans.front().offset;
        result.output_span.length = last.offset + last.length - result.output_span.offset;
    }
    if (!arrow_seen) {
        result.explicit_output = false;
        result.output = implicit_output(result.inputs);
        result.output_span = text_span;
    }
    return result;
}

}  // namespace tilesum::expr
