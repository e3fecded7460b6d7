#include "agent/agent.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "agent/dns_server.h"
#include "agent/forwarder.h"
#include "agent/http_server.h"
#include "agent/libevent.h"
#include "agent/log.h"
#include "agent/node_facts.h"
#include "agent/operations.h"
#include "agent/readiness.h"
#include "agent/reloader.h"
#include "agent/resolv_conf_manager.h"
#include "agent/source_setup.h"
#include "agent/systemd_sockets.h"
#include "agent/watchdog.h"
#include "agent/worker_pool.h"
#include "common/agent_settings.h"
#include "common/dns_wire.h"

namespace mdns {
namespace {

// Every forwarded query and TCP client holds a descriptor: take the hard limit, not the soft 1024.
void raiseDescriptorLimit() {
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = std::min<rlim_t>(files.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &files);
  }
}

void warnWhenDockerDropsLoopback(const ResolvConfLines& lines) {
  const bool onlyLoopback =
      std::all_of(lines.agent.begin(), lines.agent.end(), [](const IpAddress& ip) { return ip.isLoopback(); });
  if (onlyLoopback && (::access("/var/run/docker.sock", F_OK) == 0 || ::access("/usr/bin/dockerd", F_OK) == 0)) {
    log::warning(
        "resolvConf: Docker is installed and the agent listens on loopback only: Docker drops 127.x "
        "nameservers from the resolv.conf it gives bridge-mode containers (and falls back to public "
        "resolvers), so those tasks will not use the agent; add a node-local address to listener (README)");
  }
}

ResponderOptions responderOptions(const Config& config) {
  ResponderOptions options;
  options.apexWire = *dns::toWireName(config.domain);
  options.recurseOn = config.recurseOn;
  options.setTruncateBit = config.setTruncateBit;
  options.maxUdpSize = static_cast<size_t>(config.maxUdpSize);
  return options;
}

}  // namespace

