#include "common/answer_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <unordered_set>

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
    const NameEntry e = t.renderEntry(key, recs, records);
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
      ++t.insert(arena.substr(pos, end - pos), nullptr).below;  // kept when the name has records
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

  t.renderNegativeSoa();
  // Trimmed only when much is left over (a trim copies the array).
  auto trim = [](auto& v) {
    if (v.capacity() > v.size() + v.size() / 16) v.shrink_to_fit();
  };
  trim(t.bytes_);
  trim(t.answerRrOffsets_);
  trim(t.rendered_);
  return table;
}

namespace {

template <class Array>
void copyWithRoom(Array& to, const Array& from) {
  to.reserve(from.size() + from.size() / 8 + 64);
  to.assign(from.begin(), from.end());
}

}  // namespace

AnswerTable::AnswerTable(const AnswerTable& base, WithRoom)
    : zone_(base.zone_),
      apexWire_(base.apexWire_),
      slots_(base.slots_),  // grows by doubling (insert), not by appending
      negativeSoaTail_(base.negativeSoaTail_),
      liveNames_(base.liveNames_),
      retiredBytes_(base.retiredBytes_) {
  copyWithRoom(nameArena_, base.nameArena_);
  copyWithRoom(names_, base.names_);
  copyWithRoom(emptyNames_, base.emptyNames_);
  copyWithRoom(rendered_, base.rendered_);
  copyWithRoom(bytes_, base.bytes_);
  copyWithRoom(answerRrOffsets_, base.answerRrOffsets_);
}

