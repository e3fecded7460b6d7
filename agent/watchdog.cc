#include "agent/watchdog.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "agent/log.h"

namespace mdns {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Watchdog::Watchdog(event_base* main, const std::vector<event_base*>& workers) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  limitMs_ = static_cast<int64_t>(usec / 1000);
  const int64_t beatMs = std::max<int64_t>(limitMs_ / 4, 1);
  const timeval every{static_cast<time_t>(beatMs / 1000), static_cast<suseconds_t>(beatMs % 1000 * 1000)};
  beats_ = std::make_unique<std::atomic<int64_t>[]>(workers.size());
  for (size_t i = 0; i < workers.size(); ++i) {
    beats_[i] = nowMs();
    workerTimers_.emplace_back(event_new(
        workers[i], -1, EV_PERSIST,
        [](evutil_socket_t, short, void* beat) {
          static_cast<std::atomic<int64_t>*>(beat)->store(nowMs(), std::memory_order_relaxed);
        },
        &beats_[i]));
    event_add(workerTimers_.back().get(), &every);
  }
  count_ = workers.size();
  mainTimer_.reset(event_new(
      main, -1, EV_PERSIST, [](evutil_socket_t, short, void* self) { static_cast<Watchdog*>(self)->tick(); }, this));
  event_add(mainTimer_.get(), &every);
  sd_notify(0, "WATCHDOG=1");
  log::info("systemd watchdog: " + std::to_string(limitMs_) + " ms");
}

void Watchdog::tick() {
  const int64_t now = nowMs();
  for (size_t i = 0; i < count_; ++i) {
    if (now - beats_[i].load(std::memory_order_relaxed) > limitMs_ / 2) {
      if (!reported_) log::error("worker " + std::to_string(i + 1) + " is stuck; not telling systemd all is well");
      reported_ = true;
      return;
    }
  }
  reported_ = false;
  sd_notify(0, "WATCHDOG=1");
}

}  // namespace mdns
