#include "agent/forwarder.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "agent/log.h"
#include "common/upstream_health.h"

namespace mdns {
namespace {

constexpr int64_t kStaleClientTimerMs = 1800;  // RFC 8767 section 5: answer stale after 1.8 s
constexpr uint16_t kUpstreamEdnsSize = dns::kOurEdnsBufferSize;
// Bounds under a flood of distinct names (or a client repeating itself): questions in flight
// upstream, and askers waiting for one question. Beyond them: SERVFAIL at once, or dropped.
constexpr size_t kMaxPending = 1000;
constexpr size_t kMaxWaiters = 256;

int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

timeval toTimeval(int64_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
}

std::string describe(const std::vector<Upstream>& list) {
  std::string out;
  for (const auto& u : list) out += (out.empty() ? "" : ", ") + u.toString();
  return out.empty() ? "(none)" : out;
}

}  // namespace

// One upstream of a group: where it is, its counters, and what the forwarder has learnt of it
// (the decisions are UpstreamHealth's; this adds the log lines and metrics).
struct UpstreamState {
  Upstream address;
  UpstreamStats* stats = nullptr;
  UpstreamHealth health;

  int64_t rtoMs() const { return health.rtoMs(); }
  void success(int64_t rttMs) {
    if (health.answered(rttMs)) log::info("upstream " + address.toString() + " answers again");
    stats->latency.observe(static_cast<double>(std::max<int64_t>(rttMs, 0)) / 1000);
    stats->down.store(false, std::memory_order_relaxed);
  }
  void failure(int64_t nowMs, const std::string& why) {
    const auto f = health.failed(nowMs);
    stats->failures.add();
    stats->down.store(true, std::memory_order_relaxed);
    if (f.news) {
      log::warning("upstream " + address.toString() + " " + why + "; asking the others first for " +
                   std::to_string(f.backoffMs / 1000) + " s");
    }
  }
};

struct Forwarder::Group {
  std::vector<UpstreamState> upstreams;

  Group(Forwarder& forwarder, const std::vector<Upstream>& list) {
    for (const auto& u : list) upstreams.push_back(UpstreamState{u, forwarder.statsFor(u), {}});
  }
  std::vector<size_t> order(int64_t nowMs) const {
    std::vector<const UpstreamHealth*> health;
    for (const auto& u : upstreams) health.push_back(&u.health);
    return askingOrder(health, nowMs);
  }
};

struct Forwarder::Attempt {
  Forwarder* forwarder = nullptr;
  Pending* pending = nullptr;
  size_t upstream = 0;
  bool tcp = false;
  bool edns = true;
  int fd = -1;  // UDP
  EventPtr readEvent;
  BuffereventPtr bev;  // TCP
  UpstreamQuery query;
  int64_t sentMs = 0;
  bool counted = false;  // its silence already counted against the upstream

  Attempt() = default;
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  ~Attempt() {
    readEvent.reset();  // before its socket closes
    if (fd >= 0) ::close(fd);
  }
};

struct Forwarder::Pending {
  Forwarder* forwarder = nullptr;
  std::string key;  // CacheKey bytes; its lower-case name is what goes upstream
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool dnssecOk = false;
  bool checkingDisabled = false;
  bool tcp = false;
  bool edns = true;
  uint16_t ednsSize = kUpstreamEdnsSize;
  Group* group = nullptr;
  std::vector<size_t> order;
  size_t next = 0;
  std::vector<ForwardRequest> waiters;
  std::vector<std::unique_ptr<Attempt>> attempts;
  EventPtr stagger;
  EventPtr deadline;
  EventPtr staleTimer;
  int lastRcode = -1;

