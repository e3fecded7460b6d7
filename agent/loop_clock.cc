#include "agent/loop_clock.h"

#include <ctime>

namespace mdns {
namespace {

class LoopTimer : public Clock::Timer {
 public:
  LoopTimer(event_base* loop, std::function<void()> fire) : fire_(std::move(fire)) {
    event_.reset(evtimer_new(
        loop, [](evutil_socket_t, short, void* self) { static_cast<LoopTimer*>(self)->fire_(); }, this));
  }
  void arm(int64_t afterMs) override {
    const timeval after{static_cast<time_t>(afterMs / 1000), static_cast<suseconds_t>(afterMs % 1000 * 1000)};
    evtimer_add(event_.get(), &after);
  }
  void cancel() override { evtimer_del(event_.get()); }

 private:
  std::function<void()> fire_;
  EventPtr event_;
};

}  // namespace

int64_t LoopClock::nowMs() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

std::unique_ptr<Clock::Timer> LoopClock::timer(std::function<void()> fire) {
  return std::make_unique<LoopTimer>(loop_, std::move(fire));
}

}  // namespace mdns
