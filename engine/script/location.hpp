// Turns a byte span into "path:line:col" (1-based) only when an error is reported.
#pragma once

#include <string>
#include <string_view>

#include "engine/common/error.hpp"

namespace tilesum::script {

struct LineCol {
    std::size_t line = 1;
    std::size_t column = 1;
};

LineCol line_col(std::string_view text, std::size_t offset);

// "data/seed.tsum:3:17"
std::string format_location(std::string_view path, std::string_view text, SourceSpan span);

}  // namespace tilesum::script
