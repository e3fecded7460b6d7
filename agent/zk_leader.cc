#include "agent/zk_leader.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <cstring>

#include "agent/host_resolver.h"
#include "agent/log.h"

namespace mdns {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSessionTimeoutMs = 10000;
constexpr auto kReconnectDelay = std::chrono::seconds(2);
constexpr auto kRecheck = std::chrono::seconds(1);
// Without a session for this long, a new handle: the old session has expired on any server by
// then, and a server that lost its data (a rebuilt ensemble) refuses the old session for good
// (the client has seen newer transactions than it has) without ever saying it expired.
constexpr auto kNewSessionAfter = std::chrono::milliseconds(2 * kSessionTimeoutMs);
constexpr int kMaxMemberBytes = 64 * 1024;  // a MasterInfo is a few hundred bytes
constexpr auto kClientLogEvery = std::chrono::seconds(60);

// The ZooKeeper client's own lines: one at warning level per minute (it repeats itself every
// second while a server is down), the rest only with -v.
void clientLog(const char* message) {
  static LockGuarded<Clock::time_point> lastWarning;
  std::string text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  bool warn = false;
  {
    const auto last = lastWarning.lock();
    const auto now = Clock::now();
    if (*last == Clock::time_point() || now - *last >= kClientLogEvery) {
      *last = now;
      warn = true;
    }
  }
  if (warn) {
    log::warning("zookeeper client: " + text + " (more of its messages this minute only with -v)");
  } else {
    log::debug("zookeeper client: " + text);
  }
}

std::string stateName(int state) {
  if (state == ZOO_CONNECTED_STATE) return "connected";
  if (state == ZOO_CONNECTING_STATE) return "connecting";
  if (state == ZOO_EXPIRED_SESSION_STATE) return "session expired";
  if (state == ZOO_AUTH_FAILED_STATE) return "authentication failed";
  return "state " + std::to_string(state);
}

}  // namespace

ZkLeaderDetector::ZkLeaderDetector(ZkUrl url, std::function<void()> onLeaderChange)
    : url_(std::move(url)), onLeaderChange_(std::move(onLeaderChange)) {}

ZkLeaderDetector::~ZkLeaderDetector() { stop(); }

void ZkLeaderDetector::start() {
  shared_.lock()->view.leaderlessSince = Clock::now();
  zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
  log::info("ZooKeeper: watching the Mesos master group " + url_.path + " on " + url_.connectString());
  thread_ = std::thread([this] { run(); });
}

void ZkLeaderDetector::stop() {
  if (!thread_.joinable()) return;
  shared_.lock()->stopping = true;
  wake_.notify_all();
  thread_.join();
}

ZkMasters ZkLeaderDetector::current() const { return shared_.lock()->view; }

// Runs on the ZooKeeper client's event thread: only note what happened and wake the detector.
void ZkLeaderDetector::onWatch(zhandle_t*, int type, int state, const char*, void* self) {
  auto* d = static_cast<ZkLeaderDetector*>(self);
  bool lost = false;
  {
    const auto shared = d->shared_.lock();
    if (type == ZOO_SESSION_EVENT) {
      const bool wasConnected = shared->view.connected;
      shared->view.connected = state == ZOO_CONNECTED_STATE;
      if (state == ZOO_CONNECTED_STATE) shared->dirty = true;
      if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) shared->expired = true;
      if (wasConnected && !shared->view.connected) {
        lost = true;
        shared->sessionlessSince = Clock::now();
        // Without a session the group cannot be watched: no leader is known until it is back.
        if (!shared->view.leader.empty()) {
          shared->view.leader.clear();
          shared->view.leaderlessSince = Clock::now();
        }
      }
    } else {
      shared->dirty = true;  // a child, created or deleted event on the group
    }
  }
  if (lost) {
    log::warning("ZooKeeper: connection lost (" + stateName(state) +
                 "); no leading master known until it is back; asking the last leader meanwhile");
  }
  d->wake_.notify_all();
}

void ZkLeaderDetector::connect() {
  nextConnect_ = Clock::now() + kReconnectDelay;
  zh_ = zookeeper_init2(url_.connectString().c_str(), &ZkLeaderDetector::onWatch, kSessionTimeoutMs, nullptr, this, 0,
                        &clientLog);
  if (zh_ == nullptr) {
    log::error("ZooKeeper: cannot set up a client for " + url_.connectString() + ": " + std::strerror(errno) +
               "; trying again in 2 s");
  }
}

void ZkLeaderDetector::disconnect() {
  if (zh_ != nullptr) zookeeper_close(zh_);  // joins the client's threads: no watch runs after this
  zh_ = nullptr;
}

void ZkLeaderDetector::run() {
  connect();
  shared_.lock()->sessionlessSince = Clock::now();
  for (;;) {
    enum class Next { kWait, kReconnect, kReadGroup } next = Next::kWait;
    bool expired = false;
    bool stale = false;
    {
      auto shared = shared_.lock();
      shared.waitFor(wake_, kRecheck, [&shared] {
        return shared->stopping || shared->expired || (shared->dirty && shared->view.connected);
      });
      if (shared->stopping) break;
      stale = zh_ != nullptr && !shared->view.connected && Clock::now() - shared->sessionlessSince >= kNewSessionAfter;
      if (shared->expired || stale || (zh_ == nullptr && Clock::now() >= nextConnect_)) {
        expired = shared->expired;
        shared->expired = false;
        shared->view.connected = false;
        next = Next::kReconnect;
      } else {
        if (retryAt_ != Clock::time_point() && Clock::now() >= retryAt_) {
          retryAt_ = Clock::time_point();
          shared->dirty = true;
        }
        if (shared->dirty && shared->view.connected) {
          shared->dirty = false;
          next = Next::kReadGroup;
        }
      }
    }
    if (next == Next::kReconnect) {
      if (expired) log::warning("ZooKeeper: the session expired; opening a new one");
      if (stale && !expired) {
        log::warning("ZooKeeper: no session for " +
                     std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kNewSessionAfter).count()) +
                     " s; opening a new one");
      }
      disconnect();
      connect();
      shared_.lock()->sessionlessSince = Clock::now();
    } else if (next == Next::kReadGroup) {
      readGroup();
    }
  }
  disconnect();
}

