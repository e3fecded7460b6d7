#include "common/record_set.h"

#include <algorithm>

#include "common/sha1.h"

namespace mdns {
namespace {

// Short lists are checked for duplicates on insert; long ones (slave.mesos on a big cluster) are
// deduplicated once in finalize(), which keeps building linear.
constexpr size_t kLinearCheckLimit = 32;

template <typename T>
bool addUnique(std::vector<T>& list, const T& value) {
  if (list.size() < kLinearCheckLimit && std::find(list.begin(), list.end(), value) != list.end()) return false;
  list.push_back(value);
  return true;
}

template <typename T>
void sortUnique(std::vector<T>& list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  list.shrink_to_fit();
}

}  // namespace

bool isEncodableName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return true;  // the root
  size_t wire = 1;
  size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t len = dot - start;
    if (len == 0 || len > 63) return false;
    wire += len + 1;
    start = dot + 1;
  }
  return wire <= 255;
}

bool RecordSet::addAddress(const std::string& name, const IpAddress& ip) {
  if (!isEncodableName(name)) {
    ++dropped_;
    return false;
  }
  auto& rec = names_[name];
  return addUnique(ip.isV4() ? rec.a : rec.aaaa, ip);
}

bool RecordSet::addSrv(const std::string& name, const SrvTarget& target) {
  if (!isEncodableName(name) || !isEncodableName(target.target)) {
    ++dropped_;
    return false;
  }
  return addUnique(names_[name].srv, target);
}

void RecordSet::finalize() {
  for (auto& [name, rec] : names_) {
    sortUnique(rec.a);
    sortUnique(rec.aaaa);
    sortUnique(rec.srv);
  }
}

std::array<uint8_t, 20> RecordSet::contentDigest() const {
  Sha1 h;
  for (const auto& [name, rec] : names_) {
    h.update(name.data(), name.size() + 1);  // with the terminating NUL as separator
    for (const auto& ip : rec.a) {
      h.update("A", 1);
      h.update(ip.data(), ip.size());
    }
    for (const auto& ip : rec.aaaa) {
      h.update("Q", 1);
      h.update(ip.data(), ip.size());
    }
    for (const auto& s : rec.srv) {
      const uint8_t port[3] = {'S', static_cast<uint8_t>(s.port >> 8), static_cast<uint8_t>(s.port)};
      h.update(port, 3);
      h.update(s.target.data(), s.target.size() + 1);
    }
  }
  return h.digest();
}

const NameRecords* RecordSet::find(std::string_view name) const {
  const auto it = names_.find(name);
  return it == names_.end() ? nullptr : &it->second;
}

size_t RecordSet::countA() const {
  size_t n = 0;
  for (const auto& [name, rec] : names_) n += rec.a.size();
  return n;
}
size_t RecordSet::countAAAA() const {
  size_t n = 0;
  for (const auto& [name, rec] : names_) n += rec.aaaa.size();
  return n;
}
size_t RecordSet::countSrv() const {
  size_t n = 0;
  for (const auto& [name, rec] : names_) n += rec.srv.size();
  return n;
}

}  // namespace mdns
