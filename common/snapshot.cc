#include "common/snapshot.h"

namespace mdns {
namespace {

uint32_t serialAt(std::chrono::system_clock::time_point t) {
  return static_cast<uint32_t>(std::chrono::system_clock::to_time_t(t));
}

std::shared_ptr<Snapshot> describe(const RecordSet& records, const std::string& origin,
                                   std::chrono::steady_clock::time_point loadedAt) {
  auto snap = std::make_shared<Snapshot>();
  snap->loadedAt = loadedAt;
  snap->origin = origin;
  snap->digest = records.contentHash();
  snap->countA = records.countA();
  snap->countAAAA = records.countAAAA();
  snap->countSrv = records.countSrv();
  return snap;
}

}  // namespace

ZoneOptions zoneOptionsOf(const Config& c) {
  ZoneOptions zone;
  zone.domain = c.domain;
  zone.ttl = static_cast<uint32_t>(c.ttl);
  zone.soaMname = c.soaMname;
  zone.soaRname = c.soaRname;
  zone.soaRefresh = c.soaRefresh;
  zone.soaRetry = c.soaRetry;
  zone.soaExpire = c.soaExpire;
  zone.soaMinttl = c.soaMinttl;
  zone.srvWeight = c.srvRecordDefaultWeight;
  return zone;
}

BuildResult confirmSnapshot(const Snapshot& previous, const std::string& origin,
                            std::chrono::steady_clock::time_point loadedAt) {
  auto snap = std::make_shared<Snapshot>(previous);
  snap->loadedAt = loadedAt;
  snap->origin = origin;
  BuildResult result;
  result.snapshot = std::move(snap);
  result.unchanged = true;
  return result;
}

std::shared_ptr<const Snapshot> snapshotFromRecords(RecordSet records, const SnapshotSettings& settings,
                                                    std::chrono::system_clock::time_point changedAt,
                                                    std::chrono::steady_clock::time_point loadedAt,
                                                    const std::string& origin, uint32_t serial) {
  auto snap = describe(records, origin, loadedAt);
  snap->changedAt = changedAt;
  ZoneOptions zone = settings.zone;
  zone.soaSerial = serial != 0 ? serial : serialAt(changedAt);
  snap->table = AnswerTable::build(records, zone);
  if (settings.keepRecords) snap->records = std::make_shared<const RecordSet>(std::move(records));
  return snap;
}

BuildResult buildSnapshotFromRecords(RecordSet records, std::shared_ptr<const Enumeration> enumeration,
                                     const SnapshotSettings& settings, const Snapshot* previous,
                                     const std::string& origin, BuildTime now, std::optional<uint32_t> serial,
                                     const ZoneDiff* knownDiff) {
  return buildSnapshotFromRecords(std::make_shared<const RecordSet>(std::move(records)), std::move(enumeration),
                                  settings, previous, origin, now, serial, knownDiff);
}

BuildResult buildSnapshotFromRecords(std::shared_ptr<const RecordSet> records,
                                     std::shared_ptr<const Enumeration> enumeration, const SnapshotSettings& settings,
                                     const Snapshot* previous, const std::string& origin, BuildTime now,
                                     std::optional<uint32_t> serial, const ZoneDiff* knownDiff) {
  BuildResult result;
  auto snap = describe(*records, origin, now.steady);
  snap->enumeration = std::move(enumeration);
  ZoneOptions zone = settings.zone;
  auto sameZone = [&zone](ZoneOptions other) {
    other.soaSerial = zone.soaSerial;
    return other == zone;
  };
  const bool sameSerial = !serial || (previous != nullptr && previous->serial() == *serial);
  if (previous != nullptr && previous->table && previous->digest == snap->digest && sameZone(previous->table->zone()) &&
      sameSerial) {
    // Same content: keep the table and its SOA serial; only the data's age moves. A new
    // enumeration refers to the names of its own record set, so the two stay together.
    if (snap->enumeration) {
      snap->records = std::move(records);
    } else {
      // The previous snapshot may have been made without its records (a reload that now needs them).
      snap->records = previous->records ? previous->records : std::move(records);
      snap->enumeration = previous->enumeration;
    }
    if (!settings.keepRecords) snap->records.reset();
    snap->table = previous->table;
    snap->history = previous->history;
    snap->changedAt = previous->changedAt;
    result.unchanged = true;
  } else {
    snap->changedAt = now.wall;
    auto shared = std::move(records);
    // The serial must move forward even when two changes land within one second.
    if (serial) {
      zone.soaSerial = *serial;
    } else if (previous != nullptr && previous->table) {
      uint32_t after = previous->serial();
      if (settings.serialFloor != 0 && serialAfter(settings.serialFloor, after)) after = settings.serialFloor;
      zone.soaSerial = nextSerial(after, serialAt(now.wall));
    } else {
      zone.soaSerial = serialAt(now.wall);
    }
    // A change of a few records patches the previous table (the names it touches are rendered
    // again) rather than building one: 150 ms at 10,000 tasks for a table, a few for a patch.
    const size_t zoneRecords = shared->countA() + shared->countAAAA() + shared->countSrv();
    std::shared_ptr<ZoneDiff> diff;
    if (previous != nullptr && previous->records && previous->table && sameZone(previous->table->zone())) {
      diff =
          std::make_shared<ZoneDiff>(knownDiff != nullptr ? *knownDiff : diffRecordSets(*previous->records, *shared));
      if (diff->recordCount() * 4 < zoneRecords) {
        snap->table = AnswerTable::patch(*previous->table, *previous->records, *shared, *diff, zone);
      }
    }
    if (!snap->table) {
      snap->table = AnswerTable::build(*shared, zone, previous != nullptr ? previous->table.get() : nullptr);
    }
    if (settings.keepRecords && diff && previous->serial() != zone.soaSerial) {
      diff->fromSerial = previous->serial();
      diff->toSerial = zone.soaSerial;
      snap->history = ZoneHistory::extend(previous->history.get(), std::move(diff), zoneRecords);
    }
    result.records = shared;
    if (settings.keepRecords) snap->records = std::move(shared);
  }
  result.snapshot = std::move(snap);
  return result;
}

}  // namespace mdns
