// ZooKeeper leader detection (`zk`): watches the Mesos master group with the ZooKeeper C client
// and knows, at any moment, which master leads and which others are registered. Runs on its own
// thread; readers take a copy of the view, and a callback says when the leader moved.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/lock_guarded.h"
#include "common/zk_info.h"

typedef struct _zhandle zhandle_t;  // NOLINT: the ZooKeeper C client's handle type

namespace mdns {

struct ZkMasters {
  bool connected = false;            // a ZooKeeper session is up
  std::string leader;                // "ip:port" of the leading master; empty while none is known
  std::vector<std::string> masters;  // every registered master, the leader first
  // Since when no leader has been known (meaningful while `leader` is empty): the detector's
  // start, or the moment the leader's znode went away or ZooKeeper was lost.
  std::chrono::steady_clock::time_point leaderlessSince;
};

class ZkLeaderDetector {
 public:
  // `onLeaderChange` runs on the detector's thread each time a new leader is known.
  ZkLeaderDetector(ZkUrl url, std::function<void()> onLeaderChange);
  ~ZkLeaderDetector();
  ZkLeaderDetector(const ZkLeaderDetector&) = delete;
  ZkLeaderDetector& operator=(const ZkLeaderDetector&) = delete;

  void start();
  void stop();  // closes the session (joins the ZooKeeper client's threads) and the detector's
  ZkMasters current() const;

 private:
  // What a member znode says, kept by name: a sequential znode's data never changes.
  struct Member {
    std::string address;  // "ip:port"; empty when the znode is unusable (reported once)
  };
  static void onWatch(zhandle_t* zh, int type, int state, const char* path, void* self);
  void run();
  void connect();
  void disconnect();
  void readGroup();
  Member readMember(const std::string& name);
  void publish(std::vector<std::string> masters, const std::string& leaderNode, const std::string& why);

  const ZkUrl url_;
  const std::function<void()> onLeaderChange_;
  std::thread thread_;
  zhandle_t* zh_ = nullptr;                // the detector thread's only
  std::map<std::string, Member> members_;  // the detector thread's only
  std::chrono::steady_clock::time_point nextConnect_;
  std::string noLeaderReason_;                     // last logged, so that it is said once
  std::chrono::steady_clock::time_point retryAt_;  // a read failed: read the group again then

  // What the client's event thread, the detector's thread and current()'s callers share.
  struct Shared {
    ZkMasters view;
    bool dirty = false;    // the group may have changed: read it again
    bool expired = false;  // the session is gone for good: a new one is needed
    // Since when the client has had no session (the handle's start, or the connection's loss).
    std::chrono::steady_clock::time_point sessionlessSince;
    bool stopping = false;
  };
  LockGuarded<Shared> shared_;
  std::condition_variable wake_;  // a change to shared_ the detector's thread waits for
};

}  // namespace mdns
