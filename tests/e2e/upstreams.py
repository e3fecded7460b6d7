"""Upstream resolvers for the forwarding tests, all on loopback high ports:

- Nsd: the real Debian nsd, authoritative for a test zone.
- CountingProxy: relays UDP and TCP queries to another server, counting what it saw (and
  optionally delaying answers), so a test can tell how many queries reached the upstream.
- FakeUpstream: a scripted server for what real servers will not do (spoofed replies, TC on
  every UDP answer, silence).

Python 3 standard library only.
"""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import LOOPBACK, agent_binary, app_state, dig, free_port, require_dig, start_agent, wait_until

BIG_RECORDS = 120  # A records of big.example.test: more than 1232 bytes of answer

ZONE = """$ORIGIN example.test.
$TTL 300
@ 120 IN SOA ns1 root 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.10
www IN A 192.0.2.11
www IN AAAA 2001:db8::10
text IN TXT "hello world"
alias IN CNAME www
short 1 IN A 192.0.2.99
""" + "".join("big IN A 198.51.100.%d\n" % (i + 1) for i in range(BIG_RECORDS))

OTHER_ZONE = """$ORIGIN other.test.
$TTL 300
@ 120 IN SOA ns1 root 1 3600 600 86400 60
@ IN NS ns1
ns1 IN A 192.0.2.153
www IN A 192.0.2.150
"""


def require_nsd():
    if shutil.which("nsd") is None:
        raise unittest.SkipTest("nsd is not installed (Debian: apt-get install nsd)")


