#!/usr/bin/env python3
"""Instructions per answer on the query path, counted by valgrind's callgrind: a figure that the
load of a shared machine does not move, for comparing two builds (before and after a change) where
dns_bench.py's CPU times differ by more than the change could.

Each agent serves the same synthetic cluster (make_state.py) under callgrind, collecting only inside
DnsServer::onUdp (inclusive: parsing, the answer table, the reply, the sendmmsg call's user side) while
dnsperf sends the same queries once (dns_bench.py's mix), at a rate callgrind keeps up with.

usage: path_instructions.py --agent BUILD/mesos-dns-agent [--agent OTHER/mesos-dns-agent] [--tasks 10000]
       [--queries 20000]   (apt-get install valgrind dnsperf)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dns_bench  # noqa: E402  (query mix, ports, readiness)


def instructions_per_answer(agent, work, queries, count):
    port = dns_bench.free_port()
    config = os.path.join(work, "config-%d.json" % port)
    with open(config, "w") as f:
        json.dump({"stateFile": "state.json", "port": port, "refreshSeconds": 3600, "httpon": False, "workers": 1,
                   "externalon": False}, f)
    if not os.path.exists(queries):
        zone = subprocess.run([agent, "-config", config, "dump-zone"], capture_output=True, text=True,
                              check=True).stdout
        dns_bench.query_file(zone, queries, count=count)
    out = os.path.join(work, "callgrind-%d.out" % port)
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                             "--toggle-collect=mdns::DnsServer::onUdp*", agent, "-config", config],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        dns_bench.wait_answering(port, timeout=300)
        run = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-c", "1", "-q", "20",
                              "-t", "5", "-n", "1", "-Q", "3000"], capture_output=True, text=True, timeout=600)
        answered = int(re.search(r"Queries completed:\s+(\d+)", run.stdout).group(1))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    summary = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"([\d,]+)(?: \(100\.0%\))?\s+PROGRAM TOTALS", summary).group(1).replace(",", ""))
    return total / max(answered, 1), answered


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", action="append", required=True)
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=20000)
    args = ap.parse_args()
    for tool in ("valgrind", "callgrind_annotate", "dnsperf"):
        if shutil.which(tool) is None:
            raise SystemExit("missing %s (apt-get install valgrind dnsperf)" % tool)
    work = tempfile.mkdtemp(prefix="mdns-instructions-")
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(args.tasks),
                        os.path.join(work, "state.json")], check=True)
        queries = os.path.join(work, "queries.txt")
        results = []
        for agent in args.agent:
            per, answered = instructions_per_answer(agent, work, queries, args.queries)
            results.append(per)
            print("%-60s %8.0f instructions per answer (%d answers)" % (agent, per, answered), flush=True)
        if len(results) > 1:
            print("ratio %s / %s: %.3f" % (args.agent[-1], args.agent[0], results[-1] / results[0]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
