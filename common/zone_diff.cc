#include "common/zone_diff.h"

#include <algorithm>
#include <string>

namespace mdns {
namespace {

size_t recordsIn(const RecordSet& set) { return set.countA() + set.countAAAA() + set.countSrv(); }

// Walks two sorted ranges at once: `onlyLeft` and `onlyRight` see what one of them has and the
// other has not; `both` what they share.
template <typename LeftRange, typename RightRange, typename Less, typename Left, typename Right, typename Both>
void mergeWalk(const LeftRange& left, const RightRange& right, Less less, Left onlyLeft, Right onlyRight, Both both) {
  auto l = left.begin();
  auto r = right.begin();
  while (l != left.end() || r != right.end()) {
    if (r == right.end() || (l != left.end() && less(*l, *r))) {
      onlyLeft(*l);
      ++l;
    } else if (l == left.end() || less(*r, *l)) {
      onlyRight(*r);
      ++r;
    } else {
      both(*l, *r);
      ++l;
      ++r;
    }
  }
}

void addAll(RecordSet& out, std::string_view name, const NameRecords& records) {
  for (const auto& ip : records.a) out.addAddress(name, ip);
  for (const auto& ip : records.aaaa) out.addAddress(name, ip);
  for (const auto& srv : records.srv) out.addSrv(name, srv);
}

// The values of one type that only `before` or only `after` has.
template <typename Values>
void diffValues(std::string_view name, const Values& before, const Values& after, ZoneDiff& diff) {
  auto less = [](const auto& x, const auto& y) { return x < y; };
  auto add = [name](RecordSet& set) {
    return [&set, name](const auto& value) {
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, SrvTarget>) {
        set.addSrv(name, value);
      } else {
        set.addAddress(name, value);
      }
    };
  };
  mergeWalk(before, after, less, add(diff.removed), add(diff.added), [](const auto&, const auto&) {});
}

}  // namespace

bool serialAfter(uint32_t a, uint32_t b) {
  const uint32_t ahead = a - b;  // modulo 2^32
  return ahead != 0 && ahead < (1U << 31);
}

uint32_t nextSerial(uint32_t current, uint32_t wanted) { return serialAfter(wanted, current) ? wanted : current + 1; }

size_t ZoneDiff::recordCount() const { return recordsIn(removed) + recordsIn(added); }

ZoneDiff diffRecordSets(const RecordSet& before, const RecordSet& after) {
  ZoneDiff diff;
  auto byName = [](const auto& x, const auto& y) { return x.first < y.first; };
  mergeWalk(
      before.names(), after.names(), byName, [&diff](const auto& n) { addAll(diff.removed, n.first, n.second); },
      [&diff](const auto& n) { addAll(diff.added, n.first, n.second); },
      [&diff](const auto& b, const auto& a) {
        diffValues(b.first, b.second.a, a.second.a, diff);
        diffValues(b.first, b.second.aaaa, a.second.aaaa, diff);
        diffValues(b.first, b.second.srv, a.second.srv, diff);
      });
  diff.removed.finalize();
  diff.added.finalize();
  return diff;
}

Result<RecordSet> applyDiff(const RecordSet& base, const RecordSet& removed, const RecordSet& added) {
  std::string error;
  auto out = base.patched(removed, added, error);
  if (!out) return Error{error};
  return std::move(*out);
}

std::shared_ptr<const ZoneHistory> ZoneHistory::extend(const ZoneHistory* previous,
                                                       std::shared_ptr<const ZoneDiff> diff, size_t zoneRecords) {
  auto history = std::make_shared<ZoneHistory>();
  if (previous != nullptr && !previous->diffs_.empty() && previous->diffs_.back()->toSerial == diff->fromSerial) {
    history->diffs_ = previous->diffs_;
    history->records_ = previous->records_;
  }
  history->records_ += diff->recordCount();
  history->diffs_.push_back(std::move(diff));
  const size_t recordLimit = std::max(zoneRecords, kMinRecords);
  size_t drop = 0;
  while (drop < history->diffs_.size() &&
         (history->diffs_.size() - drop > kMaxDiffs || history->records_ > recordLimit)) {
    history->records_ -= history->diffs_[drop]->recordCount();
    ++drop;
  }
  history->diffs_.erase(history->diffs_.begin(), history->diffs_.begin() + static_cast<std::ptrdiff_t>(drop));
  return history;
}

std::span<const std::shared_ptr<const ZoneDiff>> ZoneHistory::since(uint32_t serial) const {
  for (size_t i = 0; i < diffs_.size(); ++i) {
    if (diffs_[i]->fromSerial == serial) return std::span(diffs_).subspan(i);
  }
  return {};
}

}  // namespace mdns
