// What the config means for the agent's parts on a given node: self, allow lists, resolv.conf
// lines, upstreams.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/agent_settings.h"

namespace mdns {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Config withListeners(std::vector<std::string> listeners, int port = 53) {
  Config c;
  c.listeners = std::move(listeners);
  c.port = port;
  return c;
}

const std::vector<IpAddress> kNode{ip("10.0.0.5"), ip("2001:db8::5")};

TEST(AgentSettings, WildcardListenerPublishesTheNodesAddressesAndAPlainOneOnlyItself) {
  EXPECT_THAT(publishedAddresses(withListeners({"0.0.0.0"}), {ip("10.0.0.5"), ip("127.0.0.1"), ip("2001:db8::5")}),
              ElementsAre(ip("10.0.0.5"), ip("2001:db8::5")));
  EXPECT_THAT(publishedAddresses(withListeners({"127.0.0.1", "169.254.20.10", "127.0.0.1"}), kNode),
              ElementsAre(ip("127.0.0.1"), ip("169.254.20.10")));
}

TEST(AgentSettings, SelfIsAListenerOnTheAgentsPortAndForAWildcardLoopbackAndTheNode) {
  const Config loopback = withListeners({"127.0.0.1"});
  EXPECT_TRUE(isSelf(loopback, kNode, {ip("127.0.0.1"), 53}));
  EXPECT_FALSE(isSelf(loopback, kNode, {ip("127.0.0.1"), 5353}));  // another server on another port
  EXPECT_FALSE(isSelf(loopback, kNode, {ip("10.0.0.5"), 53}));     // the node, but not listened on
  EXPECT_FALSE(isSelf(loopback, kNode, {ip("127.0.0.53"), 53}));   // systemd-resolved's stub
  const Config wildcard = withListeners({"0.0.0.0"});
  EXPECT_TRUE(isSelf(wildcard, kNode, {ip("10.0.0.5"), 53}));
  EXPECT_TRUE(isSelf(wildcard, kNode, {ip("127.0.0.1"), 53}));
  EXPECT_TRUE(isSelf(wildcard, kNode, {ip("::1"), 53}));
  EXPECT_FALSE(isSelf(wildcard, kNode, {ip("10.0.0.6"), 53}));
}

TEST(AgentSettings, DefaultAllowListIsLoopbackAndTheListenersNetworksOnly) {
  const std::vector<AddressRange> nets{*AddressRange::parse("10.0.0.0/24"), *AddressRange::parse("192.168.1.0/24")};
  const AllowList onNode = allowList(withListeners({"10.0.0.5"}), nets);
  EXPECT_TRUE(onNode.allows(ip("127.0.0.1")));
  EXPECT_TRUE(onNode.allows(ip("::1")));
  EXPECT_TRUE(onNode.allows(ip("10.0.0.77")));
  EXPECT_FALSE(onNode.allows(ip("192.168.1.5")));  // another interface's network
  EXPECT_FALSE(onNode.allows(ip("8.8.8.8")));      // never an open resolver
  EXPECT_TRUE(allowList(withListeners({"0.0.0.0"}), nets).allows(ip("192.168.1.5")));
  Config explicitList = withListeners({"0.0.0.0"});
  explicitList.allowFrom = {"172.17.0.0/16"};  // replaces the default, loopback too
  EXPECT_TRUE(allowList(explicitList, nets).allows(ip("172.17.0.2")));
  EXPECT_FALSE(allowList(explicitList, nets).allows(ip("127.0.0.1")));
  EXPECT_FALSE(transferAllowList(explicitList).allows(ip("172.17.0.2")));  // transfers: nobody by default
}

TEST(AgentSettings, ResolvConfLinesPreferNodeLocalListenersThenLoopbackThenFallbacks) {
  Config c = withListeners({"127.0.0.1", "169.254.20.10"});
  c.resolvConf.fallback = {"10.0.0.53"};
  const auto lines = resolvConfLines(c);
  EXPECT_THAT(lines.agent, ElementsAre(ip("169.254.20.10")));  // containers can reach it
  EXPECT_THAT(lines.fallback, ElementsAre(ip("10.0.0.53")));
  EXPECT_THAT(resolvConfLines(withListeners({"0.0.0.0"})).agent, ElementsAre(ip("127.0.0.1")));
  EXPECT_THAT(resolvConfLines(withListeners({"::"})).agent, ElementsAre(ip("::1")));
  EXPECT_THAT(resolvConfLines(withListeners({"127.0.0.2"})).agent, ElementsAre(ip("127.0.0.2")));
}

TEST(AgentSettings, UpstreamsFromResolvConfLeaveOutTheAgentDuplicatesAndNonAddresses) {
  const auto found = upstreamsFromResolvConf(withListeners({"127.0.0.1"}), kNode,
                                             "nameserver 127.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.2\n"
                                             "nameserver dns.example\nnameserver 127.0.0.53\n");
  EXPECT_THAT(found.upstreams, ElementsAre(Upstream{ip("10.0.0.2"), 53}, Upstream{ip("127.0.0.53"), 53}));
  EXPECT_THAT(found.self, ElementsAre(ip("127.0.0.1")));
  EXPECT_THAT(found.ignored, ElementsAre("nameserver dns.example"));
  EXPECT_THAT(upstreamsFromResolvConf(withListeners({"127.0.0.1"}), kNode, "").upstreams, IsEmpty());
}

bool hasNote(const std::vector<SettingsNote>& notes, bool warning, const std::string& part) {
  return std::any_of(notes.begin(), notes.end(), [&](const SettingsNote& n) {
    return n.warning == warning && n.text.find(part) != std::string::npos;
  });
}

TEST(AgentSettings, ForwardingGoesToResolversLeavingTheAgentItselfOutWithAWarning) {
  Config c = withListeners({"127.0.0.1"});
  c.configPath = "/etc/x/config.json";
  c.resolvers = {"127.0.0.1", "10.0.0.2", "[2001:db8::53]:5353"};
  c.zoneResolvers = {{"corp.example", {"10.9.9.9"}}};
  c.timeout = 3;
  c.cacheSize = 100;
  const auto plan = forwardingPlan(c, kNode, "nameserver 10.0.0.99\n", "/etc/resolv.conf");
  EXPECT_THAT(plan.settings.upstreams,
              ElementsAre(Upstream{ip("10.0.0.2"), 53}, Upstream{ip("2001:db8::53"), 5353}));  // resolv.conf unused
  EXPECT_THAT(plan.settings.zoneUpstreams.at("corp.example"), ElementsAre(Upstream{ip("10.9.9.9"), 53}));
  EXPECT_EQ(plan.settings.timeoutMs, 3000);
  EXPECT_EQ(plan.settings.cache.maxEntries, 100u);
  EXPECT_TRUE(hasNote(plan.notes, true, "/etc/x/config.json: key \"resolvers\": 127.0.0.1 is this agent's own"));
  EXPECT_TRUE(
      hasNote(plan.notes, false, "forwarding other names to 10.0.0.2:53, [2001:db8::53]:5353 (from resolvers)"));
  EXPECT_TRUE(hasNote(plan.notes, false, "forwarding corp.example to 10.9.9.9:53 (from zoneResolvers)"));
}

TEST(AgentSettings, WithoutResolversForwardingFollowsTheOriginalResolvConfAndSaysSo) {
  const Config c = withListeners({"127.0.0.1"});
  const auto plan = forwardingPlan(c, kNode, "nameserver 127.0.0.1\nnameserver 10.0.0.2\nnameserver dns.example\n",
                                   "/run/NetworkManager/resolv.conf");
  EXPECT_THAT(plan.settings.upstreams, ElementsAre(Upstream{ip("10.0.0.2"), 53}));
  EXPECT_TRUE(hasNote(plan.notes, true, "/run/NetworkManager/resolv.conf: ignored \"nameserver dns.example\""));
  EXPECT_TRUE(hasNote(plan.notes, false, "nameserver 127.0.0.1 is this agent; not forwarding to it"));
  EXPECT_TRUE(hasNote(plan.notes, false, "(from /run/NetworkManager/resolv.conf)"));
}

TEST(AgentSettings, NoUpstreamAtAllIsAWarningThatOtherNamesFail) {
  const auto plan = forwardingPlan(withListeners({"127.0.0.1"}), kNode, "nameserver 127.0.0.1\n", "/etc/resolv.conf");
  EXPECT_THAT(plan.settings.upstreams, IsEmpty());
  EXPECT_TRUE(hasNote(plan.notes, true, "no upstream resolvers to forward to (/etc/resolv.conf)"));
}

}  // namespace
}  // namespace mdns
