#include "agent/record_source.h"

#include <event2/thread.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <random>
#include <system_error>

#include "agent/files.h"
#include "agent/host_resolver.h"
#include "agent/log.h"
#include "agent/state_fetcher.h"
#include "agent/zk_leader.h"
#include "common/http_api.h"
#include "common/mesos_state.h"
#include "common/record_file.h"
#include "common/refresh_policy.h"

namespace mdns {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSourceNice = 10;
// Background cache saves yield to the source's thread too: an event batch waits for nothing.
constexpr int kSaverNice = 19;
// How far past the cache file's serial a restarted source numbers its first new version.
// At most one cache file save in this long for changes from the event stream (the newest last).
constexpr double kCacheSaveSeconds = 5;
// How far past the cache file's serial a restarted source numbers its first new version: more
// versions than can be published unsaved (one save in kCacheSaveSeconds; a version takes 5 ms
// of batching at the least, so at most 1,000 versions are unsaved).
constexpr uint32_t kCacheSerialMargin = 1024;

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string leaderAddressOf(const std::string& leaderPid) {
  const auto pid = Upid::parse(leaderPid);
  if (!pid) return "";
  if (!IpAddress::parse(pid->host)) {
    const auto ips = resolveHostBlocking(pid->host);
    if (!ips.empty()) return joinHostPort(ips.front().toString(), pid->port);
  }
  return joinHostPort(pid->host, pid->port);
}

std::string commaList(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

void RecordStore::publish(std::shared_ptr<const Snapshot> snapshot) {
  {
    const auto p = published_.lock();
    p->retired = std::move(p->snapshot);
    p->snapshot = std::move(snapshot);
  }
  generation_.fetch_add(1, std::memory_order_release);
}

void RecordStore::releaseRetired() {
  // `old` dies at the end, outside the lock: on this thread when the workers have let go of it.
  const std::shared_ptr<const Snapshot> old = std::move(published_.lock()->retired);
}

std::shared_ptr<const Snapshot> RecordStore::current() const { return published_.lock()->snapshot; }

SnapshotSettings snapshotSettings(const SourceSetup& setup) {
  return SnapshotSettings{zoneOptionsOf(setup.config), setup.keepRecords, setup.serialFloor};
}

namespace {

// common's build, at this moment, with the time it took.
BuildResult buildTimed(RecordSet records, std::shared_ptr<const Enumeration> enumeration, const SourceSetup& setup,
                       const Snapshot* previous, const std::string& origin) {
  const auto start = Clock::now();
  BuildResult result = buildSnapshotFromRecords(std::move(records), std::move(enumeration), snapshotSettings(setup),
                                                previous, origin, BuildTime{std::chrono::system_clock::now(), start});
  result.renderMs = msSince(start);
  return result;
}

}  // namespace

namespace {

GeneratorOptions generatorOptions(const SourceSetup& setup, const std::vector<std::string>* masters) {
  auto options = GeneratorOptions::fromConfig(setup.config, setup.nameServerAddresses,
                                              masters != nullptr ? *masters : setup.masters);
  options.enumerate = setup.keepRecords && setup.config.httpOn && setup.config.enumerationOn;
  return options;
}

}  // namespace

BuildResult buildSnapshot(MesosState state, const SourceSetup& setup, const Snapshot* previous,
                          const std::string& origin, const HostResolver& resolveHost,
                          const std::vector<std::string>* masters) {
  const auto options = generatorOptions(setup, masters);
  const auto t0 = Clock::now();
  auto generated = generateRecords(state, options, resolveHost);
  const size_t recoveredAgents = state.recoveredSlaves.size();
  const double electedTime = state.electedTime;
  const double generateMs = msSince(t0);
  // Not needed any more: free it before the table is rendered, and give its pages back, so that
  // the table's large arrays do not come on top of a heap full of the state's freed strings.
  state = MesosState();
  malloc_trim(0);
  std::shared_ptr<const Enumeration> enumeration;
  if (options.enumerate) enumeration = std::make_shared<const Enumeration>(std::move(generated.enumeration));
  BuildResult result = buildTimed(std::move(generated.records), std::move(enumeration), setup, previous, origin);
  result.generateMs = generateMs;
  result.warnings = std::move(generated.warnings);
  result.unhealthyLeftOut = generated.unhealthyLeftOut;
  result.recoveredAgents = recoveredAgents;
  result.electedTime = electedTime;
  return result;
}

struct RecordSource::MasterAttempt {
  std::vector<std::string> candidates;  // "ip:port"
  size_t next = 0;
  std::string lastError;
};

RecordSource::RecordSource(SourceSetup setup, RecordStore& store, std::function<void(const Snapshot&)> onLoaded)
    : setup_(std::move(setup)), store_(store), onLoaded_(std::move(onLoaded)) {}

RecordSource::~RecordSource() {
  if (!stop(std::chrono::hours(1))) std::terminate();  // unreachable: the wait is unbounded in practice
}

void RecordSource::createEvents() {
  fetcher_ = std::make_unique<StateFetcher>(base_.get());
  timer_.reset(evtimer_new(
      base_.get(), [](evutil_socket_t, short, void* self) { static_cast<RecordSource*>(self)->refresh(); }, this));
  // A DNS worker hands a primary's NOTIFY over to this loop: check now.
  notifyEvent_.reset(event_new(
      base_.get(), -1, EV_PERSIST,
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<RecordSource*>(p);
        if (self->refreshing_) {
          self->refreshAgain_ = true;
          return;
        }
        evtimer_del(self->timer_.get());
        self->refresh();
      },
      this));
  event_add(notifyEvent_.get(), nullptr);
  cacheTimer_.reset(evtimer_new(
      base_.get(), [](evutil_socket_t, short, void* p) { static_cast<RecordSource*>(p)->savePendingCache(true); },
      this));
  resyncTimer_.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<RecordSource*>(p);
        if (!self->stream_ || !self->stream_->subscribed() || self->refreshing_) return;
        log::info("taking the whole state of leading master " + self->stream_->leader() +
                  " again after an hour of events (agents marked unreachable or gone get no event)");
        self->stream_->stop();
        self->schedule(0);
      },
      this));
  startZk();
}

void RecordSource::startZk() {
  if (!setup_.zk) return;
  fellBack_ = false;
  waitLogged_ = false;
  if (!zkLeaderChanged_) {
    // The detector's thread hands a new leader over to this loop (libevent is thread-safe here).
    zkLeaderChanged_.reset(event_new(
        base_.get(), -1, EV_PERSIST,
        [](evutil_socket_t, short, void* p) {
          auto* self = static_cast<RecordSource*>(p);
          if (self->refreshing_) {
            self->refreshAgain_ = true;  // once the refresh under way ends
            return;
          }
          evtimer_del(self->timer_.get());
          self->refresh();
        },
        this));
    event_add(zkLeaderChanged_.get(), nullptr);
  }
  zk_ = std::make_unique<ZkLeaderDetector>(*setup_.zk, [this] { event_active(zkLeaderChanged_.get(), EV_READ, 0); });
  zk_->start();
}

