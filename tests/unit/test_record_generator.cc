// The record generator against mesos-dns's own expectations (records/generator_test.go: its
// TestMasterRecord table, TestInsertState's facts for every IPSources ordering, the hash, the NS
// record for SOAMname), over our own fixture (tests/fixtures/cluster_state.json), plus the agent's
// deliberate differences and the demo state of packaging/demo.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <source_location>
#include <sstream>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/record_generator.h"
#include "common/task_hash.h"

namespace mdns {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- Helpers: expectations that read like DNS text ---------------------------------------------------

enum class Kind { kA, kAAAA, kSRV };

const char* kindName(Kind k) { return k == Kind::kA ? "A" : k == Kind::kAAAA ? "AAAA" : "SRV"; }

// The values of `name` of one type, as text: addresses, or SRV as "target:port" (mesos-dns's form).
std::set<std::string> valuesOf(const RecordSet& rs, Kind kind, const std::string& name) {
  std::set<std::string> out;
  const auto rec = rs.find(name);
  if (!rec) return out;
  switch (kind) {
    case Kind::kA:
      for (const auto& ip : rec->a) out.insert(ip.toString());
      break;
    case Kind::kAAAA:
      for (const auto& ip : rec->aaaa) out.insert(ip.toString());
      break;
    case Kind::kSRV:
      for (const auto& srv : rec->srv) out.insert(std::string(srv.target) + ":" + std::to_string(srv.port));
      break;
  }
  return out;
}

std::string show(const std::set<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) out += (out.size() > 1 ? ", " : "") + v;
  return out + "}";
}

// Compares as sets; an empty `want` means the name has no records of that type.
void expectRecords(const RecordSet& rs, Kind kind, const std::string& name, const std::set<std::string>& want,
                   const std::source_location& loc) {
  const auto got = valuesOf(rs, kind, name);
  if (got != want) {
    ADD_FAILURE_AT(loc.file_name(), static_cast<int>(loc.line()))
        << name << " " << kindName(kind) << ": got " << show(got) << ", want " << show(want);
  }
}

void expectA(const RecordSet& rs, const std::string& name, const std::set<std::string>& want,
             const std::source_location& loc = std::source_location::current()) {
  expectRecords(rs, Kind::kA, name, want, loc);
}
void expectAAAA(const RecordSet& rs, const std::string& name, const std::set<std::string>& want,
                const std::source_location& loc = std::source_location::current()) {
  expectRecords(rs, Kind::kAAAA, name, want, loc);
}
void expectSrv(const RecordSet& rs, const std::string& name, const std::set<std::string>& want,
               const std::source_location& loc = std::source_location::current()) {
  expectRecords(rs, Kind::kSRV, name, want, loc);
}
void expectNoName(const RecordSet& rs, const std::string& name,
                  const std::source_location& loc = std::source_location::current()) {
  if (rs.find(name)) ADD_FAILURE_AT(loc.file_name(), static_cast<int>(loc.line())) << name << " exists";
}

// One expected record set of a table: type, name and values.
struct Expect {
  Kind kind;
  std::string name;
  std::set<std::string> want;
};

void expectAll(const RecordSet& rs, const std::vector<Expect>& table, const std::string& label) {
  for (size_t i = 0; i < table.size(); ++i) {
    const auto got = valuesOf(rs, table[i].kind, table[i].name);
    EXPECT_EQ(got, table[i].want) << label << " #" << i + 1 << ": " << table[i].name << " " << kindName(table[i].kind)
                                  << ": got " << show(got) << ", want " << show(table[i].want);
  }
}

// Every record of the set as "TYPE name value", to compare whole sets.
std::set<std::string> allRecords(const RecordSet& rs) {
  std::set<std::string> out;
  for (const auto& [name, rec] : rs.names()) {
    const std::string n(name);
    for (const auto& ip : rec.a) out.insert("A " + n + " " + ip.toString());
    for (const auto& ip : rec.aaaa) out.insert("AAAA " + n + " " + ip.toString());
    for (const auto& srv : rec.srv) {
      out.insert("SRV " + n + " " + std::string(srv.target) + ":" + std::to_string(srv.port));
    }
  }
  return out;
}

IpAddress ip(const char* text) {
  const auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MesosState loadState(const std::string& path) {
  const std::string text = readFile(path);
  EXPECT_FALSE(text.empty()) << "cannot read " << path;
  auto parsed = parseMesosState(text);
  EXPECT_TRUE(parsed.state.has_value()) << path << ": " << parsed.error;
  return parsed.state.value_or(MesosState{});
}

// A resolver over a fixed table that remembers what it was asked.
struct FakeResolver {
  std::map<std::string, std::vector<std::string>> table;
  std::vector<std::string> asked;
  HostResolver fn() {
    return [this](const std::string& host) {
      asked.push_back(host);
      std::vector<IpAddress> out;
      if (auto it = table.find(host); it != table.end()) {
        for (const auto& text : it->second) out.push_back(*IpAddress::parse(text));
      }
      return out;
    };
  }
};

HostResolver noResolver() {
  return [](const std::string&) { return std::vector<IpAddress>{}; };
}

// --- RecordSet -------------------------------------------------------------------------------------

TEST(RecordSet, OneRecordPerDistinctValue) {
  // generator_test.go TestNTasks: the same address twice is one record.
  RecordSet rs;
  EXPECT_TRUE(rs.addAddress("blah.mesos.", ip("10.0.0.1")));
  EXPECT_FALSE(rs.addAddress("blah.mesos.", ip("10.0.0.1")));
  EXPECT_TRUE(rs.addAddress("blah.mesos.", ip("10.0.0.2")));
  EXPECT_TRUE(rs.addSrv("_blah._tcp.mesos.", SrvTarget{"blah.mesos.", 80}));
  EXPECT_FALSE(rs.addSrv("_blah._tcp.mesos.", SrvTarget{"blah.mesos.", 80}));
  EXPECT_TRUE(rs.addSrv("_blah._tcp.mesos.", SrvTarget{"blah.mesos.", 81}));
  rs.finalize();
  expectA(rs, "blah.mesos.", {"10.0.0.1", "10.0.0.2"});
  expectSrv(rs, "_blah._tcp.mesos.", {"blah.mesos.:80", "blah.mesos.:81"});
  EXPECT_EQ(rs.countA(), 2u);
  EXPECT_EQ(rs.countSrv(), 2u);
}

TEST(RecordSet, AddressesAreFiledByFamily) {
  RecordSet rs;
  rs.addAddress("x.mesos.", ip("10.0.0.1"));
  rs.addAddress("x.mesos.", ip("2001:db8::1"));
  rs.addAddress("x.mesos.", ip("::ffff:10.0.0.2"));  // IPv4-mapped counts as IPv4, as Go's To4
  rs.finalize();
  expectA(rs, "x.mesos.", {"10.0.0.1", "10.0.0.2"});
  expectAAAA(rs, "x.mesos.", {"2001:db8::1"});
  EXPECT_EQ(rs.countAAAA(), 1u);
}

TEST(RecordSet, LongListsAreDeduplicatedByFinalize) {
  RecordSet rs;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 100; ++i) rs.addAddress("slave.mesos.", ip(("10.1.0." + std::to_string(i)).c_str()));
  }
  rs.finalize();
  EXPECT_EQ(rs.find("slave.mesos.")->a.size(), 100u);
}

TEST(RecordSet, NamesComeInOrderWithTheirValuesSortedAndSrvTargetsReadable) {
  RecordSet rs;
  rs.addSrv("_b._tcp.mesos.", SrvTarget{"z.mesos.", 2});
  rs.addAddress("c.mesos.", ip("10.0.0.9"));
  rs.addSrv("_b._tcp.mesos.", SrvTarget{"a.mesos.", 7});
  rs.addAddress("c.mesos.", ip("10.0.0.1"));
  rs.addSrv("_b._tcp.mesos.", SrvTarget{"a.mesos.", 3});
  {
    const std::string target = "temporary.mesos.";  // the set keeps its own copy of every name
    rs.addSrv("_t._tcp.mesos.", SrvTarget{target, 1});
  }
  rs.finalize();
  std::vector<std::string> names;
  for (const auto& [name, rec] : rs.names()) names.emplace_back(name);
  // Targets without records of their own (z.mesos.) are no owner names.
  EXPECT_EQ(names, (std::vector<std::string>{"_b._tcp.mesos.", "_t._tcp.mesos.", "c.mesos."}));
  const auto srv = rs.find("_b._tcp.mesos.");
  ASSERT_TRUE(srv);
  ASSERT_EQ(srv->srv.size(), 3u);
  EXPECT_EQ(srv->srv[0], (SrvTarget{"a.mesos.", 3}));
  EXPECT_EQ(srv->srv[1], (SrvTarget{"a.mesos.", 7}));
  EXPECT_EQ(srv->srv[2], (SrvTarget{"z.mesos.", 2}));
  EXPECT_EQ(rs.find("_t._tcp.mesos.")->srv.front().target, "temporary.mesos.");
  EXPECT_EQ(rs.find("c.mesos.")->a.front(), ip("10.0.0.1"));
  EXPECT_FALSE(rs.find("z.mesos."));
  EXPECT_FALSE(rs.find("d.mesos."));
  EXPECT_FALSE(rs.find(""));
}

