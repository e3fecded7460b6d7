// An IPv4 or IPv6 address as a value, parsed the way Go's net.ParseIP does (IPv4-mapped IPv6
// addresses count as IPv4, as mesos-dns files them under A).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mdns {

class IpAddress {
 public:
  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(std::array<uint8_t, 4> bytes);
  static IpAddress v6(std::array<uint8_t, 16> bytes);

  bool isV4() const { return v4_; }
  // 4 bytes for IPv4, 16 for IPv6.
  const uint8_t* data() const { return bytes_.data() + (v4_ ? 12 : 0); }
  size_t size() const { return v4_ ? 4 : 16; }
  std::string toString() const;
  // 127.0.0.0/8 or ::1.
  bool isLoopback() const;
  // 0.0.0.0 or :: (a wildcard listener).
  bool isUnspecified() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  bool v4_ = true;
  std::array<uint8_t, 16> bytes_{};  // IPv4 kept in the last four bytes
};

// "host:port", "[v6]:port" -> host and port text, as Go's net.SplitHostPort.
struct HostPort {
  std::string host;
  std::string port;
};
std::optional<HostPort> splitHostPort(std::string_view text);

// The reverse: "ip:port", or "[ip]:port" for IPv6, with an IP in canonical text (so that equal
// addresses compare equal); a host name is kept as given.
std::string joinHostPort(const std::string& host, const std::string& port);

}  // namespace mdns
