"""A hub with "subscribe": true: one v1 event stream (POST /api/v1 SUBSCRIBE) to the leading
master instead of polling /master/state. The fake master plays the stream from the same state
documents (RecordIO JSON, heartbeats, a 307 from a non-leader, a stream that ends at failover);
refreshSeconds is 60 in these tests, so whatever changes within seconds came by the stream."""
import copy
import json
import os
import signal
import time
import unittest
import urllib.request

from harness import (LOOPBACK, a_records, agent_added_event, agent_removed_event, app_state, fake_master, free_port,
                     require_dig, slave, start_agent, task, task_added_event, task_updated_event, wait_until)
from netns import in_private_namespaces, write_resolv_conf

HUB = {"refreshSeconds": 60, "stateTimeoutSeconds": 3, "subscribe": True}


def http_get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.read().decode()


def new_task(state, name, ip, port, index=0, state_name="TASK_RUNNING", healthy=None):
    """A task of the state's framework on its first agent (not added to the state)."""
    t = task("%s.%08d-9999-8888-7777-%012d" % (name, index, index), name, state["slaves"][0], ip=ip, ports=[port],
             state=state_name)
    if healthy is not None:
        t["statuses"][-1]["healthy"] = healthy
    return t


def with_api_on_a_second_agent(pid):
    """A state with web (10.1.9.1) on agent 0 and api (10.1.9.5) on agent 1; and agent 1."""
    state = app_state(pid, "web", task_ips=["10.1.9.1"])
    other = slave(1, "10.0.0.11")
    state["slaves"].append(other)
    api = task("api.00000000-1111-2222-3333-000000000001", "api", other, ip="10.1.9.5", ports=[32000])
    state["frameworks"][0]["tasks"].append(api)
    return state, other


def failed_over(state, other):
    """The state as a new leader has it before agent `other` re-registers: without it and its tasks,
    which it lists in recovered_slaves."""
    after = copy.deepcopy(state)
    after["slaves"] = [s for s in after["slaves"] if s["id"] != other["id"]]
    after["recovered_slaves"] = [{"id": other["id"], "hostname": other["hostname"]}]
    after["frameworks"][0]["tasks"] = [t for t in after["frameworks"][0]["tasks"] if t["name"] != "api"]
    return after


