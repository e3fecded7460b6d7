#include "agent/notifier.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <utility>

#include "agent/log.h"
#include "agent/upstream_transport.h"
#include "common/dns_wire.h"

namespace mdns {
namespace {

constexpr uint16_t kOpcodeNotify = 4;

// A NOTIFY for the apex's SOA (RFC 1996 section 3.7), with the new serial in an answer SOA
// (root MNAME and RNAME: only the serial means anything to the receiver).
std::vector<uint8_t> notifyMessage(uint16_t id, const std::string& domain, uint32_t serial) {
  std::vector<uint8_t> m(dns::kHeaderSize, 0);
  dns::put16(m.data(), id);
  dns::put16(m.data() + 2, static_cast<uint16_t>((kOpcodeNotify << 11) | 0x0400));  // NOTIFY, AA
  dns::put16(m.data() + 4, 1);
  dns::put16(m.data() + 6, 1);
  const std::string wire = dns::toWireName(domain).value_or(std::string(1, '\0'));
  m.insert(m.end(), wire.begin(), wire.end());
  uint8_t tail[4 + 12 + 22] = {};
  dns::put16(tail, dns::kTypeSOA);
  dns::put16(tail + 2, dns::kClassIN);
  tail[4] = 0xC0;  // the answer's owner: the question's name
  tail[5] = 0x0C;
  dns::put16(tail + 6, dns::kTypeSOA);
  dns::put16(tail + 8, dns::kClassIN);
  dns::put16(tail + 14, 22);
  dns::put32(tail + 18, serial);
  m.insert(m.end(), tail, tail + sizeof tail);
  return m;
}

}  // namespace

void TransferPeers::noteTransfer(const IpAddress& ip, std::chrono::steady_clock::time_point now) {
  auto peers = peers_.lock();
  if (peers->size() >= kMax && !peers->contains(ip)) {
    // Full: the one heard from longest ago makes room.
    auto oldest = peers->begin();
    for (auto it = peers->begin(); it != peers->end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    peers->erase(oldest);
  }
  (*peers)[ip] = now;
}

std::vector<IpAddress> TransferPeers::recent(std::chrono::steady_clock::time_point now) const {
  std::vector<IpAddress> out;
  const auto peers = peers_.lock();
  for (const auto& [ip, when] : *peers) {
    if (now - when <= kRemember) out.push_back(ip);
  }
  return out;
}

Notifier::Notifier(event_base* loop, std::string domain, uint16_t port, std::vector<IpAddress> sources,
                   const TransferPeers& peers, NotifyCounters& counters)
    : loop_(loop),
      domain_(std::move(domain)),
      port_(port),
      sources_(std::move(sources)),
      peers_(peers),
      counters_(counters),
      nextId_(static_cast<uint16_t>(std::random_device{}())) {
  timer_.reset(event_new(
      loop_, -1, EV_PERSIST, [](evutil_socket_t, short, void* self) { static_cast<Notifier*>(self)->resend(); }, this));
}

Notifier::~Notifier() {
  timer_.reset();
  for (auto& [key, socket] : sockets_) {
    socket.readable.reset();
    ::close(socket.fd);
  }
}

Notifier::Socket* Notifier::socketFor(const IpAddress& to) {
  const auto source = sourceFor(sources_, to);
  const std::string key = source ? source->toString() : (to.isV4() ? "any v4" : "any v6");
  if (auto it = sockets_.find(key); it != sockets_.end()) return &it->second;
  const int fd = ::socket(to.isV4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (source) {
    sockaddr_storage ss{};
    const socklen_t n = SocketAddress{*source, 0}.toSockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), n) != 0) {
      log::warning("NOTIFY: cannot send from " + source->toString() + ": " + std::strerror(errno));
      ::close(fd);
      return nullptr;
    }
  }
  Socket& socket = sockets_[key];
  socket.fd = fd;
  socket.readable.reset(event_new(
      loop_, fd, EV_READ | EV_PERSIST,
      [](evutil_socket_t s, short, void* self) { static_cast<Notifier*>(self)->readReplies(s); }, this));
  event_add(socket.readable.get(), nullptr);
  return &socket;
}

void Notifier::announce(uint32_t serial) {
  serial_ = serial;
  const auto now = std::chrono::steady_clock::now();
  counters_.unanswered.add(pending_.size());  // replaced before they answered
  pending_.clear();
  for (const auto& ip : peers_.recent(now)) {
    auto& p = pending_[SocketAddress{ip, port_}];
    send(SocketAddress{ip, port_}, p);
  }
  if (!pending_.empty()) {
    const timeval second{1, 0};
    event_add(timer_.get(), &second);
    log::debug("NOTIFY (serial " + std::to_string(serial) + ") sent to " + std::to_string(pending_.size()) +
               " secondaries");
  }
}

void Notifier::send(const SocketAddress& to, Pending& pending) {
  pending.id = nextId_++;
  ++pending.sends;
  Socket* socket = socketFor(to.ip);
  if (socket == nullptr) return;
  const auto message = notifyMessage(pending.id, domain_, serial_);
  sockaddr_storage ss{};
  const socklen_t n = to.toSockaddr(ss);
  if (::sendto(socket->fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&ss), n) ==
      static_cast<ssize_t>(message.size())) {
    counters_.sent.add();
  }
}

void Notifier::readReplies(int fd) {
  uint8_t m[512];
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage from{};
    socklen_t fromLength = sizeof from;
    const ssize_t n = ::recvfrom(fd, m, sizeof m, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fromLength);
    if (n < 0) return;  // EAGAIN, or an ICMP error for one of the sends: nothing to read
    if (n < static_cast<ssize_t>(dns::kHeaderSize)) continue;
    const auto address = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&from));
    const uint16_t flags = dns::get16(m + 2);
    if (!address || (flags & 0x8000) == 0 || ((flags >> 11) & 0xF) != kOpcodeNotify) continue;
    const auto it = pending_.find(*address);
    if (it == pending_.end() || it->second.id != dns::get16(m)) continue;
    pending_.erase(it);
    counters_.answered.add();
  }
}

void Notifier::resend() {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.sends >= kSends) {
      counters_.unanswered.add();
      it = pending_.erase(it);
      continue;
    }
    send(it->first, it->second);
    ++it;
  }
  if (pending_.empty()) event_del(timer_.get());
}

}  // namespace mdns
