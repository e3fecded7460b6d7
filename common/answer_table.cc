#include "common/answer_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace mdns {
namespace {

using dns::put16;

// Writes RRs into a reply body that will follow a question whose name is `qname` (at packet
// offset 12). Names are compressed against the question name's suffixes, and optionally against
// names written earlier in a fixed (non-rotating) section.
class BodyWriter {
 public:
  BodyWriter(std::vector<uint8_t>& out, std::string_view qname)
      : out_(out), start_(out.size()), base_(dns::kHeaderSize + qname.size() + 4) {
    for (size_t i = 0; i < qname.size() && qname[i] != 0; i += 1 + static_cast<uint8_t>(qname[i])) {
      fixed_.emplace_back(std::string(qname.substr(i)), static_cast<uint16_t>(dns::kHeaderSize + i));
    }
  }

  size_t size() const { return out_.size() - start_; }
  size_t packetSize() const { return base_ + size(); }

  void name(std::string_view wire, bool remember) {
    size_t i = 0;
    while (i < wire.size() && wire[i] != 0) {
      const std::string_view suffix = wire.substr(i);
      for (const auto& [known, offset] : fixed_) {
        if (known == suffix) {
          u16(static_cast<uint16_t>(0xC000 | offset));
          return;
        }
      }
      if (remember && packetSize() < 0x3FFF) {
        learned_.emplace_back(std::string(suffix), static_cast<uint16_t>(packetSize()));
      }
      const auto n = static_cast<uint8_t>(wire[i]);
      out_.insert(out_.end(), wire.begin() + static_cast<long>(i), wire.begin() + static_cast<long>(i + 1 + n));
      i += 1 + n;
    }
    out_.push_back(0);
  }
  // A name written out in full: RDATA names of types newer than RFC 1035 (SRV's target, RFC 2782)
  // must not be compressed (RFC 3597 section 4), and Go's and c-ares' parsers reject the reply
  // when they are.
  void uncompressedName(std::string_view wire) { out_.insert(out_.end(), wire.begin(), wire.end()); }
  // Makes names written with remember=true available as pointer targets from now on.
  void freeze() {
    fixed_.insert(fixed_.end(), learned_.begin(), learned_.end());
    learned_.clear();
  }

  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void raw(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }

  // Header of an RR whose RDATA follows; returns the position of RDLENGTH to patch.
  size_t rrHeader(std::string_view owner, uint16_t type, uint32_t ttl, bool remember) {
    name(owner, remember);
    u16(type);
    u16(dns::kClassIN);
    u32(ttl);
    const size_t rdlen = out_.size();
    u16(0);
    return rdlen;
  }
  void finishRdata(size_t rdlenPos) { put16(&out_[rdlenPos], static_cast<uint16_t>(out_.size() - rdlenPos - 2)); }
  void truncateTo(size_t bodySize) { out_.resize(start_ + bodySize); }

 private:
  std::vector<uint8_t>& out_;
  size_t start_;
  size_t base_;
  std::vector<std::pair<std::string, uint16_t>> fixed_;
  std::vector<std::pair<std::string, uint16_t>> learned_;
};

std::string wire(std::string_view dotted) { return dns::toWireName(dotted).value_or(std::string(1, '\0')); }

// Room for the body: a full TCP message minus header, question and our OPT record.
size_t bodyLimit(std::string_view qname) { return dns::kMaxMessage - dns::kHeaderSize - qname.size() - 4 - 11; }

}  // namespace