  std::string_view lowerName() const { return std::string_view(key).substr(0, key.size() - 5); }
};

Forwarder::Forwarder(ForwarderSettings settings)
    : settings_(std::move(settings)), cache_(settings_.cache), buffer_(dns::kMaxMessage + 2) {
  base_.reset(event_base_new());
  wake_.reset(event_new(base_.get(), -1, EV_PERSIST, &Forwarder::onWake, this));
  event_add(wake_.get(), nullptr);
  stopEvent_.reset(event_new(
      base_.get(), -1, 0,
      [](evutil_socket_t, short, void* base) { event_base_loopbreak(static_cast<event_base*>(base)); }, base_.get()));
  event_add(stopEvent_.get(), nullptr);
  applyRouting(settings_.upstreams, &settings_.zoneUpstreams);
}

void Forwarder::applyRouting(const std::vector<Upstream>& upstreams,
                             const std::map<std::string, std::vector<Upstream>>* zoneUpstreams) {
  // Queries in flight finish with the groups they started with.
  if (defaultGroup_) {
    for (const auto& h : defaultGroup_->upstreams) h.stats->current = false;
    retiredGroups_.push_back(std::move(defaultGroup_));
  }
  if (zoneUpstreams != nullptr) {
    for (auto& [zone, group] : zoneGroups_) {
      for (const auto& h : group->upstreams) h.stats->current = false;
      retiredGroups_.push_back(std::move(group));
    }
    zoneGroups_.clear();
    for (const auto& [zone, list] : *zoneUpstreams) {
      std::string lowerZone = zone;
      std::transform(lowerZone.begin(), lowerZone.end(), lowerZone.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (auto wire = dns::toWireName(lowerZone)) zoneGroups_[*wire] = std::make_unique<Group>(*this, list);
    }
  }
  defaultGroup_ = std::make_unique<Group>(*this, upstreams);
  {
    const auto stats = stats_.lock();
    stats->defaultUpstreams.clear();
    for (const auto& u : upstreams) stats->defaultUpstreams.push_back(u.toString());
  }
  for (const auto& h : defaultGroup_->upstreams) h.stats->current = true;
  for (const auto& [zone, group] : zoneGroups_) {
    for (const auto& h : group->upstreams) h.stats->current = true;
  }
}

Forwarder::~Forwarder() {
  stop();
  while (!pending_.empty()) finish(pending_.begin()->second.get());  // their events go before the base
}

void Forwarder::start() {
  thread_ = std::thread([this] { event_base_loop(base_.get(), EVLOOP_NO_EXIT_ON_EMPTY); });
}

void Forwarder::stop() {
  if (!thread_.joinable()) return;
  // An event rather than event_base_loopbreak(): a break asked before the thread has entered its
  // loop would be forgotten (the loop clears it when it starts); an active event is not.
  event_active(stopEvent_.get(), EV_READ, 0);
  thread_.join();
}

int64_t Forwarder::now() const { return monotonicMs(); }

ReplyOptions Forwarder::replyOptions(const dns::Query& q, Transport transport) const {
  return {settings_.recursionAvailable, replySizeLimit(q, transport, settings_.maxUdpSize), settings_.setTruncateBit};
}

size_t Forwarder::answerFromCache(const uint8_t* packet, const dns::Query& q, Transport transport, uint8_t* out) {
  const CacheKey key(packet, q);
  const ReplyOptions options = replyOptions(q, transport);
  size_t length = 0;
  if (cache_.answer(key, packet, q, monotonicMs(), false, options, out, length) == ForwardCache::Lookup::kFresh) {
    return length;
  }
  return 0;
}

void Forwarder::submit(const uint8_t* packet, const dns::Query& q, Transport transport, SharedFd udpSocket,
                       const sockaddr* client, socklen_t clientLength, ReplySink* sink, uint64_t connection) {
  ForwardRequest r;
  r.transport = transport;
  r.query = q;
  std::memcpy(r.packet.data(), packet, q.questionEnd);
  r.udpSocket = std::move(udpSocket);
  if (client != nullptr) std::memcpy(&r.client, client, std::min<size_t>(clientLength, sizeof r.client));
  r.clientLength = clientLength;
  r.sink = sink;
  r.connection = connection;
  inbox_.lock()->queue.push_back(std::move(r));
  event_active(wake_.get(), EV_READ, 0);
}

void Forwarder::setUpstreams(std::vector<Upstream> upstreams) {
  inbox_.lock()->routing = std::make_unique<Routing>(Routing{std::move(upstreams), std::nullopt, std::nullopt});
  event_active(wake_.get(), EV_READ, 0);
}

void Forwarder::reconfigure(std::vector<Upstream> upstreams, std::map<std::string, std::vector<Upstream>> zoneUpstreams,
                            int timeoutMs) {
  inbox_.lock()->routing =
      std::make_unique<Routing>(Routing{std::move(upstreams), std::move(zoneUpstreams), timeoutMs});
  event_active(wake_.get(), EV_READ, 0);
}

void Forwarder::onWake(evutil_socket_t, short, void* selfPtr) {
  auto* self = static_cast<Forwarder*>(selfPtr);
  std::vector<ForwardRequest> requests;
  std::unique_ptr<Routing> routing;
  {
    const auto inbox = self->inbox_.lock();
    requests.swap(inbox->queue);
    routing.swap(inbox->routing);
  }
  if (routing) {
    log::info("forwarding to " + describe(routing->upstreams));
    self->applyRouting(routing->upstreams, routing->zoneUpstreams ? &*routing->zoneUpstreams : nullptr);
    if (routing->timeoutMs) self->settings_.timeoutMs = *routing->timeoutMs;
  }
  std::erase_if(self->retiredGroups_, [self](const std::unique_ptr<Group>& g) {
    return std::none_of(self->pending_.begin(), self->pending_.end(),
                        [&g](const auto& entry) { return entry.second->group == g.get(); });
  });
  for (auto& r : requests) self->accept(r);
}

Forwarder::Group& Forwarder::groupFor(std::string_view lowerName) {
  if (!zoneGroups_.empty()) {
    size_t pos = 0;
    while (pos < lowerName.size() && lowerName[pos] != 0) {
      const auto it = zoneGroups_.find(std::string(lowerName.substr(pos)));
      if (it != zoneGroups_.end()) return *it->second;
      pos += 1 + static_cast<uint8_t>(lowerName[pos]);
    }
  }
  return *defaultGroup_;
}

void Forwarder::accept(ForwardRequest& request) {
  const CacheKey key(request.packet.data(), request.query);
  const int64_t t = now();
  if (const auto it = pending_.find(std::string(key.view())); it != pending_.end()) {
    // Coalesced with the query in flight. Past the bound, a UDP asker retries on its own; a TCP
    // asker would wait forever (and its connection would never close), so it gets SERVFAIL now.
    if (it->second->waiters.size() < kMaxWaiters) {
      it->second->waiters.push_back(request);
    } else if (request.transport == Transport::kTcp) {
      overloaded_.add();
      const size_t n = writeErrorReply(request.packet.data(), request.query, dns::kRcodeServFail,
                                       settings_.recursionAvailable, buffer_.data());
      reply(request, buffer_.data(), n);
    }
    return;
  }
  // Answered while it waited in the queue?
  const ReplyOptions options = replyOptions(request.query, request.transport);
  size_t length = 0;
  if (cache_.answer(key, request.packet.data(), request.query, t, false, options, buffer_.data(), length) ==
      ForwardCache::Lookup::kFresh) {
    reply(request, buffer_.data(), length);
    return;
  }
  Group& group = groupFor(key.lowerName());
  if (group.upstreams.empty() || pending_.size() >= kMaxPending) {
    if (!group.upstreams.empty()) {
      overloaded_.add();
      if (overloaded_.get() % 10000 == 1) {
        log::warning("more than " + std::to_string(kMaxPending) +
                     " questions in flight upstream: answering SERVFAIL to new ones (" +
                     std::to_string(overloaded_.get()) + " so far)");
      }
    }
    const size_t n = writeErrorReply(request.packet.data(), request.query, dns::kRcodeServFail,
                                     settings_.recursionAvailable, buffer_.data());
    reply(request, buffer_.data(), n);
    return;
  }
  auto pending = std::make_unique<Pending>();
  Pending* p = pending.get();
  p->forwarder = this;
  p->key = std::string(key.view());
  p->qtype = request.query.qtype;
  p->qclass = request.query.qclass;
  p->dnssecOk = request.query.dnssecOk;
  p->checkingDisabled = (request.query.flags & 0x0010) != 0;
  p->tcp = request.transport == Transport::kTcp;
  if (request.query.hasEdns) {
    p->ednsSize = static_cast<uint16_t>(
        std::clamp<size_t>(request.query.ednsUdpSize, dns::kMaxUdpWithoutEdns, settings_.maxUdpSize));
  }
  p->group = &group;
  p->order = group.order(t);
  p->waiters.push_back(request);
  pending_.emplace(p->key, std::move(pending));

  p->deadline.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* arg) {
        static_cast<Pending*>(arg)->forwarder->fail(static_cast<Pending*>(arg));
      },
      p));
  const timeval budget = toTimeval(settings_.timeoutMs);
  evtimer_add(p->deadline.get(), &budget);
  if (cache_.hasServable(p->key, t)) {
    p->staleTimer.reset(evtimer_new(
        base_.get(),
        [](evutil_socket_t, short, void* arg) {
          auto* self = static_cast<Pending*>(arg);
          self->forwarder->answerStale(self);
        },
        p));
    const timeval staleAfter = toTimeval(std::min<int64_t>(kStaleClientTimerMs, settings_.timeoutMs));
    evtimer_add(p->staleTimer.get(), &staleAfter);
  }
  p->stagger.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* arg) {
        auto* self = static_cast<Pending*>(arg);
        // The upstream asked last did not answer in time: count it as failing and ask the next.
        if (!self->attempts.empty()) {
          Attempt* last = self->attempts.back().get();
          last->counted = true;
          self->group->upstreams[last->upstream].failure(self->forwarder->now(), "did not answer in time");
        }
        self->forwarder->launchNext(self);
      },
      p));
  launchNext(p);
}

