#include "common/refresh_policy.h"

#include <algorithm>

namespace mdns {

double nextRefreshSeconds(int refreshSeconds, int failures, double random01, bool haveRecords) {
  double base = refreshSeconds;
  if (!haveRecords && failures > 0) {
    base = std::min<double>(refreshSeconds, 1 << std::min(failures - 1, 20));
  } else if (failures > 1) {
    base *= std::min(4, 1 << std::min(failures - 1, 2));
  }
  return base * (0.8 + 0.4 * std::clamp(random01, 0.0, 1.0));
}

ShrinkHold::Verdict ShrinkHold::judge(size_t served, size_t fresh, double ratio, double holdSeconds, double now) {
  Verdict v;
  if (ratio <= 0 || static_cast<double>(fresh) >= ratio * static_cast<double>(served)) {
    since_ = -1;
    return v;
  }
  if (since_ < 0) since_ = now;
  v.heldSeconds = now - since_;
  if (v.heldSeconds < holdSeconds) {
    v.take = false;
    v.held = true;
    return v;
  }
  v.endsHold = true;
  since_ = -1;
  return v;
}

double defaultRecordHoldSeconds(int refreshSeconds) { return std::max(3.0 * refreshSeconds, 300.0); }

bool leaderStillRecovering(size_t recoveredAgents, double electedTime, double nowUnix, double windowSeconds) {
  if (recoveredAgents == 0) return false;
  return electedTime <= 0 || nowUnix - electedTime < windowSeconds;
}

}  // namespace mdns
