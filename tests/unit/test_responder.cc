// The per-query path, checked on the wire: queries built and replies parsed with ldns, an
// independent DNS library, so a compression or section-count mistake shows up as a parse failure.
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/answer_table.h"
#include "common/responder.h"
#include "tests/unit/ldns_util.h"

namespace mdns {
namespace {

using testing_ldns::Pkt;
using testing_ldns::section;

struct QueryOptions {
  uint16_t edns = 0;  // 0: no OPT record
  bool tcp = false;
  uint16_t qclass = LDNS_RR_CLASS_IN;
  uint8_t ednsVersion = 0;
};

class ResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ip = [](const char* s) { return *IpAddress::parse(s); };
    records_.addAddress("web.marathon.mesos.", ip("10.0.0.1"));
    records_.addAddress("web.marathon.mesos.", ip("10.0.0.2"));
    records_.addAddress("web.marathon.mesos.", ip("10.0.0.3"));
    records_.addAddress("web-abcde-s0.marathon.mesos.", ip("10.0.0.1"));
    records_.addAddress("v6.marathon.mesos.", ip("fd00::1"));
    records_.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.mesos.", 31000});
    records_.addSrv("_web._tcp.marathon.mesos.", SrvTarget{"web-abcde-s0.marathon.mesos.", 31001});
    records_.addAddress("ns1.mesos.", ip("127.0.0.1"));
    for (int i = 0; i < 60; ++i) {
      records_.addAddress("big.marathon.mesos.", ip(("10.1.0." + std::to_string(i + 1)).c_str()));
    }
    zone_.ttl = 60;
    zone_.soaMinttl = 30;
    zone_.soaSerial = 1234;
    rebuild();
  }

  void rebuild() {
    records_.finalize();
    table_ = AnswerTable::build(records_, zone_);
    options_.apexWire = std::string("\x05mesos\x00", 7);
  }

  std::vector<uint8_t> wireQuery(const std::string& name, ldns_rr_type type, const QueryOptions& q = {}) {
    ldns_pkt* pkt = nullptr;
    EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, static_cast<ldns_rr_class>(q.qclass), LDNS_RD),
              LDNS_STATUS_OK);
    ldns_pkt_set_id(pkt, 0x4242);
    if (q.edns != 0) {
      ldns_pkt_set_edns_udp_size(pkt, q.edns);
      ldns_pkt_set_edns_version(pkt, q.ednsVersion);
      ldns_pkt_set_edns_do(pkt, true);
    }
    uint8_t* wire = nullptr;
    size_t size = 0;
    EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
    std::vector<uint8_t> out(wire, wire + size);
    free(wire);
    ldns_pkt_free(pkt);
    return out;
  }

  Pkt ask(const std::vector<uint8_t>& query, bool tcp = false, uint32_t rotation = 0) {
    std::vector<uint8_t> out(65535);
    const size_t n = respond(query.data(), query.size(), tcp ? Transport::kTcp : Transport::kUdp,
                             served_ ? table_.get() : nullptr, options_, rotation, out.data());
    lastSize_ = n;
    if (n == 0) return nullptr;
    ldns_pkt* reply = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&reply, out.data(), n), LDNS_STATUS_OK) << "reply does not parse";
    return Pkt(reply);
  }
  Pkt ask(const std::string& name, ldns_rr_type type, const QueryOptions& q = {}, uint32_t rotation = 0) {
    return ask(wireQuery(name, type, q), q.tcp, rotation);
  }

  RecordSet records_;
  ZoneOptions zone_;
  std::shared_ptr<const AnswerTable> table_;
  ResponderOptions options_;
  bool served_ = true;
  size_t lastSize_ = 0;
};

TEST_F(ResponderTest, AnswersARecordsAuthoritativelyWithConfiguredTtl) {
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NOERROR);
  EXPECT_TRUE(ldns_pkt_aa(r.get()));
  EXPECT_TRUE(ldns_pkt_qr(r.get()));
  EXPECT_TRUE(ldns_pkt_rd(r.get()));
  EXPECT_EQ(ldns_pkt_id(r.get()), 0x4242);
  EXPECT_EQ(section(ldns_pkt_answer(r.get())), (std::set<std::string>{"web.marathon.mesos.\t60\tIN\tA\t10.0.0.1",
                                                                      "web.marathon.mesos.\t60\tIN\tA\t10.0.0.2",
                                                                      "web.marathon.mesos.\t60\tIN\tA\t10.0.0.3"}));
}

