#include "common/mesos_events.h"

#include "common/ondemand.h"

namespace mdns {
namespace {

namespace od = simdjson::ondemand;
using ondemand::isArray;
using ondemand::isObject;
using ondemand::number;
using ondemand::stringOf;
using ondemand::text;

// {"value": "..."} (v1's ids).
void idValue(od::value& v, std::string& out) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (key == "value") text(x, out);
  }
}

// {"labels": [{"key": ..., "value": ...}]}
void labels(od::value& v, std::vector<std::pair<std::string, std::string>>& out) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value list = field.value();
    if (key != "labels" || !isArray(list)) continue;
    for (auto item : list.get_array()) {
      od::value label = item.value();
      if (!isObject(label)) continue;
      auto& kv = out.emplace_back();
      for (auto lf : label.get_object()) {
        const od::raw_json_string lkey = lf.key();
        od::value x = lf.value();
        if (lkey == "key") {
          text(x, kv.first);
        } else if (lkey == "value") {
          text(x, kv.second);
        }
      }
    }
  }
}

void status(od::object object, TaskStatus& st, std::string* agentId, std::string* taskId) {
  for (auto field : object) {
    const od::raw_json_string key = field.key();
    od::value v = field.value();
    if (key == "state") {
      text(v, st.state);
    } else if (key == "timestamp") {
      number(v, st.timestamp);
    } else if (key == "healthy") {
      if (v.type() == od::json_type::boolean) st.healthy = bool(v.get_bool());
    } else if (key == "labels") {
      labels(v, st.labels);
    } else if (key == "agent_id" && agentId != nullptr) {
      idValue(v, *agentId);
    } else if (key == "task_id" && taskId != nullptr) {
      idValue(v, *taskId);
    } else if (key == "container_status" && isObject(v)) {
      for (auto cf : v.get_object()) {
        const od::raw_json_string ckey = cf.key();
        od::value infos = cf.value();
        if (ckey != "network_infos" || !isArray(infos)) continue;
        for (auto info : infos.get_array()) {
          od::value ni = info.value();
          if (!isObject(ni)) continue;
          for (auto nf : ni.get_object()) {
            const od::raw_json_string nkey = nf.key();
            od::value addresses = nf.value();
            if (nkey != "ip_addresses" || !isArray(addresses)) continue;
            for (auto a : addresses.get_array()) {
              od::value address = a.value();
              if (!isObject(address)) continue;
              for (auto af : address.get_object()) {
                const od::raw_json_string akey = af.key();
                od::value ip = af.value();
                if (akey != "ip_address") continue;
                if (const auto text = stringOf(ip)) st.networkIps.emplace_back(*text);
              }
            }
          }
        }
      }
    }
  }
}

// resources[] with name "ports", type RANGES: every range of every such entry, as /master/state
// writes them.
void portResources(od::value& v, std::string& out) {
  if (!isArray(v)) return;
  std::string ranges;
  for (auto item : v.get_array()) {
    od::value resource = item.value();
    if (!isObject(resource)) continue;
    bool ports = false;
    std::vector<std::pair<uint64_t, uint64_t>> found;
    for (auto field : resource.get_object()) {
      const od::raw_json_string key = field.key();
      od::value x = field.value();
      if (key == "name") {
        std::string name;
        text(x, name);
        ports = name == "ports";
      } else if (key == "ranges" && isObject(x)) {
        for (auto rf : x.get_object()) {
          const od::raw_json_string rkey = rf.key();
          od::value list = rf.value();
          if (rkey != "range" || !isArray(list)) continue;
          for (auto r : list.get_array()) {
            od::value range = r.value();
            if (!isObject(range)) continue;
            uint64_t begin = 0;
            uint64_t end = 0;
            bool hasBegin = false;
            bool hasEnd = false;
            for (auto bf : range.get_object()) {
              const od::raw_json_string bkey = bf.key();
              od::value n = bf.value();
              if (bkey == "begin") hasBegin = n.get_uint64().get(begin) == simdjson::SUCCESS;
              if (bkey == "end") hasEnd = n.get_uint64().get(end) == simdjson::SUCCESS;
            }
            if (hasBegin && hasEnd) found.emplace_back(begin, end);
          }
        }
      }
    }
    if (!ports) continue;
    for (const auto& [begin, end] : found) {
      ranges += (ranges.empty() ? "" : ", ") + std::to_string(begin) + "-" + std::to_string(end);
    }
  }
  if (!ranges.empty()) out = "[" + ranges + "]";
}

