// A hub's cluster from the event stream: the same records as from /master/state for the same
// cluster, and each event changing exactly what the master announced.
#include "common/cluster_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "common/record_book.h"
#include "common/record_generator.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MesosEvent event(std::string record) {
  auto r = parseMesosEvent(record);
  EXPECT_TRUE(r.event) << r.error << "\n" << record;
  return r.event ? *r.event : MesosEvent();
}

// A task in v1 form (tasks[] of get_tasks, or TASK_ADDED's task).
std::string v1Task(const std::string& id, const std::string& name, const std::string& agent, const std::string& state,
                   const std::string& ip, int port) {
  std::string statuses;
  if (state == "TASK_RUNNING") {
    statuses =
        R"(,"statuses":[{"task_id":{"value":")" + id +
        R"("},"state":"TASK_RUNNING","timestamp":1565000000.5,"container_status":{"network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":")" +
        ip + R"("}]}]}}])";
  }
  return R"({"name":")" + name + R"(","task_id":{"value":")" + id +
         R"("},"framework_id":{"value":"fw-1"},"agent_id":{"value":")" + agent + R"("},"state":")" + state +
         R"(","resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":)" + std::to_string(port) +
         R"(,"end":)" + std::to_string(port) + R"(}]}}])" + statuses +
         R"(,"discovery":{"visibility":"FRAMEWORK","name":")" + name + R"(","ports":{"ports":[{"number":)" +
         std::to_string(port) + R"(,"name":"http","protocol":"tcp"}]}}})";
}

// The same task as /master/state writes it.
std::string v0Task(const std::string& id, const std::string& name, const std::string& agent, const std::string& state,
                   const std::string& ip, int port) {
  std::string statuses = "[]";
  if (state == "TASK_RUNNING") {
    statuses =
        R"([{"state":"TASK_RUNNING","timestamp":1565000000.5,"container_status":{"network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":")" +
        ip + R"("}]}]}}])";
  }
  return R"({"id":")" + id + R"(","name":")" + name + R"(","framework_id":"fw-1","slave_id":")" + agent +
         R"(","state":")" + state + R"(","resources":{"cpus":0.1,"ports":"[)" + std::to_string(port) + "-" +
         std::to_string(port) + R"(]"},"statuses":)" + statuses + R"(,"discovery":{"visibility":"FRAMEWORK","name":")" +
         name + R"(","ports":{"ports":[{"number":)" + std::to_string(port) + R"(,"name":"http","protocol":"tcp"}]}}})";
}

const char* const kLeader = "master@10.0.0.1:5050";

std::string subscribed() {
  return R"({"type":"SUBSCRIBED","subscribed":{"heartbeat_interval_seconds":15.0,"get_state":{
    "get_tasks":{"tasks":[)" +
         v1Task("web.1", "web", "S1", "TASK_RUNNING", "10.1.0.1", 31001) + "," +
         v1Task("web.2", "web", "S2", "TASK_RUNNING", "10.1.0.2", 31002) + "," +
         v1Task("api.1", "api", "S1", "TASK_STAGING", "", 31003) + R"(]},
    "get_frameworks":{"frameworks":[{"framework_info":{"name":"marathon","id":{"value":"fw-1"},"hostname":"m1.example"}}]},
    "get_agents":{"agents":[
      {"agent_info":{"hostname":"10.0.0.11","port":5051,"id":{"value":"S1"}},"pid":"slave(1)@10.0.0.11:5051"},
      {"agent_info":{"hostname":"10.0.0.12","port":5051,"id":{"value":"S2"}},"pid":"slave(1)@10.0.0.12:5051"}]}}}})";
}

std::string masterState() {
  return std::string(R"({"leader":")") + kLeader +
         R"(","frameworks":[{"id":"fw-1","name":"marathon","hostname":"m1.example","tasks":[)" +
         v0Task("web.1", "web", "S1", "TASK_RUNNING", "10.1.0.1", 31001) + "," +
         v0Task("web.2", "web", "S2", "TASK_RUNNING", "10.1.0.2", 31002) + "," +
         v0Task("api.1", "api", "S1", "TASK_STAGING", "", 31003) + R"(]}],
    "slaves":[{"id":"S1","hostname":"10.0.0.11","pid":"slave(1)@10.0.0.11:5051"},
              {"id":"S2","hostname":"10.0.0.12","pid":"slave(1)@10.0.0.12:5051"}]})";
}