void Forwarder::launchNext(Pending* p) {
  while (p->next < p->order.size()) {
    const size_t upstream = p->order[p->next++];
    const size_t before = p->attempts.size();
    launch(p, upstream, p->tcp);
    if (pending_.find(p->key) == pending_.end()) return;  // finished (cannot happen on launch, kept safe)
    if (p->attempts.size() > before) {
      if (p->next < p->order.size()) {
        const timeval rto = toTimeval(p->group->upstreams[upstream].rtoMs());
        evtimer_add(p->stagger.get(), &rto);
      }
      return;
    }
  }
  if (p->attempts.empty()) fail(p);  // every upstream failed at once
}

void Forwarder::launch(Pending* p, size_t upstream, bool tcp) {
  UpstreamState& h = p->group->upstreams[upstream];
  auto attempt = std::make_unique<Attempt>();
  Attempt* a = attempt.get();
  a->forwarder = this;
  a->pending = p;
  a->upstream = upstream;
  a->tcp = tcp;
  a->edns = p->edns;
  a->query.id = static_cast<uint16_t>(arc4random());
  a->query.lowerName = p->lowerName();
  a->query.qtype = p->qtype;
  a->query.qclass = p->qclass;
  a->query.checkingDisabled = p->checkingDisabled;
  a->query.dnssecOk = p->dnssecOk;
  a->query.ednsSize = p->edns ? p->ednsSize : 0;
  a->sentMs = now();
  h.stats->queries.add();

  uint8_t query[dns::kHeaderSize + 256 + 4 + dns::kOptSize + 2];
  const size_t length = buildUpstreamQuery(a->query, query + 2);
  sockaddr_storage ss{};
  const socklen_t ssLen = h.address.toSockaddr(ss);
  if (!tcp) {
    // A fresh connected socket per query: a random source port, and the kernel drops datagrams
    // from any other address.
    a->fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a->fd < 0 || ::connect(a->fd, reinterpret_cast<sockaddr*>(&ss), ssLen) != 0 ||
        ::send(a->fd, query + 2, length, 0) != static_cast<ssize_t>(length)) {
      h.failure(now(), std::string("cannot be reached: ") + std::strerror(errno));
      return;  // the attempt closes its socket
    }
    a->readEvent.reset(event_new(
        base_.get(), a->fd, EV_READ | EV_PERSIST,
        [](evutil_socket_t, short, void* arg) {
          auto* at = static_cast<Attempt*>(arg);
          at->forwarder->onUdpReadable(at);
        },
        a));
    event_add(a->readEvent.get(), nullptr);
  } else {
    a->bev.reset(bufferevent_socket_new(base_.get(), -1, BEV_OPT_CLOSE_ON_FREE));
    bufferevent_setcb(
        a->bev.get(),
        [](bufferevent*, void* arg) { static_cast<Attempt*>(arg)->forwarder->onTcpRead(static_cast<Attempt*>(arg)); },
        nullptr,
        [](bufferevent*, short events, void* arg) {
          auto* at = static_cast<Attempt*>(arg);
          if ((events & BEV_EVENT_ERROR) != 0) {
            at->forwarder->attemptFailed(
                at, std::string("failed over TCP: ") + evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
          } else if ((events & BEV_EVENT_EOF) != 0) {
            at->forwarder->attemptFailed(at, "closed the TCP connection without an answer");
          }
        },
        a);
    dns::put16(query, static_cast<uint16_t>(length));
    bufferevent_write(a->bev.get(), query, length + 2);
    bufferevent_enable(a->bev.get(), EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(a->bev.get(), reinterpret_cast<sockaddr*>(&ss), static_cast<int>(ssLen)) != 0) {
      h.failure(now(), "cannot be reached over TCP");
      return;
    }
  }
  p->attempts.push_back(std::move(attempt));
}

