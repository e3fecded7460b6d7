// SHA-1 (FIPS 180-4), incremental. Used for names (the task-ID hash) and to tell whether a record
// set's content changed; not for security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mdns {

class Sha1 {
 public:
  void update(const void* data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<uint8_t, 20> digest();  // ends the computation

 private:
  void block(const uint8_t* p);
  uint32_t h_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint8_t buffer_[64] = {};
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

std::array<uint8_t, 20> sha1(std::string_view data);

}  // namespace mdns