class SubscribeTest(unittest.TestCase):
    def setUp(self):
        require_dig()

    def hub(self, *masters, **config):
        cfg = dict(HUB, masters=[m.address for m in masters])
        cfg.update(config)
        return start_agent(self, cfg)

    def test_a_new_task_is_answered_moments_after_its_events_without_polling(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.0.1"])
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.0.1"])
        agent.wait_log(r"subscribed to the event stream of leading master 127\.0\.0\.1:%d: 1 tasks" % master.port)
        self.assertEqual(master.requests, 0)  # no GET /master/state
        # Marathon launches api: TASK_ADDED (STAGING, no address yet), then TASK_UPDATED RUNNING with it.
        api = new_task(state, "api", "10.1.0.9", 31500)
        staging = copy.deepcopy(api)
        staging["state"] = "TASK_STAGING"
        staging["statuses"] = staging["statuses"][:1]
        started = time.monotonic()
        master.emit(task_added_event(staging))
        master.emit(task_updated_event(api, "TASK_RUNNING"))
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == ["10.1.0.9"], 5)
        self.assertLess(time.monotonic() - started, 5)
        srv = agent.dig("_api._tcp.marathon.mesos", "SRV")
        self.assertEqual([r.split()[2] for r in srv.rdatas("SRV")], ["31500"])
        self.assertEqual(master.requests, 0)
        # Killed: the name goes at once.
        master.emit(task_updated_event(api, "TASK_KILLED", {"state": "TASK_KILLED", "timestamp": time.time()}))
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == "NXDOMAIN", 5)
        self.assertEqual(a_records(agent), ["10.1.0.1"])
        self.assertEqual(master.streams, 1)

    def test_metrics_show_the_stream_and_a_reload_without_subscribe_polls_again(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.10.1"])
        master.heartbeat_interval = 0.5  # the fake master sees a closed stream when it writes the next one
        http_port = free_port()
        agent = self.hub(master, httpon=True, httpListener=LOOPBACK, httpPort=http_port, refreshSeconds=1)
        agent.wait_loaded()
        wait_until(lambda: "mesos_dns_agent_event_stream_up 1" in http_get(http_port, "/metrics"), 5)
        metrics = http_get(http_port, "/metrics")
        self.assertRegex(metrics, r"mesos_dns_agent_event_stream_subscriptions_total 1\b")
        self.assertRegex(metrics, r"mesos_dns_agent_event_stream_events_total [2-9]")  # SUBSCRIBED, HEARTBEAT
        time.sleep(2.5)  # refreshSeconds 1: no poll while the stream runs
        self.assertEqual(master.requests, 0)
        cfg = dict(agent.config, subscribe=False)
        agent.write_file("config.json", cfg)
        agent.proc.send_signal(signal.SIGHUP)
        master.wait_for_requests(2)
        wait_until(lambda: master.streams == 0, 5)
        self.assertNotIn("event_stream_up", http_get(http_port, "/metrics"))
        self.assertEqual(a_records(agent), ["10.1.10.1"])

    def test_enumerate_and_ptr_records_follow_the_events(self):
        # The hub keeps its records task by task (common/record_book) and makes /v1/enumerate
        # when asked: both must show what the events changed, as a hub that polls would.
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.15.1"])
        master.state = state
        http_port = free_port()
        agent = self.hub(master, httpon=True, httpListener=LOOPBACK, httpPort=http_port)
        agent.wait_loaded()

        def enumerated():
            listing = json.loads(http_get(http_port, "/v1/enumerate"))
            return {(t["name"], r["name"], r["host"]) for f in listing["frameworks"] for t in f["tasks"]
                    for r in t["records"] if r["rtype"] == "A"}
        self.assertIn(("web", "web.marathon.mesos.", "10.1.15.1"), enumerated())
        api = new_task(state, "api", "10.1.15.9", 31800, index=3)
        master.emit(task_added_event(api))
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == ["10.1.15.9"], 5)
        self.assertIn(("api", "api.marathon.mesos.", "10.1.15.9"), enumerated())
        ptr = agent.dig("9.15.1.10.in-addr.arpa", "PTR")
        self.assertEqual(len(ptr.rdatas("PTR")), 1)
        self.assertRegex(ptr.rdatas("PTR")[0], r"^api-.*\.marathon\.mesos\.$")
        master.emit(task_updated_event(api, "TASK_KILLED", {"state": "TASK_KILLED", "timestamp": time.time()}))
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == "NXDOMAIN", 5)
        self.assertNotIn("api", {name for name, _, _ in enumerated()})
        self.assertEqual(agent.dig("9.15.1.10.in-addr.arpa", "PTR").rdatas("PTR"), [])  # not ours: forwarded
        self.assertEqual(a_records(agent), ["10.1.15.1"])

    def test_a_secondary_takes_the_hubs_changes_as_differences_also_after_a_reload_of_the_hub(self):
        # A reload gives the hub a new record book; its first set must not be handed to the
        # secondaries as a difference from what they hold (every record "added" again: IXFR would
        # not fit, and each would take the whole zone).
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.16.1"])
        master.state = state
        port = free_port()
        hub = self.hub(master, listener="127.0.0.11", port=port, allowTransfer=["127.0.0.0/8"])
        hub.wait_loaded()
        secondary = start_agent(self, {"primaries": ["127.0.0.11:%d" % port], "listener": "127.0.0.12", "port": port,
                                       "primaryCheckSeconds": 1})
        secondary.wait_loaded()
        api = new_task(state, "api", "10.1.16.2", 31900, index=4)
        state["frameworks"][0]["tasks"].append(api)  # in the next snapshot too
        master.emit(task_added_event(api))
        wait_until(lambda: a_records(secondary, "api.marathon.mesos") == ["10.1.16.2"], 10)
        # Another IP source order (the same records) makes a new book; the new subscription's
        # snapshot brings a task more.
        state["frameworks"][0]["tasks"].append(new_task(state, "db", "10.1.16.3", 31901, index=5))
        mark = secondary.log_mark()
        hub.write_file("config.json", dict(hub.config, IPSources=["netinfo", "host"]))
        hub.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: a_records(secondary, "db.marathon.mesos") == ["10.1.16.3"], 10)
        secondary.wait_log(r"from primary 127\.0\.0\.11:%d: serial \d+ \(IXFR" % port, since=mark)
        self.assertNotIn("did not fit", secondary.log()[mark:])
        self.assertEqual(a_records(secondary, "api.marathon.mesos"), ["10.1.16.2"])

    def test_an_event_that_is_not_json_ends_the_stream_and_the_hub_subscribes_again_keeping_its_records(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.11.1"])
        agent = self.hub(master)
        agent.wait_loaded()
        mark = agent.log_mark()
        master.emit(b"{not json")
        agent.wait_log(r"event stream from leading master .* ended: event \d+ refused: .*; subscribing again", since=mark)
        wait_until(lambda: master.subscribes >= 2, 5)
        self.assertEqual(a_records(agent), ["10.1.11.1"])

    def test_event_changes_reach_the_cache_file_at_most_every_few_seconds_and_the_newest_at_stop(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.14.1"])
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        cache = os.path.join(agent.dir, "state", "records.cache")
        wait_until(lambda: os.path.exists(cache), 5)

        def cached():
            with open(cache) as f:
                return f.read()
        first = new_task(state, "first", "10.1.14.2", 31700, index=1)
        master.emit(task_added_event(first))
        wait_until(lambda: "10.1.14.2" in cached(), 7)  # saved within 5 s of the last save
        second = new_task(state, "second", "10.1.14.3", 31701, index=2)
        master.emit(task_added_event(second))
        wait_until(lambda: a_records(agent, "second.marathon.mesos") == ["10.1.14.3"], 5)
        self.assertNotIn("10.1.14.3", cached())  # within 5 s of the last save: later
        wait_until(lambda: "10.1.14.3" in cached(), 7)
        third = new_task(state, "third", "10.1.14.4", 31702, index=3)
        master.emit(task_added_event(third))
        wait_until(lambda: a_records(agent, "third.marathon.mesos") == ["10.1.14.4"], 5)
        self.assertEqual(agent.stop(), 0)  # the newest version is saved on the way out
        self.assertIn("10.1.14.4", cached())

    def test_an_agent_removed_takes_its_tasks_away_at_once_though_the_set_shrinks_below_min_record_ratio(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.1.%d" % i for i in range(1, 9)])
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        self.assertEqual(len(a_records(agent)), 8)
        mark = agent.log_mark()
        master.emit(agent_removed_event(state["slaves"][0]["id"]))
        wait_until(lambda: a_records(agent) == "NXDOMAIN", 5)
        self.assertNotIn("below minRecordRatio", agent.log()[mark:])  # announced by the master: no guard

    def test_follows_the_redirect_of_a_non_leading_master_to_the_leader(self):
        leader = fake_master(self)
        other = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.1.2.1"])
        other.redirect_to = "http://%s/master/state" % leader.address
        agent = self.hub(other)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.2.1"])
        agent.wait_log(r"master 127\.0\.0\.1:%d says the leader is 127\.0\.0\.1:%d; subscribing there"
                       % (other.port, leader.port))
        self.assertEqual(leader.streams, 1)
        self.assertEqual(a_records(agent, "leader.mesos"), [LOOPBACK])

    def test_subscribes_again_when_the_stream_ends_and_takes_the_new_snapshot(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.3.1"])
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        after = copy.deepcopy(state)
        after["frameworks"][0]["tasks"].append(new_task(state, "api", "10.1.3.9", 31600))
        mark = agent.log_mark()
        master.state = after
        master.end_streams()  # as a leader that loses its leadership
        agent.wait_log(r"event stream from leading master .* ended: the master closed it; subscribing again",
                       since=mark)
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == ["10.1.3.9"], 5)
        self.assertEqual(master.subscribes, 2)
        self.assertEqual(a_records(agent), ["10.1.3.1"])

    def test_a_stream_that_misses_three_heartbeats_is_ended_and_subscribed_again(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.4.1"])
        master.heartbeat_interval = 0.5
        agent = self.hub(master)
        agent.wait_loaded()
        time.sleep(2)  # heartbeats keep it
        self.assertEqual(master.subscribes, 1)
        mark = agent.log_mark()
        master.heartbeats = False  # a master that hangs (the connection stays open)
        master.end_streams()
        agent.wait_log(r"no event or heartbeat from leading master 127\.0\.0\.1:%d for 1\.5 s" % master.port,
                       since=mark, timeout=10)
        wait_until(lambda: master.subscribes >= 3, 10)
        self.assertEqual(a_records(agent), ["10.1.4.1"])  # served throughout

    def test_polls_the_state_when_the_master_does_not_offer_the_event_stream(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.5.1"])
        master.api = False  # older than Mesos 1.0: /api/v1 is 404
        agent = self.hub(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.5.1"])
        agent.wait_log(r"does not take SUBSCRIBE \(HTTP 404.*polling /master/state every refreshSeconds instead")
        self.assertGreaterEqual(master.requests, 1)

    def test_polls_when_the_leader_a_non_leader_redirects_to_has_no_subscribe_call(self):
        leader = fake_master(self)
        other = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.1.5.2"])
        leader.api = "1.0"
        other.redirect_to = "http://%s/master/state" % leader.address
        agent = self.hub(other)
        agent.wait_loaded()
        agent.wait_log(r"does not take SUBSCRIBE \(HTTP 400.*polling /master/state every refreshSeconds instead")
        self.assertEqual(a_records(agent), ["10.1.5.2"])
        self.assertGreaterEqual(leader.requests, 1)

    def test_a_snapshot_held_back_by_min_record_ratio_is_not_published_by_the_events_after_it(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.12.%d" % i for i in range(1, 9)])
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        self.assertEqual(len(a_records(agent)), 8)
        # A new subscription whose snapshot has lost most tasks (a master that looks wrong).
        shrunk = copy.deepcopy(state)
        shrunk["frameworks"][0]["tasks"] = shrunk["frameworks"][0]["tasks"][:1]
        master.state = shrunk
        mark = agent.log_mark()
        master.end_streams()
        agent.wait_log(r"below minRecordRatio 0\.5, so it looks wrong", since=mark)
        # An event about the one task left: the held set must not come in with it.
        kept = shrunk["frameworks"][0]["tasks"][0]
        status = dict(kept["statuses"][-1], healthy=True, timestamp=time.time())
        master.emit(task_updated_event(kept, "TASK_RUNNING", status))
        agent.wait_log(r"below minRecordRatio 0\.5", since=agent.log_mark())
        self.assertEqual(len(a_records(agent)), 8)

    def test_a_stream_that_ends_soon_after_it_began_is_asked_again_with_a_growing_pause(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.13.1"])
        agent = self.hub(master)
        agent.wait_loaded()
        master.end_streams()  # as a master evicting its oldest subscriber
        agent.wait_log(r"subscribing again in 0\.5 s \(it ran less than a minute; 1 such in a row\)")
        wait_until(lambda: master.subscribes >= 2 and master.streams == 1, 5)
        master.end_streams()
        agent.wait_log(r"subscribing again in 1\.0 s \(it ran less than a minute; 2 such in a row\)")
        wait_until(lambda: master.subscribes >= 3, 5)
        self.assertEqual(a_records(agent), ["10.1.13.1"])

    def test_a_master_without_a_leader_is_asked_again_within_seconds(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.6.1"])
        master.status = 503
        agent = self.hub(master)
        agent.wait_log(r"refresh failed: no master took the event stream subscription .*HTTP 503 \(No leader elected\)")
        master.status = 200
        agent.wait_loaded(timeout=5)  # 0.5 s, 1, 2, ... not refreshSeconds
        self.assertEqual(a_records(agent), ["10.1.6.1"])

    def test_framework_records_take_the_scheduler_pid_from_the_state_summary(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.7.1"])
        agent = self.hub(master)
        agent.wait_loaded()
        wait_until(lambda: master.summaries >= 1, 5)

        def framework_srv():
            return [r.split()[2] for r in agent.dig("_framework._tcp.marathon.mesos", "SRV").rdatas("SRV")]
        wait_until(lambda: framework_srv() == ["8080"], 5)  # the port is only in the PID

    def test_healthy_only_leaves_out_a_task_whose_health_check_fails_by_its_event(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.8.1", "10.1.8.2"])
        for t in state["frameworks"][0]["tasks"]:
            t["statuses"][-1]["healthy"] = True
        master.state = state
        agent = self.hub(master, healthyOnly=True)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.8.1", "10.1.8.2"])
        sick = state["frameworks"][0]["tasks"][1]
        status = dict(sick["statuses"][-1], healthy=False, timestamp=time.time())
        master.emit(task_updated_event(sick, "TASK_RUNNING", status))
        wait_until(lambda: a_records(agent) == ["10.1.8.1"], 5)
        status = dict(status, healthy=True, timestamp=time.time())
        master.emit(task_updated_event(sick, "TASK_RUNNING", status))
        wait_until(lambda: a_records(agent) == ["10.1.8.1", "10.1.8.2"], 5)

    def test_after_a_leader_change_the_tasks_of_agents_still_to_re_register_stay_until_they_do(self):
        first = fake_master(self)
        second_master = fake_master(self)
        state, other = with_api_on_a_second_agent(first.pid)
        first.state = state
        http_port = free_port()
        agent = self.hub(first, second_master, httpon=True, httpListener=LOOPBACK, httpPort=http_port)
        agent.wait_loaded()
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.1.9.5"])
        # The second master is elected: agent 1 has not re-registered, so its task is unknown to it.
        after = failed_over(state, other)
        second_master.state = after
        second_master.heartbeat_interval = 1.0  # an agent's tasks not announced again go at the next one
        mark = agent.log_mark()
        first.redirect_to = "http://%s/master/state" % second_master.address
        first.end_streams()
        agent.wait_log(r"subscribed to the event stream of leading master 127\.0\.0\.1:%d" % second_master.port,
                       since=mark)
        agent.wait_log(r"lists 1 agents still to re-register: keeping the [1-9]\d* records of their 1 tasks",
                       since=mark)
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.1.9.5"])  # held
        self.assertRegex(http_get(http_port, "/metrics"), r'mesos_dns_agent_records_held\{reason="failover"\} [1-9]')
        # Events meanwhile do not drop it, and what the master announces applies at once, the end
        # of a task on an agent that is back too (a set-wide hold would keep web 10.1.9.1).
        web2 = new_task(after, "web", "10.1.9.2", 31002, index=2)
        second_master.emit(task_added_event(web2))
        wait_until(lambda: a_records(agent) == ["10.1.9.1", "10.1.9.2"], 5)
        web1 = after["frameworks"][0]["tasks"][0]
        second_master.emit(task_updated_event(web1, "TASK_KILLED", {"state": "TASK_KILLED", "timestamp": time.time()}))
        wait_until(lambda: a_records(agent) == ["10.1.9.2"], 5)
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.1.9.5"])
        # Agent 1 re-registers without api (it ended meanwhile): gone at the next heartbeat.
        mark = agent.log_mark()
        second_master.emit(agent_added_event(other))
        agent.wait_log(r"no records held for agents to re-register any more", since=mark)
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == "NXDOMAIN", 5)

    def test_a_hub_started_during_a_failover_keeps_its_cache_files_records_of_agents_still_to_re_register(self):
        master = fake_master(self)
        state, other = with_api_on_a_second_agent(master.pid)
        master.state = state
        agent = self.hub(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.1.9.5"])
        cache = os.path.join(agent.dir, "state", "records.cache")
        wait_until(lambda: os.path.exists(cache), 5, message="no cache file written")
        self.assertEqual(agent.stop(), 0)
        # While the hub is down, a new leader is elected that agent 1 has not re-registered with yet.
        master.state = failed_over(state, other)
        agent.start(wait=False)  # a new log
        # The stream's model has nothing of its own to keep: the set-wide guard keeps the cache's.
        agent.wait_log(r"has 1 agents still to re-register since the leader's election, and their tasks are "
                       r"missing from its state: keeping [1-9]\d* records")
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.1.9.5"])
        self.assertEqual(a_records(agent), ["10.1.9.1"])
        # Agent 1 re-registers without api (it ended meanwhile): nothing is held any more.
        mark = agent.log_mark()
        master.emit(agent_added_event(other))
        agent.wait_log(r"no records held for agents to re-register any more", since=mark)
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == "NXDOMAIN", 5)

    @in_private_namespaces
    def test_host_names_are_looked_up_again_every_refresh_seconds_while_only_tasks_change(self):
        # A private /etc/hosts names the agent; nothing is looked up outside these namespaces.
        write_resolv_conf("10.0.0.77 agent-a.test\n", "/etc/hosts")
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.7.1"])
        state["slaves"][0]["pid"] = "slave(1)@agent-a.test:5051"
        master.state = state
        agent = self.hub(master, refreshSeconds=2)
        agent.wait_loaded()
        self.assertEqual(a_records(agent, "slave.mesos"), ["10.0.0.77"])
        # The agent's name moves to another address; the master announces tasks only.
        write_resolv_conf("10.0.0.78 agent-a.test\n", "/etc/hosts")
        time.sleep(2.5)
        master.emit(task_added_event(new_task(state, "api", "10.1.7.9", 31700)))
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == ["10.1.7.9"], 5)
        self.assertEqual(a_records(agent, "slave.mesos"), ["10.0.0.78"])
        self.assertEqual(a_records(agent), ["10.1.7.1"])


if __name__ == "__main__":
    unittest.main()
