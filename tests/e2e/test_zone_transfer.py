"""Zone transfers (AXFR, IXFR) of the Mesos domain, seen through the real dig and kdig, and raw
DNS messages: who gets the whole zone, who gets REFUSED, and what a client that stops reading costs."""
import json
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
import unittest
import urllib.request

from harness import (DIG, LOOPBACK, discovery, framework, free_port, make_state, read_exact, require_dig,
                     run_agent_command, slave, start_agent, task, wait_until)

LEADER = "127.0.0.1:5050"
TTL = 37
BIG = 400  # tasks of one app: the zone needs several messages
KDIG = shutil.which("kdig")
AXFR, IXFR = 252, 251

BASE_CONFIG = {"stateFile": "state.json", "refreshSeconds": 60, "ttl": TTL, "domain": "mesos",
               "SOAMname": "ns1.mesos", "SOARname": "root.ns1.mesos", "SOAMinttl": 45,
               "IPSources": ["netinfo", "mesos", "host"], "EnforceRFC952": False}
ALLOWED = dict(BASE_CONFIG, allowTransfer=["127.0.0.1"])


def cluster_state(big=BIG, ports_per_task=1):
    """myapp.dev (2 tasks with DiscoveryInfo), "web ui" and "café" (DiscoveryInfo names with a space
    and a UTF-8 byte, published as given since they have no capitals), and `big` plain tasks with
    `ports_per_task` ports each (4 SRV records a port)."""
    s = slave(0, "10.0.0.10")
    tasks = []
    for i, ip in enumerate(["10.1.0.1", "10.1.0.2"]):
        tasks.append(task("dev_myapp.%08d-0000-0000-0000-%012d" % (i, i), "myapp.dev", s, ip=ip, ports=[31000 + i],
                          discovery=discovery("myapp.dev", [(31000 + i, "http", "tcp")])))
    tasks.append(task("webui.00000000-4444-4444-4444-000000000000", "web ui", s, ip="10.5.0.1", ports=[31100],
                      discovery=discovery("web ui", [(31100, "admin port", "tcp")])))
    tasks.append(task("cafe.00000000-5555-5555-5555-000000000000", "café", s, ip="10.6.0.1", ports=[31200],
                      discovery=discovery("café", [(31200, "http", "tcp")])))
    for i in range(big):
        tasks.append(task("big.%08d-1111-1111-1111-%012d" % (i, i), "big", s, ip="10.2.%d.%d" % (i // 200, 1 + i % 200),
                          ports=[20000 + (i * ports_per_task + k) % 40000 for k in range(ports_per_task)]))
    return make_state(LEADER, slaves=[s], frameworks=[framework("marathon", tasks)])


def unescape(text):
    """dig's and kdig's presentation format back to raw bytes: \\DDD and \\X escapes."""
    return re.sub(rb"\\(\d{3}|.)", lambda m: bytes([int(m.group(1))]) if m.group(1).isdigit() else m.group(1),
                  text.encode("utf-8"))


def zone_lines(text):
    """(name, ttl, class, type, rdata) of each record line of a zone listing in presentation form
    (dig, kdig, dump-zone), names and rdata as raw bytes."""
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";") or line.startswith("$"):
            continue
        name, ttl, cls, rtype, rdata = line.split(None, 4)
        out.append((unescape(name), int(ttl), cls, rtype, unescape(rdata.strip())))
    return out


def without_soa_serial(rr):
    """SOA records compared without the serial (dump-zone's load is another one than the agent's)."""
    if rr[3] != "SOA":
        return rr
    fields = rr[4].split()
    return rr[:4] + (b" ".join(fields[:2] + fields[3:]),)


def query(name, qtype, qid=0x2a2a, edns=False, ixfr_serial=None):
    """A raw DNS query; with `ixfr_serial`, the asker's SOA in the authority section (RFC 1995)."""
    q = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode()
        q += bytes([len(raw)]) + raw
    q += b"\x00" + struct.pack(">HH", qtype, 1)
    ns = 0
    if ixfr_serial is not None:
        ns = 1
        rdata = b"\x00\x00" + struct.pack(">IIIII", ixfr_serial, 0, 0, 0, 0)
        q += b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 0, len(rdata)) + rdata
    if edns:
        q += b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
    return struct.pack(">HHHHHH", qid, 0, 1, 0, ns, 1 if edns else 0) + q


