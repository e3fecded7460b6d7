#include "agent/dns_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "agent/local_address.h"
#include "agent/log.h"
#include "common/socket_address.h"

namespace mdns {
namespace {

constexpr int kUdpBatch = 32;                                // datagrams per recvmmsg/sendmmsg call
constexpr int kUdpRoundsPerWakeup = 8;                       // then others (TCP, signals) get a turn
constexpr size_t kUdpQueryMax = 4096;                        // a longer datagram is no query of ours (MSG_TRUNC)
constexpr int kUdpSocketBuffer = 4 << 20;                    // absorbs bursts while the loop is busy
constexpr size_t kTcpMaxPendingOutput = size_t{256} * 1024;  // unread answers per connection
// A zone transfer is topped up whenever its unread messages fall to this, so that the socket
// always has data and at most kTcpMaxPendingOutput plus one message is held per transfer.
constexpr size_t kTransferRefillBelow = kTcpMaxPendingOutput / 2;

bool allowedBy(const AllowList& allow, const sockaddr* from) {
  const auto bytes = addressBytes(from);  // per query: read in place
  if (bytes.size() == 4) return allow.allowsV4(bytes.data());
  return bytes.size() == 16 && allow.allowsV6(bytes.data());  // IPv4-mapped ones checked as IPv4
}

std::string addressText(const sockaddr* from) {
  const auto address = SocketAddress::fromSockaddr(from);
  return address ? address->ip.toString() : "";
}

}  // namespace

bool SharedAllowList::allows(const sockaddr* from) const { return from != nullptr && allowedBy(*list_.lock(), from); }

// A zone transfer being written to a TCP client, a few messages at a time as it reads them. It
// holds the snapshot it started with, so the client gets one consistent version of the zone even
// when a refresh publishes another meanwhile (the old records then live until the transfer ends).
struct DnsServer::OngoingTransfer {
  OngoingTransfer(std::shared_ptr<const Snapshot> snap, TransferPlan plan, const uint8_t* packet,
                  const TransferQuery& query, bool recursionAvailable)
      : snapshot(std::move(snap)),
        kind(plan.kind),
        differences(plan.differences),
        writer(std::move(plan.parts), snapshot->table->zone(), packet, query, recursionAvailable),
        ixfr(query.ixfr),
        askerSerial(query.askerSerial) {}
  std::shared_ptr<const Snapshot> snapshot;  // holds the records and the differences being written
  TransferPlan::Kind kind;
  size_t differences;
  ZoneTransferWriter writer;
  bool ixfr = false;
  std::optional<uint32_t> askerSerial;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Buffers for one recvmmsg/sendmmsg round: one slot per datagram, allocated once.
struct DnsServer::UdpBatch {
  mmsghdr in[kUdpBatch];
  iovec inIov[kUdpBatch];
  sockaddr_storage from[kUdpBatch];
  uint8_t query[kUdpBatch][kUdpQueryMax];
  mmsghdr out[kUdpBatch];
  iovec outIov[kUdpBatch];
  uint8_t reply[kUdpBatch][dns::kMaxUdpReply];
};

struct DnsServer::TcpConnection {
  DnsServer* server = nullptr;
  BuffereventPtr bev;
  uint64_t id = 0;
  sockaddr_storage peer{};
  socklen_t peerLength = 0;
  int forwarding = 0;                         // queries with the forwarder, answers still to come
  bool readingPaused = false;                 // too many unread answers: queries wait in the input buffer
  bool closing = false;                       // the client half-closed: close once the answers are written
  std::unique_ptr<OngoingTransfer> transfer;  // while a zone transfer is written, queries wait
};

DnsServer::DnsServer(event_base* base, const RecordStore& store, ResponderOptions options, DnsServerLimits limits,
                     Forwarder* forwarder, const AllowList* allow)
    : base_(base),
      store_(store),
      options_(std::move(options)),
      limits_(limits),
      buffer_(dns::kMaxMessage + 2),
      udp_(std::make_unique<UdpBatch>()),
      forwarder_(forwarder),
      allow_(allow) {
  options_.forwardOutside = forwarder_ != nullptr;
  deliveredEvent_.reset(event_new(base_, -1, EV_PERSIST, &DnsServer::onDelivered, this));
  event_add(deliveredEvent_.get(), nullptr);
  tickEvent_.reset(event_new(base_, -1, EV_PERSIST, &DnsServer::onTick, this));
  const timeval second{1, 0};
  event_add(tickEvent_.get(), &second);
}

DnsServer::~DnsServer() = default;

const AnswerTable* DnsServer::table() {
  const uint64_t gen = store_.generation();
  if (gen != seenGeneration_) {
    snapshot_ = store_.current();
    seenGeneration_ = gen;
  }
  return snapshot_ ? snapshot_->table.get() : nullptr;
}

void DnsServer::onTick(evutil_socket_t, short, void* selfPtr) {
  auto* self = static_cast<DnsServer*>(selfPtr);
  self->table();
  int64_t stale = 0;
  if (self->snapshot_) {
    const auto age =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - self->snapshot_->loadedAt)
            .count();
    if (age > self->maxStaleSeconds_.load(std::memory_order_relaxed)) stale = age;
  }
  self->options_.staleAgeSeconds = stale;
}

bool DnsServer::allowed(const sockaddr* from) const {
  if (allow_ == nullptr || from == nullptr) return true;
  return allowedBy(*allow_, from);
}

size_t DnsServer::answer(const uint8_t* packet, size_t length, Transport transport, const sockaddr* from,
                         socklen_t fromLength, int udpFd, TcpConnection* connection, uint8_t* out, Pending& pending) {
  pending = Pending::kNothing;
  const bool tcp = transport == Transport::kTcp;
  if (!allowed(from)) {
    const size_t n = refuse(packet, length, options_, out);
    stats_.refused.add();
    stats_.replies.countReply(tcp, out, n);
    if (queryLog_ != nullptr && queryLog_->enabled()) queryLog_->record(from, transport, out, n, "refused (allowFrom)");
    return n;
  }
  if (length >= dns::kHeaderSize && ((packet[2] >> 3) & 0xF) == 4) {
    if (const size_t n = answerNotify(packet, length, transport, from, out); n != 0) return n;
  }
  if (const auto transfer = parseTransferQuery(packet, length, options_.apexWire)) {
    const size_t n = answerTransfer(*transfer, packet, transport, from, connection, out);
    if (n == 0) pending = Pending::kTransfer;
    return n;
  }
  const Outcome outcome = respondOrForward(packet, length, transport, table(), options_, rotation_++, out);
  if (!outcome.forward) {
    stats_.local.add();
    stats_.replies.countReply(tcp, out, outcome.length);
    if (queryLog_ != nullptr && queryLog_->enabled()) queryLog_->record(from, transport, out, outcome.length, "local");
    return outcome.length;
  }
  if (const size_t n = forwarder_->answerFromCache(packet, outcome.query, transport, out); n != 0) {
    stats_.cached.add();
    stats_.replies.countReply(tcp, out, n);
    if (queryLog_ != nullptr && queryLog_->enabled()) queryLog_->record(from, transport, out, n, "forward cache");
    return n;
  }
  SharedFd udpSocket;
  for (const auto& s : udpFds_) {
    if (s->get() == udpFd) udpSocket = s;
  }
  forwarder_->submit(packet, outcome.query, transport, std::move(udpSocket), from, fromLength, this,
                     connection != nullptr ? connection->id : 0);
  stats_.forwarded.add();
  if (queryLog_ != nullptr && queryLog_->enabled())
    queryLog_->record(from, transport, packet, outcome.query.questionEnd, "forwarded");
  pending = Pending::kForwarder;
  return 0;
}

size_t DnsServer::answerTransfer(const TransferQuery& query, const uint8_t* packet, Transport transport,
                                 const sockaddr* from, TcpConnection* connection, uint8_t* out) {
  const bool tcp = transport == Transport::kTcp;
  auto reply = [&](uint16_t rcode, Counter& counter, std::string_view why) {
    const size_t n = writeErrorReply(packet, query.query, rcode, options_.recurseOn, out);
    counter.add();
    stats_.local.add();
    stats_.replies.countReply(tcp, out, n);
    if (queryLog_ != nullptr && queryLog_->enabled()) queryLog_->record(from, transport, out, n, why);
    return n;
  };
  if (query.query.hasEdns && query.query.ednsVersion != 0) {
    return reply(dns::kRcodeBadVers, stats_.transfersRefused, "zone transfer: EDNS version not supported");
  }
  // AXFR needs TCP (RFC 5936 section 4.2); over UDP even an allowed asker is refused. IXFR may
  // come over UDP (RFC 1995 section 2): below.
  if ((!tcp && !query.ixfr) || (tcp && connection == nullptr))
    return reply(dns::kRcodeRefused, stats_.transfersRefused, "zone transfer over UDP");
  if (transferAllow_ == nullptr || !transferAllow_->allows(from)) {
    return reply(dns::kRcodeRefused, stats_.transfersRefused, "zone transfer refused (allowTransfer)");
  }
  // Below the apex there is no zone to transfer (NOTAUTH, as BIND and Knot answer).
  if (!query.apex) return reply(dns::kRcodeNotAuth, stats_.transfersRefused, "zone transfer: not a zone");
  table();  // the current snapshot
  if (!snapshot_ || !snapshot_->table || !snapshot_->records) {
    // No records yet (or, just after a reload turned allowTransfer on with httpon false, not
    // kept until the refresh that the reload starts).
    return reply(dns::kRcodeServFail, stats_.transfersFailed, "zone transfer: no records loaded");
  }
  TransferPlan plan = planTransfer(query, *snapshot_->records, snapshot_->serial(), snapshot_->history.get());
  if (!tcp) return answerUdpIxfr(query, std::move(plan), packet, from, out);
  connection->transfer =
      std::make_unique<OngoingTransfer>(snapshot_, std::move(plan), packet, query, options_.recurseOn);
  if (transferPeers_ != nullptr) {
    // Told of the next change (NOTIFY) at this address, on the DNS port.
    if (const auto asker = SocketAddress::fromSockaddr(from)) {
      transferPeers_->noteTransfer(asker->ip, std::chrono::steady_clock::now());
    }
  }
  if (queryLog_ != nullptr && queryLog_->enabled()) {
    queryLog_->record(from, transport, packet, query.query.questionEnd, "zone transfer");
  }
  bufferevent_setwatermark(connection->bev.get(), EV_WRITE, kTransferRefillBelow, 0);
  continueTransfer(connection);
  return 0;
}

size_t DnsServer::answerNotify(const uint8_t* packet, size_t length, Transport transport, const sockaddr* from,
                               uint8_t* out) {
  const auto query = parseNotify(packet, length, options_.apexWire);
  if (!query) return 0;  // answered NOTIMP like any other opcode
  const auto sender = SocketAddress::fromSockaddr(from);
  const bool believed = sender && notifyHandler_ && notifyHandler_(sender->ip);
  (believed ? stats_.notifiesAccepted : stats_.notifiesRefused).add();
  const size_t n =
      writeErrorReply(packet, *query, believed ? dns::kRcodeNoError : dns::kRcodeRefused, options_.recurseOn, out);
  stats_.replies.countReply(transport == Transport::kTcp, out, n);
  if (queryLog_ != nullptr && queryLog_->enabled()) {
    queryLog_->record(from, transport, out, n, believed ? "NOTIFY from a primary" : "NOTIFY refused (not a primary)");
  }
  if (!believed) {
    log::debug("NOTIFY from " + addressText(from) + " refused: not one of the primaries");
  }
  return n;
}

size_t DnsServer::answerUdpIxfr(const TransferQuery& query, TransferPlan plan, const uint8_t* packet,
                                const sockaddr* from, uint8_t* out) {
  // The differences (or the SOA alone, up to date) when they fit one datagram; else the SOA of the
  // served version alone, which tells the asker to come over TCP.
  const size_t limit = replySizeLimit(query.query, Transport::kUdp, options_.maxUdpSize);
  const ZoneOptions& zone = snapshot_->table->zone();
  size_t n = 0;
  bool fits = false;
  if (plan.kind != TransferPlan::Kind::kWholeZone) {
    ZoneTransferWriter writer(std::move(plan.parts), zone, packet, query, options_.recurseOn, limit);
    n = writer.next(out);
    fits = writer.done();
  }
  if (!fits) {
    ZoneTransferWriter soa(ixfrParts({}, zone.soaSerial), zone, packet, query, options_.recurseOn, limit);
    n = soa.next(out);
  } else {
    (plan.kind == TransferPlan::Kind::kDifferences ? stats_.transfersDifferences : stats_.transfersUpToDate).add();
  }
  stats_.transfersOk.add();
  stats_.local.add();
  stats_.replies.countReply(false, out, n);
  if (transferPeers_ != nullptr) {
    if (const auto asker = SocketAddress::fromSockaddr(from)) {
      transferPeers_->noteTransfer(asker->ip, std::chrono::steady_clock::now());
    }
  }
  if (queryLog_ != nullptr && queryLog_->enabled()) {
    queryLog_->record(from, Transport::kUdp, out, n, fits ? "IXFR over UDP" : "IXFR over UDP: the SOA, go to TCP");
  }
  return n;
}

void DnsServer::continueTransfer(TcpConnection* c) {
  evbuffer* output = bufferevent_get_output(c->bev.get());
  OngoingTransfer& t = *c->transfer;
  while (evbuffer_get_length(output) < kTcpMaxPendingOutput) {
    uint8_t* message = buffer_.data() + 2;
    const size_t n = t.writer.next(message);
    if (t.writer.messageCount() == 1) stats_.replies.countReply(true, message, n);  // one reply per transfer
    dns::put16(buffer_.data(), static_cast<uint16_t>(n));
    evbuffer_add(output, buffer_.data(), n + 2);
    if (!t.writer.done()) continue;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t.started).count();
    std::string what = t.ixfr ? "IXFR" : "AXFR";
    if (t.askerSerial) what += " from serial " + std::to_string(*t.askerSerial);
    switch (t.kind) {
      case TransferPlan::Kind::kWholeZone:
        if (t.ixfr) what += ", answered with the whole zone";
        break;
      case TransferPlan::Kind::kDifferences:
        what += ", " + std::to_string(t.differences) + " difference" + (t.differences == 1 ? "" : "s");
        break;
      case TransferPlan::Kind::kUpToDate:
        what += ", up to date";
        break;
    }
    const auto text =
        "zone transfer (" + what + ") to " + addressText(reinterpret_cast<const sockaddr*>(&c->peer)) + ": serial " +
        std::to_string(t.snapshot->serial()) + ", " + std::to_string(t.writer.recordCount()) + " records in " +
        std::to_string(t.writer.messageCount()) + " messages, " + std::to_string(static_cast<int64_t>(ms)) + " ms";
    // A secondary checking every second logs nothing when it is up to date or takes a difference.
    if (t.kind == TransferPlan::Kind::kWholeZone) {
      log::info(text);
    } else {
      log::debug(text);
    }
    stats_.transfersOk.add();
    switch (t.kind) {
      case TransferPlan::Kind::kWholeZone:
        stats_.transfersWhole.add();
        break;
      case TransferPlan::Kind::kDifferences:
        stats_.transfersDifferences.add();
        break;
      case TransferPlan::Kind::kUpToDate:
        stats_.transfersUpToDate.add();
        break;
    }
    c->transfer.reset();
    bufferevent_setwatermark(c->bev.get(), EV_WRITE, 0, 0);
    return;
  }
}

