// What the forwarder learns about each upstream resolver and how it picks among them, as pure
// values with time passed in (dnsdist's load-balancing policies, CoreDNS forward's health checks):
// a smoothed round-trip time and retransmission timeout (RFC 6298 style) after which the next
// upstream is asked too, an exponential back-off after failures, and the order to ask in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mdns {

class UpstreamHealth {
 public:
  static constexpr int64_t kInitialRtoMs = 400;  // before any answer
  static constexpr int64_t kMinRtoMs = 200;
  static constexpr int64_t kMaxRtoMs = 2000;
  static constexpr int64_t kFirstBackoffMs = 5000;  // then doubling per failure in a row
  static constexpr int64_t kMaxBackoffMs = 120000;

  // How long to wait for this upstream before asking the next one as well.
  int64_t rtoMs() const;
  // An answer came after `rttMs`; the back-off ends. True when the upstream had been failing.
  bool answered(int64_t rttMs);
  // It failed (silence, an error, a bad reply) at `nowMs`: in back-off until nowMs + backoffMs.
  struct Failure {
    int64_t backoffMs = 0;
    bool news = false;  // the first failure in a row, or one after the back-off had ended: worth a log line
  };
  Failure failed(int64_t nowMs);

  bool inBackoff(int64_t nowMs) const { return nowMs < downUntilMs_; }
  int64_t downUntilMs() const { return downUntilMs_; }
  int failuresInARow() const { return failures_; }

 private:
  double srttMs_ = -1;  // no answer yet
  double rttvarMs_ = 0;
  int failures_ = 0;
  int64_t downUntilMs_ = 0;
};

// The order to ask upstreams in at `nowMs`: those not in back-off in configured order, then those
// in back-off, the soonest out of it first (so that all of them failing still gets an answer).
std::vector<size_t> askingOrder(const std::vector<const UpstreamHealth*>& upstreams, int64_t nowMs);

}  // namespace mdns
