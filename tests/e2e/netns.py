"""Running a test in private mount, network and pid namespaces (`unshare -mnpf`), so it may bind
port 53 on loopback and own /etc/resolv.conf: the network holds only its own loopback (brought
up), and a private copy of /etc is bind-mounted over /etc (the whole folder, so that a rename can
replace resolv.conf). The machine's real files and network are never touched.

Decorate a test method with @in_private_namespaces: run normally, it starts itself again under
unshare and passes or fails with that run.
"""
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
_FLAG = "MDNS_IN_PRIVATE_NAMESPACES"


def namespaces_available():
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "-mnpf", "--mount-proc", "true"], capture_output=True, timeout=10)
    return probe.returncode == 0


def _enter(test):
    """Inside the namespaces: loopback up, a private /etc."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    work = tempfile.mkdtemp(prefix="mdns-ns-")
    etc = os.path.join(work, "etc")
    shutil.copytree("/etc", etc, symlinks=True)
    subprocess.run(["mount", "--bind", etc, "/etc"], check=True)

    def leave():
        subprocess.run(["umount", "-l", "/etc"], check=False)
        shutil.rmtree(work, ignore_errors=True)

    test.addCleanup(leave)


def write_resolv_conf(text, path="/etc/resolv.conf"):
    """A fresh file in the private /etc (never written through a link that may lead out of it)."""
    if os.path.lexists(path):
        os.remove(path)
    with open(path, "w") as f:
        f.write(text)


def in_private_namespaces(method):
    @functools.wraps(method)
    def wrapper(self):
        if os.environ.get(_FLAG) == "1":
            _enter(self)
            return method(self)
        if not namespaces_available():
            raise unittest.SkipTest("needs root and unshare for private mount, network and pid namespaces")
        test_id = "%s.%s.%s" % (type(self).__module__, type(self).__name__, method.__name__)
        proc = subprocess.run(["unshare", "-mnpf", "--mount-proc", sys.executable, "-m", "unittest", test_id],
                              cwd=HERE, env=dict(os.environ, **{_FLAG: "1"}), capture_output=True, text=True,
                              timeout=300)
        if proc.returncode != 0:
            self.fail("in private namespaces:\n" + proc.stdout[-4000:] + proc.stderr[-8000:])
        if "skipped" in proc.stderr.splitlines()[-1]:
            raise unittest.SkipTest(proc.stderr.strip().splitlines()[-1])

    return wrapper
