// Refresh timing (jitter, back-off) and the minRecordRatio guard.
#include <gtest/gtest.h>

#include "common/refresh_policy.h"

namespace mdns {
namespace {

TEST(RefreshPolicy, SuccessWaitsRefreshSecondsWithTwentyPercentJitter) {
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 0, 0.0), 48.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 0, 0.5), 60.0);
  EXPECT_NEAR(nextRefreshSeconds(60, 0, 0.999999), 72.0, 1e-3);
}

TEST(RefreshPolicy, FailuresBackOffDoublingUpToFourTimes) {
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 1, 0.5), 60.0);  // one failure: try again as usual
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 2, 0.5), 120.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 3, 0.5), 240.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 50, 0.5), 240.0);  // capped
}

TEST(RefreshPolicy, WithoutAnyRecordsYetRetriesFromOneSecondDoublingUpToRefreshSeconds) {
  // A node that started while its master was down serves within seconds of the master's return.
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 1, 0.5, false), 1.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 2, 0.5, false), 2.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 6, 0.5, false), 32.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 7, 0.5, false), 60.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 500, 0.5, false), 60.0);
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 1, 0.0, false), 0.8);   // jittered too
  EXPECT_DOUBLE_EQ(nextRefreshSeconds(60, 0, 0.5, false), 60.0);  // a success: the usual period
}

TEST(RecordRatioGuard, ShrinkBelowTheRatioIsHeldBackUntilSeenThreeTimes) {
  EXPECT_TRUE(acceptRecordCount(1000, 500, 0.5, 1));
  EXPECT_FALSE(acceptRecordCount(1000, 499, 0.5, 1));
  EXPECT_FALSE(acceptRecordCount(1000, 0, 0.5, 2));
  EXPECT_TRUE(acceptRecordCount(1000, 0, 0.5, 3));
  EXPECT_TRUE(acceptRecordCount(1000, 5000, 0.5, 1));  // growth is always fine
}

TEST(RecordRatioGuard, FirstSetAndRatioZeroAlwaysPass) {
  EXPECT_TRUE(acceptRecordCount(0, 0, 0.5, 1));
  EXPECT_TRUE(acceptRecordCount(1000, 1, 0.0, 1));
}

}  // namespace
}  // namespace mdns
