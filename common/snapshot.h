// One published version of the zone: the answer table the DNS workers read, and what the HTTP API,
// zone transfers, the cache file and /metrics need to know of it. Built with the rules that keep
// the SOA serial honest: the same content keeps its table and serial; a change gets the time of
// the change as serial, and never one at or below the previous. Pure: the times are passed in.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/answer_table.h"
#include "common/config.h"
#include "common/record_generator.h"
#include "common/record_set.h"
#include "common/zone_diff.h"

namespace mdns {

struct Snapshot {
  std::shared_ptr<const RecordSet> records;        // null unless SnapshotSettings::keepRecords
  std::shared_ptr<const Enumeration> enumeration;  // only with keepRecords and EnumerationOn; names in `records`
  // Instead of `enumeration` (a hub fed by events): what makes it when asked for.
  std::shared_ptr<const EnumerationSource> enumerationSource;
  std::array<uint64_t, 2> digest{};  // of the records' content (RecordSet::contentHash)
  size_t countA = 0, countAAAA = 0, countSrv = 0;
  std::shared_ptr<const AnswerTable> table;
  std::chrono::system_clock::time_point changedAt;  // when the content last changed (SOA serial)
  std::chrono::steady_clock::time_point loadedAt;   // last successful refresh (data confirmed)
  std::string origin;                               // "master 10.0.0.5:5050", "file /path"
  // The differences that led here, for IXFR (only with keepRecords; empty after a restart, a
  // change of zone settings, or a source that gave no earlier version).
  std::shared_ptr<const ZoneHistory> history;
  uint32_t serial() const { return table ? table->zone().soaSerial : 0; }
};

struct SnapshotSettings {
  ZoneOptions zone;  // its soaSerial is chosen by the builders
  // Keep the RecordSet in snapshots (the HTTP API, zone transfers, dump-zone); the answer table
  // alone answers DNS, and the set costs as much memory again.
  bool keepRecords = false;
  // A serial the next new one must also be after (RFC 1982; 0: none): a source restarted from its
  // cache file may have served versions after the one it saved (published before saved), which
  // secondaries hold; a new version must never reuse their serials with other content.
  uint32_t serialFloor = 0;
};
// The config's domain, TTL and SOA fields.
ZoneOptions zoneOptionsOf(const Config& config);

// The moment a snapshot is built: the wall clock gives serials and change times, the steady clock
// the data's age.
struct BuildTime {
  std::chrono::system_clock::time_point wall;
  std::chrono::steady_clock::time_point steady;
};

// Records read back from the cache file (or rendered again with new zone settings): `serial` is
// the SOA serial (0: the unix time of `changedAt`, as files from before serials were saved have
// it), `loadedAt` when a source last confirmed them.
std::shared_ptr<const Snapshot> snapshotFromRecords(RecordSet records, const SnapshotSettings& settings,
                                                    std::chrono::system_clock::time_point changedAt,
                                                    std::chrono::steady_clock::time_point loadedAt,
                                                    const std::string& origin, uint32_t serial = 0);

struct BuildResult {
  std::shared_ptr<const Snapshot> snapshot;
  std::vector<std::string> warnings;
  bool unchanged = false;                    // same content and zone settings as `previous`
  std::shared_ptr<const RecordSet> records;  // the set when it changed (for the cache file)
  size_t unhealthyLeftOut = 0;               // healthyOnly: tasks left out of their apps' names
  size_t recoveredAgents = 0;                // the master's agents still to re-register (recovered_slaves)
  double electedTime = 0;                    // the leader's election (unix seconds; 0: unknown)
  double generateMs = 0;                     // filled by whoever measures it
  double renderMs = 0;
};

// `previous` confirmed by a source whose inputs did not change (nothing generated again): the
// same records, table, serial and history, with the data's age and origin of now.
BuildResult confirmSnapshot(const Snapshot& previous, const std::string& origin,
                            std::chrono::steady_clock::time_point loadedAt);

// A freshly loaded record set (generated from a state, or a peer's whole zone) following
// `previous` (may be null): unchanged content keeps the previous table and serial and only the
// data's age moves; changed content gets a new table, changedAt = now.wall, and a serial after
// the previous one (RFC 1982): the unix time, or the previous serial + 1 when that is not after it.
// `serial`, when given, is the serial to serve instead (a secondary serves its primary's): a new
// serial with the same content then re-renders the SOA too. With keepRecords, the difference from
// the previous records is added to the previous snapshot's history.
// `knownDiff`: the difference from previous's records to `records`, when the caller knows it (a
// record book does), which saves finding it.
BuildResult buildSnapshotFromRecords(RecordSet records, std::shared_ptr<const Enumeration> enumeration,
                                     const SnapshotSettings& settings, const Snapshot* previous,
                                     const std::string& origin, BuildTime now,
                                     std::optional<uint32_t> serial = std::nullopt,
                                     const ZoneDiff* knownDiff = nullptr);
// The same for a set shared with its maker (the record book keeps the set it hands out).
BuildResult buildSnapshotFromRecords(std::shared_ptr<const RecordSet> records,
                                     std::shared_ptr<const Enumeration> enumeration, const SnapshotSettings& settings,
                                     const Snapshot* previous, const std::string& origin, BuildTime now,
                                     std::optional<uint32_t> serial = std::nullopt,
                                     const ZoneDiff* knownDiff = nullptr);

}  // namespace mdns