void RecordSource::freeEvents() {
  if (zk_) zk_->stop();  // before the event it activates goes
  zk_.reset();
  zkLeaderChanged_.reset();
  follower_.reset();
  notifier_.reset();
  notifyEvent_.reset();
  stream_.reset();
  resyncTimer_.reset();
  if (cacheTimer_ && pendingCache_.first) savePendingCache(false);  // the newest version, before stopping
  if (saving_.valid()) saving_.wait();
  cacheTimer_.reset();
  fetcher_.reset();
  timer_.reset();
}

void RecordSource::start() {
  base_.reset(event_base_new());
  createEvents();
  retireTimer_.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* self) {
        static_cast<RecordSource*>(self)->store_.releaseRetired();
        // The parsed document and the previous snapshot are gone: hand their pages back to the
        // system rather than keep a multi-megabyte high-water mark for the agent's lifetime.
        malloc_trim(0);
      },
      this));
  // zk_ is replaced by reloads on this thread, so it is stopped here too, not from stop()'s thread.
  stopEvent_.reset(event_new(
      base_.get(), -1, 0,
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<RecordSource*>(p);
        if (self->zk_) self->zk_->stop();  // no leader change may start a refresh now
        event_base_loopbreak(self->base_.get());
      },
      this));
  event_add(stopEvent_.get(), nullptr);
  reconfigureEvent_.reset(event_new(
      base_.get(), -1, 0,
      [](evutil_socket_t, short, void* self) { static_cast<RecordSource*>(self)->applyReconfigure(); }, this));
  schedule(0);
  finishedRun_ = runDone_.get_future();
  thread_ = std::thread([this] { run(); });
}

bool RecordSource::stop(std::chrono::milliseconds grace) {
  if (!thread_.joinable()) return true;
  stopping_ = true;
  event_active(stopEvent_.get(), EV_READ, 0);  // libevent is thread-safe here (evthread_use_pthreads)
  // A refresh of a huge state may be mid-parse; the process is going away, so it gets a grace
  // period rather than the power to delay a stop.
  if (finishedRun_.wait_for(grace) != std::future_status::ready) return false;
  thread_.join();
  freeEvents();
  retireTimer_.reset();
  stopEvent_.reset();
  reconfigureEvent_.reset();
  base_.reset();
  return true;
}

void RecordSource::run() {
  // Parsing a big state is CPU work that must never delay a DNS answer: this thread yields to
  // the workers when they share a core (Linux nice values are per thread).
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kSourceNice) != 0) {
    log::debug("could not lower the record source thread's priority");
  }
  event_base_dispatch(base_.get());
  runDone_.set_value();
}

void RecordSource::schedule(double seconds) {
  timeval tv{static_cast<time_t>(seconds),
             static_cast<suseconds_t>((seconds - static_cast<double>(static_cast<time_t>(seconds))) * 1e6)};
  evtimer_add(timer_.get(), &tv);
}

void RecordSource::setLastError(std::string error) { *lastError_.lock() = std::move(error); }

std::string RecordSource::lastError() const { return lastError_.copy(); }

std::string RecordSource::servingNote() const {
  const auto snap = store_.current();
  if (!snap) return "nothing to serve yet (names in the domain get SERVFAIL)";
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - snap->loadedAt).count();
  return "still serving the previous records (" + std::to_string(snap->table->nameCount()) + " names from " +
         snap->origin + ", loaded " + std::to_string(age) + " s ago)";
}

void RecordSource::loadCacheFile() {
  const std::string& path = setup_.config.cacheFile;
  const auto text = readWholeFile(path, true);
  if (!text) {
    log::warning("cache file: " + text.error() + "; starting without it");
    return;
  }
  if (text->empty()) return;  // none yet (first start)
  auto parsed = parseRecordFile(*text);
  if (!parsed.records) {
    log::error("cache file " + path + ": " + parsed.error + "; ignored (records come from the masters)");
    return;
  }
  // The file's modification time says when the records were last confirmed by a master.
  struct stat st {};
  const int64_t confirmed = ::stat(path.c_str(), &st) == 0 ? st.st_mtim.tv_sec : parsed.meta.savedAt;
  const int64_t age = std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count() -
             confirmed);
  auto snap = snapshotFromRecords(std::move(*parsed.records), snapshotSettings(setup_),
                                  std::chrono::system_clock::from_time_t(parsed.meta.changedAt),
                                  Clock::now() - std::chrono::seconds(age),
                                  "cache file " + path + " (" + parsed.meta.origin + ")", parsed.meta.serial);
  // Versions published after this one was saved (a crash between publishing, NOTIFY and saving,
  // or events saved at most every kCacheSaveSeconds) may be held by secondaries: new serials start
  // past them. The margin costs nothing (serials are not counted, only ordered).
  if (setup_.config.primaries.empty()) setup_.serialFloor = snap->serial() + kCacheSerialMargin;
  log::info("serving " + std::to_string(snap->table->nameCount()) + " names from the cache file " + path +
            ": records from " + parsed.meta.origin + ", last confirmed " + std::to_string(age) + " s ago; asking the " +
            (setup_.config.primaries.empty() ? "masters" : "primaries") + " now");
  store_.publish(snap);
  if (onLoaded_) onLoaded_(*snap);
}

void RecordSource::savePendingCache(bool inBackground) {
  evtimer_del(cacheTimer_.get());
  if (!pendingCache_.first) return;
  const bool busy = saving_.valid() && saving_.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  if (busy && inBackground) {
    const timeval soon{0, 50 * 1000};
    evtimer_add(cacheTimer_.get(), &soon);
    return;
  }
  if (saving_.valid()) saving_.wait();
  auto pending = std::move(pendingCache_);
  pendingCache_ = {};
  lastCacheSave_ = Clock::now();
  if (!inBackground) {
    saveCacheFile(setup_.config.cacheFile, *pending.first, *pending.second);
    return;
  }
  try {
    saving_ = std::async(std::launch::async, [path = setup_.config.cacheFile, pending] {
      (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kSaverNice);  // best effort
      try {
        saveCacheFile(path, *pending.first, *pending.second);
      } catch (const std::exception& e) {
        log::warning(std::string("cache file: cannot save the records: ") + e.what());
      }
    });
  } catch (const std::system_error& e) {  // no thread to be had: saved here
    log::warning(std::string("cache file: no thread for the save (") + e.what() +
                 "); saving it on the source's thread");
    saveCacheFile(setup_.config.cacheFile, *pending.first, *pending.second);
  }
}