TEST_F(ResponderTest, RecursionAvailableFollowsRecurseOn) {
  auto on = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(on);
  EXPECT_TRUE(ldns_pkt_ra(on.get()));
  options_.recurseOn = false;
  auto off = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(off);
  EXPECT_FALSE(ldns_pkt_ra(off.get()));
}

// The SRV records' RDATA in a reply: their target names must hold no compression pointer
// (RFC 2782, RFC 3597 section 4; Go's resolver rejects the whole reply otherwise).
std::vector<std::vector<uint8_t>> srvRdata(const uint8_t* msg, size_t len) {
  std::vector<std::vector<uint8_t>> out;
  size_t pos = 12;
  while (msg[pos] != 0) pos += 1 + msg[pos];
  pos += 5;
  const uint16_t records = dns::get16(msg + 6) + dns::get16(msg + 8) + dns::get16(msg + 10);
  for (uint16_t i = 0; i < records && pos < len; ++i) {
    while ((msg[pos] & 0xC0) == 0 && msg[pos] != 0) pos += 1 + msg[pos];
    pos += (msg[pos] & 0xC0) != 0 ? 2 : 1;
    const uint16_t type = dns::get16(msg + pos);
    const uint16_t rdlen = dns::get16(msg + pos + 8);
    if (type == dns::kTypeSRV) out.emplace_back(msg + pos + 10, msg + pos + 10 + rdlen);
    pos += 10 + rdlen;
  }
  return out;
}

TEST_F(ResponderTest, SrvTargetsAreWrittenInFullNeverAsCompressionPointers) {
  for (const bool tcp : {false, true}) {
    const auto query = wireQuery("_web._tcp.marathon.mesos.", LDNS_RR_TYPE_SRV, {.edns = 1232, .tcp = tcp});
    std::vector<uint8_t> out(65535);
    const size_t n = respond(query.data(), query.size(), tcp ? Transport::kTcp : Transport::kUdp, table_.get(),
                             options_, 0, out.data());
    const auto rdatas = srvRdata(out.data(), n);
    ASSERT_EQ(rdatas.size(), 2u);
    for (const auto& rdata : rdatas) {
      const std::string target(rdata.begin() + 6, rdata.end());
      EXPECT_EQ(target, std::string("\x0cweb-abcde-s0\x08marathon\x05mesos\x00", 29));
    }
  }
}

TEST_F(ResponderTest, OwnerNamesAreCompressedToPointersAtTheQuestion) {
  // Header 12 + question (20-byte name + 4) + 3 A records of 2 (pointer) + 10 + 4 bytes.
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  EXPECT_EQ(lastSize_, 12u + 20 + 4 + 3 * 16);
  // SRV targets are written in full; the additional record's owner points into the question.
  auto srv = ask("_web._tcp.marathon.mesos.", LDNS_RR_TYPE_SRV);
  ASSERT_TRUE(srv);
  const size_t question = 12 + 26 + 4;
  const size_t srvRr = 2 + 10 + 6 + 29;  // owner pointer, fixed part, rdata with "web-abcde-s0.marathon.mesos."
  const size_t additional = (1 + 12 + 2) + 10 + 4;
  EXPECT_EQ(lastSize_, question + 2 * srvRr + additional);
}

TEST_F(ResponderTest, EchoesQuestionInAskersLetterCase) {
  auto r = ask("WeB.MaRaThOn.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  char* q = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(r.get()), 0));
  EXPECT_NE(std::string(q).find("WeB.MaRaThOn.mesos."), std::string::npos) << q;
  free(q);
  EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_answer(r.get())), 3u);
}

TEST_F(ResponderTest, UnknownNameIsNxdomainWithSoaAtNegativeTtl) {
  auto r = ask("nothere.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_TRUE(ldns_pkt_aa(r.get()));
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 0);
  // RFC 2308: the SOA's TTL is min(SOA TTL 60, MINIMUM 30).
  EXPECT_EQ(section(ldns_pkt_authority(r.get())),
            (std::set<std::string>{"mesos.\t30\tIN\tSOA\tns1.mesos. root.ns1.mesos. 1234 60 600 86400 30"}));
}

