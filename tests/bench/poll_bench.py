#!/usr/bin/env python3
"""What an unchanged poll of the master costs: the CPU an agent spends per refresh of a
/master/state that did not change, per cluster size, for one or more agent binaries measured in the
same run (so that a change can be reported as a ratio against the binary before it).

Each agent polls a fake master (gzip, as a Mesos master sends it) every second. Once its first load
is logged, the bench reads the agent's CPU time (utime + stime, /proc/PID/stat) and the master's
count of state requests, waits for --polls more requests, and reads both again: CPU per poll is
the difference of the one over the difference of the other. The agents run one after the other,
never together, so that they do not share the two cores.

usage: poll_bench.py --agent before/mesos-dns-agent --agent build-rel/mesos-dns-agent
                     [--tasks 10000 100000] [--polls 20]
All servers are on 127.0.0.1; every process started here is stopped by PID."""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from source_bench import LOADED, Master, start_agent, stop_processes, wait_log  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


class CountingMaster(Master):
    """Master that counts the state requests it answered. As a busy Mesos master's, its state is
    not the same text twice: the agents' resources move between polls (four versions in turn),
    while nothing that makes records changes."""

    def __init__(self, path):
        super().__init__(path)
        self.requests = 0
        base = self.plain
        self.versions = []
        for k in range(4):
            varied = re.sub(rb'"cpus": ?16\.0', b'"cpus":16.%d' % (k + 1), base)
            assert varied != base, "no agent resources to vary in the state"
            self.serve(varied)
            self.versions.append((self.plain, self.packed))
        self.plain, self.packed = self.versions[0]
        handler = self.server.RequestHandlerClass
        master = self
        original = handler.do_GET

        def do_get(h):
            original(h)
            master.requests += 1
            master.plain, master.packed = master.versions[master.requests % len(master.versions)]

        handler.do_GET = do_get


def measure(binary, state, polls, work, name):
    master = CountingMaster(state)
    proc = None
    try:
        proc = start_agent(binary, work, name, {"masters": ["127.0.0.1:%d" % master.port], "refreshSeconds": 1,
                                                "stateTimeoutSeconds": 120})
        m = wait_log(proc, LOADED % "master", 600)
        first = dict(fetch=float(m.group(4)), parse=float(m.group(5)), generate=float(m.group(6)),
                     render=float(m.group(7)))
        # Let the second poll start from a settled process (the first load's pages given back).
        while master.requests < 2:
            time.sleep(0.05)
        cpu0, n0 = cpu_seconds(proc.pid), master.requests
        deadline = time.time() + polls * 30
        while master.requests < n0 + polls:
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("agent stopped polling; see " + proc.log_path)
            time.sleep(0.05)
        # The last request answered: let the agent finish handling it.
        time.sleep(0.5)
        cpu1, n1 = cpu_seconds(proc.pid), master.requests
        return dict(first, per_poll=(cpu1 - cpu0) / (n1 - n0), polls=n1 - n0)
    finally:
        stop_processes([proc], 30)
        master.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", action="append", required=True)
    ap.add_argument("--tasks", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--polls", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mdns-poll-bench-") as work:
        print("%8s %-40s %12s %8s %10s %10s %10s %10s" % ("tasks", "agent", "CPU ms/poll", "ratio", "1st fetch",
                                                         "1st parse", "1st gen", "1st render"))
        for n in args.tasks:
            state = os.path.join(work, "state-%d.json" % n)
            subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(n), state], check=True)
            base = None
            for i, binary in enumerate(args.agent):
                r = measure(os.path.abspath(binary), state, args.polls, work, "a%d-%d" % (n, i))
                base = base or r["per_poll"]
                print("%8d %-40s %12.1f %8.2f %10.0f %10.0f %10.0f %10.0f" % (
                    n, binary[-40:], r["per_poll"] * 1000, r["per_poll"] / base, r["fetch"], r["parse"],
                    r["generate"], r["render"]))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
