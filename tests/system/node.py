"""A booted-systemd test node: a minimal Debian root (mmdebstrap, cached as a tarball) booted with
systemd-nspawn on a private network, commands run inside it with nsenter. Python 3 standard
library only; needs root, mmdebstrap and systemd-nspawn (apt-get install mmdebstrap
systemd-container).

    with Node("plain", packages=root_packages(deb)) as node:   # prepares and boots
        node.install_deb(deb)
        print(node.run(["getent", "hosts", "myapp.dev.marathon.mesos"]).stdout)

The host needs no systemd as PID 1: the container is started with --register=no --keep-unit (no
machined, no transient scope: without them nspawn fails with "Failed to open system bus"), so it
stays in the cgroup of the process that starts it. Nothing of the host is shared but the kernel:
--private-network gives the container only its own loopback, and the root is a private copy
unpacked from the cached tarball for each node.

Environment:
  MDNS_SYSTEM_CACHE     folder of the cached roots (default /var/cache/mesos-dns-agent-tests)
  MDNS_SYSTEM_SOURCES   apt sources for mmdebstrap (default: the host's debian.sources / sources.list)
  MDNS_SYSTEM_MAX_AGE   days after which a cached root is made again (default 14: security updates)
  MDNS_SYSTEM_KEEP      set: keep each node's unpacked root after poweroff (for a post-mortem)
  MDNS_SYSTEM_CGROUP    unified (default: cgroup v2 only inside the node) or host (nspawn's choice,
                        the host's layout, e.g. hybrid v1 + v2)
  MDNS_SYSTEM_VERBOSE   set: log each step with a timestamp
"""
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

SUITE = "bookworm"
VARIANT = "minbase"
# systemd as PID 1, the bus, and python3 for a fake master inside the node.
BASE_PACKAGES = ("systemd", "systemd-sysv", "dbus", "python3")
CACHE_DIR = os.environ.get("MDNS_SYSTEM_CACHE", "/var/cache/mesos-dns-agent-tests")
# Inside the node: a clean environment, not the host's.
NODE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
            "HOME": "/root", "DEBIAN_FRONTEND": "noninteractive", "SYSTEMD_PAGER": "", "TERM": "dumb"}


class NodeError(Exception):
    pass


def log(msg):
    if os.environ.get("MDNS_SYSTEM_VERBOSE"):
        print("[node %.1f] %s" % (time.monotonic(), msg), flush=True)


# ---------------------------------------------------------------------------------------------
# What can run here


def unavailable_reason():
    """None when nodes can be made and booted here, else why not (for a unittest skip)."""
    if os.geteuid() != 0:
        return "needs root (mmdebstrap, systemd-nspawn, nsenter)"
    for tool, pkg in (("mmdebstrap", "mmdebstrap"), ("systemd-nspawn", "systemd-container"),
                      ("nsenter", "util-linux"), ("dpkg-deb", "dpkg")):
        if not shutil.which(tool):
            return "%s is missing (apt-get install %s)" % (tool, pkg)
    if not os.path.isdir("/sys/fs/cgroup"):
        return "no /sys/fs/cgroup: systemd cannot run as the container's PID 1"
    return None


# ---------------------------------------------------------------------------------------------
# Cached roots


def host_sources():
    """The apt sources mmdebstrap uses: MDNS_SYSTEM_SOURCES, else the host's Debian sources."""
    for path in (os.environ.get("MDNS_SYSTEM_SOURCES"), "/etc/apt/sources.list.d/debian.sources",
                 "/etc/apt/sources.list"):
        if path and os.path.isfile(path) and os.path.getsize(path) > 0:
            return path
    raise NodeError("no apt sources found for mmdebstrap (set MDNS_SYSTEM_SOURCES)")