TEST(RecordSet, AddingAfterFinalizeKeepsWhatWasThereAndCopiesStayApart) {
  RecordSet rs;
  rs.addAddress("a.mesos.", ip("10.0.0.1"));
  rs.addSrv("_a._tcp.mesos.", SrvTarget{"a.mesos.", 80});
  rs.finalize();
  const RecordSet before = rs;
  const auto digest = rs.contentDigest();
  EXPECT_FALSE(rs.addAddress("a.mesos.", ip("10.0.0.1")));  // still known as a duplicate
  EXPECT_TRUE(rs.addAddress("b.mesos.", ip("10.0.0.2")));
  EXPECT_TRUE(rs.addSrv("_a._tcp.mesos.", SrvTarget{"b.mesos.", 81}));
  rs.finalize();
  expectA(rs, "a.mesos.", {"10.0.0.1"});
  expectA(rs, "b.mesos.", {"10.0.0.2"});
  expectSrv(rs, "_a._tcp.mesos.", {"a.mesos.:80", "b.mesos.:81"});
  EXPECT_NE(rs.contentDigest(), digest);
  // The copy taken before is unchanged, and equal to a set built with the same content.
  EXPECT_EQ(before.contentDigest(), digest);
  expectSrv(before, "_a._tcp.mesos.", {"a.mesos.:80"});
  RecordSet same;
  same.addSrv("_a._tcp.mesos.", SrvTarget{"a.mesos.", 80});
  same.addAddress("a.mesos.", ip("10.0.0.1"));
  same.finalize();
  EXPECT_TRUE(same == before);
  EXPECT_FALSE(same == rs);
}

// The flat set against the plainest model of it (a map of sets), over random additions with many
// duplicates, long value lists and additions after finalize(): same names in the same order, same
// values, same answers to find(), and the digest of the set equals that of a set built in order.
TEST(RecordSet, MatchesAMapOfSetsOverRandomAdditions) {
  std::mt19937 random(20261128);
  for (int round = 0; round < 20; ++round) {
    RecordSet rs;
    std::map<std::string, std::set<std::string>> model;  // name -> "A ip" / "Q ip" / "S target port"
    const int names = 1 + static_cast<int>(random() % 60);
    auto name = [&] { return "n" + std::to_string(random() % names) + ".mesos."; };
    const int adds = static_cast<int>(random() % 3000);
    for (int i = 0; i < adds; ++i) {
      const std::string n = name();
      const auto kind = random() % 3;
      bool fresh = false;
      bool added = false;
      if (kind == 0) {
        const IpAddress a = ip(("10.0." + std::to_string(random() % 4) + "." + std::to_string(random() % 50)).c_str());
        fresh = model[n].insert("A " + a.toString()).second;
        added = rs.addAddress(n, a);
      } else if (kind == 1) {
        const IpAddress a = ip(("fd00::" + std::to_string(random() % 40)).c_str());
        fresh = model[n].insert("Q " + a.toString()).second;
        added = rs.addAddress(n, a);
      } else {
        const std::string target = name();
        const auto port = static_cast<uint16_t>(random() % 5);
        fresh = model[n].insert("S " + target + " " + std::to_string(port)).second;
        added = rs.addSrv(n, SrvTarget{target, port});
      }
      if (model[n].size() <= 32) {
        EXPECT_EQ(added, fresh) << n;  // exact for short lists
      }
      if (random() % 500 == 0) rs.finalize();  // and go on adding
    }
    rs.finalize();
    std::map<std::string, std::set<std::string>> got;
    size_t a = 0, aaaa = 0, srv = 0;
    std::string previous;
    for (const auto& [n, rec] : rs.names()) {
      EXPECT_LT(previous, std::string(n));
      previous = n;
      auto& values = got[std::string(n)];
      for (const auto& v : rec.a) values.insert("A " + v.toString());
      for (const auto& v : rec.aaaa) values.insert("Q " + v.toString());
      for (const auto& v : rec.srv) values.insert("S " + std::string(v.target) + " " + std::to_string(v.port));
      a += rec.a.size();
      aaaa += rec.aaaa.size();
      srv += rec.srv.size();
      EXPECT_EQ(rec.a.size() + rec.aaaa.size() + rec.srv.size(), values.size()) << n << ": a value twice";
      const auto found = rs.find(n);
      ASSERT_TRUE(found) << n;
      EXPECT_EQ(found->a.data(), rec.a.data());
    }
    ASSERT_EQ(got, model) << "round " << round;
    EXPECT_EQ(a, rs.countA());
    EXPECT_EQ(aaaa, rs.countAAAA());
    EXPECT_EQ(srv, rs.countSrv());
    EXPECT_FALSE(rs.find("n" + std::to_string(names) + ".mesos."));
    RecordSet ordered;
    for (const auto& [n, values] : model) {
      for (const auto& v : values) {
        std::istringstream in(v);
        std::string kind, value, port;
        in >> kind >> value >> port;
        if (kind == "S") {
          ordered.addSrv(n, SrvTarget{value, static_cast<uint16_t>(std::stoi(port))});
        } else {
          ordered.addAddress(n, ip(value.c_str()));
        }
      }
    }
    ordered.finalize();
    EXPECT_TRUE(ordered == rs);
    EXPECT_EQ(ordered.contentDigest(), rs.contentDigest());
  }
}

TEST(RecordSet, NamesThatCannotBeEncodedAreCountedNotStored) {
  RecordSet rs;
  const std::string longLabel(64, 'a');
  EXPECT_FALSE(rs.addAddress(longLabel + ".mesos.", ip("10.0.0.1")));
  EXPECT_FALSE(rs.addSrv("_x._tcp.mesos.", SrvTarget{longLabel + ".mesos.", 80}));
  EXPECT_FALSE(rs.addAddress("a..mesos.", ip("10.0.0.1")));
  EXPECT_TRUE(rs.addAddress(std::string(63, 'a') + ".mesos.", ip("10.0.0.1")));
  EXPECT_EQ(rs.droppedNames(), 3u);
  EXPECT_EQ(rs.droppedNames(NameProblem::kLongLabel), 2u);
  EXPECT_EQ(rs.droppedNames(NameProblem::kEmptyLabel), 1u);
  EXPECT_EQ(rs.droppedExample(NameProblem::kEmptyLabel), "a..mesos.");
  EXPECT_EQ(rs.droppedExample(NameProblem::kLongLabel), longLabel + ".mesos.");
  EXPECT_FALSE(rs.find(longLabel + ".mesos."));
  EXPECT_FALSE(rs.find("_x._tcp.mesos."));
}

TEST(RecordSet, EncodableNamesHaveShortLabelsAndAtMost255Bytes) {
  EXPECT_TRUE(isEncodableName("web.marathon.mesos."));
  EXPECT_TRUE(isEncodableName("web.marathon.mesos"));
  EXPECT_TRUE(isEncodableName(std::string(63, 'a') + ".mesos."));
  EXPECT_FALSE(isEncodableName(std::string(64, 'a') + ".mesos."));
  EXPECT_FALSE(isEncodableName("a..mesos."));
  std::string name;
  while (name.size() < 250) name += "abcdefghi.";  // 25 labels of 9: 250 characters, 251 on the wire
  EXPECT_TRUE(isEncodableName(name));
  EXPECT_FALSE(isEncodableName("abcdefghi." + name));
}

// --- Options and small helpers ----------------------------------------------------------------------

TEST(RecordGenerator, DefaultOptionsAreMesosDnsDefaults) {
  const GeneratorOptions o;
  EXPECT_EQ(o.domain, "mesos");
  EXPECT_EQ(o.nameServer, "ns1.mesos.");
  EXPECT_EQ(o.ipSources, (std::vector<std::string>{"netinfo", "mesos", "host"}));
  EXPECT_EQ(o.labelRule, LabelRule::kRfc1123);
  EXPECT_THAT(o.masters, IsEmpty());
}