void RecordSource::saveCacheFile(const std::string& path, const RecordSet& records, const Snapshot& snap) {
  const auto now = std::chrono::system_clock::now();
  const RecordFileMeta meta{std::chrono::system_clock::to_time_t(now),
                            std::chrono::system_clock::to_time_t(snap.changedAt), snap.origin, snap.serial()};
  const auto slash = path.rfind('/');
  Status saved = slash != std::string::npos && slash > 0 ? makeDirectories(path.substr(0, slash)) : Status();
  if (saved) {
    saved = replaceFileAtomically(
        path, [&](const ContentWriter& write) { writeRecordFile(records, meta, write); }, nullptr);
  }
  if (!saved) log::warning("cache file: cannot save the records: " + saved.error());
}

void RecordSource::reconfigure(SourceSetup setup) {
  *newSetup_.lock() = std::make_unique<SourceSetup>(std::move(setup));
  if (reconfigureEvent_) event_active(reconfigureEvent_.get(), EV_READ, 0);
}

void RecordSource::applyReconfigure() {
  std::unique_ptr<SourceSetup> setup = std::move(*newSetup_.lock());
  if (!setup) return;
  if (setup->mastersUnresolved) {
    if (auto masters = resolveMasters(setup->config)) {
      setup->masters = std::move(*masters);
    } else {
      log::error("reload: " + masters.error() + "; asking the masters as before (" + commaList(setup_.masters) + ")");
      setup->masters = setup_.masters;
    }
    setup->mastersUnresolved = false;
  }
  const bool sameDomain = setup->config.domain == setup_.config.domain;
  const bool sameZk = setup->zk == setup_.zk;
  setup->serialFloor = setup_.serialFloor;  // the source's, not the config's
  setup_ = std::move(*setup);
  lastGeneration_.reset();  // new settings: the next refresh generates
  book_.reset();
  if (stream_) {  // the next refresh subscribes again (or polls), with the new settings
    stream_.reset();
    stats_.streamUp.store(setup_.config.subscribe ? 0 : -1, std::memory_order_relaxed);
    if (streamStarting_) refreshing_ = false;
    streamStarting_ = false;
  }
  pollUntil_ = {};
  if (!sameZk) {
    // Another ensemble or group: a new detector (the old one's session ends here).
    if (zk_) zk_->stop();
    zk_.reset();
    startZk();
  }
  const auto current = store_.current();
  ZoneOptions zone = zoneOptionsOf(setup_.config);
  if (current) zone.soaSerial = current->table->zone().soaSerial;
  if (current && current->records && sameDomain && !(current->table->zone() == zone)) {
    // New TTL or SOA fields: the same records, rendered again (the data's age stays), with a new
    // serial, so that secondaries take the zone again.
    const auto now = std::chrono::system_clock::now();
    const uint32_t serial =
        nextSerial(current->serial(), static_cast<uint32_t>(std::chrono::system_clock::to_time_t(now)));
    auto snap = std::make_shared<Snapshot>(*snapshotFromRecords(*current->records, snapshotSettings(setup_), now,
                                                                current->loadedAt, current->origin, serial));
    snap->enumeration = current->enumeration;
    snap->enumerationSource = current->enumerationSource;
    log::info("reload: zone settings changed; " + std::to_string(snap->table->nameCount()) + " names rendered again");
    store_.publish(snap);
    if (onLoaded_) onLoaded_(*snap);
  }
  if (refreshing_) {
    refreshAgain_ = true;
  } else {
    schedule(0);
  }
}

void RecordSource::refresh() {
  refreshing_ = true;
  refreshStarted_ = Clock::now();
  if (!cacheTried_) {
    cacheTried_ = true;
    if (usesCacheFile()) loadCacheFile();
  }
  if (!setup_.config.stateFile.empty()) {
    auto read = readWholeFile(setup_.config.stateFile);
    if (!read) {
      setLastError(read.error());
      log::error("refresh failed: " + read.error() + "; " + servingNote());
      finishRefresh(false);
      return;
    }
    std::string body = std::move(*read);
    const double readMs = msSince(refreshStarted_);
    const auto parseStart = Clock::now();
    const StateSummary summary = summarizeMesosState(body);
    if (!summary.error.empty()) {
      setLastError(setup_.config.stateFile + ": " + summary.error);
      log::error("refresh failed: " + setup_.config.stateFile + ": " + summary.error + "; " + servingNote());
      finishRefresh(false);
      return;
    }
    finishRefresh(
        acceptText(body, summary, "file " + setup_.config.stateFile, setup_.config.stateFile, readMs, parseStart));
    return;
  }
  if (!setup_.config.primaries.empty()) {
    refreshFromPrimaries();
    return;
  }
  if (!setup_.config.peers.empty()) {
    tryPeer(0, "");
    return;
  }
  refreshFromMasters();
}

bool RecordSource::notifiedBy(const IpAddress& from) {
  {
    const auto ips = primaryIps_.lock();
    if (std::find(ips->begin(), ips->end(), from) == ips->end()) return false;
  }
  if (notifyEvent_) event_active(notifyEvent_.get(), EV_READ, 0);
  return true;
}

void RecordSource::refreshFromPrimaries() {
  if (!follower_) {
    auto primaries = resolvePrimaries(setup_.config);
    if (!primaries) {
      setLastError(primaries.error());
      log::error("refresh failed: " + primaries.error() + "; " + servingNote());
      finishRefresh(false);
      return;
    }
    std::vector<IpAddress> ips;
    for (const auto& p : *primaries) ips.push_back(p.ip);
    *primaryIps_.lock() = std::move(ips);
    follower_ = std::make_unique<ZoneFollower>(base_.get(), std::move(*primaries), setup_.nameServerAddresses,
                                               setup_.config.domain);
  }
  follower_->check(store_.current(), [this](ZoneFollower::Outcome outcome) { followed(std::move(outcome)); });
}

void RecordSource::followed(ZoneFollower::Outcome outcome) {
  stats_.bytes.add(outcome.bytes);
  if (outcome.kind == ZoneFollower::Outcome::Kind::kFailed) {
    setLastError(outcome.error);
    if (outcome.error != primaryError_) log::error("zone check failed: " + outcome.error + "; " + servingNote());
    primaryError_ = outcome.error;
    finishRefresh(false);
    return;
  }
  if (!primaryError_.empty())
    log::info("primary " + outcome.primary + " answers again (serial " + std::to_string(outcome.serial) + ")");
  primaryError_.clear();
  const auto previous = store_.current();
  const std::string origin = "primary " + outcome.primary;
  if (outcome.kind == ZoneFollower::Outcome::Kind::kUpToDate) {
    if (previous) {
      // The served zone is confirmed: only its age moves.
      auto confirmed = std::make_shared<Snapshot>(*previous);
      confirmed->loadedAt = Clock::now();
      store_.publish(std::move(confirmed));
      if (usesCacheFile() && Clock::now() - cacheConfirmed_ > std::chrono::seconds(60)) {
        cacheConfirmed_ = Clock::now();
        ::utimensat(AT_FDCWD, setup_.config.cacheFile.c_str(), nullptr, 0);
      }
    }
    finishRefresh(true);
    return;
  }
  const auto buildStart = Clock::now();
  // One IXFR difference from the served version is what changed: no need to find it again.
  const bool diffFits = outcome.diff && previous && previous->serial() == outcome.diff->fromSerial;
  BuildResult built = buildSnapshotFromRecords(std::move(*outcome.records), nullptr, snapshotSettings(setup_),
                                               previous.get(), origin, {std::chrono::system_clock::now(), Clock::now()},
                                               outcome.serial, diffFits ? &*outcome.diff : nullptr);
  built.renderMs = msSince(buildStart);
  const auto& snap = *built.snapshot;
  log::info("loaded " + std::to_string(snap.countA) + " A, " + std::to_string(snap.countAAAA) + " AAAA, " +
            std::to_string(snap.countSrv) + " SRV records from " + origin + ": serial " +
            std::to_string(outcome.serial) + " (" + outcome.how + ", " + std::to_string(outcome.bytes) + " bytes) in " +
            fmt(msSince(refreshStarted_)) + " ms (render " + fmt(built.renderMs) + " ms)");
  const double transferMs = msSince(refreshStarted_) - built.renderMs;
  acceptBuilt(std::move(built), previous, origin, transferMs, 0);
  cacheConfirmed_ = Clock::now();
  finishRefresh(true);
}

