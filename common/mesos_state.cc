#include "common/mesos_state.h"

#include <charconv>
#include "common/ondemand.h"

#include "common/hash128.h"
#include "common/ip_address.h"

namespace mdns {
namespace {

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

namespace od = simdjson::ondemand;

// The values of the state that records are made of, and the elements that hold them.
enum class Field : uint8_t {
  kLeader,
  kElectedTime,
  kFrameworkName,
  kFrameworkPid,
  kFrameworkHostname,
  kTaskId,
  kTaskName,
  kTaskSlaveId,
  kTaskState,
  kTaskPorts,
  kStatusState,
  kStatusTimestamp,
  kStatusHealthy,
  kLabelKey,
  kLabelValue,
  kNetworkIp,      // network_infos[].ip_address (Mesos 0.25)
  kNetworkIpList,  // network_infos[].ip_addresses[].ip_address
  kDiscoveryName,
  kPortNumber,
  kPortName,
  kPortProtocol,
  kSlaveId,
  kSlaveHostname,
  kSlavePid,
  kRecoveredSlaveId,
};
enum class Element : uint8_t {
  kFramework,
  kTask,
  kStatus,
  kLabel,
  kNetworkInfo,
  kDiscoveryPort,
  kSlave,
  kRecoveredSlave,
};

using ondemand::isArray;
using ondemand::isObject;
using ondemand::number;
using ondemand::stringOf;
using ondemand::text;

// Walks a master state with simdjson's On-Demand API, telling `Sink` each value records are made
// of (sink.value(Field, value)) and where each element begins and ends (begin/end(Element,
// index)), and which framework, task or agent is not an object (notObject). Every other value is
// skipped by its structure. Keys are compared as they are written (a Mesos master does not escape
// letters in its keys). Throws simdjson_error when the document is not valid JSON.
template <class Sink>
class StateWalker {
 public:
  explicit StateWalker(Sink& sink) : sink_(sink) {}

  void top(od::object top) {
    for (auto field : top) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "leader") {
        sink_.value(Field::kLeader, v);
      } else if (key == "elected_time") {
        sink_.value(Field::kElectedTime, v);
      } else if (key == "frameworks" && isArray(v)) {
        elements(v.get_array(), Element::kFramework, [this](od::object o) { framework(o); });
      } else if (key == "slaves" && isArray(v)) {
        elements(v.get_array(), Element::kSlave, [this](od::object o) {
          fields(o, {{"id", Field::kSlaveId}, {"hostname", Field::kSlaveHostname}, {"pid", Field::kSlavePid}});
        });
      } else if (key == "recovered_slaves" && isArray(v)) {
        elements(v.get_array(), Element::kRecoveredSlave, [this](od::object o) {
          fields(o, {{"id", Field::kRecoveredSlaveId}});
        });
      }
    }
  }

 private:
  struct Named {
    std::string_view key;
    Field field;
  };

  // The elements of an array: objects are read by `read`, anything else is reported.
  template <class Read>
  void elements(od::array list, Element element, Read read) {
    size_t index = 0;
    for (auto item : list) {
      od::value v = item.value();
      if (isObject(v)) {
        sink_.begin(element, index);
        read(v.get_object());
        sink_.end(element, index);
      } else {
        sink_.notObject(element, index);
      }
      ++index;
    }
  }