void Forwarder::onUdpReadable(Attempt* a) {
  uint8_t* msg = buffer_.data();
  for (int i = 0; i < 16; ++i) {
    const ssize_t n = ::recv(a->fd, msg, dns::kMaxMessage, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      attemptFailed(a, std::string("failed: ") + std::strerror(errno));  // e.g. ECONNREFUSED: nothing listens
      return;
    }
    if (checkUpstreamReply(msg, static_cast<size_t>(n), a->query) != ReplyCheck::kMatch) {
      mismatchedReplies_.add();
      if (mismatchedReplies_.get() % 1000 == 1) {
        log::warning("ignored a reply from upstream " + a->pending->group->upstreams[a->upstream].address.toString() +
                     " that does not match the query sent (wrong ID or question; " +
                     std::to_string(mismatchedReplies_.get()) + " so far)");
      }
      continue;
    }
    handleReply(a, msg, static_cast<size_t>(n));
    return;
  }
}

void Forwarder::onTcpRead(Attempt* a) {
  evbuffer* input = bufferevent_get_input(a->bev.get());
  uint8_t prefix[2];
  if (evbuffer_copyout(input, prefix, 2) < 2) return;
  const size_t len = dns::get16(prefix);
  if (evbuffer_get_length(input) < 2 + len) return;
  evbuffer_drain(input, 2);
  evbuffer_remove(input, buffer_.data(), len);
  if (checkUpstreamReply(buffer_.data(), len, a->query) != ReplyCheck::kMatch) {
    attemptFailed(a, "answered another question over TCP");  // a stream out of step is of no use
    return;
  }
  handleReply(a, buffer_.data(), len);
}

