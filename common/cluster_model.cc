#include "common/cluster_model.h"

#include <algorithm>
#include <array>
#include <atomic>

namespace mdns {

bool ClusterModel::terminal(const std::string& state) {
  static const std::array<std::string_view, 8> kTerminal = {
      "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED",           "TASK_ERROR",
      "TASK_DROPPED",  "TASK_GONE",   "TASK_GONE_BY_OPERATOR", "TASK_LOST"};
  return std::find(kTerminal.begin(), kTerminal.end(), state) != kTerminal.end();
}

bool ClusterModel::makesRecords(const Task& task) { return task.state == "TASK_RUNNING"; }

namespace {

// A task written (taken from an event, or changed by one) gets a new revision, and is a new object:
// readers of an earlier state keep theirs.
std::shared_ptr<const Task> revised(Task task) {
  static std::atomic<uint64_t> next{1};
  task.revision = next.fetch_add(1, std::memory_order_relaxed);
  return std::make_shared<const Task>(std::move(task));
}

}  // namespace

void ClusterModel::reset(const MesosEvent& subscribed, std::string leaderPid, double subscribedAt) {
  // What was held on the agents the new leader still waits for.
  keepsAgentsTasks_ = !leader_.empty();
  changedWhole();
  std::map<std::string, EventAgent> keptAgents;
  std::map<std::string, EventFramework> keptFrameworks;
  std::map<std::string, std::map<std::string, std::shared_ptr<const Task>>> keptTasks;
  for (const auto& id : subscribed.recoveredAgents) {
    const auto agent = agents_.find(id);
    if (agent == agents_.end()) {  // not known here (still to re-register before too): nothing to keep
      keepsAgentsTasks_ = false;
      continue;
    }
    keptAgents[id] = agent->second;
    for (const auto& [fw, tasks] : tasks_) {
      for (const auto& [taskId, task] : tasks) {
        if (task->slaveId != id) continue;
        keptTasks[fw][taskId] = task;
        if (const auto f = frameworks_.find(fw); f != frameworks_.end()) keptFrameworks[fw] = f->second;
      }
    }
  }
  leader_ = std::move(leaderPid);
  subscribedAt_ = subscribedAt;
  frameworks_.clear();
  agents_.clear();
  tasks_.clear();
  held_.clear();
  returned_.clear();
  for (const auto& f : subscribed.frameworks) frameworks_[f.id] = f;
  for (const auto& a : subscribed.agents) agents_[a.id] = a;
  recoveredAgents_ = subscribed.recoveredAgents;
  for (const auto& t : subscribed.tasks) {
    if (terminal(t.task.state)) continue;
    tasks_[t.frameworkId][t.task.id] = revised(t.task);
  }
  for (auto& [id, agent] : keptAgents) agents_.emplace(id, std::move(agent));
  for (auto& [id, f] : keptFrameworks) frameworks_.emplace(id, std::move(f));  // not re-registered either
  for (auto& [fw, tasks] : keptTasks) {
    for (auto& [taskId, task] : tasks) {
      if (tasks_[fw].emplace(taskId, std::move(task)).second) held_.emplace(fw, taskId);
    }
  }
}

void ClusterModel::dropHeld(const std::string& agentId) {
  for (auto it = held_.begin(); it != held_.end();) {
    const auto fw = tasks_.find(it->first);
    const auto task = fw == tasks_.end() ? decltype(fw->second.begin())() : fw->second.find(it->second);
    if (fw == tasks_.end() || task == fw->second.end()) {
      it = held_.erase(it);
      continue;
    }
    if (!agentId.empty() && task->second->slaveId != agentId) {
      ++it;
      continue;
    }
    touched(it->first, it->second);
    fw->second.erase(task);
    if (fw->second.empty()) tasks_.erase(fw);
    it = held_.erase(it);
  }
}

bool ClusterModel::settleReturned() {
  const size_t before = held_.size();
  for (const auto& agent : returned_) dropHeld(agent);
  returned_.clear();
  return held_.size() != before;
}

bool ClusterModel::expireHeld(double now, double windowSeconds) {
  if (held_.empty() || now - subscribedAt_ < windowSeconds) return false;
  dropHeld("");
  return true;
}

size_t ClusterModel::heldAgentCount() const {
  std::set<std::string> agents;
  for (const auto& [fw, id] : held_) agents.insert(tasks_.at(fw).at(id)->slaveId);
  return agents.size();
}

MesosState ClusterModel::heldState() const {
  ClusterModel only;
  only.frameworkPids_ = frameworkPids_;
  for (const auto& [fw, id] : held_) {
    const auto& task = tasks_.at(fw).at(id);
    only.tasks_[fw][id] = task;
    if (const auto f = frameworks_.find(fw); f != frameworks_.end()) only.frameworks_.emplace(fw, f->second);
    if (const auto a = agents_.find(task->slaveId); a != agents_.end()) only.agents_.emplace(a->first, a->second);
  }
  return only.state();
}

ClusterModel::Applied ClusterModel::apply(const MesosEvent& e) {
  Applied applied;
  switch (e.type) {
    case MesosEvent::Type::kTaskAdded:
      for (const auto& t : e.tasks) {
        if (terminal(t.task.state)) {  // ended: one held from before goes
          if (held_.erase({t.frameworkId, t.task.id}) > 0) {
            auto& tasks = tasks_[t.frameworkId];
            applied.changed = applied.changed || makesRecords(*tasks.at(t.task.id));
            tasks.erase(t.task.id);
            if (tasks.empty()) tasks_.erase(t.frameworkId);
            touched(t.frameworkId, t.task.id);
          }
          continue;
        }
        auto& held = tasks_[t.frameworkId][t.task.id];
        applied.changed = applied.changed || (held && makesRecords(*held)) || makesRecords(t.task);
        held = revised(t.task);
        touched(t.frameworkId, t.task.id);
        held_.erase({t.frameworkId, t.task.id});  // announced: live, no longer kept from before
      }
      break;
    case MesosEvent::Type::kTaskUpdated: {
      const auto fw = tasks_.find(e.frameworkId);
      const bool held = fw != tasks_.end() && fw->second.contains(e.taskId);
      if (!held) {
        if (!terminal(e.state)) {
          applied.problem = "TASK_UPDATED for task " + e.taskId + " of framework " + e.frameworkId +
                            ", which the stream did not announce";
        }
        break;
      }
      auto& slot = fw->second.at(e.taskId);
      const bool hadRecords = makesRecords(*slot);
      held_.erase({e.frameworkId, e.taskId});
      touched(e.frameworkId, e.taskId);
      if (terminal(e.state)) {
        fw->second.erase(e.taskId);
        if (fw->second.empty()) tasks_.erase(fw);
        applied.changed = hadRecords;
        break;
      }
      Task task = *slot;
      task.state = e.state;
      if (e.status) {
        if (!task.statuses.empty() && task.statuses.back().state == e.status->state) {
          task.statuses.back() = *e.status;
        } else {
          task.statuses.push_back(*e.status);
        }
      }
      // Only running tasks make records: a staging task's statuses change none.
      applied.changed = hadRecords || makesRecords(task);
      slot = revised(std::move(task));
      break;
    }
    case MesosEvent::Type::kAgentAdded:
      for (const auto& a : e.agents) {
        if (a.id.empty()) {
          applied.problem = "AGENT_ADDED without an agent id";
          continue;
        }
        agents_[a.id] = a;
        std::erase(recoveredAgents_, a.id);
        changedWhole();
        if (!held_.empty()) returned_.insert(a.id);  // its live tasks come as TASK_ADDED: settleReturned
        applied.changed = true;
      }
      break;
    case MesosEvent::Type::kAgentRemoved: {
      if (e.agentId.empty()) {
        applied.problem = "AGENT_REMOVED without an agent id";
        break;
      }
      if (agents_.erase(e.agentId) == 0) applied.problem = "AGENT_REMOVED for agent " + e.agentId + ", not held";
      changedWhole();
      std::erase(recoveredAgents_, e.agentId);
      dropHeld(e.agentId);
      for (auto fw = tasks_.begin(); fw != tasks_.end();) {
        std::erase_if(fw->second, [&e](const auto& entry) { return entry.second->slaveId == e.agentId; });
        fw = fw->second.empty() ? tasks_.erase(fw) : std::next(fw);
      }
      applied.changed = true;
      break;
    }
    case MesosEvent::Type::kFrameworkAdded:
    case MesosEvent::Type::kFrameworkUpdated:
      for (const auto& f : e.frameworks) {
        const auto before = frameworks_.find(f.id);
        const bool changed =
            before == frameworks_.end() || before->second.name != f.name || before->second.hostname != f.hostname;
        applied.changed = applied.changed || changed;
        if (changed) changedWhole();
        frameworks_[f.id] = f;
      }
      break;
    case MesosEvent::Type::kFrameworkRemoved:
      for (const auto& f : e.frameworks) {
        frameworks_.erase(f.id);
        tasks_.erase(f.id);
        changedWhole();
        std::erase_if(held_, [&f](const auto& key) { return key.first == f.id; });
        applied.changed = true;
      }
      break;
    case MesosEvent::Type::kSubscribed:  // reset() takes those
    case MesosEvent::Type::kHeartbeat:
    case MesosEvent::Type::kUnknown:
      break;
  }
  return applied;
}

MesosState ClusterModel::state() const { return sharedState().materialize(); }

SharedState ClusterModel::sharedState() const {
  SharedState shared;
  MesosState& s = shared.cluster;
  s.leader = leader_;
  // The stream gives no election time: the subscription's stands in for it, so that agents still
  // to re-register are waited for at most the re-registration window after it.
  s.electedTime = subscribedAt_;
  s.recoveredSlaves = recoveredAgents_;
  for (const auto& [id, f] : frameworks_) {
    Framework& out = s.frameworks.emplace_back();
    out.name = f.name;
    out.hostname = f.hostname;
    if (const auto pid = frameworkPids_.find(id); pid != frameworkPids_.end()) out.pid = pid->second;
    auto& tasks = shared.tasks.emplace_back();
    if (const auto held = tasks_.find(id); held != tasks_.end()) {
      tasks.reserve(held->second.size());
      for (const auto& [taskId, task] : held->second) tasks.push_back(task);
    }
  }
  for (const auto& [id, a] : agents_) s.slaves.push_back(Slave{a.id, a.hostname, a.pid});
  return shared;
}

void ClusterModel::touched(const std::string& frameworkId, const std::string& taskId) {
  if (!changes_.whole) changes_.tasks.emplace(frameworkId, taskId);
}

void ClusterModel::changedWhole() {
  changes_.whole = true;
  changes_.tasks.clear();
}

ClusterModel::Changes ClusterModel::takeChanges() {
  Changes taken = std::move(changes_);
  changes_ = Changes{false, {}};
  return taken;
}

const Task* ClusterModel::task(const std::string& frameworkId, const std::string& taskId) const {
  const auto fw = tasks_.find(frameworkId);
  if (fw == tasks_.end()) return nullptr;
  const auto task = fw->second.find(taskId);
  return task == fw->second.end() ? nullptr : task->second.get();
}

const std::string* ClusterModel::frameworkName(const std::string& frameworkId) const {
  const auto f = frameworks_.find(frameworkId);
  return f == frameworks_.end() ? nullptr : &f->second.name;
}

bool ClusterModel::frameworkNamesUnique() const {
  std::set<std::string_view> names;
  for (const auto& [id, f] : frameworks_) {
    if (!names.insert(f.name).second) return false;
  }
  return true;
}

bool ClusterModel::setFrameworkPids(std::map<std::string, Upid> pids) {
  const auto same = [](const std::optional<Upid>& a, const std::optional<Upid>& b) {
    return a.has_value() == b.has_value() && (!a || (a->id == b->id && a->host == b->host && a->port == b->port));
  };
  bool changed = false;
  for (const auto& [id, f] : frameworks_) {
    const auto before = frameworkPids_.find(id);
    const auto after = pids.find(id);
    changed = changed || !same(before == frameworkPids_.end() ? std::nullopt : std::optional<Upid>(before->second),
                               after == pids.end() ? std::nullopt : std::optional<Upid>(after->second));
  }
  frameworkPids_ = std::move(pids);
  if (changed) changedWhole();
  return changed;
}

size_t ClusterModel::taskCount() const {
  size_t n = 0;
  for (const auto& [id, tasks] : tasks_) n += tasks.size();
  return n;
}

}  // namespace mdns
