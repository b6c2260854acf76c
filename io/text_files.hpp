// Small text files people name on the command line or keep between runs: scripts, saved plans, machine profiles.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tilesum::io {

// The whole file. Error{usage} "cannot read WHAT 'PATH': reason" when it is missing, unreadable or a directory
// (an ifstream would read a directory as empty).
std::string read_text_file(const std::string& path, const std::string& what);

// Writes `parts`, one after another, into a temporary file beside `path` (mode 0644 less the umask), fsyncs it and
// renames it over `path`: a reader sees the old file or the whole new one, never half, also after a crash once the
// directory is synced too. Missing parent directories are created. Error{io} "cannot write WHAT 'PATH': reason";
// no temporary file is left behind (a failed write, disk full, leaves no half file using the space).
void write_file_atomically(const std::string& path, const std::vector<std::string_view>& parts,
                           const std::string& what);
void write_file_atomically(const std::string& path, const std::string& text, const std::string& what);

}  // namespace tilesum::io
