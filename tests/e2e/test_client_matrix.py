"""The client matrix: the resolver libraries that programs on a Mesos node link, each run as a real
program against the agent on 127.0.0.1:53 through /etc/resolv.conf, with one shared table of
expectations (CASES):

- glibc: getaddrinfo and res_query (clients/resolver_client.c, built with cc)
- musl 1.2.3: the same program built with musl-gcc -static (no TCP fallback: a big answer gives
  the whole records that fit in its 512-byte UDP reply, so the agent must send them with TC)
- Go: net.LookupHost, LookupIP and LookupSRV (clients/go/main.go), with the pure Go resolver
  (CGO_ENABLED=0, GODEBUG=netdns=go) and with cgo (GODEBUG=netdns=cgo: host lookups through
  getaddrinfo; Go parses SRV replies itself either way)
- Java 17: InetAddress.getAllByName and JNDI's DNS provider (clients/Client.java)
- Node.js: dns.lookup (getaddrinfo), dns.resolve4/resolve6/resolveSrv (c-ares) (clients/node_client.js)
- dnspython: Resolver.resolve, and the raw reply bytes (clients/dnspython_client.py)

Each library's test runs in private mount, network and pid namespaces (netns.py) with a private
/etc: resolv.conf says `nameserver 127.0.0.1`, `search marathon.mesos`; nsd on a loopback high port
serves example.test (with big.example.test, 120 A records, which the agent must fetch over TCP);
a fake Mesos master serves a 3-instance app (web) and a 200-instance app (big). The agent starts
while the master is down: a lookup in the domain must fail fast (SERVFAIL), then the master comes
up and the table is run, every case from a fresh process of the library's client.

The clients are built once per run, in a temporary folder (setUpClass), with bounded timeouts; a
missing compiler or runtime fails the library's test with the Debian package to install.
MDNS_MATRIX_VERBOSE=1 prints every case's result (run inside `unshare -mnpf --mount-proc` with
MDNS_IN_PRIVATE_NAMESPACES=1 to see it; the namespaced runs' output is shown only on failure)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (FakeMaster, agent_binary, discovery, framework, make_state, require_dig, slave,  # noqa: E402
                     start_agent, task)
from netns import in_private_namespaces, namespaces_available, write_resolv_conf  # noqa: E402
from upstreams import BIG_RECORDS, ZONE, require_nsd, start_nsd  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENTS = os.path.join(HERE, "clients")
BUILD_ENV = "MDNS_CLIENT_MATRIX_BUILD"  # the folder of the built clients, handed to the namespaced runs
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable  # Debian's dnspython

WEB_IPS = ["10.1.0.%d" % i for i in (1, 2, 3)]
WEB_PORTS = [31000, 31001, 31002]
BIG = 200
BIG_IPS = ["10.2.%d.%d" % (i // 100, 1 + i % 100) for i in range(BIG)]
BIG_PORTS = [31000 + i for i in range(BIG)]
FORWARDED_IPS = ["192.0.2.10", "192.0.2.11"]  # www.example.test (upstreams.ZONE)
FORWARDED_BIG_IPS = ["198.51.100.%d" % (i + 1) for i in range(BIG_RECORDS)]  # big.example.test

RUN_TIMEOUT = 40  # seconds one client process may take (a hang is reported as such)
BUILD_TIMEOUT = 300  # seconds per client build
FAIL_FAST = 4.0  # seconds within which a client reports the agent's SERVFAIL before the first load


def cluster_state(leader):
    """web: 3 tasks with a DiscoveryInfo tcp port each; big: 200 tasks with a resource port each.
    Both on one agent, Marathon's framework "marathon"."""
    s = slave(0, "10.0.0.10")
    tasks = []
    for i, ip in enumerate(WEB_IPS):
        port = WEB_PORTS[i]
        tasks.append(task("web.%08d-aaaa-bbbb-cccc-%012d" % (i, i), "web", s, ip=ip, ports=[port],
                          discovery=discovery("web", [(port, "http", "tcp")])))
    for i, ip in enumerate(BIG_IPS):
        tasks.append(task("big.%08d-dddd-eeee-ffff-%012d" % (i, i), "big", s, ip=ip, ports=[BIG_PORTS[i]]))
    return make_state(leader, slaves=[s], frameworks=[framework("marathon", tasks)])


