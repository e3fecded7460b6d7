#include "agent/resolv_conf_manager.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>

#include "agent/files.h"
#include "agent/log.h"
#include "agent/systemd_bus.h"
#include "common/forward_cache.h"
#include "common/upstream.h"

namespace mdns {
namespace {

std::string folderOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

std::string nameservers(const std::string& text) {
  std::string out;
  for (const auto& ip : resolvConfNameservers(text)) out += (out.empty() ? "" : ", ") + ip.toString();
  return out.empty() ? "none" : out;
}

const char* ownerName(ResolverOwner owner) {
  switch (owner) {
    case ResolverOwner::kResolved:
      return "systemd-resolved";
    case ResolverOwner::kResolvconf:
      return "resolvconf";
    case ResolverOwner::kNetworkManager:
      return "NetworkManager";
    case ResolverOwner::kFile:
      break;
  }
  return "file";
}

// resolvconf's folder of records, one file per interface: Debian's resolvconf, then openresolv's.
std::string resolvconfRecords() {
  struct stat st {};
  for (const char* dir : {"/run/resolvconf/interface", "/run/resolvconf/interfaces"}) {
    if (::stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return dir;
  }
  return "/run/resolvconf/interface";
}

std::string resolvconfBinary() {
  for (const char* path : {"/sbin/resolvconf", "/usr/sbin/resolvconf"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// The other interfaces' records, one after the other (sorted by name): where the agent forwards.
std::string otherRecords(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != ".." && name != ResolvConfManager::kResolvconfRecord) names.push_back(name);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) out += readWholeFile(dir + "/" + name, true).value_or("");
  return out;
}

// Runs resolvconf with `args`, `input` on its standard input; its messages go to the agent's log
// (stderr). Waits at most 10 s.
Status runResolvconf(const std::vector<std::string>& args, const std::string& input) {
  const std::string binary = resolvconfBinary();
  if (binary.empty()) return Error{"resolvconf is not installed (/sbin/resolvconf)"};
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return Error{std::string("pipe: ") + std::strerror(errno)};
  std::vector<char*> argv{const_cast<char*>(binary.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  char path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path, nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  if (spawned != 0) {
    ::close(in[1]);
    return Error{"cannot run " + binary + ": " + std::strerror(spawned)};
  }
  size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = ::write(in[1], input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(in[1]);
  int status = 0;
  for (int waited = 0;; waited += 10) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 || waited >= 10'000) {
      if (done >= 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      return Error{binary + " did not finish within 10 s"};
    }
    ::usleep(10'000);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error{binary + " failed (" +
                 (WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                    : "signal " + std::to_string(WTERMSIG(status))) +
                 ")"};
  }
  return {};
}

}  // namespace

ResolvConfView observeResolvConf(const std::string& path) {
  ResolvConfView view;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char link[PATH_MAX] = "";
    const ssize_t n = ::readlink(path.c_str(), link, sizeof link - 1);
    view.linkTarget.assign(link, static_cast<size_t>(std::max<ssize_t>(n, 0)));
  }
  view.text = readWholeFile(path, true).value_or("");
  return view;
}

ResolvConfManager::ResolvConfManager(event_base* base, const Config& config, ResolvConfLines lines,
                                     std::function<void(const std::string&)> onOriginalChanged)
    : base_(base),
      config_(config),
      lines_(std::move(lines)),
      onOriginalChanged_(std::move(onOriginalChanged)),
      target_(targetPath(config.resolvConf.path)) {}

ResolvConfManager::~ResolvConfManager() {
  // The events before the descriptors they watch.
  checkTimer_.reset();
  inotifyEvent_.reset();
  recheckTimer_.reset();
  if (checkFd_ >= 0) ::close(checkFd_);
  if (inotify_ >= 0) ::close(inotify_);
}

std::string ResolvConfManager::targetPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    char resolved[PATH_MAX];
    if (::realpath(path.c_str(), resolved) != nullptr) return resolved;
  }
  return path;
}

Status ResolvConfManager::prepare() {
  const OwnerChoice choice =
      chooseOwner(config_.resolvConf.mode, config_.resolvConf.path, observeResolvConf(config_.resolvConf.path));
  owner_ = choice.owner;
  log::info(std::string("resolvConf: ") + ownerName(owner_) + " mode (" + choice.why + ")");
  if (owner_ == ResolverOwner::kResolved) {
    // resolved's own upstreams are where the agent forwards other names (127.0.0.53 would send
    // them back to the agent: resolved asks its global DNS servers for any name).
    watched_ = kResolvedUpstreams;
    original_ = readWholeFile(watched_, true).value_or("");
    return {};
  }
  if (owner_ == ResolverOwner::kResolvconf) {
    if (resolvconfBinary().empty()) {
      log::warning("resolvConf: resolvconf is not installed (/sbin/resolvconf): managing " + config_.resolvConf.path +
                   " as a plain file");
      owner_ = ResolverOwner::kFile;
    } else {
      watched_ = resolvconfRecords() + "/";  // the whole folder: any interface's record
      original_ = otherRecords(resolvconfRecords());
      return {};
    }
  }
  if (owner_ == ResolverOwner::kNetworkManager && ::access("/run/NetworkManager", F_OK) != 0) {
    log::warning("resolvConf: NetworkManager is not running (no /run/NetworkManager): managing " +
                 config_.resolvConf.path + " as a plain file");
    owner_ = ResolverOwner::kFile;
  }
  watched_ = owner_ == ResolverOwner::kNetworkManager ? std::string(kNmResolvConf) : target_;
  struct stat st {};
  if (::lstat(config_.resolvConf.path.c_str(), &st) == 0 && S_ISLNK(st.st_mode) &&
      ::stat(config_.resolvConf.path.c_str(), &st) != 0) {
    char link[PATH_MAX] = "";
    const ssize_t n = ::readlink(config_.resolvConf.path.c_str(), link, sizeof link - 1);
    danglingLink_ = true;
    log::warning(config_.resolvConf.path + " is a link to " +
                 std::string(link, static_cast<size_t>(std::max<ssize_t>(n, 0))) +
                 ", which does not exist (the program that owns it, such as systemd-resolved, is not running): "
                 "the agent leaves it alone; restart the agent once it is there");
    return {};
  }
  if (target_ != config_.resolvConf.path) {
    log::info(config_.resolvConf.path + " is a link to " + target_ + ": the agent writes there and the link stays");
  }
  const auto current = readWholeFile(target_, true);
  if (!current) return Error{current.error()};
  const auto kept = readWholeFile(keptPath(config_));
  if (hasAgentMarker(*current)) {
    // Left behind by an agent that did not stop cleanly.
    original_ = kept ? *kept : stripAgent(*current, lines_);
    log::info(target_ + " still holds the agent's lines from an earlier run; its original is " +
              (kept ? "the kept copy " + keptPath(config_) : "the file without them"));
  } else {
    original_ = *current;
  }
  if (owner_ == ResolverOwner::kNetworkManager) {
    // What NetworkManager would write now is the original (an agent that crashed may have left its
    // lines in /etc/resolv.conf; NetworkManager's own file never has them).
    const auto generated = readWholeFile(kNmResolvConf);
    if (generated && !generated->empty()) original_ = *generated;
  }
  if (auto made = makeDirectories(config_.stateDir); !made) return made;
  return replaceFileAtomically(keptPath(config_), original_, nullptr);
}

Status ResolvConfManager::writeFile(const std::string& text) {
  struct stat st {};
  const bool exists = ::stat(target_.c_str(), &st) == 0;
  if (auto written = replaceFileAtomically(target_, text, exists ? &st : nullptr); !written) return written;
  written_ = text;
  writes_.add();
  return {};
}

Status ResolvConfManager::putBack(const std::string& target, const std::string& text) {
  if (text.empty()) {
    // Nothing known-good to write (there was no file, or it was empty): no file is the same to
    // glibc, and an empty file left where a link or a file was would be worse.
    if (::unlink(target.c_str()) != 0 && errno != ENOENT) {
      return Error{"cannot remove " + target + ": " + std::strerror(errno)};
    }
    return {};
  }
  struct stat st {};
  const bool exists = ::stat(target.c_str(), &st) == 0;
  return replaceFileAtomically(target, text, exists ? &st : nullptr);
}

Result<std::string> ResolvConfManager::removeDropIn() {
  if (::unlink(kResolvedDropIn) != 0) {
    if (errno == ENOENT) return std::string(kResolvedDropIn) + " is not there; nothing to remove";
    return Error{std::string("cannot remove ") + kResolvedDropIn + ": " + std::strerror(errno)};
  }
  if (const auto reloaded = systemd::reloadOrTryRestart(kResolvedUnit); !reloaded) {
    return Error{std::string(kResolvedDropIn) + " removed; " + reloaded.error() +
                 " (it still routes to the agent until restarted)"};
  }
  return std::string(kResolvedDropIn) + " removed and systemd-resolved reloaded";
}

// The global DNS= servers of resolved's configuration other than the agent's drop-in:
// /etc/systemd/resolved.conf, then the drop-ins of every folder in the order of their names.
static std::vector<std::string> otherResolvedGlobalDns() {
  std::vector<std::string> servers =
      resolvedGlobalDns(readWholeFile("/etc/systemd/resolved.conf", true).value_or(""), {});
  std::map<std::string, std::string> dropIns;  // name -> path; /etc wins over /run over /usr/lib
  for (const char* dir : {"/usr/lib/systemd/resolved.conf.d", "/usr/local/lib/systemd/resolved.conf.d",
                          "/run/systemd/resolved.conf.d", "/etc/systemd/resolved.conf.d"}) {
    if (DIR* d = ::opendir(dir)) {
      while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0 && name != "mesos-dns-agent.conf") {
          dropIns[name] = std::string(dir) + "/" + name;
        }
      }
      ::closedir(d);
    }
  }
  for (const auto& [name, path] : dropIns) {
    servers = resolvedGlobalDns(readWholeFile(path, true).value_or(""), std::move(servers));
  }
  return servers;
}

