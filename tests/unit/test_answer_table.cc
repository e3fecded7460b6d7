// The answer table patched version after version (what a hub or a secondary does for each small
// change) must answer exactly as a table built from scratch for the same records: every name's
// rendered replies byte for byte, the empty non-terminals that appear and go with the names under
// them, PTR names, the SOA serial, and NXDOMAIN for what went.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/answer_table.h"
#include "common/dns_wire.h"
#include "common/zone_diff.h"

namespace mdns {
namespace {

IpAddress ip(const std::string& text) { return *IpAddress::parse(text); }

// A small cluster: tasks of apps in groups nested to different depths, so that whole subtrees of
// names (and their empty non-terminals) come and go.
struct TaskSpec {
  int group = 0, app = 0, index = 0;
  std::string address;
  uint16_t port = 0;
  auto operator<=>(const TaskSpec&) const = default;
};

std::string groupName(int group) {
  static const char* const kGroups[] = {"dev", "a.prod", "b.prod", "x.y.team", "deep.er.still.team"};
  return kGroups[group % 5];
}

RecordSet recordsOf(const std::set<TaskSpec>& tasks) {
  RecordSet set;
  ReversePointers reverse;
  std::map<std::string, int> owners;  // address -> tasks holding it
  for (const auto& t : tasks) ++owners[t.address];
  set.addAddress("ns1.mesos.", ip("127.0.0.1"));
  for (const auto& t : tasks) {
    const std::string app = "app" + std::to_string(t.app) + "." + groupName(t.group) + ".marathon.mesos.";
    const std::string task =
        "app" + std::to_string(t.app) + "-" + std::to_string(t.index) + "." + groupName(t.group) + ".marathon.mesos.";
    set.addAddress(app, ip(t.address));
    RecordSet::NameRef where = 0;
    set.addAddress(task, ip(t.address), &where);
    set.addSrv("_app" + std::to_string(t.app) + "._tcp." + groupName(t.group) + ".marathon.mesos.",
               SrvTarget{task, t.port});
    if (owners[t.address] == 1) reverse.push_back({ip(t.address), where});
  }
  set.finalize();
  // Refer to the finalized set's names.
  ReversePointers fixed;
  for (const auto& p : reverse) fixed.push_back({p.ip, *set.refOf(set.nameAt(p.name))});
  set.setReverse(std::move(fixed));
  return set;
}

// Everything a query can get for `dotted` from `table`, as text.
std::string answers(const AnswerTable& table, const std::string& dotted) {
  const auto w = dns::toWireName(dotted);
  if (!w) return "unencodable";
  const auto* entry = table.find(*w);
  if (entry == nullptr) return "NXDOMAIN";
  std::string out;
  for (const uint32_t r : {entry->a, entry->aaaa, entry->srv, entry->any, entry->soa, entry->ns, entry->ptr}) {
    const auto* rendered = table.rendered(r);
    if (rendered == nullptr) {
      out += "-|";
      continue;
    }
    out += std::to_string(rendered->ancount) + "/" + std::to_string(rendered->nscount) + "/" +
           std::to_string(rendered->arcount) + "/" + std::to_string(rendered->authorityEnd) + ":";
    out.append(reinterpret_cast<const char*>(table.bytes(*rendered)), rendered->length);
    for (const uint16_t o : table.answerRrOffsets(*rendered)) out += "," + std::to_string(o);
    out += "|";
  }
  return out;
}

TEST(AnswerTablePatch, PatchedVersionAfterVersionAnswersExactlyAsBuilt) {
  std::mt19937 random(7);
  std::set<TaskSpec> tasks;
  auto randomTask = [&random]() {
    TaskSpec t;
    t.group = static_cast<int>(random() % 5);
    t.app = static_cast<int>(random() % 12);
    t.index = static_cast<int>(random() % 6);
    t.address = "10.0." + std::to_string(random() % 3) + "." + std::to_string(random() % 40);
    t.port = static_cast<uint16_t>(31000 + random() % 5);
    return t;
  };
  for (int i = 0; i < 120; ++i) tasks.insert(randomTask());
  ZoneOptions zone;
  zone.soaSerial = 100;
  RecordSet records = recordsOf(tasks);
  auto table = AnswerTable::build(records, zone);
  std::set<std::string> everName;  // every name any version had, with the names above it
  size_t patched = 0, rebuilt = 0;
  for (int step = 0; step < 150; ++step) {
    // A few tasks start, stop or move; now and then a whole group goes (its subtree of names).
    const int changes = 1 + static_cast<int>(random() % 4);
    for (int c = 0; c < changes; ++c) {
      if (!tasks.empty() && random() % 2 == 0) tasks.erase(std::next(tasks.begin(), random() % tasks.size()));
      if (random() % 2 == 0) tasks.insert(randomTask());
    }
    if (step % 37 == 36) {
      const int group = static_cast<int>(random() % 5);
      std::erase_if(tasks, [group](const TaskSpec& t) { return t.group == group; });
    }
    RecordSet next = recordsOf(tasks);
    zone.soaSerial = 101 + static_cast<uint32_t>(step);
    const ZoneDiff diff = diffRecordSets(records, next);
    auto fresh = AnswerTable::build(next, zone);
    auto patchedTable = AnswerTable::patch(*table, records, next, diff, zone);
    if (patchedTable) {
      ++patched;
    } else {
      ++rebuilt;
      patchedTable = fresh;
    }
    for (const auto& [name, recs] : next.names()) {
      for (std::string_view n = name; n.size() > 6; n = n.substr(n.find('.') + 1)) everName.emplace(n);
    }
    for (const auto& p : next.reverse()) everName.insert(reverseName(p.ip));
    for (const char* extra : {"mesos.", "nothere.mesos.", "marathon.mesos.", "prod.marathon.mesos."}) {
      everName.insert(extra);
    }
    for (const auto& name : everName) {
      ASSERT_EQ(answers(*patchedTable, name), answers(*fresh, name)) << "step " << step << ": " << name;
    }
    ASSERT_EQ(patchedTable->nameCount(), fresh->nameCount()) << "step " << step;
    ASSERT_EQ(patchedTable->negativeSoaTail(), fresh->negativeSoaTail());
    table = patchedTable;
    records = std::move(next);
  }
  EXPECT_GT(patched, 100u);
  // Replaced renderings pile up in a patched table until it is built again.
  EXPECT_GT(rebuilt, 0u);
}

}  // namespace
}  // namespace mdns
