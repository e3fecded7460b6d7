#include "common/record_set.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <functional>
#include <optional>
#include <unordered_map>

#include "common/hash128.h"
#include "common/sha1.h"

namespace mdns {
namespace {

// Short lists are checked for duplicates on insert; long ones (slave.mesos on a big cluster) are
// checked against their last values only and deduplicated once in finalize(), which keeps building
// linear.
constexpr size_t kLinearCheckLimit = 32;
constexpr uint32_t kNil = UINT32_MAX;

uint64_t newTextId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

// What building needs and reading does not: the name index and each name's values as chains
// (newest first), in the order they came.
struct RecordSet::Builder {
  struct Name {
    uint32_t text = 0;  // offset in text_
    size_t hash = 0;
    uint32_t a = kNil, aaaa = kNil, srv = kNil;  // newest value of each chain
  };
  struct Address {
    IpAddress ip;
    uint32_t next = kNil;
  };
  struct Srv {
    SrvList::Stored value;
    uint32_t next = kNil;
  };
  std::vector<Name> names;
  std::vector<uint32_t> slots;  // open addressing: index into names + 1; 0 is free
  std::vector<Address> addresses;
  std::vector<Srv> srvs;
};

RecordSet::RecordSet() : builder_(std::make_unique<Builder>()) {}
RecordSet::~RecordSet() = default;
RecordSet::RecordSet(RecordSet&& other) noexcept = default;
RecordSet& RecordSet::operator=(RecordSet&& other) noexcept = default;
RecordSet::RecordSet(const RecordSet& other)
    : text_(other.text_),
      entries_(other.entries_),
      a_(other.a_),
      aaaa_(other.aaaa_),
      srv_(other.srv_),
      dropped_(other.dropped_),
      reverse_(other.reverse_),
      textId_(other.textId_),
      forwardHash_(other.forwardHash_),
      reverseHash_(other.reverseHash_),
      builder_(other.builder_ ? std::make_unique<Builder>(*other.builder_) : nullptr) {}
RecordSet& RecordSet::operator=(const RecordSet& other) {
  if (this != &other) *this = RecordSet(other);
  return *this;
}

NameProblem nameProblem(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return NameProblem::kNone;  // the root
  size_t wire = 1;
  size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t len = dot - start;
    if (len == 0) return NameProblem::kEmptyLabel;
    if (len > 63) return NameProblem::kLongLabel;
    wire += len + 1;
    start = dot + 1;
  }
  return wire <= 255 ? NameProblem::kNone : NameProblem::kLongName;
}

const char* describe(NameProblem problem) {
  switch (problem) {
    case NameProblem::kEmptyLabel:
      return "an empty label";
    case NameProblem::kLongLabel:
      return "a label over 63 bytes";
    case NameProblem::kLongName:
      return "more than 255 bytes";
    case NameProblem::kNone:
      break;
  }
  return "";
}

void RecordSet::Dropped::add(NameProblem problem, std::string_view name) {
  const auto i = static_cast<size_t>(problem);
  if (count[i]++ == 0) example[i] = std::string(name);
}

std::string_view RecordSet::textAt(uint32_t offset) const {
  return {text_.data() + offset, static_cast<uint8_t>(text_[offset - 1])};
}

SrvTarget SrvList::iterator::operator*() const {
  return {std::string_view(text_ + at_->target, static_cast<uint8_t>(text_[at_->target - 1])), at_->port};
}

uint32_t RecordSet::intern(std::string_view name) {
  Builder& b = *builder_;
  std::vector<char>& text = text_;
  const size_t hash = std::hash<std::string_view>()(name);
  if ((b.names.size() + 1) * 10 > b.slots.size() * 7) {
    b.slots.assign(std::max<size_t>(64, b.slots.size() * 2), 0);
    const size_t mask = b.slots.size() - 1;
    for (uint32_t i = 0; i < b.names.size(); ++i) {
      size_t s = b.names[i].hash & mask;
      while (b.slots[s] != 0) s = (s + 1) & mask;
      b.slots[s] = i + 1;
    }
  }
  const size_t mask = b.slots.size() - 1;
  size_t s = hash & mask;
  while (b.slots[s] != 0) {
    const auto& n = b.names[b.slots[s] - 1];
    if (n.hash == hash && static_cast<uint8_t>(text[n.text - 1]) == name.size() &&
        std::memcmp(text.data() + n.text, name.data(), name.size()) == 0) {
      return b.slots[s] - 1;
    }
    s = (s + 1) & mask;
  }
  const auto index = static_cast<uint32_t>(b.names.size());
  text.push_back(static_cast<char>(name.size()));
  const auto offset = static_cast<uint32_t>(text.size());
  text.insert(text.end(), name.begin(), name.end());
  text.push_back('\0');
  b.names.push_back({offset, hash});
  b.slots[s] = index + 1;
  return index;
}

bool RecordSet::addAddress(std::string_view name, const IpAddress& ip, NameRef* where) {
  if (!builder_) thaw();
  if (const NameProblem problem = nameProblem(name); problem != NameProblem::kNone) {
    dropped_.add(problem, name);
    return false;
  }
  Builder& b = *builder_;
  const uint32_t n = intern(name);
  uint32_t& head = ip.isV4() ? b.names[n].a : b.names[n].aaaa;
  size_t seen = 0;
  for (uint32_t i = head; i != kNil && seen < kLinearCheckLimit; i = b.addresses[i].next, ++seen) {
    if (b.addresses[i].ip == ip) return false;
  }
  b.addresses.push_back({ip, head});
  head = static_cast<uint32_t>(b.addresses.size() - 1);
  if (where != nullptr) *where = b.names[n].text;
  return true;
}

bool RecordSet::addSrv(std::string_view name, const SrvTarget& target, NameRef* where, NameRef* targetWhere) {
  if (!builder_) thaw();
  for (const std::string_view n : {name, target.target}) {
    if (const NameProblem problem = nameProblem(n); problem != NameProblem::kNone) {
      dropped_.add(problem, n);
      return false;
    }
  }
  Builder& b = *builder_;
  const uint32_t n = intern(name);
  const uint32_t t = b.names[intern(target.target)].text;
  uint32_t& head = b.names[n].srv;
  size_t seen = 0;
  for (uint32_t i = head; i != kNil && seen < kLinearCheckLimit; i = b.srvs[i].next, ++seen) {
    if (b.srvs[i].value.target == t && b.srvs[i].value.port == target.port) return false;
  }
  b.srvs.push_back({{t, target.port}, head});
  head = static_cast<uint32_t>(b.srvs.size() - 1);
  if (where != nullptr) *where = b.names[n].text;
  if (targetWhere != nullptr) *targetWhere = t;
  return true;
}

void RecordSet::thaw() {
  builder_ = std::make_unique<Builder>();
  Builder& b = *builder_;
  // A patched set's text may hold a name twice (a target appended again): both copies become one
  // builder name, and every value refers to that one, so that duplicates are still found.
  size_t count = 0;
  for (size_t at = 0; at < text_.size(); at += 2 + static_cast<uint8_t>(text_[at])) ++count;
  std::vector<uint32_t> indexOf(text_.size(), kNil);  // by name offset
  b.slots.assign(std::bit_ceil(count * 2 + 64), 0);
  const size_t mask = b.slots.size() - 1;
  for (size_t at = 0; at < text_.size(); at += 2 + static_cast<uint8_t>(text_[at])) {
    const auto offset = static_cast<uint32_t>(at + 1);
    const std::string_view name = textAt(offset);
    const size_t hash = std::hash<std::string_view>()(name);
    size_t slot = hash & mask;
    while (b.slots[slot] != 0 &&
           !(b.names[b.slots[slot] - 1].hash == hash && textAt(b.names[b.slots[slot] - 1].text) == name)) {
      slot = (slot + 1) & mask;
    }
    if (b.slots[slot] == 0) {
      b.names.push_back({offset, hash});
      b.slots[slot] = static_cast<uint32_t>(b.names.size());
    }
    indexOf[offset] = b.slots[slot] - 1;
  }
  for (size_t e = 0; e < entries_.size(); ++e) {
    auto& n = b.names[indexOf[entries_[e].name]];
    const NameRecords r = recordsAt(e);
    for (const auto& ip : r.a) {
      b.addresses.push_back({ip, n.a});
      n.a = static_cast<uint32_t>(b.addresses.size() - 1);
    }
    for (const auto& ip : r.aaaa) {
      b.addresses.push_back({ip, n.aaaa});
      n.aaaa = static_cast<uint32_t>(b.addresses.size() - 1);
    }
    const size_t srvBegin = e == 0 ? 0 : entries_[e - 1].srvEnd;
    for (size_t i = srvBegin; i < entries_[e].srvEnd; ++i) {
      SrvList::Stored value = srv_[i];
      value.target = b.names[indexOf[value.target]].text;
      b.srvs.push_back({value, n.srv});
      n.srv = static_cast<uint32_t>(b.srvs.size() - 1);
    }
  }
  for (auto& p : reverse_) p.name = b.names[indexOf[p.name]].text;
  entries_.clear();
  a_.clear();
  aaaa_.clear();
  srv_.clear();
}

namespace {

std::string describeRecord(std::string_view name, const IpAddress& ip) {
  return std::string(name) + (ip.isV4() ? " A " : " AAAA ") + ip.toString();
}
std::string describeRecord(std::string_view name, const SrvTarget& srv) {
  return std::string(name) + " SRV " + std::to_string(srv.port) + " " + std::string(srv.target);
}

// One type's values of a name: `base` minus `removed` plus `added`, in order, to `keep` (a value
// of base's) and `add` (one of added's); false, with `error`, when they do not fit.
template <typename Values, typename Keep, typename Add>
bool mergeValues(std::string_view name, const Values& base, const Values& removed, const Values& added, Keep keep,
                 Add add, std::string& error) {
  auto b = base.begin();
  auto r = removed.begin();
  auto a = added.begin();
  while (b != base.end() || a != added.end() || r != removed.end()) {
    // The smallest value of the three lists decides what happens to it.
    auto smallest = [&]() {
      using Value = std::decay_t<decltype(*base.begin())>;
      std::optional<Value> v;
      if (b != base.end()) v = *b;
      if (r != removed.end() && (!v || *r < *v)) v = *r;
      if (a != added.end() && (!v || *a < *v)) v = *a;
      return *v;
    }();
    const bool inBase = b != base.end() && *b == smallest;
    const bool inRemoved = r != removed.end() && *r == smallest;
    const bool inAdded = a != added.end() && *a == smallest;
    if (inRemoved && !inBase) {
      error = "the difference removes " + describeRecord(name, smallest) + ", which is not in the zone";
      return false;
    }
    if (inAdded && inBase && !inRemoved) {
      error = "the difference adds " + describeRecord(name, smallest) + ", which the zone already has";
      return false;
    }
    if (inAdded) {
      add(*a);
    } else if (inBase && !inRemoved) {
      keep(b);
    }
    if (inBase) ++b;
    if (inRemoved) ++r;
    if (inAdded) ++a;
  }
  return true;
}

}  // namespace

std::optional<RecordSet> RecordSet::patched(const RecordSet& removed, const RecordSet& added,
                                            std::string& error) const {
  RecordSet out;
  out.builder_.reset();
  out.text_ = text_;
  out.entries_.reserve(entries_.size() + added.entries_.size());
  out.a_.reserve(a_.size() + added.a_.size());
  out.aaaa_.reserve(aaaa_.size() + added.aaaa_.size());
  out.srv_.reserve(srv_.size() + added.srv_.size());
  // Names that are not this set's owners get their text appended (once).
  std::unordered_map<std::string, uint32_t> appended;
  auto offsetOf = [&](std::string_view name) -> uint32_t {
    if (const auto ref = refOf(name)) return *ref;
    const auto [it, isNew] = appended.try_emplace(std::string(name), 0);
    if (isNew) {
      out.text_.push_back(static_cast<char>(name.size()));
      it->second = static_cast<uint32_t>(out.text_.size());
      out.text_.insert(out.text_.end(), name.begin(), name.end());
      out.text_.push_back('\0');
    }
    return it->second;
  };
  auto endEntry = [&out](uint32_t name) {
    out.entries_.push_back({name, static_cast<uint32_t>(out.a_.size()), static_cast<uint32_t>(out.aaaa_.size()),
                            static_cast<uint32_t>(out.srv_.size())});
  };
  static const NameRecords kNone;
  size_t i = 0, r = 0, a = 0;
  const size_t nb = entries_.size(), nr = removed.entries_.size(), na = added.entries_.size();
  while (i < nb || r < nr || a < na) {
    std::string_view name;
    if (i < nb) name = entryName(i);
    if (r < nr && (name.data() == nullptr || removed.entryName(r) < name)) name = removed.entryName(r);
    if (a < na && (name.data() == nullptr || added.entryName(a) < name)) name = added.entryName(a);
    const bool inBase = i < nb && entryName(i) == name;
    const bool inRemoved = r < nr && removed.entryName(r) == name;
    const bool inAdded = a < na && added.entryName(a) == name;
    if (inBase && !inRemoved && !inAdded) {
      // Names the difference does not touch, up to the next one it does: their values as they
      // are, copied in one piece.
      size_t end = nb;
      if (r < nr || a < na) {
        std::string_view next = r < nr ? removed.entryName(r) : added.entryName(a);
        if (r < nr && a < na && added.entryName(a) < next) next = added.entryName(a);
        end = static_cast<size_t>(
            std::lower_bound(entries_.begin() + static_cast<long>(i), entries_.end(), next,
                             [this](const Entry& e, std::string_view n) { return textAt(e.name) < n; }) -
            entries_.begin());
      }
      const Entry before = i == 0 ? Entry{} : entries_[i - 1];
      const Entry& last = entries_[end - 1];
      const auto shiftA = static_cast<uint32_t>(out.a_.size() - before.aEnd);
      const auto shiftAaaa = static_cast<uint32_t>(out.aaaa_.size() - before.aaaaEnd);
      const auto shiftSrv = static_cast<uint32_t>(out.srv_.size() - before.srvEnd);
      out.a_.insert(out.a_.end(), a_.begin() + before.aEnd, a_.begin() + last.aEnd);
      out.aaaa_.insert(out.aaaa_.end(), aaaa_.begin() + before.aaaaEnd, aaaa_.begin() + last.aaaaEnd);
      out.srv_.insert(out.srv_.end(), srv_.begin() + before.srvEnd, srv_.begin() + last.srvEnd);
      for (; i < end; ++i) {
        const Entry& e = entries_[i];
        out.entries_.push_back({e.name, e.aEnd + shiftA, e.aaaaEnd + shiftAaaa, e.srvEnd + shiftSrv});
      }
      continue;
    }
    const NameRecords mine = inBase ? recordsAt(i) : kNone;
    const NameRecords gone = inRemoved ? removed.recordsAt(r) : kNone;
    const NameRecords come = inAdded ? added.recordsAt(a) : kNone;
    const size_t before = out.a_.size() + out.aaaa_.size() + out.srv_.size();
    auto keepIp = [](std::vector<IpAddress>& to) { return [&to](auto it) { to.push_back(*it); }; };
    auto addIp = [](std::vector<IpAddress>& to) { return [&to](const IpAddress& ip) { to.push_back(ip); }; };
    const char* text = text_.data();
    if (!mergeValues(name, mine.a, gone.a, come.a, keepIp(out.a_), addIp(out.a_), error) ||
        !mergeValues(name, mine.aaaa, gone.aaaa, come.aaaa, keepIp(out.aaaa_), addIp(out.aaaa_), error) ||
        !mergeValues(
            name, mine.srv, gone.srv, come.srv,
            [&out, text](SrvList::iterator it) {
              const SrvTarget t = *it;
              out.srv_.push_back({static_cast<uint32_t>(t.target.data() - text), t.port});
            },
            [&out, &offsetOf](const SrvTarget& t) {
              out.srv_.push_back({offsetOf(t.target), t.port});
            },
            error)) {
      return std::nullopt;
    }
    if (out.a_.size() + out.aaaa_.size() + out.srv_.size() > before)
      endEntry(inBase ? entries_[i].name : offsetOf(name));
    if (inBase) ++i;
    if (inRemoved) ++r;
    if (inAdded) ++a;
  }
  out.textId_ = textId_;
  out.forwardHash_ = forwardHash_;
  sumRecords(removed, -1, out.forwardHash_);
  sumRecords(added, 1, out.forwardHash_);
  size_t live = 0;
  for (const Entry& e : out.entries_) live += 2 + static_cast<uint8_t>(out.text_[e.name - 1]);
  if (out.text_.size() > 2 * live + 65536) out.compactText();
  return out;
}

void RecordSet::compactText() {
  std::vector<char> text;
  text.reserve(text_.size() / 2);
  std::unordered_map<std::string_view, uint32_t> placed;  // views into text_ (the old text)
  auto place = [&](uint32_t offset) {
    const std::string_view name = textAt(offset);
    const auto [it, isNew] = placed.try_emplace(name, 0);
    if (isNew) {
      text.push_back(static_cast<char>(name.size()));
      it->second = static_cast<uint32_t>(text.size());
      text.insert(text.end(), name.begin(), name.end());
      text.push_back('\0');
    }
    return it->second;
  };
  for (auto& e : entries_) e.name = place(e.name);
  for (auto& s : srv_) s.target = place(s.target);
  for (auto& p : reverse_) p.name = place(p.name);
  text_ = std::move(text);
  textId_ = newTextId();
}

void RecordSet::finalize() {
  if (!builder_) return;
  const Builder& b = *builder_;
  std::vector<uint32_t> owners;
  for (uint32_t i = 0; i < b.names.size(); ++i) {
    const auto& n = b.names[i];
    if (n.a != kNil || n.aaaa != kNil || n.srv != kNil) owners.push_back(i);
  }
  auto nameOf = [&](uint32_t i) { return textAt(b.names[i].text); };
  std::sort(owners.begin(), owners.end(), [&](uint32_t x, uint32_t y) { return nameOf(x) < nameOf(y); });

  entries_.reserve(owners.size());
  a_.reserve(b.addresses.size());
  srv_.reserve(b.srvs.size());
  std::vector<IpAddress> ips;
  std::vector<SrvList::Stored> srvs;
  auto addresses = [&](uint32_t head, std::vector<IpAddress>& out) {
    ips.clear();
    for (uint32_t i = head; i != kNil; i = b.addresses[i].next) ips.push_back(b.addresses[i].ip);
    std::sort(ips.begin(), ips.end());
    out.insert(out.end(), ips.begin(), std::unique(ips.begin(), ips.end()));
  };
  for (const uint32_t o : owners) {
    const auto& n = b.names[o];
    addresses(n.a, a_);
    addresses(n.aaaa, aaaa_);
    srvs.clear();
    for (uint32_t i = n.srv; i != kNil; i = b.srvs[i].next) srvs.push_back(b.srvs[i].value);
    auto key = [this](const SrvList::Stored& s) { return SrvTarget{textAt(s.target), s.port}; };
    std::sort(srvs.begin(), srvs.end(), [&](const auto& x, const auto& y) { return key(x) < key(y); });
    srv_.insert(srv_.end(), srvs.begin(), std::unique(srvs.begin(), srvs.end(), [](const auto& x, const auto& y) {
                  return x.target == y.target && x.port == y.port;
                }));
    entries_.push_back({n.text, static_cast<uint32_t>(a_.size()), static_cast<uint32_t>(aaaa_.size()),
                        static_cast<uint32_t>(srv_.size())});
  }
  builder_.reset();
  textId_ = newTextId();
  forwardHash_ = {};
  sumRecords(*this, 1, forwardHash_);
  text_.shrink_to_fit();
  a_.shrink_to_fit();
  aaaa_.shrink_to_fit();
  srv_.shrink_to_fit();
}

NameRecords RecordSet::recordsAt(size_t i) const {
  const Entry& e = entries_[i];
  const Entry before = i == 0 ? Entry{} : entries_[i - 1];
  return {
      std::span<const IpAddress>(a_).subspan(before.aEnd, e.aEnd - before.aEnd),
      std::span<const IpAddress>(aaaa_).subspan(before.aaaaEnd, e.aaaaEnd - before.aaaaEnd),
      SrvList(std::span<const SrvList::Stored>(srv_).subspan(before.srvEnd, e.srvEnd - before.srvEnd), text_.data())};
}

std::vector<std::string_view> RecordSet::srvOwnersOf(const std::unordered_set<std::string_view>& targets) const {
  std::vector<std::string_view> owners;
  if (targets.empty()) return owners;
  // The SRV values in one pass, their targets filtered by length before they are looked up.
  std::array<bool, 256> lengths{};
  for (const auto& t : targets) {
    if (t.size() < lengths.size()) lengths[t.size()] = true;
  }
  auto entry = entries_.begin();
  for (size_t k = 0; k < srv_.size(); ++k) {
    const uint32_t offset = srv_[k].target;
    const auto length = static_cast<uint8_t>(text_[offset - 1]);
    if (!lengths[length] || !targets.contains(std::string_view(text_.data() + offset, length))) continue;
    entry = std::upper_bound(entry, entries_.end(), k, [](size_t i, const Entry& e) { return i < e.srvEnd; });
    const std::string_view owner = textAt(entry->name);
    if (owners.empty() || owners.back() != owner) owners.push_back(owner);
  }
  return owners;
}

std::optional<NameRecords> RecordSet::find(std::string_view name) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                                   [this](const Entry& e, std::string_view n) { return textAt(e.name) < n; });
  if (it == entries_.end() || textAt(it->name) != name) return std::nullopt;
  return recordsAt(static_cast<size_t>(it - entries_.begin()));
}

