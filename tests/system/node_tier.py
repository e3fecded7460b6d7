"""The checks of the booted-systemd tier, the same for every kind of node (tests/system/test_*_node.py
say what a kind is: its packages, its resolver setup, and what "given back exactly" means there).

Each node is a minimal Debian 12 root booted with systemd-nspawn on a private network (node.py),
with:
  - nsd on 127.0.0.2:53 as the node's upstream resolver, serving example.test (the "outside" name
    www.example.test);
  - a fake Mesos master (python3's http.server, an enabled unit) on 127.0.0.1:5050, the packaged
    config's placeholder master, so the package works as installed;
  - the .deb built from the tree, installed with apt inside.
Every name is looked up through the node's own resolver path: glibc's `getent hosts`.

The class's node is shared by the tests that leave it as they found it (agent running, names
resolving); the package's life-cycle tests (remove, purge, upgrade, install with the master down)
each boot a fresh node of the same kind.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
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
OUTSIDE = "www.example.test"
OUTSIDE_IP = "192.0.2.80"
UPSTREAM = "127.0.0.2"
DENIALS = ("Permission denied", "Operation not permitted", "seccomp", "SECCOMP", "audit")
UNIT = "mesos-dns-agent.service"

NSD_CONF = """\
server:
  ip-address: 127.0.0.2
  port: 53
  zonesdir: /etc/nsd
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: example.test
  zonefile: example.test.zone
