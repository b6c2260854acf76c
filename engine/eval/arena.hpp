// The budgeted allocator: every tile buffer comes from here, so the memory budget is enforced, not hoped for.
// A dry arena hands out no memory at all: it only counts, which is how the planner measures a tile's peak
// by running the very same evaluation code that a real tile runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace tilesum::eval {

class Arena {
public:
    enum class Mode { real, dry };
    Arena(std::size_t budget_bytes, Mode mode) : budget_bytes_(budget_bytes), mode_(mode) {}
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    class Buffer;
    // Exceeding the budget is a planner bug (the plan proved every tile in flight fits): an internal error.
    std::shared_ptr<Buffer> allocate(std::size_t elements);

    bool dry() const { return mode_ == Mode::dry; }
    std::size_t budget_bytes() const { return budget_bytes_; }
    std::size_t used_bytes() const { return used_bytes_.load(); }
    std::size_t peak_bytes() const { return peak_bytes_.load(); }

private:
    void release(std::size_t bytes) { used_bytes_ -= bytes; }

    std::size_t budget_bytes_;
    Mode mode_;
    std::atomic<std::size_t> used_bytes_{0};
    std::atomic<std::size_t> peak_bytes_{0};
};

class Arena::Buffer {
public:
    Buffer(Arena& arena, std::size_t bytes, double* data) : arena_(arena), bytes_(bytes), data_(data) {}
    ~Buffer();
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    double* data() const { return data_; }

private:
    Arena& arena_;
    std::size_t bytes_;
    double* data_;  // nullptr in a dry arena
};

}  // namespace tilesum::eval
