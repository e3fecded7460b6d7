// Pushing changes down the tree (NOTIFY, RFC 1996): the DNS workers note who transfers the zone,
// and after each change the record source tells them all that there is a new serial, so that
// they transfer at once instead of at their next SOA check.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/libevent.h"
#include "common/ip_address.h"
#include "common/lock_guarded.h"
#include "common/metrics.h"
#include "common/socket_address.h"

namespace mdns {

// The addresses that transferred the zone lately (any thread).
class TransferPeers {
 public:
  // A secondary that stays up to date transfers at each change; one that has not for an hour
  // is forgotten (it still finds changes by its SOA checks, and transfers again).
  static constexpr auto kRemember = std::chrono::hours(1);
  static constexpr size_t kMax = 10000;

  void noteTransfer(const IpAddress& ip, std::chrono::steady_clock::time_point now);
  std::vector<IpAddress> recent(std::chrono::steady_clock::time_point now) const;

 private:
  LockGuarded<std::map<IpAddress, std::chrono::steady_clock::time_point>> peers_;
};

// NOTIFYs sent, answered, and given up on (no answer after kSends, or replaced by a newer one).
struct NotifyCounters {
  Counter sent, answered, unanswered;
};

// Sends NOTIFY for the zone to the recent transferrers on `port` (the DNS port they, like this
// agent, listen on), from a listener address where one fits (see SocketTransport), each up to
// kSends times a second apart until it answers. Runs on the record source's loop.
class Notifier {
 public:
  static constexpr int kSends = 3;

  Notifier(event_base* loop, std::string domain, uint16_t port, std::vector<IpAddress> sources,
           const TransferPeers& peers, NotifyCounters& counters);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // A new serial is served: tell every recent transferrer (earlier NOTIFYs not yet answered are
  // replaced).
  void announce(uint32_t serial);

 private:
  struct Pending {
    uint16_t id = 0;
    int sends = 0;
  };
  struct Socket {
    int fd = -1;
    EventPtr readable;
  };
  // The socket for sending to `to` (bound to a fitting source, or not bound), made on first use.
  Socket* socketFor(const IpAddress& to);
  void send(const SocketAddress& to, Pending& pending);
  void readReplies(int fd);
  void resend();

  event_base* loop_;
  std::string domain_;
  uint16_t port_;
  std::vector<IpAddress> sources_;
  const TransferPeers& peers_;
  NotifyCounters& counters_;
  uint32_t serial_ = 0;
  uint16_t nextId_;
  std::map<std::string, Socket> sockets_;  // by the source chosen ("127.0.0.11", "any v4", ...)
  std::map<SocketAddress, Pending> pending_;
  EventPtr timer_;
};

}  // namespace mdns
