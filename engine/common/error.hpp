// The one error family of tilesum. A user error (what the user gave: script, data, options, budget) carries a
// kind the CLI maps to exit status 2; io errors map to 1; internal errors are bugs.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace tilesum {

enum class ErrorKind {
    syntax,       // the script does not parse
    semantic,     // the script parses but means nothing valid (shapes, names, subscripts)
    unsupported,  // valid numpy, not supported yet
    resource,     // the budget is too small for the work
    usage,        // command-line options, missing datasets and other things the user names
    io,           // a run-time failure reading or writing files
    internal,     // a bug in tilesum
    interrupted,  // the user stopped the run (SIGINT, SIGTERM)
};

// A byte range in the script text. Only the error renderer turns it into line:col.
struct SourceSpan {
    std::size_t offset = 0;
    std::size_t length = 0;
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, std::optional<SourceSpan> span = std::nullopt)
        : std::runtime_error(message), kind_(kind), span_(span) {}

    ErrorKind kind() const { return kind_; }
    const std::optional<SourceSpan>& span() const { return span_; }
    bool is_user_error() const {
        return kind_ != ErrorKind::io && kind_ != ErrorKind::internal && kind_ != ErrorKind::interrupted;
    }

private:
    ErrorKind kind_;
    std::optional<SourceSpan> span_;
};

// "syntax", "usage", ...: for test messages and logs.
inline const char* error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::syntax: return "syntax";
        case ErrorKind::semantic: return "semantic";
        case ErrorKind::unsupported: return "unsupported";
        case ErrorKind::resource: return "resource";
        case ErrorKind::usage: return "usage";
        case ErrorKind::io: return "io";
        case ErrorKind::internal: return "internal";
        case ErrorKind::interrupted: return "interrupted";
    }
    return "unknown";
}

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message,
                              std::optional<SourceSpan> span = std::nullopt) {
    throw Error(kind, message, span);
}

}  // namespace tilesum

// An internal invariant: stays on in release builds; a failure is a bug in tilesum, never a user mistake.
#define TILESUM_ASSERT(cond)                                                                                     \
    do {                                                                                                         \
        if (!(cond))                                                                                             \
            ::tilesum::fail(::tilesum::ErrorKind::internal, std::string("internal error (a bug in tilesum): ") + \
                                                                #cond + " at " __FILE__ ":" +                    \
                                                                std::to_string(__LINE__));                       \
    } while (0)