std::optional<RecordSet::NameRef> RecordSet::refOf(std::string_view name) const {
  const auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                                   [this](const Entry& e, std::string_view n) { return textAt(e.name) < n; });
  if (it == entries_.end() || textAt(it->name) != name) return std::nullopt;
  return it->name;
}

void RecordSet::setReverse(ReversePointers reverse, std::optional<std::array<uint64_t, 2>> knownHash) {
  const auto byAddress = [](const auto& x, const auto& y) { return x.ip < y.ip; };
  if (!std::is_sorted(reverse.begin(), reverse.end(), byAddress)) std::sort(reverse.begin(), reverse.end(), byAddress);
  reverse_ = std::move(reverse);
  if (knownHash) {
    reverseHash_ = *knownHash;
    return;
  }
  reverseHash_ = {};
  for (const auto& p : reverse_) {
    const auto h = reverseHash(p.ip, textAt(p.name));
    reverseHash_[0] += h[0];
    reverseHash_[1] += h[1];
  }
}

std::string reverseName(const IpAddress& ip) {
  std::string out;
  const uint8_t* b = ip.data();
  if (ip.isV4()) {
    for (int i = 3; i >= 0; --i) out += std::to_string(b[i]) + ".";
    return out + "in-addr.arpa.";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[i] & 15];
    out += '.';
    out += kHex[b[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa.";
}

bool RecordSet::operator==(const RecordSet& other) const {
  if (entries_.size() != other.entries_.size() || a_ != other.a_ || aaaa_ != other.aaaa_ ||
      srv_.size() != other.srv_.size()) {
    return false;
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& x = entries_[i];
    const Entry& y = other.entries_[i];
    if (x.aEnd != y.aEnd || x.aaaaEnd != y.aaaaEnd || x.srvEnd != y.srvEnd || entryName(i) != other.entryName(i)) {
      return false;
    }
  }
  for (size_t i = 0; i < srv_.size(); ++i) {
    if (srv_[i].port != other.srv_[i].port || textAt(srv_[i].target) != other.textAt(other.srv_[i].target)) {
      return false;
    }
  }
  if (reverse_.size() != other.reverse_.size()) return false;
  for (size_t i = 0; i < reverse_.size(); ++i) {
    if (reverse_[i].ip != other.reverse_[i].ip || textAt(reverse_[i].name) != other.textAt(other.reverse_[i].name)) {
      return false;
    }
  }
  return true;
}

template <class Put>
void RecordSet::feedContent(Put put) const {
  for (const auto& [name, rec] : names()) {
    put(name.data(), name.size() + 1);  // with the terminating NUL as separator
    for (const auto& ip : rec.a) {
      put("A", 1);
      put(ip.data(), ip.size());
    }
    for (const auto& ip : rec.aaaa) {
      put("Q", 1);
      put(ip.data(), ip.size());
    }
    for (const auto& s : rec.srv) {
      const uint8_t port[3] = {'S', static_cast<uint8_t>(s.port >> 8), static_cast<uint8_t>(s.port)};
      put(port, 3);
      put(s.target.data(), s.target.size() + 1);
    }
  }
  for (const auto& p : reverse_) {  // nothing for a set without PTR records (digests stay as they were)
    put("P", 1);
    put(p.ip.data(), p.ip.size());
    const std::string_view name = textAt(p.name);
    put(name.data(), name.size() + 1);
  }
}

std::array<uint8_t, 20> RecordSet::contentDigest() const {
  Sha1 h;
  feedContent([&h](const void* data, size_t size) { h.update(data, size); });
  return h.digest();
}

namespace {

// One record's hash for contentHash(): its name, its type and its value.
std::array<uint64_t, 2> recordHash(std::string_view name, char type, const void* value, size_t size,
                                   std::string_view target = {}) {
  Hash128 h;
  h.add(name);
  h.addBytes(&type, 1);
  h.addBytes(value, size);
  if (!target.empty()) h.add(target);
  return h.digest();
}

void addTo(std::array<uint64_t, 2>& sum, const std::array<uint64_t, 2>& h, int sign) {
  for (size_t i = 0; i < 2; ++i) sum[i] += sign > 0 ? h[i] : -h[i];  // modulo 2^64
}

}  // namespace

void RecordSet::sumRecords(const RecordSet& set, int sign, std::array<uint64_t, 2>& sum) {
  for (const auto& [name, rec] : set.names()) {
    for (const auto& ip : rec.a) addTo(sum, recordHash(name, 'A', ip.data(), ip.size()), sign);
    for (const auto& ip : rec.aaaa) addTo(sum, recordHash(name, 'Q', ip.data(), ip.size()), sign);
    for (const auto& srv : rec.srv) {
      const uint8_t port[2] = {static_cast<uint8_t>(srv.port >> 8), static_cast<uint8_t>(srv.port)};
      addTo(sum, recordHash(name, 'S', port, 2, srv.target), sign);
    }
  }
}

std::array<uint64_t, 2> RecordSet::reverseHash(const IpAddress& ip, std::string_view name) {
  return recordHash(name, 'P', ip.data(), ip.size());
}

std::array<uint64_t, 2> RecordSet::contentHash() const {
  std::array<uint64_t, 2> sum = forwardHash_;
  addTo(sum, reverseHash_, 1);
  return sum;
}

size_t RecordSet::memoryBytes() const {
  return text_.capacity() + entries_.capacity() * sizeof(Entry) +
         (a_.capacity() + aaaa_.capacity()) * sizeof(IpAddress) + srv_.capacity() * sizeof(SrvList::Stored) +
         reverse_.capacity() * sizeof(ReversePointer);
}

}  // namespace mdns