RecordSet records(const MesosState& state) {
  GeneratorOptions options;
  options.masters = {"10.0.0.1:5050"};
  return generateRecords(state, options, [](const std::string&) { return std::vector<IpAddress>{}; }).records;
}

std::vector<std::string> addresses(const RecordSet& set, const std::string& name) {
  std::vector<std::string> out;
  if (const auto found = set.find(name)) {
    for (const auto& ip : found->a) out.push_back(ip.toString());
  }
  return out;
}

ClusterModel subscribedModel() {
  ClusterModel model;
  model.reset(event(subscribed()), kLeader, 1565000100);
  return model;
}

TEST(ClusterModel, TheStreamsSnapshotMakesTheSameRecordsAsMasterStateForTheSameCluster) {
  const ClusterModel model = subscribedModel();
  EXPECT_EQ(model.taskCount(), 3u);
  auto polled = parseMesosState(masterState());
  ASSERT_TRUE(polled.state) << polled.error;
  const RecordSet fromStream = records(model.state());
  const RecordSet fromPoll = records(*polled.state);
  EXPECT_THAT(addresses(fromStream, "web.marathon.mesos."), ElementsAre("10.1.0.1", "10.1.0.2"));
  EXPECT_TRUE(fromStream == fromPoll) << "the stream and /master/state give different records";
}

TEST(ClusterModel, FrameworkPidsFromTheStateSummaryGiveTheFrameworksSrvAsFromMasterState) {
  ClusterModel model = subscribedModel();
  const auto srvOf = [](const RecordSet& set) {
    std::vector<uint16_t> ports;
    if (const auto found = set.find("_framework._tcp.marathon.mesos.")) {
      for (const auto& srv : found->srv) ports.push_back(srv.port);
    }
    return ports;
  };
  const auto withAddress = [](const MesosState& state) {
    GeneratorOptions options;
    return generateRecords(state, options,
                           [](const std::string&) { return std::vector<IpAddress>{*IpAddress::parse("10.0.0.1")}; })
        .records;
  };
  EXPECT_THAT(srvOf(withAddress(model.state())), IsEmpty());  // v1 has no PID: no port
  EXPECT_TRUE(model.setFrameworkPids({{"fw-1", *Upid::parse("scheduler-1@10.0.0.1:8080")}}));
  EXPECT_THAT(srvOf(withAddress(model.state())), ElementsAre(8080));
  EXPECT_FALSE(model.setFrameworkPids({{"fw-1", *Upid::parse("scheduler-1@10.0.0.1:8080")}}));  // the same
  // A summary without marathon's PID (it moved to HTTP): its port goes.
  EXPECT_TRUE(model.setFrameworkPids({{"fw-other", *Upid::parse("s@10.0.0.9:1")}}));
  EXPECT_THAT(srvOf(withAddress(model.state())), IsEmpty());
  EXPECT_TRUE(model.setFrameworkPids({{"fw-1", *Upid::parse("scheduler-1@10.0.0.1:8081")}}));
  EXPECT_THAT(srvOf(withAddress(model.state())), ElementsAre(8081));
}

TEST(ClusterModel, ANewTaskIsServedOnceItRunsWithItsAddress) {
  ClusterModel model = subscribedModel();
  auto added = model.apply(event(R"({"type":"TASK_ADDED","task_added":{"task":)" +
                                 v1Task("web.3", "web", "S2", "TASK_STAGING", "", 31004) + "}}"));
  // Staging: no record yet, so no change to generate (the hub's next generation waits for RUNNING).
  EXPECT_FALSE(added.changed);
  EXPECT_EQ(model.taskCount(), 4u);
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.1", "10.1.0.2"));
  auto starting = model.apply(event(
      R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_STARTING",
      "status":{"task_id":{"value":"web.3"},"state":"TASK_STARTING","timestamp":1565000009}}})"));
  EXPECT_FALSE(starting.changed);
  auto running = model.apply(event(
      R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_RUNNING",
      "status":{"task_id":{"value":"web.3"},"state":"TASK_RUNNING","timestamp":1565000010,"agent_id":{"value":"S2"},
      "container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.3"}]}]}}}})"));
  EXPECT_TRUE(running.changed);
  EXPECT_EQ(running.problem, "");
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."),
              ElementsAre("10.1.0.1", "10.1.0.2", "10.1.0.3"));
}

