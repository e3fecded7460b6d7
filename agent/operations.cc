#include "agent/operations.h"

#include <zlib.h>

#include <utility>

#include <nlohmann/json.hpp>

#include "agent/dns_server.h"
#include "agent/forwarder.h"
#include "agent/resolv_conf_manager.h"
#include "common/http_api.h"
#include "common/sha1.h"
#include "version.h"

namespace mdns {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double epochSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

ApiResponse jsonResponse(std::string body, int status = 200) {
  return ApiResponse{status, "application/json", std::move(body), {}};
}

ApiResponse notFound(const std::string& path) {
  return ApiResponse{404, "application/json", json{{"error", "no such endpoint: " + path}}.dump(), {}};
}

bool acceptsGzip(const std::string& acceptEncoding) { return acceptEncoding.find("gzip") != std::string::npos; }

std::string hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

// Whether an If-None-Match header names `etag` (a list, weak or strong, or *).
bool matchesEtag(const std::string& header, const std::string& etag) {
  if (header.empty()) return false;
  if (header.find('*') != std::string::npos) return true;
  return header.find(etag) != std::string::npos;
}

// gzip (RFC 1952) written as the input comes, so that a large document is never whole in memory.
class GzipWriter {
 public:
  GzipWriter() {
    started_ = deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    ok_ = started_;
  }
  ~GzipWriter() {
    if (started_) deflateEnd(&z_);
  }
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  void write(std::string_view data) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z_.avail_in = static_cast<uInt>(data.size());
    run(Z_NO_FLUSH);
  }
  // The whole gzip stream; empty when zlib failed.
  std::string finish() {
    z_.avail_in = 0;
    if (!run(Z_FINISH)) out_.clear();
    out_.shrink_to_fit();
    return std::move(out_);
  }

 private:
  bool run(int flush) {
    while (ok_) {
      char chunk[16384];
      z_.next_out = reinterpret_cast<Bytef*>(chunk);
      z_.avail_out = sizeof chunk;
      const int rc = deflate(&z_, flush);
      if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && flush == Z_FINISH)) ok_ = false;
      out_.append(chunk, sizeof chunk - z_.avail_out);
      if (flush == Z_FINISH ? rc == Z_STREAM_END : z_.avail_in == 0 && z_.avail_out != 0) return ok_;
    }
    return false;
  }

  z_stream z_{};
  bool started_ = false;
  bool ok_ = false;
  std::string out_;
};

}  // namespace

Operations::Operations(std::shared_ptr<const Config> config, OperationsParts parts)
    : parts_(std::move(parts)), config_(std::move(config)) {}

void Operations::setConfig(std::shared_ptr<const Config> config) { *config_.lock() = std::move(config); }

std::shared_ptr<const Config> Operations::config() const { return config_.copy(); }

ApiResponse Operations::handle(const ApiRequest& request) {
  const std::string& path = request.path;
  const auto cfg = config();
  const auto snap = parts_.store->current();
  static const RecordSet kEmpty;
  const RecordSet& records = snap && snap->records ? *snap->records : kEmpty;
  auto param = [&path](std::string_view prefix) { return path.substr(prefix.size()); };

  if (path == "/v1/version") return jsonResponse(api::version());
  if (path == "/v1/config") {
    const uint32_t serial = snap && snap->table ? snap->table->zone().soaSerial : 0;
    return jsonResponse(api::config(
        *cfg, serial, parts_.forwarder != nullptr ? parts_.forwarder->defaultUpstreams() : std::vector<std::string>()));
  }
  if (path.starts_with("/v1/hosts/") && path.size() > 10) {
    std::string host = param("/v1/hosts/");
    if (host.ends_with("/ports")) {
      return ApiResponse{501, "text/plain", "To be implemented...", {}};  // as mesos-dns
    }
    return jsonResponse(api::hosts(records, host));
  }
  if (path.starts_with("/v1/services/") && path.size() > 13) {
    return jsonResponse(api::services(records, param("/v1/services/")));
  }
  if (path == "/v1/enumerate" && cfg->enumerationOn) {
    static const Enumeration kNone;
    static const RecordSet kNoRecords;
    if (snap && snap->records && !snap->enumeration && snap->enumerationSource) {
      const GeneratedRecords made = snap->enumerationSource->generate();
      return jsonResponse(api::enumerate(made.enumeration, made.records));
    }
    const bool have = snap && snap->enumeration && snap->records;
    return jsonResponse(api::enumerate(have ? *snap->enumeration : kNone, have ? *snap->records : kNoRecords));
  }
  if (path == "/v1/axfr" && cfg->enumerationOn) return axfr(request);
  if (path == "/health") {
    auto h = health();
    return jsonResponse(h.json, h.healthy ? 200 : 503);
  }
  if (path == "/metrics") return ApiResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics(), {}};
  return notFound(path);
}

