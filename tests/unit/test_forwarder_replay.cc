// The forwarder's behaviour over time, replayed: a clock the test moves and upstreams the test
// answers for (in the spirit of Unbound's testdata/*.rpl: fwd_error_retries, serve_expired). What a
// client gets, and when, with no sleeping and no sockets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>

#include "agent/forwarder.h"
#include "ldns_util.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_ldns::Pkt;
using testing_ldns::rrText;
using testing_ldns::section;
using testing_ldns::toWire;

// Time moved by the test; due timers fire in order as it passes them.
class ScriptedClock : public Clock {
 public:
  int64_t nowMs() const override { return now_.load(); }
  std::unique_ptr<Timer> timer(std::function<void()> fire) override {
    return std::make_unique<ScriptedTimer>(*this, std::move(fire));
  }
  void advance(int64_t ms) {
    const int64_t until = now_.load() + ms;
    for (;;) {
      ScriptedTimer* next = nullptr;
      for (auto* t : timers_) {
        if (t->due >= 0 && t->due <= until && (next == nullptr || t->due < next->due)) next = t;
      }
      if (next == nullptr) break;
      now_.store(next->due);
      next->due = -1;
      next->fire();  // may destroy timers, next among them
    }
    now_.store(until);
  }

 private:
  struct ScriptedTimer : Timer {
    ScriptedTimer(ScriptedClock& c, std::function<void()> f) : clock(c), fire(std::move(f)) {
      clock.timers_.insert(this);
    }
    ~ScriptedTimer() override { clock.timers_.erase(this); }
    void arm(int64_t afterMs) override { due = clock.nowMs() + afterMs; }
    void cancel() override { due = -1; }
    ScriptedClock& clock;
    std::function<void()> fire;
    int64_t due = -1;
  };
  std::atomic<int64_t> now_{1'000'000};
  std::set<ScriptedTimer*> timers_;
};

// Upstreams that answer when the test says so; what was sent to whom is kept.
class ScriptedUpstreams : public UpstreamTransport {
 public:
  struct Sent {
    Upstream to;
    bool tcp = false;
    std::vector<uint8_t> query;
    Handlers handlers;
    bool open = true;  // the forwarder still waits on it
  };

  Result<std::unique_ptr<Exchange>> send(const Upstream& to, bool tcp, const uint8_t* query, size_t length,
                                         Handlers handlers) override {
    if (unreachable.count(to.toString()) != 0) return Error{"cannot be reached: Network is unreachable"};
    sent.push_back(std::make_shared<Sent>(Sent{to, tcp, {query, query + length}, std::move(handlers)}));
    return std::unique_ptr<Exchange>(std::make_unique<Open>(sent.back()));
  }

  // What went where: "192.0.2.1:53 udp", in order.
  std::vector<std::string> log() const {
    std::vector<std::string> out;
    for (const auto& s : sent) out.push_back(s->to.toString() + (s->tcp ? " tcp" : " udp"));
    return out;
  }

  // The reply to query `i`: records in presentation form, the rcode, TC, an ID off by `idChange`.
  std::vector<uint8_t> reply(size_t i, const std::vector<std::string>& records,
                             ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR, bool truncated = false, int idChange = 0) {
    const Sent& s = *sent.at(i);
    ldns_pkt* raw = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&raw, s.query.data(), s.query.size()), LDNS_STATUS_OK);
    Pkt reply(raw);
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_ra(reply.get(), true);
    ldns_pkt_set_rcode(reply.get(), static_cast<uint8_t>(rcode));
    ldns_pkt_set_tc(reply.get(), truncated);
    ldns_pkt_set_id(reply.get(), static_cast<uint16_t>(ldns_pkt_id(reply.get()) + idChange));
    for (const auto& text : records) {
      ldns_rr* rr = nullptr;
      EXPECT_EQ(ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr), LDNS_STATUS_OK) << text;
      ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
    }
    return toWire(reply.get());
  }
  // Query `i`'s upstream sends `message`; true when the forwarder took it.
  bool deliver(size_t i, const std::vector<uint8_t>& message) {
    EXPECT_TRUE(sent.at(i)->open) << "query " << i << " was already given up";
    auto handlers = sent.at(i)->handlers;  // the exchange (and its handlers) may go while it runs
    return handlers.message(message.data(), message.size());
  }
  // Upstream of query `i` answers it.
  bool answer(size_t i, const std::vector<std::string>& records, ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR,
              bool truncated = false, int idChange = 0) {
    return deliver(i, reply(i, records, rcode, truncated, idChange));
  }
  void fail(size_t i, const std::string& why) {
    auto handlers = sent.at(i)->handlers;
    handlers.failed(why);
  }
  bool queryHasEdns(size_t i) const {
    ldns_pkt* raw = nullptr;
    EXPECT_EQ(ldns_wire2pkt(&raw, sent.at(i)->query.data(), sent.at(i)->query.size()), LDNS_STATUS_OK);
    Pkt query(raw);
    return ldns_pkt_edns(query.get());
  }

  std::vector<std::shared_ptr<Sent>> sent;
  std::set<std::string> unreachable;

 private:
  struct Open : Exchange {
    explicit Open(std::shared_ptr<Sent> s) : sent(std::move(s)) {}
    ~Open() override { sent->open = false; }
    std::shared_ptr<Sent> sent;
  };
};

