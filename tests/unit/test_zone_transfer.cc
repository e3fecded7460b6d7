// Zone transfers, checked on the wire: the messages the writer produces are parsed with ldns, an
// independent DNS library, and compared with the records they must carry.
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/zone_transfer.h"
#include "tests/unit/ldns_util.h"

namespace mdns {
namespace {

using testing_ldns::Pkt;
using testing_ldns::toWire;

const std::string kApexWire("\x05mesos\x00", 7);

struct QueryOptions {
  uint16_t edns = 0;  // 0: no OPT record
  uint16_t qclass = LDNS_RR_CLASS_IN;
  bool ixfrSoa = false;     // an IXFR's authority SOA...
  uint32_t ixfrSerial = 1;  // ...with this serial
};

std::vector<uint8_t> transferQuery(const std::string& name, ldns_rr_type type, const QueryOptions& o = {}) {
  ldns_pkt* pkt = nullptr;
  EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, static_cast<ldns_rr_class>(o.qclass), 0),
            LDNS_STATUS_OK);
  ldns_pkt_set_id(pkt, 0x5151);
  if (o.edns != 0) {
    ldns_pkt_set_edns_udp_size(pkt, o.edns);
    ldns_pkt_set_edns_do(pkt, true);
  }
  if (o.ixfrSoa) {
    ldns_rr* soa = nullptr;
    EXPECT_EQ(ldns_rr_new_frm_str(&soa, (name + " 0 IN SOA a. b. " + std::to_string(o.ixfrSerial) + " 0 0 0 0").c_str(),
                                  0, nullptr, nullptr),
              LDNS_STATUS_OK);
    ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, soa);
  }
  auto out = toWire(pkt);
  ldns_pkt_free(pkt);
  return out;
}

// One message's answer records in ldns's presentation format, in order.
std::vector<std::string> answers(ldns_pkt* pkt) {
  std::vector<std::string> out;
  ldns_rr_list* list = ldns_pkt_answer(pkt);
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i)
    out.push_back(testing_ldns::rrText(ldns_rr_list_rr(list, i)));
  return out;
}

