// The records of the Mesos domain, by owner name: A, AAAA and SRV, as mesos-dns keeps them.
// Built once per refresh by the generator, then read-only (shared between threads).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace mdns {

struct SrvTarget {
  std::string target;  // fully qualified, lower case, with the trailing dot
  uint16_t port = 0;
  auto operator<=>(const SrvTarget&) const = default;
};

struct NameRecords {
  std::vector<IpAddress> a;
  std::vector<IpAddress> aaaa;
  std::vector<SrvTarget> srv;
  bool empty() const { return a.empty() && aaaa.empty() && srv.empty(); }
  bool operator==(const NameRecords&) const = default;
};

// True when `name` (dotted, trailing dot optional) can be written in DNS wire format: labels of
// 1 to 63 bytes, 255 bytes in all.
bool isEncodableName(std::string_view name);

class RecordSet {
 public:
  // Names are fully qualified with the trailing dot. A name that cannot be put on the wire is
  // counted in droppedNames() and not stored. Returns false for a duplicate (exactly, for names
  // with up to 32 values; longer lists are deduplicated by finalize()).
  bool addAddress(const std::string& name, const IpAddress& ip);
  bool addSrv(const std::string& name, const SrvTarget& target);
  // Sorts every name's values and removes duplicates: call once, when building is done.
  void finalize();

  const NameRecords* find(std::string_view name) const;
  const std::map<std::string, NameRecords, std::less<>>& names() const { return names_; }

  size_t countA() const;
  size_t countAAAA() const;
  size_t countSrv() const;
  size_t droppedNames() const { return dropped_; }
  bool operator==(const RecordSet& other) const { return names_ == other.names_; }
  // SHA-1 over the whole content (names and values, after finalize()): equal digests, equal sets.
  std::array<uint8_t, 20> contentDigest() const;

 private:
  std::map<std::string, NameRecords, std::less<>> names_;
  size_t dropped_ = 0;
};

}  // namespace mdns