TEST(RecordGenerator, OptionsFromConfigTakeDomainSoaMnameSourcesAndLabelRule) {
  const ConfigResult r = parseConfig(R"({"masters": ["10.0.0.1:5050"], "domain": "DC1.example", "SOAMname":
      "jdef123.dc1.example", "IPSources": ["docker", "host"], "EnforceRFC952": true})",
                                     "/etc/mdns/config.json");
  ASSERT_TRUE(r.config.has_value());
  const auto o = GeneratorOptions::fromConfig(*r.config, {ip("4.5.6.7")}, {"10.0.0.1:5050"});
  EXPECT_EQ(o.domain, "dc1.example");
  EXPECT_EQ(o.nameServer, "jdef123.dc1.example.");
  EXPECT_EQ(o.nameServerAddresses, std::vector<IpAddress>{ip("4.5.6.7")});
  EXPECT_EQ(o.masters, std::vector<std::string>{"10.0.0.1:5050"});
  EXPECT_EQ(o.ipSources, (std::vector<std::string>{"docker", "host"}));
  EXPECT_EQ(o.labelRule, LabelRule::kRfc952);
}

TEST(RecordGenerator, SlaveIdTailIsTheLastDashFieldInLowerCase) {
  EXPECT_EQ(slaveIdTail("20140803-125133-3041283216-5050-2410-0"), "0");
  EXPECT_EQ(slaveIdTail("7c1e2d3a-5b4f-4e6a-9d8c-0f1e2d3c4b5a-S12"), "s12");
  EXPECT_EQ(slaveIdTail("S3"), "s3");
  EXPECT_EQ(slaveIdTail(""), "");
  EXPECT_EQ(slaveIdTail("trailing-"), "");
}

// --- The name server: generator_test.go TestParseState_SOAMname -------------------------------------

TEST(RecordGenerator, NameServerGetsTheListenerAddressV4OrV6) {
  MesosState state;
  state.leader = "foo@0.1.2.3:45";
  GeneratorOptions opt;
  opt.nameServer = "jdef123.mesos.";
  opt.nameServerAddresses = {ip("4.5.6.7")};
  auto out = generateRecords(state, opt, noResolver());
  expectA(out.records, "jdef123.mesos.", {"4.5.6.7"});
  expectAAAA(out.records, "jdef123.mesos.", {});

  opt.nameServer = "ack456.mesos.";
  opt.nameServerAddresses = {ip("2001:db8::1")};
  out = generateRecords(state, opt, noResolver());
  expectAAAA(out.records, "ack456.mesos.", {"2001:db8::1"});
  expectA(out.records, "ack456.mesos.", {});
  expectNoName(out.records, "jdef123.mesos.");
}

TEST(RecordGenerator, NameServerGetsEveryAddressOfAWildcardListener) {
  MesosState state;
  state.leader = "master@10.0.0.1:5050";
  GeneratorOptions opt;
  opt.nameServerAddresses = {ip("10.0.0.7"), ip("192.168.1.7"), ip("fd00::7")};
  const auto out = generateRecords(state, opt, noResolver());
  expectA(out.records, "ns1.mesos.", {"10.0.0.7", "192.168.1.7"});
  expectAAAA(out.records, "ns1.mesos.", {"fd00::7"});
}

// --- Masters: generator_test.go TestMasterRecord, every case ----------------------------------------

struct MasterCase {
  std::vector<std::string> masters;
  std::string leader;
  std::set<std::string> want;  // every record of the set: "TYPE name value"
};

TEST(RecordGenerator, MasterRecordsMatchMesosDnsTable) {
  const std::set<std::string> leader6 = {
      "A leader.foo.com. 0.0.0.6",
      "A master.foo.com. 0.0.0.6",
      "SRV _leader._tcp.foo.com. leader.foo.com.:7",
      "SRV _leader._udp.foo.com. leader.foo.com.:7",
  };
  auto with = [&](std::set<std::string> extra) {
    extra.insert(leader6.begin(), leader6.end());
    return extra;
  };
  const std::vector<MasterCase> cases = {
      {{}, "", {}},
      {{}, "@", {}},
      {{}, "1@", {}},
      {{}, "@2", {}},
      {{}, "3@4", {}},
      {{}, "5@0.0.0.6:7", with({"A master0.foo.com. 0.0.0.6"})},
      {{},
       "5@[2001:db8::1]:7",
       {"AAAA leader.foo.com. 2001:db8::1", "AAAA master.foo.com. 2001:db8::1", "AAAA master0.foo.com. 2001:db8::1",
        "SRV _leader._tcp.foo.com. leader.foo.com.:7", "SRV _leader._udp.foo.com. leader.foo.com.:7"}},
      // single master: leader and fallback
      {{"0.0.0.6:7"}, "5@0.0.0.6:7", with({"A master0.foo.com. 0.0.0.6"})},
      // leader not in fallback list
      {{"0.0.0.8:9"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "A master0.foo.com. 0.0.0.8", "A master1.foo.com. 0.0.0.6"})},
      // duplicate fallback masters, leader not in fallback list
      {{"0.0.0.8:9", "0.0.0.8:9"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "A master0.foo.com. 0.0.0.8", "A master1.foo.com. 0.0.0.6"})},
      // leader that's also listed in the fallback list (at the end)
      {{"0.0.0.8:9", "0.0.0.6:7"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "A master0.foo.com. 0.0.0.8", "A master1.foo.com. 0.0.0.6"})},
      // duplicate leading masters in the fallback list
      {{"0.0.0.8:9", "0.0.0.6:7", "0.0.0.6:7"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "A master0.foo.com. 0.0.0.8", "A master1.foo.com. 0.0.0.6"})},
      // leader that's also listed in the fallback list (in the middle)
      {{"0.0.0.8:9", "0.0.0.6:7", "0.0.0.7:0"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "A master.foo.com. 0.0.0.7", "A master0.foo.com. 0.0.0.8",
             "A master1.foo.com. 0.0.0.6", "A master2.foo.com. 0.0.0.7"})},
      {{"0.0.0.8:9", "0.0.0.6:7", "[2001:db8::1]:0"},
       "5@0.0.0.6:7",
       with({"A master.foo.com. 0.0.0.8", "AAAA master.foo.com. 2001:db8::1", "A master0.foo.com. 0.0.0.8",
             "A master1.foo.com. 0.0.0.6", "AAAA master2.foo.com. 2001:db8::1"})},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    MesosState state;
    state.leader = cases[i].leader;
    GeneratorOptions opt;
    opt.domain = "foo.com";
    opt.masters = cases[i].masters;
    const auto out = generateRecords(state, opt, noResolver());
    EXPECT_EQ(allRecords(out.records), cases[i].want)
        << "test case " << i + 1 << ": leader \"" << cases[i].leader << "\"";
  }
}

TEST(RecordGenerator, MasterHostNamesGoThroughTheResolver) {
  FakeResolver resolver;
  resolver.table = {{"m1.dc1.internal", {"10.0.0.1"}}, {"m2.dc1.internal", {"10.0.0.2"}}};
  MesosState state;
  state.leader = "master@10.0.0.2:5050";
  GeneratorOptions opt;
  opt.masters = {"m1.dc1.internal:5050", "m2.dc1.internal:5050", "m3.dc1.internal:5050"};
  const auto out = generateRecords(state, opt, resolver.fn());
  expectA(out.records, "leader.mesos.", {"10.0.0.2"});
  expectA(out.records, "master.mesos.", {"10.0.0.1", "10.0.0.2"});
  expectA(out.records, "master0.mesos.", {"10.0.0.1"});
  expectA(out.records, "master1.mesos.", {"10.0.0.2"});
  expectNoName(out.records, "master2.mesos.");
  EXPECT_THAT(resolver.asked, ::testing::Contains("m1.dc1.internal"));
  EXPECT_THAT(resolver.asked, ::testing::Contains("m3.dc1.internal"));
  // The unresolvable master costs its own record only, with a warning that names it.
  bool named = false;
  for (const auto& w : out.warnings) named = named || w.find("m3.dc1.internal") != std::string::npos;
  EXPECT_TRUE(named);
}

// --- TestInsertState's facts over our fixture ------------------------------------------------------

constexpr const char* kSlave = "7c1e2d3a-5b4f-4e6a-9d8c-0f1e2d3c4b5a-";

// "<task>-<hash>-<slave tail>", the canonical label of a task.
std::string canonical(const std::string& taskLabel, const std::string& taskId, const std::string& slaveTail) {
  return taskLabel + "-" + taskIdHash(taskId) + "-" + slaveTail;
}

const std::string kShop1 = "shop_front.0a1b2c3d-1111-11ee-8f00-0242ac110002";
const std::string kShop2 = "shop_front.0a1b2c3d-2222-11ee-8f00-0242ac110002";
const std::string kLedger = "ledger.5e6f7a8b-3333-11ee-8f00-0242ac110002";
const std::string kCache = "cache_redis.9c8d7e6f-4444-11ee-8f00-0242ac110002";
const std::string kSingle = "single.4d3c2b1a-7777-11ee-8f00-0242ac110002";
const std::string kKv = "kv-store.b1c2d3e4-ffff-11ee-8f00-0242ac110002";
const std::string kSurvivor = "survivor.c3d4e5f6-1010-11ee-8f00-0242ac110002";
const std::string kGhostly = "ghostly.5f6a7b8c-dddd-11ee-8f00-0242ac110002";

class GeneratorOnFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = loadState(std::string(MDNS_FIXTURES) + "/cluster_state.json");
    resolver_.table = {{"agent-5.dc1.internal", {"10.20.1.15"}}, {"sched.dc1.internal", {"10.20.0.10"}}};
  }

  // As generator_test.go's testRecordGenerator: domain mesos, ns "mesos-dns.mesos." on 127.0.0.1,
  // the leader as the only configured master.
  GeneratedRecords generate(std::vector<std::string> ipSources, LabelRule rule = LabelRule::kRfc952) {
    GeneratorOptions opt;
    opt.domain = "mesos";
    opt.nameServer = "mesos-dns.mesos.";
    opt.nameServerAddresses = {ip("127.0.0.1")};
    opt.masters = {"10.20.0.5:5050"};
    opt.ipSources = std::move(ipSources);
    opt.labelRule = rule;
    return generateRecords(state_, opt, resolver_.fn());
  }

  MesosState state_;
  FakeResolver resolver_;
};

TEST_F(GeneratorOnFixture, InsertStateFactsWithAllSources) {
  const auto out = generate({"netinfo", "docker", "mesos", "host"});
  const RecordSet& rs = out.records;
  const std::string c1 = canonical("shop-front", kShop1, "s0");
  const std::string c2 = canonical("shop-front", kShop2, "s2");
  const std::string ledger = canonical("billing-ledger", kLedger, "s1");
  const std::string cache = canonical("cache-redis", kCache, "s0");
  ASSERT_EQ(c1, "shop-front-bzozz-s0");  // precomputed (SHA-1, z-base-32) by an independent implementation
  const std::vector<Expect> table = {
      // Each task's IPs come from its own first populated source: netinfo for one, docker for the other.
      {Kind::kA, "shop-front.marathon.mesos.", {"10.32.0.1", "10.30.0.2"}},
      {Kind::kA, "shop-front.marathon.slave.mesos.", {"10.20.1.10", "10.20.1.12"}},
      {Kind::kA, c1 + ".marathon.mesos.", {"10.32.0.1"}},
      {Kind::kA, c2 + ".marathon.mesos.", {"10.30.0.2"}},
      {Kind::kA, c1 + ".marathon.slave.mesos.", {"10.20.1.10"}},
      {Kind::kA, "billing-ledger.marathon.mesos.", {"10.31.0.7"}},
      {Kind::kA, "billing-ledger.marathon.slave.mesos.", {"10.20.1.11"}},
      {Kind::kA, "cache-redis.marathon.mesos.", {"10.20.1.10"}},
      {Kind::kA, "cache-redis.marathon.slave.mesos.", {"10.20.1.10"}},
      {Kind::kA, "proxy.marathon.mesos.", {"10.31.0.3"}},
      {Kind::kA, "single.marathon.mesos.", {"10.20.1.11"}},
      {Kind::kA, "legacy-net.marathon.mesos.", {"10.40.0.9"}},
      {Kind::kA, "oldjob.marathon.mesos.", {}},
      {Kind::kA, "oldjob.marathon.slave.mesos.", {}},
      {Kind::kA, "starting-app.marathon.mesos.", {}},
      {Kind::kA, "orphan.marathon.mesos.", {}},
      {Kind::kA, "report-gen.metronomejobsrunnerforan.mesos.", {"10.32.1.5"}},  // framework name cleaned
      {Kind::kA, "report-gen.metronomejobsrunnerforan.slave.mesos.", {"10.20.1.11"}},
      {Kind::kA, "master.mesos.", {"10.20.0.5"}},
      {Kind::kA, "master0.mesos.", {"10.20.0.5"}},
      {Kind::kA, "leader.mesos.", {"10.20.0.5"}},
      {Kind::kA, "slave.mesos.", {"10.20.1.10", "10.20.1.11", "10.20.1.12", "10.20.1.14", "10.20.1.15"}},
      {Kind::kA, "marathon.mesos.", {"10.20.0.7"}},
      {Kind::kA, "metronomejobsrunnerforan.mesos.", {"10.20.0.8"}},
      {Kind::kA, "mesos-dns.mesos.", {"127.0.0.1"}},

      {Kind::kA, "kv-store.v6-framework.mesos.", {"10.50.1.3", "10.50.1.2"}},
      {Kind::kAAAA, "kv-store.v6-framework.mesos.", {"fd02:c::1:8000:5"}},
      {Kind::kAAAA, "kv-store.v6-framework.slave.mesos.", {"2001:db8:20::13"}},
      {Kind::kA, "kv-store.v6-framework.slave.mesos.", {}},
      {Kind::kAAAA, "v6-framework.mesos.", {"2001:db8:20::100"}},
      {Kind::kAAAA, "slave.mesos.", {"2001:db8:20::13"}},

      // DiscoveryInfo ports: SRV at the task's name, targets the canonical name, not ".slave".
      {Kind::kSRV,
       "_shop-front._tcp.marathon.mesos.",
       {c1 + ".marathon.mesos.:80", c1 + ".marathon.mesos.:443", c2 + ".marathon.mesos.:80",
        c2 + ".marathon.mesos.:443"}},
      {Kind::kSRV, "_shop-front._udp.marathon.mesos.", {}},
      {Kind::kSRV, "_shop-front.marathon.mesos.", {}},
      {Kind::kSRV, "_http._shop-front._tcp.marathon.mesos.", {c1 + ".marathon.mesos.:80", c2 + ".marathon.mesos.:80"}},
      {Kind::kSRV,
       "_https._shop-front._tcp.marathon.mesos.",
       {c1 + ".marathon.mesos.:443", c2 + ".marathon.mesos.:443"}},
      // Resource ports of a task with DiscoveryInfo: only under ".slave", both protocols.
      {Kind::kSRV,
       "_shop-front._tcp.marathon.slave.mesos.",
       {c1 + ".marathon.slave.mesos.:31100", c1 + ".marathon.slave.mesos.:31101", c2 + ".marathon.slave.mesos.:31200",
        c2 + ".marathon.slave.mesos.:31201"}},
      {Kind::kSRV,
       "_shop-front._udp.marathon.slave.mesos.",
       {c1 + ".marathon.slave.mesos.:31100", c1 + ".marathon.slave.mesos.:31101", c2 + ".marathon.slave.mesos.:31200",
        c2 + ".marathon.slave.mesos.:31201"}},
      // Protocols are sanitized ("TCP" -> tcp); a port without protocol gets tcp and udp; port names
      // are sanitized too ("Metrics" -> metrics).
      {Kind::kSRV,
       "_billing-ledger._tcp.marathon.mesos.",
       {ledger + ".marathon.mesos.:9000", ledger + ".marathon.mesos.:9002"}},
      {Kind::kSRV,
       "_billing-ledger._udp.marathon.mesos.",
       {ledger + ".marathon.mesos.:9001", ledger + ".marathon.mesos.:9002"}},
      {Kind::kSRV, "_api._billing-ledger._tcp.marathon.mesos.", {ledger + ".marathon.mesos.:9000"}},
      {Kind::kSRV, "_metrics._billing-ledger._udp.marathon.mesos.", {ledger + ".marathon.mesos.:9001"}},
      {Kind::kSRV, "_api._billing-ledger._udp.marathon.mesos.", {}},
      {Kind::kSRV, "_billing-ledger._tcp.marathon.slave.mesos.", {ledger + ".marathon.slave.mesos.:31300"}},
      // Without DiscoveryInfo: resource ports with and without ".slave", targets under ".slave".
      {Kind::kSRV,
       "_cache-redis._tcp.marathon.mesos.",
       {cache + ".marathon.slave.mesos.:31400", cache + ".marathon.slave.mesos.:31401"}},
      {Kind::kSRV,
       "_cache-redis._udp.marathon.mesos.",
       {cache + ".marathon.slave.mesos.:31400", cache + ".marathon.slave.mesos.:31401"}},
      {Kind::kSRV,
       "_cache-redis._tcp.marathon.slave.mesos.",
       {cache + ".marathon.slave.mesos.:31400", cache + ".marathon.slave.mesos.:31401"}},
      {Kind::kSRV, "_proxy._tcp.marathon.mesos.", {}},
      {Kind::kSRV, "_oldjob._tcp.marathon.mesos.", {}},
      {Kind::kSRV,
       "_single._tcp.marathon.mesos.",
       {canonical("single", kSingle, "s1") + ".marathon.slave.mesos.:31000"}},
      {Kind::kSRV,
       "_kv-store._tcp.v6-framework.mesos.",
       {canonical("kv-store", kKv, "s3") + ".v6-framework.slave.mesos.:31600",
        canonical("kv-store", kKv, "s3") + ".v6-framework.slave.mesos.:31601"}},
      {Kind::kSRV, "_leader._tcp.mesos.", {"leader.mesos.:5050"}},
      {Kind::kSRV, "_leader._udp.mesos.", {"leader.mesos.:5050"}},
      {Kind::kSRV, "_slave._tcp.mesos.", {"slave.mesos.:5051"}},
      {Kind::kSRV, "_framework._tcp.marathon.mesos.", {"marathon.mesos.:8080"}},
      {Kind::kSRV, "_framework._tcp.metronomejobsrunnerforan.mesos.", {"metronomejobsrunnerforan.mesos.:4400"}},
      {Kind::kSRV, "_framework._tcp.v6-framework.mesos.", {"v6-framework.mesos.:9090"}},
  };
  expectAll(rs, table, "netinfo,docker,mesos,host");
}

