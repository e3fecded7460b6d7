#include "common/upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

namespace mdns {
namespace {

std::optional<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  if (n == 0 || n > 65535) return std::nullopt;
  return static_cast<uint16_t>(n);
}

bool prefixMatches(const uint8_t* a, const uint8_t* b, int prefix) {
  const int whole = prefix / 8;
  if (std::memcmp(a, b, static_cast<size_t>(whole)) != 0) return false;
  const int rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

std::optional<Upstream> parseUpstream(std::string_view text) {
  if (auto ip = IpAddress::parse(text)) return Upstream{*ip, 53};
  const auto hp = splitHostPort(text);
  if (!hp) return std::nullopt;
  const auto ip = IpAddress::parse(hp->host);
  const auto port = parsePort(hp->port);
  if (!ip || !port) return std::nullopt;
  return Upstream{*ip, *port};
}

std::vector<IpAddress> resolvConfNameservers(std::string_view text, std::vector<std::string>* skipped) {
  std::vector<IpAddress> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (const auto comment = line.find_first_of("#;"); comment != std::string_view::npos) {
      line = line.substr(0, comment);
    }
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    auto word = [&](std::string_view& rest) {
      while (!rest.empty() && isSpace(rest.front())) rest.remove_prefix(1);
      size_t n = 0;
      while (n < rest.size() && !isSpace(rest[n])) ++n;
      const std::string_view w = rest.substr(0, n);
      rest.remove_prefix(n);
      return w;
    };
    std::string_view rest = line;
    if (word(rest) != "nameserver") continue;
    std::string_view address = word(rest);
    if (const auto zone = address.find('%'); zone != std::string_view::npos) address = address.substr(0, zone);
    if (auto ip = IpAddress::parse(address)) {
      out.push_back(*ip);
    } else if (skipped != nullptr) {
      skipped->emplace_back(line);
    }
  }
  return out;
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const int bits = ip->isV4() ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    prefix = std::stoi(std::string(p));
    if (prefix > bits) return std::nullopt;
  }
  return of(*ip, prefix);
}

AddressRange AddressRange::of(const IpAddress& network, int prefixLength) {
  // Host bits cleared, so that "10.1.2.3/8" reads back as "10.0.0.0/8".
  const size_t n = network.size();
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < n; ++i) {
    const int bitsHere = std::clamp(prefixLength - static_cast<int>(i) * 8, 0, 8);
    const auto mask = static_cast<uint8_t>(bitsHere == 0 ? 0 : 0xFF << (8 - bitsHere));
    bytes[i] = network.data()[i] & mask;
  }
  AddressRange r;
  r.network_ = n == 4 ? IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]}) : IpAddress::v6(bytes);
  r.prefix_ = prefixLength;
  return r;
}

bool AddressRange::containsV4(const uint8_t* bytes4) const {
  return network_.isV4() && prefixMatches(network_.data(), bytes4, prefix_);
}

bool AddressRange::containsV6(const uint8_t* bytes16) const {
  return !network_.isV4() && prefixMatches(network_.data(), bytes16, prefix_);
}

bool AddressRange::contains(const IpAddress& ip) const {
  return ip.isV4() ? containsV4(ip.data()) : containsV6(ip.data());
}

std::string AddressRange::toString() const { return network_.toString() + "/" + std::to_string(prefix_); }

bool AllowList::allowsV4(const uint8_t* bytes4) const {
  return std::any_of(v4_.begin(), v4_.end(), [bytes4](const AddressRange& r) { return r.containsV4(bytes4); });
}

bool AllowList::allowsV6(const uint8_t* bytes16) const {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(bytes16, kMapped, 12) == 0) return allowsV4(bytes16 + 12);
  return std::any_of(v6_.begin(), v6_.end(), [bytes16](const AddressRange& r) { return r.containsV6(bytes16); });
}

bool AllowList::allows(const IpAddress& ip) const { return ip.isV4() ? allowsV4(ip.data()) : allowsV6(ip.data()); }

void AllowList::add(const AddressRange& r) {
  auto& list = r.isV4() ? v4_ : v6_;
  if (std::find(list.begin(), list.end(), r) == list.end()) list.push_back(r);
}

std::string AllowList::toString() const {
  std::string out;
  for (const auto* list : {&v4_, &v6_}) {
    for (const auto& r : *list) out += (out.empty() ? "" : ", ") + r.toString();
  }
  return out;
}

}  // namespace mdns