ApiResponse Operations::axfr(const ApiRequest& request) {
  const auto snap = parts_.store->current();
  if (!snap || !snap->records) {
    return jsonResponse(json{{"error", "no records loaded yet"}}.dump(), 503);
  }
  const int refreshSeconds = config()->refreshSeconds;
  const auto cache = axfr_.lock();
  // An expired reference locks to null: a table that took a dead one's address is not mistaken for it.
  const bool cached = cache->table.lock() == snap->table && cache->refreshSeconds == refreshSeconds;
  if (!cached) {
    // The ETag is a hash of the document: equal content, equal tag, whatever the refreshes did.
    // Hashed and compressed piece by piece: the plain document is never whole in memory.
    Sha1 hash;
    GzipWriter gzip;
    api::writeAxfr(*snap->records, snap->table->zone(), refreshSeconds, [&](std::string_view piece) {
      hash.update(piece);
      gzip.write(piece);
    });
    const auto digest = hash.digest();
    cache->etag = "\"" + hex(digest.data(), 12) + "\"";
    cache->gzip = gzip.finish();
    cache->table = snap->table;
    cache->refreshSeconds = refreshSeconds;
  }
  ApiResponse r;
  r.headers.emplace_back("ETag", cache->etag);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (matchesEtag(request.ifNoneMatch, cache->etag)) {
    r.status = 304;
    return r;
  }
  if (acceptsGzip(request.acceptEncoding) && !cache->gzip.empty()) {
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.body = cache->gzip;
  } else {
    r.body = api::axfr(*snap->records, snap->table->zone(), refreshSeconds);  // rare: written again
  }
  return r;
}

Operations::Health Operations::health() const {
  const auto cfg = config();
  const auto snap = parts_.store->current();
  json j;
  std::vector<std::string> problems;
  j["version"] = MDNS_VERSION;
  j["serving"] = snap != nullptr;
  if (snap) {
    const double age = secondsSince(snap->loadedAt);
    j["records"] = snap->countA + snap->countAAAA + snap->countSrv;
    j["names"] = snap->table->nameCount();
    j["dataAgeSeconds"] = static_cast<int64_t>(age);
    j["changedAt"] = static_cast<int64_t>(epochSeconds(snap->changedAt));
    j["source"] = snap->origin;
    if (age > cfg->maxStaleSeconds) {
      problems.push_back("records are " + std::to_string(static_cast<int64_t>(age)) +
                         " s old (no good refresh since), more than maxStaleSeconds " +
                         std::to_string(cfg->maxStaleSeconds));
    }
  } else {
    problems.emplace_back("no records loaded yet");
  }
  if (parts_.source != nullptr) {
    const std::string error = parts_.source->lastError();
    if (!error.empty()) j["lastRefreshError"] = error;
  }
  if (parts_.forwarder != nullptr) {
    json ups = json::array();
    size_t current = 0, up = 0;
    parts_.forwarder->forEachUpstream([&](const UpstreamStats& s) {
      if (!s.current) return;
      ++current;
      const bool healthy = !s.down.load(std::memory_order_relaxed);
      if (healthy) ++up;
      ups.push_back({{"address", s.address}, {"healthy", healthy}});
    });
    j["upstreams"] = ups;
    if (current == 0) {
      problems.emplace_back("no upstream resolvers to forward to");
    } else if (up == 0) {
      problems.emplace_back("every upstream resolver is failing");
    }
  }
  j["status"] = problems.empty() ? "ok" : "unhealthy";
  j["problems"] = problems;
  return Health{problems.empty(), j.dump()};
}

