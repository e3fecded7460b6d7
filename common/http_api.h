// The JSON documents of the HTTP API, in mesos-dns's shapes (its resolver.go REST handlers and
// models.AXFR), as pure functions of the config and the record set.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/answer_table.h"
#include "common/config.h"
#include "common/record_generator.h"
#include "common/record_set.h"

namespace mdns::api {

// GET /v1/version: {"Service", "URL", "Version"}.
std::string version();

// GET /v1/config: mesos-dns's Config field names, plus the agent's own keys under their config.json
// names. Unlike mesos-dns, the Mesos secret is masked.
// `soaSerial` is the served zone's serial (mesos-dns shows its own); `resolvers`, the upstreams in
// use ("ip:port"), shown as Resolvers when the config names none (they come from resolv.conf).
std::string config(const Config& config, uint32_t soaSerial = 0, const std::vector<std::string>& resolvers = {});

// mesos-dns's clean-up of a path parameter: ".*" wildcards removed, lower case, trailing dot.
std::string cleanName(std::string_view name);

// GET /v1/hosts/{host}: [{"host", "ip"}] for the name's A and AAAA records; one empty record when
// there are none (as mesos-dns).
std::string hosts(const RecordSet& records, std::string_view host);

// GET /v1/services/{service}: [{"service", "host", "ip", "port"}], one per SRV target and address
// family (the target's first address); one empty record when there are none.
std::string services(const RecordSet& records, std::string_view service);

// GET /v1/enumerate: {"frameworks": [{"name", "tasks": [{"name", "id", "records": [...]}]}]}.
// `records` is the set generated with the enumeration (whose names it refers to).
std::string enumerate(const Enumeration& enumeration, const RecordSet& records);

// GET /v1/axfr: {"TTL", "Serial", "RefreshSeconds", "Mname", "Rname", "Domain",
// "Records": {"As", "AAAAs", "SRVs"}} (SRV values "target:port").
std::string axfr(const RecordSet& records, const ZoneOptions& zone, int refreshSeconds);
// The same document handed to `sink` in pieces of about 64 KiB, in order.
void writeAxfr(const RecordSet& records, const ZoneOptions& zone, int refreshSeconds,
               const std::function<void(std::string_view)>& sink);

// A /v1/axfr document read back (from a mesos-dns server or another agent). Records outside
// `domain`, addresses that do not parse and SRV values that are not "target.:port" are left out
// with a warning each (the first few); a document that is not an AXFR, or is for another domain,
// is an error.
struct AxfrRead {
  std::optional<RecordSet> records;  // finalized
  std::string error;
  std::vector<std::string> warnings;
  uint32_t serial = 0;
};
AxfrRead parseAxfr(std::string_view text, const std::string& domain);

}  // namespace mdns::api