# ---------------------------------------------------------------------------------------------
# The table


class Expect:
    """What a case must give. kind: "addrs" (exactly `values`), "srv" (one record per port of
    `values`, targets matching `target`), "nodata", "nxdomain", "tempfail". big: the answer does
    not fit in a 512-byte UDP reply, so a library without TCP fallback gets a non-empty subset."""

    def __init__(self, kind, values=(), target=None, big=False):
        self.kind, self.values, self.big = kind, list(values), big
        self.target = re.compile(target) if target else None

    def __repr__(self):
        if self.kind == "addrs":
            return "%d addresses %s" % (len(self.values), self.values[:4] + (["..."] if len(self.values) > 4 else []))
        if self.kind == "srv":
            return "%d SRV records, ports %s, targets like %s" % (len(self.values), self.values[:4] + (
                ["..."] if len(self.values) > 4 else []), self.target.pattern)
        return self.kind.upper()


class Case:
    def __init__(self, label, op, name, expect):
        self.label, self.op, self.name, self.expect = label, op, name, expect


WEB_TARGET = r"^web-[a-z0-9]+-s0\.marathon\.mesos$"
# big has no DiscoveryInfo: its SRV records (from resource ports) point to the agent's name
BIG_TARGET = r"^big-[a-z0-9]+-s0\.marathon\.slave\.mesos$"

# op: host (the library's host lookup: getaddrinfo or its own, the search list applies), a, aaaa,
# srv (DNS queries of that type for the name as given).
CASES = [
    Case("3 instances: host lookup", "host", "web.marathon.mesos", Expect("addrs", WEB_IPS)),
    Case("3 instances: A query", "a", "web.marathon.mesos", Expect("addrs", WEB_IPS)),
    Case("3 instances: SRV", "srv", "_web._tcp.marathon.mesos", Expect("srv", WEB_PORTS, WEB_TARGET)),
    Case("200 instances: host lookup", "host", "big.marathon.mesos", Expect("addrs", BIG_IPS, big=True)),
    Case("200 instances: A query", "a", "big.marathon.mesos", Expect("addrs", BIG_IPS, big=True)),
    Case("200 instances: SRV", "srv", "_big._tcp.marathon.mesos", Expect("srv", BIG_PORTS, BIG_TARGET, big=True)),
    Case("NODATA: AAAA of a name with only A", "aaaa", "web.marathon.mesos", Expect("nodata")),
    Case("NXDOMAIN: host lookup in the domain", "host", "nosuch.marathon.mesos", Expect("nxdomain")),
    Case("NXDOMAIN: SRV in the domain", "srv", "_nosuch._tcp.marathon.mesos", Expect("nxdomain")),
    Case("short name through the search list", "host", "web", Expect("addrs", WEB_IPS)),
    Case("upper-case name", "host", "WEB.MARATHON.MESOS", Expect("addrs", WEB_IPS)),
    Case("upper-case SRV name", "srv", "_WEB._TCP.MARATHON.MESOS", Expect("srv", WEB_PORTS, WEB_TARGET)),
    Case("forwarded to nsd", "host", "www.example.test", Expect("addrs", FORWARDED_IPS)),
    Case("forwarded, the upstream answer needs TCP", "host", "big.example.test",
         Expect("addrs", FORWARDED_BIG_IPS, big=True)),
]

# Before the agent's first load (the master does not answer yet): SERVFAIL, which the library
# reports as a temporary failure, fast. After the load, CASES run (the same names resolve).
BEFORE_LOAD_CASES = [
    Case("before the first load: host lookup", "host", "web.marathon.mesos", Expect("tempfail")),
    Case("before the first load: SRV", "srv", "_web._tcp.marathon.mesos", Expect("tempfail")),
]


# ---------------------------------------------------------------------------------------------
# The libraries: how each client is built and run


