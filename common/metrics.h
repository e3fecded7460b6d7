// Counters for /metrics, and the Prometheus text exposition format they are written in.
// Counters are written by one thread each (a DNS worker, the forwarder, the source) with relaxed
// loads and stores, no locked instruction on the query path; the scrape sums them from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mdns {

// A counter with a single writer thread and any number of readers.
class Counter {
 public:
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Replies by transport, question type and response code, counted from the reply itself.
class QueryCounters {
 public:
  static constexpr size_t kTypes = 12;  // A NS CNAME SOA PTR MX TXT AAAA SRV ANY, other, none (no question)
  static constexpr size_t kRcodes = 16;
  static constexpr size_t kTransports = 2;  // udp, tcp
  // Counts the reply in `reply` (the question type from its question section, the rcode from its header).
  void countReply(bool tcp, const uint8_t* reply, size_t length);
  uint64_t get(size_t transport, size_t type, size_t rcode) const { return counts_[transport][type][rcode].get(); }

  static std::string_view typeName(size_t type);
  static std::string_view rcodeName(size_t rcode);
  static size_t typeIndex(uint16_t qtype);

 private:
  std::array<std::array<std::array<Counter, kRcodes>, kTypes>, kTransports> counts_{};
};

// Latency histogram with fixed bucket bounds (seconds), one writer.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 10> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
  void observe(double seconds);
  uint64_t bucket(size_t i) const { return buckets_[i].get(); }  // not cumulative; i == kBounds.size(): +Inf
  uint64_t count() const { return count_.get(); }
  double sum() const { return static_cast<double>(sumMicros_.get()) / 1e6; }

 private:
  std::array<Counter, kBounds.size() + 1> buckets_{};
  Counter count_;
  Counter sumMicros_;
};

// Builds an exposition-format document: HELP and TYPE once per family, then its samples.
class PromWriter {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  void histogram(std::string_view name, const Labels& labels, const LatencyHistogram& h);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// Label value escaping of the exposition format (backslash, double quote, newline).
std::string escapeLabelValue(std::string_view value);

}  // namespace mdns
