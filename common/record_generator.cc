#include "common/record_generator.h"

#include <charconv>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/config.h"
#include "common/dns_wire.h"
#include "common/task_hash.h"

namespace mdns {
namespace {

std::optional<uint16_t> parsePort(std::string_view text) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// The IPs from the first of `sources` that yields any, as mesos-dns's Task.IPs.
std::vector<IpAddress> taskIps(const Task& task, const std::vector<IpAddress>& slaveIps,
                               const std::vector<std::string>& sources) {
  // Container IPs come from the newest TASK_RUNNING status (Mesos keeps no order).
  const TaskStatus* latest = nullptr;
  for (const auto& st : task.statuses) {
    if (st.state == "TASK_RUNNING" && (latest == nullptr || st.timestamp > latest->timestamp)) latest = &st;
  }
  std::vector<IpAddress> ips;
  for (const auto& src : sources) {
    if (src == "host") {
      ips = slaveIps;
    } else if (latest != nullptr && (src == "mesos" || src == "docker")) {
      const std::string key =
          src == "mesos" ? "MesosContainerizer.NetworkSettings.IPAddress" : "Docker.NetworkSettings.IPAddress";
      for (const auto& [k, v] : latest->labels) {
        if (k != key) continue;
        if (auto ip = IpAddress::parse(v)) ips.push_back(*ip);
      }
    } else if (latest != nullptr && src == "netinfo") {
      for (const auto& text : latest->networkIps) {
        if (auto ip = IpAddress::parse(text)) ips.push_back(*ip);
      }
    }
    if (!ips.empty()) return ips;
  }
  return ips;
}

class Generator {
 public:
  Generator(const GeneratorOptions& options, const HostResolver& resolve)
      : opt_(options), resolve_(resolve), tail_("." + options.domain + ".") {}

  GeneratedRecords run(const MesosState& state) {
    frameworkRecords(state);
    slaveRecords(state);
    for (const auto& ip : opt_.nameServerAddresses) out_.records.addAddress(opt_.nameServer, ip);
    masterRecords(state.leader);
    taskRecords(state);
    out_.records.finalize();
    reversePointers();
    for (const auto problem : {NameProblem::kEmptyLabel, NameProblem::kLongLabel, NameProblem::kLongName}) {
      if (const size_t n = out_.records.droppedNames(problem); n > 0) {
        warn(std::to_string(n) + " records left out: their names have " + describe(problem) + ", e.g. \"" +
             dns::presentationName(out_.records.droppedExample(problem)) + "\"");
      }
    }
    out_.agentAddresses = std::move(slaveIps_);
    out_.hostsResolved = std::move(resolved_);
    return std::move(out_);
  }

  // One task's records alone (generateTaskRecords).
  TaskRecords task(const Task& task, const std::string& frameworkName, const std::vector<IpAddress>& agent,
                   bool shared) {
    oneTask(task, fragment(frameworkName), agent, shared);
    out_.records.finalize();
    TaskRecords r;
    for (const auto& c : reverseCandidates_) r.reverse.emplace_back(c.ip, std::string(out_.records.nameAt(c.name)));
    r.records = std::move(out_.records);
    return r;
  }

  // The name a task shares with its siblings (its discovery name, else its name).
  std::string sharedName(const Task& task) const {
    return label(task.discoveryName.empty() ? task.name : task.discoveryName);
  }

 private:
  std::string label(std::string_view s) const { return sanitizeLabel(s, opt_.labelRule); }
  std::string fragment(std::string_view s) const { return sanitizeDomainFragment(s, opt_.labelRule); }

  void warn(std::string text) {
    constexpr size_t kMaxWarnings = 50;
    if (out_.warnings.size() < kMaxWarnings) {
      out_.warnings.push_back(std::move(text));
    } else if (out_.warnings.size() == kMaxWarnings) {
      out_.warnings.push_back("more warnings left out");
    }
  }

  std::vector<IpAddress> hostIps(const std::string& host) {
    if (auto ip = IpAddress::parse(host)) return {*ip};
    if (host.empty()) return {};
    auto cached = resolved_.find(host);
    if (cached == resolved_.end())
      cached = resolved_.emplace(host, resolve_ ? resolve_(host) : std::vector<IpAddress>{}).first;
    return cached->second;
  }

  void addSrv(const std::string& name, const std::string& target, std::string_view port) {
    if (auto p = parsePort(port)) out_.records.addSrv(name, SrvTarget{target, *p});
  }

