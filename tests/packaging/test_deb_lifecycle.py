"""Install, upgrade, remove and purge of the .deb in throw-away roots (dpkg --root; the maintainer
scripts run chrooted into the root, see throwaway_root.py), with and without a running systemd, and
once with --force-script-chrootless, where the scripts run on this machine and must keep to DPKG_ROOT.
Each test checks at its end that this machine's own files did not change."""
import json
import os
import shutil
import tempfile
import unittest

from packages import (CONFIG, NAME, RESOLV_CONF_MARKER as MARKER, STATE_DIR, UNIT, UPGRADE_CONFIG_CHANGE,
                      default_config_text, package, require_tools)
from throwaway_root import ThrowawayRootTestCase, write_fake_tools

ORIGINAL_RESOLV_CONF = "# DHCP\nsearch example.test\nnameserver 10.0.0.2\n"
# What a node's resolv.conf holds after the agent was killed (SIGKILL, no ExecStopPost yet).
CRASHED_RESOLV_CONF = "# DHCP\nsearch example.test\n%s\nnameserver 127.0.0.1\nnameserver 10.0.0.2\n" % MARKER
INSTALLED = ("/usr/sbin/mesos-dns-agent", "/lib/systemd/system/" + UNIT, CONFIG,
             "/usr/share/man/man8/mesos-dns-agent.8.gz", "/usr/share/doc/mesos-dns-agent/copyright", STATE_DIR)


