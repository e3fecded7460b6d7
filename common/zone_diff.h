// How one version of the zone differs from the next, and the recent differences a primary keeps so
// that its secondaries transfer only what changed (IXFR, RFC 1995). Serials follow RFC 1982
// arithmetic. Pure; every object here is immutable once built and shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/record_set.h"
#include "common/result.h"

namespace mdns {

// RFC 1982 section 3.2: `a` is after `b` (never true for equal serials, nor for serials exactly
// 2^31 apart, whose order is undefined).
bool serialAfter(uint32_t a, uint32_t b);
// The serial of a new version of a zone now at `current`: `wanted` (the time of the change) when
// that is after `current`, else current + 1, so that serials only move forward.
uint32_t nextSerial(uint32_t current, uint32_t wanted);

// The forward zone's records (A, AAAA, SRV; not PTR, which zone transfers do not carry) that went
// and came from the version with serial `fromSerial` to the one with `toSerial`.
struct ZoneDiff {
  uint32_t fromSerial = 0;
  uint32_t toSerial = 0;
  RecordSet removed;  // finalized
  RecordSet added;    // finalized
  size_t recordCount() const;
};

// `before` and `after` finalized; the serials are left for the caller.
ZoneDiff diffRecordSets(const RecordSet& before, const RecordSet& after);

// `base` with `removed` taken out and `added` put in (a transferred difference). An error names
// the first record that makes the difference not fit `base`: a removed record it does not hold, or
// an added one it already has (the two sides disagree on what `base` is: take the whole zone).
// The result has no PTR records.
Result<RecordSet> applyDiff(const RecordSet& base, const RecordSet& removed, const RecordSet& added);

// The differences that led to the current version, oldest first, each starting at the serial where
// the one before ended. Bounded: at most kMaxDiffs, and no more records in all than the zone itself
// holds (at least kMinRecords): a secondary further behind takes the whole zone, which costs less.
class ZoneHistory {
 public:
  static constexpr size_t kMaxDiffs = 512;
  static constexpr size_t kMinRecords = 4096;
  using Diffs = std::vector<std::shared_ptr<const ZoneDiff>>;

  // The history after `diff`: `previous` (may be null) with `diff` at the end, when `diff` starts
  // where `previous` ends (else `diff` alone), trimmed to the bounds for a zone of `zoneRecords`.
  static std::shared_ptr<const ZoneHistory> extend(const ZoneHistory* previous, std::shared_ptr<const ZoneDiff> diff,
                                                   size_t zoneRecords);

  // The differences from version `serial` to the newest, in order; empty when `serial` is not
  // the start of a held difference (too old, unknown, or already the newest).
  std::span<const std::shared_ptr<const ZoneDiff>> since(uint32_t serial) const;
  const Diffs& diffs() const { return diffs_; }
  size_t recordCount() const { return records_; }

 private:
  Diffs diffs_;
  size_t records_ = 0;
};

}  // namespace mdns
