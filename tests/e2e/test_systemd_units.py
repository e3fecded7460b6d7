"""The systemd unit: `systemd-analyze verify` accepts it, its hardening keeps the exposure level
low (`systemd-analyze security --offline`), and the agent runs under its sandbox rules: started
with systemd-run would need a running systemd, so the checks here are the offline ones."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import agent_binary, repo_root

UNIT = "mesos-dns-agent.service"


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed (Debian: apt-get install systemd)")
        binary = agent_binary()
        # The unit names the installed path; check it against the binary under test.
        with open(os.path.join(repo_root(), "systemd", UNIT)) as f:
            self.text = f.read()
        self.dir = tempfile.mkdtemp(prefix="mdns-unit-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.path = os.path.join(self.dir, UNIT)
        with open(self.path, "w") as f:
            f.write(self.text.replace("/usr/sbin/mesos-dns-agent", binary))

    def test_systemd_analyze_verify_accepts_the_unit(self):
        p = subprocess.run(["systemd-analyze", "verify", self.path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn(UNIT + ":", p.stderr)  # no complaint about our unit (others' are not ours to judge)

    def test_systemd_analyze_verify_accepts_the_socket_unit(self):
        socket_unit = "mesos-dns-agent.socket"
        with open(os.path.join(repo_root(), "systemd", socket_unit)) as f:
            text = f.read()
        path = os.path.join(self.dir, socket_unit)
        with open(path, "w") as f:
            f.write(text)
        # --man=no: the man page is installed by the package (its test checks it), not on this machine.
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", path], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn(socket_unit + ":", p.stderr)
        for line in ("ListenDatagram=127.0.0.1:53", "ListenStream=127.0.0.1:53", "Service=" + UNIT):
            self.assertIn(line, text)

    def test_exposure_level_is_low(self):
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", self.path], capture_output=True,
                           text=True, timeout=60)
        m = re.search(r"Overall exposure level for %s: ([\d.]+)" % re.escape(UNIT), p.stdout)
        self.assertTrue(m, p.stdout + p.stderr)
        self.assertLessEqual(float(m.group(1)), 2.4, p.stdout)  # issue 14: at most what it was before the resolver modes

    def test_unit_asks_for_notify_watchdog_and_restores_resolv_conf_after_the_agent(self):
        for line in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=mesos-dns-agent",
                     "FileDescriptorStoreMax=", "ExecReload=/usr/sbin/mesos-dns-agent -config /etc/mesos-dns-agent/config.json reload $MAINPID",
                     "ExecStopPost=/usr/sbin/mesos-dns-agent -config /etc/mesos-dns-agent/config.json resolvconf restore"):
            self.assertIn(line, self.text)


if __name__ == "__main__":
    unittest.main()