"""
ZONE = """\
$ORIGIN example.test.
$TTL 60
@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
@ IN NS ns.example.test.
ns IN A 127.0.0.2
www IN A 192.0.2.80
"""

# A steady query load from inside the node, straight at the agent's listener (what a restart
# must not lose): one query after another for `seconds`, each waiting up to 3 s for its answer.
LOAD = r"""
import os, random, socket, struct, sys, time
seconds = float(sys.argv[1]); name = sys.argv[2]
def query(qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
sent = answered = 0; lost = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    qid = random.randrange(65536); sent += 1
    try:
        s.sendto(query(qid), ("127.0.0.1", 53))
        while True:
            data = s.recv(4096)
            if struct.unpack(">H", data[:2])[0] == qid:
                rcode = data[3] & 15; ancount = struct.unpack(">H", data[6:8])[0]
                if rcode == 0 and ancount > 0: answered += 1
                else: lost.append("rcode %d answers %d at %.2f" % (rcode, ancount, time.monotonic()))
                break
    except OSError as e:
        lost.append("%s at %.2f" % (e, time.monotonic()))
    s.close()
    time.sleep(0.01)
print("sent %d answered %d" % (sent, answered))
for l in lost[:20]: print("lost: " + l)
"""


def find_debs():
    """(the .deb to install, the .deb to upgrade to or None): MDNS_DEB; else CTest's packaging
    fixture (MDNS_PKG_DIR/out/release-1, and release-2 whose default config differs); else the
    newest build-pkg/mesos-dns-agent_*.deb of the repository."""
    deb = os.environ.get("MDNS_DEB")
    if deb:
        if not os.path.isfile(deb):
            raise AssertionError("MDNS_DEB=%s is not a file" % deb)
        return deb, None
    pkg_dir = os.environ.get("MDNS_PKG_DIR")
    if pkg_dir:
        first = glob.glob(os.path.join(pkg_dir, "out", "release-1", "mesos-dns-agent_*.deb"))
        second = glob.glob(os.path.join(pkg_dir, "out", "release-2", "mesos-dns-agent_*.deb"))
        if not first:
            raise AssertionError("no .deb in %s/out/release-1 (the packaging.build fixture)" % pkg_dir)
        return first[0], (second[0] if second else None)
    candidates = glob.glob(os.path.join(REPO, "build-pkg", "mesos-dns-agent_*.deb"))
    if not candidates:
        raise unittest.SkipTest("no .deb: set MDNS_DEB or run bash packaging/build-packages.sh")
    return sorted(candidates, key=os.path.getmtime)[-1], None


def bumped_deb(deb, workdir):
    """The same package with a higher version (…+upgrade), for an upgrade over `deb`."""
    tree = os.path.join(workdir, "tree")
    subprocess.run(["dpkg-deb", "-R", deb, tree], check=True)
    control = os.path.join(tree, "DEBIAN", "control")
    with open(control) as f:
        text = f.read()
    text = re.sub(r"^Version: (.*)$", r"Version: \1+upgrade", text, flags=re.M)
    with open(control, "w") as f:
        f.write(text)
    out = os.path.join(workdir, "mesos-dns-agent_upgrade.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-b", tree, out], check=True, capture_output=True)
    return out


class NodeTier:
    """Mixed into a unittest.TestCase by each kind. A kind sets KIND, EXTRA_PACKAGES and
    RESOLV_CONF (the node's /etc/resolv.conf text, or None to keep the root's own), and defines
    configure(node) (files written into the root before the first boot), resolver_setup(node)
    (what the agent must give back exactly when it stops) and check_agent_in_setup(node)."""

    KIND = None
    EXTRA_PACKAGES = ()
    RESOLV_CONF = None
    BUDGET_SECONDS = 420

    # -- the kind's part -----------------------------------------------------------------------

    @classmethod
    def configure(cls, node):
        pass

    def resolver_setup(self, node):
        raise NotImplementedError

    def check_agent_in_setup(self, node):
        raise NotImplementedError

    # -- nodes ---------------------------------------------------------------------------------

    @classmethod
    def make_node(cls, master_up=True, boot=True):
        node = nodes.Node(cls.KIND, packages=nodes.root_packages(cls.deb, extra=("nsd",) + tuple(cls.EXTRA_PACKAGES)),
                          resolv_conf=cls.RESOLV_CONF)
        try:
            node.prepare()
        except nodes.NodeError as e:
            node.cleanup()
            raise unittest.SkipTest("cannot make a Debian root here: %s" % str(e)[-500:])
        node.write("/etc/nsd/nsd.conf", NSD_CONF)
        node.write("/etc/nsd/example.test.zone", ZONE)
        node.install_fake_master(app_state("127.0.0.1:5050", "myapp.dev", task_ips=[TASK_IP]))
        if not master_up:
            subprocess.run(["systemctl", "--root=" + node.root, "--quiet", "disable", "fake-master.service"],
                           check=True)
        cls.configure(node)
        if boot:
            try:
                node.boot(timeout=90)
            except nodes.NodeError as e:
                node.cleanup()
                raise unittest.SkipTest("systemd-nspawn cannot boot a Debian root here: %s" % str(e)[-1500:])
        return node

    @classmethod
    def setUpClass(cls):
        reason = nodes.unavailable_reason()
        if reason:
            raise unittest.SkipTest(reason)
        cls.deb, cls.upgrade_deb = find_debs()
        cls.started = time.monotonic()
        cls.node = cls.make_node()
        try:
            cls.node.wait_for(lambda: cls.node.getent(OUTSIDE) == [OUTSIDE_IP], 20,
                              "%s resolving before the install" % OUTSIDE)
            cls.before = cls.resolver_setup(cls, cls.node)
            cls.node.install_deb(cls.deb, timeout=120)
            cls.node.wait_for(lambda: cls.node.getent(NAME) == [TASK_IP], 20, "%s resolving after the install" % NAME)
        except BaseException:
            print(cls.node.journal(), file=sys.stderr)
            cls.node.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.node.cleanup()
        elapsed = time.monotonic() - cls.started
        print("\n[system] %s node: %s; class total %.1fs" % (
            cls.KIND, ", ".join("%s %.2fs" % kv for kv in cls.node.timings.items()), elapsed), file=sys.stderr)
        if elapsed > cls.BUDGET_SECONDS:
            raise AssertionError("the %s node tier took %.0fs (budget %ds)" % (cls.KIND, elapsed, cls.BUDGET_SECONDS))

    def fresh_node(self, master_up=True):
        node = self.make_node(master_up=master_up)
        self.addCleanup(node.cleanup)
        node.wait_for(lambda: node.getent(OUTSIDE) == [OUTSIDE_IP], 20, "%s resolving before the install" % OUTSIDE)
        return node

    def assert_resolving(self, node, within=20):
        node.wait_for(lambda: node.getent(NAME) == [TASK_IP], within, "%s resolving" % NAME)
        node.wait_for(lambda: node.getent(OUTSIDE) == [OUTSIDE_IP], within, "%s resolving" % OUTSIDE)

    def agent_journal(self, node):
        return node.journal("mesos-dns-agent")

    # -- the checks ----------------------------------------------------------------------------

    def test_a_mesos_name_and_an_outside_name_resolve_for_node_programs(self):
        self.assertEqual(self.node.unit_active(UNIT), "active")
        self.assertEqual(self.node.getent(NAME), [TASK_IP])
        self.assertEqual(self.node.getent(OUTSIDE), [OUTSIDE_IP])
        self.check_agent_in_setup(self.node)

    def test_no_denials_in_the_journal(self):
        journal = self.agent_journal(self.node)
        self.assertIn("resolvConf:", journal)
        denied = [l for l in journal.splitlines() if any(d in l for d in DENIALS)]
        self.assertEqual(denied, [], "the hardened unit was denied something")
        # Nor seccomp/audit records of the kernel about the agent (SystemCallFilter kills log there).
        kernel = self.node.run(["journalctl", "-k", "--no-pager"], check=False).stdout
        self.assertEqual([l for l in kernel.splitlines() if "mesos-dns-agent" in l and "audit" in l], [])

    def test_stop_gives_the_resolver_setup_back_exactly_and_start_brings_names_back(self):
        node = self.node
        node.run(["systemctl", "stop", UNIT], timeout=30)
        self.assertEqual(self.resolver_setup(node), self.before)
        self.assertEqual(node.getent(NAME), [])
        self.assertEqual(node.getent(OUTSIDE), [OUTSIDE_IP])
        node.run(["systemctl", "start", UNIT], timeout=30)
        self.assert_resolving(node)
        self.check_agent_in_setup(node)

    def test_watchdog_restarts_a_stopped_agent_and_names_come_back_by_themselves(self):
        node = self.node
        # WatchdogSec=30s as shipped; 3 s here so that the test does not wait half a minute.
        node.write("/etc/systemd/system/mesos-dns-agent.service.d/watchdog.conf", "[Service]\nWatchdogSec=3s\n")
        self.addCleanup(lambda: (os.unlink(node.path("/etc/systemd/system/mesos-dns-agent.service.d/watchdog.conf")),
                                 node.run(["systemctl", "daemon-reload"])))
        node.run(["systemctl", "daemon-reload"])
        node.run(["systemctl", "restart", UNIT], timeout=30)
        self.assert_resolving(node)
        pid = node.run(["systemctl", "show", "-P", "MainPID", UNIT]).stdout.strip()
        node.run(["systemctl", "kill", "--kill-who=main", "--signal=SIGSTOP", UNIT])
        node.wait_for(lambda: node.run(["systemctl", "show", "-P", "MainPID", UNIT]).stdout.strip() not in (pid, "0"),
                      20, "a new agent after the watchdog")
        self.assert_resolving(node)
        self.assertIn("Watchdog timeout", node.journal(UNIT))

    def test_restart_and_reload_under_a_steady_load_lose_no_query(self):
        node = self.node
        node.write("/root/load.py", LOAD)
        load = subprocess.Popen(["nsenter", "--target", str(node.pid1), "--all", "python3", "/root/load.py", "8", NAME],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        node.run(["systemctl", "restart", UNIT], timeout=30)
        time.sleep(2)
        node.run(["systemctl", "reload", UNIT], timeout=30)
        out, err = load.communicate(timeout=60)
        self.assertRegex(out, r"sent (\d+) answered \1\b", out + err)
        self.assert_resolving(node)
        self.check_agent_in_setup(node)

    def test_reboot_comes_up_with_the_agent_active_and_names_resolving(self):
        node = self.node
        node.poweroff()
        node.boot(timeout=90)
        self.assertEqual(node.unit_active(UNIT), "active")
        self.assert_resolving(node)
        self.check_agent_in_setup(node)

    # -- the package's life cycle (fresh nodes) --------------------------------------------------

    def test_remove_and_purge_leave_the_node_resolving_with_its_own_setup(self):
        node = self.fresh_node()
        before = self.resolver_setup(node)
        node.install_deb(self.deb)
        self.assert_resolving(node)
        node.run(["apt-get", "remove", "-y", "mesos-dns-agent"], timeout=120)
        self.assertEqual(self.resolver_setup(node), before)
        self.assertEqual(node.getent(OUTSIDE), [OUTSIDE_IP])
        self.assertEqual(node.getent(NAME), [])
        node.run(["apt-get", "purge", "-y", "mesos-dns-agent"], timeout=120)
        self.assertEqual(self.resolver_setup(node), before)
        self.assertEqual(node.getent(OUTSIDE), [OUTSIDE_IP])
        self.assertFalse(os.path.exists(node.path("/var/lib/mesos-dns-agent")))

    def test_upgrade_with_an_edited_config_keeps_the_edit_and_the_node_resolving(self):
        node = self.fresh_node()
        node.install_deb(self.deb)
        self.assert_resolving(node)
        config = node.read("/etc/mesos-dns-agent/config.json").replace('"ttl": 60', '"ttl": 42')
        self.assertIn('"ttl": 42', config)
        node.write("/etc/mesos-dns-agent/config.json", config)
        node.run(["systemctl", "reload", UNIT])
        before = node.run(["dpkg-query", "-W", "mesos-dns-agent"]).stdout
        with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
            # CTest's release 2 (another default config: dpkg keeps the edited one, --force-confold
            # as unattended upgrades do), else the same package with a higher version.
            node.install_deb(self.upgrade_deb or bumped_deb(self.deb, tmp))
        self.assertIn('"ttl": 42', node.read("/etc/mesos-dns-agent/config.json"))
        self.assertNotEqual(node.run(["dpkg-query", "-W", "mesos-dns-agent"]).stdout, before)
        self.assert_resolving(node)
        self.check_agent_in_setup(node)

    def test_install_with_the_master_down_finishes_within_start_wait_seconds(self):
        node = self.fresh_node(master_up=False)
        before = self.resolver_setup(node)
        node.install_deb(self.deb)
        took = node.timings["install"]
        # The agent tells systemd it is ready after startWaitSeconds (20) without records; the
        # rest is apt's own time, as the class's install with the master up shows.
        self.assertLess(took, self.node.timings["install"] + 20 + 5,
                        "apt install took %.1fs with the master down (%.1fs with it up)"
                        % (took, self.node.timings["install"]))
        # No records: the agent is not put into the resolver setup, other names still resolve.
        self.assertEqual(node.getent(OUTSIDE), [OUTSIDE_IP])
        self.assertEqual(self.resolver_setup(node), before)
        node.run(["systemctl", "start", "fake-master.service"])
        self.assert_resolving(node, within=30)
        self.check_agent_in_setup(node)
