#include "tools/progress_line.hpp"

#include <unistd.h>

#include <cstdio>

namespace tilesum::cli {

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() {
    if (drawn_) std::fputc('\n', stderr);
}

void ProgressLine::update(const exec::Progress& progress) {
    if (!enabled_) return;
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const bool finished = progress.tiles_done == progress.tiles_total;
    if (elapsed < 2.0 || (!finished && now - last_draw_ < std::chrono::milliseconds(250))) return;
    last_draw_ = now;
    const double rate = static_cast<double>(progress.tiles_done) / elapsed;
    const double eta = rate > 0 ? static_cast<double>(progress.tiles_total - progress.tiles_done) / rate : 0;
    std::fprintf(stderr, "\rtilesum: %lld/%lld tiles (%.0f%%), %.1f tiles/s, ETA %.0f s   ",
                 static_cast<long long>(progress.tiles_done), static_cast<long long>(progress.tiles_total),
                 100.0 * static_cast<double>(progress.tiles_done) / static_cast<double>(progress.tiles_total), rate,
                 eta);
    std::fflush(stderr);
    drawn_ = true;
}

}  // namespace tilesum::cli