  void frameworkRecords(const MesosState& state) {
    for (const auto& f : state.frameworks) {
      const std::string host = f.pid ? f.pid->host : f.hostname;
      const std::string port = f.pid ? f.pid->port : "";
      const auto ips = hostIps(host);
      if (ips.empty()) {
        if (!host.empty())
          warn("framework \"" + f.name + "\": host \"" + host + "\" has no address; no framework record");
        continue;
      }
      const std::string a = fragment(f.name) + tail_;
      for (const auto& ip : ips) out_.records.addAddress(a, ip);
      if (!port.empty()) addSrv("_framework._tcp." + a, a, port);
    }
  }

  void slaveRecords(const MesosState& state) {
    const std::string a = "slave" + tail_;
    for (const auto& s : state.slaves) {
      // mesos-dns crashes on a slave without a pid; the registered hostname is the next best thing.
      const std::string host = s.pid ? s.pid->host : s.hostname;
      auto ips = hostIps(host);
      for (const auto& ip : ips) out_.records.addAddress(a, ip);
      if (!ips.empty() && s.pid) addSrv("_slave._tcp." + opt_.domain + ".", a, s.pid->port);
      if (ips.empty()) warn("slave " + s.id + ": host \"" + host + "\" has no address; no slave records");
      slaveIps_[s.id] = std::move(ips);
    }
  }

  void masterRecords(const std::string& leader) {
    const auto at = leader.find('@');
    if (at == std::string::npos) {
      warn("leader \"" + leader + "\" is not a master PID; no leader records");
      return;
    }
    const std::string leaderAddress = leader.substr(at + 1);
    const auto hp = splitHostPort(leaderAddress);
    const auto leaderIps = hp ? hostIps(hp->host) : std::vector<IpAddress>{};
    if (leaderIps.empty()) {
      warn("leader \"" + leader + "\" has no address; no leader records");
      return;
    }
    const IpAddress& ip = leaderIps.front();
    const std::string leaderName = "leader" + tail_;
    const std::string allMasters = "master" + tail_;
    out_.records.addAddress(leaderName, ip);
    out_.records.addAddress(allMasters, ip);
    addSrv("_leader._tcp" + tail_, leaderName, hp->port);
    addSrv("_leader._udp" + tail_, leaderName, hp->port);

    bool leaderNumbered = false;
    int idx = 0;
    for (const auto& master : opt_.masters) {
      const auto mhp = splitHostPort(master);
      const auto ips = mhp ? hostIps(mhp->host) : std::vector<IpAddress>{};
      if (ips.empty()) {
        warn("master \"" + master + "\" has no address; no masterN record");
        continue;
      }
      const bool isLeader = master == leaderAddress;
      if (!isLeader && !out_.records.addAddress(allMasters, ips.front())) continue;  // duplicate master
      if (isLeader && leaderNumbered) continue;
      out_.records.addAddress("master" + std::to_string(idx) + tail_, ips.front());
      ++idx;
      if (isLeader) leaderNumbered = true;
    }
    if (!leaderNumbered) out_.records.addAddress("master" + std::to_string(idx) + tail_, ip);
  }

  void taskRecords(const MesosState& state) {
    for (const auto& f : state.frameworks) {
      const std::string fname = fragment(f.name);
      if (opt_.enumerate) out_.enumeration.push_back(EnumeratedFramework{f.name, {}});
      // healthyOnly: the apps (by their shared name) that have an instance not failing its
      // health check; only theirs leave failing instances out.
      std::unordered_set<std::string> appsWithHealthy;
      if (opt_.healthyOnly) appsWithHealthy = appsWithHealthyInstance(f, slaveIps_, opt_);
      for (const auto& task : f.tasks) {
        const auto slave = slaveIps_.find(task.slaveId);
        if (slave == slaveIps_.end() || task.state != "TASK_RUNNING") continue;
        const bool shared = !opt_.healthyOnly || !task.unhealthy() || !appsWithHealthy.contains(sharedName(task));
        if (!shared) ++out_.unhealthyLeftOut;
        if (opt_.enumerate) {
          out_.enumeration.back().tasks.push_back(EnumeratedTask{task.name, task.id, {}});
          enumTask_ = &out_.enumeration.back().tasks.back();
        }
        oneTask(task, fname, slave->second, shared);
      }
    }
  }

  void oneTask(const Task& task, const std::string& fname, const std::vector<IpAddress>& agent, bool shared) {
    const auto ips = taskIps(task, agent, opt_.ipSources);
    const std::string hash = taskIdHash(task.id);
    const std::string slaveTail = slaveIdTail(task.slaveId);
    if (!task.discoveryName.empty()) {
      // mesos-dns publishes the discovery name both as given and sanitized. As given, it is
      // reachable only when lower case: queries are lower-cased before lookup.
      // The sanitized name first: it is the canonical one (PTR records point at it), also when
      // the name as given is the same.
      taskNameRecords(task, label(task.discoveryName), fname, hash, slaveTail, ips, agent, true, shared);
      if (!hasUpper(task.discoveryName)) {
        taskNameRecords(task, task.discoveryName, fname, hash, slaveTail, ips, agent, false, shared);
      }
    } else {
      taskNameRecords(task, label(task.name), fname, hash, slaveTail, ips, agent, true, shared);
    }
  }

