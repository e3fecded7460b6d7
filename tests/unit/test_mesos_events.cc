// The v1 operator event stream's records (docs/mesos-operator-events.md) read into the values
// /master/state gives, so that a hub can hold the same state either way.
#include "common/mesos_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

EventParseResult parse(std::string record) { return parseMesosEvent(record); }

constexpr const char* kRunningTask = R"({"name":"web","task_id":{"value":"web.1234"},
  "framework_id":{"value":"fw-0001"},"agent_id":{"value":"S1"},"state":"TASK_RUNNING",
  "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.5},"allocation_info":{"role":"*"}},
    {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":31001}]}},
    {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31005,"end":31005}]},"role":"slave_public"}],
  "statuses":[{"task_id":{"value":"web.1234"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR",
    "agent_id":{"value":"S1"},"timestamp":1565000000.123,"uuid":"q83vEjRWeJA=","healthy":true,
    "labels":{"labels":[{"key":"Docker.NetworkSettings.IPAddress","value":"172.17.0.2"}]},
    "container_status":{"container_id":{"value":"c-uuid"},"executor_pid":4242,
      "network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":"10.1.0.5"}],"name":"dcos"}]}}],
  "status_update_state":"TASK_RUNNING","labels":{"labels":[{"key":"k","value":"v"}]},
  "discovery":{"visibility":"FRAMEWORK","name":"web-svc",
    "ports":{"ports":[{"number":31000,"name":"http","protocol":"tcp","visibility":"EXTERNAL"}]}}})";

TEST(MesosEvents, SubscribedReadsTheWholeStateAsMasterStateWouldGiveIt) {
  const std::string record = std::string(R"({"type":"SUBSCRIBED","subscribed":{"get_state":{
    "get_tasks":{"tasks":[)") +
                             kRunningTask + R"(, 7],"completed_tasks":[{"task_id":{"value":"old"}}]},
    "get_executors":{"executors":[]},
    "get_frameworks":{"frameworks":[{"framework_info":{"user":"root","name":"marathon","id":{"value":"fw-0001"},
      "hostname":"m1.example.com","webui_url":"http://m1:8080"},"active":true,"registered_time":{"nanoseconds":1565000000000000000}}]},
    "get_agents":{"agents":[{"agent_info":{"hostname":"10.0.0.5","port":5051,"id":{"value":"S1"}},"active":true,
      "pid":"slave(1)@10.0.0.5:5051"},{"agent_info":{"hostname":"nameless"}}],
      "recovered_agents":[{"hostname":"10.0.0.6","port":5051,"id":{"value":"S2"}}]}},
    "heartbeat_interval_seconds":15.0}})";
  const auto r = parse(record);
  ASSERT_TRUE(r.event) << r.error;
  const MesosEvent& e = *r.event;
  EXPECT_EQ(e.type, MesosEvent::Type::kSubscribed);
  EXPECT_EQ(e.heartbeatSeconds, 15.0);
  ASSERT_EQ(e.tasks.size(), 1u);  // completed tasks make no records
  const Task& t = e.tasks[0].task;
  EXPECT_EQ(e.tasks[0].frameworkId, "fw-0001");
  EXPECT_EQ(t.id, "web.1234");
  EXPECT_EQ(t.name, "web");
  EXPECT_EQ(t.slaveId, "S1");
  EXPECT_EQ(t.state, "TASK_RUNNING");
  EXPECT_EQ(t.portRanges, "[31000-31001, 31005-31005]");  // every "ports" entry, as /master/state merges them
  EXPECT_THAT(t.ports(), ElementsAre(31000, 31001, 31005));
  ASSERT_EQ(t.statuses.size(), 1u);
  EXPECT_EQ(t.statuses[0].state, "TASK_RUNNING");
  EXPECT_EQ(t.statuses[0].timestamp, 1565000000.123);
  EXPECT_EQ(t.statuses[0].healthy, std::optional<bool>(true));
  EXPECT_THAT(t.statuses[0].labels, ElementsAre(Pair("Docker.NetworkSettings.IPAddress", "172.17.0.2")));
  EXPECT_THAT(t.statuses[0].networkIps, ElementsAre("10.1.0.5"));
  EXPECT_EQ(t.discoveryName, "web-svc");
  ASSERT_EQ(t.discoveryPorts.size(), 1u);
  EXPECT_EQ(t.discoveryPorts[0].number, 31000);
  EXPECT_EQ(t.discoveryPorts[0].name, "http");
  EXPECT_EQ(t.discoveryPorts[0].protocol, "tcp");
  ASSERT_EQ(e.frameworks.size(), 1u);
  EXPECT_EQ(e.frameworks[0].id, "fw-0001");
  EXPECT_EQ(e.frameworks[0].name, "marathon");
  EXPECT_EQ(e.frameworks[0].hostname, "m1.example.com");
  ASSERT_EQ(e.agents.size(), 1u);
  EXPECT_EQ(e.agents[0].id, "S1");
  EXPECT_EQ(e.agents[0].hostname, "10.0.0.5");
  ASSERT_TRUE(e.agents[0].pid);
  EXPECT_EQ(e.agents[0].pid->host, "10.0.0.5");
  EXPECT_THAT(e.recoveredAgents, ElementsAre("S2"));
  EXPECT_THAT(r.warnings,
              ElementsAre("get_tasks.tasks[1]: not an object, skipped", "get_agents.agents[1]: no id, skipped"));
}

