// The records of the Mesos domain, by owner name: A, AAAA and SRV, as mesos-dns keeps them.
// Built once per refresh by the generator, then read-only (shared between threads).
//
// Laid out flat, for a 100,000-task cluster's ~900,000 names: every name once in one text block,
// one 16-byte entry per owner name (sorted, found by binary search), and the values in three
// arrays. No per-name allocation; about a quarter of what a map of strings and vectors costs.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/ip_address.h"

namespace mdns {

// An SRV record's target and port. As a value read from a RecordSet, `target` points into the set.
struct SrvTarget {
  std::string_view target;  // fully qualified, lower case, with the trailing dot
  uint16_t port = 0;
  auto operator<=>(const SrvTarget&) const = default;
};

// One name's SRV records, read from a RecordSet.
class SrvList {
 public:
  struct Stored {
    uint32_t target = 0;  // offset of the target's name in the set's text
    uint16_t port = 0;
  };
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = SrvTarget;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = SrvTarget;
    iterator() = default;
    iterator(const Stored* at, const char* text) : at_(at), text_(text) {}
    SrvTarget operator*() const;
    iterator& operator++() {
      ++at_;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++at_;
      return old;
    }
    bool operator==(const iterator& o) const { return at_ == o.at_; }

   private:
    const Stored* at_ = nullptr;
    const char* text_ = nullptr;
  };

  SrvList() = default;
  SrvList(std::span<const Stored> stored, const char* text) : stored_(stored), text_(text) {}
  size_t size() const { return stored_.size(); }
  bool empty() const { return stored_.empty(); }
  SrvTarget operator[](size_t i) const { return *iterator(stored_.data() + i, text_); }
  SrvTarget front() const { return (*this)[0]; }
  iterator begin() const { return {stored_.data(), text_}; }
  iterator end() const { return {stored_.data() + stored_.size(), text_}; }

 private:
  std::span<const Stored> stored_;
  const char* text_ = nullptr;
};

// The records of one name: views into the set, valid as long as the set is.
struct NameRecords {
  std::span<const IpAddress> a;
  std::span<const IpAddress> aaaa;
  SrvList srv;
  bool empty() const { return a.empty() && aaaa.empty() && srv.empty(); }
};

// Why a name (dotted, trailing dot optional) cannot be written in DNS wire format, if it cannot.
enum class NameProblem { kNone, kEmptyLabel, kLongLabel, kLongName };
NameProblem nameProblem(std::string_view name);
// "an empty label", "a label over 63 bytes", "more than 255 bytes"; "" for kNone.
const char* describe(NameProblem problem);
// True when `name` can be written in DNS wire format: labels of 1 to 63 bytes, 255 bytes in all.
inline bool isEncodableName(std::string_view name) { return nameProblem(name) == NameProblem::kNone; }

// A reverse-zone record (PTR): an address and the name it points at (a RecordSet::NameRef).
struct ReversePointer {
  IpAddress ip;
  uint32_t name = 0;
  bool operator==(const ReversePointer&) const = default;
};
using ReversePointers = std::vector<ReversePointer>;  // sorted by address, one per address

class RecordSet {
  struct Entry {
    uint32_t name = 0;                           // offset in text_
    uint32_t aEnd = 0, aaaaEnd = 0, srvEnd = 0;  // the values end here; they begin where the previous entry's end
  };
  struct Builder;

 public:
  RecordSet();
  ~RecordSet();
  RecordSet(const RecordSet& other);
  RecordSet(RecordSet&& other) noexcept;
  RecordSet& operator=(const RecordSet& other);
  RecordSet& operator=(RecordSet&& other) noexcept;

  // Where a name is kept in the set (before and after finalize()): see nameAt().
  using NameRef = uint32_t;

  // Names are fully qualified with the trailing dot. A name that cannot be put on the wire is
  // counted in droppedNames() and not stored. Returns false for a duplicate (exactly, for names
  // with up to 32 values; longer lists are deduplicated by finalize()). When added, `where` (and
  // `targetWhere`) tell where the name (and the SRV target) are kept.
  bool addAddress(std::string_view name, const IpAddress& ip, NameRef* where = nullptr);
  bool addSrv(std::string_view name, const SrvTarget& target, NameRef* where = nullptr, NameRef* targetWhere = nullptr);
  // This set (finalized) with `removed` taken out and `added` put in (both finalized), without
  // building it again: the text is copied as it is (a name that goes stays in it until the text is
  // mostly such names, then it is compacted) and the values are copied entry by entry; only the
  // names the two sets hold are merged. A few milliseconds at 100,000 records, where building
  // takes a hundred. std::nullopt, with `error` naming the first record that does not fit, when
  // `removed` holds a record this set has not or `added` one it has. The result has no PTR
  // records and counts no dropped names.
  std::optional<RecordSet> patched(const RecordSet& removed, const RecordSet& added, std::string& error) const;
  // Sorts the names and every name's values and removes duplicates: call when building is done.
  // Reading (find, names, counts, digest) needs it. Adding after it opens the set again (at the
  // cost of re-indexing it), and needs another finalize().
  void finalize();

