#include "common/state_fingerprint.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace mdns {
namespace {

MesosState fullState() {
  MesosState s;
  s.leader = "master@10.0.0.1:5050";
  s.electedTime = 1700000000.5;
  s.recoveredSlaves = {"S9"};
  Framework fw;
  fw.name = "marathon";
  fw.pid = Upid{"scheduler-1", "10.0.0.2", "8080"};
  fw.hostname = "m1.example";
  Task t;
  t.id = "web.1";
  t.name = "web";
  t.slaveId = "S1";
  t.state = "TASK_RUNNING";
  t.portRanges = "[31000-31001]";
  TaskStatus st;
  st.state = "TASK_RUNNING";
  st.timestamp = 1700000001.25;
  st.labels = {{"Docker.NetworkSettings.IPAddress", "172.17.0.2"}};
  st.networkIps = {"10.1.0.7"};
  st.healthy = true;
  t.statuses = {st};
  t.discoveryName = "web-svc";
  t.discoveryPorts = {DiscoveryPort{8080, "http", "tcp"}};
  fw.tasks = {t};
  s.frameworks = {fw};
  s.slaves = {Slave{"S1", "node-1.example", Upid{"slave(1)", "10.0.0.11", "5051"}}};
  return s;
}

GeneratorOptions options() {
  GeneratorOptions o;
  o.masters = {"10.0.0.1:5050"};
  o.nameServerAddresses = {*IpAddress::parse("127.0.0.1")};
  return o;
}

TEST(StateFingerprint, TheSameStateAndOptionsGiveTheSameFingerprint) {
  EXPECT_EQ(fingerprintOf(fullState(), options()), fingerprintOf(fullState(), options()));
  EXPECT_EQ(fingerprintOf(MesosState(), GeneratorOptions()), fingerprintOf(MesosState(), GeneratorOptions()));
}

TEST(StateFingerprint, FieldsDnsDoesNotReadLeaveItAsItWas) {
  // Offers, resources and counters change on every poll of a busy master; they are not in the
  // read state, so two such documents give one fingerprint.
  std::string a =
      R"({"leader": "master@10.0.0.1:5050", "slaves": [{"id": "S1", "hostname": "n1", "pid": "slave(1)@10.0.0.11:5051",
        "used_resources": {"cpus": 1.5}}], "frameworks": [{"name": "marathon", "offered_resources": {"mem": 128},
        "tasks": [{"id": "t1", "name": "web", "slave_id": "S1", "state": "TASK_RUNNING", "resources": {"cpus": 0.1,
        "ports": "[31000-31000]"}}]}], "activated_slaves": 1})";
  std::string b =
      R"({"leader": "master@10.0.0.1:5050", "slaves": [{"id": "S1", "hostname": "n1", "pid": "slave(1)@10.0.0.11:5051",
        "used_resources": {"cpus": 3.5}}], "frameworks": [{"name": "marathon", "offered_resources": {"mem": 4096},
        "tasks": [{"id": "t1", "name": "web", "slave_id": "S1", "state": "TASK_RUNNING", "resources": {"cpus": 0.1,
        "ports": "[31000-31000]"}}]}], "activated_slaves": 2})";
  const auto pa = parseMesosState(a);
  const auto pb = parseMesosState(b);
  ASSERT_TRUE(pa.state && pb.state) << pa.error << pb.error;
  EXPECT_EQ(fingerprintOf(*pa.state, options()), fingerprintOf(*pb.state, options()));
}

