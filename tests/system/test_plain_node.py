"""Booted-systemd tier, prototype: the .deb built from the tree on a plain Debian 12 node (static
/etc/resolv.conf, no resolver service) booted with systemd-nspawn on a private network.

A fake master (python3 http.server, a transient unit inside the node) serves a one-app state on
127.0.0.1:5050, the packaged config's placeholder master, so the package works as installed.
Checks go through the node's own resolver path: glibc's `getent hosts` with the node's
/etc/resolv.conf.

Needs root, mmdebstrap and systemd-nspawn (apt-get install mmdebstrap systemd-container), Debian's
mirror for the first run (the root is cached; see node.py), and the .deb: MDNS_DEB, else the newest
build-pkg/mesos-dns-agent_*.deb of the repository (bash packaging/build-packages.sh). Skipped with
the reason otherwise, and when a plain root cannot be booted here.

    sudo python3 -m unittest discover -s tests/system -v
"""
import glob
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))

import node as nodes  # noqa: E402
from harness import app_state  # noqa: E402

NAME = "myapp.dev.marathon.mesos"  # app "myapp.dev" of framework marathon
TASK_IP = "10.1.0.1"
ORIGINAL = "nameserver 192.0.2.53\n"
# The whole class (first run: mmdebstrap too) must finish within this.
BUDGET_SECONDS = 300
DENIALS = ("Permission denied", "Operation not permitted", "seccomp", "SECCOMP")


def find_deb():
    deb = os.environ.get("MDNS_DEB")
    if deb:
        if not os.path.isfile(deb):
            raise AssertionError("MDNS_DEB=%s is not a file" % deb)
        return deb
    debs = sorted(glob.glob(os.path.join(REPO, "build-pkg", "mesos-dns-agent_*.deb")), key=os.path.getmtime)
    if not debs:
        raise unittest.SkipTest("no .deb: set MDNS_DEB or run bash packaging/build-packages.sh")
    return debs[-1]


class PlainNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = nodes.unavailable_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.deb = find_deb()
        cls.started = time.monotonic()
        cls.node = nodes.Node("plain", packages=nodes.root_packages(cls.deb), resolv_conf=ORIGINAL)
        try:
            cls.node.prepare()
        except nodes.NodeError as e:
            # mmdebstrap could not make the root (no mirror here): not the package's fault.
            cls.node.cleanup()
            raise unittest.SkipTest("cannot make a Debian root here: %s" % str(e)[-500:])
        try:
            cls.node.boot(timeout=60)
        except nodes.NodeError as e:
            # A plain Debian root that does not boot: systemd-nspawn cannot run systemd here.
            cls.node.cleanup()
            raise unittest.SkipTest("systemd-nspawn cannot boot a plain Debian root here: %s" % str(e)[-1500:])
        try:
            cls.node.start_fake_master(app_state("127.0.0.1:5050", "myapp.dev", task_ips=[TASK_IP]))
            cls.install = cls.node.install_deb(cls.deb, timeout=120)
            cls.resolved_after = cls.node.wait_for(lambda: cls.node.getent(NAME) == [TASK_IP], 15,
                                                   "%s resolving after the install" % NAME)
        except BaseException:
            cls.node.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()
        elapsed = time.monotonic() - cls.started
        print("\n[system] plain node: %s; total %.1fs" % (
            ", ".join("%s %.2fs" % kv for kv in cls.node.timings.items()), elapsed), file=sys.stderr)
        if elapsed > BUDGET_SECONDS:
            raise AssertionError("the plain-node tier took %.0fs (budget %ds)" % (elapsed, BUDGET_SECONDS))

    def test_installed_service_is_active_and_first_in_resolv_conf(self):
        self.assertEqual(self.node.unit_active("mesos-dns-agent"), "active")
        lines = [l for l in self.node.read("/etc/resolv.conf").splitlines() if l.startswith("nameserver")]
        self.assertEqual(lines, ["nameserver 127.0.0.1", "nameserver 192.0.2.53"])

    def test_mesos_name_resolves_through_getent(self):
        self.assertEqual(self.node.getent(NAME), [TASK_IP])

    def test_no_denials_in_the_agent_journal(self):
        journal = self.node.journal("mesos-dns-agent")
        self.assertIn("the agent is the first nameserver", journal)
        denied = [l for l in journal.splitlines() if any(d in l for d in DENIALS)]
        self.assertEqual(denied, [], "the hardened unit was denied something")

    def test_stop_gives_resolv_conf_back_and_start_brings_names_back(self):
        self.node.run(["systemctl", "stop", "mesos-dns-agent"], timeout=30)
        self.assertEqual(self.node.read("/etc/resolv.conf"), ORIGINAL)
        self.assertEqual(self.node.getent(NAME), [])
        self.node.run(["systemctl", "start", "mesos-dns-agent"], timeout=30)
        self.node.wait_for(lambda: self.node.getent(NAME) == [TASK_IP], 15, "%s resolving after a start" % NAME)


if __name__ == "__main__":
    unittest.main()
