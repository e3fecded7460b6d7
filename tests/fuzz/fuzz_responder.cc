// libFuzzer target for the query path: any bytes as a UDP or TCP query against a small answer
// table, and as a zone transfer query. Every reply (and every transfer message) must be a
// well-formed DNS response (checked by parsing it with ldns).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "common/answer_table.h"
#include "common/responder.h"
#include "common/zone_transfer.h"

// After the project's headers: ldns's headers define bool macros that break <optional> under clang.
#include <ldns/ldns.h>

namespace {

const mdns::RecordSet& records() {
  static const mdns::RecordSet set = [] {
    mdns::RecordSet rs;
    for (int i = 0; i < 40; ++i) {
      rs.addAddress("web.marathon.mesos.", *mdns::IpAddress::parse("10.0.0." + std::to_string(i + 1)));
    }
    rs.addAddress("v6.marathon.mesos.", *mdns::IpAddress::parse("fd00::1"));
    rs.addAddress("web-abcde-s0.marathon.slave.mesos.", *mdns::IpAddress::parse("10.1.0.1"));
    rs.addSrv("_web._tcp.marathon.mesos.", mdns::SrvTarget{"web-abcde-s0.marathon.slave.mesos.", 31000});
    rs.addAddress("ns1.mesos.", *mdns::IpAddress::parse("127.0.0.1"));
    rs.addAddress("web ui.marathon.mesos.", *mdns::IpAddress::parse("10.2.0.1"));
    rs.finalize();
    return rs;
  }();
  return set;
}

const mdns::AnswerTable& table() {
  static const std::shared_ptr<const mdns::AnswerTable> t = mdns::AnswerTable::build(records(), mdns::ZoneOptions{});
  return *t;
}

void checkResponse(const std::vector<uint8_t>& out, size_t n) {
  if (n < 12 || n > 65535) std::abort();
  if ((out[2] & 0x80) == 0) std::abort();  // every reply is a response
  // Every reply parses with an independent DNS library (section counts, names, pointers).
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, out.data(), n) != LDNS_STATUS_OK) std::abort();
  ldns_pkt_free(pkt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::vector<uint8_t> out(65535);
  mdns::ResponderOptions options;
  options.apexWire = std::string("\x05mesos\x00", 7);
  for (const auto transport : {mdns::Transport::kUdp, mdns::Transport::kTcp}) {
    for (const mdns::AnswerTable* t : {&table(), static_cast<const mdns::AnswerTable*>(nullptr)}) {
      const size_t n = mdns::respond(data, size, transport, t, options, static_cast<uint32_t>(size), out.data());
      if (n == 0) continue;
      checkResponse(out, n);
    }
  }
  if (const auto transfer = mdns::parseTransferQuery(data, size, options.apexWire)) {
    checkResponse(out, mdns::writeErrorReply(data, transfer->query, mdns::dns::kRcodeRefused, true, out.data()));
    if (transfer->apex) {
      mdns::ZoneTransferWriter writer(records(), table().zone(), data, *transfer, true, 512);
      while (const size_t n = writer.next(out.data())) checkResponse(out, n);
    }
  }
  return 0;
}