  // The names with records, in order, as (name, records) pairs.
  class Names {
   public:
    using value_type = std::pair<std::string_view, NameRecords>;
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = Names::value_type;
      using difference_type = std::ptrdiff_t;
      using pointer = void;
      using reference = value_type;
      iterator() = default;
      iterator(const RecordSet* set, size_t i) : set_(set), i_(i) {}
      value_type operator*() const { return {set_->entryName(i_), set_->recordsAt(i_)}; }
      iterator& operator++() {
        ++i_;
        return *this;
      }
      iterator operator++(int) {
        auto old = *this;
        ++i_;
        return old;
      }
      bool operator==(const iterator& o) const { return i_ == o.i_; }

     private:
      const RecordSet* set_ = nullptr;
      size_t i_ = 0;
    };
    explicit Names(const RecordSet& set) : set_(set) {}
    iterator begin() const { return {&set_, 0}; }
    iterator end() const { return {&set_, set_.entries_.size()}; }
    size_t size() const { return set_.entries_.size(); }
    bool empty() const { return set_.entries_.empty(); }

   private:
    const RecordSet& set_;
  };

  std::optional<NameRecords> find(std::string_view name) const;
  // The names with an SRV record whose target is one of `targets`, in order, each once.
  std::vector<std::string_view> srvOwnersOf(const std::unordered_set<std::string_view>& targets) const;
  std::string_view nameAt(NameRef ref) const { return textAt(ref); }
  // Where `name` is kept, after finalize(); std::nullopt when the set has no records for it.
  std::optional<NameRef> refOf(std::string_view name) const;
  // Which text the set's NameRefs point into: a set patched from this one (without compacting)
  // keeps the text and its id, so that a NameRef of this set still names the same name there.
  uint64_t textId() const { return textId_; }
  // PTR records for the reverse zones (in-addr.arpa, ip6.arpa), pointing at names of this set;
  // part of the content (digest, equality). Set after finalize().
  // `knownHash`: the PTR records' part of contentHash() (reverseHash() summed), when the caller
  // keeps it (the record book); else it is computed here.
  void setReverse(ReversePointers reverse, std::optional<std::array<uint64_t, 2>> knownHash = std::nullopt);
  // One PTR record's part of contentHash().
  static std::array<uint64_t, 2> reverseHash(const IpAddress& ip, std::string_view name);
  const ReversePointers& reverse() const { return reverse_; }
  Names names() const { return Names(*this); }

  size_t countA() const { return a_.size(); }
  size_t countAAAA() const { return aaaa_.size(); }
  size_t countSrv() const { return srv_.size(); }
  size_t droppedNames() const { return dropped_.count[1] + dropped_.count[2] + dropped_.count[3]; }
  // Names left out for `problem`, and the first of them.
  size_t droppedNames(NameProblem problem) const { return dropped_.count[static_cast<size_t>(problem)]; }
  const std::string& droppedExample(NameProblem problem) const {
    return dropped_.example[static_cast<size_t>(problem)];
  }
  size_t memoryBytes() const;
  bool operator==(const RecordSet& other) const;
  // SHA-1 over the whole content (names and values, after finalize()): equal digests, equal sets.
  // What the cache file is checked with (files from every version carry it).
  std::array<uint8_t, 20> contentDigest() const;
  // A 128-bit hash of the content (common/hash128.h): what snapshots compare. The sum of every
  // record's own hash, so that it is known without reading the set again: finalize() makes it
  // (8 ms at 144,000 records), patched() moves it by the records of the difference, and
  // setReverse() adds the PTR records'.
  std::array<uint64_t, 2> contentHash() const;

 private:
  // Feeds the content, as contentDigest() defines it, to `put(data, size)`.
  template <class Put>
  void feedContent(Put put) const;
  // The builder's index of `name`, added (to text_ and the index) when new. Only encodable names
  // (at most 254 characters in text) come here, so a length byte holds any of them.
  uint32_t intern(std::string_view name);
  void thaw();  // finalized back to building
  // The text again with only the names the set refers to (after patched() left some behind).
  void compactText();
  std::string_view textAt(uint32_t offset) const;
  std::string_view entryName(size_t entry) const { return textAt(entries_[entry].name); }
  NameRecords recordsAt(size_t entry) const;

  // Every name once: a length byte, the name, a NUL. Names are referred to by the offset of their
  // first character.
  std::vector<char> text_;
  std::vector<Entry> entries_;  // sorted by name
  std::vector<IpAddress> a_;
  std::vector<IpAddress> aaaa_;
  std::vector<SrvList::Stored> srv_;
  struct Dropped {
    std::array<size_t, 4> count{};  // by NameProblem
    std::array<std::string, 4> example;
    void add(NameProblem problem, std::string_view name);
  };
  Dropped dropped_;
  ReversePointers reverse_;
  uint64_t textId_ = 0;
  std::array<uint64_t, 2> forwardHash_{};  // the A, AAAA and SRV records' part of contentHash() (when finalized)
  std::array<uint64_t, 2> reverseHash_{};  // the PTR records' part
  // Adds (sign 1) or takes out (-1) the hashes of `set`'s A, AAAA and SRV records to `sum`.
  static void sumRecords(const RecordSet& set, int sign, std::array<uint64_t, 2>& sum);
  std::unique_ptr<Builder> builder_;  // until finalize()
};

// The reverse-lookup name of an address: "4.3.2.1.in-addr.arpa." or the 32 nibbles of ip6.arpa.
std::string reverseName(const IpAddress& ip);

}  // namespace mdns