class Nsd:
    """nsd serving `zones` ({name: zone text}) on address:port, in a temporary folder."""

    def __init__(self, zones=None, address=LOOPBACK, port=None, secondary=None, zone_options=None):
        """`secondary`: {zone name: [nsd.conf lines of the zone]} for zones nsd transfers from a
        primary (request-xfr, allow-notify) instead of loading a file; `zone_options`: more lines
        for zones of `zones` (provide-xfr, notify)."""
        require_nsd()
        self.secondary = secondary or {}
        self.zone_options = zone_options or {}
        self.zones = zones if zones is not None else ({} if self.secondary else {"example.test": ZONE})
        self.address = address
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="mdns-nsd-")
        self.proc = None

    def start(self):
        zone_conf = ""
        for name, text in self.zones.items():
            with open(os.path.join(self.dir, name + ".zone"), "w") as f:
                f.write(text)
            zone_conf += "zone:\n  name: %s\n  zonefile: %s.zone\n" % (name, name) + "".join(
                "  %s\n" % line for line in self.zone_options.get(name, []))
        for name, lines in self.secondary.items():
            zone_conf += "zone:\n  name: %s\n  zonefile: %s.zone\n" % (name, name) + "".join(
                "  %s\n" % line for line in lines)
        conf = os.path.join(self.dir, "nsd.conf")
        with open(conf, "w") as f:
            f.write("server:\n  ip-address: %s@%d\n  username: \"\"\n  zonesdir: \"%s\"\n"
                    "  pidfile: \"%s/nsd.pid\"\n  xfrdfile: \"%s/xfrd.state\"\n  zonelistfile: \"%s/zone.list\"\n"
                    "  database: \"\"\n  server-count: 1\n  verbosity: 1\n  logfile: \"%s/nsd.log\"\n"
                    "remote-control:\n  control-enable: no\n%s"
                    % (self.address, self.port, self.dir, self.dir, self.dir, self.dir, self.dir, zone_conf))
        # Its own process group: nsd forks a server child, and stop() ends both.
        self.proc = subprocess.Popen(["nsd", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        first = next(iter(self.zones), None)
        if first is None:  # secondary zones only: they come when the primary sends them
            wait_until(lambda: dig(self.port, ".", "SOA", server=self.address, timeout=1).status is not None, 15,
                       message="nsd did not start; log: " + self.log())
            return self
        wait_until(lambda: dig(self.port, first, "SOA", server=self.address, timeout=1).status == "NOERROR", 15,
                   message="nsd did not start; log: " + self.log())
        return self

    def log(self):
        try:
            with open(os.path.join(self.dir, "nsd.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)  # our own process group only
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_nsd(test, **kwargs):
    server = Nsd(**kwargs).start()
    test.addCleanup(server.cleanup)
    return server


# ---------------------------------------------------------------------------------------------
# DNS messages, just enough for the fakes


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def parse_question(msg):
    """(id, flags, qname lower-case text, qtype, qclass, end offset) of a query."""
    qid, flags = struct.unpack(">HH", msg[:4])
    pos, labels = 12, []
    while msg[pos] != 0:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode(errors="replace").lower())
        pos += 1 + n
    qtype, qclass = struct.unpack(">HH", msg[pos + 1:pos + 5])
    return qid, flags, ".".join(labels) + ".", qtype, qclass, pos + 5


def make_reply(query, answers=(), rcode=0, tc=False, qid=None, qname=None):
    """A reply to `query` with A records (IPv4 text) for its question name."""
    orig_id, flags, name, qtype, qclass, end = parse_question(query)
    question = (encode_name(qname) + struct.pack(">HH", qtype, qclass)) if qname else query[12:end]
    hdr_flags = 0x8000 | (flags & 0x0100) | 0x0080 | (0x0200 if tc else 0) | rcode
    body = b""
    for ip in answers:
        body += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + socket.inet_aton(ip)
    header = struct.pack(">HHHHHH", orig_id if qid is None else qid, hdr_flags, 1, len(answers), 0, 0)
    return header + question + body


class Server:
    """UDP and TCP sockets on one loopback port, each served by a thread until stop()."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.queries = []  # (name, qtype, transport)
        self._stop = threading.Event()
        self._threads = []

    def count(self, name=None, transport=None):
        with self.lock:
            return sum(1 for n, _, t in self.queries
                       if (name is None or n == name.lower().rstrip(".") + ".") and (transport is None or t == transport))

    def start(self):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((LOOPBACK, self.port))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((LOOPBACK, self.port))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        for target in (self._udp_loop, self._tcp_loop):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(5)
        self._threads = []
        self.udp.close()
        self.tcp.close()

    def _record(self, msg, transport):
        _, _, name, qtype, _, _ = parse_question(msg)
        with self.lock:
            self.queries.append((name, qtype, transport))

    def _udp_loop(self):
        while not self._stop.is_set():
            try:
                msg, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self._record(msg, "udp")
            threading.Thread(target=self.on_udp, args=(msg, peer), daemon=True).start()

    def _tcp_loop(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(5)
        try:
            while True:
                head = _recv_exact(conn, 2)
                if head is None:
                    return
                msg = _recv_exact(conn, struct.unpack(">H", head)[0])
                if msg is None:
                    return
                self._record(msg, "tcp")
                reply = self.on_tcp(msg)
                if reply is not None:
                    conn.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            pass
        finally:
            conn.close()

    def on_udp(self, msg, peer):
        raise NotImplementedError

    def on_tcp(self, msg):
        raise NotImplementedError


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class CountingProxy(Server):
    """Relays every query to 127.0.0.1:`upstream_port` over the same transport and counts it.
    `delay` seconds pass before an answer is relayed."""

    def __init__(self, upstream_port, delay=0.0):
        super().__init__()
        self.upstream_port = upstream_port
        self.delay = delay

    def _ask(self, msg, transport):
        if self.delay:
            time.sleep(self.delay)
        if transport == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(3)
                s.sendto(msg, (LOOPBACK, self.upstream_port))
                return s.recv(65535)
        with socket.create_connection((LOOPBACK, self.upstream_port), timeout=3) as s:
            s.sendall(struct.pack(">H", len(msg)) + msg)
            return _recv_exact(s, struct.unpack(">H", _recv_exact(s, 2))[0])

    def on_udp(self, msg, peer):
        try:
            self.udp.sendto(self._ask(msg, "udp"), peer)
        except OSError:
            pass

    def on_tcp(self, msg):
        return self._ask(msg, "tcp")


class FakeUpstream(Server):
    """Scripted answers. Modes:
    spoof:     a reply with a wrong ID (A 6.6.6.6) first, the right one (A 192.0.2.1) 50 ms later
    wrongname: a reply with the right ID but another question (A 6.6.6.6), then the right one
    tc:        UDP answers carry TC and no records; TCP answers A 192.0.2.2
    blackhole: never answers
    answer:    A 192.0.2.3 over both transports"""

    def __init__(self, mode):
        super().__init__()
        self.mode = mode

    def on_udp(self, msg, peer):
        if self.mode == "blackhole":
            return
        qid = parse_question(msg)[0]
        if self.mode == "spoof":
            self.udp.sendto(make_reply(msg, ["6.6.6.6"], qid=qid ^ 0x5A5A), peer)
            time.sleep(0.05)
            self.udp.sendto(make_reply(msg, ["192.0.2.1"]), peer)
        elif self.mode == "wrongname":
            self.udp.sendto(make_reply(msg, ["6.6.6.6"], qname="evil.example."), peer)
            time.sleep(0.05)
            self.udp.sendto(make_reply(msg, ["192.0.2.1"]), peer)
        elif self.mode == "tc":
            self.udp.sendto(make_reply(msg, [], tc=True), peer)
        else:
            self.udp.sendto(make_reply(msg, ["192.0.2.3"]), peer)

    def on_tcp(self, msg):
        if self.mode == "blackhole":
            time.sleep(10)
            return None
        return make_reply(msg, ["192.0.2.2" if self.mode == "tc" else "192.0.2.3"])


def start_server(test, server):
    server.start()
    test.addCleanup(server.stop)
    return server


# ---------------------------------------------------------------------------------------------
# The agent forwarding to them

LEADER = "127.0.0.1:5050"
TIMEOUT = 2  # the agent's `timeout` in the forwarding tests, seconds
MESOS_IP = "10.7.0.1"  # web.marathon.mesos in their cluster state


class ForwardingTestCase(unittest.TestCase):
    """An agent with a one-app cluster state, forwarding to upstreams a test starts."""

    def setUp(self):
        agent_binary()
        require_dig()

    def agent(self, resolvers, loaded=True, **config):
        config.setdefault("timeout", TIMEOUT)
        config = dict(stateFile="state.json", resolvers=resolvers, **config)
        agent = start_agent(self, config, files={"state.json": app_state(LEADER, "web", task_ips=[MESOS_IP])})
        if loaded:
            agent.wait_loaded()
        return agent

    def nsd_agent(self, **config):
        """nsd behind a counting proxy, and an agent forwarding to the proxy."""
        nsd = start_nsd(self)
        proxy = start_server(self, CountingProxy(nsd.port))
        return nsd, proxy, self.agent(["127.0.0.1:%d" % proxy.port], **config)

    @staticmethod
    def timed(fn):
        """fn()'s result and the seconds it took."""
        started = time.monotonic()
        result = fn()
        return result, time.monotonic() - started
