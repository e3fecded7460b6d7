// A streaming 128-bit hash for change detection.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace mdns {

// A streaming 128-bit hash for change detection (not for adversaries): two lanes of xxHash64's
// round (rotate-multiply, bijective in the lane for a given input), fed the input's 8-byte words
// in a different order and from different seeds, each finished with xxHash64's avalanche. Several
// GB/s; the project's SHA-1 does 120 MB/s.
class Hash128 {
 public:
  void add(std::string_view s) {
    addU64(s.size());
    addBytes(s.data(), s.size());
  }
  void addU64(uint64_t v) { addBytes(&v, sizeof v); }
  void addDouble(double d) {
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    addU64(bits);
  }
  // Raw, without the length. Inline: most calls are a few bytes that only fill the buffer.
  void addBytes(const void* data, size_t size) {
    if (fill_ + size < sizeof buffer_) {
      std::memcpy(buffer_ + fill_, data, size);
      fill_ += size;
      total_ += size;
      return;
    }
    addBytesSlow(data, size);
  }
  std::array<uint64_t, 2> digest() const;

 private:
  void addBytesSlow(const void* data, size_t size);
  void block(uint64_t w0, uint64_t w1);

  uint64_t a_ = 0x9E3779B185EBCA87ULL;
  uint64_t b_ = 0xC2B2AE3D27D4EB4FULL;
  uint64_t total_ = 0;
  uint8_t buffer_[16] = {};
  size_t fill_ = 0;
};

}  // namespace mdns
