"""Restarts without a DNS gap: the listening sockets outlive the agent (systemd's socket activation,
or its file descriptor store), so queries sent while no agent runs wait in them and the next agent
answers them. systemd is played by this test: it holds the sockets, or receives them over
NOTIFY_SOCKET with FDSTORE=1, and passes them to the next agent as LISTEN_FDS."""
import array
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import LOOPBACK, Agent, QueryLoad, app_state, free_port, require_dig, wait_until

LEADER = "master@10.0.0.5:5050"
NAME = "web.marathon.mesos"


def systemd_style(agent, fds, names):
    """Starts `agent` the way systemd passes sockets: the descriptors as 3, 4, ... and LISTEN_FDS,
    LISTEN_FDNAMES and LISTEN_PID (the agent's own PID, which exec keeps) in the environment."""
    moves = " ".join("%d<&%d" % (3 + i, fd) for i, fd in enumerate(fds))
    script = 'exec %s; LISTEN_PID=$$ LISTEN_FDS=%d LISTEN_FDNAMES=%s exec "$@"' % (moves, len(fds), ":".join(names))
    agent._log = open(agent.log_path, "ab")
    agent.proc = subprocess.Popen(["sh", "-c", script, "sh", agent.binary, "-config", agent.config_path],
                                  stdin=subprocess.DEVNULL, stdout=agent._log, stderr=subprocess.STDOUT,
                                  pass_fds=fds, env=agent.env)


class FdStore:
    """systemd's side of NOTIFY_SOCKET, keeping the descriptors sent with FDSTORE=1."""

    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="mdns-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.fds, self.messages = [], []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        test.addCleanup(self.close)

    def _run(self):
        while not self.done.is_set():
            try:
                msg, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(64 * 4))
            except socket.timeout:
                continue
            fds = []
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    a = array.array("i")
                    a.frombytes(data[:len(data) - len(data) % a.itemsize])
                    fds.extend(a)
            text = msg.decode()
            self.messages.append(text)
            if "FDSTORE=1" in text.split("\n"):
                self.fds.extend(fds)
            else:
                for fd in fds:
                    os.close(fd)

    def close(self):
        self.done.set()
        self.thread.join(5)
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        os.unlink(self.path)
        os.rmdir(self.dir)


class RestartNoLossTest(unittest.TestCase):
    def setUp(self):
        require_dig()

    def new_agent(self, port, **env):
        agent = Agent({"stateFile": "state.json", "port": port, "refreshSeconds": 60, "workers": 2},
                      files={"state.json": app_state(LEADER, "web", task_ips=["10.4.0.1"])}, env=env)
        self.addCleanup(agent.cleanup)
        return agent

    def restart_under_load(self, start_first, start_next, port):
        first = start_first()
        wait_until(lambda: first.dig(NAME).status == "NOERROR", 10, message=lambda: first.log())
        loads = [QueryLoad(port, NAME, limit=20) for _ in range(3)]  # three queries in flight at any time
        for load in loads:
            load.start()
        time.sleep(0.5)
        first.proc.send_signal(signal.SIGTERM)
        self.assertEqual(first.proc.wait(10), 0)
        time.sleep(0.5)  # no agent at all for half a second: queries wait in the sockets
        gap_sent = sum(load.sent for load in loads)
        second = start_next()
        wait_until(lambda: sum(load.sent for load in loads) > gap_sent + 150, 10,
                   message="the load does not go on after the restart")
        for load in loads:
            load.stop()
        sent, lost, failed = (sum(getattr(load, k) for load in loads) for k in ("sent", "lost", "failed"))
        self.assertGreater(sent, 300)
        self.assertEqual((lost, failed), (0, 0), "%d lost and %d failed of %d queries across the restart" % (lost, failed, sent))
        self.assertEqual(second.dig(NAME, "A", "+tcp").status, "NOERROR")  # TCP too
        return first, second

    def test_socket_activation_restart_loses_no_query(self):
        port = free_port()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((LOOPBACK, port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((LOOPBACK, port))
        tcp.listen(64)
        self.addCleanup(udp.close)
        self.addCleanup(tcp.close)
        fds = [udp.fileno(), tcp.fileno()]

        def start():
            agent = self.new_agent(port)
            systemd_style(agent, fds, ["dns-udp", "dns-tcp"])
            return agent

        first, second = self.restart_under_load(start, start, port)
        self.assertIn("(from systemd)", second.log())

    def test_file_descriptor_store_restart_loses_no_query(self):
        port = free_port()
        store = FdStore(self)

        def start_first():
            agent = self.new_agent(port, NOTIFY_SOCKET=store.path)
            agent.start()
            return agent

        def start_next():
            wait_until(lambda: len(store.fds) >= 4, 5, message="no FDSTORE=1 with the sockets")
            agent = self.new_agent(port, NOTIFY_SOCKET=store.path)
            systemd_style(agent, list(store.fds), ["dns"] * len(store.fds))
            return agent

        first, second = self.restart_under_load(start_first, start_next, port)
        self.assertTrue(any(m.startswith("FDSTORE=1") for m in store.messages), store.messages)
        self.assertIn("(from systemd)", second.log())


if __name__ == "__main__":
    unittest.main()