// Clients, one id each: over UDP they ask on a worker's socket and read their replies from their
// own (loopback, read without waiting); over TCP their replies come back through the sink.
class Clients : public ReplySink {
 public:
  Clients() : worker_(std::make_shared<const OwnedFd>(boundUdpSocket())) {}
  ~Clients() override {
    for (const auto& [c, fd] : udp_) ::close(fd);
  }
  void deliverTcp(uint64_t connection, const uint8_t* reply, size_t length) override {
    replies[connection].emplace_back(reply, reply + length);
  }
  // The worker's socket and client `c`'s address, for a UDP question.
  const SharedFd& worker() const { return worker_; }
  sockaddr_storage addressOf(uint64_t c, socklen_t& length) {
    if (udp_.count(c) == 0) udp_[c] = boundUdpSocket();
    sockaddr_storage ss{};
    length = sizeof ss;
    EXPECT_EQ(::getsockname(udp_[c], reinterpret_cast<sockaddr*>(&ss), &length), 0);
    return ss;
  }

  // Every reply client `c` got: rcode and answer records, e.g. "NOERROR example.test.\t60\tIN\tA\t192.0.2.1".
  std::vector<std::string> got(uint64_t c) {
    if (const auto it = udp_.find(c); it != udp_.end()) {
      std::vector<uint8_t> datagram(65535);
      for (ssize_t n; (n = ::recv(it->second, datagram.data(), datagram.size(), MSG_DONTWAIT)) > 0;) {
        replies[c].emplace_back(datagram.begin(), datagram.begin() + n);
      }
    }
    const auto it = replies.find(c);
    if (it == replies.end()) return {};
    std::vector<std::string> out;
    for (const auto& wire : it->second) {
      ldns_pkt* raw = nullptr;
      EXPECT_EQ(ldns_wire2pkt(&raw, wire.data(), wire.size()), LDNS_STATUS_OK);
      Pkt pkt(raw);
      std::string line = rcodeText(ldns_pkt_get_rcode(pkt.get()));
      for (const auto& rr : section(ldns_pkt_answer(pkt.get()))) line += " " + rr;
      out.push_back(line);
    }
    return out;
  }
  std::map<uint64_t, std::vector<std::vector<uint8_t>>> replies;

 private:
  static int boundUdpSocket() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in loopback{};
    loopback.sin_family = AF_INET;
    loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&loopback), sizeof loopback), 0);
    return fd;
  }
  static std::string rcodeText(ldns_pkt_rcode r) {
    switch (r) {
      case LDNS_RCODE_NOERROR:
        return "NOERROR";
      case LDNS_RCODE_NXDOMAIN:
        return "NXDOMAIN";
      case LDNS_RCODE_SERVFAIL:
        return "SERVFAIL";
      default:
        return "RCODE" + std::to_string(static_cast<int>(r));
    }
  }
  SharedFd worker_;
  std::map<uint64_t, int> udp_;
};

const Upstream kA{*IpAddress::parse("192.0.2.1"), 53};
const Upstream kB{*IpAddress::parse("192.0.2.2"), 53};

