#include "tools/run_fingerprint.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace tilesum::cli {

namespace {

// Keys of describe_json whose values may differ between two runs that compute the same bits: how many tiles are
// in flight follows --threads, and budgets, caches and predictions change how fast, never what is computed (tile
// sizes, which are what --memory decides, stay in).
void erase_timing_keys(nlohmann::json& node) {
    static const char* const keys[] = {"threads", "tiles_in_flight", "peak_bytes", "predicted_seconds",
                                       "separate_seconds", "machine", "considered", "budget_bytes", "piece_bytes",
                                       "chunk_cache_bytes", "chunk_cache_total_bytes", "chunk_cache_wanted_bytes"};
    if (node.is_object()) {
        for (const char* key : keys) node.erase(key);
        for (auto& [key, value] : node.items()) erase_timing_keys(value);
    } else if (node.is_array()) {
        for (auto& value : node) erase_timing_keys(value);
    }
}

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

std::string plan_identity(const plan::Plan& plan) {
    nlohmann::json document = nlohmann::json::parse(plan::describe_json(plan));
    erase_timing_keys(document);
    return document.dump();
}

io::Fingerprint run_fingerprint(const std::string& script_text, const plan::Plan& plan,
                                const std::map<std::string, std::unique_ptr<io::InputReader>>& readers,
                                const std::string& out_path) {
    struct stat out_status {};
    if (::stat(out_path.c_str(), &out_status) != 0) out_status = {};
    io::Fingerprint fingerprint;
    fingerprint.push_back({"script", "fnv1a64 " + io::fnv1a_hex(script_text)});
    fingerprint.push_back({"plan", "fnv1a64 " + io::fnv1a_hex(plan_identity(plan))});
    for (const auto& [name, reader] : readers) fingerprint.push_back({"input:" + name, input_identity(*reader, out_status)});
    return fingerprint;
}

}  // namespace tilesum::cli
