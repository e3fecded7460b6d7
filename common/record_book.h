// A hub's records kept task by task, so that a new state of the cluster costs what changed in it
// rather than generating everything again (141 ms at 10,000 tasks, tests/bench/pipeline_bench).
//
// Each running task's records come from common/record_generator's rules for that task alone
// (generateTaskRecords); the records that are no task's (frameworks, agents, masters, the name
// server) from the state without its tasks. Every record is counted by the parts that make it;
// a new state generates again only the tasks whose fields, agent addresses or app health (with
// healthyOnly) differ from what the book holds, and the records whose count leaves or reaches
// zero are the difference, which patches the previous set (RecordSet::patched). PTR records
// follow the generator's rule from counted (address, canonical name) pairs. The result equals
// generateRecords() on the same state (tests/unit/test_record_book.cc).
//
// Memory: the state's tasks once more, and each record's text with its count (some 30 MB at
// 10,000 tasks): meant for hubs, which keep one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

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
    RecordSet records;  // finalized, with PTR records
    ZoneDiff diff;      // the forward records that went and came since the previous update (serials 0)
    std::vector<std::string> warnings;
    size_t unhealthyLeftOut = 0;
    size_t tasksGenerated = 0;  // tasks whose records were made again
    std::unordered_map<std::string, std::vector<IpAddress>> hostsResolved;
  };
  // The records of `state`, and how they differ from the previous update's (on the first, every
  // record is new).
  Update update(const MesosState& state, const HostResolver& resolveHost);

  const GeneratorOptions& options() const { return options_; }

 private:
  using Count = std::pair<const std::string, uint32_t>;  // a record's key and how many parts make it
  struct Part {
    Task task;
    std::vector<IpAddress> agent;
    bool shared = true;
    uint64_t seen = 0;  // the update that last found it in the state
    std::vector<Count*> records;
    std::vector<std::pair<IpAddress, std::string>> reverse;  // PTR candidates: (address, canonical name)
    std::array<size_t, 4> dropped{};                         // names left out, by NameProblem
    std::array<std::string, 4> droppedExample;
  };
  // Counts `part`'s records into delta_, and its PTR candidates into reverse_, with `sign` (+1 or -1).
  void count(const Part& part, int sign);
  // `part`'s records from `generated`, each entered in counts_ (with 0 when new).
  void take(Part& part, TaskRecords generated);
  // The PTR records of records_, from reverse_ (decided again for the addresses touched_, or for
  // all when the agents' addresses changed).
  ReversePointers reversePointers(std::vector<IpAddress> agents);

  GeneratorOptions options_;
  std::unordered_map<std::string, Part> parts_;  // "\x01cluster", or framework name, NUL, task id
  std::unordered_map<std::string, uint32_t> counts_;
  std::unordered_map<Count*, int> delta_;  // this update's changes of counts_
  // PTR candidates by address: each canonical name with the number of parts that make it.
  std::map<IpAddress, std::vector<std::pair<std::string, uint32_t>>> reverse_;
  std::set<IpAddress> touched_;  // addresses whose candidates changed in this update
  struct Pointer {
    std::string name;
    RecordSet::NameRef ref = 0;  // where records_ holds the name, when its text has textId
    uint64_t textId = 0;
  };
  std::map<IpAddress, Pointer> ptr_;  // the PTR records by address
  std::vector<IpAddress> agents_;     // sorted: addresses that get no PTR record
  std::array<size_t, 4> dropped_{};   // every part's names left out, by NameProblem
  RecordSet records_;                 // the last update's
  uint64_t updates_ = 0;
};

}  // namespace mdns
