// How the forwarder's queries reach upstream resolvers, as an interface: the agent uses sockets on
// the forwarder's loop (SocketTransport); tests script what upstreams answer and when.
#pragma once

#include <event2/event.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/upstream.h"

namespace mdns {

class UpstreamTransport {
 public:
  virtual ~UpstreamTransport() = default;

  // One query's exchange with one upstream; destroying it closes its socket.
  class Exchange {
   public:
    virtual ~Exchange() = default;
  };
  struct Handlers {
    // A message came (a UDP datagram from the upstream, or one TCP message). True when it was
    // taken: the forwarder has then destroyed the exchange, which must not be touched again.
    // False: ignored (e.g. a reply to another question), or over TCP, one of several (a zone
    // transfer); the exchange waits on.
    std::function<bool(const uint8_t* message, size_t length)> message;
    // The exchange failed (refused, reset, closed without an answer); the forwarder has destroyed it.
    std::function<void(const std::string& why)> failed;
  };
  // Sends `query` (a DNS message, no TCP length prefix) to `to` over UDP from a fresh connected
  // socket (a random source port; the kernel drops datagrams from other addresses) or over TCP.
  // An error says why when it could not even be sent.
  virtual Result<std::unique_ptr<Exchange>> send(const Upstream& to, bool tcp, const uint8_t* query, size_t length,
                                                 Handlers handlers) = 0;
};

// The address of `sources` to send to `to` from: the first of its family that is not the wildcard,
// and loopback only towards loopback; none fits: std::nullopt (the kernel chooses).
std::optional<IpAddress> sourceFor(const std::vector<IpAddress>& sources, const IpAddress& to);

class SocketTransport : public UpstreamTransport {
 public:
  // `sources`: addresses to send from (a secondary sends from the address it listens on, so that
  // its primary's NOTIFY finds it): the first of the destination's family, and loopback only
  // towards loopback, is bound; none fits: the kernel chooses.
  explicit SocketTransport(event_base* loop, std::vector<IpAddress> sources = {})
      : loop_(loop), sources_(std::move(sources)) {}
  Result<std::unique_ptr<Exchange>> send(const Upstream& to, bool tcp, const uint8_t* query, size_t length,
                                         Handlers handlers) override;

 private:
  // A socket of `type` for `to`, bound to a source when one fits; -1 with errno set on failure.
  int openSocket(const Upstream& to, int type) const;
  event_base* loop_;
  std::vector<IpAddress> sources_;
};

}  // namespace mdns
