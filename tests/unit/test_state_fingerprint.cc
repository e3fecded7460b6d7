#include "common/state_fingerprint.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/hash128.h"
#include "common/mesos_state.h"

namespace mdns {
namespace {

using nlohmann::json;

json fullState() {
  return json::parse(R"({
    "leader": "master@10.0.0.1:5050", "elected_time": 1700000000.5, "recovered_slaves": [{"id": "S9"}],
    "frameworks": [{"name": "marathon", "pid": "scheduler-1@10.0.0.2:8080", "hostname": "m1.example",
      "offered_resources": {"mem": 128},
      "tasks": [{"id": "web.1", "name": "web", "slave_id": "S1", "state": "TASK_RUNNING",
        "resources": {"cpus": 0.1, "ports": "[31000-31001]"},
        "statuses": [{"state": "TASK_RUNNING", "timestamp": 1700000001.25, "healthy": true,
          "labels": [{"key": "Docker.NetworkSettings.IPAddress", "value": "172.17.0.2"}],
          "container_status": {"network_infos": [{"ip_addresses": [{"ip_address": "10.1.0.7"}]}]}}],
        "discovery": {"name": "web-svc", "ports": {"ports": [{"number": 8080, "name": "http", "protocol": "tcp"}]}}}]}],
    "slaves": [{"id": "S1", "hostname": "node-1.example", "pid": "slave(1)@10.0.0.11:5051",
      "used_resources": {"cpus": 1.5}}],
    "activated_slaves": 1})");
}

GeneratorOptions options() {
  GeneratorOptions o;
  o.masters = {"10.0.0.1:5050"};
  o.nameServerAddresses = {*IpAddress::parse("127.0.0.1")};
  return o;
}

StateSummary summaryOf(const json& state) {
  std::string text = state.dump();
  return summarizeMesosState(text);
}

StateFingerprint fingerprint(const json& state, const GeneratorOptions& o = options()) {
  const auto s = summaryOf(state);
  EXPECT_EQ(s.error, "");
  return fingerprintOf(s.digest, o);
}

TEST(StateSummary, SaysWhatParseSaysOfTheDocumentAndReadsLeaderElectionAndRecoveredAgents) {
  const auto s = summaryOf(fullState());
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.leader, "master@10.0.0.1:5050");
  EXPECT_EQ(s.electedTime, 1700000000.5);
  EXPECT_EQ(s.recoveredSlaves, 1u);
  for (std::string doc : {std::string("<html>"), std::string("[1]"), std::string(R"({"slaves": []})"),
                          std::string(R"({"leader": "m@10.0.0.1:5050", "frameworks": [{"tasks": [}]})"),
                          fullState().dump().substr(0, 300), fullState().dump() + " x"}) {
    std::string copy = doc;
    const auto summary = summarizeMesosState(copy);
    EXPECT_NE(summary.error, "") << doc;
    EXPECT_EQ(summary.error, parseMesosState(doc).error) << doc;
  }
}

TEST(StateSummary, AStringWithBrokenEscapesIsAFieldLeftOutForTheParserAndTheSummaryAlike) {
  // simdjson checks escapes only when a string is read: the parser leaves such a field out (as a
  // field of the wrong type), so that a state the summary took is never refused by the parser.
  const std::string doc =
      R"({"leader": "master@10.0.0.1:5050", "frameworks": [{"name": "a\qb", "tasks": [{"id": "t\x", "name": "web",)"
      R"( "statuses": [{"healthy": true}]}]}], "slaves": [{"id": "S1", "hostname": "h\z"}]})";
  std::string copy = doc;
  EXPECT_EQ(summarizeMesosState(copy).error, "");
  const auto parsed = parseMesosState(doc);
  ASSERT_TRUE(parsed.state) << parsed.error;
  EXPECT_EQ(parsed.state->frameworks[0].name, "");
  EXPECT_EQ(parsed.state->frameworks[0].tasks[0].id, "");
  EXPECT_EQ(parsed.state->frameworks[0].tasks[0].name, "web");
  EXPECT_EQ(parsed.state->slaves[0].hostname, "");
}