  // An object whose fields of interest are all values.
  void fields(od::object object, std::initializer_list<Named> named) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      for (const auto& n : named) {
        if (key == n.key) {
          sink_.value(n.field, v);
          break;
        }
      }
    }
  }

  void framework(od::object object) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "name") {
        sink_.value(Field::kFrameworkName, v);
      } else if (key == "pid") {
        sink_.value(Field::kFrameworkPid, v);
      } else if (key == "hostname") {
        sink_.value(Field::kFrameworkHostname, v);
      } else if (key == "tasks" && isArray(v)) {
        elements(v.get_array(), Element::kTask, [this](od::object o) { task(o); });
      }
    }
  }

  void task(od::object object) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "id") {
        sink_.value(Field::kTaskId, v);
      } else if (key == "name") {
        sink_.value(Field::kTaskName, v);
      } else if (key == "slave_id") {
        sink_.value(Field::kTaskSlaveId, v);
      } else if (key == "state") {
        sink_.value(Field::kTaskState, v);
      } else if (key == "resources" && isObject(v)) {
        fields(v.get_object(), {{"ports", Field::kTaskPorts}});
      } else if (key == "statuses" && isArray(v)) {
        elements(v.get_array(), Element::kStatus, [this](od::object o) { status(o); });
      } else if (key == "discovery" && isObject(v)) {
        discovery(v.get_object());
      }
    }
  }

  void status(od::object object) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "state") {
        sink_.value(Field::kStatusState, v);
      } else if (key == "timestamp") {
        sink_.value(Field::kStatusTimestamp, v);
      } else if (key == "healthy") {
        sink_.value(Field::kStatusHealthy, v);
      } else if (key == "labels" && isArray(v)) {
        elements(v.get_array(), Element::kLabel, [this](od::object o) {
          fields(o, {{"key", Field::kLabelKey}, {"value", Field::kLabelValue}});
        });
      } else if (key == "container_status" && isObject(v)) {
        for (auto cf : v.get_object()) {
          const od::raw_json_string ckey = cf.key();
          od::value cv = cf.value();
          if (ckey == "network_infos" && isArray(cv)) {
            elements(cv.get_array(), Element::kNetworkInfo, [this](od::object o) { networkInfo(o); });
          }
        }
      }
    }
  }

  void networkInfo(od::object object) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "ip_address") {
        sink_.value(Field::kNetworkIp, v);
      } else if (key == "ip_addresses" && isArray(v)) {
        for (auto a : v.get_array()) {
          od::value av = a.value();
          if (isObject(av)) fields(av.get_object(), {{"ip_address", Field::kNetworkIpList}});
        }
      }
    }
  }

  void discovery(od::object object) {
    for (auto field : object) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "name") {
        sink_.value(Field::kDiscoveryName, v);
      } else if (key == "ports" && isObject(v)) {
        for (auto pf : v.get_object()) {
          const od::raw_json_string pkey = pf.key();
          od::value pv = pf.value();
          if (pkey == "ports" && isArray(pv)) {
            elements(pv.get_array(), Element::kDiscoveryPort, [this](od::object o) {
              fields(o,
                     {{"number", Field::kPortNumber}, {"name", Field::kPortName}, {"protocol", Field::kPortProtocol}});
            });
          }
        }
      }
    }
  }

  Sink& sink_;
};

// Builds MesosState. Lenient per element, as mesos-dns is: a field of the wrong type is left out,
// a framework, task or agent that is not an object is skipped with a warning naming it.
class StateBuilder {
 public:
  explicit StateBuilder(std::vector<std::string>& warnings) : warnings_(warnings) {}
  MesosState state;

  void value(Field f, od::value& v) {
    switch (f) {
      case Field::kLeader:
        text(v, state.leader);
        break;
      case Field::kElectedTime:
        number(v, state.electedTime);
        break;
      case Field::kFrameworkName:
        text(v, framework().name);
        break;
      case Field::kFrameworkPid:
        pid(v, framework().pid);
        break;
      case Field::kFrameworkHostname:
        text(v, framework().hostname);
        break;
      case Field::kTaskId:
        text(v, task().id);
        break;
      case Field::kTaskName:
        text(v, task().name);
        break;
      case Field::kTaskSlaveId:
        text(v, task().slaveId);
        break;
      case Field::kTaskState:
        text(v, task().state);
        break;
      case Field::kTaskPorts:
        text(v, task().portRanges);
        break;
      case Field::kStatusState:
        text(v, status().state);
        break;
      case Field::kStatusTimestamp:
        number(v, status().timestamp);
        break;
      case Field::kStatusHealthy:
        if (bool b = false; v.type() == od::json_type::boolean && v.get_bool().get(b) == simdjson::SUCCESS) {
          status().healthy = b;
        }
        break;
      case Field::kLabelKey:
        text(v, status().labels.back().first);
        break;
      case Field::kLabelValue:
        text(v, status().labels.back().second);
        break;
      case Field::kNetworkIp:
        text(v, netinfoSingle_);
        break;
      case Field::kNetworkIpList:
        if (const auto s = stringOf(v)) netinfoIps_.emplace_back(*s);
        break;
      case Field::kDiscoveryName:
        text(v, task().discoveryName);
        break;
      case Field::kPortNumber: {
        int64_t n = 0;
        if (v.type() == od::json_type::number && v.get_int64().get(n) == simdjson::SUCCESS && n >= INT32_MIN &&
            n <= INT32_MAX) {
          task().discoveryPorts.back().number = static_cast<int>(n);
        }
        break;
      }
      case Field::kPortName:
        text(v, task().discoveryPorts.back().name);
        break;
      case Field::kPortProtocol:
        text(v, task().discoveryPorts.back().protocol);
        break;
      case Field::kSlaveId:
        text(v, slave_.id);
        break;
      case Field::kSlaveHostname:
        text(v, slave_.hostname);
        break;
      case Field::kSlavePid:
        pid(v, slave_.pid);
        break;
      case Field::kRecoveredSlaveId:
        if (const auto s = stringOf(v)) state.recoveredSlaves.emplace_back(*s);
        break;
    }
  }