class ForwarderReplay : public ::testing::Test {
 protected:
  void start(std::vector<Upstream> upstreams, int timeoutMs = 5000) {
    ForwarderSettings settings;
    settings.upstreams = std::move(upstreams);
    settings.timeoutMs = timeoutMs;
    forwarder = std::make_unique<Forwarder>(settings, &clock, &upstreams_);
  }
  // Client `c` asks, through a worker that found nothing in the cache.
  void ask(uint64_t c, const std::string& name, Transport transport = Transport::kUdp, uint16_t qtype = dns::kTypeA) {
    const std::string wire = *dns::toWireName(name);
    UpstreamQuery q{static_cast<uint16_t>(0x1000 + c), wire, qtype, dns::kClassIN, false, false, 1232};
    uint8_t packet[512];
    const size_t length = buildUpstreamQuery(q, packet);
    dns::Query parsed;
    ASSERT_EQ(dns::parseQuery(packet, length, parsed), dns::ParseStatus::kOk);
    if (transport == Transport::kUdp) {
      socklen_t clientLength = 0;
      const sockaddr_storage client = clients.addressOf(c, clientLength);
      forwarder->submit(packet, parsed, transport, clients.worker(), reinterpret_cast<const sockaddr*>(&client),
                        clientLength, nullptr, 0);
    } else {
      forwarder->submit(packet, parsed, transport, nullptr, nullptr, 0, &clients, c);
    }
    forwarder->handleQueued();
  }
  // What the cache answers a worker for `name` now (empty when it would forward).
  std::vector<std::string> cached(const std::string& name) {
    const std::string wire = *dns::toWireName(name);
    UpstreamQuery q{0x4242, wire, dns::kTypeA, dns::kClassIN, false, false, 1232};
    uint8_t packet[512];
    const size_t length = buildUpstreamQuery(q, packet);
    dns::Query parsed;
    EXPECT_EQ(dns::parseQuery(packet, length, parsed), dns::ParseStatus::kOk);
    uint8_t out[4096];
    const size_t n = forwarder->answerFromCache(packet, parsed, Transport::kTcp, out);
    if (n == 0) return {};
    Clients one;
    one.deliverTcp(0, out, n);
    return one.got(0);
  }
  uint64_t failuresOf(const Upstream& u) {
    uint64_t n = 0;
    forwarder->forEachUpstream([&](const UpstreamStats& s) {
      if (s.address == u.toString()) n = s.failures.get();
    });
    return n;
  }

  ScriptedClock clock;
  ScriptedUpstreams upstreams_;
  Clients clients;
  std::unique_ptr<Forwarder> forwarder;
};

