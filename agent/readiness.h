// Startup as systemd and the node see it. Once the first records are in: sockets systemd handed
// over (queries that waited in them) are read, the agent goes into the node's resolver setup and
// starts checking itself there, and systemd hears READY=1; every load updates STATUS=. Without
// records after startWaitSeconds (masters unreachable, no cache file yet) systemd hears READY
// anyway, so that `systemctl start` and `apt install` do not hang: the agent forwards other names,
// answers SERVFAIL in the domain, and stays out of resolv.conf until records come.
#pragma once

#include <event2/event.h>

#include <atomic>

#include "agent/libevent.h"
#include "agent/record_source.h"
#include "agent/resolv_conf_manager.h"
#include "agent/worker_pool.h"

namespace mdns {

class Readiness {
 public:
  // `resolvConf` may be null (not managed). `inheritedWaiting`: sockets from systemd wait for the
  // first records (read after a few seconds without). Timers run on `main`.
  Readiness(event_base* main, WorkerPool& workers, ResolvConfManager* resolvConf, bool dnsOn, int startWaitSeconds,
            bool inheritedWaiting);
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // A snapshot was published (on the source's thread).
  void loaded(const Snapshot& snapshot);

 private:
  static constexpr int kSelfCheckMs = 2000;      // how often the agent asks itself through resolv.conf
  static constexpr int kInheritedWaitMs = 5000;  // inherited sockets wait this long for the first records

  bool dnsOn_;
  bool first_ = true;                   // the source's thread only
  std::atomic<bool> readySent_{false};  // READY=1 went to systemd
  EventPtr serving_;                    // into resolv.conf (main loop)
  EventPtr resume_;                     // inherited sockets read (main loop)
  EventPtr startWait_;                  // READY without records
};

}  // namespace mdns