TEST_F(ResponderTest, ExistingNameOfAnotherTypeIsNodataWithSoa) {
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 0);
  EXPECT_EQ(ldns_pkt_nscount(r.get()), 1);
}

TEST_F(ResponderTest, EmptyNonTerminalIsNodataNotNxdomain) {
  for (const char* name : {"marathon.mesos.", "_tcp.marathon.mesos."}) {
    auto r = ask(name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(r);
    EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NOERROR) << name;
    EXPECT_EQ(ldns_pkt_nscount(r.get()), 1) << name;
  }
}

TEST_F(ResponderTest, SrvAnswerCarriesTargetAddressInAdditionalSection) {
  auto r = ask("_web._tcp.marathon.mesos.", LDNS_RR_TYPE_SRV);
  ASSERT_TRUE(r);
  EXPECT_EQ(section(ldns_pkt_answer(r.get())),
            (std::set<std::string>{"_web._tcp.marathon.mesos.\t60\tIN\tSRV\t0 1 31000 web-abcde-s0.marathon.mesos.",
                                   "_web._tcp.marathon.mesos.\t60\tIN\tSRV\t0 1 31001 web-abcde-s0.marathon.mesos."}));
  EXPECT_EQ(section(ldns_pkt_additional(r.get())),
            (std::set<std::string>{"web-abcde-s0.marathon.mesos.\t60\tIN\tA\t10.0.0.1"}));
}

TEST_F(ResponderTest, RotatesFirstAnswerBetweenQueries) {
  std::set<std::string> firsts;
  for (uint32_t rotation = 0; rotation < 3; ++rotation) {
    auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A, {}, rotation);
    ASSERT_TRUE(r);
    ASSERT_EQ(ldns_pkt_ancount(r.get()), 3);
    char* text = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r.get()), 0), 0));
    firsts.insert(text);
    free(text);
  }
  EXPECT_EQ(firsts.size(), 3u);
}

TEST_F(ResponderTest, UdpWithoutEdnsSendsTheWholeRecordsThatFitWithTc) {
  // Clients with TCP see TC and ask again; those without (musl up to 1.2.3) still get addresses.
  std::set<std::string> seen;
  for (uint32_t rotation = 0; rotation < 60; rotation += 29) {
    auto r = ask("big.marathon.mesos.", LDNS_RR_TYPE_A, {}, rotation);
    ASSERT_TRUE(r);
    EXPECT_TRUE(ldns_pkt_tc(r.get()));
    EXPECT_EQ(ldns_pkt_ancount(r.get()), (512 - 12 - 24) / 16);
    EXPECT_LE(lastSize_, 512u);
    for (const auto& rr : section(ldns_pkt_answer(r.get()))) seen.insert(rr);
  }
  EXPECT_GT(seen.size(), 30u) << "the part sent moves with the rotation";
  // From the rotation's start to the end of the RRset, then on from its beginning.
  auto wrapped = ask("big.marathon.mesos.", LDNS_RR_TYPE_A, {}, 50);
  std::set<std::string> expected;
  for (int i = 51; i <= 60; ++i) expected.insert("big.marathon.mesos.\t60\tIN\tA\t10.1.0." + std::to_string(i));
  for (int i = 1; i <= 19; ++i) expected.insert("big.marathon.mesos.\t60\tIN\tA\t10.1.0." + std::to_string(i));
  EXPECT_EQ(section(ldns_pkt_answer(wrapped.get())), expected);
}

