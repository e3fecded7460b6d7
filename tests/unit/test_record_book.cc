// The record book (a hub's records kept task by task) must give, for every state, exactly the
// records generateRecords() makes of that state from scratch, PTR records included, while
// generating again only the tasks that changed. Checked over a random history of our fixture:
// tasks that start, stop, move, fail health checks or appear twice, agents that go and come back
// (also on another address),
// a framework renamed, a new leader.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/record_book.h"
#include "common/record_generator.h"
#include "tests/unit/record_text.h"

namespace mdns {
namespace {

MesosState fixture() {
  std::ifstream in(std::string(MDNS_FIXTURES) + "/cluster_state.json");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parseMesosState(text.str());
  EXPECT_TRUE(parsed.state) << parsed.error;
  return parsed.state.value_or(MesosState{});
}

std::string text(const RecordSet& set) { return testing_records::text(set, true); }

HostResolver resolver() {
  return [](const std::string& host) {
    std::vector<IpAddress> out;
    if (host == "agent-5.dc1.internal") out.push_back(*IpAddress::parse("10.20.1.15"));
    if (host == "sched.dc1.internal") out.push_back(*IpAddress::parse("10.20.0.10"));
    return out;
  };
}

GeneratorOptions options(bool healthyOnly) {
  GeneratorOptions o;
  o.nameServerAddresses = {*IpAddress::parse("127.0.0.1")};
  o.masters = {"10.20.0.5:5050", "10.20.0.6:5050"};
  o.healthyOnly = healthyOnly;
  return o;
}

// One random change of the kind a cluster goes through.
void change(MesosState& state, std::mt19937& random, std::vector<Slave>& removedAgents, int step) {
  std::vector<Task*> tasks;
  for (auto& f : state.frameworks) {
    for (auto& t : f.tasks) tasks.push_back(&t);
  }
  auto anyTask = [&]() -> Task& { return *tasks[random() % tasks.size()]; };
  const std::string address = "10.30." + std::to_string(random() % 4) + "." + std::to_string(1 + random() % 50);
  switch (random() % 11) {
    case 0: {  // a task ends (dropped from the state)
      auto& f = state.frameworks[random() % state.frameworks.size()];
      if (!f.tasks.empty()) f.tasks.erase(f.tasks.begin() + static_cast<long>(random() % f.tasks.size()));
      break;
    }
    case 1:
    case 2: {  // a new instance of an app, on a new address
      auto& f = state.frameworks[random() % state.frameworks.size()];
      if (f.tasks.empty()) break;
      Task copy = f.tasks[random() % f.tasks.size()];
      copy.id = copy.name + ".clone-" + std::to_string(step);
      for (auto& s : copy.statuses) s.networkIps = {address};
      f.tasks.push_back(copy);
      break;
    }
    case 3: {  // a task stops running, or runs again
      Task& t = anyTask();
      t.state = t.state == "TASK_RUNNING" ? "TASK_KILLED" : "TASK_RUNNING";
      break;
    }
    case 4: {  // its health check fails, or passes
      Task& t = anyTask();
      for (auto& s : t.statuses) s.healthy = random() % 2 == 0;
      break;
    }
    case 5: {  // it moves to another container address (two tasks may come to share one)
      for (auto& s : anyTask().statuses) s.networkIps = {address};
      break;
    }
    case 6: {  // an agent goes, or one that went comes back
      if (!removedAgents.empty() && random() % 2 == 0) {
        state.slaves.push_back(removedAgents.back());
        removedAgents.pop_back();
      } else if (!state.slaves.empty()) {
        const auto at = state.slaves.begin() + static_cast<long>(random() % state.slaves.size());
        removedAgents.push_back(*at);
        state.slaves.erase(at);
      }
      break;
    }
    case 7: {  // a framework is renamed
      auto& name = state.frameworks[random() % state.frameworks.size()].name;
      name = name.ends_with("-b") ? name.substr(0, name.size() - 2) : name + "-b";
      break;
    }
    case 8:  // a new leader
      state.leader = state.leader == "master@10.20.0.5:5050" ? "master@10.20.0.6:5050" : "master@10.20.0.5:5050";
      break;
    case 9: {  // an agent comes back on another address
      auto& agent = state.slaves[random() % state.slaves.size()];
      if (agent.pid) agent.pid->host = agent.pid->host == "10.20.1.99" ? "10.20.1.98" : "10.20.1.99";
      break;
    }
    default:  // its ports change
      anyTask().portRanges = "[" + std::to_string(31000 + random() % 5) + "-31005]";
      break;
  }
}

TEST(RecordBook, EveryStateOfARandomHistoryGivesTheRecordsGeneratedFromScratch) {
  for (const bool healthyOnly : {false, true}) {
    std::mt19937 random(healthyOnly ? 11 : 5);
    MesosState state = fixture();
    ASSERT_FALSE(state.frameworks.empty());
    std::vector<Slave> removedAgents;
    RecordBook book(options(healthyOnly));
    RecordSet previous;
    previous.finalize();
    for (int step = 0; step < 300; ++step) {
      if (step > 0) change(state, random, removedAgents, step);
      const auto fresh = generateRecords(state, options(healthyOnly), resolver());
      auto update = book.update(state, resolver());
      ASSERT_EQ(text(*update.records), text(fresh.records)) << "healthyOnly " << healthyOnly << ", step " << step;
      ASSERT_TRUE(*update.records == fresh.records);
      // The hash the book keeps for its PTR records is the one the set would compute.
      ASSERT_EQ(update.records->contentHash(), fresh.records.contentHash()) << "step " << step;
      EXPECT_EQ(update.unhealthyLeftOut, fresh.unhealthyLeftOut);
      if (step > 0) {
        // The difference the book reports is the one between the two versions.
        const ZoneDiff diff = diffRecordSets(previous, *update.records);
        ASSERT_EQ(text(update.diff.removed), text(diff.removed)) << "step " << step;
        ASSERT_EQ(text(update.diff.added), text(diff.added)) << "step " << step;
      }
      previous = *update.records;
    }
  }
}

TEST(RecordBook, ATaskThatChangesIsTheOnlyOneGeneratedAgain) {
  MesosState state = fixture();
  RecordBook book(options(false));
  const auto first = book.update(state, resolver());
  EXPECT_GT(first.tasksGenerated, 10u);
  EXPECT_EQ(book.update(state, resolver()).tasksGenerated, 0u);
  Task* running = nullptr;
  for (auto& f : state.frameworks) {
    for (auto& t : f.tasks) {
      if (t.state == "TASK_RUNNING" && running == nullptr) running = &t;
    }
  }
  ASSERT_NE(running, nullptr);
  for (auto& s : running->statuses) s.networkIps = {"10.99.0.1"};
  const auto moved = book.update(state, resolver());
  EXPECT_EQ(moved.tasksGenerated, 1u);
  EXPECT_GT(moved.diff.added.countA(), 0u);
  EXPECT_EQ(moved.diff.added.countSrv(), 0u) << "the SRV records point at names, which stay";
}

}  // namespace
}  // namespace mdns