  static bool hasUpper(const std::string& s) {
    for (const char c : s) {
      if (c >= 'A' && c <= 'Z') return true;
    }
    return false;
  }

  // mesos-dns's canonical label "<task>-<hash>-<slave tail>" can exceed 63 bytes (its issue
  // #522), which no query can reach; we shorten the task part so that the name stays usable.
  static std::string canonicalName(std::string taskName, const std::string& hash, const std::string& slaveTail) {
    const std::string suffix = "-" + hash + "-" + slaveTail;
    const auto lastDot = taskName.rfind('.');
    const size_t lastLabel = lastDot == std::string::npos ? taskName.size() : taskName.size() - lastDot - 1;
    if (lastLabel + suffix.size() > 63 && suffix.size() < 63) {
      taskName.resize(taskName.size() - (lastLabel + suffix.size() - 63));
      while (!taskName.empty() && taskName.back() == '-') taskName.pop_back();
    }
    return taskName + suffix;
  }

  // `reverse`: this is the task's canonical name family (its sanitized name), whose addresses
  // may get PTR records. `shared`: the task joins its app's names (A and SRV) besides its own
  // canonical ones (false: left out by healthyOnly).
  void taskNameRecords(const Task& task, const std::string& taskName, const std::string& fname, const std::string& hash,
                       const std::string& slaveTail, const std::vector<IpAddress>& ips,
                       const std::vector<IpAddress>& slaveIps, bool reverse, bool shared) {
    const std::string canonical = canonicalName(taskName, hash, slaveTail) + "." + fname;
    const std::string arec = taskName + "." + fname;
    for (const auto& ip : ips) {
      if (shared) taskAddress(arec + tail_, ip);
      reverseCandidate_ = reverse;
      taskAddress(canonical + tail_, ip);
      reverseCandidate_ = false;
    }
    for (const auto& ip : slaveIps) {
      if (shared) taskAddress(arec + ".slave" + tail_, ip);
      taskAddress(canonical + ".slave" + tail_, ip);
    }
    if (!shared) return;  // every SRV name below is the app's

    // RFC 2782 names for the task's resource ports, pointing at the task's agent:
    // _task._tcp|_udp.framework.slave.domain, and without ".slave" unless DiscoveryInfo is set.
    const bool discovery = !task.discoveryName.empty();
    const std::string service = "_" + taskName;
    const std::string slaveTarget = canonical + ".slave" + tail_;
    for (const int port : task.ports()) {
      for (const char* proto : {"._tcp.", "._udp."}) {
        const std::string base = service + proto + fname;
        taskSrv(base + ".slave" + tail_, SrvTarget{slaveTarget, static_cast<uint16_t>(port)});
        if (!discovery) taskSrv(base + tail_, SrvTarget{slaveTarget, static_cast<uint16_t>(port)});
      }
    }
    if (!discovery) return;

    // DiscoveryInfo ports: _task._proto.framework.domain and _portname._task._proto.framework.domain,
    // pointing at the task's own name.
    const std::string target = canonical + tail_;
    for (const auto& dp : task.discoveryPorts) {
      if (dp.number < 0 || dp.number > 65535) continue;
      const std::string proto = label(dp.protocol);
      std::vector<std::string> names;
      if (!proto.empty()) {
        names.push_back(service + "._" + proto + "." + fname);
      } else {
        names.push_back(service + "._tcp." + fname);
        names.push_back(service + "._udp." + fname);
      }
      const std::string portName = label(dp.name);
      const size_t plain = names.size();
      if (!portName.empty()) {
        for (size_t i = 0; i < plain; ++i) names.push_back("_" + portName + "." + names[i]);
      }
      for (const auto& n : names) {
        taskSrv(n + tail_, SrvTarget{target, static_cast<uint16_t>(dp.number)});
      }
    }
  }

  // A task's record, listed in the enumeration when it is new.
  // Addresses that one task's canonical name alone holds, and that no agent has (a task on the
  // host network shares its agent's), point back at that name.
  void reversePointers() {
    std::sort(reverseCandidates_.begin(), reverseCandidates_.end(),
              [](const ReversePointer& x, const ReversePointer& y) { return x.ip < y.ip; });
    ReversePointers reverse;
    std::vector<IpAddress> agents;
    for (const auto& [id, ips] : slaveIps_) agents.insert(agents.end(), ips.begin(), ips.end());
    std::sort(agents.begin(), agents.end());
    for (size_t i = 0; i < reverseCandidates_.size();) {
      size_t j = i + 1;
      while (j < reverseCandidates_.size() && reverseCandidates_[j].ip == reverseCandidates_[i].ip) ++j;
      if (j == i + 1 && !std::binary_search(agents.begin(), agents.end(), reverseCandidates_[i].ip)) {
        reverse.push_back(reverseCandidates_[i]);
      }
      i = j;
    }
    out_.records.setReverse(std::move(reverse));
  }

