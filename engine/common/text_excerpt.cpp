#include "engine/common/text_excerpt.hpp"

#include <cstdio>

namespace tilesum {

std::string describe_character(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > 0x20 && byte < 0x7f) return std::string("'") + c + "'";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "(byte 0x%02X)", static_cast<unsigned>(byte));
    return buffer;
}

std::string quote_excerpt(std::string_view text) {
    constexpr std::size_t max_chars = 40;
    // Appended piece by piece: `"'" + std::string(...)` trips GCC 12's false -Wrestrict (GCC bug 105329).
    std::string quoted(1, '\'');
    quoted.append(text.substr(0, text.size() <= max_chars ? text.size() : max_chars - 3));
    quoted.append(text.size() <= max_chars ? "'" : "...'");
    return quoted;
}

}  // namespace tilesum
