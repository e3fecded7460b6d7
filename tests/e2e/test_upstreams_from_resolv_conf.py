"""Without `resolvers`, the agent forwards to the nameservers of /etc/resolv.conf, never to itself.

The agent listens on 127.0.0.1:53 and nsd answers on 127.0.0.2:53, inside private mount, network
and pid namespaces with a private /etc (netns.py)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import LOOPBACK, app_state, dig, require_dig, start_agent  # noqa: E402
from netns import in_private_namespaces, write_resolv_conf  # noqa: E402
from upstreams import LEADER, MESOS_IP, require_nsd, start_nsd  # noqa: E402


class UpstreamsFromResolvConfTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        require_nsd()

    def agent_with(self, resolv_conf):
        start_nsd(self, address="127.0.0.2", port=53)
        write_resolv_conf(resolv_conf)
        agent = start_agent(self, {"stateFile": "state.json", "port": 53, "externalon": True, "timeout": 2},
                            files={"state.json": app_state(LEADER, "web", task_ips=[MESOS_IP])}, wait=False)
        agent.wait_log(r"serving DNS for")  # it has read resolv.conf
        # dig refuses to run with a resolv.conf it cannot parse: give it a plain one.
        write_resolv_conf("nameserver %s\n" % LOOPBACK)
        agent.wait_loaded()
        return agent

    @in_private_namespaces
    def test_forwards_to_the_resolv_conf_nameservers_and_skips_itself(self):
        # The agent's own address comes first, as it does once it manages resolv.conf: it must not
        # forward to itself (a loop), but to the next nameserver.
        agent = self.agent_with("# test\nsearch example.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\n"
                                "options ndots:2\n")
        r = dig(53, "www.example.test")
        self.assertEqual(r.status, "NOERROR", agent.log())
        self.assertEqual(r.rdatas("A"), ["192.0.2.10", "192.0.2.11"])
        self.assertIn("nameserver 127.0.0.1 is this agent; not forwarding to it", agent.log())
        self.assertIn("forwarding other names to 127.0.0.2:53 (from /etc/resolv.conf)", agent.log())

    @in_private_namespaces
    def test_without_usable_nameservers_outside_names_get_servfail_not_silence(self):
        agent = self.agent_with("nameserver 127.0.0.1\nnameserver resolver.example\n")
        self.assertEqual(dig(53, "www.example.test").status, "SERVFAIL", agent.log())
        self.assertIn("no upstream resolvers to forward to (/etc/resolv.conf)", agent.log())
        self.assertIn("ignored \"nameserver resolver.example\" (not an IP address)", agent.log())


if __name__ == "__main__":
    unittest.main()
