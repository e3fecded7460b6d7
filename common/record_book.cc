#include "common/record_book.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "common/dns_wire.h"

namespace mdns {
namespace {

constexpr char kClusterPart[] =
    "\x01"
    "cluster";

// A record as a key: the name's length byte and the name, then 'A' or 'Q' and the address, or 'S',
// the port (2 bytes) and the target.
std::string keyOf(std::string_view name, const IpAddress& ip) {
  std::string key;
  key.reserve(2 + name.size() + ip.size());
  key += static_cast<char>(name.size());
  key += name;
  key += ip.isV4() ? 'A' : 'Q';
  key.append(reinterpret_cast<const char*>(ip.data()), ip.size());
  return key;
}
std::string keyOf(std::string_view name, const SrvTarget& srv) {
  std::string key;
  key.reserve(4 + name.size() + srv.target.size());
  key += static_cast<char>(name.size());
  key += name;
  key += 'S';
  key += static_cast<char>(srv.port >> 8);
  key += static_cast<char>(srv.port & 0xFF);
  key += srv.target;
  return key;
}

IpAddress addressAt(const char* p, bool v4) {
  if (v4) {
    std::array<uint8_t, 4> b{};
    std::memcpy(b.data(), p, 4);
    return IpAddress::v4(b);
  }
  std::array<uint8_t, 16> b{};
  std::memcpy(b.data(), p, 16);
  return IpAddress::v6(b);
}

void addKey(RecordSet& set, std::string_view key) {
  const auto length = static_cast<uint8_t>(key[0]);
  const std::string_view name = key.substr(1, length);
  const std::string_view value = key.substr(1 + length);
  if (value[0] == 'S') {
    const auto port = static_cast<uint16_t>((static_cast<uint8_t>(value[1]) << 8) | static_cast<uint8_t>(value[2]));
    set.addSrv(name, SrvTarget{value.substr(3), port});
  } else {
    set.addAddress(name, addressAt(value.data() + 1, value[0] == 'A'));
  }
}

}  // namespace

RecordBook::RecordBook(GeneratorOptions options) : options_(std::move(options)) { options_.enumerate = false; }

void RecordBook::take(Part& part, TaskRecords generated) {
  part.records.clear();
  for (const auto& [name, recs] : generated.records.names()) {
    for (const auto& ip : recs.a) part.records.push_back(&*counts_.try_emplace(keyOf(name, ip), 0).first);
    for (const auto& ip : recs.aaaa) part.records.push_back(&*counts_.try_emplace(keyOf(name, ip), 0).first);
    for (const auto& srv : recs.srv) part.records.push_back(&*counts_.try_emplace(keyOf(name, srv), 0).first);
  }
  part.reverse = std::move(generated.reverse);
  for (const auto problem : {NameProblem::kEmptyLabel, NameProblem::kLongLabel, NameProblem::kLongName}) {
    const auto i = static_cast<size_t>(problem);
    part.dropped[i] = generated.records.droppedNames(problem);
    part.droppedExample[i] = generated.records.droppedExample(problem);
  }
}

void RecordBook::count(const Part& part, int sign) {
  for (Count* c : part.records) delta_[c] += sign;
  for (const auto& candidate : part.reverse) {
    const IpAddress& ip = candidate.first;
    const std::string& name = candidate.second;
    auto& names = reverse_[ip];
    auto it = std::find_if(names.begin(), names.end(), [&name](const auto& n) { return n.first == name; });
    if (sign > 0) {
      if (it == names.end()) {
        names.emplace_back(name, 0);
        it = names.end() - 1;
        touched_.insert(ip);
      }
      ++it->second;
    } else if (it != names.end() && --it->second == 0) {
      names.erase(it);
      touched_.insert(ip);
    }
    if (names.empty()) reverse_.erase(ip);
  }
  for (size_t i = 0; i < dropped_.size(); ++i) dropped_[i] += sign > 0 ? part.dropped[i] : -part.dropped[i];
}

ReversePointers RecordBook::reversePointers(std::vector<IpAddress> agents) {
  // An address that exactly one task's canonical name holds, and no agent, points back at it.
  std::sort(agents.begin(), agents.end());
  agents.erase(std::unique(agents.begin(), agents.end()), agents.end());
  auto decide = [this](const IpAddress& ip) {
    const auto it = reverse_.find(ip);
    if (it != reverse_.end() && it->second.size() == 1 && !std::binary_search(agents_.begin(), agents_.end(), ip)) {
      Pointer& p = ptr_[ip];
      if (p.name != it->second.front().first) p = Pointer{it->second.front().first};
    } else {
      ptr_.erase(ip);
    }
  };
  if (agents != agents_) {
    agents_ = std::move(agents);
    ptr_.clear();
    for (const auto& [ip, names] : reverse_) decide(ip);
  } else {
    for (const auto& ip : touched_) decide(ip);
  }
  touched_.clear();
  ReversePointers pointers;
  pointers.reserve(ptr_.size());
  // A name's place stays while the set is patched without compacting its text: looked up again
  // only for new pointers and after a compaction.
  for (auto& [ip, p] : ptr_) {
    if (p.textId != records_.textId()) {
      const auto ref = records_.refOf(p.name);
      if (!ref) continue;
      p.ref = *ref;
      p.textId = records_.textId();
    }
    pointers.push_back({ip, p.ref});
  }
  return pointers;
}

RecordBook::Update RecordBook::update(const MesosState& state, const HostResolver& resolveHost) {
  Update out;
  delta_.clear();

  // What no task makes: from the state without its tasks.
  MesosState skeleton;
  skeleton.leader = state.leader;
  skeleton.slaves = state.slaves;
  for (const auto& f : state.frameworks) skeleton.frameworks.push_back(Framework{f.name, f.pid, f.hostname, {}});
  GeneratedRecords cluster = generateRecords(skeleton, options_, resolveHost);
  out.warnings = std::move(cluster.warnings);
  out.hostsResolved = std::move(cluster.hostsResolved);
  {
    Part& part = parts_[kClusterPart];
    count(part, -1);
    TaskRecords generated;
    generated.records = std::move(cluster.records);
    take(part, std::move(generated));
    part.dropped = {};  // the cluster's warnings name them already
    count(part, +1);
  }

  const uint64_t now = ++updates_;
  // A task by its framework's name and its id (made unique when a state lists it twice: which
  // part matches which then only costs generating it again).
  std::string key;
  for (const auto& f : state.frameworks) {
    std::unordered_set<std::string> healthyApps;
    if (options_.healthyOnly) healthyApps = appsWithHealthyInstance(f, cluster.agentAddresses, options_);
    for (const auto& task : f.tasks) {
      const auto agent = cluster.agentAddresses.find(task.slaveId);
      if (agent == cluster.agentAddresses.end() || task.state != "TASK_RUNNING") continue;
      const bool shared =
          !options_.healthyOnly || !task.unhealthy() || !healthyApps.contains(appNameOf(task, options_));
      if (!shared) ++out.unhealthyLeftOut;
      key.assign(f.name).append(1, '\0').append(task.id);
      auto it = parts_.find(key);
      for (size_t n = 1; it != parts_.end() && it->second.seen == now; ++n) {
        key.assign(f.name).append(1, '\0').append(task.id).append(1, '\0').append(std::to_string(n));
        it = parts_.find(key);
      }
      const bool isNew = it == parts_.end();
      if (isNew) it = parts_.try_emplace(key).first;
      Part& part = it->second;
      part.seen = now;
      // A hub's model numbers each write of a task: an equal revision is equal content.
      const bool sameTask = task.revision != 0 ? part.task.revision == task.revision : part.task == task;
      if (!isNew && sameTask && part.shared == shared && part.agent == agent->second) continue;
      count(part, -1);
      part.task = task;
      part.agent = agent->second;
      part.shared = shared;
      take(part, generateTaskRecords(task, f.name, agent->second, shared, options_));
      count(part, +1);
      ++out.tasksGenerated;
    }
  }
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (it->second.seen == now || it->first == kClusterPart) {
      ++it;
      continue;
    }
    count(it->second, -1);
    it = parts_.erase(it);
  }

