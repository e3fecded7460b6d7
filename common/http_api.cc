#include "common/http_api.h"

#include <nlohmann/json.hpp>

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

}  // namespace mdns::api
