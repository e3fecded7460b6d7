// The last good record set on disk: written, read back the same, and every kind of damage found.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/record_file.h"

namespace mdns {
namespace {

using ::testing::HasSubstr;

RecordSet sample() {
  RecordSet rs;
  rs.addAddress("web.marathon.mesos.", *IpAddress::parse("10.0.0.1"));
  rs.addAddress("web.marathon.mesos.", *IpAddress::parse("10.0.0.2"));
  rs.addAddress("v6.marathon.mesos.", *IpAddress::parse("fd00::1"));
  rs.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.slave.mesos.", 31000});
  rs.finalize();
  return rs;
}

const RecordFileMeta kMeta{1700000000, 1699999000, "master 10.0.0.5:5050"};

TEST(RecordFile, ReadsBackTheSameRecordsAndWhereAndWhenTheyCameFrom) {
  const auto parsed = parseRecordFile(serializeRecordFile(sample(), kMeta));
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(*parsed.records, sample());
  EXPECT_EQ(parsed.records->contentDigest(), sample().contentDigest());
  EXPECT_EQ(parsed.meta.savedAt, kMeta.savedAt);
  EXPECT_EQ(parsed.meta.changedAt, kMeta.changedAt);
  EXPECT_EQ(parsed.meta.origin, kMeta.origin);
}

TEST(RecordFile, KeepsTheServedSerialSoThatARestartNeverServesAnOlderOne) {
  RecordFileMeta meta = kMeta;
  meta.serial = 1'699'999'007;  // ahead of changedAt: several changes within a second
  const auto parsed = parseRecordFile(serializeRecordFile(sample(), meta));
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(parsed.meta.serial, 1'699'999'007u);
  // Files written before serials were kept have none: the serial then comes from changedAt.
  EXPECT_EQ(parseRecordFile(serializeRecordFile(sample(), kMeta)).meta.serial, 0u);
  EXPECT_EQ(serializeRecordFile(sample(), kMeta).find("serial"), std::string::npos);
}

TEST(RecordFile, NamesHoldingAnyLabelByteReadBackTheSame) {
  // Marathon discovery names give labels with spaces and UTF-8 ("search 31 é-disc"); a label may
  // hold any byte but the dot that separates labels.
  RecordSet rs;
  for (int b = 0; b < 256; ++b) {
    if (b == '.') continue;
    const std::string label = "x" + std::string(1, static_cast<char>(b)) + "y";
    ASSERT_TRUE(rs.addAddress(label + ".marathon.mesos.", *IpAddress::parse("10.0.0.1")));
    ASSERT_TRUE(rs.addSrv("_" + label + "._tcp.marathon.mesos.", SrvTarget{label + ".marathon.slave.mesos.", 31000}));
  }
  rs.addAddress("search 31 \xc3\xa9-disc.marathon.mesos.", *IpAddress::parse("10.0.0.2"));
  rs.finalize();
  const auto parsed = parseRecordFile(serializeRecordFile(rs, kMeta));
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(*parsed.records, rs);
  EXPECT_EQ(parsed.records->names().size(), 255u * 2 + 1);
}

TEST(RecordFile, PtrRecordsReadBackAndAreCoveredByTheDigest) {
  RecordSet rs = sample();
  rs.setReverse({{*IpAddress::parse("10.0.0.1"), *rs.refOf("web.marathon.mesos.")},
                 {*IpAddress::parse("fd00::1"), *rs.refOf("v6.marathon.mesos.")}});
  const std::string text = serializeRecordFile(rs, kMeta);
  EXPECT_THAT(text, HasSubstr("\nPTR 10.0.0.1 web.marathon.mesos.\n"));
  const auto parsed = parseRecordFile(text);
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(*parsed.records, rs);
  EXPECT_NE(rs.contentDigest(), sample().contentDigest());
  std::string altered = text;
  altered.replace(altered.find("PTR 10.0.0.1"), 12, "PTR 10.0.0.9");
  EXPECT_THAT(parseRecordFile(altered).error, HasSubstr("digest"));
  std::string dangling = text;
  dangling.replace(dangling.find("PTR 10.0.0.1 web"), 16, "PTR 10.0.0.1 xyz");
  EXPECT_THAT(parseRecordFile(dangling).error, HasSubstr("PTR record for a name without records"));
}

TEST(RecordFile, VersionOneFilesWithPlainNamesAreStillRead) {
  std::string text = serializeRecordFile(sample(), kMeta);
  ASSERT_EQ(text.rfind("mesos-dns-agent records 2\n", 0), 0u);
  text.replace(0, 25, "mesos-dns-agent records 1");
  const auto parsed = parseRecordFile(text);
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(*parsed.records, sample());
}

TEST(RecordFile, WrittenInPiecesItIsTheSameFileAndReadsBack) {
  RecordSet rs;
  for (int i = 0; i < 5000; ++i) {
    const std::string task = "task-" + std::to_string(i) + ".marathon.mesos.";
    rs.addAddress(task, *IpAddress::parse("10.4.0." + std::to_string(1 + i % 250)));
    rs.addSrv("_" + task, SrvTarget{task, static_cast<uint16_t>(31000 + i % 1000)});
  }
  rs.finalize();
  std::string joined;
  size_t pieces = 0;
  writeRecordFile(rs, kMeta, [&](std::string_view piece) {
    EXPECT_LT(piece.size(), 80u * 1024) << "a piece is about 64 KiB";
    joined += piece;
    ++pieces;
  });
  EXPECT_GT(pieces, 3u);
  EXPECT_EQ(joined, serializeRecordFile(rs, kMeta));
  const auto parsed = parseRecordFile(joined);
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_EQ(*parsed.records, rs);
}

TEST(RecordFile, EmptyRecordSetRoundTrips) {
  RecordSet empty;
  empty.finalize();
  const auto parsed = parseRecordFile(serializeRecordFile(empty, kMeta));
  ASSERT_TRUE(parsed.records) << parsed.error;
  EXPECT_TRUE(parsed.records->names().empty());
}

TEST(RecordFile, EveryTruncationIsFound) {
  const std::string text = serializeRecordFile(sample(), kMeta);
  for (size_t cut = 0; cut < text.size(); ++cut) {
    const auto parsed = parseRecordFile(std::string_view(text).substr(0, cut));
    EXPECT_FALSE(parsed.records) << "cut at " << cut;
    EXPECT_FALSE(parsed.error.empty());
  }
}

TEST(RecordFile, ChangedRecordIsFoundByTheDigest) {
  std::string text = serializeRecordFile(sample(), kMeta);
  text.replace(text.find("10.0.0.2"), 8, "10.0.0.9");
  EXPECT_THAT(parseRecordFile(text).error, HasSubstr("corrupted"));
}

TEST(RecordFile, DamagedLinesAreNamedByNumber) {
  std::string text = serializeRecordFile(sample(), kMeta);
  text.replace(text.find("A web"), 5, "X web");
  EXPECT_THAT(parseRecordFile(text).error, HasSubstr("line "));
  EXPECT_THAT(parseRecordFile("something else\nend\n").error, HasSubstr("line 1: not a mesos-dns-agent record file"));
  EXPECT_THAT(parseRecordFile("").error, HasSubstr("empty"));
  std::string bad = serializeRecordFile(sample(), kMeta);
  bad.replace(bad.find("fd00::1"), 7, "10.1.1.1");  // an IPv4 address on an AAAA line
  EXPECT_THAT(parseRecordFile(bad).error, HasSubstr("bad AAAA record"));
}

TEST(RecordFile, TextAfterTheEndIsDamage) {
  EXPECT_THAT(parseRecordFile(serializeRecordFile(sample(), kMeta) + "A x. 1.2.3.4\n").error,
              HasSubstr("after the end"));
}

}  // namespace
}  // namespace mdns