class Library:
    """name; tcp: whether the library asks again over TCP after a truncated UDP reply;
    fail_fast: seconds within which a SERVFAIL must be reported; build(folder) -> (argv prefix,
    env) or raises ClientUnavailable."""

    def __init__(self, name, build, tcp=True, fail_fast=FAIL_FAST, env=None, note=""):
        self.name, self.build, self.tcp, self.fail_fast, self.env, self.note = name, build, tcp, fail_fast, env, note


class ClientUnavailable(Exception):
    pass


def _tool(name, package):
    path = shutil.which(name)
    if path is None:
        raise ClientUnavailable("%s is not installed (Debian: apt-get install %s; tests/run-all.sh installs it)"
                                % (name, package))
    return path


def _run_build(argv, cwd=None, env=None):
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ClientUnavailable("%s took more than %d s" % (" ".join(argv), BUILD_TIMEOUT))
    if proc.returncode != 0:
        raise ClientUnavailable("%s failed (exit %d):\n%s%s" % (" ".join(argv), proc.returncode, proc.stdout,
                                                                 proc.stderr))


def build_glibc(folder):
    out = os.path.join(folder, "glibc_client")
    _run_build([_tool("cc", "gcc"), "-O1", "-o", out, os.path.join(CLIENTS, "resolver_client.c"), "-lresolv"])
    return [out], {}


def build_musl(folder):
    out = os.path.join(folder, "musl_client")
    _run_build([_tool("musl-gcc", "musl-tools"), "-static", "-O1", "-o", out,
                os.path.join(CLIENTS, "resolver_client.c")])
    return [out], {}


def _build_go(folder, name, cgo):
    go = _tool("go", "golang-go")
    out = os.path.join(folder, name)
    env = dict(os.environ, GOCACHE=os.path.join(folder, "go-cache"), GOPATH=os.path.join(folder, "go-path"),
               GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="", GO111MODULE="", GOWORK="off",
               CGO_ENABLED="1" if cgo else "0")
    if cgo:
        _tool("gcc", "gcc")
    _run_build([go, "build", "-o", out, "main.go"], cwd=os.path.join(CLIENTS, "go"), env=env)
    return out


def build_go(folder):
    return [_build_go(folder, "go_client", cgo=False)], {"GODEBUG": "netdns=go"}


def build_go_cgo(folder):
    # +1: Go says which resolver it uses (checked: the cgo one).
    return [_build_go(folder, "go_cgo_client", cgo=True)], {"GODEBUG": "netdns=cgo+1"}


def build_java(folder):
    javac = _tool("javac", "default-jdk-headless")
    java = _tool("java", "default-jdk-headless")
    classes = os.path.join(folder, "java")
    os.makedirs(classes, exist_ok=True)
    _run_build([javac, "-d", classes, os.path.join(CLIENTS, "Client.java")])
    # One short-lived JVM per lookup: the client compiler only (starts faster).
    return [java, "-XX:TieredStopAtLevel=1", "-cp", classes, "Client"], {}


def build_node(folder):
    node = _tool("node", "nodejs")
    _run_build([node, "--version"])
    return [node, os.path.join(CLIENTS, "node_client.js")], {}


def build_dnspython(folder):
    if not os.path.exists(PYTHON):
        raise ClientUnavailable("no python3 at %s" % PYTHON)
    try:
        _run_build([PYTHON, "-c", "import dns.resolver, dns.message"])
    except ClientUnavailable as e:
        raise ClientUnavailable("dnspython is not installed for %s (Debian: apt-get install python3-dnspython)\n%s"
                                % (PYTHON, e))
    return [PYTHON, os.path.join(CLIENTS, "dnspython_client.py")], {}


LIBRARIES = {
    "glibc": Library("glibc", build_glibc),
    # musl asks again on SERVFAIL and then waits out its timeout (resolv.conf's, 5 s): by design.
    "musl": Library("musl", build_musl, tcp=False, fail_fast=8.0),
    "go": Library("go", build_go),
    "go-cgo": Library("go-cgo", build_go_cgo),
    "java": Library("java", build_java, fail_fast=FAIL_FAST + 2.0),  # a JVM starts in about a second
    "node": Library("node", build_node),
    "dnspython": Library("dnspython", build_dnspython),
}


