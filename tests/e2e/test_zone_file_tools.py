"""`dump-zone` writes a zone file that other DNS tools load: task and DiscoveryInfo names with spaces,
UTF-8 or the characters a master file gives a meaning to (`;` `(` `)` `"` `\\` `@` `$`) are written
with RFC 1035 section 5.1's escapes (`\\032`, `\\195\\169`, `\\;`), `nsd-checkzone` accepts the
file, and nsd serving it answers those names as the agent does."""
import json
import os
import re
import subprocess
import unittest

from harness import (agent_binary, dig, discovery, framework, make_state, require_dig, run_agent_command,
                     slave, start_agent, task, temp_dir)
from upstreams import Nsd, require_nsd

LEADER = "127.0.0.1:5050"
CONFIG = {"stateFile": "state.json", "domain": "mesos", "ttl": 60, "EnforceRFC952": False,
          "IPSources": ["netinfo", "mesos", "host"], "SetTruncateBit": True}

# Task and DiscoveryInfo names (Marathon apps) and their tasks' addresses.
SPACE_AND_UTF8 = {"web ui": "10.3.0.1", "caf\u00e9": "10.3.0.2"}
SPECIALS = {"semi;colon": "10.3.1.1", "paren(s)": "10.3.1.2", 'quote"d': "10.3.1.3", "back\\slash": "10.3.1.4",
            "at@x": "10.3.1.5", "dollar$x": "10.3.1.6", "tab\tx": "10.3.1.7"}


def cluster_state(names):
    """One task per name, with a DiscoveryInfo of that name and one tcp port."""
    s = slave(0, "10.0.0.10")
    tasks = []
    for i, (name, ip) in enumerate(names.items()):
        port = 31000 + i
        tasks.append(task("app%d.%08d-aaaa-bbbb-cccc-%012d" % (i, i, i), name, s, ip=ip, ports=[port],
                          discovery=discovery(name, [(port, "http", "tcp")])))
    return make_state(LEADER, slaves=[s], frameworks=[framework("marathon", tasks)])


# ---------------------------------------------------------------------------------------------
# Master files (RFC 1035 section 5.1), just enough to read dump-zone's lines


def tokens(line):
    """The fields of a master-file line, split at whitespace that is not escaped; escapes kept."""
    out, current, i = [], "", 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            n = 4 if line[i + 1:i + 4].isdigit() and len(line[i + 1:i + 4]) == 3 else 2
            current += line[i:i + n]
            i += n
            continue
        if c in " \t":
            if current:
                out.append(current)
            current = ""
        else:
            current += c
        i += 1
    if current:
        out.append(current)
    return out


def labels(name):
    """The labels (bytes) of a name in master-file form: `\\DDD` is the byte DDD, `\\X` is X, an
    unescaped `.` ends a label. The text is UTF-8 (what a raw non-ASCII character stands for)."""
    raw = name.encode("utf-8")
    out, current, i = [], b"", 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"\\":
            if raw[i + 1:i + 4].isdigit() and len(raw[i + 1:i + 4]) == 3:
                current += bytes([int(raw[i + 1:i + 4])])
                i += 4
            else:
                current += raw[i + 1:i + 2]
                i += 2
            continue
        if c == b".":
            out.append(current)
            current = b""
        else:
            current += c
        i += 1
    if current:
        out.append(current)
    return tuple(out)


def presentation(label_bytes):
    """A name for dig from its labels: letters, digits, - and _ as they are, every other byte \\DDD."""
    def one(label):
        return "".join(chr(b) if chr(b).isalnum() and b < 128 or chr(b) in "-_" else "\\%03d" % b for b in label)
    return ".".join(one(label) for label in label_bytes) + "."


def zone_records(text):
    """(owner labels, type, rdata fields) of every record line of a zone file."""
    records = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";") or line.startswith("$"):
            continue
        fields = tokens(line)
        records.append((labels(fields[0]), fields[3] if len(fields) > 3 else "", fields[4:]))
    return records


