#include "common/agent_settings.h"

#include <algorithm>

namespace mdns {
namespace {

bool isLoopback(const IpAddress& ip) { return (ip.isV4() && ip.data()[0] == 127) || ip.toString() == "::1"; }

void addOnce(std::vector<IpAddress>& list, const IpAddress& ip) {
  if (std::find(list.begin(), list.end(), ip) == list.end()) list.push_back(ip);
}

}  // namespace

bool isWildcard(const IpAddress& ip) { return ip.toString() == "0.0.0.0" || ip.toString() == "::"; }

std::vector<IpAddress> listenerIps(const Config& config) {
  std::vector<IpAddress> out;
  for (const auto& l : config.listeners) {
    if (auto ip = IpAddress::parse(l)) out.push_back(*ip);
  }
  return out;
}

std::vector<IpAddress> publishedAddresses(const Config& config, const std::vector<IpAddress>& nodeAddresses) {
  std::vector<IpAddress> out;
  bool wildcard = false;
  for (const auto& ip : listenerIps(config)) {
    if (isWildcard(ip)) {
      wildcard = true;
    } else {
      addOnce(out, ip);
    }
  }
  if (wildcard) {
    for (const auto& ip : nodeAddresses) {
      if (!isLoopback(ip)) addOnce(out, ip);
    }
  }
  return out;
}

bool isSelf(const Config& config, const std::vector<IpAddress>& nodeAddresses, const Upstream& upstream) {
  if (upstream.port != config.port) return false;
  std::vector<IpAddress> self = publishedAddresses(config, nodeAddresses);
  for (const auto& ip : listenerIps(config)) {
    self.push_back(ip);
    if (isWildcard(ip)) {
      self.push_back(*IpAddress::parse("127.0.0.1"));
      self.push_back(*IpAddress::parse("::1"));
    }
  }
  return std::find(self.begin(), self.end(), upstream.ip) != self.end();
}

AllowList allowList(const Config& config, const std::vector<AddressRange>& interfaceNetworks) {
  AllowList allow;
  for (const auto& text : config.allowFrom) {
    if (auto range = AddressRange::parse(text)) allow.add(*range);
  }
  if (!config.allowFrom.empty()) return allow;
  allow.add(*AddressRange::parse("127.0.0.0/8"));
  allow.add(*AddressRange::parse("::1/128"));
  const auto ips = listenerIps(config);
  for (const auto& net : interfaceNetworks) {
    for (const auto& ip : ips) {
      if (isWildcard(ip) || net.contains(ip)) allow.add(net);
    }
  }
  return allow;
}

AllowList transferAllowList(const Config& config) {
  AllowList allow;
  for (const auto& text : config.allowTransfer) {
    if (auto range = AddressRange::parse(text)) allow.add(*range);
  }
  return allow;
}

ResolvConfLines resolvConfLines(const Config& config) {
  ResolvConfLines lines;
  std::optional<IpAddress> loopback;
  for (const auto& ip : listenerIps(config)) {
    if (isWildcard(ip)) {
      if (!loopback) loopback = *IpAddress::parse(ip.isV4() ? "127.0.0.1" : "::1");
    } else if (isLoopback(ip)) {
      if (!loopback) loopback = ip;
    } else {
      lines.agent.push_back(ip);
    }
  }
  if (lines.agent.empty() && loopback) lines.agent.push_back(*loopback);
  for (const auto& f : config.resolvConf.fallback) {
    if (auto ip = IpAddress::parse(f)) lines.fallback.push_back(*ip);
  }
  return lines;
}

ResolvConfUpstreams upstreamsFromResolvConf(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                                            std::string_view text) {
  ResolvConfUpstreams out;
  for (const auto& ns : resolvConfNameservers(text, &out.ignored)) {
    const Upstream u{ns, 53};
    if (isSelf(config, nodeAddresses, u)) {
      out.self.push_back(ns);
    } else if (std::find(out.upstreams.begin(), out.upstreams.end(), u) == out.upstreams.end()) {
      out.upstreams.push_back(u);
    }
  }
  return out;
}

}  // namespace mdns
