// The HTTP API's documents in mesos-dns's shapes (its resolver_test.go TestHTTP expectations and
// docs/http.md), the enumeration the generator keeps for /v1/enumerate, the Prometheus text
// format of /metrics, and which keys a reload applies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "common/config.h"
#include "common/http_api.h"
#include "common/metrics.h"
#include "common/record_generator.h"

namespace mdns {
namespace {

using json = nlohmann::json;

RecordSet leaderRecords() {
  // mesos-dns's fakeDNS: leader.mesos. 1.2.3.4, _leader._tcp.mesos. -> leader.mesos.:5050.
  RecordSet rs;
  rs.addAddress("leader.mesos.", *IpAddress::parse("1.2.3.4"));
  rs.addSrv("_leader._tcp.mesos.", SrvTarget{"leader.mesos.", 5050});
  rs.addAddress("v6.mesos.", *IpAddress::parse("fd00::1"));
  rs.addSrv("_v6._tcp.mesos.", SrvTarget{"v6.mesos.", 80});
  rs.finalize();
  return rs;
}

TEST(HttpApi, VersionHasMesosDnsKeys) {
  const auto j = json::parse(api::version());
  EXPECT_EQ(j["Service"], "mesos-dns-agent");
  EXPECT_TRUE(j.contains("URL"));
  EXPECT_FALSE(j["Version"].get<std::string>().empty());
}

TEST(HttpApi, HostsListsAddressesOfTheName) {
  const auto rs = leaderRecords();
  EXPECT_EQ(json::parse(api::hosts(rs, "leader.mesos")), json::parse(R"([{"host":"leader.mesos.","ip":"1.2.3.4"}])"));
  // Case and the trailing dot do not matter; ".*" wildcards are taken out (mesos-dns's cleanWild).
  EXPECT_EQ(json::parse(api::hosts(rs, "LEADER.mesos.")), json::parse(api::hosts(rs, "leader.mesos")));
  EXPECT_EQ(json::parse(api::hosts(rs, "leader.*.mesos")), json::parse(api::hosts(rs, "leader.mesos")));
  EXPECT_EQ(json::parse(api::hosts(rs, "v6.mesos")), json::parse(R"([{"host":"v6.mesos.","ip":"fd00::1"}])"));
}

TEST(HttpApi, UnknownHostGivesOneEmptyRecordAsMesosDns) {
  EXPECT_EQ(json::parse(api::hosts(leaderRecords(), "nope.mesos")), json::parse(R"([{"host":"","ip":""}])"));
}

TEST(HttpApi, ServicesResolveTargetsLikeMesosDns) {
  const auto rs = leaderRecords();
  EXPECT_EQ(json::parse(api::services(rs, "_leader._tcp.mesos.")),
            json::parse(R"([{"service":"_leader._tcp.mesos.","host":"leader.mesos.","ip":"1.2.3.4","port":"5050"}])"));
  EXPECT_EQ(json::parse(api::services(rs, "_v6._tcp.mesos.")),
            json::parse(R"([{"service":"_v6._tcp.mesos.","host":"v6.mesos.","ip":"fd00::1","port":"80"}])"));
  EXPECT_EQ(json::parse(api::services(rs, "_myservice._tcp.mesos.")),
            json::parse(R"([{"service":"","host":"","ip":"","port":""}])"));
}

TEST(HttpApi, ConfigUsesMesosDnsFieldNamesAndMasksTheSecret) {
  auto parsed = parseConfig(
      R"({"masters": ["10.0.0.1:5050"], "MesosCredentials": {"principal": "me", "secret": "hunter2"},
          "mesosAuthentication": "basic", "ttl": 30})",
      "/etc/x.json");
  ASSERT_TRUE(parsed.config) << parsed.errors.front();
  const std::string text = api::config(*parsed.config);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  const auto j = json::parse(text);
  EXPECT_EQ(j["MesosCredentials"]["Principal"], "me");
  EXPECT_EQ(j["MesosCredentials"]["Secret"], "******");
  EXPECT_EQ(j["TTL"], 30);
  EXPECT_EQ(j["Masters"], json::parse(R"(["10.0.0.1:5050"])"));
  for (const char* key : {"RefreshSeconds", "Port", "Timeout", "HttpPort", "Domain", "Resolvers", "Listener", "DnsOn",
                          "HttpOn", "SOAMname", "SOARname", "EnumerationOn", "IPSources", "Zk"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(HttpApi, ConfigShowsTheServedSerialAndTheUpstreamsInUse) {
  auto parsed = parseConfig(R"({"masters": ["10.0.0.1:5050"]})", "/etc/x.json");
  ASSERT_TRUE(parsed.config);
  const auto j = json::parse(api::config(*parsed.config, 1700000123, {"10.0.0.2:53", "10.0.0.3:53"}));
  EXPECT_EQ(j["SOASerial"], 1700000123);
  EXPECT_EQ(j["Resolvers"], json::parse(R"(["10.0.0.2:53", "10.0.0.3:53"])"));  // from resolv.conf
  auto configured = parseConfig(R"({"masters": ["10.0.0.1:5050"], "resolvers": ["10.9.0.1"]})", "/etc/x.json");
  ASSERT_TRUE(configured.config);
  EXPECT_EQ(json::parse(api::config(*configured.config, 1, {"10.0.0.2:53"}))["Resolvers"],
            json::parse(R"(["10.9.0.1"])"));
}

TEST(HttpApi, AxfrHasMesosDnsTransferShape) {
  ZoneOptions zone;
  zone.ttl = 60;
  zone.soaSerial = 42;
  const auto j = json::parse(api::axfr(leaderRecords(), zone, 30));
  EXPECT_EQ(j["TTL"], 60);
  EXPECT_EQ(j["Serial"], 42);
  EXPECT_EQ(j["RefreshSeconds"], 30);
  EXPECT_EQ(j["Mname"], "ns1.mesos.");
  EXPECT_EQ(j["Rname"], "root.ns1.mesos.");
  EXPECT_EQ(j["Domain"], "mesos");
  EXPECT_EQ(j["Records"]["As"]["leader.mesos."], json::parse(R"(["1.2.3.4"])"));
  EXPECT_EQ(j["Records"]["AAAAs"]["v6.mesos."], json::parse(R"(["fd00::1"])"));
  EXPECT_EQ(j["Records"]["SRVs"]["_leader._tcp.mesos."], json::parse(R"(["leader.mesos.:5050"])"));
}

TEST(HttpApi, AxfrReadsBackToTheSameRecords) {
  const auto rs = leaderRecords();
  ZoneOptions zone;
  zone.soaSerial = 7;
  const auto read = api::parseAxfr(api::axfr(rs, zone, 60), "mesos");
  ASSERT_TRUE(read.records) << read.error;
  EXPECT_TRUE(*read.records == rs);
  EXPECT_EQ(read.serial, 7u);
  EXPECT_TRUE(read.warnings.empty());
}

TEST(HttpApi, AxfrFromAnotherDomainOrNotAnAxfrIsRefused) {
  EXPECT_EQ(api::parseAxfr(R"({"Domain": "other", "Records": {}})", "mesos").error,
            "the document is for domain \"other\", not \"mesos\"");
  EXPECT_EQ(api::parseAxfr("{\"Records\": {\"As\"", "mesos").error, "not valid JSON");
  EXPECT_NE(api::parseAxfr("[1, 2]", "mesos").error.find("not a /v1/axfr document"), std::string::npos);
  EXPECT_NE(api::parseAxfr(R"({"Records": {"As": []}})", "mesos").error.find("Records.As"), std::string::npos);
}

TEST(HttpApi, AxfrValuesThatDoNotParseAreLeftOutOneByOne) {
  const auto read = api::parseAxfr(R"({"Domain": "mesos", "Records": {
      "As": {"a.mesos.": ["10.0.0.1", "nope", "fd00::1"], "x.example.": ["10.0.0.2"]},
      "AAAAs": {"a.mesos.": ["fd00::1"]},
      "SRVs": {"_a._tcp.mesos.": ["a.mesos.:80", "a.mesos.", "a.mesos.:99999"]}}})",
                                   "mesos");
  ASSERT_TRUE(read.records) << read.error;
  const auto a = read.records->find("a.mesos.");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->a.size(), 1u);
  EXPECT_EQ(a->aaaa.size(), 1u);
  EXPECT_FALSE(read.records->find("x.example."));
  ASSERT_TRUE(read.records->find("_a._tcp.mesos."));
  EXPECT_EQ(read.records->find("_a._tcp.mesos.")->srv.size(), 1u);
  EXPECT_EQ(read.warnings.size(), 5u);
}