TEST_F(GeneratorOnFixture, InsertStateFactsWithDockerThenHost) {
  const auto out = generate({"docker", "host"});
  expectAll(out.records,
            {
                // The newest TASK_RUNNING status counts; an older one and a newer TASK_STARTING do not.
                {Kind::kA, "shop-front.marathon.mesos.", {"10.30.0.1", "10.30.0.2"}},
                {Kind::kA, "shop-front.marathon.slave.mesos.", {"10.20.1.10", "10.20.1.12"}},
                {Kind::kA, "billing-ledger.marathon.mesos.", {"10.20.1.11"}},
                {Kind::kA, "proxy.marathon.mesos.", {"10.20.1.11"}},
                {Kind::kA, "cache-redis.marathon.slave.mesos.", {"10.20.1.10"}},
                {Kind::kA, "legacy-net.marathon.mesos.", {"10.20.1.12"}},
                {Kind::kA, "report-gen.metronomejobsrunnerforan.mesos.", {"10.20.1.11"}},
                {Kind::kAAAA, "kv-store.v6-framework.mesos.", {"2001:db8:20::13"}},
                {Kind::kA, "kv-store.v6-framework.mesos.", {}},
                {Kind::kAAAA, "kv-store.v6-framework.slave.mesos.", {"2001:db8:20::13"}},
            },
            "docker,host");
}

TEST_F(GeneratorOnFixture, InsertStateFactsWithMesosThenHost) {
  const auto out = generate({"mesos", "host"});
  expectAll(out.records,
            {
                {Kind::kA, "shop-front.marathon.mesos.", {"10.31.0.1", "10.20.1.12"}},
                {Kind::kA, "shop-front.marathon.slave.mesos.", {"10.20.1.10", "10.20.1.12"}},
                {Kind::kA, "billing-ledger.marathon.mesos.", {"10.31.0.7"}},
                {Kind::kA, "proxy.marathon.mesos.", {"10.31.0.3"}},
                {Kind::kA, "cache-redis.marathon.slave.mesos.", {"10.20.1.10"}},
                {Kind::kA, "legacy-net.marathon.mesos.", {"10.20.1.12"}},
                {Kind::kAAAA, "kv-store.v6-framework.mesos.", {"2001:db8:20::13"}},
                {Kind::kAAAA, "kv-store.v6-framework.slave.mesos.", {"2001:db8:20::13"}},
            },
            "mesos,host");
}

TEST_F(GeneratorOnFixture, InsertStateFactsWithHostOnly) {
  const auto out = generate({"host"});
  expectAll(out.records,
            {
                {Kind::kA, "shop-front.marathon.mesos.", {"10.20.1.10", "10.20.1.12"}},
                {Kind::kA, "shop-front.marathon.slave.mesos.", {"10.20.1.10", "10.20.1.12"}},
                {Kind::kA, "billing-ledger.marathon.mesos.", {"10.20.1.11"}},
                {Kind::kA, "proxy.marathon.mesos.", {"10.20.1.11"}},
                {Kind::kA, "cache-redis.marathon.slave.mesos.", {"10.20.1.10"}},
                {Kind::kA, "legacy-net.marathon.mesos.", {"10.20.1.12"}},
                {Kind::kA, "pidless.marathon.mesos.", {"10.20.1.14"}},
                {Kind::kA, "resolved-app.marathon.mesos.", {"10.20.1.15"}},
                {Kind::kA, "ghostly.marathon.mesos.", {}},
                {Kind::kAAAA, "kv-store.v6-framework.mesos.", {"2001:db8:20::13"}},
                {Kind::kA, "kv-store.v6-framework.mesos.", {}},
                {Kind::kAAAA, "kv-store.v6-framework.slave.mesos.", {"2001:db8:20::13"}},
            },
            "host");
}

TEST_F(GeneratorOnFixture, InsertStateFactsWithNetinfoOnly) {
  const auto out = generate({"netinfo"});
  expectAll(out.records,
            {
                {Kind::kA, "shop-front.marathon.mesos.", {"10.32.0.1"}},
                {Kind::kA, "billing-ledger.marathon.mesos.", {}},
                {Kind::kA, "proxy.marathon.mesos.", {}},
                {Kind::kA, "cache-redis.marathon.mesos.", {}},
                {Kind::kA, "cache-redis.marathon.slave.mesos.", {"10.20.1.10"}},  // slave names do not use sources
                {Kind::kA, "legacy-net.marathon.mesos.", {"10.40.0.9"}},
                {Kind::kA, "kv-store.v6-framework.mesos.", {"10.50.1.3", "10.50.1.2"}},
                {Kind::kAAAA, "kv-store.v6-framework.mesos.", {"fd02:c::1:8000:5"}},
                {Kind::kAAAA, "kv-store.v6-framework.slave.mesos.", {"2001:db8:20::13"}},
                {Kind::kA, "report-gen.metronomejobsrunnerforan.mesos.", {"10.32.1.5"}},
            },
            "netinfo");
}

TEST_F(GeneratorOnFixture, FrameworkNamesAreCleanedByTheLabelRule) {
  const auto rfc1123 = generate({"netinfo", "mesos", "host"}, LabelRule::kRfc1123);
  expectA(rfc1123.records, "metronomejobsrunnerforanalytics-1.4.2.mesos.", {"10.20.0.8"});
  expectA(rfc1123.records, "report-gen.metronomejobsrunnerforanalytics-1.4.2.mesos.", {"10.32.1.5"});
  expectSrv(rfc1123.records, "_framework._tcp.metronomejobsrunnerforanalytics-1.4.2.mesos.",
            {"metronomejobsrunnerforanalytics-1.4.2.mesos.:4400"});
  expectNoName(rfc1123.records, "metronomejobsrunnerforan.mesos.");
}

TEST_F(GeneratorOnFixture, OnlyRunningTasksOnKnownSlavesGetRecords) {
  const auto out = generate({"netinfo", "mesos", "host"});
  for (const auto& [name, rec] : out.records.names()) {
    EXPECT_EQ(name.find("oldjob"), std::string::npos) << name;        // TASK_KILLED
    EXPECT_EQ(name.find("starting-app"), std::string::npos) << name;  // TASK_STAGING
    EXPECT_EQ(name.find("orphan"), std::string::npos) << name;        // on a slave the master does not list
  }
}

TEST_F(GeneratorOnFixture, DiscoveryNameReplacesTaskName) {
  const auto out = generate({"netinfo", "mesos", "host"});
  expectNoName(out.records, "ledger-v2.marathon.mesos.");
  expectNoName(out.records, "_ledger-v2._tcp.marathon.mesos.");
  expectA(out.records, "billing-ledger.marathon.mesos.", {"10.31.0.7"});
}

TEST_F(GeneratorOnFixture, LowerCaseDottedDiscoveryNameIsAlsoPublishedAsGiven) {
  // mesos-dns's "LEGACY" records: the DiscoveryInfo name unsanitized, next to the sanitized one.
  const auto out = generate({"netinfo", "docker", "mesos", "host"});
  const std::string raw1 = "shop.front-" + taskIdHash(kShop1) + "-s0";
  const std::string raw2 = "shop.front-" + taskIdHash(kShop2) + "-s2";
  expectA(out.records, "shop.front.marathon.mesos.", {"10.32.0.1", "10.30.0.2"});
  expectA(out.records, "shop.front.marathon.slave.mesos.", {"10.20.1.10", "10.20.1.12"});
  expectA(out.records, raw1 + ".marathon.mesos.", {"10.32.0.1"});
  expectSrv(out.records, "_shop.front._tcp.marathon.mesos.",
            {raw1 + ".marathon.mesos.:80", raw1 + ".marathon.mesos.:443", raw2 + ".marathon.mesos.:80",
             raw2 + ".marathon.mesos.:443"});
  expectSrv(out.records, "_http._shop.front._tcp.marathon.mesos.",
            {raw1 + ".marathon.mesos.:80", raw2 + ".marathon.mesos.:80"});
}

