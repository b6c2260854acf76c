#include "engine/eval/arena.hpp"

#include <string>

#include "engine/common/error.hpp"
#include "engine/eval/tile_memory.hpp"

namespace tilesum::eval {

Arena::~Arena() {
    for (auto& [bytes, data] : kept_) free_tile_memory(data, bytes);
}

std::size_t Arena::peak_bytes() const {
    std::lock_guard lock(mutex_);
    return peak_bytes_;
}

void Arena::drop_kept_buffers_locked(std::size_t needed_bytes) {
    while (!kept_.empty() && used_bytes_ + kept_bytes_ + needed_bytes > budget_bytes_) {
        auto largest = std::prev(kept_.end());
        kept_bytes_ -= largest->first;
        free_tile_memory(largest->second, largest->first);
        kept_.erase(largest);
    }
}

std::shared_ptr<Arena::Buffer> Arena::allocate(std::size_t elements) {
    const std::size_t bytes = elements * sizeof(double);
    double* data = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (mode_ == Mode::real && bytes > 0) {
            if (auto kept = kept_.find(bytes); kept != kept_.end()) {
                data = kept->second;
                kept_bytes_ -= bytes;
                kept_.erase(kept);
            } else {
                drop_kept_buffers_locked(bytes);
                if (used_bytes_ + bytes > budget_bytes_)
                    fail(ErrorKind::internal,
                         "internal error (a bug in tilesum): the plan exceeded its memory budget (" +
                             std::to_string(used_bytes_ + bytes) + " > " + std::to_string(budget_bytes_) + " bytes)");
                data = allocate_tile_memory(bytes);
                if (!data) fail(ErrorKind::resource, "out of memory allocating " + std::to_string(bytes) + " bytes");
            }
        }
        used_bytes_ += bytes;
        if (used_bytes_ > peak_bytes_) peak_bytes_ = used_bytes_;
    }
    return std::make_shared<Buffer>(*this, bytes, data);
}

void Arena::release(std::size_t bytes, double* data) {
    std::lock_guard lock(mutex_);
    used_bytes_ -= bytes;
    if (data) {
        kept_.emplace(bytes, data);
        kept_bytes_ += bytes;
    }
}

}  // namespace tilesum::eval
