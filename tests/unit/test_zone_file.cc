// Names for people and zone files (RFC 1035 section 5.1 presentation form), and dump-zone's text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/dns_wire.h"
#include "common/zone_file.h"

namespace mdns {
namespace {

using ::testing::HasSubstr;

TEST(PresentationName, SpacesAndUtf8AreWrittenAsDecimalEscapes) {
  EXPECT_EQ(dns::presentationName("_http._web ui._tcp.marathon.mesos."), "_http._web\\032ui._tcp.marathon.mesos.");
  EXPECT_EQ(dns::presentationName("search31\xc3\xa9-disc.mesos."), "search31\\195\\169-disc.mesos.");
  EXPECT_EQ(dns::presentationName("a\"b(c)d;e@f$g\\h.mesos."), "a\\\"b\\(c\\)d\\;e\\@f\\$g\\\\h.mesos.");
  EXPECT_EQ(dns::presentationName(std::string("nul\0.tab\t.del\x7f.", 15)), "nul\\000.tab\\009.del\\127.");
  EXPECT_EQ(dns::presentationName("web-1_x.marathon.mesos."), "web-1_x.marathon.mesos.");
}

TEST(PresentationName, EveryByteButTheDotReadsBackTheSame) {
  for (int b = 0; b < 256; ++b) {
    if (b == '.') continue;
    const std::string name = "a" + std::string(1, static_cast<char>(b)) + "z.mesos.";
    EXPECT_EQ(dns::parsePresentationName(dns::presentationName(name)), name) << "byte " << b;
  }
}

TEST(PresentationName, BadEscapesAreRefused) {
  for (const char* bad : {"abc\\", "a\\25", "a\\256b", "a\\046b", "a\\.b"}) {
    EXPECT_FALSE(dns::parsePresentationName(bad)) << bad;
  }
  EXPECT_EQ(dns::parsePresentationName("a\\065b\\\\c"), "aAb\\c");
}

TEST(ZoneFile, SoaAndNsFirstThenEveryRecordWithEscapedNames) {
  RecordSet rs;
  rs.addAddress("web ui.marathon.mesos.", *IpAddress::parse("10.0.0.1"));
  rs.addAddress("v6.marathon.mesos.", *IpAddress::parse("fd00::1"));
  rs.addSrv("_http._web ui._tcp.marathon.mesos.", SrvTarget{"web ui-a1b2c-s0.marathon.mesos.", 31000});
  rs.finalize();
  ZoneOptions zone;
  zone.soaSerial = 77;
  const std::string text = zoneFileText(rs, zone);
  EXPECT_EQ(text.rfind("$ORIGIN mesos.\n$TTL 60\nmesos.\t60\tIN\tSOA\tns1.mesos. root.ns1.mesos. 77 60 600 86400 60\n"
                       "mesos.\t60\tIN\tNS\tns1.mesos.\n",
                       0),
            0u)
      << text;
  EXPECT_THAT(text, HasSubstr("web\\032ui.marathon.mesos.\t60\tIN\tA\t10.0.0.1\n"));
  EXPECT_THAT(text, HasSubstr("v6.marathon.mesos.\t60\tIN\tAAAA\tfd00::1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "_http._web\\032ui._tcp.marathon.mesos.\t60\tIN\tSRV\t0 1 31000 web\\032ui-a1b2c-s0.marathon.mesos.\n"));
  EXPECT_EQ(text.find("web ui"), std::string::npos);
}

}  // namespace
}  // namespace mdns
