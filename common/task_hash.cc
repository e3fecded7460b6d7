#include "common/task_hash.h"

#include "common/sha1.h"

namespace mdns {
// z-base-32 (human-oriented base 32), most significant bit first, no padding.
std::string zbase32(const uint8_t* data, size_t size) {
  static constexpr char kAlphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string taskIdHash(std::string_view taskId) {
  const auto digest = sha1(taskId);
  return zbase32(digest.data(), digest.size()).substr(0, 5);
}

}  // namespace mdns