TEST_F(ForwarderReplay, SilentFirstUpstreamBringsInTheNextAfter400Ms) {
  start({kA, kB});
  ask(1, "www.example.test");
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp"));
  clock.advance(399);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp"));
  clock.advance(1);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp"));
  EXPECT_TRUE(upstreams_.sent[0]->open);  // A may still answer
  upstreams_.answer(1, {"www.example.test. 60 IN A 198.51.100.7"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
  EXPECT_FALSE(upstreams_.sent[0]->open);  // the question is settled: A's socket closes
  EXPECT_EQ(failuresOf(kA), 1u);
  EXPECT_EQ(failuresOf(kB), 0u);
}

TEST_F(ForwarderReplay, UpstreamInBackOffIsAskedLastUntilItsBackOffEnds) {
  start({kA, kB});
  ask(1, "one.example.test");
  clock.advance(400);
  upstreams_.answer(1, {"one.example.test. 60 IN A 198.51.100.1"});
  ask(2, "two.example.test");  // A failed 400 ms ago: in back-off for 5 s
  EXPECT_EQ(upstreams_.log().back(), "192.0.2.2:53 udp");
  upstreams_.answer(2, {"two.example.test. 60 IN A 198.51.100.2"});
  clock.advance(5000);
  ask(3, "three.example.test");  // the back-off is over: configured order again
  EXPECT_EQ(upstreams_.log().back(), "192.0.2.1:53 udp");
}

TEST_F(ForwarderReplay, RefusalMovesOnAtOnceAndCountsAgainstTheUpstream) {
  start({kA, kB});
  ask(1, "www.example.test");
  upstreams_.answer(0, {}, LDNS_RCODE_REFUSED);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp"));  // no 400 ms wait
  upstreams_.answer(1, {"www.example.test. 60 IN A 198.51.100.7"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
  EXPECT_EQ(failuresOf(kA), 1u);
}

TEST_F(ForwarderReplay, EveryUpstreamSilentUntilTheTimeoutGivesServfail) {
  start({kA, kB}, 2000);
  ask(1, "www.example.test");
  clock.advance(1999);
  EXPECT_THAT(clients.got(1), IsEmpty());
  clock.advance(1);
  EXPECT_THAT(clients.got(1), ElementsAre("SERVFAIL"));
  EXPECT_FALSE(upstreams_.sent[0]->open);
  EXPECT_FALSE(upstreams_.sent[1]->open);
}

TEST_F(ForwarderReplay, UnreachableUpstreamIsSkippedWithoutWaiting) {
  start({kA, kB});
  upstreams_.unreachable.insert(kA.toString());
  ask(1, "www.example.test");
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.2:53 udp"));
  EXPECT_EQ(failuresOf(kA), 1u);
}

TEST_F(ForwarderReplay, RefusedExchangeMovesOnAtOnce) {
  start({kA, kB});
  ask(1, "www.example.test");
  upstreams_.fail(0, "failed: Connection refused");  // ICMP port unreachable: nothing listens there
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp"));
  EXPECT_FALSE(upstreams_.sent[0]->open);
  EXPECT_EQ(failuresOf(kA), 1u);
}

TEST_F(ForwarderReplay, EveryUpstreamRefusingIsServfailAtOnce) {
  start({kA, kB});
  ask(1, "www.example.test");
  upstreams_.fail(0, "failed: Connection refused");
  upstreams_.fail(1, "failed: Connection refused");
  EXPECT_THAT(clients.got(1), ElementsAre("SERVFAIL"));  // no waiting for the timeout
}

TEST_F(ForwarderReplay, MalformedReplyMovesOnAtOnce) {
  start({kA, kB});
  ask(1, "www.example.test");
  auto malformed = upstreams_.reply(0, {"www.example.test. 60 IN A 203.0.113.66"});
  malformed[7] = 2;  // two answers announced, one present: the reply ends inside the answer section
  EXPECT_TRUE(upstreams_.deliver(0, malformed));
  EXPECT_FALSE(upstreams_.sent[0]->open);
  EXPECT_EQ(failuresOf(kA), 1u);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp"));
}

TEST_F(ForwarderReplay, TimeoutIsTheBudgetOfTheWholeQuestionWhateverTheNumberOfUpstreams) {
  const Upstream kC{*IpAddress::parse("192.0.2.3"), 53};
  start({kA, kB, kC}, 2000);
  ask(1, "www.example.test");
  clock.advance(400);
  clock.advance(400);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp", "192.0.2.3:53 udp"));
  clock.advance(1199);
  EXPECT_THAT(clients.got(1), IsEmpty());
  clock.advance(1);
  EXPECT_THAT(clients.got(1), ElementsAre("SERVFAIL"));
}

TEST_F(ForwarderReplay, NoUpstreamIsServfailAtOnce) {
  start({});
  ask(1, "www.example.test");
  EXPECT_THAT(upstreams_.log(), IsEmpty());
  EXPECT_THAT(clients.got(1), ElementsAre("SERVFAIL"));
}

TEST_F(ForwarderReplay, ServfailFromEveryUpstreamIsServfailAtOnce) {
  start({kA, kB});
  ask(1, "www.example.test");
  upstreams_.answer(0, {}, LDNS_RCODE_SERVFAIL);
  upstreams_.answer(1, {}, LDNS_RCODE_SERVFAIL);
  EXPECT_THAT(clients.got(1), ElementsAre("SERVFAIL"));
  EXPECT_EQ(failuresOf(kA), 0u);  // SERVFAIL is the name's trouble, not the upstream's
}

TEST_F(ForwarderReplay, IdenticalQuestionsInFlightShareOneUpstreamQuery) {
  start({kA});
  ask(1, "www.example.test");
  ask(2, "WWW.example.test");  // the same name in other letter case
  ASSERT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp"));
  upstreams_.answer(0, {"www.example.test. 60 IN A 198.51.100.7"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
  EXPECT_THAT(clients.got(2), ElementsAre("NOERROR WWW.example.test.\t60\tIN\tA\t198.51.100.7"));
}

TEST_F(ForwarderReplay, ReplyWithAnotherIdIsIgnoredOverUdpAndTheRealOneTaken) {
  start({kA});
  ask(1, "www.example.test");
  EXPECT_FALSE(upstreams_.answer(0, {"www.example.test. 60 IN A 203.0.113.66"}, LDNS_RCODE_NOERROR, false, 1));
  EXPECT_THAT(clients.got(1), IsEmpty());
  EXPECT_EQ(forwarder->mismatchedReplies(), 1u);
  EXPECT_TRUE(upstreams_.answer(0, {"www.example.test. 60 IN A 198.51.100.7"}));
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
}

TEST_F(ForwarderReplay, TruncatedUdpReplyIsAskedAgainOverTcpFromTheSameUpstream) {
  start({kA, kB});
  ask(1, "big.example.test");
  upstreams_.answer(0, {}, LDNS_RCODE_NOERROR, /*truncated=*/true);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.1:53 tcp"));
  upstreams_.answer(1, {"big.example.test. 60 IN A 198.51.100.9"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR big.example.test.\t60\tIN\tA\t198.51.100.9"));
}

TEST_F(ForwarderReplay, FormerrToEdnsIsAskedAgainWithoutIt) {
  start({kA});
  ask(1, "old.example.test");
  EXPECT_TRUE(upstreams_.queryHasEdns(0));
  upstreams_.answer(0, {}, LDNS_RCODE_FORMERR);
  ASSERT_EQ(upstreams_.sent.size(), 2u);
  EXPECT_FALSE(upstreams_.queryHasEdns(1));
  upstreams_.answer(1, {"old.example.test. 60 IN A 198.51.100.3"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR old.example.test.\t60\tIN\tA\t198.51.100.3"));
}

TEST_F(ForwarderReplay, CachedAnswerCountsItsTtlDownAndExpires) {
  start({kA});
  ask(1, "www.example.test");
  upstreams_.answer(0, {"www.example.test. 60 IN A 198.51.100.7"});
  clock.advance(20'000);
  EXPECT_THAT(cached("www.example.test"), ElementsAre("NOERROR www.example.test.\t40\tIN\tA\t198.51.100.7"));
  clock.advance(40'000);
  EXPECT_THAT(cached("www.example.test"), IsEmpty());  // expired: the worker forwards
}

TEST_F(ForwarderReplay, ExpiredAnswerIsServedStaleAfter1800MsWhileUpstreamsAreSilent) {
  start({kA});
  ask(1, "www.example.test");
  upstreams_.answer(0, {"www.example.test. 60 IN A 198.51.100.7"});
  clock.advance(61'000);
  ask(2, "www.example.test");
  clock.advance(1799);
  EXPECT_THAT(clients.got(2), IsEmpty());
  clock.advance(1);  // RFC 8767: the client is not kept waiting longer; the upstream may still answer
  ASSERT_EQ(clients.got(2).size(), 1u);
  EXPECT_THAT(clients.got(2)[0], ::testing::StartsWith("NOERROR www.example.test.\t30\tIN\tA\t198.51.100.7"));
  EXPECT_TRUE(upstreams_.sent[1]->open);
  upstreams_.answer(1, {"www.example.test. 60 IN A 198.51.100.8"});  // refreshes the cache for the next
  EXPECT_THAT(cached("www.example.test"), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.8"));
  EXPECT_EQ(clients.got(2).size(), 1u);  // one answer per question
}

TEST_F(ForwarderReplay, TcpClientIsForwardedOverTcpAndAnAnswerToAnotherQuestionEndsTheStream) {
  start({kA, kB});
  ask(1, "www.example.test", Transport::kTcp);
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 tcp"));
  EXPECT_TRUE(upstreams_.answer(0, {"www.example.test. 60 IN A 203.0.113.66"}, LDNS_RCODE_NOERROR, false, 1));
  EXPECT_FALSE(upstreams_.sent[0]->open);  // a stream out of step is of no use: the next upstream
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 tcp", "192.0.2.2:53 tcp"));
  upstreams_.answer(1, {"www.example.test. 60 IN A 198.51.100.7"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
}

TEST_F(ForwarderReplay, ZoneResolversGetTheirZoneAndTheDefaultsTheRest) {
  ForwarderSettings settings;
  settings.upstreams = {kA};
  settings.zoneUpstreams["corp.example"] = {kB};
  forwarder = std::make_unique<Forwarder>(settings, &clock, &upstreams_);
  ask(1, "git.corp.example");
  ask(2, "www.example.test");
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.2:53 udp", "192.0.2.1:53 udp"));
}

TEST_F(ForwarderReplay, NewUpstreamsFromAReloadServeNewQuestionsWhileOldOnesFinish) {
  start({kA});
  ask(1, "www.example.test");
  forwarder->setUpstreams({kB});
  ask(2, "other.example.test");
  EXPECT_THAT(upstreams_.log(), ElementsAre("192.0.2.1:53 udp", "192.0.2.2:53 udp"));
  upstreams_.answer(0, {"www.example.test. 60 IN A 198.51.100.7"});
  EXPECT_THAT(clients.got(1), ElementsAre("NOERROR www.example.test.\t60\tIN\tA\t198.51.100.7"));
}

}  // namespace
}  // namespace mdns
