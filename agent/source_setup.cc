#include "agent/source_setup.h"

#include "agent/host_resolver.h"
#include "agent/node_facts.h"
#include "common/zk_info.h"

namespace mdns {

bool keepsRecords(const Config& config) {
  return config.httpOn || !config.allowTransfer.empty() || !config.primaries.empty() || !config.masters.empty() ||
         !config.zk.empty();
}

Result<SourceSetup> prepareSource(const Config& config, bool resolveNow) {
  SourceSetup setup;
  setup.config = config;
  if (resolveNow) {
    auto masters = resolveMasters(config);
    if (!masters) return Error{masters.error()};
    setup.masters = std::move(*masters);
  } else {
    // A reload runs on DNS worker 0's loop: a lookup here could wait for that very worker (the
    // agent is first in resolv.conf). The source's thread looks the names up (applyReconfigure).
    for (const auto& m : config.masters) {
      if (!splitHostPort(m)) return Error{config.configPath + ": key \"masters\": \"" + m + "\" is not host:port"};
    }
    setup.masters = config.masters;
    setup.mastersUnresolved = true;
  }
  setup.nameServerAddresses = listenerAddresses(config);
  if (!config.zk.empty() && config.stateFile.empty()) {
    auto zk = parseZkUrl(config.zk);
    if (!zk.url) return Error{config.configPath + ": key \"zk\": " + zk.error};
    setup.zk = std::move(zk.url);
  }
  return setup;
}

}  // namespace mdns
