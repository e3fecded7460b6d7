#include "agent/agent.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "agent/dns_server.h"
#include "agent/files.h"
#include "agent/forwarder.h"
#include "agent/host_resolver.h"
#include "agent/http_server.h"
#include "agent/libevent.h"
#include "agent/log.h"
#include "agent/operations.h"
#include "agent/resolv_conf_manager.h"
#include "common/agent_settings.h"
#include "common/cpu_budget.h"
#include "common/dns_wire.h"
#include "common/forward_cache.h"
#include "common/zone_file.h"

namespace mdns {
namespace {

// The CPUs this process may run on and its cgroup's CPU quota allow (one worker each by default):
// an agent pinned to one CPU, or given a quota, must not run a worker per machine core that
// then fight over it.
size_t cpusWeMayUse() {
  cpu_set_t set;
  CPU_ZERO(&set);
  const size_t affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? static_cast<size_t>(CPU_COUNT(&set))
                                                                      : std::thread::hardware_concurrency();
  std::vector<std::string> quotas;
  std::string ignored;
  const auto cgroups = readWholeFile("/proc/self/cgroup", ignored, true);
  if (const auto path = cgroups ? cgroupV2Path(*cgroups) : std::nullopt) {
    for (std::string dir = *path;; dir = dir.substr(0, dir.rfind('/'))) {
      if (const auto text = readWholeFile("/sys/fs/cgroup" + dir + "/cpu.max", ignored, true); text && !text->empty()) {
        quotas.push_back(text->substr(0, text->find('\n')));
      }
      if (dir.empty() || dir == "/") break;
    }
  }
  return usableCpus(affinity, quotas);
}

constexpr int kSelfCheckMs = 2000;      // resolv.conf: how often the agent asks itself
constexpr int kInheritedWaitMs = 5000;  // inherited sockets wait this long for the first records

std::string hostPort(const IpAddress& ip, int port) {
  return (ip.isV4() ? ip.toString() : "[" + ip.toString() + "]") + ":" + std::to_string(port);
}

// Runs `f` on the thread of `loop` and waits for it (directly when `loop` is the caller's own).
// False when it could not be handed over (libevent out of memory): `f` did not run.
[[nodiscard]] bool runOnLoop(event_base* loop, event_base* own, const std::function<void()>& f) {
  if (loop == own) {
    f();
    return true;
  }
  struct Call {
    const std::function<void()>* f;
    std::promise<void> done;
  } call{&f, {}};
  auto finished = call.done.get_future();
  if (event_base_once(
          loop, -1, EV_TIMEOUT,
          [](evutil_socket_t, short, void* arg) {
            auto* c = static_cast<Call*>(arg);
            (*c->f)();
            c->done.set_value();
          },
          &call, nullptr) != 0) {
    return false;  // waiting would never end
  }
  finished.wait();
  return true;
}

// Puts the DNS sockets into systemd's file descriptor store (FileDescriptorStoreMax= in the unit),
// replacing what was there: a restarted agent gets them back, and queries wait in them meanwhile
// instead of meeting a closed port.
void storeSockets(const std::vector<std::unique_ptr<DnsServer>>& servers) {
  if (std::getenv("NOTIFY_SOCKET") == nullptr) return;
  std::vector<int> fds;
  for (const auto& server : servers) {
    for (int fd : server->udpSockets()) fds.push_back(fd);
    for (int fd : server->tcpSockets()) fds.push_back(fd);
  }
  sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=dns");
  if (!fds.empty() &&
      sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=dns", fds.data(), static_cast<unsigned>(fds.size())) <= 0) {
    log::debug("could not hand the sockets to systemd's file descriptor store");
  }
}

struct InheritedSocket {
  int fd = -1;
  bool udp = false;
  std::string address;  // "ip:port" as hostPort() writes it
};

// The sockets systemd passed (LISTEN_FDS; socket activation or the file descriptor store), each
// with its address and type. The environment variables are unset, so children do not see them.
std::vector<InheritedSocket> takeInheritedSockets() {
  std::vector<InheritedSocket> out;
  const int n = sd_listen_fds(1);
  for (int i = 0; i < std::max(n, 0); ++i) {
    InheritedSocket s;
    s.fd = SD_LISTEN_FDS_START + i;
    int type = 0;
    socklen_t typeLength = sizeof type;
    sockaddr_storage ss{};
    socklen_t length = sizeof ss;
    if (::getsockopt(s.fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0 ||
        ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&ss), &length) != 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
      log::warning("systemd passed descriptor " + std::to_string(s.fd) + ", which is no IP socket; closed");
      ::close(s.fd);
      continue;
    }
    s.udp = type == SOCK_DGRAM;
    if (ss.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&ss);
      std::array<uint8_t, 4> b{};
      std::memcpy(b.data(), &v4->sin_addr, 4);
      s.address = hostPort(IpAddress::v4(b), ntohs(v4->sin_port));
    } else {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&ss);
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &v6->sin6_addr, 16);
      s.address = hostPort(IpAddress::v6(b), ntohs(v6->sin6_port));
    }
    out.push_back(s);
  }
  return out;
}

