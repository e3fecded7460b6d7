// Zone transfers of the Mesos domain: recognising an AXFR or IXFR query, and writing the reply's
// messages one at a time from record sets, so that a big zone never sits in memory as one buffer:
// the whole zone (AXFR, RFC 5936), the differences since the asker's serial (IXFR, RFC 1995), or,
// for an IXFR whose asker is up to date, the SOA alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/answer_table.h"
#include "common/dns_wire.h"
#include "common/record_set.h"
#include "common/zone_diff.h"

namespace mdns {

namespace dns {
inline constexpr uint16_t kTypeIXFR = 251;
inline constexpr uint16_t kTypeAXFR = 252;
inline constexpr uint8_t kRcodeNotAuth = 9;
}  // namespace dns

struct TransferQuery {
  dns::Query query;  // header, question (an IXFR's authority SOA is skipped) and EDNS
  bool ixfr = false;
  bool apex = false;  // the question is the domain's apex (any letter case) in class IN
  // An IXFR's serial: the version the asker holds (from the SOA in its authority section).
  std::optional<uint32_t> askerSerial;
};

// One piece of a transfer's answer section: an SOA with `serial` (the zone's other SOA fields),
// the apex NS, or every record of a set (names outside the domain skipped).
struct TransferPart {
  enum class Kind { kSoa, kNs, kRecords };
  Kind kind = Kind::kSoa;
  uint32_t serial = 0;
  const RecordSet* records = nullptr;
};
// The whole zone at `serial`: SOA, NS, the records, SOA (RFC 5936 section 2.2).
std::vector<TransferPart> axfrParts(const RecordSet& records, uint32_t serial);
// The differences from the first diff's start to `serial` (RFC 1995 section 4): the new SOA; per
// difference the old SOA, what went, the new SOA, what came; the new SOA again. With no
// differences: the SOA alone (the asker is up to date).
std::vector<TransferPart> ixfrParts(std::span<const std::shared_ptr<const ZoneDiff>> diffs, uint32_t serial);

// Reads `packet` as an AXFR or IXFR query for a name at or below `apexWire` (lower case). Anything
// else (other types, names outside the domain, malformed packets) is std::nullopt: the ordinary
// query path answers it.
std::optional<TransferQuery> parseTransferQuery(const uint8_t* packet, size_t length, std::string_view apexWire);

// A NOTIFY (RFC 1996) for the SOA of the domain's apex `apexWire` (any letter case, class IN): its
// header and question (`questionEnd`), for the reply. Other NOTIFYs and other messages: nullopt.
std::optional<dns::Query> parseNotify(const uint8_t* packet, size_t length, std::string_view apexWire);

// What a transfer query gets: an AXFR the whole zone; an IXFR the differences since its serial when
// `history` holds them, the SOA alone when the asker has this serial (or one after it), else the
// whole zone (RFC 1995 section 4).
struct TransferPlan {
  enum class Kind { kWholeZone, kDifferences, kUpToDate };
  Kind kind = Kind::kWholeZone;
  std::vector<TransferPart> parts;
  size_t differences = 0;  // diffs sent (kDifferences)
};
TransferPlan planTransfer(const TransferQuery& query, const RecordSet& records, uint32_t serial,
                          const ZoneHistory* history);

// Writes the messages of the reply to one transfer query: `parts` in order (every A, AAAA and SRV
// record of a part's names in the set's name order). Every message carries the question and (if
// the query had one) an OPT record, and has AA set. Owner names are compressed against the
// previous owner in the same message; names inside RDATA never are. The parts' record sets and
// `zone` must outlive the writer; the query's bytes are copied.
class ZoneTransferWriter {
 public:
  // Messages stop at 16 KiB, as NSD's do: a compression pointer (14 bits) reaches any earlier name
  // of such a message, so every owner name can be compressed.
  static constexpr size_t kDefaultMessageLimit = 16384;

  ZoneTransferWriter(std::vector<TransferPart> parts, const ZoneOptions& zone, const uint8_t* packet,
                     const TransferQuery& query, bool recursionAvailable, size_t messageLimit = kDefaultMessageLimit);
  // The whole zone (axfrParts at zone.soaSerial).
  ZoneTransferWriter(const RecordSet& records, const ZoneOptions& zone, const uint8_t* packet,
                     const TransferQuery& query, bool recursionAvailable, size_t messageLimit = kDefaultMessageLimit);

  // Writes the next message into `out` (room for messageLimit bytes) and returns its length; 0
  // once every message has been written.
  size_t next(uint8_t* out);
  bool done() const { return part_ == parts_.size(); }
  uint64_t recordCount() const { return recordsWritten_; }
  uint64_t messageCount() const { return messages_; }

 private:
  // Moves to the next record to write (across names and parts).
  void advance();
  // Makes part_ (or the next part with something to write) the current one.
  void enterPart();
  void skipNamesOutsideDomain();
  void loadOwner();
  // Bytes the owner `wire` takes in the message being written (see writeOwner()).
  size_t ownerSize(std::string_view wire, size_t& commonLabels) const;
  void writeOwner(std::string_view wire, uint8_t* out, size_t& pos);
  // Size of the record the cursor is on, and writes it.
  size_t recordSize(size_t& commonLabels) const;
  void writeRecord(uint8_t* out, size_t& pos);

  const ZoneOptions& zone_;
  std::string question_;  // the asker's question section, echoed
  uint16_t id_ = 0;
  uint16_t flags_ = 0;
  bool edns_ = false;
  bool dnssecOk_ = false;
  size_t messageLimit_;
  std::string apexText_, dotApex_, apexWire_, mnameWire_, rnameWire_;

  std::vector<TransferPart> parts_;
  size_t part_ = 0;
  RecordSet::Names::iterator name_, namesEnd_;
  NameRecords current_;
  std::string ownerWire_;  // the current name in wire format
  size_t inName_ = 0;      // records of the current name already written: A, then AAAA, then SRV

  // The previous owner written in the message: its labels' offsets, for compression.
  std::string previousOwner_;
  uint16_t previousOffsets_[128] = {};
  size_t previousLabels_ = 0;
  uint64_t recordsWritten_ = 0;
  uint64_t messages_ = 0;
};

}  // namespace mdns
