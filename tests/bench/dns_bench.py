#!/usr/bin/env python3
"""Serving benchmark: the agent against nsd on the same records, in one run.

Generates a synthetic cluster state (make_state.py), has the agent print its records as a zone
(dump-zone), serves that zone with nsd, and drives both with dnsperf: server pinned to core 0,
dnsperf to core 1, the same query mix (60% A, 25% SRV, 10% absent names, 5% AAAA). Reports qps,
lost queries and the server's CPU time per answered query (user and system, from /proc), at
saturation and at a fixed rate, over UDP and TCP, plus RSS. Everything listens on 127.0.0.1.

Then the record-set swap test: latency percentiles at full load (tests/bench/dns_load.cc, built
as dns_load next to the agent) with a steady record set and with one changing every second.

usage: dns_bench.py --agent BUILD/mesos-dns-agent [--tasks 10000] [--seconds 10] [--rate 5000]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from source_bench import stop_processes  # noqa: E402,F401 (forward_bench takes it from here too)

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            try:
                t.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def process_tree(pid):
    """pid and its descendants (nsd answers in a child process)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError):
                pass
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


def cpu_ticks(pid):
    user = system = 0
    for p in process_tree(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11])
        system += int(fields[12])
    return user, system


def rss_kib(pid):
    total = 0
    for p in process_tree(pid):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def wait_answering(port, name="leader.mesos", timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=1", name, "A"],
                           capture_output=True, text=True)
        if "status: NOERROR" in r.stdout and "ANSWER: 1" in r.stdout:
            return
        time.sleep(0.2)
    raise SystemExit("server on port %d did not answer %s" % (port, name))


def query_file(zone_text, path, count=200000, seed=7):
    a, srv, aaaa = [], [], []
    for line in zone_text.splitlines():
        parts = line.split("\t")
        if len(parts) < 5 or parts[0].startswith("$"):
            continue
        (a if parts[3] == "A" else srv if parts[3] == "SRV" else aaaa if parts[3] == "AAAA" else []).append(parts[0])
    a, srv = sorted(set(a)), sorted(set(srv))
    aaaa_names = sorted(set(aaaa)) or a
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(count):
            x = rnd.random()
            if x < 0.60:
                f.write("%s A\n" % rnd.choice(a))
            elif x < 0.85:
                f.write("%s SRV\n" % rnd.choice(srv))
            elif x < 0.95:
                f.write("absent-%d.marathon.mesos. A\n" % rnd.randrange(1000000))
            else:
                f.write("%s AAAA\n" % rnd.choice(aaaa_names))


def dnsperf(port, queries, seconds, mode="udp", rate=None, once=False):
    """dnsperf on core 1 for `seconds` (or once through the query file)."""
    cmd = ["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
           "-m", mode, "-c", "4" if mode == "tcp" else "1", "-q", "200", "-t", "2"]
    cmd += ["-n", "1"] if once else ["-l", str(seconds)]
    if rate:
        cmd += ["-Q", str(rate)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    sent = int(re.search(r"Queries sent:\s+(\d+)", out).group(1))
    done = int(re.search(r"Queries completed:\s+(\d+)", out).group(1))
    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    avg = re.search(r"Average Latency \(s\):\s+([\d.]+)", out)
    codes = re.search(r"Response codes:(.*)", out)
    rcodes = {c: int(n) for c, n in re.findall(r"([A-Z]+) (\d+) \(", codes.group(1))} if codes else {}
    return {"sent": sent, "completed": done, "lost": lost, "qps": qps,
            "latency_us": float(avg.group(1)) * 1e6 if avg else None, "rcodes": rcodes}


def full_load(load_tool, port, queries, seconds, outstanding, during=None):
    """dns_load (closed loop, `outstanding` queries in flight) on core 1; `during` runs meanwhile.
    Returns its result line as a dict."""
    cmd = ["taskset", "-c", "1", load_tool, str(port), queries, str(seconds), str(outstanding)]
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.DEVNULL, text=True)
        if during:
            during(seconds)
        proc.wait(timeout=seconds + 60)
        log.seek(0)
        words = log.read().split()
    return {words[i]: float(words[i + 1]) for i in range(0, len(words) - 1, 2)}


def measure(pid, port, queries, seconds, mode, rate=None):
    u0, s0 = cpu_ticks(pid)
    r = dnsperf(port, queries, seconds, mode, rate)
    u1, s1 = cpu_ticks(pid)
    n = max(r["completed"], 1)
    r["user_us"] = (u1 - u0) / TICKS / n * 1e6
    r["sys_us"] = (s1 - s0) / TICKS / n * 1e6
    return r


