// One record of the Mesos v1 operator event stream (POST /api/v1 SUBSCRIBE; the formats are in
// docs/mesos-operator-events.md), read into the same Task, TaskStatus and agent values that
// /master/state gives: v1's {"value": ...} wrappers flattened, labels.labels[] made a list, and
// the "ports" resources' ranges written as /master/state writes them ("[31000-31001, 31005-31005]").
// Lenient per element as parseMesosState is; a record that is not JSON is refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/mesos_state.h"

namespace mdns {

struct EventFramework {
  std::string id;
  std::string name;
  std::string hostname;  // framework_info.hostname (v1 has no framework PID)
};

struct EventAgent {
  std::string id;
  std::string hostname;
  std::optional<Upid> pid;  // none for agents still to re-register (recovered_agents)
};

struct EventTask {
  std::string frameworkId;
  Task task;  // task.slaveId is v1's agent_id
};

struct MesosEvent {
  enum class Type {
    kSubscribed,
    kTaskAdded,
    kTaskUpdated,
    kAgentAdded,
    kAgentRemoved,
    kFrameworkAdded,
    kFrameworkUpdated,
    kFrameworkRemoved,
    kHeartbeat,
    kUnknown,
  };
  Type type = Type::kUnknown;
  std::string typeName;  // as sent, e.g. "TASK_UPDATED"

  // SUBSCRIBED: the whole state (get_state's launched tasks, frameworks, agents).
  std::vector<EventFramework> frameworks;  // also FRAMEWORK_ADDED/UPDATED/REMOVED (one)
  std::vector<EventTask> tasks;            // also TASK_ADDED (one)
  std::vector<EventAgent> agents;          // also AGENT_ADDED (one)
  std::vector<std::string> recoveredAgents;
  double heartbeatSeconds = 0;

  // TASK_UPDATED: not a whole task. `state` is the newest state the agent knows; `status` is the
  // update being forwarded (its state may be older): IPs and health come from it.
  std::string frameworkId;
  std::string taskId;
  std::string state;
  std::optional<TaskStatus> status;
  std::string agentId;  // TASK_UPDATED's status.agent_id; AGENT_REMOVED's agent_id
};

struct EventParseResult {
  std::optional<MesosEvent> event;
  std::string error;                  // why the record was refused
  std::vector<std::string> warnings;  // elements skipped, each with where and why
};

// `record` may get room added after its end (simdjson reads past the last byte).
EventParseResult parseMesosEvent(std::string& record);

}  // namespace mdns
