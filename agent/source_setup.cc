#include "agent/source_setup.h"

#include "agent/host_resolver.h"
#include "agent/node_facts.h"
#include "common/zk_info.h"

namespace mdns {

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

}  // namespace mdns
