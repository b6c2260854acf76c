// The planner's expected failure: a candidate (a tiling, a strategy, a piece policy) that does not fit the memory
// budget. The search returns it and tries the next candidate; only when nothing fits does make_plan turn it into the
// user error (Error{resource}), whose message it already is (CONTRIBUTING.md: expected failures are return values).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "engine/common/error.hpp"

namespace tilesum::plan {

// Why a candidate does not fit: the message the user reads when no candidate fits ("memory budget 1.0 MiB is too
// small for output 'E': ... the smallest budget that works is --memory 2MiB").
struct NoFit {
    std::string message;
};

// A candidate that fits, or why it does not.
template <class T>
class Fit {
public:
    Fit(T value) : value_(std::move(value)) {}
    Fit(NoFit no_fit) : no_fit_(std::move(no_fit.message)) {}

    bool fits() const { return value_.has_value(); }
    T& value() {
        TILESUM_ASSERT(value_);
        return *value_;
    }
    const std::string& why_not() const {
        TILESUM_ASSERT(!value_);
        return no_fit_;
    }
    NoFit no_fit() const { return NoFit{why_not()}; }
    // The value; where the search has no candidate left, the user error Error{resource}.
    T value_or_fail() && {
        if (!value_) fail(ErrorKind::resource, no_fit_);
        return std::move(*value_);
    }

private:
    std::optional<T> value_;
    std::string no_fit_;
};

}  // namespace tilesum::plan
