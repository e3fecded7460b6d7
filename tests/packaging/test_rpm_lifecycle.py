"""Install, upgrade and erase of the .rpm in a throw-away root (rpm --root runs the scriptlets
chrooted into it, see throwaway_root.py) that looks like a booted systemd machine whose systemctl
only writes down its calls."""
import unittest

from packages import CONFIG, NAME, RESOLV_CONF_MARKER, STATE_DIR, UNIT, default_config_text, package, require_tools
from throwaway_root import ThrowawayRootTestCase


class RpmLifecycleTest(ThrowawayRootTestCase):
    def setUp(self):
        super().setUp()
        require_tools("rpm")
        self.root = self.make_root(systemd=True)

    def test_install_enables_and_starts_upgrade_keeps_edited_config_and_restarts_erase_stops_and_cleans(self):
        root = self.root
        root.rpm("-i", package(1, "rpm"))
        self.assertTrue(root.exists("/usr/lib/systemd/system/" + UNIT))
        self.assertTrue(root.exists("/usr/sbin/mesos-dns-agent"))
        self.assertEqual(root.take_calls(), ["systemctl --no-reload enable " + UNIT, "systemctl daemon-reload",
                                             "systemctl start " + UNIT])

        edited = root.read(CONFIG).replace('"127.0.0.1:5050"', '"10.0.0.5:5050"')
        root.write(CONFIG, edited)
        root.rpm("-U", package(2, "rpm"))
        self.assertEqual(root.read(CONFIG), edited, "%config(noreplace): the admin's file stays")
        self.assertEqual(root.read(CONFIG + ".rpmnew"), default_config_text(2))
        self.assertIn("systemctl try-restart " + UNIT, root.take_calls())

        root.write("/etc/resolv.conf", RESOLV_CONF_MARKER + "\nnameserver 127.0.0.1\nnameserver 10.0.0.2\n")
        root.write(STATE_DIR + "/records.cache", "saved records\n")
        root.rpm("-e", NAME)
        calls = root.take_calls()
        # The optional socket unit too: it would hold port 53 for a service that is gone.
        self.assertIn("systemctl --no-reload disable " + UNIT + " mesos-dns-agent.socket", calls)
        self.assertIn("systemctl stop " + UNIT + " mesos-dns-agent.socket", calls)
        self.assertEqual(root.read("/etc/resolv.conf"), "nameserver 10.0.0.2\n", "the agent's lines are gone")
        self.assertFalse(root.exists(STATE_DIR))
        self.assertFalse(root.exists("/usr/sbin/mesos-dns-agent"))
        self.assertEqual(root.read(CONFIG + ".rpmsave"), edited, "rpm keeps an edited config as .rpmsave")
        self.assertHostUntouched()


if __name__ == "__main__":
    unittest.main()
