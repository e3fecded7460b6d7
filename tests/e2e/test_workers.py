"""The worker threads the agent starts, and how it ends when a port it needs is taken."""
import json
import os
import shutil
import socket
import subprocess
import unittest

from harness import LOOPBACK, agent_binary, app_state, free_port, temp_dir, wait_until


class WorkersTest(unittest.TestCase):
    def write_config(self, d, **config):
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump(app_state(LOOPBACK + ":5050"), f)
        config = dict({"stateFile": "state.json", "listener": LOOPBACK, "port": free_port(), "httpon": False,
                       "externalon": False, "stateDir": os.path.join(d, "state")}, **config)
        path = os.path.join(d, "config.json")
        with open(path, "w") as f:
            json.dump(config, f)
        return path

    def test_agent_pinned_to_one_cpu_runs_one_worker(self):
        if shutil.which("taskset") is None:
            self.fail("taskset is missing (Debian: util-linux)")
        with temp_dir() as d:
            log_path = os.path.join(d, "agent.log")
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(["taskset", "-c", "0", agent_binary(), "-config", self.write_config(d)],
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            try:
                def line():
                    with open(log_path) as f:
                        return next((l for l in f if "serving DNS for" in l), None)
                served = wait_until(line, timeout=10)
                self.assertIn("(udp, tcp; 1 worker)", served)
            finally:
                proc.terminate()
                proc.wait(10)

    def test_http_port_in_use_is_a_clear_error_and_exit_1(self):
        blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(blocker.close)
        blocker.bind((LOOPBACK, 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        with temp_dir() as d:
            config = self.write_config(d, httpon=True, httpListener=LOOPBACK, httpPort=port, workers=2)
            r = subprocess.run([agent_binary(), "-config", config], stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, timeout=30)
        self.assertEqual(r.returncode, 1, "not a crash (SIGABRT is -6): " + r.stderr)
        self.assertIn("%s:%d" % (LOOPBACK, port), r.stderr)
        self.assertNotIn("terminate called", r.stderr)


if __name__ == "__main__":
    unittest.main()
