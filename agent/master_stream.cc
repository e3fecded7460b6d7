#include "agent/master_stream.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "agent/log.h"
#include "common/ip_address.h"
#include "common/mesos_events.h"

namespace mdns {
namespace {

double unixNow() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string fmtSeconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", s);
  return text;
}

// The first line of an error page, for a log line.
std::string firstLine(const std::string& body) {
  std::string line = body.substr(0, std::min(body.find_first_of("\r\n"), size_t{200}));
  return line;
}

}  // namespace

std::string hostPortOfLocation(const std::string& location) {
  std::string_view rest = location;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("//")) {
    rest.remove_prefix(2);
  } else {
    return "";
  }
  const size_t end = rest.find_first_of("/?#");
  return std::string(rest.substr(0, end));
}

MasterStream::MasterStream(event_base* base, StateFetcher& fetcher, StreamSettings settings, Handlers handlers)
    : base_(base), fetcher_(fetcher), settings_(std::move(settings)), handlers_(std::move(handlers)) {
  batchTimer_.reset(evtimer_new(
      base_,
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<MasterStream*>(p);
        const bool snapshot = self->snapshotPending_;
        self->snapshotPending_ = false;
        self->handlers_.changed(snapshot);
      },
      this));
  summaryTimer_.reset(evtimer_new(
      base_,
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<MasterStream*>(p);
        if (self->subscribed_) self->fetchFrameworkPids();
      },
      this));
  watchdog_.reset(evtimer_new(
      base_,
      [](evutil_socket_t, short, void* p) {
        auto* self = static_cast<MasterStream*>(p);
        self->fetcher_.cancel(self->transfer_);
        self->transfer_ = 0;
        if (self->subscribed_) {
          self->subscribed_ = false;
          self->endWith("no event or heartbeat from leading master " + self->leader_ + " for " +
                            fmtSeconds(3 * self->heartbeatSeconds_) + " s (3 heartbeat intervals)",
                        false);
          return;
        }
        self->lastError_ = "master " + self->asked_ + " sent no SUBSCRIBED event within " +
                           std::to_string(self->settings_.request.timeoutSeconds) + " s";
        self->tryNext();
      },
      this));
}

MasterStream::~MasterStream() { stop(); }

void MasterStream::stop() {
  if (transfer_ != 0) fetcher_.cancel(transfer_);
  if (summaryTransfer_ != 0) fetcher_.cancel(summaryTransfer_);
  transfer_ = summaryTransfer_ = 0;
  summaryAgain_ = false;
  awaitingPids_ = false;
  subscribed_ = false;
  leader_.clear();
  evtimer_del(batchTimer_.get());
  evtimer_del(watchdog_.get());
  evtimer_del(summaryTimer_.get());
}

void MasterStream::start(std::vector<std::string> masters) {
  stop();
  candidates_ = std::move(masters);
  next_ = 0;
  redirects_ = 0;
  unsupportedSeen_ = false;
  lastError_.clear();
  tryNext();
}

void MasterStream::armWatchdog(double seconds) {
  const timeval tv{static_cast<time_t>(seconds),
                   static_cast<suseconds_t>((seconds - static_cast<time_t>(seconds)) * 1e6)};
  evtimer_add(watchdog_.get(), &tv);
}

void MasterStream::tryNext() {
  if (next_ >= candidates_.size()) {
    // Masters of a cluster run one version: one that has no SUBSCRIBE call (the leader's answer
    // in Mesos 1.0, any master's before) means polling; non-leaders redirect before reading the call.
    endWith("no master took the event stream subscription (last error: " + lastError_ + ")", unsupportedSeen_);
    return;
  }
  asked_ = candidates_[next_++];
  reader_ = std::make_unique<RecordIoReader>(settings_.maxRecordBytes);
  readError_.clear();
  leader_.clear();
  subscribed_ = false;
  HttpRequest request = settings_.request;
  request.url = std::string(settings_.https ? "https://" : "http://") + asked_ + "/api/v1";
  transfer_ = fetcher_.stream(
      request, R"({"type":"SUBSCRIBE"})",
      [this](std::string_view piece, const HttpResult& answer) { return onPiece(piece, answer); },
      [this](const HttpResult& result) {
        transfer_ = 0;
        onDone(result);
      });
  armWatchdog(static_cast<double>(settings_.request.timeoutSeconds));
}

