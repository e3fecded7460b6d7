// The DNS listener: UDP and TCP on one address and port, answered on the calling thread's libevent
// loop from the RecordStore's current answer table.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <atomic>

#include "agent/forwarder.h"
#include "agent/libevent.h"
#include "agent/notifier.h"
#include "agent/owned_fd.h"
#include "agent/record_source.h"
#include "common/lock_guarded.h"
#include "common/metrics.h"
#include "common/responder.h"
#include "common/result.h"
#include "common/upstream.h"
#include "common/zone_transfer.h"

namespace mdns {

struct DnsServerLimits {
  int tcpIdleSeconds = 10;
  size_t maxTcpConnections = 256;
};

// The optional query log (queryLog): one line per query, at most `perSecond` lines a second
// across all workers; what is left out is counted in one line per second.
class QueryLog {
 public:
  void setRate(int perSecond) { perSecond_.store(perSecond, std::memory_order_relaxed); }  // 0: off
  bool enabled() const { return perSecond_.load(std::memory_order_relaxed) > 0; }
  // `message` holds the question (query or reply); `result` says what became of it.
  void record(const sockaddr* from, Transport transport, const uint8_t* message, size_t length,
              std::string_view result);

 private:
  std::atomic<int> perSecond_{0};
  struct Second {  // the workers' common count for the current second
    int64_t second = 0;
    int logged = 0;
    uint64_t skipped = 0;
  };
  LockGuarded<Second> current_;
};

// Who may transfer the zone (allowTransfer). A reload replaces the list while workers read it;
// transfer queries are rare, so taking a lock for each costs nothing.
class SharedAllowList {
 public:
  explicit SharedAllowList(AllowList list = {}) : list_(std::move(list)) {}
  void set(AllowList list) { *list_.lock() = std::move(list); }
  bool allows(const sockaddr* from) const;

 private:
  LockGuarded<AllowList> list_;
};

// Per-worker counters for /metrics.
struct DnsServerStats {
  QueryCounters replies;  // every reply the worker sent itself
  Counter local;          // answered from the records (or an error reply) on the worker
  Counter cached;         // answered from the forward cache on the worker
  Counter forwarded;      // handed to the forwarder
  Counter refused;        // asker not in allowFrom
  Counter unsentUdp;      // UDP replies the kernel did not take (socket buffer full, ...): lost
  // Zone transfers (AXFR/IXFR): sent whole; refused (over UDP, asker not in allowTransfer, not the
  // apex); failed (no records yet, or the client went away or stopped reading midway).
  Counter transfersOk, transfersRefused, transfersFailed;
  // Transfers sent, by what they held: the whole zone, differences (IXFR), the SOA alone (IXFR, up to date).
  Counter transfersWhole, transfersDifferences, transfersUpToDate;
  // NOTIFYs for the zone: from a primary (a check follows at once), or refused (from anyone else).
  Counter notifiesAccepted, notifiesRefused;
};

class DnsServer : public ReplySink {
 public:
  // `forwarder` (may be null) takes names outside the domain; `allow` (may be null: everyone)
  // says who may ask at all. Both outlive the server.
  DnsServer(event_base* base, const RecordStore& store, ResponderOptions options, DnsServerLimits limits = {},
            Forwarder* forwarder = nullptr, const AllowList* allow = nullptr);
  ~DnsServer() override;
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on `address`; on failure returns false with `error` naming address and cause.
  // With `reusePort`, several servers (one per worker thread) share the address (SO_REUSEPORT)
  // and the kernel spreads clients over them.
  Status listen(const SocketAddress& address, bool reusePort);
  // Serves sockets made by someone else (systemd's socket activation or file descriptor store):
  // a bound UDP socket and a listening TCP socket, either may be -1. The server owns them now.
  // `paused`: nothing is read until resume(), so queries wait in the sockets.
  Status adopt(int udpFd, int tcpFd, bool paused);
  void resume();  // from any thread
  // Closes the sockets on `address` (a listener taken out by a reload); connections stay. Call on
  // the server's own thread.
  void unlisten(const SocketAddress& address);
  // The listening sockets, for systemd's file descriptor store.
  std::vector<int> udpSockets() const;
  std::vector<int> tcpSockets() const;

  void deliverTcp(uint64_t connection, const uint8_t* reply, size_t length) override;

