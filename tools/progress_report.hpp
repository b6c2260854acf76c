// What `tilesum run` tells a person while it works, on stderr: the plan's prediction before the first tile, then
// progress. On a terminal one line redrawn in place ("tilesum: 120/450 tiles (26%), 35.2 tiles/s, ETA 9 s");
// elsewhere (a log file, a batch job) plain lines, one every interval, so the log shows the run is alive.
//   never      nothing
//   automatic  only for runs long enough to need it: in place after 2 s on a terminal (at most four draws a second);
//              plain lines every 30 s otherwise, and the prediction only when it is 30 s or more
//   always     from the start, however short: the prediction, in place from the first tile on a terminal, plain
//              lines every 10 s otherwise, and a last one when the run completes
#pragma once

#include <chrono>
#include <string>

#include "engine/exec/executor.hpp"
#include "tools/cli_options.hpp"

namespace tilesum::cli {

class ProgressReport {
public:
    // `terminal`: whether stderr is one (isatty), given so tests can choose.
    ProgressReport(ProgressMode mode, bool terminal);
    ~ProgressReport();  // ends the in-place line if one was drawn
    ProgressReport(const ProgressReport&) = delete;
    ProgressReport& operator=(const ProgressReport&) = delete;

    // Before the run: "tilesum: predicted 12 s, 250 MiB at peak of the 256 MiB budget, 2.1 GiB read".
    void announce(const std::string& prediction, double predicted_seconds);
    void update(const exec::Progress& progress);

private:
    using Clock = std::chrono::steady_clock;
    ProgressMode mode_;
    bool terminal_;
    bool drawn_ = false;  // an in-place line is on screen
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_line_{};
    bool any_line_ = false;
};

}  // namespace tilesum::cli
