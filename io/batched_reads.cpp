#include "io/batched_reads.hpp"

#include <liburing.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tilesum::io {

namespace {

// Reads in flight per thread: enough that a block's runs go in a handful of submissions (measured: 64 entries
// already give most of the gain over pread), small enough that the ring costs a few KiB.
constexpr unsigned ring_entries = 256;

// Set once a ring could not be made (the kernel has no io_uring, or refuses it): every thread then uses pread.
std::atomic<bool> io_uring_refused{false};

// Read at every batch, not once: tests switch it within one process.
bool disabled_by_environment() {
    const char* value = std::getenv("TILESUM_IO_URING");
    return value && std::strcmp(value, "0") == 0;
}

// This thread's ring, closed when the thread ends.
class ThreadRing {
public:
    ThreadRing() = default;
    ~ThreadRing() {
        if (ready_) io_uring_queue_exit(&ring_);
    }
    ThreadRing(const ThreadRing&) = delete;
    ThreadRing& operator=(const ThreadRing&) = delete;

    // The ring, made on first use; nullptr when io_uring is not to be used.
    io_uring* ring() {
        if (broken_ || disabled_by_environment()) return nullptr;
        if (!ready_ && !io_uring_refused.load()) {
            if (io_uring_queue_init(ring_entries, &ring_, 0) == 0)
                ready_ = true;
            else
                io_uring_refused.store(true);
        }
        return ready_ ? &ring_ : nullptr;
    }
    // After the ring itself failed: entries may be left unsubmitted in it, so it is never used again.
    void retire() { broken_ = true; }

private:
    io_uring ring_{};
    bool ready_ = false;
    bool broken_ = false;
};

ThreadRing& this_thread_ring() {
    thread_local ThreadRing ring;
    return ring;
}

}  // namespace

bool batched_reads_use_io_uring() { return this_thread_ring().ring() != nullptr; }

void read_batch(int descriptor, const std::vector<ReadRequest>& requests,
                const std::function<void(std::uint64_t, std::size_t, void*)>& read_one) {
    ThreadRing& thread_ring = this_thread_ring();
    io_uring* ring = requests.size() > 1 ? thread_ring.ring() : nullptr;
    if (!ring) {
        for (const ReadRequest& request : requests) read_one(request.file_offset, request.bytes, request.dst);
        return;
    }
    // Requests not read completely: (request index, bytes io_uring did read), finished by read_one at the end.
    std::vector<std::pair<std::size_t, std::size_t>> unfinished;
    std::vector<char> completed(requests.size(), 0);  // io_uring reported on it (fully read or in `unfinished`)
    const auto note_completion = [&](const io_uring_cqe& completion) {
        const std::size_t index = io_uring_cqe_get_data64(&completion);
        const int result = completion.res;
        completed[index] = 1;
        if (result < 0 || static_cast<std::size_t>(result) < requests[index].bytes)
            unfinished.emplace_back(index, result > 0 ? static_cast<std::size_t>(result) : 0);
    };
    std::size_t next = 0, in_flight = 0;
    while (next < requests.size() || in_flight > 0) {
        for (; next < requests.size(); ++next) {
            io_uring_sqe* entry = io_uring_get_sqe(ring);
            if (!entry) break;
            const ReadRequest& request = requests[next];
            // A read is at most 2 GiB - 4 KiB per call, like pread; longer requests finish through read_one.
            const auto bytes = static_cast<unsigned>(std::min<std::size_t>(request.bytes, 0x7ffff000));
            io_uring_prep_read(entry, descriptor, request.dst, bytes, request.file_offset);
            io_uring_sqe_set_data64(entry, next);
            ++in_flight;
        }
        const int submitted = io_uring_submit_and_wait(ring, 1);
        if (submitted < 0 && submitted != -EINTR && submitted != -EAGAIN && submitted != -EBUSY) {
            // The ring itself failed, not one read. What it took is still completing into our buffers: wait for
            // that, leave the ring for good, and read the rest (entries it never took, or took and failed) by pread.
            const unsigned never_taken = io_uring_sq_ready(ring);
            io_uring_cqe* completion = nullptr;
            for (std::size_t taken = in_flight - never_taken; taken > 0 && io_uring_wait_cqe(ring, &completion) == 0;
                 --taken) {
                note_completion(*completion);
                io_uring_cqe_seen(ring, completion);
            }
            thread_ring.retire();
            for (std::size_t index = 0; index < next; ++index)
                if (!completed[index]) unfinished.emplace_back(index, 0);
            for (std::size_t index = next; index < requests.size(); ++index) unfinished.emplace_back(index, 0);
            break;
        }
        unsigned head = 0, seen = 0;
        io_uring_cqe* completion = nullptr;
        io_uring_for_each_cqe(ring, head, completion) {
            note_completion(*completion);
            ++seen;
        }
        io_uring_cq_advance(ring, seen);
        in_flight -= seen;
    }
    // Nothing is in flight any more: read_one may throw.
    std::sort(unfinished.begin(), unfinished.end());
    for (const auto& [index, done] : unfinished) {
        const ReadRequest& request = requests[index];
        read_one(request.file_offset + done, request.bytes - done, static_cast<char*>(request.dst) + done);
    }
}

}  // namespace tilesum::io
