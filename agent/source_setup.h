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

// Whether snapshots keep their RecordSet (SourceSetup::keepRecords): the HTTP API reads the records
// (and the enumeration), zone transfers send them, a secondary applies differences to them, and a
// source of masters needs the served ones to keep those a new leader does not know yet (and
// patches its tables from them).
bool keepsRecords(const Config& config);

}  // namespace mdns
