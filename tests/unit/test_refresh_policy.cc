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

TEST(RecordRatioGuard, ExactlyTheRatioGrowthTheFirstSetAndRatioZeroPassAtOnce) {
  ShrinkHold hold;
  EXPECT_TRUE(hold.judge(1000, 500, 0.5, 300, 0).take);
  EXPECT_FALSE(hold.judge(1000, 499, 0.5, 300, 0).take);
  EXPECT_TRUE(ShrinkHold().judge(1000, 5000, 0.5, 300, 0).take);  // growth is always fine
  EXPECT_TRUE(ShrinkHold().judge(0, 0, 0.5, 300, 0).take);
  EXPECT_TRUE(ShrinkHold().judge(1000, 1, 0.0, 300, 0).take);
}

}  // namespace
}  // namespace mdns

namespace mdns {
namespace {

TEST(ShrinkHold, ASmallerSetIsTakenOnlyAfterSmallerSetsKeptComingForTheWholeWindow) {
  ShrinkHold hold;
  EXPECT_TRUE(hold.judge(1000, 900, 0.5, 300, 0).take);  // above the ratio: at once
  auto v = hold.judge(1000, 100, 0.5, 300, 10);
  EXPECT_FALSE(v.take);
  EXPECT_TRUE(v.held);
  EXPECT_FALSE(hold.judge(1000, 100, 0.5, 300, 11).take);   // at refreshSeconds 1, 3 refreshes are not enough
  EXPECT_FALSE(hold.judge(1000, 120, 0.5, 300, 200).take);  // another small set: still the same episode
  v = hold.judge(1000, 100, 0.5, 300, 310);
  EXPECT_TRUE(v.take);
  EXPECT_TRUE(v.endsHold);
  EXPECT_DOUBLE_EQ(v.heldSeconds, 300);
  EXPECT_FALSE(hold.holding());
}

TEST(ShrinkHold, ASetAboveTheRatioEndsTheEpisode) {
  ShrinkHold hold;
  EXPECT_FALSE(hold.judge(1000, 100, 0.5, 300, 0).take);
  EXPECT_TRUE(hold.judge(1000, 1000, 0.5, 300, 200).take);  // the master is back to normal
  EXPECT_FALSE(hold.judge(1000, 100, 0.5, 300, 400).take);  // a new episode starts its own window
  EXPECT_TRUE(hold.judge(1000, 100, 0, 300, 401).take);     // ratio 0: the guard is off
}

TEST(ShrinkHold, TheDefaultWindowIsTheLongerOfThreeRefreshesAnd300Seconds) {
  EXPECT_EQ(defaultRecordHoldSeconds(1), 300);
  EXPECT_EQ(defaultRecordHoldSeconds(60), 300);
  EXPECT_EQ(defaultRecordHoldSeconds(200), 600);
}

TEST(LeaderRecovery, RecoveringWhileAgentsAreStillToReRegisterWithinTheWindowAfterTheElection) {
  EXPECT_TRUE(leaderStillRecovering(3, 1000, 1100));
  EXPECT_FALSE(leaderStillRecovering(0, 1000, 1100));  // every agent is back
  EXPECT_FALSE(leaderStillRecovering(3, 1000, 1600));  // Mesos's 10 minutes are over
  EXPECT_TRUE(leaderStillRecovering(3, 0, 1600));      // no election time given: while listed
  EXPECT_FALSE(leaderStillRecovering(3, 1000, 1200, 120));
}

}  // namespace
}  // namespace mdns