std::shared_ptr<const AnswerTable> AnswerTable::patch(const AnswerTable& base, const RecordSet& before,
                                                      const RecordSet& after, const ZoneDiff& diff,
                                                      const ZoneOptions& zone) {
  auto table = std::shared_ptr<AnswerTable>(new AnswerTable(base, WithRoom{}));
  AnswerTable& t = *table;
  t.zone_ = zone;
  const std::string apexText = zone.domain + ".";
  const std::string dotApex = "." + apexText;
  auto inDomain = [&](std::string_view name) {
    return name != apexText && name.size() > dotApex.size() && name.ends_with(dotApex);
  };

  // The names to render again: those the difference holds, and the SRV names that point at a
  // name whose addresses changed (their additional section carries them).
  std::vector<std::string_view> touched;
  std::unordered_set<std::string_view> addressesChanged;
  for (const RecordSet* side : {&diff.removed, &diff.added}) {
    for (const auto& [name, recs] : side->names()) {
      if (inDomain(name)) touched.push_back(name);
      if (!recs.a.empty() || !recs.aaaa.empty()) addressesChanged.insert(name);
    }
  }
  for (const std::string_view name : after.srvOwnersOf(addressesChanged)) {
    if (inDomain(name)) touched.push_back(name);
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());

  // Walks the names strictly between an owner (its wire name at `offset` in the arena) and the apex.
  auto ancestors = [&t](size_t offset, size_t length, auto visit) {
    const size_t end = offset + length;
    for (size_t pos = offset + 1 + static_cast<uint8_t>(t.nameArena_[offset]); end - pos > t.apexWire_.size();
         pos += 1 + static_cast<uint8_t>(t.nameArena_[pos])) {
      visit(pos, end - pos);
    }
  };
  auto slotOf = [&t](std::string_view wireName) { return t.probe(wireName, std::hash<std::string_view>()(wireName)); };

  for (const std::string_view name : touched) {
    const std::string w = wire(name);
    const auto recs = after.find(name);
    size_t s = slotOf(w);
    const uint32_t slot = t.slots_[s];
    const bool owner = slot != 0 && (slot & kEmptyBit) == 0;
    if (recs && !recs->empty()) {
      if (owner) {
        t.retire(t.names_[slot - 1].entry);
        t.names_[slot - 1].entry = t.renderEntry(w, *recs, after);
        continue;
      }
      const NameEntry e = t.renderEntry(w, *recs, after);
      if (slot != 0) {  // an empty non-terminal gets records: one owner more under its ancestors
        const Key key = t.emptyNames_[(slot & ~kEmptyBit) - 1];
        t.names_.push_back({e, key});
        t.slots_[s] = static_cast<uint32_t>(t.names_.size());
        ancestors(key.name, key.length, [&t, &slotOf](size_t pos, size_t length) {
          const uint32_t above = t.slots_[slotOf(std::string_view(t.nameArena_).substr(pos, length))];
          if (above != 0) ++t.keyAt(above).below;
        });
        continue;
      }
      const size_t offset = t.nameArena_.size();
      t.nameArena_ += w;
      t.insert(std::string_view(t.nameArena_).substr(offset, w.size()), &e);
      ancestors(offset, w.size(), [&t](size_t pos, size_t length) {
        ++t.insert(std::string_view(t.nameArena_).substr(pos, length), nullptr).below;
      });
    } else if (owner) {  // its records went
      Named& gone = t.names_[slot - 1];
      t.retire(gone.entry);
      const Key key = gone.key;
      if (key.below > 0) {  // names below it remain: it stays, as an empty non-terminal
        t.emptyNames_.push_back(key);
        t.slots_[s] = static_cast<uint32_t>(t.emptyNames_.size()) | kEmptyBit;
      } else {
        t.eraseSlot(s);
      }
      ancestors(key.name, key.length, [&t, &slotOf](size_t pos, size_t length) {
        const size_t at = slotOf(std::string_view(t.nameArena_).substr(pos, length));
        const uint32_t above = t.slots_[at];
        if (above == 0) return;
        Key& k = t.keyAt(above);
        if (k.below > 0) --k.below;
        if (k.below == 0 && (above & kEmptyBit) != 0) t.eraseSlot(at);
      });
    }
  }

  // PTR records that went, came or point elsewhere now.
  const auto& was = before.reverse();
  const auto& now = after.reverse();
  auto setPtr = [&](const IpAddress& ip, const std::string* target) {
    const std::string w = wire(reverseName(ip));
    const size_t s = slotOf(w);
    if (t.slots_[s] != 0) {
      t.retire(t.names_[t.slots_[s] - 1].entry);
      if (target == nullptr) {
        t.eraseSlot(s);
        return;
      }
      NameEntry& e = t.names_[t.slots_[s] - 1].entry;
      e = NameEntry{};
      e.ptr = t.renderPtr(w, *target);
      e.any = e.ptr;
      return;
    }
    if (target == nullptr) return;
    NameEntry e;
    const size_t offset = t.nameArena_.size();
    t.nameArena_ += w;
    const std::string_view key = std::string_view(t.nameArena_).substr(offset, w.size());
    e.ptr = t.renderPtr(key, *target);
    e.any = e.ptr;
    t.insert(key, &e);
  };
  const bool sharedText = before.textId() != 0 && before.textId() == after.textId();
  for (size_t i = 0, j = 0; i < was.size() || j < now.size();) {
    if (j == now.size() || (i < was.size() && was[i].ip < now[j].ip)) {
      setPtr(was[i++].ip, nullptr);
    } else if (i == was.size() || now[j].ip < was[i].ip) {
      const std::string target = wire(after.nameAt(now[j].name));
      setPtr(now[j++].ip, &target);
    } else {
      // A set patched from `before` shares its text: the same place is the same name.
      const bool same =
          (sharedText && was[i].name == now[j].name) || before.nameAt(was[i].name) == after.nameAt(now[j].name);
      if (!same) {
        const std::string target = wire(after.nameAt(now[j].name));
        setPtr(now[j].ip, &target);
      }
      ++i;
      ++j;
    }
  }

  // The apex: its SOA carries the serial (and its NS answer the name server's addresses).
  {
    const size_t s = slotOf(t.apexWire_);
    Named& apex = t.names_[t.slots_[s] - 1];
    t.retire(apex.entry);
    apex.entry = t.renderEntry(t.apexWire_, after.find(apexText).value_or(NameRecords{}), after);
  }
  t.renderNegativeSoa();
  if (t.retiredBytes_ * 2 > t.bytes_.size()) return nullptr;
  return table;
}

