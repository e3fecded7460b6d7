#!/usr/bin/env python3
"""What secondaries cost and how fast a change reaches them, at a given cluster size.

A hub agent reads a synthetic state (make_state.py) from a file on 127.0.0.11 and allows
transfers; a secondary agent (127.0.0.12) follows it and a second one (127.0.0.13) follows the
first: two hops. Then a simulated fleet of --fleet secondaries (one asyncio program, each on its
own 127.1.x.y address and the hub's port, as nodes all listen on port 53) that behaves as an agent
does: IXFR over UDP from the serial it holds every second (jittered) and on NOTIFY, over TCP when
the differences do not fit a datagram, and NOTIFYs answered.

Reported:
- change to answer: for --changes one-task changes (a task moves to another address; the hub
  re-reads the state on SIGHUP), the time from the hub answering the new address to each agent
  hop answering it, and to every simulated secondary holding the new serial;
- bytes from the hub to a secondary for one change (the IXFR answer; NOTIFY not counted: it goes
  the other way) and per check, against the whole /v1/axfr document (gzip);
- hub CPU per idle minute (the fleet checking) and per change (minus the same changes without
  the fleet: the cost of serving it), hub RSS with and without the fleet.

usage: secondary_bench.py --agent build-rel/mesos-dns-agent [--tasks 10000] [--fleet 500] [--changes 10]
Everything is on 127.0.0.0/8; every process started here is stopped by PID; bounded in time."""
import argparse
import asyncio
import gzip
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from source_bench import free_port, metric, stop_processes, vm_kib, wait_log  # noqa: E402

