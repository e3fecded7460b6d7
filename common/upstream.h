// Where forwarded queries go and who may ask: upstream addresses ("IP", "IP:port", "[v6]:port"),
// the nameservers of a resolv.conf text, and address ranges for allowFrom. Pure values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"
#include "common/socket_address.h"

namespace mdns {

// An upstream resolver's address.
using Upstream = SocketAddress;

// "IP" (port 53), "IP:port" or "[IPv6]:port"; std::nullopt when it is none of these.
std::optional<Upstream> parseUpstream(std::string_view text);

// The nameserver addresses of a resolv.conf, in file order, as glibc reads them: `nameserver`
// lines (the first word after it; an IPv6 zone "%eth0" is dropped), comments after # or ;.
// Lines that do not hold an IP address are skipped and reported in `skipped` when given.
std::vector<IpAddress> resolvConfNameservers(std::string_view text, std::vector<std::string>* skipped = nullptr);

// An address range: "10.0.0.0/8", "::1/128", or a plain address (a single host).
class AddressRange {
 public:
  static std::optional<AddressRange> parse(std::string_view text);
  static AddressRange of(const IpAddress& network, int prefixLength);

  bool isV4() const { return network_.isV4(); }
  bool contains(const IpAddress& ip) const;
  bool containsV4(const uint8_t* bytes4) const;
  bool containsV6(const uint8_t* bytes16) const;
  std::string toString() const;
  bool operator==(const AddressRange&) const = default;

 private:
  IpAddress network_;
  int prefix_ = 0;
};

// The ranges whose addresses may query the agent.
class AllowList {
 public:
  void add(const AddressRange& r);  // duplicates are dropped
  bool allowsV4(const uint8_t* bytes4) const;
  bool allowsV6(const uint8_t* bytes16) const;  // IPv4-mapped addresses are checked as IPv4
  bool allows(const IpAddress& ip) const;
  std::string toString() const;

 private:
  std::vector<AddressRange> v4_;
  std::vector<AddressRange> v6_;
};

}  // namespace mdns
