// ZooKeeper leader detection's pure rules: the `zk` URL, the Mesos master group's member names
// and MasterInfo documents (mesos-go's detector/zoo and mesos-dns's detect/masters.go), and the
// order in which a refresh asks masters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/config.h"
#include "common/ip_address.h"
#include "common/zk_info.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ZkUrl urlOk(const std::string& text) {
  const auto r = parseZkUrl(text);
  EXPECT_TRUE(r.url.has_value()) << text << ": " << r.error;
  return r.url.value_or(ZkUrl{});
}

std::string urlError(const std::string& text) {
  const auto r = parseZkUrl(text);
  EXPECT_FALSE(r.url.has_value()) << text << " parsed";
  return r.error;
}

// --- zk URL ----------------------------------------------------------------------------------------

TEST(ZkUrl, OneHostAndPath) {
  const auto u = urlOk("zk://10.0.0.1:2181/mesos");
  EXPECT_THAT(u.hosts, ElementsAre("10.0.0.1:2181"));
  EXPECT_EQ(u.path, "/mesos");
  EXPECT_EQ(u.connectString(), "10.0.0.1:2181");
}

TEST(ZkUrl, SeveralHostsWithAChrootPath) {
  const auto u = urlOk("zk://10.0.0.1:2181,zk2.example.com:2182,[2001:db8::1]:2183/dcos/mesos");
  EXPECT_THAT(u.hosts, ElementsAre("10.0.0.1:2181", "zk2.example.com:2182", "[2001:db8::1]:2183"));
  EXPECT_EQ(u.path, "/dcos/mesos");
  EXPECT_EQ(u.connectString(), "10.0.0.1:2181,zk2.example.com:2182,[2001:db8::1]:2183");
}

TEST(ZkUrl, PortDefaultsTo2181AndTrailingSlashIsDropped) {
  const auto u = urlOk("zk://master.mesos,10.0.0.2/mesos/");
  EXPECT_THAT(u.hosts, ElementsAre("master.mesos:2181", "10.0.0.2:2181"));
  EXPECT_EQ(u.path, "/mesos");
}

TEST(ZkUrl, SchemeIsCaseInsensitiveAndRepeatedHostsCountOnce) {
  const auto u = urlOk("ZK://10.0.0.1:2181,10.0.0.1:2181/mesos");
  EXPECT_THAT(u.hosts, ElementsAre("10.0.0.1:2181"));
}