MesosState demoState() {
  std::ifstream in(std::string(MDNS_FIXTURES) + "/../../packaging/demo/state.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = parseMesosState(ss.str());
  EXPECT_TRUE(parsed.state.has_value());
  return parsed.state.value_or(MesosState{});
}

TEST(HttpApi, AxfrWrittenInPiecesIsTheSameDocument) {
  RecordSet rs;
  for (int i = 0; i < 5000; ++i) {
    rs.addAddress("task-" + std::to_string(i) + ".marathon.mesos.", *IpAddress::parse("10.3.0.1"));
    rs.addSrv("_task-" + std::to_string(i) + "._tcp.marathon.mesos.",
              SrvTarget{"task-" + std::to_string(i) + ".marathon.mesos.", 31000});
  }
  rs.finalize();
  ZoneOptions zone;
  std::vector<std::string> pieces;
  api::writeAxfr(rs, zone, 30, [&pieces](std::string_view p) { pieces.emplace_back(p); });
  EXPECT_GT(pieces.size(), 4u);
  std::string joined;
  for (const auto& p : pieces) {
    EXPECT_LT(p.size(), 80u * 1024) << "a piece is about 64 KiB";
    joined += p;
  }
  EXPECT_EQ(joined, api::axfr(rs, zone, 30));
  EXPECT_EQ(json::parse(joined)["Records"]["SRVs"].size(), 5000u);
}

TEST(Enumeration, ListsEveryFrameworkAndEachTasksNewRecords) {
  GeneratorOptions opt;
  opt.enumerate = true;
  const auto out = generateRecords(demoState(), opt, [](const std::string&) { return std::vector<IpAddress>{}; });
  ASSERT_FALSE(out.enumeration.empty());
  const auto marathon = std::find_if(out.enumeration.begin(), out.enumeration.end(),
                                     [](const EnumeratedFramework& f) { return f.name == "marathon"; });
  ASSERT_NE(marathon, out.enumeration.end());
  const auto task = std::find_if(marathon->tasks.begin(), marathon->tasks.end(), [](const EnumeratedTask& t) {
    return t.id == "dev_myapp.2f6b4c1e-8d3a-11ee-9c2b-0242ac110002";
  });
  ASSERT_NE(task, marathon->tasks.end());
  EXPECT_EQ(task->name, "myapp.dev");
  bool sawA = false, sawSrv = false;
  for (const auto& r : task->records) {
    const std::string_view name = r.nameIn(out.records);
    const std::string rtype = r.rtype();
    if (rtype == "A" && name == "myapp.dev-hgd3t-s0.marathon.mesos.") sawA = r.hostIn(out.records) == "10.0.0.11";
    if (rtype == "SRV" && name == "_myapp.dev._tcp.marathon.mesos.") {
      sawSrv = r.hostIn(out.records) == "myapp.dev-hgd3t-s0.marathon.mesos.:31539";
    }
    // Every listed record is one the record set really has.
    ASSERT_TRUE(out.records.find(name)) << name;
  }
  EXPECT_TRUE(sawA);
  EXPECT_TRUE(sawSrv);
  // The document: {"frameworks": [{"name", "tasks": [{"name", "id", "records": [{"name", "host", "rtype"}]}]}]}.
  const auto doc = json::parse(api::enumerate(out.enumeration, out.records));
  const auto& first = doc["frameworks"][static_cast<size_t>(marathon - out.enumeration.begin())];
  EXPECT_EQ(first["name"], "marathon");
  EXPECT_EQ(first["tasks"].size(), marathon->tasks.size());
  EXPECT_EQ(first["tasks"][0]["records"][0].size(), 3u);
}

TEST(Enumeration, OffByDefaultCostsNothing) {
  const auto out =
      generateRecords(demoState(), GeneratorOptions{}, [](const std::string&) { return std::vector<IpAddress>{}; });
  EXPECT_TRUE(out.enumeration.empty());
}

TEST(Metrics, QueryCountersReadTypeAndRcodeFromTheReply) {
  // A reply to "a.mesos. SRV" with NXDOMAIN.
  const uint8_t reply[] = {0x12, 0x34, 0x81, 0x83, 0,   1,   0,   0, 0, 0,  0, 0, 1,
                           'a',  5,    'm',  'e',  's', 'o', 's', 0, 0, 33, 0, 1};
  QueryCounters c;
  c.countReply(false, reply, sizeof reply);
  c.countReply(true, reply, sizeof reply);
  c.countReply(true, reply, sizeof reply);
  const size_t srv = QueryCounters::typeIndex(33);
  EXPECT_EQ(QueryCounters::typeName(srv), "SRV");
  EXPECT_EQ(c.get(0, srv, 3), 1u);
  EXPECT_EQ(c.get(1, srv, 3), 2u);
  EXPECT_EQ(QueryCounters::rcodeName(3), "NXDOMAIN");
  // No question (e.g. FORMERR to garbage): counted as type "none".
  const uint8_t bare[] = {0, 0, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
  c.countReply(false, bare, sizeof bare);
  EXPECT_EQ(c.get(0, QueryCounters::kTypes - 1, 1), 1u);
  EXPECT_EQ(QueryCounters::typeName(QueryCounters::typeIndex(99)), "other");
}

TEST(Metrics, ExpositionFormatIsValid) {
  PromWriter w;
  LatencyHistogram h;
  h.observe(0.0005);
  h.observe(0.02);
  h.observe(3);
  w.family("x_total", "counter", "A counter.");
  w.sample("x_total", {{"a", "quo\"te\\new\nline"}}, 5);
  w.family("lat_seconds", "histogram", "Latency.");
  w.histogram("lat_seconds", {{"upstream", "10.0.0.1:53"}}, h);
  w.family("big", "gauge", "A timestamp.");
  w.sample("big", 1795602180.25);
  const std::string text = w.text();
  EXPECT_NE(text.find(R"(x_total{a="quo\"te\\new\nline"} 5)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(lat_seconds_bucket{upstream="10.0.0.1:53",le="0.001"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(lat_seconds_bucket{upstream="10.0.0.1:53",le="0.025"} 2)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(lat_seconds_bucket{upstream="10.0.0.1:53",le="+Inf"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(lat_seconds_count{upstream="10.0.0.1:53"} 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("big 1795602180.25\n"), std::string::npos) << text;
  // Every line: a comment, or name{labels} value.
  const std::regex line(R"(^(# (HELP|TYPE) .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eInf]+)$)");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) EXPECT_TRUE(std::regex_match(l, line)) << l;
}

TEST(Reload, KeysThatShapeSocketsWaitForARestart) {
  const auto running = parseConfig(R"({"masters": ["10.0.0.1:5050"], "port": 53, "ttl": 60})", "c.json");
  auto next = parseConfig(R"({"masters": ["10.0.0.2:5050"], "port": 5353, "ttl": 5, "cacheSize": 5,
                              "maxUdpSize": 4096})",
                          "c.json");
  ASSERT_TRUE(running.config && next.config);
  const auto kept = keepRestartOnlyKeys(*running.config, *next.config);
  EXPECT_THAT(kept, ::testing::UnorderedElementsAre("port", "cacheSize", "maxUdpSize"));
  EXPECT_EQ(next.config->maxUdpSize, 1232);
  EXPECT_EQ(next.config->port, 53);  // the running value stays
  EXPECT_EQ(next.config->cacheSize, 10000);
  EXPECT_EQ(next.config->ttl, 5);  // applied at once
  EXPECT_EQ(next.config->masters.front(), "10.0.0.2:5050");
}

TEST(Reload, ListenersMoveAtOnceWhenTheAgentCanRebind) {
  const auto running = parseConfig(R"({"masters": ["10.0.0.1:5050"], "port": 53})", "c.json");
  auto next =
      parseConfig(R"({"masters": ["10.0.0.1:5050"], "port": 5353, "listener": ["127.0.0.1", "127.0.0.2"]})", "c.json");
  ASSERT_TRUE(running.config && next.config);
  EXPECT_TRUE(keepRestartOnlyKeys(*running.config, *next.config, true).empty());
  EXPECT_EQ(next.config->port, 5353);
  EXPECT_EQ(next.config->listeners.size(), 2u);
}

}  // namespace
}  // namespace mdns
