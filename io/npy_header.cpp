#include "io/npy_header.hpp"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string_view>

#include "engine/common/error.hpp"
#include "io/input_reader.hpp"

namespace tilesum::io {

namespace {

constexpr std::string_view magic = "\x93NUMPY";
// Larger headers are not written by numpy (it caps them at 10 KiB unless told otherwise) and would only mean a
// corrupt length field: refusing them keeps a bad file from making us allocate gigabytes.
constexpr std::uint32_t max_header_bytes = 1 << 20;

[[noreturn]] void fail_malformed(const std::string& file, const std::string& what) {
    std::string message = "'" + file;
    message += "' has a malformed .npy header: ";
    message += what;
    fail(ErrorKind::usage, message);
}

// The header is a Python dict literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// followed by spaces and a newline. Only what numpy writes is accepted: string keys, a string descr, True or
// False, a tuple of non-negative integers. A descr that is a list (a structured dtype) is reported as such.
class HeaderDictParser {
public:
    HeaderDictParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    NpyHeader parse() {
        NpyHeader header;
        std::set<std::string> seen;
        expect('{');
        while (true) {
            skip_spaces();
            if (peek() == '}') break;
            const std::string key = parse_string();
            if (!seen.insert(key).second) malformed("the key '" + key + "' appears twice");
            expect(':');
            skip_spaces();
            if (key == "descr") {
                if (peek() == '[')
                    fail(ErrorKind::usage, "'" + file_ +
                                               "' holds a structured dtype (a record of named fields); "
                                               "tilesum reads arrays of numbers");
                header.descr = parse_string();
            } else if (key == "fortran_order") {
                header.fortran_order = parse_bool();
            } else if (key == "shape") {
                header.shape = parse_shape();
            } else {
                malformed("unexpected key '" + key + "'");
            }
            skip_spaces();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            if (peek() != '}') malformed("expected ',' or '}' at offset " + std::to_string(position_));
        }
        ++position_;
        for (; position_ < text_.size(); ++position_)
            if (!std::isspace(static_cast<unsigned char>(text_[position_])))
                malformed("text after the closing '}' at offset " + std::to_string(position_));
        for (const char* key : {"descr", "fortran_order", "shape"})
            if (!seen.count(key)) malformed(std::string("the key '") + key + "' is missing");
        return header;
    }

private:
    [[noreturn]] void malformed(const std::string& what) const { fail_malformed(file_, what); }

    char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }

    void skip_spaces() {
        while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) ++position_;
    }

    void expect(char wanted) {
        skip_spaces();
        if (peek() != wanted)
            malformed(std::string("expected '") + wanted + "' at offset " + std::to_string(position_));
        ++position_;
    }

    std::string parse_string() {
        const char quote = peek();
        if (quote != '\'' && quote != '"') malformed("expected a quoted string at offset " + std::to_string(position_));
        const std::size_t end = text_.find(quote, position_ + 1);
        if (end == std::string_view::npos) malformed("a string is not closed");
        std::string value(text_.substr(position_ + 1, end - position_ - 1));
        position_ = end + 1;
        return value;
    }

    bool parse_bool() {
        for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}})
            if (text_.substr(position_, word.size()) == word) {
                position_ += word.size();
                return value;
            }
        malformed("fortran_order is neither True nor False");
    }

    Shape parse_shape() {
        expect('(');
        Shape shape;
        while (true) {
            skip_spaces();
            if (peek() == ')') break;
            if (!std::isdigit(static_cast<unsigned char>(peek())))
                malformed("the shape holds something other than non-negative integers");
            Extent extent = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                if (extent > (std::numeric_limits<Extent>::max() - 9) / 10)
                    malformed("an extent of the shape is too large");
                extent = extent * 10 + (text_[position_++] - '0');
            }
            if (peek() == 'L') ++position_;  // Python 2 longs, in files written by old numpy
            shape.push_back(extent);
            skip_spaces();
            if (peek() == ',') {
                ++position_;
                continue;
            }
            if (peek() != ')') malformed("expected ',' or ')' in the shape at offset " + std::to_string(position_));
        }
        ++position_;
        return shape;
    }

    std::string_view text_;
    const std::string& file_;
    std::size_t position_ = 0;
};

}  // namespace

NpyHeader read_npy_header(const std::string& file) {
    require_input_file(file, "a .npy file");
    std::ifstream stream(file, std::ios::binary);
    if (!stream) fail(ErrorKind::usage, "cannot open '" + file + "' for reading: " + std::strerror(errno));
    std::error_code size_error;
    const std::uint64_t file_bytes = std::filesystem::file_size(file, size_error);

    // Magic (6 bytes), version (2), header length (2 in version 1, 4 from version 2 on, little-endian).
    unsigned char prefix[12] = {};
    stream.read(reinterpret_cast<char*>(prefix), 8);
    const std::size_t prefix_read = static_cast<std::size_t>(stream.gcount());
    const std::string_view prefix_text(reinterpret_cast<const char*>(prefix), prefix_read);
    if (prefix_read < magic.size() || prefix_text.substr(0, magic.size()) != magic) {
        std::string message = "'" + file;
        message += "' is not a .npy file (it does not start with numpy's magic \\x93NUMPY)";
        fail(ErrorKind::usage, message);
    }
    if (prefix_read < 8) fail(ErrorKind::usage, "'" + file + "' is truncated: it ends within the .npy version");

    NpyHeader header;
    header.major_version = prefix[6];
    const int minor_version = prefix[7];
    if (header.major_version < 1 || header.major_version > 3 || minor_version != 0) {
        std::string message = "'" + file;
        message += "' has .npy format version " + std::to_string(header.major_version) + "." +
                   std::to_string(minor_version) + "; tilesum reads versions 1.0, 2.0 and 3.0";
        fail(ErrorKind::usage, message);
    }
    const std::size_t length_bytes = header.major_version == 1 ? 2 : 4;
    stream.read(reinterpret_cast<char*>(prefix + 8), static_cast<std::streamsize>(length_bytes));
    if (static_cast<std::size_t>(stream.gcount()) < length_bytes)
        fail(ErrorKind::usage, "'" + file + "' is truncated: it ends within the .npy header length");
    std::uint32_t header_bytes = 0;
    for (std::size_t byte = length_bytes; byte-- > 0;) header_bytes = header_bytes << 8 | prefix[8 + byte];
    if (header_bytes > max_header_bytes)
        fail_malformed(file, "it claims " + std::to_string(header_bytes) + " bytes, more than numpy ever writes");

    std::string text(header_bytes, '\0');
    stream.read(text.data(), header_bytes);
    if (static_cast<std::uint32_t>(stream.gcount()) < header_bytes) {
        std::string message = "'" + file;
        message += "' is truncated: its .npy header says " + std::to_string(header_bytes) +
                   " bytes, the file ends after " + std::to_string(stream.gcount());
        fail(ErrorKind::usage, message);
    }
    NpyHeader parsed = HeaderDictParser(text, file).parse();
    parsed.major_version = header.major_version;
    parsed.data_offset = 8 + length_bytes + header_bytes;
    parsed.file_bytes = file_bytes;
    return parsed;
}

}  // namespace tilesum::io
