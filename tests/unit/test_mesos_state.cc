// Reading a Mesos master's /master/state: the document as a whole must be a state (or it is refused
// with a reason), single bad elements are skipped with a warning that says where they were.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/mesos_state.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const Framework* findFramework(const MesosState& state, const std::string& name) {
  for (const auto& f : state.frameworks) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Task* findTask(const Framework& f, const std::string& id) {
  for (const auto& t : f.tasks) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

const Slave* findSlave(const MesosState& state, const std::string& id) {
  for (const auto& s : state.slaves) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

bool anyContains(const std::vector<std::string>& list, const std::string& needle) {
  for (const auto& s : list) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += s + "\n";
  return out;
}

constexpr const char* kSlavePrefix = "7c1e2d3a-5b4f-4e6a-9d8c-0f1e2d3c4b5a-";

// --- The document as a whole -----------------------------------------------------------------------

TEST(MesosState, InvalidJsonIsRefusedAsNotJson) {
  for (const char* doc :
       {R"({"leader": "master@10.0.0.1:5050", )", "<html><body>Service Unavailable</body></html>", "", "  \n"}) {
    const auto r = parseMesosState(doc);
    EXPECT_FALSE(r.state.has_value()) << doc;
    EXPECT_THAT(r.error, HasSubstr("not valid JSON")) << doc;
  }
}

TEST(MesosState, DocumentCutShortOrWithContentAfterItIsRefusedNamingTheByte) {
  const std::string full =
      R"({"leader": "master@10.0.0.1:5050", "frameworks": [{"name": "marathon", "tasks": [{"id": "a", "name": "web",)"
      R"( "state": "TASK_RUNNING", "statuses": [{"state": "TASK_RUNNING", "timestamp": 1}]}]}], "slaves": []})";
  ASSERT_TRUE(parseMesosState(full).state.has_value()) << parseMesosState(full).error;
  // A connection cut anywhere: never a partial state.
  for (size_t cut = 1; cut < full.size(); ++cut) {
    const auto r = parseMesosState(std::string_view(full).substr(0, cut));
    EXPECT_FALSE(r.state.has_value()) << "cut at " << cut;
    EXPECT_THAT(r.error, HasSubstr("JSON")) << "cut at " << cut;
  }
  for (const std::string& doc : {full + " {}", full + "x", full + "]", std::string(R"({"leader": "m@10.0.0.1:5050",
      "frameworks": [{"tasks": [}]})")}) {
    const auto r = parseMesosState(doc);
    EXPECT_FALSE(r.state.has_value()) << doc;
    EXPECT_THAT(r.error, HasSubstr("not valid JSON")) << doc;
  }
  // Where the structure breaks, when simdjson knows it.
  const std::string broken = R"({"leader": "m@10.0.0.1:5050", "frameworks": [{"tasks": [}]})";
  EXPECT_THAT(parseMesosState(broken).error, HasSubstr("at byte " + std::to_string(broken.find("[}") + 1)));
  // White space after the document is no content.
  EXPECT_TRUE(parseMesosState(full + " \n").state.has_value());
}

TEST(MesosState, TextWithoutRoomAfterItIsReadInPlaceAndLeftAsItWas) {
  std::string text = R"({"leader": "master@10.0.0.1:5050", "slaves": [{"id": "S1", "hostname": "a"}]})";
  text.shrink_to_fit();
  const std::string before = text;
  const auto r = parseMesosState(text);
  ASSERT_TRUE(r.state.has_value()) << r.error;
  EXPECT_EQ(text, before);
  ASSERT_EQ(r.state->slaves.size(), 1u);
  EXPECT_EQ(r.state->slaves[0].hostname, "a");
}

TEST(MesosState, EmptyDocumentIsRefused) {
  const auto r = parseMesosState("");
  EXPECT_FALSE(r.state.has_value());
  EXPECT_FALSE(r.error.empty());
}

TEST(MesosState, NonObjectDocumentIsRefusedWithReason) {
  for (const char* doc : {"[]", "\"master@10.0.0.1:5050\"", "42", "null"}) {
    const auto r = parseMesosState(doc);
    EXPECT_FALSE(r.state.has_value()) << doc;
    EXPECT_THAT(r.error, HasSubstr("object")) << doc;
  }
}

TEST(MesosState, DocumentWithoutLeaderIsRefusedNamingTheLeader) {
  // mesos-dns refuses a state with an empty leader ("empty master").
  for (const char* doc :
       {R"({"frameworks": [], "slaves": []})", R"({"leader": "", "slaves": []})", R"({"leader": 5, "slaves": []})"}) {
    const auto r = parseMesosState(doc);
    EXPECT_FALSE(r.state.has_value()) << doc;
    EXPECT_THAT(r.error, HasSubstr("leader")) << doc;
  }
}

TEST(MesosState, MinimalStateHasLeaderAndNothingElse) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050"})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.state->leader, "master@10.0.0.1:5050");
  EXPECT_THAT(r.state->frameworks, IsEmpty());
  EXPECT_THAT(r.state->slaves, IsEmpty());
  EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(MesosState, UnknownFieldsAreIgnored) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "version": "1.7.2", "flags": {"a": "b"},
      "slaves": [{"id": "x-S0", "pid": "slave(1)@10.0.0.2:5051", "attributes": {"rack": 1}, "resources": {}}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->slaves.size(), 1u);
  EXPECT_THAT(r.warnings, IsEmpty());
}

TEST(MesosState, PidsWithSpacesInsideTheQuotesKeepTheirAddress) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050",
      "frameworks": [{"id": "F1", "name": "marathon", "pid": " scheduler-1@10.0.0.7:8080 ", "tasks": []}],
      "slaves": [{"id": "x-S0", "hostname": "node-a.example", "pid": "  slave(1)@10.5.0.2:5052  "}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->slaves.size(), 1u);
  ASSERT_TRUE(r.state->slaves[0].pid.has_value());
  EXPECT_EQ(r.state->slaves[0].pid->host, "10.5.0.2");
  ASSERT_EQ(r.state->frameworks.size(), 1u);
  ASSERT_TRUE(r.state->frameworks[0].pid.has_value());
  EXPECT_EQ(r.state->frameworks[0].pid->host, "10.0.0.7");
  EXPECT_THAT(r.warnings, IsEmpty());
}

// --- Bad elements ---------------------------------------------------------------------------------

TEST(MesosState, SlaveWithoutIdIsSkippedWithWarningNamingIt) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "slaves": [
      {"id": "x-S0", "pid": "slave(1)@10.0.0.2:5051"},
      {"pid": "slave(1)@10.0.0.3:5051"},
      {"id": "x-S2", "pid": "slave(1)@10.0.0.4:5051"}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->slaves.size(), 2u);
  EXPECT_EQ(r.state->slaves[0].id, "x-S0");
  EXPECT_EQ(r.state->slaves[1].id, "x-S2");
  EXPECT_TRUE(anyContains(r.warnings, "slaves[1]")) << joined(r.warnings);
}