TEST_F(GeneratorOnFixture, DiscoveryNameWithCapitalsIsOnlyPublishedSanitized) {
  const auto out = generate({"netinfo", "mesos", "host"});
  expectNoName(out.records, "Billing.Ledger.marathon.mesos.");
  expectNoName(out.records, "billing.ledger.marathon.mesos.");
  expectNoName(out.records, "_Billing.Ledger._tcp.marathon.mesos.");
  for (const auto& [name, rec] : out.records.names()) {
    for (const char c : name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << name;
    for (const auto& srv : rec.srv) {
      for (const char c : srv.target) EXPECT_FALSE(c >= 'A' && c <= 'Z') << srv.target;
    }
  }
}

TEST_F(GeneratorOnFixture, FrameworkWithoutPidGetsAddressFromHostnameButNoSrv) {
  const auto out = generate({"netinfo", "mesos", "host"});
  expectA(out.records, "no-pid-fw.mesos.", {"10.20.0.9"});
  expectNoName(out.records, "_framework._tcp.no-pid-fw.mesos.");
}

TEST_F(GeneratorOnFixture, SlaveWithoutPidFallsBackToItsHostname) {
  const auto out = generate({"host"});
  expectA(out.records, "pidless.marathon.slave.mesos.", {"10.20.1.14"});
  expectA(out.records,
          canonical("pidless", "pidless.3c4d5e6f-bbbb-11ee-8f00-0242ac110002", "s4") + ".marathon.slave.mesos.",
          {"10.20.1.14"});
  EXPECT_TRUE(valuesOf(out.records, Kind::kA, "slave.mesos.").count("10.20.1.14"));
  expectSrv(out.records, "_slave._tcp.mesos.", {"slave.mesos.:5051"});
}

TEST_F(GeneratorOnFixture, HostNamesOfSlavesAndFrameworksGoThroughTheResolver) {
  const auto out = generate({"host"});
  expectA(out.records, "resolved-app.marathon.slave.mesos.", {"10.20.1.15"});
  expectA(out.records, "resolved-fw.mesos.", {"10.20.0.10"});
  expectSrv(out.records, "_framework._tcp.resolved-fw.mesos.", {"resolved-fw.mesos.:7070"});
  // IP literals never reach the resolver.
  EXPECT_FALSE(resolver_.asked.empty());
  for (const auto& host : resolver_.asked) EXPECT_FALSE(IpAddress::parse(host).has_value()) << host;
}

TEST_F(GeneratorOnFixture, UnresolvableFrameworkHostCostsOnlyTheFrameworkRecord) {
  const auto out = generate({"netinfo", "mesos", "host"});
  expectNoName(out.records, "lost-fw.mesos.");
  expectNoName(out.records, "_framework._tcp.lost-fw.mesos.");
  expectA(out.records, "survivor.lost-fw.mesos.", {"10.20.1.12"});
  expectSrv(out.records, "_survivor._tcp.lost-fw.mesos.",
            {canonical("survivor", kSurvivor, "s2") + ".lost-fw.slave.mesos.:31010"});
  bool named = false;
  for (const auto& w : out.warnings) named = named || w.find("nowhere.dc1.internal") != std::string::npos;
  EXPECT_TRUE(named) << "no warning names the unresolvable framework host";
}

TEST_F(GeneratorOnFixture, UnresolvableSlaveHostCostsOnlyItsSlaveRecords) {
  const auto out = generate({"netinfo", "mesos", "host"});
  expectA(out.records, "ghostly.marathon.mesos.", {"10.32.0.66"});
  expectNoName(out.records, "ghostly.marathon.slave.mesos.");
  expectNoName(out.records, canonical("ghostly", kGhostly, "s6") + ".marathon.slave.mesos.");
  expectA(out.records, canonical("ghostly", kGhostly, "s6") + ".marathon.mesos.", {"10.32.0.66"});
  bool named = false;
  for (const auto& w : out.warnings) named = named || w.find("ghost.dc1.internal") != std::string::npos;
  EXPECT_TRUE(named) << "no warning names the unresolvable slave host";
}

TEST_F(GeneratorOnFixture, GenerationIsDeterministic) {
  const auto a = generate({"netinfo", "mesos", "host"});
  const auto b = generate({"netinfo", "mesos", "host"});
  EXPECT_TRUE(a.records == b.records);
  EXPECT_EQ(a.records.droppedNames(), 0u);
}

TEST_F(GeneratorOnFixture, EveryStoredNameIsInTheDomainAndEncodable) {
  const auto out = generate({"netinfo", "mesos", "host"});
  for (const auto& [name, rec] : out.records.names()) {
    EXPECT_TRUE(isEncodableName(name)) << name;
    EXPECT_TRUE(name.ends_with(".mesos.")) << name;
    EXPECT_FALSE(rec.empty()) << name;
    for (const auto& srv : rec.srv) EXPECT_TRUE(srv.target.ends_with(".mesos.")) << srv.target;
  }
}

// --- Hand-built states -------------------------------------------------------------------------------

MesosState oneTask(const Task& task, const std::string& slavePid = "slave(1)@10.0.1.1:5051") {
  MesosState state;
  state.leader = "master@10.0.0.1:5050";
  state.slaves.push_back(Slave{"abc-S0", "agent", Upid::parse(slavePid)});
  Framework f;
  f.name = "marathon";
  f.pid = Upid::parse("scheduler-1@10.0.0.2:8080");
  f.tasks.push_back(task);
  state.frameworks.push_back(f);
  return state;
}

Task runningTask(const std::string& id, const std::string& name) {
  Task t;
  t.id = id;
  t.name = name;
  t.slaveId = "abc-S0";
  t.state = "TASK_RUNNING";
  t.statuses.push_back(TaskStatus{"TASK_RUNNING", 1.0, {}, {}});
  return t;
}

TEST(RecordGenerator, CanonicalNameUsesTheTaskIdHash) {
  const Task t = runningTask("test", "web");
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectA(out.records, "web-iffe9-s0.marathon.mesos.", {"10.0.1.1"});
  expectA(out.records, "web-iffe9-s0.marathon.slave.mesos.", {"10.0.1.1"});
  expectA(out.records, "web.marathon.mesos.", {"10.0.1.1"});
}

TEST(RecordGenerator, SrvRecordsForResourcePortsPointAtTheSlaveName) {
  Task t = runningTask("test", "web");
  t.portRanges = "[31000-31001, 31005-31005]";
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  const std::set<std::string> want = {"web-iffe9-s0.marathon.slave.mesos.:31000",
                                      "web-iffe9-s0.marathon.slave.mesos.:31001",
                                      "web-iffe9-s0.marathon.slave.mesos.:31005"};
  expectSrv(out.records, "_web._tcp.marathon.mesos.", want);
  expectSrv(out.records, "_web._udp.marathon.mesos.", want);
  expectSrv(out.records, "_web._tcp.marathon.slave.mesos.", want);
  expectSrv(out.records, "_web._udp.marathon.slave.mesos.", want);
}

TEST(RecordGenerator, SrvRecordsForDiscoveryPortsPointAtTaskName) {
  Task t = runningTask("test", "web");
  t.portRanges = "[31000-31000]";
  t.discoveryName = "web";
  t.discoveryPorts = {DiscoveryPort{8080, "http", "tcp"}};
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectSrv(out.records, "_web._tcp.marathon.mesos.", {"web-iffe9-s0.marathon.mesos.:8080"});
  expectSrv(out.records, "_http._web._tcp.marathon.mesos.", {"web-iffe9-s0.marathon.mesos.:8080"});
  expectSrv(out.records, "_web._udp.marathon.mesos.", {});
  expectSrv(out.records, "_web._tcp.marathon.slave.mesos.", {"web-iffe9-s0.marathon.slave.mesos.:31000"});
}

TEST(RecordGenerator, RangeWithoutDashIsOnePort) {
  Task t = runningTask("test", "web");
  t.portRanges = "[31000]";
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectSrv(out.records, "_web._tcp.marathon.mesos.", {"web-iffe9-s0.marathon.slave.mesos.:31000"});
}

TEST(RecordGenerator, TaskNamesFollowTheLabelRule) {
  const Task t = runningTask("test", "1st-Service.v2");
  GeneratorOptions opt;
  expectA(generateRecords(oneTask(t), opt, noResolver()).records, "1st-service-v2.marathon.mesos.", {"10.0.1.1"});
  opt.labelRule = LabelRule::kRfc952;
  expectA(generateRecords(oneTask(t), opt, noResolver()).records, "st-service-v2.marathon.mesos.", {"10.0.1.1"});
}

TEST(RecordGenerator, OtherDomainsAreUsedEverywhere) {
  Task t = runningTask("test", "web");
  t.portRanges = "[31000-31000]";
  GeneratorOptions opt;
  opt.domain = "dc1.example";
  opt.nameServer = "ns1.dc1.example.";
  opt.nameServerAddresses = {ip("10.0.0.53")};
  const auto out = generateRecords(oneTask(t), opt, noResolver());
  expectA(out.records, "web.marathon.dc1.example.", {"10.0.1.1"});
  expectA(out.records, "leader.dc1.example.", {"10.0.0.1"});
  expectA(out.records, "ns1.dc1.example.", {"10.0.0.53"});
  expectA(out.records, "slave.dc1.example.", {"10.0.1.1"});
  expectSrv(out.records, "_web._tcp.marathon.dc1.example.", {"web-iffe9-s0.marathon.slave.dc1.example.:31000"});
  expectSrv(out.records, "_leader._tcp.dc1.example.", {"leader.dc1.example.:5050"});
  for (const auto& [name, rec] : out.records.names()) EXPECT_TRUE(name.ends_with(".dc1.example.")) << name;
}

TEST(RecordGenerator, InvalidContainerAddressesFallThroughToTheNextSource) {
  Task t = runningTask("test", "web");
  t.statuses[0].labels = {{"Docker.NetworkSettings.IPAddress", "not-an-ip"},
                          {"MesosContainerizer.NetworkSettings.IPAddress", ""}};
  t.statuses[0].networkIps = {"garbage"};
  GeneratorOptions opt;
  opt.ipSources = {"netinfo", "docker", "mesos", "host"};
  expectA(generateRecords(oneTask(t), opt, noResolver()).records, "web.marathon.mesos.", {"10.0.1.1"});
  opt.ipSources = {"netinfo", "docker", "mesos"};
  expectNoName(generateRecords(oneTask(t), opt, noResolver()).records, "web.marathon.mesos.");
}

TEST(RecordGenerator, Ipv4MappedContainerAddressIsAnARecord) {
  Task t = runningTask("test", "web");
  t.statuses[0].networkIps = {"::ffff:10.9.0.1", "fd00::9"};
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectA(out.records, "web.marathon.mesos.", {"10.9.0.1"});
  expectAAAA(out.records, "web.marathon.mesos.", {"fd00::9"});
}

TEST(RecordGenerator, ContainerAddressesComeFromTheNewestRunningStatus) {
  Task t = runningTask("test", "web");
  t.statuses = {TaskStatus{"TASK_RUNNING", 20.0, {}, {"10.9.0.2"}}, TaskStatus{"TASK_RUNNING", 30.0, {}, {"10.9.0.3"}},
                TaskStatus{"TASK_RUNNING", 10.0, {}, {"10.9.0.1"}}, TaskStatus{"TASK_FAILED", 40.0, {}, {"10.9.0.4"}}};
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectA(out.records, "web.marathon.mesos.", {"10.9.0.3"});
}

TEST(RecordGenerator, TasksOfTheSameNameShareTheirNames) {
  MesosState state = oneTask(runningTask("web.1", "web"));
  state.slaves.push_back(Slave{"abc-S1", "agent-1", Upid::parse("slave(1)@10.0.1.2:5051")});
  Task second = runningTask("web.2", "web");
  second.slaveId = "abc-S1";
  state.frameworks[0].tasks.push_back(second);
  Task third = runningTask("web.3", "web");  // on the first slave again: same slave address once
  state.frameworks[0].tasks.push_back(third);
  const auto out = generateRecords(state, GeneratorOptions{}, noResolver());
  expectA(out.records, "web.marathon.mesos.", {"10.0.1.1", "10.0.1.2"});
  expectA(out.records, "web.marathon.slave.mesos.", {"10.0.1.1", "10.0.1.2"});
  expectA(out.records, "web-" + taskIdHash("web.2") + "-s1.marathon.mesos.", {"10.0.1.2"});
  EXPECT_NE(taskIdHash("web.1"), taskIdHash("web.3"));
}

TEST(RecordGenerator, CanonicalLabelIsShortenedToFit63BytesByCuttingTheTaskPart) {
  const std::string name(60, 'a');  // a valid label; "<name>-<hash>-s0" would be 69 bytes
  Task t = runningTask("test", name);
  t.portRanges = "[31000-31000]";
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  const std::string canonicalLabel = std::string(54, 'a') + "-iffe9-s0";
  ASSERT_EQ(canonicalLabel.size(), 63u);
  expectA(out.records, name + ".marathon.mesos.", {"10.0.1.1"});
  expectA(out.records, canonicalLabel + ".marathon.mesos.", {"10.0.1.1"});
  expectA(out.records, canonicalLabel + ".marathon.slave.mesos.", {"10.0.1.1"});
  expectSrv(out.records, "_" + name + "._tcp.marathon.mesos.", {canonicalLabel + ".marathon.slave.mesos.:31000"});
  EXPECT_EQ(out.records.droppedNames(), 0u);
}

TEST(RecordGenerator, ShortenedCanonicalLabelHasNoDoubleDash) {
  const std::string name = std::string(53, 'x') + "-yyyyyy";  // the cut lands just after the '-'
  const auto out = generateRecords(oneTask(runningTask("test", name)), GeneratorOptions{}, noResolver());
  expectA(out.records, std::string(53, 'x') + "-iffe9-s0.marathon.mesos.", {"10.0.1.1"});
  for (const auto& [stored, rec] : out.records.names()) EXPECT_EQ(stored.find("--"), std::string::npos) << stored;
}

TEST(RecordGenerator, NamesWithLabelsOver63BytesAreNotStoredButCounted) {
  // A raw (lower-case) DiscoveryInfo name is published as given: a 70-byte label cannot be.
  const std::string longName(70, 'b');
  Task t = runningTask("test", "web");
  t.discoveryName = longName;
  const auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  expectNoName(out.records, longName + ".marathon.mesos.");
  expectA(out.records, std::string(63, 'b') + ".marathon.mesos.", {"10.0.1.1"});  // the sanitized one
  EXPECT_GT(out.records.droppedNames(), 0u);
  for (const auto& [name, rec] : out.records.names()) EXPECT_TRUE(isEncodableName(name)) << name;
}

TEST(RecordGenerator, NamesLeftOutAreWarnedWithTheirRealReasonAndAnExample) {
  // A dotted DiscoveryInfo name that ends in a dot gives an empty label, not a long one.
  Task t = runningTask("test", "web");
  t.discoveryName = "api.";
  const auto empty = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  ASSERT_FALSE(empty.warnings.empty());
  const auto hasWarning = [](const GeneratedRecords& g, const std::string& text) {
    return std::any_of(g.warnings.begin(), g.warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(hasWarning(empty, "their names have an empty label, e.g. \"api..marathon.mesos.\"")) << empty.warnings[0];
  EXPECT_FALSE(hasWarning(empty, "63"));
  t.discoveryName = std::string(70, 'b');
  EXPECT_TRUE(hasWarning(generateRecords(oneTask(t), GeneratorOptions{}, noResolver()), "a label over 63 bytes"));
}

TEST(RecordGenerator, TaskOnSlaveWithoutAddressStillGetsContainerRecords) {
  MesosState state = oneTask(runningTask("test", "web"), "slave(1)@unknown.host:5051");
  state.frameworks[0].tasks[0].statuses[0].networkIps = {"10.9.0.1"};
  const auto out = generateRecords(state, GeneratorOptions{}, noResolver());
  expectA(out.records, "web.marathon.mesos.", {"10.9.0.1"});
  expectNoName(out.records, "web.marathon.slave.mesos.");
  expectNoName(out.records, "slave.mesos.");
  expectNoName(out.records, "_slave._tcp.mesos.");
}

// --- The demo state of packaging/demo ----------------------------------------------------------------

TEST(RecordGenerator, DemoStateServesMyappDevWithTwoInstances) {
  const MesosState state = loadState(std::string(MDNS_FIXTURES) + "/../../packaging/demo/state.json");
  ASSERT_EQ(state.leader, "master@10.0.0.5:5050");
  const auto out = generateRecords(state, GeneratorOptions{}, noResolver());
  const RecordSet& rs = out.records;

  expectA(rs, "myapp.dev.marathon.mesos.", {"10.0.0.11", "10.0.0.12"});
  expectA(rs, "myapp-dev.marathon.mesos.", {"10.0.0.11", "10.0.0.12"});

  const std::string c1 = "myapp.dev-" + taskIdHash("dev_myapp.2f6b4c1e-8d3a-11ee-9c2b-0242ac110002") + "-s0";
  const std::string c2 = "myapp.dev-" + taskIdHash("dev_myapp.7a1d9e3f-8d3a-11ee-9c2b-0242ac110002") + "-s1";
  ASSERT_EQ(c1, "myapp.dev-hgd3t-s0");  // precomputed by an independent implementation
  ASSERT_EQ(c2, "myapp.dev-k6qjb-s1");
  expectSrv(rs, "_myapp.dev._tcp.marathon.mesos.", {c1 + ".marathon.mesos.:31539", c2 + ".marathon.mesos.:31339"});
  // The SRV targets resolve to the instances.
  expectA(rs, c1 + ".marathon.mesos.", {"10.0.0.11"});
  expectA(rs, c2 + ".marathon.mesos.", {"10.0.0.12"});
  expectSrv(
      rs, "_myapp-dev._tcp.marathon.mesos.",
      {"myapp-dev-" + taskIdHash("dev_myapp.2f6b4c1e-8d3a-11ee-9c2b-0242ac110002") + "-s0.marathon.mesos.:31539",
       "myapp-dev-" + taskIdHash("dev_myapp.7a1d9e3f-8d3a-11ee-9c2b-0242ac110002") + "-s1.marathon.mesos.:31339"});

  const std::string web = "web-" + taskIdHash("web.91c3e5a7-8d3b-11ee-9c2b-0242ac110002") + "-s2.marathon.mesos.";
  expectA(rs, "web.marathon.mesos.", {"10.0.0.13"});
  expectSrv(rs, "_web._tcp.marathon.mesos.", {web + ":31080"});
  expectSrv(rs, "_http._web._tcp.marathon.mesos.", {web + ":31080"});
  expectNoName(rs, "migrate-db.marathon.mesos.");  // finished

  expectA(rs, "leader.mesos.", {"10.0.0.5"});
  expectA(rs, "master0.mesos.", {"10.0.0.5"});
  expectA(rs, "marathon.mesos.", {"10.0.0.5"});
  expectSrv(rs, "_framework._tcp.marathon.mesos.", {"marathon.mesos.:15101"});
  expectA(rs, "slave.mesos.", {"10.0.0.11", "10.0.0.12", "10.0.0.13"});
  EXPECT_EQ(rs.droppedNames(), 0u);
  EXPECT_THAT(out.warnings, IsEmpty());
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

// --- PTR records (beyond mesos-dns) -----------------------------------------------------------------

std::map<std::string, std::string> pointers(const RecordSet& rs) {
  std::map<std::string, std::string> out;
  for (const auto& p : rs.reverse()) out[p.ip.toString()] = std::string(rs.nameAt(p.name));
  return out;
}

Task containerTask(const std::string& id, const std::string& name, std::vector<std::string> ips) {
  Task t = runningTask(id, name);
  t.statuses[0].networkIps = std::move(ips);
  return t;
}

TEST(ReverseRecords, ContainerAddressOfOneTaskPointsAtItsCanonicalName) {
  const auto out = generateRecords(oneTask(containerTask("web.1", "web", {"10.9.0.1", "fd00::9"})), GeneratorOptions{},
                                   noResolver());
  const std::string canonical = "web-" + taskIdHash("web.1") + "-s0.marathon.mesos.";
  EXPECT_EQ(pointers(out.records),
            (std::map<std::string, std::string>{{"10.9.0.1", canonical}, {"fd00::9", canonical}}));
  EXPECT_EQ(reverseName(*IpAddress::parse("10.9.0.1")), "1.0.9.10.in-addr.arpa.");
  EXPECT_EQ(reverseName(*IpAddress::parse("fd00::9")),
            "9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.");
}

TEST(ReverseRecords, AddressesSharedByTasksOrHeldByAnAgentGetNone) {
  MesosState state = oneTask(containerTask("a.1", "a", {"10.9.0.1"}));
  state.frameworks[0].tasks.push_back(containerTask("b.1", "b", {"10.9.0.1"}));  // the same address twice
  state.frameworks[0].tasks.push_back(runningTask("host.1", "host"));            // host network: the agent's
  state.frameworks[0].tasks.push_back(containerTask("c.1", "c", {"10.9.0.3"}));
  const auto out = generateRecords(state, GeneratorOptions{}, noResolver());
  EXPECT_EQ(pointers(out.records),
            (std::map<std::string, std::string>{{"10.9.0.3", "c-" + taskIdHash("c.1") + "-s0.marathon.mesos."}}));
}

TEST(ReverseRecords, DiscoveryNamedTaskPointsAtItsSanitizedCanonicalName) {
  Task t = containerTask("api.1", "whatever", {"10.9.0.4"});
  t.discoveryName = "My.Api";
  auto out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  EXPECT_EQ(pointers(out.records)["10.9.0.4"], "my-api-" + taskIdHash("api.1") + "-s0.marathon.mesos.");
  t.discoveryName = "myapp.dev";  // published as given too: the pointer names the sanitized one
  out = generateRecords(oneTask(t), GeneratorOptions{}, noResolver());
  EXPECT_EQ(pointers(out.records)["10.9.0.4"], "myapp-dev-" + taskIdHash("api.1") + "-s0.marathon.mesos.");
}

}  // namespace
}  // namespace mdns

// --- healthyOnly ------------------------------------------------------------------------------------

namespace mdns {
namespace {

// A state with web's tasks on 10.5.0.<i> (port 3100<i>), each with the health verdicts given for
// its status updates in order (the last is the newest; "-" a status without one), and api's one task.
MesosState healthState(const std::vector<std::vector<std::string>>& web) {
  std::string tasks;
  for (size_t i = 0; i < web.size(); ++i) {
    std::string statuses;
    for (size_t k = 0; k < web[i].size(); ++k) {
      const std::string verdict = web[i][k] == "-" ? "" : R"(,"healthy":)" + web[i][k];
      statuses += std::string(k ? "," : "") + R"({"state":"TASK_RUNNING","timestamp":)" + std::to_string(100 + k) +
                  verdict + R"(,"container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.5.0.)" +
                  std::to_string(i + 1) + R"("}]}]}})";
    }
    tasks += R"({"id":"web.)" + std::to_string(i) + R"(","name":"web","slave_id":"S0","state":"TASK_RUNNING",)" +
             R"("resources":{"ports":"[)" + std::to_string(31000 + i) + "-" + std::to_string(31000 + i) +
             R"(]"},"statuses":[)" + statuses + "]},";
  }
  tasks += R"({"id":"api.0","name":"api","slave_id":"S0","state":"TASK_RUNNING","statuses":[)"
           R"({"state":"TASK_RUNNING","timestamp":1,"healthy":false,)"
           R"("container_status":{"network_infos":[{"ip_addresses":[{"ip_address":"10.6.0.1"}]}]}}]})";
  const std::string json = R"({"leader":"master@10.0.0.1:5050","slaves":[{"id":"S0","hostname":"a",)"
                           R"("pid":"slave(1)@10.0.1.1:5051"}],"frameworks":[{"name":"marathon",)"
                           R"("pid":"scheduler-1@10.0.0.2:8080","tasks":[)" +
                           tasks + "]}]}";
  auto parsed = parseMesosState(json);
  EXPECT_TRUE(parsed.state) << parsed.error;
  return parsed.state.value_or(MesosState{});
}

