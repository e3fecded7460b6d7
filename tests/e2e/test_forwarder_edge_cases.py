"""Forwarding, continued: the finer rules beyond tests/e2e/test_forwarder.py. Who may ask
(allowFrom that leaves loopback out), zoneResolvers taking only their zone, the cache's bounds
(cacheSize, cacheMaxNegativeTTL, NODATA), `timeout` as the budget of the whole query, answers
that must not be used or cached (SERVFAIL, REFUSED, malformed replies, replies from another source
port, NXDOMAIN without SOA), EDNS fall-back, serve-stale after 1.8 s, the asker's ID/RD/case and
AD in replies, and Mesos names unaffected by silent upstreams.

Upstreams are the real nsd (tests/e2e/upstreams.py), behind a counting proxy where a test needs to
know what reached it, and scripted fakes defined here. Run:

  cd tests/e2e && MDNS_AGENT=/path/to/mesos-dns-agent python3 -m unittest -v test_forwarder_edge_cases
"""
import socket
import struct
import threading
import time
import unittest

from harness import LOOPBACK, dns_query, free_port, wait_until
from upstreams import (MESOS_IP, OTHER_ZONE, TIMEOUT, ZONE, CountingProxy, FakeUpstream, ForwardingTestCase, Server,
                       encode_name, parse_question, start_nsd, start_server)

WWW = ["192.0.2.10", "192.0.2.11"]  # www.example.test in upstreams.ZONE

TYPE_A, TYPE_MX, TYPE_OPT = 1, 15, 41
RCODE_FORMERR, RCODE_SERVFAIL, RCODE_NXDOMAIN, RCODE_REFUSED = 1, 2, 3, 5


# ---------------------------------------------------------------------------------------------
# DNS messages by hand


def make_query(name, qtype=TYPE_A, qid=0x4242, rd=True, edns=None):
    """A query; `edns` is the UDP size of an OPT record, or None for none."""
    header = struct.pack(">HHHHHH", qid, 0x0100 if rd else 0, 1, 0, 0, 1 if edns else 0)
    msg = header + encode_name(name) + struct.pack(">HH", qtype, 1)
    if edns:
        msg += b"\x00" + struct.pack(">HHIH", TYPE_OPT, edns, 0, 0)
    return msg


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n >= 0xC0:
            return pos + 2
        pos += 1 + n


class Message:
    """A parsed reply: id, flags, rcode, question (raw bytes), answer/authority/additional as
    lists of (type, ttl, rdata bytes)."""

    def __init__(self, msg):
        self.raw = msg
        self.id, self.flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
        self.rcode = self.flags & 0xF
        pos = 12
        start = pos
        for _ in range(qd):
            pos = skip_name(msg, pos) + 4
        self.question = msg[start:pos]
        self.sections = []
        for count in (an, ns, ar):
            rrs = []
            for _ in range(count):
                pos = skip_name(msg, pos)
                rtype, _, ttl, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
                rrs.append((rtype, ttl, msg[pos + 10:pos + 10 + rdlen]))
                pos += 10 + rdlen
            self.sections.append(rrs)
        self.answer, self.authority, self.additional = self.sections

    def bit(self, mask):
        return bool(self.flags & mask)

    def a_records(self):
        return sorted(socket.inet_ntoa(rdata) for rtype, _, rdata in self.answer if rtype == TYPE_A)


def ask_udp(port, query, timeout=3.0):
    """Sends one query to 127.0.0.1:port; the parsed reply, or None after `timeout` seconds."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(query, (LOOPBACK, port))
        try:
            return Message(s.recv(65535))
        except socket.timeout:
            return None


def rr(rtype, rdata, ttl=300, owner=b"\xc0\x0c"):
    """A record owned by the question name (a compression pointer) unless `owner` is given."""
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def a_rr(ip, ttl=300):
    return rr(TYPE_A, socket.inet_aton(ip), ttl)


def build_reply(query, rcode=0, answers=(), authority=(), ad=False, qid=None, ancount=None):
    """A reply to `query` (its question copied byte for byte). `answers`/`authority` are records
    from rr(); `ancount` overrides the header's answer count (to make a malformed reply)."""
    orig_id, flags, _, _, _, end = parse_question(query)
    hdr_flags = 0x8000 | (flags & 0x0100) | 0x0080 | (0x0020 if ad else 0) | rcode
    header = struct.pack(">HHHHHH", orig_id if qid is None else qid, hdr_flags, 1,
                         len(answers) if ancount is None else ancount, len(authority), 0)
    return header + query[12:end] + b"".join(answers) + b"".join(authority)