void AnswerTable::retire(const NameEntry& entry) {
  // A rendering may serve two types (`any` is the one type's rendering when a name has one).
  for (const uint32_t r : {entry.a, entry.aaaa, entry.srv, entry.soa, entry.ns, entry.ptr}) {
    if (r != kNone) retiredBytes_ += rendered_[r].length;
  }
  if (entry.any != kNone && entry.any != entry.a && entry.any != entry.aaaa && entry.any != entry.srv &&
      entry.any != entry.ptr) {
    retiredBytes_ += rendered_[entry.any].length;
  }
}

void AnswerTable::eraseSlot(size_t s) {
  const size_t mask = slots_.size() - 1;
  slots_[s] = 0;
  --liveNames_;
  for (size_t j = (s + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const size_t home = keyOf(slots_[j]).hash & mask;
    // The name at j may move to the hole at s when its home is not in (s, j] (cyclically).
    const bool stays = s <= j ? (home > s && home <= j) : (home > s || home <= j);
    if (stays) continue;
    slots_[s] = slots_[j];
    slots_[j] = 0;
    s = j;
  }
}

AnswerTable::NameEntry AnswerTable::renderEntry(std::string_view key, const NameRecords& recs, const RecordSet& all) {
  NameEntry e;
  const bool apex = key == apexWire_;
  e.a = render(key, dns::kTypeA, recs, all);
  e.aaaa = render(key, dns::kTypeAAAA, recs, all);
  e.srv = render(key, dns::kTypeSRV, recs, all);
  if (apex) {
    e.soa = render(key, dns::kTypeSOA, recs, all);
    e.ns = render(key, dns::kTypeNS, recs, all);
  }
  const int kinds = (e.a != kNone) + (e.aaaa != kNone) + (e.srv != kNone) + (e.soa != kNone) + (e.ns != kNone);
  if (kinds > 1) {
    e.any = render(key, dns::kTypeANY, recs, all);
  } else {
    for (const uint32_t r : {e.a, e.aaaa, e.srv}) {
      if (r != kNone) e.any = r;
    }
  }
  return e;
}

void AnswerTable::renderNegativeSoa() {
  // Negative answers' SOA (RFC 2308: TTL is the lesser of the SOA's TTL and its MINIMUM field).
  std::vector<uint8_t> soa;
  BodyWriter w(soa, "");  // names written out in full: the owner pointer varies per query
  w.u16(dns::kTypeSOA);
  w.u16(dns::kClassIN);
  w.u32(std::min(zone_.ttl, zone_.soaMinttl));
  const size_t rdlen = soa.size();
  w.u16(0);
  w.name(wire(zone_.soaMname), false);
  w.name(wire(zone_.soaRname), false);
  for (uint32_t v : {zone_.soaSerial, zone_.soaRefresh, zone_.soaRetry, zone_.soaExpire, zone_.soaMinttl}) w.u32(v);
  put16(&soa[rdlen], static_cast<uint16_t>(soa.size() - rdlen - 2));
  negativeSoaTail_.assign(soa.begin(), soa.end());
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

AnswerTable::Key& AnswerTable::insert(std::string_view wireName, const NameEntry* entry) {
  if ((liveNames_ + 1) * 2 > slots_.size()) {
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
  if (slots_[s] != 0) return keyAt(slots_[s]);
  Key key;
  key.name = static_cast<uint32_t>(wireName.data() - nameArena_.data());
  key.hash = static_cast<uint32_t>(hash);
  key.length = static_cast<uint8_t>(wireName.size());
  ++liveNames_;
  if (entry != nullptr) {
    names_.push_back({*entry, key});
    slots_[s] = static_cast<uint32_t>(names_.size());
    return names_.back().key;
  }
  emptyNames_.push_back(key);
  slots_[s] = static_cast<uint32_t>(emptyNames_.size()) | kEmptyBit;
  return emptyNames_.back();
}

size_t AnswerTable::memoryBytes() const {
  return nameArena_.capacity() + names_.capacity() * sizeof(Named) + emptyNames_.capacity() * sizeof(Key) +
         slots_.capacity() * sizeof(uint32_t) + rendered_.capacity() * sizeof(Rendered) + bytes_.capacity() +
         answerRrOffsets_.capacity() * sizeof(uint16_t);
}

}  // namespace mdns
