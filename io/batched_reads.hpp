// Many reads of one file at once, submitted together through io_uring where the kernel allows it.
//
// Why: a square block of a wide matrix is one short run per row (1446 runs of 11.5 KiB per block on the seed at
// n = 32768), and on a virtual machine every system call is expensive: one pread(2) per run spent more time
// entering and leaving the kernel than copying. One io_uring submission carries hundreds of reads; measured on
// 7.8 GiB of such runs from the page cache, one thread: 2.41 s with pread, 1.46 s through io_uring (README).
// Where io_uring is missing or refused (old kernels, seccomp in containers, kernel.io_uring_disabled) or
// TILESUM_IO_URING=0 is set, each read is one pread: same results, only slower.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace tilesum::io {

struct ReadRequest {
    std::uint64_t file_offset = 0;
    std::size_t bytes = 0;
    void* dst = nullptr;
};

// Reads every request from `descriptor` into its destination. `read_one` reads one byte range completely or
// throws the caller's error (it is the caller's own pread loop): it gets every request when io_uring is not used,
// and the rest of any request io_uring read short or failed, after every submitted read has completed, so no
// read is still writing into a buffer when an error propagates. Callable from several threads at once (each
// thread keeps its own ring).
void read_batch(int descriptor, const std::vector<ReadRequest>& requests,
                const std::function<void(std::uint64_t file_offset, std::size_t bytes, void* dst)>& read_one);

// Whether read_batch submits through io_uring on this thread (false when the kernel refuses it or
// TILESUM_IO_URING=0); for tests and the README's measurements.
bool batched_reads_use_io_uring();

}  // namespace tilesum::io