TEST(ClusterModel, AKilledTaskIsGoneAtOnce) {
  ClusterModel model = subscribedModel();
  auto killed = model.apply(event(R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},
      "state":"TASK_KILLED","status":{"task_id":{"value":"web.1"},"state":"TASK_KILLED","timestamp":1565000020}}})"));
  EXPECT_TRUE(killed.changed);
  EXPECT_EQ(model.taskCount(), 2u);
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.2"));
  // api.1 never ran: its end changes no record.
  auto failed = model.apply(event(R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},
      "state":"TASK_FAILED","status":{"task_id":{"value":"api.1"},"state":"TASK_FAILED","timestamp":1565000021}}})"));
  EXPECT_FALSE(failed.changed);
  EXPECT_EQ(model.taskCount(), 1u);
}

TEST(ClusterModel, AHealthUpdateReplacesTheStatusAndTellsHealthyOnlyToLeaveTheTaskOut) {
  ClusterModel model = subscribedModel();
  // As the agent sends it: the container's addresses come with every update.
  model.apply(event(R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_RUNNING",
      "status":{"task_id":{"value":"web.1"},"state":"TASK_RUNNING","timestamp":1565000030,"healthy":false,
      "container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.1"}]}]}}}})"));
  const MesosState state = model.state();
  const Task* web1 = nullptr;
  for (const auto& t : state.frameworks[0].tasks) {
    if (t.id == "web.1") web1 = &t;
  }
  ASSERT_NE(web1, nullptr);
  ASSERT_EQ(web1->statuses.size(), 1u);  // replaced, as the master keeps one status per state
  EXPECT_TRUE(web1->unhealthy());
  EXPECT_THAT(web1->statuses[0].networkIps, ElementsAre("10.1.0.1"));
  GeneratorOptions options;
  options.healthyOnly = true;
  const auto generated = generateRecords(state, options, [](const std::string&) { return std::vector<IpAddress>{}; });
  EXPECT_THAT(addresses(generated.records, "web.marathon.mesos."), ElementsAre("10.1.0.2"));
}

TEST(ClusterModel, AgentAndFrameworkRemovalsDropTheirTasksAtOnce) {
  ClusterModel model = subscribedModel();
  EXPECT_TRUE(model.apply(event(R"({"type":"AGENT_REMOVED","agent_removed":{"agent_id":{"value":"S1"}}})")).changed);
  EXPECT_EQ(model.taskCount(), 1u);  // web.1 and api.1 ran on S1
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.2"));
  EXPECT_THAT(model.apply(event(R"({"type":"AGENT_REMOVED","agent_removed":{"agent_id":{"value":"S9"}}})")).problem,
              HasSubstr("agent S9, not held"));
  EXPECT_TRUE(model
                  .apply(event(R"({"type":"FRAMEWORK_REMOVED","framework_removed":{"framework_info":{"name":"marathon",
      "id":{"value":"fw-1"}}}})"))
                  .changed);
  EXPECT_EQ(model.taskCount(), 0u);
  EXPECT_THAT(model.state().frameworks, IsEmpty());
}

TEST(ClusterModel, AnUpdateForATaskNotHeldIsAProblemAndChangesNothing) {
  ClusterModel model = subscribedModel();
  const auto applied = model.apply(event(R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},
      "state":"TASK_RUNNING","status":{"task_id":{"value":"ghost"},"state":"TASK_RUNNING"}}})"));
  EXPECT_FALSE(applied.changed);
  EXPECT_THAT(applied.problem, HasSubstr("task ghost of framework fw-1"));
  EXPECT_EQ(model.taskCount(), 3u);
  EXPECT_FALSE(model.apply(event(R"({"type":"HEARTBEAT"})")).changed);
}

