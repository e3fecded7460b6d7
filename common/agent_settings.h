// What the config means for the agent's parts, given the facts of the node it runs on (its
// interface addresses and networks, which the agent reads with getifaddrs): who the agent itself
// is, who may ask it, what it writes into resolv.conf, and where it forwards. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/config.h"
#include "common/ip_address.h"
#include "common/resolv_conf.h"
#include "common/upstream.h"

namespace mdns {

// 0.0.0.0 or ::.
bool isWildcard(const IpAddress& ip);

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

}  // namespace mdns