def tcp_exchange(port, message, timeout=5):
    """Sends one query over TCP; returns the first reply message."""
    with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
        s.sendall(struct.pack(">H", len(message)) + message)
        (length,) = struct.unpack(">H", read_exact(s, 2))
        return read_exact(s, length)


def udp_exchange(port, message, timeout=3):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(message, (LOOPBACK, port))
        return s.recvfrom(65535)[0]


def soa_serial(port):
    out = subprocess.run([DIG, "@" + LOOPBACK, "-p", str(port), "+short", "+time=2", "SOA", "mesos"],
                         stdout=subprocess.PIPE, text=True, timeout=10).stdout.split()
    return int(out[2]) if len(out) == 7 else None


def header(reply):
    """(id, rcode, aa, qdcount, ancount, arcount) of a reply."""
    qid, flags, qd, an, _, ar = struct.unpack(">HHHHHH", reply[:12])
    return qid, flags & 0xF, bool(flags & 0x0400), qd, an, ar


def dig_xfr(port, *args):
    cmd = [DIG, "@" + LOOPBACK, "-p", str(port), "+time=5", "+tries=1"] + list(args)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30).stdout


class ZoneTransferTest(unittest.TestCase):
    def setUp(self):
        require_dig()

    def start(self, config=ALLOWED, state=None, **kwargs):
        agent = start_agent(self, dict(config), files={"state.json": state or cluster_state()}, **kwargs)
        return agent

    def dump_zone(self, agent):
        """What the agent serves, as `mesos-dns-agent dump-zone` prints it from the same config."""
        p = run_agent_command(["-config", agent.config_path, "dump-zone"])
        self.assertEqual(p.returncode, 0, p)
        return zone_lines(p.stdout)

    def assert_whole_zone(self, agent, records):
        self.assertGreater(len(records), 4 * BIG, records[:5])
        self.assertEqual(records[0][3], "SOA", records[:2])
        self.assertEqual(records[-1][3], "SOA", records[-2:])
        self.assertEqual(records[0], records[-1])
        self.assertEqual(records[0][0], b"mesos.")
        self.assertEqual(sum(1 for rr in records if rr[3] == "SOA"), 2)
        served = sorted(without_soa_serial(rr) for rr in self.dump_zone(agent))
        sent = sorted(without_soa_serial(rr) for rr in records[:-1])
        self.assertEqual(len(sent), len(set(sent)), "a record came twice")
        self.assertEqual(sent, served)
        names = {rr[0] for rr in records}
        self.assertTrue(b"web ui.marathon.mesos." in names)
        self.assertTrue("café.marathon.mesos.".encode() in names)
        self.assertTrue((b"_adminport._web ui._tcp.marathon.mesos.", TTL, "IN", "SRV") in {rr[:4] for rr in records})
        for rr in records:
            self.assertEqual((rr[1], rr[2]), (TTL, "IN"), rr)

    def test_allowed_asker_gets_whole_zone_soa_first_and_last(self):
        agent = self.start()
        agent.wait_loaded()
        out = dig_xfr(agent.port, "AXFR", "mesos")
        self.assertNotIn("Transfer failed", out)
        self.assert_whole_zone(agent, zone_lines(out))
        messages = int(re.search(r"XFR size: \d+ records \(messages (\d+)", out).group(1))
        self.assertGreater(messages, 1, "the zone should need several messages")

    @unittest.skipUnless(KDIG, "kdig (knot-dnsutils) is not installed")
    def test_kdig_transfer_succeeds(self):
        agent = self.start()
        agent.wait_loaded()
        p = subprocess.run([KDIG, "@" + LOOPBACK, "-p", str(agent.port), "+time=5", "+retry=0", "AXFR", "mesos"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertNotRegex(p.stdout, r"(?i)failed|error|isn't SOA", p.stdout)
        self.assert_whole_zone(agent, zone_lines(p.stdout))

    def test_ixfr_from_allowed_asker_returns_full_zone(self):
        agent = self.start()
        agent.wait_loaded()
        out = dig_xfr(agent.port, "IXFR=1", "mesos")
        self.assertNotIn("Transfer failed", out)
        self.assert_whole_zone(agent, zone_lines(out))

    def test_ixfr_after_a_change_carries_only_the_change(self):
        agent = self.start()
        agent.wait_loaded()
        old = soa_serial(agent.port)
        state = cluster_state()
        tasks = state["frameworks"][0]["tasks"]
        self.assertEqual(tasks[10]["id"], "big.%08d-1111-1111-1111-%012d" % (6, 6))
        old_ip = "10.2.0.7"  # big task 6 moves to another address
        tasks[10] = task(tasks[10]["id"], "big", slave(0, "10.0.0.10"), ip="10.9.9.9", ports=[20006])
        mark = agent.log_mark()
        agent.write_file("state.json", state)
        agent.proc.send_signal(signal.SIGHUP)  # a reload refreshes at once
        wait_until(lambda: soa_serial(agent.port) != old, 10, message="the serial did not move")
        new = soa_serial(agent.port)
        out = dig_xfr(agent.port, "IXFR=%d" % old, "mesos")
        self.assertNotIn("Transfer failed", out)
        records = zone_lines(out)
        serials = [int(rr[4].split()[2]) for rr in records if rr[3] == "SOA"]
        self.assertEqual(serials, [new, old, new, new], out)  # RFC 1995: new, (old, deleted, new, added), new
        soa_at = [i for i, rr in enumerate(records) if rr[3] == "SOA"]
        removed = {(rr[0], rr[3], rr[4]) for rr in records[soa_at[1] + 1:soa_at[2]]}
        added = {(rr[0], rr[3], rr[4]) for rr in records[soa_at[2] + 1:soa_at[3]]}
        self.assertIn((b"big.marathon.mesos.", "A", old_ip.encode()), removed)
        self.assertIn((b"big.marathon.mesos.", "A", b"10.9.9.9"), added)
        self.assertFalse(removed & added)
        self.assertLess(len(records), 12, out)  # the change, not the zone of over 1,600 records
        # Over UDP, the same differences in one datagram.
        udp = zone_lines(dig_xfr(agent.port, "+notcp", "IXFR=%d" % old, "mesos"))
        self.assertEqual([int(rr[4].split()[2]) for rr in udp if rr[3] == "SOA"], [new, old, new, new])
        self.assertEqual(sorted(udp), sorted(records))
        # Up to date: the SOA alone; a serial the agent never served: the whole zone.
        self.assertEqual([rr[3] for rr in zone_lines(dig_xfr(agent.port, "IXFR=%d" % new, "mesos"))], ["SOA"])
        self.assert_whole_zone(agent, zone_lines(dig_xfr(agent.port, "IXFR=%d" % (old - 100), "mesos")))

    def test_asker_not_in_allow_transfer_is_refused(self):
        for allow in ([], ["10.0.0.0/8", "::1"]):
            with self.subTest(allowTransfer=allow):
                agent = self.start(dict(BASE_CONFIG, allowTransfer=allow))
                agent.wait_loaded()
                out = dig_xfr(agent.port, "AXFR", "mesos")
                self.assertIn("Transfer failed", out)
                reply = tcp_exchange(agent.port, query("mesos", AXFR, edns=True))
                qid, rcode, _, qd, an, ar = header(reply)
                self.assertEqual((qid, rcode, qd, an, ar), (0x2a2a, 5, 1, 0, 1))  # question and OPT echoed
                # Ordinary queries on the same agent are answered.
                self.assertEqual(agent.dig("myapp.dev.marathon.mesos").status, "NOERROR")
                agent.stop()

    def test_axfr_over_udp_is_refused_and_ixfr_of_the_whole_zone_gets_the_soa_alone(self):
        agent = self.start()
        agent.wait_loaded()
        for edns in (False, True):
            with self.subTest(edns=edns):
                q = query("mesos", AXFR, edns=edns)
                reply = udp_exchange(agent.port, q)
                qid, rcode, _, qd, an, ar = header(reply)
                self.assertEqual((qid, rcode, qd, an, ar), (0x2a2a, 5, 1, 0, 1 if edns else 0))
                self.assertEqual(reply[12:12 + 11], q[12:12 + 11])  # the question as asked
                # IXFR over UDP from a serial the agent has no differences for: the whole zone does
                # not fit a datagram, so the SOA alone says "come over TCP" (RFC 1995 section 2).
                q = query("mesos", IXFR, edns=edns, ixfr_serial=1)
                qid, rcode, aa, qd, an, ar = header(udp_exchange(agent.port, q))
                self.assertEqual((qid, rcode, aa, qd, an, ar), (0x2a2a, 0, True, 1, 1, 1 if edns else 0))

    def test_allowed_asker_gets_servfail_before_records_are_loaded(self):
        agent = start_agent(self, dict(ALLOWED, stateFile="missing.json"))
        qid, rcode, _, qd, an, _ = header(tcp_exchange(agent.port, query("mesos", AXFR)))
        self.assertEqual((qid, rcode, qd, an), (0x2a2a, 2, 1, 0))

    def test_transfer_of_a_name_below_the_apex_is_not_auth(self):
        agent = self.start()
        agent.wait_loaded()
        _, rcode, _, qd, an, _ = header(tcp_exchange(agent.port, query("marathon.mesos", AXFR)))
        self.assertEqual((rcode, qd, an), (9, 1, 0))

    def test_allow_transfer_applies_on_reload(self):
        agent = self.start(dict(BASE_CONFIG))  # httpon false: no record set kept until transfers need it
        agent.wait_loaded()
        self.assertIn("Transfer failed", dig_xfr(agent.port, "AXFR", "mesos"))
        mark = agent.log_mark()
        agent.write_file("config.json", dict(agent.config, allowTransfer=["127.0.0.0/8"]))
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"reload: the new config is in force", since=mark)
        self.assertRegex(agent.log()[mark:], r"reload: zone transfers \(AXFR, IXFR\) allowed to 127\.0\.0\.0/8")

        def transfers():
            out = dig_xfr(agent.port, "AXFR", "mesos")
            return "Transfer failed" not in out and len(zone_lines(out)) > 4 * BIG
        wait_until(transfers, 10, message="no transfer after the reload")

    def test_transfers_are_counted_in_metrics(self):
        http_port = free_port()
        agent = self.start(dict(ALLOWED, httpon=True, httpListener=LOOPBACK, httpPort=http_port))
        agent.wait_loaded()
        dig_xfr(agent.port, "AXFR", "mesos")
        udp_exchange(agent.port, query("mesos", AXFR))
        body = urllib.request.urlopen("http://%s:%d/metrics" % (LOOPBACK, http_port), timeout=5).read().decode()
        self.assertIn('mesos_dns_agent_zone_transfers_total{result="ok"} 1\n', body)
        self.assertIn('mesos_dns_agent_zone_transfers_total{result="refused"} 1\n', body)
        self.assertIn('mesos_dns_agent_zone_transfers_total{result="failed"} 0\n', body)
        config = json.loads(urllib.request.urlopen("http://%s:%d/v1/config" % (LOOPBACK, http_port), timeout=5).read())
        self.assertEqual(config["allowTransfer"], ["127.0.0.1"])

    def test_query_pipelined_behind_a_transfer_is_answered_after_it(self):
        agent = self.start()
        agent.wait_loaded()
        with socket.create_connection((LOOPBACK, agent.port), timeout=5) as s:
            xfr, a = query("mesos", AXFR), query("myapp.dev.marathon.mesos", 1, qid=0x7777)
            s.sendall(struct.pack(">H", len(xfr)) + xfr + struct.pack(">H", len(a)) + a)
            ids = []
            while not ids or ids[-1] != 0x7777:
                (length,) = struct.unpack(">H", read_exact(s, 2))
                message = read_exact(s, length)
                ids.append(header(message)[0])
                self.assertEqual(header(message)[1], 0, ids)  # NOERROR
            self.assertGreater(len(ids), 2)
            self.assertEqual(set(ids[:-1]), {0x2a2a})
            self.assertEqual(header(message)[4], 2)  # the two A records of myapp.dev

    def test_client_that_stops_reading_is_dropped_without_holding_up_others(self):
        # A zone of about 7 MB (more than the kernel's socket buffers take, up to 4 MB here); the client
        # asks for it and never reads. The agent writes only what fits in the buffers, keeps answering
        # others, and closes the connection after tcpIdleSeconds without progress.
        agent = self.start(dict(ALLOWED, tcpIdleSeconds=2, workers=1), state=cluster_state(big=3000, ports_per_task=10))
        agent.wait_loaded(timeout=60)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect((LOOPBACK, agent.port))
            q = query("mesos", AXFR)
            s.sendall(struct.pack(">H", len(q)) + q)
            started = time.monotonic()
            self.assertEqual(agent.dig("myapp.dev.marathon.mesos", "A", "+tcp").status, "NOERROR")
            agent.wait_log(r"zone transfer to 127\.0\.0\.1 abandoned", timeout=15)
            self.assertLess(time.monotonic() - started, 12)
        # The agent still transfers to a client that reads.
        out = dig_xfr(agent.port, "AXFR", "mesos")
        self.assertNotIn("Transfer failed", out)
        self.assertGreater(len(zone_lines(out)), 4 * 10 * 3000)


if __name__ == "__main__":
    unittest.main()
