// config.json: mesos-dns's keys, types and defaults (records/config.go, validation.go), matched
// case-insensitively like Go's encoding/json, with errors that name the file, the key and the value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/config.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kPath = "/etc/mesos-dns-agent/config.json";

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += s + "\n";
  return out;
}

// The one error that mentions all of `needles`, or "" when none does.
std::string errorWith(const ConfigResult& r, std::initializer_list<std::string> needles) {
  for (const auto& e : r.errors) {
    bool all = true;
    for (const auto& n : needles) all = all && e.find(n) != std::string::npos;
    if (all) return e;
  }
  return "";
}

Config parseOk(const std::string& text, const std::string& path = kPath) {
  const ConfigResult r = parseConfig(text, path);
  EXPECT_THAT(r.errors, IsEmpty()) << text;
  EXPECT_TRUE(r.config.has_value()) << text;
  return r.config.value_or(Config{});
}

// A config that is valid on its own, with `extra` members added.
std::string withMasters(const std::string& extra = "") {
  return std::string(R"({"masters": ["10.0.0.1:5050"])") + (extra.empty() ? "" : ", " + extra) + "}";
}

// --- Defaults ----------------------------------------------------------------------------------------

TEST(Config, DefaultsEqualMesosDnsExceptTheListener) {
  const Config c = parseOk(withMasters());
  EXPECT_THAT(c.masters, ElementsAre("10.0.0.1:5050"));
  EXPECT_EQ(c.zk, "");
  EXPECT_EQ(c.refreshSeconds, 60);
  EXPECT_EQ(c.stateTimeoutSeconds, 300);
  EXPECT_EQ(c.zkDetectionTimeout, 30);
  EXPECT_EQ(c.ttl, 60);
  EXPECT_EQ(c.domain, "mesos");
  EXPECT_EQ(c.port, 53);
  EXPECT_EQ(c.timeout, 5);
  EXPECT_EQ(c.httpPort, 8123);
  EXPECT_EQ(c.soaMname, "ns1.mesos.");  // mesos-dns's initSOA makes both fully qualified
  EXPECT_EQ(c.soaRname, "root.ns1.mesos.");
  EXPECT_EQ(c.soaRefresh, 60u);
  EXPECT_EQ(c.soaRetry, 600u);
  EXPECT_EQ(c.soaExpire, 86400u);
  EXPECT_EQ(c.soaMinttl, 60u);
  EXPECT_TRUE(c.dnsOn);
  EXPECT_TRUE(c.httpOn);
  EXPECT_TRUE(c.externalOn);
  EXPECT_TRUE(c.recurseOn);
  EXPECT_TRUE(c.enumerationOn);
  EXPECT_TRUE(c.setTruncateBit);
  EXPECT_FALSE(c.enforceRfc952);
  EXPECT_EQ(c.labelRule(), LabelRule::kRfc1123);
  EXPECT_THAT(c.ipSources, ElementsAre("netinfo", "mesos", "host"));
  EXPECT_EQ(c.srvRecordDefaultWeight, 1);
  EXPECT_FALSE(c.mesosHttpsOn);
  EXPECT_THAT(c.zoneResolvers, IsEmpty());
  EXPECT_EQ(c.mesosAuthentication, "");
  EXPECT_EQ(c.stateFile, "");
  EXPECT_EQ(c.configPath, kPath);
  // The per-node agent's deliberate differences: it serves its own node (mesos-dns: 0.0.0.0), and
  // forwards to the node's own upstreams (mesos-dns: 8.8.8.8), see config.h.
  EXPECT_THAT(c.listeners, ElementsAre("127.0.0.1"));
  EXPECT_EQ(c.httpListener, "127.0.0.1");
  EXPECT_THAT(c.resolvers, IsEmpty());
}

