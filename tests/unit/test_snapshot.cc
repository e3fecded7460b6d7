// Building the zone version the workers serve: what keeps its SOA serial (unchanged content),
// what moves it (a change, even two in one second), and what is kept for the HTTP API.
#include <gtest/gtest.h>

#include "common/snapshot.h"

namespace mdns {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

RecordSet records(const std::vector<const char*>& webIps) {
  RecordSet rs;
  for (const char* ip : webIps) rs.addAddress("web.marathon.mesos.", *IpAddress::parse(ip));
  rs.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.slave.mesos.", 31000});
  rs.finalize();
  return rs;
}

const system_clock::time_point kWall = system_clock::from_time_t(1'700'000'000);
const steady_clock::time_point kSteady = steady_clock::time_point(seconds(5000));

SnapshotSettings settings(bool keepRecords = false) {
  SnapshotSettings s;
  s.zone = zoneOptionsOf(Config{});
  s.keepRecords = keepRecords;
  return s;
}

BuildResult build(RecordSet rs, const Snapshot* previous, BuildTime at, const SnapshotSettings& s = settings()) {
  return buildSnapshotFromRecords(std::move(rs), nullptr, s, previous, "master 10.0.0.5:5050", at);
}

TEST(Snapshot, FirstLoadTakesTheTimeOfLoadingAsSerialAndCountsItsRecords) {
  const auto first = build(records({"10.0.0.1", "10.0.0.2"}), nullptr, {kWall, kSteady});
  ASSERT_TRUE(first.snapshot);
  EXPECT_FALSE(first.unchanged);
  EXPECT_EQ(first.snapshot->table->zone().soaSerial, 1'700'000'000u);
  EXPECT_EQ(first.snapshot->changedAt, kWall);
  EXPECT_EQ(first.snapshot->countA, 2u);
  EXPECT_EQ(first.snapshot->countSrv, 1u);
  EXPECT_TRUE(first.records);             // for the cache file
  EXPECT_FALSE(first.snapshot->records);  // the table answers DNS; the set is not kept unless asked
}

TEST(Snapshot, UnchangedContentKeepsTheTableAndSerialAndOnlyTheAgeMoves) {
  const auto first = build(records({"10.0.0.1", "10.0.0.2"}), nullptr, {kWall, kSteady});
  const auto again =
      build(records({"10.0.0.2", "10.0.0.1"}), first.snapshot.get(), {kWall + seconds(60), kSteady + seconds(60)});
  EXPECT_TRUE(again.unchanged);
  EXPECT_EQ(again.snapshot->table, first.snapshot->table);  // the same table, not an equal one
  EXPECT_EQ(again.snapshot->table->zone().soaSerial, 1'700'000'000u);
  EXPECT_EQ(again.snapshot->changedAt, kWall);
  EXPECT_EQ(again.snapshot->loadedAt, kSteady + seconds(60));
  EXPECT_FALSE(again.records);  // nothing new for the cache file
}

TEST(Snapshot, ChangedContentGetsANewTableAndTheTimeOfTheChangeAsSerial) {
  const auto first = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady});
  const auto changed =
      build(records({"10.0.0.1", "10.0.0.3"}), first.snapshot.get(), {kWall + seconds(60), kSteady + seconds(60)});
  EXPECT_FALSE(changed.unchanged);
  EXPECT_NE(changed.snapshot->table, first.snapshot->table);
  EXPECT_EQ(changed.snapshot->table->zone().soaSerial, 1'700'000'060u);
  EXPECT_EQ(changed.snapshot->changedAt, kWall + seconds(60));
}

TEST(Snapshot, TwoChangesWithinOneSecondStillMoveTheSerialForward) {
  const auto first = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady});
  const auto second = build(records({"10.0.0.2"}), first.snapshot.get(), {kWall, kSteady});
  const auto third = build(records({"10.0.0.3"}), second.snapshot.get(), {kWall, kSteady});
  EXPECT_EQ(second.snapshot->table->zone().soaSerial, 1'700'000'001u);
  EXPECT_EQ(third.snapshot->table->zone().soaSerial, 1'700'000'002u);
}

TEST(Snapshot, AClockThatWentBackNeverMakesTheSerialGoBack) {
  const auto first = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady});
  const auto changed = build(records({"10.0.0.2"}), first.snapshot.get(), {kWall - seconds(3600), kSteady});
  EXPECT_EQ(changed.snapshot->table->zone().soaSerial, 1'700'000'001u);
}

TEST(Snapshot, AfterARestartFromTheCacheFileNewSerialsStartPastTheFloor) {
  // A hub that ran ahead of the clock (several changes a second) saved 1'700'000'100, may have
  // served 1'700'000'101 before it stopped, and restarts at 1'700'000'050 on the wall clock.
  const auto cached = build(records({"10.0.0.1"}), nullptr, {kWall + seconds(100), kSteady});
  SnapshotSettings restarted = settings();
  restarted.serialFloor = 1'700'000'100u + 1024;
  const auto next =
      build(records({"10.0.0.2"}), cached.snapshot.get(), {kWall + seconds(50), kSteady + seconds(5)}, restarted);
  EXPECT_EQ(next.snapshot->table->zone().soaSerial, 1'700'001'125u);  // never a serial secondaries may hold
  // Once past it, the floor changes nothing: the time of the change, as always.
  const auto later =
      build(records({"10.0.0.3"}), next.snapshot.get(), {kWall + seconds(2000), kSteady + seconds(9)}, restarted);
  EXPECT_EQ(later.snapshot->table->zone().soaSerial, 1'700'002'000u);
  // Unchanged content keeps the cached serial (nothing new to number).
  const auto same = build(records({"10.0.0.1"}), cached.snapshot.get(), {kWall + seconds(50), kSteady}, restarted);
  EXPECT_TRUE(same.unchanged);
  EXPECT_EQ(same.snapshot->serial(), 1'700'000'100u);
}

TEST(Snapshot, NewZoneSettingsRenderTheSameRecordsAgain) {
  const auto first = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady});
  SnapshotSettings longerTtl = settings();
  longerTtl.zone.ttl = 300;
  const auto again = build(records({"10.0.0.1"}), first.snapshot.get(), {kWall + seconds(5), kSteady}, longerTtl);
  EXPECT_FALSE(again.unchanged);
  EXPECT_EQ(again.snapshot->table->zone().ttl, 300u);
}

TEST(Snapshot, RecordsAreKeptWhenTheHttpApiOrTransfersNeedThem) {
  const auto first = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady}, settings(true));
  ASSERT_TRUE(first.snapshot->records);
  EXPECT_EQ(first.snapshot->records->countA(), 1u);
  // A reload that now needs them gets them even when the content is unchanged.
  const auto without = build(records({"10.0.0.1"}), nullptr, {kWall, kSteady});
  const auto with = build(records({"10.0.0.1"}), without.snapshot.get(), {kWall, kSteady}, settings(true));
  EXPECT_TRUE(with.unchanged);
  ASSERT_TRUE(with.snapshot->records);
}

TEST(Snapshot, CacheFileRecordsServeWithTheirOwnChangeTimeAndAge) {
  const auto snap = snapshotFromRecords(records({"10.0.0.1"}), settings(), kWall - seconds(600), kSteady - seconds(30),
                                        "cache file /var/lib/x/records.cache");
  EXPECT_EQ(snap->table->zone().soaSerial, 1'699'999'400u);
  EXPECT_EQ(snap->loadedAt, kSteady - seconds(30));
  EXPECT_EQ(snap->origin, "cache file /var/lib/x/records.cache");
}

}  // namespace
}  // namespace mdns
