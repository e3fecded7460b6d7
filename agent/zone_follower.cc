#include "agent/zone_follower.h"

#include <chrono>
#include <random>
#include <utility>

#include "common/dns_wire.h"
#include "common/zone_diff.h"

namespace mdns {
namespace {

timeval toTimeval(double seconds) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

ZoneFollower::ZoneFollower(event_base* loop, std::vector<SocketAddress> primaries, std::vector<IpAddress> sources,
                           std::string domain)
    : loop_(loop),
      primaries_(std::move(primaries)),
      domain_(std::move(domain)),
      transport_(loop, std::move(sources)),
      nextId_(static_cast<uint16_t>(std::random_device{}())) {
  timer_.reset(evtimer_new(
      loop_, [](evutil_socket_t, short, void* self) { static_cast<ZoneFollower*>(self)->fail("no answer in time"); },
      this));
}

ZoneFollower::~ZoneFollower() = default;

std::string ZoneFollower::originOf(const SocketAddress& primary) { return "primary " + primary.toString(); }

void ZoneFollower::armTimer(double seconds) {
  const timeval tv = toTimeval(seconds);
  evtimer_add(timer_.get(), &tv);
}

bool ZoneFollower::holdsLineOfCurrent() const {
  // The served zone came from this primary: taken from it, or read back from the cache file
  // ("cache file PATH (primary ...)") after a restart.
  const std::string origin = originOf(primaries_[current_]);
  return held_ && held_->table && (held_->origin == origin || held_->origin.ends_with("(" + origin + ")"));
}

void ZoneFollower::check(std::shared_ptr<const Snapshot> held, std::function<void(Outcome)> done) {
  if (busy() || primaries_.empty()) return;
  done_ = std::move(done);
  held_ = std::move(held);
  outcome_ = Outcome{};
  outcome_.primary = primaries_[current_].toString();
  retriedWhole_ = false;
  if (holdsLineOfCurrent() && held_->records && std::chrono::steady_clock::now() >= noUdpIxfrUntil_[current_]) {
    udpIxfr();
  } else {
    soaCheck();
  }
}

void ZoneFollower::sendUdp(const std::vector<uint8_t>& query, const std::string& what,
                           void (ZoneFollower::*onReply)(const uint8_t*, size_t)) {
  UpstreamTransport::Handlers handlers;
  handlers.message = [this, onReply](const uint8_t* m, size_t n) {
    (this->*onReply)(m, n);
    return true;
  };
  handlers.failed = [this, what](const std::string& why) { fail(what + " " + why); };
  auto sent = transport_.send(primaries_[current_], false, query.data(), query.size(), std::move(handlers));
  if (!sent) {
    fail(what + ": " + sent.error());
    return;
  }
  exchange_ = std::move(*sent);
  armTimer(kSoaTimeoutSeconds);
}

void ZoneFollower::soaCheck() {
  id_ = nextId_++;
  sendUdp(soaQuery(id_, domain_), "SOA query", &ZoneFollower::soaReply);
}

void ZoneFollower::udpIxfr() {
  // One datagram each way: the SOA alone when up to date (as a SOA query would be), the
  // differences when they fit; else the SOA of the new version (RFC 1995 section 2), and the
  // differences come over TCP.
  askedFrom_ = held_->serial();
  overUdp_ = true;
  id_ = nextId_++;
  reader_ = std::make_unique<TransferReader>(domain_, id_, askedFrom_);
  sendUdp(ixfrQuery(id_, domain_, *askedFrom_), "IXFR over UDP", &ZoneFollower::udpIxfrReply);
}

void ZoneFollower::udpIxfrReply(const uint8_t* message, size_t length) {
  outcome_.bytes += length;
  evtimer_del(timer_.get());
  const bool truncated = length >= dns::kHeaderSize && (message[2] & 0x02) != 0;
  if (!truncated) {
    if (auto added = reader_->add(message, length); !added) {
      if (length >= 4 && dns::get16(message) == id_ && (message[3] & 0x0F) != 0) {
        // A primary that does not serve IXFR over UDP (NOTIMP, REFUSED, FORMERR): SOA checks
        // with it for a while.
        noUdpIxfrUntil_[current_] = std::chrono::steady_clock::now() + kNoUdpIxfrFor;
        exchange_.reset();
        soaCheck();
        return;
      }
      fail("IXFR over UDP: " + added.error());
      return;
    }
    if (reader_->done()) {
      exchange_.reset();
      transferDone();
      return;
    }
  }
  // Truncated, or the new version's SOA alone: the differences come over TCP.
  transfer(askedFrom_);
}

void ZoneFollower::soaReply(const uint8_t* message, size_t length) {
  outcome_.bytes += length;
  auto serial = soaSerialOfReply(message, length, id_, domain_);
  if (!serial) {
    fail("SOA query: " + serial.error());
    return;
  }
  outcome_.serial = *serial;
  const bool sameLine = holdsLineOfCurrent();
  if (sameLine && held_->serial() == *serial) {
    evtimer_del(timer_.get());
    exchange_.reset();
    outcome_.kind = Outcome::Kind::kUpToDate;
    finish(std::move(outcome_));
    return;
  }
  // The differences from the served serial, when the served zone came from this primary, is
  // older than its zone and is at hand; else the whole zone.
  if (sameLine && held_->records && serialAfter(*serial, held_->serial())) {
    transfer(held_->serial());
    return;
  }
  if (sameLine) {
    outcome_.how = "the primary's serial went back from " + std::to_string(held_->serial()) + " to " +
                   std::to_string(*serial) + "; ";
  }
  transfer(std::nullopt);
}

void ZoneFollower::transfer(std::optional<uint32_t> fromSerial) {
  askedFrom_ = fromSerial;
  overUdp_ = false;
  id_ = nextId_++;
  const auto query = fromSerial ? ixfrQuery(id_, domain_, *fromSerial) : axfrQuery(id_, domain_);
  reader_ = std::make_unique<TransferReader>(domain_, id_, fromSerial);
  UpstreamTransport::Handlers handlers;
  handlers.message = [this](const uint8_t* m, size_t n) { return transferMessage(m, n); };
  handlers.failed = [this](const std::string& why) { fail(std::string(askedFrom_ ? "IXFR " : "AXFR ") + why); };
  auto sent = transport_.send(primaries_[current_], true, query.data(), query.size(), std::move(handlers));
  if (!sent) {
    fail(std::string(askedFrom_ ? "IXFR: " : "AXFR: ") + sent.error());
    return;
  }
  exchange_ = std::move(*sent);  // the SOA query's exchange goes here
  armTimer(kTransferIdleSeconds);
}

bool ZoneFollower::transferMessage(const uint8_t* message, size_t length) {
  outcome_.bytes += length + 2;
  if (auto added = reader_->add(message, length); !added) {
    fail(std::string(askedFrom_ ? "IXFR: " : "AXFR: ") + added.error());
    return true;
  }
  if (!reader_->done()) {
    armTimer(kTransferIdleSeconds);
    return false;  // more messages to come
  }
  evtimer_del(timer_.get());
  exchange_.reset();
  transferDone();
  return true;
}

void ZoneFollower::transferDone() {
  std::unique_ptr<TransferReader> reader = std::move(reader_);
  outcome_.serial = reader->serial();
  const std::string asked =
      askedFrom_ ? std::string(overUdp_ ? "IXFR over UDP" : "IXFR") + " from serial " + std::to_string(*askedFrom_)
                 : "AXFR";
  switch (reader->form()) {
    case TransferReader::Form::kUpToDate:
      if (askedFrom_ && reader->serial() != *askedFrom_) {
        // The SOA alone, at a serial before ours: the primary's serial went back (it lost its
        // cache file and its clock is behind, or it is another hub's line): its zone, whole.
        outcome_.how = "the primary's serial went back from " + std::to_string(*askedFrom_) + " to " +
                       std::to_string(reader->serial()) + "; ";
        transfer(std::nullopt);
        return;
      }
      outcome_.kind = Outcome::Kind::kUpToDate;
      finish(std::move(outcome_));
      return;
    case TransferReader::Form::kWholeZone: {
      outcome_.records = reader->takeZone();
      const RecordSet& r = *outcome_.records;
      outcome_.how += asked + (askedFrom_ ? ", answered with the whole zone: " : ": ") +
                      plural(r.countA() + r.countAAAA() + r.countSrv(), "record", "records");
      outcome_.kind = Outcome::Kind::kChanged;
      finish(std::move(outcome_));
      return;
    }
    case TransferReader::Form::kDifferences:
      break;
    case TransferReader::Form::kUnknown:
      fail(asked + ": the transfer ended before its form was known");
      return;
  }
  std::vector<ZoneDiff> diffs = reader->takeDiffs();
  std::string problem;
  if (!askedFrom_ || !held_ || !held_->records) {
    problem = "differences that were not asked for";
  } else if (diffs.front().fromSerial != *askedFrom_) {
    problem =
        "differences from serial " + std::to_string(diffs.front().fromSerial) + ", not " + std::to_string(*askedFrom_);
  }
  std::optional<RecordSet> current;
  size_t changed = 0;
  const auto applyStart = std::chrono::steady_clock::now();
  for (const auto& d : diffs) {
    if (!problem.empty()) break;
    auto next = applyDiff(current ? *current : *held_->records, d.removed, d.added);
    if (!next) {
      problem = next.error();
      break;
    }
    changed += d.recordCount();
    current = std::move(*next);
  }
  if (!problem.empty()) {
    if (retriedWhole_) {
      fail(asked + ": " + problem);
      return;
    }
    // The two sides disagree on what the served zone is: take the whole zone from the same primary.
    retriedWhole_ = true;
    outcome_.how = asked + " did not fit (" + problem + "); ";
    transfer(std::nullopt);
    return;
  }
  outcome_.records = std::move(current);
  if (diffs.size() == 1) outcome_.diff = std::move(diffs.front());
  const double applyMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - applyStart).count();
  outcome_.how += asked + ", " + plural(diffs.size(), "difference", "differences") + " of " +
                  plural(changed, "record", "records") + " applied in " + std::to_string(static_cast<int>(applyMs)) +
                  " ms";
  outcome_.kind = Outcome::Kind::kChanged;
  finish(std::move(outcome_));
}

void ZoneFollower::fail(const std::string& why) {
  if (!busy()) return;
  evtimer_del(timer_.get());
  exchange_.reset();
  reader_.reset();
  outcome_.kind = Outcome::Kind::kFailed;
  outcome_.error = "primary " + primaries_[current_].toString() + ": " + why;
  outcome_.records.reset();
  outcome_.diff.reset();
  // A primary that failed kFailuresBeforeNext checks in a row gives way to the next (whose zone
  // costs a whole transfer when its serials are its own): one lost datagram or a busy moment does not.
  if (++failuresInRow_ >= kFailuresBeforeNext) {
    failuresInRow_ = 0;
    current_ = (current_ + 1) % primaries_.size();
  }
  finish(std::move(outcome_));
}

void ZoneFollower::finish(Outcome outcome) {
  if (outcome.kind != Outcome::Kind::kFailed) failuresInRow_ = 0;
  auto done = std::move(done_);
  done_ = nullptr;
  held_.reset();
  done(std::move(outcome));
}

}  // namespace mdns