TEST(MesosState, NonObjectSlaveIsSkippedWithWarning) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "slaves": [
      "slave(1)@10.0.0.2:5051", {"id": "x-S1", "pid": "slave(1)@10.0.0.3:5051"}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->slaves.size(), 1u);
  EXPECT_EQ(r.state->slaves[0].id, "x-S1");
  EXPECT_TRUE(anyContains(r.warnings, "slaves[0]")) << joined(r.warnings);
}

TEST(MesosState, NonObjectFrameworkIsSkippedWithWarningNamingIt) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "frameworks": [
      42, {"name": "marathon", "pid": "scheduler-1@10.0.0.7:8080", "tasks": []}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->frameworks.size(), 1u);
  EXPECT_EQ(r.state->frameworks[0].name, "marathon");
  EXPECT_TRUE(anyContains(r.warnings, "frameworks[0]")) << joined(r.warnings);
}

TEST(MesosState, NonObjectTaskIsSkippedWithWarning) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "frameworks": [
      {"name": "marathon", "tasks": [{"id": "a.1", "name": "a", "state": "TASK_RUNNING"}, "oops",
                                     {"id": "b.1", "name": "b", "state": "TASK_RUNNING"}]}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->frameworks.size(), 1u);
  ASSERT_EQ(r.state->frameworks[0].tasks.size(), 2u);
  EXPECT_EQ(r.state->frameworks[0].tasks[0].id, "a.1");
  EXPECT_EQ(r.state->frameworks[0].tasks[1].id, "b.1");
  // A skipped element is reported, like skipped slaves and frameworks are.
  EXPECT_TRUE(anyContains(r.warnings, "tasks")) << joined(r.warnings);
}

