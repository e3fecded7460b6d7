// The task-ID hash of mesos-dns's canonical task names: SHA-1, z-base-32, first five characters.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/task_hash.h"

namespace mdns {
namespace {

std::string hex(const std::array<uint8_t, 20>& digest) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

std::string zb(const std::string& bytes) {
  return zbase32(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

TEST(TaskHash, HashOfTestIsIffe9LikeMesosDns) {
  EXPECT_EQ(taskIdHash("test"), "iffe9");  // mesos-dns generator_test.go TestHashString
}

TEST(TaskHash, HashesOfMesosDnsFixtureTaskIdsMatchItsCanonicalNames) {
  // generator_test.go expects liquor-store-4dfjd-0 and car-store-zinaz-0 for these task IDs.
  EXPECT_EQ(taskIdHash("liquor-store.b8db9f73-562f-11e4-a088-c20493233aa5"), "4dfjd");
  EXPECT_EQ(taskIdHash("car-store.43758382-562f-11e4-a088-c20493233aa5"), "zinaz");
}

TEST(TaskHash, HashIsFiveZBase32Characters) {
  const std::string alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
  for (int i = 0; i < 200; ++i) {
    const std::string h = taskIdHash("task." + std::to_string(i));
    ASSERT_EQ(h.size(), 5u);
    for (const char c : h) EXPECT_NE(alphabet.find(c), std::string::npos) << h;
  }
}

TEST(TaskHash, DistinctTaskIdsGetDistinctHashes) {
  // Not a guarantee (25 bits), but neighbouring IDs like Marathon's must not collide.
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    seen.insert(taskIdHash("web.0a1b2c3d-" + std::to_string(i) + "-11ee-8f00-0242ac110002"));
  }
  EXPECT_EQ(seen.size(), 2000u);
  EXPECT_EQ(taskIdHash("same"), taskIdHash("same"));
  EXPECT_NE(taskIdHash("a"), taskIdHash("b"));
}

TEST(TaskHash, Sha1MatchesFips180TestVectors) {
  EXPECT_EQ(hex(sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex(sha1("The quick brown fox jumps over the lazy dog")), "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  EXPECT_EQ(hex(sha1(std::string(1000000, 'a'))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(TaskHash, Sha1HandlesPaddingBoundaries) {
  // Lengths around the 55/56/64-byte block boundaries, where the padding spills into a new block.
  const std::vector<std::pair<size_t, std::string>> vectors = {
      {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},  {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
      {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},  {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
      {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},  {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
      {120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
  };
  for (const auto& [len, want] : vectors) EXPECT_EQ(hex(sha1(std::string(len, 'a'))), want) << len << " x 'a'";
}

TEST(TaskHash, ZBase32EncodesWholeBytesWithoutPadding) {
  EXPECT_EQ(zb(""), "");
  EXPECT_EQ(zb(std::string(1, '\0')), "yy");
  EXPECT_EQ(zb("\xff"), "9h");
  EXPECT_EQ(zb(std::string(2, '\0')), "yyyy");
  EXPECT_EQ(zb("\xf0\xbf\xc7"), "6n9hq");  // the example of the z-base-32 specification
  EXPECT_EQ(zb("f"), "ca");
  EXPECT_EQ(zb("fo"), "c3zo");
  EXPECT_EQ(zb("foo"), "c3zs6");
  EXPECT_EQ(zb("foob"), "c3zs6ao");
  EXPECT_EQ(zb("fooba"), "c3zs6aub");
  EXPECT_EQ(zb("foobar"), "c3zs6aubqe");
  const auto digest = sha1("test");
  EXPECT_EQ(zbase32(digest.data(), digest.size()), "iffe93qcsgp4c8ncbb378rxjo6cn9q6u");
}

}  // namespace
}  // namespace mdns