void QueryLog::record(const sockaddr* from, Transport transport, const uint8_t* message, size_t length,
                      std::string_view result) {
  const int64_t second =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  uint64_t skipped = 0;
  {
    const auto current = current_.lock();
    if (second != current->second) {
      skipped = current->skipped;  // reported now, once
      *current = Second{second, 0, 0};
    }
    if (current->logged >= perSecond_.load(std::memory_order_relaxed)) {
      ++current->skipped;
      if (skipped == 0) return;
    } else {
      ++current->logged;
    }
  }
  if (skipped > 0) {
    log::info("query log: " + std::to_string(skipped) + " queries not logged in the last second (queryLogRate)");
  }
  std::string who = addressText(from);
  if (who.empty()) who = "tcp";
  std::string question = "(no question)";
  if (length > dns::kHeaderSize && dns::get16(message + 4) > 0) {
    size_t p = dns::kHeaderSize;
    while (p < length && message[p] != 0 && (message[p] & 0xC0) == 0) p += 1 + message[p];
    if (p + 4 < length) {
      const std::string_view wire(reinterpret_cast<const char*>(message) + dns::kHeaderSize, p + 1 - dns::kHeaderSize);
      question =
          dns::presentationName(dns::wireNameToText(wire)) + " type " + std::to_string(dns::get16(message + p + 1));
    }
  }
  std::string line =
      "query " + who + (transport == Transport::kTcp ? " tcp " : " udp ") + question + ": " + std::string(result);
  if (result != "forwarded" && length >= 4) {
    line += " " + std::string(QueryCounters::rcodeName(message[3] & 0x0F));
  }
  log::info(line);
}

