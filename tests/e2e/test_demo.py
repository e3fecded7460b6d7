"""The bundled demo (packaging/demo: config.json + state.json) serves what its README promises."""
import http.client
import json
import os
import shutil
import unittest

from harness import Agent, free_port, repo_root, require_dig

DEMO = os.path.join(repo_root(), "packaging", "demo")


class DemoTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        config_path = os.path.join(DEMO, "config.json")
        state_path = os.path.join(DEMO, "state.json")
        if not os.path.exists(config_path):
            self.fail("%s is missing" % config_path)
        if not os.path.exists(state_path):
            self.skipTest("%s does not exist yet (the demo's sample cluster state is written separately)"
                          % state_path)
        with open(config_path) as f:
            config = json.load(f)
        self.assertEqual(config.get("stateFile"), "state.json", "the demo config reads state.json next to it")
        # Run a copy on free ports: the demo's own (5353, 8123) may be taken.
        config["port"] = free_port()
        self.assertTrue(config.get("httpon"), "the demo shows the HTTP API too")
        config["httpPort"] = self.http_port = free_port()
        self.agent = Agent(config)
        self.addCleanup(self.agent.cleanup)
        shutil.copyfile(state_path, os.path.join(self.agent.dir, "state.json"))
        self.agent.start()
        self.agent.wait_loaded()

    def test_demo_app_has_two_a_records(self):
        r = self.agent.dig("myapp.dev.marathon.mesos", "A")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertIn("aa", r.flags)
        self.assertEqual(len(r.rdatas("A")), 2, r)
        self.assertEqual(len(set(r.rdatas("A"))), 2, "two distinct task addresses")

    def test_demo_app_has_two_srv_records_with_resolvable_targets(self):
        r = self.agent.dig("_myapp.dev._tcp.marathon.mesos", "SRV")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual(len(r.answer), 2, r)
        for rr in r.answer:
            target = rr.rdata.split()[3]
            with self.subTest(target=target):
                self.assertIn(target, [a.name for a in r.additional if a.type in ("A", "AAAA")])
                self.assertEqual(self.agent.dig(target, "A").status, "NOERROR")

    def test_demo_http_api_lists_the_apps_instances(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=5)
        conn.request("GET", "/v1/hosts/myapp.dev.marathon.mesos")
        hosts = json.loads(conn.getresponse().read())
        conn.close()
        self.assertEqual(sorted(h["ip"] for h in hosts), sorted(self.agent.dig("myapp.dev.marathon.mesos").rdatas("A")))

    def test_demo_serves_leader_and_soa(self):
        self.assertEqual(self.agent.dig("leader.mesos", "A").status, "NOERROR")
        soa = self.agent.dig("mesos", "SOA")
        self.assertEqual([rr.type for rr in soa.answer], ["SOA"], soa)


if __name__ == "__main__":
    unittest.main()
