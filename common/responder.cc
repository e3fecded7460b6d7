#include "common/responder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace mdns {
namespace {

using dns::put16;

struct ReplyWriter {
  dns::Query& q;
  const ResponderOptions& opt;
  const uint8_t* packet;
  uint8_t* out;
  size_t pos = 0;
  const dns::ExtendedError* ede = nullptr;  // sent in the OPT record, if the asker sent one

  size_t optSize() const { return q.hasEdns ? dns::kOptSize + (ede != nullptr ? ede->optionSize() : 0) : 0; }
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
    if (q.hasEdns) pos += dns::writeOpt(out + pos, dns::kOurEdnsBufferSize, rcode, q.dnssecOk, ede);
  }
  size_t simple(uint16_t rcode, bool withQuestion) {
    header(rcode, false, false, withQuestion ? 1 : 0, 0, 0, q.hasEdns ? 1 : 0);
    if (withQuestion) question();
    edns(rcode);
    return pos;
  }
};

const std::string kInAddrArpa("\7in-addr\4arpa", 14);
const std::string kIp6Arpa("\3ip6\4arpa", 10);

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
    case dns::kTypePTR:
      return e.ptr;
    default:
      return AnswerTable::kNone;
  }
}

// Replies to packets that are no well-formed query; false for a well-formed one.
bool rejectMalformed(dns::ParseStatus status, ReplyWriter& w, size_t& length) {
  switch (status) {
    case dns::ParseStatus::kDrop:
      length = 0;
      return true;
    case dns::ParseStatus::kFormErr:
      w.q.hasEdns = false;
      length = w.simple(dns::kRcodeFormErr, false);
      return true;
    case dns::ParseStatus::kNotImp:
      w.q.hasEdns = false;
      length = w.simple(dns::kRcodeNotImp, false);
      return true;
    case dns::ParseStatus::kFormErrWithQuestion:
      w.q.hasEdns = false;
      length = w.simple(dns::kRcodeFormErr, true);
      return true;
    case dns::ParseStatus::kOk:
      break;
  }
  return false;
}

// A positive answer from the table, fitted to `maxSize`.
size_t writeAnswer(ReplyWriter& w, const AnswerTable& table, const AnswerTable::Rendered& r, uint32_t rotation,
                   size_t maxSize, bool setTruncateBit) {
  const dns::Query& q = w.q;
  uint8_t* out = w.out;
  const size_t optSize = w.optSize();
  const uint16_t arOpt = q.hasEdns ? 1 : 0;
  const size_t questionSize = q.questionEnd - dns::kHeaderSize;
  const size_t fixed = dns::kHeaderSize + questionSize + optSize;
  const uint8_t* body = table.bytes(r);
  const size_t answerEnd = table.answerRrOffset(r, r.ancount);
  const size_t start = r.ancount > 1 ? table.answerRrOffset(r, rotation % r.ancount) : 0;
  auto copyAnswers = [&]() {
    std::memcpy(out + w.pos, body + start, answerEnd - start);
    w.pos += answerEnd - start;
    std::memcpy(out + w.pos, body, start);
    w.pos += start;
  };

  if (fixed + r.length <= maxSize) {
    w.header(dns::kRcodeNoError, true, false, 1, r.ancount, r.nscount, static_cast<uint16_t>(r.arcount + arOpt));
    w.question();
    copyAnswers();
    std::memcpy(out + w.pos, body + answerEnd, r.length - answerEnd);
    w.pos += r.length - answerEnd;
  } else if (fixed + r.authorityEnd <= maxSize) {
    // Leaving out additional data needs no TC bit (RFC 2181 section 9).
    w.header(dns::kRcodeNoError, true, false, 1, r.ancount, r.nscount, arOpt);
    w.question();
    copyAnswers();
    std::memcpy(out + w.pos, body + answerEnd, r.authorityEnd - answerEnd);
    w.pos += r.authorityEnd - answerEnd;
  } else {
    // The answer RRset does not fit: as many whole records of it as fit (from the rotation's
    // start, so that clients without TCP, such as musl up to 1.2.3, spread over the instances),
    // with TC when SetTruncateBit is on, so that clients with TCP ask again there (RFC 2181
    // section 9 allows it; mesos-dns does the same). Without TC it is mesos-dns's option for
    // clients that cannot use TCP.
    w.header(dns::kRcodeNoError, true, setTruncateBit, 1, 0, 0, arOpt);
    w.question();
    // The records from `first` to the end, then from the start: each run is contiguous in the
    // body, so the records that fit are found by a binary search and copied at once.
    const auto offsets = table.answerRrOffsets(r);
    const size_t first = r.ancount > 1 ? rotation % r.ancount : 0;
    size_t room = maxSize - std::min(maxSize, w.pos + optSize);
    size_t count = 0;
    auto copyRun = [&](size_t from, size_t to) {  // records [from, to) as far as they fit
      const auto end = std::upper_bound(offsets.begin() + static_cast<long>(from) + 1,
                                        offsets.begin() + static_cast<long>(to) + 1, offsets[from] + room);
      const size_t last = static_cast<size_t>(end - offsets.begin()) - 1;  // records [from, last) fit
      const size_t bytes = offsets[last] - offsets[from];
      std::memcpy(out + w.pos, body + offsets[from], bytes);
      w.pos += bytes;
      room -= bytes;
      count += last - from;
      return last == to;
    };
    if (copyRun(first, r.ancount)) copyRun(0, first);
    put16(out + 6, static_cast<uint16_t>(count));
  }
  w.edns(dns::kRcodeNoError);
  return w.pos;
}

