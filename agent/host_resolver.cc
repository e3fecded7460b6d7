#include "agent/host_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

#include "agent/log.h"
#include "common/socket_address.h"

namespace mdns {

std::vector<IpAddress> resolveHostBlocking(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::vector<IpAddress> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return out;
  for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (const auto address = SocketAddress::fromSockaddr(ai->ai_addr)) out.push_back(address->ip);
  }
  freeaddrinfo(res);
  // getaddrinfo's order (RFC 6724 preference) without the duplicates of each socket type.
  std::vector<IpAddress> unique;
  for (const auto& ip : out) {
    if (std::find(unique.begin(), unique.end(), ip) == unique.end()) unique.push_back(ip);
  }
  return unique;
}

Result<std::vector<std::string>> resolveMasters(const Config& config) {
  std::vector<std::string> out;
  for (const auto& m : config.masters) {
    const auto hp = splitHostPort(m);
    if (!hp) return Error{config.configPath + ": key \"masters\": \"" + m + "\" is not host:port"};
    if (auto ip = IpAddress::parse(hp->host)) {
      out.push_back(joinHostPort(ip->toString(), hp->port));
      continue;
    }
    const auto ips = resolveHostBlocking(hp->host);
    if (ips.empty()) {
      return Error{config.configPath + ": key \"masters\": host \"" + hp->host + "\" has no address (lookup failed)"};
    }
    // Mesos masters listen on IPv4 unless told otherwise (libprocess binds one address family),
    // so an IPv4 address wins over the resolver's first choice.
    const auto v4 = std::find_if(ips.begin(), ips.end(), [](const IpAddress& a) { return a.isV4(); });
    const auto& ip = v4 != ips.end() ? *v4 : ips.front();
    log::info("master " + m + " is " + ip.toString());
    out.push_back(joinHostPort(ip.toString(), hp->port));
  }
  return out;
}

}  // namespace mdns
