// The record set as an RFC 1035 zone file (dump-zone): SOA and NS first, then every record, names
// in presentation form (\DDD escapes), so that nsd, ldns and kzonecheck load it as it is.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/answer_table.h"
#include "common/record_set.h"

namespace mdns {

// Hands the zone file to `sink` in pieces of about 64 KiB, in order. `records` must be finalized.
void writeZoneFile(const RecordSet& records, const ZoneOptions& zone,
                   const std::function<void(std::string_view)>& sink);
std::string zoneFileText(const RecordSet& records, const ZoneOptions& zone);

}  // namespace mdns
