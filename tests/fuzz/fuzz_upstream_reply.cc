// libFuzzer target for what upstream resolvers send back: any records behind a header and
// question that match our query. The analysis must never read out of bounds, and whenever the
// upstream's message is well-formed (ldns parses it), every reply we build from it for a client
// (with and without EDNS, UDP and TCP, fresh, counted down and stale) must be well-formed too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/forward_cache.h"
#include "common/responder.h"

// After the project's headers: ldns's headers define bool macros that break <optional> under clang.
#include <ldns/ldns.h>

namespace {

const char kName[] =
    "\x03www\x07"
    "example\x04test";  // + the root label's 0 from the literal

bool parses(const uint8_t* data, size_t n) {
  ldns_pkt* pkt = nullptr;
  const bool ok = ldns_wire2pkt(&pkt, data, n) == LDNS_STATUS_OK;
  if (pkt != nullptr) ldns_pkt_free(pkt);
  return ok;
}

// Whether ldns parses the message and finds only types whose RDATA layout we check as strictly as
// ldns reads it. For other types ldns may read a name where RDLENGTH says otherwise and fall out
// of step with the record framing, which makes it no oracle for them (ASan still watches).
bool wellFormedWithKnownTypes(const uint8_t* data, size_t n) {
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, data, n) != LDNS_STATUS_OK) return false;
  bool known = true;
  for (ldns_rr_list* list : {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt), ldns_pkt_additional(pkt)}) {
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
      switch (ldns_rr_get_type(ldns_rr_list_rr(list, i))) {
        case LDNS_RR_TYPE_A:
        case LDNS_RR_TYPE_AAAA:
        case LDNS_RR_TYPE_NS:
        case LDNS_RR_TYPE_CNAME:
        case LDNS_RR_TYPE_SOA:
        case LDNS_RR_TYPE_MX:
        case LDNS_RR_TYPE_SRV:
        case LDNS_RR_TYPE_PTR:
        case LDNS_RR_TYPE_TXT:
          break;
        default:
          known = false;
      }
    }
  }
  ldns_pkt_free(pkt);
  return known;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  const std::string_view name(kName, sizeof kName);
  // Header: our ID; flags and the three section counts from the input; then our question.
  std::vector<uint8_t> msg(12);
  mdns::dns::put16(msg.data(), 0x7777);
  msg[2] = static_cast<uint8_t>((data[0] & 0x87) | 0x80);  // a response to a QUERY, other bits free
  msg[3] = data[1];
  mdns::dns::put16(msg.data() + 4, 1);
  std::memcpy(msg.data() + 6, data + 2, 6);
  msg.insert(msg.end(), name.begin(), name.end());
  msg.insert(msg.end(), {0, 1, 0, 1});
  msg.insert(msg.end(), data + 8, data + size);

  const mdns::UpstreamQuery uq{0x7777, name, 1, 1, false, false, 1232};
  if (mdns::checkUpstreamReply(msg.data(), msg.size(), uq) != mdns::ReplyCheck::kMatch) std::abort();
  const auto analyzed = mdns::analyzeUpstreamReply(msg.data(), msg.size(), mdns::CacheLimits{}, 1000);
  if (!analyzed) return 0;
  const bool upstreamWellFormed = wellFormedWithKnownTypes(msg.data(), msg.size());

  static std::vector<uint8_t> out(65536);
  for (const bool edns : {false, true}) {
    std::vector<uint8_t> query(12);
    mdns::dns::put16(query.data(), 0x1234);
    mdns::dns::put16(query.data() + 2, 0x0100);
    mdns::dns::put16(query.data() + 4, 1);
    mdns::dns::put16(query.data() + 10, edns ? 1 : 0);
    query.insert(query.end(), name.begin(), name.end());
    query.insert(query.end(), {0, 1, 0, 1});
    if (edns) query.insert(query.end(), {0, 0, 41, 0x04, 0xD0, 0, 0, 0x80, 0, 0, 0});
    mdns::dns::Query q;
    if (mdns::dns::parseQuery(query.data(), query.size(), q) != mdns::dns::ParseStatus::kOk) std::abort();
    for (const auto transport : {mdns::Transport::kUdp, mdns::Transport::kTcp}) {
      for (const int64_t now : {int64_t{1000}, int64_t{1000 + 3600 * 1000}}) {
        const mdns::ReplyOptions options{true, mdns::replySizeLimit(q, transport, mdns::dns::kMaxUdpReply)};
        const size_t n =
            mdns::writeCachedReply(analyzed->answer, query.data(), q, now, now > 1000, options, out.data());
        if (n < 12 || n > options.maxSize) std::abort();
        if (mdns::dns::get16(out.data()) != 0x1234) std::abort();
        if (upstreamWellFormed && !parses(out.data(), n)) std::abort();
      }
    }
  }
  return 0;
}
