// LockGuarded: the value is reached only under its mutex (the ThreadSanitizer build of CI checks
// that for real; here the behaviour a caller sees).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/lock_guarded.h"

namespace mdns {
namespace {

TEST(LockGuarded, ManyThreadsUpdatingTheValueLoseNoUpdate) {
  LockGuarded<std::vector<int>> list;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&list, t] {
      for (int i = 0; i < 1000; ++i) list.lock()->push_back(t * 1000 + i);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(list.copy().size(), 4000u);
}

TEST(LockGuarded, AHandleHoldsTheLockForItsLifetime) {
  LockGuarded<std::string> text("a");
  std::thread other;
  {
    auto held = text.lock();
    held->append("b");
    other = std::thread([&text] { text.lock()->append("c"); });  // waits until `held` goes
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(*held, "ab");
  }
  other.join();
  EXPECT_EQ(text.copy(), "abc");
}

}  // namespace
}  // namespace mdns
