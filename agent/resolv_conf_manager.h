// Keeps the agent first in the node's resolver setup while it serves, and gives it back when it
// stops. Who owns that setup decides how (`resolvConf.mode`, found at start under "auto"):
//
// systemd-resolved (resolv.conf is its stub, a link into /run/systemd/resolve, or names
// 127.0.0.53): a drop-in in /run/systemd/resolved.conf.d routes the domain to the agent
// (DNS=listener:port, Domains=~domain) and resolved is reloaded (restarted where it cannot reload,
// systemd 252). Node programs keep asking 127.0.0.53. resolv.conf is never touched, and the
// agent forwards other names to resolved's own upstreams (/run/systemd/resolve/resolv.conf), never
// back to 127.0.0.53. A restart of the agent's unit keeps the drop-in (no restart of resolved, no
// gap); a stop removes it.
//
// resolvconf (Debian's, resolv.conf a link to /run/resolvconf/resolv.conf; or openresolv, which
// writes the file with its header): the agent registers as `resolvconf -a lo.mesos-dns-agent`
// (interface-order puts lo.* first) and deregisters with -d when it stops (not when its unit
// restarts). It forwards other names to the nameservers of the other interfaces' records.
//
// NetworkManager writing the file (rc-manager "file", or "auto" on a regular file): a runtime
// drop-in, /run/NetworkManager/conf.d/mesos-dns-agent.conf with rc-manager=unmanaged, and a reload
// (SIGHUP through systemd) make NetworkManager leave /etc/resolv.conf to the agent. NetworkManager
// still writes what the file would be to /run/NetworkManager/resolv.conf (connections up and down,
// DHCP renewals): that is the original, followed at once. On stop the agent puts that original
// back, removes the drop-in and reloads NetworkManager, which owns the file again.
//
// A plain file (everything else):
// The original content (what the file would be without the agent, including later changes by
// DHCP, NetworkManager or operators) is kept in stateDir, so that `resolvconf restore` can put it
// back after a crash. A symlinked resolv.conf is managed through its target (the link stays).
// Changes by others are seen with inotify on the target's folder and re-applied at once; their
// nameservers become the forwarding upstreams.
#pragma once

#include <event2/event.h>

#include "agent/libevent.h"

#include <functional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/metrics.h"
#include "common/resolv_conf.h"
#include "common/result.h"
#include "common/upstream.h"

namespace mdns {

// What the node's resolv.conf shows about its owner (see chooseOwner).
ResolvConfView observeResolvConf(const std::string& path);

class ResolvConfManager {
 public:
  static constexpr const char* kResolvedDropInDir = "/run/systemd/resolved.conf.d";
  static constexpr const char* kResolvedDropIn = "/run/systemd/resolved.conf.d/mesos-dns-agent.conf";
  static constexpr const char* kResolvedUpstreams = "/run/systemd/resolve/resolv.conf";
  static constexpr const char* kResolvedUnit = "systemd-resolved.service";
  static constexpr const char* kResolvconfRecord = "lo.mesos-dns-agent";
  static constexpr const char* kNmDropInDir = "/run/NetworkManager/conf.d";
  static constexpr const char* kNmDropIn = "/run/NetworkManager/conf.d/mesos-dns-agent.conf";
  static constexpr const char* kNmResolvConf = "/run/NetworkManager/resolv.conf";
  static constexpr const char* kNmUnit = "NetworkManager.service";

  // `onOriginalChanged` gets the new original text after someone else rewrote the file.
  ResolvConfManager(event_base* base, const Config& config, ResolvConfLines lines,
                    std::function<void(const std::string& original)> onOriginalChanged);
  ~ResolvConfManager();
  ResolvConfManager(const ResolvConfManager&) = delete;
  ResolvConfManager& operator=(const ResolvConfManager&) = delete;

  // Works out the original (the kept copy after a crash, else the file without agent lines) and
  // keeps it in stateDir. Call before anything is served.
  Status prepare();
  // Where the agent's upstreams come from: the original resolv.conf (file), or resolved's list of
  // its own upstreams (resolved). `upstreamSource` names it for the log.
  const std::string& original() const { return original_; }
  const std::string& upstreamSource() const { return watched_; }
  ResolverOwner owner() const { return owner_; }
  uint64_t writes() const { return writes_.get(); }  // for /metrics: how often the file was written

  // Puts the agent first and starts watching. Call once the agent answers queries.
  Status apply();
  // Puts the latest original back (unless someone else replaced the file) and stops watching.
  void restore();

  // Asks the agent on the address it wrote into the file (the domain's SOA) every `intervalMs`:
  // after three unanswered checks in a row the agent takes itself out of the file; once it
  // answers again it goes back in. For a worker that has wedged or a listener that has gone.
  void startSelfCheck(int intervalMs);

  // `resolvconf restore` after a crash: the kept original back into the file when the file
  // still has the agent's lines; the kept copy removed. A message for the operator either way.
  // With systemd-resolved: the drop-in removed and resolved reloaded, unless the agent's unit is
  // being restarted or failed (systemd starts it again: the drop-in stays for it).
  static Result<std::string> restoreAfterCrash(const Config& config, const ResolvConfLines& lines);
  // `resolvconf show`: the file, the kept original and what the agent writes.
  static std::string show(const Config& config, const ResolvConfLines& lines);

  // Where the file really is (the link target when it is a symlink) and where its original is kept.
  static std::string targetPath(const std::string& path);
  static std::string keptPath(const Config& config) { return config.stateDir + "/resolv.conf.original"; }

 private:
  static void onInotify(evutil_socket_t fd, short, void* self);
  void recheck();
  Status writeFile(const std::string& text);
  // Puts `text` back into the file, or removes the file when `text` is empty and there was no
  // file before the agent: a restore never leaves an empty resolv.conf.
  static Status putBack(const std::string& target, const std::string& text);
  Status applyResolved();
  // Takes the drop-in or resolvconf record away with `remove`, unless the unit is restarting.
  // The removers say what they did (an empty message: nothing to do).
  void takeRoutingAway(const std::string& what, Result<std::string> (*remove)());
  void watch(const std::string& file);
  static Result<std::string> removeDropIn();
  Status applyResolvconf();
  static Result<std::string> deregister();
  Status handOverFromNetworkManager();
  static Result<std::string> giveBackToNetworkManager();

  ResolverOwner owner_ = ResolverOwner::kFile;
  std::string watched_;  // the file whose changes are followed (target_, or resolved's upstreams)

  event_base* base_;
  Config config_;
  ResolvConfLines lines_;
  std::function<void(const std::string&)> onOriginalChanged_;
  std::string target_;
  std::string original_;
  std::string written_;  // what we wrote last
  bool applied_ = false;
  // resolv.conf is a link to nothing (its owner, such as systemd-resolved, is not running): the
  // agent leaves it alone. Writing would replace the link with a file for good, and restoring
  // would leave that file empty: the node without DNS even after its owner comes back.
  bool danglingLink_ = false;
  Counter writes_;
  int inotify_ = -1;
  EventPtr inotifyEvent_;
  EventPtr recheckTimer_;
  // Self-check.
  void selfCheck();
  int checkFd_ = -1;
  EventPtr checkTimer_;
  std::string checkApex_;
  uint16_t checkId_ = 0;
  bool checkPending_ = false;
  int checkFailures_ = 0;
  bool takenOut_ = false;  // by the self-check
};

}  // namespace mdns
