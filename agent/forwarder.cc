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
#include "agent/loop_clock.h"
#include "common/upstream_health.h"

namespace mdns {
namespace {

constexpr int64_t kStaleClientTimerMs = 1800;  // RFC 8767 section 5: answer stale after 1.8 s
constexpr uint16_t kUpstreamEdnsSize = dns::kOurEdnsBufferSize;
// Bounds under a flood of distinct names (or a client repeating itself): questions in flight
// upstream, and askers waiting for one question. Beyond them: SERVFAIL at once, or dropped.
constexpr size_t kMaxPending = 1000;
constexpr size_t kMaxWaiters = 256;

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
  Pending* pending = nullptr;
  size_t upstream = 0;
  bool tcp = false;
  bool edns = true;
  std::unique_ptr<UpstreamTransport::Exchange> exchange;
  UpstreamQuery query;
  int64_t sentMs = 0;
  bool counted = false;  // its silence already counted against the upstream
};

struct Forwarder::Pending {
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
  std::unique_ptr<Clock::Timer> stagger;     // the next upstream joins
  std::unique_ptr<Clock::Timer> deadline;    // the `timeout` budget is spent
  std::unique_ptr<Clock::Timer> staleTimer;  // RFC 8767: a stale answer goes out meanwhile
  int lastRcode = -1;

  std::string_view lowerName() const { return std::string_view(key).substr(0, key.size() - 5); }
};

Forwarder::Forwarder(ForwarderSettings settings, Clock* clock, UpstreamTransport* transport)
    : settings_(std::move(settings)), cache_(settings_.cache), buffer_(dns::kMaxMessage + 2) {
  base_.reset(event_base_new());
  if (clock == nullptr) {
    ownClock_ = std::make_unique<LoopClock>(base_.get());
    clock = ownClock_.get();
  }
  if (transport == nullptr) {
    ownTransport_ = std::make_unique<SocketTransport>(base_.get());
    transport = ownTransport_.get();
  }
  clock_ = clock;
  transport_ = transport;
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

int64_t Forwarder::now() const { return clock_->nowMs(); }

ReplyOptions Forwarder::replyOptions(const dns::Query& q, Transport transport) const {
  return {settings_.recursionAvailable, replySizeLimit(q, transport, settings_.maxUdpSize), settings_.setTruncateBit};
}

size_t Forwarder::answerFromCache(const uint8_t* packet, const dns::Query& q, Transport transport, uint8_t* out) {
  const CacheKey key(packet, q);
  const ReplyOptions options = replyOptions(q, transport);
  size_t length = 0;
  if (cache_.answer(key, packet, q, clock_->nowMs(), false, options, out, length) == ForwardCache::Lookup::kFresh) {
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

void Forwarder::onWake(evutil_socket_t, short, void* self) { static_cast<Forwarder*>(self)->handleQueued(); }

void Forwarder::handleQueued() {
  std::vector<ForwardRequest> requests;
  std::unique_ptr<Routing> routing;
  {
    const auto inbox = inbox_.lock();
    requests.swap(inbox->queue);
    routing.swap(inbox->routing);
  }
  if (routing) {
    log::info("forwarding to " + describe(routing->upstreams));
    applyRouting(routing->upstreams, routing->zoneUpstreams ? &*routing->zoneUpstreams : nullptr);
    if (routing->timeoutMs) settings_.timeoutMs = *routing->timeoutMs;
  }
  std::erase_if(retiredGroups_, [this](const std::unique_ptr<Group>& g) {
    return std::none_of(pending_.begin(), pending_.end(),
                        [&g](const auto& entry) { return entry.second->group == g.get(); });
  });
  for (auto& r : requests) accept(r);
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

  p->deadline = clock_->timer([this, p] { fail(p); });
  p->deadline->arm(settings_.timeoutMs);
  if (cache_.hasServable(p->key, t)) {
    p->staleTimer = clock_->timer([this, p] { answerStale(p); });
    p->staleTimer->arm(std::min<int64_t>(kStaleClientTimerMs, settings_.timeoutMs));
  }
  p->stagger = clock_->timer([this, p] {
    // The upstream asked last did not answer in time: count it as failing and ask the next.
    if (!p->attempts.empty()) {
      Attempt* last = p->attempts.back().get();
      last->counted = true;
      p->group->upstreams[last->upstream].failure(now(), "did not answer in time");
    }
    launchNext(p);
  });
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
        p->stagger->arm(p->group->upstreams[upstream].rtoMs());
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

  uint8_t query[dns::kHeaderSize + 256 + 4 + dns::kOptSize];
  const size_t length = buildUpstreamQuery(a->query, query);
  UpstreamTransport::Handlers handlers;
  handlers.message = [this, a](const uint8_t* message, size_t size) { return received(a, message, size); };
  handlers.failed = [this, a](const std::string& why) { attemptFailed(a, why); };
  auto sent = transport_->send(h.address, tcp, query, length, std::move(handlers));
  if (!sent) {
    h.failure(now(), sent.error());
    return;
  }
  a->exchange = std::move(*sent);
  p->attempts.push_back(std::move(attempt));
}

bool Forwarder::received(Attempt* a, const uint8_t* message, size_t length) {
  if (checkUpstreamReply(message, length, a->query) != ReplyCheck::kMatch) {
    if (a->tcp) {
      attemptFailed(a, "answered another question over TCP");  // a stream out of step is of no use
      return true;
    }
    // Over UDP: someone else's datagram, or a late one; the answer may still come.
    mismatchedReplies_.add();
    if (mismatchedReplies_.get() % 1000 == 1) {
      log::warning("ignored a reply from upstream " + a->pending->group->upstreams[a->upstream].address.toString() +
                   " that does not match the query sent (wrong ID or question; " +
                   std::to_string(mismatchedReplies_.get()) + " so far)");
    }
    return false;
  }
  handleReply(a, message, length);
  return true;
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
    p->stagger->cancel();
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
