"""What real clusters' states hold and how the agent takes it: PIDs with spaces inside their quotes,
names with spaces and UTF-8 (cache file, dump-zone), names left out (warned once, with the reason),
and a node that starts before its master answers (quick retries until the first load)."""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import (discovery, fake_master, framework, make_state, require_dig, run_agent_command,
                     slave, start_agent, task, temp_dir, wait_until)

NSD_CHECKZONE = shutil.which("nsd-checkzone") or "/usr/sbin/nsd-checkzone"


def quirky_state(leader):
    """A slave whose PID has spaces inside its quotes, a Marathon app whose discovery name has a
    space and UTF-8 ("search 31 é-disc"), one with a port named "web ui", and one whose dotted
    discovery name ends in a dot (an empty label: its names cannot be published)."""
    s = slave(0, "10.5.0.2", port=5052)
    s["hostname"] = "10.9.9.9"  # what a host name lookup would give; the PID has the address
    s["pid"] = "  slave(1)@10.5.0.2:5052  "
    tasks = [
        task("plain.00000000-0000-0000-0000-000000000001", "plain", s, ports=[31000]),
        task("odd.00000000-0000-0000-0000-000000000002", "odd", s, ip="10.6.0.1", ports=[31001],
             discovery=discovery("search 31 \u00e9-disc", [(31001, "web ui", "tcp")])),
        task("dotty.00000000-0000-0000-0000-000000000003", "dotty", s, ip="10.6.0.2",
             discovery=discovery("api.", [])),
    ]
    return make_state(leader, slaves=[s], frameworks=[framework("marathon", tasks)])


class StateQuirksTest(unittest.TestCase):
    def setUp(self):
        require_dig()

    def test_healthy_only_leaves_a_failing_instance_out_of_its_apps_names_and_takes_it_back(self):
        s = slave(0, "10.5.0.2")

        def state(failing):
            tasks = []
            for i in range(3):
                t = task("web.00000000-0000-0000-0000-00000000000%d" % i, "web", s, ip="10.7.0.%d" % (i + 1),
                         ports=[31000 + i])
                t["statuses"][-1]["healthy"] = i not in failing  # the Marathon health check's verdict
                tasks.append(t)
            return make_state("127.0.0.1:5050", slaves=[s], frameworks=[framework("marathon", tasks)])

        agent = start_agent(self, {"stateFile": "state.json", "refreshSeconds": 1, "healthyOnly": True},
                            files={"state.json": state({1})})
        agent.wait_loaded()
        self.assertEqual(agent.dig("web.marathon.mesos").rdatas("A"), ["10.7.0.1", "10.7.0.3"])
        self.assertEqual(len(agent.dig("_web._tcp.marathon.mesos", "SRV").rdatas("SRV")), 2)
        agent.wait_log(r"healthyOnly: 1 running tasks failing their health checks are left out")
        # All failing: all served (a failing answer beats none).
        agent.write_file("state.json", state({0, 1, 2}))
        wait_until(lambda: agent.dig("web.marathon.mesos").rdatas("A") == ["10.7.0.1", "10.7.0.2", "10.7.0.3"], 10)
        # The failing one recovered, another fails: the set follows at the next refresh.
        agent.write_file("state.json", state({0}))
        wait_until(lambda: agent.dig("web.marathon.mesos").rdatas("A") == ["10.7.0.2", "10.7.0.3"], 10)

    def test_slave_pid_with_spaces_inside_the_quotes_keeps_its_address(self):
        master = fake_master(self)
        master.state = quirky_state(master.pid)
        agent = start_agent(self, {"masters": [master.address], "refreshSeconds": 60})
        agent.wait_loaded()
        # The task has no container IP: its A record is the slave's address, from the trimmed PID.
        self.assertEqual(agent.dig("plain.marathon.mesos").rdatas("A"), ["10.5.0.2"])
        self.assertEqual(agent.dig("slave.mesos").rdatas("A"), ["10.5.0.2"])
        self.assertNotIn("10.9.9.9", agent.dig("slave.mesos").rdatas("A"))

    def test_names_with_spaces_and_utf8_survive_a_restart_from_the_cache_file_during_an_outage(self):
        master = fake_master(self)
        master.state = quirky_state(master.pid)
        config = {"masters": [master.address], "refreshSeconds": 1}
        agent = start_agent(self, config)
        agent.wait_loaded()
        odd = "search\\03231\\032\\195\\169-disc.marathon.mesos"
        self.assertEqual(agent.dig(odd).rdatas("A"), ["10.6.0.1"])
        wait_until(lambda: os.path.exists(os.path.join(agent.dir, "state", "records.cache")))
        agent.stop()
        master.stop()
        # The master is down: only the cache file can give the records, all of them.
        again = start_agent(self, dict(agent.config), workdir=None)
        again.wait_loaded()
        self.assertNotIn("bad A record", again.log())
        self.assertEqual(again.dig(odd).rdatas("A"), ["10.6.0.1"])
        srv = again.dig("_webui._" + odd.replace(".marathon.mesos", "") + "._tcp.marathon.mesos", "SRV")
        self.assertEqual(len(srv.answer), 1, srv)

    def test_dump_zone_of_names_with_spaces_and_utf8_loads_in_nsd_checkzone(self):
        with temp_dir() as d:
            state_path = os.path.join(d, "state.json")
            with open(state_path, "w") as f:
                json.dump(quirky_state("127.0.0.1:5050"), f)
            config = os.path.join(d, "config.json")
            with open(config, "w") as f:
                json.dump({"stateFile": "state.json", "stateDir": os.path.join(d, "state")}, f)
            r = run_agent_command(["-config", config, "dump-zone"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("search\\03231\\032\\195\\169-disc.marathon.mesos.\t", r.stdout)
            self.assertNotIn("search 31", r.stdout)
            zone = os.path.join(d, "mesos.zone")
            with open(zone, "w") as f:
                f.write(r.stdout)
            check = subprocess.run([NSD_CHECKZONE, "mesos", zone], capture_output=True, text=True, timeout=30)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertIn("zone mesos is ok", check.stdout + check.stderr)

    def test_names_left_out_are_warned_once_with_the_real_reason(self):
        master = fake_master(self)
        master.state = quirky_state(master.pid)
        agent = start_agent(self, {"masters": [master.address], "refreshSeconds": 1})
        agent.wait_loaded()
        master.wait_for_requests(3)
        warning = "their names have an empty label, e.g. \"api..marathon.mesos.\""
        wait_until(lambda: warning in agent.log())
        master.wait_for_requests(2)
        self.assertEqual(agent.log().count(warning), 1, agent.log())
        self.assertNotIn("63 bytes", agent.log())

    def test_node_started_before_its_master_serves_within_seconds_of_the_master_coming_up(self):
        master = fake_master(self)
        master.stop()
        agent = start_agent(self, {"masters": [master.address], "refreshSeconds": 60})
        time.sleep(4)  # four failed tries: 1 + 2 s apart, far below refreshSeconds
        self.assertEqual(agent.dig("plain.marathon.mesos").status, "SERVFAIL")
        master.state = quirky_state(master.pid)
        master.start()
        started = time.monotonic()
        wait_until(lambda: agent.dig("plain.marathon.mesos").status == "NOERROR", timeout=15,
                   message=lambda: "not served 15 s after the master came up; log:\n" + agent.log())
        # The tries are 1, 2, 4, 8 s apart (+/-20%): at most ~10 s after the master came up.
        self.assertLess(time.monotonic() - started, 10.5)


if __name__ == "__main__":
    unittest.main()