class DebLifecycleTest(ThrowawayRootTestCase):
    def setUp(self):
        super().setUp()
        require_tools("dpkg")
        self.v1 = package(1, "deb")
        self.v2 = package(2, "deb")

    def test_install_upgrade_remove_purge_without_systemd(self):
        root = self.make_root()
        out = root.dpkg("-i", self.v1)
        self.assertEqual(root.dpkg_status(), "install ok installed " + self.version(self.v1), out.stdout + out.stderr)
        for path in INSTALLED:
            with self.subTest(path=path):
                self.assertTrue(root.exists(path))
        self.assertEqual(os.stat(root.file(STATE_DIR)).st_mode & 0o777, 0o755)

        # The admin sets their masters; the upgrade brings a new default: theirs stays.
        edited = root.read(CONFIG).replace('"127.0.0.1:5050"', '"10.0.0.5:5050"')
        root.write(CONFIG, edited)
        out = root.dpkg("-i", self.v2)
        self.assertEqual(root.dpkg_status(), "install ok installed " + self.version(self.v2), out.stdout + out.stderr)
        self.assertEqual(root.read(CONFIG), edited)
        self.assertEqual(root.read(CONFIG + ".dpkg-dist"), default_config_text(2))

        # Removed while the agent's lines are in resolv.conf (it was killed): prerm puts the original back.
        root.write("/etc/resolv.conf", CRASHED_RESOLV_CONF)
        root.write(STATE_DIR + "/resolv.conf.original", ORIGINAL_RESOLV_CONF)
        root.write(STATE_DIR + "/records.cache", "saved records\n")
        out = root.dpkg("-r", NAME)
        self.assertEqual(root.read("/etc/resolv.conf"), ORIGINAL_RESOLV_CONF, out.stdout + out.stderr)
        self.assertFalse(root.exists("/usr/sbin/mesos-dns-agent"))
        self.assertEqual(root.read(CONFIG), edited, "remove keeps the admin's config")
        self.assertTrue(root.exists(STATE_DIR + "/records.cache"), "remove keeps the state")
        self.assertTrue(root.dpkg_status().startswith("deinstall ok config-files"), root.dpkg_status())

        root.dpkg("-P", NAME)
        self.assertFalse(root.exists("/etc/mesos-dns-agent"), "purge removes the config and its folder")
        self.assertFalse(root.exists(STATE_DIR), "purge removes the state folder")
        self.assertEqual(root.dpkg_status(), "")
        self.assertHostUntouched()

    def test_upgrade_replaces_a_config_the_admin_left_alone(self):
        root = self.make_root()
        root.dpkg("-i", self.v1)
        root.dpkg("-i", self.v2)
        config = json.loads(root.read(CONFIG))
        for key, value in UPGRADE_CONFIG_CHANGE.items():
            self.assertEqual(config[key], value)
        self.assertFalse(root.exists(CONFIG + ".dpkg-dist"))
        self.assertFalse(root.exists(CONFIG + ".dpkg-old"))
        self.assertHostUntouched()

    def test_remove_where_the_agent_never_ran_leaves_resolv_conf_alone(self):
        root = self.make_root()
        root.dpkg("-i", self.v1)
        root.write("/etc/resolv.conf", ORIGINAL_RESOLV_CONF)
        out = root.dpkg("-r", NAME)
        self.assertEqual(root.read("/etc/resolv.conf"), ORIGINAL_RESOLV_CONF)
        self.assertIn("holds no agent lines", out.stderr)
        root.dpkg("-P", NAME)
        self.assertHostUntouched()

    def test_remove_goes_on_without_config_or_when_resolv_conf_cannot_be_restored(self):
        root = self.make_root()
        root.dpkg("-i", self.v1)
        os.remove(root.file(CONFIG))
        root.dpkg("-r", NAME)  # the admin deleted the config: nothing to restore with
        self.assertTrue(root.dpkg_status().startswith("deinstall ok config-files"))
        root.dpkg("-P", NAME)

        root.dpkg("-i", self.v1)
        self.assertFalse(root.exists("/etc/resolv.conf"))
        os.mkdir(root.file("/etc/resolv.conf"))  # unreadable as a file: the agent's restore fails
        out = root.dpkg("-r", NAME)
        self.assertIn("could not restore resolv.conf", out.stderr)
        self.assertTrue(root.dpkg_status().startswith("deinstall ok config-files"))
        self.assertHostUntouched()

    def test_with_systemd_install_enables_and_starts_upgrade_restarts_remove_stops_purge_forgets(self):
        root = self.make_root(systemd=True)
        root.dpkg("-i", self.v1)
        calls = root.take_calls()
        self.assertIn("deb-systemd-helper enable " + UNIT, calls)
        self.assertIn("deb-systemd-invoke start " + UNIT, calls)
        self.assertLess(calls.index("systemctl --system daemon-reload"), calls.index("deb-systemd-invoke start " + UNIT))

        root.dpkg("-i", self.v2)
        calls = root.take_calls()
        self.assertIn("deb-systemd-invoke restart " + UNIT, calls)
        self.assertNotIn("deb-systemd-invoke stop " + UNIT, calls, "upgrade restarts, it does not stop first")

        root.write("/etc/resolv.conf", CRASHED_RESOLV_CONF)
        root.dpkg("-r", NAME)
        calls = root.take_calls()
        self.assertEqual(calls[0], "deb-systemd-invoke stop " + UNIT)
        self.assertIn("deb-systemd-invoke stop mesos-dns-agent.socket", calls)  # it would hold port 53
        self.assertIn("deb-systemd-helper mask " + UNIT, calls)
        self.assertIn("deb-systemd-helper mask mesos-dns-agent.socket", calls)
        self.assertNotIn(MARKER, root.read("/etc/resolv.conf"))

        root.dpkg("-P", NAME)
        calls = root.take_calls()
        self.assertIn("deb-systemd-helper purge " + UNIT, calls)
        self.assertIn("deb-systemd-helper unmask " + UNIT, calls)
        self.assertIn("deb-systemd-helper purge mesos-dns-agent.socket", calls)
        self.assertHostUntouched()

    def test_chrootless_scripts_keep_to_dpkg_root(self):
        # --force-script-chrootless runs the scripts on this machine with DPKG_ROOT set. Stand-ins for
        # the tools that would act on this machine's systemd or resolv.conf record any call (none is
        # expected); the real deb-systemd-helper honours DPKG_ROOT.
        require_tools("deb-systemd-helper")
        root = self.make_root()
        fakes = tempfile.mkdtemp(prefix="fakes-", dir=os.path.dirname(root.path))  # not /tmp: may be noexec
        self.addCleanup(shutil.rmtree, fakes, True)
        log = os.path.join(fakes, "calls.log")
        write_fake_tools(fakes, ("systemctl", "deb-systemd-invoke", "mesos-dns-agent"), log)
        env = dict(os.environ, PATH=fakes + ":" + os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
        chrootless = ("--force-script-chrootless",)
        root.dpkg("-i", self.v1, extra=chrootless, env=env)
        self.assertTrue(root.exists("/etc/systemd/system/multi-user.target.wants/" + UNIT), "enabled inside the root")
        root.dpkg("-r", NAME, extra=chrootless, env=env)
        root.dpkg("-P", NAME, extra=chrootless, env=env)
        self.assertFalse(root.exists(STATE_DIR))
        self.assertFalse(root.exists("/etc/mesos-dns-agent"))
        self.assertFalse(root.exists("/etc/systemd/system/multi-user.target.wants/" + UNIT))
        self.assertFalse(os.path.exists(log), open(log).read() if os.path.exists(log) else "")
        self.assertHostUntouched()

    @staticmethod
    def version(deb):
        return os.path.basename(deb).split("_")[1]


if __name__ == "__main__":
    unittest.main()
