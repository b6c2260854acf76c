// libFuzzer target: einsum subscripts alone, then bound to operands whose shapes come from the first bytes, so
// that ellipsis expansion, diagonals and broadcasting run on what parses. Only tilesum::Error may come out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/common/error.hpp"
#include "engine/expr/build.hpp"
#include "engine/expr/subscripts.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    // Byte 0: operand count; bytes 1-3: extents that shapes cycle through (0-3, zeros included).
    const std::size_t operand_count = data[0] % 4 + 1;
    const std::string text(reinterpret_cast<const char*>(data + 4), size - 4);
    try {
        const tilesum::expr::Subscripts subscripts =
            tilesum::expr::parse_subscripts(text, tilesum::SourceSpan{0, text.size()});
        std::vector<tilesum::expr::Operand> operands;
        for (std::size_t position = 0; position < operand_count; ++position) {
            const std::size_t rank = position < subscripts.inputs.size() ? subscripts.inputs[position].size() : 1;
            tilesum::Shape shape;
            for (std::size_t axis = 0; axis < rank && axis < 6; ++axis)
                shape.push_back(data[1 + (position + axis) % 3] % 4);
            operands.push_back({tilesum::expr::make_input("X" + std::to_string(position), shape, tilesum::DType::f64),
                                "X" + std::to_string(position), std::nullopt});
        }
        (void)tilesum::expr::make_einsum(subscripts, operands, std::nullopt);
    } catch (const tilesum::Error& error) {
        if (error.span() && error.span()->offset > text.size()) std::abort();
    }
    return 0;
}