std::string Operations::metrics() const {
  PromWriter w;
  const auto snap = parts_.store->current();

  w.family("mesos_dns_agent_build_info", "gauge", "The agent's version.");
  w.sample("mesos_dns_agent_build_info", {{"version", MDNS_VERSION}}, 1);
  w.family("mesos_dns_agent_start_time_seconds", "gauge", "When the agent started (Unix time).");
  w.sample("mesos_dns_agent_start_time_seconds", epochSeconds(started_));

  // Replies by transport, type and rcode: the workers' own, plus the forwarder's.
  w.family("mesos_dns_agent_queries_total", "counter", "DNS replies sent, by transport, question type and rcode.");
  for (size_t t = 0; t < QueryCounters::kTransports; ++t) {
    for (size_t q = 0; q < QueryCounters::kTypes; ++q) {
      for (size_t r = 0; r < QueryCounters::kRcodes; ++r) {
        uint64_t n = parts_.forwarder != nullptr ? parts_.forwarder->replies().get(t, q, r) : 0;
        for (const auto* s : parts_.servers) n += s->stats().replies.get(t, q, r);
        if (n == 0) continue;
        w.sample("mesos_dns_agent_queries_total",
                 {{"transport", t == 0 ? "udp" : "tcp"},
                  {"qtype", std::string(QueryCounters::typeName(q))},
                  {"rcode", std::string(QueryCounters::rcodeName(r))}},
                 static_cast<double>(n));
      }
    }
  }
  uint64_t local = 0, cached = 0, forwarded = 0, refused = 0;
  for (const auto* s : parts_.servers) {
    local += s->stats().local.get();
    cached += s->stats().cached.get();
    forwarded += s->stats().forwarded.get();
    refused += s->stats().refused.get();
  }
  w.family("mesos_dns_agent_answers_total", "counter",
           "Queries by how they were answered: local (the Mesos domain), forward_cache, forwarded (sent "
           "upstream or coalesced), refused (asker not in allowFrom).");
  w.sample("mesos_dns_agent_answers_total", {{"source", "local"}}, static_cast<double>(local));
  w.sample("mesos_dns_agent_answers_total", {{"source", "forward_cache"}}, static_cast<double>(cached));
  w.sample("mesos_dns_agent_answers_total", {{"source", "forwarded"}}, static_cast<double>(forwarded));
  w.sample("mesos_dns_agent_answers_total", {{"source", "refused"}}, static_cast<double>(refused));
  uint64_t unsent = parts_.forwarder != nullptr ? parts_.forwarder->unsentUdp() : 0;
  for (const auto* s : parts_.servers) unsent += s->stats().unsentUdp.get();
  w.family("mesos_dns_agent_udp_replies_unsent_total", "counter",
           "UDP replies the kernel did not take (socket send buffer full, or an asker it cannot reach): lost.");
  w.sample("mesos_dns_agent_udp_replies_unsent_total", static_cast<double>(unsent));
  uint64_t transfersOk = 0, transfersRefused = 0, transfersFailed = 0;
  for (const auto* s : parts_.servers) {
    transfersOk += s->stats().transfersOk.get();
    transfersRefused += s->stats().transfersRefused.get();
    transfersFailed += s->stats().transfersFailed.get();
  }
  w.family("mesos_dns_agent_zone_transfers_total", "counter",
           "Zone transfer queries (AXFR, IXFR): ok (the whole zone sent), refused (over UDP, asker not in "
           "allowTransfer, not the apex), failed (no records yet, or the client went away midway).");
  w.sample("mesos_dns_agent_zone_transfers_total", {{"result", "ok"}}, static_cast<double>(transfersOk));
  w.sample("mesos_dns_agent_zone_transfers_total", {{"result", "refused"}}, static_cast<double>(transfersRefused));
  w.sample("mesos_dns_agent_zone_transfers_total", {{"result", "failed"}}, static_cast<double>(transfersFailed));
  uint64_t whole = 0, differences = 0, upToDate = 0, notifiesAccepted = 0, notifiesRefused = 0;
  for (const auto* s : parts_.servers) {
    whole += s->stats().transfersWhole.get();
    differences += s->stats().transfersDifferences.get();
    upToDate += s->stats().transfersUpToDate.get();
    notifiesAccepted += s->stats().notifiesAccepted.get();
    notifiesRefused += s->stats().notifiesRefused.get();
  }
  w.family("mesos_dns_agent_zone_transfers_sent_total", "counter",
           "Zone transfers sent in full, by what they held: whole (the zone), differences (IXFR since the "
           "asker's serial), up_to_date (IXFR: the SOA alone).");
  w.sample("mesos_dns_agent_zone_transfers_sent_total", {{"form", "whole"}}, static_cast<double>(whole));
  w.sample("mesos_dns_agent_zone_transfers_sent_total", {{"form", "differences"}}, static_cast<double>(differences));
  w.sample("mesos_dns_agent_zone_transfers_sent_total", {{"form", "up_to_date"}}, static_cast<double>(upToDate));
  w.family("mesos_dns_agent_notifies_received_total", "counter",
           "NOTIFY messages for the zone: accepted (from a primary: checked at once), refused (from anyone else).");
  w.sample("mesos_dns_agent_notifies_received_total", {{"result", "accepted"}}, static_cast<double>(notifiesAccepted));
  w.sample("mesos_dns_agent_notifies_received_total", {{"result", "refused"}}, static_cast<double>(notifiesRefused));

  if (parts_.forwarder != nullptr) {
    const auto c = parts_.forwarder->cache().stats();
    w.family("mesos_dns_agent_forward_cache_hits_total", "counter", "Forward cache lookups that found a fresh answer.");
    w.sample("mesos_dns_agent_forward_cache_hits_total", static_cast<double>(c.hits));
    w.family("mesos_dns_agent_forward_cache_misses_total", "counter",
             "Forward cache lookups that found nothing fresh.");
    w.sample("mesos_dns_agent_forward_cache_misses_total", static_cast<double>(c.misses));
    w.family("mesos_dns_agent_forward_cache_stale_answers_total", "counter",
             "Expired answers served because the upstreams failed or were slow (RFC 8767).");
    w.sample("mesos_dns_agent_forward_cache_stale_answers_total", static_cast<double>(c.staleAnswers));
    w.family("mesos_dns_agent_forward_cache_evictions_total", "counter", "Answers dropped to keep cacheSize.");
    w.sample("mesos_dns_agent_forward_cache_evictions_total", static_cast<double>(c.evictions));
    w.family("mesos_dns_agent_forward_cache_entries", "gauge", "Answers in the forward cache.");
    w.sample("mesos_dns_agent_forward_cache_entries", static_cast<double>(c.entries));
    w.family("mesos_dns_agent_forward_mismatched_replies_total", "counter",
             "Upstream replies ignored because ID or question did not match (spoofing or late replies).");
    w.sample("mesos_dns_agent_forward_mismatched_replies_total",
             static_cast<double>(parts_.forwarder->mismatchedReplies()));
    w.family("mesos_dns_agent_forward_overload_total", "counter",
             "Questions answered SERVFAIL because too many were in flight upstream.");
    w.sample("mesos_dns_agent_forward_overload_total", static_cast<double>(parts_.forwarder->overloaded()));

    std::vector<const UpstreamStats*> ups;
    parts_.forwarder->forEachUpstream([&ups](const UpstreamStats& s) { ups.push_back(&s); });
    w.family("mesos_dns_agent_upstream_queries_total", "counter", "Queries sent to each upstream resolver.");
    for (const auto* u : ups) {
      w.sample("mesos_dns_agent_upstream_queries_total", {{"upstream", u->address}},
               static_cast<double>(u->queries.get()));
    }
    w.family("mesos_dns_agent_upstream_failures_total", "counter",
             "Failures counted against each upstream (no answer in time, errors, malformed replies, REFUSED).");
    for (const auto* u : ups) {
      w.sample("mesos_dns_agent_upstream_failures_total", {{"upstream", u->address}},
               static_cast<double>(u->failures.get()));
    }
    w.family("mesos_dns_agent_upstream_up", "gauge", "1 when the upstream in use answers, 0 while it is in back-off.");
    for (const auto* u : ups) {
      if (u->current) w.sample("mesos_dns_agent_upstream_up", {{"upstream", u->address}}, u->down ? 0 : 1);
    }
    w.family("mesos_dns_agent_upstream_latency_seconds", "histogram", "Round-trip time of upstream answers.");
    for (const auto* u : ups)
      w.histogram("mesos_dns_agent_upstream_latency_seconds", {{"upstream", u->address}}, u->latency);
  }

  if (parts_.source != nullptr) {
    const auto& s = parts_.source->stats();
    w.family("mesos_dns_agent_refreshes_total", "counter", "Record refreshes by result.");
    w.sample("mesos_dns_agent_refreshes_total", {{"result", "success"}}, static_cast<double>(s.refreshes.get()));
    w.sample("mesos_dns_agent_refreshes_total", {{"result", "failure"}}, static_cast<double>(s.failures.get()));
    w.family("mesos_dns_agent_refresh_duration_seconds", "gauge", "How long the last refresh took.");
    w.sample("mesos_dns_agent_refresh_duration_seconds", s.lastDurationSeconds.load(std::memory_order_relaxed));
    w.family("mesos_dns_agent_refresh_bytes_total", "counter",
             "Bytes received from the record source (headers and compressed body).");
    w.sample("mesos_dns_agent_refresh_bytes_total", static_cast<double>(s.bytes.get()));
    w.family("mesos_dns_agent_records_held", "gauge",
             "Records served that the source's last set no longer has: failover (the leader has agents still to "
             "re-register, whose tasks it does not list yet), shrink (a set below minRecordRatio held back for "
             "minRecordHoldSeconds).");
    w.sample("mesos_dns_agent_records_held", {{"reason", "failover"}}, static_cast<double>(s.heldFailover.load()));
    w.sample("mesos_dns_agent_records_held", {{"reason", "shrink"}}, static_cast<double>(s.heldShrink.load()));
    if (const int up = s.streamUp.load(std::memory_order_relaxed); up >= 0) {
      w.family("mesos_dns_agent_event_stream_up", "gauge",
               "subscribe: 1 while the leading master's event stream runs, 0 while the agent subscribes again "
               "(or polls: the masters do not offer it).");
      w.sample("mesos_dns_agent_event_stream_up", up);
      w.family("mesos_dns_agent_event_stream_events_total", "counter",
               "subscribe: events read from the masters' event streams (heartbeats included).");
      w.sample("mesos_dns_agent_event_stream_events_total", static_cast<double>(s.streamEvents.get()));
      w.family("mesos_dns_agent_event_stream_subscriptions_total", "counter",
               "subscribe: subscriptions that brought a master's whole state (the first, and one after each "
               "stream that ended).");
      w.sample("mesos_dns_agent_event_stream_subscriptions_total", static_cast<double>(s.subscriptions.get()));
    }
    w.family("mesos_dns_agent_unhealthy_tasks_left_out", "gauge",
             "healthyOnly: running tasks failing their health checks, left out of their apps' A and SRV names "
             "(while an instance of the app is healthy).");
    w.sample("mesos_dns_agent_unhealthy_tasks_left_out", static_cast<double>(s.unhealthyLeftOut.load()));
    w.family("mesos_dns_agent_notifies_sent_total", "counter",
             "NOTIFY messages sent to secondaries (those that transferred lately) after changes: sent (each "
             "retry too), answered, unanswered (no answer after 3 sends, or replaced by a newer change).");
    w.sample("mesos_dns_agent_notifies_sent_total", {{"result", "sent"}}, static_cast<double>(s.notifies.sent.get()));
    w.sample("mesos_dns_agent_notifies_sent_total", {{"result", "answered"}},
             static_cast<double>(s.notifies.answered.get()));
    w.sample("mesos_dns_agent_notifies_sent_total", {{"result", "unanswered"}},
             static_cast<double>(s.notifies.unanswered.get()));
  }
  w.family("mesos_dns_agent_records", "gauge", "Records served in the Mesos domain, by type.");
  if (snap) {
    w.sample("mesos_dns_agent_records", {{"type", "A"}}, static_cast<double>(snap->countA));
    w.sample("mesos_dns_agent_records", {{"type", "AAAA"}}, static_cast<double>(snap->countAAAA));
    w.sample("mesos_dns_agent_records", {{"type", "SRV"}}, static_cast<double>(snap->countSrv));
    w.family("mesos_dns_agent_data_age_seconds", "gauge",
             "Seconds since the served records were last confirmed by their source.");
    w.sample("mesos_dns_agent_data_age_seconds", secondsSince(snap->loadedAt));
    w.family("mesos_dns_agent_records_changed_timestamp_seconds", "gauge",
             "When the served records last changed (Unix time; also the SOA serial).");
    w.sample("mesos_dns_agent_records_changed_timestamp_seconds", epochSeconds(snap->changedAt));
    w.family("mesos_dns_agent_zone_serial", "gauge",
             "The served SOA serial: a secondary serves its primary's, so every node fed from one hub shows the same.");
    w.sample("mesos_dns_agent_zone_serial", static_cast<double>(snap->serial()));
    w.family("mesos_dns_agent_records_memory_bytes", "gauge",
             "Memory held by the served records: the answer table queries are answered from, and the record set "
             "kept for the HTTP API.");
    w.sample("mesos_dns_agent_records_memory_bytes", {{"part", "answer_table"}},
             static_cast<double>(snap->table->memoryBytes()));
    if (snap->records) {
      w.sample("mesos_dns_agent_records_memory_bytes", {{"part", "record_set"}},
               static_cast<double>(snap->records->memoryBytes()));
    }
  }
  if (parts_.resolvConf != nullptr) {
    w.family("mesos_dns_agent_resolv_conf_writes_total", "counter",
             "Writes of resolv.conf by the agent (applies, re-applies after rewrites by others, restores).");
    w.sample("mesos_dns_agent_resolv_conf_writes_total", static_cast<double>(parts_.resolvConf->writes()));
  }
  w.family("mesos_dns_agent_config_reloads_total", "counter", "Configuration reloads (SIGHUP) by result.");
  w.sample("mesos_dns_agent_config_reloads_total", {{"result", "success"}}, static_cast<double>(reloads_.get()));
  w.sample("mesos_dns_agent_config_reloads_total", {{"result", "failure"}}, static_cast<double>(reloadFailures_.get()));
  return w.text();
}

}  // namespace mdns
