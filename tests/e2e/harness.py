"""End-to-end test helpers: the real mesos-dns-agent binary, real sockets, the real `dig`, and
HTTP servers playing Mesos masters. Python 3 standard library only.

Environment:
  MDNS_AGENT  path of the mesos-dns-agent binary (required)
  MDNS_REPO   the repository root (for packaging/demo); defaults to ../.. from this file
"""
import contextlib
import http.server
import base64
import gzip
import json
import ssl
import os
import queue
import re
import shutil
import signal
import socket
import struct
import random
import subprocess
import tempfile
import threading
import time
import unittest

LOOPBACK = "127.0.0.1"
DIG = shutil.which("dig")


def agent_binary():
    path = os.environ.get("MDNS_AGENT", "")
    if not path:
        raise unittest.SkipTest("MDNS_AGENT is not set (the path of the mesos-dns-agent binary)")
    if not os.access(path, os.X_OK):
        raise AssertionError("MDNS_AGENT=%s is not an executable file" % path)
    return path


def repo_root():
    return os.environ.get("MDNS_REPO") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def require_dig():
    if DIG is None:
        raise unittest.SkipTest("dig is not installed (Debian: apt-get install dnsutils)")


# ---------------------------------------------------------------------------------------------
# Ports and polling


def free_port():
    """A loopback port that is free for both UDP and TCP right now."""
    for _ in range(100):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            udp.bind((LOOPBACK, 0))
            port = udp.getsockname()[1]
            try:
                tcp.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
        finally:
            udp.close()
            tcp.close()
    raise RuntimeError("no free loopback port for UDP and TCP")