void Forwarder::handleReply(Attempt* a, const uint8_t* msg, size_t len) {
  Pending* p = a->pending;
  UpstreamState& h = p->group->upstreams[a->upstream];
  const int64_t t = now();
  auto analyzed = analyzeUpstreamReply(msg, len, cache_.limits(), t);
  if (!analyzed) {
    attemptFailed(a, "sent a malformed reply");
    return;
  }
  h.success(t - a->sentMs);
  const uint8_t rcode = analyzed->answer.rcode;
  if (analyzed->truncated && !a->tcp) {
    // Too big for UDP: ask the same upstream over TCP.
    const size_t upstream = a->upstream;
    closeAttempt(a);
    launch(p, upstream, true);
    if (p->attempts.empty()) launchNext(p);
    return;
  }
  if (rcode == dns::kRcodeFormErr && a->edns) {
    // An upstream that does not know EDNS (RFC 6891 7): ask it again without.
    const size_t upstream = a->upstream;
    const bool tcp = a->tcp;
    p->edns = false;
    closeAttempt(a);
    launch(p, upstream, tcp);
    if (p->attempts.empty()) launchNext(p);
    return;
  }
  if (rcode != dns::kRcodeNoError && rcode != dns::kRcodeNXDomain) {
    // SERVFAIL, REFUSED, NOTIMP, ...: another upstream may do better.
    p->lastRcode = rcode;
    const bool refuses = rcode == dns::kRcodeRefused || rcode == dns::kRcodeNotImp;
    attemptFailed(a, refuses ? "refuses our queries" : "");
    return;
  }
  CachedAnswer& answer = analyzed->answer;
  for (const auto& w : p->waiters) {
    const ReplyOptions options = replyOptions(w.query, w.transport);
    const size_t n = writeCachedReply(answer, w.packet.data(), w.query, t, false, options, buffer_.data() + 2);
    reply(w, buffer_.data() + 2, n);
  }
  p->waiters.clear();
  cache_.insert(p->key, std::move(answer));
  finish(p);
}

