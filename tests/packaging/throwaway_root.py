"""A throw-away root folder for installing the packages with `dpkg --root` and `rpm --root`.

dpkg and rpm run the maintainer scripts chrooted into the root, so whatever the scripts do stays
inside it: this machine's /etc/resolv.conf, its systemd and its package database are out of reach.
/bin/sh there is a static busybox (Debian: busybox-static), and the packaged agent's shared libraries
are copied in, so that the scripts can run the agent (`resolvconf restore`) as on a real node.
With `systemd=True`, the root looks like a booted systemd machine (/run/systemd/system) whose
systemctl, deb-systemd-helper and deb-systemd-invoke only write down how they were called."""
import hashlib
import os
import re
import shutil
import stat
import tempfile
import unittest

from packages import NAME, UNIT, extracted, package_dir, require_tools, run

BUSYBOX = shutil.which("busybox") or "/bin/busybox"
CALLS = "/calls.log"
FAKE_TOOL = '#!/bin/sh\necho "$(basename "$0") $*" >> %s\nexit 0\n'


def shared_libraries(binary):
    """The files the dynamic loader maps for `binary` (ldd), the loader included."""
    out = run(["ldd", binary]).stdout
    return sorted(set(re.findall(r"(/\S+) \(0x", out)))


def write_fake_tools(folder, names, log):
    os.makedirs(folder, exist_ok=True)
    for name in names:
        path = os.path.join(folder, name)
        with open(path, "w") as f:
            f.write(FAKE_TOOL % log)
        os.chmod(path, 0o755)


class ThrowawayRoot:
    def __init__(self, agent_binary, systemd=False):
        # In the build folder: /tmp may be mounted noexec.
        os.makedirs(os.path.join(package_dir(), "roots"), exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="root-", dir=os.path.join(package_dir(), "roots"))
        for folder in ("bin", "dev", "etc", "tmp", "usr/bin", "usr/sbin", "sbin", "var/lib/dpkg/info",
                       "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
            os.makedirs(self.file(folder))
        for name in ("status", "available"):
            open(self.file("var/lib/dpkg/" + name), "w").close()
        shutil.copy(BUSYBOX, self.file("bin/busybox"))
        for applet in run([BUSYBOX, "--list"]).stdout.split():
            if not os.path.lexists(self.file("bin/" + applet)):
                os.symlink("busybox", self.file("bin/" + applet))
        try:
            os.mknod(self.file("dev/null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:  # a container without CAP_MKNOD: a plain file swallows the output as well
            open(self.file("dev/null"), "w").close()
        os.chmod(self.file("dev/null"), 0o666)
        for lib in shared_libraries(agent_binary):
            os.makedirs(os.path.dirname(self.file(lib)), exist_ok=True)
            shutil.copy(lib, self.file(lib))
        if systemd:
            os.makedirs(self.file("run/systemd/system"))
            write_fake_tools(self.file("usr/bin"), ("systemctl", "deb-systemd-helper", "deb-systemd-invoke"), CALLS)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def file(self, path):
        return os.path.join(self.path, path.lstrip("/"))

    def exists(self, path):
        return os.path.lexists(self.file(path))

    def read(self, path):
        with open(self.file(path)) as f:
            return f.read()

    def write(self, path, text):
        os.makedirs(os.path.dirname(self.file(path)), exist_ok=True)
        with open(self.file(path), "w") as f:
            f.write(text)

    def take_calls(self):
        """The fake systemd tools' calls since the last take, one "tool args" string each."""
        if not self.exists(CALLS):
            return []
        calls = self.read(CALLS).splitlines()
        os.remove(self.file(CALLS))
        return calls

    def dpkg(self, *args, extra=(), env=None):
        """dpkg on this root, which has no packages for the agent's libraries (--force-depends);
        conffiles the admin changed are kept (--force-confold: no question asked)."""
        return run(["dpkg", "--root=" + self.path, "--force-depends", "--force-confold", *extra, *args], env=env)

    def dpkg_status(self):
        """"<want> <eflag> <status> <version>" of the package in this root, or "" when dpkg knows none."""
        p = run(["dpkg-query", "--admindir=" + self.file("var/lib/dpkg"), "-W", "-f=${Status} ${Version}", NAME],
                check=False)
        return p.stdout.strip() if p.returncode == 0 else ""

    def rpm(self, *args):
        return run(["rpm", "--root=" + self.path, "--nodeps", *args])


# What on this machine a maintainer script run astray would change.
HOST_PATHS = ("/etc/resolv.conf", "/etc/mesos-dns-agent", "/var/lib/mesos-dns-agent", "/usr/sbin/" + NAME,
              "/lib/systemd/system/" + UNIT, "/etc/systemd/system/multi-user.target.wants/" + UNIT,
              "/etc/systemd/system/" + UNIT, "/var/lib/systemd/deb-systemd-helper-enabled/" + UNIT + ".dsh-also",
              "/var/lib/dpkg/info/%s.list" % NAME)


def host_state():
    """What HOST_PATHS hold now (a link's target, a file's digest, a folder's names)."""
    state = {}
    for path in HOST_PATHS:
        if os.path.islink(path):
            state[path] = "-> " + os.readlink(path)
        elif os.path.isdir(path):
            state[path] = sorted(os.listdir(path))
        elif os.path.exists(path):
            with open(path, "rb") as f:
                state[path] = hashlib.sha256(f.read()).hexdigest()
        else:
            state[path] = None
    return state


class ThrowawayRootTestCase(unittest.TestCase):
    """Tests that install packages into throw-away roots; each checks at its end that this
    machine's own files did not change (assertHostUntouched)."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("dpkg --root and rpm --root run the maintainer scripts in a chroot: needs root")
        require_tools("ldd", "busybox", "dpkg-deb")
        self.host_before = host_state()

    def make_root(self, systemd=False):
        root = ThrowawayRoot(os.path.join(extracted(1), "usr/sbin/mesos-dns-agent"), systemd=systemd)
        self.addCleanup(root.cleanup)
        return root

    def assertHostUntouched(self):
        self.assertEqual(host_state(), self.host_before, "a maintainer script changed this machine's files")
