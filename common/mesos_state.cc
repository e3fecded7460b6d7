#include "common/mesos_state.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/ip_address.h"

namespace mdns {
namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* arr(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_array() ? &*it : nullptr;
}

const json* obj(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_object() ? &*it : nullptr;
}

std::optional<Upid> pidOf(const json& o) { return Upid::parse(str(o, "pid")); }

TaskStatus parseStatus(const json& s) {
  TaskStatus st;
  st.state = str(s, "state");
  if (const auto it = s.find("timestamp"); it != s.end() && it->is_number()) st.timestamp = it->get<double>();
  if (const json* labels = arr(s, "labels")) {
    for (const auto& l : *labels) {
      if (l.is_object()) st.labels.emplace_back(str(l, "key"), str(l, "value"));
    }
  }
  if (const json* cs = obj(s, "container_status")) {
    if (const json* infos = arr(*cs, "network_infos")) {
      for (const auto& info : *infos) {
        if (!info.is_object()) continue;
        const json* addrs = arr(info, "ip_addresses");
        if (addrs && !addrs->empty()) {
          for (const auto& a : *addrs) {
            if (a.is_object()) st.networkIps.push_back(str(a, "ip_address"));
          }
        } else if (auto single = str(info, "ip_address"); !single.empty()) {
          st.networkIps.push_back(single);  // Mesos 0.25's single address
        }
      }
    }
  }
  return st;
}

Task parseTask(const json& t) {
  Task task;
  task.id = str(t, "id");
  task.name = str(t, "name");
  task.slaveId = str(t, "slave_id");
  task.state = str(t, "state");
  if (const json* res = obj(t, "resources")) task.portRanges = str(*res, "ports");
  if (const json* statuses = arr(t, "statuses")) {
    for (const auto& s : *statuses) {
      if (s.is_object()) task.statuses.push_back(parseStatus(s));
    }
  }
  if (const json* d = obj(t, "discovery")) {
    task.discoveryName = str(*d, "name");
    if (const json* ports = obj(*d, "ports")) {
      if (const json* list = arr(*ports, "ports")) {
        for (const auto& p : *list) {
          if (!p.is_object()) continue;
          DiscoveryPort dp;
          if (const auto it = p.find("number"); it != p.end() && it->is_number_integer()) dp.number = it->get<int>();
          dp.name = str(p, "name");
          dp.protocol = str(p, "protocol");
          task.discoveryPorts.push_back(dp);
        }
      }
    }
  }
  return task;
}

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

}  // namespace

std::optional<Upid> Upid::parse(std::string_view text) {
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
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    result.error = std::string("not valid JSON: ") + e.what();
    return result;
  }
  if (!doc.is_object()) {
    result.error = "expected a JSON object at the top";
    return result;
  }
  MesosState state;
  state.leader = str(doc, "leader");
  if (state.leader.empty()) {
    result.error = "no \"leader\" in the state (is this a Mesos master's /master/state?)";
    return result;
  }
  if (const json* slaves = arr(doc, "slaves")) {
    for (size_t i = 0; i < slaves->size(); ++i) {
      const json& s = (*slaves)[i];
      if (!s.is_object() || str(s, "id").empty()) {
        result.warnings.push_back("slaves[" + std::to_string(i) + "]: no id, skipped");
        continue;
      }
      state.slaves.push_back(Slave{str(s, "id"), str(s, "hostname"), pidOf(s)});
    }
  }
  if (const json* frameworks = arr(doc, "frameworks")) {
    for (size_t i = 0; i < frameworks->size(); ++i) {
      const json& f = (*frameworks)[i];
      if (!f.is_object()) {
        result.warnings.push_back("frameworks[" + std::to_string(i) + "]: not an object, skipped");
        continue;
      }
      Framework fw;
      fw.name = str(f, "name");
      fw.pid = pidOf(f);
      fw.hostname = str(f, "hostname");
      if (const json* tasks = arr(f, "tasks")) {
        fw.tasks.reserve(tasks->size());
        for (size_t j = 0; j < tasks->size(); ++j) {
          const json& t = (*tasks)[j];
          if (t.is_object()) {
            fw.tasks.push_back(parseTask(t));
          } else {
            result.warnings.push_back("frameworks[" + std::to_string(i) + "].tasks[" + std::to_string(j) +
                                      "]: not an object, skipped");
          }
        }
      }
      state.frameworks.push_back(std::move(fw));
    }
  }
  result.state = std::move(state);
  return result;
}

}  // namespace mdns
