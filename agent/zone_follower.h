// A secondary's link to its primaries (DNS servers holding the zone: hubs, other agents, any
// standard primary): one check asks the current primary for its SOA serial over UDP and, when it
// differs from the served zone's, transfers over TCP what changed (IXFR from the served serial),
// or the whole zone (AXFR) when the zone came from another primary, the serial went back, or a
// difference does not fit. Runs on the record source's loop; one check at a time.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/libevent.h"
#include "agent/upstream_transport.h"
#include "common/record_set.h"
#include "common/snapshot.h"
#include "common/socket_address.h"
#include "common/transfer_reader.h"
#include "common/zone_diff.h"

namespace mdns {

class ZoneFollower {
 public:
  struct Outcome {
    enum class Kind { kUpToDate, kChanged, kFailed };
    Kind kind = Kind::kFailed;
    std::string primary;               // "127.0.0.11:5353"
    uint32_t serial = 0;               // the primary's
    std::optional<RecordSet> records;  // kChanged: the new zone (finalized)
    std::optional<ZoneDiff> diff;      // kChanged by an IXFR of one difference: that difference (from its fromSerial)
    std::string how;                   // kChanged: "IXFR from serial 12, 1 difference of 4 records"
    std::string error;                 // kFailed: what failed, naming the primary
    uint64_t bytes = 0;                // received in this check
  };

  static constexpr double kSoaTimeoutSeconds = 1;
  static constexpr int kFailuresBeforeNext = 3;             // checks failed in a row before the next primary is asked
  static constexpr std::chrono::minutes kNoUdpIxfrFor{10};  // after a primary refused IXFR over UDP
  static constexpr double kTransferIdleSeconds = 15;        // a transfer with no message for this long fails

  // `sources`: the addresses the agent listens on (sent from, where they fit: see SocketTransport).
  ZoneFollower(event_base* loop, std::vector<SocketAddress> primaries, std::vector<IpAddress> sources,
               std::string domain);
  ~ZoneFollower();
  ZoneFollower(const ZoneFollower&) = delete;
  ZoneFollower& operator=(const ZoneFollower&) = delete;

  // `held`: the served zone (its records, serial and origin), or null. `done` runs on the loop.
  void check(std::shared_ptr<const Snapshot> held, std::function<void(Outcome)> done);
  bool busy() const { return static_cast<bool>(done_); }
  // The origin of a zone taken from `primary` ("primary 127.0.0.11:5353").
  static std::string originOf(const SocketAddress& primary);

 private:
  // The served zone came from the primary asked now.
  bool holdsLineOfCurrent() const;
  // Sends `query` over UDP to the current primary; `onReply` gets its answer, a failure or no
  // answer in kSoaTimeoutSeconds fails the check (`what` names the query).
  void sendUdp(const std::vector<uint8_t>& query, const std::string& what,
               void (ZoneFollower::*onReply)(const uint8_t*, size_t));
  void soaCheck();
  void soaReply(const uint8_t* message, size_t length);
  void udpIxfr();
  void udpIxfrReply(const uint8_t* message, size_t length);
  void transfer(std::optional<uint32_t> fromSerial);
  bool transferMessage(const uint8_t* message, size_t length);
  void transferDone();
  void fail(const std::string& why);
  void finish(Outcome outcome);
  void armTimer(double seconds);

  event_base* loop_;
  std::vector<SocketAddress> primaries_;
  std::string domain_;
  SocketTransport transport_;
  size_t current_ = 0;  // the primary asked; the next one after kFailuresBeforeNext failures
  int failuresInRow_ = 0;
  std::map<size_t, std::chrono::steady_clock::time_point> noUdpIxfrUntil_;
  uint16_t nextId_;

  // The check under way.
  std::function<void(Outcome)> done_;
  std::shared_ptr<const Snapshot> held_;
  Outcome outcome_;
  uint16_t id_ = 0;
  std::optional<uint32_t> askedFrom_;  // the IXFR's serial, when the transfer is an IXFR
  bool overUdp_ = false;               // the IXFR went over UDP
  bool retriedWhole_ = false;          // an IXFR whose differences did not fit, asked again as AXFR
  std::unique_ptr<UpstreamTransport::Exchange> exchange_;
  std::unique_ptr<TransferReader> reader_;
  EventPtr timer_;
};

}  // namespace mdns