// The node's non-loopback interface addresses.
std::vector<IpAddress> nodeAddresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr) continue;
    std::optional<IpAddress> ip;
    if (i->ifa_addr->sa_family == AF_INET) {
      std::array<uint8_t, 4> b{};
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      if (b[0] != 127) ip = IpAddress::v4(b);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      static constexpr uint8_t kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
      if (std::memcmp(b.data(), kLoopback, 16) != 0) ip = IpAddress::v6(b);
    }
    if (ip && std::find(out.begin(), out.end(), *ip) == out.end()) out.push_back(*ip);
  }
  freeifaddrs(list);
  return out;
}

// The node's addresses when a listener is a wildcard (they are then the agent's too), else none:
// getifaddrs only when it matters.
std::vector<IpAddress> nodeAddressesFor(const Config& config) {
  const auto ips = listenerIps(config);
  return std::any_of(ips.begin(), ips.end(), isWildcard) ? nodeAddresses() : std::vector<IpAddress>();
}

std::vector<IpAddress> listenerAddresses(const Config& config) {
  return publishedAddresses(config, nodeAddressesFor(config));
}

// Every address of the node's interfaces with its prefix length (for allowFrom's default).
std::vector<AddressRange> interfaceNetworks() {
  std::vector<AddressRange> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr) continue;
    auto prefix = [](const uint8_t* mask, size_t n) {
      int bits = 0;
      for (size_t k = 0; k < n; ++k) bits += __builtin_popcount(mask[k]);
      return bits;
    };
    if (i->ifa_addr->sa_family == AF_INET) {
      std::array<uint8_t, 4> b{};
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      const auto* mask = reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr);
      out.push_back(AddressRange::of(IpAddress::v4(b), prefix(mask, 4)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      const auto* mask = reinterpret_cast<const uint8_t*>(&reinterpret_cast<sockaddr_in6*>(i->ifa_netmask)->sin6_addr);
      out.push_back(AddressRange::of(IpAddress::v6(b), prefix(mask, 16)));
    }
  }
  freeifaddrs(list);
  return out;
}

std::string ageText(std::chrono::system_clock::time_point t) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t).count();
  return std::to_string(s) + " s";
}

// sd_notify WATCHDOG=1 at half of WATCHDOG_USEC when every event loop is alive.
class Watchdog {
 public:
  Watchdog(event_base* main, const std::vector<EventBasePtr>& workers) {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    limitMs_ = static_cast<int64_t>(usec / 1000);
    const int64_t beatMs = std::max<int64_t>(limitMs_ / 4, 1);
    const timeval every{static_cast<time_t>(beatMs / 1000), static_cast<suseconds_t>(beatMs % 1000 * 1000)};
    beats_ = std::make_unique<std::atomic<int64_t>[]>(workers.size());
    for (size_t i = 0; i < workers.size(); ++i) {
      beats_[i] = nowMs();
      workerTimers_.emplace_back(event_new(
          workers[i].get(), -1, EV_PERSIST,
          [](evutil_socket_t, short, void* beat) {
            static_cast<std::atomic<int64_t>*>(beat)->store(nowMs(), std::memory_order_relaxed);
          },
          &beats_[i]));
      event_add(workerTimers_.back().get(), &every);
    }
    count_ = workers.size();
    mainTimer_.reset(event_new(
        main, -1, EV_PERSIST, [](evutil_socket_t, short, void* self) { static_cast<Watchdog*>(self)->tick(); }, this));
    event_add(mainTimer_.get(), &every);
    sd_notify(0, "WATCHDOG=1");
    log::info("systemd watchdog: " + std::to_string(limitMs_) + " ms");
  }