def deb_depends(deb):
    """The package names a .deb depends on (first of each alternative, versions dropped), so the
    cached root has them and `apt install ./x.deb` needs no network inside the node."""
    out = subprocess.run(["dpkg-deb", "-f", deb, "Depends", "Pre-Depends"], check=True,
                         capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        value = line.split(":", 1)[1] if ":" in line else line
        for dep in value.split(","):
            dep = dep.split("|")[0].strip()
            name = re.split(r"[\s(:]", dep, 1)[0]
            if name:
                names.append(name)
    return names


def root_packages(deb=None, extra=()):
    return sorted(set(BASE_PACKAGES) | set(deb_depends(deb) if deb else ()) | set(extra))


def cached_root(packages, suite=SUITE):
    """Path of a root tarball with `packages` installed (made with mmdebstrap when missing or older
    than MDNS_SYSTEM_MAX_AGE days). Keyed by suite, variant, package list and the apt sources;
    concurrent callers wait on a lock rather than build it twice."""
    sources = host_sources()
    with open(sources, "rb") as f:
        sources_text = f.read()
    key_text = json.dumps({"suite": suite, "variant": VARIANT, "packages": sorted(packages),
                           "sources": hashlib.sha256(sources_text).hexdigest()}, sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    os.makedirs(CACHE_DIR, exist_ok=True)
    tarball = os.path.join(CACHE_DIR, "root-%s-%s.tar" % (suite, key))
    max_age = float(os.environ.get("MDNS_SYSTEM_MAX_AGE", "14")) * 86400
    with open(os.path.join(CACHE_DIR, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(tarball) and time.time() - os.path.getmtime(tarball) < max_age:
            return tarball
        tmp = tarball + ".tmp"
        cmd = ["mmdebstrap", "--quiet", "--format=tar", "--variant=" + VARIANT, "--include=" + ",".join(sorted(packages)),
               suite, tmp, sources]
        log("making root: " + " ".join(cmd))
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if r.returncode != 0:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise NodeError("mmdebstrap failed (%d):\n%s" % (r.returncode, r.stderr[-4000:]))
        os.rename(tmp, tarball)
        with open(tarball + ".json", "w") as f:
            f.write(key_text + "\n")
        log("root made in %.1fs: %s (%d MB)" % (time.monotonic() - start, tarball, os.path.getsize(tarball) >> 20))
        return tarball


# ---------------------------------------------------------------------------------------------
# A node


class Node:
    """One container. prepare() unpacks the cached root, boot() starts it and waits until systemd
    says running/degraded, run() executes inside, poweroff() shuts it down cleanly and waits.
    Usable as a context manager (prepare + boot on enter, poweroff + cleanup on exit)."""

    def __init__(self, kind="plain", packages=BASE_PACKAGES, resolv_conf="nameserver 192.0.2.53\n",
                 workdir=None):
        """resolv_conf: text of the node's /etc/resolv.conf before boot (None: as the root has it).
        The default names a documentation address (TEST-NET-1): nothing answers there, the
        node is offline anyway."""
        self.kind = kind
        self.packages = sorted(packages)
        self.resolv_conf = resolv_conf
        self.workdir = workdir or tempfile.mkdtemp(prefix="mdns-node-%s-" % kind, dir="/var/tmp")
        self.root = os.path.join(self.workdir, "root")
        self.name = "mdns-%s-%d" % (re.sub(r"[^a-z0-9-]", "-", kind.lower())[:20], os.getpid())
        self.proc = None      # systemd-nspawn
        self.pid1 = None      # the container's systemd, as the host sees it
        self.console = None
        self.timings = {}

    # -- life cycle ----------------------------------------------------------------------------

    def prepare(self):
        start = time.monotonic()
        tarball = cached_root(self.packages)
        self.timings["root"] = time.monotonic() - start
        start = time.monotonic()
        if os.path.exists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(self.root)
        subprocess.run(["tar", "-C", self.root, "-xf", tarball], check=True)
        # mmdebstrap copies the host's resolv.conf and hostname: make the node its own.
        if self.resolv_conf is not None:
            rc = os.path.join(self.root, "etc/resolv.conf")
            if not os.path.islink(rc):
                with open(rc, "w") as f:
                    f.write(self.resolv_conf)
        with open(os.path.join(self.root, "etc/hostname"), "w") as f:
            f.write(self.name + "\n")
        self.timings["unpack"] = time.monotonic() - start
        return self

    def boot(self, timeout=60):
        """Starts the container and waits for `systemctl is-system-running` to say running or
        degraded (degraded: the failed units are logged and kept in self.failed_units)."""
        if self.proc and self.proc.poll() is None:
            raise NodeError("already booted")
        self.console = open(os.path.join(self.workdir, "console.log"), "ab")
        cmd = ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "--private-network",
               "--resolv-conf=off", "--timezone=off", "--link-journal=no", "--console=passive",
               "--machine=" + self.name, "-D", self.root, "--boot"]
        log(" ".join(cmd))
        start = time.monotonic()
        # Its own process group: a Ctrl-C of the test run does not reach it half-way.
        env = dict(os.environ)
        if os.environ.get("MDNS_SYSTEM_CGROUP", "unified") == "unified":
            # Only cgroup v2 inside, as on Debian 12, Ubuntu 22.04 and Fedora hosts (nspawn would
            # copy the host's layout: hybrid v1 + v2 on some CI machines).
            env["SYSTEMD_NSPAWN_UNIFIED_HIERARCHY"] = "1"
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.console, env=env,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        try:
            state = self._wait_booted(start, timeout)
        except BaseException:
            self.kill()
            raise
        self.timings["boot"] = time.monotonic() - start
        self.failed_units = []
        if state == "degraded":
            self.failed_units = self.run(["systemctl", "--failed", "--plain", "--no-legend"]).stdout.split("\n")
            log("degraded: %s" % self.failed_units)
        return state

    def _wait_booted(self, start, timeout):
        deadline = start + timeout
        self.pid1 = None
        while self.pid1 is None:
            self._check_alive()
            self.pid1 = self._find_pid1()
            if self.pid1 is None:
                if time.monotonic() > deadline:
                    raise NodeError("no PID 1 under systemd-nspawn after %ds" % timeout)
                time.sleep(0.05)
        state = ""
        while True:
            self._check_alive()
            r = self.run(["systemctl", "is-system-running"], check=False, timeout=10)
            state = r.stdout.strip()
            if state in ("running", "degraded"):
                break
            # "offline" (and empty, with "Failed to connect to bus") early on: the manager is not up yet.
            if state in ("maintenance", "stopping") or time.monotonic() > deadline:
                raise NodeError("node did not boot (%r after %.0fs); console:\n%s"
                                % (state, time.monotonic() - start, self.console_text()[-3000:]))
            time.sleep(0.1)
        return state

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise NodeError("systemd-nspawn exited with %d; console:\n%s"
                            % (self.proc.returncode, self.console_text()[-3000:]))

    def _find_pid1(self):
        """The container's PID 1: the child of systemd-nspawn that is PID 1 of its own pid
        namespace (NSpid: <host pid> 1) and runs systemd."""
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/status" % entry) as f:
                    status = f.read()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("PPid", "0").strip() or 0) != self.proc.pid:
                continue
            nspid = fields.get("NSpid", "").split()
            # Name: systemd once nspawn's inner child has set up the mounts and exec'd it (before
            # that, nsenter would enter a half-made mount namespace).
            if len(nspid) >= 2 and nspid[-1] == "1" and fields.get("Name", "").strip() == "systemd":
                return int(entry)
        return None

    def poweroff(self, timeout=30):
        """Clean shutdown (systemctl poweroff inside), waiting for systemd-nspawn to exit. Past
        `timeout`: SIGTERM to nspawn (it asks PID 1 to halt), then SIGKILL to it, then SIGKILL
        to the container's PID 1 (which ends the whole pid namespace). Returns the seconds taken."""
        if not self.proc or self.proc.poll() is not None:
            return 0.0
        start = time.monotonic()
        self.run(["systemctl", "poweroff", "--no-block"], check=False, timeout=10)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise NodeError("node did not power off within %ds" % timeout)
        finally:
            self.timings["poweroff"] = time.monotonic() - start
            self._stopped()
        return self.timings["poweroff"]

    def kill(self):
        """Ends the container without asking it: SIGTERM to nspawn (it asks PID 1 to halt), after
        10 s SIGKILL to nspawn and to the container's PID 1 (which ends its whole pid namespace).
        Only the processes this Node started."""
        if self.proc and self.proc.poll() is None:
            log("SIGTERM to nspawn %d" % self.proc.pid)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pid1 = self.pid1 or self._find_pid1()
                self.proc.kill()
                if pid1:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid1, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._stopped()

    def _stopped(self):
        self.pid1 = None
        if self.console:
            self.console.close()
            self.console = None

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.poweroff()
        if not os.environ.get("MDNS_SYSTEM_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        self.prepare()
        try:
            self.boot()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- inside the node -------------------------------------------------------------------------

    def run(self, cmd, check=True, timeout=60, input=None, env=None):
        """Runs cmd (a list, or a string for sh -c) in all the container's namespaces, as root,
        with a clean environment. Returns the CompletedProcess (text)."""
        if self.pid1 is None:
            raise NodeError("node is not booted")
        if isinstance(cmd, str):
            cmd = ["sh", "-c", cmd]
        node_env = dict(NODE_ENV, **(env or {}))
        full = ["nsenter", "--target", str(self.pid1), "--all", "env", "-i"] + \
               ["%s=%s" % kv for kv in node_env.items()] + list(cmd)
        r = subprocess.run(full, input=input, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise NodeError("in node %s: %s exited %d\nstdout: %s\nstderr: %s"
                            % (self.name, shlex.join(cmd), r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        return r

    def path(self, inside):
        """The host path of a file inside the node (the root is a plain folder)."""
        return os.path.join(self.root, inside.lstrip("/"))

    def write(self, inside, text, mode=0o644):
        p = self.path(inside)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)

    def read(self, inside):
        """A file of the node's root (not of its /run or /tmp: tmpfs mounts inside; see cat)."""
        with open(self.path(inside)) as f:
            return f.read()

    def cat(self, inside):
        """A file as the node's programs see it (also in /run), or None when it is not there."""
        r = self.run(["cat", inside], check=False)
        return r.stdout if r.returncode == 0 else None

    def listdir(self, inside):
        """A folder as the node's programs see it: sorted names, [] when it is not there."""
        r = self.run(["ls", "-1A", inside], check=False)
        return sorted(r.stdout.split()) if r.returncode == 0 else []

    def install_deb(self, deb, timeout=180):
        """apt-get install ./x.deb inside (no network: the dependencies are in the root)."""
        inside = "/var/tmp/" + os.path.basename(deb)
        shutil.copyfile(deb, self.path(inside))
        start = time.monotonic()
        r = self.run(["apt-get", "install", "-y", "--no-install-recommends", "-o", "Dpkg::Options::=--force-confold",
                      inside], timeout=timeout)
        self.timings["install"] = time.monotonic() - start
        return r

    def install_fake_master(self, state, port=5050):
        """The fake master as an enabled unit of the node (it comes back after a reboot): python3's
        http.server serving GET /master/state on 127.0.0.1:port. Call before boot, or after (then it
        is started too)."""
        self.write("/srv/fake-master/master/state", json.dumps(state))
        self.write("/etc/systemd/system/fake-master.service",
                   "[Unit]\nDescription=a Mesos master played by python3's http.server\nBefore=mesos-dns-agent.service\n"
                   "[Service]\nExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory /srv/fake-master %d\n"
                   "[Install]\nWantedBy=multi-user.target\n" % port)
        self.enable("fake-master.service")
        if self.pid1 is not None:
            self.run(["systemctl", "daemon-reload"])
            self.run(["systemctl", "start", "fake-master.service"])
            self.wait_for_master(port)

    def wait_for_master(self, port=5050, timeout=15):
        deadline = time.monotonic() + timeout
        probe = ("import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:%d/master/state', timeout=2)"
                 % port)
        while self.run(["python3", "-c", probe], check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise NodeError("fake master did not answer:\n" + self.journal("fake-master"))
            time.sleep(0.1)

    def enable(self, unit):
        """systemctl --root enable, from the host: works before boot and needs no bus."""
        subprocess.run(["systemctl", "--root=" + self.root, "--quiet", "enable", unit], check=True,
                       capture_output=True, text=True)

    def journal(self, unit=None, since=None):
        cmd = ["journalctl", "--no-pager", "-o", "short-monotonic"]
        if unit:
            cmd += ["-u", unit]
        if since:
            cmd += ["--since", since]
        return self.run(cmd, check=False).stdout

    def unit_active(self, unit):
        return self.run(["systemctl", "is-active", unit], check=False).stdout.strip()

    def wait_for(self, predicate, timeout, what):
        start = time.monotonic()
        while True:
            if predicate():
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise NodeError("%s: not within %ss" % (what, timeout))
            time.sleep(0.1)

    def getent(self, name):
        """`getent hosts name` inside (glibc through the node's nsswitch and resolv.conf): the
        addresses, [] when it does not resolve."""
        r = self.run(["getent", "hosts", name], check=False, timeout=30)
        return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]

    def console_text(self):
        with contextlib.suppress(OSError):
            with open(os.path.join(self.workdir, "console.log"), errors="replace") as f:
                return f.read()
        return ""