TEST(MesosState, WrongTypesInsideATaskCostOnlyThoseFields) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "frameworks": [
      {"name": "marathon", "tasks": [{"id": "a.1", "name": 7, "slave_id": "x-S0", "state": "TASK_RUNNING",
         "resources": "lots", "statuses": {"state": "TASK_RUNNING"}, "discovery": []}]}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->frameworks.size(), 1u);
  ASSERT_EQ(r.state->frameworks[0].tasks.size(), 1u);
  const Task& t = r.state->frameworks[0].tasks[0];
  EXPECT_EQ(t.id, "a.1");
  EXPECT_EQ(t.name, "");
  EXPECT_EQ(t.slaveId, "x-S0");
  EXPECT_EQ(t.state, "TASK_RUNNING");
  EXPECT_EQ(t.portRanges, "");
  EXPECT_THAT(t.statuses, IsEmpty());
  EXPECT_EQ(t.discoveryName, "");
}

TEST(MesosState, SlaveWithMalformedPidKeepsItsHostname) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "slaves": [
      {"id": "x-S0", "hostname": "10.0.0.2", "pid": "not a pid"}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  ASSERT_EQ(r.state->slaves.size(), 1u);
  EXPECT_FALSE(r.state->slaves[0].pid.has_value());
  EXPECT_EQ(r.state->slaves[0].hostname, "10.0.0.2");
}

// --- Upid -------------------------------------------------------------------------------------------

TEST(Upid, ParsesIdHostAndPort) {
  struct Case {
    const char* text;
    const char* id;
    const char* host;
    const char* port;
  };
  const Case cases[] = {
      {"master@10.0.0.5:5050", "master", "10.0.0.5", "5050"},
      {"slave(1)@10.20.1.10:5051", "slave(1)", "10.20.1.10", "5051"},
      {"slave(1)@[2001:db8::1]:5051", "slave(1)", "2001:db8::1", "5051"},
      {"scheduler-3f0c5b9e-8a7d-4c21-b6e4-2d9a1f7c8e03@10.20.0.7:8080",
       "scheduler-3f0c5b9e-8a7d-4c21-b6e4-2d9a1f7c8e03", "10.20.0.7", "8080"},
      {"scheduler(1)@sched.dc1.internal:7070", "scheduler(1)", "sched.dc1.internal", "7070"},
      {"@10.0.0.1:1", "", "10.0.0.1", "1"},
      // Spaces and quotes around a PID are trimmed, as mesos-dns's TestPID_UnmarshalJSON expects.
      {"  slave(1)@10.5.0.2:5052  ", "slave(1)", "10.5.0.2", "5052"},
      {"\" slave(1)@10.5.0.2:5052\"", "slave(1)", "10.5.0.2", "5052"},
  };
  for (const auto& c : cases) {
    const auto upid = Upid::parse(c.text);
    ASSERT_TRUE(upid.has_value()) << c.text;
    EXPECT_EQ(upid->id, c.id) << c.text;
    EXPECT_EQ(upid->host, c.host) << c.text;
    EXPECT_EQ(upid->port, c.port) << c.text;
  }
}

TEST(Upid, RejectsTextThatIsNotIdAtHostPort) {
  for (const char* text :
       {"", "  ", "\"\"", "master", "10.0.0.5:5050", "a@b@10.0.0.5:5050", "master@10.0.0.5", "master@10.0.0.5:http5050",
        "master@2001:db8::1:5050", "master@[2001:db8::1]", "master@[2001:db8::1:5050"}) {
    EXPECT_FALSE(Upid::parse(text).has_value()) << '"' << text << '"';
  }
}

// --- Task::ports ------------------------------------------------------------------------------------

std::vector<int> portsOf(const std::string& ranges) {
  Task t;
  t.portRanges = ranges;
  return t.ports();
}

TEST(TaskPorts, ExpandsRanges) {
  EXPECT_THAT(portsOf("[31000-31002, 31005-31005]"), ElementsAre(31000, 31001, 31002, 31005));
  EXPECT_THAT(portsOf("[31354-31354, 31355-31355]"), ElementsAre(31354, 31355));
  EXPECT_THAT(portsOf("[31737-31738]"), ElementsAre(31737, 31738));
  EXPECT_THAT(portsOf("[31000-31001,31003-31003]"), ElementsAre(31000, 31001, 31003));
}

TEST(TaskPorts, RangeWithoutDashIsOnePort) {
  // mesos-dns indexes the missing upper bound and panics; we read it as a single port.
  EXPECT_THAT(portsOf("[31000]"), ElementsAre(31000));
  EXPECT_THAT(portsOf("[31000, 31010-31011]"), ElementsAre(31000, 31010, 31011));
}

