#include "agent/upstream_transport.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "agent/libevent.h"
#include "common/dns_wire.h"

namespace mdns {
namespace {

constexpr int kDatagramsPerWakeup = 16;

// Where replies are read into: one per thread (the forwarder's), handed to the handler, not kept.
uint8_t* readBuffer() {
  static thread_local std::vector<uint8_t> buffer(dns::kMaxMessage);
  return buffer.data();
}

class UdpExchange : public UpstreamTransport::Exchange {
 public:
  UdpExchange(int fd, UpstreamTransport::Handlers handlers) : fd_(fd), handlers_(std::move(handlers)) {}
  ~UdpExchange() override {
    readEvent_.reset();  // before its socket closes
    ::close(fd_);
  }
  void watch(event_base* loop) {
    readEvent_.reset(event_new(
        loop, fd_, EV_READ | EV_PERSIST,
        [](evutil_socket_t, short, void* self) { static_cast<UdpExchange*>(self)->readable(); }, this));
    event_add(readEvent_.get(), nullptr);
  }

 private:
  void readable() {
    uint8_t* message = readBuffer();
    for (int i = 0; i < kDatagramsPerWakeup; ++i) {
      const ssize_t n = ::recv(fd_, message, dns::kMaxMessage, MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        handlers_.failed(std::string("failed: ") + std::strerror(errno));  // e.g. ECONNREFUSED: nothing listens
        return;                                                            // destroyed
      }
      if (handlers_.message(message, static_cast<size_t>(n))) return;  // taken: destroyed
    }
  }

  int fd_;
  UpstreamTransport::Handlers handlers_;
  EventPtr readEvent_;
};

class TcpExchange : public UpstreamTransport::Exchange {
 public:
  explicit TcpExchange(UpstreamTransport::Handlers handlers) : handlers_(std::move(handlers)) {}
  // `fd`: a socket already bound to a source, or -1.
  bool start(event_base* loop, int fd, const Upstream& to, const uint8_t* query, size_t length) {
    bev_.reset(bufferevent_socket_new(loop, fd, BEV_OPT_CLOSE_ON_FREE));
    if (!bev_) {
      if (fd >= 0) ::close(fd);
      return false;
    }
    bufferevent_setcb(
        bev_.get(), [](bufferevent*, void* self) { static_cast<TcpExchange*>(self)->readable(); }, nullptr,
        [](bufferevent*, short events, void* self) { static_cast<TcpExchange*>(self)->event(events); }, this);
    uint8_t prefix[2];
    dns::put16(prefix, static_cast<uint16_t>(length));
    bufferevent_write(bev_.get(), prefix, 2);
    bufferevent_write(bev_.get(), query, length);
    bufferevent_enable(bev_.get(), EV_READ | EV_WRITE);
    sockaddr_storage ss{};
    const socklen_t ssLength = to.toSockaddr(ss);
    return bufferevent_socket_connect(bev_.get(), reinterpret_cast<sockaddr*>(&ss), static_cast<int>(ssLength)) == 0;
  }

 private:
  void readable() {
    evbuffer* input = bufferevent_get_input(bev_.get());
    for (;;) {
      uint8_t prefix[2];
      if (evbuffer_copyout(input, prefix, 2) < 2) return;
      const size_t length = dns::get16(prefix);
      if (evbuffer_get_length(input) < 2 + length) return;
      uint8_t* message = readBuffer();
      evbuffer_drain(input, 2);
      evbuffer_remove(input, message, length);
      if (handlers_.message(message, length)) return;  // taken: destroyed
    }
  }
  void event(short events) {
    if ((events & BEV_EVENT_ERROR) != 0) {
      handlers_.failed(std::string("failed over TCP: ") + evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    } else if ((events & BEV_EVENT_EOF) != 0) {
      handlers_.failed("closed the TCP connection without an answer");
    }
  }

  UpstreamTransport::Handlers handlers_;
  BuffereventPtr bev_;
};

}  // namespace

std::optional<IpAddress> sourceFor(const std::vector<IpAddress>& sources, const IpAddress& to) {
  for (const auto& source : sources) {
    if (source.isV4() == to.isV4() && !source.isUnspecified() && source.isLoopback() == to.isLoopback()) return source;
  }
  return std::nullopt;
}

int SocketTransport::openSocket(const Upstream& to, int type) const {
  const int fd = ::socket(to.ip.isV4() ? AF_INET : AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (const auto source = sourceFor(sources_, to.ip)) {
    sockaddr_storage ss{};
    const socklen_t n = SocketAddress{*source, 0}.toSockaddr(ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), n) != 0) {
      const int error = errno;
      ::close(fd);
      errno = error;
      return -1;
    }
  }
  return fd;
}

Result<std::unique_ptr<UpstreamTransport::Exchange>> SocketTransport::send(const Upstream& to, bool tcp,
                                                                           const uint8_t* query, size_t length,
                                                                           Handlers handlers) {
  if (tcp) {
    int fd = -1;
    if (!sources_.empty()) {
      fd = openSocket(to, SOCK_STREAM);
      if (fd < 0) return Error{std::string("cannot be reached over TCP: ") + std::strerror(errno)};
    }
    auto exchange = std::make_unique<TcpExchange>(std::move(handlers));
    if (!exchange->start(loop_, fd, to, query, length)) return Error{"cannot be reached over TCP"};
    return std::unique_ptr<Exchange>(std::move(exchange));
  }
  sockaddr_storage ss{};
  const socklen_t ssLength = to.toSockaddr(ss);
  const int fd = openSocket(to, SOCK_DGRAM);
  if (fd < 0) return Error{std::string("cannot be reached: ") + std::strerror(errno)};
  auto exchange = std::make_unique<UdpExchange>(fd, std::move(handlers));  // owns fd from here
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), ssLength) != 0 ||
      ::send(fd, query, length, 0) != static_cast<ssize_t>(length)) {
    return Error{std::string("cannot be reached: ") + std::strerror(errno)};
  }
  exchange->watch(loop_);
  return std::unique_ptr<Exchange>(std::move(exchange));
}

}  // namespace mdns
