#include "common/agent_settings.h"

#include <algorithm>

namespace mdns {
namespace {

void addOnce(std::vector<IpAddress>& list, const IpAddress& ip) {
  if (std::find(list.begin(), list.end(), ip) == list.end()) list.push_back(ip);
}

}  // namespace

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
    if (ip.isUnspecified()) {
      wildcard = true;
    } else {
      addOnce(out, ip);
    }
  }
  if (wildcard) {
    for (const auto& ip : nodeAddresses) {
      if (!ip.isLoopback()) addOnce(out, ip);
    }
  }
  return out;
}

bool isSelf(const Config& config, const std::vector<IpAddress>& nodeAddresses, const Upstream& upstream) {
  if (upstream.port != config.port) return false;
  std::vector<IpAddress> self = publishedAddresses(config, nodeAddresses);
  for (const auto& ip : listenerIps(config)) {
    self.push_back(ip);
    if (ip.isUnspecified()) {
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
      if (ip.isUnspecified() || net.contains(ip)) allow.add(net);
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
    if (ip.isUnspecified()) {
      if (!loopback) loopback = *IpAddress::parse(ip.isV4() ? "127.0.0.1" : "::1");
    } else if (ip.isLoopback()) {
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

std::vector<Upstream> resolvConfUpstreams(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                                          std::string_view text, const std::string& origin,
                                          std::vector<SettingsNote>& notes) {
  auto found = upstreamsFromResolvConf(config, nodeAddresses, text);
  for (const auto& line : found.ignored)
    notes.push_back({true, origin + ": ignored \"" + line + "\" (not an IP address)"});
  for (const auto& ip : found.self) {
    notes.push_back({false, origin + ": nameserver " + ip.toString() + " is this agent; not forwarding to it"});
  }
  return std::move(found.upstreams);
}

ForwardingPlan forwardingPlan(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                              std::string_view resolvConfText, const std::string& resolvConfOrigin) {
  ForwardingPlan plan;
  ForwarderSettings& fs = plan.settings;
  fs.maxUdpSize = static_cast<size_t>(config.maxUdpSize);
  fs.setTruncateBit = config.setTruncateBit;
  for (const auto& r : config.resolvers) {
    const auto u = parseUpstream(r);
    if (!u) continue;  // the config was validated
    if (isSelf(config, nodeAddresses, *u)) {
      plan.notes.push_back({true, config.configPath + ": key \"resolvers\": " + r +
                                      " is this agent's own listener; not forwarding to it"});
      continue;
    }
    fs.upstreams.push_back(*u);
  }
  std::string origin = "resolvers";
  if (config.resolvers.empty()) {
    origin = resolvConfOrigin;
    fs.upstreams = resolvConfUpstreams(config, nodeAddresses, resolvConfText, origin, plan.notes);
  }
  for (const auto& [zone, list] : config.zoneResolvers) {
    auto& ups = fs.zoneUpstreams[zone];
    std::string names;
    for (const auto& r : list) {
      if (const auto u = parseUpstream(r)) {
        ups.push_back(*u);
        names += (names.empty() ? "" : ", ") + u->toString();
      }
    }
    plan.notes.push_back({false, "forwarding " + zone + " to " + names + " (from zoneResolvers)"});
  }
  fs.timeoutMs = config.timeout * 1000;
  fs.recursionAvailable = config.recurseOn;
  fs.cache.maxEntries = static_cast<size_t>(config.cacheSize);
  fs.cache.maxTtl = static_cast<uint32_t>(config.cacheMaxTtl);
  fs.cache.maxNegativeTtl = static_cast<uint32_t>(config.cacheMaxNegativeTtl);
  fs.cache.staleMaxSeconds = static_cast<uint32_t>(config.cacheMaxStaleSeconds);
  std::string list;
  for (const auto& u : fs.upstreams) list += (list.empty() ? "" : ", ") + u.toString();
  if (fs.upstreams.empty()) {
    plan.notes.push_back({true, "no upstream resolvers to forward to (" + origin + "): names outside " + config.domain +
                                    ". get SERVFAIL"});
  } else {
    plan.notes.push_back({false, "forwarding other names to " + list + " (from " + origin + ")"});
  }
  return plan;
}

}  // namespace mdns
