// systemd's watchdog (WatchdogSec=): every DNS worker's loop beats, and the main loop tells
// systemd WATCHDOG=1 only while all of them have beaten lately, so a wedged loop gets the agent
// restarted. Nothing when the unit has no watchdog.
#pragma once

#include <event2/event.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "agent/libevent.h"

namespace mdns {

class Watchdog {
 public:
  // `main` sends WATCHDOG=1; `workers` are the loops that must keep beating.
  Watchdog(event_base* main, const std::vector<event_base*>& workers);
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void tick();

  int64_t limitMs_ = 0;
  size_t count_ = 0;
  bool reported_ = false;
  std::unique_ptr<std::atomic<int64_t>[]> beats_;
  std::vector<EventPtr> workerTimers_;
  EventPtr mainTimer_;
};

}  // namespace mdns
