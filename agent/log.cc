#include "agent/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace mdns::log {
namespace {

std::atomic<bool> g_journal{false};
std::atomic<bool> g_verbose{false};
std::mutex g_mutex;

bool stderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  char* end = nullptr;
  const unsigned long long dev = std::strtoull(env, &end, 10);
  if (end == env || *end != ':') return false;
  const unsigned long long ino = std::strtoull(end + 1, nullptr, 10);
  return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

const char* name(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "?";
}

}  // namespace

void setup(bool verbose) {
  g_journal = stderrIsJournal();
  g_verbose = verbose;
}

void write(Level level, std::string_view message) {
  if (level == Level::kDebug && !g_verbose) return;
  std::string line;
  if (g_journal) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">";
  } else {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    line = stamp;
  }
  line += name(level);
  line += ": ";
  line += message;
  line += '\n';
  const std::lock_guard<std::mutex> lock(g_mutex);
  ::fwrite(line.data(), 1, line.size(), stderr);
  ::fflush(stderr);
}

}  // namespace mdns::log
