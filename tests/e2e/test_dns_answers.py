"""What the agent answers, seen through the real dig, with records from a state file; and its
command line (config errors, flags, dump-zone)."""
import json
import os
import unittest

from harness import (LOOPBACK, app_state, discovery, framework, make_state, require_dig, run_agent_command,
                     slave, start_agent, task, temp_dir, wait_until)

LEADER = "127.0.0.1:5050"
TTL = 37
MYAPP_IPS = ["10.1.0.1", "10.1.0.2"]
BIG = 60  # tasks of one app: 60 A records (960+ bytes) do not fit in 512


def reverse_name(ipv4):
    return ".".join(reversed(ipv4.split("."))) + ".in-addr.arpa"


def cluster_state():
    """myapp.dev (2 tasks, DiscoveryInfo with a tcp port each), big (60 tasks), srv8 (8 tasks with
    a resource port each, so that its SRV answer fits in 512 bytes but its additional section does
    not)."""
    s = slave(0, "10.0.0.10")
    tasks = []
    for i, ip in enumerate(MYAPP_IPS):
        tasks.append(task("dev_myapp.%08d-0000-0000-0000-%012d" % (i, i), "myapp.dev", s, ip=ip, ports=[31000 + i],
                          discovery=discovery("myapp.dev", [(31000 + i, "http", "tcp")])))
    for i in range(BIG):
        tasks.append(task("big.%08d-1111-1111-1111-%012d" % (i, i), "big", s,
                          ip="10.2.%d.%d" % (i // 200, 1 + i % 200)))
    for i in range(8):  # 8 SRV records with their targets written in full (RFC 2782): 436 bytes
        tasks.append(task("srv8.%08d-2222-2222-2222-%012d" % (i, i), "srv8", s, ip="10.3.0.%d" % (1 + i),
                          ports=[32000 + i], discovery=discovery("srv8", [(32000 + i, "", "tcp")])))
    tasks.append(task("gone.00000000-3333-3333-3333-000000000000", "gone", s, ip="10.4.0.1", state="TASK_FINISHED"))
    return make_state(LEADER, slaves=[s], frameworks=[framework("marathon", tasks)])


BASE_CONFIG = {"stateFile": "state.json", "refreshSeconds": 60, "ttl": TTL, "domain": "mesos",
               "SOAMname": "ns1.mesos", "SOARname": "root.ns1.mesos", "SOAMinttl": 45,
               "IPSources": ["netinfo", "mesos", "host"], "EnforceRFC952": False, "SetTruncateBit": True}


class DnsAnswersTest(unittest.TestCase):
    def setUp(self):
        require_dig()
        self.agent = start_agent(self, dict(BASE_CONFIG), files={"state.json": cluster_state()})
        self.agent.wait_loaded()

    def dig(self, *args, **kwargs):
        return self.agent.dig(*args, **kwargs)

    def assert_soa_authority(self, r):
        self.assertEqual(len(r.authority), 1, r)
        soa = r.authority[0]
        self.assertEqual((soa.name, soa.type), ("mesos.", "SOA"))
        self.assertTrue(soa.rdata.startswith("ns1.mesos. root.ns1.mesos. "), soa)

    def test_answers_a_records_of_all_running_tasks_authoritatively(self):
        r = self.dig("myapp.dev.marathon.mesos", "A")
        self.assertEqual(r.status, "NOERROR")
        self.assertIn("aa", r.flags)
        self.assertEqual(r.rdatas("A"), MYAPP_IPS)
        self.assertEqual([rr.type for rr in r.answer], ["A", "A"])

    def test_unknown_name_gets_nxdomain_with_soa_in_authority(self):
        for name in ["nope.mesos", "nope.marathon.mesos", "gone.marathon.mesos", "x.myapp.dev.marathon.mesos"]:
            with self.subTest(name):
                r = self.dig(name, "A")
                self.assertEqual(r.status, "NXDOMAIN", r)
                self.assertIn("aa", r.flags)
                self.assertEqual(r.answer, [])
                self.assert_soa_authority(r)

    def test_existing_name_without_records_of_asked_type_gets_nodata(self):
        r = self.dig("myapp.dev.marathon.mesos", "AAAA")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertIn("aa", r.flags)
        self.assertEqual(r.answer, [])
        self.assert_soa_authority(r)
        r = self.dig("myapp.dev.marathon.mesos", "TXT")
        self.assertEqual((r.status, r.answer), ("NOERROR", []), r)
        self.assert_soa_authority(r)

    def test_empty_non_terminal_gets_nodata_not_nxdomain(self):
        # "_tcp.marathon.mesos" has no records of its own but is an ancestor of SRV names such as
        # "_srv10._tcp.marathon.mesos": it exists, so NODATA (RFC 8020), not NXDOMAIN.
        r = self.dig("_tcp.marathon.mesos", "A")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual(r.answer, [])
        self.assert_soa_authority(r)

    def test_matches_names_case_insensitively_and_echoes_question_case(self):
        r = self.dig("MyApp.Dev.MARATHON.mesos", "A")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual([q.name for q in r.question], ["MyApp.Dev.MARATHON.mesos."])
        self.assertEqual(r.rdatas("A"), MYAPP_IPS)
        for rr in r.answer:
            self.assertEqual(rr.name.lower(), "myapp.dev.marathon.mesos.")
        r = self.dig("NOPE.MESOS", "A")
        self.assertEqual(r.status, "NXDOMAIN")
        self.assertEqual([q.name for q in r.question], ["NOPE.MESOS."])

    def test_ttl_of_every_record_is_config_ttl(self):
        for name, rtype in [("myapp.dev.marathon.mesos", "A"), ("_myapp.dev._tcp.marathon.mesos", "SRV"),
                            ("leader.mesos", "A"), ("mesos", "NS")]:
            with self.subTest(name=name, type=rtype):
                r = self.dig(name, rtype)
                self.assertTrue(r.answer, r)
                for rr in r.answer + r.additional:
                    self.assertEqual(rr.ttl, TTL, rr)

    def test_srv_answer_carries_target_addresses_in_additional(self):
        r = self.dig("_myapp.dev._tcp.marathon.mesos", "SRV")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual(len(r.answer), 2, r)
        targets = {}
        for rr in r.answer:
            prio, weight, port, target = rr.rdata.split()
            self.assertEqual(prio, "0")
            targets[target] = int(port)
        self.assertEqual(sorted(targets.values()), [31000, 31001])
        additional = {}
        for rr in r.additional:
            if rr.type == "A":
                additional.setdefault(rr.name, []).append(rr.rdata)
        self.assertEqual(sorted(additional), sorted(targets), r)
        self.assertEqual(sorted(ip for ips in additional.values() for ip in ips), MYAPP_IPS)
        # Each target resolves, by itself, to what the additional section said.
        for target, ips in additional.items():
            self.assertEqual(self.dig(target, "A").rdatas("A"), sorted(ips))

    def test_udp_without_edns_sends_the_records_that_fit_with_tc(self):
        # Clients with TCP see TC and ask there; clients without (musl up to 1.2.3) use what came.
        r = self.dig("big.marathon.mesos", "A", "+noedns", "+ignore")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertIn("tc", r.flags, r)
        self.assertEqual(r.counts.get("ANSWER"), 29, r)  # (512 - 12 - 24) // 16
        self.assertLess(len(set(r.rdatas("A"))), BIG)
        self.assertTrue(set(r.rdatas("A")) <= {"10.2.0.%d" % (1 + i) for i in range(BIG)}, r)

    def test_udp_without_truncate_bit_sends_the_records_that_fit_without_tc(self):
        agent = start_agent(self, dict(BASE_CONFIG, SetTruncateBit=False), files={"state.json": cluster_state()})
        agent.wait_loaded()
        r = agent.dig("big.marathon.mesos", "A", "+noedns", "+ignore")
        self.assertNotIn("tc", r.flags, r)
        self.assertEqual(len(r.answer), 29, r)

    def test_tcp_gets_the_whole_big_rrset(self):
        r = self.dig("big.marathon.mesos", "A", "+tcp", "+noedns")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertNotIn("tc", r.flags)
        self.assertEqual(len(r.answer), BIG)
        self.assertEqual(len(set(r.rdatas("A"))), BIG)

    def test_udp_with_large_edns_buffer_gets_the_whole_big_rrset(self):
        r = self.dig("big.marathon.mesos", "A", "+bufsize=4096", "+ignore")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertNotIn("tc", r.flags)
        self.assertEqual(len(r.answer), BIG)
        self.assertIsNotNone(r.edns_udp, "an EDNS query gets an EDNS answer")

    def test_udp_replies_stop_at_1232_bytes_whatever_the_asker_offers(self):
        state = cluster_state()
        s = slave(1, "10.0.0.11")
        state["frameworks"][0]["tasks"] += [task("huge.%08d-4444-4444-4444-%012d" % (i, i), "huge", s,
                                                 ip="10.5.%d.%d" % (i // 200, 1 + i % 200)) for i in range(100)]
        state["slaves"].append(s)
        capped = start_agent(self, dict(BASE_CONFIG), files={"state.json": state})
        capped.wait_loaded()
        self.assertEqual(len(capped.dig("huge.marathon.mesos", "A", "+tcp").answer), 100)
        r = capped.dig("huge.marathon.mesos", "A", "+bufsize=4096", "+ignore")
        self.assertIn("tc", r.flags, r)
        self.assertEqual(len(r.answer), (1232 - 12 - 25 - 11) // 16, r)
        bigger = start_agent(self, dict(BASE_CONFIG, maxUdpSize=4096), files={"state.json": state})
        bigger.wait_loaded()
        r = bigger.dig("huge.marathon.mesos", "A", "+bufsize=4096", "+ignore")
        self.assertNotIn("tc", r.flags, r)
        self.assertEqual(len(r.answer), 100)

    def test_udp_with_small_edns_buffer_gets_the_records_that_fit_with_tc(self):
        r = self.dig("big.marathon.mesos", "A", "+bufsize=512", "+ignore")
        self.assertIn("tc", r.flags, r)
        self.assertEqual(len(r.answer), (512 - 12 - 24 - 11) // 16, r)

    def test_dig_retries_truncated_answer_over_tcp_and_gets_everything(self):
        r = self.dig("big.marathon.mesos", "A", "+noedns")  # no +ignore: dig follows TC to TCP
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual(len(r.answer), BIG)

    def test_udp_drops_additional_section_without_tc_when_only_answers_fit(self):
        r = self.dig("_srv8._tcp.marathon.mesos", "SRV", "+noedns", "+ignore")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertNotIn("tc", r.flags, "leaving out additional data needs no TC bit")
        self.assertEqual(len(r.answer), 8)
        full = self.dig("_srv8._tcp.marathon.mesos", "SRV", "+tcp")
        self.assertEqual(len(full.answer), 8)
        self.assertEqual(len([rr for rr in full.additional if rr.type == "A"]), 8)

    def test_reverse_lookup_of_a_task_address_gives_its_canonical_name_and_back(self):
        for ip in MYAPP_IPS:
            r = self.dig(reverse_name(ip), "PTR")
            self.assertEqual(r.status, "NOERROR", r)
            self.assertIn("aa", r.flags)
            self.assertEqual(len(r.answer), 1, r)
            ptr = r.answer[0]
            self.assertEqual((ptr.type, ptr.ttl), ("PTR", TTL))
            self.assertRegex(ptr.rdata, r"^myapp-dev-[a-z0-9]{5}-s0\.marathon\.mesos\.$")
            self.assertEqual(self.dig(ptr.rdata, "A").rdatas("A"), [ip], "the name leads back to the address")
        # The agent's own address (a host-network task would share it) and unknown ones are not ours.
        self.assertEqual(self.dig(reverse_name("10.0.0.10"), "PTR").status, "REFUSED")
        self.assertEqual(self.dig(reverse_name("10.99.0.1"), "PTR").status, "REFUSED")

    def test_soa_at_apex_is_in_answer_section(self):
        r = self.dig("mesos", "SOA")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertIn("aa", r.flags)
        self.assertEqual(len(r.answer), 1, r)
        soa = r.answer[0]
        self.assertEqual((soa.name, soa.type, soa.ttl), ("mesos.", "SOA", TTL))
        fields = soa.rdata.split()
        self.assertEqual(fields[:2], ["ns1.mesos.", "root.ns1.mesos."])
        self.assertEqual(fields[6], "45", "SOA minimum is SOAMinttl")
        self.assertEqual(r.authority, [])

    def test_ns_at_apex_names_the_soa_mname_with_its_address(self):
        r = self.dig("mesos", "NS")
        self.assertEqual(r.status, "NOERROR", r)
        self.assertEqual([(rr.name, rr.type, rr.rdata) for rr in r.answer], [("mesos.", "NS", "ns1.mesos.")])
        self.assertIn(("ns1.mesos.", "A", LOOPBACK), [(rr.name, rr.type, rr.rdata) for rr in r.additional])
        self.assertEqual(self.dig("ns1.mesos", "A").rdatas("A"), [LOOPBACK])

    def test_answers_over_tcp_like_over_udp(self):
        udp = self.dig("myapp.dev.marathon.mesos", "A")
        tcp = self.dig("myapp.dev.marathon.mesos", "A", "+tcp")
        self.assertEqual((tcp.status, tcp.rdatas("A")), ("NOERROR", MYAPP_IPS))
        self.assertEqual(udp.rdatas("A"), tcp.rdatas("A"))


class StateFileReloadTest(unittest.TestCase):
    def test_picks_up_changed_state_file_on_refresh(self):
        require_dig()
        agent = start_agent(self, {"stateFile": "state.json", "refreshSeconds": 1, "ttl": TTL},
                            files={"state.json": app_state(LEADER, "web", task_ips=["10.1.1.1"])})
        agent.wait_loaded()
        self.assertEqual(agent.dig("web.marathon.mesos", "A").rdatas("A"), ["10.1.1.1"])
        agent.write_file("state.json", app_state(LEADER, "web", task_ips=["10.1.1.2", "10.1.1.3"]))
        wait_until(lambda: agent.dig("web.marathon.mesos", "A").rdatas("A") == ["10.1.1.2", "10.1.1.3"], 8,
                   message="changed state file not picked up")
        # A broken file keeps the previous records.
        mark = agent.log_mark()
        agent.write_file("state.json", "{ not json")
        agent.wait_log(r"refresh failed: .*state\.json: not valid JSON", since=mark)
        self.assertEqual(agent.dig("web.marathon.mesos", "A").rdatas("A"), ["10.1.1.2", "10.1.1.3"])


    def test_soa_serial_moves_only_when_records_change(self):
        require_dig()
        agent = start_agent(self, {"stateFile": "state.json", "refreshSeconds": 1, "ttl": TTL},
                            files={"state.json": app_state(LEADER, "web", task_ips=["10.1.1.1"])},
                            extra_args=("-v",))
        agent.wait_loaded()

        def serial():
            return int(agent.dig("mesos", "SOA").answer[0].rdata.split()[2])

        first = serial()
        # Refreshes that bring the same records (the -v log says "unchanged") leave the serial alone.
        mark = agent.log_mark()
        agent.write_file("state.json", app_state(LEADER, "web", task_ips=["10.1.1.1"]))
        agent.wait_log(r"unchanged", since=mark, timeout=5)
        mark = agent.log_mark()
        agent.wait_log(r"unchanged", since=mark, timeout=5)
        self.assertEqual(serial(), first)
        agent.write_file("state.json", app_state(LEADER, "web", task_ips=["10.1.1.9"]))
        wait_until(lambda: agent.dig("web.marathon.mesos", "A").rdatas("A") == ["10.1.1.9"], 8)
        self.assertGreater(serial(), first)


class LifecycleTest(unittest.TestCase):
    def test_exits_0_on_sigterm_after_logging_it(self):
        require_dig()
        agent = start_agent(self, {"stateFile": "state.json"}, files={"state.json": app_state(LEADER)})
        agent.wait_loaded()
        self.assertEqual(agent.stop(), 0)
        log = agent.log()
        self.assertIn("received SIGTERM, stopping", log)
        self.assertRegex(log, r"info: stopped")
        self.assertIsNone(agent.dig("leader.mesos", "A", timeout=1).status, "nothing answers after the stop")

    def test_serves_servfail_in_domain_until_the_state_file_exists(self):
        require_dig()
        agent = start_agent(self, {"stateFile": "state.json", "refreshSeconds": 1})
        self.assertEqual(agent.dig("leader.mesos", "A").status, "SERVFAIL")
        agent.wait_log(r"refresh failed: .*state\.json: No such file or directory")
        agent.write_file("state.json", app_state(LEADER))
        wait_until(lambda: agent.dig("leader.mesos", "A").rdatas("A") == [LOOPBACK], 8,
                   message="records not served once the state file appeared")


class CommandLineTest(unittest.TestCase):
    def write_config(self, folder, config, state=None):
        path = os.path.join(folder, "config.json")
        with open(path, "w") as f:
            json.dump(config, f)
        if state is not None:
            with open(os.path.join(folder, "state.json"), "w") as f:
                json.dump(state, f)
        return path

    def test_config_with_ttl_as_duration_string_exits_1_naming_file_and_key(self):
        with temp_dir() as d:
            path = self.write_config(d, {"stateFile": "state.json", "ttl": "60s", "port": 5353}, cluster_state())
            p = run_agent_command(["-config", path])
            self.assertEqual(p.returncode, 1, p)
            self.assertIn(path, p.stderr)
            self.assertRegex(p.stderr, r'key "ttl"[^\n]*"60s"')

    def test_master_host_name_that_does_not_resolve_exits_1_naming_it(self):
        with temp_dir() as d:
            path = self.write_config(d, {"masters": ["no-such-master.invalid:5050"], "port": 5353}, cluster_state())
            p = run_agent_command(["-config", path])
            self.assertEqual(p.returncode, 1, p)
            self.assertRegex(p.stderr, r'key "masters": host "no-such-master\.invalid" has no address')

    def test_config_that_is_not_json_exits_1_naming_file(self):
        with temp_dir() as d:
            path = os.path.join(d, "config.json")
            with open(path, "w") as f:
                f.write('{"ttl": 60,')
            p = run_agent_command(["-config", path])
            self.assertEqual(p.returncode, 1, p)
            self.assertIn(path, p.stderr)

    def test_missing_config_file_exits_1_naming_it(self):
        with temp_dir() as d:
            path = os.path.join(d, "absent.json")
            p = run_agent_command(["-config", path])
            self.assertEqual(p.returncode, 1, p)
            self.assertIn(path, p.stderr)

    def test_check_validates_the_config_without_starting(self):
        with temp_dir() as d:
            good = self.write_config(d, {"stateFile": "state.json", "port": 5353, "unknownKey": 1}, cluster_state())
            p = run_agent_command(["-config", good, "check"])
            self.assertEqual(p.returncode, 0, p)
            self.assertIn("%s: valid (1 warning)" % good, p.stdout)
            self.assertIn('unknown key "unknownKey" ignored', p.stderr)
            bad = self.write_config(d, {"stateFile": "state.json", "ttl": -1, "timeout": "5s"}, cluster_state())
            p = run_agent_command(["-config", bad, "check"])
            self.assertEqual(p.returncode, 1, p)
            self.assertRegex(p.stderr, r'key "ttl"')
            self.assertRegex(p.stderr, r'key "timeout"[^\n]*"5s"')

    def test_unknown_flag_exits_2_with_usage(self):
        p = run_agent_command(["-no-such-flag"])
        self.assertEqual(p.returncode, 2, p)
        self.assertIn("-no-such-flag", p.stderr)
        self.assertIn("usage:", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_unknown_command_exits_2(self):
        p = run_agent_command(["-config", "/nonexistent/config.json", "serve-forever"])
        self.assertEqual(p.returncode, 2, p)
        self.assertIn("usage:", p.stderr)

    def test_version_flag_prints_version_and_exits_0(self):
        for flag in ["-version", "--version"]:
            with self.subTest(flag):
                p = run_agent_command([flag])
                self.assertEqual(p.returncode, 0, p)
                self.assertRegex(p.stdout, r"^mesos-dns-agent \d+\.\d+\S*\n$")

    def test_help_flag_prints_usage_and_exits_0(self):
        p = run_agent_command(["-help"])
        self.assertEqual(p.returncode, 0, p)
        self.assertIn("usage:", p.stdout)
        self.assertIn("dump-zone", p.stdout)

    def test_dump_zone_prints_zone_with_srv_and_a_records(self):
        with temp_dir() as d:
            path = self.write_config(d, dict(BASE_CONFIG, port=1), cluster_state())  # port unused: nothing listens
            p = run_agent_command(["-config", path, "dump-zone"])
            self.assertEqual(p.returncode, 0, p)
            rrs = []
            for line in p.stdout.splitlines():
                if not line or line.startswith("$") or line.startswith(";"):
                    continue
                name, ttl, cls, rtype, rdata = line.split(None, 4)
                rrs.append((name, int(ttl), cls, rtype, rdata))
            self.assertIn("$ORIGIN mesos.", p.stdout)
            self.assertRegex(p.stdout, r"(?m)^\$TTL %d$" % TTL)
            a = sorted(rd for n, _, _, t, rd in rrs if n == "myapp.dev.marathon.mesos." and t == "A")
            self.assertEqual(a, MYAPP_IPS)
            srv = sorted(rd for n, _, _, t, rd in rrs if n == "_myapp.dev._tcp.marathon.mesos." and t == "SRV")
            self.assertEqual(len(srv), 2, p.stdout)
            for rd in srv:
                self.assertRegex(rd, r"^0 1 3100[01] myapp\.dev-[a-z0-9]+-s0\.marathon\.mesos\.$")
            self.assertEqual(len([1 for n, _, _, t, _ in rrs if n == "big.marathon.mesos." and t == "A"]), BIG)
            self.assertEqual([t for n, _, _, t, _ in rrs if n == "mesos."], ["SOA", "NS"])
            for rr in rrs:
                self.assertEqual((rr[1], rr[2]), (TTL, "IN"), rr)

    def test_dump_zone_matches_what_the_server_answers(self):
        require_dig()
        with temp_dir() as d:
            path = self.write_config(d, dict(BASE_CONFIG, port=1), cluster_state())
            zone = run_agent_command(["-config", path, "dump-zone"]).stdout
        agent = start_agent(self, dict(BASE_CONFIG), files={"state.json": cluster_state()})
        agent.wait_loaded()
        for name in ["leader.mesos.", "_myapp.dev._tcp.marathon.mesos.", "slave.mesos."]:
            rtype = "SRV" if name.startswith("_") else "A"
            want = sorted(line.split(None, 4)[4] for line in zone.splitlines()
                          if line.startswith(name + "\t") and line.split(None, 4)[3] == rtype)
            self.assertTrue(want, name)
            self.assertEqual(agent.dig(name, rtype).rdatas(rtype), want, name)

    def test_dump_zone_with_unreadable_state_file_exits_1(self):
        with temp_dir() as d:
            path = self.write_config(d, dict(BASE_CONFIG, stateFile="missing.json"))
            p = run_agent_command(["-config", path, "dump-zone"])
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("missing.json", p.stderr)


if __name__ == "__main__":
    unittest.main()
