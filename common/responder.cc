#include "common/responder.h"

#include <algorithm>
#include <cstring>

namespace mdns {
namespace {

using dns::put16;

constexpr size_t kOptSize = 11;

struct ReplyWriter {
  const dns::Query& q;
  const ResponderOptions& opt;
  const uint8_t* packet;
  uint8_t* out;
  size_t pos = 0;

  void header(uint16_t rcode, bool aa, bool tc, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
    uint16_t flags = 0x8000;
    flags |= q.flags & 0x7800;  // opcode
    if (aa) flags |= 0x0400;
    if (tc) flags |= 0x0200;
    flags |= q.flags & 0x0100;  // RD
    if (opt.recurseOn) flags |= 0x0080;
    flags |= q.flags & 0x0010;  // CD
    flags |= rcode & 0xF;
    put16(out, q.id);
    put16(out + 2, flags);
    put16(out + 4, qd);
    put16(out + 6, an);
    put16(out + 8, ns);
    put16(out + 10, ar);
    pos = dns::kHeaderSize;
  }
  void question() {
    const size_t n = q.questionEnd - dns::kHeaderSize;
    std::memcpy(out + pos, packet + dns::kHeaderSize, n);
    pos += n;
  }
  void edns(uint16_t rcode) {
    if (!q.hasEdns) return;
    uint8_t* p = out + pos;
    p[0] = 0;  // root owner
    put16(p + 1, dns::kTypeOPT);
    put16(p + 3, dns::kOurEdnsBufferSize);
    p[5] = static_cast<uint8_t>(rcode >> 4);  // extended RCODE, upper 8 bits
    p[6] = 0;                                 // version
    p[7] = q.dnssecOk ? 0x80 : 0;             // DO echoed (RFC 3225)
    p[8] = 0;
    put16(p + 9, 0);
    pos += kOptSize;
  }
  size_t simple(uint16_t rcode, bool withQuestion) {
    header(rcode, false, false, withQuestion ? 1 : 0, 0, 0, q.hasEdns ? 1 : 0);
    if (withQuestion) question();
    edns(rcode);
    return pos;
  }
};

bool inDomain(const uint8_t* name, size_t length, const std::string& apex) {
  if (length < apex.size() || std::memcmp(name + length - apex.size(), apex.data(), apex.size()) != 0) return false;
  // The match must start at a label boundary.
  size_t pos = 0;
  while (pos < length - apex.size()) pos += 1 + name[pos];
  return pos == length - apex.size();
}

uint32_t pick(const AnswerTable::NameEntry& e, uint16_t qtype) {
  switch (qtype) {
    case dns::kTypeA:
      return e.a;
    case dns::kTypeAAAA:
      return e.aaaa;
    case dns::kTypeSRV:
      return e.srv;
    case dns::kTypeANY:
      return e.any;
    case dns::kTypeSOA:
      return e.soa;
    case dns::kTypeNS:
      return e.ns;
    default:
      return AnswerTable::kNone;
  }
}

}  // namespace

size_t respond(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
               const ResponderOptions& options, uint32_t rotation, uint8_t* out) {
  dns::Query q;
  const dns::ParseStatus status = dns::parseQuery(packet, length, q);
  ReplyWriter w{q, options, packet, out};
  switch (status) {
    case dns::ParseStatus::kDrop:
      return 0;
    case dns::ParseStatus::kFormErr:
      q.hasEdns = false;
      return w.simple(dns::kRcodeFormErr, false);
    case dns::ParseStatus::kNotImp:
      q.hasEdns = false;
      return w.simple(dns::kRcodeNotImp, false);
    case dns::ParseStatus::kFormErrWithQuestion:
      q.hasEdns = false;
      return w.simple(dns::kRcodeFormErr, true);
    case dns::ParseStatus::kOk:
      break;
  }
  size_t maxSize = dns::kMaxMessage;
  if (transport == Transport::kUdp) {
    maxSize = q.hasEdns ? std::clamp<size_t>(q.ednsUdpSize, dns::kMaxUdpWithoutEdns, dns::kMaxUdpReply)
                        : dns::kMaxUdpWithoutEdns;
  }
  if (q.hasEdns && q.ednsVersion != 0) return w.simple(dns::kRcodeBadVers, true);
  if (q.qclass != dns::kClassIN) return w.simple(dns::kRcodeRefused, true);

  uint8_t lower[256];
  dns::lowercaseWireName(packet + q.qnameOffset, q.qnameLength, lower);
  if (!inDomain(lower, q.qnameLength, options.apexWire)) return w.simple(dns::kRcodeRefused, true);
  if (table == nullptr) return w.simple(dns::kRcodeServFail, true);

  const size_t optSize = q.hasEdns ? kOptSize : 0;
  const uint16_t arOpt = q.hasEdns ? 1 : 0;
  const auto* entry = table->find(std::string_view(reinterpret_cast<const char*>(lower), q.qnameLength));
  const AnswerTable::Rendered* r = entry == nullptr ? nullptr : table->rendered(pick(*entry, q.qtype));
  if (r == nullptr) {
    // NXDOMAIN for a name that does not exist, NODATA for one that has no record of this type;
    // both with the zone's SOA in the authority section (RFC 2308).
    const uint16_t rcode = entry == nullptr ? dns::kRcodeNXDomain : dns::kRcodeNoError;
    w.header(rcode, true, false, 1, 0, 1, arOpt);
    w.question();
    const size_t apexOffset = dns::kHeaderSize + q.qnameLength - options.apexWire.size();
    put16(out + w.pos, static_cast<uint16_t>(0xC000 | apexOffset));
    w.pos += 2;
    const auto tail = table->negativeSoaTail();
    std::memcpy(out + w.pos, tail.data(), tail.size());
    w.pos += tail.size();
    w.edns(rcode);
    return w.pos;
  }

  const size_t questionSize = q.questionEnd - dns::kHeaderSize;
  const size_t fixed = dns::kHeaderSize + questionSize + optSize;
  const uint8_t* body = table->bytes(*r);
  const size_t answerEnd = table->answerRrOffset(*r, r->ancount);
  const size_t start = r->ancount > 1 ? table->answerRrOffset(*r, rotation % r->ancount) : 0;
  auto copyAnswers = [&]() {
    std::memcpy(out + w.pos, body + start, answerEnd - start);
    w.pos += answerEnd - start;
    std::memcpy(out + w.pos, body, start);
    w.pos += start;
  };

  if (fixed + r->length <= maxSize) {
    w.header(dns::kRcodeNoError, true, false, 1, r->ancount, r->nscount, static_cast<uint16_t>(r->arcount + arOpt));
    w.question();
    copyAnswers();
    std::memcpy(out + w.pos, body + answerEnd, r->length - answerEnd);
    w.pos += r->length - answerEnd;
  } else if (fixed + r->authorityEnd <= maxSize) {
    // Leaving out additional data needs no TC bit (RFC 2181 section 9).
    w.header(dns::kRcodeNoError, true, false, 1, r->ancount, r->nscount, arOpt);
    w.question();
    copyAnswers();
    std::memcpy(out + w.pos, body + answerEnd, r->authorityEnd - answerEnd);
    w.pos += r->authorityEnd - answerEnd;
  } else if (options.setTruncateBit) {
    // The answer RRset does not fit: send none of it, with TC, so the client asks over TCP
    // (RFC 2181 section 9: never a partial RRset that looks complete).
    w.header(dns::kRcodeNoError, true, true, 1, 0, 0, arOpt);
    w.question();
  } else {
    // SetTruncateBit false (mesos-dns's option for clients without TCP): as many whole answer
    // RRs as fit, without TC.
    w.header(dns::kRcodeNoError, true, false, 1, 0, 0, arOpt);
    w.question();
    uint16_t count = 0;
    const size_t first = r->ancount > 1 ? rotation % r->ancount : 0;
    for (size_t i = 0; i < r->ancount; ++i) {
      const size_t idx = (first + i) % r->ancount;
      const size_t from = table->answerRrOffset(*r, idx);
      const size_t to = table->answerRrOffset(*r, idx + 1);
      if (w.pos + (to - from) + optSize > maxSize) break;
      std::memcpy(out + w.pos, body + from, to - from);
      w.pos += to - from;
      ++count;
    }
    put16(out + 6, count);
  }
  w.edns(dns::kRcodeNoError);
  return w.pos;
}

}  // namespace mdns
