#include "common/upstream_health.h"

#include <algorithm>
#include <cmath>

namespace mdns {

int64_t UpstreamHealth::rtoMs() const {
  if (srttMs_ < 0) return kInitialRtoMs;
  return std::clamp<int64_t>(static_cast<int64_t>(srttMs_ + 4 * rttvarMs_), kMinRtoMs, kMaxRtoMs);
}

bool UpstreamHealth::answered(int64_t rttMs) {
  const double rtt = static_cast<double>(std::max<int64_t>(rttMs, 0));
  if (srttMs_ < 0) {
    srttMs_ = rtt;
    rttvarMs_ = rtt / 2;
  } else {
    rttvarMs_ = 0.75 * rttvarMs_ + 0.25 * std::abs(srttMs_ - rtt);
    srttMs_ = 0.875 * srttMs_ + 0.125 * rtt;
  }
  const bool wasFailing = failures_ > 0;
  failures_ = 0;
  downUntilMs_ = 0;
  return wasFailing;
}

UpstreamHealth::Failure UpstreamHealth::failed(int64_t nowMs) {
  ++failures_;
  Failure f;
  f.backoffMs = std::min<int64_t>(kMaxBackoffMs, kFirstBackoffMs << std::min(failures_ - 1, 6));
  f.news = failures_ == 1 || nowMs >= downUntilMs_;
  downUntilMs_ = nowMs + f.backoffMs;
  return f;
}

std::vector<size_t> askingOrder(const std::vector<const UpstreamHealth*>& upstreams, int64_t nowMs) {
  std::vector<size_t> ready, down;
  for (size_t i = 0; i < upstreams.size(); ++i) (upstreams[i]->inBackoff(nowMs) ? down : ready).push_back(i);
  std::stable_sort(down.begin(), down.end(), [&upstreams](size_t a, size_t b) {
    return upstreams[a]->downUntilMs() < upstreams[b]->downUntilMs();
  });
  ready.insert(ready.end(), down.begin(), down.end());
  return ready;
}

}  // namespace mdns
