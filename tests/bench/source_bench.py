#!/usr/bin/env python3
"""What a refresh costs, per cluster size: an agent fed by a fake master's /master/state (gzip, as a
Mesos master sends it to clients that ask), and a second agent fed by the first one's /v1/axfr.

For each size: the master-fed agent's fetch, parse and generate+render times (from its log line),
its peak RSS (VmHWM) and the bytes on the wire for the state; the peer-fed agent's time and peak
RSS, the bytes of a full /v1/axfr and of an unchanged refresh (304). Then "rss": each agent's RSS
once loaded, and "changed": its peak RSS after a changed state (a ninth of the apps renamed) has been loaded
while the previous set was still served (SIGHUP asks the master-fed agent to refresh at once).

usage: source_bench.py --agent build-rel/mesos-dns-agent [--tasks 10000 100000]
All servers are on 127.0.0.1; every process started here is stopped by PID."""
import argparse
import gzip
import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def stop_processes(procs, timeout=10):
    """SIGTERM to each process we started that still runs (SIGKILL after `timeout` s), by PID."""
    for p in procs:
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vm_kib(pid, field="VmHWM"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Master:
    """/master/state from a file, gzipped for clients that accept it; counts bytes sent."""

    def __init__(self, path):
        self.port = free_port()
        with open(path, "rb") as f:
            text = f.read()
        # The state names its leader: make it this server.
        me = ("master@127.0.0.1:%d" % self.port).encode()
        self.serve(text.replace(b"master@10.0.0.5:5050", me))
        self.sent = 0
        master = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                gz = "gzip" in (self.headers.get("Accept-Encoding") or "")
                body = master.packed if gz else master.plain
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                master.sent += len(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def serve(self, plain):
        self.plain = plain
        self.packed = gzip.compress(plain, 6)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def start_agent(binary, work, name, config):
    os.makedirs(os.path.join(work, name), exist_ok=True)
    path = os.path.join(work, name, "config.json")
    config = dict(config, stateDir=os.path.join(work, name), port=free_port(), httpon=True, externalon=False,
                  listener="127.0.0.1", workers=1)
    with open(path, "w") as f:
        json.dump(config, f)
    log = open(os.path.join(work, name, "log"), "wb")
    proc = subprocess.Popen([binary, "-config", path, "-v"], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    proc.log_path = log.name
    return proc


def wait_log(proc, pattern, timeout, nth=1):
    """The nth match of pattern in the agent's log, once there."""
    rx = re.compile(pattern)
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(proc.log_path, errors="replace") as f:
            found = list(rx.finditer(f.read()))
        if len(found) >= nth:
            return found[nth - 1]
        if proc.poll() is not None:
            raise SystemExit("agent exited; see " + proc.log_path)
        time.sleep(0.1)
    raise SystemExit("timeout waiting for %r in %s" % (pattern, proc.log_path))


def metric(port, name):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else 0.0


LOADED = r"loaded (\d+) A, \d+ AAAA, (\d+) SRV records from %s.* in ([\d.]+) ms \(fetch ([\d.]+), parse ([\d.]+), generate ([\d.]+), render ([\d.]+) ms"


def run(binary, tasks, work):
    state = os.path.join(work, "state-%d.json" % tasks)
    subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(tasks), state], check=True)
    master = Master(state)
    procs = []
    try:
        http_a = free_port()
        a = start_agent(binary, work, "a%d" % tasks, {"masters": ["127.0.0.1:%d" % master.port], "httpport": http_a,
                                                      "refreshSeconds": 3600, "stateTimeoutSeconds": 120})
        procs.append(a)
        m = wait_log(a, LOADED % "master", 300)
        a_row = dict(total=float(m.group(3)), fetch=float(m.group(4)), parse=float(m.group(5)),
                     generate=float(m.group(6)) + float(m.group(7)), hwm=vm_kib(a.pid),
                     state_plain=len(master.plain), state_wire=metric(http_a, "mesos_dns_agent_refresh_bytes_total"),
                     records=int(m.group(1)) + int(m.group(2)))
        http_b = free_port()
        b = start_agent(binary, work, "b%d" % tasks, {"peers": ["127.0.0.1:%d" % http_a], "httpport": http_b,
                                                      "refreshSeconds": 2, "stateTimeoutSeconds": 120})
        procs.append(b)
        m = wait_log(b, LOADED % "peer", 300)
        full = metric(http_b, "mesos_dns_agent_refresh_bytes_total")
        wait_log(b, r"unchanged \(304, (\d+) bytes\)", 60)
        m304 = wait_log(b, r"unchanged \(304, (\d+) bytes\)", 1)
        b_row = dict(total=float(m.group(3)), fetch=float(m.group(4)), parse=float(m.group(5)),
                     generate=float(m.group(6)) + float(m.group(7)), hwm=vm_kib(b.pid), axfr_wire=full,
                     axfr_304=int(m304.group(1)))
        a_row["rss"] = vm_kib(a.pid, "VmRSS")
        b_row["rss"] = vm_kib(b.pid, "VmRSS")
        # A changed state (the apps svc-1, svc-1N, svc-1NN... renamed, about a ninth of them): both
        # agents build the new set while serving the old one.
        master.serve(master.plain.replace(b'"svc-1', b'"svc-x1'))
        a.send_signal(signal.SIGHUP)
        wait_log(a, LOADED % "master", 300, nth=2)
        wait_log(b, LOADED % "peer", 300, nth=2)
        a_row["change_hwm"], b_row["change_hwm"] = vm_kib(a.pid), vm_kib(b.pid)
        return a_row, b_row
    finally:
        stop_processes(procs, 30)
        master.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--tasks", type=int, nargs="+", default=[10000, 100000])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mdns-source-bench-") as work:
        print("%8s %-6s %9s %8s %8s %9s %9s %9s %9s %12s %12s %10s" % (
            "tasks", "source", "total ms", "fetch", "parse", "gen+rend", "peak MiB", "rss MiB", "changed", "plain bytes",
            "wire bytes", "304 bytes"))
        for n in args.tasks:
            a, b = run(os.path.abspath(args.agent), n, work)
            print("%8d %-6s %9.0f %8.0f %8.0f %9.0f %9.1f %9.1f %9.1f %12d %12d %10s" % (
                n, "state", a["total"], a["fetch"], a["parse"], a["generate"], a["hwm"] / 1024, a["rss"] / 1024,
                a["change_hwm"] / 1024, a["state_plain"], a["state_wire"], "-"))
            print("%8d %-6s %9.0f %8.0f %8.0f %9.0f %9.1f %9.1f %9.1f %12s %12d %10d" % (
                n, "axfr", b["total"], b["fetch"], b["parse"], b["generate"], b["hwm"] / 1024, b["rss"] / 1024,
                b["change_hwm"] / 1024, "", b["axfr_wire"], b["axfr_304"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
