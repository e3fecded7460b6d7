// The last good record set on disk (cacheFile): a versioned text file with the records, where
// they came from and when, closed by an end line and checked by the content digest, so that a
// truncated or corrupted file is recognised and never served.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/record_set.h"

namespace mdns {

struct RecordFileMeta {
  int64_t savedAt = 0;    // unix seconds
  int64_t changedAt = 0;  // unix seconds: when the content last changed (the SOA serial's source)
  std::string origin;     // "master 10.0.0.5:5050"
  // The SOA serial served with these records (RFC 1982: it must never go back, also across a
  // restart); 0 in files from before serials were saved: the unix time of changedAt then.
  uint32_t serial = 0;
};

// `records` must be finalized.
std::string serializeRecordFile(const RecordSet& records, const RecordFileMeta& meta);
// The same text handed to `sink` in pieces of about 64 KiB, in order.
void writeRecordFile(const RecordSet& records, const RecordFileMeta& meta,
                     const std::function<void(std::string_view)>& sink);

struct RecordFileParse {
  std::optional<RecordSet> records;  // finalized
  RecordFileMeta meta;
  std::string error;  // "line 12: ..." or what is wrong with the whole
};
RecordFileParse parseRecordFile(std::string_view text);

}  // namespace mdns
