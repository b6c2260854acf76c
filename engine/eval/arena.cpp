#include "engine/eval/arena.hpp"

#include <cstdlib>
#include <new>
#include <string>

#include "engine/common/error.hpp"

namespace tilesum::eval {

std::shared_ptr<Arena::Buffer> Arena::allocate(std::size_t elements) {
    const std::size_t bytes = elements * sizeof(double);
    std::size_t used = used_bytes_.fetch_add(bytes) + bytes;
    if (mode_ == Mode::real && used > budget_bytes_) {
        used_bytes_ -= bytes;
        fail(ErrorKind::internal, "internal error (a bug in tilesum): the plan exceeded its memory budget (" +
                                      std::to_string(used) + " > " + std::to_string(budget_bytes_) + " bytes)");
    }
    std::size_t peak = peak_bytes_.load();
    while (used > peak && !peak_bytes_.compare_exchange_weak(peak, used)) {
    }
    double* data = nullptr;
    if (mode_ == Mode::real && bytes > 0) {
        data = static_cast<double*>(std::malloc(bytes));
        if (!data) {
            used_bytes_ -= bytes;
            fail(ErrorKind::resource, "out of memory allocating " + std::to_string(bytes) + " bytes");
        }
    }
    return std::make_shared<Buffer>(*this, bytes, data);
}

Arena::Buffer::~Buffer() {
    std::free(data_);
    arena_.release(bytes_);
}

}  // namespace tilesum::eval
