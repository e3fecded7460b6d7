"""Extended DNS Errors (RFC 8914) as `dig` shows them: why a query failed or an answer is stale,
given only to askers that sent EDNS."""
import re
import time
import unittest

from harness import app_state, fake_master, free_port, start_agent, wait_until
from upstreams import LEADER, TIMEOUT, FakeUpstream, ForwardingTestCase, start_nsd, start_server

_EDE = re.compile(r"^; EDE: (\d+)(?: \(([^)]*)\))?(?::\s*\((.*)\))?", re.M)


def extended_error(r):
    """(info-code, EXTRA-TEXT) from dig's output, or None."""
    m = _EDE.search(r.text)
    return (int(m.group(1)), m.group(3) or "") if m else None


class ExtendedErrorsTest(ForwardingTestCase):
    def test_servfail_before_the_first_load_says_not_ready(self):
        master = fake_master(self)
        master.stop()
        agent = start_agent(self, {"masters": [master.address]})
        r = agent.dig("web.marathon.mesos", "A")
        self.assertEqual(r.status, "SERVFAIL", r)
        self.assertEqual(extended_error(r)[0], 14, r.text)
        self.assertIsNone(extended_error(agent.dig("web.marathon.mesos", "A", "+noedns")))

    def test_refused_asker_is_told_prohibited(self):
        agent = start_agent(self, {"stateFile": "state.json", "allowFrom": ["10.0.0.0/8"]},
                            files={"state.json": app_state(LEADER)}, wait=False)
        wait_until(lambda: agent.dig("web.marathon.mesos", "A").status == "REFUSED")
        r = agent.dig("web.marathon.mesos", "A")
        self.assertEqual(extended_error(r)[0], 18, r.text)

    def test_every_upstream_failing_says_no_reachable_authority(self):
        dead = start_server(self, FakeUpstream("blackhole"))
        agent = self.agent(["127.0.0.1:%d" % dead.port, "127.0.0.1:%d" % free_port()])
        r = agent.dig("www.example.test", "A", timeout=TIMEOUT + 3)
        self.assertEqual(r.status, "SERVFAIL", r)
        self.assertEqual(extended_error(r)[0], 22, r.text)

    def test_forwarded_answer_served_stale_says_stale_answer(self):
        nsd = start_nsd(self)
        agent = self.agent(["127.0.0.1:%d" % nsd.port], cacheMaxTTL=1)
        fresh = agent.dig("www.example.test", "A")
        self.assertEqual(fresh.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        self.assertIsNone(extended_error(fresh))
        nsd.stop()
        time.sleep(1.2)
        r = agent.dig("www.example.test", "A", timeout=TIMEOUT + 3)
        self.assertEqual(r.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        self.assertEqual(extended_error(r)[0], 3, r.text)

    def test_local_answers_older_than_max_stale_seconds_say_stale_answer_with_the_age(self):
        master = fake_master(self)
        master.state = app_state(master.pid)
        agent = start_agent(self, {"masters": [master.address], "refreshSeconds": 1, "maxStaleSeconds": 1})
        agent.wait_loaded()
        self.assertIsNone(extended_error(agent.dig("web.marathon.mesos", "A")))
        master.stop()
        wait_until(lambda: extended_error(agent.dig("web.marathon.mesos", "A")), timeout=10)
        r = agent.dig("web.marathon.mesos", "A")
        self.assertEqual(r.rdatas("A"), ["10.1.0.1"])  # still served
        code, text = extended_error(r)
        self.assertEqual(code, 3, r.text)
        self.assertRegex(text, r"records last confirmed \d+ s ago")
        master.start()
        wait_until(lambda: extended_error(agent.dig("web.marathon.mesos", "A")) is None, timeout=10)


if __name__ == "__main__":
    unittest.main()
