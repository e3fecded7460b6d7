// A secondary reading a primary's transfer: what the agent's own writer sends (the whole zone,
// differences, the SOA alone, split over many messages) reads back as the same records, and a
// reply that is refused, out of step or malformed is an error that says why.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "common/dns_wire.h"
#include "common/transfer_reader.h"
#include "common/zone_transfer.h"

namespace mdns {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

RecordSet sample() {
  RecordSet rs;
  rs.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
  rs.addAddress("web.marathon.mesos.", ip("10.0.0.2"));
  rs.addAddress("v6.marathon.mesos.", ip("fd00::1"));
  rs.addAddress("web ui.marathon.mesos.", ip("10.0.0.9"));
  rs.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.slave.mesos.", 31000});
  for (int i = 0; i < 300; ++i) {
    rs.addAddress("task" + std::to_string(i) + ".big.marathon.mesos.", ip("10.2.0.1"));
    rs.addSrv("_big._tcp.marathon.mesos.",
              SrvTarget{"task" + std::to_string(i) + ".big.marathon.slave.mesos.", static_cast<uint16_t>(20000 + i)});
  }
  rs.addAddress("ns1.example.com.", ip("127.0.0.2"));  // outside the domain: not sent
  rs.finalize();
  return rs;
}

// The messages the agent's writer sends for `query` with `parts`, `limit` bytes each at most.
std::vector<std::vector<uint8_t>> reply(const std::vector<uint8_t>& query, std::vector<TransferPart> parts,
                                        const ZoneOptions& zone, size_t limit = 16384) {
  const auto q = parseTransferQuery(query.data(), query.size(), *dns::toWireName("mesos"));
  EXPECT_TRUE(q);
  ZoneTransferWriter writer(std::move(parts), zone, query.data(), *q, false, limit);
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> buffer(dns::kMaxMessage);
  while (const size_t n = writer.next(buffer.data()))
    out.emplace_back(buffer.begin(), buffer.begin() + static_cast<long>(n));
  return out;
}

Status readAll(TransferReader& reader, const std::vector<std::vector<uint8_t>>& messages) {
  for (const auto& m : messages) {
    if (auto s = reader.add(m.data(), m.size()); !s) return s;
  }
  return {};
}

RecordSet withoutOutside(RecordSet rs) {
  RecordSet out;
  for (const auto& [name, records] : rs.names()) {
    if (!name.ends_with(".mesos.")) continue;
    for (const auto& a : records.a) out.addAddress(name, a);
    for (const auto& a : records.aaaa) out.addAddress(name, a);
    for (const auto& s : records.srv) out.addSrv(name, s);
  }
  out.finalize();
  return out;
}

TEST(TransferReader, TheWholeZoneReadsBackAsTheSameRecordsOverManyMessages) {
  ZoneOptions zone;
  zone.soaSerial = 4'000'000'123u;
  const RecordSet records = sample();
  for (const size_t limit : {size_t{16384}, size_t{300}}) {
    const auto query = axfrQuery(0x1234, "mesos");
    const auto messages = reply(query, axfrParts(records, zone.soaSerial), zone, limit);
    TransferReader reader("mesos", 0x1234, std::nullopt);
    ASSERT_TRUE(readAll(reader, messages)) << limit;
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.form(), TransferReader::Form::kWholeZone);
    EXPECT_EQ(reader.serial(), 4'000'000'123u);
    EXPECT_EQ(reader.takeZone().contentDigest(), withoutOutside(records).contentDigest()) << limit;
    if (limit == 300) {
      EXPECT_GT(messages.size(), 20u);
    }
  }
}

TEST(TransferReader, DifferencesReadBackInOrderAndApplyToTheOldZone) {
  ZoneOptions zone;
  zone.soaSerial = 12;
  const RecordSet v10 = sample();
  RecordSet v11 = v10;
  v11.addAddress("new.marathon.mesos.", ip("10.0.0.77"));
  v11.finalize();
  RecordSet v12;
  for (const auto& [name, records] : v11.names()) {
    if (name == "web.marathon.mesos.") continue;
    for (const auto& a : records.a) v12.addAddress(name, a);
    for (const auto& a : records.aaaa) v12.addAddress(name, a);
    for (const auto& s : records.srv) v12.addSrv(name, s);
  }
  v12.finalize();
  std::shared_ptr<const ZoneHistory> history;
  using Step = std::tuple<uint32_t, uint32_t, const RecordSet*, const RecordSet*>;
  for (auto [from, to, before, after] : {Step{10u, 11u, &v10, &v11}, Step{11u, 12u, &v11, &v12}}) {
    auto d = std::make_shared<ZoneDiff>(diffRecordSets(*before, *after));
    d->fromSerial = from;
    d->toSerial = to;
    history = ZoneHistory::extend(history.get(), d, 1000);
  }
  const auto query = ixfrQuery(7, "mesos", 10);
  const auto q = parseTransferQuery(query.data(), query.size(), *dns::toWireName("mesos"));
  ASSERT_TRUE(q);
  EXPECT_EQ(q->askerSerial, 10u);
  const auto plan = planTransfer(*q, v12, 12, history.get());
  ASSERT_EQ(plan.kind, TransferPlan::Kind::kDifferences);
  TransferReader reader("mesos", 7, 10);
  ASSERT_TRUE(readAll(reader, reply(query, plan.parts, zone, 200)));
  ASSERT_TRUE(reader.done());
  EXPECT_EQ(reader.form(), TransferReader::Form::kDifferences);
  EXPECT_EQ(reader.serial(), 12u);
  auto diffs = reader.takeDiffs();
  ASSERT_EQ(diffs.size(), 2u);
  EXPECT_EQ(diffs[0].fromSerial, 10u);
  EXPECT_EQ(diffs[0].toSerial, 11u);
  EXPECT_EQ(diffs[1].toSerial, 12u);
  RecordSet current = withoutOutside(v10);
  for (const auto& d : diffs) {
    auto next = applyDiff(current, d.removed, d.added);
    ASSERT_TRUE(next) << next.error();
    current = std::move(*next);
  }
  EXPECT_EQ(current.contentDigest(), withoutOutside(v12).contentDigest());
}

TEST(TransferReader, TheSoaAloneMeansUpToDate) {
  ZoneOptions zone;
  zone.soaSerial = 12;
  const auto query = ixfrQuery(9, "mesos", 12);
  TransferReader reader("mesos", 9, 12);
  ASSERT_TRUE(readAll(reader, reply(query, ixfrParts({}, 12), zone)));
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.form(), TransferReader::Form::kUpToDate);
}