// A record as ldns prints it, from zone-file text.
std::string rr(const std::string& text) {
  ldns_rr* r = nullptr;
  EXPECT_EQ(ldns_rr_new_frm_str(&r, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << text;
  char* s = ldns_rr2str(r);
  std::string out(s);
  std::free(s);
  ldns_rr_free(r);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The SRV records' RDATA in a message hold no compression pointer: walks the message by hand.
bool srvTargetsUncompressed(const std::vector<uint8_t>& m) {
  auto skipName = [&m](size_t& pos) {
    while (pos < m.size()) {
      const uint8_t n = m[pos];
      if (n == 0) {
        ++pos;
        return;
      }
      if ((n & 0xC0) == 0xC0) {
        pos += 2;
        return;
      }
      pos += 1 + n;
    }
  };
  size_t pos = dns::kHeaderSize;
  const size_t qd = dns::get16(&m[4]);
  const size_t rrs = dns::get16(&m[6]) + dns::get16(&m[8]) + dns::get16(&m[10]);
  for (size_t i = 0; i < qd; ++i) {
    skipName(pos);
    pos += 4;
  }
  for (size_t i = 0; i < rrs; ++i) {
    skipName(pos);
    const uint16_t type = dns::get16(&m[pos]);
    const uint16_t rdlength = dns::get16(&m[pos + 8]);
    pos += 10;
    if (type == dns::kTypeSRV) {
      for (size_t p = pos + 6; p < pos + rdlength; p += 1 + m[p]) {
        if ((m[p] & 0xC0) != 0) return false;
      }
    }
    pos += rdlength;
  }
  return pos == m.size();
}

struct Transfer {
  std::vector<std::vector<uint8_t>> messages;
  std::vector<Pkt> parsed;
  std::vector<std::string> records;  // every answer record of every message, in order
};

class ZoneTransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ip = [](const char* s) { return *IpAddress::parse(s); };
    records_.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
    records_.addAddress("web.marathon.mesos.", ip("10.0.0.2"));
    records_.addAddress("web-abcde-s0.marathon.mesos.", ip("10.0.0.1"));
    records_.addAddress("v6.marathon.mesos.", ip("fd00::1"));
    records_.addAddress("web ui.marathon.mesos.", ip("10.0.0.9"));
    records_.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.mesos.", 31000});
    records_.addSrv("_http._web ui._tcp.marathon.mesos.", SrvTarget{"web ui.marathon.mesos.", 31002});
    records_.addAddress("ns1.mesos.", ip("127.0.0.1"));
    records_.addAddress("ns1.example.com.", ip("127.0.0.2"));  // outside the domain: not in the zone
    zone_.ttl = 60;
    zone_.soaMinttl = 30;
    zone_.soaSerial = 1234;
    records_.finalize();
  }

  Transfer transfer(const std::vector<uint8_t>& query, size_t limit = ZoneTransferWriter::kDefaultMessageLimit) {
    const auto q = parseTransferQuery(query.data(), query.size(), kApexWire);
    EXPECT_TRUE(q && q->apex);
    Transfer t;
    if (!q) return t;
    ZoneTransferWriter writer(planTransfer(*q, records_, zone_.soaSerial, history_.get()).parts, zone_, query.data(),
                              *q, true, limit);
    std::vector<uint8_t> out(dns::kMaxMessage);
    while (const size_t n = writer.next(out.data())) {
      t.messages.emplace_back(out.begin(), out.begin() + static_cast<long>(n));
      ldns_pkt* pkt = nullptr;
      EXPECT_EQ(ldns_wire2pkt(&pkt, out.data(), n), LDNS_STATUS_OK) << "message " << t.messages.size();
      if (pkt == nullptr) break;
      for (auto& s : answers(pkt)) t.records.push_back(s);
      t.parsed.emplace_back(pkt);
    }
    EXPECT_TRUE(writer.done());
    EXPECT_EQ(writer.recordCount(), t.records.size());
    EXPECT_EQ(writer.messageCount(), t.messages.size());
    return t;
  }

  const std::string soa_ = rr("mesos. 60 IN SOA ns1.mesos. root.ns1.mesos. 1234 60 600 86400 30");
  // A change of the zone from `from` to `to`: web.marathon.mesos. moves from 10.0.0.2 to `ip`.
  void change(uint32_t from, uint32_t to, const char* oldIp, const char* newIp) {
    auto diff = std::make_shared<ZoneDiff>();
    diff->fromSerial = from;
    diff->toSerial = to;
    diff->removed.addAddress("web.marathon.mesos.", *IpAddress::parse(oldIp));
    diff->added.addAddress("web.marathon.mesos.", *IpAddress::parse(newIp));
    diff->removed.finalize();
    diff->added.finalize();
    history_ = ZoneHistory::extend(history_.get(), diff, 100);
  }
  std::string soaAt(uint32_t serial) const {
    return rr("mesos. 60 IN SOA ns1.mesos. root.ns1.mesos. " + std::to_string(serial) + " 60 600 86400 30");
  }

  RecordSet records_;
  ZoneOptions zone_;
  std::shared_ptr<const ZoneHistory> history_;
};

TEST_F(ZoneTransferTest, SendsSoaFirstThenEveryRecordOnceThenSoa) {
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_AXFR));
  ASSERT_EQ(t.messages.size(), 1u);
  const std::vector<std::string> expected = {
      soa_,
      rr("mesos. 60 IN NS ns1.mesos."),
      rr("_http._web\\032ui._tcp.marathon.mesos. 60 IN SRV 0 1 31002 web\\032ui.marathon.mesos."),
      rr("_web._tcp.marathon.mesos. 60 IN SRV 0 1 31000 web-abcde-s0.marathon.mesos."),
      rr("v6.marathon.mesos. 60 IN AAAA fd00::1"),
      rr("web-abcde-s0.marathon.mesos. 60 IN A 10.0.0.1"),
      rr("web.marathon.mesos. 60 IN A 10.0.0.1"),
      rr("web.marathon.mesos. 60 IN A 10.0.0.2"),
      rr("web\\032ui.marathon.mesos. 60 IN A 10.0.0.9"),
      rr("ns1.mesos. 60 IN A 127.0.0.1"),
      soa_,
  };
  // The set's own name order, not canonical DNS order: compare the middle as a set.
  ASSERT_EQ(t.records.size(), expected.size()) << ::testing::PrintToString(t.records);
  EXPECT_EQ(t.records.front(), soa_);
  EXPECT_EQ(t.records.back(), soa_);
  EXPECT_EQ(t.records[1], expected[1]);
  std::multiset<std::string> got(t.records.begin() + 1, t.records.end() - 1);
  std::multiset<std::string> want(expected.begin() + 1, expected.end() - 1);
  EXPECT_EQ(got, want);
}