void DnsServer::deliverTcp(uint64_t connection, const uint8_t* reply, size_t length) {
  std::vector<uint8_t> framed(length + 2);
  dns::put16(framed.data(), static_cast<uint16_t>(length));
  std::memcpy(framed.data() + 2, reply, length);
  delivered_.lock()->emplace_back(connection, std::move(framed));
  event_active(deliveredEvent_.get(), EV_READ, 0);
}

void DnsServer::onDelivered(evutil_socket_t, short, void* selfPtr) {
  auto* self = static_cast<DnsServer*>(selfPtr);
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> batch;
  batch.swap(*self->delivered_.lock());
  for (auto& [id, framed] : batch) {
    const auto it = std::find_if(self->connections_.begin(), self->connections_.end(),
                                 [id = id](const auto& c) { return c->id == id; });
    if (it == self->connections_.end()) continue;  // the client has gone
    TcpConnection* c = it->get();
    --c->forwarding;
    evbuffer_add(bufferevent_get_output(c->bev.get()), framed.data(), framed.size());
  }
}

Status DnsServer::listen(const SocketAddress& address, bool reusePort) {
  sockaddr_storage ss{};
  const socklen_t len = address.toSockaddr(ss);
  const std::string where = address.toString();
  const int udp = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (udp < 0) return Error{"listener " + where + " (udp): socket: " + std::strerror(errno)};
  const int one = 1;
  ::setsockopt(udp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reusePort) ::setsockopt(udp, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ::setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &kUdpSocketBuffer, sizeof kUdpSocketBuffer);
  ::setsockopt(udp, SOL_SOCKET, SO_SNDBUF, &kUdpSocketBuffer, sizeof kUdpSocketBuffer);
  if (ss.ss_family == AF_INET6) ::setsockopt(udp, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(udp, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    Error error{"listener " + where + " (udp): bind: " + std::strerror(errno)};
    ::close(udp);
    return error;
  }
  evconnlistener* tcp = evconnlistener_new_bind(
      base_, &DnsServer::onAccept, this,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC | (reusePort ? LEV_OPT_REUSEABLE_PORT : 0), 128,
      reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len));
  if (tcp == nullptr) {
    Error error{"listener " + where + " (tcp): bind: " + std::strerror(errno)};
    ::close(udp);
    return error;
  }
  udpFds_.push_back(std::make_shared<const OwnedFd>(udp));
  udpEvents_.emplace_back(event_new(base_, udp, EV_READ | EV_PERSIST, &DnsServer::onUdp, this));
  event_add(udpEvents_.back().get(), nullptr);
  tcpListeners_.emplace_back(tcp);
  return {};
}