def has_opt(query):
    return struct.unpack(">H", query[10:12])[0] > 0


# ---------------------------------------------------------------------------------------------
# Scripted upstreams


class ScriptedUpstream(Server):
    """Answers each query with `script(server, query, transport)`: a reply (bytes) or None for
    silence. The script may also send through server.udp / server.side (another UDP socket on
    another port) itself when it is given `peer` (UDP only). `seen` keeps every query received."""

    def __init__(self, script):
        super().__init__()
        self.script = script
        self.seen = []
        self.side = None

    def start(self):
        super().start()
        self.side = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.side.bind((LOOPBACK, 0))
        return self

    def stop(self):
        super().stop()
        self.side.close()

    def _answer(self, msg, transport, peer=None):
        with self.lock:
            self.seen.append((msg, transport))
        return self.script(self, msg, transport, peer)

    def on_udp(self, msg, peer):
        reply = self._answer(msg, "udp", peer)
        if reply is not None:
            try:
                self.udp.sendto(reply, peer)
            except OSError:
                pass

    def on_tcp(self, msg):
        return self._answer(msg, "tcp")


def count_queries(server, name, qtype=None):
    """Queries for `name` (and `qtype`) that reached a CountingProxy/FakeUpstream."""
    name = name.lower().rstrip(".") + "."
    with server.lock:
        return sum(1 for n, t, _ in server.queries if n == name and (qtype is None or t == qtype))


# ---------------------------------------------------------------------------------------------


