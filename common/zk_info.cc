#include "common/zk_info.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "common/ip_address.h"
#include "common/mesos_state.h"

namespace mdns {
namespace {

constexpr std::string_view kScheme = "zk://";
constexpr std::string_view kMasterPrefix = "json.info_";
constexpr const char* kDefaultZkPort = "2181";
constexpr const char* kUrlShape = "expected zk://host:port[,host:port...]/path, e.g. zk://10.0.0.1:2181/mesos";

bool validPortText(std::string_view p) {
  int value = 0;
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  return ec == std::errc() && end == p.data() + p.size() && value >= 1 && value <= 65535;
}

bool validHostName(std::string_view h) {
  return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

// One entry of the host list: "host", "host:port", "[v6]", "[v6]:port".
std::optional<std::string> parseZkHost(std::string_view entry, std::string& error) {
  std::string host;
  std::string port = kDefaultZkPort;
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) {
      error = "host \"" + std::string(entry) + "\" has no closing ']'";
      return std::nullopt;
    }
    host = std::string(entry.substr(1, close - 1));
    const auto rest = entry.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = "host \"" + std::string(entry) + "\" is not [address]:port";
        return std::nullopt;
      }
      port = std::string(rest.substr(1));
    }
    const auto ip = IpAddress::parse(host);
    if (!ip || ip->isV4()) {
      error = "host \"" + std::string(entry) + "\": \"" + host + "\" is not an IPv6 address";
      return std::nullopt;
    }
  } else {
    const auto colon = entry.find(':');
    host = std::string(entry.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(entry.substr(colon + 1));
    if (!validHostName(host)) {
      error = host.empty() ? "a host in the list is empty" : "host \"" + host + "\" is not a host name or address";
      return std::nullopt;
    }
  }
  if (!validPortText(port)) {
    error = "host \"" + std::string(entry) + "\" has an invalid port \"" + port + "\"";
    return std::nullopt;
  }
  return joinHostPort(host, port);
}

bool validZnodePath(std::string_view path) {
  // "/a/b": no empty, "." or ".." segments (ZooKeeper refuses them).
  size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto segment = path.substr(start, (slash == std::string_view::npos ? path.size() : slash) - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::string ZkUrl::connectString() const {
  std::string out;
  for (const auto& h : hosts) out += (out.empty() ? "" : ",") + h;
  return out;
}

ZkUrlParse parseZkUrl(std::string_view text) {
  ZkUrlParse out;
  auto fail = [&out](std::string message) {
    out.error = std::move(message);
    return out;
  };
  const bool schemeOk = text.size() >= kScheme.size() &&
                        std::equal(kScheme.begin(), kScheme.end(), text.begin(),
                                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
  if (!schemeOk) return fail("\"" + std::string(text) + "\" is not a zk:// URL; " + kUrlShape);
  const auto rest = text.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail("\"" + std::string(text) + "\" has a query or fragment; " + kUrlShape);
  }
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    return fail("\"" + std::string(text) +
                "\" has credentials (user:password@): ZooKeeper authentication is not supported; the agent reads "
                "the master group without it");
  }
  if (authority.empty()) return fail("\"" + std::string(text) + "\" names no host; " + kUrlShape);
  ZkUrl url;
  size_t start = 0;
  while (true) {
    const auto comma = authority.find(',', start);
    const auto entry =
        authority.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    std::string error;
    auto host = parseZkHost(entry, error);
    if (!host) return fail("\"" + std::string(text) + "\": " + error);
    if (std::find(url.hosts.begin(), url.hosts.end(), *host) == url.hosts.end()) url.hosts.push_back(*host);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "zk://h/mesos/" is common
  if (path.empty() || path == "/") {
    return fail("\"" + std::string(text) + "\" has no path (the Mesos master group, usually /mesos); " + kUrlShape);
  }
  if (!validZnodePath(path)) return fail("\"" + std::string(text) + "\": \"" + path + "\" is not a ZooKeeper path");
  url.path = std::move(path);
  out.url = std::move(url);
  return out;
}

std::optional<uint64_t> masterNodeSequence(std::string_view childName) {
  if (childName.substr(0, kMasterPrefix.size()) != kMasterPrefix) return std::nullopt;
  const auto digits = childName.substr(kMasterPrefix.size());
  uint64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return seq;
}

MasterInfoParse parseMasterInfo(std::string_view text) {
  using nlohmann::json;
  MasterInfoParse out;
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    out.error = "not JSON";
    return out;
  }
  if (!doc.is_object()) {
    out.error = "not a JSON object";
    return out;
  }
  MasterInfo info;
  std::string bad;
  auto str = [&bad](const json& o, const char* key, std::string& to, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return;
    if (!it->is_string()) {
      bad = where + key + " is not a string";
      return;
    }
    to = it->get<std::string>();
  };
  auto num = [&bad](const json& o, const char* key, auto& to, int64_t max, const std::string& where) {
    const auto it = o.find(key);
    if (it == o.end() || it->is_null()) return;
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > max) {
      bad = where + key + " is not a whole number from 0 to " + std::to_string(max);
      return;
    }
    to = static_cast<std::remove_reference_t<decltype(to)>>(it->get<int64_t>());
  };
  str(doc, "id", info.id, "");
  str(doc, "pid", info.pid, "");
  str(doc, "hostname", info.hostname, "");
  num(doc, "ip", info.ip, 0xffffffffLL, "");
  num(doc, "port", info.port, 65535, "");
  if (const auto address = doc.find("address"); address != doc.end() && !address->is_null()) {
    if (!address->is_object()) {
      bad = "address is not an object";
    } else {
      str(*address, "ip", info.addressIp, "address.");
      str(*address, "hostname", info.addressHost, "address.");
      num(*address, "port", info.addressPort, 65535, "address.");
    }
  }
  if (!bad.empty()) {
    out.error = bad;
    return out;
  }
  out.info = std::move(info);
  return out;
}