  bool taskAddress(const std::string& name, const IpAddress& ip) {
    RecordSet::NameRef where = 0;
    const bool added = out_.records.addAddress(name, ip, &where);
    if (added && reverseCandidate_) reverseCandidates_.push_back({ip, where});
    if (added && enumTask_ != nullptr) {
      EnumeratedRecord r;
      r.type = ip.isV4() ? EnumeratedRecord::Type::kA : EnumeratedRecord::Type::kAAAA;
      r.name = where;
      r.ip = ip;
      enumTask_->records.push_back(r);
    }
    return added;
  }
  void taskSrv(const std::string& name, const SrvTarget& target) {
    RecordSet::NameRef where = 0, targetWhere = 0;
    if (out_.records.addSrv(name, target, &where, &targetWhere) && enumTask_ != nullptr) {
      EnumeratedRecord r;
      r.type = EnumeratedRecord::Type::kSRV;
      r.name = where;
      r.target = targetWhere;
      r.port = target.port;
      enumTask_->records.push_back(r);
    }
  }

  const GeneratorOptions& opt_;
  const HostResolver& resolve_;
  const std::string tail_;
  GeneratedRecords out_;
  std::unordered_map<std::string, std::vector<IpAddress>> slaveIps_;
  std::unordered_map<std::string, std::vector<IpAddress>> resolved_;
  EnumeratedTask* enumTask_ = nullptr;  // the task whose records are being made (enumerate only)
  bool reverseCandidate_ = false;       // taskAddress() is adding a task's canonical name
  std::vector<ReversePointer> reverseCandidates_;
};

}  // namespace

GeneratorOptions GeneratorOptions::fromConfig(const Config& config, std::vector<IpAddress> nameServerAddresses,
                                              std::vector<std::string> resolvedMasters) {
  GeneratorOptions o;
  o.domain = config.domain;
  o.nameServer = config.soaMname;
  o.nameServerAddresses = std::move(nameServerAddresses);
  o.masters = std::move(resolvedMasters);
  o.ipSources = config.ipSources;
  o.labelRule = config.labelRule();
  o.healthyOnly = config.healthyOnly;
  return o;
}

GeneratedRecords generateRecords(const MesosState& state, const GeneratorOptions& options,
                                 const HostResolver& resolveHost) {
  return Generator(options, resolveHost).run(state);
}

GeneratedRecords EnumerationSource::generate() const {
  GeneratorOptions withEnumeration = options;
  withEnumeration.enumerate = true;
  return generateRecords(state.materialize(), withEnumeration, [this](const std::string& host) {
    if (!hosts) return std::vector<IpAddress>{};
    const auto it = hosts->find(host);
    return it == hosts->end() ? std::vector<IpAddress>{} : it->second;
  });
}

TaskRecords generateTaskRecords(const Task& task, const std::string& frameworkName,
                                const std::vector<IpAddress>& agentAddresses, bool shared,
                                const GeneratorOptions& options) {
  static const HostResolver kNoLookups;
  return Generator(options, kNoLookups).task(task, frameworkName, agentAddresses, shared);
}

std::unordered_set<std::string> appsWithHealthyInstance(
    const Framework& framework, const std::unordered_map<std::string, std::vector<IpAddress>>& agentAddresses,
    const GeneratorOptions& options) {
  static const HostResolver kNoLookups;
  const Generator g(options, kNoLookups);
  std::unordered_set<std::string> apps;
  for (const auto& task : framework.tasks) {
    if (task.state == "TASK_RUNNING" && agentAddresses.contains(task.slaveId) && !task.unhealthy()) {
      apps.insert(g.sharedName(task));
    }
  }
  return apps;
}

std::string appNameOf(const Task& task, const GeneratorOptions& options) {
  static const HostResolver kNoLookups;
  return Generator(options, kNoLookups).sharedName(task);
}

std::string EnumeratedRecord::hostIn(const RecordSet& records) const {
  if (type != Type::kSRV) return ip.toString();
  return std::string(records.nameAt(target)) + ":" + std::to_string(port);
}

std::string slaveIdTail(const std::string& slaveId) {
  const auto dash = slaveId.rfind('-');
  std::string tail = dash == std::string::npos ? slaveId : slaveId.substr(dash + 1);
  for (auto& c : tail) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return tail;
}

}  // namespace mdns