TEST(StateFingerprint, TheSameStateAndOptionsGiveTheSameFingerprint) {
  EXPECT_EQ(fingerprint(fullState()), fingerprint(fullState()));
  // White space between tokens is not content.
  std::string spaced = fullState().dump(2);
  EXPECT_EQ(fingerprintOf(summarizeMesosState(spaced).digest, options()), fingerprint(fullState()));
}

TEST(StateFingerprint, FieldsDnsDoesNotReadLeaveItAsItWas) {
  // Offers, resources and counters change on every poll of a busy master; records do not.
  json other = fullState();
  other["slaves"][0]["used_resources"]["cpus"] = 3.5;
  other["frameworks"][0]["offered_resources"]["mem"] = 4096;
  other["frameworks"][0]["tasks"][0]["resources"]["cpus"] = 2;
  other["activated_slaves"] = 2;
  other["frameworks"][0]["completed_tasks"] = json::array({{{"id", "old"}}});
  EXPECT_EQ(fingerprint(other), fingerprint(fullState()));
}

TEST(StateFingerprint, EveryValueThatMakesRecordsChangesItEachDifferently) {
  const std::vector<std::pair<std::string, std::function<void(json&, GeneratorOptions&)>>> changes = {
      {"leader", [](json& s, GeneratorOptions&) { s["leader"] = "master@10.0.0.3:5050"; }},
      {"elected_time", [](json& s, GeneratorOptions&) { s["elected_time"] = 1700000001.5; }},
      {"recovered_slaves", [](json& s, GeneratorOptions&) { s["recovered_slaves"] = json::array(); }},
      {"framework name", [](json& s, GeneratorOptions&) { s["frameworks"][0]["name"] = "chronos"; }},
      {"framework pid", [](json& s, GeneratorOptions&) { s["frameworks"][0]["pid"] = "scheduler-1@10.0.0.9:8080"; }},
      {"framework pid not text", [](json& s, GeneratorOptions&) { s["frameworks"][0]["pid"] = 5; }},
      {"framework hostname", [](json& s, GeneratorOptions&) { s["frameworks"][0]["hostname"] = "m2.example"; }},
      {"task id", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["id"] = "web.2"; }},
      {"task name", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["name"] = "api"; }},
      {"task agent", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["slave_id"] = "S2"; }},
      {"task state", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["state"] = "TASK_KILLED"; }},
      {"task ports",
       [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["resources"]["ports"] = "[31000-31002]"; }},
      {"status state",
       [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["statuses"][0]["state"] = "TASK_STAGING"; }},
      {"status time",
       [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["statuses"][0]["timestamp"] = 1700000002; }},
      {"label value",
       [](json& s, GeneratorOptions&) {
         s["frameworks"][0]["tasks"][0]["statuses"][0]["labels"][0]["value"] = "172.17.0.3";
       }},
      {"label key",
       [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["statuses"][0]["labels"][0]["key"] = "x"; }},
      {"network IP",
       [](json& s, GeneratorOptions&) {
         s["frameworks"][0]["tasks"][0]["statuses"][0]["container_status"]["network_infos"][0]["ip_addresses"][0]
          ["ip_address"] = "10.1.0.8";
       }},
      {"unhealthy",
       [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["statuses"][0]["healthy"] = false; }},
      {"no health", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["statuses"][0].erase("healthy"); }},
      {"second status",
       [](json& s, GeneratorOptions&) {
         auto& statuses = s["frameworks"][0]["tasks"][0]["statuses"];
         statuses.push_back(statuses[0]);
       }},
      {"discovery name", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"][0]["discovery"]["name"] = "x"; }},
      {"discovery port number",
       [](json& s, GeneratorOptions&) {
         s["frameworks"][0]["tasks"][0]["discovery"]["ports"]["ports"][0]["number"] = 8081;
       }},
      {"discovery port name",
       [](json& s, GeneratorOptions&) {
         s["frameworks"][0]["tasks"][0]["discovery"]["ports"]["ports"][0]["name"] = "https";
       }},
      {"discovery port protocol",
       [](json& s, GeneratorOptions&) {
         s["frameworks"][0]["tasks"][0]["discovery"]["ports"]["ports"][0]["protocol"] = "udp";
       }},
      {"task gone", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"] = json::array(); }},
      {"task not an object", [](json& s, GeneratorOptions&) { s["frameworks"][0]["tasks"].push_back(7); }},
      {"agent id", [](json& s, GeneratorOptions&) { s["slaves"][0]["id"] = "S2"; }},
      {"agent hostname", [](json& s, GeneratorOptions&) { s["slaves"][0]["hostname"] = "node-2.example"; }},
      {"agent pid", [](json& s, GeneratorOptions&) { s["slaves"][0]["pid"] = "slave(1)@10.0.0.11:5052"; }},
      {"domain", [](json&, GeneratorOptions& o) { o.domain = "dc1"; }},
      {"masters", [](json&, GeneratorOptions& o) { o.masters.push_back("10.0.0.4:5050"); }},
      {"name server", [](json&, GeneratorOptions& o) { o.nameServerAddresses = {*IpAddress::parse("::1")}; }},
      {"IP sources", [](json&, GeneratorOptions& o) { o.ipSources = {"host"}; }},
      {"label rule", [](json&, GeneratorOptions& o) { o.labelRule = LabelRule::kRfc952; }},
      {"enumerate", [](json&, GeneratorOptions& o) { o.enumerate = true; }},
      {"healthyOnly", [](json&, GeneratorOptions& o) { o.healthyOnly = true; }},
  };
  std::set<StateFingerprint> seen = {fingerprint(fullState())};
  for (const auto& [what, change] : changes) {
    json s = fullState();
    GeneratorOptions o = options();
    change(s, o);
    EXPECT_TRUE(seen.insert(fingerprint(s, o)).second) << what << " did not change the fingerprint";
  }
}

