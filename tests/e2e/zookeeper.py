"""A real ZooKeeper server (Debian's `zookeeper` package) on a loopback high port, and Mesos
masters registered in it the way Mesos registers them: each master's session owns an ephemeral
sequential znode <group>/json.info_<sequence> holding its MasterInfo as JSON. Closing a master's
session removes its znode at once, which is how a master dying looks to a detector.

Needs java, /usr/share/java/zookeeper.jar (package zookeeper) and kazoo (package python3-kazoo).
Without them the tests are skipped, except under CI=true where that is a failure.
"""
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import LOOPBACK, free_port, wait_until

ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"  # its manifest's Class-Path names its dependencies

# kazoo reports every reconnection attempt; the tests stop servers on purpose.
logging.getLogger("kazoo").setLevel(logging.CRITICAL)


def _missing(reason):
    if os.environ.get("CI") == "true":
        raise AssertionError(reason + " (CI must run these tests: install zookeeper and python3-kazoo)")
    raise unittest.SkipTest(reason)


def require_zookeeper():
    if shutil.which("java") is None or not os.path.exists(ZOOKEEPER_JAR):
        _missing("the ZooKeeper server is not installed (Debian: apt-get install zookeeper)")
    try:
        import kazoo.client  # noqa: F401
    except ImportError:
        _missing("kazoo is not installed for %s (Debian: apt-get install python3-kazoo)" % os.sys.executable)


class ZooKeeperServer:
    """A standalone ZooKeeper server on 127.0.0.1:<port> with its data in a temporary folder.
    stop() ends it (SIGTERM to its own PID, SIGKILL if it lingers); start() brings it back on the
    same port with the same data."""

    def __init__(self, port=None):
        require_zookeeper()
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="mdns-zk-")
        self.config = os.path.join(self.dir, "zoo.cfg")
        with open(self.config, "w") as f:
            f.write("tickTime=500\n"
                    "initLimit=10\n"
                    "syncLimit=5\n"
                    "dataDir=%s\n"
                    "clientPort=%d\n"
                    "clientPortAddress=%s\n"
                    "admin.enableServer=false\n"
                    "4lw.commands.whitelist=srvr\n"
                    "minSessionTimeout=1000\n"
                    "maxSessionTimeout=20000\n" % (os.path.join(self.dir, "data"), self.port, LOOPBACK))
        self.proc = None
        self._log = None

    @property
    def address(self):
        return "%s:%d" % (LOOPBACK, self.port)

    def start(self, timeout=60.0):
        self._log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            ["java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dzookeeper.jmx.log4j.disable=true",
             "-cp", ZOOKEEPER_JAR, "org.apache.zookeeper.server.ZooKeeperServerMain", self.config],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        wait_until(self._answers, timeout, interval=0.1,
                   message=lambda: "ZooKeeper does not answer on %s; its log:\n%s" % (self.address, self.log()))
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError("ZooKeeper exited with %s; its log:\n%s" % (self.proc.returncode, self.log()))
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=1) as s:
                # Not ruok: that says imok before the server takes sessions.
                s.sendall(b"srvr")
                return s.recv(64).startswith(b"Zookeeper version")
        except OSError:
            return False

    def log(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self._log.close()

    def forget(self):
        """Drops the stopped server's data: started again, it knows no session and no znode, as a
        rebuilt ensemble would."""
        assert self.proc is None, "stop() first"
        shutil.rmtree(os.path.join(self.dir, "data"), ignore_errors=True)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def zookeeper_server(test):
    """A started ZooKeeperServer, stopped and removed when `test` ends."""
    server = ZooKeeperServer()
    test.addCleanup(server.cleanup)
    return server.start()


def master_info(master):
    """The MasterInfo JSON a Mesos 1.x master writes into its znode, for a FakeMaster."""
    ip, port = master.address.rsplit(":", 1)
    return {"address": {"hostname": "localhost", "ip": ip, "port": int(port)}, "hostname": "localhost",
            "id": str(uuid.uuid4()), "ip": int.from_bytes(socket.inet_aton(ip), "little"),
            "pid": "master@" + master.address, "port": int(port), "version": "1.9.0"}


class Session:
    """One ZooKeeper session (kazoo), as one Mesos master holds. close() ends the session, and
    ZooKeeper deletes its ephemeral znodes at once."""

    def __init__(self, server):
        from kazoo.client import KazooClient
        self.client = KazooClient(hosts=server.address, timeout=5.0,
                                  connection_retry={"max_tries": -1, "delay": 0.1, "max_delay": 1})
        self.client.start(timeout=15)

    def create(self, path, data=b"", ephemeral=True, sequence=True):
        """Creates a znode (making its parents); returns its full path."""
        parent = path.rsplit("/", 1)[0]
        if parent:
            self.client.ensure_path(parent)
        if isinstance(data, (dict, list)):
            data = json.dumps(data)
        if isinstance(data, str):
            data = data.encode()
        return self.client.create(path, data, ephemeral=ephemeral, sequence=sequence)

    def register(self, group, master):
        """Registers a FakeMaster in `group` as Mesos does: <group>/json.info_<sequence>."""
        return self.create(group + "/json.info_", master_info(master))

    def wait_connected(self, timeout=30.0):
        """Waits until the session is connected again (after a server restart): only then does
        close() end it at once rather than leave its znodes until it expires."""
        wait_until(lambda: self.client.connected, timeout, message="the kazoo session does not reconnect")

    def close(self):
        if self.client is None:
            return
        self.client.stop()
        self.client.close()
        self.client = None


def session(test, server):
    """A Session closed when `test` ends (if the test has not closed it)."""
    s = Session(server)
    test.addCleanup(s.close)
    return s


def measure(predicate, timeout, interval=0.02):
    """Seconds until predicate() is true (fails after `timeout`)."""
    start = time.monotonic()
    wait_until(predicate, timeout, interval=interval)
    return time.monotonic() - start