TEST_F(ZoneTransferTest, EveryMessageIsAnAuthoritativeReplyWithTheQuestion) {
  const auto query = transferQuery("MeSoS.", LDNS_RR_TYPE_AXFR, {.edns = 1232});
  const Transfer t = transfer(query, 160);
  ASSERT_GT(t.messages.size(), 1u);
  for (const auto& pkt : t.parsed) {
    EXPECT_EQ(ldns_pkt_id(pkt.get()), 0x5151);
    EXPECT_TRUE(ldns_pkt_qr(pkt.get()));
    EXPECT_TRUE(ldns_pkt_aa(pkt.get()));
    EXPECT_FALSE(ldns_pkt_tc(pkt.get()));
    EXPECT_EQ(ldns_pkt_get_rcode(pkt.get()), LDNS_RCODE_NOERROR);
    ASSERT_EQ(ldns_pkt_qdcount(pkt.get()), 1);
    const ldns_rr* q = ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0);
    char* owner = ldns_rdf2str(ldns_rr_owner(q));
    EXPECT_STREQ(owner, "MeSoS.");  // as asked
    std::free(owner);
    EXPECT_EQ(ldns_rr_get_type(q), LDNS_RR_TYPE_AXFR);
    EXPECT_EQ(ldns_pkt_edns_udp_size(pkt.get()), dns::kOurEdnsBufferSize);
  }
  for (const auto& m : t.messages) EXPECT_LE(m.size(), 160u);
  EXPECT_EQ(t.records.front(), soa_);
  EXPECT_EQ(t.records.back(), soa_);
}

TEST_F(ZoneTransferTest, NamesWithSpaceBytesGoThroughUnchanged) {
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_AXFR));
  const std::string spaced("\x06web ui\x08marathon\x05mesos", 22);
  int owners = 0, targets = 0;
  for (const auto& pkt : t.parsed) {
    ldns_rr_list* list = ldns_pkt_answer(pkt.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
      const ldns_rr* r = ldns_rr_list_rr(list, i);
      const ldns_rdf* owner = ldns_rr_owner(r);
      const std::string wire(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner));
      if (wire == spaced + std::string(1, '\0')) ++owners;
      if (ldns_rr_get_type(r) == LDNS_RR_TYPE_SRV) {
        const ldns_rdf* target = ldns_rr_rdf(r, 3);
        const std::string t3(reinterpret_cast<const char*>(ldns_rdf_data(target)), ldns_rdf_size(target));
        if (t3 == spaced + std::string(1, '\0')) ++targets;
      }
    }
  }
  EXPECT_EQ(owners, 1);
  EXPECT_EQ(targets, 1);
}

TEST_F(ZoneTransferTest, IxfrFromAHeldSerialSendsOnlyWhatChanged) {
  change(1000, 1234, "10.0.0.2", "10.0.0.3");
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = 1000}));
  const std::vector<std::string> expected = {
      soa_, soaAt(1000), rr("web.marathon.mesos. 60 IN A 10.0.0.2"), soa_, rr("web.marathon.mesos. 60 IN A 10.0.0.3"),
      soa_,
  };
  EXPECT_EQ(t.records, expected);
}

