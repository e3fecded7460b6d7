#include <gtest/gtest.h>

#include "agent/master_stream.h"

namespace mdns {
namespace {

TEST(MasterStream, ALeadersLocationIsReadAsHostAndPortInEveryFormAMasterSendsIt) {
  // Mesos sends the protocol-relative form; proxies may make it absolute.
  EXPECT_EQ(hostPortOfLocation("//10.0.0.2:5050/api/v1"), "10.0.0.2:5050");
  EXPECT_EQ(hostPortOfLocation("//master-2.example:5050/api/v1"), "master-2.example:5050");
  EXPECT_EQ(hostPortOfLocation("http://10.0.0.2:5050/api/v1"), "10.0.0.2:5050");
  EXPECT_EQ(hostPortOfLocation("https://[fd00::2]:5050/api/v1?x=1"), "[fd00::2]:5050");
  EXPECT_EQ(hostPortOfLocation("//10.0.0.2:5050"), "10.0.0.2:5050");
  // A relative path names no other master.
  EXPECT_EQ(hostPortOfLocation("/api/v1"), "");
  EXPECT_EQ(hostPortOfLocation(""), "");
  EXPECT_EQ(hostPortOfLocation("ftp://10.0.0.2/api/v1"), "");
}

}  // namespace
}  // namespace mdns