TEST(ZkUrl, BadUrlsAreRefusedWithTheReason) {
  EXPECT_THAT(urlError("http://10.0.0.1:2181/mesos"), HasSubstr("not a zk:// URL"));
  EXPECT_THAT(urlError("10.0.0.1:2181/mesos"), HasSubstr("expected zk://host:port"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181"), HasSubstr("no path"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181/"), HasSubstr("no path"));
  EXPECT_THAT(urlError("zk:///mesos"), HasSubstr("no host"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181,,10.0.0.2:2181/mesos"), HasSubstr("empty"));
  EXPECT_THAT(urlError("zk://10.0.0.1:99999/mesos"), HasSubstr("invalid port \"99999\""));
  EXPECT_THAT(urlError("zk://10.0.0.1:/mesos"), HasSubstr("invalid port"));
  EXPECT_THAT(urlError("zk://[10.0.0.1]:2181/mesos"), HasSubstr("not an IPv6 address"));
  EXPECT_THAT(urlError("zk://[::1:2181/mesos"), HasSubstr("no closing ']'"));
  EXPECT_THAT(urlError("zk://bad host:2181/mesos"), HasSubstr("not a host name"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181/mesos//x"), HasSubstr("not a ZooKeeper path"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181/mesos/../x"), HasSubstr("not a ZooKeeper path"));
  EXPECT_THAT(urlError("zk://10.0.0.1:2181/mesos?x=1"), HasSubstr("query"));
}

TEST(ZkUrl, CredentialsAreRefusedBecauseOnlyAuthFreeZooKeeperIsSupported) {
  EXPECT_THAT(urlError("zk://user:secret@10.0.0.1:2181/mesos"), HasSubstr("authentication is not supported"));
}

TEST(ZkUrl, ConfigErrorNamesTheKeyAndTheFile) {
  const ConfigResult r = parseConfig(R"({"zk": "zk://10.0.0.1:2181"})", "/etc/agent/config.json");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("/etc/agent/config.json"));
  EXPECT_THAT(r.errors[0], HasSubstr("\"zk\""));
  EXPECT_THAT(r.errors[0], HasSubstr("no path"));
}

TEST(ZkUrl, ConfigWithZkAloneIsValid) {
  const ConfigResult r = parseConfig(R"({"zk": "zk://10.0.0.1:2181,10.0.0.2:2181/mesos", "zkDetectionTimeout": 5})",
                                     "/etc/agent/config.json");
  ASSERT_TRUE(r.config.has_value());
  EXPECT_THAT(r.config->masters, IsEmpty());
  EXPECT_EQ(r.config->zkDetectionTimeout, 5);
}

// --- Master group members --------------------------------------------------------------------------

TEST(MasterGroup, OnlyJsonInfoChildrenWithASequenceAreMasters) {
  EXPECT_EQ(masterNodeSequence("json.info_0000000012"), 12u);
  EXPECT_EQ(masterNodeSequence("json.info_0000000000"), 0u);
  EXPECT_EQ(masterNodeSequence("info_0000000003"), std::nullopt);  // protobuf (Mesos < 0.24)
  EXPECT_EQ(masterNodeSequence("log_replicas"), std::nullopt);
  EXPECT_EQ(masterNodeSequence("json.info_"), std::nullopt);
  EXPECT_EQ(masterNodeSequence("json.info_12a"), std::nullopt);
  EXPECT_EQ(masterNodeSequence("json.info_-1"), std::nullopt);
  EXPECT_EQ(masterNodeSequence("xjson.info_0000000001"), std::nullopt);
}

// --- MasterInfo ------------------------------------------------------------------------------------

constexpr const char* kMasterInfo =
    R"({"address":{"hostname":"m1","ip":"10.0.0.1","port":5050},"hostname":"m1",)"
    R"("id":"a5e5f9b3-1b1f-4b1e-9a55-3c2a7a9c0f55","ip":16777343,"pid":"master@10.0.0.9:5051","port":5050,)"
    R"("version":"1.9.0"})";

MasterInfo infoOk(const std::string& text) {
  const auto r = parseMasterInfo(text);
  EXPECT_TRUE(r.info.has_value()) << text << ": " << r.error;
  return r.info.value_or(MasterInfo{});
}

std::string endpointText(const MasterInfo& info) {
  const auto e = masterEndpoint(info);
  if (!e) return "none";
  return (e->lookup ? "lookup " : "") + joinHostPort(e->host, e->port);
}

TEST(MasterInfo, ReadsEveryAddressField) {
  const auto info = infoOk(kMasterInfo);
  EXPECT_EQ(info.id, "a5e5f9b3-1b1f-4b1e-9a55-3c2a7a9c0f55");
  EXPECT_EQ(info.pid, "master@10.0.0.9:5051");
  EXPECT_EQ(info.hostname, "m1");
  EXPECT_EQ(info.ip, 16777343u);
  EXPECT_EQ(info.port, 5050);
  EXPECT_EQ(info.addressIp, "10.0.0.1");
  EXPECT_EQ(info.addressHost, "m1");
  EXPECT_EQ(info.addressPort, 5050);
}

TEST(MasterInfo, AddressIpAndPortComeFirst) { EXPECT_EQ(endpointText(infoOk(kMasterInfo)), "10.0.0.1:5050"); }

TEST(MasterInfo, WithoutAddressThePidGivesIpAndPort) {
  EXPECT_EQ(endpointText(infoOk(R"({"pid":"master@10.0.0.9:5051","ip":16777343,"port":5050,"hostname":"m1"})")),
            "10.0.0.9:5051");
}

TEST(MasterInfo, WithoutAddressAndPidTheNumericIpIsLittleEndianAsMesosDnsReadsIt) {
  // 16777343 = 0x0100007F: 127.0.0.1 written by a little-endian master.
  EXPECT_EQ(endpointText(infoOk(R"({"ip":16777343,"port":5050,"hostname":"m1"})")), "127.0.0.1:5050");
}

TEST(MasterInfo, OnlyAHostNameIsLookedUp) {
  EXPECT_EQ(endpointText(infoOk(R"({"address":{"hostname":"m1.example.com","port":5050}})")),
            "lookup m1.example.com:5050");
  EXPECT_EQ(endpointText(infoOk(R"({"hostname":"m2","port":5050})")), "lookup m2:5050");
  EXPECT_EQ(endpointText(infoOk(R"({"pid":"master@m3:5050"})")), "lookup m3:5050");
}

TEST(MasterInfo, IPv6AddressIsBracketed) {
  EXPECT_EQ(endpointText(infoOk(R"({"address":{"ip":"2001:db8::5","port":5050}})")), "[2001:db8::5]:5050");
}

TEST(MasterInfo, NoUsableAddressGivesNone) {
  EXPECT_EQ(endpointText(infoOk(R"({"id":"x","version":"1.9.0"})")), "none");
  EXPECT_EQ(endpointText(infoOk(R"({"hostname":"m1"})")), "none");  // no port anywhere
  EXPECT_EQ(endpointText(infoOk(R"({"address":{"ip":"not-an-ip","port":5050}})")), "none");
}

TEST(MasterInfo, BrokenDocumentsAreRefusedWithTheReason) {
  EXPECT_EQ(parseMasterInfo("{\"address\": {").error, "not JSON");
  EXPECT_EQ(parseMasterInfo("").error, "not JSON");
  EXPECT_EQ(parseMasterInfo("[1, 2]").error, "not a JSON object");
  EXPECT_EQ(parseMasterInfo(R"({"port": "5050"})").error, "port is not a whole number from 0 to 65535");
  EXPECT_EQ(parseMasterInfo(R"({"address": {"ip": 10}})").error, "address.ip is not a string");
  EXPECT_EQ(parseMasterInfo(R"({"address": "10.0.0.1"})").error, "address is not an object");
  EXPECT_EQ(parseMasterInfo(R"({"ip": -1})").error, "ip is not a whole number from 0 to 4294967295");
}

// --- Which masters a refresh asks ------------------------------------------------------------------

CandidateInputs zkInputs() {
  CandidateInputs in;
  in.useZk = true;
  in.lastLeader = "10.0.0.1:5050";
  in.configured = {"10.0.0.7:5050", "10.0.0.8:5050"};
  in.zkMasters = {"10.0.0.2:5050", "10.0.0.3:5050"};
  return in;
}

TEST(MasterCandidates, WithoutZooKeeperTheLastLeaderThenTheConfiguredMasters) {
  CandidateInputs in;
  in.lastLeader = "10.0.0.8:5050";
  in.configured = {"10.0.0.7:5050", "10.0.0.8:5050"};
  EXPECT_THAT(masterCandidates(in), ElementsAre("10.0.0.8:5050", "10.0.0.7:5050"));
}

TEST(MasterCandidates, ZooKeeperLeaderFirstThenTheOtherRegisteredMastersOnly) {
  CandidateInputs in = zkInputs();
  in.zkHasLeader = true;
  EXPECT_THAT(masterCandidates(in), ElementsAre("10.0.0.2:5050", "10.0.0.3:5050"));
}

TEST(MasterCandidates, WithoutLeaderTheLastLeaderThenRegisteredMastersUntilTheTimeout) {
  CandidateInputs in = zkInputs();
  EXPECT_THAT(masterCandidates(in), ElementsAre("10.0.0.1:5050", "10.0.0.2:5050", "10.0.0.3:5050"));
}

TEST(MasterCandidates, AfterTheTimeoutTheConfiguredMastersToo) {
  CandidateInputs in = zkInputs();
  in.fallBack = true;
  EXPECT_THAT(masterCandidates(in),
              ElementsAre("10.0.0.1:5050", "10.0.0.7:5050", "10.0.0.8:5050", "10.0.0.2:5050", "10.0.0.3:5050"));
}

TEST(MasterCandidates, NothingToAskAtStartBeforeZooKeeperAnswers) {
  CandidateInputs in;
  in.useZk = true;
  in.configured = {"10.0.0.7:5050"};
  EXPECT_THAT(masterCandidates(in), IsEmpty());
  in.fallBack = true;
  EXPECT_THAT(masterCandidates(in), ElementsAre("10.0.0.7:5050"));
}

}  // namespace
}  // namespace mdns
