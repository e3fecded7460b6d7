// The forwarder's pure half: upstream queries, reply checks, cache lifetimes (RFC 2308), TTL
// count-down, serve-stale and LRU. Upstream replies are built and our replies parsed with ldns.
#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/forward_cache.h"
#include "common/responder.h"
#include "tests/unit/ldns_util.h"

namespace mdns {
namespace {

using testing_ldns::Pkt;
using testing_ldns::section;
using testing_ldns::toWire;

Pkt parse(const uint8_t* data, size_t n) {
  ldns_pkt* p = nullptr;
  EXPECT_EQ(ldns_wire2pkt(&p, data, n), LDNS_STATUS_OK) << "does not parse";
  return Pkt(p);
}

void addRr(ldns_pkt* pkt, ldns_pkt_section section, const std::string& text) {
  ldns_rr* rr = nullptr;
  ASSERT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << text;
  ldns_pkt_push_rr(pkt, section, rr);
}

// A client's query as it arrives, parsed the way the DNS server parses it.
struct ClientQuery {
  std::vector<uint8_t> wire;
  dns::Query q;

  ClientQuery(const std::string& name, ldns_rr_type type, uint16_t edns = 0, bool dnssecOk = false,
              uint16_t id = 0x1234) {
    ldns_pkt* pkt = nullptr;
    EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
    ldns_pkt_set_id(pkt, id);
    if (edns != 0) {
      ldns_pkt_set_edns_udp_size(pkt, edns);
      ldns_pkt_set_edns_do(pkt, dnssecOk);
    }
    wire = toWire(pkt);
    ldns_pkt_free(pkt);
    EXPECT_EQ(dns::parseQuery(wire.data(), wire.size(), q), dns::ParseStatus::kOk);
  }
};

// An upstream's reply to `name`/`type` with the given records ("section|rr text").
std::vector<uint8_t> upstreamReply(const std::string& name, ldns_rr_type type, ldns_pkt_rcode rcode,
                                   const std::vector<std::pair<ldns_pkt_section, std::string>>& rrs,
                                   uint16_t id = 0x7777, uint16_t edns = 1232) {
  ldns_pkt* pkt = nullptr;
  EXPECT_EQ(ldns_pkt_query_new_frm_str(&pkt, name.c_str(), type, LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
  ldns_pkt_set_id(pkt, id);
  ldns_pkt_set_qr(pkt, true);
  ldns_pkt_set_ra(pkt, true);
  ldns_pkt_set_aa(pkt, true);
  ldns_pkt_set_rcode(pkt, rcode);
  for (const auto& [sec, text] : rrs) addRr(pkt, sec, text);
  if (edns != 0) ldns_pkt_set_edns_udp_size(pkt, edns);
  auto wire = toWire(pkt);
  ldns_pkt_free(pkt);
  return wire;
}

const std::pair<ldns_pkt_section, std::string> kSoa{
    LDNS_SECTION_AUTHORITY, "example.test. 120 IN SOA ns1.example.test. root.example.test. 1 3600 600 86400 60"};

CachedAnswer analyze(const std::vector<uint8_t>& wire, CacheLimits limits = {}, int64_t now = 1000) {
  auto a = analyzeUpstreamReply(wire.data(), wire.size(), limits, now);
  EXPECT_TRUE(a.has_value());
  return a ? a->answer : CachedAnswer{};
}

Pkt reply(const CachedAnswer& answer, const ClientQuery& c, int64_t now, bool stale = false,
          size_t maxSize = dns::kMaxMessage) {
  std::vector<uint8_t> out(65536);
  const size_t n = writeCachedReply(answer, c.wire.data(), c.q, now, stale, ReplyOptions{true, maxSize}, out.data());
  return parse(out.data(), n);
}

TEST(UpstreamQuery, AsksWithRecursionDesiredOurIdAndTheClientsEdnsAndDoBit) {
  const std::string name(
      "\x03www\x07"
      "example\x04test\x00",
      18);
  UpstreamQuery uq{0xBEEF, name, dns::kTypeAAAA, dns::kClassIN, false, true, 1400};
  uint8_t out[512];
  const size_t n = buildUpstreamQuery(uq, out);
  auto p = parse(out, n);
  EXPECT_EQ(ldns_pkt_id(p.get()), 0xBEEF);
  EXPECT_TRUE(ldns_pkt_rd(p.get()));
  EXPECT_FALSE(ldns_pkt_qr(p.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(p.get()), 1400);
  EXPECT_TRUE(ldns_pkt_edns_do(p.get()));
  EXPECT_EQ(section(ldns_pkt_question(p.get())), (std::set<std::string>{"www.example.test.\tIN\tAAAA"}));

  uq.ednsSize = 0;
  auto plain = parse(out, buildUpstreamQuery(uq, out));
  EXPECT_FALSE(ldns_pkt_edns(plain.get()));
}

TEST(UpstreamReplyCheck, OnlyAReplyWithOurIdAndQuestionIsAccepted) {
  const std::string name(
      "\x03www\x07"
      "example\x04test\x00",
      18);
  const UpstreamQuery uq{0x7777, name, dns::kTypeA, dns::kClassIN, false, false, 1232};
  const auto good = upstreamReply("www.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {});
  EXPECT_EQ(checkUpstreamReply(good.data(), good.size(), uq), ReplyCheck::kMatch);
  const auto upper = upstreamReply("WWW.Example.TEST.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {});
  EXPECT_EQ(checkUpstreamReply(upper.data(), upper.size(), uq), ReplyCheck::kMatch);
  const auto wrongId = upstreamReply("www.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {}, 0x7778);
  EXPECT_EQ(checkUpstreamReply(wrongId.data(), wrongId.size(), uq), ReplyCheck::kMismatch);
  const auto otherName = upstreamReply("www.example.tesu.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {});
  EXPECT_EQ(checkUpstreamReply(otherName.data(), otherName.size(), uq), ReplyCheck::kMismatch);
  const auto otherType = upstreamReply("www.example.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, {});
  EXPECT_EQ(checkUpstreamReply(otherType.data(), otherType.size(), uq), ReplyCheck::kMismatch);
  auto notResponse = good;
  notResponse[2] &= 0x7F;
  EXPECT_EQ(checkUpstreamReply(notResponse.data(), notResponse.size(), uq), ReplyCheck::kMismatch);
  EXPECT_EQ(checkUpstreamReply(good.data(), 20, uq), ReplyCheck::kMismatch);
}

TEST(UpstreamReply, PositiveAnswerLivesForItsSmallestAnswerTtlCappedByCacheMaxTtl) {
  const auto wire = upstreamReply("www.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                                  {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.10"},
                                   {LDNS_SECTION_ANSWER, "www.example.test. 200 IN A 192.0.2.11"},
                                   {LDNS_SECTION_AUTHORITY, "example.test. 86400 IN NS ns1.example.test."}});
  EXPECT_EQ(analyze(wire).cacheTtl, 200u);
  CacheLimits limits;
  limits.maxTtl = 100;
  const auto capped = analyze(wire, limits);
  EXPECT_EQ(capped.cacheTtl, 100u);
  // Every TTL handed out is capped too.
  auto p = reply(capped, ClientQuery("www.example.test.", LDNS_RR_TYPE_A), 1000);
  for (auto* list : {ldns_pkt_answer(p.get()), ldns_pkt_authority(p.get())}) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) EXPECT_LE(ldns_rr_ttl(ldns_rr_list_rr(list, i)), 100u);
  }
}

TEST(UpstreamReply, NxdomainLivesForTheSoaNegativeTtlCappedByCacheMaxNegativeTtl) {
  const auto wire = upstreamReply("nope.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, {kSoa});
  const auto a = analyze(wire);
  EXPECT_TRUE(a.negative);
  EXPECT_EQ(a.cacheTtl, 60u);  // min(SOA TTL 120, MINIMUM 60)
  auto p = reply(a, ClientQuery("nope.example.test.", LDNS_RR_TYPE_A), 1000);
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NXDOMAIN);
  ASSERT_EQ(ldns_rr_list_rr_count(ldns_pkt_authority(p.get())), 1u);
  EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p.get()), 0)), 60u);

  CacheLimits limits;
  limits.maxNegativeTtl = 5;
  EXPECT_EQ(analyze(wire, limits).cacheTtl, 5u);
}

TEST(UpstreamReply, NodataIsCachedLikeNxdomainButNotWithoutSoa) {
  const auto nodata = upstreamReply("www.example.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, {kSoa});
  EXPECT_EQ(analyze(nodata).cacheTtl, 60u);
  const auto referral = upstreamReply("www.example.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR,
                                      {{LDNS_SECTION_AUTHORITY, "example.test. 300 IN NS ns1.example.test."}});
  EXPECT_EQ(analyze(referral).cacheTtl, 0u);
}

TEST(UpstreamReply, ServfailRefusedAndTruncatedRepliesAreNotCached) {
  EXPECT_EQ(analyze(upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, {})).cacheTtl, 0u);
  EXPECT_EQ(analyze(upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_REFUSED, {})).cacheTtl, 0u);
  auto tc =
      upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {{LDNS_SECTION_ANSWER, "a.test. 60 IN A 1.2.3.4"}});
  tc[2] |= 0x02;
  auto analyzed = analyzeUpstreamReply(tc.data(), tc.size(), {}, 0);
  ASSERT_TRUE(analyzed);
  EXPECT_TRUE(analyzed->truncated);
  EXPECT_EQ(analyzed->answer.cacheTtl, 0u);
}