TEST(TaskPorts, MalformedRangesAreReadAsMesosDnsReadsThem) {
  // state.go: items are trimmed at the commas only, so a range with spaces around its dash is not a
  // number and is skipped; of "a-b-c" only a and b count.
  EXPECT_THAT(portsOf("[31000 - 31001, 31005-31005]"), ElementsAre(31005));
  EXPECT_THAT(portsOf("[1-2-3]"), ElementsAre(1, 2));
  EXPECT_THAT(portsOf("[31001-31000]"), IsEmpty());
}

TEST(TaskPorts, EmptyRangesHaveNoPorts) {
  EXPECT_THAT(portsOf("[]"), IsEmpty());
  EXPECT_THAT(portsOf(""), IsEmpty());
}

TEST(TaskPorts, BadRangesAreSkippedAndTheRestKept) {
  // mesos-dns logs an Atoi error and continues with the next range.
  EXPECT_THAT(portsOf("[abc-def, 31000-31001]"), ElementsAre(31000, 31001));
  EXPECT_THAT(portsOf("[31000-31001, x-31005]"), ElementsAre(31000, 31001));
  EXPECT_THAT(portsOf("[31002-31001]"), IsEmpty());  // lo > hi: nothing, as in mesos-dns's loop
}

// --- The fixture --------------------------------------------------------------------------------------

class ClusterStateFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string text = readFile(std::string(MDNS_FIXTURES) + "/cluster_state.json");
    ASSERT_FALSE(text.empty()) << "cannot read the fixture";
    result_ = parseMesosState(text);
    ASSERT_TRUE(result_.state.has_value()) << result_.error;
    state_ = &*result_.state;
  }
  StateParseResult result_;
  const MesosState* state_ = nullptr;
};

TEST_F(ClusterStateFixture, ReadsLeaderSlavesAndFrameworksWithoutWarnings) {
  EXPECT_EQ(state_->leader, "master@10.20.0.5:5050");
  EXPECT_EQ(state_->slaves.size(), 7u);
  EXPECT_EQ(state_->frameworks.size(), 6u);
  EXPECT_THAT(result_.warnings, IsEmpty()) << joined(result_.warnings);
}

TEST_F(ClusterStateFixture, ReadsSlavePidsIncludingIpv6AndMissingOnes) {
  const Slave* s0 = findSlave(*state_, std::string(kSlavePrefix) + "S0");
  ASSERT_NE(s0, nullptr);
  ASSERT_TRUE(s0->pid.has_value());
  EXPECT_EQ(s0->pid->host, "10.20.1.10");
  EXPECT_EQ(s0->pid->port, "5051");
  EXPECT_EQ(s0->hostname, "agent-0.dc1.internal");

  const Slave* v6 = findSlave(*state_, std::string(kSlavePrefix) + "S3");
  ASSERT_NE(v6, nullptr);
  ASSERT_TRUE(v6->pid.has_value());
  EXPECT_EQ(v6->pid->id, "slave(1)");
  EXPECT_EQ(v6->pid->host, "2001:db8:20::13");

  const Slave* noPid = findSlave(*state_, std::string(kSlavePrefix) + "S4");
  ASSERT_NE(noPid, nullptr);
  EXPECT_FALSE(noPid->pid.has_value());
  EXPECT_EQ(noPid->hostname, "10.20.1.14");

  const Slave* named = findSlave(*state_, std::string(kSlavePrefix) + "S5");
  ASSERT_NE(named, nullptr);
  ASSERT_TRUE(named->pid.has_value());
  EXPECT_EQ(named->pid->host, "agent-5.dc1.internal");
}