ZkLeaderDetector::Member ZkLeaderDetector::readMember(const std::string& name) {
  const std::string path = url_.path + "/" + name;
  std::vector<char> buffer(kMaxMemberBytes);
  int length = kMaxMemberBytes;
  Stat stat{};
  const int rc = zoo_get(zh_, path.c_str(), 0, buffer.data(), &length, &stat);
  if (rc != ZOK) throw std::runtime_error(path + ": " + zerror(rc));
  if (stat.dataLength > kMaxMemberBytes || length < 0) {
    log::warning("ZooKeeper: " + path + " holds " + std::to_string(stat.dataLength) +
                 " bytes, too many for a MasterInfo; skipped");
    return {};
  }
  const auto parsed = parseMasterInfo(std::string_view(buffer.data(), static_cast<size_t>(length)));
  if (!parsed.info) {
    log::warning("ZooKeeper: " + path + " is not a MasterInfo (" + parsed.error + "); skipped");
    return {};
  }
  const auto endpoint = masterEndpoint(*parsed.info);
  if (!endpoint) {
    log::warning("ZooKeeper: " + path + " names no address (address, pid, ip or hostname); skipped");
    return {};
  }
  if (!endpoint->lookup) return {joinHostPort(endpoint->host, endpoint->port)};
  const auto ips = resolveHostBlocking(endpoint->host);
  // Mesos masters listen on IPv4 unless told otherwise: an IPv4 address wins.
  const auto v4 = std::find_if(ips.begin(), ips.end(), [](const IpAddress& a) { return a.isV4(); });
  if (ips.empty()) {
    log::warning("ZooKeeper: " + path + ": host \"" + endpoint->host + "\" has no address; skipped");
    return {};
  }
  return {joinHostPort((v4 != ips.end() ? *v4 : ips.front()).toString(), endpoint->port)};
}

void ZkLeaderDetector::readGroup() {
  String_vector children{};
  int rc = zoo_wget_children(zh_, url_.path.c_str(), &ZkLeaderDetector::onWatch, this, &children);
  if (rc == ZNONODE) {
    // No master has registered yet: be told when the group's znode appears.
    Stat stat{};
    rc = zoo_wexists(zh_, url_.path.c_str(), &ZkLeaderDetector::onWatch, this, &stat);
    if (rc == ZOK) shared_.lock()->dirty = true;  // created in between
    publish({}, "", "the znode " + url_.path + " does not exist");
    return;
  }
  if (rc != ZOK) {
    // The connection dropped (its session event brings the next read) or the server is busy.
    log::debug("ZooKeeper: reading " + url_.path + " failed: " + zerror(rc) + "; trying again");
    retryAt_ = Clock::now() + kRecheck;
    return;
  }
  std::vector<std::pair<uint64_t, std::string>> group;
  for (int32_t i = 0; i < children.count; ++i) {
    const std::string name = children.data[i];
    if (const auto seq = masterNodeSequence(name)) group.emplace_back(*seq, name);
  }
  deallocate_String_vector(&children);
  std::sort(group.begin(), group.end());  // the lowest sequence number leads
  std::map<std::string, Member> known;
  std::vector<std::string> masters;
  std::string leaderNode;
  for (const auto& [seq, name] : group) {
    auto it = members_.find(name);
    if (it == members_.end()) {
      try {
        it = members_.emplace(name, readMember(name)).first;
      } catch (const std::runtime_error& e) {
        // Gone since the list was read (its master's session ended), or the connection dropped:
        // a watch event or the reconnection brings the next read.
        log::debug(std::string("ZooKeeper: ") + e.what());
        retryAt_ = Clock::now() + kRecheck;
        continue;
      }
    }
    known.insert(*it);
    const std::string& address = it->second.address;
    if (address.empty() || std::find(masters.begin(), masters.end(), address) != masters.end()) continue;
    if (masters.empty()) leaderNode = name;
    masters.push_back(address);
  }
  members_ = std::move(known);
  publish(std::move(masters), leaderNode, "no master is registered in " + url_.path);
}

void ZkLeaderDetector::publish(std::vector<std::string> masters, const std::string& leaderNode,
                               const std::string& why) {
  bool changed = false;
  std::string leader;
  {
    const auto shared = shared_.lock();
    leader = masters.empty() ? "" : masters.front();
    changed = leader != shared->view.leader;
    if (changed && leader.empty()) shared->view.leaderlessSince = Clock::now();
    shared->view.leader = leader;
    shared->view.masters = std::move(masters);
  }
  if (leader.empty()) {
    if (changed || why != noLeaderReason_) log::warning("ZooKeeper: no leading master: " + why);
    noLeaderReason_ = why;
    return;
  }
  noLeaderReason_.clear();
  if (!changed) return;
  log::info("ZooKeeper: leading master is " + leader + " (" + url_.path + "/" + leaderNode + ")");
  if (onLeaderChange_) onLeaderChange_();
}

}  // namespace mdns