TEST(MesosEvents, TaskAddedCarriesOneWholeTaskUsuallyStagingWithoutStatuses) {
  const auto r = parse(R"({"type":"TASK_ADDED","task_added":{"task":{"name":"web","task_id":{"value":"web.9"},
    "framework_id":{"value":"fw-0001"},"agent_id":{"value":"S1"},"state":"TASK_STAGING"}}})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kTaskAdded);
  ASSERT_EQ(r.event->tasks.size(), 1u);
  EXPECT_EQ(r.event->tasks[0].task.id, "web.9");
  EXPECT_EQ(r.event->tasks[0].task.state, "TASK_STAGING");
  EXPECT_THAT(r.event->tasks[0].task.statuses, IsEmpty());
}

TEST(MesosEvents, TaskUpdatedIsAStatusAndTheNewestStateNotAWholeTask) {
  // The payload before "type": fields are read by name, in any order.
  const auto r = parse(R"({"task_updated":{"framework_id":{"value":"fw-0001"},
    "status":{"task_id":{"value":"web.9"},"state":"TASK_STARTING","agent_id":{"value":"S1"},"healthy":false,
      "timestamp":1565000000.5,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.1.0.9"},
      {"protocol":"IPv6","ip_address":"fd00::9"}]}]}},
    "state":"TASK_RUNNING"},"type":"TASK_UPDATED"})");
  ASSERT_TRUE(r.event) << r.error;
  const MesosEvent& e = *r.event;
  EXPECT_EQ(e.type, MesosEvent::Type::kTaskUpdated);
  EXPECT_EQ(e.frameworkId, "fw-0001");
  EXPECT_EQ(e.taskId, "web.9");
  EXPECT_EQ(e.agentId, "S1");
  EXPECT_EQ(e.state, "TASK_RUNNING");  // ahead of status.state
  ASSERT_TRUE(e.status);
  EXPECT_EQ(e.status->state, "TASK_STARTING");
  EXPECT_EQ(e.status->healthy, std::optional<bool>(false));
  EXPECT_THAT(e.status->networkIps, ElementsAre("10.1.0.9", "fd00::9"));
}

TEST(MesosEvents, AgentAndFrameworkEventsAndHeartbeats) {
  auto r = parse(R"({"type":"AGENT_ADDED","agent_added":{"agent":{"agent_info":{"hostname":"n7","port":5051,
    "id":{"value":"S7"}},"pid":"slave(1)@10.0.0.7:5051","active":true}}})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kAgentAdded);
  ASSERT_EQ(r.event->agents.size(), 1u);
  EXPECT_EQ(r.event->agents[0].id, "S7");
  EXPECT_EQ(r.event->agents[0].pid->port, "5051");

  r = parse(R"({"type":"AGENT_REMOVED","agent_removed":{"agent_id":{"value":"S7"}}})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kAgentRemoved);
  EXPECT_EQ(r.event->agentId, "S7");

  for (const char* type : {"FRAMEWORK_ADDED", "FRAMEWORK_UPDATED"}) {
    const std::string lower = type == std::string("FRAMEWORK_ADDED") ? "framework_added" : "framework_updated";
    r = parse(std::string(R"({"type":")") + type + R"(",")" + lower +
              R"(":{"framework":{"framework_info":{"name":"chronos","id":{"value":"fw-2"}},"active":true}}})");
    ASSERT_TRUE(r.event) << r.error;
    ASSERT_EQ(r.event->frameworks.size(), 1u) << type;
    EXPECT_EQ(r.event->frameworks[0].name, "chronos");
    EXPECT_EQ(r.event->frameworks[0].id, "fw-2");
  }
  r = parse(
      R"({"type":"FRAMEWORK_REMOVED","framework_removed":{"framework_info":{"name":"chronos","id":{"value":"fw-2"}}}})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kFrameworkRemoved);
  ASSERT_EQ(r.event->frameworks.size(), 1u);
  EXPECT_EQ(r.event->frameworks[0].id, "fw-2");

  r = parse(R"({"type":"HEARTBEAT"})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kHeartbeat);
  r = parse(R"({"type":"SOMETHING_NEW","something_new":{"x":1}})");
  ASSERT_TRUE(r.event) << r.error;
  EXPECT_EQ(r.event->type, MesosEvent::Type::kUnknown);
  EXPECT_EQ(r.event->typeName, "SOMETHING_NEW");
}

TEST(MesosEvents, ARecordThatIsNotAJsonObjectIsRefused) {
  for (const char* record : {"", "[1]", R"({"type":"TASK_ADDED","task_added":{"task":{)", "HTTP/1.1 200"}) {
    const auto r = parse(record);
    EXPECT_FALSE(r.event) << record;
    EXPECT_FALSE(r.error.empty()) << record;
  }
  EXPECT_THAT(parse("[1]").error, HasSubstr("expected a JSON object"));
  EXPECT_THAT(parse(R"({"type":"HEARTBEAT"} x)").error, HasSubstr("not valid JSON"));
  EXPECT_THAT(parse(R"({"type":"HEARTBEAT"}{"type":"HEARTBEAT"})").error, HasSubstr("not valid JSON"));
}

}  // namespace
}  // namespace mdns
