// mesos-dns's label rules (records/labels/labels.go): RFC 1123 labels (default) and RFC 952 labels
// (EnforceRFC952), and dotted domain fragments made of them.
#include <gtest/gtest.h>

#include <string>

#include "common/labels.h"

namespace mdns {
namespace {

struct LabelCase {
  std::string input;
  LabelRule rule;
  std::string want;
};

std::string ruleName(LabelRule rule) { return rule == LabelRule::kRfc952 ? "RFC952" : "RFC1123"; }

TEST(Labels, SanitizeLabelFollowsMesosDnsRules) {
  const LabelCase cases[] = {
      // Lower-cased; '.', '_' and '-' become '-'; everything else is dropped.
      {"Big.Dog_2", LabelRule::kRfc1123, "big-dog-2"},
      {"Big.Dog_2", LabelRule::kRfc952, "big-dog-2"},
      {"a b!c@d#e", LabelRule::kRfc1123, "abcde"},
      {"MiXeD", LabelRule::kRfc952, "mixed"},
      {"caf\xc3\xa9", LabelRule::kRfc1123, "caf"},  // non-ASCII bytes are dropped
      {"", LabelRule::kRfc1123, ""},
      {"!!!", LabelRule::kRfc1123, ""},
      {"---", LabelRule::kRfc952, ""},
      // No leading or trailing '-'.
      {"-leading", LabelRule::kRfc1123, "leading"},
      {"trailing-", LabelRule::kRfc1123, "trailing"},
      {"__both__", LabelRule::kRfc952, "both"},
      // RFC 952 labels cannot start with a digit; RFC 1123 labels can.
      {"123abc", LabelRule::kRfc1123, "123abc"},
      {"123abc", LabelRule::kRfc952, "abc"},
      {"-9lives", LabelRule::kRfc952, "lives"},
      {"0", LabelRule::kRfc952, ""},
      {"0", LabelRule::kRfc1123, "0"},
      {"web-01", LabelRule::kRfc952, "web-01"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sanitizeLabel(c.input, c.rule), c.want) << ruleName(c.rule) << " of \"" << c.input << "\"";
  }
}

TEST(Labels, Rfc1123LabelsAreCutTo63Characters) {
  EXPECT_EQ(sanitizeLabel(std::string(70, 'a'), LabelRule::kRfc1123), std::string(63, 'a'));
  EXPECT_EQ(sanitizeLabel(std::string(63, 'b'), LabelRule::kRfc1123), std::string(63, 'b'));
  // The cut is made after dropping and trimming, so dropped characters do not count.
  EXPECT_EQ(sanitizeLabel("--" + std::string(63, 'c') + "!!", LabelRule::kRfc1123), std::string(63, 'c'));
}

TEST(Labels, Rfc952LabelsAreCutTo24Characters) {
  EXPECT_EQ(sanitizeLabel("abcdefghijklmnopqrstuvwxyz", LabelRule::kRfc952), "abcdefghijklmnopqrstuvwx");
  EXPECT_EQ(sanitizeLabel("chronos with a space AND MIXED CASE-2", LabelRule::kRfc952), "chronoswithaspaceandmixe");
}

// labels.go trimCut: when the cut leaves a trailing '-', the label is refilled from what follows
// the cut (its leading dashes skipped), and the refill itself may end in '-'.
TEST(Labels, CutThatEndsInDashIsRefilledFromTheRestLikeMesosDns) {
  // 23 letters, '-', "xyz": the cut at 24 ends in '-', which is replaced by the next letter.
  EXPECT_EQ(sanitizeLabel("abcdefghijklmnopqrstuvw-xyz", LabelRule::kRfc952), "abcdefghijklmnopqrstuvwx");
  // 22 letters, "--", "a-b": two characters are refilled, "a-", and mesos-dns keeps that dash.
  EXPECT_EQ(sanitizeLabel("abcdefghijklmnopqrstuv--a-b", LabelRule::kRfc952), "abcdefghijklmnopqrstuva-");
  // Nothing after the cut: the dash is simply trimmed.
  EXPECT_EQ(sanitizeLabel("abcdefghijklmnopqrstuvw-", LabelRule::kRfc952), "abcdefghijklmnopqrstuvw");
  const std::string long1123 = std::string(62, 'a') + "-" + "bcd";
  EXPECT_EQ(sanitizeLabel(long1123, LabelRule::kRfc1123), std::string(62, 'a') + "b");
}

TEST(Labels, DomainFragmentSanitizesEachDottedPart) {
  const LabelCase cases[] = {
      {"marathon", LabelRule::kRfc1123, "marathon"},
      {"marathon.prod", LabelRule::kRfc952, "marathon.prod"},
      {"My_Framework.V1", LabelRule::kRfc1123, "my-framework.v1"},
      // The framework name of mesos-dns's own fixture, as its TestInsertState expects it.
      {"chronos with a space AND MIXED CASE-2.0.1", LabelRule::kRfc952, "chronoswithaspaceandmixe"},
      {"chronos with a space AND MIXED CASE-2.0.1", LabelRule::kRfc1123, "chronoswithaspaceandmixedcase-2.0.1"},
      {"marathon-0.7.5", LabelRule::kRfc1123, "marathon-0.7.5"},
      {"marathon-0.7.5", LabelRule::kRfc952, "marathon-0"},
      // Parts that sanitize to nothing are left out.
      {"a..b", LabelRule::kRfc1123, "a.b"},
      {".leading.dot", LabelRule::kRfc1123, "leading.dot"},
      {"trailing.dot.", LabelRule::kRfc1123, "trailing.dot"},
      {"!!.ok.??", LabelRule::kRfc1123, "ok"},
      {"...", LabelRule::kRfc1123, ""},
      {"", LabelRule::kRfc1123, ""},
      {"Ipv6 Framework", LabelRule::kRfc952, "ipv6framework"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sanitizeDomainFragment(c.input, c.rule), c.want) << ruleName(c.rule) << " of \"" << c.input << "\"";
  }
}

TEST(Labels, DomainFragmentCutsEachLabelNotTheWholeName) {
  const std::string part(30, 'x');
  EXPECT_EQ(sanitizeDomainFragment(part + "." + part, LabelRule::kRfc952),
            std::string(24, 'x') + "." + std::string(24, 'x'));
  EXPECT_EQ(sanitizeDomainFragment(part + "." + part, LabelRule::kRfc1123), part + "." + part);
}

TEST(Labels, SanitizedLabelsAreStable) {
  // Sanitizing an already sanitized label changes nothing (names are built from sanitized parts).
  for (const std::string s : {"Big.Dog_2", "chronos with a space AND MIXED CASE-2", "-9lives", "a b!c"}) {
    for (const auto rule : {LabelRule::kRfc1123, LabelRule::kRfc952}) {
      const std::string once = sanitizeLabel(s, rule);
      EXPECT_EQ(sanitizeLabel(once, rule), once) << ruleName(rule) << " of \"" << s << "\"";
    }
  }
}

}  // namespace
}  // namespace mdns