void discovery(od::value& v, Task& t) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (key == "name") {
      text(x, t.discoveryName);
    } else if (key == "ports" && isObject(x)) {
      for (auto pf : x.get_object()) {
        const od::raw_json_string pkey = pf.key();
        od::value list = pf.value();
        if (pkey != "ports" || !isArray(list)) continue;
        for (auto p : list.get_array()) {
          od::value port = p.value();
          if (!isObject(port)) continue;
          auto& dp = t.discoveryPorts.emplace_back();
          for (auto f : port.get_object()) {
            const od::raw_json_string fkey = f.key();
            od::value y = f.value();
            if (fkey == "number") {
              int64_t n = 0;
              if (y.type() == od::json_type::number && y.get_int64().get(n) == simdjson::SUCCESS && n >= INT32_MIN &&
                  n <= INT32_MAX) {
                dp.number = static_cast<int>(n);
              }
            } else if (fkey == "name") {
              text(y, dp.name);
            } else if (fkey == "protocol") {
              text(y, dp.protocol);
            }
          }
        }
      }
    }
  }
}

EventTask task(od::object object) {
  EventTask et;
  Task& t = et.task;
  for (auto field : object) {
    const od::raw_json_string key = field.key();
    od::value v = field.value();
    if (key == "name") {
      text(v, t.name);
    } else if (key == "task_id") {
      idValue(v, t.id);
    } else if (key == "framework_id") {
      idValue(v, et.frameworkId);
    } else if (key == "agent_id") {
      idValue(v, t.slaveId);
    } else if (key == "state") {
      text(v, t.state);
    } else if (key == "resources") {
      portResources(v, t.portRanges);
    } else if (key == "statuses" && isArray(v)) {
      for (auto s : v.get_array()) {
        od::value sv = s.value();
        if (isObject(sv)) status(sv.get_object(), t.statuses.emplace_back(), nullptr, nullptr);
      }
    } else if (key == "discovery") {
      discovery(v, t);
    }
  }
  return et;
}

EventFramework framework(od::value& v, bool wrapped) {
  EventFramework fw;
  if (!isObject(v)) return fw;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (wrapped) {
      if (key == "framework_info") fw = framework(x, false);
    } else if (key == "id") {
      idValue(x, fw.id);
    } else if (key == "name") {
      text(x, fw.name);
    } else if (key == "hostname") {
      text(x, fw.hostname);
    }
  }
  return fw;
}

// A GetAgents.Agent ({agent_info, pid, ...}) or, unwrapped, an AgentInfo.
EventAgent agent(od::value& v, bool wrapped) {
  EventAgent a;
  if (!isObject(v)) return a;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (wrapped && key == "agent_info") {
      EventAgent info = agent(x, false);
      a.id = std::move(info.id);
      a.hostname = std::move(info.hostname);
    } else if (wrapped && key == "pid") {
      if (const auto pid = stringOf(x)) a.pid = Upid::parse(*pid);
    } else if (!wrapped && key == "id") {
      idValue(x, a.id);
    } else if (!wrapped && key == "hostname") {
      text(x, a.hostname);
    }
  }
  return a;
}

// The array `v` under `key` of an object, each element to `each`.
template <class Each>
void listOf(od::value& v, std::string_view wanted, Each each) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value list = field.value();
    if (key != wanted || !isArray(list)) continue;
    size_t index = 0;
    for (auto item : list.get_array()) {
      od::value x = item.value();
      each(x, index++);
    }
  }
}

void subscribed(od::value& v, MesosEvent& e, std::vector<std::string>& warnings) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (key == "heartbeat_interval_seconds") {
      number(x, e.heartbeatSeconds);
    } else if (key == "get_state" && isObject(x)) {
      for (auto part : x.get_object()) {
        const od::raw_json_string pkey = part.key();
        od::value p = part.value();
        if (pkey == "get_tasks") {
          listOf(p, "tasks", [&](od::value& t, size_t i) {
            if (isObject(t)) {
              e.tasks.push_back(task(t.get_object()));
            } else {
              warnings.push_back("get_tasks.tasks[" + std::to_string(i) + "]: not an object, skipped");
            }
          });
        } else if (pkey == "get_frameworks") {
          listOf(p, "frameworks", [&](od::value& f, size_t) { e.frameworks.push_back(framework(f, true)); });
        } else if (pkey == "get_agents" && isObject(p)) {
          for (auto af : p.get_object()) {
            const od::raw_json_string akey = af.key();
            od::value list = af.value();
            if (!isArray(list)) continue;
            size_t index = 0;
            for (auto item : list.get_array()) {
              od::value a = item.value();
              if (akey == "agents") {
                EventAgent one = agent(a, true);
                if (one.id.empty()) {
                  warnings.push_back("get_agents.agents[" + std::to_string(index) + "]: no id, skipped");
                } else {
                  e.agents.push_back(std::move(one));
                }
              } else if (akey == "recovered_agents") {
                EventAgent one = agent(a, false);
                if (!one.id.empty()) e.recoveredAgents.push_back(std::move(one.id));
              }
              ++index;
            }
          }
        }
      }
    }
  }
}