class ForwardingEdgeCaseTest(ForwardingTestCase):
    def scripted(self, script):
        return start_server(self, ScriptedUpstream(script))

    # --- Who may ask -----------------------------------------------------------------------------

    def test_allow_from_without_loopback_refuses_loopback_clients_and_forwards_nothing(self):
        nsd = start_nsd(self)
        proxy = start_server(self, CountingProxy(nsd.port))
        agent = self.agent(["127.0.0.1:%d" % proxy.port], loaded=False, allowFrom=["10.0.0.0/8"])
        for name in ("www.example.test", "web.marathon.mesos", "nope.marathon.mesos"):
            for transport in ((), ("+tcp",)):
                with self.subTest(name=name, transport=transport):
                    r = agent.dig(name, "A", *transport)
                    self.assertEqual(r.status, "REFUSED", r)
                    self.assertEqual(r.answer, [])
        self.assertEqual(proxy.queries, [], "a refused client's question must not reach the upstream")

    # --- zoneResolvers ---------------------------------------------------------------------------

    def test_zone_resolvers_take_their_zone_and_nothing_else(self):
        # The default upstream also serves other.test (other addresses) and notother.test.
        decoy_other = OTHER_ZONE.replace("192.0.2.150", "203.0.113.66")
        notother = OTHER_ZONE.replace("other.test.", "notother.test.").replace("192.0.2.150", "203.0.113.77")
        default_nsd = start_nsd(self, zones={"example.test": ZONE, "other.test": decoy_other,
                                             "notother.test": notother})
        zone_nsd = start_nsd(self, zones={"other.test": OTHER_ZONE})
        default = start_server(self, CountingProxy(default_nsd.port))
        zone = start_server(self, CountingProxy(zone_nsd.port))
        agent = self.agent(["127.0.0.1:%d" % default.port], zoneResolvers={"other.test": ["127.0.0.1:%d" % zone.port]})

        # dig waits past the agent's budget, so a slow first exchange shows as what the agent answered.
        r = agent.dig("www.other.test", "A", timeout=TIMEOUT + 4)
        self.assertEqual(r.rdatas("A"), ["192.0.2.150"], r)
        self.assertIn("forwarding other.test to 127.0.0.1:%d (from zoneResolvers)" % zone.port, agent.log())
        self.assertEqual(agent.dig("WWW.Other.TEST", "AAAA").status, "NOERROR")
        self.assertEqual(agent.dig("other.test", "SOA").status, "NOERROR")
        self.assertEqual(agent.dig("a.b.other.test", "A").status, "NXDOMAIN")
        # A zone matches whole labels: notother.test is not in other.test.
        self.assertEqual(agent.dig("www.notother.test", "A").rdatas("A"), ["203.0.113.77"])
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), WWW)

        default_saw = sorted({n for n, _, _ in default.queries})
        zone_saw = sorted({n for n, _, _ in zone.queries})
        self.assertEqual(zone_saw, ["a.b.other.test.", "other.test.", "www.other.test."])
        self.assertEqual(default_saw, ["www.example.test.", "www.notother.test."])

    # --- Cache bounds ----------------------------------------------------------------------------

    def test_nodata_is_cached_with_the_soa(self):
        _, proxy, agent = self.nsd_agent()
        for _ in range(3):
            r = agent.dig("www.example.test", "MX")
            self.assertEqual((r.status, r.answer), ("NOERROR", []), r)
            self.assertEqual([(x.name, x.type) for x in r.authority], [("example.test.", "SOA")])
            self.assertLessEqual(r.authority[0].ttl, 60)  # min(SOA TTL 120, MINIMUM 60)
        self.assertEqual(count_queries(proxy, "www.example.test", TYPE_MX), 1, proxy.queries)

    def test_cache_max_negative_ttl_bounds_negative_answers_only(self):
        _, _, agent = self.nsd_agent(cacheMaxNegativeTTL=10)
        nx = agent.dig("missing.example.test", "A")
        self.assertEqual(nx.status, "NXDOMAIN")
        self.assertLessEqual(nx.authority[0].ttl, 10, nx)
        nodata = agent.dig("www.example.test", "MX")
        self.assertEqual(nodata.status, "NOERROR")
        self.assertLessEqual(nodata.authority[0].ttl, 10, nodata)
        positive = agent.dig("www.example.test", "A")
        self.assertEqual({x.ttl for x in positive.answer}, {300}, positive)

    def test_cache_size_keeps_at_most_that_many_answers_the_most_recently_used(self):
        size, names = 4, 40
        _, proxy, agent = self.nsd_agent(cacheSize=size)
        questions = ["n%d.example.test" % i for i in range(names)]
        for name in questions:
            self.assertEqual(ask_udp(agent.port, make_query(name)).rcode, RCODE_NXDOMAIN)
        for name in reversed(questions):  # the most recently used first
            self.assertEqual(ask_udp(agent.port, make_query(name)).rcode, RCODE_NXDOMAIN)
        from_cache = [name for name in questions if count_queries(proxy, name) == 1]
        self.assertLessEqual(len(from_cache), size, "cacheSize %d, yet %d of %d answers were still cached: %s"
                             % (size, len(from_cache), names, from_cache))
        self.assertEqual(from_cache, questions[-size:], "the %d most recently used answers must be the ones kept"
                         % size)

    def test_cache_keeps_every_answer_while_there_are_no_more_than_cache_size(self):
        size = 32
        _, proxy, agent = self.nsd_agent(cacheSize=size)
        questions = ["m%d.example.test" % i for i in range(size)]
        for _ in range(2):
            for name in questions:
                self.assertEqual(ask_udp(agent.port, make_query(name)).rcode, RCODE_NXDOMAIN)
        asked_twice = [name for name in questions if count_queries(proxy, name) != 1]
        self.assertEqual(asked_twice, [], "cacheSize %d, %d answers asked twice: %d of them reached the upstream "
                         "twice (dropped from the cache)" % (size, size, len(asked_twice)))

    def test_cache_size_zero_keeps_nothing(self):
        _, proxy, agent = self.nsd_agent(cacheSize=0)
        for _ in range(3):
            self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), WWW)
        self.assertEqual(count_queries(proxy, "www.example.test"), 3, proxy.queries)

    def test_nxdomain_without_soa_is_not_cached(self):
        fake = self.scripted(lambda s, q, t, p: build_reply(q, RCODE_NXDOMAIN))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        for _ in range(2):
            self.assertEqual(agent.dig("gone.example.test", "A").status, "NXDOMAIN")
        self.assertEqual(fake.count("gone.example.test"), 2)

    # --- Time budget and silence -----------------------------------------------------------------

    def test_timeout_is_the_budget_of_the_whole_query_whatever_the_number_of_upstreams(self):
        dead = [start_server(self, FakeUpstream("blackhole")) for _ in range(3)]
        agent = self.agent(["127.0.0.1:%d" % d.port for d in dead])
        # When each upstream joins and when SERVFAIL goes out is pinned without a clock in
        # ForwarderReplay.TimeoutIsTheBudgetOfTheWholeQuestionWhateverTheNumberOfUpstreams.
        r = agent.dig("one.example.test", "A", timeout=TIMEOUT + 4)
        self.assertEqual(r.status, "SERVFAIL", r)
        self.assertTrue(all(d.count("one.example.test") >= 1 for d in dead),
                        "every upstream is tried within the budget: %r" % [d.count("one.example.test") for d in dead])
        r = agent.dig("two.example.test", "A", "+tcp", timeout=TIMEOUT + 4)
        self.assertEqual(r.status, "SERVFAIL", r)

    def test_upstreams_where_nothing_listens_give_servfail_at_once(self):
        ports = [free_port(), free_port()]
        agent = self.agent(["127.0.0.1:%d" % p for p in ports])
        for transport in ((), ("+tcp",)):
            with self.subTest(transport=transport):
                r = agent.dig("www.example.test", "A", *transport, timeout=TIMEOUT + 4)
                self.assertEqual(r.status, "SERVFAIL", r)
        # Refusals, not the timeout, ended the question (ForwarderReplay.EveryUpstreamRefusingIsServfailAtOnce).
        for p in ports:
            agent.wait_log(r"upstream 127\.0\.0\.1:%d failed" % p)

    def test_every_tcp_asker_of_one_name_gets_an_answer_even_past_256_waiting(self):
        # 300 TCP clients ask the same question of a silent upstream and half-close, as dig and
        # stub resolvers do. The first 256 wait for the forwarded answer (SERVFAIL at the timeout);
        # the others must not wait forever on a connection that never closes.
        dead = start_server(self, FakeUpstream("blackhole"))
        agent = self.agent(["127.0.0.1:%d" % dead.port], maxTcpConnections=400)
        clients = []
        self.addCleanup(lambda: [c.close() for c in clients])
        for i in range(300):
            c = socket.create_connection((LOOPBACK, agent.port), timeout=5)
            q = dns_query("same.example.test", 0x4000 + i)
            c.sendall(struct.pack(">H", len(q)) + q)
            c.shutdown(socket.SHUT_WR)
            clients.append(c)
        deadline = time.monotonic() + TIMEOUT + 3
        answered = 0
        for i, c in enumerate(clients):
            c.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                head = c.recv(2)
                reply = c.recv(struct.unpack(">H", head)[0]) if len(head) == 2 else b""
            except socket.timeout:
                reply = b""
            if len(reply) >= 4 and struct.unpack(">H", reply[:2])[0] == 0x4000 + i:
                self.assertEqual(reply[3] & 0x0F, 2, "SERVFAIL")
                answered += 1
                c.settimeout(2)
                self.assertEqual(c.recv(1), b"", "the agent closes the half-closed connection once answered")
        self.assertEqual(answered, 300)

    def test_mesos_names_are_answered_at_once_while_upstreams_are_silent(self):
        dead = start_server(self, FakeUpstream("blackhole"))
        agent = self.agent(["127.0.0.1:%d" % dead.port])
        waiting = threading.Thread(target=agent.dig, args=("slow.example.test", "A"), kwargs={"timeout": TIMEOUT + 4})
        waiting.start()
        self.addCleanup(waiting.join, TIMEOUT + 10)
        wait_until(lambda: dead.count("slow.example.test") == 1, 5, message="the forwarded query never went out")
        r, elapsed = self.timed(lambda: agent.dig("web.marathon.mesos", "A"))
        self.assertEqual(r.rdatas("A"), [MESOS_IP])
        self.assertIn("aa", r.flags)
        self.assertLess(elapsed, 0.5)
        r, elapsed = self.timed(lambda: agent.dig("nope.marathon.mesos", "A"))
        self.assertEqual(r.status, "NXDOMAIN")
        self.assertIn("aa", r.flags)
        self.assertLess(elapsed, 0.5)
        self.assertEqual([n for n, _, _ in dead.queries], ["slow.example.test."], "Mesos names are never forwarded")

    def test_stale_answer_after_1_8_s_when_the_upstream_is_slow_and_the_late_answer_refreshes_the_cache(self):
        nsd = start_nsd(self)
        proxy = start_server(self, RelayCountingProxy(nsd.port))
        agent = self.agent(["127.0.0.1:%d" % proxy.port], timeout=5)
        self.assertEqual(agent.dig("short.example.test", "A").rdatas("A"), ["192.0.2.99"])  # TTL 1
        time.sleep(1.3)  # expired
        proxy.delay = 2.6  # the upstream is slow now, within the agent's 5 s
        # Before the slow answer (2.6 s): the stale one, due at 1.8 s
        # (ForwarderReplay.ExpiredAnswerIsServedStaleAfter1800MsWhileUpstreamsAreSilent).
        r = agent.dig("short.example.test", "A", timeout=8)
        self.assertEqual(r.rdatas("A"), ["192.0.2.99"], r)
        self.assertEqual({x.ttl for x in r.answer}, {30}, "a stale answer has TTL 30")
        self.assertGreaterEqual(count_queries(proxy, "short.example.test"), 2, "the agent asks the upstream again")
        relayed = proxy.relayed
        wait_until(lambda: proxy.relayed > relayed, 5, 0.01, message="the slow upstream answer never came")
        proxy.delay = 0.0
        asked = count_queries(proxy, "short.example.test")
        r = agent.dig("short.example.test", "A")
        self.assertEqual(r.rdatas("A"), ["192.0.2.99"])
        self.assertLessEqual(max(x.ttl for x in r.answer), 1, "the late answer replaced the stale one: %r" % r)
        self.assertEqual(count_queries(proxy, "short.example.test"), asked, "answered from the refreshed cache")

    # --- Answers that must not be used -----------------------------------------------------------

    def test_servfail_or_refused_from_an_upstream_makes_the_agent_ask_the_next(self):
        for rcode in (RCODE_SERVFAIL, RCODE_REFUSED):
            with self.subTest(rcode=rcode):
                failing = self.scripted(lambda s, q, t, p, rcode=rcode: build_reply(q, rcode))
                live = start_server(self, FakeUpstream("answer"))
                agent = self.agent(["127.0.0.1:%d" % failing.port, "127.0.0.1:%d" % live.port])
                # At once, not after a timeout: ForwarderReplay.RefusalMovesOnAtOnce...
                r = agent.dig("www.example.test", "A")
                self.assertEqual((r.status, r.rdatas("A")), ("NOERROR", ["192.0.2.3"]), r)
                self.assertEqual(failing.count("www.example.test"), 1)

    def test_servfail_is_not_cached(self):
        state = {"fail": True}
        fake = self.scripted(lambda s, q, t, p: build_reply(q, RCODE_SERVFAIL) if state["fail"]
                             else build_reply(q, answers=[a_rr("192.0.2.5")]))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        self.assertEqual(agent.dig("flaky.example.test", "A").status, "SERVFAIL")
        state["fail"] = False
        r = agent.dig("flaky.example.test", "A")
        self.assertEqual((r.status, r.rdatas("A")), ("NOERROR", ["192.0.2.5"]), r)

    def test_malformed_upstream_reply_is_not_used_and_the_next_upstream_answers(self):
        # Two answer records announced, one present: the reply ends inside the answer section.
        bad = self.scripted(lambda s, q, t, p: build_reply(q, answers=[a_rr("6.6.6.6")], ancount=2))
        live = start_server(self, FakeUpstream("answer"))
        agent = self.agent(["127.0.0.1:%d" % bad.port, "127.0.0.1:%d" % live.port])
        # A failure at once, not a wait for the timeout: ForwarderReplay.MalformedReplyMovesOnAtOnce.
        r = agent.dig("www.example.test", "A")
        self.assertEqual(r.rdatas("A"), ["192.0.2.3"], r)
        agent.wait_log(r"upstream 127\.0\.0\.1:%d sent a malformed reply" % bad.port)
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), ["192.0.2.3"])

    def test_reply_from_another_source_port_is_ignored(self):
        def script(server, query, transport, peer):
            if transport == "udp":
                # Right ID and question, from another port of the upstream's address.
                server.side.sendto(build_reply(query, answers=[a_rr("6.6.6.6")]), peer)
                time.sleep(0.05)
            return build_reply(query, answers=[a_rr("192.0.2.1")])

        fake = self.scripted(script)
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        self.assertEqual(agent.dig("spoofed.example.test", "A").rdatas("A"), ["192.0.2.1"])
        self.assertEqual(agent.dig("spoofed.example.test", "A").rdatas("A"), ["192.0.2.1"])  # and in the cache

    def test_upstream_that_rejects_edns_is_asked_again_without(self):
        fake = self.scripted(lambda s, q, t, p: build_reply(q, RCODE_FORMERR) if has_opt(q)
                             else build_reply(q, answers=[a_rr("192.0.2.4")]))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        r = agent.dig("old.example.test", "A")
        self.assertEqual((r.status, r.rdatas("A")), ("NOERROR", ["192.0.2.4"]), r)
        self.assertEqual([has_opt(q) for q, _ in fake.seen], [True, False])

    # --- What the asker gets ---------------------------------------------------------------------

    def test_reply_carries_the_askers_id_rd_and_question_letter_case(self):
        _, proxy, agent = self.nsd_agent()
        for name, qid, rd in [("WwW.ExAmPlE.TeSt", 0x1111, True),   # forwarded
                              ("www.EXAMPLE.test", 0x2222, False),  # from the cache
                              ("wWw.example.TEST", 0x3333, True)]:
            with self.subTest(name=name):
                query = make_query(name, qid=qid, rd=rd)
                reply = ask_udp(agent.port, query)
                self.assertIsNotNone(reply, "no reply")
                self.assertEqual(reply.id, qid)
                self.assertEqual(reply.bit(0x0100), rd, "RD")
                self.assertEqual(reply.question, query[12:], "the question as asked, letter case included")
                self.assertEqual(reply.a_records(), WWW)
        self.assertEqual(count_queries(proxy, "www.example.test"), 1)

    def test_ad_only_for_askers_that_set_ad_or_do(self):
        fake = self.scripted(lambda s, q, t, p: build_reply(q, answers=[a_rr("192.0.2.6")], ad=True))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        for options, want_ad in [(("+noadflag",), False), (("+adflag",), True), (("+noadflag", "+dnssec"), True)]:
            with self.subTest(options=options):
                r = agent.dig("signed.example.test", "A", *options)
                self.assertEqual(r.rdatas("A"), ["192.0.2.6"], r)
                self.assertEqual("ad" in r.flags, want_ad, r)

    def test_truncated_answer_then_tcp_retry_is_served_from_the_cache(self):
        _, proxy, agent = self.nsd_agent()
        small = agent.dig("big.example.test", "A", "+bufsize=1232", "+ignore")
        self.assertIn("tc", small.flags)
        asked = count_queries(proxy, "big.example.test")
        whole = agent.dig("big.example.test", "A", "+tcp")
        self.assertEqual(len(whole.answer), 120)
        self.assertEqual(count_queries(proxy, "big.example.test"), asked, "the TCP retry must come from the cache")


class RelayCountingProxy(CountingProxy):
    """A CountingProxy that also counts the answers it relayed (UDP)."""

    def __init__(self, upstream_port, delay=0.0):
        super().__init__(upstream_port, delay)
        self.relayed = 0

    def on_udp(self, msg, peer):
        super().on_udp(msg, peer)
        with self.lock:
            self.relayed += 1


if __name__ == "__main__":
    unittest.main()
