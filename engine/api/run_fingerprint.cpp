#include "engine/api/run_fingerprint.hpp"

#include <sys/stat.h>

#include <filesystem>

namespace tilesum::api {

namespace {

std::string input_identity(const io::InputReader& reader, const struct stat& out_status) {
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(reader.file(), error);
    std::string identity = reader.describe();
    identity += " at " + (error ? reader.file() : absolute.lexically_normal().string());
    identity += ", " + format_shape(reader.info().shape) + " " + dtype_name(reader.info().dtype);
    struct stat status {};
    if (::stat(reader.file().c_str(), &status) == 0 &&
        !(status.st_dev == out_status.st_dev && status.st_ino == out_status.st_ino)) {
        identity += ", " + std::to_string(status.st_size) + " bytes, modified ";
        identity += std::to_string(status.st_mtim.tv_sec) + "." + std::to_string(status.st_mtim.tv_nsec);
    }
    return identity;
}

}  // namespace

io::Fingerprint run_fingerprint(const std::string& plan_digest,
                                const std::map<std::string, const io::InputReader*>& readers,
                                const std::string& out_path) {
    struct stat out_status {};
    if (::stat(out_path.c_str(), &out_status) != 0) out_status = {};
    io::Fingerprint fingerprint;
    fingerprint.push_back({"plan", plan_digest});
    for (const auto& [name, reader] : readers)
        fingerprint.push_back({"input:" + name, reader ? input_identity(*reader, out_status) : "the caller's memory"});
    return fingerprint;
}

}  // namespace tilesum::api
