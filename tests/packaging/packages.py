"""Where the packaging tests find the packages that build_packages.py made, and what is in them.

Environment: MDNS_PKG_DIR (the fixture's build folder), MDNS_REPO (the repository root)."""
import atexit
import functools
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

NAME = "mesos-dns-agent"
CONFIG = "/etc/mesos-dns-agent/config.json"
STATE_DIR = "/var/lib/mesos-dns-agent"
UNIT = "mesos-dns-agent.service"
# The line the agent writes into resolv.conf before its own nameserver lines.
RESOLV_CONF_MARKER = ("# mesos-dns-agent: the nameserver lines below up to the original ones are the agent's; "
                      "it restores this file when it stops")
# What release 2 changes in the default config (an upgrade that brings a new default).
UPGRADE_CONFIG_CHANGE = {"refreshSeconds": 30}


def repo_root():
    return os.environ.get("MDNS_REPO") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def package_dir():
    path = os.environ.get("MDNS_PKG_DIR", "")
    if not path:
        raise unittest.SkipTest("MDNS_PKG_DIR is not set (the packaging fixture's build folder)")
    return path


def package(release, kind):
    """The .deb or .rpm ("deb", "rpm") of release 1 (as shipped) or 2 (an upgrade)."""
    found = glob.glob(os.path.join(package_dir(), "out", "release-%d" % release, "*." + kind))
    if len(found) != 1:
        raise AssertionError("expected one .%s of release %d, found %s (did packaging.build run?)"
                             % (kind, release, found))
    return found[0]


def run(cmd, check=True, **kw):
    """Runs cmd; returns the CompletedProcess (text). With check, a failure raises with its output."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p


@functools.lru_cache(maxsize=None)
def extracted(release):
    """The release's .deb unpacked into a temporary folder (removed at exit), in the build folder:
    /tmp may be mounted noexec."""
    path = tempfile.mkdtemp(prefix="extracted-", dir=package_dir())
    atexit.register(shutil.rmtree, path, True)
    run(["dpkg-deb", "-x", package(release, "deb"), path])
    return path


def default_config_text(release):
    with open(os.path.join(extracted(release), CONFIG.lstrip("/"))) as f:
        return f.read()


def require_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise unittest.SkipTest("not installed: %s (tests/run-all.sh installs them)" % ", ".join(missing))
