"""Booted-systemd tier: a node whose resolver is systemd-resolved (Ubuntu's and Fedora's default):
/etc/resolv.conf links to resolved's stub (127.0.0.53), and systemd-networkd gives resolved the
node's upstream on a link (here one end of a veth pair, as DHCP would on a NIC). The agent must route its
domain to itself with a resolved drop-in, leave resolv.conf alone, and take the drop-in away when
it stops. See node_tier.py for the checks.

    sudo python3 -m unittest discover -s tests/system -p 'test_*_node.py' -v
"""
import os
import unittest

from node_tier import NAME, TASK_IP, UNIT, UPSTREAM, NodeTier

DROP_IN = "/run/systemd/resolved.conf.d/mesos-dns-agent.conf"


class ResolvedNode(NodeTier, unittest.TestCase):
    KIND = "resolved"
    EXTRA_PACKAGES = ("systemd-resolved",)
    RESOLV_CONF = None  # systemd-resolved's package made it a link to the stub

    @classmethod
    def configure(cls, node):
        # A veth pair (dummy interfaces need a kernel module that CI machines may lack); the
        # upstream comes with uplink0's network, as DHCP would give it.
        node.write("/etc/systemd/network/10-uplink.netdev",
                   "[NetDev]\nName=uplink0\nKind=veth\n[Peer]\nName=uplink1\n")
        node.write("/etc/systemd/network/10-uplink.network",
                   "[Match]\nName=uplink0\n[Network]\nAddress=192.0.2.10/24\nDNS=%s\nLinkLocalAddressing=no\n" % UPSTREAM)
        node.write("/etc/systemd/network/11-peer.network",
                   "[Match]\nName=uplink1\n[Network]\nAddress=192.0.2.11/24\nLinkLocalAddressing=no\n")
        node.enable("systemd-networkd.service")

    def resolver_setup(self, node):
        """resolv.conf (a link), the drop-in folder, and what resolved says of its servers."""
        link = os.readlink(node.path("/etc/resolv.conf"))
        drop_ins = node.listdir("/run/systemd/resolved.conf.d")
        status = node.run(["resolvectl", "dns"], check=False).stdout
        return {"resolv.conf": link, "drop-ins": drop_ins, "resolvectl dns": status}

    def check_agent_in_setup(self, node):
        self.assertEqual(os.readlink(node.path("/etc/resolv.conf")), "../run/systemd/resolve/stub-resolv.conf")
        self.assertIn("Domains=~mesos", node.cat(DROP_IN) or "(no drop-in)")
        self.assertIn("127.0.0.1", node.run(["resolvectl", "dns"]).stdout.split("\n")[0])

    def test_restart_keeps_the_drop_in_and_never_restarts_resolved(self):
        node = self.node
        before = node.run(["systemctl", "show", "-P", "MainPID", "systemd-resolved"]).stdout.strip()
        node.run(["systemctl", "restart", UNIT], timeout=30)
        self.assert_resolving(node)
        self.assertEqual(node.run(["systemctl", "show", "-P", "MainPID", "systemd-resolved"]).stdout.strip(), before)
        self.assertIn("the unit restarts", node.journal(UNIT))

    def test_global_dns_servers_of_the_operator_are_warned_about(self):
        # resolved asks one server of its global list at a time: mesos names could go to them.
        node = self.node
        node.write("/etc/systemd/resolved.conf.d/operator.conf", "[Resolve]\nDNS=%s\n" % UPSTREAM)
        self.addCleanup(lambda: (os.unlink(node.path("/etc/systemd/resolved.conf.d/operator.conf")),
                                 node.run(["systemctl", "restart", UNIT], timeout=30)))
        node.run(["systemctl", "restart", UNIT], timeout=30)
        node.wait_for(lambda: "global DNS servers of its own (%s in resolved.conf" % UPSTREAM in node.journal(UNIT),
                      10, "the warning")

    def test_names_in_the_domain_reach_the_agent_through_resolved_stub(self):
        # What node programs ask: 127.0.0.53. A mesos name comes from the agent, through resolved.
        out = self.node.run(["resolvectl", "query", "--legend=no", NAME], check=False).stdout
        self.assertIn(TASK_IP, out)


if __name__ == "__main__":
    unittest.main()
