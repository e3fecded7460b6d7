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

void RecordBook::put(Parts::iterator at, bool isNew, const Task& task, std::string_view framework,
                     uint32_t frameworkCopy, const std::vector<IpAddress>& agent) {
  Part& part = at->second;
  // A hub's model numbers each write of a task: an equal revision is equal content.
  const bool sameTask = !isNew && (task.revision != 0 ? part.task.revision == task.revision : part.task == task);
  if (sameTask && part.agent == agent && part.frameworkCopy == frameworkCopy) return;
  if (part.app != nullptr) leave(part);
  part.task = task;
  part.framework = framework;
  part.frameworkCopy = frameworkCopy;
  part.agent = agent;
  part.healthy = !task.unhealthy();
  if (options_.healthyOnly) join(part);
  if (!part.stale) {
    part.stale = true;
    stale_.insert(&part);
  }
}

RecordBook::Parts::iterator RecordBook::drop(Parts::iterator at) {
  Part& part = at->second;
  count(part, -1);
  if (part.app != nullptr) leave(part);
  if (!part.shared) --leftOut_;
  if (part.stale) stale_.erase(&part);
  return parts_.erase(at);
}

void RecordBook::join(Part& part) {
  std::string key = part.framework;
  key.append(1, '\0').append(std::to_string(part.frameworkCopy)).append(1, '\0');
  key += appNameOf(part.task, options_);
  auto [it, fresh] = apps_.try_emplace(key);
  App& app = it->second;
  if (fresh) app.key = std::move(key);
  app.parts.insert(&part);
  if (part.healthy) ++app.healthy;
  part.app = &app;
  if (!app.dirty) {
    app.dirty = true;
    dirtyApps_.push_back(&app);
  }
}

void RecordBook::leave(Part& part) {
  App& app = *part.app;
  app.parts.erase(&part);
  if (part.healthy) --app.healthy;
  part.app = nullptr;
  if (!app.dirty) {
    app.dirty = true;
    dirtyApps_.push_back(&app);
  }
}

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

const std::string* RecordBook::pointerOf(const IpAddress& ip) const {
  // An address that exactly one task's canonical name holds, and no agent, points back at it.
  const auto it = reverse_.find(ip);
  if (it == reverse_.end() || it->second.size() != 1 || std::binary_search(agents_.begin(), agents_.end(), ip)) {
    return nullptr;
  }
  return &it->second.front().first;
}

void RecordBook::setReverse(RecordSet& set, const std::vector<IpAddress>* agents) {
  const auto add = [this](const IpAddress& ip, std::string_view name, bool plus) {
    const auto h = RecordSet::reverseHash(ip, name);
    for (size_t i = 0; i < 2; ++i) ptrHash_[i] += plus ? h[i] : -h[i];  // modulo 2^64
  };
  bool all = false;
  if (agents != nullptr) {
    std::vector<IpAddress> sorted = *agents;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    all = sorted != agents_;
    agents_ = std::move(sorted);
  }
  // Inserting into the sorted list costs a move of what follows: many changes take it whole.
  if (all || touched_.size() > 64 + ptr_.size() / 16) {
    std::vector<Pointer> next;
    next.reserve(ptr_.size() + touched_.size());
    ptrHash_ = {};
    auto old = ptr_.begin();
    for (const auto& [ip, names] : reverse_) {
      const std::string* name = pointerOf(ip);
      if (name == nullptr) continue;
      while (old != ptr_.end() && old->ip < ip) ++old;
      if (old != ptr_.end() && old->ip == ip && old->name == *name) {
        next.push_back(std::move(*old));  // its place in the text stays
      } else {
        next.push_back(Pointer{ip, *name});
      }
      add(ip, *name, true);
    }
    ptr_ = std::move(next);
  } else {
    for (const auto& ip : touched_) {
      const std::string* name = pointerOf(ip);
      auto it =
          std::lower_bound(ptr_.begin(), ptr_.end(), ip, [](const Pointer& p, const IpAddress& a) { return p.ip < a; });
      const bool held = it != ptr_.end() && it->ip == ip;
      if (held && (name == nullptr || it->name != *name)) {
        add(ip, it->name, false);
        if (name == nullptr) {
          ptr_.erase(it);
          continue;
        }
        it->name = *name;
        it->textId = 0;
        add(ip, *name, true);
      } else if (!held && name != nullptr) {
        ptr_.insert(it, Pointer{ip, *name});
        add(ip, *name, true);
      }
    }
  }
  touched_.clear();
  ReversePointers pointers;
  pointers.reserve(ptr_.size());
  // A name's place stays while the set is patched without compacting its text: looked up again
  // only for new pointers and after a compaction.
  bool complete = true;
  for (auto& p : ptr_) {
    if (p.textId != set.textId()) {
      const auto ref = set.refOf(p.name);
      if (!ref) {  // not a name of the set (the book is out of step): left out, and the hash made again
        complete = false;
        continue;
      }
      p.ref = *ref;
      p.textId = set.textId();
    }
    pointers.push_back({p.ip, p.ref});
  }
  set.setReverse(std::move(pointers), complete ? std::optional(ptrHash_) : std::nullopt);
}