size_t respondToQuery(dns::Query& q, const uint8_t* packet, Transport transport, const AnswerTable* table,
                      const ResponderOptions& options, uint32_t rotation, ReplyWriter& w, bool& forward) {
  uint8_t* out = w.out;
  const size_t maxSize = replySizeLimit(q, transport, options.maxUdpSize);
  if (q.hasEdns && q.ednsVersion != 0) return w.simple(dns::kRcodeBadVers, true);
  if (q.qclass != dns::kClassIN) return w.simple(dns::kRcodeRefused, true);

  uint8_t lower[256];
  dns::lowercaseWireName(packet + q.qnameOffset, q.qnameLength, lower);
  if (!inDomain(lower, q.qnameLength, options.apexWire)) {
    // A task's address asked in reverse: its PTR record (anything else there is forwarded).
    if (table != nullptr && (q.qtype == dns::kTypePTR || q.qtype == dns::kTypeANY) &&
        (inDomain(lower, q.qnameLength, kInAddrArpa) || inDomain(lower, q.qnameLength, kIp6Arpa))) {
      const auto* entry = table->find(std::string_view(reinterpret_cast<const char*>(lower), q.qnameLength));
      if (entry != nullptr && entry->ptr != AnswerTable::kNone) {
        return writeAnswer(w, *table, *table->rendered(entry->ptr), rotation, maxSize, options.setTruncateBit);
      }
    }
    if (!options.forwardOutside) return w.simple(dns::kRcodeRefused, true);
    forward = true;
    return 0;
  }
  if (table == nullptr) {
    static constexpr dns::ExtendedError kNotReady{dns::kEdeNotReady, "no record set loaded yet"};
    w.ede = &kNotReady;
    return w.simple(dns::kRcodeServFail, true);
  }
  char staleText[64];
  dns::ExtendedError stale{dns::kEdeStaleAnswer, {}};
  if (options.staleAgeSeconds > 0) {
    const int n = std::snprintf(staleText, sizeof staleText, "records last confirmed %lld s ago",
                                static_cast<long long>(options.staleAgeSeconds));
    stale.text = std::string_view(staleText, static_cast<size_t>(std::max(n, 0)));
    w.ede = &stale;
  }

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

  return writeAnswer(w, *table, *r, rotation, maxSize, options.setTruncateBit);
}

}  // namespace

size_t replySizeLimit(const dns::Query& q, Transport transport, size_t maxUdpSize) {
  if (transport == Transport::kTcp) return dns::kMaxMessage;
  const size_t most = std::clamp<size_t>(maxUdpSize, dns::kMaxUdpWithoutEdns, dns::kMaxUdpReply);
  return q.hasEdns ? std::clamp<size_t>(q.ednsUdpSize, dns::kMaxUdpWithoutEdns, most) : dns::kMaxUdpWithoutEdns;
}

size_t respond(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
               const ResponderOptions& options, uint32_t rotation, uint8_t* out) {
  return respondOrForward(packet, length, transport, table, options, rotation, out).length;
}

size_t refuse(const uint8_t* packet, size_t length, const ResponderOptions& options, uint8_t* out) {
  dns::Query q;
  ReplyWriter w{q, options, packet, out};
  size_t replyLength = 0;
  if (rejectMalformed(dns::parseQuery(packet, length, q), w, replyLength)) return replyLength;
  static constexpr dns::ExtendedError kProhibited{dns::kEdeProhibited, "asker not in allowFrom"};
  w.ede = &kProhibited;
  return w.simple(dns::kRcodeRefused, true);
}

size_t writeErrorReply(const uint8_t* packet, const dns::Query& q, uint16_t rcode, bool recursionAvailable,
                       uint8_t* out, const dns::ExtendedError* ede) {
  ResponderOptions options;
  options.recurseOn = recursionAvailable;
  dns::Query copy = q;
  ReplyWriter w{copy, options, packet, out};
  w.ede = ede;
  return w.simple(rcode, true);
}

Outcome respondOrForward(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
                         const ResponderOptions& options, uint32_t rotation, uint8_t* out) {
  Outcome outcome;
  dns::Query& q = outcome.query;
  const dns::ParseStatus status = dns::parseQuery(packet, length, q);
  ReplyWriter w{q, options, packet, out};
  if (rejectMalformed(status, w, outcome.length)) return outcome;
  outcome.length = respondToQuery(q, packet, transport, table, options, rotation, w, outcome.forward);
  return outcome;
}

}  // namespace mdns
