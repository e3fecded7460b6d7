// What operators read over HTTP: mesos-dns's /v1 API, /health and /metrics, from the parts of the
// running agent. Handlers run on the HTTP thread and only read (snapshots, atomic counters).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/http_server.h"
#include "agent/record_source.h"
#include "common/config.h"
#include "common/lock_guarded.h"
#include "common/metrics.h"

namespace mdns {

class DnsServer;
class Forwarder;
class ResolvConfManager;

struct OperationsParts {
  const RecordStore* store = nullptr;
  const RecordSource* source = nullptr;
  const Forwarder* forwarder = nullptr;  // null without forwarding (externalOn false)
  std::vector<const DnsServer*> servers;
  const ResolvConfManager* resolvConf = nullptr;
};

class Operations {
 public:
  Operations(std::shared_ptr<const Config> config, OperationsParts parts);

  void setConfig(std::shared_ptr<const Config> config);  // after a reload
  void countReload(bool ok) { (ok ? reloads_ : reloadFailures_).add(); }

  ApiResponse handle(const ApiRequest& request);

  struct Health {
    bool healthy = false;
    std::string json;
  };
  Health health() const;
  std::string metrics() const;

 private:
  std::shared_ptr<const Config> config() const;
  ApiResponse axfr(const ApiRequest& request);

  OperationsParts parts_;
  // Separate locks: a reload must never wait for an /v1/axfr render.
  LockGuarded<std::shared_ptr<const Config>> config_;
  // /v1/axfr rendered once per answer table (a refresh that changes nothing keeps the table), and
  // kept gzipped only: peers ask often and take gzip, the records change rarely. The table is not
  // held: a cache must not keep a retired record set alive.
  struct AxfrCache {
    std::weak_ptr<const AnswerTable> table;
    int refreshSeconds = 0;
    std::string gzip, etag;
  };
  LockGuarded<AxfrCache> axfr_;
  Counter reloads_, reloadFailures_;
  const std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
};

}  // namespace mdns
