#include "common/forward_cache.h"

#include <algorithm>
#include <cstring>

namespace mdns {
namespace {

using dns::get16;
using dns::put16;
using dns::put32;

uint32_t get32(const uint8_t* p) { return (static_cast<uint32_t>(get16(p)) << 16) | get16(p + 2); }

// Steps over a (possibly compressed) name starting at `pos`; returns the offset after it, or 0
// when it runs past `end`, is too long, or points anywhere but at a label of a name already
// walked (so a pointer can never pick up header, TTL or other bytes that we rewrite).
// `labels` marks where walked labels start.
size_t skipName(const uint8_t* msg, size_t end, size_t pos, std::vector<bool>& labels) {
  size_t length = 0;
  while (pos < end) {
    const uint8_t b = msg[pos];
    if (b == 0) return pos + 1;
    if ((b & 0xC0) == 0xC0) {
      if (pos + 2 > end) return 0;
      const size_t target = static_cast<size_t>(((b & 0x3F) << 8) | msg[pos + 1]);
      return target < pos && labels[target] ? pos + 2 : 0;
    }
    if ((b & 0xC0) != 0) return 0;  // reserved label types
    length += 1 + b;
    if (length > 255) return 0;
    labels[pos] = true;
    pos += 1 + b;
  }
  return 0;
}

// Types whose RDATA is (a fixed prefix and then) exactly one domain name: that name must end
// where RDLENGTH says, else the message is malformed (and lenient parsers would misread the rest).
int nameRdataPrefix(uint16_t type) {
  switch (type) {
    case 2:   // NS
    case 5:   // CNAME
    case 12:  // PTR
    case 39:  // DNAME
      return 0;
    case 15:  // MX
      return 2;
    case 33:  // SRV
      return 6;
    default:
      return -1;
  }
}

bool equalNoCase(const uint8_t* a, std::string_view lowerB) {
  for (size_t i = 0; i < lowerB.size(); ++i) {
    uint8_t c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + 32);
    if (c != static_cast<uint8_t>(lowerB[i])) return false;
  }
  return true;
}

}  // namespace

CacheKey::CacheKey(const uint8_t* packet, const dns::Query& q) {
  nameLength_ = q.qnameLength;
  dns::lowercaseWireName(packet + q.qnameOffset, q.qnameLength, bytes_.data());
  uint8_t* p = bytes_.data() + q.qnameLength;
  put16(p, q.qtype);
  put16(p + 2, q.qclass);
  p[4] = static_cast<uint8_t>((q.dnssecOk ? 1 : 0) | ((q.flags & 0x0010) != 0 ? 2 : 0));
  size_ = q.qnameLength + 5;
}

size_t buildUpstreamQuery(const UpstreamQuery& query, uint8_t* out) {
  put16(out, query.id);
  put16(out + 2, static_cast<uint16_t>(0x0100 | (query.checkingDisabled ? 0x0010 : 0)));  // RD, CD
  put16(out + 4, 1);
  put16(out + 6, 0);
  put16(out + 8, 0);
  put16(out + 10, query.ednsSize != 0 ? 1 : 0);
  size_t pos = dns::kHeaderSize;
  std::memcpy(out + pos, query.lowerName.data(), query.lowerName.size());
  pos += query.lowerName.size();
  put16(out + pos, query.qtype);
  put16(out + pos + 2, query.qclass);
  pos += 4;
  if (query.ednsSize != 0) pos += dns::writeOpt(out + pos, query.ednsSize, 0, query.dnssecOk);
  return pos;
}

ReplyCheck checkUpstreamReply(const uint8_t* msg, size_t len, const UpstreamQuery& query) {
  const size_t nameEnd = dns::kHeaderSize + query.lowerName.size();
  if (len < nameEnd + 4) return ReplyCheck::kMismatch;
  if (get16(msg) != query.id) return ReplyCheck::kMismatch;
  const uint16_t flags = get16(msg + 2);
  if ((flags & 0x8000) == 0 || (flags & 0x7800) != 0) return ReplyCheck::kMismatch;  // not a QUERY response
  if (get16(msg + 4) != 1) return ReplyCheck::kMismatch;
  // The question must be ours, letter for letter up to case (a plain name: nothing precedes it).
  if (!equalNoCase(msg + dns::kHeaderSize, query.lowerName)) return ReplyCheck::kMismatch;
  if (get16(msg + nameEnd) != query.qtype || get16(msg + nameEnd + 2) != query.qclass) return ReplyCheck::kMismatch;
  return ReplyCheck::kMatch;
}

