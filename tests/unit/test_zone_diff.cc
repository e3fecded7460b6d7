// Differences between versions of the zone (what a secondary transfers with IXFR) and the serials
// that order them: a difference applied to the old version gives exactly the new one, a difference
// that does not fit is refused with the record that shows it, and the history stays bounded.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/snapshot.h"
#include "common/zone_diff.h"
#include "tests/unit/record_text.h"

namespace mdns {
namespace {

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

RecordSet finalized(RecordSet set) {
  set.finalize();
  return set;
}

using testing_records::text;

// A cluster of `apps` apps with a few tasks each, chosen by `seed`.
RecordSet cluster(unsigned seed, int apps) {
  std::mt19937 random(seed);
  RecordSet set;
  for (int app = 0; app < apps; ++app) {
    const std::string name = "app" + std::to_string(app) + ".marathon.mesos.";
    const int tasks = static_cast<int>(random() % 4);
    for (int t = 0; t < tasks; ++t) {
      const std::string task =
          "app" + std::to_string(app) + "-" + std::to_string(random() % 8) + ".marathon.slave.mesos.";
      set.addAddress(name, ip("10.0." + std::to_string(random() % 4) + "." + std::to_string(random() % 250)));
      if (random() % 3 == 0) set.addAddress(name, ip("fd00::" + std::to_string(random() % 50)));
      set.addSrv("_app" + std::to_string(app) + "._tcp.marathon.mesos.",
                 SrvTarget{task, static_cast<uint16_t>(31000 + random() % 10)});
    }
  }
  set.finalize();
  return set;
}

TEST(Serial, OrderFollowsRfc1982AcrossTheWrap) {
  EXPECT_TRUE(serialAfter(2, 1));
  EXPECT_FALSE(serialAfter(1, 2));
  EXPECT_FALSE(serialAfter(7, 7));
  EXPECT_TRUE(serialAfter(0, 0xFFFFFFFF));  // wrapped: 0 comes after 2^32 - 1
  EXPECT_TRUE(serialAfter(5, 0xFFFFFFF0));
  EXPECT_FALSE(serialAfter(0xFFFFFFF0, 5));
  EXPECT_FALSE(serialAfter(0x80000000, 0));  // exactly 2^31 apart: undefined, so not after
  EXPECT_FALSE(serialAfter(0, 0x80000000));
}

TEST(Serial, NextSerialTakesTheTimeWhenAheadElseMovesOneForward) {
  EXPECT_EQ(nextSerial(1'700'000'000, 1'700'000'060), 1'700'000'060u);
  EXPECT_EQ(nextSerial(1'700'000'000, 1'700'000'000), 1'700'000'001u);  // two changes in a second
  EXPECT_EQ(nextSerial(1'700'000'000, 1'600'000'000), 1'700'000'001u);  // the clock went back
  EXPECT_EQ(nextSerial(0xFFFFFFFF, 5), 5u);                             // after the wrap
}

TEST(ZoneDiff, ListsWhatWentAndWhatCameForEachType) {
  RecordSet before;
  before.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
  before.addAddress("web.marathon.mesos.", ip("10.0.0.2"));
  before.addAddress("gone.marathon.mesos.", ip("10.0.0.9"));
  before.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-a.marathon.slave.mesos.", 31000});
  RecordSet after;
  after.addAddress("web.marathon.mesos.", ip("10.0.0.2"));
  after.addAddress("web.marathon.mesos.", ip("10.0.0.3"));
  after.addAddress("web.marathon.mesos.", ip("fd00::3"));
  after.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-a.marathon.slave.mesos.", 31001});
  after.addAddress("new.marathon.mesos.", ip("10.0.0.7"));
  const ZoneDiff diff = diffRecordSets(finalized(before), finalized(after));
  EXPECT_EQ(text(diff.removed),
            "_web._tcp.marathon.mesos. SRV 31000 web-a.marathon.slave.mesos.\n"
            "gone.marathon.mesos. A 10.0.0.9\n"
            "web.marathon.mesos. A 10.0.0.1\n");
  EXPECT_EQ(text(diff.added),
            "_web._tcp.marathon.mesos. SRV 31001 web-a.marathon.slave.mesos.\n"
            "new.marathon.mesos. A 10.0.0.7\n"
            "web.marathon.mesos. A 10.0.0.3\n"
            "web.marathon.mesos. AAAA fd00::3\n");
  EXPECT_EQ(diff.recordCount(), 7u);
}

TEST(ZoneDiff, IdenticalSetsDifferInNothing) {
  const RecordSet a = cluster(1, 50);
  const ZoneDiff diff = diffRecordSets(a, a);
  EXPECT_EQ(diff.recordCount(), 0u);
}

TEST(ZoneDiff, ApplyingTheDifferenceToTheOldVersionGivesTheNewOneExactly) {
  for (unsigned seed = 0; seed < 20; ++seed) {
    const RecordSet before = cluster(seed, 60);
    const RecordSet after = cluster(seed + 1000, 60);
    const ZoneDiff diff = diffRecordSets(before, after);
    auto applied = applyDiff(before, diff.removed, diff.added);
    ASSERT_TRUE(applied) << applied.error();
    EXPECT_EQ(text(*applied), text(after)) << "seed " << seed;
    EXPECT_EQ(applied->contentDigest(), after.contentDigest());
    // And back.
    auto back = applyDiff(after, diff.added, diff.removed);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(back->contentDigest(), before.contentDigest());
  }
}

TEST(ZoneDiff, VersionAfterVersionPatchedEqualsEachVersionBuiltAndStaysOpenForAdding) {
  // A secondary applies difference after difference to what it holds: the names that went stay
  // in the patched set's text until it is compacted, and targets come again as new text. What it
  // serves must be each version exactly, and a patched set must still take records (thaw) without
  // holding a name or a value twice.
  RecordSet held = cluster(0, 400);
  size_t compacted = 0;
  for (unsigned step = 1; step <= 30; ++step) {
    const RecordSet next = cluster(step, 400);
    const ZoneDiff diff = diffRecordSets(held, next);
    auto applied = applyDiff(held, diff.removed, diff.added);
    ASSERT_TRUE(applied) << applied.error();
    ASSERT_EQ(text(*applied), text(next)) << "step " << step;
    ASSERT_EQ(applied->contentHash(), next.contentHash());
    ASSERT_TRUE(*applied == next);
    if (applied->memoryBytes() < held.memoryBytes()) ++compacted;
    held = std::move(*applied);
  }
  EXPECT_GT(compacted, 0u) << "names that went were never dropped from the text";
  RecordSet opened = held;
  size_t tried = 0;
  for (const auto& [name, records] : held.names()) {
    if (!records.a.empty()) {
      EXPECT_FALSE(opened.addAddress(name, records.a.front())) << "a value held twice: " << name;
      ++tried;
    }
    if (!records.srv.empty()) {
      EXPECT_FALSE(opened.addSrv(name, records.srv.front())) << "an SRV value held twice: " << name;
      ++tried;
    }
  }
  ASSERT_GT(tried, 100u);
  opened.addAddress("new.marathon.mesos.", ip("10.1.1.1"));
  opened.finalize();
  EXPECT_EQ(text(opened).size(), text(held).size() + std::string("new.marathon.mesos. A 10.1.1.1\n").size());
}

TEST(RecordSetContent, TheFastHashTellsSetsApartExactlyAsTheDigestDoes) {
  // Snapshots compare contentHash(), the cache file contentDigest(): they must agree on equality.
  std::vector<RecordSet> sets;
  for (unsigned seed = 0; seed < 30; ++seed) sets.push_back(cluster(seed % 15, 40 + static_cast<int>(seed % 3)));
  for (size_t i = 0; i < sets.size(); ++i) {
    for (size_t j = 0; j < sets.size(); ++j) {
      EXPECT_EQ(sets[i].contentHash() == sets[j].contentHash(), sets[i].contentDigest() == sets[j].contentDigest())
          << i << " " << j;
    }
  }
  // One record more, or one port moved, changes both.
  RecordSet one = cluster(7, 40);
  RecordSet more = cluster(7, 40);
  more.addAddress("app0.marathon.mesos.", ip("10.9.9.9"));
  more.finalize();
  EXPECT_NE(one.contentHash(), more.contentHash());
  EXPECT_NE(one.contentHash(), cluster(8, 40).contentHash());
}

TEST(ZoneDiff, ADifferenceThatDoesNotFitIsRefusedNamingTheRecord) {
  RecordSet base;
  base.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
  base.finalize();
  RecordSet removeMissing;
  removeMissing.addAddress("web.marathon.mesos.", ip("10.0.0.5"));
  auto r1 = applyDiff(base, finalized(removeMissing), finalized(RecordSet()));
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error(), "the difference removes web.marathon.mesos. A 10.0.0.5, which is not in the zone");
  RecordSet addPresent;
  addPresent.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
  auto r2 = applyDiff(base, finalized(RecordSet()), finalized(addPresent));
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error(), "the difference adds web.marathon.mesos. A 10.0.0.1, which the zone already has");
  RecordSet removeOtherName;
  removeOtherName.addSrv("_x._tcp.mesos.", SrvTarget{"x.mesos.", 1});
  EXPECT_FALSE(applyDiff(base, finalized(removeOtherName), finalized(RecordSet())));
}

std::shared_ptr<ZoneDiff> diffOf(uint32_t from, uint32_t to, int records) {
  auto d = std::make_shared<ZoneDiff>();
  d->fromSerial = from;
  d->toSerial = to;
  for (int i = 0; i < records; ++i) d->added.addAddress("n" + std::to_string(i) + ".mesos.", ip("10.0.0.1"));
  d->added.finalize();
  d->removed.finalize();
  return d;
}

TEST(ZoneHistory, HoldsAChainOfDifferencesFromAnySerialToTheNewest) {
  std::shared_ptr<const ZoneHistory> h;
  h = ZoneHistory::extend(h.get(), diffOf(10, 11, 1), 100);
  h = ZoneHistory::extend(h.get(), diffOf(11, 15, 1), 100);
  h = ZoneHistory::extend(h.get(), diffOf(15, 16, 1), 100);
  ASSERT_EQ(h->since(10).size(), 3u);
  EXPECT_EQ(h->since(11).size(), 2u);
  EXPECT_EQ(h->since(15).front()->toSerial, 16u);
  EXPECT_TRUE(h->since(16).empty());  // the newest: nothing to send
  EXPECT_TRUE(h->since(12).empty());  // never a version
  // A difference that does not start at the newest serial starts a new chain.
  h = ZoneHistory::extend(h.get(), diffOf(99, 100, 1), 100);
  EXPECT_EQ(h->diffs().size(), 1u);
  EXPECT_TRUE(h->since(10).empty());
}

TEST(ZoneHistory, DropsTheOldestWhenItHoldsMoreRecordsThanTheZoneOrTooManyDifferences) {
  std::shared_ptr<const ZoneHistory> h;
  // A zone of 10,000 records keeps differences of up to 10,000 records in all.
  for (uint32_t s = 0; s < 30; ++s) h = ZoneHistory::extend(h.get(), diffOf(s, s + 1, 1000), 10'000);
  EXPECT_EQ(h->diffs().size(), 10u);
  EXPECT_EQ(h->recordCount(), 10'000u);
  EXPECT_TRUE(h->since(19).empty());
  EXPECT_EQ(h->since(20).size(), 10u);
  // Small differences: at most kMaxDiffs of them.
  std::shared_ptr<const ZoneHistory> many;
  for (uint32_t s = 0; s < ZoneHistory::kMaxDiffs + 5; ++s)
    many = ZoneHistory::extend(many.get(), diffOf(s, s + 1, 1), 10'000);
  EXPECT_EQ(many->diffs().size(), ZoneHistory::kMaxDiffs);
  EXPECT_EQ(many->diffs().front()->fromSerial, 5u);
}

TEST(ZoneHistory, SnapshotsOfChangesCarryTheDifferenceFromThePreviousVersion) {
  SnapshotSettings settings;
  settings.zone = zoneOptionsOf(Config{});
  settings.keepRecords = true;
  const auto wall = std::chrono::system_clock::from_time_t(1'700'000'000);
  const auto steady = std::chrono::steady_clock::now();
  const auto first = buildSnapshotFromRecords(cluster(1, 30), nullptr, settings, nullptr, "test", {wall, steady});
  EXPECT_FALSE(first.snapshot->history);
  const auto second = buildSnapshotFromRecords(cluster(2, 30), nullptr, settings, first.snapshot.get(), "test",
                                               {wall, steady});  // the same second: serial + 1
  ASSERT_TRUE(second.snapshot->history);
  const auto diffs = second.snapshot->history->since(1'700'000'000);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_EQ(diffs[0]->toSerial, 1'700'000'001u);
  auto applied = applyDiff(*first.snapshot->records, diffs[0]->removed, diffs[0]->added);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->contentDigest(), second.snapshot->records->contentDigest());
  // Unchanged content keeps the history; a secondary's serial from its primary is taken as given.
  const auto same =
      buildSnapshotFromRecords(cluster(2, 30), nullptr, settings, second.snapshot.get(), "test", {wall, steady});
  EXPECT_TRUE(same.unchanged);
  EXPECT_EQ(same.snapshot->history, second.snapshot->history);
  const auto given =
      buildSnapshotFromRecords(cluster(2, 30), nullptr, settings, same.snapshot.get(), "test", {wall, steady}, 77);
  EXPECT_FALSE(given.unchanged);
  EXPECT_EQ(given.snapshot->serial(), 77u);
}

}  // namespace
}  // namespace mdns
