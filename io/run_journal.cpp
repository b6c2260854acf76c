#include "io/run_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "engine/common/error.hpp"
#include "io/text_files.hpp"

namespace tilesum::io {

namespace {

constexpr const char* journal_header = "tilesum-journal 1";
constexpr char tensor_magic[8] = {'T', 'S', 'U', 'M', 'T', 'N', 'S', '1'};

[[noreturn]] void fail_file(const std::string& action, const std::string& path, int error) {
    std::string message = "cannot ";
    message += action + " '" + path + "': " + std::strerror(error);
    fail(ErrorKind::io, message);
}

void fsync_directory(const std::string& directory) {
    const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (descriptor < 0 || ::fsync(descriptor) != 0) {
        const int error = errno;
        if (descriptor >= 0) ::close(descriptor);
        fail_file("write resume journal directory", directory, error);
    }
    ::close(descriptor);
}

std::string read_file(const std::string& path) {
    const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) fail_file("read resume journal file", path, errno);
    std::string text;
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(descriptor, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            const int error = errno;
            ::close(descriptor);
            fail_file("read resume journal file", path, error);
        }
        if (got == 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(descriptor);
    return text;
}

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

std::string describe_part(const std::string& key) {
    if (key == "script") return "the script";
    if (key == "plan")
        return "the plan (its expression: the script's or a --plan file's; --memory, --tile, --strategy or the "
               "machine profile)";
    if (key.rfind("input:", 0) == 0) return "input '" + key.substr(6) + "'";
    return "'" + key + "'";
}

}  // namespace

std::string fnv1a_hex(const std::string& text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char byte : text) {
        hash ^= byte;
        hash *= 1099511628211ull;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return hex;
}

std::optional<std::string> fingerprint_mismatch(const Fingerprint& recorded, const Fingerprint& now) {
    for (const FingerprintPart& part : now) {
        const FingerprintPart* old = nullptr;
        for (const FingerprintPart& candidate : recorded)
            if (candidate.key == part.key) old = &candidate;
        if (!old) return describe_part(part.key) + " is new since the unfinished run";
        if (old->value == part.value) continue;
        std::string message = describe_part(part.key) + " differs from the unfinished run's";
        if (part.key.rfind("input:", 0) == 0) message += " (was " + old->value + "; now " + part.value + ")";
        return message;
    }
    for (const FingerprintPart& part : recorded) {
        bool present = false;
        for (const FingerprintPart& candidate : now) present = present || candidate.key == part.key;
        if (!present) return describe_part(part.key) + " of the unfinished run is gone";
    }
    return std::nullopt;
}

std::string format_journal(const JournalContents& contents) {
    std::string text = journal_header;
    text += "\n";
    for (const FingerprintPart& part : contents.fingerprint) {
        TILESUM_ASSERT(!part.key.empty() && part.key.find_first_of(" \n") == std::string::npos);
        text += "fingerprint " + part.key + " " + one_line(part.value) + "\n";
    }
    for (const StepProgress& step : contents.progress.steps)
        text += step.done ? std::string("step done\n") : "step tiles " + std::to_string(step.tiles) + "\n";
    for (const OutputProgress& output : contents.progress.outputs)
        text += "output " + std::to_string(output.tiles) + " " + std::to_string(output.slabs) + "\n";
    for (const std::string& key : contents.progress.tensors) text += "tensor " + key + "\n";
    text += "end\n";
    return text;
}

JournalContents parse_journal(const std::string& text, const std::string& path) {
    std::istringstream lines(text);
    std::string line;
    std::size_t number = 0;
    auto damaged = [&](const std::string& why) {
        std::string message = "resume journal '" + path;
        message +=
            "' is damaged (line " + std::to_string(number) + ": " + why + "); run without --resume to start over";
        fail(ErrorKind::io, message);
    };
    auto count = [&](const std::string& word) -> Extent {
        if (word.empty() || word.size() > 18 || word.find_first_not_of("0123456789") != std::string::npos)
            damaged("'" + word + "' is not a count");
        return std::stoll(word);
    };
    JournalContents contents;
    bool ended = false;
    while (std::getline(lines, line)) {
        ++number;
        if (ended) damaged("text after 'end'");
        if (number == 1) {
            if (line != journal_header) damaged("expected '" + std::string(journal_header) + "'");
            continue;
        }
        std::istringstream words(line);
        std::string word;
        words >> word;
        if (word == "fingerprint") {
            FingerprintPart part;
            words >> part.key;
            if (part.key.empty()) damaged("a fingerprint without a key");
            std::getline(words, part.value);
            if (!part.value.empty() && part.value[0] == ' ') part.value.erase(0, 1);
            contents.fingerprint.push_back(std::move(part));
        } else if (word == "step") {
            std::string kind, tiles;
            words >> kind >> tiles;
            if (kind == "done" && tiles.empty())
                contents.progress.steps.push_back({true, 0});
            else if (kind == "tiles")
                contents.progress.steps.push_back({false, count(tiles)});
            else
                damaged("expected 'step done' or 'step tiles T'");
        } else if (word == "output") {
            std::string tiles, slabs;
            words >> tiles >> slabs;
            contents.progress.outputs.push_back({count(tiles), count(slabs)});
        } else if (word == "tensor") {
            std::string key;
            words >> key;
            if (key.empty()) damaged("a tensor without a key");
            contents.progress.tensors.push_back(key);
        } else if (word == "end") {
            ended = true;
        } else {
            damaged("unknown record '" + word + "'");
        }
    }
    if (number == 0) damaged("empty");
    if (!ended) damaged("no 'end': the journal is cut short");
    return contents;
}

std::string journal_directory_for(const std::string& output_path) { return output_path + ".tilesum-resume"; }

RunJournal::RunJournal(const std::string& output_path, Fingerprint fingerprint, bool resume,
                       std::function<void()> make_outputs_durable)
    : directory_(journal_directory_for(output_path)),
      fingerprint_(std::move(fingerprint)),
      make_outputs_durable_(std::move(make_outputs_durable)) {
    if (const char* seconds = std::getenv("TILESUM_CHECKPOINT_SECONDS"); seconds && *seconds)
        checkpoint_seconds_ = std::max(0.0, std::atof(seconds));
    const std::string journal_path = directory_ + "/journal";
    std::error_code error;
    if (resume && std::filesystem::exists(journal_path, error)) {
        JournalContents contents = parse_journal(read_file(journal_path), journal_path);
        if (auto mismatch = fingerprint_mismatch(contents.fingerprint, fingerprint_))
            fail(ErrorKind::usage, "--resume: " + *mismatch + " in '" + journal_path +
                                       "'; run without --resume to start over (this discards the unfinished run)");
        // A journal without progress (the run was killed before its first record) has nothing to resume.
        if (!contents.progress.empty()) {
            recorded_ = progress_ = std::move(contents.progress);
            resuming_ = true;
            return;
        }
    }
    // A fresh run: whatever an earlier unfinished run left here is stale (its temporary datasets are replaced too).
    std::filesystem::remove_all(directory_, error);
    if (!std::filesystem::create_directories(directory_, error) || error)
        fail_file("create resume journal directory", directory_, error ? error.value() : EEXIST);
    write_journal({fingerprint_, {}});
}

RunJournal::~RunJournal() {
    if (kept_) return;
    std::error_code error;
    std::filesystem::remove_all(directory_, error);
}

std::string RunJournal::tensor_path(const std::string& key) const { return directory_ + "/" + key + ".bin"; }

void RunJournal::write_journal(const JournalContents& contents) {
    const std::string text = format_journal(contents);
    write_file_atomically(directory_ + "/journal", text, "resume journal file");
    fsync_directory(directory_);
}

void RunJournal::save_tensor(const std::string& key, const double* values, std::size_t count) {
    const std::uint64_t stored_count = count;
    write_file_atomically(tensor_path(key),
                          {{tensor_magic, sizeof tensor_magic},
                           {reinterpret_cast<const char*>(&stored_count), sizeof stored_count},
                           {reinterpret_cast<const char*>(values), count * sizeof(double)}},
                          "resume journal file");
}

void RunJournal::load_tensor(const std::string& key, double* dst, std::size_t count) {
    const std::string path = tensor_path(key);
    const std::string bytes = read_file(path);
    std::uint64_t stored_count = 0;
    const std::size_t header = sizeof tensor_magic + sizeof stored_count;
    if (bytes.size() >= header) std::memcpy(&stored_count, bytes.data() + sizeof tensor_magic, sizeof stored_count);
    if (bytes.size() != header + count * sizeof(double) ||
        std::memcmp(bytes.data(), tensor_magic, sizeof tensor_magic) != 0 || stored_count != count) {
        std::string message = "resume journal file '" + path;
        message += "' is damaged (expected " + std::to_string(count) + " values); run without --resume to start over";
        fail(ErrorKind::io, message);
    }
    std::memcpy(dst, bytes.data() + header, count * sizeof(double));
}

void RunJournal::record(const RunProgress& progress) {
    if (make_outputs_durable_) make_outputs_durable_();  // the tiles first, then the record that names them
    write_journal({fingerprint_, progress});
    progress_ = progress;
    // Tensors the record no longer names (an older checkpoint) are dead weight now.
    const std::set<std::string> live(progress.tensors.begin(), progress.tensors.end());
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory_, error)) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 4 && name.ends_with(".bin") && !live.count(name.substr(0, name.size() - 4)))
            std::filesystem::remove(entry.path(), error);
    }
}

}  // namespace tilesum::io
