// Byte offsets become line:col only here, when an error is reported (DuckDB keeps offsets the same way).
#include "engine/script/location.hpp"

#include <algorithm>

namespace tilesum::script {

// Columns count bytes, tabs included, so they agree with the offsets every span is made of.
LineCol line_col(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, std::min(offset, text.size()));
    LineCol result;
    result.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t last_newline = before.rfind('\n');
    const std::size_t line_start = last_newline == std::string_view::npos ? 0 : last_newline + 1;
    result.column = before.size() - line_start + 1;
    return result;
}

std::string format_location(std::string_view path, std::string_view text, SourceSpan span) {
    const LineCol position = line_col(text, span.offset);
    return std::string(path) + ":" + std::to_string(position.line) + ":" + std::to_string(position.column);
}

}  // namespace tilesum::script