std::optional<AnalyzedReply> analyzeUpstreamReply(const uint8_t* msg, size_t len, const CacheLimits& limits,
                                                  int64_t nowMs) {
  if (len < dns::kHeaderSize) return std::nullopt;
  AnalyzedReply out;
  CachedAnswer& a = out.answer;
  a.flags = get16(msg + 2);
  a.rcode = static_cast<uint8_t>(a.flags & 0xF);
  a.storedMs = nowMs;
  out.truncated = (a.flags & 0x0200) != 0;
  out.extendedRcode = a.rcode;
  const uint16_t qd = get16(msg + 4);
  const uint16_t counts[3] = {get16(msg + 6), get16(msg + 8), get16(msg + 10)};
  if (qd != 1) return std::nullopt;
  std::vector<bool> labels(len, false);
  size_t pos = dns::kHeaderSize;
  while (pos < len && msg[pos] != 0) {
    if (msg[pos] > 63) return std::nullopt;
    labels[pos] = true;
    pos += 1 + msg[pos];
  }
  pos += 1 + 4;
  if (pos > len) return std::nullopt;
  a.questionEnd = pos;

  struct Rr {
    size_t ttlOffset;
    uint16_t type;
    int section;
    uint32_t negativeTtl;  // SOA: min(TTL, MINIMUM)
  };
  std::vector<Rr> rrs;
  size_t optStart = 0;
  size_t end = pos;
  for (int section = 0; section < 3; ++section) {
    for (uint16_t i = 0; i < counts[section]; ++i) {
      if (optStart != 0) return std::nullopt;  // OPT must be the last record
      const size_t start = pos;
      pos = skipName(msg, len, pos, labels);
      if (pos == 0 || pos + 10 > len) return std::nullopt;
      const uint16_t type = get16(msg + pos);
      const uint32_t ttl = get32(msg + pos + 4);
      const uint16_t rdlen = get16(msg + pos + 8);
      const size_t rdata = pos + 10;
      if (rdata + rdlen > len) return std::nullopt;
      if (type == dns::kTypeOPT) {
        if (section != 2 || msg[start] != 0) return std::nullopt;
        out.extendedRcode = static_cast<uint16_t>((ttl >> 24) << 4 | a.rcode);
        optStart = start;
      } else {
        Rr rr{pos + 4, type, section, 0};
        if (type == dns::kTypeSOA) {
          size_t p = skipName(msg, rdata + rdlen, rdata, labels);
          if (p != 0) p = skipName(msg, rdata + rdlen, p, labels);
          if (p == 0 || p + 20 != rdata + rdlen) return std::nullopt;
          rr.negativeTtl = std::min(ttl, get32(msg + p + 16));
        }
        if ((type == dns::kTypeA && rdlen != 4) || (type == dns::kTypeAAAA && rdlen != 16)) return std::nullopt;
        if (const int prefix = nameRdataPrefix(type); prefix >= 0) {
          if (rdlen <= prefix || skipName(msg, rdata + rdlen, rdata + prefix, labels) != rdata + rdlen) {
            return std::nullopt;
          }
        }
        rrs.push_back(rr);
      }
      pos = rdata + rdlen;
      if (optStart == 0) end = pos;
    }
  }
  if (out.extendedRcode > 0xF) return std::nullopt;
  a.message.assign(msg, msg + end);  // trailing bytes and the OPT record dropped
  if (optStart != 0) put16(a.message.data() + 10, static_cast<uint16_t>(counts[2] - 1));

  // Lifetime: the smallest answer TTL; for NXDOMAIN/NODATA the SOA's negative TTL (RFC 2308 5).
  a.negative = a.rcode == dns::kRcodeNXDomain || (a.rcode == dns::kRcodeNoError && counts[0] == 0);
  const bool cacheable = !out.truncated && (a.rcode == dns::kRcodeNoError || a.rcode == dns::kRcodeNXDomain);
  uint32_t life = limits.maxTtl;
  bool haveSoa = false;
  for (const auto& rr : rrs) {
    uint8_t* field = a.message.data() + rr.ttlOffset;
    uint32_t ttl = get32(field);
    if (ttl > 0x7FFFFFFF) ttl = 0;  // RFC 2181 8: treat as zero
    ttl = std::min(ttl, limits.maxTtl);
    if (a.negative && rr.section == 1 && rr.type == dns::kTypeSOA && !haveSoa) {
      haveSoa = true;
      ttl = std::min({ttl, rr.negativeTtl, limits.maxNegativeTtl});
      life = std::min(life, ttl);
    }
    if (rr.section == 0) life = std::min(life, ttl);
    put32(field, ttl);
    a.ttlOffsets.push_back(static_cast<uint16_t>(rr.ttlOffset));
  }
  if (a.negative && !haveSoa) life = 0;  // no SOA: no negative caching (RFC 2308 5)
  a.cacheTtl = cacheable ? life : 0;
  return out;
}