TEST(UpstreamReply, OptRecordIsDroppedAndExtendedRcodesRejected) {
  const auto wire =
      upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {{LDNS_SECTION_ANSWER, "a.test. 60 IN A 1.2.3.4"}});
  const auto a = analyze(wire);
  auto noEdns = reply(a, ClientQuery("a.test.", LDNS_RR_TYPE_A), 1000);
  EXPECT_FALSE(ldns_pkt_edns(noEdns.get()));
  EXPECT_EQ(ldns_pkt_arcount(noEdns.get()), 0);
  // Extended RCODE bits in the OPT record's TTL (e.g. BADVERS): not relayed.
  auto badvers = wire;
  badvers[badvers.size() - 11 + 5] = 1;
  EXPECT_FALSE(analyzeUpstreamReply(badvers.data(), badvers.size(), {}, 0));
}

TEST(UpstreamReply, MalformedRepliesAreRejected) {
  const auto wire = upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                                  {{LDNS_SECTION_ANSWER, "a.test. 60 IN A 1.2.3.4"}}, 0x7777, 0);
  for (size_t cut = 12; cut < wire.size(); ++cut) {
    EXPECT_FALSE(analyzeUpstreamReply(wire.data(), cut, {}, 0)) << "cut at " << cut;
  }
  auto forward = wire;
  const size_t owner = 12 + 8 + 4;  // "\x01a\x04test\x00" + type/class: the answer's owner
  forward[owner] = 0xC0;
  forward[owner + 1] = 0x40;  // points past itself
  EXPECT_FALSE(analyzeUpstreamReply(forward.data(), forward.size(), {}, 0));
  // An NS record whose name ends before its RDLENGTH does (found by fuzzing: lenient parsers
  // then misread every later record).
  const auto ns = upstreamReply("a.test.", LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR,
                                {{LDNS_SECTION_ANSWER, "a.test. 60 IN NS ns.a.test."}}, 0x7777, 0);
  ASSERT_TRUE(analyzeUpstreamReply(ns.data(), ns.size(), {}, 0));
  // The last record's RDLENGTH sits just before its RDATA, which ends the message.
  size_t rdlenAt = ns.size() - 2;
  while (dns::get16(ns.data() + rdlenAt) != ns.size() - rdlenAt - 2) --rdlenAt;
  auto shortName = ns;
  shortName.push_back(0);    // one byte more in the message...
  ++shortName[rdlenAt + 1];  // ...and in RDLENGTH
  EXPECT_FALSE(analyzeUpstreamReply(shortName.data(), shortName.size(), {}, 0));
  auto moreRecords = wire;
  moreRecords[7] = 2;  // ANCOUNT says 2, one is there
  EXPECT_FALSE(analyzeUpstreamReply(moreRecords.data(), moreRecords.size(), {}, 0));
}

