#include "common/mesos_state.h"

#include <simdjson.h>
#include <charconv>

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

// Reads a master state with simdjson's On-Demand API straight into MesosState: no document tree,
// and every value we do not use is skipped (its structure checked, its content not looked at).
// Lenient per element, as mesos-dns is: a field of the wrong type is left out, a framework, task
// or agent that is not an object is skipped with a warning naming it.
class StateReader {
 public:
  explicit StateReader(std::vector<std::string>& warnings) : warnings_(warnings) {}

  // The top object's fields. Throws simdjson_error when the document is not valid JSON.
  void top(od::object top, MesosState& state) {
    for (auto field : top) {
      const std::string_view key = field.unescaped_key();
      od::value v = field.value();
      if (key == "leader") {
        if (auto text = str(v)) state.leader = *text;
      } else if (key == "elected_time") {
        if (auto n = number(v)) state.electedTime = *n;
      } else if (key == "frameworks") {
        if (v.type() == od::json_type::array) frameworks(v.get_array(), state);
      } else if (key == "slaves") {
        if (v.type() == od::json_type::array) slaves(v.get_array(), state);
      } else if (key == "recovered_slaves") {
        if (v.type() == od::json_type::array) recoveredSlaves(v.get_array(), state);
      }
    }
  }

 private:
  static std::optional<std::string_view> str(od::value& v) {
    if (v.type() != od::json_type::string) return std::nullopt;
    return std::string_view(v.get_string());
  }
  static std::optional<double> number(od::value& v) {
    if (v.type() != od::json_type::number) return std::nullopt;
    double d = 0;
    if (v.get_double().get(d) != simdjson::SUCCESS) return std::nullopt;
    return d;
  }
  static bool isObject(od::value& v) { return v.type() == od::json_type::object; }
  static bool isArray(od::value& v) { return v.type() == od::json_type::array; }

  void frameworks(od::array list, MesosState& state) {
    size_t i = 0;
    for (auto element : list) {
      od::value v = element.value();
      const std::string where = "frameworks[" + std::to_string(i++) + "]";
      if (!isObject(v)) {
        warnings_.push_back(where + ": not an object, skipped");
        continue;
      }
      Framework& fw = state.frameworks.emplace_back();
      for (auto field : v.get_object()) {
        const std::string_view key = field.unescaped_key();
        od::value fv = field.value();
        if (key == "name") {
          if (auto text = str(fv)) fw.name = *text;
        } else if (key == "pid") {
          if (auto text = str(fv)) fw.pid = Upid::parse(*text);
        } else if (key == "hostname") {
          if (auto text = str(fv)) fw.hostname = *text;
        } else if (key == "tasks" && isArray(fv)) {
          tasks(fv.get_array(), fw, where);
        }
      }
    }
  }

  void tasks(od::array list, Framework& fw, const std::string& frameworkWhere) {
    size_t i = 0;
    for (auto element : list) {
      od::value v = element.value();
      const size_t index = i++;
      if (!isObject(v)) {
        warnings_.push_back(frameworkWhere + ".tasks[" + std::to_string(index) + "]: not an object, skipped");
        continue;
      }
      Task& t = fw.tasks.emplace_back();
      for (auto field : v.get_object()) {
        const std::string_view key = field.unescaped_key();
        od::value tv = field.value();
        if (key == "id") {
          if (auto text = str(tv)) t.id = *text;
        } else if (key == "name") {
          if (auto text = str(tv)) t.name = *text;
        } else if (key == "slave_id") {
          if (auto text = str(tv)) t.slaveId = *text;
        } else if (key == "state") {
          if (auto text = str(tv)) t.state = *text;
        } else if (key == "resources" && isObject(tv)) {
          for (auto r : tv.get_object()) {
            const std::string_view rkey = r.unescaped_key();
            od::value rv = r.value();
            if (rkey == "ports") {
              if (auto text = str(rv)) t.portRanges = *text;
            }
          }
        } else if (key == "statuses" && isArray(tv)) {
          for (auto s : tv.get_array()) {
            od::value sv = s.value();
            if (isObject(sv)) status(sv.get_object(), t.statuses.emplace_back());
          }
        } else if (key == "discovery" && isObject(tv)) {
          discovery(tv.get_object(), t);
        }
      }
    }
  }

  void status(od::object object, TaskStatus& st) {
    for (auto field : object) {
      const std::string_view key = field.unescaped_key();
      od::value v = field.value();
      if (key == "state") {
        if (auto text = str(v)) st.state = *text;
      } else if (key == "timestamp") {
        if (auto n = number(v)) st.timestamp = *n;
      } else if (key == "healthy") {
        if (v.type() == od::json_type::boolean) st.healthy = bool(v.get_bool());
      } else if (key == "labels" && isArray(v)) {
        for (auto l : v.get_array()) {
          od::value lv = l.value();
          if (!isObject(lv)) continue;
          auto& label = st.labels.emplace_back();
          for (auto lf : lv.get_object()) {
            const std::string_view lkey = lf.unescaped_key();
            od::value x = lf.value();
            if (lkey == "key") {
              if (auto text = str(x)) label.first = *text;
            } else if (lkey == "value") {
              if (auto text = str(x)) label.second = *text;
            }
          }
        }
      } else if (key == "container_status" && isObject(v)) {
        for (auto cf : v.get_object()) {
          const std::string_view ckey = cf.unescaped_key();
          od::value cv = cf.value();
          if (ckey == "network_infos" && isArray(cv)) networkInfos(cv.get_array(), st);
        }
      }
    }
  }