size_t writeCachedReply(const CachedAnswer& answer, const uint8_t* packet, const dns::Query& q, int64_t nowMs,
                        bool stale, const ReplyOptions& options, uint8_t* out) {
  static constexpr dns::ExtendedError kStale{dns::kEdeStaleAnswer,
                                             "every upstream failed: a cached answer past its TTL"};
  const dns::ExtendedError* ede = stale ? &kStale : nullptr;
  const size_t optSize = q.hasEdns ? dns::kOptSize + (ede != nullptr ? ede->optionSize() : 0) : 0;
  uint16_t flags = 0x8000;
  flags |= q.flags & 0x0110;  // RD, CD as asked
  if (options.recursionAvailable) flags |= 0x0080;
  // AD only for clients that show they understand it (RFC 6840 5.8).
  if ((q.dnssecOk || (q.flags & 0x0020) != 0)) flags |= answer.flags & 0x0020;
  const size_t questionSize = q.questionEnd - dns::kHeaderSize;
  if (answer.questionEnd != q.questionEnd) {
    // Cannot happen (the key holds the name); a TC reply without records is always right.
    put16(out, q.id);
    put16(out + 2, static_cast<uint16_t>(flags | 0x0200 | answer.rcode));
    put16(out + 4, 1);
    put16(out + 6, 0);
    put16(out + 8, 0);
    put16(out + 10, q.hasEdns ? 1 : 0);
    std::memcpy(out + dns::kHeaderSize, packet + dns::kHeaderSize, questionSize);
    size_t pos = q.questionEnd;
    if (q.hasEdns) pos += dns::writeOpt(out + pos, dns::kOurEdnsBufferSize, 0, q.dnssecOk, ede);
    return pos;
  }
  // A prefix of the message stays valid: compression pointers only point backwards. Records end
  // at their TTL offset + 4 (TTL) + 2 (RDLENGTH) + RDLENGTH.
  const uint16_t counts[3] = {get16(answer.message.data() + 6), get16(answer.message.data() + 8),
                              get16(answer.message.data() + 10)};
  auto recordEnd = [&answer](size_t i) {
    const size_t ttl = answer.ttlOffsets[i];
    return ttl + 6 + get16(answer.message.data() + ttl + 4);
  };
  size_t keep = answer.message.size();
  uint16_t kept[3] = {counts[0], counts[1], counts[2]};
  bool truncated = false;
  if (keep + optSize > options.maxSize) {
    const size_t withoutAdditional = counts[0] + counts[1];
    keep = withoutAdditional == 0 ? answer.questionEnd : recordEnd(withoutAdditional - 1);
    kept[2] = 0;
    if (keep + optSize > options.maxSize) {
      truncated = true;
      kept[1] = 0;
      kept[0] = 0;
      keep = answer.questionEnd;
      while (kept[0] < counts[0] && recordEnd(kept[0]) + optSize <= options.maxSize) keep = recordEnd(kept[0]++);
    }
  }
  std::memcpy(out, answer.message.data(), keep);
  put16(out, q.id);
  put16(out + 2, static_cast<uint16_t>(flags | answer.rcode | (truncated && options.setTruncateBit ? 0x0200 : 0)));
  put16(out + 6, kept[0]);
  put16(out + 8, kept[1]);
  put16(out + 10, static_cast<uint16_t>(kept[2] + (q.hasEdns ? 1 : 0)));
  std::memcpy(out + dns::kHeaderSize, packet + dns::kHeaderSize, questionSize);
  const int64_t elapsed = std::max<int64_t>(0, (nowMs - answer.storedMs) / 1000);
  const size_t records = kept[0] + kept[1] + kept[2];
  for (size_t i = 0; i < records; ++i) {
    const uint16_t offset = answer.ttlOffsets[i];
    const uint32_t ttl = get32(out + offset);
    put32(out + offset, stale ? kStaleTtl : static_cast<uint32_t>(std::max<int64_t>(0, ttl - elapsed)));
  }
  size_t pos = keep;
  if (q.hasEdns) pos += dns::writeOpt(out + pos, dns::kOurEdnsBufferSize, 0, q.dnssecOk, ede);
  return pos;
}

