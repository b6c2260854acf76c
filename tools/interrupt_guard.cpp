#include "tools/interrupt_guard.hpp"

#include <csignal>

namespace tilesum::cli {

namespace {

std::atomic<bool> interrupt_requested{false};

extern "C" void request_interrupt(int signal_number) {
    interrupt_requested.store(true);
    std::signal(signal_number, SIG_DFL);
}

}  // namespace

InterruptGuard::InterruptGuard() {
    interrupt_requested.store(false);
    std::signal(SIGINT, request_interrupt);
    std::signal(SIGTERM, request_interrupt);
}

InterruptGuard::~InterruptGuard() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

const std::atomic<bool>& InterruptGuard::requested() const { return interrupt_requested; }

}  // namespace tilesum::cli