RecordBook::Update RecordBook::update(const MesosState& state, const HostResolver& resolveHost) {
  delta_.clear();

  // What no task makes: from the state without its tasks.
  MesosState skeleton;
  skeleton.leader = state.leader;
  skeleton.slaves = state.slaves;
  for (const auto& f : state.frameworks) skeleton.frameworks.push_back(Framework{f.name, f.pid, f.hostname, {}});
  GeneratedRecords cluster = generateRecords(skeleton, options_, resolveHost);
  clusterWarnings_ = std::move(cluster.warnings);
  hostsResolved_ =
      std::make_shared<const std::unordered_map<std::string, std::vector<IpAddress>>>(std::move(cluster.hostsResolved));
  agentAddresses_ = std::move(cluster.agentAddresses);
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
  std::unordered_map<std::string_view, uint32_t> copies;  // frameworks of each name so far
  for (const auto& f : state.frameworks) {
    const uint32_t copy = copies[f.name]++;
    for (const auto& task : f.tasks) {
      const auto agent = agentAddresses_.find(task.slaveId);
      if (agent == agentAddresses_.end() || task.state != "TASK_RUNNING") continue;
      key.assign(f.name).append(1, '\0').append(task.id);
      auto it = parts_.find(key);
      for (size_t n = 1; it != parts_.end() && it->second.seen == now; ++n) {
        key.assign(f.name).append(1, '\0').append(task.id).append(1, '\0').append(std::to_string(n));
        it = parts_.find(key);
      }
      const bool isNew = it == parts_.end();
      if (isNew) it = parts_.try_emplace(key).first;
      it->second.seen = now;
      put(it, isNew, task, f.name, copy, agent->second);
    }
  }
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (it->second.seen == now || it->first == kClusterPart) {
      ++it;
    } else {
      it = drop(it);
    }
  }
  std::vector<IpAddress> agents;
  for (const auto& [id, ips] : agentAddresses_) agents.insert(agents.end(), ips.begin(), ips.end());
  return finish(&agents);
}

RecordBook::Update RecordBook::updateTasks(const std::vector<TaskChange>& changes) {
  delta_.clear();
  ++updates_;
  std::string key;
  for (const auto& change : changes) {
    key.assign(change.framework).append(1, '\0').append(change.id);
    auto it = parts_.find(key);
    const Task* task = change.task;
    const auto agent = task != nullptr ? agentAddresses_.find(task->slaveId) : agentAddresses_.end();
    if (agent == agentAddresses_.end() || task->state != "TASK_RUNNING") {
      if (it != parts_.end()) drop(it);
      continue;
    }
    const bool isNew = it == parts_.end();
    if (isNew) it = parts_.try_emplace(key).first;
    put(it, isNew, *task, change.framework, 0, agent->second);
  }
  return finish(nullptr);
}

RecordBook::Update RecordBook::finish(const std::vector<IpAddress>* agents) {
  Update out;
  // healthyOnly: an app whose last healthy instance went (or whose first came) serves its
  // unhealthy instances again (or no longer).
  for (App* app : dirtyApps_) {
    app->dirty = false;
    if (app->parts.empty()) {
      const std::string key = app->key;
      apps_.erase(key);
      continue;
    }
    const bool all = app->healthy == 0;
    if (all == app->servesAll) continue;
    app->servesAll = all;
    for (Part* part : app->parts) {
      if (part->shared != (part->healthy || all) && !part->stale) {
        part->stale = true;
        stale_.insert(part);
      }
    }
  }
  dirtyApps_.clear();
  for (Part* part : stale_) {
    const bool shared = !options_.healthyOnly || part->healthy || part->app->servesAll;
    count(*part, -1);
    if (part->shared != shared) {
      if (shared) {
        --leftOut_;
      } else {
        ++leftOut_;
      }
      part->shared = shared;
    }
    take(*part, generateTaskRecords(part->task, part->framework, part->agent, shared, options_));
    count(*part, +1);
    part->stale = false;
  }
  out.tasksGenerated = stale_.size();
  stale_.clear();

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

  RecordSet next;
  if (!records_) {
    next = out.diff.added;
  } else {
    std::string error;
    auto patched = records_->patched(out.diff.removed, out.diff.added, error);
    if (!patched) {
      // The counts say a record came that the set has, or went that it has not: the book is
      // wrong. Take the whole set from the counts (and say so: it is a defect).
      out.warnings.push_back("record book out of step with its set (" + error + "); the set is made again");
      for (const auto& [record, n] : counts_) addKey(next, record);
      next.finalize();
      out.diff = diffRecordSets(*records_, next);
    } else {
      next = std::move(*patched);
    }
  }
  setReverse(next, agents);
  records_ = std::make_shared<const RecordSet>(std::move(next));

  out.warnings.insert(out.warnings.begin(), clusterWarnings_.begin(), clusterWarnings_.end());
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
  out.unhealthyLeftOut = leftOut_;
  out.hostsResolved = hostsResolved_;
  out.records = records_;
  return out;
}

RecordBook::Update followModel(RecordBook& book, const ClusterModel& model, const ClusterModel::Changes& changes,
                               const HostResolver& resolveHost, bool* tasksOnly) {
  const bool byTasks = !changes.whole && book.holdsState() && model.frameworkNamesUnique();
  if (tasksOnly != nullptr) *tasksOnly = byTasks;
  if (!byTasks) return book.update(model.state(), resolveHost);
  std::vector<RecordBook::TaskChange> list;
  list.reserve(changes.tasks.size());
  for (const auto& [frameworkId, taskId] : changes.tasks) {
    // A framework the stream did not announce has no records (one removed made the change whole).
    const std::string* name = model.frameworkName(frameworkId);
    if (name != nullptr) list.push_back({*name, taskId, model.task(frameworkId, taskId)});
  }
  return book.updateTasks(list);
}

}  // namespace mdns
