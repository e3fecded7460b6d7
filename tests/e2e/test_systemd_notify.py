"""What the agent tells systemd (sd_notify, Type=notify): READY=1 once it serves, STATUS= lines,
WATCHDOG=1 while every event loop is alive (WatchdogSec), STOPPING=1 on SIGTERM. systemd is
played by a Unix datagram socket named in NOTIFY_SOCKET, as systemd itself sets it."""
import os
import socket
import tempfile
import threading
import time
import unittest

from harness import app_state, down_master_address, require_dig, start_agent, wait_until

LEADER = "127.0.0.1:5050"


class NotifySocket:
    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="mdns-notify-")
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, text)
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        test.addCleanup(self.close)

    def loop(self):
        while not self.done.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.messages.append((time.monotonic(), data.decode()))

    def lines(self, prefix):
        with self.lock:
            return [(t, line) for t, m in self.messages for line in m.split("\n") if line.startswith(prefix)]

    def close(self):
        self.done.set()
        self.thread.join(5)
        self.sock.close()
        os.unlink(self.path)
        os.rmdir(self.dir)


class SystemdNotifyTest(unittest.TestCase):
    def setUp(self):
        require_dig()

    def test_ready_status_watchdog_and_stopping(self):
        notify = NotifySocket(self)
        agent = start_agent(self, {"stateFile": "state.json", "refreshSeconds": 60, "workers": 2},
                            files={"state.json": app_state(LEADER, "web", task_ips=["10.3.0.1"])},
                            env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"})
        agent.wait_loaded()
        wait_until(lambda: notify.lines("READY=1"), 5, message="no READY=1")
        status = notify.lines("STATUS=")
        self.assertTrue(status and "serving" in status[0][1], status)
        # Every event loop alive: WATCHDOG=1 well within each 400 ms.
        time.sleep(1.5)
        beats = [t for t, _ in notify.lines("WATCHDOG=1")]
        self.assertGreaterEqual(len(beats), 5, beats)
        self.assertLess(max(b - a for a, b in zip(beats, beats[1:])), 0.4)
        agent.wait_log(r"systemd watchdog: 400 ms")
        self.assertEqual(agent.stop(), 0)
        wait_until(lambda: notify.lines("STOPPING=1"), 5, message="no STOPPING=1")

    def test_ready_waits_for_records_then_comes_anyway_after_startWaitSeconds(self):
        notify = NotifySocket(self)
        agent = start_agent(self, {"masters": [down_master_address()], "refreshSeconds": 1, "stateTimeoutSeconds": 1,
                                   "startWaitSeconds": 3},
                            env={"NOTIFY_SOCKET": notify.path})
        started = time.monotonic()
        time.sleep(1.5)
        self.assertEqual(notify.lines("READY=1"), [], "READY=1 before any records")
        wait_until(lambda: notify.lines("READY=1"), 6, message="no READY=1 after startWaitSeconds")
        ready_at = notify.lines("READY=1")[0][0]
        self.assertGreaterEqual(ready_at - started, 2.5)
        self.assertTrue(any("no records yet" in line for _, line in notify.lines("STATUS=")), notify.messages)
        self.assertEqual(agent.dig("web.marathon.mesos").status, "SERVFAIL")
        agent.wait_log(r"no records after startWaitSeconds")

    def test_no_watchdog_messages_without_watchdog_usec(self):
        notify = NotifySocket(self)
        agent = start_agent(self, {"stateFile": "state.json"},
                            files={"state.json": app_state(LEADER, "web", task_ips=["10.3.0.1"])},
                            env={"NOTIFY_SOCKET": notify.path})
        agent.wait_loaded()
        wait_until(lambda: notify.lines("READY=1"), 5, message="no READY=1")
        time.sleep(0.5)
        self.assertEqual(notify.lines("WATCHDOG=1"), [])


if __name__ == "__main__":
    unittest.main()
