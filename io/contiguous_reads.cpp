#include "io/contiguous_reads.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engine/common/error.hpp"
#include "io/batched_reads.hpp"

namespace tilesum::io {

namespace {

// Runs closer than this are read together: reading a gap from the page cache costs about what one more pread
// costs (≈ 1.5 µs at ≈ 5 GB/s is ≈ 8 KiB).
constexpr std::size_t merge_gap_bytes = 8 << 10;
// Runs are merged into spans of at most this, read into a per-thread staging buffer (part of the stated
// overhead above the budget, like HDF5's own buffers).
constexpr std::size_t staging_bytes = 1 << 20;

std::vector<unsigned char>& staging() {
    thread_local std::vector<unsigned char> buffer;
    if (buffer.size() < staging_bytes) buffer.resize(staging_bytes);
    return buffer;
}

// Little-endian float64 or float32 bytes to float64.
void decode_float64(const unsigned char* src, std::size_t elements, double* dst) {
    std::memcpy(dst, src, elements * sizeof(double));
}
void decode_float32(const unsigned char* src, std::size_t elements, double* dst) {
    for (std::size_t element = 0; element < elements; ++element) {
        float value;
        std::memcpy(&value, src + element * sizeof(float), sizeof(float));
        dst[element] = value;
    }
}

}  // namespace

ElementDecoder little_endian_float_decoder(DType dtype) {
    TILESUM_ASSERT(dtype == DType::f32 || dtype == DType::f64);
    return dtype == DType::f64 ? ElementDecoder{sizeof(double), decode_float64}
                               : ElementDecoder{sizeof(float), decode_float32};
}

ContiguousReads::ContiguousReads(std::string file, std::string dataset, std::uint64_t data_offset, Shape shape,
                                 DType dtype)
    : ContiguousReads(std::move(file), std::move(dataset), data_offset, std::move(shape),
                      little_endian_float_decoder(dtype)) {}

ContiguousReads::ContiguousReads(std::string file, std::string dataset, std::uint64_t data_offset, Shape shape,
                                 ElementDecoder decoder)
    : file_(std::move(file)),
      dataset_(std::move(dataset)),
      data_offset_(data_offset),
      shape_(std::move(shape)),
      element_bytes_(decoder.bytes),
      decoder_(decoder),
      raw_float64_(decoder.decode == decode_float64) {
    TILESUM_ASSERT(decoder.bytes > 0 && decoder.bytes <= staging_bytes && decoder.decode != nullptr);
    descriptor_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor_ < 0) fail(ErrorKind::io, "cannot open '" + file_ + "' for reading: " + std::strerror(errno));
}

ContiguousReads::~ContiguousReads() {
    if (descriptor_ >= 0) ::close(descriptor_);
}

void ContiguousReads::read_bytes(std::uint64_t file_offset, std::size_t bytes, void* dst) const {
    auto* cursor = static_cast<unsigned char*>(dst);
    while (bytes > 0) {
        const ssize_t got = ::pread(descriptor_, cursor, bytes, static_cast<off_t>(file_offset));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            std::string message = dataset_.empty() ? "reading '" + file_ + "'" : "reading dataset '" + dataset_;
            if (!dataset_.empty()) message += "' in '" + file_ + "'";
            message += " failed: ";
            message += got < 0 ? std::strerror(errno) : "the file ends before the dataset's data";
            fail(ErrorKind::io, message);
        }
        cursor += got;
        file_offset += static_cast<std::uint64_t>(got);
        bytes -= static_cast<std::size_t>(got);
    }
}

