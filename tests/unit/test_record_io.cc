// RecordIO as the Mesos master frames its event stream: records come whole whatever the pieces
// the network delivers, and a broken frame stops the reader with the byte that broke it.
#include "common/record_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string frame(const std::string& record) { return std::to_string(record.size()) + "\n" + record; }

std::vector<std::string> drain(RecordIoReader& reader) {
  std::vector<std::string> out;
  while (auto r = reader.next()) out.push_back(*r);
  return out;
}

TEST(RecordIo, RecordsComeWholeWhateverPiecesTheStreamArrivesIn) {
  const std::vector<std::string> records = {R"({"type":"SUBSCRIBED","subscribed":{}})", R"({"type":"HEARTBEAT"})", "",
                                            std::string(1000, 'x')};
  std::string stream;
  for (const auto& r : records) stream += frame(r);
  for (size_t piece = 1; piece <= stream.size(); piece = piece * 2 + 1) {
    RecordIoReader reader(4096);
    std::vector<std::string> got;
    for (size_t at = 0; at < stream.size(); at += piece) {
      reader.feed(std::string_view(stream).substr(at, piece));
      for (auto& r : drain(reader)) got.push_back(r);
    }
    EXPECT_EQ(got, records) << "pieces of " << piece;
    EXPECT_EQ(reader.error(), "");
    EXPECT_EQ(reader.pending(), 0u);
  }
}

TEST(RecordIo, AHalfRecordWaitsForTheRestAndCountsAsPending) {
  RecordIoReader reader(100);
  reader.feed("10\n{\"type\"");
  EXPECT_EQ(reader.next(), std::nullopt);
  EXPECT_EQ(reader.error(), "");
  EXPECT_EQ(reader.pending(), 10u);
  reader.feed(":1}5\nab");
  EXPECT_THAT(drain(reader), ElementsAre("{\"type\":1}"));
  reader.feed("cde");
  EXPECT_THAT(drain(reader), ElementsAre("abcde"));
}

TEST(RecordIo, ALengthThatIsNotDigitsStopsTheReaderNamingTheByte) {
  RecordIoReader reader(100);
  reader.feed(frame("{}") + "HTTP/1.1 200 OK\r\n");
  EXPECT_THAT(drain(reader), ElementsAre("{}"));
  EXPECT_THAT(reader.error(), HasSubstr("expected a record length"));
  EXPECT_THAT(reader.error(), HasSubstr("at byte 4, found 'H'"));
  reader.feed(frame("{}"));  // nothing more is read once the framing broke
  EXPECT_EQ(reader.next(), std::nullopt);

  RecordIoReader empty(100);
  empty.feed("\n{}");
  EXPECT_EQ(empty.next(), std::nullopt);
  EXPECT_THAT(empty.error(), HasSubstr("empty record length at byte 0"));
}

TEST(RecordIo, ARecordOverTheLimitIsRefusedBeforeItIsRead) {
  RecordIoReader reader(1000);
  reader.feed(frame("{}") + "99999999999999999999999999\n");
  EXPECT_THAT(drain(reader), ElementsAre("{}"));
  EXPECT_THAT(reader.error(), HasSubstr("the record at byte 4 is longer than 1000 bytes"));
  RecordIoReader exact(3);
  exact.feed("3\nabc4\nabcd");
  EXPECT_THAT(drain(exact), ElementsAre("abc"));
  EXPECT_THAT(exact.error(), HasSubstr("longer than 3 bytes"));
}

}  // namespace
}  // namespace mdns