void RecordSource::tryPeer(size_t index, const std::string& lastError) {
  const auto& peers = setup_.config.peers;
  if (index >= peers.size()) {
    if (!setup_.masters.empty() || zk_) {
      log::warning("no peer gave records (last error: " + lastError + "); asking the masters");
      refreshFromMasters();
      return;
    }
    setLastError("no peer gave records (last error: " + lastError + ")");
    log::error("refresh failed: no peer gave records (last error: " + lastError + "); " + servingNote());
    finishRefresh(false);
    return;
  }
  const std::string peer = peers[index];
  const std::string origin = "peer " + peer;
  HttpRequest req;
  req.url = "http://" + peer + "/v1/axfr";
  req.timeoutSeconds = setup_.config.stateTimeoutSeconds;
  req.expectedBodyBytes = lastAxfrBytes_;
  // A conditional GET when what we serve came from this peer: an unchanged set costs one small answer.
  const auto current = store_.current();
  const auto known = peerEtags_.find(peer);
  if (current && current->origin == origin && known != peerEtags_.end()) req.ifNoneMatch = known->second;
  const auto fetchStart = Clock::now();
  fetcher_->get(req, [this, index, peer, origin, fetchStart](HttpResult r) {
    if (stopping_) return;
    const double fetchMs = msSince(fetchStart);
    stats_.bytes.add(r.wireBytes);
    const auto previous = store_.current();
    if (r.error.empty() && r.status == 304 && previous && previous->origin == origin) {
      // Unchanged: the served records are confirmed now.
      auto confirmed = std::make_shared<Snapshot>(*previous);
      confirmed->loadedAt = Clock::now();
      store_.publish(confirmed);
      if (usesCacheFile()) ::utimensat(AT_FDCWD, setup_.config.cacheFile.c_str(), nullptr, 0);
      log::debug("records from " + origin + " unchanged (304, " + std::to_string(r.wireBytes) + " bytes)");
      finishRefresh(true);
      return;
    }
    if (!r.ok()) {
      log::warning("records from " + origin + " failed: " + r.describe());
      tryPeer(index + 1, origin + ": " + r.describe());
      return;
    }
    const auto parseStart = Clock::now();
    lastAxfrBytes_ = r.body.size();
    auto parsed = api::parseAxfr(r.body, setup_.config.domain);
    std::string().swap(r.body);
    const double parseMs = msSince(parseStart);
    if (!parsed.records) {
      log::warning("records from " + origin + " refused: " + parsed.error);
      tryPeer(index + 1, origin + ": " + parsed.error);
      return;
    }
    warnOnce(origin, parsed.warnings);
    if (r.etag.empty()) {
      peerEtags_.erase(peer);  // mesos-dns sends none: the content digest tells whether it changed
    } else {
      peerEtags_[peer] = r.etag;
    }
    acceptBuilt(buildTimed(std::move(*parsed.records), nullptr, setup_, previous.get(), origin), previous,
                origin + " (" + std::to_string(r.wireBytes) + " bytes)", fetchMs, parseMs);
    finishRefresh(true);
  });
}

void RecordSource::refreshFromMasters() {
  if (setup_.config.subscribe && !oneShot_ && streamKeepsRunning()) {  // the stream brings the changes
    refreshing_ = false;
    return;
  }
  auto attempt = std::make_shared<MasterAttempt>();
  double waitSeconds = 0;
  attempt->candidates = candidates(waitSeconds);
  if (attempt->candidates.empty()) {
    if (waitSeconds > 0) {
      // Nothing to ask before ZooKeeper names a leader or zkDetectionTimeout passes; a leader
      // change starts the refresh at once.
      if (!waitLogged_) {
        log::info("waiting up to " + fmt(waitSeconds) +
                  " s (zkDetectionTimeout) for ZooKeeper to name the leading "
                  "master; " +
                  servingNote());
      }
      waitLogged_ = true;
      refreshing_ = false;  // a leader change may start the next one at once
      schedule(waitSeconds + 0.05);
      return;
    }
    const std::string error = "no master to ask: ZooKeeper names no leading master and masters is empty";
    setLastError(error);
    log::error("refresh failed: " + error + "; " + servingNote());
    finishRefresh(false);
    return;
  }
  if (setup_.config.subscribe && !oneShot_ && Clock::now() >= pollUntil_) {
    subscribeTo(attempt->candidates);
    return;
  }
  tryMaster(attempt);
}

bool RecordSource::streamKeepsRunning() {
  if (!stream_ || !stream_->running()) return false;
  // Unless ZooKeeper elected another master while this one still streams (a master that lost its
  // leadership exits, which ends the stream; one cut off from ZooKeeper may not at once). ZooKeeper
  // naming no leader for a while changes nothing while the stream runs.
  const std::string elected = zk_ ? zk_->current().leader : std::string();
  if (elected.empty() || !stream_->subscribed() || elected == streamZkLeader_ || elected == stream_->leader()) {
    return true;
  }
  log::info("ZooKeeper names leading master " + elected + " while the event stream comes from " + stream_->leader() +
            ": subscribing to " + elected);
  stream_->stop();
  stats_.streamUp.store(0, std::memory_order_relaxed);
  return false;
}

void RecordSource::subscribeTo(const std::vector<std::string>& candidates) {
  if (!stream_) {
    const Config& c = setup_.config;
    StreamSettings settings;
    settings.https = c.mesosHttpsOn;
    settings.events = &stats_.streamEvents;
    settings.bytes = &stats_.bytes;
    settings.request.timeoutSeconds = c.stateTimeoutSeconds;
    settings.request.caFile = c.caCertFile;
    settings.request.certFile = c.certFile;
    settings.request.keyFile = c.keyFile;
    if (c.mesosAuthentication == "basic") {
      settings.request.user = c.mesosCredentials.principal;
      settings.request.password = c.mesosCredentials.secret;
    }
    stream_ = std::make_unique<MasterStream>(
        base_.get(), *fetcher_, settings,
        MasterStream::Handlers{[this](bool snapshot) { streamChanged(snapshot); },
                               [this](const std::string& why, bool unsupported) { streamEnded(why, unsupported); }});
  }
  streamStarting_ = true;
  streamZkLeader_ = zk_ ? zk_->current().leader : std::string();
  if (stats_.streamUp.load(std::memory_order_relaxed) < 0) stats_.streamUp.store(0, std::memory_order_relaxed);
  stream_->start(candidates);
}