void taskUpdated(od::value& v, MesosEvent& e) {
  if (!isObject(v)) return;
  for (auto field : v.get_object()) {
    const od::raw_json_string key = field.key();
    od::value x = field.value();
    if (key == "framework_id") {
      idValue(x, e.frameworkId);
    } else if (key == "state") {
      text(x, e.state);
    } else if (key == "status" && isObject(x)) {
      e.status.emplace();
      status(x.get_object(), *e.status, &e.agentId, &e.taskId);
    }
  }
}

const std::pair<std::string_view, MesosEvent::Type> kTypes[] = {
    {"SUBSCRIBED", MesosEvent::Type::kSubscribed},
    {"TASK_ADDED", MesosEvent::Type::kTaskAdded},
    {"TASK_UPDATED", MesosEvent::Type::kTaskUpdated},
    {"AGENT_ADDED", MesosEvent::Type::kAgentAdded},
    {"AGENT_REMOVED", MesosEvent::Type::kAgentRemoved},
    {"FRAMEWORK_ADDED", MesosEvent::Type::kFrameworkAdded},
    {"FRAMEWORK_UPDATED", MesosEvent::Type::kFrameworkUpdated},
    {"FRAMEWORK_REMOVED", MesosEvent::Type::kFrameworkRemoved},
    {"HEARTBEAT", MesosEvent::Type::kHeartbeat},
};

}  // namespace

EventParseResult parseMesosEvent(std::string& record) {
  EventParseResult result;
  if (record.capacity() < record.size() + simdjson::SIMDJSON_PADDING) {
    record.reserve(record.size() + simdjson::SIMDJSON_PADDING);
  }
  const simdjson::padded_string_view padded(record.data(), record.size(), record.capacity());
  od::parser parser;
  MesosEvent e;
  try {
    od::document doc = parser.iterate(padded);
    const od::json_type type = doc.type();
    if (type != od::json_type::object) {
      result.error = "expected a JSON object (an event)";
      return result;
    }
    // The payload may come before "type": read it by its field name.
    for (auto field : doc.get_object()) {
      const od::raw_json_string key = field.key();
      od::value v = field.value();
      if (key == "type") {
        text(v, e.typeName);
      } else if (key == "subscribed") {
        subscribed(v, e, result.warnings);
      } else if (key == "task_added" && isObject(v)) {
        for (auto f : v.get_object()) {
          const od::raw_json_string k = f.key();
          od::value t = f.value();
          if (k == "task" && isObject(t)) e.tasks.push_back(task(t.get_object()));
        }
      } else if (key == "task_updated") {
        taskUpdated(v, e);
      } else if (key == "agent_added" && isObject(v)) {
        for (auto f : v.get_object()) {
          const od::raw_json_string k = f.key();
          od::value a = f.value();
          if (k == "agent") e.agents.push_back(agent(a, true));
        }
      } else if (key == "agent_removed" && isObject(v)) {
        for (auto f : v.get_object()) {
          const od::raw_json_string k = f.key();
          od::value a = f.value();
          if (k == "agent_id") idValue(a, e.agentId);
        }
      } else if ((key == "framework_added" || key == "framework_updated" || key == "framework_removed") &&
                 isObject(v)) {
        for (auto f : v.get_object()) {
          const od::raw_json_string k = f.key();
          od::value x = f.value();
          if (k == "framework") e.frameworks.push_back(framework(x, true));
          if (k == "framework_info") e.frameworks.push_back(framework(x, false));
        }
      }
    }
    // After the event, only white space.
    const char* after = nullptr;
    if (doc.current_location().get(after) == simdjson::SUCCESS) {
      throw simdjson::simdjson_error(simdjson::TRAILING_CONTENT);
    }
  } catch (const simdjson::simdjson_error& err) {
    result.error = std::string("not valid JSON: ") + err.what();
    result.warnings.clear();
    return result;
  }
  e.type = MesosEvent::Type::kUnknown;
  for (const auto& [name, t] : kTypes) {
    if (e.typeName == name) e.type = t;
  }
  result.event = std::move(e);
  return result;
}

}  // namespace mdns