TEST_F(ClusterStateFixture, ReadsFrameworkPidsAndHostnames) {
  const Framework* marathon = findFramework(*state_, "marathon");
  ASSERT_NE(marathon, nullptr);
  ASSERT_TRUE(marathon->pid.has_value());
  EXPECT_EQ(marathon->pid->id, "scheduler-3f0c5b9e-8a7d-4c21-b6e4-2d9a1f7c8e03");
  EXPECT_EQ(marathon->pid->host, "10.20.0.7");
  EXPECT_EQ(marathon->pid->port, "8080");
  EXPECT_EQ(marathon->hostname, "marathon-a.dc1.internal");
  EXPECT_EQ(marathon->tasks.size(), 13u);

  const Framework* v6 = findFramework(*state_, "v6-framework");
  ASSERT_NE(v6, nullptr);
  ASSERT_TRUE(v6->pid.has_value());
  EXPECT_EQ(v6->pid->host, "2001:db8:20::100");
  EXPECT_EQ(v6->pid->port, "9090");

  const Framework* noPid = findFramework(*state_, "no-pid-fw");
  ASSERT_NE(noPid, nullptr);
  EXPECT_FALSE(noPid->pid.has_value());
  EXPECT_EQ(noPid->hostname, "10.20.0.9");
  EXPECT_THAT(noPid->tasks, IsEmpty());

  const Framework* metronome = findFramework(*state_, "Metronome Jobs Runner FOR Analytics-1.4.2");
  ASSERT_NE(metronome, nullptr);
  // completed_tasks are not tasks: only the running one is read.
  ASSERT_EQ(metronome->tasks.size(), 1u);
  EXPECT_EQ(metronome->tasks[0].id, "report_gen.77aa88bb-eeee-11ee-8f00-0242ac110002");
}

TEST_F(ClusterStateFixture, ReadsTaskFieldsStatusesAndDiscoveryInfo) {
  const Framework* marathon = findFramework(*state_, "marathon");
  ASSERT_NE(marathon, nullptr);
  const Task* t = findTask(*marathon, "shop_front.0a1b2c3d-1111-11ee-8f00-0242ac110002");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "shop.front");
  EXPECT_EQ(t->slaveId, std::string(kSlavePrefix) + "S0");
  EXPECT_EQ(t->state, "TASK_RUNNING");
  EXPECT_EQ(t->portRanges, "[31100-31100, 31101-31101]");
  EXPECT_THAT(t->ports(), ElementsAre(31100, 31101));

  ASSERT_EQ(t->statuses.size(), 4u);
  EXPECT_EQ(t->statuses[0].state, "TASK_RUNNING");
  EXPECT_DOUBLE_EQ(t->statuses[0].timestamp, 1700000100.5);
  EXPECT_THAT(t->statuses[0].labels,
              ElementsAre(std::pair<std::string, std::string>("Docker.NetworkSettings.IPAddress", "10.30.0.21")));
  EXPECT_THAT(t->statuses[0].networkIps, IsEmpty());
  EXPECT_DOUBLE_EQ(t->statuses[1].timestamp, 1700000200.25);
  ASSERT_EQ(t->statuses[1].labels.size(), 3u);
  EXPECT_EQ(t->statuses[1].labels[2].first, "MesosContainerizer.NetworkSettings.IPAddress");
  EXPECT_EQ(t->statuses[1].labels[2].second, "10.31.0.1");
  EXPECT_THAT(t->statuses[1].networkIps, ElementsAre("10.32.0.1"));
  EXPECT_EQ(t->statuses[3].state, "TASK_STARTING");

  EXPECT_EQ(t->discoveryName, "shop.front");
  ASSERT_EQ(t->discoveryPorts.size(), 2u);
  EXPECT_EQ(t->discoveryPorts[0].number, 80);
  EXPECT_EQ(t->discoveryPorts[0].name, "http");
  EXPECT_EQ(t->discoveryPorts[0].protocol, "tcp");
  EXPECT_EQ(t->discoveryPorts[1].number, 443);
  EXPECT_EQ(t->discoveryPorts[1].name, "https");

  const Task* ledger = findTask(*marathon, "ledger.5e6f7a8b-3333-11ee-8f00-0242ac110002");
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(ledger->discoveryName, "Billing.Ledger");
  ASSERT_EQ(ledger->discoveryPorts.size(), 3u);
  EXPECT_EQ(ledger->discoveryPorts[0].protocol, "TCP");
  EXPECT_EQ(ledger->discoveryPorts[1].name, "Metrics");
  EXPECT_EQ(ledger->discoveryPorts[2].number, 9002);
  EXPECT_EQ(ledger->discoveryPorts[2].name, "");
  EXPECT_EQ(ledger->discoveryPorts[2].protocol, "");

  const Task* cache = findTask(*marathon, "cache_redis.9c8d7e6f-4444-11ee-8f00-0242ac110002");
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->discoveryName, "");
  EXPECT_THAT(cache->discoveryPorts, IsEmpty());

  const Task* single = findTask(*marathon, "single.4d3c2b1a-7777-11ee-8f00-0242ac110002");
  ASSERT_NE(single, nullptr);
  EXPECT_THAT(single->ports(), ElementsAre(31000));

  const Task* staging = findTask(*marathon, "starting-app.0f1e2d3c-aaaa-11ee-8f00-0242ac110002");
  ASSERT_NE(staging, nullptr);
  EXPECT_EQ(staging->state, "TASK_STAGING");
  EXPECT_THAT(staging->statuses, IsEmpty());
}