  // The records whose count reaches or leaves zero are the difference.
  std::vector<std::string> gone;
  for (const auto& [c, d] : delta_) {
    const uint32_t before = c->second;
    const auto after = static_cast<uint32_t>(static_cast<int64_t>(before) + d);
    if (before == 0 && after > 0) addKey(out.diff.added, c->first);
    if (before > 0 && after == 0) addKey(out.diff.removed, c->first);
    c->second = after;
    if (after == 0) gone.push_back(c->first);
  }
  for (const auto& record : gone) counts_.erase(record);
  delta_.clear();
  out.diff.removed.finalize();
  out.diff.added.finalize();

  if (now == 1) {
    records_ = out.diff.added;
  } else {
    std::string error;
    auto patched = records_.patched(out.diff.removed, out.diff.added, error);
    if (!patched) {
      // The counts say a record came that the set has, or went that it has not: the book is
      // wrong. Take the whole set from the counts (and say so: it is a defect).
      out.warnings.push_back("record book out of step with its set (" + error + "); the set is made again");
      RecordSet all;
      for (const auto& [record, n] : counts_) addKey(all, record);
      all.finalize();
      out.diff = diffRecordSets(records_, all);
      records_ = std::move(all);
    } else {
      records_ = std::move(*patched);
    }
  }

  std::vector<IpAddress> agents;
  for (const auto& [id, ips] : cluster.agentAddresses) agents.insert(agents.end(), ips.begin(), ips.end());
  records_.setReverse(reversePointers(std::move(agents)));

  for (const auto problem : {NameProblem::kEmptyLabel, NameProblem::kLongLabel, NameProblem::kLongName}) {
    const auto i = static_cast<size_t>(problem);
    if (dropped_[i] == 0) continue;
    std::string example;
    for (const auto& [id, part] : parts_) {
      if (part.dropped[i] > 0) {
        example = part.droppedExample[i];
        break;
      }
    }
    out.warnings.push_back(std::to_string(dropped_[i]) + " records left out: their names have " + describe(problem) +
                           ", e.g. \"" + dns::presentationName(example) + "\"");
  }
  out.records = records_;
  return out;
}

}  // namespace mdns