 private:
  static int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void tick() {
    const int64_t now = nowMs();
    for (size_t i = 0; i < count_; ++i) {
      if (now - beats_[i].load(std::memory_order_relaxed) > limitMs_ / 2) {
        if (!reported_) log::error("worker " + std::to_string(i + 1) + " is stuck; not telling systemd all is well");
        reported_ = true;
        return;
      }
    }
    reported_ = false;
    sd_notify(0, "WATCHDOG=1");
  }

  int64_t limitMs_ = 0;
  size_t count_ = 0;
  bool reported_ = false;
  std::unique_ptr<std::atomic<int64_t>[]> beats_;
  std::vector<EventPtr> workerTimers_;
  EventPtr mainTimer_;
};

}  // namespace

namespace {

bool isSelf(const Config& config, const Upstream& u) { return isSelf(config, nodeAddressesFor(config), u); }

AllowList allowList(const Config& config) { return allowList(config, interfaceNetworks()); }

void logTransferAllowList(const Config& config, const std::string& prefix) {
  log::info(prefix + (config.allowTransfer.empty() ? "zone transfers (AXFR, IXFR) refused to everyone"
                                                   : "zone transfers (AXFR, IXFR) allowed to " +
                                                         transferAllowList(config).toString() + " over TCP"));
}

// The upstreams of a resolv.conf text, with what was left out logged (`origin` names the file).
std::vector<Upstream> forwardingUpstreams(const Config& config, const std::string& text, const std::string& origin) {
  const auto found = upstreamsFromResolvConf(config, nodeAddressesFor(config), text);
  for (const auto& line : found.ignored) log::warning(origin + ": ignored \"" + line + "\" (not an IP address)");
  for (const auto& ip : found.self) {
    log::info(origin + ": nameserver " + ip.toString() + " is this agent; not forwarding to it");
  }
  return found.upstreams;
}

// Where names outside the domain go: `resolvers`, else the nameservers of the original resolv.conf
// (never the agent itself), plus zoneResolvers, the timeout and the cache limits.
ForwarderSettings forwarderSettings(const Config& config, const ResolvConfManager* resolvConf) {
  ForwarderSettings fs;
  fs.maxUdpSize = static_cast<size_t>(config.maxUdpSize);
  fs.setTruncateBit = config.setTruncateBit;
  for (const auto& r : config.resolvers) {
    const Upstream u = *parseUpstream(r);
    if (isSelf(config, u)) {
      log::warning(config.configPath + ": key \"resolvers\": " + r +
                   " is this agent's own listener; not forwarding to it");
      continue;
    }
    fs.upstreams.push_back(u);
  }
  std::string origin = "resolvers";
  if (config.resolvers.empty()) {
    std::string readError;
    origin = resolvConf != nullptr ? resolvConf->upstreamSource() : config.resolvConf.path;
    const auto text = resolvConf != nullptr ? std::optional<std::string>(resolvConf->original())
                                            : readWholeFile(config.resolvConf.path, readError, true);
    if (!text) log::warning(readError);
    fs.upstreams = forwardingUpstreams(config, text.value_or(""), origin);
  }
  for (const auto& [zone, list] : config.zoneResolvers) {
    auto& ups = fs.zoneUpstreams[zone];
    for (const auto& r : list) ups.push_back(*parseUpstream(r));
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
    log::warning("no upstream resolvers to forward to (" + origin + "): names outside " + config.domain +
                 ". get SERVFAIL");
  } else {
    log::info("forwarding other names to " + list + " (from " + origin + ")");
  }
  return fs;
}

}  // namespace

