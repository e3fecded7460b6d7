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

bool acceptRecordCount(size_t served, size_t fresh, double ratio, int sameInARow) {
  if (ratio <= 0 || served == 0) return true;
  if (static_cast<double>(fresh) >= ratio * static_cast<double>(served)) return true;
  return sameInARow >= 3;
}

}  // namespace mdns
