// What one small change costs in each stage between a cluster state and the answers served, at the
// size of a given state: the whole records generated again, the difference found, the answer
// table built from scratch against patched, the set patched by a difference (a secondary's IXFR),
// the content hash, the record book's update. Each round moves one running task to a new container address.
//
// usage: pipeline_bench STATE.json [ROUNDS]   (a state from tests/bench/make_state.py)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/answer_table.h"
#include "common/mesos_state.h"
#include "common/record_book.h"
#include "common/record_generator.h"
#include "common/zone_diff.h"

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Series {
  std::vector<double> ms;
  double median() {
    std::sort(ms.begin(), ms.end());
    return ms.empty() ? 0 : ms[ms.size() / 2];
  }
  double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

}  // namespace

int main(int argc, char** argv) {
  using namespace mdns;
  if (argc < 2) {
    std::fprintf(stderr, "usage: pipeline_bench STATE.json [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::stoi(argv[2]) : 20;
  std::ifstream in(argv[1]);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  auto parsed = parseMesosState(text);
  if (!parsed.state) {
    std::fprintf(stderr, "%s: %s\n", argv[1], parsed.error.c_str());
    return 1;
  }
  MesosState state = std::move(*parsed.state);
  GeneratorOptions options;
  const HostResolver noLookups = [](const std::string&) { return std::vector<IpAddress>{}; };
  std::vector<std::pair<const Framework*, Task*>> running;
  uint64_t revision = 0;  // numbered as a hub's ClusterModel numbers each write of a task
  for (auto& f : state.frameworks) {
    for (auto& t : f.tasks) {
      t.revision = ++revision;
      if (t.state == "TASK_RUNNING" && !t.statuses.empty() && !t.statuses.back().networkIps.empty()) {
        running.emplace_back(&f, &t);
      }
    }
  }
  RecordSet records = generateRecords(state, options, noLookups).records;
  RecordBook book(options);
  book.update(state, noLookups);
  RecordBook told(options);  // told which task changed, as a hub's model tells it
  told.update(state, noLookups);
  ZoneOptions zone;
  auto table = AnswerTable::build(records, zone);
  std::printf("%zu running tasks with container addresses, %zu records, %zu names, table %zu KiB\n", running.size(),
              records.countA() + records.countAAAA() + records.countSrv(), table->nameCount(),
              table->memoryBytes() / 1024);
  std::map<std::string, Series> series;
  size_t rebuilt = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto [framework, changed] = running[static_cast<size_t>(round * 7919) % running.size()];
    Task& task = *changed;
    task.revision = ++revision;
    for (auto& status : task.statuses) {
      for (auto& address : status.networkIps)
        address = "172.31." + std::to_string(round / 250) + "." + std::to_string(1 + round % 250);
    }
    auto t = Clock::now();
    RecordSet next = generateRecords(state, options, noLookups).records;
    series["generate (whole state)"].ms.push_back(msSince(t));
    t = Clock::now();
    const auto booked = book.update(state, noLookups);
    series["record book update"].ms.push_back(msSince(t));
    t = Clock::now();
    const auto toldUpdate = told.updateTasks({RecordBook::TaskChange{framework->name, task.id, &task}});
    series["record book, task named"].ms.push_back(msSince(t));
    if (booked.tasksGenerated != 1 || !(*booked.records == next) || toldUpdate.tasksGenerated != 1 ||
        !(*toldUpdate.records == next) || toldUpdate.diff.recordCount() != booked.diff.recordCount()) {
      std::fprintf(stderr, "round %d: the record book differs from the generator\n", round);
      return 1;
    }
    t = Clock::now();
    const ZoneDiff diff = diffRecordSets(records, next);
    series["diff"].ms.push_back(msSince(t));
    ++zone.soaSerial;
    t = Clock::now();
    auto built = AnswerTable::build(next, zone, table.get());
    series["table built"].ms.push_back(msSince(t));
    t = Clock::now();
    auto patched = AnswerTable::patch(*table, records, next, diff, zone);
    series["table patched"].ms.push_back(msSince(t));
    if (!patched) ++rebuilt;
    t = Clock::now();
    auto applied = applyDiff(records, diff.removed, diff.added);
    series["set patched (applyDiff)"].ms.push_back(msSince(t));
    t = Clock::now();
    const auto hash = next.contentHash();
    series["content hash"].ms.push_back(msSince(t));
    if (!applied || diffRecordSets(*applied, next).recordCount() != 0 || hash == std::array<uint64_t, 2>{}) {
      std::fprintf(stderr, "round %d: the patched set differs from the generated one\n", round);
      return 1;
    }
    table = patched ? patched : built;
    records = std::move(next);
  }
  std::printf("%-26s %10s %10s   (%d rounds, one task's address changed in each; %zu tables built again)\n", "stage",
              "median ms", "max ms", rounds, rebuilt);
  for (auto& [name, s] : series) std::printf("%-26s %10.2f %10.2f\n", name.c_str(), s.median(), s.max());
  return 0;
}
