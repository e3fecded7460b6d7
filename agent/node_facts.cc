#include "agent/node_facts.h"

#include <ifaddrs.h>
#include <sched.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "agent/files.h"
#include "agent/log.h"
#include "agent/resolv_conf_manager.h"
#include "common/cpu_budget.h"
#include "common/socket_address.h"

namespace mdns {
namespace {

void logNotes(const std::vector<SettingsNote>& notes) {
  for (const auto& n : notes) (n.warning ? log::warning(n.text) : log::info(n.text));
}

// Every interface address of the node with its netmask, as getifaddrs lists them.
struct InterfaceAddress {
  IpAddress ip;
  std::optional<IpAddress> netmask;
};

std::vector<InterfaceAddress> interfaceAddresses() {
  std::vector<InterfaceAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    const auto address = SocketAddress::fromSockaddr(i->ifa_addr);
    if (!address) continue;
    const auto mask = SocketAddress::fromSockaddr(i->ifa_netmask);
    out.push_back({address->ip, mask ? std::optional<IpAddress>(mask->ip) : std::nullopt});
  }
  freeifaddrs(list);
  return out;
}

}  // namespace

// An agent pinned to one CPU, or given a quota, must not run a worker per machine core that then
// fight over it.
size_t cpusWeMayUse() {
  cpu_set_t set;
  CPU_ZERO(&set);
  const size_t affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<size_t>(CPU_COUNT(&set))
                                                                      : std::thread::hardware_concurrency();
  std::vector<std::string> quotas;
  const auto cgroups = readWholeFile("/proc/self/cgroup", true);
  if (const auto path = cgroups ? cgroupV2Path(*cgroups) : std::nullopt) {
    for (std::string dir = *path;; dir = dir.substr(0, dir.rfind('/'))) {
      if (const auto text = readWholeFile("/sys/fs/cgroup" + dir + "/cpu.max", true); text && !text->empty()) {
        quotas.push_back(text->substr(0, text->find('\n')));
      }
      if (dir.empty() || dir == "/") break;
    }
  }
  return usableCpus(affinity, quotas);
}

std::vector<IpAddress> nodeAddresses() {
  std::vector<IpAddress> out;
  for (const auto& a : interfaceAddresses()) {
    if (!a.ip.isLoopback() && std::find(out.begin(), out.end(), a.ip) == out.end()) out.push_back(a.ip);
  }
  return out;
}

std::vector<AddressRange> interfaceNetworks() {
  std::vector<AddressRange> out;
  for (const auto& a : interfaceAddresses()) {
    if (a.netmask && a.netmask->isV4() == a.ip.isV4()) out.push_back(AddressRange::of(a.ip, prefixLength(*a.netmask)));
  }
  return out;
}

std::vector<IpAddress> nodeAddressesFor(const Config& config) {
  const auto ips = listenerIps(config);
  return std::any_of(ips.begin(), ips.end(), [](const IpAddress& ip) { return ip.isUnspecified(); })
             ? nodeAddresses()
             : std::vector<IpAddress>();
}

std::vector<IpAddress> listenerAddresses(const Config& config) {
  return publishedAddresses(config, nodeAddressesFor(config));
}

AllowList nodeAllowList(const Config& config) { return allowList(config, interfaceNetworks()); }

void logTransferAllowList(const Config& config, const std::string& prefix) {
  log::info(prefix + (config.allowTransfer.empty() ? "zone transfers (AXFR, IXFR) refused to everyone"
                                                   : "zone transfers (AXFR, IXFR) allowed to " +
                                                         transferAllowList(config).toString() + " over TCP"));
}

std::vector<Upstream> forwardingUpstreams(const Config& config, const std::string& text, const std::string& origin) {
  std::vector<SettingsNote> notes;
  auto upstreams = resolvConfUpstreams(config, nodeAddressesFor(config), text, origin, notes);
  logNotes(notes);
  return upstreams;
}

ForwarderSettings forwarderSettings(const Config& config, const ResolvConfManager* resolvConf) {
  std::string text;
  std::string origin = resolvConf != nullptr ? resolvConf->upstreamSource() : config.resolvConf.path;
  if (config.resolvers.empty()) {
    if (resolvConf != nullptr) {
      text = resolvConf->original();
    } else {
      const auto read = readWholeFile(config.resolvConf.path, true);
      if (!read) log::warning(read.error());
      text = read.value_or("");
    }
  }
  auto plan = forwardingPlan(config, nodeAddressesFor(config), text, origin);
  logNotes(plan.notes);
  return std::move(plan.settings);
}

}  // namespace mdns
