// A hub's subscription to the leading master's v1 operator event stream (POST /api/v1
// SUBSCRIBE; docs/mesos-operator-events.md): finds the leader among the masters (following its
// 307), reads the RecordIO events into a ClusterModel, and says when the cluster changed, a few
// milliseconds after the first event of a batch, so that a burst of events makes one generation.
// Watches the heartbeats (three missed end the stream) and reads the framework PIDs, which v1
// lacks, from the leader's /master/state-summary. Runs on the record source's loop.
#pragma once

#include <event2/event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/libevent.h"
#include "agent/state_fetcher.h"
#include "common/cluster_model.h"
#include "common/metrics.h"
#include "common/record_io.h"

namespace mdns {

struct StreamSettings {
  HttpRequest request;  // TLS and authentication; timeoutSeconds bounds connecting and the first event
  bool https = false;
  size_t maxRecordBytes = size_t{1} << 30;  // the SUBSCRIBED snapshot is the largest record
  std::chrono::milliseconds batch{5};       // events within this long after the first make one change
  Counter* events = nullptr;                // counts the events read (for /metrics), when set
  Counter* bytes = nullptr;                 // counts the stream's bytes
};

class MasterStream {
 public:
  struct Handlers {
    // The cluster changed (the first time after subscribing: `snapshot` is true, the master's
    // whole state). From a timer on the loop, never from inside a transfer.
    std::function<void(bool snapshot)> changed;
    // The subscription could not start, or the stream ended. `unsupported`: a master said it
    // has no SUBSCRIBE call (older than Mesos 1.1, or /api/v1 missing).
    std::function<void(const std::string& why, bool unsupported)> ended;
  };

  MasterStream(event_base* base, StateFetcher& fetcher, StreamSettings settings, Handlers handlers);
  ~MasterStream();
  MasterStream(const MasterStream&) = delete;
  MasterStream& operator=(const MasterStream&) = delete;

  // Subscribes to the first of `masters` ("host:port") that takes it, or to the leader one names.
  void start(std::vector<std::string> masters);
  // Ends the stream without a call to `ended`.
  void stop();

  const ClusterModel& model() const { return model_; }
  // What changed in the model since the last call (ClusterModel::takeChanges).
  ClusterModel::Changes takeModelChanges() { return model_.takeChanges(); }
  bool subscribed() const { return subscribed_; }
  bool running() const { return transfer_ != 0; }
  const std::string& leader() const { return leader_; }  // "ip:port" while subscribed
  size_t events() const { return events_; }              // events read since the start
  // The subscription's stand-in for the leader's election time (the stream gives none): when this
  // agent first saw this leader.
  double electedTime() const { return electedAt_; }

 private:
  void tryNext();
  bool onPiece(std::string_view piece, const HttpResult& answer);
  bool readEvent(std::string& record);
  void onDone(const HttpResult& result);
  void armWatchdog(double seconds);
  void askFrameworkPids();  // soon, from the loop
  void fetchFrameworkPids();
  void endWith(const std::string& why, bool unsupported);

  event_base* base_;
  StateFetcher& fetcher_;
  StreamSettings settings_;
  Handlers handlers_;
  ClusterModel model_;
  std::unique_ptr<RecordIoReader> reader_;
  std::vector<std::string> candidates_;
  size_t next_ = 0;
  int redirects_ = 0;
  bool unsupportedSeen_ = false;  // a master said it has no SUBSCRIBE call
  std::string lastError_;
  std::string asked_;  // the master being asked
  uint64_t transfer_ = 0;
  uint64_t summaryTransfer_ = 0;
  bool summaryAgain_ = false;  // a framework changed while its PIDs were being read
  bool subscribed_ = false;
  bool snapshotPending_ = false;  // the next change call is the subscription's snapshot
  bool awaitingPids_ = false;     // the snapshot waits for the framework PIDs (state-summary)
  std::string leader_;
  std::string electedLeader_;
  double electedAt_ = 0;
  double heartbeatSeconds_ = 15;
  size_t events_ = 0;
  std::string readError_;  // why the reader refused the stream
  EventPtr batchTimer_;
  EventPtr watchdog_;
  EventPtr summaryTimer_;
};

// "//host:port/api/v1" or "http://host:port/api/v1" (a master's 307 Location) as "host:port";
// empty when it names no host.
std::string hostPortOfLocation(const std::string& location);

}  // namespace mdns
