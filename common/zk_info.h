// What ZooKeeper leader detection reads, as pure functions: the `zk` URL, the Mesos master
// group's member names and MasterInfo documents, and which masters a refresh asks in which order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdns {

// zk://host1:2181,host2:2181/mesos -> hosts {"host1:2181", "host2:2181"}, path "/mesos".
struct ZkUrl {
  std::vector<std::string> hosts;     // "host:port" ("[v6]:port"); 2181 when the URL gives no port
  std::string path;                   // the master group's znode, "/mesos"; never ends in '/'
  std::string connectString() const;  // "host1:2181,host2:2181", as the ZooKeeper client takes it
  bool operator==(const ZkUrl&) const = default;
};

struct ZkUrlParse {
  std::optional<ZkUrl> url;
  std::string error;  // what is wrong, e.g. "expected zk://host:port[,host:port...]/path"
};
ZkUrlParse parseZkUrl(std::string_view text);

// A member of the Mesos master group: "json.info_0000000012" -> 12. Mesos (>= 0.24) registers
// each master as an ephemeral sequential znode with that prefix; anything else (the protobuf
// "info_" nodes of Mesos < 0.24, log replicas, locks) is not a master for us.
std::optional<uint64_t> masterNodeSequence(std::string_view childName);

// The parts of a Mesos MasterInfo (JSON, as masters write it into their znode) that say where
// the master is.
struct MasterInfo {
  std::string id;
  std::string pid;          // "master@10.0.0.1:5050"
  std::string hostname;     // MasterInfo.hostname
  uint32_t ip = 0;          // MasterInfo.ip: IPv4 in the master's (little-endian) byte order
  int port = 0;             // MasterInfo.port
  std::string addressIp;    // MasterInfo.address.ip (Mesos >= 0.24)
  std::string addressHost;  // MasterInfo.address.hostname
  int addressPort = 0;      // MasterInfo.address.port
};

struct MasterInfoParse {
  std::optional<MasterInfo> info;
  std::string error;
};
MasterInfoParse parseMasterInfo(std::string_view json);

// Where to ask a master for its state: address.ip:address.port, else the pid's ip:port, else the
// numeric ip with port (Mesos < 0.24, as mesos-dns reads it), else a host name with the port,
// which the caller looks up. nullopt when the document names no usable address.
struct MasterEndpoint {
  std::string host;  // an IP address in canonical text, or a host name when `lookup`
  std::string port;
  bool lookup = false;
};
std::optional<MasterEndpoint> masterEndpoint(const MasterInfo& info);

// The masters a refresh asks, in order, without repeats.
//   Without ZooKeeper: the last leader, then `configured`.
//   With a leader in ZooKeeper: the masters ZooKeeper knows (`zkMasters`, its leader first).
//   ZooKeeper without a leader (lost, or none elected yet): the last leader, then the masters
//   ZooKeeper knew; once that has lasted zkDetectionTimeout (`fallBack`), `configured` as well,
//   after the last leader.
struct CandidateInputs {
  std::string lastLeader;               // "ip:port" that last served a good state, or empty
  std::vector<std::string> configured;  // `masters` from the config
  bool useZk = false;
  bool zkHasLeader = false;
  std::vector<std::string> zkMasters;  // leader first when zkHasLeader
  bool fallBack = false;
};
std::vector<std::string> masterCandidates(const CandidateInputs& in);

}  // namespace mdns
