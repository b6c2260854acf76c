// Byte counts for people: "64.0 MiB", and the SIZE syntax of --memory ("64MiB", "1G", "4096").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tilesum {

std::string format_bytes(double bytes);

// A budget that --memory accepts and that is at least `bytes`, rounded up to a whole KiB or MiB.
std::string format_size_option(std::uint64_t bytes);

// Bytes, or a number with suffix K M G T / KiB MiB GiB TiB / KB MB GB (all powers of 1024); case-insensitive
// suffix, optional 'B' alone. std::nullopt when malformed or zero.
std::optional<std::uint64_t> parse_size(const std::string& text);

}  // namespace tilesum