int runAgent(const Config& config) {
  raiseDescriptorLimit();
  auto setup = prepareSource(config);
  if (!setup) {
    log::error(setup.error());
    return 1;
  }
  setup->keepRecords = keepsRecords(config);
  evthread_use_pthreads();
  EventBasePtr base(event_base_new());
  RecordStore store;

  // resolv.conf: its original content (kept across a crash) gives the upstreams; the agent goes
  // into the file once it serves. Changes to the original reach the forwarder unless the running
  // config names its resolvers.
  std::unique_ptr<Reloader> reloader;  // made last; the running config for the callbacks
  std::unique_ptr<ResolvConfManager> resolvConf;
  std::unique_ptr<Forwarder> forwarder;
  if (config.resolvConf.manage) {
    const ResolvConfLines lines = resolvConfLines(config);
    resolvConf = std::make_unique<ResolvConfManager>(
        base.get(), config, lines, [&config, &reloader, &forwarder, &resolvConf](const std::string& original) {
          const Config& running = reloader ? reloader->running() : config;
          if (forwarder && running.resolvers.empty()) {
            forwarder->setUpstreams(forwardingUpstreams(running, original, resolvConf->upstreamSource()));
          }
        });
    if (const auto prepared = resolvConf->prepare(); !prepared) {
      log::error("resolvConf: " + prepared.error());
      return 1;
    }
    warnWhenDockerDropsLoopback(lines);
  }
  if (config.externalOn) forwarder = std::make_unique<Forwarder>(forwarderSettings(config, resolvConf.get()));

  const AllowList allow = nodeAllowList(config);
  log::info("answering queries from " + allow.toString());
  SharedAllowList transferAllow(transferAllowList(config));
  // Who transferred the zone (noted by the workers), told of changes by the source (NOTIFY); and
  // the source, once made, told of the NOTIFYs that come to the workers.
  TransferPeers transferPeers;
  std::atomic<RecordSource*> notifyTarget{nullptr};
  if (!config.allowTransfer.empty()) logTransferAllowList(config, "");
  QueryLog queryLog;
  queryLog.setRate(config.queryLog ? config.queryLogRate : 0);
  DnsServerLimits limits;
  limits.tcpIdleSeconds = config.tcpIdleSeconds;
  limits.maxTcpConnections = static_cast<size_t>(config.maxTcpConnections);
  const ResponderOptions options = responderOptions(config);
  WorkerPool workers(base.get(), config.workers > 0 ? static_cast<size_t>(config.workers) : cpusWeMayUse(),
                     [&](event_base* loop) {
                       auto server = std::make_unique<DnsServer>(loop, store, options, limits, forwarder.get(), &allow);
                       server->setQueryLog(&queryLog);
                       server->setMaxStaleSeconds(config.maxStaleSeconds);
                       server->setTransferAllowList(&transferAllow);
                       server->setTransferPeers(&transferPeers);
                       server->setNotifyHandler([&notifyTarget](const IpAddress& from) {
                         RecordSource* source = notifyTarget.load(std::memory_order_acquire);
                         return source != nullptr && source->notifiedBy(from);
                       });
                       return server;
                     });
  if (forwarder) forwarder->start();

  // Sockets from systemd (socket activation, or the file descriptor store of a previous run):
  // queries that came while no agent ran wait in them, so they are read only once records are
  // loaded (or a few seconds without any: Readiness). Fresh sockets listen before the first load:
  // until records exist, names in the domain get SERVFAIL and resolvers move on.
  auto inherited = takeInheritedSockets();
  bool waitForRecords = false;
  if (config.dnsOn) {
    const auto listening = workers.listen(config, inherited);
    if (!listening) {
      log::error(listening.error());
      return 1;
    }
    waitForRecords = *listening;
    storeSockets(workers.servers());
  }
  for (const auto& s : inherited) {
    if (s.fd < 0) continue;
    log::warning("systemd passed a socket on " + s.address.toString() + " that no listener asks for; closed");
    ::close(s.fd);
  }
  workers.start();

  Readiness readiness(base.get(), workers, resolvConf.get(), config.dnsOn, config.startWaitSeconds, waitForRecords);
  RecordSource source(std::move(*setup), store, [&readiness](const Snapshot& snap) { readiness.loaded(snap); });
  source.setTransferPeers(&transferPeers);
  notifyTarget.store(&source, std::memory_order_release);

  // The HTTP API, /health and /metrics, on their own thread.
  OperationsParts parts;
  parts.store = &store;
  parts.source = &source;
  parts.forwarder = forwarder.get();
  for (const auto& server : workers.servers()) parts.servers.push_back(server.get());
  parts.resolvConf = resolvConf.get();
  Operations operations(std::make_shared<const Config>(config), parts);
  std::unique_ptr<HttpServer> http;
  if (config.httpOn) {
    http = std::make_unique<HttpServer>([&operations](const ApiRequest& r) { return operations.handle(r); });
    if (const auto listening = http->listen(config.httpListener, config.httpPort); !listening) {
      log::error(listening.error());
      workers.stop();  // joinable threads must not be destroyed (std::terminate)
      if (forwarder) forwarder->stop();
      return 1;
    }
    http->start();
    log::info("serving HTTP (/v1, /health, /metrics) on " + config.httpListener + ":" +
              std::to_string(config.httpPort));
  }

  ReloadParts reloadParts;
  reloadParts.workers = &workers;
  reloadParts.source = &source;
  reloadParts.operations = &operations;
  reloadParts.transferAllow = &transferAllow;
  reloadParts.queryLog = &queryLog;
  reloadParts.forwarder = forwarder.get();
  reloadParts.resolvConf = resolvConf.get();
  reloader = std::make_unique<Reloader>(std::make_shared<const Config>(config), reloadParts);

  auto onSignal = [](evutil_socket_t sig, short, void* basePtr) {
    log::info(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
    event_base_loopbreak(static_cast<event_base*>(basePtr));
  };
  EventPtr term(evsignal_new(base.get(), SIGTERM, onSignal, base.get()));
  EventPtr intr(evsignal_new(base.get(), SIGINT, onSignal, base.get()));
  EventPtr hup(evsignal_new(
      base.get(), SIGHUP, [](evutil_socket_t, short, void* r) { static_cast<Reloader*>(r)->reload(); },
      reloader.get()));
  event_add(term.get(), nullptr);
  event_add(intr.get(), nullptr);
  event_add(hup.get(), nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  Watchdog watchdog(base.get(), workers.threadLoops());
  source.start();
  event_base_dispatch(base.get());
  sd_notify(0, "STOPPING=1");
  if (http) http->stop();
  if (resolvConf) resolvConf->restore();  // while the sockets still answer
  workers.stop();
  if (forwarder) forwarder->stop();  // before the servers whose sockets it answers on go
  if (!source.stop()) {
    log::info("stopped (a refresh was still running and is abandoned)");
    std::fflush(stderr);
    std::_Exit(0);
  }
  log::info("stopped");
  return 0;
}

}  // namespace mdns
