// How the forwarder judges its upstreams over time: retransmission timeouts from measured round
// trips, back-off after failures, and the order in which upstreams are asked. Time is a number
// here, moved by the test (Unbound's replay tests in spirit): no sleeping, no sockets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/upstream_health.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;

std::vector<size_t> order(const std::vector<UpstreamHealth>& list, int64_t nowMs) {
  std::vector<const UpstreamHealth*> pointers;
  for (const auto& h : list) pointers.push_back(&h);
  return askingOrder(pointers, nowMs);
}

TEST(UpstreamHealth, NextUpstreamIsAskedAfter400MsUntilAnAnswerIsMeasured) {
  UpstreamHealth h;
  EXPECT_EQ(h.rtoMs(), 400);
  h.answered(20);  // srtt 20, rttvar 10: 60 ms, below the floor
  EXPECT_EQ(h.rtoMs(), 200);
}

TEST(UpstreamHealth, SlowUpstreamGetsALongerTimeoutUpToTwoSeconds) {
  UpstreamHealth h;
  h.answered(300);  // srtt 300 + 4 * 150
  EXPECT_EQ(h.rtoMs(), 900);
  for (int i = 0; i < 20; ++i) h.answered(3000);
  EXPECT_EQ(h.rtoMs(), 2000);
}

TEST(UpstreamHealth, OneSlowAnswerWidensTheTimeoutForAWhileThenItNarrowsAgain) {
  UpstreamHealth h;
  for (int i = 0; i < 30; ++i) h.answered(100);
  EXPECT_EQ(h.rtoMs(), 200);  // steady 100 ms answers: the floor
  h.answered(1000);           // the variance jumps: a jittery upstream is not hurried
  EXPECT_EQ(h.rtoMs(), 1112);
  for (int i = 0; i < 30; ++i) h.answered(100);
  EXPECT_EQ(h.rtoMs(), 200);
}

TEST(UpstreamHealth, BackOffStartsAtFiveSecondsAndDoublesUpToTwoMinutes) {
  UpstreamHealth h;
  int64_t now = 1'000'000;
  std::vector<int64_t> backoffs;
  for (int i = 0; i < 8; ++i) {
    backoffs.push_back(h.failed(now).backoffMs);
    now += 10;
  }
  EXPECT_THAT(backoffs, ElementsAre(5000, 10000, 20000, 40000, 80000, 120000, 120000, 120000));
  EXPECT_TRUE(h.inBackoff(now));
  EXPECT_FALSE(h.inBackoff(now + 120000));
}

TEST(UpstreamHealth, AnAnswerEndsTheBackOffAndSaysTheUpstreamIsBack) {
  UpstreamHealth h;
  EXPECT_FALSE(h.answered(10));  // was not failing
  h.failed(1000);
  h.failed(1100);
  EXPECT_EQ(h.failuresInARow(), 2);
  EXPECT_TRUE(h.answered(10));
  EXPECT_FALSE(h.inBackoff(1200));
  EXPECT_EQ(h.failed(1300).backoffMs, 5000);  // counting starts again
}

TEST(UpstreamHealth, OnlyTheFirstFailureAndOnesAfterTheBackOffAreNews) {
  UpstreamHealth h;
  EXPECT_TRUE(h.failed(0).news);
  EXPECT_FALSE(h.failed(100).news);     // still in the 5 s back-off: not logged again
  EXPECT_TRUE(h.failed(100'000).news);  // the back-off had ended: the log says it fails again
}

TEST(UpstreamHealth, HealthyUpstreamsComeFirstInConfiguredOrderThenTheSoonestBack) {
  std::vector<UpstreamHealth> list(4);
  list[0].failed(0);  // back at 5000
  list[2].failed(0);
  list[2].failed(10);    // back at 10010
  list[3].failed(1000);  // back at 6000
  EXPECT_THAT(order(list, 2000), ElementsAre(1, 0, 3, 2));
  EXPECT_THAT(order(list, 5500), ElementsAre(0, 1, 3, 2));  // 0's back-off ended: configured order again
  EXPECT_THAT(order(list, 20000), ElementsAre(0, 1, 2, 3));
}

TEST(UpstreamHealth, EveryUpstreamDownStillGivesAnOrderToTry) {
  std::vector<UpstreamHealth> list(2);
  list[0].failed(100);
  list[1].failed(0);
  EXPECT_THAT(order(list, 200), ElementsAre(1, 0));
}

}  // namespace
}  // namespace mdns