TEST(ClusterModel, AnAgentComingBackIsNoLongerToReRegisterAndANewSnapshotReplacesEverything) {
  ClusterModel model;
  MesosEvent first = event(subscribed());
  first.recoveredAgents = {"S3"};
  model.reset(first, kLeader, 1565000100);
  EXPECT_THAT(model.state().recoveredSlaves, ElementsAre("S3"));
  model.apply(event(R"({"type":"AGENT_ADDED","agent_added":{"agent":{"agent_info":{"hostname":"10.0.0.13",
      "id":{"value":"S3"}},"pid":"slave(1)@10.0.0.13:5051"}}})"));
  EXPECT_THAT(model.state().recoveredSlaves, IsEmpty());
  EXPECT_EQ(model.state().slaves.size(), 3u);
  EXPECT_THAT(
      model.apply(event(R"({"type":"AGENT_ADDED","agent_added":{"agent":{"agent_info":{"hostname":"x"}}}})")).problem,
      HasSubstr("without an agent id"));
  EXPECT_EQ(model.state().slaves.size(), 3u);
  model.reset(event(R"({"type":"SUBSCRIBED","subscribed":{"get_state":{}}})"), "master@10.0.0.2:5050", 1565000200);
  EXPECT_EQ(model.taskCount(), 0u);
  EXPECT_EQ(model.state().leader, "master@10.0.0.2:5050");
  EXPECT_EQ(model.state().electedTime, 1565000200);  // the stream has none: the subscription's time
  EXPECT_THAT(model.state().slaves, IsEmpty());
}

// A new leader that still waits for agent S2: its snapshot lists S2 as recovered, without web.2.
MesosEvent newLeaderWithoutS2() {
  return event(R"({"type":"SUBSCRIBED","subscribed":{"heartbeat_interval_seconds":15.0,"get_state":{
    "get_tasks":{"tasks":[)" +
               v1Task("web.1", "web", "S1", "TASK_RUNNING", "10.1.0.1", 31001) + R"(]},
    "get_frameworks":{"frameworks":[{"framework_info":{"name":"marathon","id":{"value":"fw-1"},"hostname":"m1.example"}}]},
    "get_agents":{"agents":[
      {"agent_info":{"hostname":"10.0.0.11","port":5051,"id":{"value":"S1"}},"pid":"slave(1)@10.0.0.11:5051"}],
      "recovered_agents":[{"hostname":"10.0.0.12","port":5051,"id":{"value":"S2"}}]}}}})");
}

const char* const kS2Back = R"({"type":"AGENT_ADDED","agent_added":{"agent":{"agent_info":{"hostname":"10.0.0.12",
    "id":{"value":"S2"}},"pid":"slave(1)@10.0.0.12:5051"}}})";

TEST(ClusterModel, AfterALeaderChangeTheTasksOfAnAgentStillToReRegisterStayWhileAnnouncedChangesApplyAtOnce) {
  ClusterModel model = subscribedModel();
  model.reset(newLeaderWithoutS2(), "master@10.0.0.2:5050", 1565000200);
  EXPECT_TRUE(model.keepsAgentsTasks());
  EXPECT_EQ(model.heldTaskCount(), 1u);
  EXPECT_EQ(model.heldAgentCount(), 1u);
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.1", "10.1.0.2"));
  EXPECT_THAT(addresses(records(model.heldState()), "web.marathon.mesos."), ElementsAre("10.1.0.2"));
  // A kill on an agent that is back: at once.
  EXPECT_TRUE(model
                  .apply(event(R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},
      "state":"TASK_KILLED","status":{"task_id":{"value":"web.1"},"state":"TASK_KILLED","timestamp":1565000220}}})"))
                  .changed);
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.2"));
  // S2 comes back and the master announces web.2 (still running): it stays, no longer held.
  model.apply(event(kS2Back));
  model.apply(event(R"({"type":"TASK_ADDED","task_added":{"task":)" +
                    v1Task("web.2", "web", "S2", "TASK_RUNNING", "10.1.0.2", 31002) + "}}"));
  EXPECT_EQ(model.heldTaskCount(), 0u);
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.2"));
}