HUB, MIDDLE, LEAF = "127.0.0.11", "127.0.0.12", "127.0.0.13"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(binary, work, name, address, port, config):
    os.makedirs(os.path.join(work, name), exist_ok=True)
    path = os.path.join(work, name, "config.json")
    http_port = free_port()
    config = dict(config, stateDir=os.path.join(work, name), listener=address, port=port, httpon=True,
                  httpListener="127.0.0.1", httpPort=http_port, externalon=False, allowTransfer=["127.0.0.0/8"])
    with open(path, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(work, name, "log"), "wb")
    extra = os.environ.get("MDNS_BENCH_AGENT_ARGS", "").split()  # e.g. "-v" for the debug lines
    proc = subprocess.Popen([binary, "-config", path] + extra, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proc.log_path = log.name
    proc.http_port = http_port
    return proc


def name_wire(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\x00"


def skip_name(m, pos):
    while True:
        n = m[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def records(m):
    """(type, rdata offset, rdata length) of each answer record of a message."""
    qd, an = struct.unpack(">HH", m[4:8])
    pos = 12
    for _ in range(qd):
        pos = skip_name(m, pos) + 4
    for _ in range(an):
        pos = skip_name(m, pos)
        rtype, _, _, rdlen = struct.unpack(">HHIH", m[pos:pos + 10])
        yield rtype, pos + 10, rdlen
        pos += 10 + rdlen


def soa_serial(m, rdata):
    pos = skip_name(m, skip_name(m, rdata))
    return struct.unpack(">I", m[pos:pos + 4])[0]


def a_query(name, qid):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name_wire(name) + struct.pack(">HH", 1, 1)


def ask_a(sock, address, port, name):
    """address:port's answer to `name` A (the message), or None when none came (or another)."""
    qid = random.randrange(65536)
    sock.sendto(a_query(name, qid), (address, port))
    try:
        m = sock.recv(4096)
    except socket.timeout:
        return None
    return m if struct.unpack(">H", m[:2])[0] == qid else None


def answers_ip(sock, address, port, name, ip):
    """True when address:port answers `name` A with `ip` among the addresses."""
    m = ask_a(sock, address, port, name)
    return m is not None and any(t == 1 and socket.inet_ntoa(m[o:o + 4]) == ip for t, o, _ in records(m))


def hub_serial(sock, port):
    qid = random.randrange(65536)
    sock.sendto(struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + name_wire("mesos") + struct.pack(">HH", 6, 1),
                (HUB, port))
    m = sock.recv(4096)
    return next(soa_serial(m, o) for t, o, _ in records(m) if t == 6)


class Fleet:
    """`size` simulated secondaries of hub:port, on 127.1.x.y."""

    def __init__(self, size, port, domain="mesos"):
        self.size, self.port = size, port
        self.apex = name_wire(domain)
        self.serials = [None] * size
        self.reached = {}  # serial -> [monotonic time each secondary held it]
        self.bytes_soa = 0
        self.soa_checks = 0
        self.bytes_ixfr = 0
        self.ixfrs = 0
        self.notifies = 0
        self.transfers_whole = 0

    def address(self, i):
        return "127.1.%d.%d" % (i // 250, 1 + i % 250)

    async def ixfr(self, i):
        held = self.serials[i]
        qid = random.randrange(65536)
        auth = b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 0, 22) + b"\x00\x00" + struct.pack(">IIIII", held, 0, 0, 0, 0)
        q = struct.pack(">HHHHHH", qid, 0, 1, 0, 1, 0) + self.apex + struct.pack(">HH", 251, 1) + auth
        reader, writer = await asyncio.open_connection(HUB, self.port, local_addr=(self.address(i), 0))
        writer.write(struct.pack(">H", len(q)) + q)
        total, soas, first, whole, newest = 0, 0, None, False, None
        while True:
            (n,) = struct.unpack(">H", await reader.readexactly(2))
            m = await reader.readexactly(n)
            total += n + 2
            recs = list(records(m))
            for k, (t, o, _) in enumerate(recs):
                if t == 6:
                    s = soa_serial(m, o)
                    soas += 1
                    if first is None:
                        first = s
                    if soas == 1 and k + 1 < len(recs) and recs[k + 1][0] != 6:
                        whole = True
            newest = first
            last_t, last_o, _ = recs[-1]
            if last_t == 6 and soa_serial(m, last_o) == first and (
                    (soas == 1 and len(recs) == 1) or (whole and soas >= 2) or soas >= 3):
                break
        writer.close()
        self.bytes_ixfr += total
        self.ixfrs += 1
        self.transfers_whole += whole
        self.serials[i] = newest
        self.reached.setdefault(newest, []).append(time.monotonic())

    def ixfr_query(self, qid, held):
        auth = b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 0, 22) + b"\x00\x00" + struct.pack(">IIIII", held, 0, 0, 0, 0)
        opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
        return struct.pack(">HHHHHH", qid, 0, 1, 0, 1, 1) + self.apex + struct.pack(">HH", 251, 1) + auth + opt

    async def node(self, i, loop):
        """As the agent does: IXFR over UDP from the held serial every second and on NOTIFY (the
        SOA alone: up to date; the differences when they fit; else the new SOA: IXFR over TCP)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((self.address(i), self.port))
        sock.setblocking(False)
        busy = False
        asked = {}  # query id -> serial asked from

        async def tcp():
            nonlocal busy
            if busy:
                return
            busy = True
            try:
                await self.ixfr(i)
            finally:
                busy = False

        def check():
            held = self.serials[i]
            qid = random.randrange(65536)
            if held is None:  # the first check: the SOA, then hold that version
                q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + self.apex + struct.pack(">HH", 6, 1)
            else:
                q = self.ixfr_query(qid, held)
            asked[qid] = held
            sock.sendto(q, (HUB, self.port))
            self.soa_checks += 1

        next_check = time.monotonic() + random.random()
        while True:
            timeout = max(0.0, next_check - time.monotonic())
            try:
                m, sender = await asyncio.wait_for(loop.sock_recvfrom(sock, 4096), timeout)
            except asyncio.TimeoutError:
                check()
                next_check = time.monotonic() + 0.9 + 0.2 * random.random()
                continue
            qid, flags = struct.unpack(">HH", m[:4])
            if (flags >> 11) & 0xF == 4 and not flags & 0x8000:  # NOTIFY: answer, then check
                self.notifies += 1
                sock.sendto(m[:2] + struct.pack(">H", flags | 0x8000) + m[4:], sender)
                check()
                continue
            if qid not in asked:
                continue
            held = asked.pop(qid)
            soas = [soa_serial(m, o) for t, o, _ in records(m) if t == 6]
            if not soas:
                continue
            if held is None:
                self.serials[i] = soas[0]
                self.bytes_soa += len(m)
                asyncio.ensure_future(tcp())  # IXFR "up to date" over TCP: the hub notes a transferrer
            elif len(soas) == 1 and soas[0] == held:
                self.bytes_soa += len(m)  # up to date
            elif len(soas) >= 3 and soas[-1] == soas[0]:
                self.bytes_ixfr += len(m)  # the differences in one datagram
                self.ixfrs += 1
                self.serials[i] = soas[0]
                self.reached.setdefault(soas[0], []).append(time.monotonic())
            else:
                asyncio.ensure_future(tcp())

    async def run(self, seconds):
        loop = asyncio.get_running_loop()
        nodes = [asyncio.ensure_future(self.node(i, loop)) for i in range(self.size)]
        await asyncio.sleep(seconds)
        for n in nodes:
            n.cancel()


def run_fleet(fleet, seconds):
    asyncio.run(fleet.run(seconds))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--fleet", type=int, default=500)
    ap.add_argument("--changes", type=int, default=10)
    ap.add_argument("--idle", type=float, default=30, help="seconds of idle fleet to measure")
    ap.add_argument("--keep", action="store_true", help="keep the agents' folders (logs) and print where")
    args = ap.parse_args()
    binary = os.path.abspath(args.agent)
    work = tempfile.mkdtemp(prefix="mdns-secbench-")
    state_path = os.path.join(work, "state.json")
    subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(args.tasks), state_path], check=True)
    with open(state_path) as f:
        state = json.load(f)
    running = [t for t in state["frameworks"][0]["tasks"] if t["state"] == "TASK_RUNNING"]
    rnd = random.Random(5)
    port = free_port()
    procs = []
    counter = [0]

    def change(hub):
        """Moves one task to a new address; returns (name, new address)."""
        counter[0] += 1
        t = rnd.choice(running)
        ip = "10.250.%d.%d" % (counter[0] // 250, 1 + counter[0] % 250)
        st = t["statuses"][-1]
        st["labels"][0]["value"] = ip
        st["container_status"]["network_infos"][0]["ip_addresses"][0]["ip_address"] = ip
        tmp = state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f, separators=(",", ":"))
        os.replace(tmp, state_path)
        hub.send_signal(signal.SIGHUP)
        return t["name"] + ".marathon.mesos", ip

    try:
        hub = start(binary, work, "hub", HUB, port, {"stateFile": state_path, "refreshSeconds": 3600})
        procs.append(hub)
        wait_log(hub, r"loaded \d+ A", 120)
        middle = start(binary, work, "middle", MIDDLE, port, {"primaries": ["%s:%d" % (HUB, port)]})
        procs.append(middle)
        wait_log(middle, r"SRV records from primary", 120)
        leaf = start(binary, work, "leaf", LEAF, port, {"primaries": ["%s:%d" % (MIDDLE, port)]})
        procs.append(leaf)
        wait_log(leaf, r"SRV records from primary", 120)
        conn = http.client.HTTPConnection("127.0.0.1", hub.http_port, timeout=60)
        conn.request("GET", "/v1/axfr", headers={"Accept-Encoding": "gzip"})
        axfr_gzip = len(conn.getresponse().read())
        conn.close()

        # Changes along the chain of agents, without the fleet; hub CPU per change (the state
        # re-read dominates: the polling path).
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.settimeout(0.2)
        hops = {"middle": [], "leaf": []}
        hub_ms = []
        middle_bytes = []
        cpu0 = cpu_seconds(hub.pid)
        t_changes = time.monotonic()
        for _ in range(args.changes):
            b0 = metric(middle.http_port, "mesos_dns_agent_refresh_bytes_total")
            c0 = metric(middle.http_port, 'mesos_dns_agent_refreshes_total{result="success"}')
            t0 = time.monotonic()
            name, ip = change(hub)
            seen = {}
            deadline = t0 + 30
            while len(seen) < 3 and time.monotonic() < deadline:
                for label, address in (("hub", HUB), ("middle", MIDDLE), ("leaf", LEAF)):
                    if label not in seen and answers_ip(probe, address, port, name, ip):
                        seen[label] = time.monotonic()
                time.sleep(0.002)
            if len(seen) < 3:
                raise SystemExit("a change did not arrive within 30 s: %r" % seen)
            hub_ms.append((seen["hub"] - t0) * 1000)
            for label in ("middle", "leaf"):
                hops[label].append((seen[label] - seen["hub"]) * 1000)
            time.sleep(1.5)  # the next SOA checks: count them in
            b1 = metric(middle.http_port, "mesos_dns_agent_refresh_bytes_total")
            c1 = metric(middle.http_port, 'mesos_dns_agent_refreshes_total{result="success"}')
            middle_bytes.append((b1 - b0, c1 - c0))
        cpu_alone = (cpu_seconds(hub.pid) - cpu0) / args.changes
        rss_alone = vm_kib(hub.pid, "VmRSS")

        def pct(values, q):
            values = sorted(values)
            return values[min(len(values) - 1, int(q * len(values)))]

        print("tasks %d, hub zone: /v1/axfr %d bytes gzipped" % (args.tasks, axfr_gzip))
        print("change -> hub answers (state re-read on SIGHUP): median %.0f ms" % statistics.median(hub_ms))
        for label, hop in (("middle", "1 hop"), ("leaf", "2 hops")):
            print("hub answers -> %s answers (%s): median %.1f ms, max %.1f ms (%d changes)"
                  % (label, hop, statistics.median(hops[label]), max(hops[label]), len(hops[label])))
        per_change = [b for b, _ in middle_bytes]
        checks = [c for _, c in middle_bytes]
        print("bytes to the middle secondary per change window (IXFR + its SOA checks): median %d (%d checks each), "
              "vs %d of /v1/axfr gzipped" % (statistics.median(per_change), statistics.median(checks), axfr_gzip))
        print("hub CPU per change without the fleet: %.3f s; hub RSS %.1f MiB" % (cpu_alone, rss_alone / 1024))

        # The fleet: idle minute, then changes.
        fleet = Fleet(args.fleet, port)
        runner = threading.Thread(target=run_fleet, args=(fleet, args.idle + args.changes * 6 + 30), daemon=True)
        runner.start()
        time.sleep(5)  # all have checked and noted themselves (IXFR up to date)
        c0, t0 = cpu_seconds(hub.pid), time.monotonic()
        checks0 = fleet.soa_checks
        time.sleep(args.idle)
        idle_cpu = (cpu_seconds(hub.pid) - c0) / (time.monotonic() - t0) * 60
        checks_per_s = (fleet.soa_checks - checks0) / (time.monotonic() - t0)
        rss_fleet = vm_kib(hub.pid, "VmRSS")
        soa_bytes = fleet.bytes_soa / max(1, fleet.soa_checks)
        b0, n0 = fleet.bytes_ixfr, fleet.ixfrs
        c0 = cpu_seconds(hub.pid)
        reach = []
        for _ in range(args.changes):
            name, ip = change(hub)
            t_start = time.monotonic()
            while not answers_ip(probe, HUB, port, name, ip):
                if time.monotonic() - t_start > 30:
                    raise SystemExit("the hub did not load a change")
                time.sleep(0.002)
            t_hub = time.monotonic()
            serial = hub_serial(probe, port)
            while time.monotonic() - t_hub < 10 and len(fleet.reached.get(serial, [])) < args.fleet:
                time.sleep(0.01)
            times = fleet.reached.get(serial, [])
            reach.append([(t - t_hub) * 1000 for t in times])
            time.sleep(max(0.0, 3 - (time.monotonic() - t_start)))
        cpu_fleet = (cpu_seconds(hub.pid) - c0) / args.changes
        ixfr_bytes = (fleet.bytes_ixfr - b0) / max(1, fleet.ixfrs - n0)
        all_reach = [x for r in reach for x in r]
        complete = sum(1 for r in reach if len(r) >= args.fleet)
        print("fleet of %d simulated secondaries: %.0f checks/s (IXFR over UDP), %.0f bytes per up-to-date answer; "
              "%d NOTIFYs answered"
              % (args.fleet, checks_per_s, soa_bytes, fleet.notifies))
        print("hub CPU per idle minute with the fleet: %.2f s; hub RSS %.1f MiB (%.1f MiB without)"
              % (idle_cpu, rss_fleet / 1024, rss_alone / 1024))
        print("hub CPU per change with the fleet: %.3f s (%.3f s without: %.3f s serving %d secondaries)"
              % (cpu_fleet, cpu_alone, cpu_fleet - cpu_alone - idle_cpu / 20, args.fleet))
        print("bytes per change to a secondary (the IXFR answer): %.0f; whole-zone transfers: %d"
              % (ixfr_bytes, fleet.transfers_whole))
        if all_reach:
            print("hub answers -> simulated secondary holds the serial: p50 %.0f ms, p99 %.0f ms, max %.0f ms "
                  "(%d of %d changes reached all)" % (pct(all_reach, 0.5), pct(all_reach, 0.99), max(all_reach),
                                                       complete, args.changes))
    finally:
        stop_processes(procs)
        if args.keep:
            print("logs in " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