template <class Visit>
void ContiguousReads::for_each_run(const Ranges& ranges, Visit&& visit) const {
    TILESUM_ASSERT(ranges.size() == shape_.size());
    const Shape lengths = range_shape(ranges);
    if (element_count(lengths) == 0) return;
    const std::size_t rank = shape_.size();
    std::vector<Extent> strides(rank, 1);  // in elements, C order
    for (std::size_t axis = rank; axis-- > 1;) strides[axis - 1] = strides[axis] * shape_[axis];

    // The hyperslab is a set of equally long runs: one per index of the axes before the innermost partial one.
    std::size_t partial = rank;
    for (std::size_t axis = 0; axis < rank; ++axis)
        if (lengths[axis] < shape_[axis]) partial = axis;
    const Extent run_elements = partial == rank ? element_count(shape_) : lengths[partial] * strides[partial];
    const std::size_t outer_axes = partial == rank ? 0 : partial;
    std::vector<Extent> index(outer_axes, 0);  // odometer over the outer axes, relative to their range begin
    while (true) {
        Extent start = partial == rank ? 0 : ranges[partial].begin * strides[partial];
        for (std::size_t axis = 0; axis < outer_axes; ++axis)
            start += (ranges[axis].begin + index[axis]) * strides[axis];
        visit(start, run_elements);
        std::size_t axis = outer_axes;
        while (axis > 0 && ++index[axis - 1] == lengths[axis - 1]) index[--axis] = 0;
        if (axis == 0) break;
    }
}

namespace {

// MemAvailable from /proc/meminfo, in bytes; 0 when unknown.
std::uint64_t available_memory_bytes() {
    std::FILE* meminfo = std::fopen("/proc/meminfo", "r");
    if (!meminfo) return 0;
    char line[256];
    std::uint64_t kib = 0;
    while (std::fgets(line, sizeof line, meminfo))
        if (std::sscanf(line, "MemAvailable: %lu kB", &kib) == 1) break;
    std::fclose(meminfo);
    return kib * 1024;
}

}  // namespace

namespace {

// Whether every page of [offset, offset + bytes) of the file is in the page cache (mincore on a mapping that is
// never touched, so it costs no RSS). False when that cannot be told.
bool in_page_cache(int descriptor, std::uint64_t offset, std::size_t bytes) {
    const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t start = offset / page * page;
    const std::size_t length = static_cast<std::size_t>(offset + bytes - start);
    void* mapping = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, descriptor, static_cast<off_t>(start));
    if (mapping == MAP_FAILED) return false;
    std::vector<unsigned char> resident((length + page - 1) / page);
    const bool known = ::mincore(mapping, length, resident.data()) == 0;
    ::munmap(mapping, length);
    return known && std::all_of(resident.begin(), resident.end(), [](unsigned char flags) { return flags & 1; });
}

}  // namespace

void ContiguousReads::will_read_all(const std::atomic<bool>& cancel) const noexcept {
    const std::uint64_t bytes = static_cast<std::uint64_t>(element_count(shape_)) * element_bytes_;
    if (bytes == 0 || bytes > available_memory_bytes() / 2) return;
    // Plain sequential reads into scratch, as cat does: the kernel's own sequential read-ahead then keeps the disk
    // busy with large requests and large page-cache folios. Advising the range instead (POSIX_FADV_WILLNEED, with
    // mincore to see arrival) was measured slower on the seed at n = 32768 after dropping the page cache: the pass
    // over A took 6.9 s against 5.7 s, with 2.2 s more system time spent on the smaller folios it makes.
    constexpr std::size_t piece_bytes = std::size_t{4} << 20;
    std::vector<unsigned char> scratch(piece_bytes);  // 4 MiB, part of the stated overhead
    read_ahead_until_.store(0);
    for (std::uint64_t done = 0; done < bytes && !cancel.load();) {
        const std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(piece_bytes, bytes - done));
        // A piece already in memory (a warm run) is not copied for nothing.
        const bool resident = in_page_cache(descriptor_, data_offset_ + done, piece);
        for (std::size_t got = resident ? piece : 0; got < piece;) {
            const ssize_t count =
                ::pread(descriptor_, scratch.data(), piece - got, static_cast<off_t>(data_offset_ + done + got));
            if (count < 0 && errno == EINTR) continue;
            if (count <= 0) {  // read() meets the same failure and reports it; stop waiting for it
                done = bytes;
                break;
            }
            got += static_cast<std::size_t>(count);
        }
        done = std::min(bytes, done + piece);
        read_ahead_until_.store(done);
        read_ahead_until_.notify_all();
    }
    read_ahead_until_.store(UINT64_MAX);
    read_ahead_until_.notify_all();
}