Status DnsServer::adopt(int udpFd, int tcpFd, bool paused) {
  if (udpFd >= 0) {
    evutil_make_socket_nonblocking(udpFd);
    evutil_make_socket_closeonexec(udpFd);
    ::setsockopt(udpFd, SOL_SOCKET, SO_RCVBUF, &kUdpSocketBuffer, sizeof kUdpSocketBuffer);
    ::setsockopt(udpFd, SOL_SOCKET, SO_SNDBUF, &kUdpSocketBuffer, sizeof kUdpSocketBuffer);
    udpFds_.push_back(std::make_shared<const OwnedFd>(udpFd));
    udpEvents_.emplace_back(event_new(base_, udpFd, EV_READ | EV_PERSIST, &DnsServer::onUdp, this));
    if (!paused) event_add(udpEvents_.back().get(), nullptr);
  }
  if (tcpFd >= 0) {
    evutil_make_socket_nonblocking(tcpFd);
    evutil_make_socket_closeonexec(tcpFd);
    evconnlistener* tcp = evconnlistener_new(
        base_, &DnsServer::onAccept, this,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | (paused ? LEV_OPT_DISABLED : 0) | LEV_OPT_THREADSAFE, -1,
        tcpFd);
    if (tcp == nullptr) return Error{"cannot listen on an inherited TCP socket"};
    tcpListeners_.emplace_back(tcp);
  }
  return {};
}

