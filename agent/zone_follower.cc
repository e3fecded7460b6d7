#include "agent/zone_follower.h"

#include <random>
#include <utility>

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

bool ZoneFollower::isPrimary(const IpAddress& ip) const {
  for (const auto& p : primaries_) {
    if (p.ip == ip) return true;
  }
  return false;
}

void ZoneFollower::armTimer(double seconds) {
  const timeval tv = toTimeval(seconds);
  evtimer_add(timer_.get(), &tv);
}

void ZoneFollower::check(std::shared_ptr<const Snapshot> held, std::function<void(Outcome)> done) {
  if (busy() || primaries_.empty()) return;
  done_ = std::move(done);
  held_ = std::move(held);
  outcome_ = Outcome{};
  outcome_.primary = primaries_[current_].toString();
  retriedWhole_ = false;
  id_ = nextId_++;
  const auto query = soaQuery(id_, domain_);
  UpstreamTransport::Handlers handlers;
  handlers.message = [this](const uint8_t* m, size_t n) {
    soaReply(m, n);
    return true;
  };
  handlers.failed = [this](const std::string& why) { fail("SOA query " + why); };
  auto sent = transport_.send(primaries_[current_], false, query.data(), query.size(), std::move(handlers));
  if (!sent) {
    fail("SOA query: " + sent.error());
    return;
  }
  exchange_ = std::move(*sent);
  armTimer(kSoaTimeoutSeconds);
}

void ZoneFollower::soaReply(const uint8_t* message, size_t length) {
  outcome_.bytes += length;
  auto serial = soaSerialOfReply(message, length, id_, domain_);
  if (!serial) {
    fail("SOA query: " + serial.error());
    return;
  }
  outcome_.serial = *serial;
  // The served zone came from this primary: taken from it, or read back from the cache file
  // ("cache file PATH (primary ...)") after a restart.
  const std::string origin = originOf(primaries_[current_]);
  const bool sameLine =
      held_ && held_->table && (held_->origin == origin || held_->origin.ends_with("(" + origin + ")"));
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
  } else {
    transfer(std::nullopt);
  }
}

void ZoneFollower::transfer(std::optional<uint32_t> fromSerial) {
  askedFrom_ = fromSerial;
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
  const std::string asked = askedFrom_ ? "IXFR from serial " + std::to_string(*askedFrom_) : "AXFR";
  switch (reader->form()) {
    case TransferReader::Form::kUpToDate:
      outcome_.kind = Outcome::Kind::kUpToDate;
      finish(std::move(outcome_));
      return;
    case TransferReader::Form::kWholeZone: {
      outcome_.records = reader->takeZone();
      const RecordSet& r = *outcome_.records;
      outcome_.how = asked + (askedFrom_ ? ", answered with the whole zone: " : ": ") +
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
  outcome_.how +=
      asked + ", " + plural(diffs.size(), "difference", "differences") + " of " + plural(changed, "record", "records");
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
  current_ = (current_ + 1) % primaries_.size();  // the next check asks the next primary
  finish(std::move(outcome_));
}

void ZoneFollower::finish(Outcome outcome) {
  auto done = std::move(done_);
  done_ = nullptr;
  held_.reset();
  done(std::move(outcome));
}

}  // namespace mdns
