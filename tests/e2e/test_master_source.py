"""The agent against HTTP servers playing Mesos masters: finding the leader, following it when it
moves, and riding out masters that are down or answer nonsense."""
import gzip
import json
import re
import time
import unittest

import urllib.request

from harness import (LOOPBACK, a_records, app_state, down_master_address, fake_master, free_port, leader_srv_port,
                     make_state, require_dig, self_signed_cert, slave, start_agent, task, temp_dir, wait_until)


def http_get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return r.read().decode()

REFRESH = {"refreshSeconds": 1, "stateTimeoutSeconds": 3}


class MasterSourceTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        self.http_port = free_port()

    def agent_for(self, *masters, **config):
        cfg = dict(REFRESH, masters=[m if isinstance(m, str) else m.address for m in masters])
        cfg.update(config)
        return start_agent(self, cfg)

    def test_serves_records_from_leading_master(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.0.1", "10.1.0.2"])
        agent = self.agent_for(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.0.1", "10.1.0.2"])
        self.assertEqual(a_records(agent, "leader.mesos"), [LOOPBACK])
        self.assertEqual(leader_srv_port(agent), master.port)
        self.assertGreaterEqual(master.requests, 1)
        agent.wait_log(r"leading master is 127\.0\.0\.1:%d" % master.port)

    def test_sends_basic_credentials_when_mesos_authentication_is_basic(self):
        master = fake_master(self, basic_auth=("dns-agent", "s3cret"))
        master.state = app_state(master.pid, "web", task_ips=["10.1.0.7"])
        agent = self.agent_for(master, MesosAuthentication="basic",
                               MesosCredentials={"principal": "dns-agent", "secret": "s3cret"})
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.0.7"])

    def test_wrong_credentials_are_a_refresh_failure_naming_the_status(self):
        master = fake_master(self, basic_auth=("dns-agent", "s3cret"))
        master.state = app_state(master.pid, "web", task_ips=["10.1.0.7"])
        agent = self.agent_for(master, MesosAuthentication="basic",
                               MesosCredentials={"principal": "dns-agent", "secret": "wrong"})
        agent.wait_log(r"failed: HTTP 401")
        self.assertEqual(agent.dig("web.marathon.mesos", "A").status, "SERVFAIL")

    def test_fetches_state_over_https_checked_against_ca_cert_file(self):
        with temp_dir() as d:
            cert, key = self_signed_cert(d)
            master = fake_master(self, tls=(cert, key))
            master.state = app_state(master.pid, "web", task_ips=["10.1.0.8"])
            agent = self.agent_for(master, MesosHTTPSOn=True, CACertFile=cert)
            agent.wait_loaded()
            self.assertEqual(a_records(agent), ["10.1.0.8"])

    def test_https_master_with_unknown_certificate_is_refused(self):
        with temp_dir() as d:
            cert, key = self_signed_cert(d)
            master = fake_master(self, tls=(cert, key))
            master.state = app_state(master.pid, "web", task_ips=["10.1.0.8"])
            agent = self.agent_for(master, MesosHTTPSOn=True)  # the system CAs do not know it
            agent.wait_log(r"state fetch from master .* failed: .*(certificate|SSL)")
            self.assertEqual(agent.dig("web.marathon.mesos", "A").status, "SERVFAIL")

    def test_master_given_by_host_name_is_resolved_at_start(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.1.0.3"])
        agent = self.agent_for("localhost:%d" % master.port)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.1.0.3"])
        agent.wait_log(r"master localhost:%d is 127\.0\.0\.1" % master.port)
        self.assertEqual(a_records(agent, "master0.mesos"), [LOOPBACK])

    def test_follows_leader_named_by_non_leading_master(self):
        leader = fake_master(self)
        follower = fake_master(self)
        # The follower's own (stale, partial) view names the leader; only the leader's state counts.
        follower.state = app_state(leader.pid, "web", task_ips=["10.9.9.9"])
        leader.state = app_state(leader.pid, "web", task_ips=["10.2.0.2"])
        agent = self.agent_for(follower)  # the leader is not in the config: it is found through the follower
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.2.0.2"])
        self.assertEqual(leader_srv_port(agent), leader.port)
        self.assertGreaterEqual(leader.requests, 1)
        self.assertGreaterEqual(follower.requests, 1)

    def test_follows_redirect_from_non_leading_master(self):
        leader = fake_master(self)
        follower = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.3.0.3"])
        # As a Mesos 1.x master that is not leading: 307 to "//leader:port/master/state".
        follower.redirect_to = "//%s/master/state" % leader.address
        follower.state = app_state(follower.pid, "web", task_ips=["10.9.9.9"])  # never to be served
        agent = self.agent_for(follower)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.3.0.3"])
        self.assertEqual(leader_srv_port(agent), leader.port)
        self.assertGreaterEqual(follower.requests, 1)
        self.assertGreaterEqual(leader.requests, 1)

    def test_follows_absolute_redirect_from_non_leading_master(self):
        leader = fake_master(self)
        follower = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.3.0.4"])
        follower.redirect_to = leader.url
        agent = self.agent_for(follower)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.3.0.4"])

    def test_skips_master_that_is_down(self):
        leader = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.4.0.4"])
        down = down_master_address()
        agent = self.agent_for(down, leader)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.4.0.4"])
        agent.wait_log(r"state fetch from master %s failed" % re.escape(down))

    def test_skips_master_that_does_not_answer_within_state_timeout(self):
        slow = fake_master(self)
        slow.state = app_state(slow.pid, "web", task_ips=["10.9.9.9"])
        slow.delay = 8.0  # longer than stateTimeoutSeconds
        leader = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.4.0.5"])
        agent = self.agent_for(slow, leader, stateTimeoutSeconds=1)
        agent.wait_loaded(timeout=6)
        self.assertEqual(a_records(agent), ["10.4.0.5"])
        agent.wait_log(r"state fetch from master 127\.0\.0\.1:%d failed" % slow.port)

    def test_keeps_serving_previous_records_when_master_returns_garbage(self):
        master = fake_master(self)
        good = app_state(master.pid, "web", task_ips=["10.5.0.1", "10.5.0.2"])
        master.state = good
        agent = self.agent_for(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.5.0.1", "10.5.0.2"])
        good_text = json.dumps(good)
        bad_answers = [
            ("not JSON", dict(body=b"<html><body>Service Unavailable</body></html>", status=200),
             r"refused: not valid JSON"),
            ("HTTP 503", dict(body=good_text, status=503), r"failed: HTTP 503"),
            ("truncated JSON", dict(body=good_text[: len(good_text) // 2], status=200), r"refused: not valid JSON"),
            ("JSON without a leader", dict(body=json.dumps({"frameworks": [], "slaves": []}), status=200),
             r"refused: no \"leader\""),
            ("a JSON array", dict(body=b"[1, 2, 3]", status=200), r"refused: expected a JSON object"),
            ("empty body", dict(body=b"", status=200), r"refused: not valid JSON"),
        ]
        for what, answer, reason in bad_answers:
            with self.subTest(what):
                mark = agent.log_mark()
                master.body, master.status = answer["body"], answer["status"]
                agent.wait_log(r"master 127\.0\.0\.1:%d[^\n]*%s" % (master.port, reason), since=mark)
                agent.wait_log(r"refresh failed: no master gave a leader's state[^\n]*still serving the previous "
                               r"records \(\d+ names from master [^\n]*, loaded \d+ s ago\)", since=mark)
                self.assertEqual(a_records(agent), ["10.5.0.1", "10.5.0.2"])
        # A good state again: the agent takes it.
        master.body, master.status = None, 200
        master.state = app_state(master.pid, "web", task_ips=["10.5.0.3"])
        wait_until(lambda: a_records(agent) == ["10.5.0.3"], 8, message="new records not picked up")

    def test_keeps_serving_previous_records_when_all_masters_are_down(self):
        leader = fake_master(self)
        follower = fake_master(self)
        leader.state = app_state(leader.pid, "web", task_ips=["10.6.0.1"])
        follower.state = app_state(leader.pid, "web", task_ips=[])
        agent = self.agent_for(leader, follower)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.6.0.1"])
        mark = agent.log_mark()
        leader.stop()
        follower.stop()
        agent.wait_log(r"refresh failed: no master gave a leader's state", since=mark)
        # Two failed refreshes in a row, to be sure the failure is not a one-off.
        mark = agent.log_mark()
        agent.wait_log(r"refresh failed: no master gave a leader's state", since=mark)
        self.assertEqual(a_records(agent), ["10.6.0.1"])
        self.assertEqual(agent.dig("nothing-here.mesos", "A").status, "NXDOMAIN")
        # And it comes back when the leader does.
        leader.state = app_state(leader.pid, "web", task_ips=["10.6.0.2"])
        leader.start()
        wait_until(lambda: a_records(agent) == ["10.6.0.2"], 8, message="records not refreshed after masters returned")

    def test_picks_up_leader_change(self):
        a = fake_master(self)
        b = fake_master(self)
        a.state = app_state(a.pid, "web", task_ips=["10.7.0.1"])
        b.state = make_state(a.pid)  # a non-leading master names the leader, knows no tasks
        agent = self.agent_for(a, b)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.7.0.1"])
        self.assertEqual(leader_srv_port(agent), a.port)
        # Leadership moves to b; a, still up, now names b.
        b.state = app_state(b.pid, "web", task_ips=["10.7.0.2"])
        a.state = make_state(b.pid)
        wait_until(lambda: a_records(agent) == ["10.7.0.2"], 8, message="answers did not follow the new leader")
        self.assertEqual(leader_srv_port(agent), b.port)
        agent.wait_log(r"leading master is 127\.0\.0\.1:%d" % b.port)

    def test_a_state_changed_only_where_dns_does_not_read_keeps_the_records_and_serial_and_a_task_change_is_served(self):
        # A busy master's state changes on every poll (offers, resources): the records do not, so
        # they are confirmed without being generated again, and the serial (what secondaries
        # check) stays.
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.1.0.1"])
        state["slaves"][0]["used_resources"] = {"cpus": 1.0}
        master.state = state
        agent = start_agent(self, dict(REFRESH, masters=[master.address]), extra_args=["-v"])
        agent.wait_loaded()
        serial = agent.dig("mesos", "SOA").answer[0].rdata.split()[2]
        for cpus in (2.0, 3.0):
            state = json.loads(json.dumps(state))
            state["slaves"][0]["used_resources"] = {"cpus": cpus}
            mark = agent.log_mark()
            master.state = state
            agent.wait_log(r"the same tasks, agents and settings as the records served: not generated again", since=mark)
        self.assertEqual(agent.dig("mesos", "SOA").answer[0].rdata.split()[2], serial)
        self.assertEqual(a_records(agent), ["10.1.0.1"])
        # One task's address changes: generated and served.
        state = json.loads(json.dumps(state))
        for status in state["frameworks"][0]["tasks"][0]["statuses"]:
            if "container_status" in status:
                status["container_status"]["network_infos"][0]["ip_addresses"] = [{"ip_address": "10.1.0.9"}]
        master.state = state
        wait_until(lambda: a_records(agent) == ["10.1.0.9"], 8, message="the changed task was not served")
        self.assertNotEqual(agent.dig("mesos", "SOA").answer[0].rdata.split()[2], serial)

    def test_reads_a_gzipped_state_as_a_mesos_master_sends_it_in_one_member_or_several(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.6.0.1", "10.6.0.2"])
        master.gzip = True
        agent = self.agent_for(master)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.6.0.1", "10.6.0.2"])
        self.assertIn("gzip", master.accept_encodings[-1])
        # Two gzip members one after the other are one body (RFC 1952).
        text = json.dumps(app_state(master.pid, "web", task_ips=["10.6.0.3"])).encode()
        master.gzip = gzip.compress(text[:100]) + gzip.compress(text[100:])
        wait_until(lambda: a_records(agent) == ["10.6.0.3"], 8, message="the two-member body was not read")

    def test_a_body_that_does_not_decode_or_comes_in_an_encoding_not_asked_for_is_refused_keeping_the_records(self):
        master = fake_master(self)
        good = app_state(master.pid, "web", task_ips=["10.6.1.1"])
        master.state = good
        master.gzip = True
        agent = self.agent_for(master)
        agent.wait_loaded()
        packed = gzip.compress(json.dumps(good).encode())
        bad = [
            ("corrupt gzip", dict(gzip=packed[:20] + b"\x00" * 40 + packed[60:]), r"gzip body cannot be decoded \("),
            ("gzip cut short", dict(gzip=packed[: len(packed) // 2]), r"gzip body cannot be decoded \(cut short\)"),
            ("brotli", dict(gzip=False, content_encoding="br"),
             r'answer in Content-Encoding "br", which was not asked for'),
        ]
        for what, change, reason in bad:
            with self.subTest(what):
                mark = agent.log_mark()
                master.gzip = change.get("gzip", master.gzip)
                master.content_encoding = change.get("content_encoding")
                agent.wait_log(r"state fetch from master 127\.0\.0\.1:%d failed: %s" % (master.port, reason), since=mark)
                self.assertEqual(a_records(agent), ["10.6.1.1"])
        master.gzip, master.content_encoding = True, None
        master.state = app_state(master.pid, "web", task_ips=["10.6.1.2"])
        wait_until(lambda: a_records(agent) == ["10.6.1.2"], 8, message="a good state again was not taken")

    def test_picks_up_new_leader_when_old_leader_goes_down(self):
        a = fake_master(self)
        b = fake_master(self)
        a.state = app_state(a.pid, "web", task_ips=["10.8.0.1"])
        b.state = make_state(a.pid)
        agent = self.agent_for(a, b)
        agent.wait_loaded()
        self.assertEqual(a_records(agent), ["10.8.0.1"])
        a.stop()
        b.state = app_state(b.pid, "web", task_ips=["10.8.0.2"])
        wait_until(lambda: a_records(agent) == ["10.8.0.2"], 8, message="answers did not follow the new leader")
        self.assertEqual(leader_srv_port(agent), b.port)

    def test_answers_servfail_before_first_load_then_serves_records(self):
        master = fake_master(self)
        master.stop()
        agent = self.agent_for(master)  # waits until the port answers, whatever the rcode
        for _ in range(3):
            self.assertEqual(agent.dig("web.marathon.mesos", "A").status, "SERVFAIL")
            self.assertEqual(agent.dig("mesos", "SOA").status, "SERVFAIL")
        self.assertEqual(agent.dig("example.com", "A").status, "REFUSED")
        agent.wait_log(r"refresh failed: no master gave a leader's state")
        self.assertEqual(agent.dig("web.marathon.mesos", "A").status, "SERVFAIL")
        master.state = app_state(master.pid, "web", task_ips=["10.9.0.1"])
        master.start()
        wait_until(lambda: a_records(agent) == ["10.9.0.1"], 8, message="no records after the master came up")
        self.assertEqual(agent.dig("nothing-here.mesos", "A").status, "NXDOMAIN")

    def test_stops_promptly_on_sigterm_while_a_state_fetch_is_pending(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.9.2.1"])
        agent = self.agent_for(master, stateTimeoutSeconds=60)
        agent.wait_loaded()
        master.delay = 30.0  # the next fetch hangs
        master.wait_for_requests(1)
        started = time.monotonic()
        returncode = agent.stop(timeout=20)
        self.assertLess(time.monotonic() - started, 5.0, "SIGTERM must not wait for a pending state fetch")
        self.assertEqual(returncode, 0, agent.log())
        self.assertIn("received SIGTERM, stopping", agent.log())

    def test_a_state_that_shrank_below_min_record_ratio_is_held_back_for_min_record_hold_seconds(self):
        master = fake_master(self)
        many = ["10.4.0.%d" % i for i in range(1, 41)]
        master.state = app_state(master.pid, "web", task_ips=many)
        agent = self.agent_for(master, minRecordHoldSeconds=4)
        agent.wait_loaded()
        self.assertEqual(len(a_records(agent)), 40)
        # A master that lost its frameworks for a moment: far fewer records.
        master.state = app_state(master.pid, "other", task_ips=["10.4.1.1"])
        mark = agent.log_mark()
        agent.wait_log(r"below minRecordRatio 0\.5, so it looks wrong; still serving the previous records", since=mark)
        self.assertEqual(len(a_records(agent)), 40)
        # Back before the window ends: the hold is over, nothing was lost.
        master.state = app_state(master.pid, "web", task_ips=many)
        time.sleep(2)
        master.state = app_state(master.pid, "other", task_ips=["10.4.1.1"])
        mark = agent.log_mark()
        agent.wait_log(r"smaller sets have come for 0\.0 s", since=mark)
        # Smaller sets for minRecordHoldSeconds in a row: the cluster really is that small now.
        agent.wait_log(r"smaller record sets have come for [4-9]\.\d+ s \(minRecordHoldSeconds 4\.0\); serving the smaller set",
                       since=mark, timeout=15)
        wait_until(lambda: a_records(agent, "other.marathon.mesos") == ["10.4.1.1"], 5)
        self.assertEqual(a_records(agent), "NXDOMAIN")

    def test_right_after_a_leader_change_the_tasks_of_agents_still_to_re_register_stay(self):
        master = fake_master(self)
        state = app_state(master.pid, "web", task_ips=["10.4.3.1", "10.4.3.2"])
        second = slave(1, "10.0.0.11")
        state["slaves"].append(second)
        state["frameworks"][0]["tasks"].append(task("api.00000000-1111-2222-3333-000000000001", "api", second,
                                                    ip="10.4.4.1", ports=[32000]))
        state["elected_time"] = time.time() - 3600
        master.state = state
        agent = self.agent_for(master, httpon=True, httpListener=LOOPBACK, httpPort=self.http_port)
        agent.wait_loaded()
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.4.4.1"])
        # A new leader: agent 1 has not re-registered yet, so the leader lists it in recovered_slaves
        # and none of its tasks (api); a task was started meanwhile (web 10.4.3.3).
        after = json.loads(json.dumps(state))
        after["elected_time"] = time.time() - 5
        after["slaves"] = [s for s in after["slaves"] if s["id"] != second["id"]]
        after["recovered_slaves"] = [{"id": second["id"], "hostname": second["hostname"]}]
        after["frameworks"][0]["tasks"] = [t for t in after["frameworks"][0]["tasks"] if t["name"] != "api"]
        after["frameworks"][0]["tasks"].append(task("web.00000000-aaaa-bbbb-cccc-000000000009", "web",
                                                    after["slaves"][0], ip="10.4.3.3", ports=[31009]))
        mark = agent.log_mark()
        master.state = after
        agent.wait_log(r"has 1 agents still to re-register since the leader's election.*keeping \d+ records", since=mark)
        wait_until(lambda: a_records(agent, "web.marathon.mesos") == ["10.4.3.1", "10.4.3.2", "10.4.3.3"], 5)
        self.assertEqual(a_records(agent, "api.marathon.mesos"), ["10.4.4.1"])  # still there
        self.assertRegex(http_get(self.http_port, "/metrics"), r'mesos_dns_agent_records_held\{reason="failover"\} [1-9]')
        # The agent re-registers without api (it ended meanwhile): gone at once.
        back = json.loads(json.dumps(after))
        del back["recovered_slaves"]
        back["slaves"].append(second)
        mark = agent.log_mark()
        master.state = back
        agent.wait_log(r"no records held for agents to re-register any more", since=mark)
        wait_until(lambda: a_records(agent, "api.marathon.mesos") == "NXDOMAIN", 5)
        self.assertEqual(a_records(agent, "web.marathon.mesos"), ["10.4.3.1", "10.4.3.2", "10.4.3.3"])

    def test_min_record_ratio_zero_swaps_in_any_set(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.4.2.%d" % i for i in range(1, 21)])
        agent = self.agent_for(master, minRecordRatio=0)
        agent.wait_loaded()
        master.state = app_state(master.pid, "other", task_ips=["10.4.3.1"])
        wait_until(lambda: a_records(agent, "other.marathon.mesos") == ["10.4.3.1"], 8, message=agent.log)

    def test_refuses_names_outside_domain(self):
        master = fake_master(self)
        master.state = app_state(master.pid, "web", task_ips=["10.9.1.1"])
        agent = self.agent_for(master, domain="cluster.example")
        agent.wait_loaded()
        self.assertEqual(a_records(agent, "web.marathon.cluster.example"), ["10.9.1.1"])
        for name in ["example.com", "web.marathon.mesos", "mesos", "xcluster.example", "cluster.example.org",
                     "web.marathon.cluster.example.com", "example"]:
            with self.subTest(name):
                r = agent.dig(name, "A")
                self.assertEqual(r.status, "REFUSED", r)
                self.assertEqual(r.answer, [])
                self.assertNotIn("aa", r.flags)
        self.assertEqual(agent.dig("WEB.Marathon.Cluster.EXAMPLE", "A").status, "NOERROR")


if __name__ == "__main__":
    unittest.main()