void RecordSource::streamChanged(bool snapshot) {
  if (stopping_) return;
  const auto started = Clock::now();
  if (!streamStarting_) refreshStarted_ = started;
  const auto previous = store_.current();
  const auto zkMasters = zk_ ? zk_->current().masters : std::vector<std::string>();
  const std::vector<std::string>* masters = zkMasters.empty() ? nullptr : &zkMasters;
  const std::string origin = "master " + stream_->leader() + " (event stream)";
  if (lastLeader_ != stream_->leader()) log::info("leading master is " + stream_->leader());
  lastLeader_ = stream_->leader();
  lastGeneration_.reset();  // a poll after the stream generates again
  if (snapshot) {
    stats_.subscriptions.add();
    stats_.streamUp.store(1, std::memory_order_relaxed);
    streamSince_ = started;
    streamTrusted_ = false;  // until the guard takes a snapshot of this subscription
    // Agents marked unreachable or gone get no event (docs/mesos-operator-events.md): the whole
    // state is taken again every hour.
    const timeval hour{3600, 0};
    evtimer_add(resyncTimer_.get(), &hour);
  }
  // The master's announcements apply at once; a snapshot (or what follows one the shrink guard
  // holds back) is judged as a polled state is.
  const bool announced = !snapshot && streamTrusted_;
  const ClusterModel& model = stream_->model();
  BuildResult built = buildFromBook(model, stream_->takeModelChanges(), previous, origin, masters);
  if (model.keepsAgentsTasks()) {
    // The model keeps the tasks of agents still to re-register, agent by agent (common/cluster_model.h):
    // no set-wide hold, so that what the master announces meanwhile applies at once.
    built.recoveredAgents = 0;
    size_t records = 0;
    if (model.heldTaskCount() > 0) {  // the held tasks' own records (not their agents' or frameworks')
      const auto options = generatorOptions(setup_, masters);
      const auto count = [&options](const MesosState& s) {
        const auto g = generateRecords(s, options, resolveHostBlocking);
        return g.records.countA() + g.records.countAAAA() + g.records.countSrv();
      };
      MesosState held = model.heldState();
      const size_t with = count(held);
      for (auto& f : held.frameworks) f.tasks.clear();
      records = with - std::min(with, count(held));
    }
    if (records != stats_.heldFailover.exchange(records, std::memory_order_relaxed)) {
      if (records > 0) {
        log::warning(origin + " lists " + std::to_string(model.heldAgentCount()) +
                     " agents still to re-register: keeping the " + std::to_string(records) + " records of their " +
                     std::to_string(model.heldTaskCount()) +
                     " tasks until they do (or 10 minutes after subscribing); every change announced applies at once");
      } else {
        log::info(origin + ": no records held for agents to re-register any more");
      }
    }
  }
  const double builtMs = msSince(started);
  const double recordsMs = built.generateMs;
  const double tableMs = built.renderMs;
  acceptBuilt(std::move(built), previous, origin, 0, 0, announced, model.keepsAgentsTasks());
  if (!announced) streamTrusted_ = stats_.heldShrink.load(std::memory_order_relaxed) == 0;
  log::debug("event batch from " + origin + ": records " + fmt(recordsMs) + " ms, table " + fmt(tableMs) +
             " ms, built " + fmt(builtMs) + " ms, published and saved " + fmt(msSince(started) - builtMs) + " ms");
  if (streamStarting_) {
    streamStarting_ = false;
    finishRefresh(true);
    return;
  }
  // A change between refreshes: counted as one, with the warnings of this state only.
  stats_.refreshes.add();
  stats_.lastDurationSeconds.store(msSince(started) / 1000, std::memory_order_relaxed);
  warnedBefore_ = std::move(warnedNow_);
  warnedNow_.clear();
  setLastError("");
}

BuildResult RecordSource::buildFromBook(const ClusterModel& model, const ClusterModel::Changes& changes,
                                        const std::shared_ptr<const Snapshot>& previous, const std::string& origin,
                                        const std::vector<std::string>* masters) {
  auto options = generatorOptions(setup_, masters);
  const bool enumerate = options.enumerate;
  options.enumerate = false;
  if (!book_ || !(book_->options() == options)) {
    book_ = std::make_unique<RecordBook>(options);
    bookDigest_ = {};  // a new book's first difference is its whole set
  }
  const auto started = Clock::now();
  // The agents' and frameworks' host names are looked up again (and every task compared) with the
  // whole state: at the latest every refreshSeconds, also when only tasks changed since.
  const bool lookUpAgain = started - bookWholeAt_ >= std::chrono::seconds(std::max(1, setup_.config.refreshSeconds));
  bool tasksOnly = false;
  RecordBook::Update update =
      followModel(*book_, model, lookUpAgain ? ClusterModel::Changes{} : changes, resolveHostBlocking, &tasksOnly);
  if (!tasksOnly) bookWholeAt_ = started;
  const double generateMs = msSince(started);
  // The book's difference starts at its previous records: good for the served version only when
  // that is what the book made last.
  const bool diffFits = previous && previous->digest == bookDigest_;
  const auto renderStart = Clock::now();
  BuildResult result = buildSnapshotFromRecords(
      std::move(update.records), nullptr, snapshotSettings(setup_), previous.get(), origin,
      BuildTime{std::chrono::system_clock::now(), renderStart}, std::nullopt, diffFits ? &update.diff : nullptr);
  result.renderMs = msSince(renderStart);
  result.generateMs = generateMs;
  bookDigest_ = result.snapshot->digest;
  if (enumerate) {
    auto source = std::make_shared<EnumerationSource>();
    source->state = model.sharedState();
    source->options = options;
    source->hosts = std::move(update.hostsResolved);
    auto snap = std::make_shared<Snapshot>(*result.snapshot);
    snap->enumeration.reset();
    snap->enumerationSource = std::move(source);
    result.snapshot = std::move(snap);
  }
  result.warnings = std::move(update.warnings);
  result.unhealthyLeftOut = update.unhealthyLeftOut;
  // For the failover guard of a first subscription (the model keeps agents' tasks itself after that).
  result.recoveredAgents = model.recoveredAgentCount();
  result.electedTime = model.subscribedAt();
  log::debug("record book: " + std::string(tasksOnly ? "the tasks of the batch" : "the whole state") + ", " +
             std::to_string(update.tasksGenerated) + " tasks generated again, " +
             std::to_string(update.diff.recordCount()) + " records changed");
  return result;
}

