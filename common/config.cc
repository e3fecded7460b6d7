#include "common/config.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/ip_address.h"
#include "common/upstream.h"
#include "common/zk_info.h"

namespace mdns {
namespace {

using nlohmann::json;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

class Reader {
 public:
  Reader(const std::string& path, ConfigResult& result) : path_(path), result_(result) {}

  void error(std::string_view key, const std::string& what) {
    result_.errors.push_back(path_ + ": key \"" + std::string(key) + "\": " + what);
  }
  void warning(const std::string& what) { result_.warnings.push_back(path_ + ": " + what); }

  void integer(std::string_view key, const json& v, int& out, long long lo, long long hi) {
    if (!v.is_number_integer()) {
      error(key, "expected a whole number, found " + describe(v));
      return;
    }
    const auto n = v.get<long long>();
    if (n < lo || n > hi) {
      error(key,
            "expected a number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", found " + describe(v));
      return;
    }
    out = static_cast<int>(n);
  }
  void unsigned32(std::string_view key, const json& v, uint32_t& out) {
    int tmp = 0;
    if (v.is_number_integer() && v.get<long long>() > std::numeric_limits<int>::max()) {
      if (v.get<long long>() > std::numeric_limits<uint32_t>::max()) {
        error(key, "expected a number from 0 to 4294967295, found " + describe(v));
      } else {
        out = static_cast<uint32_t>(v.get<long long>());
      }
      return;
    }
    const size_t before = result_.errors.size();
    integer(key, v, tmp, 0, std::numeric_limits<int>::max());
    if (result_.errors.size() == before) out = static_cast<uint32_t>(tmp);
  }
  void boolean(std::string_view key, const json& v, bool& out) {
    if (!v.is_boolean()) {
      error(key, "expected true or false, found " + describe(v));
      return;
    }
    out = v.get<bool>();
  }
  void string(std::string_view key, const json& v, std::string& out) {
    if (!v.is_string()) {
      error(key, "expected a string, found " + describe(v));
      return;
    }
    out = v.get<std::string>();
  }
  void strings(std::string_view key, const json& v, std::vector<std::string>& out) {
    if (v.is_null()) {
      out.clear();
      return;
    }
    if (!v.is_array() || !std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); })) {
      error(key, "expected a list of strings, found " + describe(v));
      return;
    }
    out = v.get<std::vector<std::string>>();
  }
  // An object of known fields (matched case-insensitively); other fields are warnings.
  using Field = std::function<void(const std::string& name, const json& value)>;
  void object(std::string_view key, const json& v, const char* shape,
              std::initializer_list<std::pair<const char*, Field>> fields) {
    if (!v.is_object()) {
      error(key, std::string("expected an object ") + shape + ", found " + describe(v));
      return;
    }
    for (const auto& [field, value] : v.items()) {
      const std::string name = std::string(key) + "." + field;
      const auto known = std::find_if(fields.begin(), fields.end(),
                                      [&field = field](const auto& f) { return lower(f.first) == lower(field); });
      if (known != fields.end()) {
        known->second(name, value);
      } else {
        warning("unknown key \"" + name + "\" ignored");
      }
    }
  }

 private:
  const std::string& path_;
  ConfigResult& result_;
};

using Setter = std::function<void(Reader&, std::string_view key, const json&, Config&)>;

