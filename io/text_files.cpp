#include "io/text_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

void write_file_atomically(const std::string& path, const std::string& text, const std::string& what) {
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
    // mkstemp in the same directory: rename() is atomic only within one file system.
    std::string temporary = path + ".tmp-XXXXXX";
    const int descriptor = mkstemp(temporary.data());
    if (descriptor < 0) fail_io(std::strerror(errno));
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t count = ::write(descriptor, text.data() + written, text.size() - written);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        written += static_cast<std::size_t>(count);
    }
    const std::string write_error = written < text.size() ? std::strerror(errno) : "";
    // mkstemp makes the file 0600; these files are no secret, so give them the usual 0644 (less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(descriptor, 0644 & ~mask);
    const bool synced = ::fsync(descriptor) == 0;
    ::close(descriptor);
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

}  // namespace tilesum::io
