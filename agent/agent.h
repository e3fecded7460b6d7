// The daemon's top level: wires the parts together (record source, DNS workers, forwarder,
// resolv.conf, HTTP API, reloads, systemd) and serves until SIGTERM/SIGINT.
#pragma once

#include "common/config.h"

namespace mdns {

int runAgent(const Config& config);

}  // namespace mdns
