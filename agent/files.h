// Files that other programs read while we write them.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace mdns {

// The whole file, or an error naming it and the cause; a missing file is "" when `missingIsEmpty`.
Result<std::string> readWholeFile(const std::string& path, bool missingIsEmpty = false);

// Replaces `path` with `text` so that a reader sees the old file or the new one, never a missing,
// empty or partial one: a temporary file in the same folder, written, given `like`'s mode and
// owner (when given), fsync'ed, renamed over `path`, and the folder fsync'ed.
Status replaceFileAtomically(const std::string& path, const std::string& text, const struct stat* like);
// The same, with the content handed over in pieces: `produce` calls its argument with each piece,
// in order (a large file need not be whole in memory).
using ContentWriter = std::function<void(std::string_view)>;
Status replaceFileAtomically(const std::string& path, const std::function<void(const ContentWriter&)>& produce,
                             const struct stat* like);

// Creates a folder and its parents (mode 0755) when missing.
Status makeDirectories(const std::string& path);

}  // namespace mdns
