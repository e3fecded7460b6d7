// The DNS workers: one DnsServer per thread, each with its own event loop and sockets
// (SO_REUSEPORT spreads clients over them). Worker 0 runs on the main loop, next to signals and
// reloads; the others get threads of their own. Binding, handing over systemd's sockets, moving
// listeners on a reload, and stopping live here.
#pragma once

#include <event2/event.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/dns_server.h"
#include "agent/libevent.h"
#include "agent/systemd_sockets.h"
#include "common/config.h"

namespace mdns {

// Runs `f` on the thread of `loop` and waits for it (directly when `loop` is the caller's own,
// `own`). False when it could not be handed over (libevent out of memory): `f` did not run.
[[nodiscard]] bool runOnLoop(event_base* loop, event_base* own, const std::function<void()>& f);

class WorkerPool {
 public:
  using ServerFactory = std::function<std::unique_ptr<DnsServer>(event_base*)>;

  // `count` workers (at least one); worker 0 serves on `main`.
  WorkerPool(event_base* main, size_t count, const ServerFactory& make);
  ~WorkerPool();  // stops the threads if stop() was not called
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Every worker listens on the config's listeners: sockets systemd passed for an address (taken
  // out of `inherited`) are adopted paused, until resume(); the others are bound now. True when
  // some came from systemd (serve those once records are in); an error when one cannot be served.
  Result<bool> listen(const Config& config, std::vector<InheritedSocket>& inherited);
  // Moves the listeners from `from`'s to `to`'s: the new addresses are bound on every worker first
  // (all or none), then the old ones closed; sockets that stay are not touched. Call on the main
  // loop. False (logged, nothing changed) when a new address cannot be bound.
  bool rebind(const Config& from, const Config& to);

  void start();   // the worker threads run their loops
  void stop();    // and end; joined
  void resume();  // adopted sockets are read from now on (any thread)

  const std::vector<std::unique_ptr<DnsServer>>& servers() const { return servers_; }
  // The loops of the workers with threads of their own (the watchdog's).
  std::vector<event_base*> threadLoops() const;
  size_t size() const { return servers_.size(); }

 private:
  event_base* loopOf(size_t i) const { return i == 0 ? main_ : bases_[i - 1].get(); }
  void unlistenEverywhere(const SocketAddress& address);

  event_base* main_;
  std::vector<EventBasePtr> bases_;  // workers 1..n-1
  std::vector<std::unique_ptr<DnsServer>> servers_;
  // Stopped by an event, not event_base_loopbreak(): a break asked before a thread has entered
  // its loop would be forgotten (a SIGTERM right at start), an active event is not.
  std::vector<EventPtr> stops_;
  std::vector<std::thread> threads_;
};

}  // namespace mdns