  static void networkInfos(od::array list, TaskStatus& st) {
    for (auto element : list) {
      od::value v = element.value();
      if (!isObject(v)) continue;
      std::vector<std::string> ips;
      std::string single;
      for (auto field : v.get_object()) {
        const std::string_view key = field.unescaped_key();
        od::value nv = field.value();
        if (key == "ip_address") {
          if (auto text = str(nv)) single = *text;
        } else if (key == "ip_addresses" && isArray(nv)) {
          for (auto a : nv.get_array()) {
            od::value av = a.value();
            if (!isObject(av)) continue;
            for (auto af : av.get_object()) {
              const std::string_view akey = af.unescaped_key();
              od::value x = af.value();
              if (akey == "ip_address") {
                if (auto text = str(x)) ips.emplace_back(*text);
              }
            }
          }
        }
      }
      // Mesos 0.26+ lists ip_addresses; 0.25 had a single ip_address.
      if (!ips.empty()) {
        st.networkIps.insert(st.networkIps.end(), ips.begin(), ips.end());
      } else if (!single.empty()) {
        st.networkIps.push_back(std::move(single));
      }
    }
  }

  static void discovery(od::object object, Task& t) {
    for (auto field : object) {
      const std::string_view key = field.unescaped_key();
      od::value v = field.value();
      if (key == "name") {
        if (auto text = str(v)) t.discoveryName = *text;
      } else if (key == "ports" && isObject(v)) {
        for (auto pf : v.get_object()) {
          const std::string_view pkey = pf.unescaped_key();
          od::value pv = pf.value();
          if (pkey != "ports" || !isArray(pv)) continue;
          for (auto p : pv.get_array()) {
            od::value port = p.value();
            if (!isObject(port)) continue;
            auto& dp = t.discoveryPorts.emplace_back();
            for (auto f : port.get_object()) {
              const std::string_view fkey = f.unescaped_key();
              od::value x = f.value();
              if (fkey == "number") {
                int64_t n = 0;
                if (x.type() == od::json_type::number && x.get_int64().get(n) == simdjson::SUCCESS && n >= INT32_MIN &&
                    n <= INT32_MAX) {
                  dp.number = static_cast<int>(n);
                }
              } else if (fkey == "name") {
                if (auto text = str(x)) dp.name = *text;
              } else if (fkey == "protocol") {
                if (auto text = str(x)) dp.protocol = *text;
              }
            }
          }
        }
      }
    }
  }

  void slaves(od::array list, MesosState& state) {
    size_t i = 0;
    for (auto element : list) {
      od::value v = element.value();
      const std::string where = "slaves[" + std::to_string(i++) + "]";
      if (!isObject(v)) {
        warnings_.push_back(where + ": not an object, skipped");
        continue;
      }
      Slave slave;
      for (auto field : v.get_object()) {
        const std::string_view key = field.unescaped_key();
        od::value sv = field.value();
        if (key == "id") {
          if (auto text = str(sv)) slave.id = *text;
        } else if (key == "hostname") {
          if (auto text = str(sv)) slave.hostname = *text;
        } else if (key == "pid") {
          if (auto text = str(sv)) slave.pid = Upid::parse(*text);
        }
      }
      if (slave.id.empty()) {
        warnings_.push_back(where + ": no id, skipped");
      } else {
        state.slaves.push_back(std::move(slave));
      }
    }
  }

  static void recoveredSlaves(od::array list, MesosState& state) {
    for (auto element : list) {
      od::value v = element.value();
      if (!isObject(v)) continue;
      for (auto field : v.get_object()) {
        const std::string_view key = field.unescaped_key();
        od::value x = field.value();
        if (key == "id") {
          if (auto text = str(x)) state.recoveredSlaves.emplace_back(*text);
        }
      }
    }
  }

  std::vector<std::string>& warnings_;
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

StateParseResult parseMesosState(std::string& text) {
  StateParseResult result;
  // simdjson reads 64 bytes at a time: the text needs that much room after its end.
  if (text.capacity() < text.size() + simdjson::SIMDJSON_PADDING)
    text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  const simdjson::padded_string_view padded(text.data(), text.size(), text.capacity());
  od::parser parser;
  od::document doc;
  bool iterating = false;  // `doc` has a text (a failed iterate() leaves it without)
  MesosState state;
  try {
    doc = parser.iterate(padded);
    iterating = true;
    const od::json_type type = doc.type();  // throws when the text does not begin a JSON value
    if (type != od::json_type::object) {
      result.error = "expected a JSON object at the top";
      return result;
    }
    StateReader reader(result.warnings);
    reader.top(doc.get_object(), state);
    // After the top object, only white space (a location inside the text is trailing content).
    const char* after = nullptr;
    if (doc.current_location().get(after) == simdjson::SUCCESS)
      throw simdjson::simdjson_error(simdjson::TRAILING_CONTENT);
  } catch (const simdjson::simdjson_error& e) {
    const char* at = nullptr;
    std::string where;
    if (iterating && doc.current_location().get(at) == simdjson::SUCCESS && at > text.data() &&
        at < text.data() + text.size()) {
      where = " (at byte " + std::to_string(at - text.data()) + ")";
    }
    result.error = "not valid JSON" + where + ": " + e.what();
    result.warnings.clear();
    return result;
  }
  if (state.leader.empty()) {
    result.error = "no \"leader\" in the state (is this a Mesos master's /master/state?)";
    return result;
  }
  result.state = std::move(state);
  return result;
}

StateParseResult parseMesosState(std::string_view text) {
  std::string copy;
  copy.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  copy.assign(text);
  return parseMesosState(copy);
}

}  // namespace mdns
