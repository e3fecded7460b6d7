"""Booted-systemd tier: a plain Debian 12 node (a static /etc/resolv.conf naming the node's
upstream, no resolver service). The agent goes first in the file and gives it back byte for byte.
See node_tier.py for the checks and node.py for the nodes.

Needs root, mmdebstrap and systemd-nspawn (apt-get install mmdebstrap systemd-container), Debian's
mirror for the first run (the root is cached), and the .deb: MDNS_DEB, else the newest in
MDNS_PKG_DIR or build-pkg/ (bash packaging/build-packages.sh).

    sudo python3 -m unittest discover -s tests/system -p 'test_*_node.py' -v
"""
import unittest

from node_tier import UPSTREAM, NodeTier

ORIGINAL = "# the node's own\nsearch example.test\nnameserver %s\noptions timeout:2\n" % UPSTREAM


class PlainNode(NodeTier, unittest.TestCase):
    KIND = "plain"
    RESOLV_CONF = ORIGINAL

    def resolver_setup(self, node):
        return node.read("/etc/resolv.conf")

    def check_agent_in_setup(self, node):
        lines = [l for l in node.read("/etc/resolv.conf").splitlines() if l.startswith("nameserver")]
        self.assertEqual(lines, ["nameserver 127.0.0.1", "nameserver " + UPSTREAM])


if __name__ == "__main__":
    unittest.main()
