// The agent's configuration: mesos-dns's config.json keys, types and defaults, plus the agent's own
// keys. Parsing is pure (text in, Config or errors out) so every rule is unit-tested with values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/labels.h"

namespace mdns {

struct MesosCredentials {
  std::string principal;
  std::string secret;
};

struct ResolvConfSettings {
  bool manage = false;  // put the agent first in the node's resolver setup while it runs
  // Who owns the node's resolver setup, and so how the agent goes first: "auto" (found at start),
  // "file" (the agent edits resolv.conf), "resolved" (a systemd-resolved drop-in routes the domain
  // to the agent; resolv.conf untouched), "resolvconf" (registered with resolvconf as
  // lo.mesos-dns-agent), "networkmanager" (NetworkManager leaves resolv.conf to the agent while it
  // serves) or "off" (as manage: false).
  std::string mode = "auto";
  std::string path = "/etc/resolv.conf";
  std::vector<std::string> fallback;  // nameservers right after the agent's (IP addresses)
};

struct Config {
  // mesos-dns keys (matched case-insensitively, as Go's encoding/json does).
  std::vector<std::string> masters;
  std::string zk;
  int refreshSeconds = 60;
  int stateTimeoutSeconds = 300;
  int zkDetectionTimeout = 30;
  int ttl = 60;
  std::string domain = "mesos";
  int port = 53;
  std::vector<std::string> resolvers;  // empty: the node's own upstreams (forwarding issue)
  std::map<std::string, std::vector<std::string>> zoneResolvers;
  int timeout = 5;
  // mesos-dns: one address, 0.0.0.0; here one or a list ("listener": ["127.0.0.1", "169.254.20.10"]),
  // default 127.0.0.1: a per-node agent serves its node.
  std::vector<std::string> listeners = {"127.0.0.1"};
  std::string httpListener = "127.0.0.1";
  int httpPort = 8123;
  std::string soaMname = "ns1.mesos.";  // always fully qualified after parsing
  std::string soaRname = "root.ns1.mesos.";
  uint32_t soaRefresh = 60;
  uint32_t soaRetry = 600;
  uint32_t soaExpire = 86400;
  uint32_t soaMinttl = 60;
  bool dnsOn = true;
  bool httpOn = true;
  bool externalOn = true;
  bool recurseOn = true;
  std::vector<std::string> ipSources = {"netinfo", "mesos", "host"};
  bool enforceRfc952 = false;
  bool enumerationOn = true;
  bool setTruncateBit = true;
  uint16_t srvRecordDefaultWeight = 1;
  bool mesosHttpsOn = false;
  std::string caCertFile;
  std::string certFile;
  std::string keyFile;
  MesosCredentials mesosCredentials;
  std::string iamConfigFile;
  std::string mesosAuthentication;  // "", "basic" or "iam"

  // The agent's own keys.
  std::vector<std::string> peers;  // "host:port" of mesos-dns (or agent) HTTP APIs: records from /v1/axfr
  // "host:port" of DNS servers holding the zone (hubs, other agents, any primary): this agent is
  // then their secondary (SOA checks, IXFR/AXFR, NOTIFY) and takes the zone from nowhere else.
  std::vector<std::string> primaries;
  int primaryCheckSeconds = 1;  // how often a secondary asks its primary for the SOA serial
  std::string stateFile;        // absolute after parsing (relative paths are taken from the config's folder)
  int tcpIdleSeconds = 10;      // a DNS-over-TCP connection with nothing to do is closed after this
  int maxTcpConnections = 256;  // more at once are refused (closed) until some end
  int maxUdpSize = 1232;        // the largest UDP reply (DNS Flag Day 2020: no fragments); more goes over TCP
  int workers = 0;              // DNS worker threads; 0: one per core
  int cacheSize = 10000;        // forwarded answers kept (LRU beyond)
  int cacheMaxTtl = 3600;       // seconds a forwarded answer is kept at most
  int cacheMaxNegativeTtl = 300;
  int cacheMaxStaleSeconds = 86400;    // how long past expiry an answer may be served when upstreams fail
  int startWaitSeconds = 20;           // READY=1 to systemd after this long even without records
  int maxStaleSeconds = 3600;          // /health says 503 when the served records are older (no good refresh since)
  bool queryLog = false;               // one log line per query...
  int queryLogRate = 100;              // ...at most this many per second (the rest counted in a summary line)
  std::vector<std::string> allowFrom;  // address ranges that may query; empty: loopback + listener networks
  // Address ranges that may transfer the zone (AXFR, IXFR; over TCP); empty: nobody.
  std::vector<std::string> allowTransfer;
  ResolvConfSettings resolvConf;
  std::string stateDir = "/var/lib/mesos-dns-agent";  // what must survive a restart (the original resolv.conf)
  // A hub: one v1 event stream (POST /api/v1 SUBSCRIBE) to the leading master instead of polling
  // /master/state (masters or zk only); polling again while the masters do not offer it.
  bool subscribe = false;
  bool healthyOnly = false;  // unhealthy tasks out of their app's A/SRV set while an instance is healthy
  double minRecordRatio = 0.5;
  // How long sets below minRecordRatio must keep coming before one is taken; 0: the longer of 3
  // refreshes and 300 s.
  int minRecordHoldSeconds = 0;  // a new set smaller than this x the served one is held back (0: off)
  std::string cacheFile;         // the last good record set (masters only); default stateDir/records.cache

  std::string configPath;  // where this config came from, for messages

  LabelRule labelRule() const { return enforceRfc952 ? LabelRule::kRfc952 : LabelRule::kRfc1123; }
};

struct ConfigResult {
  std::optional<Config> config;       // set when there are no errors
  std::vector<std::string> errors;    // each names the file and the key
  std::vector<std::string> warnings;  // unknown keys, settings that are probably unintended
};

// A reload (SIGHUP) applies most keys at once; those that shape sockets, threads or the forward
// cache need a restart. This copies every such key that differs from `running` back into `next`
// (so `next` is what will really run) and returns their names.
// With `listenersLive` (the agent can rebind: it does not manage resolv.conf, whose lines name the
// listener), `port` and `listener` apply at once.
std::vector<std::string> keepRestartOnlyKeys(const Config& running, Config& next, bool listenersLive = false);

// Parses config.json text. `path` names the file in messages and anchors relative paths.
ConfigResult parseConfig(std::string_view text, const std::string& path);

}  // namespace mdns