TEST(ClusterModel, AnAgentBackWithoutAHeldTaskDropsItAndTheWindowEndsTheRest) {
  ClusterModel model = subscribedModel();
  model.reset(newLeaderWithoutS2(), "master@10.0.0.2:5050", 1565000200);
  model.apply(event(kS2Back));  // web.2 ended while S2 was away: not announced...
  // ...which is known for sure at the next heartbeat (its framework may re-register first).
  EXPECT_EQ(model.heldTaskCount(), 1u);
  EXPECT_TRUE(model.settleReturned());
  EXPECT_EQ(model.heldTaskCount(), 0u);
  EXPECT_FALSE(model.settleReturned());
  EXPECT_THAT(addresses(records(model.state()), "web.marathon.mesos."), ElementsAre("10.1.0.1"));

  ClusterModel waiting = subscribedModel();
  waiting.reset(newLeaderWithoutS2(), "master@10.0.0.2:5050", 1565000200);
  EXPECT_FALSE(waiting.expireHeld(1565000200 + 599));
  EXPECT_EQ(waiting.heldTaskCount(), 1u);
  EXPECT_TRUE(waiting.expireHeld(1565000200 + 600));
  EXPECT_EQ(waiting.heldTaskCount(), 0u);
  EXPECT_THAT(addresses(records(waiting.state()), "web.marathon.mesos."), ElementsAre("10.1.0.1"));
}

TEST(ClusterModel, TheFirstSubscriptionHasNothingToKeep) {
  ClusterModel model;
  model.reset(newLeaderWithoutS2(), "master@10.0.0.2:5050", 1565000200);
  EXPECT_FALSE(model.keepsAgentsTasks());  // the record source guards records from elsewhere itself
  EXPECT_EQ(model.heldTaskCount(), 0u);
  EXPECT_THAT(model.state().recoveredSlaves, ElementsAre("S2"));
  // A second subscription while S2 is still away: this model never had S2's tasks, so it cannot
  // keep them agent by agent either (the source's set-wide guard stays in charge).
  model.reset(newLeaderWithoutS2(), "master@10.0.0.3:5050", 1565000300);
  EXPECT_FALSE(model.keepsAgentsTasks());
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

// A hub feeds its record book from the model: a task the book holds is taken as unchanged when its
// revision is, so every write of a task in the model must give it a new one.
TEST(ClusterModel, ARecordBookFedEventByEventHasTheRecordsOfTheModelsState) {
  ClusterModel model = subscribedModel();
  GeneratorOptions options;
  options.masters = {"10.0.0.1:5050"};
  options.healthyOnly = true;
  const HostResolver none = [](const std::string&) { return std::vector<IpAddress>{}; };
  RecordBook book(options);
  auto same = [&](const char* after) {
    const MesosState state = model.state();
    const auto booked = book.update(state, none);
    const auto fresh = generateRecords(state, options, none);
    EXPECT_TRUE(*booked.records == fresh.records) << "after " << after;
  };
  same("subscribing");
  const std::vector<std::pair<const char*, std::string>> events = {
      {"api.1 running",
       R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_RUNNING",
        "status":{"task_id":{"value":"api.1"},"state":"TASK_RUNNING","timestamp":1565000010,"agent_id":{"value":"S1"},
        "container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.3"}]}]}}}})"},
      {"web.1 on a new address, still running",
       R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_RUNNING",
        "status":{"task_id":{"value":"web.1"},"state":"TASK_RUNNING","timestamp":1565000011,"agent_id":{"value":"S1"},
        "container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.9"}]}]}}}})"},
      {"web.2 failing its health check",
       R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},"state":"TASK_RUNNING",
        "status":{"task_id":{"value":"web.2"},"state":"TASK_RUNNING","timestamp":1565000012,"agent_id":{"value":"S2"},
        "healthy":false,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.2"}]}]}}}})"},
      {"web.3 added running", R"({"type":"TASK_ADDED","task_added":{"task":)" +
                                  v1Task("web.3", "web", "S2", "TASK_RUNNING", "10.1.0.4", 31004) + "}}"},
      {"web.3 added again on another address", R"({"type":"TASK_ADDED","task_added":{"task":)" +
                                                   v1Task("web.3", "web", "S2", "TASK_RUNNING", "10.1.0.5", 31004) +
                                                   "}}"},
      {"web.1 killed", R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":"fw-1"},
        "state":"TASK_KILLED","status":{"task_id":{"value":"web.1"},"state":"TASK_KILLED","timestamp":1565000020}}})"},
      {"S2 removed", R"({"type":"AGENT_REMOVED","agent_removed":{"agent_id":{"value":"S2"}}})"},
  };
  for (const auto& [what, text] : events) {
    model.apply(event(text));
    same(what);
  }
  // A new leader's snapshot replaces everything, the same tasks on other addresses included.
  std::string again = subscribed();
  again.replace(again.find("10.1.0.1"), 8, "10.1.0.7");
  model.reset(event(again), kLeader, 1565000200);
  same("subscribing again");
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