std::vector<int> DnsServer::udpSockets() const {
  std::vector<int> fds;
  for (const auto& s : udpFds_) fds.push_back(s->get());
  return fds;
}

void DnsServer::resume() {
  for (const auto& e : udpEvents_) {
    if (!event_pending(e.get(), EV_READ, nullptr)) event_add(e.get(), nullptr);
  }
  for (const auto& l : tcpListeners_) evconnlistener_enable(l.get());
}

void DnsServer::unlisten(const SocketAddress& address) {
  for (size_t i = 0; i < udpFds_.size();) {
    if (localAddress(udpFds_[i]->get()) == address) {
      udpEvents_.erase(udpEvents_.begin() + static_cast<long>(i));
      udpFds_.erase(udpFds_.begin() + static_cast<long>(i));  // closed once the forwarder owes nothing on it
    } else {
      ++i;
    }
  }
  std::erase_if(tcpListeners_,
                [&address](const ListenerPtr& l) { return localAddress(evconnlistener_get_fd(l.get())) == address; });
}

std::vector<int> DnsServer::tcpSockets() const {
  std::vector<int> out;
  for (const auto& l : tcpListeners_) out.push_back(evconnlistener_get_fd(l.get()));
  return out;
}

void DnsServer::onUdp(evutil_socket_t fd, short, void* selfPtr) {
  auto* self = static_cast<DnsServer*>(selfPtr);
  UdpBatch& b = *self->udp_;
  for (int round = 0; round < kUdpRoundsPerWakeup; ++round) {
    for (int i = 0; i < kUdpBatch; ++i) {
      b.inIov[i] = {b.query[i], kUdpQueryMax};
      b.in[i].msg_hdr = {};
      b.in[i].msg_hdr.msg_name = &b.from[i];
      b.in[i].msg_hdr.msg_namelen = sizeof b.from[i];
      b.in[i].msg_hdr.msg_iov = &b.inIov[i];
      b.in[i].msg_hdr.msg_iovlen = 1;
    }
    const int received = ::recvmmsg(fd, b.in, kUdpBatch, MSG_DONTWAIT, nullptr);
    if (received <= 0) return;  // EAGAIN: drained
    int replies = 0;
    for (int i = 0; i < received; ++i) {
      if ((b.in[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) continue;
      const auto* from = reinterpret_cast<const sockaddr*>(&b.from[i]);
      Pending pending = Pending::kNothing;
      const size_t len = self->answer(b.query[i], b.in[i].msg_len, Transport::kUdp, from, b.in[i].msg_hdr.msg_namelen,
                                      fd, nullptr, b.reply[replies], pending);
      if (len == 0) continue;
      b.outIov[replies] = {b.reply[replies], len};
      b.out[replies].msg_hdr = {};
      b.out[replies].msg_hdr.msg_name = &b.from[i];
      b.out[replies].msg_hdr.msg_namelen = b.in[i].msg_hdr.msg_namelen;
      b.out[replies].msg_hdr.msg_iov = &b.outIov[replies];
      b.out[replies].msg_hdr.msg_iovlen = 1;
      ++replies;
    }
    if (replies == 1) {
      // One datagram (light load): plain sendto costs the kernel less than a batch of one.
      if (::sendto(fd, b.outIov[0].iov_base, b.outIov[0].iov_len, MSG_DONTWAIT,
                   static_cast<const sockaddr*>(b.out[0].msg_hdr.msg_name), b.out[0].msg_hdr.msg_namelen) < 0) {
        self->stats_.unsentUdp.add();
      }
      replies = 0;
    }
    for (int sent = 0; sent < replies;) {
      const int n = ::sendmmsg(fd, b.out + sent, static_cast<unsigned>(replies - sent), MSG_DONTWAIT);
      if (n <= 0) {
        self->stats_.unsentUdp.add();
        ++sent;  // this reply cannot go (e.g. unreachable sender): skip it, keep the others
        continue;
      }
      sent += n;
    }
    if (received < kUdpBatch) return;
  }
}

void DnsServer::onAccept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int addrLength, void* selfPtr) {
  auto* self = static_cast<DnsServer*>(selfPtr);
  if (self->connections_.size() >= self->limits_.maxTcpConnections) {
    ::close(fd);  // over the cap: the client retries or moves on, nobody else waits
    return;
  }
  auto conn = std::make_unique<TcpConnection>();
  conn->server = self;
  conn->id = self->nextConnectionId_++;
  std::memcpy(&conn->peer, addr, std::min<size_t>(static_cast<size_t>(addrLength), sizeof conn->peer));
  conn->peerLength = static_cast<socklen_t>(addrLength);
  conn->bev.reset(bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE));
  TcpConnection* c = conn.get();
  self->connections_.push_back(std::move(conn));
  bufferevent_setcb(c->bev.get(), &DnsServer::onTcpRead, &DnsServer::onTcpWritten, &DnsServer::onTcpEvent, c);
  // Idle clients are dropped after the timeout; so are clients that stop reading their answers.
  const timeval idle{self->limits_.tcpIdleSeconds, 0};
  bufferevent_set_timeouts(c->bev.get(), &idle, &idle);
  bufferevent_enable(c->bev.get(), EV_READ | EV_WRITE);
}

