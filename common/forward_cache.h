// The forwarder's pure half: upstream query building, reply checking (anti-spoofing), reply
// analysis (cache lifetime per RFC 2308, TTL positions) and the shared answer cache with LRU
// eviction, TTL count-down and serve-stale (RFC 8767). Time is passed in (milliseconds on a
// monotonic clock), so every rule is tested with plain values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/dns_wire.h"
#include "common/lock_guarded.h"

namespace mdns {

// Cache and coalescing key: lower-case question name (wire), type, class, and the DO and CD
// bits (they change what an upstream answers). Built on the stack, no allocation.
class CacheKey {
 public:
  CacheKey(const uint8_t* packet, const dns::Query& q);
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes_.data()), size_}; }
  std::string_view lowerName() const { return {reinterpret_cast<const char*>(bytes_.data()), nameLength_}; }

 private:
  std::array<uint8_t, 255 + 5> bytes_{};
  size_t size_ = 0;
  size_t nameLength_ = 0;
};

struct UpstreamQuery {
  uint16_t id = 0;
  std::string_view lowerName;  // wire
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool checkingDisabled = false;
  bool dnssecOk = false;
  uint16_t ednsSize = 0;  // 0: no OPT record
};

// Writes the query sent upstream (RD set) into `out` (at least 512 bytes); returns its length.
size_t buildUpstreamQuery(const UpstreamQuery& query, uint8_t* out);

enum class ReplyCheck {
  kMatch,     // an answer to our question
  kMismatch,  // wrong ID, not a response, or another question: ignore it (spoofing defence)
};
ReplyCheck checkUpstreamReply(const uint8_t* msg, size_t len, const UpstreamQuery& query);

// An upstream answer reduced to what the cache keeps: the message without its OPT record, with
// the offsets of every TTL field.
struct CachedAnswer {
  std::vector<uint8_t> message;  // header + question + records (no OPT)
  std::vector<uint16_t> ttlOffsets;
  size_t questionEnd = 0;
  uint8_t rcode = 0;
  uint16_t flags = 0;     // the upstream's header flags
  uint32_t cacheTtl = 0;  // seconds this answer may be served fresh; 0: do not cache
  bool negative = false;  // NXDOMAIN or NODATA
  int64_t storedMs = 0;   // when it was received
};

struct CacheLimits {
  uint32_t maxTtl = 3600;
  uint32_t maxNegativeTtl = 300;
  uint32_t staleMaxSeconds = 86400;
  size_t maxEntries = 10000;
};

// Parses and checks a whole upstream reply (already matched to our question). Every TTL is capped
// at the limit for its kind. std::nullopt when the message is malformed, carries an extended
// RCODE, or has its OPT record anywhere but last.
struct AnalyzedReply {
  CachedAnswer answer;
  bool truncated = false;
  uint16_t extendedRcode = 0;  // from the OPT record (upper 8 bits << 4 | header RCODE)
};
std::optional<AnalyzedReply> analyzeUpstreamReply(const uint8_t* msg, size_t len, const CacheLimits& limits,
                                                  int64_t nowMs);

struct ReplyOptions {
  bool recursionAvailable = true;
  size_t maxSize = dns::kMaxMessage;  // the transport's limit for this client
  bool setTruncateBit = true;         // SetTruncateBit: TC on a reply that lost answer or authority records
};

// Writes the reply to the client's query from a cached answer: the client's ID, RD, CD and
// question (letter case kept), TTLs counted down by the time since it was stored (or all set
// to 30 when `stale`, with Extended DNS Error 3 for EDNS askers), the client's EDNS answered.
// When it does not fit `maxSize`: the additional section goes first (no TC, RFC 2181 section 9);
// if still too big, as many whole answer records as fit, with TC when options.setTruncateBit,
// so that clients with TCP ask again and those without (musl up to 1.2.3) get a usable part.
// Returns the length.
size_t writeCachedReply(const CachedAnswer& answer, const uint8_t* packet, const dns::Query& q, int64_t nowMs,
                        bool stale, const ReplyOptions& options, uint8_t* out);

inline constexpr uint32_t kStaleTtl = 30;  // RFC 8767 section 4

// Answers shared by all DNS worker threads: sharded by key hash, each shard a hash map with an
// LRU list; a lookup copies the reply out under the shard's lock.
class ForwardCache {
 public:
  // The entries are split over `shards` locks (0: one per 1024 entries, 1 to 16), each keeping its
  // own LRU order, as unbound's cache slabs do; together they hold at most maxEntries. A small
  // cache is one shard: exact LRU.
  explicit ForwardCache(CacheLimits limits, size_t shards = 0);

  enum class Lookup { kMiss, kFresh, kStale };
  // Writes a fresh answer for `key` into `out` (setting `length`); with `allowStale`, an
  // expired answer still within staleMaxSeconds too.
  Lookup answer(const CacheKey& key, const uint8_t* packet, const dns::Query& q, int64_t nowMs, bool allowStale,
                const ReplyOptions& options, uint8_t* out, size_t& length);
  // Whether an answer (fresh or stale-servable) exists.
  bool hasServable(std::string_view key, int64_t nowMs);
  void insert(std::string_view key, CachedAnswer answer);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t staleAnswers = 0;
    uint64_t evictions = 0;
    uint64_t entries = 0;
  };
  Stats stats() const;
  const CacheLimits& limits() const { return limits_; }

 private:
  struct Entry {
    std::string key;
    CachedAnswer answer;
    int64_t expiresMs = 0;
    int64_t staleUntilMs = 0;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct ShardState {
    size_t capacity = 0;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<Entry>::iterator, Hash, std::equal_to<>> index;
    Stats stats;
  };
  using Shard = LockGuarded<ShardState>;  // the workers and the forwarder thread share each
  Shard& shardFor(std::string_view key);

  CacheLimits limits_;
  size_t shardCount_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace mdns