TEST(CachedReply, CarriesTheClientsIdFlagsAndLetterCaseAndCountsTtlDown) {
  const auto a = analyze(upstreamReply("www.example.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                                       {{LDNS_SECTION_ANSWER, "www.example.test. 300 IN A 192.0.2.10"}}),
                         {}, 1000);
  ClientQuery c("WwW.ExAmple.test.", LDNS_RR_TYPE_A, 0, false, 0x4321);
  auto p = reply(a, c, 1000 + 5999);  // 5.999 s later: 5 whole seconds
  EXPECT_EQ(ldns_pkt_id(p.get()), 0x4321);
  EXPECT_TRUE(ldns_pkt_qr(p.get()));
  EXPECT_TRUE(ldns_pkt_rd(p.get()));
  EXPECT_TRUE(ldns_pkt_ra(p.get()));
  EXPECT_FALSE(ldns_pkt_aa(p.get()));  // not authoritative: it came from elsewhere
  EXPECT_EQ(section(ldns_pkt_question(p.get())), (std::set<std::string>{"WwW.ExAmple.test.\tIN\tA"}));
  EXPECT_EQ(section(ldns_pkt_answer(p.get())), (std::set<std::string>{"WwW.ExAmple.test.\t295\tIN\tA\t192.0.2.10"}));
  auto later = reply(a, c, 1000 + 400000);
  EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(later.get()), 0)), 0u);  // never negative
}

