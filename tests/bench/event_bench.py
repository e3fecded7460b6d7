#!/usr/bin/env python3
"""Event to answer: how soon a hub with "subscribe": true answers a task the master announces, and
how soon two hops of secondaries do.

A fake master (tests/e2e/harness.py's FakeMaster) serves the v1 event stream of a synthetic state
(make_state.py, --tasks tasks); a hub agent subscribes to it (127.0.0.11), a secondary follows the
hub (127.0.0.12) and another follows that one (127.0.0.13). For each of --changes new tasks the
master emits TASK_ADDED (staging, no address), then TASK_UPDATED(TASK_RUNNING) with the address;
the time is taken from that TASK_UPDATED to each agent answering the task's name with its address.
Then TASK_KILLED, and the time until the hub answers NXDOMAIN for it. Also: bytes from the hub to
the first secondary per change (IXFR and SOA checks), hub CPU per change, hub RSS.

usage: event_bench.py --agent build-rel/mesos-dns-agent [--tasks 10000] [--changes 50]
Everything is on 127.0.0.0/8; every process started here is stopped by PID; bounded in time."""
import argparse
import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from harness import FakeMaster, task_added_event, task_updated_event  # noqa: E402
from secondary_bench import HUB, LEAF, MIDDLE, answers_ip, ask_a, cpu_seconds, start  # noqa: E402
from source_bench import free_port, metric, stop_processes, vm_kib, wait_log  # noqa: E402


def rcode(sock, address, port, name):
    m = ask_a(sock, address, port, name)
    return None if m is None else m[3] & 0x0F


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summary(values):
    return "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms" % (pct(values, 0.5), pct(values, 0.9),
                                                                   pct(values, 0.99), max(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent", required=True)
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--changes", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="keep the agents' folders (logs) and print where")
    args = ap.parse_args()
    binary = os.path.abspath(args.agent)
    work = tempfile.mkdtemp(prefix="mdns-evbench-")
    state_path = os.path.join(work, "state.json")
    subprocess.run([sys.executable, os.path.join(HERE, "make_state.py"), str(args.tasks), state_path], check=True)
    with open(state_path) as f:
        state = json.load(f)
    # Only addresses in the state: nothing is looked up in the system's DNS.
    for fw in state["frameworks"]:
        fw["hostname"] = "10.0.0.5"
    template = next(t for t in state["frameworks"][0]["tasks"] if t["state"] == "TASK_RUNNING")
    master = FakeMaster()
    master.state = state
    port = free_port()
    procs = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.settimeout(0.2)
    try:
        hub = start(binary, work, "hub", HUB, port, {"masters": [master.address], "subscribe": True,
                                                     "refreshSeconds": 3600, "minRecordRatio": 0.5})
        procs.append(hub)
        wait_log(hub, r"loaded \d+ A", 120)
        middle = start(binary, work, "middle", MIDDLE, port, {"primaries": ["%s:%d" % (HUB, port)]})
        procs.append(middle)
        wait_log(middle, r"SRV records from primary", 120)
        leaf = start(binary, work, "leaf", LEAF, port, {"primaries": ["%s:%d" % (MIDDLE, port)]})
        procs.append(leaf)
        wait_log(leaf, r"SRV records from primary", 120)
        time.sleep(2)
        reach = {"hub": [], "middle": [], "leaf": []}
        killed = []
        middle_bytes = []
        cpu0 = cpu_seconds(hub.pid)
        for i in range(args.changes):
            t = copy.deepcopy(template)
            t["id"] = "evbench_%d.%08d-0000-0000-0000-000000000000" % (i, i)
            t["name"] = "evbench-%d" % i
            t["discovery"]["name"] = t["name"]
            ip = "10.251.%d.%d" % (i // 250, 1 + i % 250)
            st = t["statuses"][-1]
            st["labels"][0]["value"] = ip
            st["container_status"]["network_infos"][0]["ip_addresses"][0]["ip_address"] = ip
            staging = copy.deepcopy(t)
            staging["state"] = "TASK_STAGING"
            staging["statuses"] = [{"state": "TASK_STAGING", "timestamp": time.time()}]
            name = t["name"] + ".marathon.mesos"
            b0 = metric(middle.http_port, "mesos_dns_agent_refresh_bytes_total")
            master.emit(task_added_event(staging))
            time.sleep(0.05)
            t0 = time.monotonic()
            master.emit(task_updated_event(t, "TASK_RUNNING"))
            seen = {}
            deadline = t0 + 30
            while len(seen) < 3 and time.monotonic() < deadline:
                for label, address in (("hub", HUB), ("middle", MIDDLE), ("leaf", LEAF)):
                    if label not in seen and answers_ip(probe, address, port, name, ip):
                        seen[label] = time.monotonic()
                time.sleep(0.001)
            if len(seen) < 3:
                raise SystemExit("change %d did not arrive within 30 s: %r" % (i, seen))
            for label in reach:
                reach[label].append((seen[label] - t0) * 1000)
            time.sleep(1.2)  # the next SOA checks: count them in
            middle_bytes.append(metric(middle.http_port, "mesos_dns_agent_refresh_bytes_total") - b0)
            t0 = time.monotonic()
            master.emit(task_updated_event(t, "TASK_KILLED", {"state": "TASK_KILLED", "timestamp": time.time()}))
            while rcode(probe, HUB, port, name) != 3:
                if time.monotonic() - t0 > 30:
                    raise SystemExit("the kill of change %d did not arrive within 30 s" % i)
                time.sleep(0.001)
            killed.append((time.monotonic() - t0) * 1000)
            time.sleep(0.3)
        cpu_per_change = (cpu_seconds(hub.pid) - cpu0) / (2 * args.changes)
        print("tasks %d, %d new tasks (TASK_ADDED, then TASK_UPDATED RUNNING 50 ms later), each killed after"
              % (args.tasks, args.changes))
        print("TASK_UPDATED(RUNNING) -> hub answers: " + summary(reach["hub"]))
        print("TASK_UPDATED(RUNNING) -> secondary 1 hop answers: " + summary(reach["middle"]))
        print("TASK_UPDATED(RUNNING) -> secondary 2 hops answers: " + summary(reach["leaf"]))
        print("TASK_UPDATED(TASK_KILLED) -> hub answers NXDOMAIN: " + summary(killed))
        print("bytes from the hub to the 1-hop secondary per new task (IXFR + SOA checks over 1.2 s): median %d, max %d"
              % (sorted(middle_bytes)[len(middle_bytes) // 2], max(middle_bytes)))
        print("hub CPU per event batch (generation and rendering): %.3f s; hub RSS %.1f MiB"
              % (cpu_per_change, vm_kib(hub.pid, "VmRSS") / 1024))
    finally:
        stop_processes(procs)
        master.stop()
        if args.keep:
            print("logs in " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