TEST_F(ZoneTransferTest, IxfrFromAnOlderHeldSerialSendsEachDifferenceInOrder) {
  change(900, 1000, "10.0.0.2", "10.0.0.3");
  change(1000, 1234, "10.0.0.3", "10.0.0.4");
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = 900}));
  const std::vector<std::string> expected = {
      soa_,
      soaAt(900),
      rr("web.marathon.mesos. 60 IN A 10.0.0.2"),
      soaAt(1000),
      rr("web.marathon.mesos. 60 IN A 10.0.0.3"),
      soaAt(1000),
      rr("web.marathon.mesos. 60 IN A 10.0.0.3"),
      soa_,
      rr("web.marathon.mesos. 60 IN A 10.0.0.4"),
      soa_,
  };
  EXPECT_EQ(t.records, expected);
  // From the newer serial, only the last difference.
  const Transfer last = transfer(transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = 1000}));
  EXPECT_EQ(last.records.size(), 6u);
}

TEST_F(ZoneTransferTest, IxfrFromTheCurrentSerialOrAheadGetsTheSoaAlone) {
  change(1000, 1234, "10.0.0.2", "10.0.0.3");
  for (const uint32_t serial : {1234u, 1235u}) {
    const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = serial}));
    EXPECT_EQ(t.records, std::vector<std::string>{soa_}) << serial;
  }
}

TEST_F(ZoneTransferTest, IxfrFromASerialNoLongerHeldGetsTheWholeZone) {
  change(1000, 1234, "10.0.0.2", "10.0.0.3");
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = 999}));
  ASSERT_EQ(t.records.size(), 11u);
  EXPECT_EQ(t.records[1], rr("mesos. 60 IN NS ns1.mesos."));
}

TEST(ParseTransferQuery, ReadsTheSerialAnIxfrAskerHolds) {
  const auto query = transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true, .ixfrSerial = 4000000000u});
  const auto q = parseTransferQuery(query.data(), query.size(), kApexWire);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->askerSerial, 4000000000u);
  const auto axfr = transferQuery("mesos.", LDNS_RR_TYPE_AXFR);
  EXPECT_FALSE(parseTransferQuery(axfr.data(), axfr.size(), kApexWire)->askerSerial);
}

TEST_F(ZoneTransferTest, IxfrIsAnsweredWithTheWholeZone) {
  const auto query = transferQuery("mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true});
  const auto q = parseTransferQuery(query.data(), query.size(), kApexWire);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->ixfr);
  const Transfer t = transfer(query);
  ASSERT_EQ(t.records.size(), 11u);
  EXPECT_EQ(t.records.front(), soa_);
  EXPECT_EQ(t.records.back(), soa_);
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(t.parsed[0].get()), 0);
  EXPECT_EQ(ldns_rr_get_type(question), LDNS_RR_TYPE_IXFR);
  EXPECT_EQ(ldns_pkt_nscount(t.parsed[0].get()), 0);
}

TEST_F(ZoneTransferTest, EmptyRecordSetGivesSoaNsSoa) {
  records_ = RecordSet();
  records_.finalize();
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_AXFR));
  EXPECT_EQ(t.records, (std::vector<std::string>{soa_, rr("mesos. 60 IN NS ns1.mesos."), soa_}));
}

TEST_F(ZoneTransferTest, LargeZoneIsSplitIntoMessagesWithinTheLimitEachRecordOnce) {
  records_ = RecordSet();
  constexpr int kNames = 5000;
  for (int i = 0; i < kNames; ++i) {
    const std::string app = "app" + std::to_string(i);
    const auto ip = *IpAddress::parse("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1");
    records_.addAddress(app + ".marathon.mesos.", ip);
    records_.addAddress(app + "-x1y2z-s1.marathon.mesos.", ip);
    records_.addSrv("_" + app + "._tcp.marathon.mesos.",
                    SrvTarget{app + "-x1y2z-s1.marathon.mesos.", static_cast<uint16_t>(31000 + i % 1000)});
  }
  records_.finalize();
  const size_t expected = 3 * kNames + 3;  // + SOA, NS, SOA
  for (const size_t limit : {ZoneTransferWriter::kDefaultMessageLimit, dns::kMaxMessage}) {
    SCOPED_TRACE(limit);
    const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_AXFR), limit);
    ASSERT_EQ(t.records.size(), expected);
    EXPECT_GT(t.messages.size(), 3u);
    for (const auto& m : t.messages) {
      EXPECT_LE(m.size(), limit);
      EXPECT_TRUE(srvTargetsUncompressed(m));
    }
    EXPECT_EQ(t.records.front(), soa_);
    EXPECT_EQ(t.records.back(), soa_);
    const std::set<std::string> unique(t.records.begin() + 1, t.records.end() - 1);
    EXPECT_EQ(unique.size(), expected - 2);  // no record twice
    EXPECT_TRUE(
        unique.contains(rr("_app4999._tcp.marathon.mesos. 60 IN SRV 0 1 31999 app4999-x1y2z-s1.marathon.mesos.")));
    EXPECT_TRUE(unique.contains(rr("app0.marathon.mesos. 60 IN A 10.0.0.1")));
  }
}