TEST_F(ResponderTest, UdpRepliesStopAtMaxUdpSizeWhateverTheAskerOffers) {
  for (int i = 0; i < 200; ++i) {
    records_.addAddress("huge.marathon.mesos.",
                        *IpAddress::parse("10.2." + std::to_string(i / 100) + "." + std::to_string(i % 100 + 1)));
  }
  rebuild();
  auto r = ask("huge.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 4096});
  ASSERT_TRUE(r);
  EXPECT_LE(lastSize_, 1232u);
  EXPECT_TRUE(ldns_pkt_tc(r.get()));
  EXPECT_GT(ldns_pkt_ancount(r.get()), 60);
  options_.maxUdpSize = 4096;
  auto bigger = ask("huge.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 4096});
  EXPECT_GT(lastSize_, 3000u);
  EXPECT_FALSE(ldns_pkt_tc(bigger.get()));
  EXPECT_EQ(ldns_pkt_ancount(bigger.get()), 200);
  // TCP is not capped.
  options_.maxUdpSize = 512;
  auto tcp = ask("huge.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 4096, .tcp = true});
  EXPECT_EQ(ldns_pkt_ancount(tcp.get()), 200);
}

TEST_F(ResponderTest, UdpHonoursEdnsBufferSizeAndEchoesOpt) {
  QueryOptions q;
  q.edns = 4096;
  auto r = ask("big.marathon.mesos.", LDNS_RR_TYPE_A, q);
  ASSERT_TRUE(r);
  EXPECT_FALSE(ldns_pkt_tc(r.get()));
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 60);
  EXPECT_TRUE(ldns_pkt_edns(r.get()));
  EXPECT_TRUE(ldns_pkt_edns_do(r.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(r.get()), 1232);
}

TEST_F(ResponderTest, TcpCarriesTheWholeAnswer) {
  QueryOptions q;
  q.tcp = true;
  auto r = ask("big.marathon.mesos.", LDNS_RR_TYPE_A, q);
  ASSERT_TRUE(r);
  EXPECT_FALSE(ldns_pkt_tc(r.get()));
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 60);
}

TEST_F(ResponderTest, WithoutTruncateBitSendsWholeRecordsThatFitAndNoTc) {
  options_.setTruncateBit = false;
  auto r = ask("big.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  EXPECT_FALSE(ldns_pkt_tc(r.get()));
  EXPECT_GT(ldns_pkt_ancount(r.get()), 10);
  EXPECT_LT(ldns_pkt_ancount(r.get()), 60);
  EXPECT_LE(lastSize_, 512u);
}

TEST_F(ResponderTest, DropsAdditionalSectionBeforeTruncatingAnswers) {
  for (uint16_t p = 0; p < 40; ++p) {
    records_.addSrv("_many._tcp.marathon.mesos.",
                    SrvTarget{"web-abcde-s0.marathon.mesos.", static_cast<uint16_t>(32000 + p)});
  }
  rebuild();
  options_.maxUdpSize = 4096;
  auto full = ask("_many._tcp.marathon.mesos.", LDNS_RR_TYPE_SRV, {.edns = 4096});
  ASSERT_TRUE(full);
  ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_additional(full.get())), 1u);
  // One byte short of the full reply: the additional A goes, the answers stay, and no TC (RFC 2181 9).
  auto r = ask("_many._tcp.marathon.mesos.", LDNS_RR_TYPE_SRV, {.edns = static_cast<uint16_t>(lastSize_ - 1)});
  ASSERT_TRUE(r);
  EXPECT_FALSE(ldns_pkt_tc(r.get()));
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 40);
  EXPECT_EQ(ldns_rr_list_rr_count(ldns_pkt_additional(r.get())), 0u);
}

TEST_F(ResponderTest, ApexAnswersSoaAndNsInAnswerSection) {
  auto soa = ask("mesos.", LDNS_RR_TYPE_SOA);
  ASSERT_TRUE(soa);
  EXPECT_EQ(section(ldns_pkt_answer(soa.get())),
            (std::set<std::string>{"mesos.\t60\tIN\tSOA\tns1.mesos. root.ns1.mesos. 1234 60 600 86400 30"}));
  auto ns = ask("mesos.", LDNS_RR_TYPE_NS);
  ASSERT_TRUE(ns);
  EXPECT_EQ(section(ldns_pkt_answer(ns.get())), (std::set<std::string>{"mesos.\t60\tIN\tNS\tns1.mesos."}));
  EXPECT_EQ(section(ldns_pkt_additional(ns.get())), (std::set<std::string>{"ns1.mesos.\t60\tIN\tA\t127.0.0.1"}));
  auto a = ask("mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(a);
  EXPECT_EQ(ldns_pkt_get_rcode(a.get()), LDNS_RCODE_NOERROR) << "the apex exists: NODATA, not NXDOMAIN";
}

TEST_F(ResponderTest, AnyReturnsEveryRecordOfTheName) {
  records_.addAddress("web.marathon.mesos.", *IpAddress::parse("fd00::9"));
  rebuild();
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_ANY);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_ancount(r.get()), 4);
}