  const DnsServerStats& stats() const { return stats_; }
  // Answers from records not confirmed by their source for longer than this carry Extended DNS
  // Error 3 (Stale Answer); from any thread.
  void setMaxStaleSeconds(int seconds) { maxStaleSeconds_.store(seconds, std::memory_order_relaxed); }
  void setQueryLog(QueryLog* log) { queryLog_ = log; }  // before the loop runs
  // Who may transfer the zone; null (the default): nobody. Before the loop runs; outlives the server.
  void setTransferAllowList(const SharedAllowList* list) { transferAllow_ = list; }
  // Where transfers are noted (for NOTIFY); null: nowhere. Before the loop runs; outlives the server.
  void setTransferPeers(TransferPeers* peers) { transferPeers_ = peers; }
  // Who hears of a NOTIFY for the zone: true when the sender is believed (one of the primaries);
  // unset or false: REFUSED. Before the loop runs.
  void setNotifyHandler(std::function<bool(const IpAddress&)> handler) { notifyHandler_ = std::move(handler); }

 private:
  struct TcpConnection;
  struct OngoingTransfer;
  // What is still to come for a query answered with no reply of its own.
  enum class Pending { kNothing, kForwarder, kTransfer };
  // Answers one query from `from` (over TCP: on `connection`); returns the reply length, 0 when
  // there is nothing to send now: dropped, handed to the forwarder (which replies itself), or a
  // zone transfer started on the connection (`pending` says which).
  size_t answer(const uint8_t* packet, size_t length, Transport transport, const sockaddr* from, socklen_t fromLength,
                int udpFd, TcpConnection* connection, uint8_t* out, Pending& pending);
  // An AXFR or IXFR query: an error reply (its length), or 0 with the transfer started.
  size_t answerTransfer(const TransferQuery& query, const uint8_t* packet, Transport transport, const sockaddr* from,
                        TcpConnection* connection, uint8_t* out);
  // An IXFR over UDP: its one reply's length.
  size_t answerUdpIxfr(const TransferQuery& query, TransferPlan plan, const uint8_t* packet, const sockaddr* from,
                       uint8_t* out);
  // Writes a transfer's next messages while the client keeps up (kTcpMaxPendingOutput unread at most).
  void continueTransfer(TcpConnection* c);
  struct UdpBatch;
  static void onUdp(evutil_socket_t fd, short events, void* self);
  static void onAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len, void* self);
  static void onTcpRead(bufferevent* bev, void* connection);
  static void onTcpWritten(bufferevent* bev, void* connection);
  static void onTcpEvent(bufferevent* bev, short events, void* connection);
  static void onDelivered(evutil_socket_t, short, void* self);
  // Once a second on the server's loop: takes a newly published snapshot even when no query comes
  // (a quiet worker would keep the old answer table alive), and notes whether the data is stale.
  static void onTick(evutil_socket_t, short, void* self);
  bool allowed(const sockaddr* from) const;
  void closeConnection(TcpConnection* c);
  const AnswerTable* table();

  event_base* base_;
  const RecordStore& store_;
  ResponderOptions options_;
  DnsServerLimits limits_;
  std::vector<SharedFd> udpFds_;     // shared with the forwarder while it owes answers on them
  std::vector<EventPtr> udpEvents_;  // one per socket in udpFds_ (freed before their sockets close)
  std::vector<ListenerPtr> tcpListeners_;
  std::vector<std::unique_ptr<TcpConnection>> connections_;
  uint64_t seenGeneration_ = 0;
  std::shared_ptr<const Snapshot> snapshot_;
  uint32_t rotation_ = 0;
  std::vector<uint8_t> buffer_;
  std::unique_ptr<UdpBatch> udp_;
  Forwarder* forwarder_;
  const AllowList* allow_;
  const SharedAllowList* transferAllow_ = nullptr;
  TransferPeers* transferPeers_ = nullptr;
  std::function<bool(const IpAddress&)> notifyHandler_;
  // A NOTIFY (RFC 1996): its reply's length, or 0 when `packet` is not one for the zone.
  size_t answerNotify(const uint8_t* packet, size_t length, Transport transport, const sockaddr* from, uint8_t* out);
  uint64_t nextConnectionId_ = 1;
  // Forwarded answers for TCP clients (connection id, framed reply), from the forwarder thread.
  LockGuarded<std::vector<std::pair<uint64_t, std::vector<uint8_t>>>> delivered_;
  EventPtr deliveredEvent_;
  EventPtr tickEvent_;
  std::atomic<int> maxStaleSeconds_{3600};
  DnsServerStats stats_;
  QueryLog* queryLog_ = nullptr;
};

}  // namespace mdns
