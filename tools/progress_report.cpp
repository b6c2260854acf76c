#include "tools/progress_report.hpp"

#include <cstdio>

#include "engine/common/printf_string.hpp"

namespace tilesum::cli {

namespace {

constexpr double quiet_start_seconds = 2.0;  // automatic, terminal: nothing for runs shorter than this
constexpr double redraw_seconds = 0.25;      // terminal: at most four draws a second
constexpr double log_interval_seconds = 30;  // automatic, not a terminal
constexpr double always_log_interval_seconds = 10;

}  // namespace

ProgressReport::ProgressReport(ProgressMode mode, bool terminal) : mode_(mode), terminal_(terminal) {}

ProgressReport::~ProgressReport() {
    if (drawn_) std::fputc('\n', stderr);
}

void ProgressReport::announce(const std::string& prediction, double predicted_seconds) {
    const bool shown = mode_ == ProgressMode::always ||
                       (mode_ == ProgressMode::automatic && (terminal_ || predicted_seconds >= log_interval_seconds));
    if (shown) std::fprintf(stderr, "tilesum: %s\n", prediction.c_str());
}

void ProgressReport::update(const exec::Progress& progress) {
    if (mode_ == ProgressMode::never) return;
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double since_last = std::chrono::duration<double>(now - last_line_).count();
    const bool finished = progress.tiles_done == progress.tiles_total;
    const bool always = mode_ == ProgressMode::always;
    if (terminal_) {
        if ((!always && elapsed < quiet_start_seconds) || (!finished && any_line_ && since_last < redraw_seconds))
            return;
    } else {
        const double interval = always ? always_log_interval_seconds : log_interval_seconds;
        const bool first_of_always = always && !any_line_;
        const bool last_of_always = always && finished;
        if (!first_of_always && !last_of_always && (any_line_ ? since_last : elapsed) < interval) return;
    }
    last_line_ = now;
    any_line_ = true;
    const double rate = elapsed > 0 ? static_cast<double>(progress.tiles_done) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(progress.tiles_total - progress.tiles_done) / rate : 0;
    const std::string line =
        printf_string("tilesum: %lld/%lld tiles (%.0f%%), %.1f tiles/s, %.0f s elapsed, ETA %.0f s",
                      static_cast<long long>(progress.tiles_done), static_cast<long long>(progress.tiles_total),
                      progress.tiles_total
                          ? 100.0 * static_cast<double>(progress.tiles_done) / static_cast<double>(progress.tiles_total)
                          : 100.0,
                      rate, elapsed, eta);
    if (terminal_) {
        std::fprintf(stderr, "\r%s   ", line.c_str());
        drawn_ = true;
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

}  // namespace tilesum::cli