class ZoneFileToolsTest(unittest.TestCase):
    def setUp(self):
        agent_binary()

    def dump_zone(self, names):
        with temp_dir() as d:
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(dict(CONFIG, port=1), f)  # port unused: nothing listens
            with open(os.path.join(d, "state.json"), "w") as f:
                json.dump(cluster_state(names), f)
            p = run_agent_command(["-config", os.path.join(d, "config.json"), "dump-zone"])
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def assert_nsd_checkzone_loads(self, zone):
        require_nsd()
        with temp_dir() as d:
            path = os.path.join(d, "mesos.zone")
            with open(path, "w", encoding="utf-8") as f:
                f.write(zone)
            p = subprocess.run(["nsd-checkzone", "mesos", path], capture_output=True, text=True, timeout=60)
        bad = sorted({int(n) for n in re.findall(r"mesos\.zone:(\d+):", p.stderr)})
        lines = zone.splitlines()
        self.assertEqual(p.returncode, 0, "nsd-checkzone rejects dump-zone's output (names must be escaped as RFC "
                         "1035 section 5.1 says):\n%s\n...\nthe lines it names:\n%s" % (
                             "\n".join(p.stderr.splitlines()[:8]), "\n".join(
                                 "%d: %r" % (n, lines[n - 1]) for n in bad[:10] if 0 < n <= len(lines))))

    def assert_ascii(self, zone):
        for number, line in enumerate(zone.splitlines(), 1):
            odd = [c for c in line if not (" " <= c <= "~" or c == "\t")]
            self.assertFalse(odd, "line %d holds raw %r: a zone file writes such bytes as \\DDD (RFC 1035 "
                                  "section 5.1), e.g. \\195\\169 for an e acute: %r" % (number, odd, line))

    def assert_names(self, zone, names):
        """Each name's A record (name.marathon.mesos) and SRV record (_name._tcp.marathon.mesos)
        read back with the name's exact bytes."""
        records = zone_records(zone)
        owners = {(owner, rtype) for owner, rtype, _ in records}
        for name, ip in names.items():
            label = name.encode("utf-8")
            with self.subTest(name=name):
                a = [rdata for owner, rtype, rdata in records
                     if owner == (label, b"marathon", b"mesos") and rtype == "A"]
                self.assertEqual(a, [[ip]], "%r.marathon.mesos A %s does not read back from the zone file; "
                                            "its lines naming it: %s" % (name, ip, [
                                                line for line in zone.splitlines() if name.split()[0] in line][:6]))
                self.assertIn(((b"_" + label, b"_tcp", b"marathon", b"mesos"), "SRV"), owners,
                              "_%r._tcp.marathon.mesos SRV does not read back from the zone file" % name)

    def test_names_with_spaces_and_utf8_are_escaped_so_nsd_checkzone_loads_the_zone(self):
        zone = self.dump_zone(SPACE_AND_UTF8)
        self.assert_nsd_checkzone_loads(zone)
        self.assert_ascii(zone)
        self.assert_names(zone, SPACE_AND_UTF8)

    def test_zone_file_specials_in_names_are_escaped_so_nsd_checkzone_loads_the_zone(self):
        zone = self.dump_zone(SPECIALS)
        self.assert_nsd_checkzone_loads(zone)
        self.assert_ascii(zone)
        self.assert_names(zone, SPECIALS)

    def test_nsd_serving_the_dumped_zone_answers_as_the_agent_does(self):
        require_dig()
        require_nsd()
        names = dict(SPACE_AND_UTF8, **SPECIALS)
        zone = self.dump_zone(names)
        self.assert_nsd_checkzone_loads(zone)  # else nsd would not start
        nsd = Nsd(zones={"mesos": zone})
        self.addCleanup(nsd.cleanup)
        nsd.start()
        agent = start_agent(self, dict(CONFIG), files={"state.json": cluster_state(names)})
        agent.wait_loaded()
        for name in names:
            label = name.encode("utf-8")
            for rtype, owner in (("A", (label, b"marathon", b"mesos")),
                                 ("SRV", (b"_" + label, b"_tcp", b"marathon", b"mesos"))):
                with self.subTest(name=name, type=rtype):
                    query = presentation(owner)
                    from_agent = agent.dig(query, rtype)
                    from_nsd = dig(nsd.port, query, rtype)
                    self.assertEqual(from_agent.status, "NOERROR", from_agent.text)
                    self.assertTrue(from_agent.rdatas(rtype), from_agent.text)
                    self.assertEqual((from_nsd.status, from_nsd.rdatas(rtype)), ("NOERROR", from_agent.rdatas(rtype)),
                                     "%s %s: nsd serving the dumped zone answers\n%s\nthe agent answers\n%s"
                                     % (query, rtype, from_nsd.text, from_agent.text))


if __name__ == "__main__":
    unittest.main()
