// Time for the parts that run on an event loop, as an interface: the agent uses the monotonic
// clock and libevent timers (LoopClock); tests pass a clock they move by hand, so that timeouts,
// back-off and TTLs are checked without sleeping (Unbound's replay tests in spirit).
#pragma once

#include <event2/event.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "agent/libevent.h"

namespace mdns {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds on a monotonic scale; from any thread.
  virtual int64_t nowMs() const = 0;

  // Calls its function once, `afterMs` after arm(), unless cancelled, re-armed or destroyed first.
  // Armed, fired and destroyed on the loop's thread.
  class Timer {
   public:
    virtual ~Timer() = default;
    virtual void arm(int64_t afterMs) = 0;
    virtual void cancel() = 0;
  };
  virtual std::unique_ptr<Timer> timer(std::function<void()> fire) = 0;
};

// CLOCK_MONOTONIC_COARSE and timers on `loop`.
class LoopClock : public Clock {
 public:
  explicit LoopClock(event_base* loop) : loop_(loop) {}
  int64_t nowMs() const override;
  std::unique_ptr<Timer> timer(std::function<void()> fire) override;

 private:
  event_base* loop_;
};

}  // namespace mdns
