// The Mesos domain's answers, rendered to wire format once per record set so that a query costs a
// hash lookup and a copy. Immutable once built; shared by every worker through a shared_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns_wire.h"
#include "common/record_set.h"
#include "common/zone_diff.h"

namespace mdns {

struct ZoneOptions {
  std::string domain = "mesos";  // without the trailing dot
  uint32_t ttl = 60;
  std::string soaMname = "ns1.mesos.";
  std::string soaRname = "root.ns1.mesos.";
  uint32_t soaSerial = 1;
  uint32_t soaRefresh = 60;
  uint32_t soaRetry = 600;
  uint32_t soaExpire = 86400;
  uint32_t soaMinttl = 60;
  uint16_t srvWeight = 1;
  bool operator==(const ZoneOptions&) const = default;
};

class AnswerTable {
 public:
  // One rendered reply body: answer, authority and additional RRs, compressed against the
  // question name only (and, in the additional section, against itself), so that the answer
  // RRs can be rotated and whole sections dropped without breaking a pointer.
  struct Rendered {
    uint32_t offset = 0;     // into bytes_
    uint32_t rrOffsets = 0;  // into answerRrOffsets_: ancount + 1 entries (the last is the end)
    uint16_t ancount = 0;
    uint16_t nscount = 0;
    uint16_t arcount = 0;
    uint16_t authorityEnd = 0;  // relative to offset; answers end at answerRrOffsets_[rrOffsets + ancount]
    uint16_t length = 0;
  };
  static constexpr uint32_t kNone = UINT32_MAX;
  struct NameEntry {
    uint32_t a = kNone, aaaa = kNone, srv = kNone, any = kNone, soa = kNone, ns = kNone, ptr = kNone;  // into rendered_
  };

  // `sizeLike`: an earlier table of much the same content (the one being replaced), whose sizes
  // are reserved at once, so that the rendered bytes do not grow by doubling. The set's PTR
  // records are answered for their in-addr.arpa / ip6.arpa names.
  static std::shared_ptr<const AnswerTable> build(const RecordSet& records, const ZoneOptions& zone,
                                                  const AnswerTable* sizeLike = nullptr);

  // The table of `after` made from `base`, the table of `before`, where `diff` is what went and
  // came between the two sets (diffRecordSets), under `zone` (a new serial; nothing else may
  // differ from base's zone): base's arrays are copied and only the names the difference touches
  // are rendered again (with the apex, whose SOA carries the serial, the SRV names whose targets'
  // addresses changed, and the PTR names that changed); names that went are taken out, with the
  // empty non-terminals nothing is below any more. A few milliseconds at 10,000 tasks, where
  // build() takes 150. nullptr when the renderings replaced so far would make up half of the
  // table: build it again then.
  static std::shared_ptr<const AnswerTable> patch(const AnswerTable& base, const RecordSet& before,
                                                  const RecordSet& after, const ZoneDiff& diff,
                                                  const ZoneOptions& zone);

  const ZoneOptions& zone() const { return zone_; }
  const std::string& apexWire() const { return apexWire_; }
  // Entry for a lower-case wire name inside the domain, or a reverse name with a PTR record;
  // nullptr when the name does not exist.
  const NameEntry* find(std::string_view lowerWireName) const;
  const Rendered* rendered(uint32_t index) const { return index == kNone ? nullptr : &rendered_[index]; }
  const uint8_t* bytes(const Rendered& r) const { return bytes_.data() + r.offset; }
  uint16_t answerRrOffset(const Rendered& r, size_t i) const { return answerRrOffsets_[r.rrOffsets + i]; }
  // The answer RRs' start offsets and their end: ancount + 1 ascending values.
  std::span<const uint16_t> answerRrOffsets(const Rendered& r) const {
    return std::span<const uint16_t>(answerRrOffsets_).subspan(r.rrOffsets, r.ancount + 1u);
  }
  // The SOA record as it stands in a negative answer's authority section, minus its owner
  // (a 2-byte pointer to the apex inside the question, written per query).
  std::string_view negativeSoaTail() const { return negativeSoaTail_; }
  size_t nameCount() const { return liveNames_; }
  size_t memoryBytes() const;

 private:
  AnswerTable() = default;
  // A copy of `base` with room for each array to grow by an eighth without being moved again
  // (which patch() would otherwise do at its first rendering, for each array).
  struct WithRoom {};
  AnswerTable(const AnswerTable& base, WithRoom);
  // A name's entry: its answers for each type, rendered.
  NameEntry renderEntry(std::string_view qnameWire, const NameRecords& records, const RecordSet& all);
  void renderNegativeSoa();
  uint32_t render(std::string_view qnameWire, uint16_t type, const NameRecords& records, const RecordSet& all);
  uint32_t renderPtr(std::string_view qnameWire, std::string_view targetWire);
  // The name index: open addressing with linear probing, at most half full, so that a name that
  // is not there (NXDOMAIN) costs about two probes. No allocation per name: an owner name costs
  // 36 bytes and an empty non-terminal 12, plus the slots.
  struct Key {
    uint32_t name = 0;   // offset in nameArena_
    uint32_t hash = 0;   // low bits of the name's hash
    uint32_t below = 0;  // owner names under this one (in the domain): an empty non-terminal goes at 0
    uint8_t length = 0;
  };
  struct Named {
    NameEntry entry;
    Key key;
  };
  static constexpr uint32_t kEmptyBit = 0x80000000;  // in a slot: an index into emptyNames_
  // Adds a name (a view into nameArena_) unless it is there already; without an entry, as an
  // empty non-terminal. Returns its key.
  Key& insert(std::string_view wireName, const NameEntry* entry);
  Key& keyAt(uint32_t slot) {
    return (slot & kEmptyBit) != 0 ? emptyNames_[(slot & ~kEmptyBit) - 1] : names_[slot - 1].key;
  }
  // Empties slot `s`, moving the names after it back where their probe sequence allows.
  void eraseSlot(size_t s);
  // Replaced renderings: their bytes stay in bytes_ until the table is built again.
  void retire(const NameEntry& entry);
  const Key& keyOf(uint32_t slot) const {
    return (slot & kEmptyBit) != 0 ? emptyNames_[(slot & ~kEmptyBit) - 1] : names_[slot - 1].key;
  }
  // The slot holding the name, or the free slot where it would go.
  size_t probe(std::string_view wireName, size_t hash) const;

  ZoneOptions zone_;
  std::string apexWire_;
  std::string nameArena_;        // every name in wire format, once
  std::vector<Named> names_;     // names with records (and the apex)
  std::vector<Key> emptyNames_;  // names between them and the apex: they exist, with no records (RFC 8020)
  std::vector<uint32_t> slots_;  // index into names_ + 1, or into emptyNames_ + 1 with kEmptyBit; 0 is free
  std::vector<Rendered> rendered_;
  std::vector<uint8_t> bytes_;
  std::vector<uint16_t> answerRrOffsets_;
  std::string negativeSoaTail_;
  size_t liveNames_ = 0;     // names in slots_ (names_ and emptyNames_ also hold ones taken out)
  size_t retiredBytes_ = 0;  // of bytes_, renderings no entry uses any more
};

}  // namespace mdns