TEST(StateFingerprint, TextMovedBetweenFieldsOrTasksBetweenFrameworksChangesIt) {
  json a = fullState();
  json b = fullState();
  a["frameworks"][0]["tasks"][0]["id"] = "ab";
  a["frameworks"][0]["tasks"][0]["name"] = "c";
  b["frameworks"][0]["tasks"][0]["id"] = "a";
  b["frameworks"][0]["tasks"][0]["name"] = "bc";
  EXPECT_NE(fingerprint(a), fingerprint(b));

  json one = fullState();
  one["frameworks"].push_back(one["frameworks"][0]);
  one["frameworks"][1]["tasks"] = json::array();
  json other = fullState();
  other["frameworks"].push_back(other["frameworks"][0]);
  other["frameworks"][0]["tasks"] = json::array();
  EXPECT_NE(fingerprint(one), fingerprint(other));
}

TEST(Hash128, FeedingInPiecesIsFeedingAtOnceAndZeroTailsCount) {
  const std::string text = "the quick brown fox jumps over the lazy dog, 0123456789";
  Hash128 whole;
  whole.addBytes(text.data(), text.size());
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    for (size_t cut2 = cut; cut2 <= text.size(); cut2 += 7) {
      Hash128 pieces;
      pieces.addBytes(text.data(), cut);
      pieces.addBytes(text.data() + cut, cut2 - cut);
      pieces.addBytes(text.data() + cut2, text.size() - cut2);
      EXPECT_EQ(pieces.digest(), whole.digest()) << cut << " " << cut2;
    }
    // add() keeps the field boundaries: "ab" + "c" is not "a" + "bc".
    Hash128 fields;
    fields.add(std::string_view(text).substr(0, cut));
    fields.add(std::string_view(text).substr(cut));
    Hash128 other;
    other.add(std::string_view(text).substr(0, cut == 0 ? 1 : cut - 1));
    other.add(std::string_view(text).substr(cut == 0 ? 1 : cut - 1));
    EXPECT_NE(fields.digest(), other.digest()) << cut;
  }
  std::set<std::array<uint64_t, 2>> zeros;
  for (int n = 0; n < 40; ++n) {
    Hash128 h;
    for (int i = 0; i < n; ++i) h.addDouble(0.0);
    EXPECT_TRUE(zeros.insert(h.digest()).second) << n << " zero words";
  }
}

}  // namespace
}  // namespace mdns
