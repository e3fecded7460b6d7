#include "common/mesos_state.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/ip_address.h"

namespace mdns {
namespace {

using nlohmann::json;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> parseExactInt(std::string_view s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Reads a master state with nlohmann's SAX interface straight into MesosState: no document tree
// (which costs ~8x the text), and every subtree we do not use is skipped as it streams by.
class StateReader final : public nlohmann::json_sax<json> {
 public:
  explicit StateReader(StateParseResult& result) : result_(result) {}

  MesosState state;
  bool sawTopObject = false;
  std::string error;

  // Where we are. Arrays of elements keep their element count for messages.
  enum class At {
    kTop,
    kRecoveredSlaves,
    kRecoveredSlave,
    kFrameworks,
    kFramework,
    kTasks,
    kTask,
    kResources,
    kStatuses,
    kStatus,
    kLabels,
    kLabel,
    kContainerStatus,
    kNetworkInfos,
    kNetworkInfo,
    kIpAddresses,
    kIpAddress,
    kDiscovery,
    kDiscoveryPortsObject,
    kDiscoveryPorts,
    kDiscoveryPort,
    kSlaves,
    kSlave,
    kSkip
  };

  bool null() override { return scalar(); }
  bool boolean(bool v) override {
    if (skip_ == 0 && top() == At::kStatus && key_ == "healthy") status().healthy = v;
    return scalar();
  }
  bool number_integer(number_integer_t v) override { return number(static_cast<double>(v), true, v); }
  bool number_unsigned(number_unsigned_t v) override {
    return number(static_cast<double>(v), v <= INT64_MAX, static_cast<int64_t>(v));
  }
  bool number_float(number_float_t v, const string_t&) override { return number(v, false, 0); }
  bool binary(binary_t&) override { return scalar(); }

  bool string(string_t& v) override {
    if (skip_ > 0) return true;
    const At at = top();
    if (isArray(at)) return element(false);
    if (at == At::kTop && key_ == "leader")
      state.leader = std::move(v);
    else if (at == At::kFramework && key_ == "name")
      framework().name = std::move(v);
    else if (at == At::kFramework && key_ == "pid")
      framework().pid = Upid::parse(v);
    else if (at == At::kFramework && key_ == "hostname")
      framework().hostname = std::move(v);
    else if (at == At::kTask && key_ == "id")
      task().id = std::move(v);
    else if (at == At::kTask && key_ == "name")
      task().name = std::move(v);
    else if (at == At::kTask && key_ == "slave_id")
      task().slaveId = std::move(v);
    else if (at == At::kTask && key_ == "state")
      task().state = std::move(v);
    else if (at == At::kResources && key_ == "ports")
      task().portRanges = std::move(v);
    else if (at == At::kStatus && key_ == "state")
      status().state = std::move(v);
    else if (at == At::kLabel && key_ == "key")
      status().labels.back().first = std::move(v);
    else if (at == At::kLabel && key_ == "value")
      status().labels.back().second = std::move(v);
    else if (at == At::kNetworkInfo && key_ == "ip_address")
      netinfoSingle_ = std::move(v);
    else if (at == At::kIpAddress && key_ == "ip_address")
      netinfoIps_.push_back(std::move(v));
    else if (at == At::kDiscovery && key_ == "name")
      task().discoveryName = std::move(v);
    else if (at == At::kDiscoveryPort && key_ == "name")
      task().discoveryPorts.back().name = std::move(v);
    else if (at == At::kDiscoveryPort && key_ == "protocol")
      task().discoveryPorts.back().protocol = std::move(v);
    else if (at == At::kSlave && key_ == "id")
      slave().id = std::move(v);
    else if (at == At::kRecoveredSlave && key_ == "id")
      state.recoveredSlaves.push_back(std::move(v));
    else if (at == At::kSlave && key_ == "hostname")
      slave().hostname = std::move(v);
    else if (at == At::kSlave && key_ == "pid")
      slave().pid = Upid::parse(v);
    return true;
  }

  bool key(string_t& k) override {
    if (skip_ == 0) key_ = std::move(k);
    return true;
  }

  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    error = "not valid JSON (at byte " + std::to_string(position) + "): " + e.what();
    return false;
  }

 private:
  static bool isArray(At at) {
    switch (at) {
      case At::kFrameworks:
      case At::kTasks:
      case At::kStatuses:
      case At::kLabels:
      case At::kNetworkInfos:
      case At::kIpAddresses:
      case At::kDiscoveryPorts:
      case At::kSlaves:
      case At::kRecoveredSlaves:
        return true;
      default:
        return false;
    }
  }
  At top() const { return stack_.empty() ? At::kTop : stack_.back().at; }
  Framework& framework() { return state.frameworks.back(); }
  Task& task() { return framework().tasks.back(); }
  TaskStatus& status() { return task().statuses.back(); }
  Slave& slave() { return state.slaves.back(); }

  std::string where() const {
    std::string w;
    for (const auto& f : stack_) {
      if (f.at == At::kFrameworks) w += "frameworks[" + std::to_string(f.count - 1) + "]";
      if (f.at == At::kTasks) w += ".tasks[" + std::to_string(f.count - 1) + "]";
      if (f.at == At::kSlaves) w += "slaves[" + std::to_string(f.count - 1) + "]";
    }
    return w;
  }

  // An element of one of our arrays begins; objects are read, anything else is skipped (with a
  // warning for the elements that are records: frameworks, tasks, slaves).
  bool element(bool isObject) {
    Frame& array = stack_.back();
    ++array.count;
    if (!isObject) {
      if (array.at == At::kFrameworks || array.at == At::kTasks || array.at == At::kSlaves) {
        result_.warnings.push_back(where() + ": not an object, skipped");
      }
      return true;
    }
    switch (array.at) {
      case At::kFrameworks:
        state.frameworks.emplace_back();
        return push(At::kFramework);
      case At::kTasks:
        framework().tasks.emplace_back();
        return push(At::kTask);
      case At::kStatuses:
        task().statuses.emplace_back();
        return push(At::kStatus);
      case At::kLabels:
        status().labels.emplace_back();
        return push(At::kLabel);
      case At::kNetworkInfos:
        netinfoIps_.clear();
        netinfoSingle_.clear();
        return push(At::kNetworkInfo);
      case At::kIpAddresses:
        return push(At::kIpAddress);
      case At::kDiscoveryPorts:
        task().discoveryPorts.emplace_back();
        return push(At::kDiscoveryPort);
      case At::kSlaves:
        state.slaves.emplace_back();
        return push(At::kSlave);
      case At::kRecoveredSlaves:
        return push(At::kRecoveredSlave);
      default:
        return push(At::kSkip);
    }
  }

  bool open(bool isArrayValue) {
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    if (stack_.empty() && !sawTopObject) {
      if (isArrayValue) {
        error = "expected a JSON object at the top";
        return false;
      }
      sawTopObject = true;
      return push(At::kTop);
    }
    const At at = top();
    if (isArray(at)) {
      if (isArrayValue) {
        element(false);
        skip_ = 1;
        return true;
      }
      return element(true);
    }
    At child = At::kSkip;
    if (isArrayValue) {
      if (at == At::kTop && key_ == "frameworks")
        child = At::kFrameworks;
      else if (at == At::kTop && key_ == "slaves")
        child = At::kSlaves;
      else if (at == At::kTop && key_ == "recovered_slaves")
        child = At::kRecoveredSlaves;
      else if (at == At::kFramework && key_ == "tasks")
        child = At::kTasks;
      else if (at == At::kTask && key_ == "statuses")
        child = At::kStatuses;
      else if (at == At::kStatus && key_ == "labels")
        child = At::kLabels;
      else if (at == At::kContainerStatus && key_ == "network_infos")
        child = At::kNetworkInfos;
      else if (at == At::kNetworkInfo && key_ == "ip_addresses")
        child = At::kIpAddresses;
      else if (at == At::kDiscoveryPortsObject && key_ == "ports")
        child = At::kDiscoveryPorts;
    } else {
      if (at == At::kTask && key_ == "resources")
        child = At::kResources;
      else if (at == At::kTask && key_ == "discovery")
        child = At::kDiscovery;
      else if (at == At::kStatus && key_ == "container_status")
        child = At::kContainerStatus;
      else if (at == At::kDiscovery && key_ == "ports")
        child = At::kDiscoveryPortsObject;
    }
    if (child == At::kSkip) {
      skip_ = 1;
      return true;
    }
    return push(child);
  }

  bool close() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    if (stack_.empty()) return true;
    const At at = stack_.back().at;
    if (at == At::kNetworkInfo) {
      // Mesos 0.26+ lists ip_addresses; 0.25 had a single ip_address.
      auto& ips = status().networkIps;
      if (!netinfoIps_.empty()) {
        ips.insert(ips.end(), netinfoIps_.begin(), netinfoIps_.end());
      } else if (!netinfoSingle_.empty()) {
        ips.push_back(netinfoSingle_);
      }
    } else if (at == At::kSlave && slave().id.empty()) {
      result_.warnings.push_back(where() + ": no id, skipped");
      state.slaves.pop_back();
    }
    stack_.pop_back();
    return true;
  }