Status ResolvConfManager::applyResolved() {
  const std::string text = resolvedDropIn(config_.domain, config_.port, lines_);
  const auto current = readWholeFile(kResolvedDropIn);
  if (!current || *current != text) {
    if (auto made = makeDirectories(kResolvedDropInDir); !made) return made;
    if (auto written = replaceFileAtomically(kResolvedDropIn, text, nullptr); !written) return written;
    writes_.add();
    if (const auto reloaded = systemd::reloadOrTryRestart(kResolvedUnit); !reloaded) {
      log::warning("resolvConf: " + reloaded.error() + "; resolved reads " + kResolvedDropIn + " when it next starts");
    }
  }
  if (const auto others = otherResolvedGlobalDns(); !others.empty()) {
    std::string list;
    for (const auto& server : others) list += (list.empty() ? "" : " ") + server;
    log::warning("resolvConf: systemd-resolved has global DNS servers of its own (" + list +
                 " in resolved.conf or its drop-ins): it asks one server of its global list at a time, so " +
                 config_.domain +
                 " names may go to them and fail; give them to a link (networkd, NetworkManager) "
                 "instead (README, systemd-resolved)");
  }
  log::info("resolvConf: systemd-resolved sends " + config_.domain + ". names to the agent (" + kResolvedDropIn +
            "); other names keep resolved's routing; the agent forwards to resolved's upstreams (" +
            nameservers(original_) + ")");
  applied_ = true;
  watch(watched_);
  return {};
}