void RecordSource::streamEnded(const std::string& why, bool unsupported) {
  if (stopping_) return;
  const bool starting = streamStarting_;
  streamStarting_ = false;
  stats_.streamUp.store(0, std::memory_order_relaxed);
  if (unsupported) {
    pollUntil_ = Clock::now() + std::chrono::minutes(10);
    book_.reset();  // polling generates whole states: the book's memory goes until the stream is back
    log::warning(why +
                 ": polling /master/state every refreshSeconds instead (the stream is asked for again in 10 "
                 "minutes)");
    if (starting) {
      refreshFromMasters();  // this refresh goes on as a poll
    } else if (!refreshing_) {
      schedule(0);
    }
    return;
  }
  if (starting) {
    setLastError(why);
    log::error("refresh failed: " + why + "; " + servingNote());
    finishRefresh(false);
    return;
  }
  // A stream that ran ended (a leader change, missed heartbeats): the records stay as they are
  // until a new subscription brings the leader's snapshot. One that ends soon after it began (a
  // master evicting its oldest subscriber, a proxy cutting connections) is asked again after 0.5 s,
  // 1, 2, ... up to refreshSeconds, so that a snapshot is not taken again and again.
  evtimer_del(resyncTimer_.get());
  const bool brief = Clock::now() - streamSince_ < std::chrono::seconds(60);
  briefStreams_ = brief ? briefStreams_ + 1 : 0;
  const double delay =
      brief ? std::min<double>(setup_.config.refreshSeconds, 0.5 * (1 << std::min(briefStreams_ - 1, 20))) : 0.2;
  log::warning(why + "; subscribing again" +
               (brief ? " in " + fmt(delay) + " s (it ran less than a minute; " + std::to_string(briefStreams_) +
                            " such in a row)"
                      : "") +
               "; " + servingNote());
  if (!refreshing_) schedule(delay);
}

std::vector<std::string> RecordSource::candidates(double& waitSeconds) {
  CandidateInputs in;
  in.lastLeader = lastLeader_;
  in.configured = setup_.masters;
  waitSeconds = 0;
  if (zk_) {
    const auto view = zk_->current();
    in.useZk = true;
    in.zkHasLeader = !view.leader.empty();
    in.zkMasters = view.masters;
    const double leaderless = std::chrono::duration<double>(Clock::now() - view.leaderlessSince).count();
    const double timeout = setup_.config.zkDetectionTimeout;
    in.fallBack = !in.zkHasLeader && leaderless >= timeout;
    if (!in.zkHasLeader && !in.fallBack) waitSeconds = timeout - leaderless;
    if (in.fallBack && !fellBack_) {
      log::warning("ZooKeeper has named no leading master for " + fmt(leaderless) + " s (zkDetectionTimeout " +
                   std::to_string(setup_.config.zkDetectionTimeout) + " s): asking masters " +
                   (setup_.masters.empty() ? std::string("(none configured)") : commaList(setup_.masters)));
    }
    fellBack_ = in.fallBack;
    if (in.zkHasLeader) waitLogged_ = false;
  }
  return masterCandidates(in);
}

void RecordSource::tryMaster(const std::shared_ptr<MasterAttempt>& attempt) {
  if (attempt->next >= attempt->candidates.size()) {
    setLastError("no master gave a leader's state (last error: " + attempt->lastError + ")");
    log::error("refresh failed: no master gave a leader's state (last error: " + attempt->lastError + "); " +
               servingNote());
    finishRefresh(false);
    return;
  }
  const std::string master = attempt->candidates[attempt->next++];
  const Config& c = setup_.config;
  HttpRequest req;
  req.url = std::string(c.mesosHttpsOn ? "https://" : "http://") + master + "/master/state";
  req.timeoutSeconds = c.stateTimeoutSeconds;
  req.expectedBodyBytes = lastStateBytes_;
  req.caFile = c.caCertFile;
  req.certFile = c.certFile;
  req.keyFile = c.keyFile;
  if (c.mesosAuthentication == "basic") {
    req.user = c.mesosCredentials.principal;
    req.password = c.mesosCredentials.secret;
  }
  const auto fetchStart = Clock::now();
  fetcher_->get(req, [this, attempt, master, fetchStart](HttpResult r) {
    const double fetchMs = msSince(fetchStart);
    if (!r.ok()) {
      attempt->lastError = "master " + master + ": " + r.describe();
      log::warning("state fetch from master " + master + " failed: " + r.describe());
      tryMaster(attempt);
      return;
    }
    const auto parseStart = Clock::now();
    const StateSummary summary = summarizeMesosState(r.body);
    const size_t bodyBytes = r.body.size();
    lastStateBytes_ = bodyBytes;
    stats_.bytes.add(r.wireBytes);
    if (!summary.error.empty()) {
      attempt->lastError = "master " + master + ": " + summary.error;
      log::warning("state from master " + master + " refused: " + summary.error);
      tryMaster(attempt);
      return;
    }
    // Only the leader's state is complete. A master that names another leader sends us there.
    const std::string answeredBy = joinHostPort(r.primaryIp, std::to_string(r.primaryPort));
    const std::string leader = leaderAddressOf(summary.leader);
    if (leader != answeredBy) {
      attempt->lastError = "master " + master + " is not the leader (it names " + summary.leader + ")";
      if (!leader.empty() && std::find(attempt->candidates.begin() + static_cast<long>(attempt->next),
                                       attempt->candidates.end(), leader) == attempt->candidates.end()) {
        log::info("master " + master + " says the leader is " + leader + "; asking it");
        attempt->candidates.insert(attempt->candidates.begin() + static_cast<long>(attempt->next), leader);
      }
      tryMaster(attempt);
      return;
    }
    if (lastLeader_ != leader) log::info("leading master is " + leader);
    lastLeader_ = leader;
    finishRefresh(acceptText(r.body, summary, "master " + leader + " (" + std::to_string(bodyBytes) + " bytes)",
                             "state from " + leader, fetchMs, parseStart));
  });
}

bool RecordSource::sameInputsAsLastGeneration(const StateFingerprint& fingerprint,
                                              const std::shared_ptr<const Snapshot>& previous) {
  if (!lastGeneration_ || !previous || lastGeneration_->fingerprint != fingerprint ||
      lastGeneration_->published.lock() != previous) {
    return false;
  }
  // Host names resolve as they did (the generator would have asked the same questions).
  return std::all_of(lastGeneration_->lookups.begin(), lastGeneration_->lookups.end(),
                     [](const auto& lookup) { return resolveHostBlocking(lookup.first) == lookup.second; });
}

