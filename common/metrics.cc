#include "common/metrics.h"

#include <cmath>
#include <cstdio>

namespace mdns {
namespace {

constexpr std::array<uint16_t, 10> kKnownTypes = {1, 2, 5, 6, 12, 15, 16, 28, 33, 255};
constexpr std::array<std::string_view, QueryCounters::kTypes> kTypeNames = {
    "A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV", "ANY", "other", "none"};
constexpr std::array<std::string_view, QueryCounters::kRcodes> kRcodeNames = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "RCODE11",  "RCODE12", "RCODE13", "RCODE14",  "RCODE15"};
constexpr size_t kOther = 10;
constexpr size_t kNone = 11;

std::string formatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

}  // namespace

size_t QueryCounters::typeIndex(uint16_t qtype) {
  for (size_t i = 0; i < kKnownTypes.size(); ++i) {
    if (kKnownTypes[i] == qtype) return i;
  }
  return kOther;
}

std::string_view QueryCounters::typeName(size_t type) { return kTypeNames[type]; }
std::string_view QueryCounters::rcodeName(size_t rcode) { return kRcodeNames[rcode]; }

void QueryCounters::countReply(bool tcp, const uint8_t* reply, size_t length) {
  if (length < 12) return;
  const size_t rcode = reply[3] & 0x0F;
  size_t type = kNone;
  if (((reply[4] << 8) | reply[5]) > 0) {
    size_t p = 12;
    while (p < length && reply[p] != 0 && (reply[p] & 0xC0) == 0) p += 1 + reply[p];
    if (p < length && (reply[p] & 0xC0) == 0xC0) ++p;  // a pointer ends the name (never in our questions)
    if (p + 2 < length) type = typeIndex(static_cast<uint16_t>((reply[p + 1] << 8) | reply[p + 2]));
  }
  counts_[tcp ? 1 : 0][type][rcode].add();
}

void LatencyHistogram::observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].add();
  count_.add();
  sumMicros_.add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e6));
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void PromWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  text_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PromWriter::sample(std::string_view name, const Labels& labels, double value) {
  text_.append(name);
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text_ += ',';
      text_.append(labels[i].first).append("=\"").append(escapeLabelValue(labels[i].second)).append("\"");
    }
    text_ += '}';
  }
  text_.append(" ").append(formatValue(value)).append("\n");
}

void PromWriter::histogram(std::string_view name, const Labels& labels, const LatencyHistogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= LatencyHistogram::kBounds.size(); ++i) {
    cumulative += h.bucket(i);
    Labels l = labels;
    l.emplace_back("le", i < LatencyHistogram::kBounds.size() ? formatValue(LatencyHistogram::kBounds[i]) : "+Inf");
    sample(bucket, l, static_cast<double>(cumulative));
  }
  sample(std::string(name) + "_sum", labels, h.sum());
  sample(std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

}  // namespace mdns