void ResolvConfManager::takeRoutingAway(const std::string& what, Result<std::string> (*remove)()) {
  if (inotifyEvent_ != nullptr) event_del(inotifyEvent_.get());
  // A restart of the unit keeps it: the sockets wait in systemd's store, and nothing else moves.
  // A failure does not (for resolvconf, which may keep nothing after a loopback nameserver,
  // TRUNCATE_NAMESERVER_LIST_AFTER_LOOPBACK_ADDRESS, a failed agent must go).
  if (!takenOut_ && startsAgain(systemd::ownUnitJob(), "")) {
    log::info("resolvConf: the unit restarts: " + what + " stays, so names keep reaching the agent's sockets");
    return;
  }
  const auto removed = remove();
  (removed ? log::info("resolvConf: " + *removed) : log::error("resolvConf: " + removed.error()));
}

void ResolvConfManager::watch(const std::string& file) {
  if (inotifyEvent_ != nullptr) {
    event_add(inotifyEvent_.get(), nullptr);  // again after a restore
    return;
  }
  if (inotify_ >= 0) return;
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  const std::string folder = folderOf(file);
  if (inotify_ < 0 || ::inotify_add_watch(inotify_, folder.c_str(),
                                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM) < 0) {
    log::warning("cannot watch " + folder + " (" + std::strerror(errno) + "): changes to " + file +
                 " by others are not seen until the agent restarts");
    return;
  }
  inotifyEvent_.reset(event_new(base_, inotify_, EV_READ | EV_PERSIST, &ResolvConfManager::onInotify, this));
  event_add(inotifyEvent_.get(), nullptr);
  recheckTimer_.reset(evtimer_new(
      base_, [](evutil_socket_t, short, void* self) { static_cast<ResolvConfManager*>(self)->recheck(); }, this));
}

