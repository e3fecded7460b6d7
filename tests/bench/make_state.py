#!/usr/bin/env python3
"""Writes a synthetic Mesos /master/state document of a given size, shaped like a Mesos 1.x master's:
Marathon apps with several instances each, container IPs in network_infos, DiscoveryInfo with named
ports, a share of finished tasks, and a few hundred agents.

usage: make_state.py TASKS [OUT]   (OUT defaults to stdout)
"""
import json
import random
import sys
import uuid


def main():
    tasks_wanted = int(sys.argv[1])
    out = open(sys.argv[2], "w") if len(sys.argv) > 2 else sys.stdout
    rnd = random.Random(42)
    cluster = "0c6a3e3b-1f5e-4b2a-9d55-%012d" % tasks_wanted
    n_slaves = max(3, min(2000, tasks_wanted // 25))
    slaves = []
    for i in range(n_slaves):
        ip = "10.%d.%d.%d" % (1 + i // 65000, (i // 250) % 256, 1 + i % 250)
        slaves.append({
            "id": "%s-S%d" % (cluster, i),
            "hostname": "node-%d.cluster.example" % i,
            "pid": "slave(1)@%s:5051" % ip,
            "port": 5051,
            "active": True,
            "version": "1.11.0",
            "resources": {"cpus": 16.0, "mem": 64000.0, "disk": 500000.0, "ports": "[31000-32000]"},
            "_ip": ip,
        })
    tasks = []
    app = 0
    while len(tasks) < tasks_wanted:
        instances = rnd.choice([1, 2, 3, 5, 10])
        group = rnd.choice(["dev", "prod", "team-a", "team-b.web"])
        name = "svc-%d.%s" % (app, group)
        app_id = "/%s/svc-%d" % (group.replace(".", "/"), app)
        for inst in range(instances):
            if len(tasks) >= tasks_wanted:
                break
            slave = rnd.choice(slaves)
            port = 31000 + rnd.randrange(1000)
            running = rnd.random() > 0.1
            task_ip = "172.%d.%d.%d" % (16 + rnd.randrange(16), rnd.randrange(256), 1 + rnd.randrange(254))
            ts = 1700000000.0 + rnd.random() * 1000
            tid = "%s.%s" % (app_id.strip("/").replace("/", "_"), uuid.UUID(int=rnd.getrandbits(128)))
            tasks.append({
                "id": tid,
                "name": name,
                "framework_id": cluster + "-0000",
                "executor_id": "",
                "slave_id": slave["id"],
                "state": "TASK_RUNNING" if running else "TASK_FINISHED",
                "resources": {"cpus": 0.5, "mem": 256.0, "disk": 0.0, "ports": "[%d-%d]" % (port, port)},
                "statuses": [
                    {"state": "TASK_STARTING", "timestamp": ts - 2},
                    {"state": "TASK_RUNNING", "timestamp": ts,
                     "labels": [{"key": "Docker.NetworkSettings.IPAddress", "value": task_ip}],
                     "container_status": {"network_infos": [{"ip_addresses": [{"ip_address": task_ip}]}]}},
                ],
                "discovery": {"visibility": "FRAMEWORK", "name": name,
                              "ports": {"ports": [{"number": port, "name": "http", "protocol": "tcp"}]}},
            })
        app += 1
    for s in slaves:
        del s["_ip"]
    state = {
        "version": "1.11.0",
        "leader": "master@10.0.0.5:5050",
        "pid": "master@10.0.0.5:5050",
        "hostname": "master-1.cluster.example",
        "activated_slaves": n_slaves,
        "slaves": slaves,
        "frameworks": [{
            "id": cluster + "-0000",
            "name": "marathon",
            "pid": "scheduler-%s@10.0.0.5:8080" % uuid.UUID(int=rnd.getrandbits(128)),
            "hostname": "master-1.cluster.example",
            "active": True,
            "tasks": tasks,
            "completed_tasks": [],
        }],
    }
    json.dump(state, out, separators=(",", ":"))


if __name__ == "__main__":
    main()