TEST(Config, EveryKeyIsRead) {
  const Config c = parseOk(R"({
    "Masters": ["10.0.0.1:5050", "10.0.0.2:5050"], "Zk": "zk://10.0.0.1:2181/mesos", "RefreshSeconds": 30,
    "StateTimeoutSeconds": 20, "ZkDetectionTimeout": 0, "TTL": 15, "Domain": "dc1", "Port": 5353,
    "Resolvers": ["10.0.0.53"], "ZoneResolvers": {"consul": ["10.0.0.54:8600"]}, "Timeout": 2,
    "Listener": "10.0.0.9", "HTTPListener": "10.0.0.9", "HttpPort": 8124, "SOAMname": "ns9.dc1",
    "SOARname": "admin.dc1", "SOASerial": 7, "SOARefresh": 61, "SOARetry": 601, "SOAExpire": 86401,
    "SOAMinttl": 61, "DnsOn": true, "HttpOn": false, "ExternalOn": true, "RecurseOn": false,
    "IPSources": ["docker", "host"], "EnforceRFC952": true, "EnumerationOn": false, "SetTruncateBit": false,
    "SRVRecordDefaultWeight": 10, "MesosHTTPSOn": false, "MesosAuthentication": "basic",
    "MesosCredentials": {"principal": "dns", "secret": "s3cret"}})");
  EXPECT_THAT(c.masters, ElementsAre("10.0.0.1:5050", "10.0.0.2:5050"));
  EXPECT_EQ(c.zk, "zk://10.0.0.1:2181/mesos");
  EXPECT_EQ(c.refreshSeconds, 30);
  EXPECT_EQ(c.stateTimeoutSeconds, 20);
  EXPECT_EQ(c.zkDetectionTimeout, 0);
  EXPECT_EQ(c.ttl, 15);
  EXPECT_EQ(c.domain, "dc1");
  EXPECT_EQ(c.port, 5353);
  EXPECT_THAT(c.resolvers, ElementsAre("10.0.0.53"));
  ASSERT_EQ(c.zoneResolvers.count("consul"), 1u);
  EXPECT_THAT(c.zoneResolvers.at("consul"), ElementsAre("10.0.0.54:8600"));
  EXPECT_EQ(c.timeout, 2);
  EXPECT_THAT(c.listeners, ElementsAre("10.0.0.9"));
  EXPECT_EQ(c.httpListener, "10.0.0.9");
  EXPECT_EQ(c.httpPort, 8124);
  EXPECT_EQ(c.soaMname, "ns9.dc1.");
  EXPECT_EQ(c.soaRname, "admin.dc1.");
  EXPECT_EQ(c.soaRefresh, 61u);
  EXPECT_EQ(c.soaRetry, 601u);
  EXPECT_EQ(c.soaExpire, 86401u);
  EXPECT_EQ(c.soaMinttl, 61u);
  EXPECT_TRUE(c.dnsOn);
  EXPECT_FALSE(c.httpOn);
  EXPECT_TRUE(c.externalOn);
  EXPECT_FALSE(c.recurseOn);
  EXPECT_THAT(c.ipSources, ElementsAre("docker", "host"));
  EXPECT_TRUE(c.enforceRfc952);
  EXPECT_EQ(c.labelRule(), LabelRule::kRfc952);
  EXPECT_FALSE(c.enumerationOn);
  EXPECT_FALSE(c.setTruncateBit);
  EXPECT_EQ(c.srvRecordDefaultWeight, 10);
  EXPECT_EQ(c.mesosAuthentication, "basic");
  EXPECT_EQ(c.mesosCredentials.principal, "dns");
  EXPECT_EQ(c.mesosCredentials.secret, "s3cret");
}

// --- Keys ------------------------------------------------------------------------------------------

TEST(Config, KeysMatchCaseInsensitivelyLikeGoEncodingJson) {
  for (const char* key : {"ttl", "TTL", "Ttl", "tTL"}) {
    const Config c = parseOk(withMasters("\"" + std::string(key) + "\": 17"));
    EXPECT_EQ(c.ttl, 17) << key;
  }
  const Config c = parseOk(R"({"MASTERS": ["10.0.0.1:5050"], "refreshseconds": 9, "DOMAIN": "dc1",
      "ipsources": ["host"], "soamname": "ns2.dc1", "DNSON": true, "httpport": 9000, "enforcerfc952": true,
      "STATEFILE": "s.json"})");
  EXPECT_THAT(c.masters, ElementsAre("10.0.0.1:5050"));
  EXPECT_EQ(c.refreshSeconds, 9);
  EXPECT_EQ(c.domain, "dc1");
  EXPECT_THAT(c.ipSources, ElementsAre("host"));
  EXPECT_EQ(c.soaMname, "ns2.dc1.");
  EXPECT_EQ(c.httpPort, 9000);
  EXPECT_TRUE(c.enforceRfc952);
  EXPECT_EQ(c.stateFile, "/etc/mesos-dns-agent/s.json");
}

TEST(Config, UnknownKeyIsAWarningNotAnError) {
  const ConfigResult r = parseConfig(withMasters(R"("Frobnicate": 1, "ttl": 30)"), kPath);
  EXPECT_THAT(r.errors, IsEmpty());
  ASSERT_TRUE(r.config.has_value());
  EXPECT_EQ(r.config->ttl, 30);
  ASSERT_EQ(r.warnings.size(), 1u) << joined(r.warnings);
  EXPECT_THAT(r.warnings[0], HasSubstr("Frobnicate"));
  EXPECT_THAT(r.warnings[0], HasSubstr(kPath));
}