std::optional<SourceSetup> prepareSource(const Config& config, std::string& error, bool resolveNow) {
  SourceSetup setup;
  setup.config = config;
  if (resolveNow) {
    auto masters = resolveMasters(config, error);
    if (!masters) return std::nullopt;
    setup.masters = std::move(*masters);
  } else {
    // A reload runs on DNS worker 0's loop: a lookup here could wait for that very worker (the
    // agent is first in resolv.conf). The source's thread looks the names up (applyReconfigure).
    for (const auto& m : config.masters) {
      if (!splitHostPort(m)) {
        error = config.configPath + ": key \"masters\": \"" + m + "\" is not host:port";
        return std::nullopt;
      }
    }
    setup.masters = config.masters;
    setup.mastersUnresolved = true;
  }
  setup.nameServerAddresses = listenerAddresses(config);
  if (!config.zk.empty() && config.stateFile.empty()) {
    auto zk = parseZkUrl(config.zk);
    if (!zk.url) {
      error = config.configPath + ": key \"zk\": " + zk.error;
      return std::nullopt;
    }
    setup.zk = std::move(zk.url);
  }
  return setup;
}

int runAgent(const Config& config) {
  // Every forwarded query and TCP client holds a descriptor: take the hard limit, not the soft 1024.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::string error;
  auto setup = prepareSource(config, error);
  if (!setup) {
    log::error(error);
    return 1;
  }
  // The HTTP API reads the records (and the enumeration); zone transfers send them.
  setup->keepRecords = config.httpOn || !config.allowTransfer.empty();
  // The running configuration; a reload (SIGHUP, on this thread) replaces it.
  auto current = std::make_shared<const Config>(config);
  evthread_use_pthreads();
  EventBasePtr base(event_base_new());

  RecordStore store;
  ResponderOptions options;
  options.apexWire = *dns::toWireName(config.domain);
  options.recurseOn = config.recurseOn;
  options.setTruncateBit = config.setTruncateBit;
  options.maxUdpSize = static_cast<size_t>(config.maxUdpSize);
  // resolv.conf: its original content (kept across a crash) gives the upstreams; the agent goes
  // into the file once it serves.
  std::unique_ptr<ResolvConfManager> resolvConf;
  std::unique_ptr<Forwarder> forwarder;
  if (config.resolvConf.manage) {
    resolvConf = std::make_unique<ResolvConfManager>(
        base.get(), config, resolvConfLines(config), [&current, &forwarder, &resolvConf](const std::string& original) {
          if (forwarder && current->resolvers.empty()) {
            forwarder->setUpstreams(forwardingUpstreams(*current, original, resolvConf->upstreamSource()));
          }
        });
    if (!resolvConf->prepare(error)) {
      log::error("resolvConf: " + error);
      return 1;
    }
    const auto lines = resolvConfLines(config);
    const bool onlyLoopback = std::all_of(lines.agent.begin(), lines.agent.end(), [](const IpAddress& ip) {
      return (ip.isV4() && ip.data()[0] == 127) || ip.toString() == "::1";
    });
    if (onlyLoopback && (::access("/var/run/docker.sock", F_OK) == 0 || ::access("/usr/bin/dockerd", F_OK) == 0)) {
      log::warning(
          "resolvConf: Docker is installed and the agent listens on loopback only: Docker drops 127.x "
          "nameservers from the resolv.conf it gives bridge-mode containers (and falls back to public "
          "resolvers), so those tasks will not use the agent; add a node-local address to listener (README)");
    }
  }
  if (config.externalOn) {
    ForwarderSettings fs = forwarderSettings(config, resolvConf.get());
    forwarder = std::make_unique<Forwarder>(std::move(fs));
  }
  const AllowList allow = allowList(config);
  log::info("answering queries from " + allow.toString());
  SharedAllowList transferAllow(transferAllowList(config));
  if (!config.allowTransfer.empty()) logTransferAllowList(config, "");
  DnsServerLimits limits;
  limits.tcpIdleSeconds = config.tcpIdleSeconds;
  limits.maxTcpConnections = static_cast<size_t>(config.maxTcpConnections);
  // One DNS server per worker thread, each with its own loop and sockets (SO_REUSEPORT); the
  // first runs on this thread, next to the signal handling.
  const size_t workerCount = config.workers > 0 ? static_cast<size_t>(config.workers) : cpusWeMayUse();
  std::vector<EventBasePtr> workerBases;
  std::vector<std::unique_ptr<DnsServer>> servers;
  servers.push_back(std::make_unique<DnsServer>(base.get(), store, options, limits, forwarder.get(), &allow));
  for (size_t i = 1; i < workerCount; ++i) {
    workerBases.emplace_back(event_base_new());
    servers.push_back(
        std::make_unique<DnsServer>(workerBases.back().get(), store, options, limits, forwarder.get(), &allow));
  }
  QueryLog queryLog;
  queryLog.setRate(config.queryLog ? config.queryLogRate : 0);
  for (auto& server : servers) {
    server->setQueryLog(&queryLog);
    server->setMaxStaleSeconds(config.maxStaleSeconds);
    server->setTransferAllowList(&transferAllow);
  }
  if (forwarder) forwarder->start();
  // Sockets from systemd (socket activation, or the file descriptor store of a previous run):
  // queries that came while no agent ran wait in them, so they are read only once records are
  // loaded (or after kInheritedWaitMs without any).
  auto inherited = takeInheritedSockets();
  bool waitForRecords = false;
  if (config.dnsOn) {
    // Fresh sockets listen before the first load: until records exist, names in the domain get
    // SERVFAIL and resolvers move on to the next nameserver.
    std::string where;
    for (const auto& listener : config.listeners) {
      const std::string address = hostPort(*IpAddress::parse(listener), config.port);
      std::vector<int> udp, tcp;
      for (auto& s : inherited) {
        if (s.fd >= 0 && s.address == address) {
          (s.udp ? udp : tcp).push_back(s.fd);
          s.fd = -1;
        }
      }
      if (!udp.empty() || !tcp.empty()) {
        if (udp.empty() || tcp.empty()) {
          log::warning("systemd passed no " + std::string(udp.empty() ? "UDP" : "TCP") + " socket for " + address +
                       ": DNS over " + (udp.empty() ? "UDP" : "TCP") + " is not served there");
        }
        // Each inherited socket to one worker; workers left over share the first (a duplicate).
        for (size_t i = 0; i < std::max({udp.size(), tcp.size(), servers.size()}); ++i) {
          auto& server = servers[i % servers.size()];
          const int u = i < udp.size() ? udp[i] : (i < servers.size() && !udp.empty() ? ::dup(udp[0]) : -1);
          const int t = i < tcp.size() ? tcp[i] : (i < servers.size() && !tcp.empty() ? ::dup(tcp[0]) : -1);
          if (!server->adopt(u, t, true, error)) {
            log::error(address + ": " + error);
            return 1;
          }
        }
        waitForRecords = true;
        where += (where.empty() ? "" : ", ") + address + " (from systemd)";
        continue;
      }
      for (auto& server : servers) {
        if (!server->listen(listener, config.port, workerCount > 1, error)) {
          log::error(error);
          return 1;
        }
      }
      where += (where.empty() ? "" : ", ") + address;
    }
    log::info("serving DNS for " + config.domain + ". on " + where + " (udp, tcp; " + std::to_string(workerCount) +
              " worker" + (workerCount > 1 ? "s)" : ")"));
    storeSockets(servers);
  }
  for (auto& s : inherited) {
    if (s.fd < 0) continue;
    log::warning("systemd passed a socket on " + s.address + " that no listener asks for; closed");
    ::close(s.fd);
  }
  std::vector<std::thread> workerThreads;
  // Stopped by an event, not event_base_loopbreak(): a break asked before a thread has entered its
  // loop would be forgotten (a SIGTERM right at start), an active event is not.
  std::vector<EventPtr> workerStops;
  for (auto& workerBase : workerBases) {
    workerStops.emplace_back(event_new(
        workerBase.get(), -1, 0,
        [](evutil_socket_t, short, void* b) { event_base_loopbreak(static_cast<event_base*>(b)); }, workerBase.get()));
    event_add(workerStops.back().get(), nullptr);
    workerThreads.emplace_back([b = workerBase.get()] { event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
  auto stopWorkers = [&workerStops, &workerThreads] {
    for (auto& e : workerStops) event_active(e.get(), EV_READ, 0);
    for (auto& t : workerThreads) t.join();
    workerThreads.clear();
  };

  // The first record set is in and the sockets answer: now the agent may go into resolv.conf.
  EventPtr serving(event_new(
      base.get(), -1, 0,
      [](evutil_socket_t, short, void* manager) {
        if (manager == nullptr) return;
        std::string applyError;
        if (!static_cast<ResolvConfManager*>(manager)->apply(applyError)) {
          log::error("resolvConf: cannot put the agent into resolv.conf: " + applyError);
        }
        static_cast<ResolvConfManager*>(manager)->startSelfCheck(kSelfCheckMs);
      },
      resolvConf.get()));
  // Inherited sockets: read once the first records are in, or after a while without.
  auto resumeAll = [](evutil_socket_t, short, void* list) {
    for (auto& server : *static_cast<std::vector<std::unique_ptr<DnsServer>>*>(list)) server->resume();
  };
  EventPtr resume(event_new(base.get(), -1, 0, resumeAll, &servers));
  if (waitForRecords) {
    const timeval wait{kInheritedWaitMs / 1000, (kInheritedWaitMs % 1000) * 1000};
    event_add(resume.get(), &wait);
  }
  bool loaded = false;                 // the source's thread only
  std::atomic<bool> readySent{false};  // READY=1 went to systemd (records, or startWaitSeconds passed)
  RecordSource source(std::move(*setup), store, [&](const Snapshot& snap) {
    const std::string status = "serving " + std::to_string(snap.table->nameCount()) + " names from " + snap.origin +
                               ", changed " + ageText(snap.changedAt) + " ago";
    if (!loaded) {
      loaded = true;
      event_active(resume.get(), EV_TIMEOUT, 0);
      if (config.dnsOn) event_active(serving.get(), EV_TIMEOUT, 0);  // on the main loop
    }
    sd_notify(0, ((readySent.exchange(true) ? "" : "READY=1\n") + ("STATUS=" + status)).c_str());
  });
  // Without records after startWaitSeconds (masters unreachable, no cache file yet), systemd is told
  // READY anyway, so that `systemctl start` and `apt install` do not hang: the agent forwards other
  // names, answers SERVFAIL in the domain, and stays out of resolv.conf until records come.
  EventPtr startWait(evtimer_new(
      base.get(),
      [](evutil_socket_t, short, void* flag) {
        if (static_cast<std::atomic<bool>*>(flag)->exchange(true)) return;
        log::warning(
            "no records after startWaitSeconds; telling systemd the agent is up (names in the domain get "
            "SERVFAIL until records come; resolv.conf is left alone until then)");
        sd_notify(0, "READY=1\nSTATUS=no records yet (the source does not answer); forwarding other names");
      },
      &readySent));
  const timeval startWaitTime{config.startWaitSeconds, 0};
  evtimer_add(startWait.get(), &startWaitTime);

  auto onSignal = [](evutil_socket_t sig, short, void* basePtr) {
    log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    event_base_loopbreak(static_cast<event_base*>(basePtr));
  };
  EventPtr term(evsignal_new(base.get(), SIGTERM, onSignal, base.get()));
  EventPtr intr(evsignal_new(base.get(), SIGINT, onSignal, base.get()));

  // The HTTP API, /health and /metrics, on their own thread.
  OperationsParts parts;
  parts.store = &store;
  parts.source = &source;
  parts.forwarder = forwarder.get();
  for (const auto& server : servers) parts.servers.push_back(server.get());
  parts.resolvConf = resolvConf.get();
  Operations operations(current, parts);
  std::unique_ptr<HttpServer> http;
  if (config.httpOn) {
    http = std::make_unique<HttpServer>([&operations](const ApiRequest& r) { return operations.handle(r); });
    if (!http->listen(config.httpListener, config.httpPort, error)) {
      log::error(error);
      stopWorkers();  // joinable threads must not be destroyed (std::terminate)
      if (forwarder) forwarder->stop();
      return 1;
    }
    http->start();
    log::info("serving HTTP (/v1, /health, /metrics) on " + config.httpListener + ":" +
              std::to_string(config.httpPort));
  }

  // A reload that moves the listeners: the new addresses are bound on every worker first (all or
  // none), then the old ones closed; sockets that stay are not touched.
  auto loopOf = [&](size_t i) { return i == 0 ? base.get() : workerBases[i - 1].get(); };
  auto rebind = [&](const Config& from, const Config& to) {
    auto addresses = [](const Config& c) {
      std::vector<std::pair<std::string, std::string>> out;  // (listener, "ip:port")
      for (const auto& l : c.listeners) out.emplace_back(l, hostPort(*IpAddress::parse(l), c.port));
      return out;
    };
    const auto before = addresses(from), after = addresses(to);
    auto has = [](const auto& list, const std::string& a) {
      return std::any_of(list.begin(), list.end(), [&a](const auto& p) { return p.second == a; });
    };
    auto unlistenOn = [&](size_t i, const std::string& a) {
      if (!runOnLoop(loopOf(i), base.get(), [&] { servers[i]->unlisten(a); })) {
        log::error("reload: worker " + std::to_string(i) + " could not be reached to close " + a);
      }
    };
    std::vector<std::string> opened;
    std::string bindError;
    for (const auto& [listener, address] : after) {
      if (has(before, address)) continue;
      bool ok = true;
      for (size_t i = 0; i < servers.size() && ok; ++i) {
        if (!runOnLoop(loopOf(i), base.get(),
                       [&, i] { ok = servers[i]->listen(listener, to.port, servers.size() > 1, bindError); })) {
          ok = false;
          bindError = "listener " + address + ": worker " + std::to_string(i) + " could not be reached";
        }
      }
      opened.push_back(address);
      if (!ok) {
        log::error("reload: " + bindError + "; keeping the listeners as they were");
        for (const auto& a : opened) {
          for (size_t i = 0; i < servers.size(); ++i) unlistenOn(i, a);
        }
        return false;
      }
      log::info("reload: now serving DNS on " + address);
    }
    for (const auto& [listener, address] : before) {
      if (has(after, address)) continue;
      for (size_t i = 0; i < servers.size(); ++i) unlistenOn(i, address);
      log::info("reload: no longer serving DNS on " + address);
    }
    storeSockets(servers);
    return true;
  };

  // SIGHUP: read the config file again; a valid one applies without a socket closing.
  std::function<void()> reload = [&] {
    sd_notify(0, "RELOADING=1");
    const std::string path = current->configPath;
    log::info("SIGHUP: reloading " + path);
    std::string readError;
    const auto text = readWholeFile(path, readError, false);
    ConfigResult parsed;
    if (text) parsed = parseConfig(*text, path);
    for (const auto& w : parsed.warnings) log::warning("reload: " + w);
    std::optional<SourceSetup> nextSetup;
    if (text && parsed.config) {
      const bool listenersLive = current->dnsOn && !current->resolvConf.manage;
      for (const auto& key : keepRestartOnlyKeys(*current, *parsed.config, listenersLive)) {
        log::warning("reload: key \"" + key + "\" changed; it takes effect at the next restart");
      }
      nextSetup = prepareSource(*parsed.config, readError, /*resolveNow=*/false);
    }
    if (!nextSetup) {
      if (!text || !readError.empty()) log::error("reload: " + readError);
      for (const auto& e : parsed.errors) log::error("reload: " + e);
      log::error("reload: the new config is not valid; keeping the running one");
      operations.countReload(false);
      sd_notify(0, "READY=1");
      return;
    }
    if (parsed.config->listeners != current->listeners || parsed.config->port != current->port) {
      if (!rebind(*current, *parsed.config)) {
        parsed.config->listeners = current->listeners;
        parsed.config->port = current->port;
        nextSetup->config.listeners = current->listeners;
        nextSetup->config.port = current->port;
        nextSetup->nameServerAddresses = listenerAddresses(*parsed.config);
      }
    }
    auto next = std::make_shared<const Config>(*parsed.config);
    nextSetup->keepRecords = next->httpOn || !next->allowTransfer.empty();
    if (next->allowTransfer != current->allowTransfer) {
      transferAllow.set(transferAllowList(*next));
      logTransferAllowList(*next, "reload: ");
    }
    source.reconfigure(std::move(*nextSetup));
    if (forwarder && (next->resolvers != current->resolvers || next->zoneResolvers != current->zoneResolvers ||
                      next->timeout != current->timeout)) {
      auto fs = forwarderSettings(*next, resolvConf.get());
      forwarder->reconfigure(std::move(fs.upstreams), std::move(fs.zoneUpstreams), fs.timeoutMs);
    }
    queryLog.setRate(next->queryLog ? next->queryLogRate : 0);
    for (auto& server : servers) server->setMaxStaleSeconds(next->maxStaleSeconds);
    current = next;
    operations.setConfig(current);
    operations.countReload(true);
    log::info("reload: the new config is in force");
    sd_notify(0, "READY=1");
  };
  EventPtr hup(evsignal_new(
      base.get(), SIGHUP, [](evutil_socket_t, short, void* f) { (*static_cast<std::function<void()>*>(f))(); },
      &reload));
  event_add(term.get(), nullptr);
  event_add(intr.get(), nullptr);
  event_add(hup.get(), nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // systemd's watchdog (WatchdogSec): every worker loop beats; the main loop says WATCHDOG=1 only
  // while all of them have beaten lately, so a wedged loop gets the agent restarted.
  Watchdog watchdog(base.get(), workerBases);
  source.start();
  event_base_dispatch(base.get());
  sd_notify(0, "STOPPING=1");
  if (http) http->stop();
  if (resolvConf) resolvConf->restore();  // while the sockets still answer
  stopWorkers();
  if (forwarder) forwarder->stop();  // before the servers whose sockets it answers on go
  if (!source.stop()) {
    log::info("stopped (a refresh was still running and is abandoned)");
    std::fflush(stderr);
    std::_Exit(0);
  }
  log::info("stopped");
  return 0;
}

int dumpZone(const Config& config) {
  std::string error;
  auto setup = prepareSource(config, error);
  if (!setup) {
    log::error(error);
    return 1;
  }
  setup->keepRecords = true;
  std::shared_ptr<const Snapshot> snap;
  error = RecordSource::loadOnce(*setup, snap);
  if (!snap) {
    log::error("dump-zone: " + error);
    return 1;
  }
  writeZoneFile(*snap->records, snap->table->zone(),
                [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
  return 0;
}

}  // namespace mdns

namespace mdns {
namespace {

// Whether something answers DNS on the agent's listener (any reply to an SOA query for the domain).
bool agentAnswers(const Config& config) {
  const auto lines = resolvConfLines(config);
  const Upstream self{lines.agent.front(), static_cast<uint16_t>(config.port)};
  sockaddr_storage ss{};
  const socklen_t len = self.toSockaddr(ss);
  const int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const timeval wait{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const std::string apex = *dns::toWireName(config.domain);
  const UpstreamQuery q{0x5A5A, apex, dns::kTypeSOA, dns::kClassIN, false, false, 0};
  uint8_t query[512];
  uint8_t reply[4096];
  const size_t n = buildUpstreamQuery(q, query);
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 && ::send(fd, query, n, 0) == static_cast<ssize_t>(n)) {
    const ssize_t got = ::recv(fd, reply, sizeof reply, 0);
    answered = got > 0 && checkUpstreamReply(reply, static_cast<size_t>(got), q) == ReplyCheck::kMatch;
  }
  ::close(fd);
  return answered;
}

}  // namespace

int resolvConfCommand(const Config& config, const std::string& action) {
  const ResolvConfLines lines = resolvConfLines(config);
  if (action == "show") {
    std::fputs(ResolvConfManager::show(config, lines).c_str(), stdout);
    return 0;
  }
  if (action == "restore") {
    std::string message;
    const bool ok = ResolvConfManager::restoreAfterCrash(config, lines, message);
    (ok ? log::info(message) : log::error(message));
    return ok ? 0 : 1;
  }
  // apply: only when the agent answers, never a resolv.conf pointing at nothing.
  if (!agentAnswers(config)) {
    log::error("resolvconf apply: nothing answers DNS on " + lines.agent.front().toString() + ":" +
               std::to_string(config.port) + "; resolv.conf left as it is");
    return 1;
  }
  EventBasePtr base(event_base_new());
  ResolvConfManager manager(base.get(), config, lines, nullptr);
  std::string error;
  if (!manager.prepare(error) || !manager.apply(error)) {
    log::error("resolvconf apply: " + error);
    return 1;
  }
  return 0;
}

}  // namespace mdns
