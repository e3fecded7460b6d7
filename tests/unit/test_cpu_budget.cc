// The default number of DNS workers follows the CPUs the agent may use, not the machine's.
#include <gtest/gtest.h>

#include "common/cpu_budget.h"

namespace mdns {
namespace {

TEST(CpuBudget, AffinityAloneWhenNoQuota) {
  EXPECT_EQ(usableCpus(8, {}), 8u);
  EXPECT_EQ(usableCpus(1, {"max 100000"}), 1u);
  EXPECT_EQ(usableCpus(0, {}), 1u);
}

TEST(CpuBudget, QuotaAtAnyLevelCapsItRoundedUp) {
  EXPECT_EQ(usableCpus(8, {"max 100000", "150000 100000"}), 2u);  // 1.5 CPUs: two workers
  EXPECT_EQ(usableCpus(8, {"100000 100000", "400000 100000"}), 1u);
  EXPECT_EQ(usableCpus(2, {"800000 100000"}), 2u);  // the quota allows more than the affinity
  EXPECT_EQ(usableCpus(8, {"5000 100000"}), 1u);    // a twentieth of a CPU: still one
}

TEST(CpuBudget, MalformedQuotaTextIsPassedOver) {
  EXPECT_EQ(usableCpus(4, {"", "garbage", "100000", "x 100000", "100000 0", "100000 y"}), 4u);
}

TEST(CpuBudget, CgroupV2PathFromProcSelfCgroup) {
  EXPECT_EQ(cgroupV2Path("0::/system.slice/mesos-dns-agent.service\n"), "/system.slice/mesos-dns-agent.service");
  EXPECT_EQ(cgroupV2Path("12:cpu,cpuacct:/x\n0::/\n"), "/");
  EXPECT_EQ(cgroupV2Path("12:cpu,cpuacct:/x\n4:memory:/y\n"), std::nullopt);
}

}  // namespace
}  // namespace mdns