void DnsServer::onTcpRead(bufferevent* bev, void* arg) {
  auto* connection = static_cast<TcpConnection*>(arg);
  DnsServer* server = connection->server;
  evbuffer* input = bufferevent_get_input(bev);
  evbuffer* output = bufferevent_get_output(bev);
  // Every complete length-prefixed query in the buffer is answered (RFC 7766 pipelining), until
  // the client has too many answers unread, or a zone transfer is being written: then its queries
  // wait until it reads (or the transfer is done).
  while (!connection->transfer && evbuffer_get_length(output) < kTcpMaxPendingOutput) {
    uint8_t prefix[2];
    if (evbuffer_copyout(input, prefix, 2) < 2) return;
    const size_t len = dns::get16(prefix);
    if (evbuffer_get_length(input) < 2 + len) return;
    uint8_t query[dns::kMaxMessage];
    evbuffer_drain(input, 2);
    evbuffer_remove(input, query, len);
    uint8_t* reply = server->buffer_.data() + 2;
    Pending pending = Pending::kNothing;
    const auto* peer = reinterpret_cast<const sockaddr*>(&connection->peer);
    const size_t replyLen =
        server->answer(query, len, Transport::kTcp, peer, connection->peerLength, -1, connection, reply, pending);
    if (pending == Pending::kForwarder) {
      ++connection->forwarding;  // the forwarder answers later (out of order is fine, RFC 7766 7)
      continue;
    }
    if (pending == Pending::kTransfer) continue;  // its messages are in the output already
    if (replyLen == 0) {
      server->closeConnection(connection);  // not a query: this is no DNS client
      return;
    }
    dns::put16(server->buffer_.data(), static_cast<uint16_t>(replyLen));
    evbuffer_add(output, server->buffer_.data(), replyLen + 2);
  }
  bufferevent_disable(bev, EV_READ);
  connection->readingPaused = true;
}