// The Extended DNS Error (RFC 8914) in a reply's OPT record: its info-code and EXTRA-TEXT, or -1.
std::pair<int, std::string> extendedError(const ldns_pkt* p) {
  const ldns_rdf* data = ldns_pkt_edns_data(p);
  if (data == nullptr) return {-1, ""};
  const uint8_t* opt = ldns_rdf_data(data);
  const size_t size = ldns_rdf_size(data);
  for (size_t pos = 0; pos + 4 <= size;) {
    const uint16_t code = dns::get16(opt + pos);
    const uint16_t length = dns::get16(opt + pos + 2);
    if (code == dns::kOptionExtendedError && length >= 2 && pos + 4 + length <= size) {
      return {dns::get16(opt + pos + 4), std::string(reinterpret_cast<const char*>(opt + pos + 6), length - 2)};
    }
    pos += 4 + length;
  }
  return {-1, ""};
}

TEST_F(ResponderTest, ReverseNameOfATaskAddressAnswersItsPtrRecord) {
  const auto canonical = records_.refOf("web-abcde-s0.marathon.mesos.");
  ASSERT_TRUE(canonical);
  records_.setReverse({{*IpAddress::parse("10.0.0.1"), *canonical}, {*IpAddress::parse("fd00::1"), *canonical}});
  rebuild();
  auto r = ask("1.0.0.10.IN-ADDR.arpa.", LDNS_RR_TYPE_PTR);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NOERROR);
  EXPECT_EQ(section(ldns_pkt_answer(r.get())),
            (std::set<std::string>{"1.0.0.10.IN-ADDR.arpa.\t60\tIN\tPTR\tweb-abcde-s0.marathon.mesos."}));
  auto v6 = ask(reverseName(*IpAddress::parse("fd00::1")), LDNS_RR_TYPE_PTR);
  EXPECT_EQ(ldns_pkt_ancount(v6.get()), 1);
  // Other addresses, and other types of the same name, are not ours: forwarded (or REFUSED when
  // nothing forwards, as here).
  EXPECT_EQ(ldns_pkt_get_rcode(ask("2.0.0.10.in-addr.arpa.", LDNS_RR_TYPE_PTR).get()), LDNS_RCODE_REFUSED);
  EXPECT_EQ(ldns_pkt_get_rcode(ask("1.0.0.10.in-addr.arpa.", LDNS_RR_TYPE_A).get()), LDNS_RCODE_REFUSED);
  options_.forwardOutside = true;
  const auto q = wireQuery("2.0.0.10.in-addr.arpa.", LDNS_RR_TYPE_PTR);
  std::vector<uint8_t> out(512);
  EXPECT_TRUE(respondOrForward(q.data(), q.size(), Transport::kUdp, table_.get(), options_, 0, out.data()).forward);
}