bool RecordSource::acceptText(std::string& text, const StateSummary& summary, const std::string& origin,
                              const std::string& warningOrigin, double fetchMs, Clock::time_point parseStart) {
  if (stopping_) return true;
  const auto previous = store_.current();
  // With ZooKeeper, masterN names the masters registered there (as mesos-dns does).
  const auto zkMasters = zk_ ? zk_->current().masters : std::vector<std::string>();
  const std::vector<std::string>* masters = zkMasters.empty() ? nullptr : &zkMasters;
  const StateFingerprint fingerprint = fingerprintOf(summary.digest, generatorOptions(setup_, masters));
  if (sameInputsAsLastGeneration(fingerprint, previous)) {
    // Only fields DNS does not read changed (offers, resources, counters): the served records
    // are confirmed as they are, without reading the state into objects, generating or rendering.
    std::string().swap(text);
    const double parseMs = msSince(parseStart);
    warnOnce(warningOrigin, lastGeneration_->parseWarnings);
    BuildResult built = confirmSnapshot(*previous, origin, Clock::now());
    built.warnings = lastGeneration_->warnings;
    built.unhealthyLeftOut = lastGeneration_->unhealthyLeftOut;
    built.recoveredAgents = summary.recoveredSlaves;
    built.electedTime = summary.electedTime;
    log::debug(origin + ": the same tasks, agents and settings as the records served: not generated again");
    if (acceptBuilt(std::move(built), previous, origin, fetchMs, parseMs)) {
      lastGeneration_->published = store_.current();
    } else {
      lastGeneration_.reset();
    }
    return true;
  }
  auto parsed = parseMesosState(text);
  std::string().swap(text);  // the text is not needed once parsed
  const double parseMs = msSince(parseStart);
  if (!parsed.state) {  // the summary read the same text: not expected
    setLastError(origin + ": " + parsed.error);
    log::error("refresh failed: " + origin + ": " + parsed.error + "; " + servingNote());
    return false;
  }
  warnOnce(warningOrigin, parsed.warnings);
  LastGeneration generation;
  generation.fingerprint = fingerprint;
  generation.parseWarnings = std::move(parsed.warnings);
  const HostResolver recording = [&generation](const std::string& host) {
    auto addresses = resolveHostBlocking(host);
    generation.lookups.emplace_back(host, addresses);
    return addresses;
  };
  BuildResult built = buildSnapshot(std::move(*parsed.state), setup_, previous.get(), origin, recording, masters);
  generation.warnings = built.warnings;
  generation.unhealthyLeftOut = built.unhealthyLeftOut;
  if (acceptBuilt(std::move(built), previous, origin, fetchMs, parseMs)) {
    generation.published = store_.current();
    lastGeneration_ = std::move(generation);
  } else {
    lastGeneration_.reset();  // held back or merged: the next refresh judges a fresh generation
  }
  return true;
}

size_t RecordSource::holdForRecovery(BuildResult& built, const Snapshot& previous, const std::string& origin) {
  const double nowUnix = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (!leaderStillRecovering(built.recoveredAgents, built.electedTime, nowUnix) || !previous.records ||
      !built.records) {
    return 0;
  }
  const ZoneDiff diff = diffRecordSets(*previous.records, *built.records);
  const size_t missing = diff.removed.countA() + diff.removed.countAAAA() + diff.removed.countSrv();
  if (missing == 0) return 0;
  auto kept = applyDiff(*built.records, RecordSet(), diff.removed);
  if (!kept) return 0;  // unreachable: the removed records are not in the new set
  // The new set's PTR records, onto the merged set's names.
  ReversePointers reverse;
  for (const auto& p : built.records->reverse()) {
    if (const auto ref = kept->refOf(built.records->nameAt(p.name))) reverse.push_back({p.ip, *ref});
  }
  kept->setReverse(std::move(reverse));
  BuildResult merged = buildSnapshotFromRecords(std::move(*kept), nullptr, snapshotSettings(setup_), &previous, origin,
                                                {std::chrono::system_clock::now(), Clock::now()});
  merged.warnings = std::move(built.warnings);
  merged.generateMs = built.generateMs;
  merged.renderMs = built.renderMs;
  merged.unhealthyLeftOut = built.unhealthyLeftOut;
  merged.recoveredAgents = built.recoveredAgents;
  merged.electedTime = built.electedTime;
  built = std::move(merged);
  return missing;
}