TEST(TransferReader, RefusalsAndMessagesOutOfStepAreErrorsThatSayWhy) {
  ZoneOptions zone;
  zone.soaSerial = 5;
  const auto query = axfrQuery(3, "mesos");
  auto messages = reply(query, axfrParts(sample(), 5), zone, 300);
  {
    TransferReader reader("mesos", 4, std::nullopt);  // another ID
    EXPECT_EQ(reader.add(messages[0].data(), messages[0].size()).error(), "a reply with another ID");
  }
  {
    auto refused = messages[0];
    refused[3] = static_cast<uint8_t>((refused[3] & 0xF0) | 5);
    TransferReader reader("mesos", 3, std::nullopt);
    EXPECT_EQ(reader.add(refused.data(), refused.size()).error(),
              "answered REFUSED (is this node in its allowTransfer?)");
  }
  {
    TransferReader reader("mesos", 3, std::nullopt);  // the last message twice: records after the end
    ASSERT_TRUE(readAll(reader, messages));
    EXPECT_FALSE(reader.add(messages.back().data(), messages.back().size()));
  }
  {
    TransferReader reader("example", 3, std::nullopt);  // another zone's transfer
    EXPECT_FALSE(reader.add(messages[0].data(), messages[0].size()));
  }
  for (size_t cut = 0; cut < messages[1].size(); cut += 7) {  // any message cut short
    TransferReader reader("mesos", 3, std::nullopt);
    ASSERT_TRUE(reader.add(messages[0].data(), messages[0].size()));
    EXPECT_FALSE(reader.add(messages[1].data(), cut)) << cut;
  }
}

TEST(TransferReader, SoaCheckReadsThePrimarysSerial) {
  // A reply written by hand: the question, then the apex SOA with a compressed owner.
  std::vector<uint8_t> m = soaQuery(0x4242, "mesos");
  m.resize(dns::kHeaderSize + 7 + 4);  // the header and question, without the query's OPT record
  m[11] = 0;
  m[2] = 0x84;  // QR, AA
  m[7] = 1;     // ANCOUNT
  const uint8_t soa[] = {0xC0, 0x0C, 0,    6, 0, 1, 0, 0, 0, 60, 0, 26, 1, 'a', 0, 1, 'b', 0, 0x12,
                         0x34, 0x56, 0x78, 0, 0, 0, 1, 0, 0, 0,  2, 0,  0, 0,   3, 0, 0,   0, 4};
  m.insert(m.end(), soa, soa + sizeof soa);
  auto serial = soaSerialOfReply(m.data(), m.size(), 0x4242, "mesos");
  ASSERT_TRUE(serial) << serial.error();
  EXPECT_EQ(*serial, 0x12345678u);
  EXPECT_FALSE(soaSerialOfReply(m.data(), m.size(), 0x4243, "mesos"));
  EXPECT_EQ(soaSerialOfReply(m.data(), m.size(), 0x4242, "other").error(), "no SOA record for other. in the answer");
  m[3] = 2;  // SERVFAIL
  EXPECT_EQ(soaSerialOfReply(m.data(), m.size(), 0x4242, "mesos").error(), "answered SERVFAIL (no zone loaded yet?)");
}

}  // namespace
}  // namespace mdns
