"""Names outside the Mesos domain, forwarded to real upstream servers (nsd on loopback high
ports, behind a counting proxy where a test needs to know what reached the upstream) and to
scripted fakes for what real servers will not do: answers equal the upstream's, the cache, TTL
count-down, negative caching, coalescing, fail-over, SERVFAIL and serve-stale when every upstream
is down, TCP retry of truncated answers, spoofed replies, zoneResolvers, allowFrom."""
import socket
import struct
import threading
import time
import unittest

from harness import LOOPBACK, free_port
from upstreams import (BIG_RECORDS, OTHER_ZONE, TIMEOUT, CountingProxy, FakeUpstream, ForwardingTestCase, encode_name,
                       parse_question, start_nsd, start_server)

BIG_ADDRESSES = ["198.51.100.%d" % (i + 1) for i in range(BIG_RECORDS)]


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def raw_query(name, qtype=1, qid=0x4242):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + encode_name(name) + struct.pack(">HH", qtype, 1)


def answer_ips(msg):
    """IPv4 addresses in the answer section of a reply (A records only)."""
    _, _, _, _, _, pos = parse_question(msg)
    ancount = struct.unpack(">H", msg[6:8])[0]
    ips = []
    for _ in range(ancount):
        while msg[pos] != 0 and msg[pos] < 0xC0:
            pos += 1 + msg[pos]
        pos += 2 if msg[pos] >= 0xC0 else 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
        if rtype == 1:
            ips.append(socket.inet_ntoa(msg[pos + 10:pos + 14]))
        pos += 10 + rdlen
    return sorted(ips)