bool MasterStream::onPiece(std::string_view piece, const HttpResult& answer) {
  if (leader_.empty()) leader_ = joinHostPort(answer.primaryIp, std::to_string(answer.primaryPort));
  if (settings_.bytes != nullptr) settings_.bytes->add(piece.size());
  reader_->feed(piece);
  while (auto record = reader_->next()) {
    if (!readEvent(*record)) return false;
  }
  if (!reader_->error().empty()) {
    readError_ = "the event stream cannot be read: " + reader_->error();
    return false;
  }
  // A big snapshot arrives in many pieces: the wait is for the next piece, not for the whole.
  armWatchdog(subscribed_ ? 3 * heartbeatSeconds_ : static_cast<double>(settings_.request.timeoutSeconds));
  return true;
}

bool MasterStream::readEvent(std::string& record) {
  auto parsed = parseMesosEvent(record);
  ++events_;
  if (settings_.events != nullptr) settings_.events->add();
  if (!parsed.event) {
    readError_ = "event " + std::to_string(events_) + " refused: " + parsed.error;
    return false;
  }
  if (!parsed.warnings.empty()) {
    log::warning("event stream from " + leader_ + ": " + parsed.event->typeName + ": " + parsed.warnings.front() +
                 (parsed.warnings.size() > 1 ? " (and " + std::to_string(parsed.warnings.size() - 1) + " more)" : ""));
  }
  const MesosEvent& e = *parsed.event;
  if (e.type == MesosEvent::Type::kSubscribed) {
    if (electedLeader_ != leader_) {  // another leader than the last one seen: elected lately, as far as we know
      electedLeader_ = leader_;
      electedAt_ = unixNow();
    }
    model_.reset(e, "master@" + leader_, electedAt_);
    heartbeatSeconds_ = e.heartbeatSeconds > 0 ? e.heartbeatSeconds : 15;
    subscribed_ = true;
    snapshotPending_ = true;
    log::info("subscribed to the event stream of leading master " + leader_ + ": " +
              std::to_string(model_.taskCount()) + " tasks, " + std::to_string(e.agents.size()) + " agents, " +
              std::to_string(e.frameworks.size()) + " frameworks; heartbeats every " + fmtSeconds(heartbeatSeconds_) +
              " s");
    // The snapshot is taken once the PIDs are known (one small request), so that a framework's
    // records come from its PID from the start, as from /master/state, not first from its host name.
    awaitingPids_ = true;
    evtimer_del(batchTimer_.get());
    askFrameworkPids();
    return true;
  }
  if (!subscribed_) {
    readError_ = "the event stream began with " + e.typeName + ", not SUBSCRIBED";
    return false;
  }
  if (e.type == MesosEvent::Type::kHeartbeat) {
    // Agents that came back have had their live tasks announced by now: the rest of what was kept
    // for them ended meanwhile. And the re-registration window may have passed.
    bool changed = model_.settleReturned();
    const size_t held = model_.heldTaskCount();
    if (model_.expireHeld(unixNow())) {
      log::warning("the re-registration window (10 minutes) after subscribing to leading master " + leader_ +
                   " has passed: the " + std::to_string(held) + " tasks kept for agents that did not come back go");
      changed = true;
    }
    if (changed && !awaitingPids_ && !evtimer_pending(batchTimer_.get(), nullptr)) {
      const timeval now{0, 0};
      evtimer_add(batchTimer_.get(), &now);
    }
    return true;
  }
  const auto applied = model_.apply(e);
  if (!applied.problem.empty()) log::warning("event stream from " + leader_ + ": " + applied.problem);
  if (e.type == MesosEvent::Type::kFrameworkAdded || e.type == MesosEvent::Type::kFrameworkUpdated) {
    askFrameworkPids();
  }
  if (applied.changed && !awaitingPids_ && !evtimer_pending(batchTimer_.get(), nullptr)) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(settings_.batch).count();
    const timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
    evtimer_add(batchTimer_.get(), &tv);
  }
  return true;
}

