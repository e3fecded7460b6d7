// The daemon's top level: resolve what the config names, bind the listener, start the record
// source, serve until SIGTERM/SIGINT.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/record_source.h"
#include "common/config.h"

namespace mdns {

// Masters as "ip:port": host names are looked up once, here; an unknown host is an error that
// names it. nullopt with `error` set when any master cannot be resolved.
std::optional<std::vector<std::string>> resolveMasters(const Config& config, std::string& error);

// Everything a record source needs, resolved from the config (does I/O: DNS lookups, interfaces).
std::optional<SourceSetup> prepareSource(const Config& config, std::string& error);

int runAgent(const Config& config);

// Prints the records as a BIND zone file (mesos-dns-agent -config PATH dump-zone).
int dumpZone(const Config& config);

// mesos-dns-agent -config PATH resolvconf restore|apply|show.
int resolvConfCommand(const Config& config, const std::string& action);

}  // namespace mdns