TEST_F(ZoneTransferTest, OwnerNamesAreCompressedSrvTargetsAreNot) {
  const Transfer t = transfer(transferQuery("mesos.", LDNS_RR_TYPE_AXFR));
  ASSERT_EQ(t.messages.size(), 1u);
  EXPECT_TRUE(srvTargetsUncompressed(t.messages[0]));
  // The second A record of web.marathon.mesos. has a 2-byte owner: a pointer to the first's.
  const auto& m = t.messages[0];
  const std::string web("\x03web", 4);
  const auto at = std::search(m.begin(), m.end(), web.begin(), web.end());
  ASSERT_NE(at, m.end());
  const uint16_t pointer = static_cast<uint16_t>(0xC000 | (at - m.begin()));
  const uint8_t bytes[] = {static_cast<uint8_t>(pointer >> 8), static_cast<uint8_t>(pointer), 0, 1, 0, 1};
  EXPECT_NE(std::search(m.begin(), m.end(), std::begin(bytes), std::end(bytes)), m.end());
}

TEST(ParseTransferQuery, RecognisesTransfersOfTheApexAndBelowOnly) {
  struct Case {
    std::string name;
    ldns_rr_type type;
    QueryOptions options;
    bool isTransfer;
    bool apex;
  };
  const std::vector<Case> cases = {
      {"mesos.", LDNS_RR_TYPE_AXFR, {}, true, true},
      {"MESOS.", LDNS_RR_TYPE_AXFR, {.edns = 4096}, true, true},
      {"mesos.", LDNS_RR_TYPE_IXFR, {.ixfrSoa = true}, true, true},
      {"mesos.", LDNS_RR_TYPE_IXFR, {}, true, true},
      {"marathon.mesos.", LDNS_RR_TYPE_AXFR, {}, true, false},
      {"mesos.", LDNS_RR_TYPE_AXFR, {.qclass = LDNS_RR_CLASS_CH}, true, false},
      {"mesos.", LDNS_RR_TYPE_A, {}, false, false},
      {"mesos.", LDNS_RR_TYPE_SOA, {}, false, false},
      {"example.com.", LDNS_RR_TYPE_AXFR, {}, false, false},
      {"notmesos.", LDNS_RR_TYPE_AXFR, {}, false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + " " + std::to_string(c.type));
    const auto query = transferQuery(c.name, c.type, c.options);
    const auto q = parseTransferQuery(query.data(), query.size(), kApexWire);
    ASSERT_EQ(q.has_value(), c.isTransfer);
    if (!q) continue;
    EXPECT_EQ(q->apex, c.apex);
    EXPECT_EQ(q->query.hasEdns, c.options.edns != 0);
    EXPECT_EQ(q->query.questionEnd, dns::kHeaderSize + c.name.size() + 1 + 4);
  }
}

TEST(ParseTransferQuery, RejectsMalformedPackets) {
  auto query = transferQuery("mesos.", LDNS_RR_TYPE_AXFR);
  for (size_t n = 0; n < query.size(); ++n) {
    EXPECT_FALSE(parseTransferQuery(query.data(), n, kApexWire)) << n;  // cut short
  }
  query.push_back(0);  // trailing garbage
  EXPECT_FALSE(parseTransferQuery(query.data(), query.size(), kApexWire));
  query.pop_back();
  query[2] |= 0x80;  // a response
  EXPECT_FALSE(parseTransferQuery(query.data(), query.size(), kApexWire));
}

}  // namespace
}  // namespace mdns