void Forwarder::closeAttempt(Attempt* a) {
  Pending* p = a->pending;
  const auto it = std::find_if(p->attempts.begin(), p->attempts.end(), [a](const auto& x) { return x.get() == a; });
  if (it != p->attempts.end()) p->attempts.erase(it);
}

void Forwarder::attemptFailed(Attempt* a, const std::string& upstreamFault) {
  Pending* p = a->pending;
  if (!upstreamFault.empty()) p->group->upstreams[a->upstream].failure(now(), upstreamFault);
  closeAttempt(a);
  if (p->next < p->order.size()) {
    evtimer_del(p->stagger.get());
    launchNext(p);
  } else if (p->attempts.empty()) {
    fail(p);
  }
}

void Forwarder::answerStale(Pending* p) {
  std::vector<ForwardRequest> unanswered;
  for (auto& w : p->waiters) {
    const CacheKey key(w.packet.data(), w.query);
    const ReplyOptions options = replyOptions(w.query, w.transport);
    size_t length = 0;
    if (cache_.answer(key, w.packet.data(), w.query, now(), true, options, buffer_.data(), length) !=
        ForwardCache::Lookup::kMiss) {
      reply(w, buffer_.data(), length);
    } else {
      unanswered.push_back(w);
    }
  }
  p->waiters.swap(unanswered);
}

void Forwarder::fail(Pending* p) {
  // Every upstream failed or the budget is spent: stale data when there is some, else SERVFAIL.
  answerStale(p);
  static constexpr dns::ExtendedError kNoUpstream{dns::kEdeNoReachableAuthority,
                                                  "no upstream resolver answered in time"};
  for (auto& w : p->waiters) {
    const size_t n = writeErrorReply(w.packet.data(), w.query, dns::kRcodeServFail, settings_.recursionAvailable,
                                     buffer_.data(), &kNoUpstream);
    reply(w, buffer_.data(), n);
  }
  p->waiters.clear();
  for (auto& a : p->attempts) {
    // Still silent at the end: that counts against the upstream (once).
    if (!a->counted) p->group->upstreams[a->upstream].failure(now(), "did not answer within the timeout");
  }
  finish(p);
}

void Forwarder::finish(Pending* p) {
  pending_.erase(p->key);  // destroys p: its attempts (sockets) and timers
}

UpstreamStats* Forwarder::statsFor(const Upstream& u) {
  const auto stats = stats_.lock();
  auto& slot = stats->upstreams[u.toString()];
  if (!slot) {
    slot = std::make_unique<UpstreamStats>();
    slot->address = u.toString();
  }
  return slot.get();
}

std::vector<std::string> Forwarder::defaultUpstreams() const { return stats_.lock()->defaultUpstreams; }

void Forwarder::forEachUpstream(const std::function<void(const UpstreamStats&)>& f) const {
  const auto stats = stats_.lock();
  for (const auto& [name, upstream] : stats->upstreams) f(*upstream);
}

void Forwarder::reply(const ForwardRequest& r, const uint8_t* data, size_t length) {
  replies_.countReply(r.transport == Transport::kTcp, data, length);
  if (r.transport == Transport::kUdp) {
    if (r.udpSocket == nullptr) return;
    if (::sendto(r.udpSocket->get(), data, length, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&r.client),
                 r.clientLength) < 0) {
      unsentUdp_.add();
    }
  } else if (r.sink != nullptr) {
    r.sink->deliverTcp(r.connection, data, length);
  }
}

}  // namespace mdns
