// A hub's records kept task by task, so that a new state of the cluster costs what changed in it
// rather than generating everything again (141 ms at 10,000 tasks, tests/bench/pipeline_bench).
//
// Each running task's records come from common/record_generator's rules for that task alone
// (generateTaskRecords); the records that are no task's (frameworks, agents, masters, the name
// server) from the state without its tasks. Every record is counted by the parts that make it;
// a new state generates again only the tasks whose fields, agent addresses or app health (with
// healthyOnly) differ from what the book holds, and the records whose count leaves or reaches
// zero are the difference, which patches the previous set (RecordSet::patched). A hub's model
// also says which tasks an event batch wrote (ClusterModel::takeChanges): updateTasks() then
// looks at those alone, not at every task of the state (19 -> 0.1 ms at 10,000 tasks). PTR records
// follow the generator's rule from counted (address, canonical name) pairs. The result equals
// generateRecords() on the same state (tests/unit/test_record_book.cc).
//
// Memory: the state's tasks once more, and each record's text with its count (some 30 MB at
// 10,000 tasks): meant for hubs, which keep one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/cluster_model.h"
#include "common/mesos_state.h"
#include "common/record_generator.h"
#include "common/record_set.h"
#include "common/zone_diff.h"

namespace mdns {

class RecordBook {
 public:
  // `options.enumerate` is ignored: the book makes no enumeration.
  explicit RecordBook(GeneratorOptions options);

  struct Update {
    std::shared_ptr<const RecordSet> records;  // finalized, with PTR records (the book keeps it too)
    ZoneDiff diff;  // the forward records that went and came since the previous update (serials 0)
    std::vector<std::string> warnings;
    size_t unhealthyLeftOut = 0;
    size_t tasksGenerated = 0;  // tasks whose records were made again
    // The host names looked up for the state's agents and frameworks, with what they gave.
    std::shared_ptr<const std::unordered_map<std::string, std::vector<IpAddress>>> hostsResolved;
  };
  // The records of `state`, and how they differ from the previous update's (on the first, every
  // record is new).
  Update update(const MesosState& state, const HostResolver& resolveHost);

  // A task of the state that changed: written (`task`) or gone (nullptr).
  struct TaskChange {
    std::string_view framework;  // its name
    std::string_view id;
    const Task* task = nullptr;
  };
  // The records after `changes` to the tasks of the last state (update()'s, changed by
  // updateTasks since), its leader, agents and frameworks the same, and no two frameworks of one
  // name: the cost of the changes, not of the state. Only after an update().
  Update updateTasks(const std::vector<TaskChange>& changes);
  bool holdsState() const { return updates_ > 0; }

  const GeneratorOptions& options() const { return options_; }

 private:
  using Count = std::pair<const std::string, uint32_t>;  // a record's key and how many parts make it
  struct App;
  struct Part {
    Task task;
    std::string framework;
    std::vector<IpAddress> agent;
    bool shared = true;
    bool healthy = true;         // healthyOnly: its newest status does not say unhealthy
    bool stale = false;          // to be generated again (in stale_)
    uint32_t frameworkCopy = 0;  // which of the state's frameworks of that name (0: the first)
    uint64_t seen = 0;           // the update that last found it in the state
    App* app = nullptr;          // healthyOnly: the app it is an instance of
    std::vector<Count*> records;
    std::vector<std::pair<IpAddress, std::string>> reverse;  // PTR candidates: (address, canonical name)
    std::array<size_t, 4> dropped{};                         // names left out, by NameProblem
    std::array<std::string, 4> droppedExample;
  };
  // healthyOnly's unit: the instances (running tasks on known agents) of one framework's app.
  struct App {
    std::string key;  // framework name, NUL, app name
    std::unordered_set<Part*> parts;
    size_t healthy = 0;      // instances that are healthy
    bool servesAll = false;  // no instance is healthy, so all are served (as last resolved)
    bool dirty = false;      // in dirtyApps_
  };
  using Parts = std::unordered_map<std::string, Part>;

  // The task at `key` is `task` (running, on an agent with `agent`'s addresses): marked stale when
  // it differs from what the book holds.
  void put(Parts::iterator at, bool isNew, const Task& task, std::string_view framework, uint32_t frameworkCopy,
           const std::vector<IpAddress>& agent);
  // The part goes with its records.
  Parts::iterator drop(Parts::iterator at);
  void join(Part& part);   // healthyOnly: enters the part in its app
  void leave(Part& part);  // and takes it out
  // Generates the stale parts again, and the parts whose app's health decides otherwise now; then
  // the difference, the patched set, its PTR records and warnings: what update() and updateTasks()
  // share. `agents`: the agents' addresses when they may have changed (null: the same).
  Update finish(const std::vector<IpAddress>* agents);
  // Counts `part`'s records into delta_, and its PTR candidates into reverse_, with `sign` (+1 or -1).
  void count(const Part& part, int sign);
  // `part`'s records from `generated`, each entered in counts_ (with 0 when new).
  void take(Part& part, TaskRecords generated);
  // Gives `set` its PTR records, from reverse_: decided again for the addresses touched_, or for
  // all when the agents' addresses changed (`agents`, null when they are the same) or when many
  // were touched.
  void setReverse(RecordSet& set, const std::vector<IpAddress>* agents);
  // Whether `ip` gets a PTR record, and to which name.
  const std::string* pointerOf(const IpAddress& ip) const;

  GeneratorOptions options_;
  Parts parts_;  // "\x01cluster", or framework name, NUL, task id
  std::unordered_map<std::string, uint32_t> counts_;
  std::unordered_map<Count*, int> delta_;  // this update's changes of counts_
  std::unordered_set<Part*> stale_;
  std::unordered_map<std::string, App> apps_;  // healthyOnly
  std::vector<App*> dirtyApps_;
  size_t leftOut_ = 0;  // parts not shared (healthyOnly)
  // PTR candidates by address: each canonical name with the number of parts that make it.
  std::map<IpAddress, std::vector<std::pair<std::string, uint32_t>>> reverse_;
  std::set<IpAddress> touched_;  // addresses whose candidates changed in this update
  struct Pointer {
    IpAddress ip;
    std::string name;
    RecordSet::NameRef ref = 0;  // where the set holds the name, when its text has textId
    uint64_t textId = 0;
  };
  std::vector<Pointer> ptr_;           // the PTR records, sorted by address
  std::array<uint64_t, 2> ptrHash_{};  // their part of the set's contentHash()
  std::vector<IpAddress> agents_;      // sorted: addresses that get no PTR record
  std::array<size_t, 4> dropped_{};    // every part's names left out, by NameProblem
  // From the last update()'s state without its tasks: what updateTasks() takes as it was.
  std::unordered_map<std::string, std::vector<IpAddress>> agentAddresses_;
  std::vector<std::string> clusterWarnings_;
  std::shared_ptr<const std::unordered_map<std::string, std::vector<IpAddress>>> hostsResolved_;
  std::shared_ptr<const RecordSet> records_;  // the last update's
  uint64_t updates_ = 0;
};

// How a hub's book follows its ClusterModel: by the tasks the model says changed (`changes`,
// from takeChanges()), or by its whole state when more changed, the book holds none yet, or two
// frameworks share a name. `tasksOnly`, when given, tells which.
RecordBook::Update followModel(RecordBook& book, const ClusterModel& model, const ClusterModel::Changes& changes,
                               const HostResolver& resolveHost, bool* tasksOnly = nullptr);

}  // namespace mdns