  void begin(Element e, size_t index) {
    switch (e) {
      case Element::kFramework:
        state.frameworks.emplace_back();
        framework_ = index;
        break;
      case Element::kTask:
        framework().tasks.emplace_back();
        break;
      case Element::kStatus:
        task().statuses.emplace_back();
        break;
      case Element::kLabel:
        status().labels.emplace_back();
        break;
      case Element::kNetworkInfo:
        netinfoIps_.clear();
        netinfoSingle_.clear();
        break;
      case Element::kDiscoveryPort:
        task().discoveryPorts.emplace_back();
        break;
      case Element::kSlave:
        slave_ = Slave();
        break;
      case Element::kRecoveredSlave:
        break;
    }
  }

  void end(Element e, size_t index) {
    if (e == Element::kNetworkInfo) {
      // Mesos 0.26+ lists ip_addresses; 0.25 had a single ip_address.
      auto& ips = status().networkIps;
      if (!netinfoIps_.empty()) {
        ips.insert(ips.end(), netinfoIps_.begin(), netinfoIps_.end());
      } else if (!netinfoSingle_.empty()) {
        ips.push_back(netinfoSingle_);
      }
    } else if (e == Element::kSlave) {
      if (slave_.id.empty()) {
        warnings_.push_back("slaves[" + std::to_string(index) + "]: no id, skipped");
      } else {
        state.slaves.push_back(std::move(slave_));
      }
    }
  }

  void notObject(Element e, size_t index) {
    if (e == Element::kFramework) {
      warnings_.push_back("frameworks[" + std::to_string(index) + "]: not an object, skipped");
    } else if (e == Element::kTask) {
      warnings_.push_back("frameworks[" + std::to_string(framework_) + "].tasks[" + std::to_string(index) +
                          "]: not an object, skipped");
    } else if (e == Element::kSlave) {
      warnings_.push_back("slaves[" + std::to_string(index) + "]: not an object, skipped");
    }
  }

 private:
  // A string with broken escapes is left out like a field of the wrong type (common/ondemand.h):
  // the summary, which does not unescape, then agrees with the parser.
  static void pid(od::value& v, std::optional<Upid>& out) {
    if (const auto s = stringOf(v)) out = Upid::parse(*s);
  }
  Framework& framework() { return state.frameworks.back(); }
  Task& task() { return framework().tasks.back(); }
  TaskStatus& status() { return task().statuses.back(); }

  std::vector<std::string>& warnings_;
  size_t framework_ = 0;
  Slave slave_;
  std::vector<std::string> netinfoIps_;
  std::string netinfoSingle_;
};

// Hashes what StateBuilder would read, as written (no strings unescaped, nothing allocated), and
// keeps the few values a refresh looks at before deciding to build.
class StateHasher {
 public:
  Hash128 hash;
  StateSummary summary;