std::optional<MasterEndpoint> masterEndpoint(const MasterInfo& info) {
  if (const auto ip = IpAddress::parse(info.addressIp); ip && info.addressPort > 0) {
    return MasterEndpoint{ip->toString(), std::to_string(info.addressPort), false};
  }
  const auto pid = Upid::parse(info.pid);
  if (pid && validPortText(pid->port)) {
    if (const auto ip = IpAddress::parse(pid->host)) return MasterEndpoint{ip->toString(), pid->port, false};
  }
  if (info.ip != 0 && info.port > 0) {
    // mesos-dns reads this field in the host's byte order; Mesos runs on little-endian machines.
    const std::array<uint8_t, 4> bytes{static_cast<uint8_t>(info.ip), static_cast<uint8_t>(info.ip >> 8),
                                       static_cast<uint8_t>(info.ip >> 16), static_cast<uint8_t>(info.ip >> 24)};
    return MasterEndpoint{IpAddress::v4(bytes).toString(), std::to_string(info.port), false};
  }
  const int port = info.addressPort > 0 ? info.addressPort : info.port;
  if (port > 0) {
    for (const auto* name : {&info.addressHost, &info.hostname}) {
      if (validHostName(*name)) return MasterEndpoint{*name, std::to_string(port), true};
    }
  }
  if (pid && validPortText(pid->port) && validHostName(pid->host)) return MasterEndpoint{pid->host, pid->port, true};
  return std::nullopt;
}

std::vector<std::string> masterCandidates(const CandidateInputs& in) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& m) {
    if (!m.empty() && std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  auto addAll = [&add](const std::vector<std::string>& list) {
    for (const auto& m : list) add(m);
  };
  if (!in.useZk) {
    add(in.lastLeader);
    addAll(in.configured);
  } else if (in.zkHasLeader) {
    addAll(in.zkMasters);
  } else {
    add(in.lastLeader);
    if (in.fallBack) addAll(in.configured);
    addAll(in.zkMasters);
  }
  return out;
}

}  // namespace mdns
