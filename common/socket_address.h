// An IP address with a port, and the one place that converts between it and the C socket
// structures (sockaddr_in, sockaddr_in6): listeners, upstreams, clients, interface addresses.
#pragma once

#include <sys/socket.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "common/ip_address.h"

namespace mdns {

struct SocketAddress {
  IpAddress ip;
  uint16_t port = 0;

  // An AF_INET or AF_INET6 address (an IPv4-mapped IPv6 one as IPv4, as IpAddress::parse reads
  // it); std::nullopt for any other family or a null pointer.
  static std::optional<SocketAddress> fromSockaddr(const sockaddr* address);
  // Fills `ss` with the sockaddr_in or sockaddr_in6; returns its length.
  socklen_t toSockaddr(sockaddr_storage& ss) const;
  // "192.0.2.1:53", "[2001:db8::1]:53"
  std::string toString() const;

  auto operator<=>(const SocketAddress&) const = default;
};

// The address bytes of an AF_INET (4) or AF_INET6 (16) socket address, in place: the query path's
// allow-list check reads them without building a SocketAddress. Empty for other families or null.
std::span<const uint8_t> addressBytes(const sockaddr* address);

// The number of leading one bits of a netmask (an interface's ifa_netmask as an address).
int prefixLength(const IpAddress& netmask);

}  // namespace mdns
