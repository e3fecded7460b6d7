// Addresses to and from the C socket structures: what listeners bind, upstreams connect to and
// clients come from.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "common/socket_address.h"

namespace mdns {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::optional<SocketAddress> roundTrip(const SocketAddress& a) {
  sockaddr_storage ss{};
  a.toSockaddr(ss);
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss));
}

TEST(SocketAddress, Ipv4AndIpv6SurviveTheSocketStructuresWithTheirPorts) {
  const SocketAddress v4{ip("192.0.2.1"), 5353};
  const SocketAddress v6{ip("2001:db8::1"), 53};
  EXPECT_EQ(roundTrip(v4), v4);
  EXPECT_EQ(roundTrip(v6), v6);
  EXPECT_EQ(v4.toString(), "192.0.2.1:5353");
  EXPECT_EQ(v6.toString(), "[2001:db8::1]:53");
}

TEST(SocketAddress, ClientOnAnIpv6SocketWithAMappedIpv4AddressIsIpv4) {
  sockaddr_in6 mapped{};
  mapped.sin6_family = AF_INET6;
  mapped.sin6_port = htons(40000);
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:10.1.2.3", &mapped.sin6_addr), 1);
  const auto a = SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&mapped));
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->ip.isV4());
  EXPECT_EQ(a->toString(), "10.1.2.3:40000");
}

TEST(SocketAddress, OtherFamiliesAndNullAreNoAddress) {
  sockaddr unix{};
  unix.sa_family = AF_UNIX;
  EXPECT_FALSE(SocketAddress::fromSockaddr(&unix));
  EXPECT_FALSE(SocketAddress::fromSockaddr(nullptr));
}

TEST(SocketAddress, AddressBytesAreReadInPlaceForEitherFamily) {
  sockaddr_storage ss{};
  SocketAddress{ip("192.0.2.7"), 53}.toSockaddr(ss);
  const auto v4 = addressBytes(reinterpret_cast<const sockaddr*>(&ss));
  ASSERT_EQ(v4.size(), 4u);
  EXPECT_EQ(v4[3], 7);
  SocketAddress{ip("2001:db8::9"), 53}.toSockaddr(ss);
  const auto v6 = addressBytes(reinterpret_cast<const sockaddr*>(&ss));
  ASSERT_EQ(v6.size(), 16u);
  EXPECT_EQ(v6[0], 0x20);
  EXPECT_EQ(v6[15], 9);
  EXPECT_TRUE(addressBytes(nullptr).empty());
}

TEST(SocketAddress, NetmaskGivesItsPrefixLength) {
  EXPECT_EQ(prefixLength(ip("255.255.255.0")), 24);
  EXPECT_EQ(prefixLength(ip("255.0.0.0")), 8);
  EXPECT_EQ(prefixLength(ip("ffff:ffff:ffff:ffff::")), 64);
  EXPECT_EQ(prefixLength(ip("0.0.0.0")), 0);
}

TEST(IpAddressKinds, LoopbackIsAll127AndOnlyColonColonOne) {
  EXPECT_TRUE(ip("127.0.0.1").isLoopback());
  EXPECT_TRUE(ip("127.1.2.3").isLoopback());
  EXPECT_TRUE(ip("::1").isLoopback());
  EXPECT_FALSE(ip("::2").isLoopback());
  EXPECT_FALSE(ip("128.0.0.1").isLoopback());
  EXPECT_FALSE(ip("::").isLoopback());
}

TEST(IpAddressKinds, UnspecifiedIsTheWildcardOfEitherFamily) {
  EXPECT_TRUE(ip("0.0.0.0").isUnspecified());
  EXPECT_TRUE(ip("::").isUnspecified());
  EXPECT_FALSE(ip("0.0.0.1").isUnspecified());
  EXPECT_FALSE(ip("::1").isUnspecified());
}

}  // namespace
}  // namespace mdns
