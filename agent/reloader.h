// A reload (SIGHUP, `systemctl reload`): the config file is read again and a valid one applies to
// the running parts without a socket closing; keys that need a restart are named in the log. An
// invalid one changes nothing. Runs on the main loop (DNS worker 0's).
#pragma once

#include <memory>

#include "agent/dns_server.h"
#include "agent/forwarder.h"
#include "agent/operations.h"
#include "agent/record_source.h"
#include "agent/resolv_conf_manager.h"
#include "agent/worker_pool.h"
#include "common/config.h"

namespace mdns {

// What a reload changes; the nullable ones are absent when the config turned them off.
struct ReloadParts {
  WorkerPool* workers = nullptr;
  RecordSource* source = nullptr;
  Operations* operations = nullptr;
  SharedAllowList* transferAllow = nullptr;
  QueryLog* queryLog = nullptr;
  Forwarder* forwarder = nullptr;           // nullable
  ResolvConfManager* resolvConf = nullptr;  // nullable
};

class Reloader {
 public:
  Reloader(std::shared_ptr<const Config> running, ReloadParts parts) : running_(std::move(running)), parts_(parts) {}

  void reload();
  // The config in force (the main loop's thread).
  const Config& running() const { return *running_; }

 private:
  std::shared_ptr<const Config> running_;
  ReloadParts parts_;
};

}  // namespace mdns