const std::vector<std::pair<std::string, Setter>>& keyTable() {
  static const std::vector<std::pair<std::string, Setter>> table = {
      {"masters", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.masters); }},
      {"zk", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.zk); }},
      {"peers", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.peers); }},
      {"refreshSeconds", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.refreshSeconds, 1, 86400); }},
      {"stateTimeoutSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.stateTimeoutSeconds, 1, 86400); }},
      {"zkDetectionTimeout",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.zkDetectionTimeout, 0, 86400); }},
      {"ttl", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.ttl, 0, std::numeric_limits<int32_t>::max()); }},
      {"domain", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.domain); }},
      {"port", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.port, 0, 65535); }},
      {"resolvers", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.resolvers); }},
      {"zoneResolvers",
       [](Reader& r, auto k, const json& v, Config& c) {
         if (!v.is_object()) {
           r.error(k, "expected an object of zone: [resolvers], found " + describe(v));
           return;
         }
         c.zoneResolvers.clear();
         for (const auto& [zone, list] : v.items()) {
           std::vector<std::string> rs;
           r.strings(std::string(k) + "." + zone, list, rs);
           c.zoneResolvers[zone] = rs;
         }
       }},
      {"timeout", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.timeout, 1, 3600); }},
      {"listener",
       [](Reader& r, auto k, const json& v, Config& c) {
         if (v.is_string()) {
           c.listeners = {v.get<std::string>()};
         } else {
           r.strings(k, v, c.listeners);
         }
       }},
      {"httpListener", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.httpListener); }},
      {"httpPort", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.httpPort, 0, 65535); }},
      {"SOAMname", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.soaMname); }},
      {"SOARname", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.soaRname); }},
      {"SOASerial", [](Reader& r, auto k, const json& v, Config&) {
         uint32_t ignored = 0;  // mesos-dns overwrites it with the load time; so do we (per content)
         r.unsigned32(k, v, ignored);
       }},
      {"SOARefresh", [](Reader& r, auto k, const json& v, Config& c) { r.unsigned32(k, v, c.soaRefresh); }},
      {"SOARetry", [](Reader& r, auto k, const json& v, Config& c) { r.unsigned32(k, v, c.soaRetry); }},
      {"SOAExpire", [](Reader& r, auto k, const json& v, Config& c) { r.unsigned32(k, v, c.soaExpire); }},
      {"SOAMinttl", [](Reader& r, auto k, const json& v, Config& c) { r.unsigned32(k, v, c.soaMinttl); }},
      {"dnsOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.dnsOn); }},
      {"httpOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.httpOn); }},
      {"externalOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.externalOn); }},
      {"recurseOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.recurseOn); }},
      {"IPSources", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.ipSources); }},
      {"EnforceRFC952", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.enforceRfc952); }},
      {"EnumerationOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.enumerationOn); }},
      {"subscribe", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.subscribe); }},
      {"healthyOnly", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.healthyOnly); }},
      {"minRecordHoldSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.minRecordHoldSeconds, 0, 86400); }},
      {"SetTruncateBit", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.setTruncateBit); }},
      {"SRVRecordDefaultWeight",
       [](Reader& r, auto k, const json& v, Config& c) {
         int w = c.srvRecordDefaultWeight;
         r.integer(k, v, w, 0, 65535);
         c.srvRecordDefaultWeight = static_cast<uint16_t>(w);
       }},
      {"MesosHTTPSOn", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.mesosHttpsOn); }},
      {"CACertFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.caCertFile); }},
      {"CertFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.certFile); }},
      {"KeyFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.keyFile); }},
      {"IAMConfigFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.iamConfigFile); }},
      {"MesosAuthentication", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.mesosAuthentication); }},
      {"MesosCredentials",
       [](Reader& r, auto k, const json& v, Config& c) {
         r.object(k, v, "{\"principal\": ..., \"secret\": ...}",
                  {{"principal", [&](const std::string& n, const json& f) { r.string(n, f, c.mesosCredentials.principal); }},
                   {"secret", [&](const std::string& n, const json& f) { r.string(n, f, c.mesosCredentials.secret); }}});
       }},
      {"File", [](Reader&, auto, const json&, Config&) {}},  // mesos-dns overwrites it; harmless
      {"stateFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.stateFile); }},
      {"primaries", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.primaries); }},
      {"primaryCheckSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.primaryCheckSeconds, 1, 3600); }},
      {"tcpIdleSeconds", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.tcpIdleSeconds, 1, 3600); }},
      {"workers", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.workers, 0, 256); }},
      {"maxTcpConnections",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.maxTcpConnections, 1, 65535); }},
      {"maxUdpSize", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.maxUdpSize, 512, 4096); }},
      {"cacheSize", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.cacheSize, 0, 10000000); }},
      {"cacheMaxTTL", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.cacheMaxTtl, 0, 604800); }},
      {"cacheMaxNegativeTTL",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.cacheMaxNegativeTtl, 0, 86400); }},
      {"cacheMaxStaleSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.cacheMaxStaleSeconds, 0, 604800); }},
      {"startWaitSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.startWaitSeconds, 0, 3600); }},
      {"maxStaleSeconds",
       [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.maxStaleSeconds, 1, 31536000); }},
      {"queryLog", [](Reader& r, auto k, const json& v, Config& c) { r.boolean(k, v, c.queryLog); }},
      {"queryLogRate", [](Reader& r, auto k, const json& v, Config& c) { r.integer(k, v, c.queryLogRate, 1, 1000000); }},
      {"allowFrom", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.allowFrom); }},
      {"allowTransfer", [](Reader& r, auto k, const json& v, Config& c) { r.strings(k, v, c.allowTransfer); }},
      {"stateDir", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.stateDir); }},
      {"cacheFile", [](Reader& r, auto k, const json& v, Config& c) { r.string(k, v, c.cacheFile); }},
      {"minRecordRatio",
       [](Reader& r, auto k, const json& v, Config& c) {
         if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) {
           r.error(k, "expected a number from 0 to 1, found " + describe(v));
           return;
         }
         c.minRecordRatio = v.get<double>();
       }},
      {"resolvConf",
       [](Reader& r, auto k, const json& v, Config& c) {
         r.object(k, v, "{\"manage\": true, ...}",
                  {{"manage", [&](const std::string& n, const json& f) { r.boolean(n, f, c.resolvConf.manage); }},
                   {"mode", [&](const std::string& n, const json& f) { r.string(n, f, c.resolvConf.mode); }},
                   {"path", [&](const std::string& n, const json& f) { r.string(n, f, c.resolvConf.path); }},
                   {"fallback", [&](const std::string& n, const json& f) { r.strings(n, f, c.resolvConf.fallback); }}});
       }},
  };
  return table;
}