  bool scalar() {
    if (skip_ == 0 && isArray(top())) return element(false);
    return true;
  }

  bool number(double v, bool isInteger, int64_t i) {
    if (skip_ > 0) return true;
    const At at = top();
    if (isArray(at)) return element(false);
    if (at == At::kStatus && key_ == "timestamp") status().timestamp = v;
    if (at == At::kTop && key_ == "elected_time") state.electedTime = v;
    if (at == At::kDiscoveryPort && key_ == "number" && isInteger && i >= INT32_MIN && i <= INT32_MAX) {
      task().discoveryPorts.back().number = static_cast<int>(i);
    }
    return true;
  }

  bool push(At at) {
    stack_.push_back(Frame{at, 0});
    return true;
  }

  struct Frame {
    At at;
    size_t count;  // elements seen, for arrays
  };
  StateParseResult& result_;
  std::vector<Frame> stack_;
  std::string key_;
  int skip_ = 0;  // depth inside a subtree we do not read
  std::vector<std::string> netinfoIps_;
  std::string netinfoSingle_;
};

}  // namespace

bool Task::unhealthy() const {
  const TaskStatus* newest = nullptr;
  for (const auto& st : statuses) {
    if (newest == nullptr || st.timestamp >= newest->timestamp) newest = &st;
  }
  return newest != nullptr && newest->healthy == std::optional<bool>(false);
}