std::shared_ptr<const AnswerTable> AnswerTable::build(const RecordSet& records, const ZoneOptions& zone,
                                                      const AnswerTable* sizeLike) {
  auto table = std::shared_ptr<AnswerTable>(new AnswerTable());
  AnswerTable& t = *table;
  t.zone_ = zone;
  t.apexWire_ = wire(zone.domain);

  // Every owner name, plus the empty non-terminals between it and the apex (they exist: NODATA,
  // not NXDOMAIN, per RFC 8020), plus the apex. Keys point into nameArena_, which is sized first
  // and never moves; an empty non-terminal's wire name is the tail of an owner's.
  const std::string apexText = zone.domain + ".";
  const std::string dotApex = "." + apexText;
  auto inDomain = [&](std::string_view name) {
    return name != apexText && name.size() > dotApex.size() && name.ends_with(dotApex);
  };
  size_t arenaSize = t.apexWire_.size();
  size_t owners = 1;
  for (const auto& [name, recs] : records.names()) {
    if (!inDomain(name)) continue;  // outside the domain (e.g. an SOAMname elsewhere): not ours to answer
    arenaSize += name.size() + 1;
    ++owners;
  }
  // Reverse names (PTR owners): at most 30 bytes on the wire for IPv4, 74 for IPv6.
  for (const auto& p : records.reverse()) {
    arenaSize += p.ip.isV4() ? 30 : 74;
    ++owners;
  }
  t.nameArena_.reserve(arenaSize);
  t.names_.reserve(owners);
  if (sizeLike != nullptr) {
    auto room = [](size_t n) { return n + n / 32; };
    t.bytes_.reserve(room(sizeLike->bytes_.size()));
    t.rendered_.reserve(room(sizeLike->rendered_.size()));
    t.answerRrOffsets_.reserve(room(sizeLike->answerRrOffsets_.size()));
  }
  t.slots_.assign(std::bit_ceil(std::max<size_t>(64, owners * 2 + owners / 2)), 0);
  auto intern = [&t](const std::string& w) {
    const size_t at = t.nameArena_.size();
    t.nameArena_ += w;
    return std::string_view(t.nameArena_).substr(at, w.size());
  };
  auto addOwner = [&](std::string_view key, const NameRecords& recs) {
    NameEntry e;
    const bool apex = key == t.apexWire_;
    e.a = t.render(key, dns::kTypeA, recs, records);
    e.aaaa = t.render(key, dns::kTypeAAAA, recs, records);
    e.srv = t.render(key, dns::kTypeSRV, recs, records);
    if (apex) {
      e.soa = t.render(key, dns::kTypeSOA, recs, records);
      e.ns = t.render(key, dns::kTypeNS, recs, records);
    }
    const int kinds = (e.a != kNone) + (e.aaaa != kNone) + (e.srv != kNone) + (e.soa != kNone) + (e.ns != kNone);
    if (kinds > 1) {
      e.any = t.render(key, dns::kTypeANY, recs, records);
    } else {
      for (const uint32_t r : {e.a, e.aaaa, e.srv}) {
        if (r != kNone) e.any = r;
      }
    }
    t.insert(key, &e);
  };
  addOwner(intern(t.apexWire_), records.find(apexText).value_or(NameRecords{}));
  for (const auto& [name, recs] : records.names()) {
    if (inDomain(name)) addOwner(intern(wire(name)), recs);
  }
  const std::string_view arena = t.nameArena_;
  for (size_t at = t.apexWire_.size(); at < arena.size();) {
    size_t end = at;  // past the owner's wire name: label by label to the root label
    while (arena[end] != '\0') end += 1 + static_cast<uint8_t>(arena[end]);
    ++end;
    for (size_t pos = at + 1 + static_cast<uint8_t>(arena[at]); end - pos > t.apexWire_.size();
         pos += 1 + static_cast<uint8_t>(arena[pos])) {
      t.insert(arena.substr(pos, end - pos), nullptr);  // kept when the name has records
    }
    at = end;
  }
  // Reverse names come after the walk above: they have no empty non-terminals of ours.
  for (const auto& p : records.reverse()) {
    NameEntry e;
    const std::string_view key = intern(wire(reverseName(p.ip)));
    e.ptr = t.renderPtr(key, wire(records.nameAt(p.name)));
    e.any = e.ptr;
    t.insert(key, &e);
  }

  // Negative answers' SOA (RFC 2308: TTL is the lesser of the SOA's TTL and its MINIMUM field).
  std::vector<uint8_t> soa;
  BodyWriter w(soa, "");  // names written out in full: the owner pointer varies per query
  w.u16(dns::kTypeSOA);
  w.u16(dns::kClassIN);
  w.u32(std::min(zone.ttl, zone.soaMinttl));
  const size_t rdlen = soa.size();
  w.u16(0);
  w.name(wire(zone.soaMname), false);
  w.name(wire(zone.soaRname), false);
  for (uint32_t v : {zone.soaSerial, zone.soaRefresh, zone.soaRetry, zone.soaExpire, zone.soaMinttl}) w.u32(v);
  put16(&soa[rdlen], static_cast<uint16_t>(soa.size() - rdlen - 2));
  t.negativeSoaTail_.assign(soa.begin(), soa.end());
  // Trimmed only when much is left over (a trim copies the array).
  auto trim = [](auto& v) {
    if (v.capacity() > v.size() + v.size() / 16) v.shrink_to_fit();
  };
  trim(t.bytes_);
  trim(t.answerRrOffsets_);
  trim(t.rendered_);
  return table;
}

