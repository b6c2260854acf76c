// Ctrl-C or a polite kill (SIGTERM) while a command works: the handler only sets a flag, the work notices it
// between tiles or measurements and fails with Error{interrupted}, so that RAII cleans up (no partial output,
// no scratch files). A second signal kills the process at once (the default action is restored).
#pragma once

#include <atomic>

namespace tilesum::cli {

class InterruptGuard {
public:
    InterruptGuard();   // installs the handlers and clears the flag
    ~InterruptGuard();  // restores the default actions
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    // Set once a signal arrived; what the work polls.
    const std::atomic<bool>& requested() const;
};

}  // namespace tilesum::cli
