// One line per event on stderr, with its level. When stderr is the journal (JOURNAL_STREAM
// matches it), lines carry sd-daemon priority prefixes and no timestamp, as journald wants.
#pragma once

#include <string>
#include <string_view>

namespace mdns::log {

enum class Level { kDebug = 7, kInfo = 6, kWarning = 4, kError = 3 };

void setup(bool verbose);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { write(Level::kDebug, m); }
inline void info(std::string_view m) { write(Level::kInfo, m); }
inline void warning(std::string_view m) { write(Level::kWarning, m); }
inline void error(std::string_view m) { write(Level::kError, m); }

}  // namespace mdns::log