uint32_t AnswerTable::render(std::string_view qname, uint16_t type, const NameRecords& r, const RecordSet& all) {
  const bool wantA = type == dns::kTypeA || type == dns::kTypeANY;
  const bool wantAAAA = type == dns::kTypeAAAA || type == dns::kTypeANY;
  const bool wantSrv = type == dns::kTypeSRV || type == dns::kTypeANY;
  const bool apex = qname == apexWire_;
  const bool wantSoa = apex && (type == dns::kTypeSOA || type == dns::kTypeANY);
  const bool wantNs = apex && (type == dns::kTypeNS || type == dns::kTypeANY);
  if (!(wantA && !r.a.empty()) && !(wantAAAA && !r.aaaa.empty()) && !(wantSrv && !r.srv.empty()) && !wantSoa &&
      !wantNs) {
    return kNone;
  }

  Rendered out;
  out.offset = static_cast<uint32_t>(bytes_.size());
  out.rrOffsets = static_cast<uint32_t>(answerRrOffsets_.size());
  BodyWriter w(bytes_, qname);
  const size_t limit = bodyLimit(qname);
  const uint32_t ttl = zone_.ttl;
  auto answerDone = [&](size_t before) {
    if (w.size() > limit) {
      w.truncateTo(before);
      return false;
    }
    answerRrOffsets_.push_back(static_cast<uint16_t>(before));
    ++out.ancount;
    return true;
  };

  if (wantSoa) {
    const size_t before = w.size();
    const size_t rd = w.rrHeader(qname, dns::kTypeSOA, ttl, false);
    w.name(wire(zone_.soaMname), false);
    w.name(wire(zone_.soaRname), false);
    for (uint32_t v : {zone_.soaSerial, zone_.soaRefresh, zone_.soaRetry, zone_.soaExpire, zone_.soaMinttl}) w.u32(v);
    w.finishRdata(rd);
    answerDone(before);
  }
  if (wantNs) {
    const size_t before = w.size();
    const size_t rd = w.rrHeader(qname, dns::kTypeNS, ttl, false);
    w.name(wire(zone_.soaMname), false);
    w.finishRdata(rd);
    answerDone(before);
  }
  bool full = false;
  auto addresses = [&](std::span<const IpAddress> ips, uint16_t rrtype) {
    for (const auto& ip : ips) {
      if (full) return;
      const size_t before = w.size();
      const size_t rd = w.rrHeader(qname, rrtype, ttl, false);
      w.raw(ip.data(), ip.size());
      w.finishRdata(rd);
      full = !answerDone(before);
    }
  };
  if (wantA) addresses(r.a, dns::kTypeA);
  if (wantAAAA) addresses(r.aaaa, dns::kTypeAAAA);
  std::vector<std::string_view> targets;
  if (wantSrv) {
    for (const auto& s : r.srv) {
      if (full) break;
      const size_t before = w.size();
      const size_t rd = w.rrHeader(qname, dns::kTypeSRV, ttl, false);
      w.u16(0);  // priority
      w.u16(zone_.srvWeight);
      w.u16(s.port);
      w.uncompressedName(wire(s.target));
      w.finishRdata(rd);
      full = !answerDone(before);
      if (!full && std::find(targets.begin(), targets.end(), s.target) == targets.end()) targets.push_back(s.target);
    }
  }
  answerRrOffsets_.push_back(static_cast<uint16_t>(w.size()));
  out.authorityEnd = static_cast<uint16_t>(w.size());

  // Additional section: the addresses of SRV targets and of the NS name (one A and one AAAA per
  // target, as mesos-dns gives). Dropped whole when a reply has no room for it.
  if (wantNs) targets.insert(targets.begin(), zone_.soaMname);
  bool additionalFull = false;
  for (const auto& target : targets) {
    const auto tr = all.find(target);
    if (!tr || additionalFull) continue;
    const std::string tw = wire(target);
    for (const auto* list : {&tr->a, &tr->aaaa}) {
      if (list->empty()) continue;
      const size_t before = w.size();
      const size_t rd = w.rrHeader(tw, list->front().isV4() ? dns::kTypeA : dns::kTypeAAAA, ttl, true);
      w.raw(list->front().data(), list->front().size());
      w.finishRdata(rd);
      if (w.size() > limit) {
        w.truncateTo(before);
        additionalFull = true;  // the names it learned point past the end now: stop here
        break;
      }
      w.freeze();
      ++out.arcount;
    }
  }
  out.length = static_cast<uint16_t>(w.size());
  rendered_.push_back(out);
  return static_cast<uint32_t>(rendered_.size() - 1);
}

