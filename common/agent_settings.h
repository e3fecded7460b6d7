// What the config means for the agent's parts, given the facts of the node it runs on (its
// interface addresses and networks, which the agent reads with getifaddrs): who the agent itself
// is, who may ask it, what it writes into resolv.conf, and where it forwards. Pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/dns_wire.h"
#include "common/forward_cache.h"
#include "common/ip_address.h"
#include "common/resolv_conf.h"
#include "common/upstream.h"

namespace mdns {

// The config's listener addresses, parsed (the config was validated).
std::vector<IpAddress> listenerIps(const Config& config);

// The addresses published for the SOA's name server: the listeners, and for a wildcard listener
// every address in `nodeAddresses` (the node's non-loopback addresses), as mesos-dns does.
std::vector<IpAddress> publishedAddresses(const Config& config, const std::vector<IpAddress>& nodeAddresses);

// Whether an upstream is this agent itself: a listener address (for a wildcard listener also
// loopback and any of `nodeAddresses`) with the agent's port. Forwarding there would be a loop.
bool isSelf(const Config& config, const std::vector<IpAddress>& nodeAddresses, const Upstream& upstream);

// Who may query the agent: allowFrom, or by default loopback and the networks (of
// `interfaceNetworks`) the listeners are on (all of them for a wildcard listener).
AllowList allowList(const Config& config, const std::vector<AddressRange>& interfaceNetworks);
// Who may transfer the zone: allowTransfer (nobody when empty).
AllowList transferAllowList(const Config& config);

// The nameserver lines the agent puts first: its node-local listener addresses when it has some
// (containers can reach them; Docker drops 127.x nameservers), else its loopback listener
// (127.0.0.1 for a wildcard one); then resolvConf.fallback.
ResolvConfLines resolvConfLines(const Config& config);

// The upstreams a resolv.conf text gives: its nameservers on port 53, without duplicates and
// without the agent itself (`self`: those left out; `ignored`: lines that hold no IP address).
struct ResolvConfUpstreams {
  std::vector<Upstream> upstreams;
  std::vector<IpAddress> self;
  std::vector<std::string> ignored;
};
ResolvConfUpstreams upstreamsFromResolvConf(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                                            std::string_view text);

// How names outside the domain are forwarded (the forwarder's settings).
struct ForwarderSettings {
  std::vector<Upstream> upstreams;
  std::map<std::string, std::vector<Upstream>> zoneUpstreams;  // zone in dotted form -> its upstreams
  int timeoutMs = 5000;
  bool recursionAvailable = true;
  size_t maxUdpSize = dns::kDefaultMaxUdpReply;  // replies to UDP clients, and our EDNS size upstream
  bool setTruncateBit = true;
  CacheLimits cache;
};

// A line for the log about what the settings left out or chose.
struct SettingsNote {
  bool warning = false;  // else informational
  std::string text;
};

// The forwarder's settings: upstreams from `resolvers` (without the agent itself), else the
// nameservers of `resolvConfText` (the original resolv.conf, read from `resolvConfOrigin`), plus
// zoneResolvers, the timeout and the cache limits; `notes` says what was left out and where other
// names go.
struct ForwardingPlan {
  ForwarderSettings settings;
  std::vector<SettingsNote> notes;
};
ForwardingPlan forwardingPlan(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                              std::string_view resolvConfText, const std::string& resolvConfOrigin);

// The upstreams of a resolv.conf text (`origin` names it) with the notes on what was left out.
std::vector<Upstream> resolvConfUpstreams(const Config& config, const std::vector<IpAddress>& nodeAddresses,
                                          std::string_view text, const std::string& origin,
                                          std::vector<SettingsNote>& notes);

}  // namespace mdns
