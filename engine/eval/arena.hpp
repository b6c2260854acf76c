// The budgeted allocator: every tile buffer comes from here, so the memory budget is enforced, not hoped for.
//
// Freed buffers are kept and handed out again for the same size: tiles of one output allocate the same sizes
// over and over, and first-touching fresh pages costs more than the arithmetic on them (DESIGN.md: 0.24–1.8 s
// per GiB on this machine). Buffers in use plus buffers kept never exceed the budget: an allocation that would
// cross it drops kept buffers first.
//
// A dry arena hands out no memory at all: it only counts, which is how the planner measures a tile's peak by
// running the very same evaluation code that a real tile runs.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace tilesum::eval {

class Arena {
public:
    enum class Mode { real, dry };
    Arena(std::size_t budget_bytes, Mode mode) : budget_bytes_(budget_bytes), mode_(mode) {}
    ~Arena();
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    class Buffer;
    // Exceeding the budget is a planner bug (the plan proved every tile in flight fits): an internal error.
    std::shared_ptr<Buffer> allocate(std::size_t elements);

    bool dry() const { return mode_ == Mode::dry; }
    std::size_t budget_bytes() const { return budget_bytes_; }
    std::size_t peak_bytes() const;

private:
    void release(std::size_t bytes, double* data);
    void drop_kept_buffers_locked(std::size_t needed_bytes);

    std::size_t budget_bytes_;
    Mode mode_;
    mutable std::mutex mutex_;
    std::size_t used_bytes_ = 0;
    std::size_t kept_bytes_ = 0;
    std::size_t peak_bytes_ = 0;
    std::multimap<std::size_t, double*> kept_;  // freed buffers by size, ready for reuse
};

class Arena::Buffer {
public:
    Buffer(Arena& arena, std::size_t bytes, double* data) : arena_(arena), bytes_(bytes), data_(data) {}
    ~Buffer() { arena_.release(bytes_, data_); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    double* data() const { return data_; }

private:
    Arena& arena_;
    std::size_t bytes_;
    double* data_;  // nullptr in a dry arena
};

}  // namespace tilesum::eval