Result<std::string> ResolvConfManager::deregister() {
  if (const auto ran = runResolvconf({"-d", kResolvconfRecord}, ""); !ran) {
    return Error{std::string("cannot deregister ") + kResolvconfRecord + ": " + ran.error()};
  }
  return std::string(kResolvconfRecord) + " deregistered from resolvconf";
}

Status ResolvConfManager::applyResolvconf() {
  if (auto ran = runResolvconf({"-a", kResolvconfRecord}, resolvconfRecord(lines_)); !ran) return ran;
  writes_.add();
  log::info(std::string("resolvConf: registered with resolvconf as ") + kResolvconfRecord +
            " (its interface order puts lo.* first); the agent forwards to the other interfaces' nameservers (" +
            nameservers(original_) + ")");
  applied_ = true;
  watch(watched_);
  return {};
}

Status ResolvConfManager::handOverFromNetworkManager() {
  static const std::string kText =
      "# Written by mesos-dns-agent while it serves: it keeps /etc/resolv.conf (NetworkManager's own\n"
      "# /run/NetworkManager/resolv.conf stays the original). Removed when the agent stops.\n"
      "[main]\nrc-manager=unmanaged\n";
  const auto current = readWholeFile(kNmDropIn);
  if (current && *current == kText) return {};
  if (auto made = makeDirectories(kNmDropInDir); !made) return made;
  if (auto written = replaceFileAtomically(kNmDropIn, kText, nullptr); !written) return written;
  if (const auto signalled = systemd::signalMain(kNmUnit, SIGHUP); !signalled) {
    log::warning("resolvConf: " + signalled.error() + "; NetworkManager may write " + config_.resolvConf.path +
                 " until it reloads (the agent puts itself back each time)");
  }
  log::info(std::string("resolvConf: NetworkManager leaves ") + config_.resolvConf.path + " to the agent (" +
            kNmDropIn + "); its own view stays in " + kNmResolvConf);
  return {};
}

Result<std::string> ResolvConfManager::giveBackToNetworkManager() {
  if (::unlink(kNmDropIn) != 0) {
    if (errno == ENOENT) return std::string();
    return Error{std::string("cannot remove ") + kNmDropIn + ": " + std::strerror(errno)};
  }
  if (const auto signalled = systemd::signalMain(kNmUnit, SIGHUP); !signalled) {
    return Error{std::string(kNmDropIn) + " removed; " + signalled.error() +
                 " (NetworkManager takes resolv.conf back when it reloads)"};
  }
  return std::string(kNmDropIn) + " removed and NetworkManager reloaded: it owns resolv.conf again";
}

Status ResolvConfManager::apply() {
  if (owner_ == ResolverOwner::kResolved) return applyResolved();
  if (owner_ == ResolverOwner::kResolvconf) return applyResolvconf();
  if (danglingLink_) return {};  // hands off (see prepare)
  if (owner_ == ResolverOwner::kNetworkManager) {
    if (auto handed = handOverFromNetworkManager(); !handed) return handed;
  }
  const auto applied = applyAgent(original_, lines_);
  for (const auto& note : applied.notes) log::warning(target_ + ": " + note);
  const auto current = readWholeFile(target_, true);
  if (!current || *current != applied.text) {
    if (auto written = writeFile(applied.text); !written) return written;
  } else {
    written_ = applied.text;  // already so (left by an earlier run)
  }
  log::info(target_ + ": the agent is the first nameserver (then " + nameservers(original_) + ")");
  applied_ = true;
  if (auto kept = replaceFileAtomically(keptPath(config_), original_, nullptr); !kept) return kept;
  watch(watched_);
  return {};
}

