// The secondary's side of zone transfers: the queries it sends (SOA, AXFR, IXFR with its serial)
// and a reader for the reply's messages as they come, whichever form the primary chose (RFC 1995
// section 4: the SOA alone, the whole zone, or differences). Pure, and never reads past a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/record_set.h"
#include "common/result.h"
#include "common/zone_diff.h"

namespace mdns {

// A query for the apex of `domain` ("mesos", no trailing dot) of type SOA, AXFR or IXFR (with the
// asker's `serial` in an authority SOA, RFC 1995 section 3). SOA and IXFR queries offer EDNS with
// a 1232-byte UDP size.
std::vector<uint8_t> soaQuery(uint16_t id, const std::string& domain);
std::vector<uint8_t> axfrQuery(uint16_t id, const std::string& domain);
std::vector<uint8_t> ixfrQuery(uint16_t id, const std::string& domain, uint32_t serial);

// The serial in the reply to soaQuery(id, domain): an error names what is wrong (another ID, an
// error RCODE such as REFUSED or SERVFAIL, no SOA for the apex, a malformed message).
Result<uint32_t> soaSerialOfReply(const uint8_t* message, size_t length, uint16_t id, const std::string& domain);

class TransferReader {
 public:
  enum class Form { kUnknown, kUpToDate, kWholeZone, kDifferences };

  // `askerSerial`: the serial the query said the asker holds (IXFR), so that a reply of the SOA
  // alone is recognised as "up to date".
  TransferReader(std::string domain, uint16_t id, std::optional<uint32_t> askerSerial);

  // One message of the reply. An error (malformed, another ID, an error RCODE, records after the
  // end, a difference that does not follow the one before) ends the transfer.
  Status add(const uint8_t* message, size_t length);
  // The last SOA has come: the transfer is complete.
  bool done() const { return done_; }

  Form form() const { return form_; }
  uint32_t serial() const { return serial_; }  // the primary's serial (the first SOA)
  // kWholeZone: the zone's records (A, AAAA, SRV), finalized.
  RecordSet takeZone();
  // kDifferences: in order, each finalized.
  std::vector<ZoneDiff> takeDiffs();

  uint64_t records() const { return records_; }  // answer records read
  uint64_t ignored() const { return ignored_; }  // of other types, or names outside the domain or unstorable

 private:
  enum class State { kFirstSoa, kSecond, kZone, kDeleting, kAdding, kDone };
  Status record(uint16_t type, const std::string& owner, const uint8_t* message, size_t length, size_t rdata,
                size_t rdlength);
  // One record of `type` whose RDATA is message[rdata, rdata + rdlength) (the record is in bounds).
  void store(RecordSet& set, uint16_t type, const std::string& owner, const uint8_t* message, size_t rdata,
             size_t rdlength);

  std::string domain_, dotDomain_;
  uint16_t id_;
  std::optional<uint32_t> askerSerial_;
  State state_ = State::kFirstSoa;
  Form form_ = Form::kUnknown;
  bool done_ = false;
  uint32_t serial_ = 0;
  RecordSet zone_;
  std::vector<ZoneDiff> diffs_;
  uint64_t records_ = 0, ignored_ = 0, messages_ = 0;
};

}  // namespace mdns