TEST(StateFingerprint, EveryFieldThatMakesRecordsChangesItEachDifferently) {
  const std::vector<std::pair<std::string, std::function<void(MesosState&, GeneratorOptions&)>>> changes = {
      {"leader", [](MesosState& s, GeneratorOptions&) { s.leader = "master@10.0.0.3:5050"; }},
      {"elected_time", [](MesosState& s, GeneratorOptions&) { s.electedTime += 1; }},
      {"recovered_slaves", [](MesosState& s, GeneratorOptions&) { s.recoveredSlaves.clear(); }},
      {"framework name", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].name = "chronos"; }},
      {"framework pid", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].pid->host = "10.0.0.9"; }},
      {"framework without pid", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].pid.reset(); }},
      {"framework hostname", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].hostname = "m2.example"; }},
      {"task id", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].id = "web.2"; }},
      {"task name", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].name = "api"; }},
      {"task agent", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].slaveId = "S2"; }},
      {"task state", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].state = "TASK_KILLED"; }},
      {"task ports", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].portRanges = "[31000-31002]"; }},
      {"status state",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].state = "TASK_STAGING"; }},
      {"status time", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].timestamp += 1; }},
      {"label value",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].labels[0].second = "172.17.0.3"; }},
      {"label key",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].labels[0].first = "other"; }},
      {"network IP",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].networkIps[0] = "10.1.0.8"; }},
      {"unhealthy", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].healthy = false; }},
      {"no health", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].statuses[0].healthy.reset(); }},
      {"second status",
       [](MesosState& s, GeneratorOptions&) {
         s.frameworks[0].tasks[0].statuses.push_back(s.frameworks[0].tasks[0].statuses[0]);
       }},
      {"discovery name", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].discoveryName = "x"; }},
      {"discovery port number",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].discoveryPorts[0].number = 8081; }},
      {"discovery port name",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].discoveryPorts[0].name = "https"; }},
      {"discovery port protocol",
       [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks[0].discoveryPorts[0].protocol = "udp"; }},
      {"task gone", [](MesosState& s, GeneratorOptions&) { s.frameworks[0].tasks.clear(); }},
      {"agent id", [](MesosState& s, GeneratorOptions&) { s.slaves[0].id = "S2"; }},
      {"agent hostname", [](MesosState& s, GeneratorOptions&) { s.slaves[0].hostname = "node-2.example"; }},
      {"agent pid", [](MesosState& s, GeneratorOptions&) { s.slaves[0].pid->port = "5052"; }},
      {"domain", [](MesosState&, GeneratorOptions& o) { o.domain = "dc1"; }},
      {"masters", [](MesosState&, GeneratorOptions& o) { o.masters.push_back("10.0.0.4:5050"); }},
      {"name server", [](MesosState&, GeneratorOptions& o) { o.nameServerAddresses = {*IpAddress::parse("::1")}; }},
      {"IP sources", [](MesosState&, GeneratorOptions& o) { o.ipSources = {"host"}; }},
      {"label rule", [](MesosState&, GeneratorOptions& o) { o.labelRule = LabelRule::kRfc952; }},
      {"enumerate", [](MesosState&, GeneratorOptions& o) { o.enumerate = true; }},
      {"healthyOnly", [](MesosState&, GeneratorOptions& o) { o.healthyOnly = true; }},
  };
  std::set<StateFingerprint> seen = {fingerprintOf(fullState(), options())};
  for (const auto& [what, change] : changes) {
    MesosState s = fullState();
    GeneratorOptions o = options();
    change(s, o);
    EXPECT_TRUE(seen.insert(fingerprintOf(s, o)).second) << what << " did not change the fingerprint";
  }
}

TEST(StateFingerprint, TextMovedBetweenFieldsOrTasksBetweenFrameworksChangesIt) {
  MesosState a = fullState();
  MesosState b = fullState();
  a.frameworks[0].tasks[0].id = "ab";
  a.frameworks[0].tasks[0].name = "c";
  b.frameworks[0].tasks[0].id = "a";
  b.frameworks[0].tasks[0].name = "bc";
  EXPECT_NE(fingerprintOf(a, options()), fingerprintOf(b, options()));

  MesosState one = fullState();
  one.frameworks.push_back(one.frameworks[0]);
  one.frameworks[1].tasks.clear();
  MesosState other = fullState();
  other.frameworks.push_back(other.frameworks[0]);
  other.frameworks[0].tasks.clear();
  EXPECT_NE(fingerprintOf(one, options()), fingerprintOf(other, options()));
}

TEST(Hash128, FeedingInPiecesIsFeedingAtOnceAndZeroTailsCount) {
  const std::string text = "the quick brown fox jumps over the lazy dog, 0123456789";
  Hash128 whole;
  whole.addBytes(text.data(), text.size());
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= text.size(); cut2 += 7) {
      Hash128 pieces;
      pieces.addBytes(text.data(), cut);
      pieces.addBytes(text.data() + cut, cut2 - cut);
      pieces.addBytes(text.data() + cut2, text.size() - cut2);
      EXPECT_EQ(pieces.digest(), whole.digest()) << cut << " " << cut2;
    }
    // add() keeps the field boundaries: "ab" + "c" is not "a" + "bc".
    Hash128 fields;
    fields.add(std::string_view(text).substr(0, cut));
    fields.add(std::string_view(text).substr(cut));
    Hash128 other;
    other.add(std::string_view(text).substr(0, cut == 0 ? 1 : cut - 1));
    other.add(std::string_view(text).substr(cut == 0 ? 1 : cut - 1));
    EXPECT_NE(fields.digest(), other.digest()) << cut;
  }
  std::set<std::array<uint64_t, 2>> zeros;
  for (int n = 0; n < 40; ++n) {
    Hash128 h;
    for (int i = 0; i < n; ++i) h.addDouble(0.0);
    EXPECT_TRUE(zeros.insert(h.digest()).second) << n << " zero words";
  }
}

}  // namespace
}  // namespace mdns
