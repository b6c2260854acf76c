// libFuzzer target: a whole script through the parser and the binder, inputs given made-up shapes. Any input
// must end in a parsed program or a tilesum::Error whose span lies within the text; a crash, a sanitizer report,
// another exception or a span out of range is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/common/error.hpp"
#include "engine/script/binder.hpp"
#include "engine/script/location.hpp"
#include "engine/script/parser.hpp"

namespace {

// A small shape of rank 0-3 from the name, so that the same name always has the same shape and some einsums bind.
tilesum::expr::InputSpec made_up_input(const tilesum::expr::InputUse& use) {
    std::size_t hash = std::hash<std::string>{}(use.name);
    tilesum::Shape shape(hash % 4);
    for (tilesum::Extent& extent : shape) {
        hash /= 4;
        extent = static_cast<tilesum::Extent>(hash % 3 + 1);
    }
    return tilesum::expr::InputSpec{shape};
}

void check_span(const tilesum::Error& error, const std::string& text) {
    if (!error.span()) return;
    const tilesum::SourceSpan span = *error.span();
    if (span.offset > text.size() || span.length > text.size() - span.offset) std::abort();
    (void)tilesum::script::format_location("fuzz.tsum", text, span);  // must not crash on any text
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const tilesum::script::Script script = tilesum::script::parse_script(text);
        (void)tilesum::script::bind(script, made_up_input);
    } catch (const tilesum::Error& error) {
        check_span(error, text);
    }
    return 0;
}
