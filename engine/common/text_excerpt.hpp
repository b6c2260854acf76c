// User text quoted in error messages, readable whatever bytes it holds: shared by the script lexer and parser
// (engine/script) and the einsum subscripts parser (engine/expr).
#pragma once

#include <string>
#include <string_view>

namespace tilesum {

// "'$'" for a printable ASCII character, "(byte 0x00)" otherwise, so binary garbage renders readably.
std::string describe_character(char c);

// A quoted excerpt of user text for a message, shortened so a 10 MB name cannot make a 10 MB message.
std::string quote_excerpt(std::string_view text);

}  // namespace tilesum
