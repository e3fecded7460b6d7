#include "common/http_api.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "common/labels.h"
#include "version.h"

namespace mdns::api {
namespace {

using json = nlohmann::json;

json stringsJson(const std::vector<std::string>& v) { return v.empty() ? json(nullptr) : json(v); }

}  // namespace

std::string version() {
  return json{
      {"Service", "mesos-dns-agent"}, {"URL", "https://github.com/mesosphere/mesos-dns"}, {"Version", MDNS_VERSION}}
      .dump();
}

std::string config(const Config& c, uint32_t soaSerial, const std::vector<std::string>& resolvers) {
  json zones = json::object();
  for (const auto& [zone, list] : c.zoneResolvers) zones[zone] = list;
  json j = {
      {"RefreshSeconds", c.refreshSeconds},
      {"Port", c.port},
      {"Timeout", c.timeout},
      {"StateTimeoutSeconds", c.stateTimeoutSeconds},
      {"ZkDetectionTimeout", c.zkDetectionTimeout},
      {"HttpPort", c.httpPort},
      {"TTL", c.ttl},
      {"SRVRecordDefaultWeight", c.srvRecordDefaultWeight},
      {"SOAMname", c.soaMname},
      {"SOARname", c.soaRname},
      {"SOARefresh", c.soaRefresh},
      {"SOARetry", c.soaRetry},
      {"SOAExpire", c.soaExpire},
      {"SOAMinttl", c.soaMinttl},
      {"SOASerial", soaSerial},
      {"Masters", stringsJson(c.masters)},
      {"ZoneResolvers", zones},
      {"Resolvers", stringsJson(c.resolvers.empty() ? resolvers : c.resolvers)},
      {"IPSources", stringsJson(c.ipSources)},
      {"Zk", c.zk},
      {"Domain", c.domain},
      {"File", c.configPath},
      {"Listener", c.listeners.size() == 1 ? json(c.listeners.front()) : json(c.listeners)},
      {"HTTPListener", c.httpListener},
      {"RecurseOn", c.recurseOn},
      {"DnsOn", c.dnsOn},
      {"HttpOn", c.httpOn},
      {"ExternalOn", c.externalOn},
      {"EnforceRFC952", c.enforceRfc952},
      {"SetTruncateBit", c.setTruncateBit},
      {"EnumerationOn", c.enumerationOn},
      {"MesosHTTPSOn", c.mesosHttpsOn},
      {"CACertFile", c.caCertFile},
      {"CertFile", c.certFile},
      {"KeyFile", c.keyFile},
      {"MesosCredentials",
       {{"Principal", c.mesosCredentials.principal}, {"Secret", c.mesosCredentials.secret.empty() ? "" : "******"}}},
      {"IAMConfigFile", c.iamConfigFile},
      {"MesosAuthentication", c.mesosAuthentication},
      // The agent's own keys.
      {"stateFile", c.stateFile},
      {"tcpIdleSeconds", c.tcpIdleSeconds},
      {"maxTcpConnections", c.maxTcpConnections},
      {"maxUdpSize", c.maxUdpSize},
      {"workers", c.workers},
      {"cacheSize", c.cacheSize},
      {"cacheMaxTTL", c.cacheMaxTtl},
      {"cacheMaxNegativeTTL", c.cacheMaxNegativeTtl},
      {"cacheMaxStaleSeconds", c.cacheMaxStaleSeconds},
      {"allowFrom", stringsJson(c.allowFrom)},
      {"allowTransfer", stringsJson(c.allowTransfer)},
      {"resolvConf",
       {{"manage", c.resolvConf.manage}, {"path", c.resolvConf.path}, {"fallback", c.resolvConf.fallback}}},
      {"stateDir", c.stateDir},
      {"cacheFile", c.cacheFile},
      {"minRecordRatio", c.minRecordRatio},
  };
  return j.dump();
}

std::string cleanName(std::string_view name) {
  std::string out(name);
  for (size_t p = out.find(".*"); p != std::string::npos; p = out.find(".*")) out.erase(p, 2);
  for (auto& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

std::string hosts(const RecordSet& records, std::string_view host) {
  const std::string name = cleanName(host);
  json out = json::array();
  if (const auto r = records.find(name)) {
    for (const auto& ip : r->a) out.push_back({{"host", name}, {"ip", ip.toString()}});
    for (const auto& ip : r->aaaa) out.push_back({{"host", name}, {"ip", ip.toString()}});
  }
  if (out.empty()) out.push_back({{"host", ""}, {"ip", ""}});
  return out.dump();
}

std::string services(const RecordSet& records, std::string_view service) {
  const std::string name = cleanName(service);
  json out = json::array();
  if (const auto r = records.find(name)) {
    for (const auto& s : r->srv) {
      const auto target = records.find(s.target);
      if (!target) continue;
      const std::string port = std::to_string(s.port);
      // mesos-dns echoes the service as asked.
      if (!target->a.empty()) {
        out.push_back({{"service", service}, {"host", s.target}, {"ip", target->a.front().toString()}, {"port", port}});
      }
      if (!target->aaaa.empty()) {
        out.push_back(
            {{"service", service}, {"host", s.target}, {"ip", target->aaaa.front().toString()}, {"port", port}});
      }
    }
  }
  if (out.empty()) out.push_back({{"service", ""}, {"host", ""}, {"ip", ""}, {"port", ""}});
  return out.dump();
}

std::string enumerate(const Enumeration& enumeration, const RecordSet& records) {
  json frameworks = json::array();
  for (const auto& f : enumeration) {
    json tasks = json::array();
    for (const auto& t : f.tasks) {
      json recs = json::array();
      for (const auto& r : t.records) {
        recs.push_back({{"name", r.nameIn(records)}, {"host", r.hostIn(records)}, {"rtype", r.rtype()}});
      }
      tasks.push_back({{"name", t.name}, {"id", t.id}, {"records", recs}});
    }
    frameworks.push_back({{"name", f.name}, {"tasks", tasks}});
  }
  return json{{"frameworks", frameworks}}.dump();
}

namespace {

void appendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

// One of the three record maps: {"name": ["value", ...], ...} for the names that have `get` values.
// `out` goes to `sink` whenever it holds 64 KiB or more.
constexpr size_t kAxfrPiece = 64 * 1024;

template <typename Get, typename Format>
void appendRecordMap(std::string& out, const RecordSet& records, Get get, Format format,
                     const std::function<void(std::string_view)>& sink) {
  out += '{';
  bool firstName = true;
  for (const auto& [name, r] : records.names()) {
    if (out.size() >= kAxfrPiece) {
      sink(out);
      out.clear();
    }
    const auto values = get(r);
    if (values.empty()) continue;
    if (!firstName) out += ',';
    firstName = false;
    appendJsonString(out, name);
    out += ":[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      appendJsonString(out, format(values[i]));
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

void writeAxfr(const RecordSet& records, const ZoneOptions& zone, int refreshSeconds,
               const std::function<void(std::string_view)>& sink) {
  // Written straight into the text (no JSON tree): at 100,000 tasks the tree costs seconds and
  // hundreds of megabytes; and in pieces, so that the whole never has to be in memory.
  std::string out;
  out.reserve(kAxfrPiece + 4096);
  out += "{\"TTL\":" + std::to_string(zone.ttl) + ",\"Serial\":" + std::to_string(zone.soaSerial) +
         ",\"RefreshSeconds\":" + std::to_string(refreshSeconds) + ",\"Mname\":";
  appendJsonString(out, zone.soaMname);
  out += ",\"Rname\":";
  appendJsonString(out, zone.soaRname);
  out += ",\"Domain\":";
  appendJsonString(out, zone.domain);
  out += ",\"Records\":{\"As\":";
  appendRecordMap(
      out, records, [](const NameRecords& r) { return r.a; }, [](const IpAddress& ip) { return ip.toString(); }, sink);
  out += ",\"AAAAs\":";
  appendRecordMap(
      out, records, [](const NameRecords& r) { return r.aaaa; }, [](const IpAddress& ip) { return ip.toString(); },
      sink);
  out += ",\"SRVs\":";
  appendRecordMap(
      out, records, [](const NameRecords& r) { return r.srv; },
      [](const SrvTarget& s) { return std::string(s.target) + ":" + std::to_string(s.port); }, sink);
  out += "}}";
  sink(out);
}

std::string axfr(const RecordSet& records, const ZoneOptions& zone, int refreshSeconds) {
  std::string doc;
  writeAxfr(records, zone, refreshSeconds, [&doc](std::string_view piece) { doc += piece; });
  return doc;
}

namespace {

// Reads a /v1/axfr document as it streams by (nlohmann's SAX interface): no JSON tree, so a
// 100,000-task document costs its records, not several times their size.
class AxfrReader {
 public:
  AxfrReader(AxfrRead& out, const std::string& domain) : out_(out), domain_(cleanName(domain)), tail_("." + domain_) {}

  bool null() { return scalar("null"); }
  bool boolean(bool v) { return scalar(v ? "true" : "false"); }
  bool number_integer(json::number_integer_t v) { return scalar(std::to_string(v)); }
  bool number_unsigned(json::number_unsigned_t v) {
    if (depth_ == 1 && key_ == "Serial" && v <= UINT32_MAX) out_.serial = static_cast<uint32_t>(v);
    return scalar(std::to_string(v));
  }
  bool number_float(json::number_float_t v, const json::string_t&) { return scalar(std::to_string(v)); }
  bool binary(json::binary_t&) { return scalar("binary"); }
  bool string(json::string_t& v) {
    if (depth_ == 1 && key_ == "Domain") docDomain_ = v;
    if (depth_ == 4 && inKind_ && nameOk_) value(v);
    return structural();
  }
  bool start_object(std::size_t) {
    if (depth_ == 0) sawObject_ = true;
    if (depth_ == 1 && key_ == "Records") sawRecords_ = inRecords_ = true;
    if (depth_ == 2 && inRecords_) {
      inKind_ = kind_ != Kind::kNone;
    }
    if (depth_ == 3 && inKind_) return fail("Records." + kindName() + " \"" + name_ + "\": values are not a list");
    ++depth_;
    return true;
  }
  bool end_object() {
    --depth_;
    if (depth_ == 2) inKind_ = false;
    if (depth_ == 1) inRecords_ = false;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 2 && inRecords_ && kind_ != Kind::kNone) return fail("Records." + kindName() + " is not an object");
    if (depth_ == 0) return fail("not a /v1/axfr document (no \"Records\" object)");
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool key(json::string_t& k) {
    if (depth_ == 1) key_ = k;
    if (depth_ == 2 && inRecords_)
      kind_ = k == "As" ? Kind::kA : k == "AAAAs" ? Kind::kAAAA : k == "SRVs" ? Kind::kSrv : Kind::kNone;
    if (depth_ == 3 && inKind_) {
      name_ = k;
      const std::string name = cleanName(k);
      nameOk_ = (name == domain_ || name.ends_with(tail_)) && isEncodableName(name);
      if (!nameOk_) skip(kindName() + " \"" + k + "\": not a name in " + domain_);
      cleanName_ = name;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    if (out_.error.empty()) out_.error = "not valid JSON";
    return false;
  }

  void finish() {
    if (!out_.error.empty()) return;
    if (!sawObject_ || !sawRecords_) {
      out_.error = "not a /v1/axfr document (no \"Records\" object)";
    } else if (!docDomain_.empty() && cleanName(docDomain_) != domain_) {
      out_.error =
          "the document is for domain \"" + docDomain_ + "\", not \"" + domain_.substr(0, domain_.size() - 1) + "\"";
    }
    if (skipped_ > 10) out_.warnings.push_back(std::to_string(skipped_ - 10) + " more values left out");
  }
  RecordSet records;

 private:
  enum class Kind { kNone, kA, kAAAA, kSrv };
  std::string kindName() const { return kind_ == Kind::kA ? "As" : kind_ == Kind::kAAAA ? "AAAAs" : "SRVs"; }
  bool fail(std::string why) {
    out_.error = std::move(why);
    return false;
  }
  bool scalar(const std::string& text) {
    if (depth_ == 4 && inKind_ && nameOk_) skip(kindName() + " \"" + name_ + "\": " + text + " is not a string");
    if (depth_ == 3 && inKind_) skip(kindName() + " \"" + name_ + "\": values are not a list");
    return structural();
  }
  bool structural() {
    if (depth_ == 2 && inRecords_ && kind_ != Kind::kNone) return fail("Records." + kindName() + " is not an object");
    if (depth_ == 1 && key_ == "Records") return fail("not a /v1/axfr document (no \"Records\" object)");
    if (depth_ == 0) return fail("not a /v1/axfr document (no \"Records\" object)");
    return true;
  }
  void skip(const std::string& why) {
    if (++skipped_ <= 10) out_.warnings.push_back(why);
  }
  void value(const std::string& v) {
    if (kind_ == Kind::kSrv) {
      const auto colon = v.rfind(':');
      const std::string target = colon == std::string::npos ? "" : cleanName(v.substr(0, colon));
      const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
      char* end = nullptr;
      const long p = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
      if (target.size() < 2 || p < 0 || p > 65535 || *end != '\0' || !isEncodableName(target)) {
        skip("SRVs \"" + name_ + "\": \"" + v + "\" is not target:port");
        return;
      }
      records.addSrv(cleanName_, SrvTarget{target, static_cast<uint16_t>(p)});
      return;
    }
    const auto ip = IpAddress::parse(v);
    if (!ip || ip->isV4() != (kind_ == Kind::kA)) {
      skip(kindName() + " \"" + name_ + "\": \"" + v + "\" is not an " + (kind_ == Kind::kA ? "IPv4" : "IPv6") +
           " address");
      return;
    }
    records.addAddress(cleanName_, *ip);
  }

  AxfrRead& out_;
  const std::string domain_, tail_;
  int depth_ = 0;
  std::string key_, docDomain_, name_, cleanName_;
  Kind kind_ = Kind::kNone;
  bool sawObject_ = false, sawRecords_ = false, inRecords_ = false, inKind_ = false, nameOk_ = false;
  size_t skipped_ = 0;
};

}  // namespace

AxfrRead parseAxfr(std::string_view text, const std::string& domain) {
  AxfrRead out;
  AxfrReader reader(out, domain);
  json::sax_parse(text.begin(), text.end(), &reader);
  reader.finish();
  if (!out.error.empty()) return out;
  reader.records.finalize();
  out.records = std::move(reader.records);
  return out;
}

}  // namespace mdns::api
