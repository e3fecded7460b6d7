"""Nodes as DNS secondaries: a hub agent holds the zone, other agents (and nsd) take it with SOA
checks, IXFR/AXFR and NOTIFY, each on its own loopback address and the same port, as nodes of a
fleet all listen on port 53. What a user sees: every node answers the hub's records with the hub's
serial, and a change reaches two hops down in seconds, carried as a difference."""
import os
import re
import signal
import socket
import struct
import unittest
import urllib.request

from harness import dig, framework, free_port, make_state, require_dig, slave, start_agent, task, wait_until
from upstreams import start_nsd

HUB, MIDDLE, LEAF, NSD, NOBODY = "127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15"
ALL_LOOPBACK = ["127.0.0.0/8"]


def cluster(web_ips, extra_apps=()):
    """web (one task per address in `web_ips`) and a few other apps, on one agent."""
    s = slave(0, "10.0.0.10")
    tasks = [task("web.%08d-0000-0000-0000-000000000000" % i, "web", s, ip=ip, ports=[31000 + i])
             for i, ip in enumerate(web_ips)]
    for n, name in enumerate(("api", "db") + tuple(extra_apps)):
        tasks.append(task("%s.%08d-1111-1111-1111-000000000000" % (name, n), name, s, ip="10.2.0.%d" % (n + 1),
                          ports=[32000 + n]))
    return make_state("127.0.0.1:5050", slaves=[s], frameworks=[framework("marathon", tasks)])


def addresses(agent_or_server, name, port=None, server=None):
    if port is None:
        r = agent_or_server.dig(name, "A")
    else:
        r = dig(port, name, "A", server=server)
    return r.status, sorted(r.rdatas("A"))


def serial(port, server):
    r = dig(port, "mesos", "SOA", server=server)
    soa = r.rdatas("SOA")
    return int(soa[0].split()[2]) if soa else None


def notify(server, port, qid=0x7777):
    """Sends a NOTIFY for mesos. from 127.0.0.1; returns the reply's (id, opcode, rcode)."""
    question = b"\x05mesos\x00" + struct.pack(">HH", 6, 1)
    message = struct.pack(">HHHHHH", qid, (4 << 11) | 0x0400, 1, 0, 0, 0) + question
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(message, (server, port))
        reply = s.recv(512)
    rid, flags = struct.unpack(">HH", reply[:4])
    return rid, (flags >> 11) & 0xF, flags & 0xF


def metrics(http_port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http_port, timeout=5) as r:
        return r.read().decode()


class SecondariesTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        self.port = free_port()

    def hub(self, state, **config):
        base = {"stateFile": "state.json", "refreshSeconds": 3600, "listener": HUB, "port": self.port,
                "allowTransfer": ALL_LOOPBACK}
        base.update(config)
        agent = start_agent(self, base, files={"state.json": state}, extra_args=["-v"])
        agent.wait_loaded()
        return agent

    def secondary(self, address, primaries, **config):
        base = {"primaries": primaries, "listener": address, "port": self.port, "allowTransfer": ALL_LOOPBACK}
        base.update(config)
        return start_agent(self, base, extra_args=["-v"])

    def change_hub(self, hub, state):
        hub.write_file("state.json", state)
        hub.proc.send_signal(signal.SIGHUP)  # a reload refreshes at once

    def test_a_tree_of_secondaries_serves_the_hubs_records_with_the_hubs_serial(self):
        hub = self.hub(cluster(["10.1.0.1", "10.1.0.2"]))
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)])
        leaf = self.secondary(LEAF, ["%s:%d" % (MIDDLE, self.port)])
        middle.wait_loaded()
        leaf.wait_loaded()
        for node in (hub, middle, leaf):
            self.assertEqual(addresses(node, "web.marathon.mesos"), ("NOERROR", ["10.1.0.1", "10.1.0.2"]))
            self.assertEqual(addresses(node, "api.marathon.mesos"), ("NOERROR", ["10.2.0.1"]))
            srv = node.dig("_web._tcp.marathon.mesos", "SRV")
            self.assertEqual(len(srv.rdatas("SRV")), 2, srv.text)
        self.assertEqual(serial(self.port, HUB), serial(self.port, MIDDLE))
        self.assertEqual(serial(self.port, HUB), serial(self.port, LEAF))
        middle.wait_log(r"SRV records from primary 127\.0\.0\.11:%d: serial \d+ \(AXFR: \d+ records" % self.port)
        # Names outside the zone still get NXDOMAIN from every node.
        self.assertEqual(leaf.dig("nothere.marathon.mesos").status, "NXDOMAIN")

    def test_a_secondary_started_before_its_primary_has_the_zone_takes_it_within_seconds(self):
        # The middle has nothing until the hub runs; the leaf asks it first and gets SERVFAIL. With
        # SOA checks once an hour, it must not wait that hour: it asks again after 1 s, 2, 4, ...
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)], primaryCheckSeconds=3600)
        leaf = self.secondary(LEAF, ["%s:%d" % (MIDDLE, self.port)], primaryCheckSeconds=3600)
        leaf.wait_log(r"zone check failed: primary 127\.0\.0\.12:%d" % self.port)
        self.hub(cluster(["10.1.0.1", "10.1.0.2"]))
        middle.wait_loaded(timeout=20)
        leaf.wait_loaded(timeout=20)
        self.assertEqual(addresses(leaf, "web.marathon.mesos"), ("NOERROR", ["10.1.0.1", "10.1.0.2"]))

    def test_a_change_reaches_two_hops_down_as_a_difference_pushed_by_notify(self):
        hub = self.hub(cluster(["10.1.0.1", "10.1.0.2"]))
        # SOA checks once an hour: only NOTIFY can bring the change in time.
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)], primaryCheckSeconds=3600)
        leaf = self.secondary(LEAF, ["%s:%d" % (MIDDLE, self.port)], primaryCheckSeconds=3600)
        middle.wait_loaded()
        leaf.wait_loaded()
        before = serial(self.port, HUB)
        self.change_hub(hub, cluster(["10.1.0.1", "10.1.0.3"], extra_apps=["cache"]))
        wait_until(lambda: addresses(leaf, "web.marathon.mesos") == ("NOERROR", ["10.1.0.1", "10.1.0.3"]), 10,
                   message=lambda: "the leaf did not follow; middle log:\n" + middle.log() + "\nleaf log:\n" + leaf.log())
        self.assertEqual(addresses(leaf, "cache.marathon.mesos"), ("NOERROR", ["10.2.0.3"]))
        after = serial(self.port, HUB)
        self.assertNotEqual(before, after)
        self.assertEqual(serial(self.port, LEAF), after)
        for node, primary in ((middle, HUB), (leaf, MIDDLE)):
            # One datagram each way: the difference fits (IXFR over UDP, RFC 1995 section 2).
            node.wait_log(r"SRV records from primary %s:%d: serial %d \(IXFR over UDP from serial %d, 1 difference of "
                          r"\d+ records"
                          % (re.escape(primary), self.port, after, before))
        # A task that goes away leaves every node.
        self.change_hub(hub, cluster(["10.1.0.1", "10.1.0.3"]))
        wait_until(lambda: leaf.dig("cache.marathon.mesos").status == "NXDOMAIN", 10,
                   message=lambda: "the removed app is still served; leaf log:\n" + leaf.log())

    def test_soa_checks_find_a_change_without_notify(self):
        hub = self.hub(cluster(["10.1.0.1"]))
        # Listening on another port than the hub: NOTIFY (to the hub's port) cannot reach it.
        middle = start_agent(self, {"primaries": ["%s:%d" % (HUB, self.port)], "listener": MIDDLE,
                                    "port": free_port(), "primaryCheckSeconds": 1})
        middle.wait_loaded()
        self.change_hub(hub, cluster(["10.1.0.9"]))
        wait_until(lambda: addresses(middle, "web.marathon.mesos") == ("NOERROR", ["10.1.0.9"]), 10,
                   message=lambda: "no change seen; log:\n" + middle.log())

    def test_a_secondary_moves_to_the_next_primary_when_one_does_not_answer(self):
        self.hub(cluster(["10.1.0.1"]))
        middle = self.secondary(MIDDLE, ["%s:%d" % (NOBODY, self.port), "%s:%d" % (HUB, self.port)])
        middle.wait_loaded(timeout=20)  # after 3 checks without an answer from the first
        self.assertEqual(addresses(middle, "web.marathon.mesos"), ("NOERROR", ["10.1.0.1"]))
        self.assertRegex(middle.log(), r"zone check failed: primary 127\.0\.0\.15:%d: SOA query" % self.port)

    def test_a_restarted_secondary_serves_its_cache_and_asks_only_for_what_changed(self):
        hub = self.hub(cluster(["10.1.0.1"]))
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)])
        middle.wait_loaded()
        held = serial(self.port, MIDDLE)
        middle.proc.terminate()
        middle.proc.wait(10)
        self.change_hub(hub, cluster(["10.1.0.1", "10.1.0.2"]))
        wait_until(lambda: serial(self.port, HUB) != held, 10, message="the hub did not change")
        middle.start()
        middle.wait_log(r"serving \d+ names from the cache file")
        wait_until(lambda: addresses(middle, "web.marathon.mesos") == ("NOERROR", ["10.1.0.1", "10.1.0.2"]), 10,
                   message=lambda: "no change after the restart; log:\n" + middle.log())
        middle.wait_log(r"IXFR over UDP from serial %d, 1 difference" % held)

    def test_a_primary_whose_serial_went_back_gives_its_whole_zone(self):
        self.hub(cluster(["10.1.0.1"]))
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)])
        middle.wait_loaded()
        hub_serial = serial(self.port, HUB)
        middle.proc.terminate()
        middle.proc.wait(10)
        # The secondary's saved zone says a serial far ahead of the hub's (as after a hub that lost
        # its cache file and whose clock is behind): the hub has nothing newer, yet its zone differs.
        path = os.path.join(middle.dir, "state", "records.cache")
        with open(path) as f:
            text = f.read()
        text = re.sub(r"^serial \d+$", "serial %d" % (hub_serial + 1000), text, flags=re.M)
        with open(path, "w") as f:
            f.write(text)
        middle.start()
        middle.wait_log(r"serial went back from %d to %d; AXFR" % (hub_serial + 1000, hub_serial))
        wait_until(lambda: serial(self.port, MIDDLE) == hub_serial, 10, message=lambda: middle.log())

    def test_a_primary_refusing_the_transfer_is_named_in_the_log_and_health(self):
        self.hub(cluster(["10.1.0.1"]), allowTransfer=["127.0.0.1"])  # not the secondary's address
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)])
        middle.wait_log(r"zone check failed: primary 127\.0\.0\.11:%d: AXFR: answered REFUSED \(is this node in its "
                        r"allowTransfer\?\)" % self.port)
        self.assertEqual(middle.dig("web.marathon.mesos").status, "SERVFAIL")

    def test_notify_from_anyone_but_a_primary_is_refused_and_counted(self):
        hub_http, middle_http = free_port(), free_port()
        hub = self.hub(cluster(["10.1.0.1"]), httpon=True, httpListener="127.0.0.1", httpPort=hub_http)
        middle = self.secondary(MIDDLE, ["%s:%d" % (HUB, self.port)], httpon=True, httpListener="127.0.0.1",
                                httpPort=middle_http, primaryCheckSeconds=3600)
        middle.wait_loaded()
        # From 127.0.0.1, not the primary 127.0.0.11: REFUSED, and no check follows.
        self.assertEqual(notify(MIDDLE, self.port), (0x7777, 4, 5))
        self.change_hub(hub, cluster(["10.1.0.5"]))
        wait_until(lambda: addresses(middle, "web.marathon.mesos") == ("NOERROR", ["10.1.0.5"]), 10,
                   message=lambda: "no change; log:\n" + middle.log())
        served = serial(self.port, HUB)
        m = metrics(middle_http)
        self.assertIn('mesos_dns_agent_notifies_received_total{result="refused"} 1\n', m)
        self.assertIn('mesos_dns_agent_notifies_received_total{result="accepted"} 1\n', m)
        self.assertIn("mesos_dns_agent_zone_serial %d\n" % served, m)
        h = metrics(hub_http)
        self.assertIn("mesos_dns_agent_zone_serial %d\n" % served, h)
        self.assertIn('mesos_dns_agent_zone_transfers_sent_total{form="whole"} 1\n', h)
        self.assertIn('mesos_dns_agent_zone_transfers_sent_total{form="differences"} 1\n', h)
        wait_until(lambda: 'mesos_dns_agent_notifies_sent_total{result="answered"} 1\n' in metrics(hub_http), 5,
                   message=lambda: metrics(hub_http))
        # The hub is nobody's secondary: it refuses every NOTIFY.
        self.assertEqual(notify(HUB, self.port)[2], 5)

    def test_an_agent_is_a_secondary_of_nsd(self):
        zone = ("$ORIGIN mesos.\n$TTL 60\n@ IN SOA ns1.mesos. root.ns1.mesos. %d 60 600 86400 60\n"
                "@ IN NS ns1.mesos.\nns1 IN A 127.0.0.1\nweb.marathon IN A %s\n"
                "_web._tcp.marathon IN SRV 0 1 31000 web.marathon.mesos.\n")
        nsd = start_nsd(self, address=NSD, port=self.port, zones={"mesos": zone % (100, "10.1.0.1")},
                        zone_options={"mesos": ["provide-xfr: 127.0.0.0/8 NOKEY", "notify: %s NOKEY" % MIDDLE,
                                                "outgoing-interface: %s" % NSD]})
        middle = self.secondary(MIDDLE, ["%s:%d" % (NSD, self.port)])
        middle.wait_loaded()
        self.assertEqual(addresses(middle, "web.marathon.mesos"), ("NOERROR", ["10.1.0.1"]))
        self.assertEqual(serial(self.port, MIDDLE), 100)
        self.assertEqual(len(middle.dig("_web._tcp.marathon.mesos", "SRV").rdatas("SRV")), 1)
        # A new version of the zone: nsd keeps no differences, so whatever it answers an IXFR
        # with (over UDP or TCP), the agent ends up with the new zone.
        with open(nsd.dir + "/mesos.zone", "w") as f:
            f.write(zone % (101, "10.1.0.2"))
        nsd.proc.send_signal(signal.SIGHUP)  # nsd re-reads its zone files
        wait_until(lambda: addresses(middle, "web.marathon.mesos") == ("NOERROR", ["10.1.0.2"]), 15,
                   message=lambda: "no change; log:\n" + middle.log() + "\nnsd log:\n" + nsd.log())
        self.assertEqual(serial(self.port, MIDDLE), 101)
        # nsd 4.6 keeps no differences: it answers the IXFR with the whole (small) zone.
        self.assertRegex(middle.log(), r"serial 101 \(IXFR (over UDP )?from serial 100, answered with the whole zone")

    def test_nsd_is_a_secondary_of_a_hub(self):
        hub = self.hub(cluster(["10.1.0.1", "10.1.0.2"]))
        nsd = start_nsd(self, address=NSD, port=self.port, secondary={"mesos": [
            "request-xfr: %s@%d NOKEY" % (HUB, self.port),
            "allow-notify: %s NOKEY" % HUB,
            "outgoing-interface: %s" % NSD]})
        wait_until(lambda: addresses(None, "web.marathon.mesos", self.port, NSD) == ("NOERROR", ["10.1.0.1", "10.1.0.2"]),
                   20, message=lambda: "nsd has no zone; nsd log:\n" + nsd.log() + "\nhub log:\n" + hub.log())
        first = serial(self.port, NSD)
        self.assertEqual(first, serial(self.port, HUB))
        self.change_hub(hub, cluster(["10.1.0.2", "10.1.0.4"]))
        # nsd hears of it by NOTIFY (its own SOA checks come every SOARefresh, 60 s) and asks IXFR.
        wait_until(lambda: addresses(None, "web.marathon.mesos", self.port, NSD) == ("NOERROR", ["10.1.0.2", "10.1.0.4"]),
                   20, message=lambda: "nsd did not follow; nsd log:\n" + nsd.log() + "\nhub log:\n" + hub.log())
        self.assertEqual(serial(self.port, NSD), serial(self.port, HUB))
        hub.wait_log(r"zone transfer \(IXFR from serial %d, 1 difference\) to 127\.0\.0\.14" % first)


if __name__ == "__main__":
    unittest.main()
