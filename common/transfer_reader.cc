#include "common/transfer_reader.h"

#include <algorithm>
#include <array>
#include <utility>

#include "common/dns_wire.h"

namespace mdns {
namespace {

using dns::get16;

constexpr uint16_t kTypeIXFR = 251;
constexpr uint16_t kTypeAXFR = 252;

uint32_t get32(const uint8_t* p) { return (static_cast<uint32_t>(get16(p)) << 16) | get16(p + 2); }

const char* rcodeName(unsigned rcode) {
  switch (rcode) {
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL (no zone loaded yet?)";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED (is this node in its allowTransfer?)";
    case 9:
      return "NOTAUTH (the primary does not hold this zone)";
    default:
      return "an error";
  }
}

// Reads a possibly compressed name at `pos` (moved past it) as dotted lower-case text with the
// trailing dot. False for a malformed name. `storable` turns false when a label holds a dot byte.
bool readName(const uint8_t* m, size_t length, size_t& pos, std::string& out, bool& storable) {
  out.clear();
  storable = true;
  size_t at = pos;
  bool jumped = false;
  int jumps = 0;
  size_t total = 0;
  for (;;) {
    if (at >= length) return false;
    const uint8_t n = m[at];
    if ((n & 0xC0) == 0xC0) {
      if (at + 2 > length || ++jumps > 64) return false;
      const size_t target = static_cast<size_t>(get16(m + at) & 0x3FFF);
      if (target >= at) return false;  // pointers go back only
      if (!jumped) pos = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if (n > 63) return false;
    if (n == 0) {
      if (!jumped) pos = at + 1;
      if (out.empty()) out = ".";
      return true;
    }
    if (at + 1 + n > length) return false;
    total += 1 + n;
    if (total > 254) return false;
    for (size_t i = 0; i < n; ++i) {
      char c = static_cast<char>(m[at + 1 + i]);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c == '.') storable = false;
      out.push_back(c);
    }
    out.push_back('.');
    at += 1 + n;
  }
}

bool skipName(const uint8_t* m, size_t length, size_t& pos) {
  std::string ignored;
  bool storable = true;
  return readName(m, length, pos, ignored, storable);
}

std::vector<uint8_t> question(uint16_t id, const std::string& domain, uint16_t type, uint16_t nscount) {
  std::vector<uint8_t> q(dns::kHeaderSize, 0);
  dns::put16(q.data(), id);
  dns::put16(q.data() + 4, 1);
  dns::put16(q.data() + 8, nscount);
  const std::string wire = dns::toWireName(domain).value_or(std::string(1, '\0'));
  q.insert(q.end(), wire.begin(), wire.end());
  const uint8_t tail[4] = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, dns::kClassIN};
  q.insert(q.end(), tail, tail + 4);
  return q;
}

// An OPT record offering our UDP size (RFC 6891): a difference that fits 1232 bytes comes in one
// datagram rather than over TCP.
void addEdns(std::vector<uint8_t>& q) {
  uint8_t opt[dns::kOptSize];
  dns::writeOpt(opt, dns::kOurEdnsBufferSize, 0, false);
  q.insert(q.end(), opt, opt + sizeof opt);
  dns::put16(q.data() + 10, 1);
}

// The header and question of a reply to `id`; `pos` is left at the answer section. An error names
// what is wrong.
Status readHeader(const uint8_t* m, size_t length, uint16_t id, size_t& pos, uint16_t& ancount) {
  if (length < dns::kHeaderSize) return Error{"a message shorter than a DNS header"};
  if (get16(m) != id) return Error{"a reply with another ID"};
  const uint16_t flags = get16(m + 2);
  if ((flags & 0x8000) == 0) return Error{"a message that is not a reply"};
  if ((flags & 0x0200) != 0) return Error{"a truncated reply"};
  if (const unsigned rcode = flags & 0xF; rcode != 0) return Error{std::string("answered ") + rcodeName(rcode)};
  const uint16_t qdcount = get16(m + 4);
  ancount = get16(m + 6);
  pos = dns::kHeaderSize;
  for (uint16_t i = 0; i < qdcount; ++i) {
    if (!skipName(m, length, pos) || pos + 4 > length) return Error{"a malformed question"};
    pos += 4;
  }
  return {};
}

}  // namespace

