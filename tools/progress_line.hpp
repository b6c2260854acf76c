// "tilesum: 120/450 tiles (26%), 35.2 tiles/s, ETA 9 s" on stderr, rewritten in place; only on a terminal,
// only once a run has lasted two seconds, at most four times a second.
#pragma once

#include <chrono>

#include "engine/exec/executor.hpp"

namespace tilesum::cli {

class ProgressLine {
public:
    explicit ProgressLine(bool enabled);
    ~ProgressLine();  // ends the line if one was drawn
    void update(const exec::Progress& progress);

private:
    using Clock = std::chrono::steady_clock;
    bool enabled_;
    bool drawn_ = false;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_draw_{};
};

}  // namespace tilesum::cli