// A task in v1 form in any framework, with its health check's verdict when `healthy` is 0 or 1.
std::string anyTask(const std::string& framework, const std::string& id, const std::string& name,
                    const std::string& agent, const std::string& state, const std::string& ip, int healthy) {
  std::string status;
  if (state == "TASK_RUNNING") {
    status = R"(,"statuses":[{"task_id":{"value":")" + id + R"("},"state":"TASK_RUNNING","timestamp":1565000000)" +
             (healthy >= 0 ? std::string(R"(,"healthy":)") + (healthy != 0 ? "true" : "false") : "") +
             R"(,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":")" + ip + R"("}]}]}}])";
  }
  return R"({"name":")" + name + R"(","task_id":{"value":")" + id + R"("},"framework_id":{"value":")" + framework +
         R"("},"agent_id":{"value":")" + agent + R"("},"state":")" + state +
         R"(","resources":[{"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}}])" +
         status + "}";
}

std::string frameworkInfo(const std::string& id, const std::string& name) {
  return R"({"framework_info":{"name":")" + name + R"(","id":{"value":")" + id + R"("},"hostname":"10.0.0.2"}})";
}

std::string agentInfo(const std::string& id, int host) {
  const std::string ip = "10.0.0." + std::to_string(host);
  return R"({"agent_info":{"hostname":")" + ip + R"(","port":5051,"id":{"value":")" + id + R"("}},"pid":"slave(1)@)" +
         ip + R"(:5051"})";
}