def swap_test(args, work, queries, procs):
    """Latency percentiles at full load (closed loop, dns_load keeping 64 queries in flight), first
    with a steady record set, then while the state changes at every refresh (1 s): each refresh
    parses, generates and renders 'tasks' tasks and swaps the answer table under the load. Runs
    its own agent (refreshSeconds 1, one worker) allowed on both cores, as on a node the refresh
    runs beside the worker; the swaps that happened are counted from its log."""
    port = free_port()
    config = os.path.join(work, "config-swap.json")
    with open(config, "w") as f:
        json.dump({"stateFile": "state.json", "port": port, "refreshSeconds": 1, "httpon": False, "workers": 1,
                   "externalon": False}, f)
    agent_log = open(os.path.join(work, "agent-swap.log"), "w")
    agent = subprocess.Popen(["taskset", "-c", "0,1", args.agent, "-config", config], stderr=agent_log)
    procs.append(agent)
    wait_answering(port)
    state = os.path.join(work, "state.json")

    def loads():
        with open(os.path.join(work, "agent-swap.log")) as f:
            return sum(1 for line in f if " loaded " in line)

    other = os.path.join(work, "state-other.json")
    subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(args.tasks + 1), other], check=True)
    original = open(state).read()
    changed = open(other).read()
    refreshes = []

    def flip(seconds):
        end = time.time() + seconds
        n = 0
        while time.time() < end:
            n += 1
            tmp = state + ".tmp"
            with open(tmp, "w") as f:
                f.write(changed if n % 2 else original)
            os.replace(tmp, state)
            refreshes.append(n)
            time.sleep(1.0)

    before = loads()
    steady = full_load(args.load, port, queries, args.seconds, 64)
    between = loads()
    swapping = full_load(args.load, port, queries, args.seconds, 64, during=flip)
    time.sleep(0.5)
    after = loads()
    for label, r, swaps in (("steady", steady, between - before), ("changing 1/s", swapping, after - between)):
        print("full load %-13s qps %7.0f  p50 %6.1f us  p99 %7.1f us  p99.9 %7.1f us  max %8.1f us  lost %d"
              "  (record sets swapped in: %d)" % (label, r["qps"], r["p50_us"], r["p99_us"], r["p999_us"],
                                                   r["max_us"], r["lost"], swaps))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--load", help="dns_load binary (default: next to --agent)")
    ap.add_argument("--no-swap", action="store_true", help="skip the record-set swap test")
    args = ap.parse_args()
    args.load = args.load or os.path.join(os.path.dirname(os.path.abspath(args.agent)), "dns_load")
    for tool in ("dnsperf", "nsd", "dig", "taskset"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            raise SystemExit("missing %s (apt-get install dnsperf nsd dnsutils util-linux)" % tool)

    work = tempfile.mkdtemp(prefix="mdns-bench-")
    procs = []
    try:
        state = os.path.join(work, "state.json")
        subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(args.tasks), state], check=True)
        agent_port, nsd_port = free_port(), free_port()
        config = os.path.join(work, "config.json")
        with open(config, "w") as f:
            json.dump({"stateFile": "state.json", "port": agent_port, "refreshSeconds": 3600, "httpon": False, "workers": 1,
                       "externalon": False}, f)
        zone = subprocess.run([args.agent, "-config", config, "dump-zone"], capture_output=True, text=True,
                              check=True).stdout
        with open(os.path.join(work, "mesos.zone"), "w") as f:
            f.write(zone)
        queries = os.path.join(work, "queries.txt")
        query_file(zone, queries)
        with open(os.path.join(work, "nsd.conf"), "w") as f:
            f.write("server:\n  ip-address: 127.0.0.1@%d\n  server-count: 1\n  username: \"\"\n"
                    "  zonesdir: \"%s\"\n  zonelistfile: \"%s/zone.list\"\n  xfrdfile: \"%s/xfrd.state\"\n"
                    "  pidfile: \"%s/nsd.pid\"\n  database: \"\"\n  verbosity: 0\n  hide-version: yes\n"
                    "  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n"
                    "remote-control:\n  control-enable: no\n"
                    "zone:\n  name: mesos\n  zonefile: mesos.zone\n" % (nsd_port, work, work, work, work))
        agent = subprocess.Popen(["taskset", "-c", "0", args.agent, "-config", config], stderr=subprocess.DEVNULL)
        procs.append(agent)
        nsd = subprocess.Popen(["taskset", "-c", "0", "nsd", "-d", "-c", os.path.join(work, "nsd.conf")],
                               stderr=subprocess.DEVNULL)
        procs.append(nsd)
        wait_answering(agent_port)
        wait_answering(nsd_port)
        servers = [("agent", agent.pid, agent_port), ("nsd", nsd.pid, nsd_port)]
        results = {}
        for label, mode, rate in (("udp saturated", "udp", None), ("udp %d qps" % args.rate, "udp", args.rate),
                                  ("tcp saturated", "tcp", None)):
            for name, pid, port in servers:
                results[(label, name)] = measure(pid, port, queries, args.seconds, mode, rate)
        print("tasks: %d, zone lines: %d, query mix: 60%% A, 25%% SRV, 10%% absent, 5%% AAAA" %
              (args.tasks, zone.count("\n")))
        print("%-18s %-6s %10s %8s %10s %9s %9s %9s" % ("run", "server", "qps", "lost", "lat us", "user us",
                                                          "sys us", "cpu us"))
        for (label, name), r in results.items():
            print("%-18s %-6s %10.0f %8d %10.1f %9.2f %9.2f %9.2f" % (
                label, name, r["qps"], r["lost"], r["latency_us"] or 0, r["user_us"], r["sys_us"],
                r["user_us"] + r["sys_us"]))
        for label in dict.fromkeys(k[0] for k in results):
            a, n = results[(label, "agent")], results[(label, "nsd")]
            nu, nt = max(n["user_us"], 1e-9), max(n["user_us"] + n["sys_us"], 1e-9)
            print("%-18s agent/nsd: user %.2f, total cpu %.2f, qps %.2f" % (
                label, a["user_us"] / nu, (a["user_us"] + a["sys_us"]) / nt, a["qps"] / max(n["qps"], 1e-9)))
        print("RSS: agent %d KiB, nsd %d KiB (all its processes)" % (rss_kib(agent.pid), rss_kib(nsd.pid)))
        if not args.no_swap:
            for p in procs:  # the first agent and nsd are done
                p.send_signal(signal.SIGTERM)
                p.wait(10)
            swap_test(args, work, queries, procs)
    finally:
        stop_processes(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