bool validDomainName(const std::string& domain) {
  static const std::regex re("^[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*$");
  if (!std::regex_match(domain, re)) return false;
  size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    if (dot == std::string::npos) dot = domain.size();
    if (dot - start > 63) return false;
    start = dot + 1;
  }
  return domain.size() <= 253;
}

bool validPort(const std::string& port) {
  if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit)) return false;
  const int n = std::stoi(port);
  return n > 0 && n <= 65535;
}

std::string fqdn(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name + ".";
}

void validateResolverList(Reader& r, const std::string& key, const std::vector<std::string>& list) {
  std::set<std::string> seen;
  for (const auto& entry : list) {
    std::string host = entry;
    std::string port = "53";
    if (auto hp = splitHostPort(entry)) {
      host = hp->host;
      port = hp->port;
    }
    const auto ip = IpAddress::parse(host);
    if (!ip) {
      r.error(key, "\"" + entry + "\" is not an IP address or IP:port");
      continue;
    }
    if (!validPort(port)) {
      r.error(key, "\"" + entry + "\" has an invalid port");
      continue;
    }
    if (!seen.insert(ip->toString() + "#" + port).second) r.error(key, "duplicate resolver \"" + entry + "\"");
  }
}

// A list of "host:port" (`what` they are), each once (`one`: "peer" for "duplicate peer").
void hostPortList(Reader& r, std::string_view key, const std::vector<std::string>& list, std::string_view what,
                  std::string_view one) {
  std::set<std::string> seen;
  for (const auto& entry : list) {
    const auto hp = splitHostPort(entry);
    if (!hp || hp->host.empty() || !validPort(hp->port)) {
      r.error(key, "\"" + entry + "\" is not host:port (" + std::string(what) + ")");
    } else if (!seen.insert(lower(entry)).second) {
      r.error(key, "duplicate " + std::string(one) + " \"" + entry + "\"");
    }
  }
}

