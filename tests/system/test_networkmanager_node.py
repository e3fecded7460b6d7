"""Booted-systemd tier: a node whose /etc/resolv.conf is written by NetworkManager (Debian's and
RHEL's default without systemd-resolved). NetworkManager brings up one end of a veth pair with a
static address and the node's upstream as its DNS server, as DHCP would. The agent must have
NetworkManager leave the file to it while it serves (a runtime drop-in, rc-manager=unmanaged), follow
NetworkManager's changes, and give the file back (and NetworkManager its ownership) when it stops.
See node_tier.py for the checks.

    sudo python3 -m unittest discover -s tests/system -p 'test_*_node.py' -v
"""
import os
import subprocess
import time
import unittest

from node_tier import UNIT, UPSTREAM, NodeTier

DROP_IN = "/run/NetworkManager/conf.d/mesos-dns-agent.conf"
# The uplink's connection; NetworkManager makes the veth pair (dummy interfaces need a kernel module
# that CI machines may lack).
UPLINK = """\
[connection]
id=uplink0
type=veth
interface-name=uplink0
[veth]
peer=uplink1
[ipv4]
method=manual
address1=192.0.2.10/24
dns=%s;
[ipv6]
method=disabled
""" % UPSTREAM
PEER = """\
[connection]
id=uplink1
type=ethernet
interface-name=uplink1
[ipv4]
method=manual
address1=192.0.2.11/24
[ipv6]
method=disabled
"""


class NetworkManagerNode(NodeTier, unittest.TestCase):
    KIND = "networkmanager"
    EXTRA_PACKAGES = ("network-manager",)
    RESOLV_CONF = "# until NetworkManager writes it\n"

    @classmethod
    def configure(cls, node):
        node.write("/etc/NetworkManager/conf.d/10-test.conf", "[main]\nno-auto-default=*\n")
        node.write("/etc/NetworkManager/system-connections/uplink0.nmconnection", UPLINK, mode=0o600)
        node.write("/etc/NetworkManager/system-connections/uplink1.nmconnection", PEER, mode=0o600)

    def resolver_setup(self, node):
        return {"regular file": not os.path.islink(node.path("/etc/resolv.conf")),
                "resolv.conf": node.cat("/etc/resolv.conf"), "drop-ins": node.listdir("/run/NetworkManager/conf.d")}

    def check_agent_in_setup(self, node):
        text = node.cat("/etc/resolv.conf")
        self.assertEqual([l for l in text.splitlines() if l.startswith("nameserver")],
                         ["nameserver 127.0.0.1", "nameserver " + UPSTREAM], text)
        self.assertIn("rc-manager=unmanaged", node.cat(DROP_IN) or "(no drop-in)")

    def test_a_connection_change_is_followed_and_the_agent_never_leaves_the_file(self):
        node = self.node
        # Sample /etc/resolv.conf every 20 ms inside the node while NetworkManager re-activates
        # the uplink with another DNS server: every sample must name the agent first.
        sampler = subprocess.Popen(
            ["nsenter", "--target", str(node.pid1), "--all", "sh", "-c",
             "end=$(( $(date +%s) + 6 )); while [ $(date +%s) -lt $end ]; do "
             "grep -m1 '^nameserver' /etc/resolv.conf || echo MISSING; sleep 0.02; done"],
            stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        self.addCleanup(self.assert_resolving, node)  # back as it was for the other tests
        self.addCleanup(lambda: node.run("nmcli con modify uplink0 ipv4.dns %s && nmcli con up uplink0" % UPSTREAM,
                                         timeout=60))
        node.run("nmcli con modify uplink0 ipv4.dns 127.0.0.9 && nmcli con up uplink0", timeout=60)
        node.wait_for(lambda: "nameserver 127.0.0.9" in (node.cat("/etc/resolv.conf") or ""), 10,
                      "the agent following NetworkManager's new DNS server")
        samples = sampler.communicate(timeout=30)[0].splitlines()
        self.assertGreater(len(samples), 20)
        self.assertEqual(sorted(set(samples)), ["nameserver 127.0.0.1"])
        servers = [l for l in node.cat("/etc/resolv.conf").splitlines() if l.startswith("nameserver")]
        self.assertEqual(servers, ["nameserver 127.0.0.1", "nameserver 127.0.0.9"])
        self.assertIn("NetworkManager's nameservers are now 127.0.0.9", node.journal(UNIT))


if __name__ == "__main__":
    unittest.main()