class ForwardingTest(ForwardingTestCase):
    # --- Answers -------------------------------------------------------------------------------

    def test_answers_equal_the_upstreams(self):
        nsd, _, agent = self.nsd_agent()
        for name, rtype in [("www.example.test", "A"), ("www.example.test", "AAAA"), ("text.example.test", "TXT"),
                            ("alias.example.test", "A"), ("example.test", "SOA"), ("nope.example.test", "A"),
                            ("www.example.test", "MX")]:
            with self.subTest(name=name, rtype=rtype):
                direct = nsd_dig(nsd, name, rtype)
                via = agent.dig(name, rtype)
                self.assertEqual(via.status, direct.status, via)
                self.assertEqual([(rr.name, rr.type, rr.rdata) for rr in sorted_rrs(via.answer)],
                                 [(rr.name, rr.type, rr.rdata) for rr in sorted_rrs(direct.answer)])
                self.assertEqual([(rr.name, rr.type) for rr in via.authority],
                                 [(rr.name, rr.type) for rr in direct.authority])
                self.assertIn("ra", via.flags)
                self.assertNotIn("aa", via.flags)  # forwarded answers are not ours
        # The Mesos domain is still answered by the agent itself.
        web = agent.dig("web.marathon.mesos", "A")
        self.assertEqual(web.rdatas("A"), ["10.7.0.1"])
        self.assertIn("aa", web.flags)

    def test_second_identical_query_is_served_from_the_cache(self):
        _, proxy, agent = self.nsd_agent()
        first = agent.dig("www.example.test", "A")
        self.assertEqual(first.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        for _ in range(5):
            again = agent.dig("WWW.Example.Test", "A")
            self.assertEqual(again.rdatas("A"), ["192.0.2.10", "192.0.2.11"], again.text)
        self.assertEqual(proxy.count("www.example.test"), 1, proxy.queries)
        # Another type is another question.
        agent.dig("www.example.test", "AAAA")
        self.assertEqual(proxy.count("www.example.test"), 2)

    def test_ttl_counts_down_in_cached_answers(self):
        _, _, agent = self.nsd_agent()
        first = agent.dig("www.example.test", "A").answer[0].ttl
        time.sleep(2.2)
        later = agent.dig("www.example.test", "A").answer[0].ttl
        self.assertEqual(first, 300)
        self.assertTrue(first - 3 <= later <= first - 2, (first, later))

    def test_cache_max_ttl_bounds_what_is_handed_out(self):
        _, _, agent = self.nsd_agent(cacheMaxTTL=100)
        self.assertLessEqual(max(rr.ttl for rr in agent.dig("www.example.test", "A").answer), 100)

    def test_nxdomain_is_cached_with_the_soa_negative_ttl(self):
        _, proxy, agent = self.nsd_agent()
        for _ in range(3):
            r = agent.dig("missing.example.test", "A")
            self.assertEqual(r.status, "NXDOMAIN")
            self.assertEqual([rr.type for rr in r.authority], ["SOA"])
            self.assertLessEqual(r.authority[0].ttl, 60)  # min(SOA TTL 120, MINIMUM 60)
        self.assertEqual(proxy.count("missing.example.test"), 1)

    def test_expired_answer_is_asked_again(self):
        _, proxy, agent = self.nsd_agent()
        self.assertEqual(agent.dig("short.example.test", "A").rdatas("A"), ["192.0.2.99"])  # TTL 1
        time.sleep(1.5)
        self.assertEqual(agent.dig("short.example.test", "A").rdatas("A"), ["192.0.2.99"])
        self.assertEqual(proxy.count("short.example.test"), 2)

    def test_concurrent_identical_queries_are_coalesced(self):
        nsd = start_nsd(self)
        proxy = start_server(self, CountingProxy(nsd.port, delay=0.3))
        agent = self.agent(["127.0.0.1:%d" % proxy.port])
        replies = [None] * 20

        def ask(i):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(3)
                s.sendto(raw_query("www.example.test", qid=1000 + i), (LOOPBACK, agent.port))
                replies[i] = s.recv(4096)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        for i, reply in enumerate(replies):
            self.assertIsNotNone(reply, "client %d got no answer" % i)
            self.assertEqual(struct.unpack(">H", reply[:2])[0], 1000 + i)
            self.assertEqual(answer_ips(reply), ["192.0.2.10", "192.0.2.11"])
        self.assertEqual(proxy.count("www.example.test"), 1, proxy.queries)

    def test_tcp_clients_are_forwarded_over_tcp(self):
        _, proxy, agent = self.nsd_agent()
        r = agent.dig("www.example.test", "A", "+tcp")
        self.assertEqual(r.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        self.assertEqual(proxy.count("www.example.test", "tcp"), 1)
        self.assertEqual(proxy.count("www.example.test", "udp"), 0)

    # --- Size and truncation ---------------------------------------------------------------------

    def test_truncated_upstream_answer_is_asked_again_over_tcp(self):
        fake = start_server(self, FakeUpstream("tc"))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        r = agent.dig("big.example.test", "A", "+notcp", "+ignore")
        self.assertEqual(r.rdatas("A"), ["192.0.2.2"])  # only the TCP answer has it
        self.assertNotIn("tc", r.flags)
        self.assertEqual(fake.count(transport="tcp"), 1)

    def test_large_answers_come_in_part_with_tc_over_udp_and_whole_over_tcp(self):
        _, proxy, agent = self.nsd_agent()
        # Whatever the asker offers, UDP replies stop at maxUdpSize (1232): as many whole records as
        # fit, with TC, so that clients with TCP ask again and those without still get addresses.
        for options, size in ((("+bufsize=4096",), 1232), (("+bufsize=1232",), 1232), (("+noedns",), 512)):
            part = agent.dig("big.example.test", "A", *options, "+ignore")
            self.assertIn("tc", part.flags, options)
            opt = 0 if "+noedns" in options else 11
            self.assertEqual(len(part.answer), (size - 12 - 22 - opt) // 16, (options, part))
            self.assertTrue(set(part.rdatas("A")) <= set(BIG_ADDRESSES), part)
        self.assertEqual(len(agent.dig("big.example.test", "A", "+tcp").answer), BIG_RECORDS)
        # The agent asked nsd over TCP once (UDP came back truncated), and then answered from its cache.
        self.assertEqual(proxy.count("big.example.test", "tcp"), 1, proxy.queries)

    def test_larger_max_udp_size_carries_large_answers_whole(self):
        _, _, agent = self.nsd_agent(maxUdpSize=4096)
        big = agent.dig("big.example.test", "A", "+bufsize=4096", "+ignore")
        self.assertNotIn("tc", big.flags)
        self.assertEqual(len(big.answer), BIG_RECORDS)

    # --- Fail-over, SERVFAIL, stale ----------------------------------------------------------------

    def test_dead_upstream_costs_one_timeout_then_queries_go_to_the_next(self):
        dead = start_server(self, FakeUpstream("blackhole"))
        live = start_server(self, FakeUpstream("answer"))
        agent = self.agent(["127.0.0.1:%d" % dead.port, "127.0.0.1:%d" % live.port])
        # When the next upstream joins is pinned without a clock in the unit tests
        # (ForwarderReplay.SilentFirstUpstreamBringsInTheNextAfter400Ms); here, with real sockets:
        # one query costs the dead upstream, the later ones go straight to the live one.
        r = agent.dig("one.example.test", "A", timeout=4)
        self.assertEqual(r.rdatas("A"), ["192.0.2.3"])
        for i in range(5):
            self.assertEqual(agent.dig("name%d.example.test" % i, "A").rdatas("A"), ["192.0.2.3"])
        self.assertEqual(dead.count(), 1, dead.queries)
        self.assertEqual(live.count(), 6)
        agent.wait_log(r"upstream 127\.0\.0\.1:%d did not answer in time" % dead.port)

    def test_stopped_upstream_is_skipped_at_once(self):
        nsd = start_nsd(self)
        stopped = free_port()  # nothing listens: refused at once on loopback
        agent = self.agent(["127.0.0.1:%d" % stopped, "127.0.0.1:%d" % nsd.port])
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        # The refusal itself moved it on, not a timeout (ForwarderReplay.RefusedExchangeMovesOnAtOnce).
        agent.wait_log(r"upstream 127\.0\.0\.1:%d failed: Connection refused" % stopped)

    def test_all_upstreams_down_gives_servfail_within_the_timeout_then_stale_answers(self):
        nsd = start_nsd(self)
        dead = start_server(self, FakeUpstream("blackhole"))
        agent = self.agent(["127.0.0.1:%d" % nsd.port, "127.0.0.1:%d" % dead.port], cacheMaxTTL=1)
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        nsd.stop()
        time.sleep(1.2)  # the cached answer expires
        # Never cached: SERVFAIL, never silence (when: ForwarderReplay.EveryUpstreamSilentUntil...).
        r = agent.dig("text.example.test", "TXT", timeout=TIMEOUT + 3)
        self.assertEqual(r.status, "SERVFAIL")
        # Cached before: the stale answer, with TTL 30 (RFC 8767; when: ForwarderReplay.ExpiredAnswer...).
        r = agent.dig("www.example.test", "A", timeout=TIMEOUT + 3)
        self.assertEqual(r.status, "NOERROR")
        self.assertEqual(r.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        self.assertEqual({rr.ttl for rr in r.answer}, {30})

    def test_no_stale_answers_past_stale_max_seconds(self):
        nsd = start_nsd(self)
        agent = self.agent(["127.0.0.1:%d" % nsd.port], cacheMaxTTL=1, cacheMaxStaleSeconds=1)
        self.assertEqual(agent.dig("www.example.test", "A").status, "NOERROR")
        nsd.stop()
        time.sleep(2.2)
        self.assertEqual(agent.dig("www.example.test", "A", timeout=TIMEOUT + 3).status, "SERVFAIL")

    # --- Poisoning defence ---------------------------------------------------------------------

    def test_reply_with_a_wrong_id_is_ignored(self):
        fake = start_server(self, FakeUpstream("spoof"))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        self.assertEqual(agent.dig("spoofed.example.test", "A").rdatas("A"), ["192.0.2.1"])
        agent.wait_log(r"ignored a reply from upstream .* that does not match the query sent")

    def test_reply_for_another_question_is_ignored(self):
        fake = start_server(self, FakeUpstream("wrongname"))
        agent = self.agent(["127.0.0.1:%d" % fake.port])
        self.assertEqual(agent.dig("asked.example.test", "A").rdatas("A"), ["192.0.2.1"])

    # --- Routing and policy ----------------------------------------------------------------------

    def test_zone_resolvers_take_their_zone(self):
        default = start_nsd(self)
        other = start_nsd(self, zones={"other.test": OTHER_ZONE})
        agent = self.agent(["127.0.0.1:%d" % default.port],
                           zoneResolvers={"other.test": ["127.0.0.1:%d" % other.port]})
        self.assertEqual(agent.dig("www.other.test", "A").rdatas("A"), ["192.0.2.150"])
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), ["192.0.2.10", "192.0.2.11"])

    def test_externalon_false_refuses_outside_names(self):
        nsd = start_nsd(self)
        agent = self.agent(["127.0.0.1:%d" % nsd.port], externalOn=False)
        self.assertEqual(agent.dig("www.example.test", "A").status, "REFUSED")
        self.assertEqual(agent.dig("web.marathon.mesos", "A").rdatas("A"), ["10.7.0.1"])

    def test_clients_outside_allow_from_are_refused(self):
        nsd = start_nsd(self)
        agent = self.agent(["127.0.0.1:%d" % nsd.port], allowFrom=["127.0.0.1/32"])
        self.assertEqual(agent.dig("www.example.test", "A").status, "NOERROR")
        for source in ("127.0.0.2",):
            for name in ("www.example.test", "web.marathon.mesos"):
                for transport in ((), ("+tcp",)):
                    with self.subTest(source=source, name=name, transport=transport):
                        r = agent.dig(name, "A", "-b", source, *transport)
                        self.assertEqual(r.status, "REFUSED", r)
                        self.assertEqual(r.answer, [])

    def test_default_allow_from_is_loopback_and_the_listeners_network(self):
        nsd = start_nsd(self)
        agent = self.agent(["127.0.0.1:%d" % nsd.port])
        self.assertEqual(agent.dig("www.example.test", "A", "-b", "127.0.0.2").status, "NOERROR")
        agent.wait_log(r"answering queries from 127\.0\.0\.0/8")

    def test_ipv6_upstream(self):
        if not ipv6_loopback_available():
            self.skipTest("no IPv6 loopback")
        nsd = start_nsd(self, address="::1")
        agent = self.agent(["[::1]:%d" % nsd.port])
        self.assertEqual(agent.dig("www.example.test", "A").rdatas("A"), ["192.0.2.10", "192.0.2.11"])

    def test_resolvers_that_are_the_agent_itself_are_dropped(self):
        port = free_port()
        agent = self.agent(["127.0.0.1:%d" % port], port=port)
        agent.wait_log(r"is this agent's own listener; not forwarding to it")
        agent.wait_log(r"no upstream resolvers to forward to")
        # SERVFAIL at once, no loop through itself (ForwarderReplay.NoUpstreamIsServfailAtOnce).
        self.assertEqual(agent.dig("www.example.test", "A").status, "SERVFAIL")


def nsd_dig(nsd, name, rtype):
    from harness import dig
    return dig(nsd.port, name, rtype, server=nsd.address)


def sorted_rrs(rrs):
    return sorted(rrs, key=lambda rr: (rr.name, rr.type, rr.rdata))


if __name__ == "__main__":
    unittest.main()
