"""Without `resolvers`, the agent forwards to the nameservers of /etc/resolv.conf, never to itself.

This needs the agent on port 53 and a resolv.conf of our own, so each test runs in private mount,
network and pid namespaces (`unshare -mnpf`): a private copy of /etc is bind-mounted over /etc,
the network has only its own loopback, and nsd answers on 127.0.0.2:53 there. The machine's real
/etc/resolv.conf and network are never touched.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import Agent, agent_binary, dig, require_dig  # noqa: E402
from upstreams import Nsd, require_nsd  # noqa: E402

def namespaces_available():
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-mnpf", "--mount-proc", "true"], capture_output=True, timeout=10)
    return probe.returncode == 0


def write_resolv_conf(text):
    # A fresh file, never written through a link that may lead out of the private copy of /etc.
    if os.path.lexists("/etc/resolv.conf"):
        os.remove("/etc/resolv.conf")
    with open("/etc/resolv.conf", "w") as f:
        f.write(text)


def child(scenario):
    """Runs inside the namespaces; prints a JSON result."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = tempfile.mkdtemp(prefix="mdns-ns-")
    etc = os.path.join(work, "etc")
    shutil.copytree("/etc", etc, symlinks=True)
    subprocess.run(["mount", "--bind", etc, "/etc"], check=True)
    nsd = Nsd(address="127.0.0.2", port=53).start()
    result = {}
    try:
        agent = Agent({"stateFile": "state.json", "port": 53, "externalon": True, "timeout": 2},
                      files={"state.json": open(os.path.join(HERE, "..", "fixtures", "cluster_state.json")).read()})
        try:
            write_resolv_conf(scenario["resolv_conf"])
            agent.start(wait=False)
            agent.wait_log(r"serving DNS for")  # it has read resolv.conf
            # dig refuses to run with a resolv.conf it cannot parse: give it a plain one.
            write_resolv_conf("nameserver 127.0.0.1\n")
            agent.wait_loaded()
            r = dig(53, "www.example.test")
            result = {"status": r.status, "answers": r.rdatas("A"), "log": agent.log()}
        finally:
            agent.cleanup()
    finally:
        nsd.cleanup()
        subprocess.run(["umount", "/etc"], check=False)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result))


class UpstreamsFromResolvConfTest(unittest.TestCase):
    def setUp(self):
        agent_binary()
        require_dig()
        require_nsd()
        if not namespaces_available():
            self.skipTest("needs root and unshare for private mount, network and pid namespaces")

    def run_in_namespaces(self, resolv_conf):
        scenario = json.dumps({"resolv_conf": resolv_conf})
        proc = subprocess.run(["unshare", "-mnpf", "--mount-proc", sys.executable, os.path.abspath(__file__),
                               "--child", scenario], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr + proc.stdout)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    def test_forwards_to_the_resolv_conf_nameservers_and_skips_itself(self):
        # The agent's own address comes first, as it will once it manages resolv.conf: it must
        # not forward to itself (a loop), but to the next nameserver.
        result = self.run_in_namespaces("# test\nsearch example.test\nnameserver 127.0.0.1\n"
                                        "nameserver 127.0.0.2\noptions ndots:2\n")
        self.assertEqual(result["status"], "NOERROR", result["log"])
        self.assertEqual(result["answers"], ["192.0.2.10", "192.0.2.11"])
        self.assertIn("nameserver 127.0.0.1 is this agent; not forwarding to it", result["log"])
        self.assertIn("forwarding other names to 127.0.0.2:53 (from /etc/resolv.conf)", result["log"])

    def test_without_usable_nameservers_outside_names_get_servfail_not_silence(self):
        result = self.run_in_namespaces("nameserver 127.0.0.1\nnameserver resolver.example\n")
        self.assertEqual(result["status"], "SERVFAIL", result["log"])
        self.assertIn("no upstream resolvers to forward to (/etc/resolv.conf)", result["log"])
        self.assertIn("ignored \"nameserver resolver.example\" (not an IP address)", result["log"])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        unittest.main()
