// The DNS listener: UDP and TCP on one address and port, answered on the calling thread's libevent
// loop from the RecordStore's current answer table.
#pragma once

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/record_source.h"
#include "common/responder.h"

namespace mdns {

struct DnsServerLimits {
  int tcpIdleSeconds = 10;
  size_t maxTcpConnections = 256;
};

class DnsServer {
 public:
  DnsServer(event_base* base, const RecordStore& store, ResponderOptions options, DnsServerLimits limits = {});
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on ip:port; on failure returns false with `error` naming address and cause.
  // With `reusePort`, several servers (one per worker thread) share the address (SO_REUSEPORT)
  // and the kernel spreads clients over them.
  bool listen(const std::string& ip, int port, bool reusePort, std::string& error);

  // Answers one query (for the transports and for tests); returns the reply length.
  size_t answer(const uint8_t* packet, size_t length, Transport transport, uint8_t* out);

 private:
  struct TcpConnection;
  struct UdpBatch;
  static void onUdp(evutil_socket_t fd, short events, void* self);
  static void onAccept(evconnlistener* listener, evutil_socket_t fd, sockaddr* addr, int len, void* self);
  static void onTcpRead(bufferevent* bev, void* connection);
  static void onTcpWritten(bufferevent* bev, void* connection);
  static void onTcpEvent(bufferevent* bev, short events, void* connection);
  void closeConnection(TcpConnection* c);
  const AnswerTable* table();

  event_base* base_;
  const RecordStore& store_;
  ResponderOptions options_;
  DnsServerLimits limits_;
  std::vector<event*> udpEvents_;
  std::vector<int> udpFds_;
  std::vector<evconnlistener*> tcpListeners_;
  std::vector<std::unique_ptr<TcpConnection>> connections_;
  uint64_t seenGeneration_ = 0;
  std::shared_ptr<const Snapshot> snapshot_;
  uint32_t rotation_ = 0;
  std::vector<uint8_t> buffer_;
  std::unique_ptr<UdpBatch> udp_;
};

}  // namespace mdns
