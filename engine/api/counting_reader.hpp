// A reader that counts the bytes it delivers, for the run report (RunStats::bytes_read): every read of a plan's
// inputs goes through one of these, so the count is what the engine asked storage for, tile by tile, in float64.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/common/tensor_io.hpp"

namespace tilesum::api {

class CountingReader final : public TensorReader {
public:
    CountingReader(TensorReader& reader, std::atomic<std::uint64_t>& bytes) : reader_(reader), bytes_(bytes) {}

    void read(const Ranges& ranges, double* dst) override {
        reader_.read(ranges, dst);
        bytes_.fetch_add(static_cast<std::uint64_t>(element_count(range_shape(ranges))) * sizeof(double),
                         std::memory_order_relaxed);
    }
    void will_read_all(const std::atomic<bool>& cancel) noexcept override { reader_.will_read_all(cancel); }

private:
    TensorReader& reader_;
    std::atomic<std::uint64_t>& bytes_;
};

}  // namespace tilesum::api