void validate(Reader& r, Config& c, const std::string& path) {
  if (!c.dnsOn && !c.httpOn) r.error("dnson", "either DNS or HTTP must be on (dnson, httpon)");
  if (c.masters.empty() && c.zk.empty() && c.stateFile.empty() && c.peers.empty() && c.primaries.empty()) {
    r.error("masters", "no source of cluster state: set masters, zk, peers, primaries or stateFile");
  }
  if (!c.primaries.empty() && (!c.masters.empty() || !c.zk.empty() || !c.stateFile.empty() || !c.peers.empty())) {
    r.error(
        "primaries",
        "a secondary takes the zone from its primaries only: remove masters, zk, peers and stateFile, or primaries");
  }
  if (c.subscribe &&
      ((c.masters.empty() && c.zk.empty()) || !c.stateFile.empty() || !c.peers.empty() || !c.primaries.empty())) {
    r.error("subscribe",
            "the event stream comes from the leading master: set masters or zk, and no stateFile, peers or primaries");
  }
  hostPortList(r, "primaries", c.primaries, "a DNS server holding the zone", "primary");
  hostPortList(r, "peers", c.peers, "a mesos-dns or agent HTTP API", "peer");
  if (!c.zk.empty()) {
    if (const auto zk = parseZkUrl(c.zk); !zk.url) r.error("zk", zk.error);
  }
  std::set<std::string> seenMasters;
  for (const auto& m : c.masters) {
    const auto hp = splitHostPort(m);
    if (!hp || hp->host.empty()) {
      r.error("masters", "\"" + m + "\" is not host:port");
      continue;
    }
    if (!validPort(hp->port)) {
      r.error("masters", "\"" + m + "\" has an invalid port");
      continue;
    }
    const auto ip = IpAddress::parse(hp->host);
    const std::string normal = (ip ? ip->toString() : lower(hp->host)) + "#" + hp->port;
    if (!seenMasters.insert(normal).second) r.error("masters", "duplicate master \"" + m + "\"");
  }
  if (c.ipSources.empty()) r.error("IPSources", "the list is empty; use some of netinfo, mesos, docker, host");
  std::set<std::string> seenSources;
  for (const auto& s : c.ipSources) {
    if (s != "host" && s != "docker" && s != "mesos" && s != "netinfo") {
      r.error("IPSources", "unknown source \"" + s + "\" (expected netinfo, mesos, docker or host)");
    } else if (!seenSources.insert(s).second) {
      r.error("IPSources", "duplicate source \"" + s + "\"");
    }
  }
  c.domain = lower(c.domain);
  while (!c.domain.empty() && c.domain.back() == '.') c.domain.pop_back();
  if (!validDomainName(c.domain)) r.error("domain", "\"" + c.domain + "\" is not a valid domain name");
  if (c.externalOn) {
    validateResolverList(r, "resolvers", c.resolvers);
    for (const auto& [zone, list] : c.zoneResolvers) {
      const std::string key = "zoneResolvers." + zone;
      if (list.empty()) r.error(key, "no resolvers given");
      if (!validDomainName(lower(zone))) r.error(key, "\"" + zone + "\" is not a valid domain name");
      if (lower(zone) == c.domain) r.error(key, "can't forward the Mesos domain itself");
      validateResolverList(r, key, list);
    }
    // As mesos-dns: no zone may lie inside another zone or inside the Mesos domain, since one of
    // the two could never be reached.
    std::vector<std::string> zones;
    for (const auto& [zone, list] : c.zoneResolvers) zones.push_back("." + lower(zone));
    zones.push_back("." + c.domain);
    for (const auto& a : zones) {
      for (const auto& b : zones) {
        if (a != b && a.size() > b.size() && a.compare(a.size() - b.size(), b.size(), b) == 0) {
          r.error("zoneResolvers", "zone \"" + a.substr(1) + "\" is masked by \"" + b.substr(1) + "\"");
        }
      }
    }
  }
  for (const auto& range : c.allowFrom) {
    if (!AddressRange::parse(range)) r.error("allowFrom", "\"" + range + "\" is not an address or address/prefix");
  }
  for (const auto& range : c.allowTransfer) {
    if (!AddressRange::parse(range)) r.error("allowTransfer", "\"" + range + "\" is not an address or address/prefix");
  }
  for (const auto& f : c.resolvConf.fallback) {
    if (!IpAddress::parse(f))
      r.error("resolvConf.fallback", "\"" + f + "\" is not an IP address (resolv.conf has no ports)");
  }
  if (c.resolvConf.path.empty() || c.resolvConf.path.front() != '/') {
    r.error("resolvConf.path", "\"" + c.resolvConf.path + "\" is not an absolute path");
  }
  if (c.stateDir.empty() || c.stateDir.front() != '/')
    r.error("stateDir", "\"" + c.stateDir + "\" is not an absolute path");
  if (c.resolvConf.manage && !c.dnsOn)
    r.error("resolvConf.manage", "needs dnson: the agent must answer DNS to be in resolv.conf");
  static const std::set<std::string> kModes{"auto", "file", "resolved", "resolvconf", "networkmanager", "off"};
  if (kModes.count(c.resolvConf.mode) == 0) {
    r.error("resolvConf.mode", "unknown mode \"" + c.resolvConf.mode +
                                   "\" (expected auto, file, resolved, resolvconf, networkmanager or off)");
  }
  if (c.resolvConf.mode == "off") c.resolvConf.manage = false;
  // systemd-resolved takes a port (DNS=127.0.0.1:5353); resolv.conf has none.
  if (c.resolvConf.manage && c.port != 53 && c.resolvConf.mode != "resolved") {
    r.error("resolvConf.manage",
            "resolv.conf has no ports: the agent can manage it only when it listens on port 53 (port is " +
                std::to_string(c.port) + "; systemd-resolved takes a port: mode \"resolved\")");
  }
  if (c.listeners.empty()) r.error("listener", "no address given");
  std::set<std::string> seenListeners;
  for (const auto& l : c.listeners) {
    const auto ip = IpAddress::parse(l);
    if (!ip) {
      r.error("listener", "\"" + l + "\" is not an IP address");
    } else if (!seenListeners.insert(ip->toString()).second) {
      r.error("listener", "duplicate address \"" + l + "\"");
    }
  }
  if (c.httpOn && !IpAddress::parse(c.httpListener)) {
    r.error("httpListener", "\"" + c.httpListener + "\" is not an IP address");
  }
  // SOA names: mesos-dns accepts "root@ns1.mesos" for the mailbox.
  std::replace(c.soaRname.begin(), c.soaRname.end(), '@', '.');
  c.soaRname = fqdn(c.soaRname);
  c.soaMname = fqdn(c.soaMname);
  if (!validDomainName(c.soaMname.substr(0, c.soaMname.size() - 1))) {
    r.error("SOAMname", "\"" + c.soaMname + "\" is not a valid domain name");
  }
  if (!validDomainName(c.soaRname.substr(0, c.soaRname.size() - 1))) {
    r.error("SOARname", "\"" + c.soaRname + "\" is not a valid domain name");
  }
  const std::string auth = lower(c.mesosAuthentication);
  if (auth == "basic") {
    if (c.mesosCredentials.principal.empty()) {
      r.error("MesosCredentials", "MesosAuthentication is \"basic\" but no principal is given");
    }
  } else if (auth == "iam") {
    r.error("MesosAuthentication", "\"iam\" is not supported by this agent yet; use \"basic\" or none");
  } else if (!auth.empty()) {
    r.error("MesosAuthentication", "expected \"basic\", \"iam\" or nothing, found \"" + c.mesosAuthentication + "\"");
  } else if (!c.mesosCredentials.principal.empty()) {
    r.warning("MesosCredentials is set, but MesosAuthentication is not \"basic\": the credentials are not used");
  }
  c.mesosAuthentication = auth;
  if (c.certFile.empty() != c.keyFile.empty()) {
    r.error(c.certFile.empty() ? "CertFile" : "KeyFile", "CertFile and KeyFile go together");
  }
  if (c.cacheFile.empty()) c.cacheFile = c.stateDir + "/records.cache";
  if (c.cacheFile.front() != '/') {
    const auto slash = path.rfind('/');
    c.cacheFile = (slash == std::string::npos ? "." : path.substr(0, slash)) + "/" + c.cacheFile;
  }
  if (!c.stateFile.empty() && c.stateFile.front() != '/') {
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    c.stateFile = dir + "/" + c.stateFile;
  }
}

}  // namespace