TEST(CachedReply, StaleAnswerCarriesTtl30) {
  const auto a = analyze(
      upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {{LDNS_SECTION_ANSWER, "a.test. 60 IN A 1.2.3.4"}}));
  auto p = reply(a, ClientQuery("a.test.", LDNS_RR_TYPE_A), 1000 + 3600000, true);
  EXPECT_EQ(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p.get()), 0)), kStaleTtl);
}

TEST(CachedReply, TooBigForTheClientsUdpSizeCarriesTheWholeRecordsThatFitWithTc) {
  std::vector<std::pair<ldns_pkt_section, std::string>> rrs;
  for (int i = 0; i < 60; ++i) rrs.push_back({LDNS_SECTION_ANSWER, "big.test. 60 IN A 10.0.0." + std::to_string(i)});
  rrs.push_back({LDNS_SECTION_AUTHORITY, "test. 60 IN NS ns.test."});
  rrs.push_back({LDNS_SECTION_ADDITIONAL, "ns.test. 60 IN A 10.9.9.9"});
  const auto a = analyze(upstreamReply("big.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 1, 4096));
  ClientQuery plain("big.test.", LDNS_RR_TYPE_A);
  std::vector<uint8_t> out(65536);
  const size_t n =
      writeCachedReply(a, plain.wire.data(), plain.q, 1000, false,
                       ReplyOptions{true, replySizeLimit(plain.q, Transport::kUdp, dns::kMaxUdpReply)}, out.data());
  EXPECT_LE(n, 512u);
  auto p = parse(out.data(), n);
  // A client without TCP (musl) still gets addresses; one with TCP sees TC and asks there.
  EXPECT_TRUE(ldns_pkt_tc(p.get()));
  EXPECT_EQ(ldns_pkt_ancount(p.get()), (512 - 12 - 14) / 16);
  EXPECT_EQ(ldns_pkt_nscount(p.get()), 0);
  EXPECT_EQ(ldns_pkt_arcount(p.get()), 0);
  // SetTruncateBit false: the same records, no TC.
  const size_t quiet = writeCachedReply(
      a, plain.wire.data(), plain.q, 1000, false,
      ReplyOptions{true, replySizeLimit(plain.q, Transport::kUdp, dns::kMaxUdpReply), false}, out.data());
  auto q = parse(out.data(), quiet);
  EXPECT_FALSE(ldns_pkt_tc(q.get()));
  EXPECT_EQ(ldns_pkt_ancount(q.get()), ldns_pkt_ancount(p.get()));
  // The same over TCP, or to a client offering 4096 bytes: everything.
  EXPECT_EQ(ldns_pkt_ancount(reply(a, plain, 1000).get()), 60);
  ClientQuery large("big.test.", LDNS_RR_TYPE_A, 4096);
  auto big = reply(a, large, 1000, false, replySizeLimit(large.q, Transport::kUdp, dns::kMaxUdpReply));
  EXPECT_FALSE(ldns_pkt_tc(big.get()));
  EXPECT_EQ(ldns_pkt_ancount(big.get()), 60);
  EXPECT_EQ(ldns_pkt_arcount(big.get()), 1);
  EXPECT_EQ(ldns_pkt_edns_udp_size(big.get()), dns::kOurEdnsBufferSize);
  // Capped at the default maxUdpSize whatever the client offers.
  auto capped = reply(a, large, 1000, false, replySizeLimit(large.q, Transport::kUdp, dns::kDefaultMaxUdpReply));
  EXPECT_EQ(ldns_pkt_ancount(capped.get()), 60);
}

TEST(CachedReply, WithoutRoomForTheAdditionalSectionDropsItWithoutTc) {
  std::vector<std::pair<ldns_pkt_section, std::string>> rrs;
  for (int i = 0; i < 29; ++i) rrs.push_back({LDNS_SECTION_ANSWER, "big.test. 60 IN A 10.0.0." + std::to_string(i)});
  for (int i = 0; i < 5; ++i) rrs.push_back({LDNS_SECTION_ADDITIONAL, "ns.test. 60 IN A 10.9.9." + std::to_string(i)});
  const auto a = analyze(upstreamReply("big.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs, 1, 4096));
  auto p = reply(a, ClientQuery("big.test.", LDNS_RR_TYPE_A), 1000, false, 512);
  EXPECT_FALSE(ldns_pkt_tc(p.get()));
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 29);
  EXPECT_EQ(ldns_pkt_arcount(p.get()), 0);
}

TEST(CachedReply, StaleAnswerToEdnsAskerCarriesExtendedErrorStaleAnswer) {
  const auto a = analyze(
      upstreamReply("a.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, {{LDNS_SECTION_ANSWER, "a.test. 60 IN A 1.2.3.4"}}));
  ClientQuery c("a.test.", LDNS_RR_TYPE_A, 1232);
  std::vector<uint8_t> out(65536);
  const size_t n = writeCachedReply(a, c.wire.data(), c.q, 1000 + 3600000, true, ReplyOptions{}, out.data());
  auto p = parse(out.data(), n);
  ldns_rdf* data = ldns_pkt_edns_data(p.get());
  ASSERT_NE(data, nullptr);
  const uint8_t* opt = ldns_rdf_data(data);
  ASSERT_GE(ldns_rdf_size(data), 6u);
  EXPECT_EQ(dns::get16(opt), dns::kOptionExtendedError);
  EXPECT_EQ(dns::get16(opt + 4), dns::kEdeStaleAnswer);
  // Not to an asker without EDNS, and not on a fresh answer.
  ClientQuery plain("a.test.", LDNS_RR_TYPE_A);
  EXPECT_EQ(ldns_pkt_edns_data(reply(a, plain, 1000 + 3600000, true).get()), nullptr);
  EXPECT_EQ(ldns_pkt_edns_data(reply(a, c, 1000).get()), nullptr);
}

class ForwardCacheTest : public ::testing::Test {
 protected:
  CachedAnswer answerFor(const std::string& name, uint32_t ttl, int64_t now) {
    return analyze(upstreamReply(name, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
                                 {{LDNS_SECTION_ANSWER, name + " " + std::to_string(ttl) + " IN A 192.0.2.1"}}),
                   limits_, now);
  }
  ForwardCache::Lookup look(ForwardCache& cache, const std::string& name, int64_t now, bool allowStale = false,
                            bool dnssecOk = false) {
    ClientQuery c(name, LDNS_RR_TYPE_A, dnssecOk ? 1232 : 0, dnssecOk);
    std::vector<uint8_t> out(65536);
    size_t n = 0;
    const auto result = cache.answer(CacheKey(c.wire.data(), c.q), c.wire.data(), c.q, now, allowStale,
                                     ReplyOptions{true, dns::kMaxMessage}, out.data(), n);
    if (result != ForwardCache::Lookup::kMiss)
      lastTtl_ = ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(parse(out.data(), n).get()), 0));
    return result;
  }
  void put(ForwardCache& cache, const std::string& name, uint32_t ttl, int64_t now) {
    ClientQuery c(name, LDNS_RR_TYPE_A);
    cache.insert(CacheKey(c.wire.data(), c.q).view(), answerFor(name, ttl, now));
  }
  CacheLimits limits_;
  uint32_t lastTtl_ = 0;
};

TEST_F(ForwardCacheTest, FreshUntilTtlThenStaleOnlyWhenAskedForThenGone) {
  limits_.staleMaxSeconds = 100;
  ForwardCache cache(limits_);
  put(cache, "a.test.", 10, 0);
  EXPECT_EQ(look(cache, "A.TEST.", 9999), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(lastTtl_, 1u);
  EXPECT_EQ(look(cache, "a.test.", 10000), ForwardCache::Lookup::kMiss);
  EXPECT_EQ(look(cache, "a.test.", 10000, true), ForwardCache::Lookup::kStale);
  EXPECT_EQ(lastTtl_, kStaleTtl);
  EXPECT_EQ(look(cache, "a.test.", 109999, true), ForwardCache::Lookup::kStale);
  EXPECT_EQ(look(cache, "a.test.", 110000, true), ForwardCache::Lookup::kMiss);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.staleAnswers, 2u);
  EXPECT_EQ(stats.entries, 0u);  // dropped once past serve-stale
}

TEST_F(ForwardCacheTest, DnssecOkQueriesDoNotShareAnswersWithPlainOnes) {
  ForwardCache cache(limits_);
  put(cache, "a.test.", 60, 0);
  EXPECT_EQ(look(cache, "a.test.", 1), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(look(cache, "a.test.", 1, false, true), ForwardCache::Lookup::kMiss);
}

TEST_F(ForwardCacheTest, EvictsTheLeastRecentlyUsedBeyondCacheSize) {
  limits_.maxEntries = 3;
  ForwardCache cache(limits_, 1);
  put(cache, "a.test.", 60, 0);
  put(cache, "b.test.", 60, 0);
  put(cache, "c.test.", 60, 0);
  EXPECT_EQ(look(cache, "a.test.", 1), ForwardCache::Lookup::kFresh);  // a is now the most recent
  put(cache, "d.test.", 60, 0);                                        // evicts b
  EXPECT_EQ(look(cache, "b.test.", 1), ForwardCache::Lookup::kMiss);
  EXPECT_EQ(look(cache, "a.test.", 1), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(look(cache, "c.test.", 1), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(look(cache, "d.test.", 1), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST_F(ForwardCacheTest, ManyShardsStillBoundTheTotalExactly) {
  limits_.maxEntries = 70;  // not a multiple of the shard count
  ForwardCache cache(limits_, 16);
  for (int i = 0; i < 1000; ++i) put(cache, "n" + std::to_string(i) + ".test.", 60, 0);
  EXPECT_LE(cache.stats().entries, 70u);
  EXPECT_GE(cache.stats().entries, 60u);  // each shard full, give or take the hash's spread
  EXPECT_EQ(cache.stats().entries + cache.stats().evictions, 1000u);
}

TEST_F(ForwardCacheTest, SmallCacheIsOneExactLru) {
  limits_.maxEntries = 4;
  ForwardCache cache(limits_);
  for (int i = 0; i < 40; ++i) put(cache, "n" + std::to_string(i) + ".test.", 60, 0);
  EXPECT_EQ(cache.stats().entries, 4u);
  for (int i = 36; i < 40; ++i)
    EXPECT_EQ(look(cache, "n" + std::to_string(i) + ".test.", 1), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(look(cache, "n35.test.", 1), ForwardCache::Lookup::kMiss);
}

TEST_F(ForwardCacheTest, NewAnswerReplacesTheOldOne) {
  ForwardCache cache(limits_);
  put(cache, "a.test.", 10, 0);
  put(cache, "a.test.", 100, 20000);
  EXPECT_EQ(look(cache, "a.test.", 30000), ForwardCache::Lookup::kFresh);
  EXPECT_EQ(lastTtl_, 90u);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST_F(ForwardCacheTest, CacheSizeZeroCachesNothing) {
  limits_.maxEntries = 0;
  ForwardCache cache(limits_);
  put(cache, "a.test.", 60, 0);
  EXPECT_EQ(look(cache, "a.test.", 1), ForwardCache::Lookup::kMiss);
}

}  // namespace
}  // namespace mdns