std::vector<uint8_t> soaQuery(uint16_t id, const std::string& domain) {
  std::vector<uint8_t> q = question(id, domain, dns::kTypeSOA, 0);
  addEdns(q);
  return q;
}

std::vector<uint8_t> axfrQuery(uint16_t id, const std::string& domain) { return question(id, domain, kTypeAXFR, 0); }

std::vector<uint8_t> ixfrQuery(uint16_t id, const std::string& domain, uint32_t serial) {
  std::vector<uint8_t> q = question(id, domain, kTypeIXFR, 1);
  // The asker's SOA: owner the question's name (a pointer to offset 12), root MNAME and RNAME,
  // the serial, and four zeros.
  uint8_t soa[12 + 22] = {0xC0, 0x0C};
  dns::put16(soa + 2, dns::kTypeSOA);
  dns::put16(soa + 4, dns::kClassIN);
  dns::put16(soa + 10, 22);  // RDLENGTH; TTL 0; MNAME and RNAME the root (zero bytes)
  dns::put32(soa + 14, serial);
  q.insert(q.end(), soa, soa + sizeof soa);
  addEdns(q);
  return q;
}

Result<uint32_t> soaSerialOfReply(const uint8_t* m, size_t length, uint16_t id, const std::string& domain) {
  size_t pos = 0;
  uint16_t ancount = 0;
  if (auto header = readHeader(m, length, id, pos, ancount); !header) return Error{header.error()};
  const std::string apex = domain + ".";
  std::string owner;
  bool storable = true;
  for (uint16_t i = 0; i < ancount; ++i) {
    if (!readName(m, length, pos, owner, storable) || pos + 10 > length) return Error{"a malformed answer"};
    const uint16_t type = get16(m + pos);
    const size_t rdlength = get16(m + pos + 8);
    size_t rdata = pos + 10;
    pos = rdata + rdlength;
    if (pos > length) return Error{"a malformed answer"};
    if (type != dns::kTypeSOA || owner != apex) continue;
    if (!skipName(m, pos, rdata) || !skipName(m, pos, rdata) || rdata + 20 != pos) return Error{"a malformed SOA"};
    return get32(m + rdata);
  }
  return Error{"no SOA record for " + apex + " in the answer"};
}

TransferReader::TransferReader(std::string domain, uint16_t id, std::optional<uint32_t> askerSerial)
    : domain_(std::move(domain) + "."), dotDomain_("." + domain_), id_(id), askerSerial_(askerSerial) {}

Status TransferReader::add(const uint8_t* m, size_t length) {
  size_t pos = 0;
  uint16_t ancount = 0;
  if (auto header = readHeader(m, length, id_, pos, ancount); !header) return header;
  ++messages_;
  std::string owner;
  bool storable = true;
  for (uint16_t i = 0; i < ancount; ++i) {
    if (!readName(m, length, pos, owner, storable) || pos + 10 > length) {
      return Error{"a malformed record in message " + std::to_string(messages_)};
    }
    const uint16_t type = get16(m + pos);
    const uint16_t rclass = get16(m + pos + 2);
    const size_t rdlength = get16(m + pos + 8);
    const size_t rdata = pos + 10;
    pos = rdata + rdlength;
    if (pos > length) return Error{"a record past the end of message " + std::to_string(messages_)};
    ++records_;
    const bool inZone = owner == domain_ || owner.ends_with(dotDomain_);
    if (rclass != dns::kClassIN || !inZone || !storable) {
      if (type == dns::kTypeSOA) return Error{"an SOA record for another zone (" + owner + ")"};
      ++ignored_;
      continue;
    }
    if (auto status = record(type, owner, m, length, rdata, rdlength); !status) return status;
  }
  // A first message of the SOA alone, at the asker's serial or before it: nothing to transfer.
  if (state_ == State::kSecond && askerSerial_ && !serialAfter(serial_, *askerSerial_)) {
    state_ = State::kDone;
    form_ = Form::kUpToDate;
    done_ = true;
  }
  return {};
}

