// Mesos state + options in, RecordSet out: mesos-dns's naming rules (its records/generator.go and
// chains.go) as a pure function. Host names that need a DNS lookup go through the resolver the
// caller passes in, so tests stay free of I/O.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/ip_address.h"
#include "common/labels.h"
#include "common/mesos_state.h"
#include "common/record_set.h"

namespace mdns {

struct Config;

struct GeneratorOptions {
  std::string domain = "mesos";                // without the trailing dot
  std::string nameServer = "ns1.mesos.";       // SOAMname; gets the listener's addresses
  std::vector<IpAddress> nameServerAddresses;  // the listener (or the node's addresses for 0.0.0.0)
  std::vector<std::string> masters;            // "ip:port", in the order masterN is numbered
  std::vector<std::string> ipSources = {"netinfo", "mesos", "host"};
  LabelRule labelRule = LabelRule::kRfc1123;
  bool enumerate = false;  // also list each task's records (/v1/enumerate)
  // Tasks whose health check fails are left out of their app's shared names (A and SRV) while
  // another instance of the app is healthy (or has no health check); their own names stay.
  bool healthyOnly = false;

  static GeneratorOptions fromConfig(const Config& config, std::vector<IpAddress> nameServerAddresses,
                                     std::vector<std::string> resolvedMasters);
  bool operator==(const GeneratorOptions&) const = default;
};

// Turns a host name into addresses; an IP literal never reaches it. Empty: unknown host.
using HostResolver = std::function<std::vector<IpAddress>(const std::string& host)>;

// mesos-dns's /v1/enumerate data: every framework, its running tasks, and the records each task
// brought (a record already made by an earlier task is not listed again). A record refers to the
// names kept in the record set generated with it (some 30 bytes a record, not three strings).
struct EnumeratedRecord {
  enum class Type : uint8_t { kA, kAAAA, kSRV };
  Type type = Type::kA;
  RecordSet::NameRef name = 0;
  IpAddress ip;                   // A, AAAA
  RecordSet::NameRef target = 0;  // SRV
  uint16_t port = 0;              // SRV
  // mesos-dns's fields, read from the record set it was generated with.
  std::string_view nameIn(const RecordSet& records) const { return records.nameAt(name); }
  std::string hostIn(const RecordSet& records) const;  // "10.0.0.1", or SRV's "target:port"
  const char* rtype() const { return type == Type::kA ? "A" : type == Type::kAAAA ? "AAAA" : "SRV"; }
};
struct EnumeratedTask {
  std::string name, id;
  std::vector<EnumeratedRecord> records;
};
struct EnumeratedFramework {
  std::string name;
  std::vector<EnumeratedTask> tasks;
};
using Enumeration = std::vector<EnumeratedFramework>;

// `records` also holds PTR records (RecordSet::reverse()): each task address (not an agent's)
// that exactly one task's canonical name (task-<hash>-<slave>.framework.domain) holds, pointing at
// that name. Beyond mesos-dns (its issue 286): Java TLS host name checks, Kerberos and HDFS look
// addresses up in reverse.
struct GeneratedRecords {
  RecordSet records;
  Enumeration enumeration;            // only with GeneratorOptions::enumerate
  std::vector<std::string> warnings;  // records left out, each with the element and the reason
  size_t unhealthyLeftOut = 0;        // healthyOnly: running tasks left out of their app's names
  // The agents' addresses by agent id (none: the agent's tasks have no records), and every host
  // name looked up on the way, with what it gave.
  std::unordered_map<std::string, std::vector<IpAddress>> agentAddresses;
  std::unordered_map<std::string, std::vector<IpAddress>> hostsResolved;
};

GeneratedRecords generateRecords(const MesosState& state, const GeneratorOptions& options,
                                 const HostResolver& resolveHost);

// An enumeration made when it is asked for (/v1/enumerate) rather than with every version of the
// records: a hub fed by events makes versions many times a second and keeps the state they came
// from instead (common/record_book).
struct EnumerationSource {
  SharedState state;
  GeneratorOptions options;
  // The host names looked up when the records were made, with the answers: asked again here,
  // nothing is looked up.
  std::shared_ptr<const std::unordered_map<std::string, std::vector<IpAddress>>> hosts;
  // The enumeration, with the record set its names refer to.
  GeneratedRecords generate() const;
};

// One running task's records, exactly as generateRecords makes them for it within a state: its
// own names, and (when `shared`: healthyOnly may leave a failing instance out) its app's A and SRV
// names. `reverse`: the (address, canonical name) pairs that get a PTR record when no other task
// and no agent has the address.
struct TaskRecords {
  RecordSet records;  // finalized
  std::vector<std::pair<IpAddress, std::string>> reverse;
};
TaskRecords generateTaskRecords(const Task& task, const std::string& frameworkName,
                                const std::vector<IpAddress>& agentAddresses, bool shared,
                                const GeneratorOptions& options);

// healthyOnly's rule within one framework: the apps (by the name their tasks share) that have a
// running instance on a known agent which is not failing its health check. Such an app's failing
// instances are left out of its names; an app without one keeps all.
std::unordered_set<std::string> appsWithHealthyInstance(
    const Framework& framework, const std::unordered_map<std::string, std::vector<IpAddress>>& agentAddresses,
    const GeneratorOptions& options);
// The name a task shares with its app's other instances (its discovery name, else its name).
std::string appNameOf(const Task& task, const GeneratorOptions& options);

// mesos-dns's "slave id tail": the last '-'-separated field, lower-cased ("...-S12" -> "s12").
std::string slaveIdTail(const std::string& slaveId);

}  // namespace mdns
