"""Booted-systemd tier: a node whose /etc/resolv.conf belongs to Debian's resolvconf (a link to
/run/resolvconf/resolv.conf, made from one record per interface). The uplink's nameserver is
registered as a DHCP client would (`resolvconf -a uplink0.dhclient`). The agent must register
itself as lo.mesos-dns-agent (first by resolvconf's interface order), forward other names to the
uplink's nameserver, and deregister when it stops. See node_tier.py for the checks.

    sudo python3 -m unittest discover -s tests/system -p 'test_*_node.py' -v
"""
import os
import unittest

from node_tier import UNIT, UPSTREAM, NodeTier

RECORDS = "/run/resolvconf/interface"


class ResolvconfNode(NodeTier, unittest.TestCase):
    KIND = "resolvconf"
    EXTRA_PACKAGES = ("resolvconf",)
    RESOLV_CONF = None  # resolvconf's package made it a link

    @classmethod
    def configure(cls, node):
        node.write("/etc/systemd/system/uplink-dns.service",
                   "[Unit]\nDescription=the uplink's nameserver, as a DHCP client registers it\n"
                   "After=resolvconf.service\nBefore=mesos-dns-agent.service nss-lookup.target\n"
                   "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
                   "ExecStart=/bin/sh -c 'echo nameserver %s | /sbin/resolvconf -a uplink0.dhclient'\n"
                   "[Install]\nWantedBy=multi-user.target\n" % UPSTREAM)
        node.enable("uplink-dns.service")

    def resolver_setup(self, node):
        return {"link": os.readlink(node.path("/etc/resolv.conf")), "records": node.listdir(RECORDS),
                "resolv.conf": node.cat("/etc/resolv.conf")}

    def check_agent_in_setup(self, node):
        self.assertEqual(os.readlink(node.path("/etc/resolv.conf")), "../run/resolvconf/resolv.conf")
        self.assertEqual(node.cat(RECORDS + "/lo.mesos-dns-agent"), "nameserver 127.0.0.1\n")
        servers = [l for l in node.cat("/etc/resolv.conf").splitlines() if l.startswith("nameserver")]
        self.assertEqual(servers[0], "nameserver 127.0.0.1")

    def test_a_new_uplink_nameserver_becomes_the_agents_upstream(self):
        node = self.node
        self.addCleanup(lambda: node.run("echo nameserver %s | /sbin/resolvconf -a uplink0.dhclient" % UPSTREAM))
        node.run("echo nameserver 127.0.0.9 | /sbin/resolvconf -a uplink0.dhclient")
        node.wait_for(lambda: "127.0.0.9" in node.journal(UNIT).split("upstreams are now")[-1], 10,
                      "the agent seeing the DHCP change")
        node.run("echo nameserver %s | /sbin/resolvconf -a uplink0.dhclient" % UPSTREAM)
        self.assert_resolving(node)


if __name__ == "__main__":
    unittest.main()