ForwardCache::ForwardCache(CacheLimits limits, size_t shards)
    : limits_(limits),
      shardCount_(shards != 0 ? shards : std::clamp<size_t>(limits.maxEntries / 1024, 1, 16)),
      shards_(std::make_unique<Shard[]>(shardCount_)) {
  // maxEntries split exactly: the first (maxEntries % shards) shards hold one more.
  for (size_t i = 0; i < shardCount_; ++i) {
    shards_[i].lock()->capacity = limits.maxEntries / shardCount_ + (i < limits.maxEntries % shardCount_ ? 1 : 0);
  }
}

ForwardCache::Shard& ForwardCache::shardFor(std::string_view key) {
  return shards_[(std::hash<std::string_view>{}(key) >> 7) % shardCount_];
}

ForwardCache::Lookup ForwardCache::answer(const CacheKey& key, const uint8_t* packet, const dns::Query& q,
                                          int64_t nowMs, bool allowStale, const ReplyOptions& options, uint8_t* out,
                                          size_t& length) {
  const auto s = shardFor(key.view()).lock();
  const auto it = s->index.find(key.view());
  if (it == s->index.end()) {
    ++s->stats.misses;
    return Lookup::kMiss;
  }
  Entry& e = *it->second;
  if (nowMs >= e.staleUntilMs) {  // beyond serve-stale: gone
    s->lru.erase(it->second);
    s->index.erase(it);
    ++s->stats.misses;
    return Lookup::kMiss;
  }
  const bool fresh = nowMs < e.expiresMs;
  if (!fresh && !allowStale) {
    ++s->stats.misses;
    return Lookup::kMiss;
  }
  s->lru.splice(s->lru.begin(), s->lru, it->second);
  length = writeCachedReply(e.answer, packet, q, nowMs, !fresh, options, out);
  ++(fresh ? s->stats.hits : s->stats.staleAnswers);
  return fresh ? Lookup::kFresh : Lookup::kStale;
}

bool ForwardCache::hasServable(std::string_view key, int64_t nowMs) {
  const auto s = shardFor(key).lock();
  const auto it = s->index.find(key);
  return it != s->index.end() && nowMs < it->second->staleUntilMs;
}

void ForwardCache::insert(std::string_view key, CachedAnswer answer) {
  if (answer.cacheTtl == 0) return;
  const auto s = shardFor(key).lock();
  if (s->capacity == 0) return;
  const int64_t expires = answer.storedMs + int64_t{answer.cacheTtl} * 1000;
  const int64_t staleUntil = expires + int64_t{limits_.staleMaxSeconds} * 1000;
  if (const auto it = s->index.find(key); it != s->index.end()) {
    Entry& e = *it->second;
    e.answer = std::move(answer);
    e.expiresMs = expires;
    e.staleUntilMs = staleUntil;
    s->lru.splice(s->lru.begin(), s->lru, it->second);
    return;
  }
  s->lru.push_front(Entry{std::string(key), std::move(answer), expires, staleUntil});
  s->index.emplace(s->lru.front().key, s->lru.begin());
  while (s->lru.size() > s->capacity) {
    s->index.erase(s->lru.back().key);
    s->lru.pop_back();
    ++s->stats.evictions;
  }
}

ForwardCache::Stats ForwardCache::stats() const {
  Stats total;
  for (size_t i = 0; i < shardCount_; ++i) {
    const auto s = shards_[i].lock();
    total.hits += s->stats.hits;
    total.misses += s->stats.misses;
    total.staleAnswers += s->stats.staleAnswers;
    total.evictions += s->stats.evictions;
    total.entries += s->lru.size();
  }
  return total;
}

}  // namespace mdns
