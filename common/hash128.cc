#include "common/hash128.h"

#include <algorithm>

namespace mdns {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t mixRound(uint64_t acc, uint64_t input) { return rotl(acc + input * kP2, 31) * kP1; }
uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace

void Hash128::block(uint64_t w0, uint64_t w1) {
  a_ = mixRound(mixRound(a_, w0), w1);
  b_ = mixRound(mixRound(b_, w1 ^ kP3), w0);
}

void Hash128::addBytesSlow(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  total_ += size;
  if (fill_ > 0) {
    const size_t take = std::min(size, sizeof buffer_ - fill_);
    std::memcpy(buffer_ + fill_, p, take);
    fill_ += take;
    p += take;
    size -= take;
    if (fill_ < sizeof buffer_) return;
    uint64_t w[2];
    std::memcpy(w, buffer_, sizeof w);
    block(w[0], w[1]);
    fill_ = 0;
  }
  for (; size >= 16; p += 16, size -= 16) {
    uint64_t w[2];
    std::memcpy(w, p, sizeof w);
    block(w[0], w[1]);
  }
  std::memcpy(buffer_, p, size);
  fill_ = size;
}

std::array<uint64_t, 2> Hash128::digest() const {
  // The tail zero-padded, then the length (so that trailing zero bytes still count).
  uint8_t last[16] = {};
  std::memcpy(last, buffer_, fill_);
  uint64_t w[2];
  std::memcpy(w, last, sizeof w);
  Hash128 h = *this;
  h.block(w[0], w[1]);
  h.block(total_, ~total_);
  return {avalanche(h.a_), avalanche(h.b_ ^ rotl(h.a_, 17))};
}

}  // namespace mdns