uint32_t AnswerTable::renderPtr(std::string_view qname, std::string_view targetWire) {
  Rendered out;
  out.offset = static_cast<uint32_t>(bytes_.size());
  out.rrOffsets = static_cast<uint32_t>(answerRrOffsets_.size());
  BodyWriter w(bytes_, qname);
  answerRrOffsets_.push_back(0);
  const size_t rd = w.rrHeader(qname, dns::kTypePTR, zone_.ttl, false);
  w.uncompressedName(targetWire);
  w.finishRdata(rd);
  out.ancount = 1;
  answerRrOffsets_.push_back(static_cast<uint16_t>(w.size()));
  out.authorityEnd = static_cast<uint16_t>(w.size());
  out.length = static_cast<uint16_t>(w.size());
  rendered_.push_back(out);
  return static_cast<uint32_t>(rendered_.size() - 1);
}

size_t AnswerTable::probe(std::string_view wireName, size_t hash) const {
  const size_t mask = slots_.size() - 1;
  size_t s = hash & mask;
  for (; slots_[s] != 0; s = (s + 1) & mask) {
    const Key& k = keyOf(slots_[s]);
    if (k.hash == static_cast<uint32_t>(hash) && k.length == wireName.size() &&
        std::memcmp(nameArena_.data() + k.name, wireName.data(), k.length) == 0) {
      break;
    }
  }
  return s;
}

const AnswerTable::NameEntry* AnswerTable::find(std::string_view lowerWireName) const {
  static const NameEntry kNoRecords;
  if (slots_.empty()) return nullptr;
  const uint32_t slot = slots_[probe(lowerWireName, std::hash<std::string_view>()(lowerWireName))];
  if (slot == 0) return nullptr;
  return (slot & kEmptyBit) != 0 ? &kNoRecords : &names_[slot - 1].entry;
}

void AnswerTable::insert(std::string_view wireName, const NameEntry* entry) {
  if ((nameCount() + 1) * 2 > slots_.size()) {
    std::vector<uint32_t> old(std::max<size_t>(64, slots_.size() * 2), 0);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const uint32_t slot : old) {
      if (slot == 0) continue;
      size_t s =
          std::hash<std::string_view>()(std::string_view(nameArena_.data() + keyOf(slot).name, keyOf(slot).length)) &
          mask;
      while (slots_[s] != 0) s = (s + 1) & mask;
      slots_[s] = slot;
    }
  }
  const size_t hash = std::hash<std::string_view>()(wireName);
  const size_t s = probe(wireName, hash);
  if (slots_[s] != 0) return;
  const Key key{static_cast<uint32_t>(wireName.data() - nameArena_.data()), static_cast<uint32_t>(hash),
                static_cast<uint8_t>(wireName.size())};
  if (entry != nullptr) {
    names_.push_back({*entry, key});
    slots_[s] = static_cast<uint32_t>(names_.size());
  } else {
    emptyNames_.push_back(key);
    slots_[s] = static_cast<uint32_t>(emptyNames_.size()) | kEmptyBit;
  }
}

size_t AnswerTable::memoryBytes() const {
  return nameArena_.capacity() + names_.capacity() * sizeof(Named) + emptyNames_.capacity() * sizeof(Key) +
         slots_.capacity() * sizeof(uint32_t) + rendered_.capacity() * sizeof(Rendered) + bytes_.capacity() +
         answerRrOffsets_.capacity() * sizeof(uint16_t);
}

}  // namespace mdns