TEST_F(ClusterStateFixture, ReadsBothNetworkInfoForms) {
  const Framework* marathon = findFramework(*state_, "marathon");
  ASSERT_NE(marathon, nullptr);
  const Task* legacy = findTask(*marathon, "legacy-net.6a5b4c3d-9999-11ee-8f00-0242ac110002");
  ASSERT_NE(legacy, nullptr);
  ASSERT_EQ(legacy->statuses.size(), 1u);
  EXPECT_THAT(legacy->statuses[0].networkIps, ElementsAre("10.40.0.9"));  // Mesos 0.25's ip_address
  EXPECT_EQ(legacy->portRanges, "");

  const Framework* v6 = findFramework(*state_, "v6-framework");
  ASSERT_NE(v6, nullptr);
  ASSERT_EQ(v6->tasks.size(), 1u);
  ASSERT_EQ(v6->tasks[0].statuses.size(), 1u);
  EXPECT_THAT(v6->tasks[0].statuses[0].networkIps, ElementsAre("10.50.1.3", "10.50.1.2", "fd02:c::1:8000:5"));
}

TEST(MesosState, NetworkInfoUsesIpAddressesListOverSingleAddress) {
  // state.go networkInfoIPs: the ip_addresses list when it has entries, else the single ip_address.
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "frameworks": [{"name": "f", "tasks": [
      {"id": "t.1", "name": "t", "slave_id": "x-S0", "state": "TASK_RUNNING", "statuses": [
        {"state": "TASK_RUNNING", "container_status": {"network_infos": [
          {"ip_addresses": [{"ip_address": "10.1.0.1"}], "ip_address": "10.9.9.9"},
          {"ip_addresses": [], "ip_address": "10.1.0.2"},
          {"name": "no-address"}]}}]}]}]})");
  ASSERT_TRUE(r.state.has_value()) << r.error;
  const Task& t = r.state->frameworks.at(0).tasks.at(0);
  ASSERT_EQ(t.statuses.size(), 1u);
  EXPECT_THAT(t.statuses[0].networkIps, ElementsAre("10.1.0.1", "10.1.0.2"));
  EXPECT_DOUBLE_EQ(t.statuses[0].timestamp, 0);  // no timestamp: zero, as Go's zero value
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(MesosState, ReadsTheElectionTimeAndTheAgentsStillToReRegister) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "elected_time": 1700000123.25,
      "recovered_slaves": [{"id": "abc-S3", "hostname": "n3"}, {"id": "abc-S4"}], "slaves": []})");
  ASSERT_TRUE(r.state) << r.error;
  EXPECT_DOUBLE_EQ(r.state->electedTime, 1700000123.25);
  EXPECT_EQ(r.state->recoveredSlaves, (std::vector<std::string>{"abc-S3", "abc-S4"}));
  const auto none = parseMesosState(R"({"leader": "master@10.0.0.1:5050"})");
  ASSERT_TRUE(none.state);
  EXPECT_EQ(none.state->electedTime, 0);
  EXPECT_TRUE(none.state->recoveredSlaves.empty());
}

TEST(MesosState, ReadsTheHealthVerdictOfEachStatus) {
  const auto r = parseMesosState(R"({"leader": "master@10.0.0.1:5050", "frameworks": [{"name": "marathon",
      "tasks": [{"id": "t", "name": "web", "slave_id": "S0", "state": "TASK_RUNNING", "statuses": [
        {"state": "TASK_RUNNING", "timestamp": 2, "healthy": false},
        {"state": "TASK_RUNNING", "timestamp": 1, "healthy": true},
        {"state": "TASK_STARTING", "timestamp": 0}]}]}]})");
  ASSERT_TRUE(r.state) << r.error;
  const Task& t = r.state->frameworks[0].tasks[0];
  EXPECT_EQ(t.statuses[0].healthy, std::optional<bool>(false));
  EXPECT_EQ(t.statuses[1].healthy, std::optional<bool>(true));
  EXPECT_FALSE(t.statuses[2].healthy);
  EXPECT_TRUE(t.unhealthy());  // the newest (timestamp 2, listed first) says false
}

}  // namespace
}  // namespace mdns
