// The address a socket is bound to (getsockname), to match sockets against listener addresses.
#pragma once

#include <sys/socket.h>

#include <optional>

#include "common/socket_address.h"

namespace mdns {

inline std::optional<SocketAddress> localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t length = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &length) != 0) return std::nullopt;
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
}

}  // namespace mdns