def build_all(folder):
    """Builds every client into `folder`; writes and returns the manifest {library: {"argv", "env"}
    or {"error"}}."""
    manifest = {}
    for name, library in LIBRARIES.items():
        started = time.monotonic()
        try:
            argv, env = library.build(folder)
            manifest[name] = {"argv": argv, "env": env, "seconds": round(time.monotonic() - started, 1)}
        except ClientUnavailable as e:
            manifest[name] = {"error": str(e)}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


# ---------------------------------------------------------------------------------------------
# Results


class Result:
    def __init__(self, status, items, stderr, seconds):
        self.status, self.items, self.stderr, self.seconds = status, items, stderr, seconds

    def __repr__(self):
        shown = self.items[:6] + (["... %d in all" % len(self.items)] if len(self.items) > 6 else [])
        return "%s %s in %.1f s" % (self.status, shown, self.seconds)


def known_defect_hint(library, case, result):
    """A sentence naming the known agent defect a failure looks like, or ""."""
    text = result.status + " " + result.stderr
    if library.startswith("go") and case.op == "srv" and "cannot unmarshal DNS message" in text:
        return ("Go's DNS parser rejects the whole reply when an SRV target holds a compression pointer "
                "(RFC 2782: the target must not be compressed); known agent defect: SRV target compression")
    if case.expect.big and not LIBRARIES[library].tcp and (result.status in ("NODATA", "NOTFOUND") or
                                                           (result.status == "OK" and not result.items)):
        return ("this library does not ask again over TCP: it needs the truncated UDP reply (TC) to carry as "
                "many whole records as fit; known agent defect: TC with an empty answer")
    return ""


# ---------------------------------------------------------------------------------------------
# The tests


RESOLV_CONF = "nameserver 127.0.0.1\nsearch marathon.mesos\noptions ndots:1\n"


