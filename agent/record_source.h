// Where the records come from: the leading Mesos master's /master/state (found among the
// configured masters), or a state file. Runs on its own thread and event loop, so fetching,
// parsing and generating never delay a DNS answer; publishes finished snapshots to a RecordStore.
#pragma once

#include <event2/event.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/libevent.h"
#include "agent/master_stream.h"
#include "agent/notifier.h"
#include "agent/zone_follower.h"
#include "common/answer_table.h"
#include "common/config.h"
#include "common/lock_guarded.h"
#include "common/metrics.h"
#include "common/record_book.h"
#include "common/record_generator.h"
#include "common/record_set.h"
#include "common/refresh_policy.h"
#include "common/result.h"
#include "common/snapshot.h"
#include "common/state_fingerprint.h"
#include "common/zk_info.h"

namespace mdns {

class StateFetcher;
class ZkLeaderDetector;

// The published snapshot. Readers poll generation() (one relaxed atomic load) and take the lock
// only when it moved, so the query path never waits on a refresh.
class RecordStore {
 public:
  void publish(std::shared_ptr<const Snapshot> snapshot);
  // Drops the snapshot replaced by the last publish. The source calls it a moment after
  // publishing, when busy workers have moved to the new one, so that freeing a big table happens
  // on the source's thread rather than in the middle of a worker's queries.
  void releaseRetired();
  std::shared_ptr<const Snapshot> current() const;
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  struct Published {
    std::shared_ptr<const Snapshot> snapshot;
    std::shared_ptr<const Snapshot> retired;  // the one before, until releaseRetired
  };
  LockGuarded<Published> published_;
  std::atomic<uint64_t> generation_{0};
};

// Everything a refresh needs besides the config: the masters as "ip:port" (host names resolved
// at start), the parsed `zk` URL, and the addresses published for the SOA's name server.
struct SourceSetup {
  Config config;
  std::vector<std::string> masters;
  // `masters` as configured ("host:port"): the source's thread looks the names up before using them
  // (a reload must not block a DNS worker's loop on the system resolver).
  bool mastersUnresolved = false;
  std::optional<ZkUrl> zk;  // leader detection through ZooKeeper
  std::vector<IpAddress> nameServerAddresses;
  bool keepRecords = false;  // keep the RecordSet in snapshots (dump-zone); the table suffices for DNS
  uint32_t serialFloor = 0;  // SnapshotSettings::serialFloor (set by the source after loading its cache file)
};

// Refresh counters for /metrics (written by the source's thread).
struct SourceStats {
  Counter refreshes, failures, bytes;
  NotifyCounters notifies;                  // sent to secondaries after changes
  std::atomic<size_t> unhealthyLeftOut{0};  // healthyOnly: tasks left out by the last refresh
  // Records kept that the source's last set no longer had: after a leader change while agents are
  // still to re-register (failover), or a set below minRecordRatio held back (shrink).
  std::atomic<size_t> heldFailover{0}, heldShrink{0};
  std::atomic<double> lastDurationSeconds{0};
  // subscribe: the event stream (streamUp -1 when the agent does not subscribe).
  Counter streamEvents, subscriptions;
  std::atomic<int> streamUp{-1};
};

class RecordSource {
 public:
  RecordSource(SourceSetup setup, RecordStore& store, std::function<void(const Snapshot&)> onLoaded);
  ~RecordSource();
  RecordSource(const RecordSource&) = delete;
  RecordSource& operator=(const RecordSource&) = delete;

  void start();  // first refresh at once, then every refreshSeconds
  // Ends the source's loop and joins its thread. False when a refresh still runs after `grace`:
  // the thread is then left running, and the caller must end the process without destroying this.
  bool stop(std::chrono::milliseconds grace = std::chrono::seconds(2));

  // One synchronous load (for dump-zone): empty error on success.
  static Result<std::shared_ptr<const Snapshot>> loadOnce(const SourceSetup& setup);

  // A config reload, from any thread: the new settings apply from a refresh that starts at once
  // (or right after the one running); zone settings (TTL, SOA fields) re-render the served
  // records at once when they are kept (keepRecords) and the domain stays.
  void reconfigure(SourceSetup setup);

  // Who transferred the zone lately: told of each change (NOTIFY) when allowTransfer lets anyone
  // transfer. Before start(); outlives the source.
  void setTransferPeers(const TransferPeers* peers) { transferPeers_ = peers; }

  // A NOTIFY for the zone came from `from` (any thread): true when `from` is one of the primaries,
  // whose zone is then checked at once.
  bool notifiedBy(const IpAddress& from);

  const SourceStats& stats() const { return stats_; }
  // The last refresh's error, empty after a good one (for /health); thread-safe.
  std::string lastError() const;

