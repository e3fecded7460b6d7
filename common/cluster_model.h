// The cluster as a hub holds it from the Mesos event stream: frameworks, agents and launched
// tasks by id, changed event by event (common/mesos_events), and read out as the MesosState the
// record generator takes, the same values /master/state would give.
//
// Rules, from how the master sends events (docs/mesos-operator-events.md): SUBSCRIBED replaces
// everything (a new leader's snapshot); TASK_UPDATED carries the newest state and one status,
// which replaces the task's last status when that has the same state (as the master keeps them);
// a task that reaches a terminal state is dropped (no record is made of it); AGENT_REMOVED and
// FRAMEWORK_REMOVED drop their tasks at once.
//
// A failover, agent by agent: a new leader's SUBSCRIBED lists the agents that have not
// re-registered with it yet (recovered_agents), without their tasks. When the model held a
// cluster before (an earlier subscription), the tasks it held on those agents are kept ("held"),
// with the agents and frameworks they need, until the agent re-registers (AGENT_ADDED: the
// master then announces each live task with TASK_ADDED, maybe after its framework's
// FRAMEWORK_ADDED, so the held ones not announced are dropped a moment later, at the next
// heartbeat: settleReturned), the agent is removed, or the re-registration window after the
// subscription passes (expireHeld). Everything else the master announces applies at once.
//
// One difference from /master/state: v1 has no framework PID (only driver-based schedulers such
// as Marathon have one in /master/state, and mesos-dns takes the framework's address and port from
// it). The hub reads the PIDs from the leader's /master/state-summary (no tasks in it) after
// subscribing and after a framework is added or updated, and hands them over with setFrameworkPids;
// until then, and for frameworks without one, framework_info.hostname stands.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/mesos_events.h"
#include "common/mesos_state.h"

namespace mdns {

class ClusterModel {
 public:
  // What an event did.
  struct Applied {
    bool changed = false;  // something records are made of changed
    std::string problem;   // an event about something not held ("" when none): the stream and the model differ
  };

  // A SUBSCRIBED event from the master whose PID is `leaderPid` ("master@10.0.0.1:5050"),
  // received at `subscribedAt` (unix seconds).
  void reset(const MesosEvent& subscribed, std::string leaderPid, double subscribedAt);
  // Drops the held tasks once `now` is `windowSeconds` past the subscription: true when any went.
  bool expireHeld(double now, double windowSeconds = 600);
  // Drops the held tasks of agents that re-registered since the last call and whose tasks the
  // master did not announce again (they ended while the agent was away): true when any went.
  bool settleReturned();
  // Tasks kept for agents still to re-register, and those agents.
  size_t heldTaskCount() const { return held_.size(); }
  size_t heldAgentCount() const;
  // Whether the last reset could keep the tasks of every agent the new leader waits for: it held
  // a cluster before, which had each of those agents (false for the first subscription, whose
  // records came from elsewhere, e.g. the cache file: the record source guards those itself).
  bool keepsAgentsTasks() const { return keepsAgentsTasks_; }
  // The held tasks alone, with their frameworks and agents, and no leader (to count their records).
  MesosState heldState() const;
  Applied apply(const MesosEvent& event);

  // The PIDs of frameworks by id (from /master/state-summary): true when that changes a framework held.
  bool setFrameworkPids(std::map<std::string, Upid> pids);

  // Tasks of a framework the stream did not announce are left out (their names need its name).
  MesosState state() const;
  // The same, with the tasks shared rather than copied (they are never changed in place).
  SharedState sharedState() const;
  size_t taskCount() const;

  // What changed since the last call, for a reader that follows the model (a hub's record book):
  // either only tasks, named here, or more (agents, frameworks, a new subscription): then the whole
  // state is to be read again. The first call says "whole".
  struct Changes {
    bool whole = true;
    std::set<std::pair<std::string, std::string>> tasks;  // (framework id, task id) written or dropped
  };
  Changes takeChanges();
  // A task held, or nullptr.
  const Task* task(const std::string& frameworkId, const std::string& taskId) const;
  // The name of a framework the stream announced, or nullptr (its tasks are left out of state()).
  const std::string* frameworkName(const std::string& frameworkId) const;
  // No two frameworks announced share a name (the record book keys tasks by framework name).
  bool frameworkNamesUnique() const;
  bool subscribed() const { return !leader_.empty(); }
  // state()'s recoveredSlaves.size() and electedTime, without reading the state out.
  size_t recoveredAgentCount() const { return recoveredAgents_.size(); }
  double subscribedAt() const { return subscribedAt_; }

  // Only a running task has records (common/record_generator): a change to a task that is not
  // running before or after it changes no record, and is not reported as a change.
  static bool makesRecords(const Task& task);

  // Terminal task states (no record is made of a task in one; the master will not change it).
  static bool terminal(const std::string& state);

 private:
  std::string leader_;
  double subscribedAt_ = 0;
  std::map<std::string, EventFramework> frameworks_;  // by id
  std::map<std::string, Upid> frameworkPids_;         // by id; kept across subscriptions
  std::map<std::string, EventAgent> agents_;          // by id
  std::vector<std::string> recoveredAgents_;
  // By framework id, then task id (a task id is unique within its framework). A task is replaced,
  // never changed in place: state()'s shared readers keep the one they have.
  std::map<std::string, std::map<std::string, std::shared_ptr<const Task>>> tasks_;
  Changes changes_;
  std::set<std::pair<std::string, std::string>> held_;  // (framework id, task id) kept from before
  bool keepsAgentsTasks_ = false;
  std::set<std::string> returned_;            // agents back since the last settleReturned
  void dropHeld(const std::string& agentId);  // "" for all
  void touched(const std::string& frameworkId, const std::string& taskId);
  void changedWhole();
};

}  // namespace mdns
