// The daemon's top level: resolve what the config names, bind the listener, start the record
// source, serve until SIGTERM/SIGINT.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/record_source.h"
#include "common/config.h"

namespace mdns {

// Everything a record source needs, resolved from the config (does I/O: DNS lookups, interfaces).
// With `resolveNow` false the masters' host names are left for the source's thread to look up
// (SourceSetup::mastersUnresolved): what a reload on a DNS worker's loop must do.
std::optional<SourceSetup> prepareSource(const Config& config, std::string& error, bool resolveNow = true);

int runAgent(const Config& config);

// Prints the records as a BIND zone file (mesos-dns-agent -config PATH dump-zone).
int dumpZone(const Config& config);

// mesos-dns-agent -config PATH resolvconf restore|apply|show.
int resolvConfCommand(const Config& config, const std::string& action);

}  // namespace mdns
