#include "agent/readiness.h"

#include <systemd/sd-daemon.h>

#include <chrono>
#include <string>

#include "agent/log.h"

namespace mdns {
namespace {

std::string ageText(std::chrono::system_clock::time_point t) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t).count();
  return std::to_string(s) + " s";
}

}  // namespace

Readiness::Readiness(event_base* main, WorkerPool& workers, ResolvConfManager* resolvConf, bool dnsOn,
                     int startWaitSeconds, bool inheritedWaiting)
    : dnsOn_(dnsOn) {
  serving_.reset(event_new(
      main, -1, 0,
      [](evutil_socket_t, short, void* manager) {
        if (manager == nullptr) return;
        if (const auto applied = static_cast<ResolvConfManager*>(manager)->apply(); !applied) {
          log::error("resolvConf: cannot put the agent into resolv.conf: " + applied.error());
        }
        static_cast<ResolvConfManager*>(manager)->startSelfCheck(kSelfCheckMs);
      },
      resolvConf));
  resume_.reset(event_new(
      main, -1, 0, [](evutil_socket_t, short, void* pool) { static_cast<WorkerPool*>(pool)->resume(); }, &workers));
  if (inheritedWaiting) {
    const timeval wait{kInheritedWaitMs / 1000, static_cast<suseconds_t>(kInheritedWaitMs % 1000) * 1000};
    event_add(resume_.get(), &wait);
  }
  startWait_.reset(evtimer_new(
      main,
      [](evutil_socket_t, short, void* flag) {
        if (static_cast<std::atomic<bool>*>(flag)->exchange(true)) return;
        log::warning(
            "no records after startWaitSeconds; telling systemd the agent is up (names in the domain get "
            "SERVFAIL until records come; resolv.conf is left alone until then)");
        sd_notify(0, "READY=1\nSTATUS=no records yet (the source does not answer); forwarding other names");
      },
      &readySent_));
  const timeval startWait{startWaitSeconds, 0};
  evtimer_add(startWait_.get(), &startWait);
}

void Readiness::loaded(const Snapshot& snapshot) {
  const std::string status = "serving " + std::to_string(snapshot.table->nameCount()) + " names from " +
                             snapshot.origin + ", changed " + ageText(snapshot.changedAt) + " ago";
  if (first_) {
    first_ = false;
    event_active(resume_.get(), EV_TIMEOUT, 0);
    if (dnsOn_) event_active(serving_.get(), EV_TIMEOUT, 0);  // on the main loop
  }
  sd_notify(0, ((readySent_.exchange(true) ? "" : "READY=1\n") + ("STATUS=" + status)).c_str());
}

}  // namespace mdns
