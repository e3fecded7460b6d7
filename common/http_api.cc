#include "common/http_api.h"

#include <nlohmann/json.hpp>

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

std::string config(const Config& c) {
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
      {"Masters", stringsJson(c.masters)},
      {"ZoneResolvers", zones},
      {"Resolvers", stringsJson(c.resolvers)},
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
      {"workers", c.workers},
      {"cacheSize", c.cacheSize},
      {"cacheMaxTTL", c.cacheMaxTtl},
      {"cacheMaxNegativeTTL", c.cacheMaxNegativeTtl},
      {"cacheMaxStaleSeconds", c.cacheMaxStaleSeconds},
      {"allowFrom", stringsJson(c.allowFrom)},
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
  for (size_t p; (p = out.find(".*")) != std::string::npos;) out.erase(p, 2);
  for (auto& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  if (out.empty() || out.back() != '.') out += '.';
  return out;
}

std::string hosts(const RecordSet& records, std::string_view host) {
  const std::string name = cleanName(host);
  json out = json::array();
  if (const NameRecords* r = records.find(name)) {
    for (const auto& ip : r->a) out.push_back({{"host", name}, {"ip", ip.toString()}});
    for (const auto& ip : r->aaaa) out.push_back({{"host", name}, {"ip", ip.toString()}});
  }
  if (out.empty()) out.push_back({{"host", ""}, {"ip", ""}});
  return out.dump();
}

std::string services(const RecordSet& records, std::string_view service) {
  const std::string name = cleanName(service);
  json out = json::array();
  if (const NameRecords* r = records.find(name)) {
    for (const auto& s : r->srv) {
      const NameRecords* target = records.find(s.target);
      if (target == nullptr) continue;
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

std::string enumerate(const Enumeration& enumeration) {
  json frameworks = json::array();
  for (const auto& f : enumeration) {
    json tasks = json::array();
    for (const auto& t : f.tasks) {
      json recs = json::array();
      for (const auto& r : t.records) recs.push_back({{"name", r.name}, {"host", r.host}, {"rtype", r.rtype}});
      tasks.push_back({{"name", t.name}, {"id", t.id}, {"records", recs}});
    }
    frameworks.push_back({{"name", f.name}, {"tasks", tasks}});
  }
  return json{{"frameworks", frameworks}}.dump();
}

std::string axfr(const RecordSet& records, const ZoneOptions& zone, int refreshSeconds) {
  json as = json::object(), aaaas = json::object(), srvs = json::object();
  for (const auto& [name, r] : records.names()) {
    if (!r.a.empty()) {
      auto& v = as[name] = json::array();
      for (const auto& ip : r.a) v.push_back(ip.toString());
    }
    if (!r.aaaa.empty()) {
      auto& v = aaaas[name] = json::array();
      for (const auto& ip : r.aaaa) v.push_back(ip.toString());
    }
    if (!r.srv.empty()) {
      auto& v = srvs[name] = json::array();
      for (const auto& s : r.srv) v.push_back(s.target + ":" + std::to_string(s.port));
    }
  }
  return json{{"TTL", zone.ttl},
              {"Serial", zone.soaSerial},
              {"RefreshSeconds", refreshSeconds},
              {"Mname", zone.soaMname},
              {"Rname", zone.soaRname},
              {"Domain", zone.domain},
              {"Records", {{"As", as}, {"AAAAs", aaaas}, {"SRVs", srvs}}}}
      .dump();
}

AxfrRead parseAxfr(std::string_view text, const std::string& domain) {
  AxfrRead out;
  const json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.error = "not valid JSON";
    return out;
  }
  if (!doc.is_object() || !doc.contains("Records") || !doc["Records"].is_object()) {
    out.error = "not a /v1/axfr document (no \"Records\" object)";
    return out;
  }
  const std::string lowerDomain = cleanName(domain);
  if (doc.contains("Domain") && doc["Domain"].is_string() &&
      cleanName(doc["Domain"].get<std::string>()) != lowerDomain) {
    out.error = "the document is for domain \"" + doc["Domain"].get<std::string>() + "\", not \"" + domain + "\"";
    return out;
  }
  if (doc.contains("Serial") && doc["Serial"].is_number_unsigned()) out.serial = doc["Serial"].get<uint32_t>();
  size_t skipped = 0;
  auto skip = [&out, &skipped](const std::string& why) {
    if (++skipped <= 10) out.warnings.push_back(why);
  };
  const std::string tail = "." + lowerDomain;
  auto inDomain = [&](const std::string& name) { return name == lowerDomain || name.ends_with(tail); };
  RecordSet records;
  const json& recs = doc["Records"];
  for (const char* kind : {"As", "AAAAs", "SRVs"}) {
    if (!recs.contains(kind)) continue;
    const json& set = recs[kind];
    if (!set.is_object()) {
      out.error = std::string("Records.") + kind + " is not an object";
      return out;
    }
    for (const auto& [rawName, values] : set.items()) {
      const std::string name = cleanName(rawName);
      if (!inDomain(name) || !isEncodableName(name)) {
        skip(std::string(kind) + " \"" + rawName + "\": not a name in " + lowerDomain);
        continue;
      }
      if (!values.is_array()) {
        skip(std::string(kind) + " \"" + rawName + "\": values are not a list");
        continue;
      }
      for (const auto& v : values) {
        const std::string value = v.is_string() ? v.get<std::string>() : v.dump();
        if (std::string_view(kind) == "SRVs") {
          const auto colon = value.rfind(':');
          const std::string target = colon == std::string::npos ? "" : cleanName(value.substr(0, colon));
          const std::string port = colon == std::string::npos ? "" : value.substr(colon + 1);
          char* end = nullptr;
          const long p = port.empty() ? -1 : std::strtol(port.c_str(), &end, 10);
          if (target.size() < 2 || p < 0 || p > 65535 || *end != '\0' || !isEncodableName(target)) {
            skip("SRVs \"" + rawName + "\": \"" + value + "\" is not target:port");
            continue;
          }
          records.addSrv(name, SrvTarget{target, static_cast<uint16_t>(p)});
        } else {
          const auto ip = IpAddress::parse(value);
          if (!ip || ip->isV4() != (std::string_view(kind) == "As")) {
            skip(std::string(kind) + " \"" + rawName + "\": \"" + value + "\" is not an " +
                 (std::string_view(kind) == "As" ? "IPv4" : "IPv6") + " address");
            continue;
          }
          records.addAddress(name, *ip);
        }
      }
    }
  }
  if (skipped > 10) out.warnings.push_back(std::to_string(skipped - 10) + " more values left out");
  records.finalize();
  out.records = std::move(records);
  return out;
}

}  // namespace mdns::api