// --- Errors name the file, the key and what was found --------------------------------------------

TEST(Config, TtlGivenAsTextIsAnErrorNamingFileKeyAndValue) {
  const ConfigResult r = parseConfig(withMasters(R"("ttl": "60s")"), kPath);
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u) << joined(r.errors);
  EXPECT_THAT(r.errors[0], HasSubstr(kPath));
  EXPECT_THAT(r.errors[0], HasSubstr("\"ttl\""));
  EXPECT_THAT(r.errors[0], HasSubstr("60s"));
}

TEST(Config, ErrorNamesTheKeyAsWritten) {
  const ConfigResult r = parseConfig(withMasters(R"("RefreshSeconds": true)"), kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_NE(errorWith(r, {kPath, "RefreshSeconds", "true"}), "") << joined(r.errors);
}

TEST(Config, WrongTypesAreErrors) {
  struct Case {
    const char* member;
    const char* key;
    const char* found;
  };
  const Case cases[] = {
      {R"("ttl": 60.5)", "ttl", "60.5"},
      {R"("port": "53")", "port", "53"},
      {R"("dnsOn": "yes")", "dnsOn", "yes"},
      {R"("domain": 5)", "domain", "5"},
      {R"("IPSources": "host")", "IPSources", "host"},
      {R"("resolvers": ["8.8.8.8", 9])", "resolvers", "9"},
      {R"("SOARefresh": -1)", "SOARefresh", "-1"},
      {R"("ZoneResolvers": ["consul"])", "ZoneResolvers", "consul"},
      {R"("MesosCredentials": "user:pass")", "MesosCredentials", "user:pass"},
  };
  for (const auto& c : cases) {
    const ConfigResult r = parseConfig(withMasters(c.member), kPath);
    EXPECT_FALSE(r.config.has_value()) << c.member;
    EXPECT_NE(errorWith(r, {kPath, c.key, c.found}), "") << c.member << "\n" << joined(r.errors);
  }
}

TEST(Config, EveryProblemIsReportedAtOnce) {
  const ConfigResult r = parseConfig(withMasters(R"("ttl": "60s", "port": "53", "IPSources": ["rkt"])"), kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_GE(r.errors.size(), 3u) << joined(r.errors);
  EXPECT_NE(errorWith(r, {"ttl"}), "");
  EXPECT_NE(errorWith(r, {"port"}), "");
  EXPECT_NE(errorWith(r, {"IPSources", "rkt"}), "");
}

TEST(Config, TextThatIsNotJsonIsAnErrorNamingTheFile) {
  const ConfigResult r = parseConfig(R"({"masters": ["10.0.0.1:5050"],})", kPath);
  EXPECT_FALSE(r.config.has_value());
  ASSERT_FALSE(r.errors.empty());
  EXPECT_THAT(r.errors[0], HasSubstr(kPath));
  EXPECT_THAT(r.errors[0], HasSubstr("JSON"));
}

TEST(Config, DocumentThatIsNotAnObjectIsAnError) {
  const ConfigResult r = parseConfig(R"(["10.0.0.1:5050"])", kPath);
  EXPECT_FALSE(r.config.has_value());
  ASSERT_FALSE(r.errors.empty());
  EXPECT_THAT(r.errors[0], HasSubstr(kPath));
}

// --- Validation (validation.go and SetConfig) --------------------------------------------------------

TEST(Config, SomeSourceOfStateIsRequired) {
  const ConfigResult r = parseConfig("{}", kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_NE(errorWith(r, {kPath, "masters"}), "") << joined(r.errors);
  EXPECT_TRUE(parseConfig(R"({"zk": "zk://10.0.0.1:2181/mesos"})", kPath).config.has_value());
  EXPECT_TRUE(parseConfig(R"({"stateFile": "/tmp/state.json"})", kPath).config.has_value());
}

TEST(Config, DnsAndHttpCannotBothBeOff) {
  const ConfigResult r = parseConfig(withMasters(R"("DnsOn": false, "HttpOn": false)"), kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_FALSE(r.errors.empty());
  EXPECT_TRUE(parseConfig(withMasters(R"("DnsOn": false, "HttpOn": true)"), kPath).config.has_value());
}

TEST(Config, StateFileIsTakenFromTheConfigFolder) {
  EXPECT_EQ(parseOk(R"({"stateFile": "state.json"})", "/etc/mdns/config.json").stateFile, "/etc/mdns/state.json");
  EXPECT_EQ(parseOk(R"({"stateFile": "sub/state.json"})", "/etc/mdns/config.json").stateFile,
            "/etc/mdns/sub/state.json");
  EXPECT_EQ(parseOk(R"({"stateFile": "/var/lib/mdns/state.json"})", "/etc/mdns/config.json").stateFile,
            "/var/lib/mdns/state.json");
}

TEST(Config, InvalidIpSourcesAreErrors) {
  struct Case {
    const char* sources;
    const char* mentions;
  };
  const Case cases[] = {
      {R"(["netinfo", "rkt"])", "rkt"},
      {R"(["host", "host"])", "host"},
      {R"([])", "IPSources"},
      {R"(["Host"])", "Host"},  // source names are exact, as in validateIPSources
  };
  for (const auto& c : cases) {
    const ConfigResult r = parseConfig(withMasters(std::string(R"("IPSources": )") + c.sources), kPath);
    EXPECT_FALSE(r.config.has_value()) << c.sources;
    EXPECT_NE(errorWith(r, {kPath, "IPSources", c.mentions}), "") << c.sources << "\n" << joined(r.errors);
  }
  EXPECT_THAT(parseOk(withMasters(R"("IPSources": ["netinfo", "docker", "mesos", "host"])")).ipSources,
              ElementsAre("netinfo", "docker", "mesos", "host"));
}

TEST(Config, DomainIsLowerCasedAndValidated) {
  EXPECT_EQ(parseOk(withMasters(R"("domain": "Mesos.Example")")).domain, "mesos.example");
  EXPECT_EQ(parseOk(withMasters(R"("domain": "dc-1.example")")).domain, "dc-1.example");
  for (const char* bad : {"my_domain", "foo..bar", "", ".mesos", "has space"}) {
    const ConfigResult r = parseConfig(withMasters(std::string(R"("domain": ")") + bad + "\""), kPath);
    EXPECT_FALSE(r.config.has_value()) << bad;
    EXPECT_NE(errorWith(r, {kPath, "domain"}), "") << bad << "\n" << joined(r.errors);
  }
}

TEST(Config, MastersMustBeUniqueHostPortPairs) {
  struct Case {
    const char* masters;
    const char* mentions;
  };
  const Case cases[] = {
      {R"(["10.0.0.1:5050", "10.0.0.1:5050"])", "10.0.0.1:5050"},
      {R"(["[::1]:5050", "[0:0::1]:5050"])", "5050"},  // the same address, written twice
      {R"(["10.0.0.1"])", "10.0.0.1"},
      {R"(["10.0.0.1:0"])", "10.0.0.1:0"},
      {R"(["10.0.0.1:65536"])", "10.0.0.1:65536"},
      {R"(["10.0.0.1:http"])", "10.0.0.1:http"},
  };
  for (const auto& c : cases) {
    const ConfigResult r = parseConfig(std::string(R"({"masters": )") + c.masters + "}", kPath);
    EXPECT_FALSE(r.config.has_value()) << c.masters;
    EXPECT_NE(errorWith(r, {kPath, "masters", c.mentions}), "") << c.masters << "\n" << joined(r.errors);
  }
  // Host names are fine (they are resolved when the state is fetched), and so is IPv6.
  EXPECT_THAT(parseOk(R"({"masters": ["master-a.dc1.internal:5050", "[2001:db8::5]:5050", "10.0.0.1:5051"]})").masters,
              ElementsAre("master-a.dc1.internal:5050", "[2001:db8::5]:5050", "10.0.0.1:5051"));
}

TEST(Config, SoaNamesAreFullyQualifiedAndTheMailboxAtBecomesADot) {
  const Config c = parseOk(withMasters(R"("SOARname": "root@ns1.mesos", "SOAMname": "ns2.example")"));
  EXPECT_EQ(c.soaRname, "root.ns1.mesos.");
  EXPECT_EQ(c.soaMname, "ns2.example.");
  const Config d = parseOk(withMasters(R"("SOARname": "hostmaster.example.", "SOAMname": "ns2.example.")"));
  EXPECT_EQ(d.soaRname, "hostmaster.example.");
  EXPECT_EQ(d.soaMname, "ns2.example.");
}

TEST(Config, ResolversAreValidatedWhenForwarding) {
  EXPECT_THAT(
      parseOk(withMasters(R"("resolvers": ["8.8.8.8", "1.1.1.1:5353", "[2001:4860:4860::8888]:53"])")).resolvers,
      ElementsAre("8.8.8.8", "1.1.1.1:5353", "[2001:4860:4860::8888]:53"));
  for (const char* bad : {R"(["dns.google"])", R"(["8.8.8.8", "8.8.8.8:53"])", R"(["8.8.8.8:0"])"}) {
    const ConfigResult r = parseConfig(withMasters(std::string(R"("resolvers": )") + bad), kPath);
    EXPECT_FALSE(r.config.has_value()) << bad;
    EXPECT_NE(errorWith(r, {kPath, "resolvers"}), "") << bad << "\n" << joined(r.errors);
  }
  // Without forwarding they are not used, and not checked (as mesos-dns's initResolvers).
  EXPECT_TRUE(
      parseConfig(withMasters(R"("externalOn": false, "resolvers": ["dns.google"])"), kPath).config.has_value());
}

TEST(Config, ZoneResolversCannotTakeTheMesosDomainOrBeEmpty) {
  EXPECT_TRUE(parseConfig(withMasters(R"("zoneResolvers": {"consul": ["10.0.0.53"]})"), kPath).config.has_value());
  for (const char* bad : {R"({"mesos": ["10.0.0.53"]})", R"({"consul": []})", R"({"consul": ["consul.local"]})"}) {
    const ConfigResult r = parseConfig(withMasters(std::string(R"("zoneResolvers": )") + bad), kPath);
    EXPECT_FALSE(r.config.has_value()) << bad;
    EXPECT_FALSE(r.errors.empty()) << bad;
  }
}

TEST(Config, ZoneResolversMustNotMaskEachOtherOrTheMesosDomain) {
  // validation.go validateZoneResolvers: ".a.consul" is masked by ".consul", ".sub.mesos" by ".mesos".
  for (const char* bad :
       {R"({"consul": ["10.0.0.53"], "dc1.consul": ["10.0.0.54"]})", R"({"sub.mesos": ["10.0.0.53"]})"}) {
    const ConfigResult r = parseConfig(withMasters(std::string(R"("zoneResolvers": )") + bad), kPath);
    EXPECT_FALSE(r.config.has_value()) << bad;
    EXPECT_NE(errorWith(r, {kPath, "zoneResolvers"}), "") << bad << "\n" << joined(r.errors);
  }
  // Siblings and names that merely end in the same letters are fine.
  EXPECT_TRUE(parseConfig(withMasters(R"("zoneResolvers": {"consul": ["10.0.0.53"], "notconsul": ["10.0.0.54"],
      "mymesos": ["10.0.0.55"]})"),
                          kPath)
                  .config.has_value());
}

TEST(Config, EveryMesosDnsKeyIsKnown) {
  // The field names of mesos-dns's Config (and its JSON tags), as a mesos-dns config.json has them.
  const ConfigResult r = parseConfig(R"({"RefreshSeconds": 60, "Port": 53, "Timeout": 5, "StateTimeoutSeconds": 300,
      "ZkDetectionTimeout": 30, "HttpPort": 8123, "TTL": 60, "SRVRecordDefaultWeight": 1, "SOASerial": 1,
      "SOARefresh": 60, "SOARetry": 600, "SOAExpire": 86400, "SOAMinttl": 60, "SOAMname": "ns1.mesos",
      "SOARname": "root.ns1.mesos", "Masters": ["10.0.0.1:5050"], "ZoneResolvers": {}, "Resolvers": ["8.8.8.8"],
      "IPSources": ["netinfo", "mesos", "host"], "Zk": "", "Domain": "mesos", "File": "/etc/config.json",
      "Listener": "127.0.0.1", "HTTPListener": "127.0.0.1", "RecurseOn": true, "DnsOn": true, "HttpOn": true,
      "ExternalOn": true, "EnforceRFC952": false, "SetTruncateBit": true, "EnumerationOn": true,
      "MesosHTTPSOn": false, "CACertFile": "", "CertFile": "", "KeyFile": "", "IAMConfigFile": "",
      "MesosAuthentication": ""})",
                                     kPath);
  EXPECT_THAT(r.errors, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
  EXPECT_TRUE(r.config.has_value());
}

TEST(Config, BasicAuthenticationNeedsAPrincipal) {
  const ConfigResult r = parseConfig(withMasters(R"("MesosAuthentication": "basic")"), kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_FALSE(r.errors.empty());
  const ConfigResult bad = parseConfig(withMasters(R"("MesosAuthentication": "kerberos")"), kPath);
  EXPECT_FALSE(bad.config.has_value());
  EXPECT_NE(errorWith(bad, {kPath, "MesosAuthentication", "kerberos"}), "") << joined(bad.errors);
}

TEST(Config, CredentialsWithoutAuthenticationAreAWarning) {
  // mesos-dns logs "MesosCredentials is configured, but MesosAuthentication is set to none".
  const ConfigResult r = parseConfig(withMasters(R"("MesosCredentials": {"principal": "p", "secret": "s"})"), kPath);
  ASSERT_TRUE(r.config.has_value()) << joined(r.errors);
  EXPECT_FALSE(r.warnings.empty());
}

TEST(Config, CertificateAndKeyGoTogether) {
  EXPECT_FALSE(parseConfig(withMasters(R"("CertFile": "/etc/ssl/c.pem")"), kPath).config.has_value());
  EXPECT_FALSE(parseConfig(withMasters(R"("KeyFile": "/etc/ssl/k.pem")"), kPath).config.has_value());
}

TEST(Config, NumbersOutOfRangeAreErrors) {
  for (const char* member : {R"("port": 70000)", R"("httpPort": -1)", R"("SRVRecordDefaultWeight": 65536)",
                             R"("SOAExpire": 4294967296)", R"("stateTimeoutSeconds": 0)"}) {
    const ConfigResult r = parseConfig(withMasters(member), kPath);
    EXPECT_FALSE(r.config.has_value()) << member;
  }
  EXPECT_EQ(parseOk(withMasters(R"("SOAExpire": 4294967295)")).soaExpire, 4294967295u);
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(Config, ForwardingCacheKeysHaveTheirDefaultsAndAreRead) {
  const Config d = parseOk(R"({"masters": ["10.0.0.1:5050"]})");
  EXPECT_EQ(d.cacheSize, 10000);
  EXPECT_EQ(d.cacheMaxTtl, 3600);
  EXPECT_EQ(d.cacheMaxNegativeTtl, 300);
  EXPECT_EQ(d.cacheMaxStaleSeconds, 86400);
  EXPECT_THAT(d.allowFrom, IsEmpty());
  const Config c = parseOk(R"({"masters": ["10.0.0.1:5050"], "cacheSize": 5, "cacheMaxTTL": 100,
      "cacheMaxNegativeTTL": 10, "cacheMaxStaleSeconds": 0, "allowFrom": ["10.0.0.0/8", "::1"]})");
  EXPECT_EQ(c.cacheSize, 5);
  EXPECT_EQ(c.cacheMaxTtl, 100);
  EXPECT_EQ(c.cacheMaxNegativeTtl, 10);
  EXPECT_EQ(c.cacheMaxStaleSeconds, 0);
  EXPECT_THAT(c.allowFrom, ElementsAre("10.0.0.0/8", "::1"));
}

TEST(Config, AllowFromEntriesMustBeAddressesOrRanges) {
  const auto r = parseConfig(R"({"masters": ["10.0.0.1:5050"], "allowFrom": ["10.0.0.0/33", "localhost"]})", kPath);
  EXPECT_NE(errorWith(r, {kPath, "allowFrom", "10.0.0.0/33"}), "");
  EXPECT_NE(errorWith(r, {"allowFrom", "localhost"}), "");
}

TEST(Config, AllowTransferIsEmptyByDefaultAndReadLikeAllowFrom) {
  EXPECT_THAT(parseOk(R"({"masters": ["10.0.0.1:5050"]})").allowTransfer, IsEmpty());
  const Config c = parseOk(R"({"masters": ["10.0.0.1:5050"], "allowTransfer": ["10.0.0.0/8", "::1", "127.0.0.1"]})");
  EXPECT_THAT(c.allowTransfer, ElementsAre("10.0.0.0/8", "::1", "127.0.0.1"));
}

TEST(Config, AllowTransferEntriesMustBeAddressesOrRanges) {
  const auto r =
      parseConfig(R"({"masters": ["10.0.0.1:5050"], "allowTransfer": ["10.0.0.0/33", "secondary.example"]})", kPath);
  EXPECT_NE(errorWith(r, {kPath, "allowTransfer", "10.0.0.0/33"}), "");
  EXPECT_NE(errorWith(r, {"allowTransfer", "secondary.example"}), "");
  EXPECT_NE(errorWith(parseConfig(R"({"masters": ["10.0.0.1:5050"], "allowTransfer": "127.0.0.1"})", kPath),
                      {"allowTransfer"}),
            "");
}

TEST(Config, AllowTransferAppliesOnReload) {
  const auto running = parseConfig(R"({"masters": ["10.0.0.1:5050"]})", kPath);
  auto next = parseConfig(R"({"masters": ["10.0.0.1:5050"], "allowTransfer": ["10.0.0.0/8"]})", kPath);
  ASSERT_TRUE(running.config && next.config);
  EXPECT_THAT(keepRestartOnlyKeys(*running.config, *next.config), IsEmpty());
  EXPECT_THAT(next.config->allowTransfer, ElementsAre("10.0.0.0/8"));
}

TEST(Config, MaxUdpSizeIs1232ByDefaultAndFrom512To4096) {
  const auto d = parseConfig(R"({"masters": ["10.0.0.1:5050"]})", kPath);
  ASSERT_TRUE(d.config);
  EXPECT_EQ(d.config->maxUdpSize, 1232);
  const auto big = parseConfig(R"({"masters": ["10.0.0.1:5050"], "maxUdpSize": 4096})", kPath);
  ASSERT_TRUE(big.config);
  EXPECT_EQ(big.config->maxUdpSize, 4096);
  for (const char* bad : {"511", "4097", "\"1232\""}) {
    const auto r = parseConfig(std::string(R"({"masters": ["10.0.0.1:5050"], "maxUdpSize": )") + bad + "}", kPath);
    EXPECT_NE(errorWith(r, {kPath, "maxUdpSize"}), "") << bad;
  }
}

TEST(Config, ForwardTimeoutMustBeAtLeastOneSecond) {
  const auto r = parseConfig(R"({"masters": ["10.0.0.1:5050"], "timeout": 0})", kPath);
  EXPECT_NE(errorWith(r, {"timeout", "from 1 to 3600"}), "");
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(Config, KeyGivenTwiceInDifferentLetterCaseIsAnError) {
  const auto r = parseConfig(R"({"masters": ["10.0.0.1:5050"], "externalOn": true, "externalon": false})", kPath);
  EXPECT_FALSE(r.config.has_value());
  EXPECT_NE(errorWith(r, {kPath, "given twice", "externalOn", "externalon"}), "");
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(Config, ResolvConfIsNotManagedUnlessAsked) {
  const Config d = parseOk(withMasters());
  EXPECT_FALSE(d.resolvConf.manage);
  EXPECT_EQ(d.resolvConf.path, "/etc/resolv.conf");
  EXPECT_EQ(d.stateDir, "/var/lib/mesos-dns-agent");
  const Config c = parseOk(withMasters(R"("resolvConf": {"manage": true, "fallback": ["10.1.0.53"], "path": "/tmp/r"},
      "stateDir": "/srv/state")"));
  EXPECT_TRUE(c.resolvConf.manage);
  EXPECT_THAT(c.resolvConf.fallback, ElementsAre("10.1.0.53"));
  EXPECT_EQ(c.resolvConf.path, "/tmp/r");
  EXPECT_EQ(c.stateDir, "/srv/state");
}

TEST(Config, ResolvConfNeedsPort53AndAddressFallbacks) {
  const auto r = parseConfig(withMasters(R"("port": 5353, "resolvConf": {"manage": true, "fallback": ["10.1.0.53:53"]},
      "stateDir": "state")"),
                             kPath);
  EXPECT_NE(errorWith(r, {"resolvConf.manage", "port 53", "5353"}), "");
  EXPECT_NE(errorWith(r, {"resolvConf.fallback", "10.1.0.53:53"}), "");
  EXPECT_NE(errorWith(r, {"stateDir", "absolute"}), "");
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(Config, ListenerMayBeAListOfDistinctAddresses) {
  const Config c = parseOk(withMasters(R"("listener": ["127.0.0.1", "169.254.20.10"])"));
  EXPECT_THAT(c.listeners, ElementsAre("127.0.0.1", "169.254.20.10"));
  const auto r = parseConfig(withMasters(R"("listener": ["127.0.0.1", "127.0.0.01", "localhost"])"), kPath);
  EXPECT_NE(errorWith(r, {"listener", "localhost", "not an IP address"}), "");
  EXPECT_EQ(errorWith(r, {"listener", "duplicate"}), "");  // 127.0.0.01 is not an address either
  const auto dup = parseConfig(withMasters(R"("listener": ["::1", "0:0::1"])"), kPath);
  EXPECT_NE(errorWith(dup, {"listener", "duplicate address \"0:0::1\""}), "");
  const auto none = parseConfig(withMasters(R"("listener": [])"), kPath);
  EXPECT_NE(errorWith(none, {"listener", "no address given"}), "");
}

TEST(Config, PeersAloneAreASourceAndMustBeHostPort) {
  const auto ok = parseConfig(R"({"peers": ["mesos-dns.example:8123", "10.0.0.2:8123"]})", "c.json");
  ASSERT_TRUE(ok.config) << (ok.errors.empty() ? "" : ok.errors.front());
  EXPECT_EQ(ok.config->peers.size(), 2u);
  const auto bad = parseConfig(R"({"peers": ["10.0.0.2", "10.0.0.3:8123", "10.0.0.3:8123"]})", "c.json");
  ASSERT_FALSE(bad.config);
  ASSERT_EQ(bad.errors.size(), 2u);
  EXPECT_NE(bad.errors[0].find("\"10.0.0.2\" is not host:port"), std::string::npos) << bad.errors[0];
  EXPECT_NE(bad.errors[1].find("duplicate peer"), std::string::npos) << bad.errors[1];
}

TEST(Config, PrimariesMakeASecondaryThatTakesTheZoneFromNowhereElse) {
  const auto ok =
      parseConfig(R"({"primaries": ["hub1.example:53", "[fd00::5]:5353"], "primaryCheckSeconds": 2})", "c.json");
  ASSERT_TRUE(ok.config) << (ok.errors.empty() ? "" : ok.errors.front());
  EXPECT_EQ(ok.config->primaries.size(), 2u);
  EXPECT_EQ(ok.config->primaryCheckSeconds, 2);
  EXPECT_EQ(parseConfig(R"({"primaries": ["10.0.0.1:53"]})", "c.json").config->primaryCheckSeconds, 1);
  const auto bad =
      parseConfig(R"({"primaries": ["10.0.0.2", "10.0.0.3:53", "10.0.0.3:53"], "primaryCheckSeconds": 0})", "c.json");
  ASSERT_FALSE(bad.config);
  EXPECT_NE(errorWith(bad, {"primaries", "\"10.0.0.2\" is not host:port"}), "");
  EXPECT_NE(errorWith(bad, {"primaries", "duplicate primary"}), "");
  EXPECT_NE(errorWith(bad, {"primaryCheckSeconds", "from 1 to 3600"}), "");
  const auto mixed = parseConfig(R"({"primaries": ["10.0.0.1:53"], "masters": ["10.0.0.5:5050"]})", "c.json");
  EXPECT_NE(errorWith(mixed, {"primaries", "from its primaries only"}), "");
}

TEST(Config, SubscribeStreamsFromMastersOrZkOnly) {
  EXPECT_FALSE(parseOk(withMasters()).subscribe);
  EXPECT_TRUE(parseOk(withMasters(R"("subscribe": true)")).subscribe);
  const auto zk = parseConfig(R"({"zk": "zk://10.0.0.1:2181/mesos", "subscribe": true})", "c.json");
  ASSERT_TRUE(zk.config) << (zk.errors.empty() ? "" : zk.errors.front());
  EXPECT_TRUE(zk.config->subscribe);
  const auto secondary = parseConfig(R"({"primaries": ["10.0.0.1:53"], "subscribe": true})", "c.json");
  EXPECT_NE(errorWith(secondary, {"subscribe", "set masters or zk"}), "");
  const auto file = parseConfig(R"({"stateFile": "/tmp/s.json", "subscribe": true})", "c.json");
  EXPECT_NE(errorWith(file, {"subscribe", "no stateFile"}), "");
  const auto notBool = parseConfig(withMasters(R"("subscribe": "yes")"), kPath);
  EXPECT_FALSE(notBool.config);
}

TEST(Config, ResolvConfModeIsCheckedAndOffMeansUnmanaged) {
  EXPECT_EQ(parseOk(withMasters()).resolvConf.mode, "auto");
  const auto bad = parseConfig(withMasters(R"("resolvConf": {"manage": true, "mode": "systemd"})"), kPath);
  EXPECT_NE(errorWith(bad, {"resolvConf.mode", "\"systemd\"", "resolved"}), "");
  EXPECT_FALSE(parseOk(withMasters(R"("resolvConf": {"manage": true, "mode": "off"})")).resolvConf.manage);
  // systemd-resolved takes a port; resolv.conf does not.
  const Config resolved = parseOk(withMasters(R"("port": 5353, "resolvConf": {"manage": true, "mode": "resolved"})"));
  EXPECT_EQ(resolved.resolvConf.mode, "resolved");
  EXPECT_NE(
      errorWith(parseConfig(withMasters(R"("port": 5353, "resolvConf": {"manage": true, "mode": "file"})"), kPath),
                {"resolvConf.manage", "port 53", "resolved"}),
      "");
}

}  // namespace
}  // namespace mdns