bool RecordSource::acceptBuilt(BuildResult built, const std::shared_ptr<const Snapshot>& previous,
                               const std::string& origin, double fetchMs, double parseMs, bool announced,
                               bool holdsOwnFailover) {
  warnOnce(origin, built.warnings);
  bool asBuilt = true;
  if (holdsOwnFailover) {
    // The stream's model keeps the tasks of agents still to re-register itself (streamChanged).
  } else if (previous && !built.unchanged && origin.starts_with("master ")) {
    const size_t kept = holdForRecovery(built, *previous, origin);
    asBuilt = kept == 0;
    if (kept != stats_.heldFailover.exchange(kept, std::memory_order_relaxed)) {
      if (kept > 0) {
        log::warning(origin + " has " + std::to_string(built.recoveredAgents) +
                     " agents still to re-register since the leader's election, and their tasks are missing from "
                     "its state: keeping " +
                     std::to_string(kept) +
                     " records it no longer has until they re-register (or 10 minutes after the election)");
      } else {
        log::info(origin + ": no records held for agents to re-register any more");
      }
    }
  } else if (!origin.starts_with("master ")) {
    stats_.heldFailover.store(0, std::memory_order_relaxed);
  }
  const auto& snap = *built.snapshot;
  if (setup_.config.healthyOnly && !origin.starts_with("primary ") && !origin.starts_with("peer ")) {
    const size_t before = stats_.unhealthyLeftOut.exchange(built.unhealthyLeftOut, std::memory_order_relaxed);
    if (before != built.unhealthyLeftOut) {
      log::info("healthyOnly: " + std::to_string(built.unhealthyLeftOut) +
                " running tasks failing their health checks are left out of their apps' names (was " +
                std::to_string(before) + ")");
    }
  }
  // A secondary serves what its primary serves (whose own source applied the guard).
  if (!built.unchanged && previous && !origin.starts_with("primary ") && !announced) {
    const size_t served = previous->countA + previous->countAAAA + previous->countSrv;
    const size_t fresh = snap.countA + snap.countAAAA + snap.countSrv;
    const double window = setup_.config.minRecordHoldSeconds > 0
                              ? setup_.config.minRecordHoldSeconds
                              : defaultRecordHoldSeconds(setup_.config.refreshSeconds);
    const auto verdict = shrinkHold_.judge(served, fresh, setup_.config.minRecordRatio, window,
                                           std::chrono::duration<double>(Clock::now().time_since_epoch()).count());
    if (!verdict.take) {
      stats_.heldShrink.store(served - fresh, std::memory_order_relaxed);
      log::warning(origin + " gives " + std::to_string(fresh) + " records where " + std::to_string(served) +
                   " are served: below minRecordRatio " + fmt(setup_.config.minRecordRatio) +
                   ", so it looks wrong; still serving the previous records (smaller sets have come for " +
                   fmt(verdict.heldSeconds) + " s; taken after minRecordHoldSeconds " + fmt(window) + ")");
      return false;
    }
    stats_.heldShrink.store(0, std::memory_order_relaxed);
    if (verdict.endsHold) {
      log::warning(origin + ": smaller record sets have come for " + fmt(verdict.heldSeconds) +
                   " s (minRecordHoldSeconds " + fmt(window) + "); serving the smaller set");
    }
  } else if (built.unchanged) {
    // The served set confirmed: a shrink held before is over.
    shrinkHold_.judge(1, 1, setup_.config.minRecordRatio, 0, 0);
    stats_.heldShrink.store(0, std::memory_order_relaxed);
  }
  if (built.unchanged) {
    log::debug("records from " + origin + " unchanged");
  } else if (announced) {  // every change a stream brings: not a line each at info
    log::debug(std::to_string(snap.countA) + " A, " + std::to_string(snap.countAAAA) + " AAAA, " +
               std::to_string(snap.countSrv) + " SRV records after events from " + origin + " (generate " +
               fmt(built.generateMs) + ", render " + fmt(built.renderMs) + " ms; serial " +
               std::to_string(snap.serial()) + ")");
  } else if (!origin.starts_with("primary ")) {  // a secondary's line says how the zone came
    log::info("loaded " + std::to_string(snap.countA) + " A, " + std::to_string(snap.countAAAA) + " AAAA, " +
              std::to_string(snap.countSrv) + " SRV records from " + origin + " in " + fmt(msSince(refreshStarted_)) +
              " ms (fetch " + fmt(fetchMs) + ", parse " + fmt(parseMs) + ", generate " + fmt(built.generateMs) +
              ", render " + fmt(built.renderMs) + " ms; " + std::to_string(snap.table->nameCount()) +
              " names, answer table " + std::to_string(snap.table->memoryBytes() / 1024) + " KiB)");
  }
  store_.publish(built.snapshot);
  if (!built.unchanged && transferPeers_ != nullptr && !setup_.config.allowTransfer.empty() && setup_.config.dnsOn &&
      !oneShot_) {
    if (!notifier_) {
      notifier_ =
          std::make_unique<Notifier>(base_.get(), setup_.config.domain, static_cast<uint16_t>(setup_.config.port),
                                     setup_.nameServerAddresses, *transferPeers_, stats_.notifies);
    }
    notifier_->announce(snap.serial());
  }
  if (usesCacheFile() &&
      (origin.starts_with("master ") || origin.starts_with("peer ") || origin.starts_with("primary "))) {
    if (built.records && announced) {
      // Events come many a second on a busy cluster, and a save costs as much as a generation
      // (140 ms at 10,000 tasks): at most one every kCacheSaveSeconds, the newest version last.
      pendingCache_ = {built.records, built.snapshot};
      const double since = std::chrono::duration<double>(Clock::now() - lastCacheSave_).count();
      if (since >= kCacheSaveSeconds) {
        savePendingCache(true);
      } else if (!evtimer_pending(cacheTimer_.get(), nullptr)) {
        const double wait = kCacheSaveSeconds - since;
        const timeval tv{static_cast<time_t>(wait), static_cast<suseconds_t>((wait - static_cast<time_t>(wait)) * 1e6)};
        evtimer_add(cacheTimer_.get(), &tv);
      }
    } else if (built.records) {
      pendingCache_ = {built.records, built.snapshot};
      savePendingCache(false);
    } else {
      ::utimensat(AT_FDCWD, setup_.config.cacheFile.c_str(), nullptr, 0);  // unchanged: confirmed now
    }
  }
  if (retireTimer_) {
    const timeval later{0, suseconds_t{200} * 1000};
    evtimer_add(retireTimer_.get(), &later);
  } else {
    store_.releaseRetired();
  }
  if (onLoaded_) onLoaded_(snap);
  return asBuilt;
}

void RecordSource::warnOnce(const std::string& origin, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    if (std::find(warnedBefore_.begin(), warnedBefore_.end(), w) == warnedBefore_.end()) {
      log::warning(origin + ": " + w);
    }
    warnedNow_.push_back(w);
  }
}

void RecordSource::finishRefresh(bool ok) {
  if (oneShot_) {
    finished_ = true;
    event_base_loopbreak(base_.get());
    return;
  }
  refreshing_ = false;
  failures_ = ok ? 0 : failures_ + 1;
  const bool streaming = stream_ && stream_->running();
  if (ok) warnedBefore_ = std::move(warnedNow_);
  warnedNow_.clear();
  (ok ? stats_.refreshes : stats_.failures).add();
  stats_.lastDurationSeconds.store(msSince(refreshStarted_) / 1000, std::memory_order_relaxed);
  if (ok) setLastError("");
  static thread_local std::mt19937 random{std::random_device{}()};
  // A secondary checks its primary's serial every primaryCheckSeconds (the next primary after a
  // failure); while it holds nothing (it started before its primary had the zone), after 1 s, 2,
  // 4, ... up to that, as a source without records does.
  const bool secondary = !setup_.config.primaries.empty();
  const bool holdsNothing = store_.generation() == 0 && failures_ > 0;
  const double next =
      secondary ? (holdsNothing ? std::min<double>(setup_.config.primaryCheckSeconds, 1 << std::min(failures_ - 1, 20))
                                : setup_.config.primaryCheckSeconds)
                : nextRefreshSeconds(setup_.config.refreshSeconds, failures_,
                                     std::uniform_real_distribution<>(0, 1)(random), store_.generation() != 0);
  if (refreshAgain_) {  // a reload or a new leader came meanwhile: a refresh now
    refreshAgain_ = false;
    schedule(0);
    return;
  }
  if (streaming) return;  // the stream brings the changes; its end starts the next refresh
  if (setup_.config.subscribe && !ok && Clock::now() >= pollUntil_) {
    // No stream yet (a leader change under way): asked again after 0.5 s, 1, 2, ... up to refreshSeconds.
    schedule(std::min<double>(setup_.config.refreshSeconds, 0.5 * (1 << std::min(failures_ - 1, 20))));
    return;
  }
  if (failures_ > 1 && !secondary)
    log::info("next refresh in " + fmt(next) + " s (" + std::to_string(failures_) + " failed in a row)");
  schedule(next);
}

Result<std::shared_ptr<const Snapshot>> RecordSource::loadOnce(const SourceSetup& setup) {
  RecordStore store;
  RecordSource source(setup, store, nullptr);
  source.oneShot_ = true;
  // The ZooKeeper detector's thread wakes this loop: libevent must know about threads first.
  if (setup.zk) evthread_use_pthreads();
  source.base_.reset(event_base_new());
  source.createEvents();
  source.refresh();  // a file is read at once; masters are asked on the loop until the refresh ends
  if (!source.finished_) event_base_dispatch(source.base_.get());
  source.freeEvents();
  source.base_.reset();
  if (auto loaded = store.current()) return loaded;
  return Error{source.lastError()};
}

}  // namespace mdns