def wait_until(predicate, timeout=10.0, interval=0.1, message=None):
    """Polls predicate() until it returns a true value, which is returned. Fails after timeout
    seconds with `message` (a string, or a function giving one) and the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() >= deadline:
            if callable(message):
                message = message()
            raise AssertionError("%s (waited %.1f s; last value: %r)" % (message or "condition not met", timeout, last))
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Mesos state documents


def make_state(leader, slaves=(), frameworks=(), **extra):
    """A Mesos 1.x /master/state document. `leader` is a master PID ("master@127.0.0.1:5050") or
    an "ip:port". `slaves` and `frameworks` are dicts as built by slave() and framework()."""
    if "@" not in leader:
        leader = "master@" + leader
    host_port = leader.split("@", 1)[1]
    doc = {
        "version": "1.11.0",
        "git_sha": "0000000000000000000000000000000000000000",
        "build_date": "2020-11-24 00:00:00",
        "start_time": 1700000000.0,
        "elected_time": 1700000001.0,
        "id": "7ab4bbd5-0d0c-4b69-8a52-3c2a7a9c0f55",
        "pid": leader,
        "hostname": host_port.rsplit(":", 1)[0],
        "activated_slaves": len(slaves),
        "deactivated_slaves": 0,
        "leader": leader,
        "leader_info": {"id": "7ab4bbd5-0d0c-4b69-8a52-3c2a7a9c0f55", "pid": leader,
                        "port": int(host_port.rsplit(":", 1)[1]), "hostname": host_port.rsplit(":", 1)[0]},
        "flags": {},
        "slaves": list(slaves),
        "frameworks": list(frameworks),
        "completed_frameworks": [],
        "orphan_tasks": [],
        "unregistered_frameworks": [],
    }
    doc.update(extra)
    return doc


CLUSTER = "0c6a3e3b-1f5e-4b2a-9d55-000000000001"


def slave(index, ip, port=5051):
    """An agent ("slave") entry; its id ends in -S<index>."""
    return {
        "id": "%s-S%d" % (CLUSTER, index),
        "hostname": ip,
        "pid": "slave(1)@%s:%d" % (ip, port),
        "port": port,
        "active": True,
        "version": "1.11.0",
        "resources": {"cpus": 8.0, "mem": 16000.0, "disk": 100000.0, "ports": "[31000-32000]"},
        "attributes": {},
    }


def task(task_id, name, slave_entry, ip=None, ports=(), state="TASK_RUNNING", discovery=None, ts=1700000100.0):
    """A task on `slave_entry`. `ip` goes into the newest TASK_RUNNING status's
    container_status.network_infos (and the MesosContainerizer label); `ports` are its resource
    ports; `discovery` is a DiscoveryInfo dict (see discovery())."""
    running = {"state": "TASK_RUNNING", "timestamp": ts, "source": "SOURCE_EXECUTOR"}
    if ip is not None:
        running["labels"] = [{"key": "MesosContainerizer.NetworkSettings.IPAddress", "value": ip}]
        running["container_status"] = {
            "container_id": {"value": "c-" + task_id},
            "network_infos": [{"ip_addresses": [{"protocol": "IPv4", "ip_address": ip}], "name": "overlay"}],
        }
    statuses = [{"state": "TASK_STAGING", "timestamp": ts - 3}, {"state": "TASK_STARTING", "timestamp": ts - 2}]
    if state == "TASK_RUNNING" or ip is not None:
        statuses.append(running)
    if state not in ("TASK_RUNNING", "TASK_STAGING", "TASK_STARTING"):
        statuses.append({"state": state, "timestamp": ts + 1})
    t = {
        "id": task_id,
        "name": name,
        "framework_id": CLUSTER + "-0000",
        "executor_id": "",
        "slave_id": slave_entry["id"],
        "state": state,
        "resources": {"cpus": 0.1, "mem": 32.0, "disk": 0.0},
        "statuses": statuses,
    }
    if ports:
        t["resources"]["ports"] = "[" + ", ".join("%d-%d" % (p, p) for p in ports) + "]"
    if discovery is not None:
        t["discovery"] = discovery
    return t


def discovery(name, ports=(), visibility="FRAMEWORK"):
    """A DiscoveryInfo; ports are (number, name, protocol) tuples."""
    return {"visibility": visibility, "name": name,
            "ports": {"ports": [{"number": n, "name": pn, "protocol": proto} for n, pn, proto in ports]}}


def framework(name, tasks=(), ip=LOOPBACK, port=8080):
    return {
        "id": CLUSTER + "-0000",
        "name": name,
        "pid": "scheduler-1@%s:%d" % (ip, port),
        "hostname": ip,
        "active": True,
        "tasks": list(tasks),
        "completed_tasks": [],
        "unreachable_tasks": [],
    }


def app_state(leader, app="web", framework_name="marathon", task_ips=("10.1.0.1",), port_base=31000,
              with_discovery=True):
    """A one-framework, one-slave state: app `app` with one task per IP in task_ips. With
    DiscoveryInfo the task's name is `app` as given (so "myapp.dev" gives myapp.dev.marathon.mesos)
    and each task has one named tcp port."""
    s = slave(0, "10.0.0.10")
    tasks = []
    for i, ip in enumerate(task_ips):
        port = port_base + i
        disc = discovery(app, [(port, "http", "tcp")]) if with_discovery else None
        tasks.append(task("%s.%08d-aaaa-bbbb-cccc-%012d" % (app.replace(".", "_"), i, i), app, s, ip=ip,
                          ports=[port], discovery=disc))
    return make_state(leader, slaves=[s], frameworks=[framework(framework_name, tasks)])


# ---------------------------------------------------------------------------------------------
# The v1 operator API's shapes (docs/mesos-operator-events.md), made from the v0 dicts above


def _v1_labels(labels):
    return {"labels": [dict(l) for l in labels]}


def _v1_resources(resources):
    out = []
    for name, value in (resources or {}).items():
        if name == "ports":
            ranges = []
            for part in value.strip("[]").split(","):
                part = part.strip()
                if part:
                    begin, end = part.split("-")
                    ranges.append({"begin": int(begin), "end": int(end)})
            out.append({"name": "ports", "type": "RANGES", "ranges": {"range": ranges},
                        "allocation_info": {"role": "*"}})
        else:
            out.append({"name": name, "type": "SCALAR", "scalar": {"value": value}, "allocation_info": {"role": "*"}})
    return out


def v1_status(status, task_id, agent_id):
    """A v0 task status dict as v1 TaskStatus."""
    out = {"task_id": {"value": task_id}, "state": status["state"], "agent_id": {"value": agent_id},
           "source": status.get("source", "SOURCE_EXECUTOR"), "timestamp": status.get("timestamp", 0.0),
           "uuid": "q83vEjRWeJA="}
    if "labels" in status:
        out["labels"] = _v1_labels(status["labels"])
    if "healthy" in status:
        out["healthy"] = status["healthy"]
    if "container_status" in status:
        out["container_status"] = status["container_status"]
    return out


def v1_task(t):
    """A v0 /master/state task dict as a v1 Task."""
    out = {"name": t["name"], "task_id": {"value": t["id"]}, "framework_id": {"value": t["framework_id"]},
           "agent_id": {"value": t["slave_id"]}, "state": t["state"], "resources": _v1_resources(t.get("resources")),
           "statuses": [v1_status(st, t["id"], t["slave_id"]) for st in t.get("statuses", [])],
           "status_update_state": t["state"], "status_update_uuid": "q83vEjRWeJA="}
    if t.get("labels"):
        out["labels"] = _v1_labels(t["labels"])
    if t.get("discovery") is not None:
        out["discovery"] = t["discovery"]
    if t.get("container") is not None:
        out["container"] = t["container"]
    return out


def v1_framework_info(f):
    return {"user": "root", "name": f["name"], "id": {"value": f["id"]}, "failover_timeout": 604800.0,
            "checkpoint": True, "roles": ["*"], "hostname": f.get("hostname", "")}


def v1_agent(s):
    return {"agent_info": {"hostname": s["hostname"], "port": s.get("port", 5051), "id": {"value": s["id"]}},
            "active": True, "version": "1.11.0", "pid": s["pid"]}


def subscribed_event(state, heartbeat_interval=15.0):
    """SUBSCRIBED with the whole of a v0 state (its launched tasks, frameworks, agents)."""
    tasks = [v1_task(t) for f in state.get("frameworks", []) for t in f.get("tasks", [])]
    frameworks = [{"framework_info": v1_framework_info(f), "active": True, "connected": True, "recovered": False}
                  for f in state.get("frameworks", [])]
    agents = [v1_agent(s) for s in state.get("slaves", [])]
    recovered = [{"hostname": r.get("hostname", ""), "port": r.get("port", 5051), "id": {"value": r["id"]}}
                 for r in state.get("recovered_slaves", [])]
    return {"type": "SUBSCRIBED", "subscribed": {
        "get_state": {"get_tasks": {"tasks": tasks, "completed_tasks": []},
                      "get_frameworks": {"frameworks": frameworks, "completed_frameworks": []},
                      "get_agents": {"agents": agents, "recovered_agents": recovered}},
        "heartbeat_interval_seconds": heartbeat_interval}}


def task_added_event(t):
    return {"type": "TASK_ADDED", "task_added": {"task": v1_task(t)}}


def task_updated_event(t, state=None, status=None):
    """TASK_UPDATED for v0 task `t`: `state` (default t's), with `status` (a v0 status dict;
    default t's newest)."""
    state = state or t["state"]
    status = status if status is not None else (t["statuses"][-1] if t.get("statuses") else {"state": state})
    return {"type": "TASK_UPDATED", "task_updated": {"framework_id": {"value": t["framework_id"]},
                                                     "status": v1_status(status, t["id"], t["slave_id"]),
                                                     "state": state}}


def agent_removed_event(agent_id):
    return {"type": "AGENT_REMOVED", "agent_removed": {"agent_id": {"value": agent_id}}}


def agent_added_event(s):
    return {"type": "AGENT_ADDED", "agent_added": {"agent": v1_agent(s)}}


def recordio(event):
    data = event if isinstance(event, bytes) else json.dumps(event).encode()
    return b"%d\n%s" % (len(data), data)


# ---------------------------------------------------------------------------------------------
# A Mesos master played by an HTTP server


class FakeMaster:
    """Serves GET /master/state on 127.0.0.1:<port> from a thread.

    Settable at any time: state (a dict, sent as JSON), body (raw bytes; wins over state),
    status (HTTP status code), delay (seconds before answering), redirect_to (a Location for a
    307, as non-leading Mesos masters answer). stop()/start() take the master down and up again
    on the same port. `requests` counts the GET /master/state requests answered or begun.

    It also plays the v1 operator API's event stream (POST /api/v1 {"type":"SUBSCRIBE"}): the
    SUBSCRIBED event made from `state`, a HEARTBEAT at once and every `heartbeat_interval`
    seconds (none while `heartbeats` is False), then what emit() sends; a 307 to the leader's
    //host:port/api/v1 while redirect_to is set, `status` when it is not 200 (503: no leader),
    404 with api=False (a master older than the API), 400 with api="1.0" (no SUBSCRIBE call). end_streams() ends every stream, as a
    leader that loses its leadership does. GET /master/state-summary gives the frameworks' PIDs."""

    def __init__(self, port=None, tls=None, basic_auth=None):
        """tls: (certfile, keyfile) to serve HTTPS; basic_auth: (user, password) required, else 401."""
        self.port = port or free_port()
        self.tls = tls
        self.basic_auth = basic_auth
        self.auth_seen = []
        self.state = None
        self.body = None
        self.status = 200
        self.delay = 0.0
        self.redirect_to = None
        self.content_type = "application/json"
        # gzip: the body gzipped for clients that accept it, as a Mesos master sends it (bytes: those
        # bytes as the gzipped body). content_encoding: a Content-Encoding header sent with the body
        # as it is. accept_encodings: the Accept-Encoding header of each request.
        self.gzip = False
        self.content_encoding = None
        self.accept_encodings = []
        self.api = True
        self.heartbeat_interval = 15.0
        self.heartbeats = True
        self.subscribes = 0  # SUBSCRIBE calls answered or begun
        self.summaries = 0   # GET /master/state-summary requests
        self._streams = []   # a queue.Queue per open stream: events (bytes), None ends it
        self._lock = threading.Lock()
        self._requests = 0
        self._server = None
        self._thread = None
        self.start()

    # Addresses
    @property
    def address(self):
        return "%s:%d" % (LOOPBACK, self.port)

    @property
    def pid(self):
        return "master@" + self.address

    @property
    def url(self):
        return "%s://%s/master/state" % ("https" if self.tls else "http", self.address)

    @property
    def requests(self):
        with self._lock:
            return self._requests

    def _count(self):
        with self._lock:
            self._requests += 1

    def wait_for_requests(self, n, timeout=10.0):
        """Waits until `n` more requests than now have arrived."""
        target = self.requests + n
        wait_until(lambda: self.requests >= target, timeout, message="master %s: fewer than %d new requests"
                   % (self.address, n))

    # The event stream
    @property
    def streams(self):
        with self._lock:
            return len(self._streams)

    def wait_for_streams(self, n=1, timeout=10.0):
        wait_until(lambda: self.streams >= n, timeout, message="master %s: fewer than %d streams" % (self.address, n))

    def emit(self, *events):
        """Sends events (dicts, or bytes as the record's data) to every open stream, in one piece each."""
        data = b"".join(recordio(e) for e in events)
        with self._lock:
            for q in self._streams:
                q.put(data)

    def end_streams(self):
        with self._lock:
            for q in self._streams:
                q.put(None)

    def _serve_stream(self, handler):
        q = queue.Queue()
        handler.protocol_version = "HTTP/1.1"
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

        def chunk(data):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            handler.wfile.flush()

        state = self.state if self.state is not None else {}
        with self._lock:
            self._streams.append(q)
        try:
            chunk(recordio(subscribed_event(state, self.heartbeat_interval)))
            if self.heartbeats:
                chunk(recordio({"type": "HEARTBEAT"}))
            while self._server is not None:
                try:
                    data = q.get(timeout=self.heartbeat_interval)
                except queue.Empty:
                    if self.heartbeats:
                        chunk(recordio({"type": "HEARTBEAT"}))
                    continue
                if data is None:
                    break
                chunk(data)
            chunk(b"")  # the end of a chunked body: the master closed the stream
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            with self._lock:
                if q in self._streams:
                    self._streams.remove(q)

    # Life cycle
    def start(self):
        if self._server is not None:
            return
        master = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path != "/api/v1" or not master.api:
                    self.send_error(404)
                    return
                with master._lock:
                    master.subscribes += 1
                if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                    self.send_error(415 if self.headers.get("Content-Type") else 400)
                    return
                try:
                    call = json.loads(body)
                except ValueError:
                    call = None
                if master.api == "1.0":  # /api/v1 without the SUBSCRIBE call (as Mesos 1.0 answers it)
                    self.send_error(400, "Failed to convert JSON into Call protobuf: Failed to find enum")
                    return
                if not isinstance(call, dict) or call.get("type") != "SUBSCRIBE":
                    self.send_error(400, "Failed to validate master::Call")
                    return
                if master.redirect_to is not None:
                    host_port = master.redirect_to.split("//", 1)[-1].split("/", 1)[0]
                    self.send_response(307)
                    self.send_header("Location", "//%s/api/v1" % host_port)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if master.status != 200:
                    text = b"No leader elected"
                    self.send_response(master.status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                if master.delay:
                    time.sleep(master.delay)
                master._serve_stream(self)

            def do_GET(self):
                if self.path.split("?", 1)[0] == "/master/state-summary":
                    with master._lock:
                        master.summaries += 1
                    state = master.state or {}
                    summary = {"hostname": LOOPBACK, "cluster": "test", "slaves": [], "frameworks": [
                        {k: f[k] for k in ("id", "name", "pid", "hostname") if k in f}
                        for f in state.get("frameworks", [])]}
                    body = json.dumps(summary).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path.split("?", 1)[0] not in ("/master/state", "/master/state.json", "/state.json"):
                    self.send_error(404)
                    return
                master._count()
                if master.basic_auth is not None:
                    expected = "Basic " + base64.b64encode(("%s:%s" % master.basic_auth).encode()).decode()
                    got = self.headers.get("Authorization")
                    master.auth_seen.append(got)
                    if got != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="mesos"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                if master.delay:
                    time.sleep(master.delay)
                if master.redirect_to is not None:
                    self.send_response(307)
                    self.send_header("Location", master.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = master.body
                if body is None:
                    body = json.dumps(master.state if master.state is not None else {}).encode()
                elif isinstance(body, str):
                    body = body.encode()
                accepts = self.headers.get("Accept-Encoding") or ""
                master.accept_encodings.append(accepts)
                encoding = master.content_encoding
                if master.gzip and "gzip" in accepts:
                    body = master.gzip if isinstance(master.gzip, bytes) else gzip.compress(body)
                    encoding = "gzip"
                self.send_response(master.status)
                self.send_header("Content-Type", master.content_type)
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        server = http.server.ThreadingHTTPServer((LOOPBACK, self.port), Handler)
        server.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self):
        """Takes the master down: the port stops listening (connections are refused)."""
        if self._server is None:
            return
        self.end_streams()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._server = None
        self._thread = None

    @property
    def running(self):
        return self._server is not None


def fake_master(test, **kwargs):
    """A FakeMaster stopped when `test` ends."""
    m = FakeMaster(**kwargs)
    test.addCleanup(m.stop)
    return m


def self_signed_cert(directory):
    """A certificate for 127.0.0.1 made with the openssl command: (certfile, keyfile)."""
    cert = os.path.join(directory, "master.crt")
    key = os.path.join(directory, "master.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def down_master_address():
    """An address where no master listens (connections are refused)."""
    return "%s:%d" % (LOOPBACK, free_port())


# ---------------------------------------------------------------------------------------------
# dig


class DigResult:
    """A parsed dig answer: status ("NOERROR", "NXDOMAIN", ...; None when no answer came),
    flags (set of "qr", "aa", "tc", ...), counts (dict QUERY/ANSWER/AUTHORITY/ADDITIONAL),
    question / answer / authority / additional (lists of RR), edns_udp (the server's EDNS size or
    None), text (dig's output), returncode."""

    def __init__(self):
        self.status = None
        self.flags = set()
        self.counts = {}
        self.question = []
        self.answer = []
        self.authority = []
        self.additional = []
        self.edns_udp = None
        self.text = ""
        self.returncode = None

    def rdatas(self, rtype=None, section="answer"):
        return sorted(rr.rdata for rr in getattr(self, section) if rtype is None or rr.type == rtype)

    def __repr__(self):
        return "DigResult(status=%r, flags=%r, counts=%r, answer=%r, authority=%r, additional=%r)" % (
            self.status, sorted(self.flags), self.counts, self.answer, self.authority, self.additional)


class RR:
    """A resource record as dig prints it: name, ttl (None in the question), cls, type, rdata."""

    def __init__(self, name, ttl, cls, rtype, rdata):
        self.name, self.ttl, self.cls, self.type, self.rdata = name, ttl, cls, rtype, rdata

    def __repr__(self):
        return "RR(%s %s %s %s %s)" % (self.name, self.ttl, self.cls, self.type, self.rdata)


_HEADER = re.compile(r"^;; ->>HEADER<<- opcode: (\S+), status: (\S+), id: (\d+)")
_FLAGS = re.compile(r"^;; flags:([^;]*);(.*)$")
_EDNS = re.compile(r"^; EDNS: version: (\d+), flags:[^;]*; udp: (\d+)")
_SECTIONS = {";; QUESTION SECTION:": "question", ";; ANSWER SECTION:": "answer",
             ";; AUTHORITY SECTION:": "authority", ";; ADDITIONAL SECTION:": "additional"}


def parse_dig(text):
    r = DigResult()
    r.text = text
    section = None
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            section = None
            continue
        m = _HEADER.match(line)
        if m:
            # dig retried (e.g. over TCP after TC): the last message wins.
            r.status = m.group(2)
            r.question, r.answer, r.authority, r.additional = [], [], [], []
            continue
        m = _FLAGS.match(line)
        if m:
            r.flags = set(m.group(1).split())
            for part in m.group(2).split(","):
                if ":" in part:
                    k, v = part.split(":", 1)
                    r.counts[k.strip()] = int(v)
            continue
        m = _EDNS.match(line)
        if m:
            r.edns_udp = int(m.group(2))
            continue
        if line in _SECTIONS:
            section = _SECTIONS[line]
            continue
        if section == "question":
            fields = line.lstrip(";").split()
            if len(fields) >= 3:
                r.question.append(RR(fields[0], None, fields[1], fields[2], ""))
            continue
        if line.startswith(";"):
            continue
        if section in ("answer", "authority", "additional"):
            fields = line.split(None, 4)
            if len(fields) >= 4:
                getattr(r, section).append(RR(fields[0], int(fields[1]), fields[2], fields[3],
                                              fields[4] if len(fields) > 4 else ""))
    return r


def dig(port, name, rtype="A", *options, server=LOOPBACK, timeout=2, tries=1):
    """Asks the server at server:port with the real dig; returns a DigResult. `options` are extra
    dig options such as "+tcp", "+noedns", "+ignore", "+bufsize=4096"."""
    require_dig()
    cmd = [DIG, "@" + server, "-p", str(port), "+noall", "+comments", "+question", "+answer", "+authority",
           "+additional", "+nocmd", "+time=%d" % timeout, "+tries=%d" % tries, "+norecurse", name, rtype]
    cmd.extend(options)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout * tries + 10)
    r = parse_dig(proc.stdout)
    r.returncode = proc.returncode
    return r


def a_records(agent, name="web.marathon.mesos", timeout=2):
    """The sorted A addresses the agent answers for `name`, or the rcode when it is not NOERROR."""
    r = agent.dig(name, "A", timeout=timeout)
    return sorted(rr.rdata for rr in r.answer if rr.type == "A") if r.status == "NOERROR" else r.status


def leader_srv_port(agent):
    """The port of the agent's one _leader._tcp SRV record (the list of ports when not one)."""
    r = agent.dig("_leader._tcp.mesos", "SRV")
    ports = [int(rr.rdata.split()[2]) for rr in r.answer if rr.type == "SRV"]
    return ports[0] if len(ports) == 1 else ports


# ---------------------------------------------------------------------------------------------
# The agent


_SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |WARNING: ThreadSanitizer")


class Agent:
    """The agent binary run with a config written into a temporary folder.

    config: dict of config.json keys; "port" defaults to a free port, "listener" to 127.0.0.1,
    "httpon" to false. files: {name: str/bytes/dict} written next to config.json (e.g. a state
    file). The process's stderr goes to `log_path`; read it with log()."""

    def __init__(self, config, files=None, extra_args=(), workdir=None, env=None):
        self.binary = agent_binary()
        self.dir = workdir or tempfile.mkdtemp(prefix="mdns-e2e-")
        self._own_dir = workdir is None
        # Defaults; a key the test gives in any letter case replaces them (keys are case-insensitive).
        # Names outside the domain are refused unless a test configures upstreams: tests never
        # forward to the machine's own resolvers.
        # State (cache file, original resolv.conf) stays in the test's folder, never /var/lib.
        defaults = {"listener": LOOPBACK, "httpon": False, "externalon": "resolvers" in config,
                    "stateDir": os.path.join(self.dir, "state")}
        given = {k.lower() for k in config}
        self.config = {k: v for k, v in defaults.items() if k.lower() not in given}
        self.config.update(config)
        self.config.setdefault("port", free_port())
        self.port = self.config["port"]
        # Where dig asks it: its (first) listener, unless that is the wildcard.
        listener = self.config.get("listener", LOOPBACK)
        listener = listener[0] if isinstance(listener, list) and listener else listener
        self.address = listener if isinstance(listener, str) and listener not in ("0.0.0.0", "::") else LOOPBACK
        self.config_path = os.path.join(self.dir, "config.json")
        self.log_path = os.path.join(self.dir, "agent.log")
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, **(env or {}))  # e.g. NOTIFY_SOCKET, as systemd sets it
        self.proc = None
        for name, content in (files or {}).items():
            self.write_file(name, content)
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=2)

    def write_file(self, name, content):
        path = os.path.join(self.dir, name)
        if isinstance(content, (dict, list)):
            content = json.dumps(content)
        mode = "wb" if isinstance(content, bytes) else "w"
        tmp = path + ".tmp"
        with open(tmp, mode) as f:
            f.write(content)
        os.replace(tmp, path)  # the agent never sees a half-written file
        return path

    def start(self, wait=True, timeout=10.0):
        if getattr(self, "_log", None) is not None:
            self._log.close()  # started again (a restart): a fresh log
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.binary, "-config", self.config_path] + self.extra_args,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=self.env)
        if wait:
            self.wait_listening(timeout)
        return self

    def wait_listening(self, timeout=10.0):
        """Waits until the DNS port answers (any rcode)."""
        def answers():
            if self.proc.poll() is not None:
                raise AssertionError("the agent exited with %s before answering; log:\n%s"
                                     % (self.proc.returncode, self.log()))
            return self.dig(self.config.get("domain", "mesos"), "SOA", timeout=1).status is not None
        wait_until(answers, timeout, interval=0.05, message="the agent does not answer on port %d" % self.port)

    def wait_loaded(self, timeout=10.0):
        """Waits until records are served (the apex SOA answers NOERROR)."""
        wait_until(lambda: self.dig(self.config.get("domain", "mesos"), "SOA", timeout=1).status == "NOERROR",
                   timeout, interval=0.1, message=lambda: "the agent serves no records; log:\n" + self.log())

    def dig(self, name, rtype="A", *options, **kwargs):
        kwargs.setdefault("server", self.address)
        return dig(self.port, name, rtype, *options, **kwargs)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_mark(self):
        """The log's current length: pass it to wait_log(since=...) to look only at newer lines."""
        return len(self.log())

    def wait_log(self, pattern, timeout=10.0, since=0):
        """Waits until the log (from offset `since` on) matches the regular expression; returns
        the match."""
        rx = re.compile(pattern)
        wait_until(lambda: rx.search(self.log()[since:]), timeout, interval=0.05,
                   message="no log line matches %r" % pattern)
        return rx.search(self.log()[since:])

    def stop(self, timeout=10.0):
        """SIGTERM to this agent's own PID, then wait (SIGKILL to the same PID if it hangs)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def cleanup(self):
        """Stops the agent and removes its folder; fails when the agent crashed, did not exit 0 on
        SIGTERM, or its log has a sanitizer report (builds with -DMDNS_SANITIZE=ON)."""
        returncode = self.stop()
        log = self.log()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        problems = []
        if returncode not in (None, 0):
            problems.append("the agent exited with %s (expected 0 after SIGTERM)" % returncode)
        if _SANITIZER_REPORT.search(log):
            problems.append("the agent's log has a sanitizer report")
        if problems:
            raise AssertionError("; ".join(problems) + "; log:\n" + log)


def start_agent(test, config, files=None, wait=True, **kwargs):
    """Starts an Agent that is stopped (and its folder removed) when `test` ends, even on failure.
    On failure the agent's log is worth reading: it is printed when the test fails."""
    a = Agent(config, files, **kwargs)
    test.addCleanup(a.cleanup)
    test.addCleanup(_print_log_on_failure, test, a)
    a.start(wait=wait)
    return a


