#include "agent/reloader.h"

#include <systemd/sd-daemon.h>

#include <optional>
#include <string>

#include "agent/files.h"
#include "agent/log.h"
#include "agent/node_facts.h"
#include "agent/source_setup.h"

namespace mdns {

void Reloader::reload() {
  sd_notify(0, "RELOADING=1");
  const Config& current = *running_;
  const std::string path = current.configPath;
  log::info("SIGHUP: reloading " + path);
  const auto text = readWholeFile(path);
  ConfigResult parsed;
  if (text) parsed = parseConfig(*text, path);
  for (const auto& w : parsed.warnings) log::warning("reload: " + w);
  Result<SourceSetup> nextSetup = Error{text.error()};
  if (text && parsed.config) {
    const bool listenersLive = current.dnsOn && !current.resolvConf.manage;
    for (const auto& key : keepRestartOnlyKeys(current, *parsed.config, listenersLive)) {
      log::warning("reload: key \"" + key + "\" changed; it takes effect at the next restart");
    }
    nextSetup = prepareSource(*parsed.config, /*resolveNow=*/false);
  }
  if (!nextSetup) {
    if (!nextSetup.error().empty()) log::error("reload: " + nextSetup.error());
    for (const auto& e : parsed.errors) log::error("reload: " + e);
    log::error("reload: the new config is not valid; keeping the running one");
    parts_.operations->countReload(false);
    sd_notify(0, "READY=1");
    return;
  }
  if (parsed.config->listeners != current.listeners || parsed.config->port != current.port) {
    if (!parts_.workers->rebind(current, *parsed.config)) {
      parsed.config->listeners = current.listeners;
      parsed.config->port = current.port;
      nextSetup->config.listeners = current.listeners;
      nextSetup->config.port = current.port;
      nextSetup->nameServerAddresses = listenerAddresses(*parsed.config);
    }
  }
  auto next = std::make_shared<const Config>(*parsed.config);
  nextSetup->keepRecords = keepsRecords(*next);
  if (next->allowTransfer != current.allowTransfer) {
    parts_.transferAllow->set(transferAllowList(*next));
    logTransferAllowList(*next, "reload: ");
  }
  parts_.source->reconfigure(std::move(*nextSetup));
  if (parts_.forwarder != nullptr &&
      (next->resolvers != current.resolvers || next->zoneResolvers != current.zoneResolvers ||
       next->timeout != current.timeout)) {
    auto fs = forwarderSettings(*next, parts_.resolvConf);
    parts_.forwarder->reconfigure(std::move(fs.upstreams), std::move(fs.zoneUpstreams), fs.timeoutMs);
  }
  parts_.queryLog->setRate(next->queryLog ? next->queryLogRate : 0);
  for (const auto& server : parts_.workers->servers()) server->setMaxStaleSeconds(next->maxStaleSeconds);
  running_ = next;
  parts_.operations->setConfig(running_);
  parts_.operations->countReload(true);
  log::info("reload: the new config is in force");
  sd_notify(0, "READY=1");
}

}  // namespace mdns