std::optional<Upid> Upid::parse(std::string_view text) {
  // As mesos-dns reads a PID: spaces and quotes around it are not part of it.
  const auto first = text.find_first_not_of("\" ");
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of("\" ") - first + 1);
  const auto at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) return std::nullopt;
  const auto hp = splitHostPort(text.substr(at + 1));
  if (!hp || hp->host.empty() || !parseExactInt(hp->port)) return std::nullopt;
  return Upid{std::string(text.substr(0, at)), hp->host, hp->port};
}

std::vector<int> Task::ports() const {
  std::vector<int> out;
  std::string_view s = portRanges;
  const auto open = s.find('[');
  if (open == std::string_view::npos) return out;
  s.remove_prefix(open + 1);
  if (const auto close = s.find(']'); close != std::string_view::npos) s = s.substr(0, close);
  while (!s.empty()) {
    auto comma = s.find(',');
    const std::string_view range = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    // As mesos-dns reads a range: the item trimmed, split on '-', the first two parts exact
    // numbers (no spaces around the dash). Unlike mesos-dns, one part is one port, not a crash.
    const std::string_view item = trim(range);
    const auto dash = item.find('-');
    const auto lo = parseExactInt(item.substr(0, dash));
    std::optional<int> hi = lo;
    if (dash != std::string_view::npos) {
      const std::string_view rest = item.substr(dash + 1);
      hi = parseExactInt(rest.substr(0, rest.find('-')));
    }
    if (!lo || !hi) continue;
    for (int p = *lo; p <= *hi && p <= 65535; ++p) {
      if (p > 0) out.push_back(p);
    }
  }
  return out;
}

StateParseResult parseMesosState(std::string_view text) {
  StateParseResult result;
  StateReader reader(result);
  bool ok = false;
  try {
    ok = json::sax_parse(text, &reader);
  } catch (const json::exception& e) {
    reader.error = std::string("not valid JSON: ") + e.what();
  }
  if (!ok || !reader.error.empty()) {
    result.error = reader.error.empty() ? "not valid JSON" : reader.error;
    result.warnings.clear();
    return result;
  }
  if (!reader.sawTopObject) {
    result.error = "expected a JSON object at the top";
    return result;
  }
  if (reader.state.leader.empty()) {
    result.error = "no \"leader\" in the state (is this a Mesos master's /master/state?)";
    return result;
  }
  result.state = std::move(reader.state);
  return result;
}

}  // namespace mdns