GeneratedRecords generateHealthy(const MesosState& state, bool healthyOnly) {
  GeneratorOptions options;
  options.healthyOnly = healthyOnly;
  return generateRecords(state, options, noResolver());
}

TEST(HealthyOnly, AnInstanceFailingItsHealthCheckLeavesTheAppsNamesButKeepsItsOwn) {
  // web 0 healthy, web 1 failing now (it was healthy before), web 2 without a health check.
  const auto state = healthState({{"true"}, {"true", "false"}, {"-"}});
  const auto out = generateHealthy(state, true);
  expectA(out.records, "web.marathon.mesos.", {"10.5.0.1", "10.5.0.3"});
  expectSrv(out.records, "_web._tcp.marathon.mesos.",
            {"web-" + taskIdHash("web.0") + "-s0.marathon.slave.mesos.:31000",
             "web-" + taskIdHash("web.2") + "-s0.marathon.slave.mesos.:31002"});
  expectA(out.records, "web-" + taskIdHash("web.1") + "-s0.marathon.mesos.", {"10.5.0.2"});  // its own name
  EXPECT_EQ(out.unhealthyLeftOut, 1u);
  // The app whose only instance fails is served all the same: better a failing answer than none.
  expectA(out.records, "api.marathon.mesos.", {"10.6.0.1"});
  // Off (the default, as mesos-dns): every running instance.
  const auto all = generateHealthy(state, false);
  expectA(all.records, "web.marathon.mesos.", {"10.5.0.1", "10.5.0.2", "10.5.0.3"});
  EXPECT_EQ(all.unhealthyLeftOut, 0u);
}

TEST(HealthyOnly, WhenNoInstanceIsHealthyAllAreServed) {
  const auto out = generateHealthy(healthState({{"false"}, {"true", "false"}}), true);
  expectA(out.records, "web.marathon.mesos.", {"10.5.0.1", "10.5.0.2"});
  EXPECT_EQ(out.unhealthyLeftOut, 0u);
}

TEST(HealthyOnly, AnInstanceThatRecoveredIsBackInTheAppsNames) {
  const auto out = generateHealthy(healthState({{"true"}, {"false", "true"}}), true);
  expectA(out.records, "web.marathon.mesos.", {"10.5.0.1", "10.5.0.2"});
}

}  // namespace
}  // namespace mdns
