// Result: how the agent's edges report failure (a value, or an error naming what and where).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/result.h"

namespace mdns {
namespace {

Result<int> port(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return Error{"config.json: key \"port\": \"" + text + "\" is not a number"};
  }
  return std::stoi(text);
}

TEST(Result, HoldsTheValueOrTheErrorThatNamesWhatFailed) {
  const auto good = port("53");
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 53);
  EXPECT_EQ(good.error(), "");
  const auto bad = port("5x");
  EXPECT_FALSE(bad);
  EXPECT_EQ(bad.error(), "config.json: key \"port\": \"5x\" is not a number");
  EXPECT_EQ(bad.value_or(5353), 5353);
}

TEST(Result, CarriesValuesThatCanOnlyMove) {
  Result<std::unique_ptr<int>> made = std::make_unique<int>(7);
  ASSERT_TRUE(made);
  const std::unique_ptr<int> taken = std::move(*made);
  EXPECT_EQ(*taken, 7);
}

TEST(Status, IsDoneUnlessAnErrorWasGiven) {
  const Status done;
  EXPECT_TRUE(done);
  const Status failed = Error{"/etc/resolv.conf: Permission denied"};
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error(), "/etc/resolv.conf: Permission denied");
}

}  // namespace
}  // namespace mdns