def _print_log_on_failure(test, agent):
    outcome = getattr(test, "_outcome", None)
    failed = False
    if outcome is not None:
        result = getattr(outcome, "result", None)
        errors = list(getattr(outcome, "errors", []) or [])
        if result is not None:
            failed = any(getattr(t, "test_case", t) is test for t, _ in list(result.failures) + list(result.errors))
        failed = failed or any(exc for _, exc in errors)
    if failed:
        print("\n----- agent log (%s) -----\n%s----- end of agent log -----" % (test.id(), agent.log()))


def run_agent_command(args, timeout=30):
    """Runs the agent binary with `args` to completion; returns CompletedProcess (text)."""
    return subprocess.run([agent_binary()] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


@contextlib.contextmanager
def temp_dir():
    d = tempfile.mkdtemp(prefix="mdns-e2e-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# A steady query load


def read_exact(sock, n):
    """Exactly n bytes from a stream socket; EOFError when it closes first."""
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def dns_query(name, qid, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", qtype, 1)


class QueryLoad(threading.Thread):
    """Sends one UDP query at a time (each waits up to 2 s for its answer) until stopped; counts
    queries and those never answered. Bounded: stops by itself after `limit` seconds."""

    def __init__(self, port, name, limit=30.0):
        super().__init__(daemon=True)
        self.port, self.name, self.limit = port, name, limit
        self.sent = self.lost = self.failed = 0  # failed: answered, but not NOERROR
        self._halt = threading.Event()

    def run(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2.0)
        deadline = time.monotonic() + self.limit
        try:
            while not self._halt.is_set() and time.monotonic() < deadline:
                qid = random.randrange(65536)
                sock.sendto(dns_query(self.name, qid), (LOOPBACK, self.port))
                self.sent += 1
                try:
                    while True:
                        data, _ = sock.recvfrom(4096)
                        if struct.unpack(">H", data[:2])[0] == qid:
                            if data[3] & 0x0F != 0:
                                self.failed += 1
                            break
                except socket.timeout:
                    self.lost += 1
                except ConnectionRefusedError:  # nothing listens on the port (ICMP unreachable)
                    self.lost += 1
                    time.sleep(0.01)
        finally:
            sock.close()

    def stop(self):
        self._halt.set()
        self.join(10)
