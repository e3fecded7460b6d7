// The parts of a Mesos master's /master/state document that DNS records are made of, and the
// parser that reads them. Lenient per element (a bad task costs that task, not the refresh),
// strict about the document as a whole: a document cut short, with broken structure or content
// after it is refused. It is read with simdjson's On-Demand API (3.5x nlohmann's SAX reader at
// 10,000 tasks, tests/bench/poll_bench.py): the values it does not use are skipped by structure,
// so a malformed number or literal inside a skipped field goes unnoticed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdns {

// A libprocess PID, "id@host:port".
struct Upid {
  std::string id;
  std::string host;
  std::string port;
  static std::optional<Upid> parse(std::string_view text);
};

struct TaskStatus {
  std::string state;
  double timestamp = 0;
  std::vector<std::pair<std::string, std::string>> labels;  // key, value
  std::vector<std::string> networkIps;                      // container_status.network_infos
  std::optional<bool> healthy;  // the health check's verdict (Marathon/Mesos health checks), when it has one
  bool operator==(const TaskStatus&) const = default;
};

struct DiscoveryPort {
  int number = 0;
  std::string name;
  std::string protocol;
  bool operator==(const DiscoveryPort&) const = default;
};

struct Task {
  std::string id;
  std::string name;
  std::string slaveId;
  std::string state;
  std::string portRanges;  // resources.ports, e.g. "[31000-31001, 31005-31005]"
  std::vector<TaskStatus> statuses;
  std::string discoveryName;  // empty: no DiscoveryInfo
  std::vector<DiscoveryPort> discoveryPorts;
  // Set by a hub's ClusterModel each time it writes the task (unique in the process; 0 for a task
  // read from a state document): the same revision is the same content, which spares the record
  // book comparing the task field by field.
  uint64_t revision = 0;

  // The ports of resources.ports, expanded. "[31000]" is one port (mesos-dns crashes on it).
  std::vector<int> ports() const;
  // The newest status (by timestamp) says `healthy: false`: its health check fails.
  bool unhealthy() const;
  bool operator==(const Task&) const = default;
};

struct Framework {
  std::string name;
  std::optional<Upid> pid;
  std::string hostname;
  std::vector<Task> tasks;
};

struct Slave {
  std::string id;
  std::string hostname;
  std::optional<Upid> pid;
};

struct MesosState {
  std::string leader;      // the leading master's PID, "master@10.0.0.1:5050"
  double electedTime = 0;  // when the leader was elected (unix seconds; 0: not given)
  // Agents the leader knows from its registry but that have not re-registered with it since its
  // election: their tasks are missing from the state until they do (recovered_slaves).
  std::vector<std::string> recoveredSlaves;
  std::vector<Framework> frameworks;
  std::vector<Slave> slaves;
};

// A state whose tasks are shared, not copied: what a hub's ClusterModel hands each version for
// /v1/enumerate at the cost of a pointer per task (copying the tasks cost 15 ms at 10,000 tasks).
struct SharedState {
  MesosState cluster;                                           // its frameworks without tasks
  std::vector<std::vector<std::shared_ptr<const Task>>> tasks;  // by index of cluster.frameworks
  MesosState materialize() const;                               // the state with copies of the tasks
};

struct StateParseResult {
  std::optional<MesosState> state;
  std::string error;                  // why the document was refused
  std::vector<std::string> warnings;  // elements skipped, each with where and why
};

// What a refresh looks at before deciding to build: the leader, its election, the agents still to
// re-register, and a digest of every value MesosState would hold, as written (no strings
// unescaped, nothing allocated: a third of parseMesosState's time at 10,000 tasks). Equal digests
// mean equal MesosStates; `error` is parseMesosState's for the same text.
struct StateSummary {
  std::string error;
  std::string leader;
  double electedTime = 0;
  size_t recoveredSlaves = 0;
  std::array<uint64_t, 2> digest{};
};
StateSummary summarizeMesosState(std::string& text);

// `text` may get room added after its end (simdjson reads past the last byte); its content is
// left as it is.
StateParseResult parseMesosState(std::string& text);
StateParseResult parseMesosState(std::string_view json);  // reads a padded copy

}  // namespace mdns
