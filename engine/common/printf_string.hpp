// printf formatting into a std::string of whatever length it needs (g++ 12 has no std::format): lines of
// `tilesum plan` that hold names or terms of any length are never cut off.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace tilesum {

[[gnu::format(printf, 1, 2)]] inline std::string printf_string(const char* format, ...) {
    va_list arguments;
    va_start(arguments, format);
    va_list again;
    va_copy(again, arguments);
    const int length = std::vsnprintf(nullptr, 0, format, arguments);
    va_end(arguments);
    std::string text(length > 0 ? static_cast<std::size_t>(length) : 0, '\0');
    if (length > 0) std::vsnprintf(text.data(), text.size() + 1, format, again);
    va_end(again);
    return text;
}

}  // namespace tilesum
