"""DNS over TCP as RFC 7766 asks: pipelined queries, half-closed clients, idle and slow clients,
and a cap on connections, none of which may stall anyone else; and several worker threads sharing
the listener."""
import socket
import struct
import subprocess
import time
import unittest

from harness import LOOPBACK, app_state, read_exact, require_dig, start_agent, wait_until

LEADER = "127.0.0.1:5050"


def query(name, qtype=1, qid=0x1234):
    wire = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split(".")) + b"\0"
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + wire + struct.pack(">HH", qtype, 1)
    return struct.pack(">H", len(msg)) + msg


def read_reply(sock):
    (length,) = struct.unpack(">H", read_exact(sock, 2))
    msg = read_exact(sock, length)
    qid, flags, _, ancount = struct.unpack(">HHHH", msg[:8])
    return qid, flags & 0xF, ancount


def closed_by_peer(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


class TcpTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        self.agent = start_agent(self, {"stateFile": "state.json", "tcpIdleSeconds": 2, "maxTcpConnections": 4},
                                 files={"state.json": app_state(LEADER, "web", task_ips=["10.1.0.1", "10.1.0.2"])})
        self.agent.wait_loaded()

    def connect(self):
        s = socket.create_connection((LOOPBACK, self.agent.port), timeout=5)
        self.addCleanup(s.close)
        return s

    def test_answers_every_pipelined_query_on_one_connection(self):
        s = self.connect()
        s.sendall(query("web.marathon.mesos", qid=1) + query("nothere.marathon.mesos", qid=2) +
                  query("leader.mesos", qid=3))
        got = [read_reply(s) for _ in range(3)]
        self.assertEqual(sorted(got), [(1, 0, 2), (2, 3, 0), (3, 0, 1)])

    def test_answers_queries_sent_before_the_client_half_closes(self):
        s = self.connect()
        s.sendall(query("web.marathon.mesos", qid=7))
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(read_reply(s), (7, 0, 2))
        self.assertTrue(closed_by_peer(s, 5))

    def test_closes_idle_connection_after_tcp_idle_seconds(self):
        s = self.connect()
        s.sendall(query("web.marathon.mesos", qid=1))
        self.assertEqual(read_reply(s)[0], 1)
        start = time.monotonic()
        self.assertTrue(closed_by_peer(s, 6), "idle connection still open after 6 s")
        self.assertGreater(time.monotonic() - start, 1.0)

    def test_client_sending_half_a_query_does_not_stall_others(self):
        slow = self.connect()
        slow.sendall(query("web.marathon.mesos")[:7])  # and nothing more
        for _ in range(20):
            r = self.agent.dig("web.marathon.mesos", "A", "+tcp")
            self.assertEqual(r.status, "NOERROR")
        fast = self.connect()
        fast.sendall(query("leader.mesos", qid=9))
        self.assertEqual(read_reply(fast), (9, 0, 1))

    def server_side_state(self, client):
        """TCP state of the agent's end of `client`'s connection, as ss sees it ("" when gone)."""
        out = subprocess.run(["ss", "-Htan", "sport = :%d" % self.agent.port,
                              "dport = :%d" % client.getsockname()[1]], capture_output=True, text=True).stdout
        return out.split()[0] if out.strip() else ""

    def test_client_that_never_reads_its_answers_is_dropped_and_stalls_nobody(self):
        greedy = self.connect()
        greedy.settimeout(5)
        try:
            greedy.sendall(query("web.marathon.mesos") * 50000)  # megabytes of answers it will not read
        except (socket.timeout, ConnectionError):
            pass  # the agent stopped reading from it: that is the point
        fast = self.connect()
        fast.sendall(query("leader.mesos", qid=4))
        self.assertEqual(read_reply(fast), (4, 0, 1))
        self.assertEqual(self.agent.dig("web.marathon.mesos", "A").status, "NOERROR")
        self.assertEqual(self.server_side_state(greedy), "ESTAB")
        # With its answers unread past tcpIdleSeconds (2 s), the agent closes its end.
        wait_until(lambda: self.server_side_state(greedy) != "ESTAB", 10,
                   message="a client that does not read its answers was never dropped")

    def test_connections_over_the_cap_are_closed_and_udp_keeps_answering(self):
        held = [self.connect() for _ in range(4)]
        for s in held:  # make sure the agent has accepted them all
            s.sendall(query("leader.mesos", qid=5))
            self.assertEqual(read_reply(s)[0], 5)
        extra = self.connect()
        self.assertTrue(closed_by_peer(extra, 5), "fifth connection was not closed")
        self.assertEqual(self.agent.dig("web.marathon.mesos", "A").status, "NOERROR")
        held[0].close()
        time.sleep(0.2)
        again = self.connect()
        again.sendall(query("leader.mesos", qid=6))
        self.assertEqual(read_reply(again), (6, 0, 1))

    def test_garbage_length_prefixed_message_closes_only_that_connection(self):
        bad = self.connect()
        bad.sendall(struct.pack(">H", 5) + b"\xff" * 5)
        self.assertTrue(closed_by_peer(bad, 5))
        good = self.connect()
        good.sendall(query("web.marathon.mesos", qid=3))
        self.assertEqual(read_reply(good), (3, 0, 2))


class WorkersTest(unittest.TestCase):
    def test_several_workers_share_the_port_and_all_answer(self):
        require_dig()
        agent = start_agent(self, {"stateFile": "state.json", "workers": 3},
                            files={"state.json": app_state(LEADER, "web", task_ips=["10.1.0.1", "10.1.0.2"])})
        agent.wait_loaded()
        agent.wait_log(r"3 workers")
        # Many source ports, so the kernel spreads the flows over the workers' sockets.
        answered = 0
        for i in range(300):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.settimeout(2)
                u.sendto(query("web.marathon.mesos", qid=i)[2:], (LOOPBACK, agent.port))
                data = u.recv(4096)
                qid, flags, _, ancount = struct.unpack(">HHHH", data[:8])
                answered += qid == i and flags & 0xF == 0 and ancount == 2
        self.assertEqual(answered, 300)
        for i in range(20):  # and over TCP
            s = socket.create_connection((LOOPBACK, agent.port), timeout=5)
            s.sendall(query("web.marathon.mesos", qid=i))
            self.assertEqual(read_reply(s), (i, 0, 2))
            s.close()


if __name__ == "__main__":
    unittest.main()