  void value(Field f, od::value& v) {
    const od::json_type type = v.type();
    // The token as written, up to the next one (without the white space before it). An object
    // or array gives its first character only: the builder does not read those values.
    std::string_view raw = v.raw_json_token();
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    // One word for the field, the type and the length, then the bytes.
    hash.addU64(static_cast<uint64_t>(f) | static_cast<uint64_t>(type) << 8 | static_cast<uint64_t>(raw.size()) << 16);
    hash.addBytes(raw.data(), raw.size());
    // Then read the value exactly when the builder reads it (a type it takes for that field):
    // simdjson checks a value it reads and one it skips differently, so reading alike is what
    // makes the summary refuse the documents the parser refuses.
    if (f == Field::kElectedTime || f == Field::kStatusTimestamp || f == Field::kPortNumber) {
      double d = 0;
      if (type == od::json_type::number && v.get_double().get(d) == simdjson::SUCCESS && f == Field::kElectedTime) {
        summary.electedTime = d;
      }
    } else if (f == Field::kStatusHealthy) {
      bool b = false;
      if (type == od::json_type::boolean) {
        [[maybe_unused]] const auto read = v.get_bool().get(b);
      }
    } else if (type == od::json_type::string) {
      if (f == Field::kLeader || f == Field::kRecoveredSlaveId) {
        std::string_view text;
        if (v.get_string().get(text) == simdjson::SUCCESS) {
          if (f == Field::kLeader) summary.leader = text;
          if (f == Field::kRecoveredSlaveId) ++summary.recoveredSlaves;
        }
      } else {
        od::raw_json_string text;  // read without unescaping
        [[maybe_unused]] const auto read = v.get_raw_json_string().get(text);
      }
    }
  }
  void begin(Element e, size_t) { hash.addU64(0x100 + static_cast<uint64_t>(e)); }
  void end(Element e, size_t) { hash.addU64(0x200 + static_cast<uint64_t>(e)); }
  void notObject(Element e, size_t) { hash.addU64(0x300 + static_cast<uint64_t>(e)); }
};

// Runs `walk(top object)` over the text; the error ("" when read) as parseMesosState words it.
template <class Walk>
std::string walkState(std::string& text, Walk walk) {
  // simdjson reads 64 bytes at a time: the text needs that much room after its end.
  if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING) {
    text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  }
  const simdjson::padded_string_view padded(text.data(), text.size(), text.capacity());
  od::parser parser;
  od::document doc;
  bool iterating = false;  // `doc` has a text (a failed iterate() leaves it without)
  try {
    doc = parser.iterate(padded);
    iterating = true;
    const od::json_type type = doc.type();  // throws when the text does not begin a JSON value
    if (type != od::json_type::object) return "expected a JSON object at the top";
    walk(doc.get_object());
    // After the top object, only white space (a location inside the text is trailing content).
    const char* after = nullptr;
    if (doc.current_location().get(after) == simdjson::SUCCESS) {
      throw simdjson::simdjson_error(simdjson::TRAILING_CONTENT);
    }
  } catch (const simdjson::simdjson_error& e) {
    const char* at = nullptr;
    std::string where;
    if (iterating && doc.current_location().get(at) == simdjson::SUCCESS && at > text.data() &&
        at < text.data() + text.size()) {
      where = " (at byte " + std::to_string(at - text.data()) + ")";
    }
    return "not valid JSON" + where + ": " + e.what();
  }
  return "";
}

const char* const kNoLeader = "no \"leader\" in the state (is this a Mesos master's /master/state?)";

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

MesosState SharedState::materialize() const {
  MesosState state = cluster;
  for (size_t i = 0; i < state.frameworks.size() && i < tasks.size(); ++i) {
    auto& out = state.frameworks[i].tasks;
    out.reserve(out.size() + tasks[i].size());
    for (const auto& task : tasks[i]) out.push_back(*task);
  }
  return state;
}

StateParseResult parseMesosState(std::string& text) {
  StateParseResult result;
  StateBuilder builder(result.warnings);
  result.error = walkState(text, [&builder](od::object top) { StateWalker<StateBuilder>(builder).top(top); });
  if (!result.error.empty()) {
    result.warnings.clear();
    return result;
  }
  if (builder.state.leader.empty()) {
    result.error = kNoLeader;
    return result;
  }
  result.state = std::move(builder.state);
  return result;
}

StateSummary summarizeMesosState(std::string& text) {
  StateHasher hasher;
  hasher.summary.error = walkState(text, [&hasher](od::object top) { StateWalker<StateHasher>(hasher).top(top); });
  if (hasher.summary.error.empty() && hasher.summary.leader.empty()) hasher.summary.error = kNoLeader;
  hasher.summary.digest = hasher.hash.digest();
  return std::move(hasher.summary);
}

StateParseResult parseMesosState(std::string_view text) {
  std::string copy;
  copy.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  copy.assign(text);
  return parseMesosState(copy);
}

}  // namespace mdns
