// Forwarding of names outside the Mesos domain: a shared answer cache that the DNS workers read
// directly, and one forwarder thread with its own event loop that sends cache misses upstream.
//
// Per miss: identical questions in flight are coalesced; the upstreams are tried in health order
// (healthy ones in configured order, then those in back-off), a next one joining when the one
// asked does not answer within its retransmission timeout (from its measured round-trip time),
// all within the `timeout` budget. Every upstream query has a random ID and a fresh connected
// socket (random source port, replies from other addresses never reach us), and a reply counts
// only when ID and question match. A truncated UDP reply is asked again over TCP; TCP clients are
// forwarded over TCP. When every upstream fails: a stale answer (RFC 8767) or SERVFAIL.
#pragma once

#include <event2/event.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent/libevent.h"
#include "agent/loop_clock.h"
#include "agent/owned_fd.h"
#include "agent/upstream_transport.h"
#include "common/agent_settings.h"
#include "common/forward_cache.h"
#include "common/lock_guarded.h"
#include "common/metrics.h"
#include "common/responder.h"
#include "common/upstream.h"

namespace mdns {

// Where answers to TCP clients go back: the worker that owns the connection.
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  // Called on the forwarder thread; the reply (without length prefix) is copied.
  virtual void deliverTcp(uint64_t connection, const uint8_t* reply, size_t length) = 0;
};

struct ForwardRequest {
  Transport transport = Transport::kUdp;
  dns::Query query;                            // offsets into `packet`
  std::array<uint8_t, 12 + 256 + 4> packet{};  // the client's header and question
  SharedFd udpSocket;                          // UDP: the worker's socket, replied to directly
  sockaddr_storage client{};
  socklen_t clientLength = 0;
  ReplySink* sink = nullptr;  // TCP
  uint64_t connection = 0;
};

// One upstream's counters for /metrics and /health (written by the forwarder thread).
struct UpstreamStats {
  std::string address;  // "ip:port"
  Counter queries;      // sent (UDP or TCP)
  Counter failures;     // counted against it: silence, errors, malformed replies, REFUSED
  LatencyHistogram latency;
  std::atomic<bool> down{false};     // in back-off now
  std::atomic<bool> current{false};  // among the upstreams in use (not replaced)
};

class Forwarder {
 public:
  // `clock` and `transport`: the forwarder's loop's timers and sockets when null (tests pass their
  // own; they must outlive the forwarder).
  explicit Forwarder(ForwarderSettings settings, Clock* clock = nullptr, UpstreamTransport* transport = nullptr);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  void start();
  void stop();
  // On the forwarder's thread (which the wake-up event runs it on), or a test's without one:
  // takes the questions and new routing other threads handed over.
  void handleQueued();

  // On a worker thread: the reply from the cache when it holds a fresh answer, else 0.
  size_t answerFromCache(const uint8_t* packet, const dns::Query& q, Transport transport, uint8_t* out);
  // On a worker thread: hands a cache miss to the forwarder thread. `packet` is the client's.
  void submit(const uint8_t* packet, const dns::Query& q, Transport transport, SharedFd udpSocket,
              const sockaddr* client, socklen_t clientLength, ReplySink* sink, uint64_t connection);
  // Replaces the default upstreams (e.g. resolv.conf changed); from any thread.
  void setUpstreams(std::vector<Upstream> upstreams);
  // Replaces every upstream and the timeout (a config reload); from any thread. Questions in
  // flight finish with what they started with; the cache stays.
  void reconfigure(std::vector<Upstream> upstreams, std::map<std::string, std::vector<Upstream>> zoneUpstreams,
                   int timeoutMs);

  const ForwardCache& cache() const { return cache_; }

  // For /metrics and /health; from any thread.
  const QueryCounters& replies() const { return replies_; }
  uint64_t mismatchedReplies() const { return mismatchedReplies_.get(); }
  uint64_t overloaded() const { return overloaded_.get(); }
  uint64_t unsentUdp() const { return unsentUdp_.get(); }  // UDP answers the kernel did not take
  void forEachUpstream(const std::function<void(const UpstreamStats&)>& f) const;
  // The upstreams in use for names outside every zoneResolvers zone ("ip:port"), as configured or
  // from resolv.conf.
  std::vector<std::string> defaultUpstreams() const;
  UpstreamStats* statsFor(const Upstream& u);  // the forwarder thread's (creates once per address)

  struct Group;
  struct Pending;
  struct Attempt;

 private:
  static void onWake(evutil_socket_t, short, void* self);
  void accept(ForwardRequest& request);
  void launchNext(Pending* p);
  void launch(Pending* p, size_t upstream, bool tcp);
  // A message from the upstream of `a`: true when taken (the attempt is gone), false when ignored.
  bool received(Attempt* a, const uint8_t* message, size_t length);
  void handleReply(Attempt* a, const uint8_t* msg, size_t len);
  // Drops the attempt and moves on; a non-empty `upstreamFault` counts against its upstream.
  void attemptFailed(Attempt* a, const std::string& upstreamFault);
  void closeAttempt(Attempt* a);
  void fail(Pending* p);
  void answerStale(Pending* p);
  void finish(Pending* p);
  void reply(const ForwardRequest& request, const uint8_t* data, size_t length);
  Group& groupFor(std::string_view lowerName);
  int64_t now() const;
  ReplyOptions replyOptions(const dns::Query& q, Transport transport) const;

  ForwarderSettings settings_;
  ForwardCache cache_;
  EventBasePtr base_;
  EventPtr wake_;
  EventPtr stopEvent_;
  std::unique_ptr<Clock> ownClock_;  // when none was given
  std::unique_ptr<UpstreamTransport> ownTransport_;
  Clock* clock_;
  UpstreamTransport* transport_;
  std::thread thread_;
  struct Routing {
    std::vector<Upstream> upstreams;
    std::optional<std::map<std::string, std::vector<Upstream>>> zoneUpstreams;  // nullopt: keep
    std::optional<int> timeoutMs;
  };
  // What other threads hand the forwarder's thread: questions, and new routing from a reload.
  struct Inbox {
    std::vector<ForwardRequest> queue;
    std::unique_ptr<Routing> routing;
  };
  LockGuarded<Inbox> inbox_;
  // On the forwarder thread: new groups for the default (and, when given, the zone) upstreams.
  void applyRouting(const std::vector<Upstream>& upstreams,
                    const std::map<std::string, std::vector<Upstream>>* zoneUpstreams);
  std::unique_ptr<Group> defaultGroup_;
  std::vector<std::unique_ptr<Group>> retiredGroups_;                   // replaced, still used by queries in flight
  std::unordered_map<std::string, std::unique_ptr<Group>> zoneGroups_;  // lower-case wire zone
  std::unordered_map<std::string, std::unique_ptr<Pending>> pending_;
  std::vector<uint8_t> buffer_;
  Counter mismatchedReplies_;
  Counter overloaded_;
  Counter unsentUdp_;
  QueryCounters replies_;
  struct Stats {
    std::map<std::string, std::unique_ptr<UpstreamStats>> upstreams;  // entries never go away
    std::vector<std::string> defaultUpstreams;
  };
  LockGuarded<Stats> stats_;
};

}  // namespace mdns