 private:
  struct MasterAttempt;
  void run();
  void refresh();
  // The masters to ask, in order (common/zk_info.h: masterCandidates). Empty while the agent waits
  // for ZooKeeper to name a leader (`waitSeconds` says how much longer it waits).
  std::vector<std::string> candidates(double& waitSeconds);
  void createEvents();
  void freeEvents();
  void startZk();  // the ZooKeeper detector, when setup_.zk is set
  void tryMaster(const std::shared_ptr<MasterAttempt>& attempt);
  void refreshFromMasters();
  // Peers (mesos-dns or agents' /v1/axfr) in order; then the masters, if any.
  void tryPeer(size_t index, const std::string& lastError);
  std::map<std::string, std::string> peerEtags_;  // peer -> ETag of its last good answer
  // A secondary: SOA checks and transfers from the primaries (created at the first refresh).
  void refreshFromPrimaries();
  void followed(ZoneFollower::Outcome outcome);
  std::unique_ptr<ZoneFollower> follower_;
  const TransferPeers* transferPeers_ = nullptr;
  std::unique_ptr<Notifier> notifier_;                    // made at the first change that has someone to tell
  LockGuarded<std::vector<IpAddress>> primaryIps_;        // for NOTIFYs, read by the DNS workers
  EventPtr notifyEvent_;                                  // made active by a worker: check now
  std::string primaryError_;                              // the last check's failure, logged once per change
  std::chrono::steady_clock::time_point cacheConfirmed_;  // the cache file's time last moved
  void finishRefresh(bool ok);
  // A state's text (its summary read without error): confirms the served records when nothing
  // they are made of changed, else reads, generates and publishes. `warningOrigin` prefixes the
  // state's own warnings; `fetchMs` and the parse time are for the log line.
  // False when the text could not be read after all (a failed refresh).
  bool acceptText(std::string& text, const StateSummary& summary, const std::string& origin,
                  const std::string& warningOrigin, double fetchMs, std::chrono::steady_clock::time_point parseStart);
  // The part after building: the minRecordRatio guard, publishing, the cache file. True when
  // `built`'s snapshot was published as it is (not held back, nothing kept from before).
  // `announced`: changes the master's event stream announced (a task killed, an agent removed):
  // taken without the shrink guard, which is for whole sets that look wrong, and logged at debug.
  // `holdsOwnFailover`: the set already keeps the tasks of agents still to re-register (the
  // stream's model does it agent by agent), so no set-wide failover hold.
  bool acceptBuilt(BuildResult built, const std::shared_ptr<const Snapshot>& previous, const std::string& origin,
                   double fetchMs, double parseMs, bool announced = false, bool holdsOwnFailover = false);
  // subscribe: one event stream to the leading master instead of polling (agent/master_stream.h).
  void subscribeTo(const std::vector<std::string>& candidates);
  // True while the stream runs and ZooKeeper names no other leader (else it is stopped).
  bool streamKeepsRunning();
  void streamChanged(bool snapshot);
  // The stream's cluster as records, through the record book: only the tasks that changed are
  // generated again, and the difference it reports patches the served table.
  // The model's changes since the last batch (`changes`) are all the book looks at, unless they
  // are more than tasks (or the book is new): then it reads the whole state.
  BuildResult buildFromBook(const ClusterModel& model, const ClusterModel::Changes& changes,
                            const std::shared_ptr<const Snapshot>& previous, const std::string& origin,
                            const std::vector<std::string>* masters);
  std::unique_ptr<RecordBook> book_;
  std::array<uint64_t, 2> bookDigest_{};  // the content of the book's last records (its difference starts there)
  std::chrono::steady_clock::time_point bookWholeAt_{};  // the book last took the whole state
  void streamEnded(const std::string& why, bool unsupported);
  std::unique_ptr<MasterStream> stream_;
  bool streamStarting_ = false;  // the refresh under way is a subscription
  bool streamTrusted_ = false;   // the shrink guard took this subscription's snapshot: events apply at once
  std::string streamZkLeader_;   // the leader ZooKeeper named when the subscription began
  std::chrono::steady_clock::time_point streamSince_{};  // the subscription's snapshot
  int briefStreams_ = 0;                                 // streams in a row that ended within a minute (back-off)
  EventPtr resyncTimer_;                                 // the whole state again after an hour of events
  std::chrono::steady_clock::time_point pollUntil_{};    // the masters do not offer the stream: polling till then
  void schedule(double seconds);
  // The cache file: the last good record set, read once at start (so a restart with the masters
  // down serves at once) and written after each refresh that changed the records.
  bool usesCacheFile() const { return setup_.config.stateFile.empty() && !oneShot_; }
  void loadCacheFile();
  static void saveCacheFile(const std::string& path, const RecordSet& records, const Snapshot& snap);
  // Saves pendingCache_: `inBackground` on a thread of its own (a save cost 140 ms at 10,000 tasks,
  // which would hold up the events behind it; one at a time, in order: while one runs, the newest
  // waits), else here, after the one under way.
  void savePendingCache(bool inBackground);
  std::future<void> saving_;  // the save under way in the background
  // The newest version not saved yet (event batches are saved at most every few seconds).
  std::pair<std::shared_ptr<const RecordSet>, std::shared_ptr<const Snapshot>> pendingCache_;
  std::chrono::steady_clock::time_point lastCacheSave_{};
  EventPtr cacheTimer_;
  bool cacheTried_ = false;
  // For failure log lines: what is served meanwhile and how old it is.
  std::string servingNote() const;
  int failures_ = 0;       // refreshes failed in a row (back-off)
  ShrinkHold shrinkHold_;  // sets below minRecordRatio held back for minRecordHoldSeconds
  // Right after a leader change, while agents are still to re-register: `built` (a set from the
  // master) becomes the served records plus the new ones, so that nothing of the agents not yet
  // back goes missing. Returns how many records that keeps.
  size_t holdForRecovery(BuildResult& built, const Snapshot& previous, const std::string& origin);

