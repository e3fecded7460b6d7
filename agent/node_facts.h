// What the agent reads about the node it runs on (CPUs it may use, interface addresses and
// networks), and common/agent_settings' pure settings computed with those facts, their notes logged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/agent_settings.h"
#include "common/config.h"
#include "common/ip_address.h"
#include "common/upstream.h"

namespace mdns {

class ResolvConfManager;

// The CPUs this process may run on, within its cgroup's CPU quota (one DNS worker each by default).
size_t cpusWeMayUse();

// The node's non-loopback interface addresses.
std::vector<IpAddress> nodeAddresses();
// Every interface address with its prefix length (allowFrom's default).
std::vector<AddressRange> interfaceNetworks();
// nodeAddresses() when a listener is a wildcard (they are then the agent's too), else none.
std::vector<IpAddress> nodeAddressesFor(const Config& config);

// The addresses published for the SOA's name server (listeners; the node's for a wildcard).
std::vector<IpAddress> listenerAddresses(const Config& config);
// Who may query the agent on this node.
AllowList nodeAllowList(const Config& config);
// Logs who may transfer the zone; `prefix` starts the line ("reload: ").
void logTransferAllowList(const Config& config, const std::string& prefix);

// The upstreams of a resolv.conf text (`origin` names it), with what was left out logged.
std::vector<Upstream> forwardingUpstreams(const Config& config, const std::string& text, const std::string& origin);
// The forwarder's settings: `resolvers`, else the nameservers of the original resolv.conf (from
// `resolvConf` when the agent manages the file, else read from resolvConf.path); logged.
ForwarderSettings forwarderSettings(const Config& config, const ResolvConfManager* resolvConf);

}  // namespace mdns