TEST_F(ResponderTest, ServfailBeforeFirstRecordSetSoResolversMoveOn) {
  served_ = false;
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(extendedError(r.get()).first, -1) << "no EDNS asked, none given";
  auto e = ask("web.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 1232});
  EXPECT_EQ(ldns_pkt_get_rcode(e.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(extendedError(e.get()).first, dns::kEdeNotReady);
}

TEST_F(ResponderTest, AnswersFromStaleRecordsCarryExtendedErrorStaleAnswerWithTheAge) {
  auto fresh = ask("web.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 1232});
  EXPECT_EQ(extendedError(fresh.get()).first, -1);
  options_.staleAgeSeconds = 7300;
  for (const char* name : {"web.marathon.mesos.", "nothere.marathon.mesos."}) {
    auto r = ask(name, LDNS_RR_TYPE_A, {.edns = 1232});
    ASSERT_TRUE(r);
    const auto [code, text] = extendedError(r.get());
    EXPECT_EQ(code, dns::kEdeStaleAnswer) << name;
    EXPECT_NE(text.find("7300 s"), std::string::npos) << text;
  }
  auto withoutEdns = ask("web.marathon.mesos.", LDNS_RR_TYPE_A);
  EXPECT_EQ(ldns_pkt_ancount(withoutEdns.get()), 3);
  EXPECT_FALSE(ldns_pkt_edns(withoutEdns.get()));
}

TEST_F(ResponderTest, RefusedAskerGetsExtendedErrorProhibited) {
  const auto query = wireQuery("web.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 1232});
  std::vector<uint8_t> out(512);
  const size_t n = refuse(query.data(), query.size(), options_, out.data());
  ldns_pkt* raw = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&raw, out.data(), n), LDNS_STATUS_OK);
  Pkt r(raw);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_REFUSED);
  EXPECT_EQ(extendedError(r.get()).first, dns::kEdeProhibited);
}

TEST_F(ResponderTest, RefusesNamesOutsideTheDomain) {
  for (const char* name : {"example.com.", "notmesos.", "xmesos."}) {
    auto r = ask(name, LDNS_RR_TYPE_A);
    ASSERT_TRUE(r);
    EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_REFUSED) << name;
    EXPECT_FALSE(ldns_pkt_aa(r.get()));
  }
}

TEST_F(ResponderTest, RefusesClassesOtherThanIn) {
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A, {.qclass = LDNS_RR_CLASS_CH});
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_REFUSED);
}

TEST_F(ResponderTest, UnknownEdnsVersionGetsBadvers) {
  auto r = ask("web.marathon.mesos.", LDNS_RR_TYPE_A, {.edns = 1232, .ednsVersion = 1});
  ASSERT_TRUE(r);
  EXPECT_TRUE(ldns_pkt_edns(r.get()));
  EXPECT_EQ(ldns_pkt_edns_extended_rcode(r.get()), 1);  // BADVERS = 16: upper bits 1, header rcode 0
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), 0);
}

TEST_F(ResponderTest, MalformedQueriesGetFormerrOrNothing) {
  auto q = wireQuery("web.marathon.mesos.", LDNS_RR_TYPE_A);
  // Two questions.
  auto two = q;
  two[5] = 2;
  auto r = ask(two);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_FORMERR);
  // Trailing garbage.
  auto trailing = q;
  trailing.push_back(0xff);
  r = ask(trailing);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_FORMERR);
  // A label running past the end.
  auto cut = q;
  cut.resize(16);
  r = ask(cut);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_FORMERR);
  // A compression pointer in the question.
  auto pointer = q;
  pointer[12] = 0xC0;
  pointer[13] = 0x0C;
  r = ask(pointer);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_FORMERR);
  // Shorter than a header, or a response: no reply at all.
  EXPECT_FALSE(ask(std::vector<uint8_t>(q.begin(), q.begin() + 5)));
  auto response = q;
  response[2] |= 0x80;
  EXPECT_FALSE(ask(response));
}

TEST_F(ResponderTest, OpcodeOtherThanQueryIsNotimp) {
  auto q = wireQuery("web.marathon.mesos.", LDNS_RR_TYPE_A);
  q[2] = static_cast<uint8_t>((q[2] & 0x87) | (4 << 3));  // NOTIFY
  auto r = ask(q);
  ASSERT_TRUE(r);
  EXPECT_EQ(ldns_pkt_get_rcode(r.get()), LDNS_RCODE_NOTIMPL);
}

TEST_F(ResponderTest, HugeRRsetIsCappedToOneTcpMessage) {
  for (int i = 0; i < 10000; ++i) {
    std::array<uint8_t, 16> b{};
    b[0] = 0xfd;
    b[14] = static_cast<uint8_t>(i >> 8);
    b[15] = static_cast<uint8_t>(i);
    records_.addAddress("slave.mesos.", IpAddress::v6(b));
  }
  rebuild();
  auto r = ask("slave.mesos.", LDNS_RR_TYPE_AAAA, {.tcp = true});
  ASSERT_TRUE(r);
  EXPECT_GT(ldns_pkt_ancount(r.get()), 1000);
  EXPECT_LE(lastSize_, 65535u);
}

}  // namespace
}  // namespace mdns