  SourceSetup setup_;
  RecordStore& store_;
  std::function<void(const Snapshot&)> onLoaded_;
  std::thread thread_;
  EventBasePtr base_;
  EventPtr timer_;
  EventPtr retireTimer_;  // releases the replaced snapshot shortly after a publish
  EventPtr stopEvent_;
  std::unique_ptr<StateFetcher> fetcher_;
  std::string lastLeader_;                         // "ip:port" of the master that last served a good state
  size_t lastStateBytes_ = 0, lastAxfrBytes_ = 0;  // the last bodies' sizes: the next ones' likely
  std::unique_ptr<ZkLeaderDetector> zk_;
  EventPtr zkLeaderChanged_;  // made active by the detector's thread: refresh now
  bool fellBack_ = false;     // ZooKeeper named no leader for zkDetectionTimeout (logged once)
  bool waitLogged_ = false;
  std::chrono::steady_clock::time_point refreshStarted_;
  LockGuarded<std::string> lastError_;
  void setLastError(std::string error);
  // Logs the warnings about the data (from `origin`) that the last refresh did not have too, so
  // that a problem in the state is logged once per change, not on every refresh.
  void warnOnce(const std::string& origin, const std::vector<std::string>& warnings);
  // What the last generation was made from, while its snapshot is the one served: a refresh with
  // the same fingerprint (and host names that still resolve alike) confirms it without generating.
  struct LastGeneration {
    StateFingerprint fingerprint{};
    std::vector<std::pair<std::string, std::vector<IpAddress>>> lookups;  // host names looked up, and the answers
    std::vector<std::string> parseWarnings;                               // the state's (elements skipped)
    std::vector<std::string> warnings;                                    // the generator's
    size_t unhealthyLeftOut = 0;
    std::weak_ptr<const Snapshot> published;
  };
  std::optional<LastGeneration> lastGeneration_;
  bool sameInputsAsLastGeneration(const StateFingerprint& fingerprint, const std::shared_ptr<const Snapshot>& previous);
  std::vector<std::string> warnedBefore_;  // the previous refresh's warnings
  std::vector<std::string> warnedNow_;     // this refresh's so far
  SourceStats stats_;
  std::atomic<bool> stopping_{false};
  std::promise<void> runDone_;
  std::future<void> finishedRun_;
  bool oneShot_ = false;  // loadOnce: stop after the first refresh
  void applyReconfigure();
  EventPtr reconfigureEvent_;
  LockGuarded<std::unique_ptr<SourceSetup>> newSetup_;  // from a reload, for the source's thread
  bool refreshing_ = false;
  bool refreshAgain_ = false;  // a reload or a new leader came during a refresh: another one right after
  bool finished_ = false;
};

// What snapshots are built with under `setup`.
SnapshotSettings snapshotSettings(const SourceSetup& setup);

// Generates the records of a parsed state (host names looked up with `resolveHost`) and builds the
// snapshot that follows `previous` (common/snapshot.h), timing both steps. `masters` numbers the
// masterN records (setup.masters when null).
BuildResult buildSnapshot(MesosState state, const SourceSetup& setup, const Snapshot* previous,
                          const std::string& origin, const HostResolver& resolveHost,
                          const std::vector<std::string>* masters = nullptr);

}  // namespace mdns