// A hub's book follows the model by the tasks each batch of events changed (ClusterModel::
// takeChanges, RecordBook::updateTasks), and by the whole state when more changed: through a
// random history of every kind of event, the book's records (PTR records and the hash included),
// its difference and its count of unhealthy instances left out are those of a generation from the
// model's state.
TEST(ClusterModel, ABookFollowingTheModelsChangesHasTheRecordsOfItsStateThroughARandomHistory) {
  const HostResolver none = [](const std::string&) { return std::vector<IpAddress>{}; };
  const std::vector<std::string> agents = {"S1", "S2", "S3", "S4", "S9"};        // S9 is never added
  const std::vector<std::string> frameworks = {"fw-1", "fw-2", "fw-3", "fw-9"};  // fw-9 is never announced
  const std::vector<std::string> apps = {"web", "api", "db"};
  for (const bool healthyOnly : {false, true}) {
    GeneratorOptions options;
    options.masters = {"10.0.0.1:5050"};
    options.healthyOnly = healthyOnly;
    std::mt19937 random(healthyOnly ? 7 : 3);
    auto pick = [&random](const auto& from) { return from[random() % from.size()]; };
    auto ip = [&random] { return "10.1.0." + std::to_string(1 + random() % 40); };  // shared now and then
    ClusterModel model;
    model.reset(event(R"({"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[]},
        "get_frameworks":{"frameworks":[)" +
                      frameworkInfo("fw-1", "marathon") + R"(]},"get_agents":{"agents":[)" + agentInfo("S1", 11) + "," +
                      agentInfo("S2", 12) + "]}}}}"),
                kLeader, 1565000100);
    RecordBook book(options);
    RecordSet previous;
    previous.finalize();
    std::vector<std::pair<std::string, std::string>> launched;  // (framework, task id)
    size_t byTasks = 0;
    size_t runningChanged = 0;  // status updates of running tasks
    for (int step = 0; step < 400; ++step) {
      const int events = 1 + static_cast<int>(random() % 3);
      std::string last;
      for (int n = 0; n < events; ++n) {
        const unsigned kind = random() % 80;
        std::string text;
        if (kind < 30 || launched.empty()) {  // a task is launched, running or staging
          const std::string fw = random() % 8 == 0 ? pick(frameworks) : "fw-1";
          const std::string id = "t" + std::to_string(step) + "-" + std::to_string(n);
          const std::string state = random() % 4 == 0 ? "TASK_STAGING" : "TASK_RUNNING";
          text = R"({"type":"TASK_ADDED","task_added":{"task":)" +
                 anyTask(fw, id, pick(apps), random() % 4 != 0 ? pick(agents) : "S1", state, ip(),
                         static_cast<int>(random() % 3) - 1) +
                 "}}";
          launched.emplace_back(fw, id);
        } else if (kind < 70) {  // a task's status: a new address, its health, or its end
          auto [fw, id] = launched[random() % launched.size()];
          for (int tries = 0; tries < 5 && model.task(fw, id) == nullptr; ++tries) {
            std::tie(fw, id) = launched[random() % launched.size()];
          }
          const unsigned what = random() % 5;
          const Task* task = model.task(fw, id);
          if (task != nullptr && ClusterModel::makesRecords(*task)) ++runningChanged;
          if (what == 0) {
            text = R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":")" + fw +
                   R"("},"state":"TASK_KILLED","status":{"task_id":{"value":")" + id +
                   R"("},"state":"TASK_KILLED","timestamp":1565000300}}})";
          } else {
            text = R"({"type":"TASK_UPDATED","task_updated":{"framework_id":{"value":")" + fw +
                   R"("},"state":"TASK_RUNNING","status":{"task_id":{"value":")" + id +
                   R"("},"state":"TASK_RUNNING","timestamp":)" + std::to_string(1565000200 + step) +
                   (what < 3 ? std::string(R"(,"healthy":)") + (what == 1 ? "true" : "false") : "") +
                   R"(,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":")" + ip() + R"("}]}]}}}})";
          }
        } else if (kind < 75) {  // an agent comes (maybe on another address) or goes
          const std::string agent = pick(agents);
          text = random() % 2 == 0
                     ? R"({"type":"AGENT_ADDED","agent_added":{"agent":)" +
                           agentInfo(agent, 11 + static_cast<int>(random() % 6)) + "}}"
                     : R"({"type":"AGENT_REMOVED","agent_removed":{"agent_id":{"value":")" + agent + R"("}}})";
        } else if (kind < 79) {  // a framework comes, is renamed (to a name another has, too) or goes
          const std::string fw = pick(std::vector<std::string>{"fw-2", "fw-3"});
          const unsigned what = random() % 3;
          text = what == 2 ? R"({"type":"FRAMEWORK_REMOVED","framework_removed":)" + frameworkInfo(fw, "x") + "}"
                           : R"({"type":"FRAMEWORK_ADDED","framework_added":{"framework":)" +
                                 frameworkInfo(fw, what == 0 ? "chronos-" + fw : "marathon") + "}}";
        } else {  // a new leader's snapshot, with what the model holds but one agent
          model.reset(event(R"({"type":"SUBSCRIBED","subscribed":{"get_state":{"get_tasks":{"tasks":[)" +
                            anyTask("fw-1", "snap" + std::to_string(step), "web", "S1", "TASK_RUNNING", ip(), 1) +
                            R"(]},"get_frameworks":{"frameworks":[)" + frameworkInfo("fw-1", "marathon") +
                            R"(]},"get_agents":{"agents":[)" + agentInfo("S1", 11) + "]}}}}"),
                      kLeader, 1565000100 + step);
          launched.emplace_back("fw-1", "snap" + std::to_string(step));
          continue;
        }
        model.apply(event(text));
        last = text;
      }
      bool tasksOnly = false;
      const auto update = followModel(book, model, model.takeChanges(), none, &tasksOnly);
      byTasks += tasksOnly ? 1 : 0;
      const MesosState state = model.state();
      const auto fresh = generateRecords(state, options, none);
      ASSERT_TRUE(*update.records == fresh.records)
          << "healthyOnly " << healthyOnly << ", step " << step << ", after " << last;
      ASSERT_EQ(update.records->contentHash(), fresh.records.contentHash()) << "step " << step;
      ASSERT_EQ(update.unhealthyLeftOut, fresh.unhealthyLeftOut) << "step " << step << ", after " << last;
      const ZoneDiff diff = diffRecordSets(previous, *update.records);
      ASSERT_EQ(update.diff.recordCount(), diff.recordCount()) << "step " << step;
      previous = *update.records;
    }
    // Most batches changed tasks alone, and took the book's short way.
    EXPECT_GT(byTasks, 120u) << "healthyOnly " << healthyOnly;
    EXPECT_GT(runningChanged, 100u) << "healthyOnly " << healthyOnly;
  }
}

}  // namespace
}  // namespace mdns
