#include "common/zone_transfer.h"

#include <algorithm>
#include <cstring>

namespace mdns {
namespace {

using dns::get16;
using dns::put16;
using dns::put32;

constexpr size_t kRrFixed = 10;          // type, class, TTL, RDLENGTH
constexpr uint16_t kPointable = 0x4000;  // compression pointers hold 14 bits

// Skips a possibly compressed name; false when it runs past the packet or has a bad label.
bool skipName(const uint8_t* p, size_t length, size_t& pos) {
  for (;;) {
    if (pos >= length) return false;
    const uint8_t n = p[pos];
    if (n == 0) {
      ++pos;
      return true;
    }
    if ((n & 0xC0) == 0xC0) {
      if (pos + 2 > length) return false;
      pos += 2;
      return true;
    }
    if (n > 63) return false;
    pos += 1 + n;
  }
}

bool isInDomain(const uint8_t* name, size_t length, std::string_view apex) {
  if (length < apex.size() || std::memcmp(name + length - apex.size(), apex.data(), apex.size()) != 0) return false;
  size_t pos = 0;  // the match must start at a label boundary
  while (pos < length - apex.size()) pos += 1 + name[pos];
  return pos == length - apex.size();
}

// Wire form of a dotted name known to be encodable (the record set checks its names).
size_t writeWireName(std::string_view dotted, uint8_t* out) {
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  size_t pos = 0;
  while (!dotted.empty()) {
    const size_t dot = std::min(dotted.find('.'), dotted.size());
    out[pos++] = static_cast<uint8_t>(dot);
    std::memcpy(out + pos, dotted.data(), dot);
    pos += dot;
    dotted.remove_prefix(std::min(dot + 1, dotted.size()));
  }
  out[pos++] = 0;
  return pos;
}

size_t wireNameSize(std::string_view dotted) {
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  return dotted.empty() ? 1 : dotted.size() + 2;
}

std::string wire(std::string_view dotted) { return dns::toWireName(dotted).value_or(std::string(1, '\0')); }

// Start offsets of the labels of an uncompressed wire name; returns how many.
size_t labelStarts(std::string_view wire, size_t* starts) {
  size_t n = 0;
  for (size_t i = 0; i < wire.size() && wire[i] != 0; i += 1 + static_cast<uint8_t>(wire[i])) starts[n++] = i;
  return n;
}

// The question at the header's end (an uncompressed name, type, class) into `q`; false when it
// runs past the packet or has a bad label.
bool readQuestion(const uint8_t* p, size_t length, dns::Query& q) {
  size_t pos = dns::kHeaderSize;
  while (pos < length && p[pos] != 0) {
    if (p[pos] > 63) return false;
    pos += 1 + p[pos];
  }
  ++pos;
  q.qnameLength = pos - dns::kHeaderSize;
  if (q.qnameLength > 255 || pos + 4 > length) return false;
  q.qtype = get16(p + pos);
  q.qclass = get16(p + pos + 2);
  q.questionEnd = pos + 4;
  return true;
}

}  // namespace

std::optional<TransferQuery> parseTransferQuery(const uint8_t* p, size_t length, std::string_view apexWire) {
  if (length < dns::kHeaderSize) return std::nullopt;
  TransferQuery t;
  dns::Query& q = t.query;
  q.id = get16(p);
  q.flags = get16(p + 2);
  if ((q.flags & 0x8000) != 0 || q.opcode() != 0 || get16(p + 4) != 1 || get16(p + 6) != 0) return std::nullopt;
  const uint16_t nscount = get16(p + 8);
  const uint16_t arcount = get16(p + 10);
  if (!readQuestion(p, length, q)) return std::nullopt;
  if (q.qtype != dns::kTypeAXFR && q.qtype != dns::kTypeIXFR) return std::nullopt;
  t.ixfr = q.qtype == dns::kTypeIXFR;
  // An IXFR carries the asker's SOA in the authority section (RFC 1995 section 3).
  if (nscount > (t.ixfr ? 1 : 0)) return std::nullopt;
  size_t pos = q.questionEnd;
  for (uint16_t i = 0; i < nscount; ++i) {
    if (!skipName(p, length, pos) || pos + kRrFixed > length) return std::nullopt;
    const uint16_t type = get16(p + pos);
    const size_t rdataEnd = pos + kRrFixed + get16(p + pos + 8);
    if (rdataEnd > length) return std::nullopt;
    size_t r = pos + kRrFixed;
    if (type == dns::kTypeSOA && skipName(p, rdataEnd, r) && skipName(p, rdataEnd, r) && r + 20 == rdataEnd) {
      t.askerSerial = (static_cast<uint32_t>(get16(p + r)) << 16) | get16(p + r + 2);
    }
    pos = rdataEnd;
  }
  for (uint16_t i = 0; i < arcount; ++i) {  // one OPT record at most (RFC 6891), nothing else
    if (pos + 11 > length || p[pos] != 0 || get16(p + pos + 1) != dns::kTypeOPT || q.hasEdns) return std::nullopt;
    q.hasEdns = true;
    q.ednsUdpSize = get16(p + pos + 3);
    q.ednsVersion = p[pos + 6];
    q.dnssecOk = (p[pos + 7] & 0x80) != 0;
    pos += 11 + get16(p + pos + 9);
  }
  if (pos != length) return std::nullopt;

  uint8_t lower[256];
  dns::lowercaseWireName(p + q.qnameOffset, q.qnameLength, lower);
  if (!isInDomain(lower, q.qnameLength, apexWire)) return std::nullopt;
  t.apex = q.qnameLength == apexWire.size() && q.qclass == dns::kClassIN;
  return t;
}

std::vector<TransferPart> axfrParts(const RecordSet& records, uint32_t serial) {
  using K = TransferPart::Kind;
  return {{K::kSoa, serial, nullptr}, {K::kNs, 0, nullptr}, {K::kRecords, 0, &records}, {K::kSoa, serial, nullptr}};
}

std::vector<TransferPart> ixfrParts(std::span<const std::shared_ptr<const ZoneDiff>> diffs, uint32_t serial) {
  using K = TransferPart::Kind;
  std::vector<TransferPart> parts{{K::kSoa, serial, nullptr}};
  if (diffs.empty()) return parts;
  for (const auto& d : diffs) {
    parts.push_back({K::kSoa, d->fromSerial, nullptr});
    parts.push_back({K::kRecords, 0, &d->removed});
    parts.push_back({K::kSoa, d->toSerial, nullptr});
    parts.push_back({K::kRecords, 0, &d->added});
  }
  parts.push_back({K::kSoa, serial, nullptr});
  return parts;
}

std::optional<dns::Query> parseNotify(const uint8_t* p, size_t length, std::string_view apexWire) {
  if (length < dns::kHeaderSize) return std::nullopt;
  dns::Query q;
  q.id = get16(p);
  q.flags = get16(p + 2);
  if ((q.flags & 0x8000) != 0 || q.opcode() != 4 || get16(p + 4) != 1) return std::nullopt;
  if (!readQuestion(p, length, q) || q.qnameLength != apexWire.size()) return std::nullopt;
  uint8_t lower[256];
  dns::lowercaseWireName(p + q.qnameOffset, q.qnameLength, lower);
  if (std::memcmp(lower, apexWire.data(), apexWire.size()) != 0 || q.qtype != dns::kTypeSOA ||
      q.qclass != dns::kClassIN) {
    return std::nullopt;
  }
  return q;
}

TransferPlan planTransfer(const TransferQuery& query, const RecordSet& records, uint32_t serial,
                          const ZoneHistory* history) {
  TransferPlan plan;
  if (query.ixfr && query.askerSerial) {
    const uint32_t asker = *query.askerSerial;
    if (asker == serial || serialAfter(asker, serial)) {
      plan.kind = TransferPlan::Kind::kUpToDate;
      plan.parts = ixfrParts({}, serial);
      return plan;
    }
    if (history != nullptr) {
      const auto diffs = history->since(asker);
      if (!diffs.empty() && diffs.back()->toSerial == serial) {
        plan.kind = TransferPlan::Kind::kDifferences;
        plan.parts = ixfrParts(diffs, serial);
        plan.differences = diffs.size();
        return plan;
      }
    }
  }
  plan.parts = axfrParts(records, serial);
  return plan;
}

ZoneTransferWriter::ZoneTransferWriter(const RecordSet& records, const ZoneOptions& zone, const uint8_t* packet,
                                       const TransferQuery& query, bool recursionAvailable, size_t messageLimit)
    : ZoneTransferWriter(axfrParts(records, zone.soaSerial), zone, packet, query, recursionAvailable, messageLimit) {}

ZoneTransferWriter::ZoneTransferWriter(std::vector<TransferPart> parts, const ZoneOptions& zone, const uint8_t* packet,
                                       const TransferQuery& query, bool recursionAvailable, size_t messageLimit)
    : zone_(zone),
      question_(reinterpret_cast<const char*>(packet) + dns::kHeaderSize, query.query.questionEnd - dns::kHeaderSize),
      id_(query.query.id),
      edns_(query.query.hasEdns),
      dnssecOk_(query.query.dnssecOk),
      messageLimit_(std::min(messageLimit, dns::kMaxMessage)),
      apexText_(zone.domain + "."),
      dotApex_("." + apexText_),
      apexWire_(wire(zone.domain)),
      mnameWire_(wire(zone.soaMname)),
      rnameWire_(wire(zone.soaRname)),
      parts_(std::move(parts)) {
  flags_ = 0x8000 | 0x0400;                         // QR, AA; opcode QUERY
  flags_ |= query.query.flags & (0x0100 | 0x0010);  // RD, CD echoed
  if (recursionAvailable) flags_ |= 0x0080;
  enterPart();
}

void ZoneTransferWriter::skipNamesOutsideDomain() {
  // Names outside the domain (an SOAMname elsewhere) are not part of the zone.
  while (name_ != namesEnd_) {
    const std::string_view n = (*name_).first;
    if (n == apexText_ || (n.size() > dotApex_.size() && n.ends_with(dotApex_))) break;
    ++name_;
  }
}

void ZoneTransferWriter::loadOwner() {
  current_ = (*name_).second;
  ownerWire_.resize(256);
  ownerWire_.resize(writeWireName((*name_).first, reinterpret_cast<uint8_t*>(ownerWire_.data())));
  inName_ = 0;
}

void ZoneTransferWriter::enterPart() {
  for (; part_ < parts_.size(); ++part_) {
    const TransferPart& part = parts_[part_];
    if (part.kind != TransferPart::Kind::kRecords) return;
    name_ = part.records->names().begin();
    namesEnd_ = part.records->names().end();
    skipNamesOutsideDomain();
    if (name_ != namesEnd_) {
      loadOwner();
      return;
    }
  }
}

void ZoneTransferWriter::advance() {
  if (part_ == parts_.size()) return;
  if (parts_[part_].kind == TransferPart::Kind::kRecords) {
    if (++inName_ < current_.a.size() + current_.aaaa.size() + current_.srv.size()) return;
    ++name_;
    skipNamesOutsideDomain();
    if (name_ != namesEnd_) {
      loadOwner();
      return;
    }
  }
  ++part_;
  enterPart();
}

size_t ZoneTransferWriter::ownerSize(std::string_view ownerWire, size_t& commonLabels) const {
  size_t starts[128];
  size_t previousStarts[128];
  const size_t n = labelStarts(ownerWire, starts);
  const size_t m = labelStarts(previousOwner_, previousStarts);
  commonLabels = 0;
  while (commonLabels < n && commonLabels < m) {
    const size_t a = starts[n - 1 - commonLabels];
    const size_t b = previousStarts[m - 1 - commonLabels];
    const size_t len = 1 + static_cast<uint8_t>(ownerWire[a]);
    if (ownerWire.compare(a, len, previousOwner_, b, len) != 0) break;
    ++commonLabels;
  }
  // The pointer goes to the first common label; it must be within reach of 14 bits.
  while (commonLabels > 0 && previousOffsets_[m - commonLabels] >= kPointable) --commonLabels;
  if (commonLabels == 0) return ownerWire.size();
  return starts[n - commonLabels] + 2;
}

void ZoneTransferWriter::writeOwner(std::string_view ownerWire, uint8_t* out, size_t& pos) {
  size_t commonLabels = 0;
  const size_t size = ownerSize(ownerWire, commonLabels);
  size_t starts[128];
  const size_t n = labelStarts(ownerWire, starts);
  const size_t m = previousLabels_;
  uint16_t offsets[128];
  const size_t literal = n - commonLabels;
  for (size_t i = 0; i < literal; ++i) offsets[i] = static_cast<uint16_t>(pos + starts[i]);
  for (size_t i = literal; i < n; ++i) offsets[i] = previousOffsets_[m - commonLabels + (i - literal)];
  if (commonLabels == 0) {
    std::memcpy(out + pos, ownerWire.data(), ownerWire.size());
  } else {
    std::memcpy(out + pos, ownerWire.data(), size - 2);
    put16(out + pos + size - 2, static_cast<uint16_t>(0xC000 | offsets[literal]));
  }
  pos += size;
  previousOwner_.assign(ownerWire);
  std::copy(offsets, offsets + n, previousOffsets_);
  previousLabels_ = n;
}

size_t ZoneTransferWriter::recordSize(size_t& commonLabels) const {
  if (part_ == parts_.size()) return 0;
  switch (parts_[part_].kind) {
    case TransferPart::Kind::kSoa:
      return ownerSize(apexWire_, commonLabels) + kRrFixed + mnameWire_.size() + rnameWire_.size() + 20;
    case TransferPart::Kind::kNs:
      return ownerSize(apexWire_, commonLabels) + kRrFixed + mnameWire_.size();
    case TransferPart::Kind::kRecords: {
      const size_t owner = ownerSize(ownerWire_, commonLabels) + kRrFixed;
      size_t i = inName_;
      if (i < current_.a.size()) return owner + 4;
      i -= current_.a.size();
      if (i < current_.aaaa.size()) return owner + 16;
      i -= current_.aaaa.size();
      return owner + 6 + wireNameSize(current_.srv[i].target);
    }
  }
  return 0;
}

void ZoneTransferWriter::writeRecord(uint8_t* out, size_t& pos) {
  auto header = [&](std::string_view owner, uint16_t type) {
    writeOwner(owner, out, pos);
    put16(out + pos, type);
    put16(out + pos + 2, dns::kClassIN);
    put32(out + pos + 4, zone_.ttl);
    pos += kRrFixed;
    return pos - 2;  // RDLENGTH, patched below
  };
  auto raw = [&](const void* data, size_t n) {
    std::memcpy(out + pos, data, n);
    pos += n;
  };
  size_t rdlength = 0;
  if (part_ == parts_.size()) return;
  switch (parts_[part_].kind) {
    case TransferPart::Kind::kSoa:
      rdlength = header(apexWire_, dns::kTypeSOA);
      raw(mnameWire_.data(), mnameWire_.size());
      raw(rnameWire_.data(), rnameWire_.size());
      for (uint32_t v : {parts_[part_].serial, zone_.soaRefresh, zone_.soaRetry, zone_.soaExpire, zone_.soaMinttl}) {
        put32(out + pos, v);
        pos += 4;
      }
      break;
    case TransferPart::Kind::kNs:
      rdlength = header(apexWire_, dns::kTypeNS);
      raw(mnameWire_.data(), mnameWire_.size());
      break;
    case TransferPart::Kind::kRecords: {
      size_t i = inName_;
      if (i < current_.a.size()) {
        rdlength = header(ownerWire_, dns::kTypeA);
        raw(current_.a[i].data(), current_.a[i].size());
        break;
      }
      i -= current_.a.size();
      if (i < current_.aaaa.size()) {
        rdlength = header(ownerWire_, dns::kTypeAAAA);
        raw(current_.aaaa[i].data(), current_.aaaa[i].size());
        break;
      }
      i -= current_.aaaa.size();
      const SrvTarget s = current_.srv[i];
      rdlength = header(ownerWire_, dns::kTypeSRV);
      put16(out + pos, 0);  // priority
      put16(out + pos + 2, zone_.srvWeight);
      put16(out + pos + 4, s.port);
      pos += 6;
      pos += writeWireName(s.target, out + pos);  // never compressed (RFC 2782, RFC 3597)
      break;
    }
  }
  put16(out + rdlength, static_cast<uint16_t>(pos - rdlength - 2));
  ++recordsWritten_;
}

size_t ZoneTransferWriter::next(uint8_t* out) {
  if (done()) return 0;
  const size_t optSize = edns_ ? dns::kOptSize : 0;
  put16(out, id_);
  put16(out + 2, flags_);
  put16(out + 4, 1);
  put16(out + 8, 0);
  put16(out + 10, edns_ ? 1 : 0);
  size_t pos = dns::kHeaderSize;
  std::memcpy(out + pos, question_.data(), question_.size());
  pos += question_.size();
  previousOwner_.clear();  // pointers reach only into this message
  previousLabels_ = 0;
  uint16_t count = 0;
  while (!done()) {
    size_t commonLabels = 0;
    if (pos + recordSize(commonLabels) + optSize > messageLimit_ && count > 0) break;
    writeRecord(out, pos);
    ++count;
    advance();
  }
  put16(out + 6, count);
  if (edns_) pos += dns::writeOpt(out + pos, dns::kOurEdnsBufferSize, dns::kRcodeNoError, dnssecOk_);
  ++messages_;
  return pos;
}

}  // namespace mdns
