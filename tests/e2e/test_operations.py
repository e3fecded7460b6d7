"""Operating the agent: the HTTP API in mesos-dns's shapes, /health, /metrics, SIGHUP reload and the
query log, against the real binary with a fake master and real dig."""
import gzip
import http.client
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

from harness import (LOOPBACK, QueryLoad, app_state, dig, dns_query, fake_master, free_port, require_dig, start_agent,
                     wait_until)
from upstreams import FakeUpstream, start_server

REFRESH = {"refreshSeconds": 1, "stateTimeoutSeconds": 3}
TASK_IPS = ["10.1.0.1", "10.1.0.2"]


def http_get(port, path, headers=None, method="GET", timeout=5):
    """(status, headers dict with lower-case names, body bytes)."""
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def get_json(port, path):
    status, _, body = http_get(port, path)
    return status, json.loads(body)


METRIC_LINE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>.*)\})? (?P<value>[-+0-9.eE]+|[-+]Inf|NaN)$')
LABEL = re.compile(r'(?P<k>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<v>(?:[^"\\]|\\.)*)"(,|$)')


def scrape(port):
    """/metrics parsed: {(name, frozenset(labels)): value}; every line must be valid exposition
    format, and every sample's family must have been declared with TYPE before it."""
    status, headers, body = http_get(port, "/metrics")
    assert status == 200, status
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    samples, typed = {}, set()
    for line in body.decode().splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("# HELP "):
            continue
        m = METRIC_LINE.match(line)
        assert m, "not exposition format: %r" % line
        labels = {}
        if m.group("labels"):
            text = m.group("labels")
            pos = 0
            while pos < len(text):
                lm = LABEL.match(text, pos)
                assert lm, "bad labels in %r" % line
                labels[lm.group("k")] = lm.group("v")
                pos = lm.end()
        name = m.group("name")
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or family in typed, "%s has no TYPE line before it" % name
        samples[(name, frozenset(labels.items()))] = float(m.group("value"))
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class OperationsTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        self.master = fake_master(self)
        self.master.state = app_state(self.master.pid, "web", task_ips=TASK_IPS)
        self.http_port = free_port()

    def start(self, loaded_timeout=10.0, **config):
        cfg = dict(REFRESH, masters=[self.master.address], httpon=True, httpport=self.http_port)
        cfg.update(config)
        agent = start_agent(self, cfg)
        agent.wait_loaded(loaded_timeout)
        return agent

    def rewrite_config(self, agent, **changes):
        cfg = dict(agent.config)
        cfg.update(changes)
        agent.write_file("config.json", cfg)

    # --- mesos-dns's API ------------------------------------------------------------------------

    def test_api_endpoints_answer_in_mesos_dns_shapes(self):
        self.start_and_keep(MesosCredentials={"principal": "agent", "secret": "hunter2"}, MesosAuthentication="basic")
        status, version = get_json(self.http_port, "/v1/version")
        self.assertEqual(status, 200)
        self.assertEqual(set(version), {"Service", "URL", "Version"})

        status, headers, body = http_get(self.http_port, "/v1/config")
        self.assertEqual(status, 200)
        self.assertNotIn(b"hunter2", body)
        config = json.loads(body)
        self.assertEqual(config["MesosCredentials"], {"Principal": "agent", "Secret": "******"})
        self.assertEqual(config["Masters"], [self.master.address])
        self.assertEqual(config["RefreshSeconds"], 1)
        soa = self.agent.dig("mesos", "SOA").answer[0].rdata.split()
        self.assertEqual(config["SOASerial"], int(soa[2]))  # the zone's serial, as dig shows it

        status, hosts = get_json(self.http_port, "/v1/hosts/web.marathon.mesos")
        self.assertEqual(status, 200)
        self.assertEqual(sorted(h["ip"] for h in hosts), TASK_IPS)
        self.assertEqual({h["host"] for h in hosts}, {"web.marathon.mesos."})
        # The same addresses DNS gives.
        dns = sorted(rr.rdata for rr in self.master_agent_dig("web.marathon.mesos"))
        self.assertEqual(dns, TASK_IPS)
        self.assertEqual(get_json(self.http_port, "/v1/hosts/nothing.mesos")[1], [{"host": "", "ip": ""}])

        status, services = get_json(self.http_port, "/v1/services/_web._tcp.marathon.mesos.")
        self.assertEqual(status, 200)
        self.assertEqual(len(services), 2)
        for s in services:
            self.assertEqual(set(s), {"service", "host", "ip", "port"})
            self.assertEqual(s["service"], "_web._tcp.marathon.mesos.")
            self.assertIn(s["ip"], TASK_IPS)
        self.assertEqual(sorted(s["port"] for s in services), ["31000", "31001"])
        self.assertEqual(get_json(self.http_port, "/v1/services/_none._tcp.mesos.")[1],
                         [{"service": "", "host": "", "ip": "", "port": ""}])

        status, enum = get_json(self.http_port, "/v1/enumerate")
        self.assertEqual(status, 200)
        (fw,) = enum["frameworks"]
        self.assertEqual(fw["name"], "marathon")
        self.assertEqual(len(fw["tasks"]), 2)
        for t in fw["tasks"]:
            self.assertEqual(set(t), {"name", "id", "records"})
            self.assertEqual(t["name"], "web")
            for r in t["records"]:
                self.assertEqual(set(r), {"name", "host", "rtype"})
        records = [r for t in fw["tasks"] for r in t["records"]]
        self.assertIn({"name": "web.marathon.mesos.", "host": "10.1.0.1", "rtype": "A"}, records)

        status, axfr = get_json(self.http_port, "/v1/axfr")
        self.assertEqual(status, 200)
        self.assertEqual(set(axfr), {"TTL", "Serial", "RefreshSeconds", "Mname", "Rname", "Domain", "Records"})
        self.assertEqual(set(axfr["Records"]), {"As", "AAAAs", "SRVs"})
        self.assertEqual(sorted(axfr["Records"]["As"]["web.marathon.mesos."]), TASK_IPS)
        soa = self.agent.dig("mesos", "SOA").answer[0].rdata.split()
        self.assertEqual(axfr["Serial"], int(soa[2]))

        self.assertEqual(http_get(self.http_port, "/v1/hosts/web.marathon.mesos/ports")[0], 501)

    def master_agent_dig(self, name):
        r = self.agent.dig(name, "A")
        return [rr for rr in r.answer if rr.type == "A"]

    def start_and_keep(self, loaded_timeout=10.0, **config):
        self.agent = self.start(loaded_timeout, **config)
        return self.agent

    def test_bad_requests_get_the_right_status_and_the_agent_keeps_serving(self):
        agent = self.start_and_keep()
        self.assertEqual(http_get(self.http_port, "/v2/nothing")[0], 404)
        self.assertEqual(http_get(self.http_port, "/v1/version", method="POST")[0], 405)
        self.assertEqual(http_get(self.http_port, "/v1/hosts/" + "a" * 5000)[0], 414)
        self.assertEqual(http_get(self.http_port, "/v1/version", method="HEAD")[0], 200)
        # Garbage instead of HTTP, and a client that connects and says nothing.
        with socket.create_connection((LOOPBACK, self.http_port), timeout=5) as s:
            s.sendall(b"\x00\x01\x02 nonsense\r\n\r\n")
            reply = s.recv(100)
            self.assertTrue(reply == b"" or reply.startswith(b"HTTP/1.1 400"), reply)
        idle = socket.create_connection((LOOPBACK, self.http_port), timeout=5)
        self.addCleanup(idle.close)
        self.assertEqual(http_get(self.http_port, "/v1/version")[0], 200)
        self.assertEqual(agent.dig("web.marathon.mesos").status, "NOERROR")

    def test_axfr_is_conditional_and_compressed(self):
        self.start_and_keep()
        status, headers, plain = http_get(self.http_port, "/v1/axfr")
        self.assertEqual(status, 200)
        etag = headers["etag"]
        status, headers, packed = http_get(self.http_port, "/v1/axfr", {"Accept-Encoding": "gzip"})
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(packed), plain)
        self.assertLess(len(packed), len(plain))
        status, headers, body = http_get(self.http_port, "/v1/axfr", {"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        # Refreshes that bring the same records keep the tag (mesos-dns would bump its serial).
        self.master.wait_for_requests(self.master.requests + 2)
        self.assertEqual(http_get(self.http_port, "/v1/axfr", {"If-None-Match": etag})[0], 304)
        # New records, new tag.
        self.master.state = app_state(self.master.pid, "web", task_ips=TASK_IPS + ["10.1.0.3"])
        wait_until(lambda: http_get(self.http_port, "/v1/axfr", {"If-None-Match": etag})[0] == 200, 10)
        status, headers, body = http_get(self.http_port, "/v1/axfr")
        self.assertNotEqual(headers["etag"], etag)
        self.assertIn("10.1.0.3", json.loads(body)["Records"]["As"]["web.marathon.mesos."])

    def test_large_axfr_is_the_same_document_plain_and_gzipped(self):
        # Thousands of names: the document is written, hashed and compressed in many pieces.
        ips = ["10.2.%d.%d" % (i // 250, 1 + i % 250) for i in range(3000)]
        self.master.state = app_state(self.master.pid, "big", task_ips=ips)
        # Up to 60 s for the first load: under ThreadSanitizer, next to another test, fetching and
        # parsing this state alone took 4.7 s in CI.
        self.start_and_keep(loaded_timeout=60.0)
        status, headers, plain = http_get(self.http_port, "/v1/axfr")
        self.assertEqual(status, 200)
        self.assertGreater(len(plain), 8 * 65536)
        doc = json.loads(plain)
        self.assertEqual(sorted(doc["Records"]["As"]["big.marathon.mesos."]), sorted(ips))
        status, packed_headers, packed = http_get(self.http_port, "/v1/axfr", {"Accept-Encoding": "gzip"})
        self.assertEqual(packed_headers.get("content-encoding"), "gzip")
        self.assertEqual(gzip.decompress(packed), plain)
        self.assertLess(len(packed), len(plain) // 4)
        self.assertEqual(packed_headers["etag"], headers["etag"])

    # --- /metrics ---------------------------------------------------------------------------------

    def test_metrics_are_valid_exposition_format_and_counters_move(self):
        dead = free_port()  # nothing listens: forwarded names fail
        agent = self.start_and_keep(resolvers=["127.0.0.1:%d" % dead], timeout=1)
        before = scrape(self.http_port)
        for _ in range(5):
            self.assertEqual(agent.dig("web.marathon.mesos").status, "NOERROR")
        for _ in range(3):
            self.assertEqual(agent.dig("nothing.marathon.mesos").status, "NXDOMAIN")
        self.assertEqual(agent.dig("web.marathon.mesos", "A", "+tcp").status, "NOERROR")
        self.assertEqual(agent.dig("example.org").status, "SERVFAIL")
        after = scrape(self.http_port)

        def delta(name, **labels):
            return metric(after, name, **labels) - metric(before, name, **labels)

        q = "mesos_dns_agent_queries_total"
        self.assertGreaterEqual(delta(q, transport="udp", qtype="A", rcode="NOERROR"), 5)
        self.assertGreaterEqual(delta(q, transport="udp", qtype="A", rcode="NXDOMAIN"), 3)
        self.assertGreaterEqual(delta(q, transport="tcp", qtype="A", rcode="NOERROR"), 1)
        self.assertGreaterEqual(delta(q, transport="udp", qtype="A", rcode="SERVFAIL"), 1)
        self.assertGreaterEqual(delta("mesos_dns_agent_answers_total", source="local"), 9)
        self.assertGreaterEqual(delta("mesos_dns_agent_answers_total", source="forwarded"), 1)
        upstream = "127.0.0.1:%d" % dead
        self.assertGreaterEqual(metric(after, "mesos_dns_agent_upstream_failures_total", upstream=upstream), 1)
        self.assertEqual(metric(after, "mesos_dns_agent_upstream_up", upstream=upstream), 0)
        self.assertGreaterEqual(metric(after, "mesos_dns_agent_refreshes_total", result="success"), 1)
        self.assertGreater(metric(after, "mesos_dns_agent_refresh_bytes_total"), 0)
        self.assertGreaterEqual(metric(after, "mesos_dns_agent_records", type="A"), 2)
        # The HTTP API is on: the record set is kept next to the answer table, and both are counted.
        self.assertGreater(metric(after, "mesos_dns_agent_records_memory_bytes", part="answer_table"), 0)
        self.assertGreater(metric(after, "mesos_dns_agent_records_memory_bytes", part="record_set"), 0)
        self.assertLess(metric(after, "mesos_dns_agent_data_age_seconds"), 10)
        self.assertEqual(metric(after, "mesos_dns_agent_udp_replies_unsent_total"), 0)  # every reply went out

    # --- /health ----------------------------------------------------------------------------------

    def test_health_turns_503_when_the_source_is_down_longer_than_maxStaleSeconds(self):
        agent = self.start_and_keep(maxStaleSeconds=2)
        status, health = get_json(self.http_port, "/health")
        self.assertEqual(status, 200, health)
        self.assertEqual(health["status"], "ok")
        self.assertTrue(health["serving"])
        self.assertGreater(health["records"], 0)
        self.assertIn(self.master.address, health["source"])
        self.master.stop()
        wait_until(lambda: http_get(self.http_port, "/health")[0] == 503, 10,
                   message="/health stays 200 with the master down")
        status, health = get_json(self.http_port, "/health")
        self.assertEqual(health["status"], "unhealthy")
        self.assertTrue(any("maxStaleSeconds" in p for p in health["problems"]), health)
        self.assertIn("lastRefreshError", health)
        # Unhealthy, but still serving what it has.
        self.assertEqual(sorted(rr.rdata for rr in self.master_agent_dig("web.marathon.mesos")), TASK_IPS)

    def test_health_is_503_when_every_upstream_fails(self):
        agent = self.start_and_keep(resolvers=["127.0.0.1:%d" % free_port()], timeout=1)
        self.assertEqual(agent.dig("example.org").status, "SERVFAIL")
        status, health = get_json(self.http_port, "/health")
        self.assertEqual(status, 503, health)
        self.assertIn("every upstream resolver is failing", health["problems"])

    # --- SIGHUP -----------------------------------------------------------------------------------

    def test_sighup_with_a_new_ttl_changes_answers_and_loses_no_query(self):
        agent = self.start_and_keep(ttl=60)
        self.assertEqual(agent.dig("web.marathon.mesos").answer[0].ttl, 60)
        load = QueryLoad(agent.port, "web.marathon.mesos")
        load.start()
        time.sleep(0.5)
        mark = agent.log_mark()
        self.rewrite_config(agent, ttl=7)
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"reload: the new config is in force", since=mark)
        wait_until(lambda: agent.dig("web.marathon.mesos").answer[0].ttl == 7, 5, message="TTL still old")
        time.sleep(0.5)
        load.stop()
        self.assertGreater(load.sent, 20)
        self.assertEqual(load.lost, 0, "%d of %d queries lost across the reload" % (load.lost, load.sent))
        self.assertEqual(metric(scrape(self.http_port), "mesos_dns_agent_config_reloads_total", result="success"), 1)

    def test_sighup_with_a_broken_config_keeps_serving_the_old_one(self):
        agent = self.start_and_keep(ttl=60)
        mark = agent.log_mark()
        agent.write_file("config.json", '{"ttl": 5, "port": ')
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"error: reload: .*config.json.*not valid JSON", since=mark)
        agent.wait_log(r"keeping the running one", since=mark)
        self.rewrite_config(agent, ttl="sixty")
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r'error: reload: .*key "ttl"', since=mark)
        self.assertEqual(agent.dig("web.marathon.mesos").answer[0].ttl, 60)
        self.assertEqual(metric(scrape(self.http_port), "mesos_dns_agent_config_reloads_total", result="failure"), 2)

    def test_reload_command_refuses_a_broken_config_and_signals_for_a_good_one(self):
        # The unit's ExecReload: `systemctl reload` fails on a bad config, naming the problem.
        agent = self.start_and_keep(ttl=60)
        mark = agent.log_mark()
        self.rewrite_config(agent, ttl="sixty")
        bad = subprocess.run([agent.binary, "-config", agent.config_path, "reload", str(agent.proc.pid)],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 1, bad.stderr)
        self.assertIn('key "ttl"', bad.stderr)
        self.assertIn("not reloading", bad.stderr)
        time.sleep(0.3)
        self.rewrite_config(agent, ttl=7)
        good = subprocess.run([agent.binary, "-config", agent.config_path, "reload", str(agent.proc.pid)],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(good.returncode, 0, good.stderr)
        agent.wait_log(r"reload: the new config is in force", since=mark)
        self.assertEqual(agent.dig("web.marathon.mesos").answer[0].ttl, 7)
        # Only the good one reached the agent.
        self.assertEqual(metric(scrape(self.http_port), "mesos_dns_agent_config_reloads_total", result="failure"), 0)

    def test_sighup_names_keys_that_need_a_restart(self):
        agent = self.start_and_keep()
        mark = agent.log_mark()
        self.rewrite_config(agent, workers=3, tcpIdleSeconds=3, ttl=9)
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r'warning: reload: key "workers" changed; it takes effect at the next restart', since=mark)
        agent.wait_log(r'warning: reload: key "tcpIdleSeconds" changed', since=mark)
        wait_until(lambda: agent.dig("web.marathon.mesos").answer[0].ttl == 9, 5)  # the rest applies

    def test_query_forwarded_before_a_reload_removes_its_listener_still_gets_its_answer(self):
        dead = start_server(self, FakeUpstream("blackhole"))  # the answer is SERVFAIL after `timeout`
        agent = self.start_and_keep(listener=[LOOPBACK, "127.0.0.2"], resolvers=["127.0.0.1:%d" % dead.port], timeout=2)
        client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(client.close)
        client.settimeout(6)
        client.sendto(dns_query("late.example.test", 0x7777), ("127.0.0.2", agent.port))
        time.sleep(0.3)
        mark = agent.log_mark()
        self.rewrite_config(agent, listener=[LOOPBACK])
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"reload: no longer serving DNS on 127\.0\.0\.2:%d" % agent.port, since=mark)
        # The socket stays open for the answer the forwarder owes on it (and its number is not
        # handed to another socket meanwhile), then closes.
        reply, peer = client.recvfrom(4096)
        self.assertEqual(peer, ("127.0.0.2", agent.port))
        self.assertEqual(struct.unpack(">H", reply[:2])[0], 0x7777)
        self.assertEqual(reply[3] & 0x0F, 2, "SERVFAIL: the upstream never answered")
        self.assertIsNone(dig(agent.port, "web.marathon.mesos", "A", server="127.0.0.2").status)

    def test_reload_during_a_long_axfr_render_does_not_hold_up_dns_answers(self):
        # With one worker, the reload runs on the loop that answers DNS: it must not wait for the
        # HTTP thread while that renders a big /v1/axfr document.
        make_state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "make_state.py")
        big = subprocess.run([sys.executable, make_state, "15000"], capture_output=True, text=True, check=True,
                             timeout=60).stdout
        self.master.state = json.loads(big.replace("master@10.0.0.5:5050", self.master.pid))  # we are its leader
        agent = self.start_and_keep(loaded_timeout=120, workers=1, refreshSeconds=3600)  # slow with ASan
        rendering = threading.Thread(target=http_get, args=(self.http_port, "/v1/axfr"), kwargs={"timeout": 120})
        rendering.start()
        time.sleep(0.3)
        self.rewrite_config(agent, workers=1, refreshSeconds=3600, ttl=7)
        agent.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        started = time.monotonic()
        r = agent.dig("mesos", "SOA", timeout=5)
        elapsed = time.monotonic() - started
        still_rendering = rendering.is_alive()
        rendering.join(120)
        self.assertTrue(still_rendering, "the render ended before the reload: nothing was tested")
        self.assertEqual(r.status, "NOERROR")
        self.assertLess(elapsed, 1.5)  # it waited 2.3 s for the render on an idle machine

    def test_sighup_with_new_listeners_rebinds_and_keeps_the_sockets_that_stay(self):
        agent = self.start_and_keep()
        old_port, new_port = agent.port, free_port()
        # Add a listener: the one that stays keeps its sockets, so its load loses nothing.
        load = QueryLoad(old_port, "web.marathon.mesos", limit=20)
        load.start()
        time.sleep(0.3)
        mark = agent.log_mark()
        self.rewrite_config(agent, listener=[LOOPBACK, "127.0.0.2"])
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"reload: now serving DNS on 127\.0\.0\.2:%d" % old_port, since=mark)
        self.assertEqual(dig(old_port, "web.marathon.mesos", "A", server="127.0.0.2").status, "NOERROR")
        time.sleep(0.3)
        load.stop()
        self.assertEqual((load.lost, load.failed), (0, 0))
        # Move both to another port: new sockets first, then the old ones close.
        mark = agent.log_mark()
        self.rewrite_config(agent, listener=[LOOPBACK, "127.0.0.2"], port=new_port)
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"reload: no longer serving DNS on 127\.0\.0\.1:%d" % old_port, since=mark)
        for server in (LOOPBACK, "127.0.0.2"):
            self.assertEqual(dig(new_port, "web.marathon.mesos", "A", server=server).status, "NOERROR", server)
            self.assertEqual(dig(new_port, "web.marathon.mesos", "A", "+tcp", server=server).status, "NOERROR")
        self.assertIsNone(dig(old_port, "web.marathon.mesos", "A", timeout=1).status)  # closed
        self.assertEqual(get_json(self.http_port, "/v1/config")[1]["Port"], new_port)
        # A listener that cannot be bound: the reload keeps the listeners it has.
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.3", new_port))
        mark = agent.log_mark()
        self.rewrite_config(agent, listener=[LOOPBACK, "127.0.0.3"], port=new_port)
        agent.proc.send_signal(signal.SIGHUP)
        agent.wait_log(r"error: reload: listener 127\.0\.0\.3:%d \(udp\): bind: .*keeping the listeners" % new_port,
                       since=mark)
        self.assertEqual(dig(new_port, "web.marathon.mesos", "A", server="127.0.0.2").status, "NOERROR")

    # --- query log --------------------------------------------------------------------------------

    def test_query_log_is_rate_limited(self):
        agent = self.start_and_keep(queryLog=True, queryLogRate=3)
        self.assertEqual(agent.dig("web.marathon.mesos").status, "NOERROR")
        agent.wait_log(r"info: query 127\.0\.0\.1 udp web\.marathon\.mesos\. type 1: local NOERROR")
        # A burst within one second: at most 3 lines, the rest summed up in the next second.
        load = QueryLoad(agent.port, "nothing.marathon.mesos", limit=2.5)
        load.start()
        load.join(10)
        self.assertGreater(load.sent, 10)
        agent.dig("web.marathon.mesos")
        agent.wait_log(r"query log: \d+ queries not logged in the last second")
        # Between two summaries (one second of load): at most queryLogRate query lines.
        segments, count = [], None
        for line in agent.log().splitlines():
            if "query log: " in line:
                if count is not None:
                    segments.append(count)
                count = 0
            elif " info: query " in line and count is not None:
                count += 1
        self.assertTrue(segments, agent.log())
        self.assertLessEqual(max(segments), 3, segments)


if __name__ == "__main__":
    unittest.main()
