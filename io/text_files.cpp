#include "io/text_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/common/error.hpp"

namespace tilesum::io {

std::string read_text_file(const std::string& path, const std::string& what) {
    std::error_code status_error;
    if (std::filesystem::is_directory(path, status_error))
        fail(ErrorKind::usage, "cannot read " + what + " '" + path + "': it is a directory");
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(ErrorKind::usage, "cannot read " + what + " '" + path + "': " + std::strerror(errno));
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& parts,
                           const std::string& what) {
    namespace fs = std::filesystem;
    auto fail_io = [&](const std::string& reason) {
        fail(ErrorKind::io, "cannot write " + what + " '" + path + "': " + reason);
    };
    const fs::path target(path);
    std::error_code error;
    if (target.has_parent_path()) {
        fs::create_directories(target.parent_path(), error);
        if (error) fail_io("cannot create directory '" + target.parent_path().string() + "': " + error.message());
    }
    // A temporary file of its own in the same directory (rename() is atomic only within one file system), created
    // 0644 less the umask: these files are no secret. Named by process and call rather than by mkstemp, which
    // creates 0600 and would need the umask changed, for every thread, to widen it.
    static std::atomic<unsigned long> calls{0};
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(calls++);
    const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (descriptor < 0) fail_io(std::strerror(errno));
    std::string write_error;
    for (const std::string_view part : parts) {
        std::size_t written = 0;
        int error = 0;
        while (written < part.size()) {
            const ssize_t count = ::write(descriptor, part.data() + written, part.size() - written);
            if (count < 0 && errno == EINTR) continue;
            if (count <= 0) {
                error = count < 0 ? errno : ENOSPC;  // a regular file takes no bytes only when the disk is full
                break;
            }
            written += static_cast<std::size_t>(count);
        }
        if (error != 0) {
            write_error = std::strerror(error);
            break;
        }
    }
    bool synced = write_error.empty() && ::fsync(descriptor) == 0;
    if (::close(descriptor) != 0) synced = false;
    if (!write_error.empty() || !synced) {
        const std::string reason = write_error.empty() ? std::strerror(errno) : write_error;
        ::unlink(temporary.c_str());
        fail_io(reason);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        fail_io(reason);
    }
}

void write_file_atomically(const std::string& path, const std::string& text, const std::string& what) {
    write_file_atomically(path, std::vector<std::string_view>{text}, what);
}

}  // namespace tilesum::io