Status TransferReader::record(uint16_t type, const std::string& owner, const uint8_t* m, size_t length, size_t rdata,
                              size_t rdlength) {
  if (state_ == State::kDone) return Error{"records after the transfer's last SOA"};
  if (type != dns::kTypeSOA) {
    switch (state_) {
      case State::kFirstSoa:
        return Error{"the transfer does not start with the SOA"};
      case State::kSecond:
        form_ = Form::kWholeZone;
        state_ = State::kZone;
        [[fallthrough]];
      case State::kZone:
        store(zone_, type, owner, m, rdata, rdlength);
        return {};
      case State::kDeleting:
        store(diffs_.back().removed, type, owner, m, rdata, rdlength);
        return {};
      case State::kAdding:
        store(diffs_.back().added, type, owner, m, rdata, rdlength);
        return {};
      case State::kDone:
        break;
    }
    return {};
  }
  if (owner != domain_) return Error{"an SOA record for " + owner + ", not the apex"};
  size_t at = rdata;
  const size_t end = rdata + rdlength;
  if (!skipName(m, end, at) || !skipName(m, end, at) || at + 20 != end || end > length) {
    return Error{"a malformed SOA record"};
  }
  const uint32_t serial = get32(m + at);
  switch (state_) {
    case State::kFirstSoa:
      serial_ = serial;
      state_ = State::kSecond;
      return {};
    case State::kSecond:
      if (serial == serial_) {  // SOA, SOA: an empty whole zone would still have its NS
        return Error{"the transfer is the SOA twice and nothing else"};
      }
      form_ = Form::kDifferences;
      diffs_.emplace_back();
      diffs_.back().fromSerial = serial;
      state_ = State::kDeleting;
      return {};
    case State::kZone:
      if (serial != serial_)
        return Error{"the last SOA has serial " + std::to_string(serial) + ", not " + std::to_string(serial_)};
      state_ = State::kDone;
      done_ = true;
      return {};
    case State::kDeleting:
      diffs_.back().toSerial = serial;
      state_ = State::kAdding;
      return {};
    case State::kAdding:
      if (serial == serial_ && diffs_.back().toSerial == serial_) {
        state_ = State::kDone;
        done_ = true;
        return {};
      }
      if (serial != diffs_.back().toSerial) {
        return Error{"a difference from serial " + std::to_string(serial) + " follows one that ended at " +
                     std::to_string(diffs_.back().toSerial)};
      }
      diffs_.emplace_back();
      diffs_.back().fromSerial = serial;
      state_ = State::kDeleting;
      return {};
    case State::kDone:
      break;
  }
  return Error{"records after the transfer's last SOA"};
}

void TransferReader::store(RecordSet& set, uint16_t type, const std::string& owner, const uint8_t* m, size_t rdata,
                           size_t rdlength) {
  switch (type) {
    case dns::kTypeA:
      if (rdlength == 4) {
        std::array<uint8_t, 4> bytes{};
        std::copy(m + rdata, m + rdata + 4, bytes.begin());
        set.addAddress(owner, IpAddress::v4(bytes));
        return;
      }
      break;
    case dns::kTypeAAAA:
      if (rdlength == 16) {
        std::array<uint8_t, 16> bytes{};
        std::copy(m + rdata, m + rdata + 16, bytes.begin());
        set.addAddress(owner, IpAddress::v6(bytes));
        return;
      }
      break;
    case dns::kTypeSRV: {
      size_t at = rdata + 6;
      std::string target;
      bool storable = true;
      if (rdlength > 6 && readName(m, rdata + rdlength, at, target, storable) && at == rdata + rdlength && storable) {
        set.addSrv(owner, SrvTarget{target, get16(m + rdata + 4)});
        return;
      }
      break;
    }
    default:
      break;
  }
  ++ignored_;  // NS, other types, malformed values
}

RecordSet TransferReader::takeZone() {
  zone_.finalize();
  return std::move(zone_);
}

std::vector<ZoneDiff> TransferReader::takeDiffs() {
  for (auto& d : diffs_) {
    d.removed.finalize();
    d.added.finalize();
  }
  return std::move(diffs_);
}

}  // namespace mdns