void DnsServer::onTcpWritten(bufferevent* bev, void* arg) {
  // Called when the output buffer has drained (during a zone transfer: fallen to kTransferRefillBelow).
  auto* connection = static_cast<TcpConnection*>(arg);
  if (connection->transfer) {
    connection->server->continueTransfer(connection);
    return;
  }
  if (evbuffer_get_length(bufferevent_get_output(bev)) > 0) return;  // a transfer's last messages: not drained yet
  if (connection->closing) {
    if (connection->forwarding == 0) connection->server->closeConnection(connection);
    return;
  }
  if (connection->readingPaused) {
    connection->readingPaused = false;
    bufferevent_enable(bev, EV_READ);
    onTcpRead(bev, arg);  // queries that waited in the input buffer
  }
}

void DnsServer::onTcpEvent(bufferevent* bev, short events, void* arg) {
  auto* connection = static_cast<TcpConnection*>(arg);
  // A client that half-closes after its queries still gets its answers (RFC 7766 6.2.4).
  if ((events & BEV_EVENT_EOF) != 0 && (events & BEV_EVENT_ERROR) == 0 &&
      (evbuffer_get_length(bufferevent_get_output(bev)) > 0 || connection->forwarding > 0 || connection->transfer)) {
    connection->closing = true;
    bufferevent_disable(bev, EV_READ);
    return;
  }
  connection->server->closeConnection(connection);  // EOF, error or idle timeout
}

void DnsServer::closeConnection(TcpConnection* c) {
  if (c->transfer) {
    stats_.transfersFailed.add();
    log::warning("zone transfer to " + addressText(reinterpret_cast<const sockaddr*>(&c->peer)) + " abandoned after " +
                 std::to_string(c->transfer->writer.recordCount()) +
                 " records: the client closed the connection or stopped reading");
  }
  const auto it = std::find_if(connections_.begin(), connections_.end(), [c](const auto& p) { return p.get() == c; });
  if (it != connections_.end()) {
    std::swap(*it, connections_.back());
    connections_.pop_back();
  }
}

}  // namespace mdns