void ContiguousReads::read(const Ranges& ranges, double* dst) const {
    TILESUM_ASSERT(ranges.size() == shape_.size());
    const Extent total_elements = element_count(range_shape(ranges));
    if (total_elements == 0) return;
    // While will_read_all runs, wait until it has passed the hyperslab's last element.
    Extent last_element = 0;
    for (std::size_t axis = 0; axis < ranges.size(); ++axis)
        last_element = last_element * shape_[axis] + ranges[axis].end - 1;
    const std::uint64_t needed = static_cast<std::uint64_t>(last_element + 1) * element_bytes_;
    for (std::uint64_t ahead = read_ahead_until_.load(); ahead < needed; ahead = read_ahead_until_.load())
        read_ahead_until_.wait(ahead);
    Extent run_elements = 0;

    // Runs in file order, grouped into spans; a group of one run of float64 is read straight into dst.
    struct Group {
        Extent first_start = 0, end = 0;  // in elements of the dataset
        std::vector<Extent> starts;
    } group;
    double* written = dst;
    // Runs read straight into dst, submitted together at the end (io/batched_reads.hpp: one system call for
    // hundreds of runs where io_uring is allowed).
    std::vector<ReadRequest> direct;
    auto flush = [&] {
        if (group.starts.empty()) return;
        const std::uint64_t byte_offset = data_offset_ + static_cast<std::uint64_t>(group.first_start) * element_bytes_;
        if (group.starts.size() == 1 && raw_float64_) {
            direct.push_back({byte_offset, static_cast<std::size_t>(run_elements) * sizeof(double), written});
            written += run_elements;
        } else if (group.starts.size() == 1) {  // one run of another type, converted through staging piece by piece
            std::vector<unsigned char>& buffer = staging();
            const Extent piece_elements = static_cast<Extent>(staging_bytes / element_bytes_);
            for (Extent done = 0; done < run_elements; done += piece_elements) {
                const Extent elements = std::min(piece_elements, run_elements - done);
                read_bytes(byte_offset + static_cast<std::uint64_t>(done) * element_bytes_,
                           static_cast<std::size_t>(elements) * element_bytes_, buffer.data());
                decoder_.decode(buffer.data(), static_cast<std::size_t>(elements), written);
                written += elements;
            }
        } else {
            std::vector<unsigned char>& buffer = staging();
            read_bytes(byte_offset, static_cast<std::size_t>(group.end - group.first_start) * element_bytes_,
                       buffer.data());
            for (Extent start : group.starts) {
                decoder_.decode(buffer.data() + static_cast<std::size_t>(start - group.first_start) * element_bytes_,
                                static_cast<std::size_t>(run_elements), written);
                written += run_elements;
            }
        }
        group.starts.clear();
    };
    for_each_run(ranges, [&](Extent start, Extent elements) {
        run_elements = elements;
        const Extent end = start + elements;
        const bool joins = !group.starts.empty() &&
                           static_cast<std::size_t>(start - group.end) * element_bytes_ <= merge_gap_bytes &&
                           static_cast<std::size_t>(end - group.first_start) * element_bytes_ <= staging_bytes;
        if (!joins) {
            flush();
            group.first_start = start;
        }
        group.starts.push_back(start);
        group.end = end;
    });
    flush();
    TILESUM_ASSERT(written == dst + total_elements);
    read_batch(descriptor_, direct,
               [this](std::uint64_t offset, std::size_t bytes, void* into) { read_bytes(offset, bytes, into); });
}

}  // namespace tilesum::io