void ResolvConfManager::onInotify(evutil_socket_t fd, short, void* selfPtr) {
  auto* self = static_cast<ResolvConfManager*>(selfPtr);
  alignas(inotify_event) char buf[4096];
  bool relevant = false;
  const std::string name = self->watched_.substr(self->watched_.rfind('/') + 1);
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t pos = 0; pos < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + pos);
      if (name.empty() || (e->len > 0 && name == e->name)) relevant = true;
      pos += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  // Writers often make several changes in a row (truncate, write, close; or create, rename):
  // look once they have settled.
  if (relevant && self->applied_) {
    const timeval settle{0, suseconds_t{50} * 1000};
    evtimer_add(self->recheckTimer_.get(), &settle);
  }
}

void ResolvConfManager::recheck() {
  auto keepOriginal = [this] {
    if (const auto kept = replaceFileAtomically(keptPath(config_), original_, nullptr); !kept)
      log::warning(kept.error());
  };
  auto applyAgain = [this] {
    if (const auto applied = apply(); !applied) {
      log::error(target_ + ": cannot put the agent back first: " + applied.error());
    }
  };
  if (owner_ == ResolverOwner::kNetworkManager) {
    // NetworkManager's view changed (a connection, a DHCP renewal): the new original, applied.
    const auto generated = readWholeFile(watched_);
    if (generated && !generated->empty() && *generated != original_) {
      original_ = *generated;
      keepOriginal();
      log::info("resolvConf: NetworkManager's nameservers are now " + nameservers(original_));
      if (onOriginalChanged_) onOriginalChanged_(original_);
    }
    applyAgain();
    return;
  }
  if (owner_ != ResolverOwner::kFile) {
    const auto list = owner_ == ResolverOwner::kResolved ? readWholeFile(watched_, true)
                                                         : Result<std::string>(otherRecords(resolvconfRecords()));
    if (list && *list != original_) {
      original_ = *list;
      log::info(std::string("resolvConf: ") + ownerName(owner_) + "'s upstreams are now " + nameservers(original_));
      if (onOriginalChanged_) onOriginalChanged_(original_);
    }
    return;
  }
  const auto current = readWholeFile(target_, true);
  if (!current || *current == written_) return;  // our own write, or unreadable for a moment
  // Someone else wrote it. Their content (without any agent lines they kept) is the new original.
  const std::string fresh = hasAgentMarker(*current) ? stripAgent(*current, lines_) : *current;
  if (fresh != original_) {
    original_ = fresh;
    keepOriginal();
    log::info(target_ + " was rewritten by another program; its nameservers are now " + nameservers(original_));
    if (onOriginalChanged_) onOriginalChanged_(original_);
  }
  applyAgain();
}

void ResolvConfManager::restore() {
  if (!applied_) return;
  applied_ = false;
  if (owner_ == ResolverOwner::kResolved) {
    takeRoutingAway(kResolvedDropIn, &ResolvConfManager::removeDropIn);
    return;
  }
  if (owner_ == ResolverOwner::kResolvconf) {
    takeRoutingAway(std::string("resolvconf's record ") + kResolvconfRecord, &ResolvConfManager::deregister);
    return;
  }
  if (inotifyEvent_ != nullptr) event_del(inotifyEvent_.get());
  const auto current = readWholeFile(target_, true);
  if (current && *current != written_ && !hasAgentMarker(*current)) {
    log::info(target_ + " was replaced by another program; left as it is");
  } else {
    // Changes someone made to the managed file since we last looked are kept.
    const std::string text = current && *current != written_ ? stripAgent(*current, lines_) : original_;
    if (const auto put = putBack(target_, text); !put) {
      log::error(target_ + ": cannot restore: " + put.error() + " (run: mesos-dns-agent -config " + config_.configPath +
                 " resolvconf restore)");
      return;
    }
    log::info(target_ + " restored (nameservers " + nameservers(text) + ")");
  }
  ::unlink(keptPath(config_).c_str());
  if (owner_ != ResolverOwner::kNetworkManager) return;
  if (const auto givenBack = giveBackToNetworkManager(); !givenBack) {
    log::error("resolvConf: " + givenBack.error());
  } else if (!givenBack->empty()) {
    log::info("resolvConf: " + *givenBack);
  }
}