ConfigResult parseConfig(std::string_view text, const std::string& path) {
  ConfigResult result;
  Reader reader(path, result);
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    result.errors.push_back(path + ": not valid JSON: " + e.what());
    return result;
  }
  if (!doc.is_object()) {
    result.errors.push_back(path + ": expected a JSON object at the top, found " + describe(doc));
    return result;
  }
  Config config;
  config.configPath = path;
  std::map<std::string, const std::pair<std::string, Setter>*> byLower;
  for (const auto& entry : keyTable()) byLower[lower(entry.first)] = &entry;
  std::map<std::string, std::string> seen;  // lower-case key -> as first written
  for (const auto& [key, value] : doc.items()) {
    if (const auto [first, fresh] = seen.emplace(lower(key), key); !fresh) {
      reader.error(key, "given twice (also as \"" + first->second + "\"); keys are case-insensitive");
      continue;
    }
    const auto it = byLower.find(lower(key));
    if (it == byLower.end()) {
      reader.warning("unknown key \"" + key + "\" ignored");
      continue;
    }
    it->second->second(reader, key, value, config);
  }
  validate(reader, config, path);
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

std::vector<std::string> keepRestartOnlyKeys(const Config& running, Config& next, bool listenersLive) {
  std::vector<std::string> kept;
  auto keep = [&kept](const char* key, const auto& runningValue, auto& nextValue) {
    if (!(runningValue == nextValue)) {
      nextValue = runningValue;
      kept.emplace_back(key);
    }
  };
  if (!listenersLive) {
    keep("port", running.port, next.port);
    keep("listener", running.listeners, next.listeners);
  }
  keep("dnsOn", running.dnsOn, next.dnsOn);
  keep("httpOn", running.httpOn, next.httpOn);
  keep("httpListener", running.httpListener, next.httpListener);
  keep("httpPort", running.httpPort, next.httpPort);
  keep("externalOn", running.externalOn, next.externalOn);
  keep("recurseOn", running.recurseOn, next.recurseOn);
  keep("SetTruncateBit", running.setTruncateBit, next.setTruncateBit);
  keep("domain", running.domain, next.domain);
  keep("primaries", running.primaries, next.primaries);
  keep("EnumerationOn", running.enumerationOn, next.enumerationOn);
  keep("workers", running.workers, next.workers);
  keep("tcpIdleSeconds", running.tcpIdleSeconds, next.tcpIdleSeconds);
  keep("maxTcpConnections", running.maxTcpConnections, next.maxTcpConnections);
  keep("maxUdpSize", running.maxUdpSize, next.maxUdpSize);
  keep("allowFrom", running.allowFrom, next.allowFrom);
  keep("cacheSize", running.cacheSize, next.cacheSize);
  keep("cacheMaxTTL", running.cacheMaxTtl, next.cacheMaxTtl);
  keep("cacheMaxNegativeTTL", running.cacheMaxNegativeTtl, next.cacheMaxNegativeTtl);
  keep("cacheMaxStaleSeconds", running.cacheMaxStaleSeconds, next.cacheMaxStaleSeconds);
  keep("resolvConf.manage", running.resolvConf.manage, next.resolvConf.manage);
  keep("resolvConf.path", running.resolvConf.path, next.resolvConf.path);
  keep("resolvConf.mode", running.resolvConf.mode, next.resolvConf.mode);
  keep("resolvConf.fallback", running.resolvConf.fallback, next.resolvConf.fallback);
  keep("stateDir", running.stateDir, next.stateDir);
  keep("cacheFile", running.cacheFile, next.cacheFile);
  return kept;
}

}  // namespace mdns
