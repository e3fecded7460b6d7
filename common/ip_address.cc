#include "common/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace mdns {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<uint8_t, 4> four{};
  if (inet_pton(AF_INET, buf, four.data()) == 1) return v4(four);
  std::array<uint8_t, 16> six{};
  if (inet_pton(AF_INET6, buf, six.data()) == 1) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(six.data(), kMapped, 12) == 0) {
      std::copy(six.begin() + 12, six.end(), four.begin());
      return v4(four);
    }
    return v6(six);
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(std::array<uint8_t, 4> bytes) {
  IpAddress ip;
  ip.v4_ = true;
  std::copy(bytes.begin(), bytes.end(), ip.bytes_.begin() + 12);
  return ip;
}

IpAddress IpAddress::v6(std::array<uint8_t, 16> bytes) {
  IpAddress ip;
  ip.v4_ = false;
  ip.bytes_ = bytes;
  return ip;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v4_ ? AF_INET : AF_INET6, data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::isLoopback() const {
  if (v4_) return bytes_[12] == 127;
  return std::all_of(bytes_.begin(), bytes_.end() - 1, [](uint8_t b) { return b == 0; }) && bytes_[15] == 1;
}

bool IpAddress::isUnspecified() const {
  const auto* first = data();
  return std::all_of(first, first + size(), [](uint8_t b) { return b == 0; });
}

std::optional<HostPort> splitHostPort(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    return HostPort{std::string(text.substr(1, close - 1)), std::string(text.substr(close + 2))};
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6 needs brackets
  return HostPort{std::string(host), std::string(text.substr(colon + 1))};
}

std::string joinHostPort(const std::string& host, const std::string& port) {
  const auto ip = IpAddress::parse(host);
  const std::string h = ip ? ip->toString() : host;
  return (ip && !ip->isV4()) ? "[" + h + "]:" + port : h + ":" + port;
}

}  // namespace mdns