void ResolvConfManager::startSelfCheck(int intervalMs) {
  if (checkTimer_ != nullptr || lines_.agent.empty() || danglingLink_) return;
  const Upstream self{lines_.agent.front(), static_cast<uint16_t>(config_.port)};
  sockaddr_storage ss{};
  const socklen_t len = self.toSockaddr(ss);
  checkFd_ = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (checkFd_ < 0 || ::connect(checkFd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    log::warning("resolvConf: no self-check (" + std::string(std::strerror(errno)) + ")");
    return;
  }
  checkApex_ = *dns::toWireName(config_.domain);
  checkTimer_.reset(event_new(
      base_, -1, EV_PERSIST, [](evutil_socket_t, short, void* m) { static_cast<ResolvConfManager*>(m)->selfCheck(); },
      this));
  const timeval every{intervalMs / 1000, static_cast<suseconds_t>(intervalMs % 1000) * 1000};
  event_add(checkTimer_.get(), &every);
}

void ResolvConfManager::selfCheck() {
  // The answer to the previous check, if it came.
  const UpstreamQuery previous{checkId_, checkApex_, dns::kTypeSOA, dns::kClassIN, false, false, 0};
  uint8_t reply[4096];
  bool answered = false;
  for (;;) {
    const ssize_t n = ::recv(checkFd_, reply, sizeof reply, 0);
    if (n < 0) break;
    if (checkUpstreamReply(reply, static_cast<size_t>(n), previous) == ReplyCheck::kMatch) answered = true;
  }
  if (checkPending_) {
    if (answered) {
      checkFailures_ = 0;
      if (takenOut_) {
        // Rewritten by others while the agent was out (nobody watched)? That is the original now.
        const auto current = readWholeFile(target_, true);
        if (current && *current != written_ && !hasAgentMarker(*current) && *current != original_) {
          original_ = *current;
          if (onOriginalChanged_) onOriginalChanged_(original_);
        }
        if (apply()) {
          takenOut_ = false;
          log::info("resolvConf: the agent answers again; it is back in " + target_);
        }
      }
    } else if (++checkFailures_ == 3 && applied_) {
      log::error("resolvConf: the agent does not answer on its own listener; taking it out of " + target_ +
                 " until it does");
      restore();
      takenOut_ = true;
    }
  }
  checkId_ = static_cast<uint16_t>(checkId_ + 1);
  const UpstreamQuery next{checkId_, checkApex_, dns::kTypeSOA, dns::kClassIN, false, false, 0};
  uint8_t query[512];
  const size_t n = buildUpstreamQuery(next, query);
  ::send(checkFd_, query, n, 0);  // a failed send shows as no answer next time
  checkPending_ = true;
}

Result<std::string> ResolvConfManager::restoreAfterCrash(const Config& config, const ResolvConfLines& lines) {
  // Every kind, whatever the node looks like now: a drop-in for resolved, a resolvconf record,
  // NetworkManager's drop-in, and agent lines in the file. What was done goes into one message.
  bool ok = true;
  std::string message;
  auto add = [&message](const std::string& m) {
    if (!m.empty()) message += (message.empty() ? "" : "; ") + m;
  };
  auto addResult = [&](const Result<std::string>& r) {
    if (!r) ok = false;
    add(r ? *r : r.error());
  };
  struct stat st {};
  if (::lstat(kResolvedDropIn, &st) == 0) {
    const char* result = std::getenv("SERVICE_RESULT");
    if (startsAgain(systemd::ownUnitJob(), result != nullptr ? result : "")) {
      add(std::string(kResolvedDropIn) + " stays: systemd starts the agent again" +
          (result != nullptr && std::string(result) != "success" ? " (it ended with " + std::string(result) + ")"
                                                                 : std::string()));
    } else {
      addResult(removeDropIn());
    }
  }
  if (::lstat((resolvconfRecords() + "/" + kResolvconfRecord).c_str(), &st) == 0) {
    if (startsAgain(systemd::ownUnitJob(), "")) {
      add(std::string(kResolvconfRecord) + " stays registered: the unit restarts");
    } else {
      addResult(deregister());
    }
  }
  if (::lstat(kNmDropIn, &st) == 0) addResult(giveBackToNetworkManager());
  const std::string target = targetPath(config.resolvConf.path);
  const auto current = readWholeFile(target, true);
  if (!current) {
    add(current.error());
    return Error{message};
  }
  const auto kept = readWholeFile(keptPath(config));
  if (!hasAgentMarker(*current)) {
    add(target + " holds no agent lines; nothing to restore");
  } else {
    const std::string text = kept ? *kept : stripAgent(*current, lines);
    if (const auto put = putBack(target, text); !put) {
      add(target + ": " + put.error());
      return Error{message};
    }
    add(target + (text.empty() ? " removed (there was none before the agent)" : " restored") + " from " +
        (kept ? keptPath(config) : "itself without the agent's lines"));
  }
  ::unlink(keptPath(config).c_str());
  if (!ok) return Error{message};
  return message;
}

std::string ResolvConfManager::show(const Config& config, const ResolvConfLines& lines) {
  const OwnerChoice choice =
      chooseOwner(config.resolvConf.mode, config.resolvConf.path, observeResolvConf(config.resolvConf.path));
  if (choice.owner == ResolverOwner::kResolvconf) {
    const std::string dir = resolvconfRecords();
    const auto record = readWholeFile(dir + "/" + kResolvconfRecord);
    std::string out =
        "# resolvconf mode (" + choice.why + ")\n# " + dir + "/" + kResolvconfRecord +
        (record ? " (registered)\n" + *record : std::string(": not registered (the agent is not serving)\n"));
    out += "# what the agent registers while it serves\n" + resolvconfRecord(lines);
    out += "# the other interfaces' records, where the agent forwards other names\n" + otherRecords(dir);
    const auto current = readWholeFile(targetPath(config.resolvConf.path), true);
    out += "# " + config.resolvConf.path + " as resolvconf made it\n" +
           current.value_or("# cannot read: " + current.error() + "\n");
    return out;
  }
  if (choice.owner == ResolverOwner::kResolved) {
    const auto dropIn = readWholeFile(kResolvedDropIn);
    std::string out = "# systemd-resolved mode (" + choice.why + ")\n# " + kResolvedDropIn +
                      (dropIn ? " (in place)\n" + *dropIn : std::string(": not there (the agent is not serving)\n"));
    out += "# what the agent writes while it serves\n" + resolvedDropIn(config.domain, config.port, lines);
    const auto upstreams = readWholeFile(kResolvedUpstreams, true);
    out += std::string("# resolved's upstreams (") + kResolvedUpstreams + "), where the agent forwards other names\n" +
           upstreams.value_or("# cannot read: " + upstreams.error() + "\n");
    return out;
  }
  const std::string target = targetPath(config.resolvConf.path);
  const auto current = readWholeFile(target, true);
  const auto kept = readWholeFile(keptPath(config));
  std::string out = "# file mode (" + choice.why + ")\n# " + target +
                    (target != config.resolvConf.path ? " (link " + config.resolvConf.path + ")" : "") +
                    (current && hasAgentMarker(*current) ? ", managed by the agent" : ", not managed") + "\n";
  out += current ? *current : "# cannot read: " + current.error() + "\n";
  const std::string original = kept ? *kept : stripAgent(current.value_or(""), lines);
  out += "# original" +
         (kept ? " (kept in " + keptPath(config) + ")" : std::string(" (the file without agent lines)")) + "\n" +
         original;
  const auto applied = applyAgent(original, lines);
  out += "# what the agent writes while it serves\n" + applied.text;
  for (const auto& note : applied.notes) out += "# note: " + note + "\n";
  return out;
}

}  // namespace mdns