void MasterStream::onDone(const HttpResult& r) {
  evtimer_del(watchdog_.get());
  const std::string master = asked_;
  if (subscribed_) {
    subscribed_ = false;
    if (evtimer_pending(batchTimer_.get(), nullptr)) {  // what came before the end is real: it is taken first
      evtimer_del(batchTimer_.get());
      const bool snapshot = snapshotPending_;
      snapshotPending_ = false;
      handlers_.changed(snapshot);
    }
    const std::string why = !readError_.empty() ? readError_ : !r.error.empty() ? r.error : "the master closed it";
    endWith("the event stream from leading master " + leader_ + " ended: " + why, false);
    return;
  }
  if (!readError_.empty() || !r.error.empty()) {
    lastError_ = "master " + master + ": " + (readError_.empty() ? r.error : readError_);
    tryNext();
    return;
  }
  if (r.status == 307 || r.status == 302 || r.status == 301 || r.status == 308) {
    const std::string to = hostPortOfLocation(r.location);
    if (to.empty() || redirects_ >= 3) {
      lastError_ =
          "master " + master + " redirects to \"" + r.location + "\"" + (to.empty() ? "" : " (more than 3 redirects)");
      tryNext();
      return;
    }
    ++redirects_;
    log::info("master " + master + " says the leader is " + to + "; subscribing there");
    candidates_.insert(candidates_.begin() + static_cast<long>(next_), to);
    tryNext();
    return;
  }
  if (r.status == 400 || r.status == 404 || r.status == 405 || r.status == 501) {
    // Mesos before 1.0 has no /api/v1; 1.0 has no SUBSCRIBE call (a 400 naming the type).
    unsupportedSeen_ = true;
    lastError_ = "master " + master + " does not take SUBSCRIBE (HTTP " + std::to_string(r.status) +
                 (r.body.empty() ? "" : ": " + firstLine(r.body)) + ")";
    tryNext();
    return;
  }
  lastError_ = r.status == 200 ? "master " + master + " ended the stream before its SUBSCRIBED event"
                               : "master " + master + ": HTTP " + std::to_string(r.status) +
                                     (r.body.empty() ? "" : " (" + firstLine(r.body) + ")");
  tryNext();
}

void MasterStream::endWith(const std::string& why, bool unsupported) {
  leader_.clear();
  if (summaryTransfer_ != 0) fetcher_.cancel(summaryTransfer_);
  summaryTransfer_ = 0;
  summaryAgain_ = false;
  handlers_.ended(why, unsupported);
}

void MasterStream::askFrameworkPids() {
  // Not from inside the stream's transfer, where curl takes no new one: from the loop, at once.
  const timeval now{0, 0};
  evtimer_add(summaryTimer_.get(), &now);
}

void MasterStream::fetchFrameworkPids() {
  if (summaryTransfer_ != 0) {
    summaryAgain_ = true;
    return;
  }
  HttpRequest request = settings_.request;
  request.url = std::string(settings_.https ? "https://" : "http://") + leader_ + "/master/state-summary";
  request.maxBodyBytes = size_t{256} << 20;
  const std::string from = leader_;
  summaryTransfer_ = fetcher_.get(request, [this, from](const HttpResult& r) {
    summaryTransfer_ = 0;
    std::map<std::string, Upid> pids;
    std::string problem;
    if (!r.ok()) {
      problem = r.describe();
    } else {
      auto doc = nlohmann::json::parse(r.body, nullptr, false);
      if (doc.is_discarded() || !doc.is_object()) {
        problem = "not a JSON object";
      } else if (const auto fws = doc.find("frameworks"); fws != doc.end() && fws->is_array()) {
        for (const auto& f : *fws) {
          if (!f.is_object()) continue;
          const auto id = f.find("id");
          const auto pid = f.find("pid");
          if (id == f.end() || !id->is_string() || pid == f.end() || !pid->is_string()) continue;
          if (auto parsed = Upid::parse(pid->get<std::string>())) pids[id->get<std::string>()] = *parsed;
        }
      }
    }
    if (!problem.empty()) {
      log::warning("framework PIDs from " + from + "/master/state-summary: " + problem +
                   "; frameworks' records come from their hostnames meanwhile");
    }
    const bool changed = problem.empty() && model_.setFrameworkPids(std::move(pids));
    if ((changed || awaitingPids_) && subscribed_ && !evtimer_pending(batchTimer_.get(), nullptr)) {
      const timeval now{0, 0};
      evtimer_add(batchTimer_.get(), &now);
    }
    awaitingPids_ = false;
    if (summaryAgain_ && subscribed_) {
      summaryAgain_ = false;
      fetchFrameworkPids();
    }
  });
}

}  // namespace mdns
