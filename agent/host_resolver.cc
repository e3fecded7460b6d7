#include "agent/host_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>

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

namespace {

// `list` ("host:port" entries of the config's `key`) as addresses: host names looked up (blocking;
// an IPv4 address wins, see resolveMasters); an unknown host is an error that names it.
Result<std::vector<SocketAddress>> resolveHostPorts(const Config& config, const char* key, const char* what,
                                                    const std::vector<std::string>& list) {
  std::vector<SocketAddress> out;
  for (const auto& entry : list) {
    const auto hp = splitHostPort(entry);
    int port = 0;
    if (hp) port = std::atoi(hp->port.c_str());
    if (!hp || port <= 0 || port > 65535) {
      return Error{config.configPath + ": key \"" + key + "\": \"" + entry + "\" is not host:port"};
    }
    if (auto ip = IpAddress::parse(hp->host)) {
      out.push_back({*ip, static_cast<uint16_t>(port)});
      continue;
    }
    const auto ips = resolveHostBlocking(hp->host);
    if (ips.empty()) {
      return Error{config.configPath + ": key \"" + key + "\": host \"" + hp->host +
                   "\" has no address (lookup failed)"};
    }
    const auto v4 = std::find_if(ips.begin(), ips.end(), [](const IpAddress& a) { return a.isV4(); });
    const auto& ip = v4 != ips.end() ? *v4 : ips.front();
    log::info(std::string(what) + " " + entry + " is " + ip.toString());
    out.push_back({ip, static_cast<uint16_t>(port)});
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> resolveMasters(const Config& config) {
  // Mesos masters listen on IPv4 unless told otherwise (libprocess binds one address family),
  // so an IPv4 address wins over the resolver's first choice.
  auto resolved = resolveHostPorts(config, "masters", "master", config.masters);
  if (!resolved) return Error{resolved.error()};
  std::vector<std::string> out;
  for (const auto& a : *resolved) out.push_back(joinHostPort(a.ip.toString(), std::to_string(a.port)));
  return out;
}

Result<std::vector<SocketAddress>> resolvePrimaries(const Config& config) {
  return resolveHostPorts(config, "primaries", "primary", config.primaries);
}

}  // namespace mdns
