// From a config to what the record source needs: the masters' addresses, the name server
// addresses the SOA publishes, ZooKeeper's URL (does I/O: DNS lookups, interfaces).
#pragma once

#include <string>

#include "agent/record_source.h"
#include "common/config.h"
#include "common/result.h"

namespace mdns {

// With `resolveNow` false the masters' host names are left for the source's thread to look up
// (SourceSetup::mastersUnresolved): what a reload on a DNS worker's loop must do.
Result<SourceSetup> prepareSource(const Config& config, bool resolveNow = true);

}  // namespace mdns
