#include "common/socket_address.h"

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstring>

namespace mdns {

std::optional<SocketAddress> SocketAddress::fromSockaddr(const sockaddr* address) {
  if (address == nullptr) return std::nullopt;
  if (address->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, address, sizeof v4);
    std::array<uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &v4.sin_addr, bytes.size());
    return SocketAddress{IpAddress::v4(bytes), ntohs(v4.sin_port)};
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, address, sizeof v6);
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(bytes.data(), kMapped, sizeof kMapped) == 0) {
      return SocketAddress{IpAddress::v4({bytes[12], bytes[13], bytes[14], bytes[15]}), ntohs(v6.sin6_port)};
    }
    return SocketAddress{IpAddress::v6(bytes), ntohs(v6.sin6_port)};
  }
  return std::nullopt;
}

socklen_t SocketAddress::toSockaddr(sockaddr_storage& ss) const {
  std::memset(&ss, 0, sizeof ss);
  if (ip.isV4()) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&v4.sin_addr, ip.data(), 4);
    std::memcpy(&ss, &v4, sizeof v4);
    return sizeof v4;
  }
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_port = htons(port);
  std::memcpy(&v6.sin6_addr, ip.data(), 16);
  std::memcpy(&ss, &v6, sizeof v6);
  return sizeof v6;
}

std::string SocketAddress::toString() const {
  return (ip.isV4() ? ip.toString() : "[" + ip.toString() + "]") + ":" + std::to_string(port);
}

std::span<const uint8_t> addressBytes(const sockaddr* address) {
  if (address == nullptr) return {};
  if (address->sa_family == AF_INET) {
    return {reinterpret_cast<const uint8_t*>(address) + offsetof(sockaddr_in, sin_addr), 4};
  }
  if (address->sa_family == AF_INET6) {
    return {reinterpret_cast<const uint8_t*>(address) + offsetof(sockaddr_in6, sin6_addr), 16};
  }
  return {};
}

int prefixLength(const IpAddress& netmask) {
  int bits = 0;
  for (size_t i = 0; i < netmask.size(); ++i) bits += __builtin_popcount(netmask.data()[i]);
  return bits;
}

}  // namespace mdns