class ClientMatrixTest(unittest.TestCase):
    manifest = None

    @classmethod
    def setUpClass(cls):
        if os.environ.get("MDNS_IN_PRIVATE_NAMESPACES") != "1" and not namespaces_available():
            raise unittest.SkipTest("needs root and unshare for private mount, network and pid namespaces")
        agent_binary()
        folder = os.environ.get(BUILD_ENV)
        if folder and os.path.exists(os.path.join(folder, "manifest.json")):
            with open(os.path.join(folder, "manifest.json")) as f:
                cls.manifest = json.load(f)
            return
        folder = tempfile.mkdtemp(prefix="mdns-clients-")
        cls.addClassCleanup(shutil.rmtree, folder, True)
        cls.addClassCleanup(os.environ.pop, BUILD_ENV, None)
        cls.manifest = build_all(folder)
        os.environ[BUILD_ENV] = folder  # inherited by the runs in private namespaces

    def setUp(self):
        require_dig()
        require_nsd()

    # -- the environment, inside the namespaces

    def start_cluster(self, before_load=None):
        """resolv.conf and nsswitch.conf, nsd for example.test, a fake master (down at first) and
        the agent on 127.0.0.1:53. before_load(): called while the master is still down. Returns
        the agent, serving the cluster's records."""
        write_resolv_conf(RESOLV_CONF)
        write_resolv_conf("hosts: files dns\n", "/etc/nsswitch.conf")  # nothing but DNS after /etc/hosts
        nsd = start_nsd(self, zones={"example.test": ZONE})
        master = FakeMaster()
        self.addCleanup(master.stop)
        master.stop()  # not answering yet: connections refused
        master.state = cluster_state(master.pid)
        agent = start_agent(self, {"masters": [master.address], "port": 53, "listener": "127.0.0.1",
                                   "resolvers": ["127.0.0.1:%d" % nsd.port], "SetTruncateBit": True,
                                   "externalon": True, "refreshSeconds": 1, "stateTimeoutSeconds": 2,
                                   "timeout": 3, "minRecordRatio": 0})
        if before_load is not None:
            before_load()
        master.start()
        agent.wait_loaded(timeout=30)
        return agent

    def run_client(self, library, *args):
        """Runs the library's client once: a Result."""
        entry = self.manifest[library]
        argv = entry["argv"] + list(args)
        env = dict(os.environ, **entry["env"])
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                                  timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            stderr = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            return Result("HANG", [], stderr, time.monotonic() - started)
        seconds = time.monotonic() - started
        lines = proc.stdout.splitlines()
        if proc.returncode != 0 or not lines:
            return Result("ERROR exit %d: %s" % (proc.returncode, proc.stdout[-500:]), [], proc.stderr, seconds)
        return Result(lines[0], lines[1:], proc.stderr, seconds)

    def check(self, library, case, result):
        """Fails (in the current subTest) when `result` does not meet case.expect."""
        expect = case.expect
        problems = []
        partial_ok = expect.big and not LIBRARIES[library].tcp
        if expect.kind in ("addrs", "srv"):
            if result.status != "OK":
                problems.append("expected %r, got %s" % (expect, result.status))
            elif expect.kind == "addrs":
                got, want = set(result.items), set(expect.values)
                if partial_ok:
                    if not got or not got <= want:
                        problems.append("expected a non-empty subset of %r (no TCP fallback), got %d addresses, "
                                        "%d of them not expected: %s" % (expect, len(got), len(got - want),
                                                                         sorted(got - want)[:6]))
                elif got != want:
                    problems.append("expected %r, got %d addresses; missing %s; unexpected %s" % (
                        expect, len(got), sorted(want - got)[:6], sorted(got - want)[:6]))
                if len(result.items) != len(got):
                    problems.append("duplicate addresses in %d results" % len(result.items))
            else:
                records = [item.split(" ", 1) for item in result.items]
                ports = sorted(int(p) for p, _ in records)
                targets = [t for _, t in records]
                bad_targets = [t for t in targets if not expect.target.match(t)]
                if bad_targets:
                    problems.append("SRV targets not like %s: %s" % (expect.target.pattern, bad_targets[:4]))
                if len(set(targets)) != len(targets):
                    problems.append("the same SRV target twice among %d records" % len(targets))
                if partial_ok:
                    if not ports or not set(ports) <= set(expect.values) or len(set(ports)) != len(ports):
                        problems.append("expected a non-empty subset of %r (no TCP fallback), got ports %s" % (
                            expect, ports[:10]))
                elif ports != sorted(expect.values):
                    problems.append("expected %r, got %d records with ports %s" % (expect, len(ports), ports[:10]))
        elif expect.kind == "nodata":
            if result.status not in ("NODATA", "NOTFOUND"):  # NOTFOUND: the API does not tell NODATA apart
                problems.append("expected no address (NODATA), got %s" % (result,))
        elif expect.kind == "nxdomain":
            if result.status not in ("NXDOMAIN", "NOTFOUND"):
                problems.append("expected NXDOMAIN, got %s" % (result,))
        elif expect.kind == "tempfail":
            if result.status != "TEMPFAIL":
                problems.append("expected a temporary failure (the agent's SERVFAIL), got %s" % (result,))
            elif result.seconds > LIBRARIES[library].fail_fast:
                problems.append("the failure took %.1f s (more than %.1f s): the client waited for an answer "
                                "that never came" % (result.seconds, LIBRARIES[library].fail_fast))
        if result.status == "HANG" or (result.status != "TEMPFAIL" and result.seconds > 20):
            problems.append("the client took %.1f s" % result.seconds)
        if problems:
            hint = known_defect_hint(library, case, result)
            self.fail("%s: %s (%s %s): %s; result: %r%s\nclient stderr: %s" % (
                library, case.label, case.op, case.name, "; ".join(problems), result,
                ("\nlikely cause: " + hint) if hint else "", result.stderr.strip()[-1500:]))

    def run_cases(self, library, cases):
        for case in cases:
            with self.subTest(library=library, case=case.label):
                result = self.run_client(library, case.op, case.name)
                if os.environ.get("MDNS_MATRIX_VERBOSE"):
                    sys.stderr.write("%-10s %-45s %r\n" % (library, case.label, result))
                self.check(library, case, result)
                if library == "go-cgo" and case.op == "host" and result.status == "OK":
                    self.assertIn("cgo", result.stderr, "go-cgo: GODEBUG=netdns=cgo did not pick the cgo resolver")

    def run_matrix(self, library):
        entry = self.manifest[library]
        if "error" in entry:
            self.fail("%s: its client could not be built: %s" % (library, entry["error"]))
        self.start_cluster(before_load=lambda: self.run_cases(library, BEFORE_LOAD_CASES))
        self.run_cases(library, CASES)

    # -- one test per library, every case of the table as a subTest

    @in_private_namespaces
    def test_glibc_getaddrinfo_and_res_query_get_every_answer(self):
        self.run_matrix("glibc")

    @in_private_namespaces
    def test_musl_gets_every_answer_and_a_subset_of_big_ones_over_udp(self):
        self.run_matrix("musl")

    @in_private_namespaces
    def test_go_resolver_gets_every_address_and_every_srv_target(self):
        self.run_matrix("go")

    @in_private_namespaces
    def test_go_cgo_resolver_gets_every_address_and_every_srv_target(self):
        self.run_matrix("go-cgo")

    @in_private_namespaces
    def test_java_inetaddress_and_jndi_get_every_answer(self):
        self.run_matrix("java")

    @in_private_namespaces
    def test_node_lookup_and_c_ares_get_every_answer(self):
        self.run_matrix("node")

    @in_private_namespaces
    def test_dnspython_gets_every_answer(self):
        self.run_matrix("dnspython")

    # -- the wire, through dnspython's messages and raw sockets

    @in_private_namespaces
    def test_srv_targets_are_never_compressed_over_udp_or_tcp(self):
        if "error" in self.manifest["dnspython"]:
            self.fail("dnspython: %s" % self.manifest["dnspython"]["error"])
        self.start_cluster()
        for name, count in (("_web._tcp.marathon.mesos", len(WEB_PORTS)), ("_big._tcp.marathon.mesos", BIG)):
            result = self.run_client("dnspython", "wire-srv", name)
            self.assertEqual(result.status, "OK", "%s: %r\n%s" % (name, result, result.stderr))
            for line in result.items:
                with self.subTest(name=name, transport=line.split()[0]):
                    fields = dict(f.split("=") for f in line.split()[1:])
                    self.assertGreater(int(fields["srv"]), 0, "%s over %s: no SRV record in the reply%s: %s" % (
                        name, line.split()[0], " (TC with an empty answer: known agent defect)"
                        if fields["tc"] == "1" else "", line))
                    if line.startswith("tcp"):
                        self.assertEqual(int(fields["srv"]), count, line)
                    self.assertEqual(int(fields["compressed"]), 0,
                                     "%s over %s: %s SRV targets hold a compression pointer (RFC 2782 forbids it; "
                                     "Go rejects such replies): %s" % (name, line.split()[0], fields["compressed"],
                                                                        line))

    @in_private_namespaces
    def test_udp_replies_fit_1232_bytes_and_big_ones_carry_whole_records_with_tc(self):
        if "error" in self.manifest["dnspython"]:
            self.fail("dnspython: %s" % self.manifest["dnspython"]["error"])
        self.start_cluster()
        for rtype, name in (("A", "big.marathon.mesos"), ("SRV", "_big._tcp.marathon.mesos"),
                            ("A", "big.example.test")):
            with self.subTest(query="%s %s" % (rtype, name)):
                result = self.run_client("dnspython", "wire-udp-size", rtype, name)
                self.assertEqual(result.status, "OK", "%r\n%s" % (result, result.stderr))
                fields = dict(f.split("=") for f in result.items[0].split())
                self.assertLessEqual(int(fields["bytes"]), 1232,
                                     "%s %s over UDP, 4096 offered: a %s-byte reply (more than 1232: fragments, "
                                     "DNS flag day 2020)" % (rtype, name, fields["bytes"]))
                self.assertEqual(fields["tc"], "1", "%s %s: the whole answer does not fit, TC expected: %s"
                                 % (rtype, name, result.items[0]))
                self.assertGreater(int(fields["answers"]), 0,
                                   "%s %s: TC with an empty answer; clients without TCP (musl) get nothing: %s"
                                   % (rtype, name, result.items[0]))


if __name__ == "__main__":
    unittest.main()
