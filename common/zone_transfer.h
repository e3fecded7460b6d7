// Zone transfers of the Mesos domain: recognising an AXFR or IXFR query, and writing the reply's
// messages (RFC 5936; an IXFR is answered with the whole zone, as RFC 1995 section 4 allows) one
// at a time from a RecordSet, so that a big zone never sits in memory as one buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/answer_table.h"
#include "common/dns_wire.h"
#include "common/record_set.h"

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
};

// Reads `packet` as an AXFR or IXFR query for a name at or below `apexWire` (lower case). Anything
// else (other types, names outside the domain, malformed packets) is std::nullopt: the ordinary
// query path answers it.
std::optional<TransferQuery> parseTransferQuery(const uint8_t* packet, size_t length, std::string_view apexWire);

// Writes the messages of the reply to one transfer query: the SOA, the apex NS, every A, AAAA and
// SRV record of the names in the domain (in the set's name order), and the SOA again. Every message
// carries the question and (if the query had one) an OPT record, and has AA set. Owner names are
// compressed against the previous owner in the same message; names inside RDATA never are.
// `records` and `zone` must outlive the writer; the query's bytes are copied.
class ZoneTransferWriter {
 public:
  // Messages stop at 16 KiB, as NSD's do: a compression pointer (14 bits) reaches any earlier name
  // of such a message, so every owner name can be compressed.
  static constexpr size_t kDefaultMessageLimit = 16384;

  ZoneTransferWriter(const RecordSet& records, const ZoneOptions& zone, const uint8_t* packet,
                     const TransferQuery& query, bool recursionAvailable, size_t messageLimit = kDefaultMessageLimit);

  // Writes the next message into `out` (room for messageLimit bytes) and returns its length; 0
  // once every message has been written.
  size_t next(uint8_t* out);
  bool done() const { return phase_ == Phase::kDone; }
  uint64_t recordCount() const { return recordsWritten_; }
  uint64_t messageCount() const { return messages_; }

 private:
  enum class Phase { kFirstSoa, kNs, kNames, kLastSoa, kDone };
  // Moves to the next record to write (across names and phases).
  void advance();
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

  Phase phase_ = Phase::kFirstSoa;
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
