#!/usr/bin/env python3
"""Forwarding benchmark: cache hits of the agent against unbound as a caching forwarder, in one run.

nsd serves a zone `bench.test.` of N A records (TTL 3600) on a loopback port; unbound (a caching
forwarder: forward-zone "." to that nsd, one thread) and the agent (`resolvers`: that nsd, one
worker) each get every name once to warm their caches, then dnsperf asks both for the same names
(all cache hits) at saturation and at a fixed rate. Servers are pinned to core 0, dnsperf to core 1.
Reports qps, lost queries and the server's CPU time per answered query (user and system, from
/proc), and the agent/unbound ratios, as a table and as one JSON line. Warm-up must get NOERROR for
every name and dig must then get the A record of the last name from each; in the measured runs,
answers other than NOERROR and CPU time spent by nsd (cache misses) are reported. nsd runs on core 1:
it only works during the warm-up. nsd answers minimal responses, as unbound does by default,
so both relay answers of the same size.

usage: forward_bench.py --agent BUILD/mesos-dns-agent [--names 1000] [--seconds 10] [--rate 5000]
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from dns_bench import (cpu_ticks, dnsperf, free_port, measure, rss_kib, stop_processes,  # noqa: E402
                       wait_answering)


def write_configs(work, names, nsd_port, unbound_port, agent_port):
    with open(os.path.join(work, "bench.test.zone"), "w") as f:
        f.write("$ORIGIN bench.test.\n$TTL 3600\n@ IN SOA ns1 root 1 3600 600 86400 3600\n@ IN NS ns1\n"
                "ns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n")
        for i in range(names):
            f.write("name%d IN A 10.%d.%d.%d\n" % (i, (i >> 16) & 255, (i >> 8) & 255, i & 255))
    with open(os.path.join(work, "nsd.conf"), "w") as f:
        f.write("server:\n  ip-address: 127.0.0.1@%d\n  server-count: 1\n  username: \"\"\n  zonesdir: \"%s\"\n"
                "  zonelistfile: \"%s/zone.list\"\n  xfrdfile: \"%s/xfrd.state\"\n  pidfile: \"%s/nsd.pid\"\n"
                "  database: \"\"\n  verbosity: 0\n  minimal-responses: yes\n  rrl-ratelimit: 0\n"
                "remote-control:\n  control-enable: no\nzone:\n  name: bench.test\n  zonefile: bench.test.zone\n"
                % (nsd_port, work, work, work, work))
    with open(os.path.join(work, "unbound.conf"), "w") as f:
        f.write("server:\n  interface: 127.0.0.1\n  port: %d\n  num-threads: 1\n  username: \"\"\n  chroot: \"\"\n"
                "  directory: \"%s\"\n  pidfile: \"%s/unbound.pid\"\n  use-syslog: no\n  logfile: \"\"\n"
                "  verbosity: 0\n  do-not-query-localhost: no\n  access-control: 127.0.0.0/8 allow\n"
                "  module-config: \"iterator\"\n  prefetch: no\n  msg-cache-size: 64m\n  rrset-cache-size: 128m\n"
                "  qname-minimisation: no\n  so-reuseport: no\n  local-zone: \"test.\" nodefault\n"
                "remote-control:\n  control-enable: no\n"
                "forward-zone:\n  name: \".\"\n  forward-addr: 127.0.0.1@%d\n" % (unbound_port, work, work, nsd_port))
    with open(os.path.join(work, "config.json"), "w") as f:
        json.dump({"stateFile": os.path.join(HERE, "..", "fixtures", "cluster_state.json"), "port": agent_port,
                   "listener": "127.0.0.1", "domain": "mesos", "refreshSeconds": 3600, "httpon": False,
                   "workers": 1, "externalon": True,
                   "resolvers": ["127.0.0.1:%d" % nsd_port], "cacheSize": max(10000, 2 * names)}, f)
    queries = os.path.join(work, "queries.txt")
    with open(queries, "w") as f:
        for i in range(names):
            f.write("name%d.bench.test. A\n" % i)
    return queries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--names", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rate", type=int, default=5000)
    args = ap.parse_args()
    for tool in ("dnsperf", "nsd", "unbound", "dig", "taskset"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            raise SystemExit("missing %s (apt-get install dnsperf nsd unbound dnsutils util-linux)" % tool)

    work = tempfile.mkdtemp(prefix="mdns-fwd-bench-")
    procs = []
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # the servers are stopped all the same
    try:
        nsd_port, unbound_port, agent_port = free_port(), free_port(), free_port()
        queries = write_configs(work, args.names, nsd_port, unbound_port, agent_port)
        logs = {name: open(os.path.join(work, name + ".log"), "w") for name in ("nsd", "unbound", "agent")}
        nsd = subprocess.Popen(["taskset", "-c", "1", "nsd", "-d", "-c", os.path.join(work, "nsd.conf")],
                               stderr=logs["nsd"])
        procs.append(nsd)
        unbound = subprocess.Popen(["taskset", "-c", "0", "unbound", "-d", "-c", os.path.join(work, "unbound.conf")],
                                   stderr=logs["unbound"])
        procs.append(unbound)
        agent = subprocess.Popen(["taskset", "-c", "0", args.agent, "-config", os.path.join(work, "config.json")],
                                 stderr=logs["agent"])
        procs.append(agent)
        for port in (nsd_port, unbound_port, agent_port):
            wait_answering(port, "name0.bench.test")
        servers = [("agent", agent.pid, agent_port), ("unbound", unbound.pid, unbound_port)]
        for _, _, port in servers:  # every name once: the caches are warm
            warm = dnsperf(port, queries, args.seconds, once=True)
            if warm["rcodes"].get("NOERROR") != args.names:
                raise SystemExit("warm-up on port %d: %d of %d answered, %s" % (
                    port, warm["completed"], args.names, warm["rcodes"]))
            wait_answering(port, "name%d.bench.test" % (args.names - 1), timeout=5)
        results = {}
        for label, rate in (("udp saturated", None), ("udp %d qps" % args.rate, args.rate)):
            for name, pid, port in servers:
                upstream = sum(cpu_ticks(nsd.pid))
                r = results[(label, name)] = measure(pid, port, queries, args.seconds, "udp", rate)
                r["not_noerror"] = r["completed"] - r["rcodes"].get("NOERROR", 0)
                r["upstream_ticks"] = sum(cpu_ticks(nsd.pid)) - upstream
        print("names: %d (all cache hits), upstream: nsd, servers on core 0, dnsperf on core 1" % args.names)
        print("%-18s %-8s %10s %8s %10s %9s %9s %9s" % ("run", "server", "qps", "lost", "lat us", "user us",
                                                          "sys us", "cpu us"))
        for (label, name), r in results.items():
            print("%-18s %-8s %10.0f %8d %10.1f %9.2f %9.2f %9.2f" % (
                label, name, r["qps"], r["lost"], r["latency_us"] or 0, r["user_us"], r["sys_us"],
                r["user_us"] + r["sys_us"]))
        summary = {}
        for label in dict.fromkeys(k[0] for k in results):
            a, u = results[(label, "agent")], results[(label, "unbound")]
            ratio = {"user": a["user_us"] / max(u["user_us"], 1e-9),
                     "total": (a["user_us"] + a["sys_us"]) / max(u["user_us"] + u["sys_us"], 1e-9),
                     "qps": a["qps"] / max(u["qps"], 1e-9)}
            summary[label] = ratio
            print("%-18s agent/unbound: user %.2f (target <= 0.5), total cpu %.2f (target <= 0.9), qps %.2f" % (
                label, ratio["user"], ratio["total"], ratio["qps"]))
        print("RSS: agent %d KiB, unbound %d KiB" % (rss_kib(agent.pid), rss_kib(unbound.pid)))
        for (label, name), r in results.items():
            if r["not_noerror"] or r["upstream_ticks"]:
                print("warning: %s %s: %d answers other than NOERROR %s, upstream nsd busy %d ticks" % (
                    label, name, r["not_noerror"], r["rcodes"], r["upstream_ticks"]))
        print(json.dumps({"names": args.names, "seconds": args.seconds, "rate": args.rate, "ratios": summary,
                          "runs": [dict(r, run=label, server=name) for (label, name), r in results.items()]}))
    except SystemExit as e:
        if e.code not in (0, None):
            for name in ("nsd", "unbound", "agent"):  # what the servers said, before the directory goes
                if not os.path.exists(os.path.join(work, name + ".log")):
                    continue
                with open(os.path.join(work, name + ".log")) as f:
                    print("--- %s.log (end)\n%s" % (name, f.read()[-1500:]), file=sys.stderr)
        raise
    finally:
        stop_processes(procs)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
