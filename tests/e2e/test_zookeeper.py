"""ZooKeeper leader detection (`zk`) against a real ZooKeeper server: the agent asks the master
that ZooKeeper elects (the lowest json.info_ sequence), follows a new election within a couple of
seconds, skips znodes that are not usable masters, and falls back to `masters` when ZooKeeper
names no leader for zkDetectionTimeout, serving the last good records all along."""
import signal
import time
import unittest

from harness import (LOOPBACK, Agent, a_records, app_state, fake_master, free_port, leader_srv_port, require_dig,
                     run_agent_command, start_agent, wait_until)
from zookeeper import ZooKeeperServer, measure, require_zookeeper, session, zookeeper_server

# A long refresh interval: a change seen within seconds can only come from the ZooKeeper watch.
SLOW_REFRESH = {"refreshSeconds": 60, "stateTimeoutSeconds": 3}


def serving_master(test, task_ip):
    """A fake master whose state names itself the leader and runs `web` at task_ip."""
    m = fake_master(test)
    m.state = app_state(m.pid, "web", task_ips=[task_ip])
    return m


class ZooKeeperLeaderTest(unittest.TestCase):
    """Tests sharing one ZooKeeper server; each uses its own master group path."""

    @classmethod
    def setUpClass(cls):
        require_dig()
        require_zookeeper()
        cls.zk = ZooKeeperServer()
        try:
            cls.zk.start()
        except BaseException:
            cls.zk.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.zk.cleanup()

    def setUp(self):
        self.group = "/%s/mesos" % self._testMethodName

    def zk_url(self, *extra_hosts):
        return "zk://%s/%s" % (",".join(list(extra_hosts) + [self.zk.address]), self.group.lstrip("/"))

    def test_answers_from_master_elected_in_zookeeper(self):
        elected = serving_master(self, "10.2.0.2")
        other = serving_master(self, "10.9.9.9")
        session(self, self.zk).register(self.group, elected)  # lowest sequence: the leader
        session(self, self.zk).register(self.group, other)
        # Several hosts (one where nothing listens) and a two-level path; no `masters` at all.
        dead = "%s:%d" % (LOOPBACK, free_port())
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url(dead)))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.2.0.2"])
        self.assertEqual(leader_srv_port(agent), elected.port)
        self.assertEqual(a_records(agent, "leader.mesos"), [LOOPBACK])
        self.assertGreaterEqual(elected.requests, 1)
        self.assertEqual(other.requests, 0, "only the elected master is asked when it answers")
        agent.wait_log(r"ZooKeeper: leading master is 127\.0\.0\.1:%d \(%s/json\.info_\d{10}\)"
                       % (elected.port, self.group))

    def test_follows_leader_change_in_zookeeper(self):
        first = serving_master(self, "10.1.0.1")
        second = serving_master(self, "10.1.0.2")
        first_session = session(self, self.zk)
        first_session.register(self.group, first)
        session(self, self.zk).register(self.group, second)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url()))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.1.0.1"])
        self.assertEqual(leader_srv_port(agent), first.port)
        # The leader's session ends (its master died): its znode goes, the next lowest leads.
        mark = agent.log_mark()
        first_session.close()
        took = measure(lambda: a_records(agent) == ["10.1.0.2"], timeout=5)
        print("\nleader change picked up %.2f s after the leader's ZooKeeper session closed" % took)
        self.assertLess(took, 2.5)
        self.assertEqual(leader_srv_port(agent), second.port)
        agent.wait_log(r"ZooKeeper: leading master is 127\.0\.0\.1:%d" % second.port, since=mark)
        agent.wait_log(r"loaded .* from master 127\.0\.0\.1:%d" % second.port, since=mark)

    def test_a_hub_subscribes_to_the_master_elected_in_zookeeper_and_follows_a_new_election(self):
        first = serving_master(self, "10.1.1.1")
        second = serving_master(self, "10.1.1.2")
        first_session = session(self, self.zk)
        first_session.register(self.group, first)
        session(self, self.zk).register(self.group, second)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url(), subscribe=True))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.1.1.1"])
        self.assertEqual((first.streams, second.streams), (1, 0))
        # A new election while the old leader's stream still runs (a fake master does not exit).
        mark = agent.log_mark()
        first_session.close()
        wait_until(lambda: a_records(agent) == ["10.1.1.2"], 5)
        agent.wait_log(r"ZooKeeper names leading master 127\.0\.0\.1:%d while the event stream comes from "
                       r"127\.0\.0\.1:%d" % (second.port, first.port), since=mark)
        self.assertEqual(second.streams, 1)
        self.assertEqual((first.requests, second.requests), (0, 0))  # no /master/state polls

    def test_a_hub_whose_stream_runs_is_not_failed_by_zookeeper_naming_no_leader(self):
        master = serving_master(self, "10.1.1.5")
        leader_session = session(self, self.zk)
        leader_session.register(self.group, master)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url(), subscribe=True, zkDetectionTimeout=1))
        agent.wait_loaded(timeout=20)
        mark = agent.log_mark()
        leader_session.close()  # no master registered any more; the stream keeps running
        time.sleep(3)  # past zkDetectionTimeout
        self.assertNotIn("refresh failed", agent.log()[mark:])
        self.assertEqual(master.streams, 1)
        self.assertEqual(a_records(agent), ["10.1.1.5"])

    def test_member_with_broken_json_is_skipped_with_a_log_line(self):
        good = serving_master(self, "10.3.0.3")
        s = session(self, self.zk)
        broken = s.create(self.group + "/json.info_", b'{"address": {"ip": "127.0.0.1", "port"')  # lowest
        s.register(self.group, good)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url()))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.3.0.3"])
        agent.wait_log(r"ZooKeeper: %s is not a MasterInfo \(not JSON\); skipped" % broken)
        self.assertEqual(leader_srv_port(agent), good.port)

    def test_ignores_children_that_are_not_masters(self):
        elected = serving_master(self, "10.4.0.4")
        impostor = serving_master(self, "10.9.9.9")
        s = session(self, self.zk)
        # Lower sequence numbers than the real member, but not json.info_<digits>: the protobuf
        # "info_" nodes of old Mesos, Mesos's replicated log, and a name without a sequence.
        s.create(self.group + "/info_", {"address": {"ip": LOOPBACK, "port": impostor.port}})
        s.create(self.group + "/log_replicas", b"", ephemeral=False, sequence=False)
        s.create(self.group + "/json.info_x", {"address": {"ip": LOOPBACK, "port": impostor.port}}, sequence=False)
        s.register(self.group, elected)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url()))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.4.0.4"])
        self.assertEqual(impostor.requests, 0)

    def test_waits_for_first_master_to_register(self):
        master = serving_master(self, "10.5.0.5")
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url(), zkDetectionTimeout=60))
        agent.wait_log(r"ZooKeeper: no leading master: the znode %s does not exist" % self.group, timeout=20)
        self.assertEqual(agent.dig("web.marathon.mesos", "A").status, "SERVFAIL")
        session(self, self.zk).register(self.group, master)
        took = measure(lambda: a_records(agent) == ["10.5.0.5"], timeout=5)
        self.assertLess(took, 2.5)

    def test_peers_down_fall_back_to_master_elected_in_zookeeper(self):
        elected = serving_master(self, "10.6.1.1")
        session(self, self.zk).register(self.group, elected)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url(), peers=["%s:%d" % (LOOPBACK, free_port())]))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.6.1.1"])
        agent.wait_log(r"no peer gave records .* asking the masters")

    def test_reload_with_another_group_follows_its_leader(self):
        first = serving_master(self, "10.6.2.1")
        second = serving_master(self, "10.6.2.2")
        session(self, self.zk).register(self.group, first)
        session(self, self.zk).register(self.group + "-b", second)
        agent = start_agent(self, dict(SLOW_REFRESH, zk=self.zk_url()))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.6.2.1"])
        agent.write_file("config.json", dict(agent.config, zk=self.zk_url() + "-b"))
        agent.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: a_records(agent) == ["10.6.2.2"], 10, message="records from the new group's leader")
        agent.wait_log(r"ZooKeeper: watching the Mesos master group %s-b" % self.group)

    def test_dump_zone_asks_the_master_elected_in_zookeeper(self):
        elected = serving_master(self, "10.6.0.6")
        session(self, self.zk).register(self.group, elected)
        agent = Agent(dict(SLOW_REFRESH, zk=self.zk_url()))  # not started: for its config file
        self.addCleanup(agent.cleanup)
        r = run_agent_command(["-config", agent.config_path, "dump-zone"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"web\.marathon\.mesos\.\t\d+\tIN\tA\t10\.6\.0\.6")


class ZooKeeperOutageTest(unittest.TestCase):
    """ZooKeeper that is not there, or goes away: the agent falls back to `masters`."""

    def setUp(self):
        require_dig()
        require_zookeeper()

    def test_zookeeper_down_falls_back_to_masters_after_detection_timeout(self):
        master = serving_master(self, "10.7.0.7")
        dead_zk = "%s:%d" % (LOOPBACK, free_port())  # nothing listens there
        started = time.monotonic()
        agent = start_agent(self, dict(SLOW_REFRESH, zk="zk://%s/mesos" % dead_zk, masters=[master.address],
                                       zkDetectionTimeout=2))
        agent.wait_log(r"waiting up to [\d.]+ s \(zkDetectionTimeout\) for ZooKeeper")
        self.assertEqual(master.requests, 0, "masters are not asked before zkDetectionTimeout")
        agent.wait_loaded(timeout=15)
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 1.9)
        self.assertEqual(a_records(agent), ["10.7.0.7"])
        agent.wait_log(r"ZooKeeper has named no leading master for [\d.]+ s \(zkDetectionTimeout 2 s\): "
                       r"asking masters %s" % master.address)
        # The ZooKeeper client's own complaints are rate-limited, not one line per retry.
        self.assertLessEqual(agent.log().count("zookeeper client:"), 2, agent.log())

    def test_keeps_serving_last_good_records_when_zookeeper_goes_away(self):
        zk = zookeeper_server(self)
        master = serving_master(self, "10.8.0.1")
        fallback = serving_master(self, "10.8.0.9")
        fallback.state = app_state(master.pid, "web", task_ips=["10.9.9.9"])  # names `master` as leader
        session(self, zk).register("/mesos", master)
        agent = start_agent(self, dict(zk="zk://%s/mesos" % zk.address, masters=[fallback.address],
                                       refreshSeconds=1, stateTimeoutSeconds=3, zkDetectionTimeout=3))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.8.0.1"])
        mark = agent.log_mark()
        zk.stop()
        agent.wait_log(r"ZooKeeper: connection lost", since=mark, timeout=15)
        self.assertEqual(a_records(agent), ["10.8.0.1"])
        # The last leader is still asked: its news keeps arriving while ZooKeeper is away.
        master.state = app_state(master.pid, "web", task_ips=["10.8.0.2"])
        wait_until(lambda: a_records(agent) == ["10.8.0.2"], 10, message="records from the last leader")
        # After zkDetectionTimeout the configured masters are asked too; the last leader still answers first.
        agent.wait_log(r"ZooKeeper has named no leading master .* asking masters %s" % fallback.address, since=mark,
                       timeout=10)
        master.stop()
        fallback_requests = fallback.requests
        wait_until(lambda: fallback.requests > fallback_requests, 10, message="the configured master is asked")
        self.assertEqual(a_records(agent), ["10.8.0.2"], "the last good records are served throughout")

    def test_follows_leader_again_when_zookeeper_comes_back(self):
        zk = zookeeper_server(self)
        first = serving_master(self, "10.10.0.1")
        second = serving_master(self, "10.10.0.2")
        first_session = session(self, zk)
        first_session.register("/mesos", first)
        session(self, zk).register("/mesos", second)
        agent = start_agent(self, dict(SLOW_REFRESH, zk="zk://%s/mesos" % zk.address, zkDetectionTimeout=60))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.10.0.1"])
        mark = agent.log_mark()
        zk.stop()
        agent.wait_log(r"ZooKeeper: connection lost", since=mark, timeout=15)
        zk.start()
        # The client reconnects by itself and the group is read again. The first master still leads
        # when its own ZooKeeper session outlived the outage; when its client came back too late
        # (seen under ThreadSanitizer load: the server had expired the session and dropped its
        # node), the second leads, and the agent must name that one.
        agent.wait_log(r"ZooKeeper: leading master is 127\.0\.0\.1:(%d|%d)" % (first.port, second.port), since=mark,
                       timeout=30)
        first_session.wait_connected()
        first_session.close()
        took = measure(lambda: a_records(agent) == ["10.10.0.2"], timeout=5)
        self.assertLess(took, 2.5)

    def test_opens_a_new_session_when_a_rebuilt_zookeeper_refuses_the_old_one(self):
        zk = zookeeper_server(self)
        first = serving_master(self, "10.11.0.1")
        first_session = session(self, zk)
        first_session.register("/mesos", first)
        agent = start_agent(self, dict(SLOW_REFRESH, zk="zk://%s/mesos" % zk.address, zkDetectionTimeout=60))
        agent.wait_loaded(timeout=20)
        self.assertEqual(a_records(agent), ["10.11.0.1"])
        # The master leaves first, so that no session but the agent's outlives the ensemble.
        first_session.close()
        agent.wait_log(r"ZooKeeper: no leading master: no master is registered", timeout=10)
        mark = agent.log_mark()
        zk.stop()
        zk.forget()  # the server that comes back refuses the agent's old session (it has seen newer data)
        zk.start()
        agent.wait_log(r"ZooKeeper: no session for \d+ s; opening a new one", since=mark, timeout=40)
        self.assertEqual(a_records(agent), ["10.11.0.1"], "the last good records are served meanwhile")
        second = serving_master(self, "10.11.0.2")
        session(self, zk).register("/mesos", second)
        took = measure(lambda: a_records(agent) == ["10.11.0.2"], timeout=20)
        print("\nleader in the new session picked up in %.2f s" % took)

if __name__ == "__main__":
    unittest.main()
