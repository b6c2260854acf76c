#include "engine/common/bytes.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace tilesum {

std::string format_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (bytes >= 1024.0 && unit < 4) {
        bytes /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
    return text;
}

std::string format_size_option(std::uint64_t bytes) {
    const std::uint64_t mib = std::uint64_t{1} << 20;
    if (bytes >= mib) return std::to_string((bytes + mib - 1) / mib) + "MiB";
    return std::to_string((bytes + 1023) / 1024) + "KiB";
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
    std::size_t position = 0;
    while (position < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[position])) || text[position] == '.'))
        ++position;
    if (position == 0) return std::nullopt;
    const std::string number = text.substr(0, position);
    // "." alone, or two dots, is no number (std::stod would throw on ".").
    if (number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
    std::string suffix;
    for (char c : text.substr(position)) {
        if (c == ' ') continue;
        suffix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    double multiplier = 0;
    if (suffix.empty() || suffix == "B")
        multiplier = 1;
    else if (suffix == "K" || suffix == "KB" || suffix == "KIB")
        multiplier = 1024.0;
    else if (suffix == "M" || suffix == "MB" || suffix == "MIB")
        multiplier = 1024.0 * 1024;
    else if (suffix == "G" || suffix == "GB" || suffix == "GIB")
        multiplier = 1024.0 * 1024 * 1024;
    else if (suffix == "T" || suffix == "TB" || suffix == "TIB")
        multiplier = 1024.0 * 1024 * 1024 * 1024;
    else
        return std::nullopt;
    double value = std::stod(number) * multiplier;
    if (!(value >= 1) || value > 1e18) return std::nullopt;
    return static_cast<std::uint64_t>(std::floor(value));
}

}  // namespace tilesum
